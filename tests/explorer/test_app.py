"""The Streamlit explorer (app.py) driven by streamlit.testing's AppTest on the SYNTHETIC demo
KB: every page renders the KB's actual values, widgets drive the pages, hostile input is
harmless, and a failure is a message, never a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kb.read import base, neighbourhood, overview
from kb.store import current_version, manifest

APP = Path(__file__).resolve().parents[2] / "app.py"
ID = "https://casebook.invalid/id/"
SEED = "seed:f0036fb653a4"
SENTENCE = "He was managed conservatively with a non-adherent dressing and weekly review."
RESOLVED = (
    "The papules discharged a little chalky material over the following weeks, and the lesion "
    "resolved completely after 3 months, leaving no scar."
)  # the sentence that states the resolution and, by "over the following weeks", its link
HOSTILE = [
    '"} ; DROP ALL ; {"',
    'a" . } DELETE WHERE { ?s ?p ?o } #',
    "\\",
    '\\"\\\\"',
    "{}{}}}{{",
    "'; --",
    "<img src=x onerror=alert(1)>",
    ":red[**boom**] $x$ [a](javascript:alert(1))",
    ":material/home: :smile: :+1:",
]


@pytest.fixture
def kb(demo_kb: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KB_DATA_DIR", str(demo_kb))
    monkeypatch.setenv("CASEBOOK_WARM_UP", "0")  # no background work between the tests
    return demo_kb


def run(**params: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plain(markdown: str) -> str:
    """What a reader sees of the app's Markdown (no directives, bold, escapes or the invisible
    word joiners that break short codes)."""
    text = re.sub(r":[a-z]+(?:-background)?\[\*\*(.*?)\*\*\]", r"\1", markdown)
    text = re.sub(r":[a-z]+\[(.*?)\]", r"\1", text)
    text = re.sub(r"(?<!\\)\*", "", text)  # emphasis
    return re.sub(r"\\(.)", r"\1", text).replace("\u2060", "")


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for kind in (at.info, at.warning, at.error) for e in kind]
    return "\n".join(plain(p) for p in parts)


def frames(at: AppTest) -> list:
    return [d.value for d in at.dataframe]


# --------------------------------------------------------------------------- pages


def test_no_knowledge_base_yet_says_how_to_build_one(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "empty"))
    at = run()
    assert "No knowledge base in" in at.info[0].value and "kb demo" in at.info[0].value
    assert not (tmp_path / "empty").exists()  # the app created nothing


def test_overview_counts_references_and_last_refresh(kb, demo_findings, demo_cases):
    at = run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Articles"] == "12" and metrics["Cases"] == str(demo_cases)
    assert metrics["Findings"] == str(len(demo_findings))
    assert metrics["References resolved"] == "7 / 10"
    assert metrics["Full texts (PMC)"] == "1"
    page = texts(at)
    last = overview.last_refresh(base.KB(kb))
    assert f"Last refresh: {last}" in page
    assert "7 resolved (4 doi, 1 ecitmatch, 1 pmid, 1 title), 3 unresolved" in page
    kinds, types, refs = frames(at)[0], frames(at)[1], frames(at)[2]
    conditions = sum(f.kind == "condition" for f in demo_findings)
    assert dict(zip(kinds["kind"], kinds["findings"], strict=True))["condition"] == conditions
    assert dict(zip(types["type"], types["articles"], strict=True))["Review"] == 3
    by_number = refs.set_index("#")
    assert by_number.loc[6, "resolved by"] == "ecitmatch" and by_number.loc[6, "fetched"] == "yes"
    assert by_number.loc[1, "text"] == "full text"
    assert by_number.loc[8, "unresolved because"] == "ambiguous"
    assert by_number.loc[3, "retracted"] == "RETRACTED"
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")  # publications by year


def test_questions_page_runs_a_question_and_shows_a_rows_evidence(kb):
    at = run(page="questions")
    assert at.selectbox(key="w_q").value == "treatments_that_resolved"
    assert at.selectbox(key="w_condition").value == "calcinosis_cutis_iatrogenic"
    df = frames(at)[0]
    assert len(df) >= 5 and {"dressing", "conservative management"} <= set(df["treatment"])
    keys = list(zip(df["case"], df["treatment"], df["outcome"], strict=True))
    assert len(keys) == len(set(keys))  # each case, treatment and outcome once
    row = next(
        i
        for i, r in df.iterrows()
        if r["treatment"] == "conservative management" and "seed:" in r["case"]
    )
    at.selectbox(key="w_row").set_value(row).run()
    assert at.query_params["row"] == [str(row)] or at.query_params["row"] == str(row)
    page = texts(at)
    assert RESOLVED in page
    assert "A diagnosis of iatrogenic calcinosis cutis was made" in page  # its paragraph
    assert "section case_presentation" in page and "assertion present" in page
    assert "https://doi.org/10.99999/synth.2024.101" in page
    facts = at.table[-1].value["value"]
    assert facts["finding"] == "complete resolution" and facts["kind"] == "outcome"
    assert facts["extractor"].startswith("casebook.nlp ") and facts["method"] == "text"
    assert any("background[**resolved completely**]" in m.value for m in at.markdown)


def test_questions_are_chosen_and_filled_from_their_declarations(kb):
    at = run(page="questions")
    at.selectbox(key="w_q").set_value("etiologies_of").run()
    assert at.selectbox(key="w_condition").value == "calcinosis_cutis"  # the question's default
    etiologies = set(frames(at)[0]["etiology"])
    assert {"calcium gluconate", "extravasation", "warfarin"} <= etiologies
    at.selectbox(key="w_q").set_value("citing_articles").run()
    assert at.text_input(key="w_article").value == "99000001"
    assert len(frames(at)[0]) == 4
    at.text_input(key="w_article").set_value('99"} DROP ALL {"').run()
    assert not at.exception and at.error and "Bad parameter" in at.error[0].value


def test_a_question_by_deep_link_with_a_parameter_and_a_row(kb):
    at = run(page="questions", q="concept_evidence", concept="sodium_thiosulfate", row="0")
    df = frames(at)[0]
    assert {"text", "mesh", "citation_context"} <= set(df["method"])
    assert "Evidence" in texts(at) and df.iloc[0]["sentence"] in texts(at)


def test_a_paged_question_pages_forward_and_back(kb, monkeypatch):
    """concept_evidence comes in pages (of 200; 4 here, so the demo fills several)."""
    import kb.questions as questions

    real = questions.load_questions()
    text = real["concept_evidence"].sparql.replace("# page: 200", "# page: 4")
    small = questions.parse_question("concept_evidence",
                                     text.replace("LIMIT 200 OFFSET 0", "LIMIT 4 OFFSET 0"))  # fmt: skip
    patched = {**real, "concept_evidence": small}
    monkeypatch.setattr(questions, "load_questions", lambda: patched)
    monkeypatch.setattr("explorer.pages.questions.load_questions", lambda: patched)
    at = run(page="questions", q="concept_evidence", concept="calcinosis")
    first = frames(at)[0]
    assert len(first) == 4 and "Rows 1–4 (pages of 4" in texts(at)
    assert not [b for b in at.button if b.key == "q_prev"]
    next(b for b in at.button if b.key == "q_next").click().run()
    assert at.query_params["p"] in (["2"], "2")
    second = frames(at)[0]
    assert len(second) == 4 and "Rows 5–8" in texts(at)
    assert not set(map(tuple, second.values.tolist())) & set(map(tuple, first.values.tolist()))
    next(b for b in at.button if b.key == "q_prev").click().run()
    assert frames(at)[0].equals(first)


def test_articles_search_filter_and_open(kb):
    at = run(page="articles")
    assert len(frames(at)[0]) == 12
    at.text_input(key="w_search").set_value("calcinosis").run()
    titles = list(frames(at)[0]["title"])
    assert titles and all("calcinosis" in t.lower() for t in titles)
    at.selectbox(key="w_type").set_value("Review").run()
    reviews = frames(at)[0]
    assert 0 < len(reviews) < len(titles) and all("Review" in t for t in reviews["types"])
    at = run(page="articles", year="2016")
    assert list(frames(at)[0]["title"]) == [
        "Warfarin-associated calciphylaxis treated with intravenous sodium thiosulfate."
    ]
    at = run(page="articles", mesh="D002114")
    assert "of 6" in texts(at)
    at = run(page="articles", concept="warfarin")
    assert "article?id=pmid:99000007" in list(frames(at)[0]["article"])
    at.selectbox(key="open_article").set_value("pmid:99000007").run()
    at.button(key="open_article_go").click().run()
    assert at.query_params["id"] in (["pmid:99000007"], "pmid:99000007")
    assert at.header[0].value.startswith("Warfarin\\-associated calciphylaxis")


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_searches_are_harmless(kb, text):
    before = (current_version(kb), manifest(kb))
    at = run(page="articles")
    at.text_input(key="w_search").set_value(text).run()
    assert not at.exception and not at.error
    assert at.info and at.info[0].value.startswith("No article matches")
    assert plain(at.info[0].value).count(text.strip()) == 1  # shown as text, escaped
    assert not re.search(r":[\w/+-]+:", at.info[0].value.replace("\\", ""))  # no short code
    assert (current_version(kb), manifest(kb)) == before


def test_article_page_metadata_text_mesh_seed_claims_findings(kb):
    at = run(page="article", id="pmid:99000007")
    assert plain(at.header[0].value) == (
        "Warfarin-associated calciphylaxis treated with intravenous sodium thiosulfate."
    )
    page = texts(at)
    assert "https://pubmed.ncbi.nlm.nih.gov/99000007/" in page
    assert "Calciphylaxis is a rare and painful disorder" in page  # the abstract, highlighted
    assert any(":red[**Calciphylaxis**]" in m.value for m in at.markdown)
    assert "Reference 6" in page and "low molecular weight heparin" in page
    mesh = next(f for f in frames(at) if "heading" in f.columns)
    assert "Calciphylaxis" in set(mesh["descriptor"])
    assert any("chemically induced" in q for q in mesh["qualifiers"])
    findings = next(f for f in frames(at) if "finding" in f.columns and "method" in f.columns)
    assert {"text", "MeSH indexing"} <= set(findings["method"])


def test_seed_article_page_has_its_cases(kb):
    at = run(page="article", id=SEED)
    page = texts(at)
    assert "This is the seed article" in page
    assert "Case 1" in page and "Case 2" in page and "iatrogenic calcinosis cutis" in page
    assert SENTENCE in page  # the text the graph keeps, in reading order


def test_case_page_with_findings_and_evidence(kb):
    at = run(page="case", id="seed:f0036fb653a4/1", cf_row="0")
    assert "Case 1" in plain(at.header[0].value)
    assert "age 3 weeks, male, " in texts(at) and "hand (left dorsum)" in texts(at)
    assert "Evidence" in texts(at)


def test_article_text_highlights_only_grounded_mentions(kb):
    """The extractor's ungrounded "injure" (condition) and "aged" (test) stay plain text."""
    at = run(page="article", id="pmid:99000001")
    shown = "\n".join(m.value for m in at.markdown)
    assert "[**iatrogenic calcinosis cutis**]" in shown.lower()
    assert "can injure the" in plain(shown) and "[**injure**]" not in shown
    assert "[**aged**]" not in shown


