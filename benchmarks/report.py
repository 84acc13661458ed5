"""The benchmark's output: a Markdown table with the ratios, and a PNG plot."""

from __future__ import annotations

from pathlib import Path

from stats import ratio_interval, verdict

OURS, RAW, CONTROL = "smarthealth", "oxigraph serve", "oxigraph serve (control)"

#: Issue 12's target: each query within this ratio of raw ``oxigraph serve`` (at 1M triples).
TARGET_RATIO = 1.25


def _ratio(ours: float, raw: float) -> str:
    return f"{ours / raw:.2f}x" if raw else "-"


def _interval(interval: tuple[float, float]) -> str:
    low, high = interval
    return f"[{low:.2f}-{high:.2f}]" if low == low else ""  # NaN: no interval


def _verdict_counts(verdicts: dict[str, list[str]]) -> str:
    """Return '12 within; 2 over (a, b); 1 undecided (c)': how many queries got each verdict, and which."""
    return "; ".join(f"{len(names)} {label}" + (f" ({', '.join(names)})" if names and label != "within" else "")
                     for label, names in verdicts.items())


def table(results: dict) -> str:
    """Return the results as Markdown; row-count disagreements are marked in the table and listed."""
    control = bool(results.get("control"))
    lines = [
        f"## {results['quads']:,} quads ({results['data']})",
        "",
        f"This endpoint (`smarthealth serve --store`, {results['workers']} query workers) and raw "
        f"`oxigraph serve` on the same data, in the same run; up to {results['repeat']} runs per query "
        "and server (at least 3; fewer than the maximum for a query of several seconds), taking turns "
        "in a rotating order; latency over HTTP with keep-alive. Ratio: this endpoint / oxigraph, "
        "with its 95% bootstrap interval; against the target of "
        f"{TARGET_RATIO}x a query is *within* or *over* only when the whole interval is, and "
        "*undecided* otherwise (the runs do not tell).",
        "",
    ]
    if control:
        lines += [
            "Control: a second `oxigraph serve` of a copy of the same store, in the same turns. Its",
            "ratio to the first (control / oxigraph) is what two identical servers differ by in this",
            "run: the noise that every ratio of this table carries.",
            "",
        ]
    lines += [
        "CPU ms: median CPU time (user + system) of each server's whole process tree per query, read",
        "from /proc (tick: 10 ms); unlike latency it does not grow while other work on the machine",
        "holds a core.",
        "",
        "| query | rows | median ms (ours) | p95 ms (ours) | median ms (oxigraph) | p95 ms (oxigraph) "
        f"| ratio (median) [95%] | {TARGET_RATIO}x? " + ("| control / oxigraph [95%] " if control else "")
        + "| CPU ms (ours) | CPU ms (oxigraph) | ratio (CPU) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | " + ("---: | " if control else "")
        + "---: | ---: | ---: |",
    ]
    disagreements = []
    verdicts: dict[str, list[str]] = {"within": [], "over": [], "undecided": []}
    control_verdicts: dict[str, list[str]] = {"within": [], "over": [], "undecided": []}
    for name, figures in results["latency"].items():
        if figures is None:
            lines.append(f"| {name} | - | over the time limit | | not run | | | | " + ("| " if control else "")
                         + "| | |")
            continue
        ours, raw = figures[OURS], figures[RAW]
        rows, raw_rows = ours["rows"], raw["rows"]
        count = str(rows) if rows == raw_rows else f"**{rows} vs {raw_rows}**"
        if rows != raw_rows:
            disagreements.append(f"- {name}: this endpoint {rows} rows, oxigraph serve {raw_rows}")
        interval = ratio_interval(ours["runs"], raw["runs"])
        judged = verdict(interval, TARGET_RATIO)
        verdicts[judged].append(name)
        cells = [name, count, f"{ours['median']:.1f}", f"{ours['p95']:.1f}", f"{raw['median']:.1f}",
                 f"{raw['p95']:.1f}", f"{_ratio(ours['median'], raw['median'])} {_interval(interval)}", judged]
        if control:
            other = figures[CONTROL]
            if other["rows"] != raw_rows:
                disagreements.append(f"- {name}: the control {other['rows']} rows, oxigraph serve {raw_rows}")
            control_interval = ratio_interval(other["runs"], raw["runs"])
            control_verdicts[verdict(control_interval, TARGET_RATIO)].append(name)
            cells.append(f"{_ratio(other['median'], raw['median'])} {_interval(control_interval)}")
        cells += [f"{ours['cpu']:.0f}", f"{raw['cpu']:.0f}", _ratio(ours["cpu"], raw["cpu"])]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"Against {TARGET_RATIO}x: {_verdict_counts(verdicts)}."]
    if control:
        lines += [f"The control against {TARGET_RATIO}x (two identical servers): {_verdict_counts(control_verdicts)}."]
    lines += ["", "Row counts: " + ("all agree." if not disagreements else "DISAGREE:"), *disagreements, ""]
    lines += [
        f"| measure | ours | oxigraph serve | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    load = results["load_s"]
    if load[OURS] is None:
        lines.append("| load, file to first answer (s) | not measured (stores of an earlier run) | | |")
    else:
        lines.append(f"| load, file to first answer (s) | {load[OURS]:.1f} | {load[RAW]:.1f} | "
                     f"{_ratio(load[OURS], load[RAW])} |")
    for key, label in (("memory_loaded", "memory after load (MiB, process tree)"),
                       ("memory_after_queries", "memory after the queries (MiB)"),
                       ("memory_after_updates", "memory after the updates (MiB)")):
        memory = results[key]
        for index, measure in enumerate(("RSS", "PSS")):
            ours, raw = memory[OURS][index], memory[RAW][index]
            lines.append(f"| {label}, {measure} | {ours:.0f} | {raw:.0f} | {_ratio(ours, raw)} |")
    for clients, rates in results["throughput"].items():
        refused = results.get("refused", {}).get(clients, {})
        busy = f" ({refused[OURS]} answered 503)" if refused.get(OURS) else ""
        lines.append(f"| throughput, {clients} clients, saved queries (queries/s) | {rates[OURS]:.2f}{busy} | "
                     f"{rates[RAW]:.2f} | {_ratio(rates[OURS], rates[RAW])} |")
    (ours_median, ours_p95, ours_visible, ours_once) = results["updates"][OURS]
    (raw_median, raw_p95, raw_visible, raw_once) = results["updates"][RAW]
    lines.append(f"| update of 3 triples, median (ms) | {ours_median:.1f} | {raw_median:.1f} | {_ratio(ours_median, raw_median)} |")
    lines.append(f"| update of 3 triples, p95 (ms) | {ours_p95:.1f} | {raw_p95:.1f} | {_ratio(ours_p95, raw_p95)} |")
    lines.append(f"| update until a query sees it, median (ms) | {ours_visible:.1f} | {raw_visible:.1f} | "
                 f"{_ratio(ours_visible, raw_visible)} |")
    lines.append(f"| updates seen by the very next query | {ours_once} | {raw_once} | |")
    return "\n".join(lines) + "\n"


def plot(results: dict, path: Path) -> None:
    """Draw median latency per query (log scale) and throughput per client count, side by side."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (pip install matplotlib)")
        return
    names = [name for name, figures in results["latency"].items() if figures is not None]
    figure, (left, right) = plt.subplots(1, 2, figsize=(15, 7), gridspec_kw={"width_ratios": [3, 1]})
    positions = range(len(names))
    bars = [(OURS, "tab:blue"), (RAW, "tab:orange")] + ([(CONTROL, "tab:gray")] if results.get("control") else [])
    height = 0.8 / len(bars)
    for index, (server, colour) in enumerate(bars):
        offset = (index - (len(bars) - 1) / 2) * height
        left.barh([p + offset for p in positions], [results["latency"][n][server]["median"] for n in names],
                  height=height, label=server, color=colour)
    left.set_yticks(list(positions), names, fontsize=8)
    left.invert_yaxis()
    left.set_xscale("log")
    left.set_xlabel("median latency (ms, log scale)")
    left.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, frameon=False)  # above the bars, never on them
    clients = list(results["throughput"])
    for offset, server, colour in ((-0.2, OURS, "tab:blue"), (0.2, RAW, "tab:orange")):
        right.bar([i + offset for i in range(len(clients))], [results["throughput"][c][server] for c in clients],
                  width=0.4, label=server, color=colour)
    right.set_xticks(range(len(clients)), [f"{c} clients" for c in clients])
    right.set_ylabel("saved queries per second")
    figure.suptitle(f"{results['quads']:,} quads: this endpoint vs oxigraph serve, same data, same run")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
