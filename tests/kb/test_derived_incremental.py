"""A refresh makes again only the derived rows its changed graphs touch, and the result equals
deriving everything again (``kb.derived.apply``). Run on copies of the SYNTHETIC demo KB."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kb import iris, store
from kb.derived.apply import derive_all

DERIVED = ox.NamedNode(str(iris.DERIVED_GRAPH))
ARTICLE = str(iris.pmid_article("99000001"))
RECORD = str(iris.graph("pmid:99000001"))
FULLTEXT = str(iris.graph("pmc:PMC99000001"))
VOCABULARY = str(iris.VOCABULARY_GRAPH)
CB = iris.CB


@pytest.fixture
def kb_copy(demo_kb: Path, tmp_path: Path) -> Path:
    shutil.copytree(demo_kb, tmp_path / "kb", symlinks=True)
    return tmp_path / "kb"


def graph_bytes(data_dir: Path, graph: str) -> bytes:
    """The graph's quads as N-Quads in it, as a refresh hands them over (a dump of one graph
    writes bare triples: loaded as they are, they would land in the default graph)."""
    out = io.BytesIO()
    store.open_store(data_dir).dump(out, ox.RdfFormat.N_QUADS, from_graph=ox.NamedNode(graph))
    return b"".join(
        line.rstrip().removesuffix(b".").rstrip() + f" <{graph}> .\n".encode()
        for line in out.getvalue().splitlines()
        if line.strip()
    )


def derived(s: ox.Store) -> set[ox.Quad]:
    return set(s.quads_for_pattern(None, None, None, DERIVED))


def derived_again(data_dir: Path) -> set[ox.Quad]:
    """Every rule run over the current version's other graphs, in a fresh store."""
    current = store.open_store(data_dir)
    fresh = ox.Store()
    fresh.extend(q for q in current if q.graph_name != DERIVED)
    derive_all(fresh)
    return derived(fresh)


def refresh(data_dir: Path, graphs: dict[str, bytes], monkeypatch) -> set[ox.Quad]:
    calls: list[str] = []
    monkeypatch.setattr(store, "derive_all", lambda s: calls.append("all"))
    store.update_store(data_dir, graphs)
    assert calls == [], "the update derived everything instead of the touched rows"
    return derived(store.open_store(data_dir))


def test_dropping_a_document_remakes_its_rows_as_a_full_derivation_would(kb_copy, monkeypatch):
    before = derived(store.open_store(kb_copy))
    after = refresh(kb_copy, {RECORD: b""}, monkeypatch)
    assert after != before  # the article's cases resolved: its rows went
    assert after == derived_again(kb_copy)


def test_a_retraction_in_the_record_flags_the_rows_of_its_full_text(kb_copy, monkeypatch):
    record = graph_bytes(kb_copy, RECORD)
    flagged = record + f'<{ARTICLE}> <{CB}sourceStatus> "retracted" <{RECORD}> .\n'.encode()
    before = derived(store.open_store(kb_copy))
    after = refresh(kb_copy, {RECORD: flagged}, monkeypatch)
    flags = {q for q in after - before if q.predicate.value == CB + "flaggedCaseCount"}
    assert flags  # treatment-outcome rows now count the retracted article's cases
    packed = [
        q.object.value for q in after - before if q.predicate.value == CB + "packedResolution"
    ]
    assert packed and all("\u001fretracted\u001f" in p for p in packed)  # and resolutions say so
    assert after == derived_again(kb_copy)


def test_a_changed_concept_in_the_vocabulary_remakes_the_rows_that_name_it(kb_copy, monkeypatch):
    vocabulary = graph_bytes(kb_copy, VOCABULARY)
    label = b'"complete resolution"'
    assert label in vocabulary
    renamed = vocabulary.replace(label, b'"full resolution"')
    after = refresh(kb_copy, {VOCABULARY: renamed}, monkeypatch)
    labels = {q.object.value for q in after if q.predicate.value == CB + "outcomeLabel"}
    assert "full resolution" in labels and "complete resolution" not in labels
    assert after == derived_again(kb_copy)


def test_a_removed_link_and_a_changed_finding_in_one_document(kb_copy, monkeypatch):
    text = graph_bytes(kb_copy, FULLTEXT)
    lines = text.splitlines(keepends=True)
    links = [line for line in lines if f"<{CB}ledTo>".encode() in line]
    assert links
    kept = b"".join(line for line in lines if line != links[0])
    after = refresh(kb_copy, {FULLTEXT: kept}, monkeypatch)
    assert after == derived_again(kb_copy)


