"""The ``mesh`` column of the curated vocabulary (``data/vocab/concepts.tsv``), filled from MeSH.

``python -m ingest.nlp.lexicon_build --concepts`` sets a concept's MeSH id where its label (else
its synonyms) equals, case-folded, an entry term of exactly one MeSH 2024 descriptor, in a
branch its type allows and sharing a word with its label (``concept_mesh`` has the guards);
ids already in the file are kept, and what was skipped is logged.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from ingest.nlp.lexicon import normalize_key, variant_key
from ingest.nlp.mesh_files import descriptor_trees, read_tsv_gz

log = logging.getLogger(__name__)


def mesh_entry_index(folder: Path) -> dict[str, set[str]]:
    """Case-folded entry term (permuted forms included: they are entry terms) → descriptor UIs."""
    index: dict[str, set[str]] = defaultdict(set)
    for row in read_tsv_gz(folder / "terms.tsv.gz"):
        index[normalize_key(row["term"])].add(row["descriptor_ui"])
    return index


# MeSH branches (first letter, or F03) a concept of each vocabulary type may be filed under
TYPE_BRANCHES = {
    "ANATOMY": ("A",),
    "CONDITION": ("C", "F03", "G"),
    "OUTCOME": ("C", "F03", "G", "N"),
    "TEST": ("D", "E", "G"),
    "TREATMENT": ("D", "E"),
    "ETIOLOGY": ("C", "D", "E", "F03", "G"),
}


def matching_descriptors(forms: Iterable[str], index: dict[str, set[str]]) -> set[str]:
    """Descriptors any of the forms is an entry term of."""
    return {ui for form in forms for ui in index.get(normalize_key(form), set())}


def shares_a_word(a: str, b: str) -> bool:
    """Whether two names share a word, as variants ("fluids" ~ "Fluid Therapy")."""
    return bool({variant_key(w) for w in a.split()} & {variant_key(w) for w in b.split()})


def concept_mesh(
    label: str,
    synonyms: list[str],
    type_: str,
    index: dict[str, set[str]],
    descriptors: dict[str, tuple[str, str]],
) -> tuple[str | None, str]:
    """The one descriptor a concept's forms name, or None and why not.

    The label decides when it is an entry term (synonyms that name other descriptors, such as
    "neonatal sepsis" beside "sepsis", do not veto it). Otherwise the synonyms must agree on one
    descriptor, filed in a branch the concept's type allows, whose name shares a word with the
    label: a synonym that names a member ("rivaroxaban" of "direct oral anticoagulant") is not
    the concept.
    """
    found = matching_descriptors([label], index)
    by_label = bool(found)
    if not found:
        found = matching_descriptors(synonyms, index)
    if not found:
        return None, "no entry term"
    if len(found) > 1:
        return None, f"ambiguous: {', '.join(sorted(found))}"
    (ui,) = found
    name, trees = descriptors.get(ui, (ui, ""))
    branches = {t[:1] for t in trees.split("|") if t} | {t[:3] for t in trees.split("|") if t}
    if not branches & set(TYPE_BRANCHES[type_]):
        return None, f"{ui} ({name}) is filed under {'/'.join(sorted(branches)) or '-'}"
    if not by_label and not shares_a_word(label, name):
        return None, f"only a synonym names {ui} ({name})"
    return ui, "label" if by_label else "synonym"


REJECTED = {
    # curation: matches the rules allow but a reader does not, with the reason
    "oxygen_therapy": "D010100 Oxygen is the substance; the concept is the therapy",
    "laboratory_tests": "D006403 Hematologic Tests is one kind of laboratory test",
    "incubator_care": "D007185 Incubators is the device, not the care",
}


def fill_concept_mesh(concepts_tsv: Path, vocab: Path) -> list[str]:
    """Set ``mesh`` where ``concept_mesh`` finds one descriptor and no other concept claims it
    (of several claimants, one whose form is the descriptor's name wins: Calcinosis Cutis goes
    to calcinosis_cutis, not its subtypes); ids already there are kept. Returns what was
    skipped and why (also logged)."""
    index = mesh_entry_index(vocab / "mesh-2024")
    descriptors = descriptor_trees(vocab / "mesh-2024")
    lines = concepts_tsv.read_text(encoding="utf-8").split("\n")
    header, rows = lines[0], [line.split("\t") for line in lines[1:] if line]
    forms = [[f[2], *filter(None, f[4].split("|"))] for f in rows]
    proposed: dict[int, str] = {}
    skipped: list[str] = []
    for number, (concept_id, type_, label, mesh, _, _) in enumerate(rows):
        if concept_id in REJECTED:
            skipped.append(f"{concept_id}: rejected by hand, {REJECTED[concept_id]}")
            continue
        ui, why = concept_mesh(label, forms[number][1:], type_, index, descriptors)
        if mesh:
            if ui is not None and ui != mesh:
                skipped.append(f"{concept_id}: kept the recorded {mesh}, entry terms name {ui}")
        elif ui is not None:
            proposed[number] = ui
            if why == "synonym":
                log.info("by a synonym: %s → %s (%s)", concept_id, ui, descriptors[ui][0])
        elif why != "no entry term":
            skipped.append(f"{concept_id}: {why}")
    taken = {fields[3] for fields in rows if fields[3]}
    claims: dict[str, list[int]] = defaultdict(list)
    for number, ui in proposed.items():
        claims[ui].append(number)
    set_count = 0
    for ui, numbers in sorted(claims.items()):
        name = normalize_key(descriptors[ui][0])
        named = [n for n in numbers if name in map(normalize_key, forms[n])]
        winner = numbers[0] if len(numbers) == 1 else named[0] if len(named) == 1 else None
        if ui in taken:
            winner = None
        losers = [rows[n][0] for n in numbers if n != winner]
        if losers:
            skipped.append(f"{', '.join(losers)}: {ui} ({descriptors[ui][0]}) is another concept's")
        if winner is not None:
            rows[winner][3] = ui
            set_count += 1
    text = "\n".join([header, *("\t".join(f) for f in rows)]) + "\n"
    concepts_tsv.write_bytes(text.encode("utf-8"))
    log.info("mesh set for %d concepts", set_count)
    for line in skipped:
        log.info("skipped %s", line)
    return skipped
