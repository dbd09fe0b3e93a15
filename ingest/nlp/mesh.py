"""A record's MeSH indexing → findings about the article (method "mesh"), kept apart from text.

Descriptor/qualifier pairs say what indexers read in the article:
    Calcinosis/chemically induced + Calcium Gluconate/adverse effects → condition + etiology,
    related caused_by;  X/therapeutic use → treatment X;  X/therapy, X/etiology … → condition X.
A descriptor maps to a vocabulary concept by its MeSH id, else by its name; one the vocabulary
lacks keeps the MeSH id as its concept ("mesh:D002114").
"""

from __future__ import annotations

import hashlib

from ingest.nlp.lexicon import Lexicon
from kb import __version__, records
from kb.records import Evidence, Extraction, Finding, PubmedRecord, Relation
from kb.vocab import Vocabulary, normalize_term

EXTRACTOR = "casebook.mesh"
CAUSE = {"adverse effects", "poisoning", "toxicity"}
TREATMENT = {"therapeutic use", "administration & dosage"}
CONDITION = {"chemically induced", "etiology", "therapy", "drug therapy", "surgery",
             "diagnosis", "diagnostic imaging", "pathology", "complications"}  # fmt: skip
INDUCED = {"chemically induced", "etiology", "complications"}


KIND_CATEGORY = {"etiology": "chemical", "treatment": "chemical", "condition": "disease"}


def mesh_findings(
    record: PubmedRecord, vocab: Vocabulary, lexicon: Lexicon | None = None
) -> Extraction:
    document = f"pmid:{record.pmid}"
    subject = f"article:{document}"
    findings: list[Finding] = []
    induced: list[Finding] = []
    causes: list[Finding] = []
    for heading in record.mesh_headings:
        qualifiers = {q.name for q in heading.qualifiers}
        kind = (
            "etiology" if qualifiers & CAUSE
            else "treatment" if qualifiers & TREATMENT
            else "condition" if qualifiers & CONDITION
            else None
        )  # fmt: skip
        if kind is None:
            continue  # check tags (Humans, Male, Infant) and plain descriptors say little
        concept, label = _concept(heading.descriptor_ui, heading.descriptor_name, vocab)
        pairs = "; ".join(f"{heading.descriptor_name}/{q}" for q in sorted(qualifiers))
        category = _category(heading.descriptor_ui, heading.descriptor_name, kind, lexicon)
        finding = _finding(document, subject, kind, concept, label, pairs, category)
        finding.ids = [f"mesh:{heading.descriptor_ui}"]
        finding.matched = heading.descriptor_name
        findings.append(finding)
        if kind == "condition" and qualifiers & INDUCED:
            induced.append(finding)
        if kind == "etiology":
            causes.append(finding)
    relations = [Relation("caused_by", c.id, e.id, evidence=e.id) for c in induced for e in causes]
    return Extraction(document, [], findings, relations)


def _concept(ui: str, name: str, vocab: Vocabulary) -> tuple[str, str]:
    for concept in vocab.concepts.values():
        if concept.mesh == ui:
            return concept.id, concept.label
    matches = vocab.lookup(normalize_term(name))
    if len(matches) == 1:
        return matches[0].id, matches[0].label
    return f"mesh:{ui}", name


def _category(ui: str, name: str, kind: str, lexicon: Lexicon | None) -> str:
    """What the descriptor is (its MeSH tree, through the lexicon), else what its role implies."""
    grounding = lexicon.ground(name, KIND_CATEGORY[kind]) if lexicon is not None else None
    if grounding is not None and f"mesh:{ui}" in grounding.ids and grounding.category:
        return grounding.category
    return KIND_CATEGORY[kind]


def _finding(
    document: str, subject: str, kind: str, concept: str, label: str, pairs: str, category: str
) -> Finding:
    key = f"{kind}|{concept}|{subject}|mesh|{pairs}"
    evidence = Evidence(document, "mesh", EXTRACTOR, __version__, "mesh", pairs, 0, 0, 0, 0, 1.0)
    return Finding(
        id=hashlib.sha256(key.encode()).hexdigest()[:20],
        kind=records.finding_kind(kind),
        concept=concept,
        label=label,
        text=pairs,
        subject=subject,
        assertion="present",
        evidence=evidence,
        category=records.category(category),
        match_score=1.0,  # the indexer's own descriptor
    )
