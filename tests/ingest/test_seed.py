"""The seed reader on the shared seed article (the acceptance case) and on small synthetic texts."""

from __future__ import annotations

import pytest

from ingest.seed.citations import expand_numbers
from ingest.seed.decode import SeedError
from ingest.seed.document import read_seed, read_seed_bytes, seed_from_identifiers
from tests.conftest import SEED_PATH, shared_file

SEED_DOIS = {
    1: "10.1097/rlu.0000000000003383",
    2: "10.1097/md.0000000000039139",
    3: "10.1097/gox.0000000000004837",
    4: "10.7326/aimcc.2024.027",
    5: "10.4103/ijd.ijd_527_18",
    6: "10.4103/jfmpc.jfmpc_588_19",
    7: "10.1007/s11926-023-01126-5",
    8: "10.1007/s00403-024-03148-0",
    9: "10.1136/bcr-2021-247613",
    10: "10.12659/ajcr.943397",
    11: "10.5999/aps.2020.01942",
    12: "10.12968/jowc.2022.0218",
    13: "10.26209/psjm62452",
    15: "10.7759/cureus.9712",
}


@pytest.fixture(scope="module")
def seed():
    path = shared_file(SEED_PATH)
    return read_seed_bytes(path.read_bytes(), source=path.name)


def test_fifteen_references_numbered_with_their_dois(seed):
    assert [r.number for r in seed.references] == list(range(1, 16))
    assert {r.number: r.doi for r in seed.references if r.doi} == SEED_DOIS
    assert seed.references[13].doi is None  # reference 14 has none


def test_reference_fields(seed):
    r1, r10, r13, r14 = (seed.references[i] for i in (0, 9, 12, 13))
    assert r1.authors[:2] == ["Mishra V", "Kalimuthu LM"] and len(r1.authors) == 5
    assert r1.title.startswith("Extensive Postchemotherapy Calcinosis Cutis")
    assert (r1.journal, r1.year, r1.volume, r1.issue, r1.pages) == (
        "Clinical Nuclear Medicine",
        2021,
        "46",
        "1",
        "e51-3",
    )
    assert (r10.journal, r10.volume, r10.issue, r10.pages) == (
        "The American Journal of Case Reports",
        "25",
        None,
        "e943397-1",
    )
    assert (r13.year, r13.volume, r13.pages) == (2021, "2", None)
    assert (r14.journal, r14.year, r14.volume, r14.issue, r14.pages) == (
        "Journal of Medical Case Reports",
        2022,
        "16",
        "1",
        "86",
    )
    assert r14.first_author == "Alghaith EA"


def test_citation_contexts(seed):
    cites = seed.citations
    assert len(cites) == 15
    assert [c.numbers for c in cites] == [
        [1],
        [2],
        [3],
        [4],
        [5],
        [6],
        [7, 8],
        [9],
        [10],
        [11],
        [12],
        [13],
        [14],
        [14],
        [15],
    ]
    cited = sorted({n for c in cites for n in c.numbers})
    assert cited == list(range(1, 16))
    assert cites[6].marker == "<sup>7,8</sup>"
    assert cites[6].sentence.startswith("Certain skin disorders such as scleroderma")
    assert cites[6].sentence.endswith("the severity of the disease itself.")
    assert cites[10].sentence == "Symptoms were resolved following successful medical treatment."
    assert cites[11].sentence == cites[12].sentence  # 13 and 14 in one sentence
    assert [c.section for c in cites[:2]] == ["introduction", "introduction"]
    assert all(c.section == "discussion" for c in cites[2:])
    text = SEED_PATH.read_text(encoding="utf-8")
    for c in cites:  # offsets index the file
        assert text[c.marker_start : c.marker_end] == c.marker
        assert c.start <= c.marker_start < c.end


def test_sections_and_offsets(seed):
    kinds = [s.kind for s in seed.sections]
    for kind in (
        "abstract",
        "introduction",
        "case_presentation",
        "discussion",
        "conclusion",
        "references",
    ):
        assert kind in kinds
    cases = [s.title for s in seed.sections if s.kind == "case_presentation"]
    assert cases == ["Case 01", "Case 02"]
    text = SEED_PATH.read_text(encoding="utf-8")
    for s in seed.sections:
        assert text[s.start : s.end] == s.text
    discussion = next(s for s in seed.sections if s.kind == "discussion")
    assert discussion.text.startswith("Iatrogenic calcinosis cutis refers to")


