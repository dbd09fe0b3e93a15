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
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from spacy.lang.en.stop_words import STOP_WORDS

from ingest.nlp.lexicon import SOURCE_RANK, is_cased_form, normalize_key, variant_key
from ingest.nlp.mesh_files import descriptor_trees, read_tsv_gz

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
    names: dict[str, str],
    categories: dict[str, set[str]],
    folded: dict[str, list[Term]],
    synonyms: dict[str, list[str]] | None = None,
) -> dict[str, set[str]]:
    """Non-MeSH concept ↔ MeSH descriptor where the concept's name is, exactly or else as a
    variant ("cardiomyopathy" ~ Cardiomyopathies), the name or a synonym (not a narrower
    concept's term) of exactly one MeSH descriptor of one of the concept's categories; failing
    its name, where its exact synonyms all lead to that one descriptor (DOID's "cardiovascular
    system disease", a synonym "cardiovascular disease" ~ Cardiovascular Diseases)."""
    by_variant: dict[str, list[Term]] = defaultdict(list)
    for key, terms in folded.items():
        by_variant[variant_key(key)].extend(t for t in terms if t.curie.startswith("mesh:"))

    def descriptors(text: str, own: set[str]) -> set[str]:
        """The MeSH descriptors (of categories ``own``) ``text`` names, exactly or else as a
        variant."""
        for candidates in (folded.get(normalize_key(text), []), by_variant[variant_key(text)]):
            found = {
                t.curie
                for t in candidates
                if t.curie.startswith("mesh:") and t.category in own and t.match != "N"
            }
            if found:
                return found
        return set()

    xrefs: dict[str, set[str]] = defaultdict(set)
    for curie, name in names.items():
        if curie.startswith("mesh:"):
            continue
        own = categories.get(curie, set())
        mesh = descriptors(name, own)
        if not mesh and synonyms:
            mesh = set().union(*(descriptors(text, own) for text in synonyms.get(curie, ())))
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
    synonyms: dict[str, list[str]] = defaultdict(list)
    for term in phenotype + anatomy:
        if term.match == "S":
            synonyms[term.curie].append(term.text)
    xrefs = cross_references(
        {c: n for c, n in names.items() if c in used}, categories, folded, synonyms
    )

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
        from ingest.nlp.lexicon_concepts import fill_concept_mesh

        fill_concept_mesh(CONCEPTS_TSV, args.vocab)
    else:
        build(args.vocab, args.out)


if __name__ == "__main__":
    main()
