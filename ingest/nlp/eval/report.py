"""An evaluation report as text: figures per type, then the misses and spurious facts."""

from __future__ import annotations

from collections import defaultdict

from ingest.nlp.eval.facts import EvalReport, Fact


def format_report(report: EvalReport, limit: int = 25) -> str:
    """A table of precision and recall per type, then the misses and spurious items."""

    def pct(x: float | None) -> str:
        return "   –" if x is None else f"{x:4.2f}"

    lines = [report.title, ""]
    lines.append(
        f"{'type':<13} {'P':>5} {'R':>5} {'correct':>8} {'predicted':>9} {'found':>6} {'gold':>5}"
    )
    rows = [*report.scores, report.total]
    for s in rows:
        if s is rows[-1]:
            lines.append("-" * 57)
        lines.append(
            f"{s.type:<13} {pct(s.precision):>5} {pct(s.recall):>5} {s.correct:>8} "
            f"{s.predicted:>9} {s.found:>6} {s.gold:>5}"
        )
    for name, items in (("Missed", report.misses), ("Spurious", report.spurious)):
        lines += ["", f"{name} ({len(items)}):"]
        if report.documents > 1:
            text = _grouped(items, report.partial)
        else:
            text = [f"  {f.type:<12} {f}{_why(f, report.partial)}" for f in items]
        lines += text[:limit]
        if len(text) > limit:
            lines.append(f"  … and {len(text) - limit} more")
    return "\n".join(lines)


def _why(fact: Fact, partial: dict[Fact, Fact]) -> str:
    near = partial.get(fact)
    if near is None:
        return ""
    return f"  [predicted with {'no value' if near.value is None else near.value!r}]"


def _grouped(facts: list[Fact], partial: dict[Fact, Fact]) -> list[str]:
    """Across many documents: one line per (type, concept, assertion), most frequent first."""
    groups: dict[tuple[str, str, str, str], list[Fact]] = defaultdict(list)
    for f in facts:
        if f in partial:  # the value is the problem, whatever the concept
            groups[(f.type, "(any concept)", f.assertion, "  [value incomplete]")].append(f)
        else:
            groups[(f.type, "|".join(f.concepts), f.assertion, "")].append(f)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [
        f"  {len(fs):>4} × {t:<12} {c}{'' if a == 'present' else ' ' + a}{why}"
        f"  (e.g. {fs[0]}{_why(fs[0], partial)})"
        for (t, c, a, why), fs in ordered
    ]
