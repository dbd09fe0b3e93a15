"""Score extractions against expected facts: precision, recall, misses and spurious items per type.

Two sources of expected facts, one scorer:

- a **gold file** for the seed (``data/gold/seed_000.json``, written by hand; format in
  ``data/gold/README.md``) — ``evaluate(extractions, gold, vocab)``, or ``evaluate_seed(path)``,
  which runs the extraction itself;
- the **synthetic** corpus (``ingest.nlp.synthetic``), true by construction —
  ``evaluate_synthetic(extractions, truths, vocab)``.

Both become lists of ``Fact``s and go through ``score``. Rules (the same for both):

- A predicted fact is **correct** when it matches an expected fact (key or optional): same
  subject, kind and assertion; its concept is one of the expected concept ids or has one among
  its ``broader`` ancestors (a predicted ``disappearance`` counts for ``complete_resolution``);
  and its value agrees, when both give one (durations by their days; a site's laterality may be
  a part of the expected one: "left" for "left medial"). Otherwise it is **spurious**.
- An expected key fact is **found** when a predicted fact matches it *and* gives its value, if
  it has one (an outcome found without its time is a miss). Optional facts are true statements
  the gold does not require: predicting one is correct, missing one is not a miss.
- Predicted facts are de-duplicated first (one per subject, kind, concept, assertion, value), so
  a fact the text repeats counts once.

The type of a fact: ``age``, ``sex``, ``site`` (case attributes), ``condition``, ``etiology``,
``treatment``, ``outcome`` (present facts about a case), ``negated`` (negated facts about a
case), ``hypothetical`` (synthetic only) and ``reference`` (what the seed says about a cited
reference). What is in scope for precision is spelled out in ``seed_facts`` and
``synthetic_facts``.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from kb.durations import parse_iso
from kb.records import Assertion, Extraction, Finding, FindingKind
from kb.vocab import Vocabulary, load_vocabulary

if TYPE_CHECKING:
    from ingest.nlp.synthetic import Truth

GOLD_FORMAT = "casebook-gold/1"
FINDING_KINDS = get_args(FindingKind)
ASSERTIONS = get_args(Assertion)
PSEUDO_CONCEPTS = {"age", "sex"}  # concepts of patient_attribute facts (not vocabulary ids)
SEXES = ("male", "female")
CASE_TYPES = ("age", "sex", "site", "condition", "etiology", "treatment", "outcome")
TYPE_ORDER = (*CASE_TYPES, "negated", "hypothetical", "reference")


class GoldError(ValueError):
    """A gold file that breaks the format; the message says where."""


# --------------------------------------------------------------------------- facts and scoring


@dataclass(frozen=True)
class Fact:
    """An expected or predicted fact. Predicted facts have exactly one concept."""

    type: str  # age, sex, site, condition, …, negated, hypothetical, reference
    subject: str  # "case 1", "ref 11", "doc 17"
    kind: str  # the finding kind ("anatomy" for sites, "patient_attribute" for age and sex)
    concepts: tuple[str, ...]  # acceptable concept ids (any one will do)
    assertion: str = "present"
    value: str | None = None  # ISO duration, "male"/"female", a laterality ("left medial")
    optional: bool = False

    def __str__(self) -> str:
        concept = "|".join(self.concepts)
        parts = [self.subject, self.kind, concept]
        if self.assertion != "present":
            parts.append(self.assertion)
        if self.value:
            parts.append(f"= {self.value}")
        return " ".join(parts)


@dataclass
class TypeScore:
    type: str
    gold: int = 0  # expected key facts
    found: int = 0
    predicted: int = 0  # distinct predicted facts in scope
    correct: int = 0

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.found / self.gold if self.gold else None


@dataclass
class EvalReport:
    title: str
    scores: list[TypeScore]  # one per type, in TYPE_ORDER
    misses: list[Fact] = field(default_factory=list)  # key facts not found
    spurious: list[Fact] = field(default_factory=list)  # predictions matching no expected fact
    partial: dict[Fact, Fact] = field(default_factory=dict)  # a miss → a prediction of it
    # that lacks (part of) its value: the outcome without its time, "left" for "left medial"
    documents: int = 1

    @property
    def total(self) -> TypeScore:
        """Micro-averaged over all types."""
        out = TypeScore("all")
        for s in self.scores:
            out.gold += s.gold
            out.found += s.found
            out.predicted += s.predicted
            out.correct += s.correct
        return out

    def score(self, type_: str) -> TypeScore:
        return next((s for s in self.scores if s.type == type_), TypeScore(type_))


def score(
    expected: Sequence[Fact], predicted: Iterable[Fact], vocab: Vocabulary, title: str = ""
) -> EvalReport:
    """Compare predicted facts with expected ones (the rules are in the module docstring)."""
    predictions = list(dict.fromkeys(predicted))
    by_subject: dict[str, list[Fact]] = defaultdict(list)
    for fact in expected:
        by_subject[fact.subject].append(fact)
    scores = {t: TypeScore(t) for t in TYPE_ORDER}
    found: set[int] = set()  # ids of expected facts found
    spurious = []
    partial: dict[Fact, Fact] = {}
    for p in predictions:
        s = scores.setdefault(p.type, TypeScore(p.type))
        s.predicted += 1
        hits = [g for g in by_subject.get(p.subject, ()) if matches(p, g, vocab)]
        if hits:
            s.correct += 1
            for g in hits:
                if agrees(p.value, g.value, p.type, full=True):
                    found.add(id(g))
                else:
                    partial.setdefault(g, p)
        else:
            spurious.append(p)
    misses = []
    for g in expected:
        if g.optional:
            continue
        s = scores.setdefault(g.type, TypeScore(g.type))
        s.gold += 1
        if id(g) in found:
            s.found += 1
        else:
            misses.append(g)
    kept = [s for s in scores.values() if s.gold or s.predicted]
    partial = {g: p for g, p in partial.items() if g in misses}
    return EvalReport(title, kept, misses, spurious, partial)


def matches(p: Fact, g: Fact, vocab: Vocabulary) -> bool:
    """Whether predicted ``p`` is compatible with expected ``g`` (see the module docstring)."""
    if (p.subject, p.kind, p.assertion) != (g.subject, g.kind, g.assertion):
        return False
    if not _concept_matches(p.concepts[0], g.concepts, vocab):
        return False
    return agrees(p.value, g.value, p.type, full=False)


def _concept_matches(concept: str, accepted: tuple[str, ...], vocab: Vocabulary) -> bool:
    if concept in accepted:
        return True
    if concept not in vocab.concepts:
        return False
    return any(a.id in accepted for a in vocab.ancestors(concept))


def agrees(predicted: str | None, expected: str | None, type_: str, full: bool) -> bool:
    """Values agree. ``full``: the prediction gives all of the expected value (for recall)."""
    if expected is None:
        return True
    if predicted is None:
        return not full
    if type_ == "site":
        p, e = set(predicted.split()), set(expected.split())
        return p == e if full else p <= e
    a, b = parse_iso(predicted), parse_iso(expected)
    if a is not None and b is not None:
        return abs(a.days - b.days) < 0.5
    return predicted.casefold() == expected.casefold()


def case_attributes(
    subject: str, age: str | None, sex: str | None, sites: Iterable[tuple[str, str | None, bool]]
) -> list[Fact]:
    """Age, sex and (concept, laterality, optional) sites of a case as facts."""
    out = [Fact("site", subject, "anatomy", (c,), value=lat, optional=opt) for c, lat, opt in sites]
    if sex:
        out.insert(0, Fact("sex", subject, "patient_attribute", ("sex",), value=sex))
    if age:
        out.insert(0, Fact("age", subject, "patient_attribute", ("age",), value=age))
    return out


def from_finding(f: Finding, type_: str, subject: str, values: Iterable[str] = ()) -> Fact:
    """A predicted fact; the finding's value is kept only for the kinds in ``values``."""
    value = f.value if f.kind in values else None
    return Fact(type_, subject, f.kind, (f.concept,), f.assertion, value)


