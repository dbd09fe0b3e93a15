"""What ``kb seed`` and ``kb extract`` print for a person: a seed as read (metadata, sections,
references, citation contexts) and the findings of one extraction grouped by subject; and the
JSON object of one document that ``kb extract --jsonl`` writes (docs/data-format.md)."""

from __future__ import annotations

from kb.jsonl import to_dict
from kb.records import SeedDocument


def document_json(d) -> dict:
    """The output contract of ``kb extract --jsonl`` (docs/data-format.md)."""
    e = d.extraction
    return {
        "source": d.source,
        "document": d.document,
        "text": d.text,
        "cases": [to_dict(c) for c in e.cases],
        "relations": [to_dict(r) for r in e.relations],
        "findings": [to_dict(f) for f in e.findings],
    }


def format_seed(seed: SeedDocument) -> str:
    m = seed.metadata
    out = [f"Seed: {seed.source}  (sha256 {seed.sha256[:12]}…)"]
    out.append(f"  title:   {m.title or '—'}")
    out.append(f"  authors: {', '.join(m.authors) or '—'}")
    where = f"{m.journal or '—'} {m.year or ''};{m.volume or ''}"
    where += f"({m.issue})" if m.issue else ""
    where += f":{m.pages}" if m.pages else ""
    out.append(f"  journal: {where}")
    out.append(f"  doi:     {m.doi or '—'}")
    out.append(f"\nSections ({len(seed.sections)}):")
    for s in seed.sections:
        out.append(
            f"  {s.kind:<20} {s.title[:40]:<40} {s.start:>6}-{s.end:<6} {len(s.text):>6} chars"
        )
    out.append(
        f"\nReferences ({len(seed.references)}, "
        f"{sum(1 for r in seed.references if r.doi)} with DOI):"
    )
    for r in seed.references:
        authors = (r.authors[0] + (" et al." if len(r.authors) > 1 else "")) if r.authors else "—"
        loc = f"{r.journal or '—'}. {r.year or '—'};{r.volume or ''}"
        loc += f"({r.issue})" if r.issue else ""
        loc += f":{r.pages}" if r.pages else ""
        authors += "" if authors.endswith(".") else "."
        out.append(f"  [{r.number:>2}] {authors} {r.title or '—'}. {loc}")
        out.append(f"       doi: {r.doi or '—'}" + (f"  pmid: {r.pmid}" if r.pmid else ""))
    out.append(f"\nCitation contexts ({len(seed.citations)}):")
    for c in seed.citations:
        nums = ",".join(map(str, c.numbers))
        out.append(f"  [{nums}] ({c.section}, {c.start}-{c.end}) {c.sentence}")
    for w in seed.warnings:
        out.append(f"warning: {w}")
    return "\n".join(out)


def format_extraction(ex) -> str:
    out = [
        f"{ex.document}: {len(ex.cases)} cases, {len(ex.findings)} findings, "
        f"{len(ex.relations)} relations"
    ]
    for case in ex.cases:
        out.append(
            f"  {case.id}  {case.title}: age {case.age or '—'}, sex {case.sex or '—'}, "
            f"sites {', '.join(case.sites) or '—'}"
        )
    by_id = {f.id: f for f in ex.findings}
    subjects: dict[str, list] = {}
    for f in ex.findings:
        subjects.setdefault(f.subject, []).append(f)
    for subject, findings in subjects.items():
        out.append(f"  {subject}")
        for f in sorted(findings, key=lambda f: f.evidence.span_start):
            flag = "" if f.assertion == "present" else f" [{f.assertion.upper()}]"
            value = f" = {f.value}" if f.value else ""
            ids = f" [{', '.join(f.ids[:2])}]" if f.ids else ""
            out.append(
                f"    {f.kind:<17} {f.category or '':<12} {f.label}{value}{flag}{ids}"
                f"   «{f.text}» ({f.evidence.section})"
            )
    for r in ex.relations:
        src, dst = by_id.get(r.source), by_id.get(r.target)
        if src and dst:
            time = f" after {r.time}" if r.time else ""
            out.append(f"  relation: {src.label} —{r.kind}→ {dst.label}{time}  ({src.subject})")
    return "\n".join(out)
