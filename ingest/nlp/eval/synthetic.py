"""The synthetic corpus (``ingest.nlp.synthetic``), true by construction, as expected facts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ingest.nlp.eval.facts import EvalReport, Fact, fact_type, from_finding, score
from kb.records import Extraction
from kb.vocab import Vocabulary, load_vocabulary

if TYPE_CHECKING:
    from ingest.nlp.synthetic import Truth


def synthetic_facts(extractions: Iterable[Extraction]) -> list[Fact]:
    """Predicted facts in scope for the synthetic corpus: findings whose evidence lies in a
    document's case presentation, of the kinds its truths use, asserted present, negated or
    hypothetical. Extraction i is "doc i"; its subject (case or article) is not looked at, since
    each synthetic abstract describes one patient."""
    kinds = ("condition", "etiology", "treatment", "outcome", "anatomy", "patient_attribute")
    values = ("outcome", "anatomy", "patient_attribute")
    return [
        from_finding(f, fact_type(f.kind, f.assertion, f.concept), f"doc {i}", values)
        for i, ex in enumerate(extractions)
        for f in ex.findings
        if f.evidence.section == "case_presentation"
        and f.kind in kinds
        and f.assertion in ("present", "negated", "hypothetical")
    ]


def truth_facts(truths: Sequence[Sequence[Truth]]) -> list[Fact]:
    out = []
    for i, doc in enumerate(truths):
        for t in doc:
            type_ = fact_type(t.kind, t.assertion, t.concept)
            out.append(Fact(type_, f"doc {i}", t.kind, (t.concept,), t.assertion, t.value))
    return out


def evaluate_synthetic(
    extractions: Sequence[Extraction], truths: Sequence[Sequence[Truth]], vocab: Vocabulary
) -> EvalReport:
    """Score extraction i against truths i (the synthetic corpus: truth known by construction)."""
    if len(extractions) != len(truths):
        raise ValueError(f"{len(extractions)} extractions for {len(truths)} truth lists")
    title = f"{len(truths)} synthetic abstracts against their truth"
    report = score(truth_facts(truths), synthetic_facts(extractions), vocab, title)
    report.documents = len(truths)
    return report


def evaluate_generated(n: int, rng: int = 0) -> EvalReport:
    """Generate ``n`` SYNTHETIC abstracts, extract them, score against their known truth."""
    from ingest.nlp.extract import extract
    from ingest.nlp.pipeline import shared_nlp
    from ingest.nlp.synthetic import as_document, generate

    vocab = load_vocabulary()
    labels = {c.id: c.label for c in vocab.concepts.values()}
    nlp = shared_nlp()
    corpus = generate(n, rng, vocab)
    extractions = [
        extract(nlp, as_document(text, f"synthetic:{i}"), labels)
        for i, (text, _) in enumerate(corpus)
    ]
    return evaluate_synthetic(extractions, [truths for _, truths in corpus], vocab)
