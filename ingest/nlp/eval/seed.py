"""The seed against its gold: the seed's extractions become facts in the scope the gold covers."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ingest.nlp.eval.facts import EvalReport, Fact, case_attributes, fact_type, from_finding, score
from ingest.nlp.eval.gold import Gold, load_gold
from kb.records import Extraction
from kb.vocab import Vocabulary


def seed_facts(extractions: Iterable[Extraction], gold: Gold) -> list[Fact]:
    """The predicted facts in scope for the seed's gold.

    - case attributes: age, sex and sites of every case extracted from the seed;
    - case findings: findings about a case of the seed (subject ``case:<seed>#N``, any N), of a
      kind the gold's case findings use (condition, etiology, treatment, outcome), asserted
      ``present`` or ``negated`` (possible, hypothetical, historical and family statements make
      no claim the gold could confirm or refute);
    - reference facts: ``citation_context`` findings about a reference the gold annotates
      (``ref:<seed>#N``, N in 11–15), of a kind the gold's reference facts use, ``present`` or
      ``negated``.

    Article-level findings, tests, and anatomy and patient_attribute findings about cases (read
    through the cases' attributes instead) are out of scope.
    """
    extractions = list(extractions)
    doc = gold.document
    if not any(e.document == doc or e.document.startswith(f"{doc}#") for e in extractions):
        raise ValueError(f"no extraction of the gold's seed ({doc}) among the extractions")
    case_kinds = {f.kind for c in gold.cases for f in c.findings}
    ref_kinds = {f.kind for r in gold.references for f in r.findings}
    ref_numbers = {r.number for r in gold.references}
    out: list[Fact] = []
    for ex in extractions:
        for case in ex.cases if ex.document == doc else ():
            sites = [(*_split_site(site), False) for site in case.sites]
            out += case_attributes(f"case {case.number}", case.age, case.sex, sites)
        for f in ex.findings:
            if f.assertion not in ("present", "negated"):
                continue
            who, _, number = f.subject.rpartition("#")
            if who == f"case:{doc}" and f.kind in case_kinds:
                type_ = fact_type(f.kind, f.assertion)
                out.append(from_finding(f, type_, f"case {number}", ("outcome",)))
            elif (
                who == f"ref:{doc}"
                and f.evidence.method == "citation_context"
                and f.kind in ref_kinds
                and number.isdigit()
                and int(number) in ref_numbers
            ):
                values = ("outcome", "patient_attribute")
                out.append(from_finding(f, "reference", f"ref {number}", values))
    return out


def _split_site(site: str) -> tuple[str, str | None]:
    """ "leg:left medial" → ("leg", "left medial"); "skin" → ("skin", None)."""
    concept, _, laterality = site.partition(":")
    return concept, laterality or None


def evaluate(extractions: list[Extraction], gold: Gold, vocab: Vocabulary) -> EvalReport:
    """Score the seed's extractions (text and citation contexts) against its gold file."""
    title = f"seed {gold.seed_file or gold.document} against its gold file"
    return score(gold.facts(), seed_facts(extractions, gold), vocab, title)


def evaluate_seed(seed_path: Path, gold_path: Path | None = None) -> EvalReport:
    """Read the seed, extract (text + citation contexts, no resolutions), score against the gold.

    Raises ``ValueError`` when the seed's sha256 is not the one the gold was written for.
    """
    from ingest.nlp.citations import citation_findings
    from ingest.nlp.documents import seed_document
    from ingest.nlp.extract import extract
    from ingest.nlp.pipeline import shared_nlp
    from ingest.seed.document import read_seed_bytes
    from kb.vocab import load_vocabulary

    gold = load_gold(gold_path)
    data = Path(seed_path).read_bytes()
    seed = read_seed_bytes(data, source=Path(seed_path).name)
    if seed.sha256 != gold.sha256:
        raise ValueError(
            f"{seed_path} has sha256 {seed.sha256[:12]}…, the gold was written for "
            f"{gold.sha256[:12]}… ({gold.seed_file})"
        )
    nlp = shared_nlp()
    vocab = load_vocabulary()
    labels = {c.id: c.label for c in vocab.concepts.values()}
    text = data.decode("utf-8-sig")

    def broader(concept: str) -> list[str]:  # as ``kb extract`` reads it (``run._tools``)
        return [c.id for c in vocab.ancestors(concept)] if concept in vocab.concepts else []

    extractions = [
        extract(nlp, seed_document(seed, text), labels, broader),
        citation_findings(nlp, seed, [], labels),
    ]
    return evaluate(extractions, gold, vocab)
