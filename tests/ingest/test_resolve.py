"""Resolution by each method against the fake E-utilities, on SYNTHETIC records written here."""

from __future__ import annotations

import pytest

from ingest.entrez.client import EntrezClient
from ingest.entrez.fake import Corpus, FakeEutils, Fault
from ingest.entrez.resolve import Resolver, score, title_query
from ingest.references import parse_reference
from kb.records import Author, PubmedRecord
from tests.ingest.test_client import make_settings
from tests.synthetic import article, article_set

RECORDS = article_set(
    article(
        "99000201",
        "Synthetic iatrogenic calcinosis cutis in a neonate",
        doi="10.99999/r.1",
        authors=(("Alpha", "A"),),
        year=2020,
    ),
    article(
        "99000202",
        "Extravasation injury with synthetic calcium salts",
        journal="Synthetic Skin",
        iso="Synth Skin J",
        year=2019,
        volume="12",
        pages="100-104",
        authors=(("Beta", "B"),),
    ),
    article(
        "99000203",
        "Sodium thiosulfate for synthetic calciphylaxis: a case series",
        authors=(("Gamma", "C"),),
        year=2018,
    ),
    article(
        "99000204",
        "Synthetic calcinosis cutis in dermatomyositis",
        authors=(("Delta", "D"),),
        year=2017,
        journal="Synthetic A",
    ),
    article(
        "99000205",
        "Synthetic calcinosis cutis in dermatomyositis",
        authors=(("Delta", "DA"),),
        year=2017,
        journal="Synthetic B",
    ),
    article(
        "99000206",
        "Synthetic heel stick calcinosis in preterm infants and a review of cohort "
        "outcomes over two decades",
        authors=(("Epsilon", "E"),),
        year=2010,
    ),
    article("99000207", "Synthetic narrative review", authors=(("Eta", "H"),), year=2020),
    article(
        "99000208",
        "Unrelated synthetic pharmacology trial",
        doi="10.99999/r.8",
        authors=(("Kappa", "K"),),
        year=2001,
    ),
    article(
        "99000209",
        "Synthetic warfarin calciphylaxis with skin ulceration",
        authors=(("Lambda", "L"),),
        year=2022,
    ),
)

# reference string → (pmid, method, reason)
CASES = {
    "Alpha A. Synthetic iatrogenic calcinosis cutis in a neonate. J Synth. 2020;1:1. "
    "DOI: 10.99999/R.1": ("99000201", "doi", None),
    "Beta B. Extravasation injury with synthetic calcium salts. Synth Skin J. 2019;12(3):100-4. "
    "doi: 10.99999/not-indexed": ("99000202", "ecitmatch", None),
    "Gamma C. Sodium thiosulfate for synthetic calciphylaxis - a case series. J Other. 2018;2.": (
        "99000203",
        "title",
        None,
    ),
    "Delta D. Synthetic calcinosis cutis in dermatomyositis. J Synth. 2017.": (
        None,
        None,
        "ambiguous",
    ),
    "Zeta Z. Synthetic heel stick calcinosis in preterm infants. J Synth. 2023.": (
        None,
        None,
        "no_match",
    ),
    "Eta H. Synthetic narrative review. J Synth. 2020;1:1. PMID: 99000207": (
        "99000207",
        "pmid",
        None,
    ),
    "Theta T. Never indexed synthetic survey. Synthetic Regional Bulletin. 2022;1(1):1-2. "
    "DOI: 10.99999/absent": (None, None, "not_in_pubmed"),
    "Lambda L. Synthetic warfarin calciphylaxis with skin ulceration. J Synth. 2022;3. "
    "DOI: 10.99999/r.8": ("99000209", "title", None),  # the DOI is another article's
    "n/a": (None, None, "no_searchable_fields"),
    "PMID: 99999999": (None, None, "not_in_pubmed"),  # a stated PMID that does not exist
}


@pytest.fixture
def server():
    with FakeEutils(Corpus.from_xml([RECORDS])) as srv:
        yield srv


def resolve_all(server, tmp_path, **kw):
    refs = [parse_reference(text, n) for n, text in enumerate(CASES, start=1)]
    resolver = Resolver(EntrezClient(make_settings(server, tmp_path, **kw)))
    return resolver, resolver.resolve(refs)


def test_each_method_and_each_reason(server, tmp_path):
    resolver, results = resolve_all(server, tmp_path)
    got = [(r.pmid, r.method, r.reason) for r in results]
    assert got == list(CASES.values())
    for r in results:
        assert r.resolved == (r.pmid is not None)
        if r.resolved:
            assert r.score is not None and r.score >= 0.5 and r.pmid in resolver.records
    ambiguous = results[3]
    assert {c.pmid for c in ambiguous.candidates[:2]} == {"99000204", "99000205"}
    assert "DOI search gave PMID 99000208, whose record does not fit" in results[7].detail


def test_ecitmatch_is_one_request_for_all_references(server, tmp_path):
    resolve_all(server, tmp_path)
    calls = server.requests("ecitmatch")
    assert len(calls) == 1
    assert calls[0].params["bdata"][0].count("|") >= 6


def test_a_failed_request_is_reported_and_kept(server, tmp_path):
    server.inject("esearch", *[Fault("500")] * 3)
    _, results = resolve_all(server, tmp_path, max_attempts=3)
    first = results[0]
    assert first.reason == "failed" and "esearch" in first.detail and "HTTP 500" in first.detail
    assert len(results) == len(CASES)  # nothing dropped


def test_score_weights_title_author_year():
    ref = parse_reference("Alpha A. Synthetic title of a study. J Synth. 2020;1:1.")
    rec = PubmedRecord(
        pmid="1",
        title="Synthetic title of a study.",
        year=2020,
        authors=[Author(last_name="Alpha", initials="A")],
    )
    assert score(ref, rec) == 1.0
    rec.year, rec.authors = 2015, [Author(last_name="Other")]
    assert score(ref, rec) == pytest.approx(0.6, abs=0.01)


def test_title_query_uses_distinctive_words():
    q = title_query("Iatrogenic calcinosis cutis in 9-month-old baby boy: a case report")
    assert (
        q
        == "iatrogenic[ti] AND calcinosis[ti] AND cutis[ti] AND month[ti] AND old[ti] AND baby[ti] AND boy[ti]"
    )
    assert title_query("A case of the") is None
