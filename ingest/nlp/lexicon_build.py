"""Build the grounding lexicon (``data/vocab/lexicon``) from the open vocabularies in ../shared.

Run ``python -m ingest.nlp.lexicon_build [--vocab ../shared/vocab] [--out data/vocab/lexicon]``.
The build does every costly step (filtering, ranking, cross-references, variant keys) once, so
``ingest.nlp.lexicon.load_lexicon`` only gunzips; a lookup bisects the sorted text.

Sources and what each implies (see ``data/vocab/README.md`` for versions and licences):

- MeSH 2024 descriptors by tree (A anatomy, C23 sign_symptom, other C and F03 disease, D
  chemical, E01/E05 test, E02-E04/E06 procedure; other branches are not shipped), their entry
  terms without NLM's permuted forms, and the substance names and actions of the
  pharmacological-action table (its ``C…`` supplementary records become chemicals too);
- DrugBank open vocabulary: names and synonyms, chemical;
- biolexica phenotype (labels and exact synonyms only: Broad/Related/Narrow ones name other
  concepts): HP/SYMP concepts are sign_symptom unless a disease source (DOID, MONDO) also
  names them, the rest disease; biolexica anatomy: anatomy.

Files written (gzip, UTF-8, tab-separated, sorted by key as Python compares strings, no header;
byte-for-byte the same on every run):

- ``terms.tsv.gz``: ``key`` (case-folded, spaces collapsed) → ``entries``;
- ``cased.tsv.gz``: the same for short all-capital forms (``ALL``), keyed by their exact text;
- ``variants.tsv.gz``: ``variant key`` (see ``variant_key``) → ``|``-joined term keys;
- ``concepts.tsv.gz``: ``curie``, preferred name, ``|``-joined cross-references, ``|``-joined
  pharmacological actions.

An entry is ``curie,category,match`` (match ``P`` preferred name, ``S`` synonym, ``N`` a MeSH
entry term of a narrower concept inside the descriptor), entries joined by ``;``, best first
(``P``, ``S``, ``N``, then by source: MeSH, DrugBank, MONDO, DOID, HP/UBERON, SYMP, NCIt, BTO).

``--concepts`` instead fills the ``mesh`` column of ``data/vocab/concepts.tsv`` where a
concept's label (else its synonyms) equals, case-folded, an entry term of exactly one MeSH 2024
descriptor (``concept_mesh`` has the guards), and logs what it skipped.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from spacy.lang.en.stop_words import STOP_WORDS

from ingest.nlp.lexicon import SOURCE_RANK, is_cased_form, normalize_key, variant_key

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_VOCAB = ROOT.parent / "shared" / "vocab"
DEFAULT_OUT = ROOT / "data" / "vocab" / "lexicon"
CONCEPTS_TSV = ROOT / "data" / "vocab" / "concepts.tsv"

# MeSH tree prefix → category; the longest matching prefix decides (C23 before C)
TREE_CATEGORY = {
    "A": "anatomy",
    "C": "disease",
    "C23": "sign_symptom",
    "F03": "disease",
    "D": "chemical",
    "E01": "test",
    "E05": "test",
    "E02": "procedure",
    "E03": "procedure",
    "E04": "procedure",
    "E06": "procedure",
}
# The tabulated descriptors give the heads of the tree branches no tree number; their MeSH 2024
# tree numbers (the branch codes themselves) are written down here so the rule above applies.
BRANCH_HEADS = {
    "D001829": "A01", "D009141": "A02", "D004064": "A03", "D012137": "A04", "D014566": "A05",
    "D004703": "A06", "D002319": "A07", "D009420": "A08", "D012679": "A09", "D014024": "A10",
    "D002477": "A11", "D005441": "A12", "D013284": "A14", "D006424": "A15", "D004628": "A16",
    "D034582": "A17",
    "D007239": "C01", "D009369": "C04", "D009140": "C05", "D004066": "C06", "D009057": "C07",
    "D012140": "C08", "D010038": "C09", "D009422": "C10", "D005128": "C11", "D000091642": "C12",
    "D002318": "C14", "D006425": "C15", "D009358": "C16", "D017437": "C17", "D009750": "C18",
    "D004700": "C19", "D007154": "C20", "D007280": "C21", "D013568": "C23", "D009784": "C24",
    "D064419": "C25", "D014947": "C26",
    "D007287": "D01", "D009930": "D02", "D006571": "D03", "D011083": "D04", "D046911": "D05",
    "D045762": "D08", "D002241": "D09", "D008055": "D10", "D000602": "D12", "D009706": "D13",
    "D045424": "D20", "D001685": "D23", "D004364": "D26", "D020164": "D27",
    "D003933": "E01", "D013812": "E02", "D000760": "E03", "D013514": "E04", "D008919": "E05",
    "D001523": "F03",
}  # fmt: skip
PHENOTYPE_PREDICATES = {"rdfs:label", "oboInOwl:hasExactSynonym"}
DISEASE_SOURCES = {"doid", "mondo"}
SYMPTOM_PREFIXES = {"hp", "symp"}
MIN_LENGTH = 3  # shorter terms only as case-sensitive capitals (``MI``)
MIN_CASED_LENGTH = 2


def keep_key(key: str) -> bool:
    """Drop short terms, stop words ("all", "can"), terms without a letter and the odd term with
    the files' ``|`` separator in it."""
    return (
        len(key) >= MIN_LENGTH
        and key not in STOP_WORDS
        and any(c.isalpha() for c in key)
        and "|" not in key
    )


