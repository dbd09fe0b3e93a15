"""The namespaces are written once (``kb.namespaces``): every prefix that the question and derived
``.rq`` files and the ontology and shapes files declare means what that table says, and no Python
module outside it spells the KB's own namespace out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb.namespaces import BASE, CB, NAMESPACES, prologue

ROOT = Path(__file__).resolve().parents[1]
DECLARED = re.compile(r"(?:PREFIX|@prefix)\s+(\w*):\s*<([^>]*)>", re.IGNORECASE)
OWN = {"cbsh": "https://casebook.invalid/shapes#",  # the shapes file's own namespace
       "owl": "http://www.w3.org/2002/07/owl#", "sh": "http://www.w3.org/ns/shacl#"}  # fmt: skip


def declarations(paths):
    for path in paths:
        for prefix, iri in DECLARED.findall(path.read_text(encoding="utf-8")):
            yield path.relative_to(ROOT), prefix, iri


def test_query_and_ontology_files_agree_with_the_table():
    files = [*ROOT.glob("kb/questions/*.rq"), *ROOT.glob("kb/derived/*.rq"),
             *ROOT.glob("data/*.ttl")]  # fmt: skip
    found = list(declarations(files))
    assert len(found) > 50
    wrong = [(str(p), pre, iri) for p, pre, iri in found if {**NAMESPACES, **OWN}.get(pre) != iri]
    assert wrong == []


def test_no_module_spells_the_namespace_out():
    own = ("casebook.invalid/ontology", "casebook.invalid/id/")
    modules = [p for pkg in ("kb", "ingest", "explorer") for p in (ROOT / pkg).rglob("*.py")]
    spelled = [str(p.relative_to(ROOT)) for p in modules
               if p.name != "namespaces.py" and any(o in p.read_text(encoding="utf-8") for o in own)]  # fmt: skip
    assert spelled == []


@pytest.mark.parametrize("names", [(), ("cb",), ("skos", "rdfs")])
def test_prologue_declares_what_it_is_asked(names):
    text = prologue(*names)
    declared = dict(DECLARED.findall(text))
    assert declared == {n: NAMESPACES[n] for n in (names or NAMESPACES)}
    assert NAMESPACES["cb"] == CB and BASE.startswith("https://casebook.invalid/")


def test_every_finding_kind_is_in_the_ontology():
    """One table of kinds (``kb.records.FINDING_KINDS``); each kind's IRI is declared."""
    from kb.iris import kind_iri
    from kb.records import FINDING_KINDS

    ontology = (ROOT / "data" / "ontology.ttl").read_text(encoding="utf-8")
    missing = [k for k in FINDING_KINDS if "cb:" + kind_iri(k).removeprefix(CB) not in ontology]
    assert len(FINDING_KINDS) == 8 and missing == []
