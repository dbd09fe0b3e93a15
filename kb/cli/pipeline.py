"""The commands that read seeds and texts and build, refresh or score the knowledge base."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kb.cli.options import STORE_HELP, build_options, settings_options
from kb.config import Settings, settings_from
from kb.errors import InputError, message
from kb.lock import exclusive

if TYPE_CHECKING:
    from kb.records import SeedDocument

log = logging.getLogger("kb")


def register(sub: argparse._SubParsersAction) -> None:
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
    p.add_argument("--store", metavar="URL", help=STORE_HELP)
    build_options(p)
    settings_options(p)
    p.set_defaults(func=cmd_build, progress_bars=True)

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

    p = sub.add_parser(
        "train", help="train a learned recogniser from the shared corpora (data/models/NAME)"
    )
    p.add_argument("name", choices=["abstracts", "cases"], help="which model")
    p.add_argument("--corpora", type=Path, help="the corpora folder (default ../shared/corpora)")
    p.add_argument("--output", type=Path, help="where to write it (default data/models/NAME)")
    p.add_argument("--limit", type=int, help="only the first N train and dev documents")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--max-steps", type=int, help="stop after N training steps")
    p.set_defaults(func=cmd_train, progress_bars=True)

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
    settings_options(p, network=False)
    p.set_defaults(func=cmd_demo, progress_bars=True)

    p = sub.add_parser(
        "refresh",
        help="update the KB incrementally: revised, retracted and new articles (cron-friendly)",
    )
    settings_options(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_refresh, progress_bars=True)

    p = sub.add_parser("schedule", help="run `kb refresh` every so often, in this process")
    p.add_argument("--every", required=True, metavar="INTERVAL", help="e.g. 24h, 30m, 1d, 90s")
    p.add_argument(
        "--runs", type=int, default=0, metavar="N", help="stop after N refreshes (0: never)"
    )
    settings_options(p)
    p.set_defaults(func=cmd_schedule, progress_bars=True)


def cmd_seed(args: argparse.Namespace) -> int:
    from kb.reports import format_seed

    seed, _ = _load_seed(args.sources)
    if args.json:
        from kb.jsonl import to_dict  # here: `kb ask` imports this module

        print(json.dumps(to_dict(seed), ensure_ascii=False, indent=2))
    else:
        print(format_seed(seed))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from ingest.build import BuildOptions, build
    from kb.remote import push, reachable

    sources = ([str(args.seed)] if args.seed else []) + list(args.ids)
    if not sources:
        raise InputError("nothing to build: give --seed PATH and/or DOIs/PMIDs")
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
    remote = reachable(args.store) if args.store else None  # fails now, not after the build
    from kb.check import guard  # here, not at the top: `kb ask` imports this module too

    with exclusive(settings.data_dir):
        guard(settings.data_dir, store=False)  # a damaged store is written again
        result = build(seed, settings, options, seed_text=text)
        code = _report(result, settings, _publish(result, settings))
        if remote:
            push(settings.data_dir, remote)
            print(f"written to {remote.url} too (its dataset replaced by this KB's)")
        return code


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
        from kb.check import guard

        guard(base.data_dir, store=False)
        log.info("fake E-utilities at %s", server.url)
        options = BuildOptions(
            cited_by=True, cited_by_limit=args.cited_by_limit, progress=not args.quiet, demo=True
        )
        result = build(demo_seed(), settings, options, seed_text=demo_seed_text())
        return _report(result, settings, _publish(result, settings))


def cmd_refresh(args: argparse.Namespace) -> int:
    from ingest.schedule import refresh_once
    from kb.errors import require_data_dir

    settings = settings_from(args)
    require_data_dir(settings.data_dir)
    return refresh_once(settings, progress=not (args.no_progress or args.quiet))


def cmd_schedule(args: argparse.Namespace) -> int:
    from ingest.schedule import parse_interval, run_schedule
    from kb.errors import require_data_dir

    settings, seconds = settings_from(args), parse_interval(args.every)
    require_data_dir(settings.data_dir)
    return run_schedule(settings, seconds, args.runs)


def cmd_extract(args: argparse.Namespace) -> int:
    """Each file on its own: one that cannot be read is reported (one line) and the rest go on;
    exit code 1 when any failed."""
    from ingest.nlp.files import extract_file, input_files
    from kb.reports import document_json, format_extraction

    nlp_config = settings_from(args).nlp_config
    failed = 0
    documents = []
    for source, path in input_files(args.paths):
        try:
            found = extract_file(path, nlp_config, source)
        except InputError as exc:
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


def cmd_train(args: argparse.Namespace) -> int:
    from ingest.nlp.train.run import DEFAULT_CORPORA, train_model

    corpora = args.corpora or DEFAULT_CORPORA
    if not corpora.is_dir():
        raise InputError(f"{corpora}: no corpora folder here (give --corpora DIR)")
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
    from ingest.nlp.eval.report import format_report
    from ingest.nlp.eval.seed import evaluate_seed
    from ingest.nlp.eval.synthetic import evaluate_generated

    try:
        report = evaluate_seed(args.seed, args.gold)
    except UnicodeDecodeError as exc:  # the seed is read as bytes: the gold file is not text
        raise InputError(f"{args.gold}: not a gold file (a JSON file): {message(exc)}") from None
    except ValueError as exc:
        raise InputError(str(exc)) from exc
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
    from ingest.seed.document import read_seed_file, seed_from_identifiers

    files = [s for s in sources if Path(s).exists()]
    ids = [s for s in sources if not Path(s).exists()]
    if len(files) > 1:
        raise InputError("give one seed file at a time")
    if files:
        seed, text = read_seed_file(files[0])  # a bounded read; every failure a SeedError
        if ids:
            extra = seed_from_identifiers(ids).references
            for i, ref in enumerate(extra, start=len(seed.references) + 1):
                ref.number = i
            seed.references.extend(extra)
        return seed, text
    return seed_from_identifiers(ids), None
