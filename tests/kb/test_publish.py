"""The streamed publish (kb.publish, kb.graph.nquads): the graph it writes is the one a whole rdflib
Dataset gave, document by document and hashed as it goes; the store holds exactly that; no
document triple goes through rdflib; old-format PubMed records (MeSH without UIs) publish."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import Dataset, Namespace, URIRef

from ingest.entrez.pubmed_xml import parse_pubmed_xml
from kb import iris, loading, store
from kb.datadir import Build
from kb.graph import content_graphs, document_ids, ontology_triples, run_triples
from kb.publish import publish, spool_build, spooled
from kb.store import DERIVED, current_version, graph_digests, manifest, open_store
from kb.vocab import load_vocabulary
from tests.conftest import EUTILS, shared_file
from tests.graphs import build_nquads, to_nquads
from tests.synthetic import article_set

CB = Namespace(iris.CB)


@pytest.fixture(scope="module")
def demo_build(demo_kb: Path) -> Build:
    return Build.load(demo_kb)


def whole_dataset_nquads(build: Build) -> bytes:
    """What ``kb.publish.canonical_nquads`` gave before the streamed publish: every graph in
    one rdflib Dataset, serialised by rdflib and sorted as one text."""
    dataset = Dataset()
    graphs = [*content_graphs(build, load_vocabulary())]
    graphs.append((URIRef(iris.RUNS_GRAPH), run_triples(build, document_ids(build))))
    for identifier, triples in graphs:
        target = dataset.graph(identifier)
        for triple in triples:
            target.add(triple)
    return to_nquads(dataset).encode("utf-8")


def test_the_streamed_graph_is_byte_identical_to_the_whole_dataset_one(demo_build, tmp_path):
    with spooled(tmp_path) as spool:
        spool_build(demo_build, spool)
        written = spool.path.read_bytes()
        digests, quads = spool.digests, spool.quads
    old = whole_dataset_nquads(demo_build)
    assert b"".join(sorted(written.splitlines(keepends=True))) == old
    assert digests == graph_digests(old) and quads == old.count(b"\n") > 20_000
    assert str(iris.graph("pmid:99000002")) in digests and b"_:" not in written


def test_the_store_holds_exactly_the_built_quads(demo_kb, demo_build):
    """``kb demo`` bulk-loaded its spool file: the store holds what a store loaded from the
    sorted bytes holds (the store's own literal forms on both sides), quad for quad."""
    fresh = ox.Store()
    fresh.load(build_nquads(demo_build), ox.RdfFormat.N_QUADS)
    stored = {q for q in open_store(demo_kb) if q.graph_name != ox.NamedNode(DERIVED)}
    assert stored == set(fresh) and len(stored) > 20_000
    assert {g: d for g, d in manifest(demo_kb).items() if g != DERIVED} == graph_digests(
        build_nquads(demo_build)
    )


def test_a_spool_loaded_in_many_chunks_gives_the_same_store(demo_kb, tmp_path, monkeypatch):
    """The spool is bulk-loaded a chunk of lines at a time (bounded memory): 997 lines a chunk
    splits the demo's graphs mid-graph (and the derived rows, loaded so too), and the store still
    holds every quad once."""
    monkeypatch.setattr(loading, "LOAD_CHUNK", 997)
    publish(Build.load(demo_kb), tmp_path / "kb")
    assert current_version(tmp_path / "kb").name == current_version(demo_kb).name
    assert store.dump_nquads(tmp_path / "kb") == store.dump_nquads(demo_kb)


def test_no_document_triple_goes_through_an_rdflib_graph(demo_build, tmp_path, monkeypatch):
    """Memory is bounded by the largest graph because no rdflib Graph/Dataset of the KB is
    built: the only rdflib adds are the ontology's own (parsed and canonicalised once)."""
    calls = {"n": 0}
    add = rdflib.Graph.add

    def counted(self, triple):
        calls["n"] += 1
        return add(self, triple)

    monkeypatch.setattr(rdflib.Graph, "add", counted)
    list(ontology_triples())
    ontology_adds, calls["n"] = calls["n"], 0
    with spooled(tmp_path) as spool:
        spool_build(demo_build, spool)
    assert calls["n"] == ontology_adds
    assert spool.quads > 10 * ontology_adds


def test_publish_leaves_no_spool_file_and_a_rebuild_writes_no_version(demo_kb, tmp_path):
    data = tmp_path / "kb"
    build = Build.load(demo_kb)
    quads = publish(build, data)
    version = current_version(data)
    assert version is not None and quads > 20_000
    assert not list((data / "store").glob(".spool-*"))
    left = [data / "store" / ".spool-crashed.nq", data / "store" / ".push-crashed.nq"]
    for path in left:  # a killed publish's spool and a killed push's dump
        path.write_bytes(b"")
    publish(Build.load(demo_kb), data)
    assert not any(path.exists() for path in left)
    assert current_version(data) == version
    assert sorted(p.name for p in (data / "store").glob("v-*") if p.is_dir()) == [version.name]


OLD_FORMAT_HEADINGS = """<MeshHeadingList>
<MeshHeading><DescriptorName MajorTopicYN="N">Animals</DescriptorName></MeshHeading>
<MeshHeading><DescriptorName MajorTopicYN="Y">Chromosome Structures</DescriptorName>
<QualifierName MajorTopicYN="Y">genetics</QualifierName></MeshHeading>
</MeshHeadingList>"""


def old_format_record() -> bytes:
    """A SYNTHETIC record whose MeSH headings carry names but no UI attributes, as MEDLINE's
    older XML (e.g. ../shared/eutils/more/efetch.pubmed.xml) has them."""
    xml = article_set(
        '<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">'
        '<PMID Version="1">99000777</PMID><Article PubModel="Print"><Journal><JournalIssue>'
        "<PubDate><Year>1999</Year></PubDate></JournalIssue><Title>Synthetic Journal</Title>"
        "</Journal><ArticleTitle>A synthetic old-format record.</ArticleTitle></Article>"
        f"{OLD_FORMAT_HEADINGS}</MedlineCitation><PubmedData><ArticleIdList>"
        '<ArticleId IdType="pubmed">99000777</ArticleId></ArticleIdList></PubmedData>'
        "</PubmedArticle>"
    )
    return xml


def publish_records(demo_build: Build, records, data: Path) -> None:
    build = dataclasses.replace(demo_build, records=records, fulltexts=[], cited_by=[],
                                extractions=[], runs=[], topics=[])  # fmt: skip
    build.info = dataclasses.replace(build.info, store_version="")
    publish(build, data)


def test_an_old_format_record_publishes_with_its_mesh_names(demo_build, tmp_path):
    (record,) = parse_pubmed_xml(old_format_record())
    assert [h.descriptor_ui for h in record.mesh_headings] == ["", ""]
    publish_records(demo_build, [record], tmp_path / "kb")
    store = open_store(tmp_path / "kb")
    heading = ox.NamedNode(str(iris.mesh_heading("99000777", 2)))
    label = ox.NamedNode(str(rdflib.RDFS.label))
    assert [q.object.value for q in store.quads_for_pattern(heading, label, None)] == [
        "Chromosome Structures"
    ]
    names = store.quads_for_pattern(heading, ox.NamedNode(str(CB.qualifierName)), None)
    assert [q.object.value for q in names] == ["genetics"]
    for prop in (CB.descriptor, CB.qualifier):  # no MeSH IRI can be named from a name alone
        assert not list(store.quads_for_pattern(heading, ox.NamedNode(str(prop)), None))


def test_the_recorded_old_format_efetch_answer_publishes(demo_build, tmp_path):
    data = shared_file(EUTILS / "more" / "efetch.pubmed.xml").read_bytes()
    records = parse_pubmed_xml(data)
    assert records and any(not h.descriptor_ui for r in records for h in r.mesh_headings)
    publish_records(demo_build, records, tmp_path / "kb")
    rows = open_store(tmp_path / "kb").query(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?a <{CB.meshHeading}> ?h }} }}"
    )
    assert int(next(iter(rows))["n"].value) == sum(len(r.mesh_headings) for r in records)