def test_case_page_names_sites_by_their_labels(kb):
    """Sites by their labels, not ids."""
    at = run(page="case", id="pmid:99000001/1")
    page = texts(at)
    assert "intravenous site" in page and "iv_site" not in page and "soft_tissue" not in page
    condition = next(line for line in page.splitlines() if line.startswith("condition: "))
    assert "iatrogenic calcinosis cutis" in condition


def test_words_no_vocabulary_knows_are_set_apart():
    """A case's findings whose concept is ``text:…`` (words no vocabulary grounds: an
    extractor's "injure") are not listed as its findings but set apart, with their kind.
    SYNTHETIC rows through a fake store: the demo's extraction may have none."""
    from kb.read.case_detail import CASE_FINDINGS, cases_with_findings

    class Result:
        def __init__(self, columns, rows):
            self.columns, self.rows = columns, rows

    found = [("text:injure", "condition", "injure"), ("calcinosis_cutis", "condition",
             "calcinosis cutis"), ("text:aged", "test", "aged")]  # fmt: skip

    class Store:
        def query(self, sparql, bindings=None, limit=None):
            if sparql.endswith(CASE_FINDINGS):
                return Result(["cid", "kind", "label"], found)
            return Result(["n", "l"], [])

    case_row = {"case": "https://casebook.invalid/id/case/x/1", "label": "Case 1", "number": "1"}
    (info,) = cases_with_findings(Store(), [case_row])
    assert info.findings == {"condition": ("calcinosis cutis",)}
    assert info.unmapped == (("condition", "injure"), ("test", "aged"))


