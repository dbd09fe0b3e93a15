"""The ``kb`` command: a thin layer that reads settings, calls one stage, and reports what it did."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from tqdm.contrib.logging import logging_redirect_tqdm

from ingest.entrez.errors import Unreachable
from ingest.keep import WouldLose
from ingest.seed import SeedError, read_seed_file, seed_from_identifiers
from kb import check, explore_cmd, export, repair, serve, show
from kb.check import guard
from kb.config import ConfigError, Settings, load_settings
from kb.disk import disk_failure
from kb.errors import Damaged, InputError, message
from kb.jsonl import to_dict
from kb.lock import Busy, exclusive
from kb.questions import QuestionError
from kb.records import SeedDocument
from kb.reports import document_json, format_extraction, format_seed
from kb.store import StoreError

log = logging.getLogger("kb")

EX_TEMPFAIL = 75  # sysexits.h: another run holds the data directory; cron may retry later


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a terminal without the seed's script: \u escapes
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=_log_level(args.verbose, args.quiet),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        with logging_redirect_tqdm():
            return args.func(args)
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (
        SeedError,
        ConfigError,
        Damaged,
        UnicodeError,
        InputError,
        StoreError,
        QuestionError,
    ) as exc:
        print(f"kb: error: {message(exc)}", file=sys.stderr)
        return 2
    except (Unreachable, WouldLose) as exc:  # upstream failed: nothing was changed
        print(f"kb: error: {message(exc)}", file=sys.stderr)
        return 1
    except OSError as exc:  # a read-only or full disk: 73 / 74 (kb.disk); else a bad input
        code, line = disk_failure(exc, getattr(args, "data_dir", None) or "kbdata") or (
            2,
            message(exc),
        )
        print(f"kb: error: {line}", file=sys.stderr)
        return code
    except Busy as exc:  # cron's "try again later"
        print(f"kb: busy: {exc}", file=sys.stderr)
        return EX_TEMPFAIL
    except KeyboardInterrupt:
        print("kb: interrupted; nothing half-written was kept (rerun to finish)", file=sys.stderr)
        return 130


def _log_level(verbose: int, quiet: bool) -> int:
    """Quiet by default (warnings); -v says what each stage does, -vv debugs, -q errors only."""
    if verbose:
        return logging.DEBUG if verbose > 1 else logging.INFO
    return logging.ERROR if quiet else logging.WARNING


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kb", description=__doc__)
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="say what each stage does (-vv: debug)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="errors only, no progress bars")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("seed", help="read a seed article and show what was found")
    p.add_argument(
        "sources",
        nargs="+",
        metavar="SOURCE",
        help="a seed file (text/Markdown, or a reference list), or DOIs / PMIDs",
    )
    p.add_argument("--json", action="store_true", help="print the SeedDocument as JSON")
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser("build", help="resolve the seed's references in PubMed and fetch them")
    p.add_argument(
        "ids", nargs="*", metavar="ID", help="DOIs or PMIDs (instead of, or with, --seed)"
    )
    p.add_argument("--seed", type=Path, help="seed article or reference list")
    _build_options(p)
    _settings_options(p)
    p.set_defaults(func=cmd_build)

    p = sub.add_parser(
        "extract", help="print every finding in articles (text, PubMed XML, PMC JATS)"
    )
    p.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="text / Markdown articles, PubMed XML or PMC JATS files, or directories of them",
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the documents as one JSON array")
    out.add_argument("--jsonl", action="store_true", help="print one JSON object per document")
    p.add_argument("--config", type=Path, help="TOML config file (default ./casebook.toml)")
    p.add_argument("--nlp-config", type=Path, help="spaCy config for extraction (KB_NLP_CONFIG)")
    p.set_defaults(func=cmd_extract)

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

    p = sub.add_parser(
        "train", help="train a learned recogniser from the shared corpora (data/models/NAME)"
    )
    p.add_argument("name", choices=["abstracts", "cases"], help="which model")
    p.add_argument("--corpora", type=Path, help="the corpora folder (default ../shared/corpora)")
    p.add_argument("--output", type=Path, help="where to write it (default data/models/NAME)")
    p.add_argument("--limit", type=int, help="only the first N train and dev documents")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--max-steps", type=int, help="stop after N training steps")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("eval", help="precision and recall of extraction against a gold file")
    p.add_argument("seed", type=Path, help="the seed the gold file was written for")
    p.add_argument("--gold", type=Path, help="gold file (default: data/gold/seed_000.json)")
    p.add_argument(
        "--synthetic",
        type=int,
        default=0,
        metavar="N",
        help="also score N generated synthetic abstracts against their known truth",
    )
    p.add_argument("--limit", type=int, default=25, help="misses / spurious items to list")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser(
        "demo", help="build the synthetic demo KB offline, via a local fake E-utilities"
    )
    p.add_argument("--cited-by-limit", type=int, default=10)
    _settings_options(p, network=False)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "refresh",
        help="update the KB incrementally: revised, retracted and new articles (cron-friendly)",
    )
    _settings_options(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser("schedule", help="run `kb refresh` every so often, in this process")
    p.add_argument("--every", required=True, metavar="INTERVAL", help="e.g. 24h, 30m, 1d, 90s")
    p.add_argument(
        "--runs", type=int, default=0, metavar="N", help="stop after N refreshes (0: never)"
    )
    _settings_options(p)
    p.set_defaults(func=cmd_schedule)

    check.register(sub)
    repair.register(sub)
    export.register(sub)
    serve.register(sub)
    explore_cmd.register(sub)
    show.register(sub)
    return parser


def _build_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--cited-by",
        action="store_true",
        help="also fetch the articles citing each reference (ELink)",
    )
    p.add_argument(
        "--cited-by-limit", type=int, default=20, help="citing articles kept per reference"
    )
    p.add_argument(
        "--topic",
        action="append",
        default=[],
        metavar="TERM",
        help="a PubMed search whose results join the KB and are followed by `kb refresh` (repeatable)",
    )
    p.add_argument("--topic-limit", type=int, default=100, help="results kept per topic")
    p.add_argument("--no-full-text", action="store_true", help="skip PMC full texts")
    p.add_argument("--no-extract", action="store_true", help="skip the NLP extraction")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def _settings_options(p: argparse.ArgumentParser, network: bool = True) -> None:
    g = p.add_argument_group("settings (also from KB_* environment variables or casebook.toml)")
    g.add_argument("--config", type=Path, help="TOML config file (default ./casebook.toml)")
    g.add_argument(
        "--data-dir", type=Path, help="knowledge-base directory (KB_DATA_DIR; default kbdata)"
    )
    g.add_argument(
        "--cache-dir", type=Path, help="raw-answer cache (KB_CACHE_DIR; default DATA_DIR/cache)"
    )
    g.add_argument(
        "--no-cache",
        dest="use_cache",
        action="store_const",
        const=False,
        help="ignore cached answers (new ones are still stored)",
    )
    g.add_argument(
        "--max-age",
        dest="cache_max_age",
        type=float,
        metavar="SECONDS",
        help="cached answers older than this are fetched again",
    )
    if network:
        g.add_argument("--email", help="contact address sent to NCBI (KB_EMAIL)")
        g.add_argument("--api-key", help="NCBI API key: 10 instead of 3 requests/s (KB_API_KEY)")
        g.add_argument("--eutils-url", help="E-utilities base URL (KB_EUTILS_URL)")
        g.add_argument("--timeout", type=float, help="seconds per request (KB_TIMEOUT)")
        g.add_argument(
            "--offline",
            action="store_const",
            const=True,
            help="use cached answers only; report what is missing",
        )


def settings_from(args: argparse.Namespace, **extra: object) -> Settings:
    names = {f.name for f in dataclasses.fields(Settings)}
    overrides = {k: v for k, v in vars(args).items() if k in names}
    overrides.update(extra)
    return load_settings(overrides, config_path=getattr(args, "config", None))


# --------------------------------------------------------------------------- commands


def cmd_seed(args: argparse.Namespace) -> int:
    seed, _ = _load_seed(args.sources)
    if args.json:
        print(json.dumps(to_dict(seed), ensure_ascii=False, indent=2))
    else:
        print(format_seed(seed))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from ingest.build import BuildOptions, build

    sources = ([str(args.seed)] if args.seed else []) + list(args.ids)
    if not sources:
        raise SeedError("nothing to build: give --seed PATH and/or DOIs/PMIDs")
    seed, text = _load_seed(sources)
    settings = settings_from(args)
    options = BuildOptions(
        cited_by=args.cited_by,
        cited_by_limit=args.cited_by_limit,
        full_text=not args.no_full_text,
        extract=not args.no_extract,
        progress=not (args.no_progress or args.quiet),
        topics=tuple(args.topic),
        topic_limit=args.topic_limit,
    )
    with exclusive(settings.data_dir):
        guard(settings.data_dir, store=False)  # a damaged store is written again
        result = build(seed, settings, options, seed_text=text)
        return _report(result, settings, _publish(result, settings))


def cmd_demo(args: argparse.Namespace) -> int:
    from ingest.build import BuildOptions, build
    from ingest.demo import demo_corpus, demo_seed, demo_seed_text
    from ingest.entrez.fake import Corpus, FakeEutils

    base = settings_from(args)
    print("SYNTHETIC DEMO: a fictional seed and corpus, served by a local fake E-utilities.")
    with (
        exclusive(base.data_dir),
        demo_corpus() as corpus_dir,
        FakeEutils(Corpus.load(corpus_dir)) as server,
    ):
        settings = dataclasses.replace(
            base,
            eutils_url=server.url,
            email=base.email or "demo@casebook.invalid",
            cache_dir=base.cache_dir or base.data_dir / "cache-synthetic",
            offline=False,
        )
        guard(base.data_dir, store=False)
        log.info("fake E-utilities at %s", server.url)
        options = BuildOptions(
            cited_by=True, cited_by_limit=args.cited_by_limit, progress=not args.quiet, demo=True
        )
        result = build(demo_seed(), settings, options, seed_text=demo_seed_text())
        return _report(result, settings, _publish(result, settings))


def cmd_refresh(args: argparse.Namespace) -> int:
    from kb.errors import require_data_dir
    from kb.schedule import refresh_once

    settings = settings_from(args)
    require_data_dir(settings.data_dir)
    return refresh_once(settings, progress=not (args.no_progress or args.quiet))


def cmd_schedule(args: argparse.Namespace) -> int:
    from kb.errors import require_data_dir
    from kb.schedule import parse_interval, run_schedule

    settings, seconds = settings_from(args), parse_interval(args.every)
    require_data_dir(settings.data_dir)
    return run_schedule(settings, seconds, args.runs)


def cmd_extract(args: argparse.Namespace) -> int:
    """Each file on its own: one that cannot be read is reported (one line) and the rest go on;
    exit code 1 when any failed."""
    from ingest.nlp.files import extract_file, input_files

    nlp_config = settings_from(args).nlp_config
    failed = 0
    documents = []
    for source, path in input_files(args.paths):
        try:
            found = extract_file(path, nlp_config, source)
        except SeedError as exc:
            print(f"kb extract: {exc}", file=sys.stderr)
            failed += 1
            continue
        if args.jsonl:
            for d in found:
                print(json.dumps(document_json(d), ensure_ascii=False), flush=True)
        elif args.json:
            documents += found
        else:
            print("\n\n".join(format_extraction(d.extraction) for d in found), flush=True)
    if args.json:
        print(json.dumps([document_json(d) for d in documents], ensure_ascii=False, indent=2))
    return 1 if failed else 0


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
        raise SeedError(f"--param {text!r}: expected KEY=VALUE")
    key, value = text.split("=", 1)
    return key.strip(), value


def cmd_train(args: argparse.Namespace) -> int:
    from ingest.nlp.train.run import DEFAULT_CORPORA, train_model

    corpora = args.corpora or DEFAULT_CORPORA
    if not corpora.is_dir():
        raise SeedError(f"{corpora}: no corpora folder here (give --corpora DIR)")
    report = train_model(
        args.name,
        corpora,
        args.output,
        limit=args.limit,
        seed=args.seed,
        max_steps=args.max_steps,
    )
    figures = "; ".join(
        f"{corpus} {label} F1 {s['f']:.3f}"
        for corpus, labels in report.dev.items()
        for label, s in labels.items()
    )
    print(f"{args.name}: written to {report.output} in {report.seconds:.0f} s; dev: {figures}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from ingest.nlp.evaluate import evaluate_generated, evaluate_seed, format_report

    try:
        report = evaluate_seed(args.seed, args.gold)
    except UnicodeDecodeError as exc:  # the seed is read as bytes: the gold file is not text
        raise SeedError(f"{args.gold}: not a gold file (a JSON file): {message(exc)}") from None
    except ValueError as exc:
        raise SeedError(str(exc)) from exc
    print(format_report(report, limit=args.limit))
    if args.synthetic:
        print(f"\nSYNTHETIC: {args.synthetic} generated abstracts\n")
        print(format_report(evaluate_generated(args.synthetic), limit=args.limit))
    return 0


def _publish(result, settings: Settings) -> int:
    from kb.publish import publish

    return publish(result, settings.data_dir)


def _report(result, settings: Settings, quads: int = 0) -> int:
    report = result.info.report
    for res in result.resolutions:
        if not res.resolved:
            ref = res.reference
            print(
                f"  unresolved [{ref.number}] {res.reason}: {res.detail or ''}  ({ref.raw[:70]}…)"
            )
    print(report.summary())
    print(
        f"written to {settings.data_dir}/ (graph: {quads} quads, and the tables derived from them)"
    )
    if report.failures:
        for line in report.failures:
            print(f"  failed: {line}", file=sys.stderr)
        print(f"kb: {len(report.failures)} requests failed; rerun to retry them", file=sys.stderr)
        return 1
    return 0


def _load_seed(sources: Sequence[str]) -> tuple[SeedDocument, str | None]:
    """The seed, and its file's text when it came from a file (offsets index that text)."""
    files = [s for s in sources if Path(s).exists()]
    ids = [s for s in sources if not Path(s).exists()]
    if len(files) > 1:
        raise SeedError("give one seed file at a time")
    if files:
        seed, text = read_seed_file(files[0])  # a bounded read; every failure a SeedError
        if ids:
            extra = seed_from_identifiers(ids).references
            for i, ref in enumerate(extra, start=len(seed.references) + 1):
                ref.number = i
            seed.references.extend(extra)
        return seed, text
    return seed_from_identifiers(ids), None


if __name__ == "__main__":
    raise SystemExit(main())
