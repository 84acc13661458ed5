"""The benchmark's judgement of a ratio: made from every run, undecided when the runs do not tell.

No timing is measured here: the runs are given, as a benchmark run would record them.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from report import CONTROL, OURS, RAW, table  # noqa: E402
from stats import ratio_interval, verdict  # noqa: E402


def test_clearly_separated_runs_are_judged_over_the_target():
    ours, theirs = [150, 152, 149, 151, 150, 153], [100, 101, 99, 100, 102, 98]
    low, high = ratio_interval(ours, theirs)
    assert 1.4 < low <= 1.5 <= high < 1.6
    assert verdict((low, high), 1.25) == "over"


def test_runs_that_jump_between_two_times_on_both_servers_leave_the_ratio_undecided():
    # As Oxigraph does on some queries: the same query takes 250 or 1,300 ms from run to run.
    ours = [1300, 250, 1290, 260, 1310, 255, 1280]
    theirs = [255, 1295, 250, 1300, 258, 262, 1285]
    interval = ratio_interval(ours, theirs)
    assert interval[0] < 1 < 1.25 < interval[1]
    assert verdict(interval, 1.25) == "undecided"


def test_the_interval_is_the_same_each_time_it_is_computed():
    ours, theirs = [10.0, 12.5, 11.0, 30.0], [9.0, 9.5, 20.0, 10.0]
    assert ratio_interval(ours, theirs) == ratio_interval(ours, theirs)


def _figures(runs, rows):
    ordered = sorted(runs)
    return {"median": ordered[len(ordered) // 2], "p95": ordered[-1], "rows": rows, "cpu": 10.0, "runs": runs}


def test_the_table_judges_each_query_and_lists_a_row_count_disagreement():
    results = {
        "quads": 1000, "data": "test.nq", "repeat": 5, "workers": 2, "seconds": 1, "control": True,
        "latency": {
            "saved:fast": {OURS: _figures([10, 10, 11], 3), RAW: _figures([10, 11, 10], 3),
                           CONTROL: _figures([10, 10, 10], 3)},
            "saved:slow": {OURS: _figures([30, 31, 30], 3), RAW: _figures([10, 10, 11], 4),
                           CONTROL: _figures([10, 11, 10], 4)},
            "saved:limit": None,
        },
        "load_s": {OURS: 1.0, RAW: 1.0},
        "memory_loaded": {OURS: (100, 50), RAW: (20, 20)},
        "memory_after_queries": {OURS: (100, 50), RAW: (20, 20)},
        "memory_after_updates": {OURS: (100, 50), RAW: (20, 20)},
        "throughput": {1: {OURS: 2.0, RAW: 2.0}},
        "updates": {OURS: (30.0, 40.0, 35.0, 20), RAW: (2.0, 3.0, 4.0, 20)},
    }
    text = table(results)
    rows = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines() if line.startswith("| saved:")}
    assert "| within |" in rows["saved:fast"]
    assert "| over |" in rows["saved:slow"] and "**3 vs 4**" in rows["saved:slow"]
    assert "over the time limit" in rows["saved:limit"]
    assert "- saved:slow: this endpoint 3 rows, oxigraph serve 4" in text
    assert "Against 1.25x: 1 within; 1 over (saved:slow); 0 undecided." in text
