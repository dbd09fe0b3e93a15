"""The data directory: what a build leaves for the extraction and graph stages (docs/data-format.md).

    <data_dir>/seed.json          the seed as read (SeedDocument)
    <data_dir>/references.jsonl   one Resolution per reference, in reference order
    <data_dir>/records.jsonl      one PubmedRecord per line, sorted by PMID
    <data_dir>/fulltexts.jsonl    one FullText per PMC article fetched, sorted by PMCID
    <data_dir>/cited_by.jsonl     one CitedBy per resolved reference (with --cited-by)
    <data_dir>/extractions.jsonl  one Extraction (cases, findings, relations) per source:
                                  a document's text, its MeSH indexing, the seed's citations
    <data_dir>/build.json         the BuildReport of the last build, with its time and version
    <data_dir>/cache/             raw E-utilities answers (ingest.entrez.cache)
Every file is replaced atomically, so a reader sees the previous build or the new one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from kb import __version__
from kb.jsonl import read_json, read_jsonl, write_json, write_jsonl
from kb.records import (
    BuildReport,
    CitedBy,
    Extraction,
    FullText,
    PubmedRecord,
    Resolution,
    SeedDocument,
)


@dataclass
class BuildInfo:
    report: BuildReport
    finished_at: str
    version: str = __version__
    seed: str = ""
    eutils_url: str = ""
    options: dict[str, str] = field(default_factory=dict)


@dataclass
class Build:
    """Everything one build produced; ``save`` writes it, ``load`` reads it back."""

    seed: SeedDocument
    resolutions: list[Resolution]
    records: list[PubmedRecord]
    fulltexts: list[FullText]
    cited_by: list[CitedBy]
    info: BuildInfo
    extractions: list[Extraction] = field(default_factory=list)

    def save(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        write_json(data_dir / "seed.json", self.seed)
        write_jsonl(data_dir / "references.jsonl", self.resolutions)
        write_jsonl(data_dir / "records.jsonl", sorted(self.records, key=lambda r: int(r.pmid)))
        write_jsonl(data_dir / "fulltexts.jsonl", sorted(self.fulltexts, key=lambda t: t.pmcid))
        write_jsonl(data_dir / "cited_by.jsonl", sorted(self.cited_by, key=lambda c: int(c.pmid)))
        write_jsonl(
            data_dir / "extractions.jsonl", sorted(self.extractions, key=lambda e: e.document)
        )
        write_json(data_dir / "build.json", self.info)  # last: marks the build complete

    @classmethod
    def load(cls, data_dir: Path) -> Build:
        if not (data_dir / "build.json").exists():
            raise FileNotFoundError(f"no build in {data_dir}: run `kb build` or `kb demo` first")
        return cls(
            seed=read_json(data_dir / "seed.json", SeedDocument),
            resolutions=read_jsonl(data_dir / "references.jsonl", Resolution),
            records=read_jsonl(data_dir / "records.jsonl", PubmedRecord),
            fulltexts=read_jsonl(data_dir / "fulltexts.jsonl", FullText),
            cited_by=read_jsonl(data_dir / "cited_by.jsonl", CitedBy),
            info=read_json(data_dir / "build.json", BuildInfo),
            extractions=read_jsonl(data_dir / "extractions.jsonl", Extraction),
        )


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
