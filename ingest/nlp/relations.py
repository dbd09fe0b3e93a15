"""Relations between mentions, only where the text links them (pure): condition —caused_by→
etiology, condition —treated_with→ treatment, treatment —led_to→ outcome (with the time to it).

Never co-occurrence. Within a sentence a relation needs a cue between its two ends, from the
table ``data/nlp/relation_cues.tsv`` (kind, which label comes first, the cue's words): "Y due to
X", "X-induced Y", "T for C", "C treated with T", "resolved with T", "T led to complete
resolution". Only a few filler words may stand beside the cue (articles, auxiliaries, adverbs,
a duration: "resolved completely after 3 months of T"), mentions of the second end's label may
be listed after it ("resolved with T1 and T2", "T for C1 and C2"), and any other mention of the
pairing's labels in between ends the search: each end pairs with its nearest partner. A cue
right after a denial ("was not due to") is no cue. Two more links are explicit across
sentences: a sentence that opens on the treatment just named ("After this treatment, the
lesion healed") links the previous sentence's treatments to its outcomes, and so, more weakly
(score 0.7), does a next sentence with no treatment of its own that places its outcome in time
after them ("He was managed with a dressing. Over the following weeks the lesion resolved";
"… resolution after 5 months"); and within a patient
case, a condition the article's title names is caused by an etiology that its own sentence
marks as a cause ("a treatment-related complication of IV calcium"), or after which the next
sentence says the patient developed it ("… treated with IV calcium. He developed swelling … and
was diagnosed with iatrogenic calcinosis cutis"), so the report's subject is tied to what the
report says caused it — not to everything else the patient had (an admission to the NICU).

A chemical–condition pair in one sentence with no cue may still be related by the learned
cause scorer (``cause``: a callable giving the probability that the sentence says the chemical
caused the condition), trained on BC5CDR's chemical-induced-disease pairs. Negated,
hypothetical, refused or stopped mentions never relate.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from ingest.nlp.cues import BREAK, HEDGED, cues_by_labels, lead_cue, linking_cue
from ingest.nlp.mentions import Mention
from ingest.nlp.relations_across import across_sentences, better, case_causes, title_causes
from kb.records import Finding, Relation, relation_kind

RELATABLE = {"present", "historical", "resolved"}
TIME_ONLY = frozenset(
    {"after", "following", "upon", "on", "under", "with", "and", "post", "within"}
)
"""led_to cues that only place an outcome beside a treatment: they link a better state ("resolved
after T"), never progression, recurrence or death ("died 8 months after surgery"), which the
text does not present as the treatment's result."""
WHEN = frozenset({"on", "upon", "at", "during", "after", "following", "within"})
"""led_to cues that, before a follow-up, say when the outcome was seen, not what brought it:
"complete resolution on follow-up images" (but "resolved with observation" is care)."""
CauseScorer = Callable[
    [str, tuple[int, int], tuple[int, int], tuple[tuple[str, tuple[int, int]], ...]], float
]
"""(sentence, chemical span, condition span, the sentence's other chemicals and conditions as
("CHEMICAL" | "DISEASE", span)) → P(the sentence says the chemical caused the condition)."""


def find_relations(
    mentions: list[Mention],
    findings: dict[int, Finding],
    cases_of: list[int | None],
    topics: frozenset[str] = frozenset(),
    cause: CauseScorer | None = None,
    threshold: float = 0.5,
    title: tuple[int, int] | None = None,
) -> list[Relation]:
    """Relations among ``mentions`` (``findings[i]`` is mention i's finding); ``title``: the
    title's offsets, whose stated causes hold for each case that names both ends."""
    out: dict[tuple[str, str, str], Relation] = {}
    usable = [i for i in findings if mentions[i].assertion in RELATABLE]
    by_sentence: dict[tuple[int, int], list[int]] = {}
    for i in usable:
        by_sentence.setdefault(mentions[i].sentence, []).append(i)
    stated: list[tuple[str, str, str]] = []  # (condition concept, etiology concept, cue) in title
    for members in by_sentence.values():
        members.sort(key=lambda i: mentions[i].start)
        for rel in sentence_relations([mentions[i] for i in members], cause, threshold):
            kind, a, b, cue, score = rel
            fa, fb = mentions[members[a]], mentions[members[b]]
            target = findings[members[b]]
            # a restated outcome stands for the case's own (``case_facts.restated``): the link's
            # sentence is then the source's
            told = target if target.evidence.start == fb.sentence[0] else findings[members[a]]
            _add(out, kind, findings[members[a]], target, cue, score, told)
            if kind == "caused_by" and cue and title and title[0] <= fa.start < title[1]:
                stated.append((fa.concept, fb.concept, cue))
    for a, b, cue in title_causes(mentions, usable, cases_of, topics, stated):
        _add(out, "caused_by", findings[a], findings[b], cue, 0.8)
    for kind, a, b, cue, score in across_sentences(mentions, usable, by_sentence, cases_of):
        _add(out, kind, findings[a], findings[b], cue, score)
    for a, b, cue in case_causes(mentions, usable, cases_of, topics):
        _add(out, "caused_by", findings[a], findings[b], cue, 0.8)
    return list(out.values())


def sentence_relations(
    ms: Sequence[Mention], cause: CauseScorer | None = None, threshold: float = 0.5
) -> list[tuple[str, int, int, str, float]]:
    """(kind, source index, target index, cue, score) for the mentions of one sentence, sorted
    by position."""
    found: list[tuple[str, int, int, str, float]] = []
    rules = cues_by_labels()
    for x in range(len(ms)):
        for y in range(x + 1, len(ms)):
            if ms[x].label == ms[y].label and _same_thing(ms[x], ms[y]):
                continue  # "hypercalcaemia (HC)": one condition read twice causes nothing
            for rule in rules.get((ms[x].label, ms[y].label), ()):
                cue = linking_cue(ms, x, y, rule)
                if cue is not None:
                    a, b = (x, y) if rule.source_first else (y, x)
                    found.append((rule.kind, a, b, cue, 1.0))
                    break
    for x in range(len(ms)):
        lead = lead_cue(ms, x)
        for y in range(x + 1, len(ms)) if lead else ():
            if (
                ms[y].label == "OUTCOME"
                and not any(m.label in ("TREATMENT", "OUTCOME") for m in ms[x + 1 : y])
                and lead is not None
            ):
                found.append(("led_to", x, y, lead, 1.0))
    found = [r for r in found if r[0] != "led_to" or r[3] not in TIME_ONLY
             or ms[r[2]].concept in better()]  # fmt: skip
    found = [r for r in found if r[0] != "led_to" or ms[r[1]].concept != "follow_up"
             or r[3] not in WHEN]  # fmt: skip
    if cause is not None:
        linked = {(k, a, b) for k, a, b, _, _ in found}
        s0 = ms[0].sentence[0] if ms else 0
        pairs = list(_chemical_pairs(ms))
        ends = {i for pair in pairs for i in pair}
        aimed = {(a, b) for k, a, b, _, _ in found if k == "treated_with"}
        for c, e in pairs:
            if ("caused_by", c, e) in linked or (c, e) in aimed or _denied_between(ms[c], ms[e]):
                continue
            if _same_thing(ms[c], ms[e]) or _aimed_at(ms[c]) or _given_for(ms[e]):
                continue
            others = tuple(
                ("CHEMICAL" if ms[i].category == "chemical" else "DISEASE", _local(ms[i], s0))
                for i in sorted(ends - {c, e})
            )
            p = cause(ms[c].sentence_text, _local(ms[e], s0), _local(ms[c], s0), others)
            if p >= threshold:
                found.append(("caused_by", c, e, "", round(p, 3)))
    return found


_NEGATION = re.compile(r"\b(?:not|no|never|nor|without|neither)\b", re.IGNORECASE)
_EXPOSURE = re.compile(
    r"\b(?:(?:after|following|during)\s+(?:\w+\s+){0,4}?(?:treatment|therapy)\s+with"
    r"|(?:patients|subjects|volunteers|children|women|men|rats|mice|animals|dogs|rabbits)"
    r"\s+(?:\w+\s+)?treated\s+with"
    r"|for\s+(?:\d|one|two|three|four|five|six|several|a\s+(?:day|week|month|year)))",
    re.IGNORECASE,
)
"""Words of an exposure, not an aim: "hepatotoxicity in patients treated with isoniazid",
"after two months of therapy with amphotericin B", "rats given X for 4 weeks developed"."""
_AIMED = re.compile(
    r"\b(?:for|treat\w*|therap\w*|despite|manag\w*|against|prevent\w*|prophyla\w*|stain\w*)\b",
    re.IGNORECASE,
)


def _denied_between(a: Mention, b: Mention) -> bool:
    """Whether a negation, a clause break, a treatment's aim or a hedge stands between two
    mentions of one sentence: the learned scorer reads cue words, not what denies them ("was not due to"),
    and a drug given *for* a condition ("anticoagulant therapy for acute coronary syndrome",
    "seizures persisted despite anticonvulsants") is its treatment, not its cause."""
    s0 = a.sentence[0]
    lo, hi = sorted(((a.start, a.end), (b.start, b.end)))
    between = a.sentence_text[lo[1] - s0 : hi[0] - s0]
    if b.end == lo[1]:  # the chemical first: its own noun is no aim ("doxorubicin treatment
        between = _OWN_NOUN.sub("", between, count=1)  # resulted in proteinuria")
    if _NEGATION.search(between) or BREAK.search(between):
        return True
    if _AIMED.search(_EXPOSURE.sub(" ", between)):
        return True
    return bool(HEDGED.search(between.rstrip() + " "))  # "likely due to", "can cause"


_OWN_NOUN = re.compile(r"^\s*-?\s*(?:treat(?:ed|ment)?|therapy)\b", re.IGNORECASE)
_AIM_BEFORE = re.compile(
    r"\b(?:for|against|treat(?:s|ed|ing|ment\s+of)?|prevent(?:s|ed|ing|ion\s+of)?|"
    r"manag(?:e|es|ed|ing|ement\s+of)|control(?:led|ling)?)\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
_GIVEN_FOR = re.compile(
    r"^\W*(?:was|were|is|are|had\s+been|has\s+been)\s+(?:\w+\s+)?(?:given|administered|"
    r"injected|started|used|added|infused|prescribed|initiated|applied)\s+(?:to|for|in\s+order)\b",
    re.IGNORECASE,
)


def _same_thing(condition: Mention, chemical: Mention) -> bool:
    """One thing read twice — a name and its abbreviation ("basal cell carcinoma (BCC)"), or
    two readings of one span: the same concept or a shared identifier."""
    return (
        condition.text.lower() == chemical.text.lower()
        or condition.concept == chemical.concept
        or bool(set(condition.ids) & set(chemical.ids))
        or condition.sentence_text[condition.end - condition.sentence[0] :]
        .lstrip()
        .startswith(f"({chemical.text})")
    )


def _aimed_at(condition: Mention) -> bool:
    """Whether the condition is what a treatment is for ("therapy for acute coronary syndrome
    was started (… heparin)"): the aim of care is not the chemical's effect."""
    s0 = condition.sentence[0]
    return bool(_AIM_BEFORE.search(condition.sentence_text[: condition.start - s0]))


def _given_for(chemical: Mention) -> bool:
    """Whether the chemical's own clause says it was given for a purpose ("ephedrine was
    injected to maintain her blood pressure"): a treatment, not a cause."""
    s0 = chemical.sentence[0]
    return bool(_GIVEN_FOR.match(chemical.sentence_text[chemical.end - s0 :]))


def _chemical_pairs(ms: Sequence[Mention]) -> Iterable[tuple[int, int]]:
    """(condition index, chemical index) pairs the cause scorer is asked about: both grounded
    to a vocabulary (a word a model merely guessed to be a drug is not asked about). A disease
    that is itself a cause ("cocaine-induced hypertension led to a stroke") has causes too."""
    for c, m in enumerate(ms):
        if not m.ids or not (
            m.label == "CONDITION"
            or (m.label == "ETIOLOGY" and m.category in ("disease", "sign_symptom"))
        ):
            continue
        for e, n in enumerate(ms):
            if n.category == "chemical" and n.ids and n.label in ("ETIOLOGY", "TREATMENT"):
                yield c, e


def _local(m: Mention, s0: int) -> tuple[int, int]:
    return (m.start - s0, m.end - s0)


def _add(
    out: dict[tuple[str, str, str], Relation],
    kind: str,
    fa: Finding,
    fb: Finding,
    cue: str,
    score: float,
    told: Finding | None = None,
) -> None:
    time = fb.value if kind == "led_to" and fb.value and fb.value.startswith("P") else None
    key = (kind, f"{fa.subject}|{fa.concept}", f"{fb.subject}|{fb.concept}")
    if key not in out:
        out[key] = Relation(
            relation_kind(kind),
            fa.id,
            fb.id,
            time=time,
            evidence=(told or fb).id,
            cue=cue or None,
            score=score,
        )
