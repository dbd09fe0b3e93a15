"""Title and authors from the top of a seed article; journal, year, pages and DOI from its
'How to cite' block.
"""

from __future__ import annotations

import re

from ingest.references import normalize_doi, parse_reference
from kb.records import Section, SeedMetadata


def find_metadata(text: str, sections: list[Section]) -> SeedMetadata:
    """Title and authors from the top of the article; journal, year, pages, DOI from its citation."""
    meta = SeedMetadata()
    title_sec = next((s for s in sections if s.kind == "title"), None)
    if title_sec is not None:
        meta.title = title_sec.title
        first_line = title_sec.text.strip().splitlines()[0] if title_sec.text.strip() else ""
        names = [n.strip() for n in first_line.split(",") if n.strip()]
        if names and all(re.fullmatch(r"[^\W\d_][\w.'’\- ]{1,60}", n) for n in names):
            meta.authors = names
    cite = next((s for s in sections if s.kind == "how_to_cite"), None)
    if cite is not None:
        ref = parse_reference(" ".join(cite.text.split()))
        meta.journal, meta.year, meta.volume = ref.journal, ref.year, ref.volume
        meta.issue, meta.pages, meta.doi = ref.issue, ref.pages, ref.doi
        meta.title = meta.title or ref.title
        meta.authors = meta.authors or ref.authors
    if meta.doi is None:
        body_start = min(
            (s.start for s in sections if s.kind not in {"front_matter", "title", "abstract"}),
            default=len(text),
        )
        meta.doi = normalize_doi(text[:body_start])
    return meta
