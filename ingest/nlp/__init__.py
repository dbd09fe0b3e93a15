"""Clinical NLP for case reports: pure helpers and spaCy components, each imported on demand."""
