"""``kb refresh`` once, or on a schedule (``kb schedule --every 24h``) with APScheduler.

Each refresh holds the data directory's lock (``kb.lock``): a scheduled run that finds another
refresh or build running is skipped, not queued, and APScheduler's ``max_instances=1`` keeps the
scheduler's own runs from overlapping. Exit codes suit cron: 0 done, 1 done but some requests
failed (they are retried next run), 2 an error (no KB…), 75 busy; a schedule ends (Ctrl-C, or
after ``--runs``) with the worst code of its runs.
"""

from __future__ import annotations

import logging
import re
import sys
import threading

from kb.config import ConfigError, Settings
from kb.errors import message
from kb.lock import Busy, exclusive

log = logging.getLogger(__name__)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(text: str) -> float:
    """ "24h" → 86400.0; units s, m, h, d (one number and one unit)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*", text.lower())
    if not match or float(match[1]) <= 0:
        raise ConfigError(f"not an interval: {text!r} (write e.g. 24h, 30m, 1d, 90s)")
    return float(match[1]) * _UNITS[match[2]]


def refresh_once(settings: Settings, progress: bool = True) -> int:
    """One refresh under the lock; prints the change report; returns the exit code."""
    from ingest.refresh import refresh
    from kb.check import guard

    with exclusive(settings.data_dir, create=False):
        guard(settings.data_dir)  # never extend a damaged KB (a lost file would be refilled)
        report = refresh(settings.data_dir, settings, progress=progress)
    print(report.summary(), flush=True)
    if report.failed:
        for line in report.failed:
            print(f"  failed: {line}", file=sys.stderr)
        print(f"kb: refresh incomplete: {len(report.failed)} requests failed "
              "(what they were for is retried next run)", file=sys.stderr)  # fmt: skip
        return 1
    return 0


def run_schedule(settings: Settings, seconds: float, runs: int = 0) -> int:
    """Refresh now and every ``seconds`` until interrupted (or after ``runs`` refreshes)."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    done = threading.Event()
    count = worst = 0

    def job() -> None:
        nonlocal count, worst
        try:
            code = refresh_once(settings, progress=False)
            log.info("scheduled refresh finished with exit code %d", code)
        except Busy as exc:
            log.warning("scheduled refresh skipped: %s", exc)
            code = 0
        except Exception as exc:  # a failed run must not stop the schedule: one line, and
            log.error("scheduled refresh failed: %s", message(exc))  # the trace with -vv
            log.debug("the failed refresh", exc_info=True)
            code = 2
        worst = max(worst, code)
        count += 1
        if runs and count >= runs:
            done.set()

    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        job,
        IntervalTrigger(seconds=seconds),
        max_instances=1,
        coalesce=True,
        next_run_time=_now(),
        id="refresh",
    )
    log.info("refreshing %s every %g s", settings.data_dir, seconds)
    scheduler.start()
    try:
        while not done.wait(1.0):
            pass
    except KeyboardInterrupt:
        log.info("schedule stopped")
    finally:
        scheduler.shutdown(wait=True)
    return worst


def _now():
    import datetime

    return datetime.datetime.now(datetime.UTC)