@dataclass(frozen=True)
class Term:
    """One surface form of one concept, with the category its source implies."""

    text: str
    curie: str
    category: str
    match: str  # P preferred name, S synonym, N (MeSH) entry term of a narrower concept

    @property
    def preferred(self) -> bool:
        return self.match == "P"


# -- readers ------------------------------------------------------------------------------------


def read_tsv_gz(path: Path) -> Iterator[dict[str, str]]:
    """Rows of a headed gzip TSV as dicts (fields may hold quotes: no CSV quoting)."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        for line in handle:
            yield dict(zip(header, line.rstrip("\n").split("\t"), strict=False))


def mesh_categories(tree_numbers: str) -> tuple[str, ...]:
    """Categories a descriptor's trees imply. A C23 descriptor is a sign_symptom unless it is
    also in another C branch, where C23.888 (Signs and Symptoms: dyspnea, seizures) still wins
    but C23.550 (Pathologic Processes: myocardial infarction as an infarction) does not."""
    trees = [t for t in tree_numbers.split("|") if t]
    found: list[str] = []
    for tree in trees:
        prefixes = [p for p in TREE_CATEGORY if tree.startswith(p)]
        if prefixes:
            found.append(TREE_CATEGORY[max(prefixes, key=len)])
    if "sign_symptom" in found and "disease" in found:
        symptom = any(t.startswith("C23.888") for t in trees)
        found = [c for c in found if c != ("disease" if symptom else "sign_symptom")]
    return tuple(dict.fromkeys(found))


def mesh_descriptors(folder: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Descriptor UI → (name, categories), for every descriptor some category needs."""
    out = {}
    for ui, (name, trees) in descriptor_trees(folder).items():
        categories = mesh_categories(trees)
        if categories:
            out[ui] = (name, categories)
    return out


def mesh_terms(folder: Path, descriptors: dict[str, tuple[str, tuple[str, ...]]]) -> list[Term]:
    """Entry terms (no permuted forms) of the shipped descriptors, one Term per category."""
    rows = [r for r in read_tsv_gz(folder / "terms.tsv.gz") if r["descriptor_ui"] in descriptors]
    core = {r["descriptor_ui"]: r["concept_ui"] for r in rows if r["record_preferred"] == "Y"}
    terms = []
    for row in rows:
        if row["permuted"] == "Y":
            continue
        name, categories = descriptors[row["descriptor_ui"]]
        if row["term"] == name:
            match = "P"
        else:
            match = "S" if core.get(row["descriptor_ui"]) == row["concept_ui"] else "N"
        natural = uninvert(row["term"])
        for category in categories:
            terms.append(Term(row["term"], f"mesh:{row['descriptor_ui']}", category, match))
            if natural:
                synonym = "S" if match == "P" else match
                terms.append(Term(natural, f"mesh:{row['descriptor_ui']}", category, synonym))
    return terms


