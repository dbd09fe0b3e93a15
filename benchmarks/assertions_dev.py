"""Assertion status (``casebook_context``) against MACCROBAT's POLARITY NEG, one side of the split.

    .venv/bin/python benchmarks/assertions_dev.py [--side train|dev] [--fold A|B] [--errors N]

The gold entities (not a model's) are set as ``doc.ents`` with their role labels, on a doc made
by the product's own tokenizer and sentence splitter, and only ``casebook_context`` runs, so the
figures measure the assertion rules alone. MACCROBAT entities nest ("left [knee] pain"); spaCy
ents cannot, so they are laid out in layers of non-overlapping spans, one context run per layer.

Figures (issue 14): (a) of the entities MACCROBAT marks NEG, the share reported ``present``
(target <= 5%); (b) of those it does not, the share reported ``negated`` (target <= 2%); and the
confusion of gold polarity x status per role. ANATOMY is never NEG in MACCROBAT (the negation
sits on the finding), so (a) and (b) are over the findings (CONDITION, TREATMENT, TEST, OUTCOME)
and ANATOMY has its own row. MACCROBAT marks a finding that went away NEG ("the rash
resolved"), and so does not count ``resolved`` as present: in (a) it is a hit, and an affirmed
finding marked ``resolved`` is counted apart (it is not a negation). Tune rules on ``--side
train`` only; ``--errors`` prints the misses there with their sentence (to the terminal only:
corpus text never goes into the repo).

Folds, to estimate how rules carry to unseen wordings without looking at dev: ``--fold A`` or
``--fold B`` keeps one half of the 120 train reports. The halves are fixed by PMID: the train
reports sorted by the SHA-256 of ``"casebook-assertion-fold-v1:" + PMID`` (``fold_key``), the
first 60 are A, the rest B. Rules are written from A's misses; B is read for its figures only.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import time
from collections import Counter
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

import ingest.nlp.context_component  # noqa: F401  (registers casebook_context)
from ingest.nlp.context_rules import ASSERTIONS
from ingest.nlp.segment import clinical_tokenizer
from ingest.nlp.train.brat import read_maccrobat
from ingest.nlp.train.corpus import AnnotatedText
from ingest.nlp.train.split import maccrobat_dev

FOLD_SALT = "casebook-assertion-fold-v1:"

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "maccrobat"
ROLES = {
    "SIGN_SYMPTOM": "CONDITION",
    "DISEASE_DISORDER": "CONDITION",
    "MEDICATION": "TREATMENT",
    "THERAPEUTIC_PROCEDURE": "TREATMENT",
    "DIAGNOSTIC_PROCEDURE": "TEST",
    "LAB_VALUE": "TEST",
    "OUTCOME": "OUTCOME",
    "BIOLOGICAL_STRUCTURE": "ANATOMY",
}
FINDINGS = ("CONDITION", "TREATMENT", "TEST", "OUTCOME")
RESOLUTION = re.compile(
    r"resol|disappear|reliev|subsid|ceas|normali[sz]|revers|remission|recover|improv|remov|"
    r"exclusion|clear|regress|abat|restor",
    re.IGNORECASE,
)
"""Words of a finding that went away: MACCROBAT marks such findings NEG (``resolved`` if a rule
caught it; a miss that matches is a resolution wording the rules lack)."""


def miss_kind(role: str, ent: Span) -> str:
    """A rough, keyword-based type for a gold NEG finding reported present (for the report)."""
    sentence = ent.sent.text if ent.doc.has_annotation("SENT_START") else ent.text
    if role == "TEST" and "negative" in sentence.lower():
        return "test with a negative result (present by design)"
    if role == "CONDITION" and RESOLUTION.search(sentence):
        return "condition that resolved (wording the rules lack)"
    return "other"


def build_nlp() -> Language:
    """Blank English with the product's tokenizer, sentences and assertion step (no models)."""
    nlp = clinical_tokenizer()(spacy.blank("en"))
    nlp.add_pipe("casebook_sentences")
    nlp.add_pipe("casebook_context")
    return nlp


def fold_key(pmid: str) -> bytes:
    """The order that halves the train side into folds A and B (fixed by PMID, like the split)."""
    return hashlib.sha256(f"{FOLD_SALT}{pmid}".encode()).digest()


def documents(corpus: Path, side: str, fold: str | None = None) -> list[AnnotatedText]:
    texts = read_maccrobat(corpus)
    dev = set(maccrobat_dev([t.id for t in texts]))
    chosen = [t for t in texts if (t.id in dev) == (side == "dev")]
    if fold is None:
        return chosen
    ranked = sorted(chosen, key=lambda t: fold_key(t.id))
    half = len(ranked) // 2
    return ranked[:half] if fold == "A" else ranked[half:]


def layers(spans: list[tuple[Span, bool]]) -> list[list[tuple[Span, bool]]]:
    """Non-overlapping layers, longest spans first into the earliest layer that has room."""
    out: list[tuple[list[tuple[Span, bool]], set[int]]] = []
    for span, negated in sorted(spans, key=lambda s: (s[0].start - s[0].end, s[0].start)):
        tokens = set(range(span.start, span.end))
        for layer, taken in out:
            if taken.isdisjoint(tokens):
                layer.append((span, negated))
                taken |= tokens
                break
        else:
            out.append(([(span, negated)], tokens))
    return [sorted(layer, key=lambda s: s[0].start) for layer, _ in out]


