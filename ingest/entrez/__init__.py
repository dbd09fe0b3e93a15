"""NCBI E-utilities: the client (the only Bio.Entrez user), resolution, parsers, a fake server."""
