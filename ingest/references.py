"""One reference string → bibliographic fields (Vancouver/ICMJE style, the style of case reports).

Sample inputs (from the kind of reference lists seeds carry):
    Mishra V, Kalimuthu LM. Extensive ... Resolution. Clinical Nuclear Medicine. 2021 Jan 1;46(1):e51-3.
        DOI: 10.1097/RLU.0000000000003383
    Kim KH, ... Medicine. 2024 Aug 9;103(32):e39139. DOI: 10.1097/ MD.0000000000039139
    Golub S, ... Penn State Journal of Medicine. 2021;2. DOI: 10.26209/psjm62452
    Alghaith EA, ... Journal of Medical Case Reports. 2022 Mar 1;16(1):86.
Everything here is pure and total: any string gives a ``Reference`` (fields left ``None`` when
absent), never an exception, in time linear in its length (a 100,000-character line included).
References in any script keep their text; DOIs and PMIDs are found in them, and authors are
recognised by Latin, Greek or Cyrillic initials (combining accents and invisible format
characters such as zero-width joiners do not hide a name).
"""

from __future__ import annotations

import re
import unicodedata

from kb.records import Reference

# A DOI, possibly introduced by "DOI:", "doi:", "https://doi.org/", "doi.org/" and possibly split
# by a space after the slash ("10.1097/ MD.000…") as PDF-to-text conversion leaves it.
# (no "\s*:?\s*": two runs of spaces around an optional character backtrack quadratically)
_DOI_PREFIX = r"(?:(?:https?://)?(?:dx\.)?doi\.org/|\bdoi\s*(?::\s*)?)"
# a DOI's suffix ends at a space, a quote or angle bracket, CJK or full-width punctuation
# ("10.99999/x。"), or an invisible format character (zero-width space/joiner, bidi controls)
_DOI_END = '\\s"<>\u3000-\u303f\uff00-\uffef\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff'
_DOI_BODY = rf"10\.[0-9]{{4,9}}\s*/\s*[^{_DOI_END}]+"
_DOI_RE = re.compile(rf"(?:{_DOI_PREFIX})?(?P<doi>{_DOI_BODY})", re.IGNORECASE)
_PMID_RE = re.compile(r"\bPMID\s*(?::\s*)?(?P<pmid>\d{1,9})\b", re.IGNORECASE)
_PMCID_RE = re.compile(r"\bPMCID\s*(?::\s*)?PMC\d+\b", re.IGNORECASE)
_NUMBER_RE = re.compile(r"^\s*(?:[-*•]\s*)?(?:[\[［](\d{1,3})[\]］]|(\d{1,3})[.)])\s+")
_BULLET_RE = re.compile(r"^\s*[-*•]\s+")
_MD_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~])")

# "2021 Jan 1;46(1):e51-3" · "2024;25:e943397-1" · "2021;2" · "2020 Aug;12(8)" · "2019 Sep 30;8(9):2763-7"
_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE_RE = re.compile(
    rf"(?P<year>(?:1[89]|20)\d{{2}})[a-z]?"
    rf"(?:\s+(?P<month>{_MONTHS}(?:\s*-\s*{_MONTHS})?)(?:\s+(?P<day>\d{{1,2}}))?)?"
    r"\s*(?:;\s*(?P<volume>[A-Za-z]?\d+[A-Za-z]?(?:\s+Suppl\s*\d*)?)?"
    r"\s*(?:\((?P<issue>[^()]{1,20})\))?"
    r"\s*(?::\s*(?P<pages>[A-Za-z]{0,2}\d+[A-Za-z0-9]*(?:\s*[-–]\s*[A-Za-z]{0,2}\d+[A-Za-z0-9]*)?))?)?"
)
# initials: capitals of the Latin, Greek and Cyrillic alphabets ("Иванов ИИ", "Παπαδόπουλος Γ")
_INITIALS = "A-ZÀ-ÖØ-ÞΑ-ΩЀ-Я"
_AUTHOR_RE = re.compile(
    rf"^[^\W\d_][\w'’.\- ]*?\s+[{_INITIALS}]{{1,4}}$"  # "Kalimuthu LM", "Howick V JF"
    r"|^et al\.?$"
    r"|^[^\W\d_][\w'’\- ]+ (?:Group|Consortium|Committee|Collaborators)$",
    re.UNICODE,
)


def normalize_doi(text: str) -> str | None:
    """The DOI in ``text``, normalised: lower-case, no resolver prefix, no spaces, no escapes."""
    text = unescape_markdown(text)
    match = _DOI_RE.search(text)
    if not match:
        return None
    doi = re.sub(r"\s+", "", match.group("doi")).lower()
    return doi.rstrip(".,;:)]}'\"’”") or None


def ascii_digits(text: str) -> str:
    """Decimal digits of any script as ASCII: '１２３' (full-width) or '١٢٣' (Arabic) → '123'."""
    return "".join(str(unicodedata.digit(c)) if c.isdecimal() else c for c in text)


def unescape_markdown(text: str) -> str:
    r"""Undo Markdown backslash escapes (``ijd.IJD\_527\_18`` → ``ijd.IJD_527_18``)."""
    return _MD_ESCAPE_RE.sub(r"\1", text)


