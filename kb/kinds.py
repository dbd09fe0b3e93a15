"""The kinds of finding, in the order they are shown (each kind's IRI is ``kb.iris.kind_iri``).

Apart from ``kb.records`` so that the question path (``kb.concepts``) reads them without
building every record dataclass (~25 ms of a cold ``kb ask``)."""

from __future__ import annotations

from typing import Literal, get_args

FindingKind = Literal[
    "condition",
    "etiology",
    "treatment",
    "outcome",
    "test",
    "anatomy",
    "patient_attribute",
    "duration",
]
FINDING_KINDS: tuple[FindingKind, ...] = get_args(FindingKind)
