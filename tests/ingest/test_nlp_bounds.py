"""Oversized texts are split or capped, and one document's failure is isolated."""

from __future__ import annotations

import logging

from ingest.entrez.client import EntrezClient
from ingest.entrez.fake import Fault
from ingest.nlp import bounds, extract
from ingest.nlp.run import extract_articles
from ingest.xmlsafe import MAX_TEXT, parse_xml, text_of
from tests.ingest.test_client import make_settings


def test_pieces_split_at_sentence_ends_and_cover_the_text():
    text = ("A short sentence here. " * 3000) + ("x " * 30000)
    spans = bounds.pieces(text, 0, len(text))
    assert all(b - a <= bounds.MAX_PIECE for a, b in spans)
    assert text[spans[0][0] : spans[0][1]].endswith(". ")
    assert "".join(text[a:b] for a, b in spans).replace(" ", "") == text.replace(" ", "")


def test_a_document_reads_at_most_its_cap(caplog):
    text = "word " * 100_000
    with caplog.at_level(logging.WARNING):
        out = bounds.bounded("pmid:1", text, [("abstract", "", 0, len(text))])
    assert sum(b - a for _, _, a, b in out) <= bounds.MAX_DOCUMENT
    assert "the rest is not read" in caplog.text


def test_xml_text_is_capped_at_parse():
    root = parse_xml(b"<A>" + b"word " * 300_000 + b"</A>")
    assert len(text_of(root)) <= MAX_TEXT


def test_a_huge_abstract_extracts_without_crashing(server, tmp_path):
    server.inject("efetch", Fault("huge_text"))  # a 1.2 M-character abstract
    [record] = EntrezClient(make_settings(server, tmp_path)).efetch_pubmed(["99000001"])
    assert 500_000 < max(len(s.text) for s in record.abstract) <= MAX_TEXT  # capped at parse
    [text, *_] = extract_articles([record], [])
    assert text.document == "pmid:99000001"


def test_a_failing_document_is_skipped_and_the_others_kept(server, tmp_path, monkeypatch, caplog):
    records = EntrezClient(make_settings(server, tmp_path)).efetch_pubmed(["99000001", "99000002"])
    real = extract.assemble

    def fragile(document, *args, **kw):
        if document.id == "pmid:99000001":
            raise ValueError("synthetic failure")
        return real(document, *args, **kw)

    monkeypatch.setattr(extract, "assemble", fragile)
    with caplog.at_level(logging.ERROR):
        out = extract_articles(records, [])
    documents = [e.document for e in out]
    assert "pmid:99000002" in documents and "pmid:99000001" not in documents
    assert "extraction of pmid:99000001 failed, skipped" in caplog.text
