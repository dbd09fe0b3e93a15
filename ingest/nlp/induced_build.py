"""Derive ``data/nlp/drug_induced.tsv`` from MeSH 2024: the descriptor MeSH files a disease under
when a drug caused it (hepatitis → Chemical and Drug Induced Liver Injury).

    .venv/bin/python -m ingest.nlp.induced_build [--vocab ../shared/vocab] [--out PATH]

MeSH facts only, never a corpus: a descriptor under C25 (Chemically-Induced Disorders) with an
entry term "Drug-Induced X" or "X, Drug-Induced" (also "Drug Induced", "Medication-Induced",
"Chemically-Induced", "Substance-Induced", "Chemical and Drug Induced"; and "Drug X" / "X, Drug":
Drug Hypersensitivity, Drug Fever) names the drug-caused form of X. X must be an entry term of
one disease descriptor (tree C or F03, not itself under C25); every term of the MeSH concept X
belongs to in that descriptor (not NLM's permuted forms) is then a form (``variant_key``) the drug-induced descriptor
stands for. Left out: "Toxic X" (a poisoning, which need not be a drug's effect: Toxic
Encephalopathy is filed under Neurotoxicity Syndromes) and "Chemotherapy-Induced X" (it holds
for antineoplastic drugs only). A form two drug-induced descriptors claim for one descriptor is
dropped. Output sorted, byte-for-byte reproducible.
"""

from __future__ import annotations

import argparse
import logging
import re
from collections import defaultdict
from pathlib import Path

from ingest.nlp.induced import HEADER, form_key
from ingest.nlp.mesh_files import descriptor_trees, read_tsv_gz

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
DEFAULT_VOCAB = REPO.parent / "shared" / "vocab"
DEFAULT_OUT = REPO / "data" / "nlp" / "drug_induced.tsv"

_BY = r"(?:drug|medication|chemically|substance|chemical and drug)[- ]induced"
PATTERNS = (
    re.compile(rf"^{_BY} (?P<x>.+)$", re.IGNORECASE),
    re.compile(rf"^(?P<x>.+), {_BY}$", re.IGNORECASE),
    re.compile(r"^drug (?P<x>.+)$", re.IGNORECASE),
    re.compile(r"^(?P<x>.+), drug$", re.IGNORECASE),
)


def _is_disease(trees: str) -> bool:
    numbers = trees.split("|") if trees else []
    return any(n.startswith(("C", "F03")) for n in numbers) and not any(
        n.startswith("C25") for n in numbers
    )


def derive(vocab: Path) -> list[tuple[str, str, str, str, str]]:
    """Rows (key, base descriptor, drug-induced descriptor, its name, the entry term giving it)."""
    folder = vocab / "mesh-2024"
    trees = descriptor_trees(folder)
    concept_terms: dict[tuple[str, str], list[str]] = defaultdict(list)
    concepts_of_key: dict[str, set[tuple[str, str]]] = defaultdict(set)
    induced_terms: dict[str, list[str]] = defaultdict(list)
    for row in read_tsv_gz(folder / "terms.tsv.gz"):
        ui, concept, term = row["descriptor_ui"], row["concept_ui"], row["term"]
        if row["permuted"] == "Y":
            continue  # NLM's permuted forms ("Disease, Liver") are no text's words
        numbers = trees.get(ui, ("", ""))[1].split("|")
        if any(n.startswith("C25") for n in numbers):
            induced_terms[ui].append(term)
        if _is_disease(trees.get(ui, ("", ""))[1]):
            concept_terms[(ui, concept)].append(term)
            concepts_of_key[form_key(term)].add((ui, concept))
    claims: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for induced, terms in sorted(induced_terms.items()):
        for term in terms:
            for pattern in PATTERNS:
                match = pattern.match(term)
                bases = concepts_of_key.get(form_key(match["x"]), set()) if match else set()
                if len({ui for ui, _ in bases}) != 1:
                    continue  # no disease descriptor has X, or several do: not certain
                for base, concept in bases:
                    for form in concept_terms[(base, concept)]:
                        claims[(form_key(form), base)].add((induced, term))
    rows = []
    for (key, base), found in sorted(claims.items()):
        if len({induced for induced, _ in found}) != 1:
            log.info("%s of %s: claimed by %s, dropped", key, base, sorted(found))
            continue
        induced, term = min(found)
        rows.append((key, base, induced, trees[induced][0], term))
    return rows


def write(rows: list[tuple[str, str, str, str, str]], out: Path) -> None:
    lines = ["\t".join(HEADER)] + ["\t".join(row) for row in rows]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vocab", type=Path, default=DEFAULT_VOCAB)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows = derive(args.vocab)
    write(rows, args.out)
    log.info("%d forms of %d descriptors → %s", len(rows), len({r[1] for r in rows}), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