def uninvert(term: str) -> str | None:
    """MeSH's inverted headings in natural order: "Leukemia, Lymphoblastic, Acute" → "Acute
    Lymphoblastic Leukemia"; None for other terms (chemical names with commas are left alone)."""
    parts = [p.strip() for p in term.split(",")]
    if not 2 <= len(parts) <= 3 or any(not p or len(p.split()) > 3 for p in parts):
        return None
    if any(c.isdigit() or c in "()[]" for c in term):
        return None
    return " ".join(reversed(parts))


def mesh_actions(folder: Path) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Substance → action names, and the names of the supplementary (``C…``) substances."""
    actions: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    for row in read_tsv_gz(folder / "pharmacological_actions.tsv.gz"):
        ui = row["descriptor_ui"].upper()
        actions[f"mesh:{ui}"].append(row["action_name"])
        if ui.startswith("C"):
            names[f"mesh:{ui}"] = row["name"]
    return actions, names


def drugbank_terms(path: Path) -> list[Term]:
    """DrugBank common names (preferred) and synonyms."""
    terms = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            curie = f"drugbank:{row['DrugBank ID']}"
            name = row["Common name"].strip()
            terms.append(Term(name, curie, "chemical", "P"))
            for synonym in row["Synonyms"].split(" | "):
                if synonym.strip() and synonym.strip() != name:
                    terms.append(Term(synonym.strip(), curie, "chemical", "S"))
    return terms


def curie_of(curie: str) -> str:
    """Bioregistry style: lower-case prefix, local id as given (``ncit:C3167``)."""
    prefix, _, local = curie.partition(":")
    return f"{prefix.lower()}:{local}"


def biolexica_terms(path: Path, anatomy: bool) -> tuple[list[Term], dict[str, str]]:
    """Labels and exact synonyms of a biolexica lexicon, and each concept's name."""
    rows = [r for r in read_tsv_gz(path) if r.get("predicate") in PHENOTYPE_PREDICATES]
    names = {curie_of(r["curie"]): r["name"] for r in rows}
    sources: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        sources[curie_of(row["curie"])].add(row["source"])
    terms = []
    for row in rows:
        curie = curie_of(row["curie"])
        prefix = curie.split(":", 1)[0]
        if anatomy:
            category = "anatomy"
        elif prefix in SYMPTOM_PREFIXES and not sources[curie] & DISEASE_SOURCES:
            category = "sign_symptom"
        else:
            category = "disease"
        preferred = normalize_key(row["text"]) == normalize_key(row["name"])
        terms.append(Term(row["text"], curie, category, "P" if preferred else "S"))
    return terms, names


# -- the index ------------------------------------------------------------------------------------


def index_terms(terms: Iterable[Term]) -> tuple[dict[str, list[Term]], dict[str, list[Term]]]:
    """Folded key → terms and exact short capital form → terms, dropping what never helps."""
    folded: dict[str, list[Term]] = defaultdict(list)
    cased: dict[str, list[Term]] = defaultdict(list)
    for term in terms:
        text = " ".join(term.text.split())
        if is_cased_form(text):
            if len(text) >= MIN_CASED_LENGTH:
                cased[text].append(term)
        elif keep_key(normalize_key(text)):
            folded[normalize_key(text)].append(term)
    return folded, cased


def rank(term: Term) -> tuple[int, int, str]:
    order = {"P": 0, "S": 1, "N": 2}[term.match]
    return (order, SOURCE_RANK.get(term.curie.split(":")[0], 9), term.curie)


def entries(terms: list[Term]) -> str:
    """``curie,category,match;…`` best first, each (curie, category) once."""
    seen: set[tuple[str, str]] = set()
    out = []
    for term in sorted(terms, key=rank):
        if (term.curie, term.category) not in seen:
            seen.add((term.curie, term.category))
            out.append(f"{term.curie},{term.category},{term.match}")
    return ";".join(out)