def fact_type(kind: str, assertion: str, concept: str = "") -> str:
    """The scoring type of a case-level fact."""
    if assertion in ("negated", "hypothetical"):
        return assertion
    if kind == "patient_attribute":
        return concept  # "age" or "sex"
    if kind == "anatomy":
        return "site"
    return kind


# --------------------------------------------------------------------------- gold file


@dataclass(frozen=True)
class GoldFact:
    kind: str
    concepts: tuple[str, ...]
    assertion: str = "present"
    value: str | None = None
    optional: bool = False
    note: str | None = None


@dataclass(frozen=True)
class GoldSite:
    concept: str
    laterality: str | None = None
    optional: bool = False


@dataclass(frozen=True)
class GoldCase:
    number: int
    age: str | None
    sex: str | None
    sites: tuple[GoldSite, ...]
    findings: tuple[GoldFact, ...]


@dataclass(frozen=True)
class GoldReference:
    number: int
    findings: tuple[GoldFact, ...]


@dataclass(frozen=True)
class Gold:
    seed_file: str
    sha256: str
    title: str
    cases: tuple[GoldCase, ...]
    references: tuple[GoldReference, ...]

    @property
    def document(self) -> str:
        """The seed's document id in extractions: "seed:<sha256[:12]>"."""
        return f"seed:{self.sha256[:12]}"

    def facts(self) -> list[Fact]:
        """Every expected fact, as the scorer sees it."""
        out: list[Fact] = []
        for case in self.cases:
            subject = f"case {case.number}"
            sites = [(s.concept, s.laterality, s.optional) for s in case.sites]
            out += case_attributes(subject, case.age, case.sex, sites)
            for f in case.findings:
                t = fact_type(f.kind, f.assertion)
                out.append(Fact(t, subject, f.kind, f.concepts, f.assertion, f.value, f.optional))
        for ref in self.references:
            subject = f"ref {ref.number}"
            for f in ref.findings:
                out.append(
                    Fact("reference", subject, f.kind, f.concepts, f.assertion, f.value, f.optional)
                )
        return out

    def concept_ids(self) -> set[str]:
        """Every concept id the gold names (pseudo-concepts "age" and "sex" included)."""
        ids = {s.concept for c in self.cases for s in c.sites}
        findings = [f for c in self.cases for f in c.findings]
        findings += [f for r in self.references for f in r.findings]
        return ids | {concept for f in findings for concept in f.concepts}


