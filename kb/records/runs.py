"""What a build or a refresh reports, the citing-article links it gathers, and the record of
each run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass
class CitedBy:
    """Articles that cite one PubMed record (ELink pubmed_pubmed_citedin), capped at a limit."""

    pmid: str
    cited_by: list[str] = field(default_factory=list)
    total: int = 0  # number of citing articles ELink reported before the cap


@dataclass
class BuildReport:
    """What a build did: the numbers the summary line prints, and every failure."""

    references: int = 0
    resolved: dict[str, int] = field(default_factory=dict)  # method → count
    unresolved: dict[str, int] = field(default_factory=dict)  # reason → count
    records: int = 0
    full_texts: int = 0  # open-access full texts
    abstract_only: int = 0  # PMC ids without an open-access body
    cited_by: int = 0  # citing articles linked
    missing: list[str] = field(default_factory=list)  # PMIDs that EFetch returned no record for
    cases: int = 0  # patient cases extracted
    findings: int = 0  # findings extracted (text, MeSH and citation contexts)
    requests: int = 0  # HTTP requests made (0 on a warm cache)
    cache_hits: int = 0
    failures: list[str] = field(default_factory=list)  # one line per request that failed

    def summary(self) -> str:
        n_res = sum(self.resolved.values())
        n_unres = sum(self.unresolved.values())
        res = ", ".join(f"{n} {m}" for m, n in sorted(self.resolved.items(), key=_by_count))
        unres = ", ".join(f"{n} {r}" for r, n in sorted(self.unresolved.items(), key=_by_count))
        parts = [
            f"{self.references} references: {n_res} resolved" + (f" ({res})" if res else ""),
        ]
        parts[0] += f", {n_unres} unresolved" + (f" ({unres})" if unres else "")
        parts.append(f"{self.records} records")
        parts.append(f"{self.full_texts} full texts ({self.abstract_only} abstract only)")
        if self.cited_by:
            parts.append(f"{self.cited_by} citing articles")
        if self.findings:
            parts.append(f"{self.cases} cases, {self.findings} findings")
        if self.missing:
            parts.append(f"{len(self.missing)} PMIDs without a record")
        parts.append(f"{self.requests} requests, {self.cache_hits} from cache")
        line = "; ".join(parts)
        if self.failures:
            line += f"; {len(self.failures)} failed requests"
        return line


@dataclass
class TopicResult:
    """One topic query of the KB (an ESearch term) and the PMIDs it found, newest first."""

    term: str
    pmids: list[str] = field(default_factory=list)
    total: int = 0  # hits upstream (``pmids`` keeps at most the build's topic limit)


@dataclass
class RunRecord:
    """A build or refresh that changed the knowledge graph: one entry of its run history.

    A run that changed nothing is not recorded, so a no-change refresh leaves the graph as it was.
    """

    id: str  # when it finished (ISO 8601, UTC): the run IRI's last segment
    kind: Literal["build", "refresh"]
    version: str  # Casebook version
    documents: list[str] = field(default_factory=list)  # the document graphs it (re)wrote
    added: list[str] = field(default_factory=list)  # PMIDs new to the KB
    revised: list[str] = field(default_factory=list)  # PMIDs whose record changed upstream
    retracted: list[str] = field(default_factory=list)  # PMIDs newly marked retracted
    corrected: list[str] = field(default_factory=list)  # PMIDs with a new erratum/correction
    unchanged: int = 0  # records checked and found unchanged
    failed: list[str] = field(default_factory=list)  # requests that failed (retried next run)


@dataclass
class RefreshReport:
    """What a refresh did: the change report printed and kept in the run history."""

    checked: int = 0  # known records checked for revisions
    added: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    retracted: list[str] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)
    unchanged: int = 0
    deleted: list[str] = field(default_factory=list)  # PMIDs PubMed no longer knows (kept)
    failed: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)  # document graphs replaced
    requests: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.documents)

    def summary(self) -> str:
        line = (
            f"{self.checked} records checked: {len(self.added)} added, "
            f"{len(self.revised)} revised, {len(self.retracted)} retracted, "
            f"{len(self.corrected)} corrected, {self.unchanged} unchanged, "
            f"{len(self.deleted)} deleted upstream (kept), {len(self.failed)} failed; "
            f"{len(self.documents)} document graphs replaced; "
            f"{self.requests} requests in {self.seconds:.1f} s"
        )
        return line


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])
