"""The commands that answer questions from the knowledge base: named questions and SPARQL."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from kb.config import settings_from
from kb.errors import InputError

log = logging.getLogger("kb")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ask", help="list the named questions, or answer one")
    p.add_argument("name", nargs="?", help="question name (omit to list them)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--wide", action="store_true", help="table cells whole, on one line (no wrap)")
    pages = p.add_mutually_exclusive_group()
    pages.add_argument("--page", type=int, default=1, help="page of a paged question (from 1)")
    pages.add_argument("--all", action="store_true", help="every page of a paged question")
    p.add_argument("--data-dir", type=Path, help="knowledge-base directory (KB_DATA_DIR)")
    p.add_argument("--config", type=Path, help="TOML config file (default ./casebook.toml)")
    p.add_argument("--store", help="a SPARQL 1.1 server's base URL instead of the embedded store")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("sparql", help="run a read-only SPARQL query ('QUERY' or @file.rq)")
    p.add_argument("query", help="the query text, or @path to a file")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--wide", action="store_true", help="table cells whole, on one line (no wrap)")
    p.add_argument(
        "--timeout", type=float, default=10.0, help="seconds before the query is stopped"
    )
    p.add_argument("--data-dir", type=Path, help="knowledge-base directory (KB_DATA_DIR)")
    p.add_argument("--config", type=Path, help="TOML config file (default ./casebook.toml)")
    p.set_defaults(func=cmd_sparql)


def cmd_ask(args: argparse.Namespace) -> int:
    from kb.questions import get_question, load_questions
    from kb.remote import open_any

    if not args.name:
        for name, q in load_questions().items():
            params = " ".join(f"[{p.name}={p.default or ''}]" for p in q.params)
            pages = f"  (pages of {q.page_size})" if q.page_size else ""
            print(f"{name:<28} {q.title}  {params}{pages}")
        return 0
    from kb.concepts import resolve_params
    from kb.store import stale_derived
    from kb.tables import concept_labels, format_result

    question = get_question(args.name)
    values = dict(_key_value(p) for p in args.param)
    data_dir = settings_from(args).data_dir
    if not args.store:
        from kb.check import guard  # not imported for --store: a cold answer starts faster

        guard(data_dir)
    if not args.store and (why := stale_derived(data_dir)):
        log.warning("%s", why)
    store = open_any(args.store, data_dir)
    values = resolve_params(store.query, question, values)
    if args.all:
        result = question.answer_all(store.query, values)
    else:
        result = store.ask(question, values, page=args.page)
    more = question.page_size and result.truncated and not args.all
    note = f"; page {args.page}: more with --page {args.page + 1} or --all" if more else ""
    labels = concept_labels(store.query, result) if args.format == "table" else {}
    print(format_result(result, args.format, labels, wide=args.wide, note=note))
    return 0


def cmd_sparql(args: argparse.Namespace) -> int:
    from kb.check import guard
    from kb.query import read_query_argument, user_query
    from kb.remote import EmbeddedStore
    from kb.tables import concept_labels, format_result

    text = read_query_argument(args.query)
    data_dir = settings_from(args).data_dir
    guard(data_dir)
    result = user_query(data_dir, text, timeout=args.timeout)
    labels = concept_labels(EmbeddedStore(data_dir).query, result) if args.format == "table" else {}
    print(format_result(result, args.format, labels, wide=args.wide))
    return 0


def _key_value(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise InputError(f"--param {text!r}: expected KEY=VALUE")
    key, value = text.split("=", 1)
    return key.strip(), value