def test_concepts_page_and_concept_page(kb, demo_findings):
    at = run(page="concepts")
    df = frames(at)[0]
    assert "calcinosis cutis" in set(df["label"])
    at.selectbox(key="w_kind").set_value("treatment").run()
    df = frames(at)[0].set_index("label")
    thiosulfate = [f for f in demo_findings if f.concept == "sodium_thiosulfate"]
    assert df.loc["sodium thiosulfate", "findings"] == len(thiosulfate)
    at = run(page="concept", id="sodium_thiosulfate")
    assert plain(at.header[0].value) == "sodium thiosulfate"
    findings = frames(at)[1]
    assert {"text", "MeSH indexing"} <= set(findings["method"])
    assert any(m.startswith("citation context") for m in findings["method"])
    assert "[intravenous sodium thiosulfate](concept?id=sodium_thiosulfate_intravenous)" in texts(
        at
    )
    co = frames(at)[2]
    assert "warfarin" in set(co["label"]) or "calciphylaxis" in set(co["label"])
    at.selectbox(key="w_kf_row").set_value(0).run()
    assert findings.iloc[0]["sentence"] in texts(at)


def test_concepts_page_marks_words_no_vocabulary_grounds(kb):
    at = run(page="concepts")
    df = frames(at)[0]
    loose = df[df["concept"].str.contains("id=text:", regex=False)]
    assert len(loose) and all(lab.endswith("(not in the vocabulary)") for lab in loose["label"])
    assert not any(lab.endswith("(not in the vocabulary)") for lab in df.drop(loose.index)["label"])


