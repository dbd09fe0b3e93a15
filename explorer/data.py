"""The explorer's data calls: each read-model function, cached per store version.

Pages call these (``data.counts(src)``), never the store: one typed call per answer.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from explorer.source import Source, cached
from kb import concepts as concept_names
from kb.read import (
    article_detail,
    article_search,
    case_detail,
    citation_check,
    concept_index,
    neighbourhood,
    overview,
    provenance,
    synthesis,
)
from kb.read import case_timeline as timelines
from kb.read import outcome_chart as charts

article = cached(article_detail.article)
article_cases = cached(case_detail.article_cases)
article_findings = cached(article_detail.article_findings)
article_text = cached(article_detail.article_text)
ask_named = cached(case_detail.ask_named)
case = cached(case_detail.case)
case_findings = cached(case_detail.case_findings)
case_pairs = cached(charts.case_pairs)
case_timeline = cached(timelines.case_timeline)
cell_cases = cached(synthesis.cell_cases)
citations = cached(case_detail.citations)
concept = cached(concept_index.concept)
condition_cases = cached(synthesis.condition_cases)
concept_choices = cached(concept_names.concept_choices)
concept_findings = cached(concept_index.concept_findings)
concept_lookup = cached(concept_names.concept_lookup)
concepts_of_kind = cached(concept_index.concepts_of_kind)
cooccurring = cached(concept_index.cooccurring)
every_case_chart = cached(charts.outcome_chart)
counts = cached(overview.counts)
evidence = cached(provenance.evidence)
find_evidence = cached(provenance.find_evidence)
full_text_counts = cached(overview.full_text_counts)
mesh_descriptors = cached(article_search.mesh_descriptors)
network = cached(neighbourhood.network)
publication_types = cached(overview.publication_types)
publications_by_year = cached(overview.publications_by_year)
reference_content = cached(citation_check.reference_content)
runs = cached(overview.runs)
search_articles = cached(article_search.search_articles)
seed_articles = cached(overview.seed_articles)
seed_references = cached(overview.seed_references)
seed_says = cached(case_detail.seed_says)
vocabulary = cached(concept_index.vocabulary)


def outcome_chart(src: Source, sources: str, condition: str | None) -> charts.OutcomeChart:
    """Over every case: the derived ``treatment_outcomes`` rows; over one condition's cases:
    the cached pairs of every case, filtered (a new condition costs one look-up, not a pass)."""
    if condition is None:
        return every_case_chart(src, sources)
    with ThreadPoolExecutor(1) as pool:  # the two passes side by side (the store frees the GIL)
        pairs = pool.submit(case_pairs, src)
        cases = condition_cases(src, condition)
        return charts.condition_chart(pairs.result(), cases, sources)
