"""``data/nlp/case_drugs.txt``: drug names for case reports, from the shipped lexicon.

    .venv/bin/python -m ingest.nlp.train.case_drugs

Neither recogniser knows every drug a case report names (febuxostat, micafungin, ivacaftor):
the abstracts model learned BC5CDR's chemicals, the case model 120 reports' medications. The
grounding lexicon (``data/vocab/lexicon/terms.tsv.gz``, built from MeSH 2024 and DrugBank open)
does. A term of one word (four letters or more) or of two to four words is listed when
DrugBank *and* MeSH both name it as a chemical: DrugBank alone also lists allergen extracts
named by everyday words ("date", "cherry"), MeSH alone every analyte. ``ingest/nlp/case_spans.py``
marks such a word a medication in a case report where no entity covers it (train folds: 21 of
34 were MACCROBAT medications), and such a name a medication where the case model read it as a
test in a sentence that gives a drug, or as a body part.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
LEXICON = REPO / "data" / "vocab" / "lexicon" / "terms.tsv.gz"
OUTPUT = REPO / "data" / "nlp" / "case_drugs.txt"
_ONE_WORD = re.compile(r"[a-z][a-z0-9-]{3,}")
_WORDS = re.compile(r"[a-z][a-z0-9-]*(?: [a-z0-9][a-z0-9-]*){1,3}")  # 2-4 words


def drug_names(lines: list[str]) -> list[str]:
    """The terms of lexicon rows (``term<TAB>id,category,kind;…``) that a DrugBank and a MeSH
    id both name as a chemical: one word of four letters or more, or two to four words
    ("mycophenolate mofetil", "calcium carbonate")."""
    out = set()
    for line in lines:
        term, _, ids = line.rstrip("\n").partition("\t")
        chemical = [i for i in ids.split(";") if i.split(",")[1:2] == ["chemical"]]
        sources = {i.split(":", 1)[0] for i in chemical}
        if (_ONE_WORD.fullmatch(term) or _WORDS.fullmatch(term)) and {
            "drugbank",
            "mesh",
        } <= sources:
            out.add(term)
    return sorted(out)


def main() -> None:
    with gzip.open(LEXICON, "rt", encoding="utf-8") as f:
        names = drug_names(f.readlines())
    header = "# drug names (DrugBank and MeSH); made by python -m ingest.nlp.train.case_drugs"
    OUTPUT.write_text("\n".join([header, *names]) + "\n", encoding="utf-8")
    print(f"{len(names)} names → {OUTPUT}")


if __name__ == "__main__":
    main()
