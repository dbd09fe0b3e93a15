"""Nesting and operator chains counted on the raw query text (``kb.query_shape``), as the
parser could read it at worst: the attacks of issue 15 are refused, ordinary queries are not."""

from __future__ import annotations

import pytest

from kb.query import QueryRejected, check_query
from kb.query_shape import MAX_DEPTH, MAX_OPERATORS, shape, shape_problem
from kb.questions import load_questions

ATTACKS = {
    "parens behind '<'": "SELECT * WHERE { FILTER(1<" + "(" * 8000 + "1" + ")" * 8000 + "&&2>1) }",
    "nots": "SELECT * WHERE { FILTER(" + "!" * 20000 + "true) }",
    "ands": "SELECT * WHERE { FILTER(" + "&&".join(["true"] * 12000) + ") }",
    "sums": "SELECT * WHERE { FILTER(" + "-".join(["1"] * 5000) + " > 0) }",
    "binds": "SELECT * WHERE { " + " ".join(f"BIND(1 AS ?v{i})" for i in range(2000)) + " }",
    "unions": "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p 1 }"] * 3000) + " }",
    "braces": "SELECT * WHERE " + "{" * 3000 + "}" * 3000,
    "brackets": "SELECT * WHERE { ?s ?p " + "[ ?p " * 500 + "1" + " ]" * 500 + " }",
    "subqueries": "SELECT * WHERE " + "{ SELECT * WHERE " * 300 + "{}" + "}" * 300,
    # closes inside what one reading takes for a comment ("<?b#>" as an IRI: no comment)
    "closes in a comment": "SELECT * WHERE { FILTER("
    + "".join("(" * 100 + "?a<?b#>" + ")" * 100 + "\n" for _ in range(10))
    + ") }",
    # closes inside an escaped prefixed name ("ex:a\)" is one name, not a bracket)
    "closes in a name": "SELECT * WHERE { FILTER("
    + ("(" * 100 + " ex:a" + "\\)" * 100) * 5
    + ") }",
    # closes inside a string
    "closes in a string": "SELECT * WHERE { FILTER("
    + ("(" * 100 + ' "' + ")" * 100 + '" ') * 5
    + ") }",
}


@pytest.mark.parametrize("query", ATTACKS.values(), ids=ATTACKS.keys())
def test_the_attacks_are_refused_in_one_line(query):
    problem = shape_problem(query)
    assert problem and "\n" not in problem and "can crash the query engine" in problem
    with pytest.raises(QueryRejected, match="can crash the query engine"):
        check_query(query)


FINE = {
    "a literal of 10,000 '('": 'SELECT * WHERE { ?s ?p "' + "(" * 10_000 + '" }',
    "a long literal of ')'": "SELECT * WHERE { ?s ?p '''" + ")" * 10_000 + "''' }",
    "a comment of '{'": "SELECT * WHERE { ?s ?p ?o } # " + "{" * 10_000,
    "brackets in http IRIs": "SELECT * WHERE { ?s <http://dbpedia.org/resource/A_(b)> ?o . "
    + " ".join(f"?s <http://x.org/p_({i})#f> ?o{i} ." for i in range(200))
    + " }",
    "names and tags with hyphens": "PREFIX ex: <http://x.org/> SELECT * WHERE { VALUES ?x { "
    + " ".join(f'ex:a-b-c-{i} "v"@en-GB-oxendict' for i in range(2000))
    + " } }",
    "comparisons": "SELECT * WHERE { ?s ?p ?o FILTER(?o<3 && ?o>1 || ?o <= -2) }",
}


@pytest.mark.parametrize("query", FINE.values(), ids=FINE.keys())
def test_ordinary_queries_pass(query):
    assert shape_problem(query) is None


@pytest.mark.parametrize("name", sorted(load_questions()))
def test_every_named_question_passes(name):
    assert shape_problem(load_questions()[name].sparql) is None


def test_the_worse_reading_of_a_less_than_is_counted():
    """``<((…))>`` is an IRI to one reading and "less than" to the other: its brackets count;
    after ``<http://…>`` only the IRI reading survives (``//`` ends the other)."""
    assert shape("SELECT * WHERE { FILTER(1<((((1))))&&2>1) }").depth == 6
    assert shape("SELECT * WHERE { ?s <http://x.org/(((#a> ?o }").depth == 1
    assert shape("SELECT * WHERE { ?s <urn:x:(((> ?o }").depth >= 4


def test_the_limits_sit_far_below_the_measured_crashes():
    assert MAX_DEPTH * 10 < 2000 and MAX_OPERATORS * 4 <= 4000
