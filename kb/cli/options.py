"""Options several commands share: where the KB and its caches are, how to reach E-utilities,
what a build fetches. The values resolve through ``kb.config.settings_from``."""

from __future__ import annotations

import argparse
from pathlib import Path


def build_options(p: argparse.ArgumentParser) -> None:
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


STORE_HELP = (
    "also write the KB to this SPARQL 1.1 server (Graph Store Protocol: its whole dataset is "
    "replaced), e.g. http://127.0.0.1:7878 for `oxigraph serve`"
)


def settings_options(p: argparse.ArgumentParser, network: bool = True) -> None:
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
