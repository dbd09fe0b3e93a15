"""``python -m ingest.entrez.fake --corpus DIR [--port N]``: serve a corpus until Ctrl-C."""

from ingest.entrez.fake.server import main

if __name__ == "__main__":
    raise SystemExit(main())
