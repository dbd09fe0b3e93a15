"""One reference string → bibliographic fields (Vancouver/ICMJE style, the style of case reports).

Sample inputs (from the kind of reference lists seeds carry):
    Mishra V, Kalimuthu LM. Extensive ... Resolution. Clinical Nuclear Medicine. 2021 Jan 1;46(1):e51-3.
        DOI: 10.1097/RLU.0000000000003383
    Kim KH, ... Medicine. 2024 Aug 9;103(32):e39139. DOI: 10.1097/ MD.0000000000039139
    Golub S, ... Penn State Journal of Medicine. 2021;2. DOI: 10.26209/psjm62452
    Alghaith EA, ... Journal of Medical Case Reports. 2022 Mar 1;16(1):86.
Everything here is pure and total: any string gives a ``Reference`` (fields left ``None`` when
absent), never an exception.
"""

from __future__ import annotations

import re
import unicodedata

from kb.records import Reference

# A DOI, possibly introduced by "DOI:", "doi:", "https://doi.org/", "doi.org/" and possibly split
# by a space after the slash ("10.1097/ MD.000…") as PDF-to-text conversion leaves it.
_DOI_PREFIX = r"(?:(?:https?://)?(?:dx\.)?doi\.org/|\bdoi\s*:?\s*)"
_DOI_BODY = r"10\.\d{4,9}\s*/\s*[^\s\"<>]+"
_DOI_RE = re.compile(rf"(?:{_DOI_PREFIX})?(?P<doi>{_DOI_BODY})", re.IGNORECASE)
_PMID_RE = re.compile(r"\bPMID\s*:?\s*(?P<pmid>\d{1,9})\b", re.IGNORECASE)
_PMCID_RE = re.compile(r"\bPMCID\s*:?\s*PMC\d+\b", re.IGNORECASE)
_NUMBER_RE = re.compile(r"^\s*(?:[-*•]\s*)?(?:\[(\d{1,3})\]|(\d{1,3})[.)])\s+")
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
_AUTHOR_RE = re.compile(
    r"^[^\W\d_][\w'’.\- ]*?\s+[A-Z]{1,4}$"  # "Kalimuthu LM", "Gonçalves Júnior J", "Howick V JF"
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
    return doi.rstrip(".,;:)]}'\"") or None


def unescape_markdown(text: str) -> str:
    r"""Undo Markdown backslash escapes (``ijd.IJD\_527\_18`` → ``ijd.IJD_527_18``)."""
    return _MD_ESCAPE_RE.sub(r"\1", text)


def strip_number(line: str) -> tuple[int | None, str]:
    """Split a leading list number or bullet off a reference line: ``"- 11. Ahn KH…"`` → 11, ``"Ahn KH…"``."""
    match = _NUMBER_RE.match(line)
    if match:
        return int(match.group(1) or match.group(2)), line[match.end() :]
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
        ref.pmid = pmid_match.group("pmid")
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
        before = text[: match.start()].rstrip()
        if match.start() > 0 and not before.endswith((".", ",", ";", "?", "!")):
            continue
        if best is None or _date_weight(match) >= _date_weight(best):
            best = match
    return best


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
        if names and all(_AUTHOR_RE.match(n) for n in names):
            return names, head[len(chunk) + 1 :].strip()
    return [], head


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
