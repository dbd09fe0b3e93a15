"""``kb refresh`` / ``kb schedule``: incremental, cheap when nothing changed, fault-tolerant.

Every upstream change here is SYNTHETIC: demo records (fictional) edited in the fake server's
corpus — a revised title, a retraction, an erratum, a new citing article, a deleted PMID.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from ingest.build import BuildOptions, build, today
from ingest.demo import demo_seed, demo_seed_text
from ingest.entrez.fake import Corpus, FakeEutils, Fault
from ingest.refresh import refresh
from kb import iris
from kb.cli import main
from kb.datadir import Build
from kb.lock import exclusive
from kb.publish import RUNS, publish
from kb.store import (
    content_digest,
    dump_nquads,
    graph_digests,
    manifest,
    open_store,
    write_store,
)
from tests.graphs import build_nquads
from tests.ingest.test_client import make_settings

OPTIONS = BuildOptions(cited_by=True, cited_by_limit=10, progress=False)
GRAPH_FILES = ["records.jsonl", "fulltexts.jsonl", "cited_by.jsonl", "extractions.jsonl"]
RETRACTED = "99000002"  # a demo record that is not retracted in the demo corpus
REVISED = "99000014"  # a citing article (a reference's resolution would be rescored by a build)
NEW_CITING = "99000017"
DELETED = "99000008"


# ------------------------------------------------------------------ synthetic upstream changes


def _edit(corpus: Corpus, pmid: str, edit, day: str = "") -> None:
    xml = corpus.pubmed[pmid].xml.decode("utf-8")
    y, m, d = (day or today()).split("/")
    stamp = f"<DateRevised><Year>{y}</Year><Month>{m}</Month><Day>{d}</Day></DateRevised>"
    xml = re.sub(r"<DateRevised>.*?</DateRevised>", stamp, edit(xml), flags=re.S)
    corpus.add_pubmed_xml(xml)


def _comment(xml: str, ref_type: str, pmid: str) -> str:
    item = (
        f'<CommentsCorrections RefType="{ref_type}"><RefSource>Synth J. 2026</RefSource>'
        f'<PMID Version="1">{pmid}</PMID></CommentsCorrections>'
    )
    if "<CommentsCorrectionsList>" in xml:
        return xml.replace("<CommentsCorrectionsList>", "<CommentsCorrectionsList>" + item, 1)
    return xml.replace("</MedlineCitation>", f"<CommentsCorrectionsList>{item}"
                       "</CommentsCorrectionsList></MedlineCitation>", 1)  # fmt: skip


def retract(corpus: Corpus, pmid: str = RETRACTED) -> None:
    def edit(xml: str) -> str:
        xml = xml.replace(
            "<PublicationTypeList>",
            '<PublicationTypeList><PublicationType UI="D016441">Retracted Publication'
            "</PublicationType>",
            1,
        )
        return _comment(xml, "RetractionIn", "99000030")

    _edit(corpus, pmid, edit)


def revise_title(
    corpus: Corpus, pmid: str = REVISED, title: str = "A revised synthetic title.", day: str = ""
) -> None:
    def edit(xml: str) -> str:
        xml = re.sub(r"<ArticleTitle>.*?</ArticleTitle>", f"<ArticleTitle>{title}</ArticleTitle>",
                     xml, count=1, flags=re.S)  # fmt: skip
        return _comment(xml, "ErratumIn", "99000031")

    _edit(corpus, pmid, edit, day)


def add_citing(corpus: Corpus, cited: str = "99000001", pmid: str = NEW_CITING) -> None:
    xml = corpus.pubmed["99000016"].xml.decode("utf-8").replace("99000016", pmid)
    xml = re.sub(r"<ArticleTitle>.*?</ArticleTitle>",
                 "<ArticleTitle>A new synthetic article citing the demo.</ArticleTitle>",
                 xml, count=1, flags=re.S)  # fmt: skip
    corpus.add_pubmed_xml(xml)
    links = corpus.links["pubmed_pubmed_citedin"]
    links[cited] = [*links.get(cited, []), pmid]


def change_everything(corpus: Corpus, delete: bool = True) -> None:
    retract(corpus)
    revise_title(corpus)
    add_citing(corpus)
    if delete:
        corpus.remove_pubmed(DELETED)


# ------------------------------------------------------------------ fixtures and helpers


def copy_kb(built: Path, tmp_path: Path, name: str = "kb") -> Path:
    target = tmp_path / name
    shutil.copytree(built, target)
    return target


def settings_for(server: FakeEutils, data_dir: Path, **kw):
    return make_settings(server, data_dir.parent, data_dir=data_dir, **kw)


def content(data_dir: Path) -> str:
    """The canonical hash of the stored dataset, run history aside (it says when)."""
    return content_digest(graph_digests(dump_nquads(data_dir)), (RUNS,))


def files(data_dir: Path) -> dict[str, bytes]:
    return {name: (data_dir / name).read_bytes() for name in GRAPH_FILES}


def ask(data_dir: Path, sparql: str) -> list[tuple[str, ...]]:
    store = open_store(data_dir)
    rows = store.query(sparql, use_default_graph_as_union=True)
    return sorted(tuple(s[v].value if s[v] else "" for v in rows.variables) for s in rows)


# ------------------------------------------------------------------ tests


def test_a_refresh_with_no_upstream_change_leaves_the_graph_byte_identical(built, server, tmp_path):
    data = copy_kb(built, tmp_path)
    before = dump_nquads(data)
    versions = sorted(p.name for p in (data / "store").iterdir())
    first = refresh(data, settings_for(server, data), progress=False)
    assert (first.changed, first.added, first.revised, first.failed) == (False, [], [], [])
    server.log.clear()
    second = refresh(data, settings_for(server, data), progress=False)
    assert dump_nquads(data) == before  # byte-identical, run history included
    assert sorted(p.name for p in (data / "store").iterdir()) == versions  # no new version
    assert second.unchanged == second.checked == 11
    # EPost, ESearch for the set's size, ESearch [mdat], ELink: nothing is fetched
    assert [r.utility for r in server.log] == ["epost", "esearch", "esearch", "elink"]
    assert second.requests == 4


def test_a_refresh_finds_revised_retracted_corrected_new_and_deleted_records(
    built, server, tmp_path
):
    data = copy_kb(built, tmp_path)
    before = manifest(data)
    change_everything(server.corpus)
    report = refresh(data, settings_for(server, data), progress=False)
    assert report.added == [NEW_CITING]
    assert sorted(report.revised) == [RETRACTED, REVISED]
    assert report.retracted == [RETRACTED]
    assert report.corrected == [REVISED]
    assert report.deleted == [DELETED]
    assert report.unchanged == 11 - 2 - 1
    assert report.failed == []
    # only what changed was replaced: the changed records' graphs, the cited article's (its
    # cited-by list), and the vocabulary/run graphs; every other graph kept its digest
    after = manifest(data)
    replaced = {g for g in after if after[g] != before.get(g)}
    assert {str(iris.graph(f"pmid:{p}")) for p in (RETRACTED, REVISED, NEW_CITING)} <= replaced
    assert str(iris.graph("pmid:99000001")) in replaced  # cited by the new article
    assert str(iris.graph("pmid:99000003")) not in replaced
    assert str(iris.graph(f"pmid:{DELETED}")) in after  # kept as last seen: nothing lost

    rows = ask(
        data,
        """PREFIX cb: <https://casebook.invalid/ontology#>
        SELECT ?a WHERE { ?a cb:retracted true }""",
    )
    assert (str(iris.article(f"pmid:{RETRACTED}")),) in rows
    [(title,)] = ask(
        data,
        f"""PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?t WHERE {{ <{iris.article(f"pmid:{REVISED}")}> dcterms:title ?t }}""",
    )
    assert title == "A revised synthetic title."
    runs = ask(
        data,
        """PREFIX cb: <https://casebook.invalid/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?kind ?added WHERE { ?r a prov:Activity ; a ?kind .
          FILTER(?kind IN (cb:Build, cb:Refresh)) OPTIONAL { ?r cb:added ?added } }""",
    )
    assert (iris.CB + "Refresh", str(iris.article(f"pmid:{NEW_CITING}"))) in runs
    # the incremental store equals the store a full rebuild from the saved files makes
    full = tmp_path / "full"
    write_store(full, build_nquads(Build.load(data)))
    assert dump_nquads(data) == dump_nquads(full)
    assert manifest(data) == manifest(full)


def test_a_refresh_gives_the_graph_a_fresh_build_gives(built, server, tmp_path):
    data = copy_kb(built, tmp_path)
    change_everything(server.corpus, delete=False)
    refresh(data, settings_for(server, data), progress=False)
    fresh = tmp_path / "fresh"
    result = build(demo_seed(), settings_for(server, fresh), OPTIONS, seed_text=demo_seed_text())
    publish(result, fresh)
    assert content(data) == content(fresh)
    assert files(data) == files(fresh)


def test_a_refresh_reads_only_the_records_it_compares(built, server, tmp_path, monkeypatch):
    """The KB's records and extractions stay lines in their files while a refresh works out
    what changed (a bulk KB holds hundreds of thousands): no pass over them all, and only the
    records fetched again, with their documents, are parsed."""
    from ingest import refresh as refresh_mod
    from kb.lines import Lines

    data = copy_kb(built, tmp_path)
    revise_title(server.corpus)
    inside, passes, parsed = [False], [], []
    for name in ("_update", "changed_documents"):
        real = getattr(refresh_mod, name)

        def watched(*args, _real=real, **kwargs):
            inside[0] = True
            try:
                return _real(*args, **kwargs)
            finally:
                inside[0] = False

        monkeypatch.setattr(refresh_mod, name, watched)
    real_iter, real_parse = Lines.__iter__, Lines.parse
    monkeypatch.setattr(Lines, "__iter__", lambda self: (inside[0] and passes.append(self.kind))
                        or real_iter(self))  # fmt: skip
    monkeypatch.setattr(Lines, "parse", lambda self, e: (inside[0] and parsed.append(e.key))
                        or real_parse(self, e))  # fmt: skip
    report = refresh(data, settings_for(server, data), progress=False)
    assert report.revised == [REVISED]
    assert passes == []
    assert set(parsed) <= {REVISED, f"pmid:{REVISED}", f"pmid:{REVISED}#mesh"} and parsed


REFRESH_FAULTS = {
    "epost": [Fault("429", retry_after=0.05), Fault("500"), Fault("reset")],
    "esearch": [Fault("502"), Fault("503"), Fault("timeout", delay=1.0), Fault("error_body")],
    "efetch": [Fault("truncate"), Fault("invalid_xml"), Fault("xml_bomb"), Fault("xxe")],
    "elink": [Fault("500"), Fault("503")],
}


def test_a_refresh_under_faults_equals_a_clean_refresh(built, server, tmp_path):
    clean, faulty = copy_kb(built, tmp_path, "clean"), copy_kb(built, tmp_path, "faulty")
    change_everything(server.corpus)
    refresh(clean, settings_for(server, clean), progress=False)
    for utility, faults in REFRESH_FAULTS.items():
        server.inject(utility, *faults)
    report = refresh(faulty, settings_for(server, faulty, timeout=0.5), progress=False)
    assert report.failed == []
    assert len([r for r in server.log if r.fault]) == sum(map(len, REFRESH_FAULTS.values()))
    assert server.requests("xxe-probe") == []  # the external entity was never resolved
    assert content(faulty) == content(clean)
    assert files(faulty) == files(clean)  # nothing lost, nothing duplicated


def test_a_failed_refresh_is_reported_and_retried_by_the_next_run(
    built, server, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("KB_BACKOFF", "0.01")
    monkeypatch.setenv("KB_BACKOFF_MAX", "0.05")
    data = copy_kb(built, tmp_path)
    checked = Build.load(data).info.checked_at
    revise_title(server.corpus)
    server.inject("efetch", *[Fault("500")] * 8)  # more than the client's attempts
    argv = ["refresh", "--data-dir", str(data), "--eutils-url", server.url, "--api-key", "k"]
    assert main([*argv, "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "kb: refresh incomplete: 1 requests failed" in err and "Traceback" not in err
    assert Build.load(data).info.checked_at == checked  # the window is looked at again
    server.clear()
    assert main([*argv, "--no-progress"]) == 0
    assert "1 revised" in capsys.readouterr().out
    assert REVISED in [r.pmid for r in Build.load(data).records if r.title.startswith("A revised")]


def test_an_empty_elink_answer_loses_no_citing_article(built, server, tmp_path):
    data = copy_kb(built, tmp_path)
    before = dump_nquads(data), files(data)
    server.inject("elink", Fault("empty"))  # a well-formed answer that lists no citing article
    report = refresh(data, settings_for(server, data), progress=False)
    assert report.failed == [] and not report.changed
    server.corpus.links["pubmed_pubmed_citedin"].clear()  # and ELink forgetting them for good
    report = refresh(data, settings_for(server, data), progress=False)
    assert report.failed == [] and not report.changed
    assert (dump_nquads(data), files(data)) == before


def test_a_refresh_waits_for_no_one_it_says_busy(built, server, tmp_path, capsys):
    data = copy_kb(built, tmp_path)
    with exclusive(data):
        code = main(["refresh", "--data-dir", str(data), "--eutils-url", server.url])
    assert code == 75
    assert "kb: busy: another build or refresh is running on" in capsys.readouterr().err
    assert server.log == []


def test_kb_schedule_runs_refreshes_one_at_a_time(built, server, tmp_path, capsys):
    data = copy_kb(built, tmp_path)
    argv = ["schedule", "--every", "1s", "--runs", "2", "--data-dir", str(data)]
    assert main([*argv, "--eutils-url", server.url, "--api-key", "k"]) == 0
    assert len(server.requests("epost")) == 2
    assert capsys.readouterr().out.count("11 records checked") == 2
    with exclusive(data):  # a refresh is running elsewhere: the scheduled one is skipped
        assert main([*argv[:4], "1", *argv[5:], "--eutils-url", server.url]) == 0
    assert len(server.requests("epost")) == 2


@pytest.mark.parametrize("text", ["0h", "soon", "24", "1 week"])
def test_kb_schedule_refuses_a_bad_interval(text, capsys):
    assert main(["schedule", "--every", text]) == 2
    assert "not an interval" in capsys.readouterr().err


def test_a_no_change_refresh_of_1000_records_costs_at_most_one_request_per_200(tmp_path):
    """1,000 SYNTHETIC records found by a topic query: the second no-change refresh makes
    EPost, two ESearches over the posted set and the topic's dated ESearch — 4 ≤ 1000/200."""
    from ingest.seed.document import seed_from_identifiers
    from tests.synthetic import many

    corpus = Corpus.from_xml([many(1000)])
    options = BuildOptions(topics=("synthetic batch record",), topic_limit=1000, extract=False,
                           full_text=False, progress=False)  # fmt: skip
    with FakeEutils(corpus) as srv:
        data = tmp_path / "kb"
        result = build(seed_from_identifiers(["99100000"]), settings_for(srv, data), options)
        assert len(result.records) == 1000
        publish(result, data)
        refresh(data, settings_for(srv, data), progress=False)
        before = dump_nquads(data)
        srv.clear()
        report = refresh(data, settings_for(srv, data), progress=False)
        assert report.checked == report.unchanged == 1000 and not report.changed
        assert report.requests == len(srv.log) <= 1000 // 200
        assert dump_nquads(data) == before


