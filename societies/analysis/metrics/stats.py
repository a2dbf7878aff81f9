"""Statistics over repeats and across groups (numpy, scipy)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 0


@dataclass(frozen=True)
class Spread:
    """A measure over repeats: mean, sample standard deviation, bootstrap 95% CI.

    ``std`` needs two values and the interval two different values (with all
    values equal it is the single value); otherwise they are None.
    """

    n: int
    mean: float | None
    std: float | None
    ci_low: float | None
    ci_high: float | None


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def spread(values: Sequence[float]) -> Spread:
    """Mean, std (ddof=1) and a percentile bootstrap 95% CI of the mean (fixed seed)."""
    data = np.asarray([v for v in values if math.isfinite(v)], dtype=float)
    n = len(data)
    if n == 0:
        return Spread(0, None, None, None, None)
    mean = float(data.mean())
    if n == 1:
        return Spread(1, mean, None, None, None)
    if np.all(data == data[0]):
        same = float(data[0])
        return Spread(n, same, 0.0, same, same)
    std = float(data.std(ddof=1))
    res = stats.bootstrap(
        (data,),
        np.mean,
        confidence_level=0.95,
        n_resamples=BOOTSTRAP_RESAMPLES,
        method="percentile",
        rng=np.random.default_rng(BOOTSTRAP_SEED),
    )
    ci = res.confidence_interval
    return Spread(n, mean, std, _finite(float(ci.low)), _finite(float(ci.high)))


@dataclass(frozen=True)
class Significance:
    """Levene's test for equal variances, then one-way ANOVA, across groups.

    Attributes:
        groups: number of groups compared.
        levene: Levene's W statistic (None when undefined, e.g. all values equal).
        levene_p: its p-value.
        anova_f: the ANOVA F statistic.
        anova_p: its p-value.
        note: why a test could not be run (fewer than 2 groups with 2 values).
    """

    groups: int
    levene: float | None
    levene_p: float | None
    anova_f: float | None
    anova_p: float | None
    note: str = ""


MIN_REPEATS = 3
"""Fewest repeats per group for a test: with 2, Levene's deviations from the median are
equal within every group, so its W divides by rounding noise (e.g. ``7.3e+30``)."""


def _why_not(samples: Mapping[str, Sequence[float]]) -> str:
    """Why no test is meaningful on these groups ('' when one is)."""
    sizes = {k: len(v) for k, v in samples.items()}
    if len(sizes) < 2:
        return "no test: needs 2 groups"
    few = [k for k, n in sizes.items() if n < MIN_REPEATS]
    if few:
        n = min(sizes[k] for k in few)
        return (
            f"no test: {len(few)} of {len(sizes)} groups have fewer than {MIN_REPEATS}"
            f" repeats (fewest: {n})"
        )
    if all(np.ptp(np.asarray(v, dtype=float)) == 0 for v in samples.values()):
        return "no test: every repeat of every group has the same value (zero variance)"
    return ""


def compare_groups(samples: Mapping[str, Sequence[float]], *, study: bool = False) -> Significance:
    """Levene's test (median-centred, scipy's default) and one-way ANOVA over the samples.

    No test is run, and ``note`` says why, when there are fewer than two groups,
    a group has fewer than :data:`MIN_REPEATS` finite values, or no group varies.
    When only some groups have zero variance, Levene's test is not given (its W
    is then driven by those groups alone) and the note names them; the ANOVA is.
    With ``study`` (MachineSoM's test) Levene's test is given as the study's code
    computes it, and the note still names the groups with zero variance.
    """
    finite = {k: [v for v in vals if math.isfinite(v)] for k, vals in samples.items()}
    why = _why_not(finite)
    if why:
        return Significance(len(finite), None, None, None, None, why)
    data = [np.asarray(v, dtype=float) for v in finite.values()]
    flat = [k for k, d in zip(finite, data, strict=True) if np.ptp(d) == 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lev = stats.levene(*data)
        an = stats.f_oneway(*data)
    lev_w, lev_p = _finite(float(lev.statistic)), _finite(float(lev.pvalue))
    f, p = _finite(float(an.statistic)), _finite(float(an.pvalue))
    if flat:
        names = ", ".join(flat[:3]) + (f" and {len(flat) - 3} more" if len(flat) > 3 else "")
        if study:
            return Significance(len(data), lev_w, lev_p, f, p, f"zero variance in {names}")
        return Significance(len(data), None, None, f, p, f"no Levene: zero variance in {names}")
    return Significance(len(data), lev_w, lev_p, f, p)


LEVENE_ALPHA = 0.05
"""Below this Levene p-value MachineSoM gives no ANOVA (variances not homogeneous)."""

NO_ANOVA_NOTE = "no ANOVA: Levene p < 0.05, the assumption of homogeneity of variance is not valid"


def gated_compare(samples: Mapping[str, Sequence[float]]) -> Significance:
    """MachineSoM's test: Levene's test, then one-way ANOVA only when Levene p >= 0.05.

    As in the study's code, an undefined Levene p-value (e.g. every group
    constant) does not block the ANOVA. Otherwise like :func:`compare_groups`.
    """
    full = compare_groups(samples, study=True)
    if full.levene_p is not None and full.levene_p < LEVENE_ALPHA:
        return Significance(full.groups, full.levene, full.levene_p, None, None, NO_ANOVA_NOTE)
    return full


__all__ = [
    "BOOTSTRAP_RESAMPLES",
    "LEVENE_ALPHA",
    "MIN_REPEATS",
    "NO_ANOVA_NOTE",
    "Significance",
    "Spread",
    "compare_groups",
    "gated_compare",
    "spread",
]