def strip_number(line: str) -> tuple[int | None, str]:
    """Split a leading list number or bullet off a reference line: ``"- 11. Ahn KH…"`` → 11, ``"Ahn KH…"``."""
    match = _NUMBER_RE.match(line)
    if match:
        return int(match.group(1) or match.group(2)), line[match.end() :]  # int("１２") == 12
    bullet = _BULLET_RE.match(line)
    return None, line[bullet.end() :] if bullet else line


def parse_reference(text: str, number: int = 0) -> Reference:
    """Parse one reference (without its list number) into fields. Never raises."""
    raw = " ".join(unescape_markdown(text).split())
    ref = Reference(number=number, raw=raw)
    rest = raw

    doi_match = _DOI_RE.search(rest)
    if doi_match:
        ref.doi = normalize_doi(doi_match.group(0))
        rest = _cut(rest, doi_match.start(), doi_match.end())
    pmid_match = _PMID_RE.search(rest)
    if pmid_match:
        ref.pmid = ascii_digits(pmid_match.group("pmid"))
        rest = _cut(rest, pmid_match.start(), pmid_match.end())
    rest = _PMCID_RE.sub(" ", rest)
    rest = re.sub(r"\b(?:Available (?:from|at)|Epub)\b.*$", "", rest, flags=re.IGNORECASE)

    head = rest
    date = _find_date(rest)
    if date is not None:
        ref.year = int(date.group("year"))
        ref.volume = date.group("volume")
        ref.issue = (date.group("issue") or "").strip() or None
        pages = date.group("pages")
        ref.pages = re.sub(r"\s+", "", pages).replace("–", "-") if pages else None
        head = rest[: date.start()]

    ref.authors, after_authors = _split_authors(head)
    title, journal = _split_title_journal(after_authors)
    ref.title = title
    ref.journal = journal
    return ref


def _cut(text: str, start: int, end: int) -> str:
    return (text[:start] + " " + text[end:]).strip()


def _find_date(text: str) -> re.Match[str] | None:
    """The year/volume/pages block: the last year that follows a '. ' (the journal's end)."""
    best = None
    for match in _DATE_RE.finditer(text):
        if match.start() > 0 and _char_before(text, match.start()) not in _DATE_AFTER:
            continue
        if best is None or _date_weight(match) >= _date_weight(best):
            best = match
    return best


_DATE_AFTER = frozenset(".,;?!。，；")  # what ends the journal name before the year


def _char_before(text: str, pos: int) -> str:
    """The last non-space character before ``pos`` ('' if none): no copy of the text before."""
    pos -= 1
    while pos >= 0 and text[pos].isspace():
        pos -= 1
    return text[pos] if pos >= 0 else ""


def _date_weight(match: re.Match[str]) -> int:
    return sum(1 for g in ("volume", "issue", "pages", "month") if match.group(g))


def _split_authors(head: str) -> tuple[list[str], str]:
    """Leading "Surname AB, Surname C." list → names, and the text after it."""
    head = head.strip()
    end = head.find(". ")
    candidates = [head[:end]] if end > 0 else []
    # "et al." contains a dot: allow the list to end after it
    etal = re.search(r"\bet al\.\s", head)
    if etal:
        candidates.insert(0, head[: etal.end() - 2])
    for chunk in candidates:
        names = [n.strip() for n in chunk.split(",") if n.strip()]
        if names and all(_AUTHOR_RE.match(_letters(n)) for n in names):
            return names, head[len(chunk) + 1 :].strip()
    return [], head


def _letters(name: str) -> str:
    """A name without combining marks and format characters, for matching only ("Mu\u0308ller",
    "Mül\u200dler" → "Muller", "Müller")."""
    if name.isascii():
        return name
    return "".join(c for c in name if unicodedata.category(c)[0] != "M" and c not in _FORMAT)


_FORMAT = frozenset(
    "\u00ad\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"
)


def _split_title_journal(text: str) -> tuple[str | None, str | None]:
    """'Title. Journal.' → both. NLM journal names carry no full stops and titles rarely do, so
    the split is the last '. ' (else the last '? ' or '! ': "Is it? J Synth")."""
    text = text.strip().rstrip(".").strip()
    if not text:
        return None, None
    stops = list(re.finditer(r"(?<=[^\s.])\.\s+(?=\S)", text)) or list(
        re.finditer(r"(?<=[^\s.])[?!]\s+(?=\S)", text)
    )
    if not stops:
        return text, None
    cut = stops[-1]
    title = text[: cut.start() + 1].strip().removesuffix(".").strip()
    journal = text[cut.end() :].strip().rstrip(".").strip() or None
    return title or None, journal


def first_author_surname(ref: Reference) -> str | None:
    """'Gonçalves Júnior J' → 'Gonçalves Júnior'; 'Howick V JF' → 'Howick V'."""
    author = ref.first_author
    if not author or author.lower().startswith("et al"):
        return None
    parts = author.split()
    return " ".join(parts[:-1]) if len(parts) > 1 else author


def fold(text: str) -> str:
    """Lower-case, accents removed, punctuation turned into spaces: for comparisons only."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())