def default_gold_path() -> Path:
    return Path(str(resources.files("casebook_data") / "gold" / "seed_000.json"))


def load_gold(path: Path | None = None) -> Gold:
    """Read and validate a gold file (default: the shipped ``data/gold/seed_000.json``)."""
    path = path or default_gold_path()
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise GoldError(f"{path}: not JSON ({exc})") from None
    return parse_gold(data, str(path))


def parse_gold(data: Any, source: str = "<gold>") -> Gold:
    def fail(where: str, problem: str) -> GoldError:
        return GoldError(f"{source}: {where}: {problem}")

    if not isinstance(data, dict) or data.get("format") != GOLD_FORMAT:
        raise fail("top level", f'"format" must be {GOLD_FORMAT!r}')
    seed = _obj(data.get("seed"), "seed", fail)
    sha = seed.get("sha256")
    if not (isinstance(sha, str) and len(sha) == 64 and all(c in "0123456789abcdef" for c in sha)):
        raise fail("seed.sha256", "must be 64 lower-case hex digits")
    cases = []
    for i, raw in enumerate(_list(data.get("cases", []), "cases", fail)):
        where = f"cases[{i}]"
        case = _obj(raw, where, fail)
        number = _int(case.get("number"), f"{where}.number", fail)
        age = case.get("age")
        if age is not None and (not isinstance(age, str) or parse_iso(age) is None):
            raise fail(f"{where}.age", f"{age!r} is not an ISO 8601 duration (P1M, P23Y)")
        sex = case.get("sex")
        if sex is not None and sex not in SEXES:
            raise fail(f"{where}.sex", f"{sex!r} is not one of {SEXES}")
        sites = tuple(
            _site(_obj(s, f"{where}.sites[{j}]", fail), f"{where}.sites[{j}]", fail)
            for j, s in enumerate(_list(case.get("sites", []), f"{where}.sites", fail))
        )
        findings = _findings(case.get("findings", []), where, fail)
        cases.append(GoldCase(number, age, sex, sites, findings))
    references = []
    for i, raw in enumerate(_list(data.get("references", []), "references", fail)):
        where = f"references[{i}]"
        ref = _obj(raw, where, fail)
        number = _int(ref.get("number"), f"{where}.number", fail)
        references.append(GoldReference(number, _findings(ref.get("findings", []), where, fail)))
    for name, items in (("case", cases), ("reference", references)):
        numbers = [item.number for item in items]
        if len(numbers) != len(set(numbers)):
            raise fail(f"{name}s", f"{name} numbers repeat: {numbers}")
    return Gold(
        str(seed.get("file", "")), sha, str(seed.get("title", "")), tuple(cases), tuple(references)
    )