def test_new_rules_derive_everything(kb_copy, monkeypatch):
    monkeypatch.setattr(store, "rules_digest", lambda: "other rules")
    calls: list[str] = []
    real = store.derive_all
    monkeypatch.setattr(store, "derive_all", lambda s: calls.append("all") or real(s))
    store.update_store(kb_copy, {RECORD: b""})
    assert calls == ["all"]


def test_a_scoped_rule_bound_to_its_keys_reads_a_small_scratch_store(kb_copy):
    """The resolutions rule, bound to each subject in turn, gives on its scope's scratch store
    the rows it gives on the whole store, from a small part of it — the status of the article
    a case's evidence is from included (its rows pack it)."""
    from kb.derived.apply import bound_source, construct, load_rules

    record = graph_bytes(kb_copy, RECORD)
    flagged = record + f'<{ARTICLE}> <{CB}sourceStatus> "retracted" <{RECORD}> .\n'.encode()
    store.update_store(kb_copy, {RECORD: flagged})
    whole = store.open_store(kb_copy)
    rule = next(r for r in load_rules() if r.name == "resolutions")
    query = f"SELECT DISTINCT ?s WHERE {{ ?r <{CB}resolvedCase> ?s }}"
    subjects = list(whole.query(query, use_default_graph_as_union=True))
    assert rule.scope_query is not None and len(subjects) > 5  # the rows are in graph/derived
    for row in subjects:
        values = f"VALUES (?subject) {{ ({row['s']}) }}"
        query = rule.query.replace("#KEYS", values)
        on_whole, on_scratch = ox.Store(), ox.Store()
        scratch = bound_source(whole, rule, values)
        construct(on_whole, rule, query, whole)
        construct(on_scratch, rule, query, scratch)
        assert derived(on_scratch) == derived(on_whole) != set()
        assert scratch is not whole and len(scratch) < len(whole) / 10


def test_concept_counts_follow_a_new_and_a_dropped_document_without_recounting(
    kb_copy, monkeypatch
):
    """Concept counts are summed over documents (kb.derived.delta): a refresh adds the new
    document's part and takes the dropped one's off; a concept only it names gets a row, then
    loses it; the counting rule itself never runs on the store."""
    from kb.derived import apply

    ran: list[str] = []
    real = apply.construct
    monkeypatch.setattr(
        apply, "construct", lambda s, rule, *a, **k: ran.append(rule.name) or real(s, rule, *a, **k)
    )
    graph = str(iris.graph("pmid:99000999"))
    finding = "https://casebook.invalid/id/finding/zz-test-1"
    concepts = [f"{iris.BASE}concept/zz_only_here", f"{iris.BASE}concept/hand"]
    data = b"".join(
        f"<{finding}-{i}> <{CB}concept> <{c}> <{graph}> .\n"
        f"<{finding}-{i}> <{CB}kind> <{CB}kindAnatomy> <{graph}> .\n".encode()
        for i, c in enumerate(concepts)
    )
    row = f"{iris.BASE}concept-count/kindAnatomy/zz_only_here"
    counted = refresh(kb_copy, {graph: data}, monkeypatch)
    assert "concept_counts" not in ran
    assert counted == derived_again(kb_copy)
    assert any(q.subject.value == row for q in counted)
    ran.clear()
    dropped = refresh(kb_copy, {graph: b""}, monkeypatch)
    assert "concept_counts" not in ran
    assert dropped == derived_again(kb_copy)
    assert not any(q.subject.value == row for q in dropped)


ETIOLOGY_ROWS = """PREFIX cb: <https://casebook.invalid/ontology#>
SELECT ?row ?n ?cases ?example WHERE { ?row a cb:EtiologyCount ; cb:statementCount ?n ;
  cb:caseCount ?cases ; cb:exampleSentence ?example }"""


def etiology_rows(data_dir: Path) -> dict[str, tuple[int, int, str]]:
    found = store.open_store(data_dir).query(ETIOLOGY_ROWS, use_default_graph_as_union=True)
    return {
        r["row"].value: (int(r["n"].value), int(r["cases"].value), r["example"].value)
        for r in found  # type: ignore[union-attr]
    }


@pytest.fixture
def rule_runs(monkeypatch) -> list[tuple[str, bool]]:
    """Each run of a rule through ``construct``: its name, and whether it was bound to keys."""
    from kb.derived import apply

    ran: list[tuple[str, bool]] = []
    real = apply.construct

    def counting(s, rule, query, *a, **k):
        ran.append((rule.name, "VALUES" in query.split("WHERE", 1)[1]))
        return real(s, rule, query, *a, **k)

    monkeypatch.setattr(apply, "construct", counting)
    return ran