def test_concept_page_names_its_kind_and_external_ids(kb):
    at = run(page="concept", id="calcinosis_cutis")
    facts = frames(at)[0].set_index("")["value"]
    assert facts["kind"] == "condition"  # not CONDITION
    page = texts(at)
    assert "[MeSH:D000092182](https://meshb.nlm.nih.gov/record/ui?ui=D000092182)" in page
    assert (
        "[HP:0025520](http://purl.obolibrary.org/obo/HP_0025520) (Human Phenotype Ontology)" in page
    )
    assert "[HP_0025520]" not in page


def test_synthesis_matrix_chart_and_cell(kb):
    at = run(page="synthesis")
    matrix = frames(at)[0]
    assert matrix.loc["dressing", "complete resolution"] == 4  # the text links all four
    assert matrix.loc["intravenous sodium thiosulfate", "healing"] == 2
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    at.selectbox(key="w_treatment").set_value("dressing").run()
    at.selectbox(key="w_outcome").set_value("complete resolution").run()
    assert "4 cases with dressing and complete resolution" in texts(at)
    cases = frames(at)[-1]
    assert set(cases["time"]) == {"5 months", "2 months", "3 months", "10 weeks"}
    at.selectbox(key="w_case").set_value(0).run()
    page = texts(at)
    assert "Treatment" in page and "Outcome" in page
    assert cases.iloc[0]["treatment sentence"] in page


def test_citation_check_flags_the_lmwh_mismatch(kb):
    at = run(page="citations")
    warnings = [plain(w.value) for w in at.warning]
    assert any("low molecular weight heparin" in w and "reference 6" in w for w in warnings), (
        warnings
    )
    assert not any("“warfarin” to reference 6" in w for w in warnings)  # warfarin is supported
    page = texts(at)
    assert "MISMATCH · etiology: low molecular weight heparin" in page
    assert "supported · etiology: warfarin" in page
    assert "Warfarin-associated calciphylaxis treated with intravenous sodium thiosulfate" in page
    at.toggle(key="only_mismatch").set_value(True).run()
    assert "Reference 1 — supported" not in [e.label for e in at.expander]


