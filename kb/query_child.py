"""The process ``kb.query.user_query`` runs a user's query in: a JSON request on stdin, the JSON
answer on stdout. A process of its own, so that the query can be killed at its time limit
(pyoxigraph cannot cancel one) and an engine crash takes nothing else with it."""

from __future__ import annotations

import json
import sys

from kb.query import run_request


def main() -> None:
    answer = run_request(json.loads(sys.stdin.read()))
    sys.stdout.write(json.dumps(answer))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