def test_etiology_rows_follow_a_dropped_full_text_without_the_whole_store(
    kb_copy, monkeypatch, rule_runs
):
    """Dropping the demo's full text changes etiology rows as a full derivation would, and the
    rule never runs over the whole store (a row whose least example went is counted again by
    its keys; the shared-subject sums are checked by the test below)."""
    before = etiology_rows(kb_copy)
    after = refresh(kb_copy, {FULLTEXT: b""}, monkeypatch)
    ran = list(rule_runs)
    assert after == derived_again(kb_copy)
    assert etiology_rows(kb_copy) != before
    assert ("etiologies", False) not in ran, ran  # never run on the whole store


def cause_quads(graph: str, node: str, sentence: str, pmid: str = "99000998") -> bytes:
    """A SYNTHETIC finding of calcinosis caused by extravasation about article ``pmid``, in
    ``graph``, with its sentence."""
    return (
        f"<{node}-c> <{CB}causedBy> <{node}-e> <{graph}> .\n"
        f"<{node}-c> <{CB}concept> <{iris.BASE}concept/calcinosis> <{graph}> .\n"
        f"<{node}-c> <{CB}subject> <{iris.pmid_article(pmid)}> <{graph}> .\n"
        f"<{node}-e> <{CB}concept> <{iris.BASE}concept/extravasation> <{graph}> .\n"
        f"<{node}-e> <{CB}evidence> <{node}-ev> <{graph}> .\n"
        f'<{node}-ev> <{CB}sentence> "{sentence}" <{graph}> .\n'
    ).encode()


CAUSE_ROW = f"{iris.BASE}etiology/calcinosis/extravasation"


def test_a_new_least_example_and_a_dropped_one(kb_copy, monkeypatch, rule_runs):
    """A cause stated in a new document with a sentence before every other becomes the row's
    example without a recount; dropping that document takes it away, and only that row is
    counted again (bound to its keys), since nothing says which sentence is next."""
    graph = str(iris.graph("pmid:99000998"))
    sentence = "!! A sentence before every other (synthetic)."
    data = cause_quads(graph, "https://casebook.invalid/id/finding/zz-cause", sentence)
    n, cases, _ = etiology_rows(kb_copy)[CAUSE_ROW]
    added = refresh(kb_copy, {graph: data}, monkeypatch)
    assert not [r for r in rule_runs if r[0] == "etiologies"]
    assert etiology_rows(kb_copy)[CAUSE_ROW] == (n + 1, cases + 1, sentence)
    assert added == derived_again(kb_copy)
    rule_runs.clear()
    dropped = refresh(kb_copy, {graph: b""}, monkeypatch)
    assert [r for r in rule_runs if r[0] == "etiologies"] == [("etiologies", True)]
    assert etiology_rows(kb_copy)[CAUSE_ROW][:2] == (n, cases)
    assert dropped == derived_again(kb_copy)


def test_a_subject_stated_in_two_graphs_stays_counted_while_one_still_states_it(
    kb_copy, monkeypatch, rule_runs
):
    """An article's record and its full text both state the cause about the article: the row
    counts the subject once, and dropping one graph leaves it counted (the other graph, not
    changed, is read with the dropped one's part). Neither sentence is the row's least, so the
    sums alone decide, with no recount."""
    record, full = (str(iris.graph(d)) for d in ("pmid:99000998", "pmc:PMC99000998"))
    node = "https://casebook.invalid/id/finding/zz-shared"
    n, cases, _ = etiology_rows(kb_copy)[CAUSE_ROW]
    both = {
        record: cause_quads(record, node + "-r", "zz A cause in the record (synthetic)."),
        full: cause_quads(full, node + "-f", "zz A cause in the full text (synthetic)."),
    }
    refresh(kb_copy, both, monkeypatch)
    assert etiology_rows(kb_copy)[CAUSE_ROW][:2] == (n + 2, cases + 1)
    rule_runs.clear()
    after = refresh(kb_copy, {full: b""}, monkeypatch)
    assert not [r for r in rule_runs if r[0] == "etiologies"]
    assert etiology_rows(kb_copy)[CAUSE_ROW][:2] == (n + 1, cases + 1)
    assert after == derived_again(kb_copy)


def test_a_renamed_cause_in_the_vocabulary_renames_its_etiology_rows(kb_copy, monkeypatch):
    vocabulary = graph_bytes(kb_copy, VOCABULARY)
    label = b'"extravasation"@en'
    assert label in vocabulary
    after = refresh(kb_copy, {VOCABULARY: vocabulary.replace(label, b'"leakage"@en')}, monkeypatch)
    labels = {q.object.value for q in after if q.predicate.value == CB + "etiologyLabel"}
    assert "leakage" in labels and "extravasation" not in labels
    assert after == derived_again(kb_copy)
