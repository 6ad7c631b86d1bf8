"""Reading the attention benchmark (attention_scaling.tsv: method, seq_len,
seconds_fwd_bwd, peak_mb): log-log slopes and the length from which FAVOR+
is faster. The one implementation, used by the benchmark rule's log
(tbio.bench.attention) and by the report alike; it imports no torch.

Averaging: a (method, seq_len) point is the *minimum* over the table's rows
for it. The benchmark writes one row per point, already the fastest of its
timed runs (on a shared machine interference only ever adds time), so on its
own table this changes nothing; a table that joins several runs keeps the
fastest of each point, as the benchmark does within a run. Rows without a
measurement (a length the benchmark skipped: NaN) are left out.

Fit threshold: slopes are fitted over lengths >= ``FIT_FROM_LEN``, where the
asymptotic cost dominates. When fewer than two lengths reach it (a toy run),
the fit uses every length measured and says so (``ScalingFit.fit_from_len``
is then the shortest length, ``ScalingFit.fell_back`` is True); with fewer
than two lengths measured there is no slope (NaN) and ``describe`` says why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

METHODS = ("favor", "exact")
FIT_FROM_LEN = 1024


def per_length(scaling: pd.DataFrame, value: str = "seconds_fwd_bwd") -> pd.DataFrame:
    """One row per measured seq_len (sorted), one column per method: the
    minimum of ``value`` over the rows of that point; NaN where a method has
    no measurement at that length."""
    measured = scaling.dropna(subset=[value]) if len(scaling) else scaling
    if measured.empty:
        return pd.DataFrame(index=pd.Index([], name="seq_len"))
    wide = measured.pivot_table(index="seq_len", columns="method", values=value, aggfunc="min")
    wide.columns.name = None
    return wide.sort_index()


def _loglog_line(x, y) -> tuple[float, float, int]:
    """Least-squares line of log y on log x: (slope, intercept, points).
    Points that cannot lie on log axes (not finite, or <= 0) are left out;
    NaN slope and intercept with fewer than two points left."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    if keep.sum() < 2:
        return math.nan, math.nan, int(keep.sum())
    slope, intercept = np.polyfit(np.log(x[keep]), np.log(y[keep]), 1)
    return float(slope), float(intercept), int(keep.sum())


def loglog_slope(x, y) -> float:
    """Least-squares slope of log y against log x: 1 is linear, 2 quadratic
    (NaN with fewer than two usable points)."""
    return _loglog_line(x, y)[0]


@dataclass
class ScalingFit:
    method: str
    slope: float  # of log(value) against log(seq_len)
    intercept: float
    fit_from_len: int | None  # the threshold, or the shortest length after a fallback (None: nothing measured)
    points: int  # lengths in the fit
    fell_back: bool = False  # fewer than two lengths reached the threshold: every length is used
    threshold: int = FIT_FROM_LEN

    def describe(self) -> str:
        """One line for a log: the slope and what it was fitted over."""
        if not math.isfinite(self.slope):
            return f"no slope: {self.points} length(s) measured, a fit needs 2"
        text = f"slope {self.slope:.2f} over {self.points} lengths >= {self.fit_from_len:,}"
        if self.fell_back:
            text += f" (fewer than 2 lengths reach {self.threshold:,}, so every length measured is used)"
        return text


def fit_method(
    scaling: pd.DataFrame, method: str, value: str = "seconds_fwd_bwd", fit_from_len: int = FIT_FROM_LEN
) -> ScalingFit:
    """Log-log fit of one method's ``value`` against seq_len (see the module
    docstring for the points and the fallback)."""
    wide = per_length(scaling, value)
    points = wide[method].dropna() if method in wide else pd.Series(dtype=float)
    used, fell_back = points[points.index >= fit_from_len], False
    if len(used) < 2:
        used, fell_back = points, True
    slope, intercept, n = _loglog_line(used.index, used.to_numpy())
    start = (int(used.index.min()) if len(used) else None) if fell_back else fit_from_len
    return ScalingFit(method, slope, intercept, start, n, fell_back and len(points) >= 2, fit_from_len)


def fit_scaling(scaling: pd.DataFrame, value: str = "seconds_fwd_bwd", fit_from_len: int = FIT_FROM_LEN) -> dict:
    """``fit_method`` for every method with a measurement of ``value``."""
    return {method: fit_method(scaling, method, value, fit_from_len) for method in per_length(scaling, value).columns}


def crossover_length(scaling: pd.DataFrame) -> int | None:
    """The shortest length from which FAVOR+ is faster than exact attention
    at every longer length measured for both; None when it is not faster at
    the longest such length (or no length was measured for both)."""
    wide = per_length(scaling)
    if not set(METHODS) <= set(wide.columns):
        return None
    both = wide.dropna(subset=list(METHODS))
    crossover = None
    for seq_len in reversed(both.index):
        if not both.loc[seq_len, "favor"] < both.loc[seq_len, "exact"]:
            break
        crossover = int(seq_len)
    return crossover


def extrapolated_crossover(fits: dict) -> float | None:
    """Where the two fitted time lines meet, when exact attention grows faster."""
    if not set(METHODS) <= set(fits):
        return None
    favor, exact = fits["favor"], fits["exact"]
    if not (math.isfinite(favor.slope) and math.isfinite(exact.slope)) or exact.slope <= favor.slope:
        return None
    return float(math.exp((favor.intercept - exact.intercept) / (exact.slope - favor.slope)))


def measured_on(scaling: pd.DataFrame) -> str:
    """Where the attention benchmark ran, and what the exact baseline was there."""
    first = scaling.iloc[0]
    return f"measured on {first['device']}; exact attention: {first['exact_kernel']}"
