"""The explorer's data access (kb.read) on the SYNTHETIC demo KB: actual values, bound
search strings, Markdown escaping, and a store that stays unchanged."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from kb.escape import md_escape
from kb.export import EVIDENCE_COLUMNS, evidence_rows, to_bibtex, to_ris
from kb.jsonl import read_jsonl
from kb.read import (
    article_detail,
    article_search,
    base,
    case_detail,
    citation_check,
    concept_index,
    downloads,
    iri_links,
    neighbourhood,
    overview,
    provenance,
    synthesis,
)
from kb.records import Extraction
from kb.store import StoreError, current_version, manifest, run_query, write_store

ID = "https://casebook.invalid/id/"
SEED = "seed:f0036fb653a4"
SEED_CASE_EVIDENCE = f"{ID}evidence/e1edbbb1ef2cf845d166"  # "He was managed conservatively…"
HOSTILE = [
    '"} ; DROP ALL ; {"',
    "'; DROP ALL; --",
    'x" } UNION { ?article ?p ?o } #',
    "\\",
    '\\"',
    "{{{{}}}}",
    "<script>alert(1)</script>",
    "$\\frac{1}{2}$ :red[x] **b** [l](javascript:alert(1))",
    "a\nb\x00c",
    "calcinosis" * 50,
]


@pytest.fixture(scope="module")
def kb(demo_kb: Path) -> base.KB:
    return base.KB(demo_kb)


def unmark(markdown: str) -> str:
    """The text a reader sees of ``kb.read``'s Markdown: no directives, bold, escapes or
    the (invisible) word joiners that break short codes."""
    text = re.sub(r":[a-z]+(?:-background)?\[\*\*(.*?)\*\*\]", r"\1", markdown)
    return re.sub(r"\\(.)", r"\1", text).replace("\u2060", "")


def test_counts_of_the_demo(kb, demo_findings, demo_cases):
    c = overview.counts(kb)
    assert (c.articles, c.seed_articles, c.cases, c.references, c.resolved) == (
        12,
        1,
        demo_cases,
        10,
        7,
    )
    assert sum(c.findings.values()) == len(demo_findings)
    by_kind = Counter(f.kind for f in demo_findings)
    assert c.findings["condition"] == by_kind["condition"] > 100
    assert c.findings["treatment"] == by_kind["treatment"] > 50
    assert list(c.findings)[:4] == ["condition", "etiology", "treatment", "outcome"]
    assert dict(overview.publications_by_year(kb))["2016"] == 1
    types = dict(overview.publication_types(kb))
    assert types["Case Reports"] == 8 and types["Review"] == 3
    assert types["Retracted Publication"] == 1


def test_seed_references_resolution_fetch_and_full_text(kb):
    refs = {r.number: r for r in overview.seed_references(kb)}
    assert sorted(refs) == list(range(1, 11))
    methods = sorted(r.method for r in refs.values() if r.method)
    assert methods == ["doi", "doi", "doi", "doi", "ecitmatch", "pmid", "title"]
    assert {refs[n].reason for n in (5, 8, 9)} == {"not_in_pubmed", "ambiguous", "no_match"}
    assert refs[1].fetched and refs[1].open_access is True and refs[1].full_text == "full text"
    assert refs[2].open_access is False and refs[7].full_text == "abstract only"
    assert not refs[5].fetched and refs[5].article is None
    assert refs[6].pmid == "99000007" and refs[6].claims > 0
    assert refs[3].retracted is True


def test_last_refresh_is_the_latest_activity_whatever_its_iri(kb, tmp_path):
    runs = overview.runs(kb)
    assert runs and overview.last_refresh(kb) == max(r.ended for r in runs)
    assert runs[0].kind == "Build"
    prov = "http://www.w3.org/ns/prov#"
    g = f"<{ID}graph/runs>"
    dt = "<http://www.w3.org/2001/XMLSchema#dateTime>"
    nquads = "".join(
        f'<{iri}> <{prov}endedAtTime> "{t}"^^{dt} {g} .\n'
        f"<{iri}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{prov}Activity> {g} .\n"
        for iri, t in [
            ("urn:uuid:5b0c", "2026-01-02T03:04:05Z"),
            (f"{ID}run/any/shape/at/all", "2026-03-01T00:00:00Z"),
            ("https://example.invalid/x#y", "2025-12-31T23:59:59Z"),
        ]
    )
    write_store(tmp_path / "kb", nquads.encode())
    other = base.KB(tmp_path / "kb")
    assert overview.last_refresh(other) == "2026-03-01T00:00:00Z"
    assert overview.counts(other).articles == 0


def test_evidence_with_sentence_paragraph_highlights_and_links(kb):
    ev = provenance.evidence(kb, SEED_CASE_EVIDENCE)
    assert (
        ev.sentence
        == "He was managed conservatively with a non-adherent dressing and weekly review."
    )
    assert (ev.kind, ev.label, ev.assertion) == ("treatment", "conservative management", "present")
    assert (ev.section, ev.method, ev.extractor) == ("case_presentation", "text", "casebook.nlp")
    assert ev.version and ev.source_text == SEED
    assert ev.subject == f"{ID}case/seed%3Af0036fb653a4/1" and ev.subject_label == "Case 1"
    assert ("DOI 10.99999/synth.2024.101", "https://doi.org/10.99999/synth.2024.101") in ev.links
    main = [s for s in ev.sentence_spans if s.main]
    assert [ev.sentence[s.start : s.end] for s in main] == ["managed conservatively"]
    others = {ev.sentence[s.start : s.end] for s in ev.sentence_spans if not s.main}
    assert "non-adherent dressing" in others
    md = iri_links.highlight(ev.sentence, ev.sentence_spans)
    assert ":green-background[**managed conservatively**]" in md
    assert unmark(md) == ev.sentence
    passage = ev.passage
    assert passage.text[passage.sentence[0] : passage.sentence[1]] == ev.sentence
    assert "A diagnosis of iatrogenic calcinosis cutis was made" in passage.text


UNGROUNDED_NEIGHBOURS = """
SELECT ?e ?ss ?se WHERE {
  ?f cb:evidence ?e ; cb:concept/skos:notation ?cid .
  FILTER(!STRSTARTS(?cid, "text:"))
  ?e cb:sourceText ?src ; cb:sentence ?sentence .
  ?u cb:evidence ?ue ; cb:concept/skos:notation ?ucid .
  FILTER(STRSTARTS(?ucid, "text:"))
  ?ue cb:sourceText ?src ; cb:sentence ?sentence ; cb:start ?st ; cb:spanStart ?s ; cb:spanEnd ?t .
  BIND(?s - ?st AS ?ss) BIND(?t - ?st AS ?se)
}
LIMIT 20
"""


def test_the_evidence_panel_highlights_no_words_that_no_vocabulary_grounds(kb):
    pairs = base.select_rows(kb, UNGROUNDED_NEIGHBOURS)
    assert pairs  # the demo has sentences where a grounded and an ungrounded finding meet
    for r in pairs:
        ev = provenance.evidence(kb, r["e"])
        spans = {(s.start, s.end) for s in ev.sentence_spans}
        assert (base.as_int(r["ss"]), base.as_int(r["se"])) not in spans, ev.sentence


def test_evidence_in_a_pubmed_abstract_shows_its_paragraph(kb):
    rows = case_detail.ask_named(kb, "treatments_that_resolved")
    row = next(r for r in rows.rows if r[0].endswith("pmid%3A99000001/1"))
    ev = provenance.evidence(kb, row[rows.columns.index("evidence")])
    assert ev.links[0] == ("PubMed 99000001", "https://pubmed.ncbi.nlm.nih.gov/99000001/")
    assert ("PMC PMC99000001", "https://pmc.ncbi.nlm.nih.gov/articles/PMC99000001/") in ev.links
    assert ev.passage.source == "abstract" and ev.passage.complete
    assert ev.sentence in ev.passage.text and len(ev.passage.text) > len(ev.sentence)


def test_a_question_row_without_an_evidence_column_finds_its_evidence(kb):
    result = case_detail.ask_named(kb, "citation_check")
    row = dict(zip(result.columns, result.rows[0], strict=True))
    iri = provenance.find_evidence(kb, row["sentence"], row["article"], row["claimed"])
    ev = provenance.evidence(kb, iri)
    assert ev.sentence == row["sentence"] and ev.concept_label == row["claimed"]
    assert ev.method == "citation_context"


def test_markdown_escaping_makes_record_text_inert():
    hostile = "**bold** :red[x] $x^2$ <b>html</b> [link](http://a) # h\n- item `code` ~s~ :smile:"
    md = md_escape(hostile)
    assert "\n" not in md
    for ch in "*:[]$<>()#`~-":
        assert re.search(rf"(?<!\\)\{ch}", md) is None, ch  # never unescaped
    assert unmark(md) == hostile.replace("\n", " ")
    spans = [iri_links.Span(0, 8, "condition"), iri_links.Span(2, 6, "treatment", main=True)]
    md = iri_links.highlight(hostile, spans)
    assert md.startswith("\\*\\*:green-background[**bold**]")  # main span wins the overlap
    assert (
        iri_links.highlight("abc", [iri_links.Span(1, 99, "x")]) == "abc"
    )  # a span off the end is ignored


def test_article_search_and_filters(kb):
    page = article_search.search_articles(kb, "Calcinosis")
    assert page.total == len(page.rows) > 3
    assert all("calcinosis" in r.title.lower() for r in page.rows)
    assert article_search.search_articles(kb, "99000007").rows[0].id == "pmid:99000007"
    assert article_search.search_articles(kb, "10.99999/SYNTH.2016.212").total <= 1
    assert [r.id for r in article_search.search_articles(kb, year="2016").rows] == ["pmid:99000007"]
    assert article_search.search_articles(kb, pub_type="Review").total == 3
    assert article_search.search_articles(kb, mesh="D002114").total == 6
    warfarin = {r.id for r in article_search.search_articles(kb, concept="warfarin").rows}
    assert "pmid:99000007" in warfarin and len(warfarin) < 12
    both = article_search.search_articles(
        kb, "calc", pub_type="Case Reports", concept="calcinosis_cutis"
    )
    assert both.total and all("Case Reports" in r.types for r in both.rows)
    all_rows = article_search.search_articles(kb, limit=100).rows
    assert len(all_rows) == 12
    years = [r.year or "" for r in all_rows]
    assert years == sorted(years, reverse=True)
    second = article_search.search_articles(kb, offset=5, limit=5)
    assert [r.id for r in second.rows] == [r.id for r in all_rows[5:10]] and second.total == 12


@pytest.mark.parametrize("text", HOSTILE)
def test_a_hostile_search_is_bound_finds_nothing_and_changes_nothing(kb, demo_kb, text):
    before = (current_version(demo_kb), manifest(demo_kb), downloads.store_quads(kb))
    page = article_search.search_articles(kb, text)
    if "calcinosis" not in text:
        assert page.total == 0 and page.rows == []
    assert (current_version(demo_kb), manifest(demo_kb), downloads.store_quads(kb)) == before


def test_search_strings_reach_sparql_only_as_bound_literals(kb):
    seen = []

    class Spy:
        def query(self, sparql, bindings=None, limit=10_000):
            seen.append((sparql, bindings))
            return kb.query(sparql, bindings, limit)

    marker = 'zz"} DROP {"zz'
    article_search.search_articles(Spy(), marker, year="2016")
    assert seen and all(marker.lower() not in sparql.lower() for sparql, _ in seen)
    assert all(b is None or "zz" not in str(b) for _, b in seen)  # bound inside the query text…
    assert any(str(ox.Literal(marker.lower())) in sparql for sparql, _ in seen)  # …as a literal
    with pytest.raises(StoreError):
        base.values_block("SELECT * WHERE { ?s ?p ?o }", "s", ['"} DROP ALL {"'])
    with pytest.raises(ValueError):
        base.node("http://a> } DROP ALL { <b")


def test_a_search_that_matches_nothing_scans_the_titles_once(kb):
    seen = []

    class Spy:
        def query(self, sparql, bindings=None, limit=10_000):
            seen.append(sparql)
            return kb.query(sparql, bindings, limit)

    page = article_search.search_articles(Spy(), "no title holds this")
    assert (page.total, page.rows) == (0, []) and len(seen) == 1 and "COUNT" in seen[0]
    seen.clear()
    assert article_search.search_articles(Spy(), "calcinosis").total > 0 and len(seen) == 3


def test_article_page_data(kb):
    a = article_detail.article(kb, "99000007")
    assert (
        a.title == "Warfarin-associated calciphylaxis treated with intravenous sodium thiosulfate."
    )
    assert a.authors == ("Lindqvist MR", "Adeyemi T", "Castellanos J")  # PubMed's order
    assert (a.year, a.volume, a.issue, a.pages, a.pmid) == ("2016", "9", "4", "212-216", "99000007")
    assert a.references == (6,) and not a.is_seed
    assert "Case Reports" in a.types
    mesh = {h.name: h for h in a.mesh}
    assert "Calciphylaxis" in mesh and "Warfarin" in mesh
    assert any(q == "chemically induced" for h in a.mesh for _, q, _ in h.qualifiers)
    pages = [article_detail.article(kb, f"99{n:06d}") for n in range(1, 17)]
    every = [q for page in pages if page for h in page.mesh for q in h.qualifiers]
    assert len(every) > 5 and all(ui != name and name for ui, name, _ in every)  # from the graph
    assert article_detail.article(kb, "pmid:1") is None
    with pytest.raises(ValueError):
        article_detail.article(kb, "nonsense")
    says = case_detail.seed_says(kb, "pmid:99000007")
    assert says and says[0].number == 6
    claims = {label for c in says for _, label, _ in c.claims}
    assert {"warfarin", "low molecular weight heparin"} <= claims
    findings = article_detail.article_findings(kb, "pmid:99000007")
    assert {f.method for f in findings} == {"text", "mesh"}
    text = article_detail.article_text(kb, "pmid:99000007")
    paragraphs = article_detail.abstract_markdown(a.abstract, text)
    assert "Calciphylaxis" in unmark(paragraphs[0]) and ":red[**Calciphylaxis**]" in paragraphs[0]


def test_seed_cases_and_case_page(kb):
    cases = case_detail.article_cases(kb, SEED)
    assert [c.label for c in cases] == ["Case 1", "Case 2"]
    one = cases[0]
    assert (one.age, one.sex) == ("P21D", "male") and "hand (left dorsum)" in one.sites
    assert "iatrogenic calcinosis cutis" in one.findings["condition"]
    assert one.id == "seed:f0036fb653a4/1"
    assert case_detail.case(kb, one.id).iri == one.iri
    findings = case_detail.case_findings(kb, one.id)
    assert any(f.label == "conservative management" for f in findings)
    assert case_detail.case(kb, "seed:nope/1") is None
    with pytest.raises(ValueError):
        iri_links.case_iri("no number")


def test_concepts_browse_page_and_cooccurrence(kb, demo_findings):
    treatments = {c.id: c for c in concept_index.concepts_of_kind(kb, "treatment")}
    thiosulfate = [f for f in demo_findings if f.concept == "sodium_thiosulfate"]
    assert treatments["sodium_thiosulfate"].findings == len(thiosulfate) > 5
    with pytest.raises(StoreError):
        concept_index.concepts_of_kind(kb, "nonsense")
    c = concept_index.concept(kb, "calcinosis_cutis_iatrogenic")
    assert (
        c.label == "iatrogenic calcinosis cutis"
        and ("calcinosis_cutis", "calcinosis cutis") in c.broader
    )
    assert concept_index.concept(kb, "no_such_concept") is None
    findings = concept_index.concept_findings(kb, "sodium_thiosulfate")
    assert {f.method for f in findings} == {"text", "mesh", "citation_context"}
    co = {o.id: o for o in concept_index.cooccurring(kb, "calcinosis_cutis_iatrogenic")}
    assert "extravasation" in co and "etiology" in co["extravasation"].kind
    assert "calcinosis_cutis_iatrogenic" not in co


def test_synthesis_cell_cases(kb):
    cases = synthesis.cell_cases(kb, "dressing", "complete resolution")
    assert len(cases) == 4
    assert {c.time for c in cases} == {"P5M", "P2M", "P3M", "P70D"}
    assert all(c.treatment_sentence and c.outcome_sentence for c in cases)
    assert synthesis.cell_cases(kb, '"} DROP ALL {"', "x") == []


def test_reference_content_beside_the_seed_claims(kb):
    content = citation_check.reference_content(kb, 6)
    assert content.title.startswith("Warfarin-associated calciphylaxis")
    assert "warfarin" in content.findings["etiology"]
    assert "low molecular weight heparin" not in content.findings["etiology"]
    assert "Warfarin" in content.mesh
    assert citation_check.reference_content(kb, 999) is None


def test_network_around_the_seed(kb):
    seed = iri_links.article_iri(SEED)
    net = neighbourhood.network(kb, [seed], depth=1, max_nodes=200)
    kinds = {n.kind for n in net.nodes.values()}
    assert {"article", "case", "condition", "treatment"} <= kinds
    assert net.nodes[f"{ID}case/seed%3Af0036fb653a4/1"].page == (
        "case",
        {"id": "seed:f0036fb653a4/1"},
    )
    assert (seed, iri_links.article_iri("pmid:99000007"), "cites") in net.edges
    small = neighbourhood.network(kb, [seed], kinds=("article",), depth=2, max_nodes=5)
    assert len(small.nodes) == 5 and small.truncated
    assert {n.kind for n in small.nodes.values()} == {"article"}
    graph = neighbourhood.to_networkx(net)
    assert graph.number_of_nodes() == len(net.nodes)
    dot = neighbourhood.to_dot(graph, {seed: "?page=article&id=seed:f0036fb653a4"})
    assert dot.startswith("digraph kb {") and 'URL="?page=article&id=seed:f0036fb653a4"' in dot
    assert neighbourhood._dot('a "quoted" \\ label\nx') == '"a \\"quoted\\" \\\\ label x"'


def test_evidence_table_matches_the_build(kb, demo_kb, demo_findings):
    rows, truncated = downloads.evidence_table(kb)
    assert not truncated and len(rows) == len(demo_findings)
    assert all(list(r) == EVIDENCE_COLUMNS for r in rows[:5])
    built = evidence_rows(read_jsonl(demo_kb / "extractions.jsonl", Extraction))

    def key(r):
        return (r["finding"], r["kind"], r["concept"], r["sentence"], r["method"], r["start"])

    assert {key(r) for r in rows} == {key(r) for r in built}


def test_authors_of_a_graph_written_before_author_lists():
    """A graph from before bibo:authorList (a KB refreshed, not rebuilt, since) still names its
    authors: the dcterms:creator set, sorted so the page is the same every time. SYNTHETIC."""
    store = ox.Store()
    a = ox.NamedNode("https://casebook.invalid/id/article/pmid/1")
    creator = ox.NamedNode("http://purl.org/dc/terms/creator")
    for name in ("Zed A", "Alpha B"):
        store.add(ox.Quad(a, creator, ox.Literal(name), ox.NamedNode("https://example.org/g")))

    class Store:
        def query(self, sparql, bindings=None, limit=1000):
            return run_query(store, sparql, bindings, limit)

    assert article_detail.authors(Store(), [a.value]) == {a.value: ["Alpha B", "Zed A"]}
    assert article_detail.authors(Store(), []) == {}


def test_bibliography_from_the_graph(kb):
    entries = downloads.bibliography(kb)
    assert [e.number for e in entries] == list(range(1, 11))
    six = entries[5]
    assert six.pmid == "99000007" and six.year == 2016
    assert (
        six.title == "Warfarin-associated calciphylaxis treated with intravenous sodium thiosulfate"
    )
    assert six.authors == ["Lindqvist, MR", "Adeyemi, T", "Castellanos, J"]  # first author first
    assert "AU  - Lindqvist, MR\nAU  - Adeyemi, T\nAU  - Castellanos, J" in to_ris(entries)
    assert "ecitmatch" in six.note
    assert entries[4].pmid is None and "not_in_pubmed" in entries[4].note
    ris = to_ris(entries)
    assert ris.count("ER  - ") == 10 and "AN  - 99000007" in ris
    assert "@article{" in to_bibtex(entries)


def test_downloads_are_made_in_memory_from_the_store(kb, demo_kb, demo_findings):
    csv = downloads.download(kb, demo_kb, "evidence").decode()
    assert csv.startswith(",".join(EVIDENCE_COLUMNS))
    assert csv.count("\r\n") == len(demo_findings) + 1
    assert downloads.download(kb, demo_kb, "ris").decode().count("ER  - ") == 10
    assert downloads.download(kb, demo_kb, "bibtex").decode().count("@article{") == 10
    nquads = downloads.download(kb, demo_kb, "nquads")
    assert nquads.count(b"\n") == downloads.store_quads(kb)
    assert b"@prefix cb:" in downloads.download(kb, demo_kb, "trig")
    with pytest.raises(ValueError):
        downloads.download(kb, demo_kb, "exe")
    assert downloads.store_bytes(demo_kb) > 0
