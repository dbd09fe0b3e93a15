"""One module per page of the explorer, each with ``render(source)``."""