def _findings(raw: Any, where: str, fail) -> tuple[GoldFact, ...]:
    out = []
    for j, item in enumerate(_list(raw, f"{where}.findings", fail)):
        at = f"{where}.findings[{j}]"
        f = _obj(item, at, fail)
        unknown = set(f) - {"kind", "concept", "assertion", "value", "optional", "note"}
        if unknown:
            raise fail(at, f"unknown keys {sorted(unknown)}")
        kind = f.get("kind")
        if not isinstance(kind, str) or kind not in FINDING_KINDS:
            raise fail(f"{at}.kind", f"{kind!r} is not one of {FINDING_KINDS}")
        concepts = _concepts(f.get("concept"), f"{at}.concept", fail)
        if kind == "patient_attribute" and (
            len(concepts) != 1 or concepts[0] not in PSEUDO_CONCEPTS
        ):
            raise fail(f"{at}.concept", 'a patient_attribute concept is "age" or "sex"')
        assertion = f.get("assertion", "present")
        if assertion not in ASSERTIONS:
            raise fail(f"{at}.assertion", f"{assertion!r} is not one of {ASSERTIONS}")
        value: str | None = f.get("value")
        if value is not None and not isinstance(value, str):
            raise fail(f"{at}.value", "must be a string")
        if kind == "outcome" and value is not None and parse_iso(value) is None:
            raise fail(f"{at}.value", f"an outcome's time {value!r} is not an ISO 8601 duration")
        if concepts == ("age",) and (value is None or parse_iso(value) is None):
            raise fail(f"{at}.value", "an age needs an ISO 8601 duration value")
        if concepts == ("sex",) and value not in SEXES:
            raise fail(f"{at}.value", f"a sex is one of {SEXES}")
        optional = f.get("optional", False)
        if not isinstance(optional, bool):
            raise fail(f"{at}.optional", "must be true or false")
        out.append(GoldFact(kind, concepts, assertion, value, optional, f.get("note")))
    return tuple(out)


def _site(s: dict, where: str, fail) -> GoldSite:
    unknown = set(s) - {"concept", "laterality", "optional"}
    if unknown:
        raise fail(where, f"unknown keys {sorted(unknown)}")
    concept = _concepts(s.get("concept"), f"{where}.concept", fail)
    if len(concept) != 1:
        raise fail(f"{where}.concept", "a site names one concept")
    laterality = s.get("laterality")
    if laterality is not None and not (isinstance(laterality, str) and laterality.strip()):
        raise fail(f"{where}.laterality", "must be a non-empty string")
    optional = s.get("optional", False)
    if not isinstance(optional, bool):
        raise fail(f"{where}.optional", "must be true or false")
    return GoldSite(concept[0], laterality, optional)


