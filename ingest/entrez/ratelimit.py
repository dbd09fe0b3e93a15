"""A request-spacing limiter shared by every process of a user (CLI, scheduler, app).

Bio.Entrez spaces requests only within one process; NCBI counts per user. Each caller reserves
the next free slot in a small file under an exclusive ``flock`` and sleeps until its slot, so
any number of processes together stay at or below the rate.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from pathlib import Path

SAFETY = 1.05  # slots a little wider than 1/rate so that network jitter never makes 4 in 1 s


class RateLimiter:
    def __init__(self, rate: float, directory: Path, key: str) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = SAFETY / rate
        directory.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        self.path = directory / f"ratelimit-{digest}"

    def acquire(self) -> float:
        """Wait for this caller's slot; return the seconds waited."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            raw = os.read(fd, 64).decode(errors="ignore").strip()
            now = time.time()
            try:
                slot = max(now, float(raw))
            except ValueError:
                slot = now
            if slot > now + 3600:  # a clock jump or a corrupt file: start afresh
                slot = now
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, f"{slot + self.interval:.6f}".encode())
        finally:
            os.close(fd)  # closing releases the lock
        wait = slot - time.time()
        if wait > 0:
            time.sleep(wait)
        return max(wait, 0.0)