def test_metadata(seed):
    m = seed.metadata
    assert m.title == "Iatrogenic Calcinosis Cutis"
    assert m.authors[0] == "Muhammad Danish" and len(m.authors) == 6
    assert (m.journal, m.year, m.volume, m.issue, m.pages) == (
        "J Bahria Uni Med Dental Coll",
        2025,
        "15",
        "2",
        "167-169",
    )
    assert m.doi == "10.51985/jbumdc2025503"


# Synthetic texts below: written for these tests, not from any article.


def test_bracket_and_paren_markers_and_ranges():
    text = (
        "# Synthetic title\n\n## Discussion\n\nHeel sticks cause it [3-5]. Warfarin too [1, 2].\n"
        "Dystrophic forms dominate (6). Volume 15(2) is not a citation.\n\n## References\n\n"
        + "\n".join(
            f"{i}. Author{chr(64 + i)} A. Synthetic title {i}. J Synth. 2020;{i}:1-2."
            for i in range(1, 7)
        )
    )
    doc = read_seed(text)
    assert [c.numbers for c in doc.citations] == [[3, 4, 5], [1, 2], [6]]
    assert doc.citations[0].sentence == "Heel sticks cause it."


@pytest.mark.parametrize(
    ("body", "numbers"),
    [
        ("7,8", [7, 8]),
        ("3-5", [3, 4, 5]),
        ("3, 4", [3, 4]),
        ("3–5", [3, 4, 5]),
        ("1,3-4", [1, 3, 4]),
        ("9-2", []),
        ("1-400", []),
    ],
)
def test_expand_numbers(body, numbers):
    assert expand_numbers(body) == numbers


def test_bare_reference_list_numbered_or_not():
    text = (
        "Smith A, Jones B. A synthetic title about calcinosis. J Synth Med. 2020;12(3):45-9. "
        "doi:10.99999/ABC.1\n"
        "2. Doe J. Another synthetic title. Synth Rep. 2019;3:e12.\n"
        "Roe K. Third synthetic study of skin. Synth Derm. 2018 Jan;7(1):1-5. PMID: 99000010\n"
    )
    doc = read_seed(text)
    assert [r.number for r in doc.references] == [1, 2, 3]
    assert doc.references[0].doi == "10.99999/abc.1"
    assert doc.references[2].pmid == "99000010"
    assert doc.citations == []


def test_wrapped_reference_lines_are_joined():
    text = (
        "## References\n\n- Smith A, Jones B. A synthetic title that wraps\n"
        "  onto a second line. J Synth Med. 2020;12(3):45-9.\n- Doe J. Short. J Synth. 2019;3:1.\n"
    )
    refs = read_seed(text).references
    assert len(refs) == 2
    assert refs[0].title == "A synthetic title that wraps onto a second line"


def test_identifiers_from_the_command_line():
    doc = seed_from_identifiers(
        ["https://doi.org/10.1097/ MD.0000000000039139", "PMID: 123", "456"]
    )
    assert [(r.number, r.doi, r.pmid) for r in doc.references] == [
        (1, "10.1097/md.0000000000039139", None),
        (2, None, "123"),
        (3, None, "456"),
    ]
    with pytest.raises(SeedError, match="neither a DOI"):
        seed_from_identifiers(["not-an-id"])


@pytest.mark.parametrize("data", [b"", b"   \n", b"\x00\x01\x02PNG binary"])
def test_empty_and_binary_input_is_a_clear_error(data):
    with pytest.raises(SeedError):
        read_seed_bytes(data, "bad.txt")


def test_latin1_and_non_latin_scripts_are_read():
    text = (
        "## References\n\n- Müller Ä, Łukasz B. Kalzinose der Haut: ein synthetischer Fall. "
        "Synth Derm. 2020;1(2):3-4. DOI: 10.99999/X.1\n- 山田 太郎. 合成症例. 合成誌. 2021;2:5.\n"
    )
    doc = read_seed_bytes(text.encode("cp1252", errors="ignore"), "latin.txt")
    assert doc.references[0].doi == "10.99999/x.1"
    doc = read_seed_bytes(text.encode("utf-8"), "utf8.txt")
    assert len(doc.references) == 2 and doc.references[1].year == 2021
