"""References → PMIDs, trying in order: stated PMID, ESearch by DOI, ECitMatch, ESearch by title.

Every match is confirmed against the fetched record (``score``: title similarity, first-author
surname, year), because a DOI can be mistyped in the seed and ECitMatch can match with a wrong
author. Each ``Resolution`` says how it was resolved and how well, or why it was not:
``not_in_pubmed`` (no search found anything), ``ambiguous`` (several records fit equally),
``no_match`` (records found, none fits), ``no_searchable_fields``, or ``failed`` (a request
failed for good; the next run retries it).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from ingest.entrez.client import Citation, EntrezClient
from ingest.entrez.errors import EntrezError
from ingest.references import first_author_surname, fold
from kb.records import Candidate, PubmedRecord, Reference, Resolution, ResolutionMethod

log = logging.getLogger(__name__)

ACCEPT = 0.80  # a candidate at or above this score is a match …
MARGIN = 0.05  # … unless another is within this margin (then: ambiguous)
CONFIRM = 0.50  # a DOI / ECitMatch / PMID hit whose record scores below this is rejected
WEIGHTS = {"title": 0.6, "author": 0.25, "year": 0.15}
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "without",
        "its",
        "their",
        "after",
        "case",
        "report",
        "reports",
        "review",
        "literature",
    ]
)
TITLE_WORDS = 8  # at most this many title words in the ESearch query


def score(ref: Reference, rec: PubmedRecord) -> float:
    """How well a record fits a reference, 0–1, over the fields the reference has."""
    parts: dict[str, float] = {}
    if ref.title and rec.title:
        parts["title"] = fuzz.ratio(fold(ref.title), fold(rec.title)) / 100
    surname = first_author_surname(ref)
    if surname and rec.authors:
        a, b = fold(surname), fold(rec.authors[0].last_name or rec.authors[0].display)
        parts["author"] = 1.0 if a == b else 0.5 if a and b and (a in b or b in a) else 0.0
    if ref.year and rec.year:
        parts["year"] = {0: 1.0, 1: 0.5}.get(abs(ref.year - rec.year), 0.0)
    if not parts:
        return 0.0
    total = sum(WEIGHTS[k] for k in parts)
    return round(sum(WEIGHTS[k] * v for k, v in parts.items()) / total, 3)


def title_query(title: str) -> str | None:
    """ESearch term for a title: its most distinctive words, each in [ti], ANDed."""
    words = [w for w in fold(title).split() if len(w) > 2 and w not in STOPWORDS]
    words = [w for w in dict.fromkeys(words) if not w.isdigit()]
    if not words:
        return None
    chosen = sorted(words, key=len, reverse=True)[:TITLE_WORDS]
    return " AND ".join(f"{w}[ti]" for w in words if w in chosen)


def doi_query(doi: str) -> str:
    return f'"{doi}"[doi]'


@dataclass
class _State:
    ref: Reference
    searched: int = 0  # searches run
    hits: int = 0  # candidates any search returned
    notes: list[str] = field(default_factory=list)
    failed: str | None = None
    result: Resolution | None = None


class Resolver:
    """Resolves a reference list; keeps every record it fetched for the later stages."""

    def __init__(self, client: EntrezClient) -> None:
        self.client = client
        self.records: dict[str, PubmedRecord] = {}
        self._progress: Callable[[int], None] = lambda n: None

    def fetch(self, pmids: Sequence[str]) -> None:
        missing = [p for p in dict.fromkeys(pmids) if p not in self.records]
        if missing:
            for rec in self.client.efetch_pubmed(missing):
                self.records[rec.pmid] = rec

    def resolve(
        self, refs: Sequence[Reference], progress: Callable[[int], None] = lambda n: None
    ) -> list[Resolution]:
        """Resolve every reference; ``progress(1)`` is called as each one's outcome is final."""
        self._progress = progress
        states = [_State(r) for r in refs]
        steps: list[Callable[[list[_State]], None]] = [
            self._by_pmid,
            self._by_doi,
            self._by_ecitmatch,
            self._by_title,
        ]
        for step in steps:
            pending = [s for s in states if s.result is None and s.failed is None]
            if pending:
                step(pending)
        for s in states:
            if s.result is None:
                progress(1)
        return [s.result or self._unresolved(s) for s in states]

    # ------------------------------------------------------------------ steps

    def _by_pmid(self, states: list[_State]) -> None:
        stated = [(s, s.ref.pmid) for s in states if s.ref.pmid]
        if not self._guard([s for s, _ in stated], lambda: self.fetch([p for _, p in stated])):
            return
        for s, pmid in stated:
            s.searched += 1
            self._confirm(s, [pmid], "pmid", "stated PMID")

    def _by_doi(self, states: list[_State]) -> None:
        for s, doi in [(s, s.ref.doi) for s in states if s.ref.doi]:
            s.searched += 1
            try:
                found = self.client.esearch(doi_query(doi))
                self.fetch(found.ids)
            except EntrezError as exc:
                s.failed = str(exc)
                continue
            if found.count > 1:
                s.notes.append(f"DOI search found {found.count} records")
            self._confirm(s, found.ids, "doi", "DOI search")

    def _by_ecitmatch(self, states: list[_State]) -> None:
        queries: dict[str, tuple[_State, Citation]] = {}
        for s in states:
            citation = _citation(s.ref)
            if citation is not None:
                queries[citation.key] = (s, citation)
        if not queries:
            return
        matches: dict = {}

        def run() -> None:
            matches.update(self.client.ecitmatch([c for _, c in queries.values()]))
            ids = [p for m in matches.values() for p in m.pmids]
            self.fetch(ids)

        if not self._guard([s for s, _ in queries.values()], run):
            return
        for key, (s, _) in queries.items():
            s.searched += 1
            match = matches[key]
            if match.status == "not_found":
                s.notes.append(f"ECitMatch: {match.detail}")
            self._confirm(s, match.pmids, "ecitmatch", "ECitMatch")

    def _by_title(self, states: list[_State]) -> None:
        for s in states:
            query = title_query(s.ref.title) if s.ref.title else None
            if query is None:
                continue
            s.searched += 1
            try:
                found = self.client.esearch(query, retmax=20)
                self.fetch(found.ids)
            except EntrezError as exc:
                s.failed = str(exc)
                continue
            self._choose(s, found.ids)

    # ------------------------------------------------------------------ decisions

    def _guard(self, states: list[_State], action: Callable[[], None]) -> bool:
        try:
            action()
        except EntrezError as exc:
            for s in states:
                s.failed = str(exc)
            return False
        return True

    def _candidates(self, ref: Reference, pmids: Sequence[str]) -> list[Candidate]:
        out = []
        for pmid in dict.fromkeys(pmids):
            rec = self.records.get(pmid)
            if rec is None:
                continue
            first = rec.authors[0].display if rec.authors else None
            out.append(Candidate(pmid, score(ref, rec), rec.title, rec.year, first))
        return sorted(out, key=lambda c: (-c.score, c.pmid))

    def _wrong_answer(self, s: _State, pmids: Sequence[str]) -> bool:
        """True (and the reference failed, retried next run) when EFetch answered a PMID it
        needs with records for other PMIDs: an upstream fault, not an absence from PubMed."""
        wrong = [p for p in pmids if p in self.client.failed_ids and p not in self.records]
        if wrong:
            s.failed = f"EFetch answered PMID {', '.join(wrong)} with records for other PMIDs"
        return bool(wrong)

    def _confirm(
        self, s: _State, pmids: Sequence[str], method: ResolutionMethod, label: str
    ) -> None:
        """Accept an identifier hit unless its record plainly is another article."""
        if self._wrong_answer(s, pmids):
            return
        cands = self._candidates(s.ref, pmids)
        s.hits += len(cands)
        if len(cands) > 1:
            self._decide(s, cands, method)
        elif cands:
            best = cands[0]
            if best.score >= CONFIRM or not (s.ref.title or s.ref.authors or s.ref.year):
                self._finish(s, _resolved(s, best, method, f"{label}: PMID {best.pmid}", cands))
            else:
                s.notes.append(
                    f"{label} gave PMID {best.pmid}, whose record does not fit "
                    f"(score {best.score:.2f}: {best.title!r})"
                )

    def _choose(self, s: _State, pmids: Sequence[str]) -> None:
        if self._wrong_answer(s, pmids):
            return
        cands = self._candidates(s.ref, pmids)
        s.hits += len(cands)
        self._decide(s, cands, "title")

    def _decide(self, s: _State, cands: list[Candidate], method: ResolutionMethod) -> None:
        """Best candidate at or above ACCEPT, unless a rival is within MARGIN (ambiguous)."""
        good = [c for c in cands if c.score >= ACCEPT]
        if not good:
            if cands:
                s.notes.append(
                    f"best {method} candidate PMID {cands[0].pmid} scored {cands[0].score:.2f}"
                )
            return
        rivals = [c for c in good[1:] if c.score >= good[0].score - MARGIN]
        if rivals:
            ids = ", ".join(c.pmid for c in [good[0], *rivals])
            self._finish(
                s,
                Resolution(
                    s.ref,
                    reason="ambiguous",
                    candidates=cands[:5],
                    detail=f"{method}: PMIDs {ids} fit equally well",
                ),
            )
        else:
            best = good[0]
            self._finish(s, _resolved(s, best, method, f"{method} match", cands[:5]))

    def _finish(self, s: _State, result: Resolution) -> None:
        s.result = result
        self._progress(1)

    def _unresolved(self, s: _State) -> Resolution:
        if s.failed:
            return Resolution(s.ref, reason="failed", detail=s.failed)
        if not s.searched:
            return Resolution(
                s.ref,
                reason="no_searchable_fields",
                detail="no PMID, DOI, citation fields or title to search with",
            )
        if not s.hits:
            detail = (
                "no search found it: " + "; ".join(s.notes) if s.notes else "no search found it"
            )
            return Resolution(s.ref, reason="not_in_pubmed", detail=detail)
        return Resolution(s.ref, reason="no_match", detail="; ".join(s.notes) or None)


def _resolved(
    s: _State, best: Candidate, method: ResolutionMethod, label: str, cands: list[Candidate]
) -> Resolution:
    detail = "; ".join([*s.notes, f"{label}, score {best.score:.2f}"])
    return Resolution(s.ref, best.pmid, method, best.score, None, detail, cands)


def _citation(ref: Reference) -> Citation | None:
    """An ECitMatch query, when the reference has journal, year, volume and first page."""
    if not (ref.journal and ref.year and ref.volume and ref.first_page):
        return None
    author = ref.first_author or ""
    fields = [ref.journal, str(ref.year), ref.volume, ref.first_page, author]
    if any(re.search(r"[|\r\n]", f) for f in fields):
        log.warning(
            "reference %d: '|' or a line break in a citation field; ECitMatch skipped", ref.number
        )
        return None
    return Citation(f"ref{ref.number}", *fields)