def cross_references(
    names: dict[str, str], categories: dict[str, set[str]], folded: dict[str, list[Term]]
) -> dict[str, set[str]]:
    """Non-MeSH concept ↔ MeSH descriptor where the concept's name is, exactly or else as a
    variant ("cardiomyopathy" ~ Cardiomyopathies), the name or a synonym (not a narrower
    concept's term) of exactly one MeSH descriptor of one of the concept's categories."""
    by_variant: dict[str, list[Term]] = defaultdict(list)
    for key, terms in folded.items():
        by_variant[variant_key(key)].extend(t for t in terms if t.curie.startswith("mesh:"))
    xrefs: dict[str, set[str]] = defaultdict(set)
    for curie, name in names.items():
        if curie.startswith("mesh:"):
            continue
        own = categories.get(curie, set())
        mesh: set[str] = set()
        for candidates in (folded.get(normalize_key(name), []), by_variant[variant_key(name)]):
            mesh = {
                t.curie
                for t in candidates
                if t.curie.startswith("mesh:") and t.category in own and t.match != "N"
            }
            if mesh:
                break
        if len(mesh) == 1:
            (other,) = mesh
            xrefs[curie].add(other)
            xrefs[other].add(curie)
    return xrefs


def variants(keys: Iterable[str]) -> dict[str, list[str]]:
    """Variant key → the term keys it stands for, where the two differ."""
    out: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        loose = variant_key(key)
        if loose and loose != key:
            out[loose].append(key)
    return out


def write_gz(path: Path, rows: Iterable[tuple[str, ...]]) -> None:
    """Sorted TSV rows, gzip with a fixed mtime so rebuilding the same input gives equal bytes."""
    text = "".join("\t".join(row) + "\n" for row in sorted(rows))
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
        handle.write(text.encode("utf-8"))
    log.info("%s: %d rows, %.1f MB", path.name, text.count("\n"), path.stat().st_size / 1e6)


def build(vocab: Path, out: Path) -> None:
    """Read every source under ``vocab`` and write the lexicon files into ``out``."""
    mesh = vocab / "mesh-2024"
    descriptors = mesh_descriptors(mesh)
    actions, substances = mesh_actions(mesh)
    terms = mesh_terms(mesh, descriptors)
    terms += [Term(name, curie, "chemical", "P") for curie, name in substances.items()]
    terms += drugbank_terms(vocab / "drugbank-open" / "drugbank_vocabulary.csv")
    phenotype, phenotype_names = biolexica_terms(
        vocab / "biolexica" / "phenotype.ssslm.tsv.gz", False
    )
    anatomy, anatomy_names = biolexica_terms(vocab / "biolexica" / "anatomy.ssslm.tsv.gz", True)
    terms += phenotype + anatomy
    log.info("%d terms read", len(terms))

    folded, cased = index_terms(terms)
    used = {t.curie for ts in (*folded.values(), *cased.values()) for t in ts}
    categories: dict[str, set[str]] = defaultdict(set)
    for term in terms:
        categories[term.curie].add(term.category)
    names = {f"mesh:{ui}": name for ui, (name, _) in descriptors.items()}
    names |= substances | anatomy_names | phenotype_names
    names |= {t.curie: t.text for t in terms if t.preferred and t.curie.startswith("drugbank:")}
    xrefs = cross_references({c: n for c, n in names.items() if c in used}, categories, folded)

    out.mkdir(parents=True, exist_ok=True)
    write_gz(out / "terms.tsv.gz", ((k, entries(v)) for k, v in folded.items()))
    write_gz(out / "cased.tsv.gz", ((k, entries(v)) for k, v in cased.items()))
    write_gz(
        out / "variants.tsv.gz", ((k, "|".join(sorted(v))) for k, v in variants(folded).items())
    )
    write_gz(
        out / "concepts.tsv.gz",
        (
            (c, names.get(c, c), "|".join(sorted(xrefs.get(c, ()))), "|".join(actions.get(c, ())))
            for c in used
        ),
    )


# -- concepts.tsv mesh column ---------------------------------------------------------------------


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


def descriptor_trees(folder: Path) -> dict[str, tuple[str, str]]:
    """Every descriptor UI → (name, ``|``-joined tree numbers, branch heads' filled in)."""
    return {
        r["descriptor_ui"]: (
            r["name"],
            r["tree_numbers"] or BRANCH_HEADS.get(r["descriptor_ui"], ""),
        )
        for r in read_tsv_gz(folder / "descriptors.tsv.gz")
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--vocab", type=Path, default=DEFAULT_VOCAB)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--concepts", action="store_true", help="fill the mesh column of data/vocab/concepts.tsv"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.concepts:
        fill_concept_mesh(CONCEPTS_TSV, args.vocab)
    else:
        build(args.vocab, args.out)


if __name__ == "__main__":
    main()
