"""SYNTHETIC case-report abstracts whose facts are known by construction (for evaluation only).

Every text is labelled synthetic in its title. It is a structured abstract — a title, then
"BACKGROUND: …", "CASE PRESENTATION: …", "CONCLUSIONS: …" paragraphs separated by blank lines
(``as_document`` turns it into a ``TextDocument``) — built from templates and surface forms of
the vocabulary: a patient (age, sex), a site with its laterality, present conditions, an
etiology with a cause cue, a treatment, an outcome with its time, negated findings ("no
fever") and a hypothetical one ("should return if …").

The ``Truth`` list covers the case presentation only, and there every fact is written once in
its own words: ``Truth.text`` is the surface form as it occurs in the text. Background and
conclusion sentences also name vocabulary concepts (as real abstracts do) but are not about the
patient and carry no truth. Surface forms are chosen so that the truth is unambiguous: only
lower-case words (no abbreviations), no word that is a context cue ("no", "if", "history"…), a
laterality, a sex or a time unit, and no form that names concepts of two types. Concepts in one
abstract are distinct and none is the ``broader`` ancestor of another.

Some templates are harder on purpose, and stay true by construction: the laterality after the
site ("of the knee on the left side"), the age after the noun ("a girl aged 3 weeks"), a
negation cut short ("There was no fever, but pain was noted."), "Neither … nor …", "… was
absent", and a hypothetical treatment ("… is recommended if the lesion recurs").

This measures the pipeline on text it was built for — the vocabulary is the matcher's — so its
scores are an upper bound for concept recognition; it mainly tests assertions, ages, sex,
laterality and outcome times.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from ingest.nlp.extract import TextDocument
from kb.vocab import Concept, Vocabulary, load_vocabulary

SECTION_KINDS = {
    "BACKGROUND": "introduction",
    "CASE PRESENTATION": "case_presentation",
    "CONCLUSIONS": "conclusion",
}


@dataclass(frozen=True)
class Truth:
    """One fact of a synthetic case: (kind, concept, assertion, value) and its words."""

    kind: str  # condition, etiology, treatment, outcome, anatomy, patient_attribute
    concept: str  # vocabulary id, or "age" / "sex" for patient attributes
    assertion: str  # present, negated, hypothetical
    value: str | None  # "P3M" (age, outcome time), "female", "left medial" (site)
    text: str  # the words in the text that state it (the surface form used)


# words a surface form must not contain (they would change an assertion, or be read as a
# laterality, sex, age or time by the entity patterns)
_BANNED_WORDS = (
    "no not without nor neither never if may might possible possibly probable probably likely "
    "history past prior previous previously family mother father parent parents son daughter "
    "sister brother ruled rule suspected suspect negative absent absence lack free denied denies "
    "avoid prevent prevents risk future recommend unless whether perhaps questionable formerly "
    "left right bilateral both medial lateral dorsal dorsum plantar palmar anterior posterior "
    "proximal distal upper lower boy girl male female man woman lady gentleman "
    "hour hours day days week weeks month months year years old aged age "
    "but however although though yet still since which was were after following during due "
    "secondary cause caused developed presented presenting presents showed revealed reported "
    "demonstrated noticed despite except besides"
)
_BANNED = frozenset(_BANNED_WORDS.split())
_FORM = re.compile(r"[a-z][a-z -]*[a-z]\Z")
_ADJECTIVE = re.compile(r"\A[a-z-]+(?:ed|ous|ful|ic|al|ing|ive|ant)\Z")
_SITE_ROOTS = {"upper_limb", "lower_limb", "hand", "foot"}
_SITE_EXTRA = {"abdomen", "buttock", "chest_wall", "scalp", "upper_limb", "lower_limb"}


@dataclass(frozen=True)
class _Pools:
    conditions: tuple[tuple[Concept, tuple[str, ...]], ...]
    etiologies: tuple[tuple[Concept, tuple[str, ...]], ...]
    treatments: tuple[tuple[Concept, tuple[str, ...]], ...]
    outcomes: tuple[tuple[Concept, tuple[str, ...]], ...]
    sites: tuple[tuple[Concept, tuple[str, ...]], ...]


def _usable(form: str, vocab: Vocabulary) -> bool:
    if not _FORM.match(form) or len(form) < 4:
        return False
    words = set(re.split(r"[ -]", form))
    if words & _BANNED:
        return False
    if len(words) == 1 and _ADJECTIVE.match(form):
        return False  # "erythematous", "resolved": keep nouns, so the templates read
    return len(vocab.lookup(form)) == 1


def _pool(vocab: Vocabulary, type_: str, keep=lambda c: True):
    out = []
    for concept in vocab.concepts.values():
        if concept.type != type_ or not keep(concept):
            continue
        forms = tuple(f for f in concept.surface_forms if _usable(f, vocab))
        if forms:
            out.append((concept, forms))
    return tuple(out)


def _pools(vocab: Vocabulary) -> _Pools:
    def is_site(c: Concept) -> bool:
        return c.id in _SITE_EXTRA or any(a.id in _SITE_ROOTS for a in vocab.ancestors(c.id))

    return _Pools(
        conditions=_pool(vocab, "CONDITION"),
        etiologies=_pool(vocab, "ETIOLOGY"),
        treatments=_pool(vocab, "TREATMENT"),
        outcomes=_pool(vocab, "OUTCOME"),
        sites=_pool(vocab, "ANATOMY", is_site),
    )


# --------------------------------------------------------------------------- templates

_BACKGROUND = (
    "{C} is an uncommon disorder that clinicians meet in many settings.",
    "It has been described in association with {E}, among other exposures.",
    "The presentation is often nonspecific, and the lesion can be mistaken for {C2}.",
    "Early recognition spares the patient unnecessary investigations and procedures.",
    "Here we describe one more example and summarise what the published reports teach.",
    "Awareness of this entity among paediatricians, dermatologists and radiologists remains "
    "limited.",
    "Its mechanism is debated, and several pathways have been proposed in the literature.",
    "Case series from tertiary centres describe a wide range of ages and clinical settings.",
    "Reports differ in how the diagnosis was reached and in how long the patients were followed.",
)
_CONCLUSION = (
    "{C} should be considered when a new lesion appears in a patient exposed to {E}.",
    "Most reported lesions settle over weeks to months with careful observation.",
    "Clinicians caring for such patients should examine the skin at every visit.",
    "A clear account of the course helps families and colleagues plan the next steps.",
    "Further reports with longer observation would clarify the natural course of the lesion.",
    "Sharing such experience across specialties improves recognition and spares the patient "
    "needless tests.",
)
_PRESENT = (
    "{Patient} presented with {c1} on the {aspect} aspect of the {side} {site}.",
    "{Patient} was referred with {c1} over the {side} {site}.",
    "We describe {patient} who came to attention with {c1} of the {aspect} {side} {site}.",
    "{Patient} was seen for {c1} of the {site} on the {side} side.",  # laterality after the site
)
_EXTRA = (
    "Examination also found {c2}.",
    "On examination there was also {c2}.",
)
_CONTRAST = "There was no {n1}, but {c2} was noted."
_CAUSE = (
    "The lesion was attributed to {e}.",
    "The findings were considered secondary to {e}.",
    "The lesion followed {e}.",
    "The lesion was judged to result from {e}.",
)
_NEGATED_ONE = (
    "There was no {n1}.",
    "{P} had no {n1}.",
    "{N1} was not observed.",
    "{N1} was absent.",
)
_NEGATED_TWO = (
    "There was no {n1} or {n2}.",
    "{P} had no {n1} and no {n2}.",
    "Examination was negative for {n1} and {n2}.",
    "Neither {n1} nor {n2} was present.",
)
_TREAT = (
    "{P} was treated with {t}.",
    "Management consisted of {t}.",
    "{T} was started on the ward.",
)
_OUTCOME = (
    "After {time}, {o} was noted.",
    "At the review {time} later, {o} was documented.",
    "{O} was recorded {time} after the start of treatment.",
)
_HYPOTHETICAL = (
    "Review was advised if {h} developed.",
    "{P} should return if {h} appears.",
    "In case of {h}, an earlier visit was arranged.",
)
_HYPOTHETICAL_TREATMENT = "{T} is recommended if the lesion recurs."
_NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
_SEX_WORDS = {
    "boy": "male",
    "girl": "female",
    "man": "male",
    "woman": "female",
    "male": "male",
    "female": "female",
}


def generate(n: int, seed: int, vocab: Vocabulary | None = None) -> list[tuple[str, list[Truth]]]:
    """``n`` synthetic abstracts and their truths; the same ``seed`` gives the same corpus."""
    vocab = vocab or load_vocabulary()
    pools = _pools(vocab)
    rng = random.Random(seed)
    return [_abstract(i, rng, pools, vocab) for i in range(n)]


class _Writer:
    """Sentences of one case presentation and the truths they state."""

    def __init__(self, rng: random.Random, vocab: Vocabulary) -> None:
        self.rng = rng
        self.vocab = vocab
        self.used: list[str] = []
        self.sentences: list[str] = []
        self.truths: list[Truth] = []

    def pick(self, pool) -> tuple[Concept, str]:
        """A concept not related (equal, narrower, broader) to one already used, and a form."""
        while True:
            concept, forms = self.rng.choice(pool)
            if not any(_related(concept.id, other, self.vocab) for other in self.used):
                self.used.append(concept.id)
                return concept, self.rng.choice(forms)

    def state(self, kind: str, concept: str, assertion: str, value: str | None, text: str):
        self.truths.append(Truth(kind, concept, assertion, value, text))

    def say(self, template: str, **slots: str) -> None:
        slots |= {k.capitalize(): _cap(v) for k, v in slots.items() if k.islower()}
        self.sentences.append(template.format(**slots))


def _abstract(i: int, rng: random.Random, pools: _Pools, vocab: Vocabulary):
    w = _Writer(rng, vocab)
    female = rng.random() < 0.5
    p = "She" if female else "He"
    number, unit, age_value = _age(rng)
    sex_text = _sex(rng, female, unit, age_value)
    sex_word = next(word for word in sex_text.split() if word in _SEX_WORDS)
    if rng.random() < 0.75:
        age_text = f"{number}-{unit}-old"
        patient = f"a {age_text} {sex_text}"
    else:
        age_text = f"aged {number} {unit}{'s' if number not in ('1', 'one') else ''}"
        patient = f"a {sex_text} {age_text}"
    w.state("patient_attribute", "age", "present", age_value, age_text)
    w.state("patient_attribute", "sex", "present", _SEX_WORDS[sex_word], sex_word)

    c1, c1_text = w.pick(pools.conditions)
    site, site_text = w.pick(pools.sites)
    side = rng.choice(("left", "right"))
    aspect = rng.choice(("medial", "lateral", "dorsal", "anterior", "posterior"))
    template = rng.choice(_PRESENT)
    w.say(template, patient=patient, c1=c1_text, aspect=aspect, side=side, site=site_text)
    w.state("condition", c1.id, "present", None, c1_text)
    laterality = f"{side} {aspect}" if "{aspect}" in template else side
    w.state("anatomy", site.id, "present", laterality, site_text)

    roll = rng.random()
    if roll < 0.45:
        c2, c2_text = w.pick(pools.conditions)
        w.say(rng.choice(_EXTRA), c2=c2_text)
        w.state("condition", c2.id, "present", None, c2_text)
    elif roll < 0.6:
        (n, n_text), (c2, c2_text) = w.pick(pools.conditions), w.pick(pools.conditions)
        w.say(_CONTRAST, n1=n_text, c2=c2_text)
        w.state("condition", n.id, "negated", None, n_text)
        w.state("condition", c2.id, "present", None, c2_text)

    e, e_text = w.pick(pools.etiologies)
    w.say(rng.choice(_CAUSE), e=e_text)
    w.state("etiology", e.id, "present", None, e_text)

    negated = [w.pick(pools.conditions) for _ in range(rng.choice((1, 2)))]
    texts = {f"n{k + 1}": text for k, (_, text) in enumerate(negated)}
    w.say(rng.choice(_NEGATED_ONE if len(negated) == 1 else _NEGATED_TWO), P=p, **texts)
    for concept, text in negated:
        w.state("condition", concept.id, "negated", None, text)

    t, t_text = w.pick(pools.treatments)
    w.say(rng.choice(_TREAT), P=p, t=t_text)
    w.state("treatment", t.id, "present", None, t_text)

    o, o_text = w.pick(pools.outcomes)
    time_text, time_value = _time(rng)
    w.say(rng.choice(_OUTCOME), time=time_text, o=o_text)
    w.state("outcome", o.id, "present", time_value, o_text)

    if rng.random() < 0.6:
        h, h_text = w.pick(pools.conditions)
        w.say(rng.choice(_HYPOTHETICAL), P=p, h=h_text)
        w.state("condition", h.id, "hypothetical", None, h_text)
    if rng.random() < 0.25:
        t2, t2_text = w.pick(pools.treatments)
        w.say(_HYPOTHETICAL_TREATMENT, t=t2_text)
        w.state("treatment", t2.id, "hypothetical", None, t2_text)

    title = f"SYNTHETIC case report {i + 1}: {c1.label} after {e.label}"
    text = "\n\n".join(
        [
            title,
            f"BACKGROUND: {_fill(rng, _BACKGROUND, 6, pools)}",
            f"CASE PRESENTATION: {' '.join(w.sentences)}",
            f"CONCLUSIONS: {_fill(rng, _CONCLUSION, 3, pools)}",
        ]
    )
    return text, w.truths


def _fill(rng: random.Random, templates: tuple[str, ...], k: int, pools: _Pools) -> str:
    chosen = [templates[0], *rng.sample(templates[1:], k - 1)]
    c, _ = rng.choice(pools.conditions)
    c2, _ = rng.choice(pools.conditions)
    e, _ = rng.choice(pools.etiologies)
    return " ".join(s.format(C=_cap(c.label), C2=c2.label, E=e.label) for s in chosen)


def _related(a: str, b: str, vocab: Vocabulary) -> bool:
    if a == b:
        return True
    ids_a = {c.id for c in vocab.ancestors(a)} if a in vocab.concepts else set()
    ids_b = {c.id for c in vocab.ancestors(b)} if b in vocab.concepts else set()
    return b in ids_a or a in ids_b


def _age(rng: random.Random) -> tuple[str, str, str]:
    """(number as written, unit, ISO age): ("3", "month", "P3M"), ("two", "week", "P2W")."""
    unit = rng.choice(("day", "week", "month", "month", "year", "year"))
    n = rng.randint(*{"day": (2, 27), "week": (1, 8), "month": (1, 11), "year": (1, 80)}[unit])
    number = _NUMBER_WORDS[n] if n in _NUMBER_WORDS and rng.random() < 0.3 else str(n)
    return number, unit, f"P{n}{unit[0].upper()}"


def _sex(rng: random.Random, female: bool, unit: str, age: str) -> str:
    if unit == "year" and int(age[1:-1]) >= 18:
        return rng.choice(("woman", "female patient") if female else ("man", "male patient"))
    if unit == "year":
        return "girl" if female else "boy"
    return rng.choice(("girl", "female infant") if female else ("boy", "male infant"))


def _time(rng: random.Random) -> tuple[str, str]:
    """("4 months", "P4M"), ("two weeks", "P2W"), ("3.5 months", "P3.5M")"""
    unit = rng.choice(("week", "month", "month"))
    n: float = rng.randint(1, 12)
    if unit == "month" and rng.random() < 0.15:
        n += 0.5
    iso = f"P{n:g}{unit[0].upper()}"
    if n == int(n) and int(n) in _NUMBER_WORDS and rng.random() < 0.3:
        number = _NUMBER_WORDS[int(n)]
    else:
        number = f"{n:g}"
    return f"{number} {unit}{'s' if n != 1 else ''}", iso


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def as_document(text: str, doc_id: str) -> TextDocument:
    """A synthetic abstract as a document: title, then its labelled paragraphs as sections."""
    sections = []
    pos = 0
    title = ""
    for k, paragraph in enumerate(text.split("\n\n")):
        if k == 0:
            title = paragraph
            sections.append(("title", "Title", pos, pos + len(paragraph)))
        else:
            label = paragraph.split(":", 1)[0]
            sections.append(
                (SECTION_KINDS.get(label, "abstract"), label, pos, pos + len(paragraph))
            )
        pos += len(paragraph) + 2
    return TextDocument(doc_id, title, text, tuple(sections))
