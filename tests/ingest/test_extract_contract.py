"""``kb extract PATH… --jsonl``: the output contract (docs/data-format.md), on the shipped models.

The texts are made up for these tests (SYNTHETIC); the expectations are what any reader of
them would say, not what the pipeline happened to print.
"""

from __future__ import annotations

import json

import pytest

from kb.cli import main

COCAINE = (
    "Cocaine-induced myocardial infarction in a 34-year-old man. A 34-year-old man developed "
    "chest pain after cocaine use. He was treated with aspirin and recovered fully. He denied "
    "fever."
)
CATEGORIES = {"disease", "sign_symptom", "chemical", "procedure", "test", "anatomy", "outcome",
              "age", "sex", "duration"}  # fmt: skip


def run(capsys, *args: str) -> tuple[int, list[dict], str]:
    code = main(["extract", *args, "--jsonl"])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines() if line.strip()], err


def by_text(document: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in document["findings"]:
        out.setdefault(f["text"].lower(), []).append(f)
    return out


@pytest.fixture(scope="module")
def cocaine(tmp_path_factory):
    path = tmp_path_factory.mktemp("extract") / "cocaine.txt"
    path.write_text(COCAINE, encoding="utf-8")
    return path


def test_the_three_line_report_is_full_and_grounded(cocaine, capsys):
    code, documents, err = run(capsys, str(cocaine))
    assert code == 0, err
    [doc] = documents
    assert doc["source"] == str(cocaine) and doc["document"].startswith("seed:")
    assert doc["text"] == COCAINE
    found = by_text(doc)
    cocaine_findings = found["cocaine"]
    assert {f["category"] for f in cocaine_findings} == {"chemical"}
    assert "mesh:D003042" in cocaine_findings[0]["ids"]
    assert {f["kind"] for f in cocaine_findings} == {"etiology"}  # "-induced", "after … use"
    assert found["myocardial infarction"][0]["category"] == "disease"
    assert "mesh:D009203" in found["myocardial infarction"][0]["ids"]
    assert found["aspirin"][0]["kind"] == "treatment"
    assert found["aspirin"][0]["category"] == "chemical"
    assert found["fever"][0]["assertion"] == "negated"
    pain = found.get("chest pain") or found["pain"]  # MACCROBAT's style: "chest" is a site
    assert pain[0]["category"] == "sign_symptom"
    assert found["recovered fully"][0]["kind"] == "outcome"
    links = {(r["kind"], r["cue"]) for r in doc["relations"]}
    assert ("caused_by", "-induced") in links and ("led_to", "and") in links
    assert {f["category"] for f in found["34-year-old"]} == {"age"}
    assert any(f["category"] == "sex" for f in found["man"])


def test_every_offset_indexes_the_file_text_and_every_finding_has_the_contract(cocaine, capsys):
    _, [doc], _ = run(capsys, str(cocaine))
    assert {"source", "document", "text", "cases", "relations", "findings"} <= set(doc)
    for f in doc["findings"]:
        ev = f["evidence"]
        assert doc["text"][ev["span_start"] : ev["span_end"]] == f["text"]
        assert f["category"] in CATEGORIES
        assert {"kind", "concept", "label", "ids", "assertion"} <= set(f)


def test_a_title_and_an_inline_heading_never_hide_text(tmp_path, capsys):
    text = (
        "Hypertension in pregnancy\n"
        "Abstract This report describes a woman with severe hypertension and proteinuria "
        "treated with labetalol."
    )
    path = tmp_path / "inline.txt"
    path.write_text(text, encoding="utf-8")
    _, [doc], _ = run(capsys, str(path))
    starts = {f["evidence"]["span_start"] for f in doc["findings"]}
    assert any(s < len("Hypertension in pregnancy") for s in starts)  # the title is read
    assert {"proteinuria", "labetalol"} <= set(by_text(doc))


def test_a_directory_and_a_bad_file_in_the_batch(tmp_path, capsys):
    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("The patient had pneumonia.", encoding="utf-8")
    (folder / "sub" / "b.md").write_text("Treated with metformin for diabetes.", encoding="utf-8")
    (folder / "c.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (folder / "ignored.csv").write_text("not,an,article", encoding="utf-8")
    code, documents, err = run(capsys, str(folder))
    assert code == 1
    assert [d["source"] for d in documents] == [str(folder / "a.txt"), str(folder / "sub" / "b.md")]
    assert err.count("\n") == 1 and "c.txt" in err and "binary" in err
    assert "pneumonia" in by_text(documents[0])
    assert {"metformin", "diabetes"} <= set(by_text(documents[1]))


def test_pubmed_xml_gives_one_document_per_record_with_the_text_offsets_index(capsys):
    from pathlib import Path

    demo = Path(__file__).resolve().parents[2] / "data" / "demo" / "corpus" / "pubmed"
    files = sorted(demo.glob("*.xml"))[:2]
    code, documents, err = run(capsys, *map(str, files))
    assert code == 0, err
    assert [d["document"] for d in documents] == [f"pmid:{f.stem}" for f in files]
    for doc in documents:
        for f in doc["findings"]:
            ev = f["evidence"]
            if ev["method"] == "text":
                assert doc["text"][ev["span_start"] : ev["span_end"]] == f["text"]


def test_values_enter_the_records_vocabularies_only_when_they_belong_to_them():
    from kb import records

    assert records.assertion("negated") == "negated"
    assert records.category(None) is None and records.category("chemical") == "chemical"
    assert records.finding_kind("treatment") == "treatment"
    assert records.relation_kind("led_to") == "led_to"
    for check, value in (
        (records.assertion, "denied"),
        (records.category, "drug"),
        (records.finding_kind, "therapy"),
        (records.relation_kind, "causes"),
    ):
        with pytest.raises(ValueError, match=repr(value)):
            check(value)