def assess(nlp: Language, text: AnnotatedText) -> list[tuple[str, bool, str, Span, str | None]]:
    """(role, gold negated, status, span, cue) for each gold entity of a mapped type."""
    doc = nlp.make_doc(text.text)
    for name, pipe in nlp.pipeline:
        if name != "casebook_context":
            doc = pipe(doc)
    context = nlp.get_pipe("casebook_context")
    spans = []
    seen: set[tuple[int, int, str]] = set()
    for a in text.annotations:
        role = ROLES.get(a.label)
        if role is None:
            continue
        span = doc.char_span(a.start, a.end, label=role, alignment_mode="expand")
        if span is None or (span.start, span.end, role) in seen:
            continue
        seen.add((span.start, span.end, role))
        spans.append((span, a.negated))
    out = []
    for layer in layers(spans):
        doc.ents = [span for span, _ in layer]
        doc = context(doc)
        for ent, (_, negated) in zip(doc.ents, layer, strict=True):
            out.append((ent.label_, negated, ent._.assertion, ent, ent._.assertion_cue))
    return out


def share(part: int, whole: int) -> str:
    return f"{part}/{whole} = {100 * part / whole:.1f}%" if whole else f"{part}/0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--side", choices=["train", "dev"], default="dev")
    parser.add_argument(
        "--errors", type=int, default=0, help="print N misses of each kind (train side only)"
    )
    parser.add_argument(
        "--fold", choices=["A", "B"], help="one half of the train side (see the docstring)"
    )
    args = parser.parse_args()
    if args.errors and args.side != "train":
        parser.error("--errors is for tuning, and tuning is on the train side only")
    if args.fold and args.side != "train":
        parser.error("--fold halves the train side")
    nlp = build_nlp()
    texts = documents(args.corpus, args.side, args.fold)
    confusion: dict[str, Counter[tuple[bool, str]]] = {}
    missed, wrong, gone = [], [], []
    kinds: Counter[str] = Counter()
    wrong_by: Counter[tuple[str, str]] = Counter()
    started = time.perf_counter()
    for text in texts:
        for role, negated, status, ent, cue in assess(nlp, text):
            confusion.setdefault(role, Counter())[(negated, status)] += 1
            if role not in FINDINGS:
                continue
            if negated and status == "present":
                missed.append((role, ent))
                kinds[miss_kind(role, ent)] += 1
            elif not negated and status == "negated":
                wrong.append((role, ent, cue))
                wrong_by[(role, (cue or "").lower())] += 1
            elif not negated and status == "resolved":
                gone.append((role, ent, cue))
    seconds = time.perf_counter() - started
    findings = sum((confusion.get(r, Counter()) for r in FINDINGS), Counter())
    gold_neg = sum(n for (neg, _), n in findings.items() if neg)
    gold_aff = sum(n for (neg, _), n in findings.items() if not neg)
    where = args.side if args.fold is None else f"{args.side} fold {args.fold}"
    print(f"MACCROBAT {where}: {len(texts)} reports, {seconds:.1f} s (context only)")
    print(f"(a) gold NEG reported present:   {share(findings[(True, 'present')], gold_neg)}")
    print(f"(b) gold affirmed marked negated: {share(findings[(False, 'negated')], gold_aff)}")
    negated_out = sum(n for (_, s), n in findings.items() if s == "negated")
    print(f"    precision of 'negated':      {share(findings[(True, 'negated')], negated_out)}")
    print(f"    gold affirmed marked resolved: {share(findings[(False, 'resolved')], gold_aff)}")
    width = max(len(a) for a in ASSERTIONS)
    statuses = [a for a in ASSERTIONS if any(c[(g, a)] for c in confusion.values() for g in (0, 1))]
    print(f"\n{'role':<10} {'gold':<4} " + " ".join(f"{a:>{width}}" for a in statuses))
    for role in (*FINDINGS, "ANATOMY"):
        counts = confusion.get(role, Counter())
        for negated in (True, False):
            cells = " ".join(f"{counts[(negated, a)]:>{width}}" for a in statuses)
            print(f"{role:<10} {'NEG' if negated else 'aff':<4} {cells}")
    print("\n(a) misses by kind (keyword-based):")
    for kind, n in kinds.most_common():
        print(f"  {n:>4}  {kind}")
    by_design = sum(n for kind, n in kinds.items() if "by design" in kind)
    print(
        "    (a) without the by-design kinds: "
        f"{share(findings[(True, 'present')] - by_design, gold_neg - by_design)}"
    )
    print("\n(b) affirmed marked negated, by role and cue (top 12):")
    for (role, cue), n in wrong_by.most_common(12):
        print(f"  {n:>4}  {role:<9} {cue!r}")
    if args.errors:
        print(f"\ngold NEG reported present (first {args.errors} of {len(missed)}):")
        for role, ent in missed[: args.errors]:
            print(f"  {role:<9} [{ent.text}]  {_marked(ent)}")
        print(f"\ngold affirmed marked negated (first {args.errors} of {len(wrong)}):")
        for role, ent, cue in wrong[: args.errors]:
            print(f"  {role:<9} [{ent.text}] cue={cue!r}  {_marked(ent)}")
        print(f"\ngold affirmed marked resolved (first {args.errors} of {len(gone)}):")
        for role, ent, cue in gone[: args.errors]:
            print(f"  {role:<9} [{ent.text}] cue={cue!r}  {_marked(ent)}")


def _marked(ent: Span) -> str:
    doc: Doc = ent.doc
    sent = ent.sent if doc.has_annotation("SENT_START") else ent
    before = doc[sent.start : ent.start].text
    after = doc[ent.end : sent.end].text
    return " ".join(f"{before} [[{ent.text}]] {after}".split())


if __name__ == "__main__":
    main()