def test_a_rebuild_that_changes_nothing_records_no_run_and_no_version(built, server, tmp_path):
    data = copy_kb(built, tmp_path)
    before, versions = dump_nquads(data), sorted(p.name for p in (data / "store").iterdir())
    again = build(demo_seed(), settings_for(server, data), OPTIONS, seed_text=demo_seed_text())
    publish(again, data)
    assert dump_nquads(data) == before
    assert sorted(p.name for p in (data / "store").iterdir()) == versions
    assert [r.kind for r in Build.load(data).runs] == ["build"]


def _checked_long_ago(data: Path) -> None:
    """The KB was last checked in 2020: revisions dated 2021 are found only by a run that keeps
    that date after a failure (a run that moved it to today would never look at 2021 again)."""
    saved = Build.load(data)
    saved.info.checked_at = "2020/01/01"
    saved.save(data)


def test_an_answer_missing_records_is_a_failure_and_the_next_run_finds_them(
    built, server, tmp_path
):
    data = copy_kb(built, tmp_path)
    _checked_long_ago(data)
    revise_title(server.corpus, day="2021/06/01")
    server.inject("efetch", Fault("empty"))  # a well-formed answer with no record in it
    report = refresh(data, settings_for(server, data), progress=False)
    assert report.failed and "records not returned" in report.failed[0]
    assert Build.load(data).info.checked_at == "2020/01/01"
    report = refresh(data, settings_for(server, data), progress=False)
    assert report.failed == [] and report.revised == [REVISED]
    assert Build.load(data).info.checked_at == today()


def test_a_record_whose_full_text_did_not_come_is_kept_as_it_was_until_it_does(
    built, server, tmp_path
):
    data = copy_kb(built, tmp_path)
    _checked_long_ago(data)
    revise_title(server.corpus, pmid="99000001", day="2021/06/01")  # it has PMC99000001
    corrected = server.corpus.pmc["99000001"].replace(
        b"</body>", b"<p>SYNTHETIC erratum.</p></body>"
    )
    del server.corpus.pmc["99000001"]  # PMC answers without it this time
    report = refresh(data, settings_for(server, data), progress=False)
    assert "full texts not returned: PMC99000001" in report.failed
    assert report.revised == [] and not report.changed  # the record stays as it was: retried
    server.corpus.pmc["99000001"] = corrected
    report = refresh(data, settings_for(server, data), progress=False)
    assert report.failed == [] and report.revised == ["99000001"]
    [text] = [t for t in Build.load(data).fulltexts if t.pmcid == "PMC99000001"]
    assert "SYNTHETIC erratum." in str(text.sections)
