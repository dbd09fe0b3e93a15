"""Logistic regression over sparse binary features for the learned scorers (numpy, L2,
full-batch Adam: deterministic, so a retrain with one seed is byte-stable). Training only; the
product applies the weights with ``ingest.nlp.linear.LinearModel``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

STEPS = 400
PRUNE = 0.02  # weights smaller than this change a score by < 2% and are not shipped


@dataclass(frozen=True)
class Matrix:
    """Rows of feature indices (CSR without values: every feature is 1)."""

    indices: np.ndarray
    indptr: np.ndarray

    @property
    def rows(self) -> int:
        return len(self.indptr) - 1


def vocabulary(rows: Iterable[Iterable[str]], min_count: int) -> dict[str, int]:
    """Feature → column, for features seen in at least ``min_count`` rows (sorted: stable)."""
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        for f in row:
            counts[f] += 1
    return {f: i for i, f in enumerate(sorted(f for f, n in counts.items() if n >= min_count))}


def encode(rows: Iterable[Iterable[str]], vocab: dict[str, int]) -> Matrix:
    indices: list[int] = []
    indptr = [0]
    for row in rows:
        indices.extend(vocab[f] for f in row if f in vocab)
        indptr.append(len(indices))
    return Matrix(np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64))


def _logits(x: Matrix, w: np.ndarray, b: float) -> np.ndarray:
    sums = np.zeros(x.rows)
    lengths = np.diff(x.indptr)
    nonempty = lengths > 0
    sums[nonempty] = np.add.reduceat(w[x.indices], x.indptr[:-1][nonempty])
    return sums + b


def fit(
    x: Matrix, y: np.ndarray, n_features: int, l2: float, steps: int = STEPS
) -> tuple[np.ndarray, float]:
    """Minimise mean log loss + ``l2``/2 · |w|² with full-batch Adam (deterministic)."""
    w = np.zeros(n_features)
    b = 0.0
    m_w, v_w = np.zeros(n_features), np.zeros(n_features)
    m_b = v_b = 0.0
    lr, beta1, beta2, eps = 0.05, 0.9, 0.999, 1e-8
    lengths = np.diff(x.indptr)
    for t in range(1, steps + 1):
        p = 1.0 / (1.0 + np.exp(-np.clip(_logits(x, w, b), -30, 30)))
        err = (p - y) / x.rows
        g_w: np.ndarray = np.bincount(x.indices, np.repeat(err, lengths), minlength=n_features)
        g_w = g_w + l2 * w
        g_b = float(err.sum())
        m_w = beta1 * m_w + (1 - beta1) * g_w
        v_w = beta2 * v_w + (1 - beta2) * g_w**2
        m_b = beta1 * m_b + (1 - beta1) * g_b
        v_b = beta2 * v_b + (1 - beta2) * g_b**2
        w -= lr * (m_w / (1 - beta1**t)) / (np.sqrt(v_w / (1 - beta2**t)) + eps)
        b -= lr * (m_b / (1 - beta1**t)) / (np.sqrt(v_b / (1 - beta2**t)) + eps)
    return w, b


def predict(x: Matrix, w: np.ndarray, b: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(_logits(x, w, b), -30, 30)))


def prune(weights: dict[str, float], limit: float = PRUNE) -> dict[str, float]:
    """Weights of magnitude >= ``limit``, rounded to 4 places (the file stays small)."""
    return {f: round(w, 4) for f, w in sorted(weights.items()) if abs(w) >= limit}
