"""PubMed EFetch XML parsing throughput on a SYNTHETIC file of N records (default 10,000).

The records are copies of the demo corpus records (synthetic) with distinct PMIDs, so the file
has the size and shape of real EFetch answers with abstracts, MeSH and ids.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

from ingest.demo import demo_corpus
from ingest.entrez.pubmed_xml import parse_pubmed_xml

DOCTYPE = (
    '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    '1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)


def synthetic_file(n: int) -> bytes:
    with demo_corpus() as root:
        articles = []
        for path in sorted((root / "pubmed").glob("*.xml")):
            text = path.read_text(encoding="utf-8")
            articles += re.findall(r"<PubmedArticle>.*?</PubmedArticle>", text, flags=re.DOTALL)
    out = []
    for i in range(n):
        body = articles[i % len(articles)]
        body = re.sub(
            r"<PMID Version=\"1\">\d+</PMID>",
            f'<PMID Version="1">{98000000 + i}</PMID>',
            body,
            count=1,
        )
        out.append(body)
    return (DOCTYPE + "<PubmedArticleSet>" + "".join(out) + "</PubmedArticleSet>").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = synthetic_file(args.n)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        records = parse_pubmed_xml(data)
        times.append(time.perf_counter() - start)
    assert len(records) == args.n and len({r.pmid for r in records}) == args.n
    best, med = min(times), statistics.median(times)
    print(f"PubMed XML: {args.n} records, {len(data) / 1e6:.1f} MB")
    print(f"  parse time: best {best:.2f} s, median {med:.2f} s")
    print(
        f"  throughput: {args.n / best:,.0f} records/s (best), {args.n / med:,.0f} records/s (median)"
    )


if __name__ == "__main__":
    main()