def test_citation_check_is_paged_and_folded(kb):
    """All references unfolded made the page 7,500 px tall: ten a page, each folded."""
    from explorer.pages.citations import PAGE

    at = run(page="citations")
    assert 0 < len(at.expander) <= PAGE
    assert not any(e.proto.expanded for e in at.expander)
    first = {e.label for e in at.expander}
    pages = at.selectbox(key="w_p").options
    if len(pages) > 1:
        second = run(page="citations", p="2")
        assert {e.label for e in second.expander}.isdisjoint(first)


def test_graph_page_networkx_picture_and_node_links(kb):
    at = run(page="graph")
    assert at.selectbox(key="w_focus").value == SEED
    assert at.get("graphviz_chart")
    nodes = frames(at)[-1]
    assert {"article", "case", "condition"} <= set(nodes["kind"])
    assert "case?id=seed:f0036fb653a4/1" in set(nodes["page"])
    at.multiselect(key="w_kinds").set_value(["article"]).run()
    assert set(frames(at)[-1]["kind"]) == {"article"}
    at = run(page="graph", focus="concept:warfarin", depth="2")
    labels = set(frames(at)[-1]["label"])
    assert (
        "warfarin" in labels
        and "Warfarin-associated calciphylaxis treated with intravenous sodium thiosulfate."
        in labels
    )
    article = next(n for n in at.selectbox(key="graph_node").options if n != "—")
    assert article


def test_sparql_console_rows_csv_and_rejections(kb, demo_cases):
    at = run(page="sparql")
    at.text_area(key="sparql_text").set_value(
        "PREFIX cb: <https://casebook.invalid/ontology#>\n"
        "SELECT (COUNT(?c) AS ?cases) WHERE { ?c a cb:Case }"
    ).run()
    at.button(key="sparql_run").click().run()
    assert not at.error
    assert frames(at)[0]["cases"].tolist() == [str(demo_cases)]
    assert at.get("download_button")
    at.text_area(key="sparql_text").set_value(
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    ).run()
    at.button(key="sparql_run").click().run()
    assert "Query rejected: SERVICE is not allowed" in plain(at.error[0].value)
    at.text_area(key="sparql_text").set_value("SELECT * WHERE { ?s ?p }").run()
    at.button(key="sparql_run").click().run()
    assert plain(at.error[0].value).startswith("Query failed:")
    at.text_area(key="sparql_text").set_value("DROP ALL").run()
    at.button(key="sparql_run").click().run()
    assert "DROP is not allowed" in plain(at.error[0].value)
    assert not at.exception


def test_sparql_console_examples_are_the_named_questions(kb):
    at = run(page="sparql", example="cases_by_age_sex")
    assert "?age_group" in at.text_area(key="sparql_text").value
    at.button(key="sparql_run").click().run()
    df = frames(at)[0]
    assert {"neonate", "infant"} <= set(df["age_group"])


def test_sparql_console_query_is_in_the_address(kb, demo_cases):
    """Run puts the query in ``?q=``; opening that address shows the query and its answer."""
    query = (
        "PREFIX cb: <https://casebook.invalid/ontology#>\n"
        "SELECT (COUNT(?c) AS ?cases) WHERE { ?c a cb:Case }"
    )
    at = run(page="sparql")
    at.text_area(key="sparql_text").set_value(query).run()
    at.button(key="sparql_run").click().run()
    assert at.query_params["q"] in ([query], query)
    linked = run(page="sparql", q=query)
    assert linked.text_area(key="sparql_text").value == query
    assert frames(linked)[0]["cases"].tolist() == [str(demo_cases)]
    assert not run(page="sparql", example="cases_by_age_sex").dataframe  # nothing run yet


def test_sparql_console_times_the_query_not_the_process(kb, monkeypatch):
    """The caption's query time is the engine's (``QueryResult.elapsed``), not the wall time
    of starting the child process around it; a second opening is answered from the cache."""
    import time

    from explorer.pages import sparql
    from kb.store import QueryResult

    calls = []

    def slow_start(data_dir, text, timeout):
        calls.append(text)
        time.sleep(0.4)  # a slow process start
        return QueryResult(["n"], [["1"]], elapsed=0.0123)

    monkeypatch.setattr(sparql, "user_query", slow_start)
    for _ in range(2):
        at = run(page="sparql", q="SELECT (1 AS ?n) WHERE { } # timing")
        caption = next(c.value for c in at.caption if "engine's own time" in c.value)
        assert "query 12 ms (the engine's own time)" in caption
    assert len(calls) == 1


