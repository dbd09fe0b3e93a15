"""Training the learned recognisers: corpus readers, the project's own train/dev split, spaCy
training data, and the ``kb train`` command's runner."""