def _concepts(raw: Any, where: str, fail) -> tuple[str, ...]:
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items or not all(isinstance(c, str) and c for c in items):
        raise fail(where, "must be a concept id or a non-empty list of them")
    return tuple(items)


def _obj(raw: Any, where: str, fail) -> dict:
    if not isinstance(raw, dict):
        raise fail(where, "must be an object")
    return raw


def _list(raw: Any, where: str, fail) -> list:
    if not isinstance(raw, list):
        raise fail(where, "must be a list")
    return raw


def _int(raw: Any, where: str, fail) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or raw < 1:
        raise fail(where, "must be a positive integer")
    return raw


_MESH_CONCEPT = re.compile(r"mesh:D\d{6,9}\Z")


def unknown_concepts(gold: Gold, vocab: Vocabulary) -> list[str]:
    """Concept ids in the gold that are neither vocabulary ids, MeSH descriptors ("mesh:D…",
    the concept of a grounded finding the curated vocabulary lacks) nor "age"/"sex"."""
    return sorted(
        c
        for c in gold.concept_ids()
        if c not in vocab.concepts and c not in PSEUDO_CONCEPTS and not _MESH_CONCEPT.match(c)
    )


# --------------------------------------------------------------------------- seed evaluation


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


# --------------------------------------------------------------------------- synthetic corpus


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


# --------------------------------------------------------------------------- report


def format_report(report: EvalReport, limit: int = 25) -> str:
    """A table of precision and recall per type, then the misses and spurious items."""

    def pct(x: float | None) -> str:
        return "   –" if x is None else f"{x:4.2f}"

    lines = [report.title, ""]
    lines.append(
        f"{'type':<13} {'P':>5} {'R':>5} {'correct':>8} {'predicted':>9} {'found':>6} {'gold':>5}"
    )
    rows = [*report.scores, report.total]
    for s in rows:
        if s is rows[-1]:
            lines.append("-" * 57)
        lines.append(
            f"{s.type:<13} {pct(s.precision):>5} {pct(s.recall):>5} {s.correct:>8} "
            f"{s.predicted:>9} {s.found:>6} {s.gold:>5}"
        )
    for name, items in (("Missed", report.misses), ("Spurious", report.spurious)):
        lines += ["", f"{name} ({len(items)}):"]
        if report.documents > 1:
            text = _grouped(items, report.partial)
        else:
            text = [f"  {f.type:<12} {f}{_why(f, report.partial)}" for f in items]
        lines += text[:limit]
        if len(text) > limit:
            lines.append(f"  … and {len(text) - limit} more")
    return "\n".join(lines)


def _why(fact: Fact, partial: dict[Fact, Fact]) -> str:
    near = partial.get(fact)
    if near is None:
        return ""
    return f"  [predicted with {'no value' if near.value is None else near.value!r}]"


def _grouped(facts: list[Fact], partial: dict[Fact, Fact]) -> list[str]:
    """Across many documents: one line per (type, concept, assertion), most frequent first."""
    groups: dict[tuple[str, str, str, str], list[Fact]] = defaultdict(list)
    for f in facts:
        if f in partial:  # the value is the problem, whatever the concept
            groups[(f.type, "(any concept)", f.assertion, "  [value incomplete]")].append(f)
        else:
            groups[(f.type, "|".join(f.concepts), f.assertion, "")].append(f)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [
        f"  {len(fs):>4} × {t:<12} {c}{'' if a == 'present' else ' ' + a}{why}"
        f"  (e.g. {fs[0]}{_why(fs[0], partial)})"
        for (t, c, a, why), fs in ordered
    ]


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