def test_downloads_page_offers_every_format(kb):
    at = run(page="downloads")
    buttons = at.get("download_button")
    assert len(buttons) == 5
    assert "N-Quads" in " ".join(b.proto.label for b in buttons)


@pytest.mark.parametrize(
    "params",
    [
        {"page": "nonsense"},
        {"page": "article", "id": "nonsense"},
        {"page": "article", "id": '"} DROP ALL {"'},
        {"page": "article", "id": "pmid:1"},
        {"page": "case", "id": "no number"},
        {"page": "case", "id": "seed:x/1"},
        {"page": "concept", "id": "<script>"},
        {"page": "concept"},
        {"page": "questions", "q": "nope"},
        {"page": "questions", "row": "999"},
        {"page": "graph", "focus": "concept:}}{{", "depth": "x", "max": "-5"},
        {"page": "articles", "p": "-3", "year": "1066", "mesh": "D0\\"},
        {"page": "synthesis", "treatment": "x\"'", "outcome": "y"},
    ],
)
def test_bad_deep_links_give_messages_not_tracebacks(kb, params):
    at = run(**params)
    assert not at.exception
    shown = [h.value for h in at.header] + [e.value for e in [*at.error, *at.warning, *at.info]]
    assert shown  # a page or a message


def test_every_page_by_deep_link(kb):
    """The single-page explorer's links (``?page=NAME&…``) open the page of that name, with
    the rest of their parameters; an unknown page is reported, not silently replaced."""
    for page, header in [
        ("overview", "Overview"),
        ("questions", "Questions"),
        ("articles", "Articles"),
        ("concepts", "Concepts"),
        ("synthesis", "Evidence synthesis"),
        ("citations", "Citation check"),
        ("graph", "Graph"),
        ("sparql", "SPARQL console"),
        ("downloads", "Downloads"),
    ]:
        at = run(page=page)
        assert at.header[0].value == header
        assert "page" not in at.query_params
    at = run(page="questions", q="citation_check")
    assert at.header[0].value == "Questions"
    assert at.query_params["q"] in (["citation_check"], "citation_check")
    at = run(page="nosuchpage")
    assert "No page 'nosuchpage'" in texts(at) and at.header[0].value == "Overview"
    at = run(page="questions", q="nosuchquestion")  # an unknown question is reported too
    assert "Question: no choice 'nosuchquestion'" in texts(at)


def test_a_store_without_its_derived_tables_is_flagged(demo_kb, tmp_path, monkeypatch):
    import shutil

    from tests.conftest import written_before_derived_tables

    data = tmp_path / "kb"
    shutil.copytree(demo_kb, data)
    written_before_derived_tables(data)
    monkeypatch.setenv("KB_DATA_DIR", str(data))
    monkeypatch.setenv("CASEBOOK_WARM_UP", "0")
    at = run()
    assert any("kb refresh" in w.value for w in at.warning)


def test_a_row_from_a_corrected_article_says_so_and_sound_sources_leave_it_out(kb):
    """SYNTHETIC demo: PMID 99000005 carries an erratum."""
    at = run(page="questions", q="treatments_that_resolved", condition="calcinosis_cutis")
    assert at.selectbox(key="w_sources").value == "all"  # a choice parameter is a selectbox
    df = frames(at)[0]
    corrected = [i for i, r in df.iterrows() if r["status"] == "corrected"]
    assert corrected and all("99000005" in df.iloc[i]["article"] for i in corrected)
    at.selectbox(key="w_row").set_value(corrected[0]).run()
    assert any("CORRECTED article" in e.value for e in at.error)
    at.selectbox(key="w_sources").set_value("sound").run()
    sound = frames(at)[0]
    assert len(sound) == len(df) - len(corrected) and "corrected" not in set(sound["status"])


def test_the_synthesis_can_leave_out_flagged_sources_by_deep_link(kb):
    at = run(page="synthesis", sources="sound")
    assert at.selectbox(key="w_sources").value == "sound"
    matrix = frames(at)[0]
    assert matrix.loc["dressing", "complete resolution"] == 4  # no flagged source among them


