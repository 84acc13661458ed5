"""Statistics of the benchmark: percentiles, and how sure a ratio of two medians is.

A query's latency on this machine is not one number. Oxigraph itself takes several times longer on some
runs of the same query on the same data than on others, with no front end at all (the README's
results show it), and other work on the machine slows a run now and then. A ratio of two medians of a few runs can then land on either side of a
target by chance. So each ratio comes with a 95% bootstrap interval (the runs of each server drawn
again at random, with a fixed seed so that a report can be made again from its runs), and a target
is judged met or missed only when the whole interval is on one side of it.
"""

from __future__ import annotations

import random
import statistics

#: Bootstrap resamples per ratio (the interval's ends move by about 1% between seeds at this count).
RESAMPLES = 2000


def percentile(values: list[float], fraction: float) -> float:
    """Return the value at ``fraction`` of the sorted values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def ratio_interval(ours: list[float], theirs: list[float], seed: int = 0) -> tuple[float, float]:
    """Return the 95% bootstrap interval of median(ours) / median(theirs)."""
    draw = random.Random(seed)
    ratios = []
    for _ in range(RESAMPLES):
        numerator = statistics.median(draw.choices(ours, k=len(ours)))
        denominator = statistics.median(draw.choices(theirs, k=len(theirs)))
        if denominator > 0:
            ratios.append(numerator / denominator)
    if not ratios:
        return float("nan"), float("nan")
    return percentile(ratios, 0.025), percentile(ratios, 0.975)


def verdict(interval: tuple[float, float], target: float) -> str:
    """Judge a ratio's interval against a target ratio: within, over, or not decided by the runs."""
    low, high = interval
    if high <= target:
        return "within"
    if low > target:
        return "over"
    return "undecided"
