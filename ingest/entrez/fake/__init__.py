"""A fake NCBI E-utilities service for the tests and ``kb demo``, with fault injection.

The client and the resolution code are tested against it (and ``kb demo`` runs on it) so that
nothing in the test suite touches the network, yet every request still goes through a real
socket, real HTTP and the real response shapes (XML declarations, DOCTYPEs and element names
copied from recorded NCBI answers). Faults reproduce what the live service does on a bad day:
429 past the rate limit, 5xx, stalls, resets, truncated bodies, malformed or hostile XML, and
well-formed ``<ERROR>`` answers.

Run it by hand with ``python -m ingest.entrez.fake --corpus DIR [--port N]``.
"""

from ingest.entrez.fake.corpus import Corpus, IndexedRecord
from ingest.entrez.fake.faults import FAULT_KINDS, Fault
from ingest.entrez.fake.server import FakeEutils, LoggedRequest, main

__all__ = ["FAULT_KINDS", "Corpus", "FakeEutils", "Fault", "IndexedRecord", "LoggedRequest", "main"]