# --- concept pickers: a question's condition picker offers conditions only; a deep link may
# name a concept by label, synonym or identifier; an unknown one is reported, not replaced


def test_the_condition_picker_offers_conditions_only(kb):
    at = run(page="questions", q="etiologies_of")
    options = at.selectbox(key="w_condition").options
    assert any("(calcinosis_cutis)" in o for o in options)
    for other in ("(c_reactive_protein)", "(hand)", "(forearm)", "(serum_calcium)"):
        assert not any(other in o for o in options), other


@pytest.mark.parametrize("value", ["calcinosis cutis", "cutaneous calcinosis", "mesh:D000092182"])
def test_a_deep_link_names_a_concept_as_people_do(kb, value):
    at = run(page="questions", q="etiologies_of", condition=value)
    assert at.selectbox(key="w_condition").value == "calcinosis_cutis"
    assert not at.warning


def test_an_unknown_deep_link_concept_is_reported(kb):
    at = run(page="questions", q="etiologies_of", condition="calcinosis cuts")
    warnings = " ".join(w.value for w in at.warning)
    assert "no condition concept named" in warnings and "calcinosis cutis" in warnings
    assert at.selectbox(key="w_condition").value == "calcinosis_cutis"  # the question's default


def test_an_unknown_question_in_a_link_is_reported(kb):
    at = run(page="questions", q="nope")
    assert any("nope" in w.value for w in at.warning)


# --- pictures: the synthesis as dots of case counts and of days per treatment, by condition


def chart_data(at: AppTest) -> tuple[dict, list]:
    """The Altair spec of the page's one chart and its data sets as frames, in spec order."""
    import json

    import pyarrow as pa

    (chart,) = at.get("vega_lite_chart")
    frames = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets]
    return json.loads(chart.proto.spec), frames


def outcome_dots(at: AppTest) -> tuple[dict, dict]:
    """{(treatment, outcome): cases} and {(treatment, outcome): sorted days} of the chart."""
    spec, (counts, times) = chart_data(at)
    assert "median" not in json_text(spec) and '"bar"' not in json_text(spec)
    cases = {(r.treatment, r.outcome): r.cases for r in counts.itertuples()}
    days: dict = {}
    for r in times.itertuples():
        days.setdefault((r.treatment, r.outcome), []).append(r.days)
    return cases, {k: sorted(v) for k, v in days.items()}


def json_text(spec: dict) -> str:
    import json

    return json.dumps(spec)


def test_the_synthesis_chart_shows_case_counts_and_days_per_treatment(kb):
    at = run(page="synthesis")
    spec, _ = chart_data(at)
    left, right = spec["hconcat"]
    assert [layer["mark"]["type"] for layer in left["layer"]] == ["circle", "text"]
    assert right["mark"]["type"] == "circle" and right["encoding"]["x"]["field"] == "days"
    cases, days = outcome_dots(at)
    assert cases[("dressing", "complete resolution")] == 4  # the matrix's count, as a dot
    assert cases[("intravenous sodium thiosulfate", "healing")] == 2
    # P70D, P2M, P3M, P5M: one dot per case, in whole days (not a median, not stacked)
    assert days[("dressing", "complete resolution")] == [61, 70, 91, 152]
    assert days[("intravenous sodium thiosulfate", "healing")] == [10, 122]


def test_the_synthesis_condition_filter_changes_the_chart_and_cell(kb):
    at = run(page="synthesis")
    picker = at.selectbox(key="w_condition")
    assert picker.value is None and "calciphylaxis (calciphylaxis)" in picker.options
    for other in ("(c_reactive_protein)", "(hand)", "(serum_calcium)", "(dressing)"):
        assert not any(other in o for o in picker.options), other
    everything, _ = outcome_dots(at)
    picker.set_value("calciphylaxis").run()
    assert at.query_params["condition"] == "calciphylaxis"  # deep-linkable
    cases, days = outcome_dots(at)
    assert ("dressing", "complete resolution") not in cases and cases != everything
    assert cases[("intravenous sodium thiosulfate", "healing")] == 2
    assert set(frames(at)[0].index) == {t for t, _ in cases}  # the matrix follows the filter
    at = run(page="synthesis", condition="calcinosis cutis")  # a deep link by label
    assert at.selectbox(key="w_condition").value == "calcinosis_cutis" and not at.warning
    cases, days = outcome_dots(at)
    assert cases[("dressing", "complete resolution")] == 2
    assert days[("dressing", "complete resolution")] == [70, 91]
    at.selectbox(key="w_treatment").set_value("dressing").run()
    at.selectbox(key="w_outcome").set_value("complete resolution").run()
    assert "2 cases with dressing and complete resolution" in texts(at)


