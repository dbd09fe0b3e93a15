"""Ingestion: the seed article, NCBI E-utilities, and the parsers of what they return."""
