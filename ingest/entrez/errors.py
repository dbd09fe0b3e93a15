"""Errors of the E-utilities layer, so callers can tell 'retry' from 'give up' from 'offline'."""

from __future__ import annotations


class ResponseError(Exception):
    """A well-formed answer that reports an error (``<ERROR>…</ERROR>``): retried, never cached."""


class EntrezError(Exception):
    """A request failed for good (after its retries); the message names the request."""


class OfflineMiss(EntrezError):
    """``--offline`` and the answer to this request is not in the cache."""