def test_an_unknown_synthesis_condition_is_reported_and_shows_all(kb):
    at = run(page="synthesis", condition="calcinosis cuts")
    warnings = " ".join(w.value for w in at.warning)
    assert "no condition concept named" in warnings and "all conditions" in warnings
    assert at.selectbox(key="w_condition").value is None
    cases, _ = outcome_dots(at)
    assert cases[("dressing", "complete resolution")] == 4


# --- pictures: a case's timeline, in days where the report gives them


def test_a_case_timeline_places_treatment_and_outcome_in_days(kb):
    at = run(page="case", id="pmid:99000007/1")
    _, (points,) = chart_data(at)
    days = {(r.step, r.stage, r.label): r.day for r in points.itertuples()}
    assert (
        days[("direct oral anticoagulant → improvement", "treatment", "direct oral anticoagulant")]
        == 0
    )
    assert days[("direct oral anticoagulant → improvement", "outcome", "improvement")] == 14
    assert days[("intravenous sodium thiosulfate → healing", "outcome", "healing")] == 122
    steps = frames(at)[0]
    untimed = steps[steps["time"] == "not reported"]
    # in order, no day invented for them; the title's "calciphylaxis treated with intravenous
    # sodium thiosulfate" is the case's (a single-patient report's title names its patient's)
    assert list(untimed["from"]) == ["exposure: warfarin", "lesion: calciphylaxis"]
    assert list(untimed["to"]) == [
        "lesion: calciphylaxis",
        "treatment: intravenous sodium thiosulfate",
    ]
    assert "14 days (2 weeks)" in set(steps["time"]) and "122 days (4 months)" in set(steps["time"])


def test_a_case_without_times_says_so_and_keeps_the_order(kb):
    at = run(page="case", id="pmid:99000001/1")
    assert not at.get("vega_lite_chart")
    assert any("No times reported" in i.value for i in at.info)
    steps = frames(at)[0]
    # the title, "… calcinosis cutis after calcium gluconate extravasation in three neonates"
    assert list(steps["from"]) == ["exposure: calcium gluconate", "exposure: extravasation"]
    assert list(steps["to"]) == ["lesion: iatrogenic calcinosis cutis"] * 2


def test_a_condition_without_linked_outcomes_says_so(kb):
    at = run(page="synthesis", condition="gout")
    assert at.selectbox(key="w_condition").value == "gout"
    assert any("No case with this condition" in i.value for i in at.info)
    assert not at.get("vega_lite_chart")


def test_table_cells_read_as_words_never_none_or_nan():
    from explorer.widgets import readable

    assert readable(None) == "—" and readable(float("nan")) == "—" and readable("None") == "—"
    assert readable("P70D") == "10 weeks" and readable("P4M") == "4 months"
    assert readable("PMID 99000001") == "PMID 99000001" and readable(3) == 3


def test_graph_is_drawn_with_a_legend_and_labelled_edges_or_left_to_its_table(kb):
    at = run(page="graph")
    charts = at.get("graphviz_chart")
    assert len(charts) == 2  # the legend and the graph
    legend, graph = (c.proto.spec for c in charts)
    assert "graph legend" in legend and '"article"' in legend and '"case"' in legend
    assert 'label="cites"' in graph and f"fontsize={neighbourhood.NODE_FONT_PT}" in graph
    many = run(page="graph", max="80", depth="2")
    assert not many.get("graphviz_chart")  # past 50 nodes: no unreadable drawing
    assert len(frames(many)[-1]) > neighbourhood.DRAWN_NODES
    assert any("too many to draw readably" in c.value for c in many.caption)
