"""The benchmark's output: a Markdown table with the ratios, and a PNG plot."""

from __future__ import annotations

from pathlib import Path

OURS, RAW = "smarthealth", "oxigraph serve"


def _ratio(ours: float, raw: float) -> str:
    return f"{ours / raw:.2f}x" if raw else "-"


def table(results: dict) -> str:
    """Return the results as Markdown; row-count disagreements are marked in the table and listed."""
    lines = [
        f"## {results['quads']:,} quads ({results['data']})",
        "",
        f"This endpoint (`smarthealth serve --store`, {results['workers']} query workers) and raw "
        f"`oxigraph serve` on the same data, in the same run; {results['repeat']} runs per query "
        "and server, taking turns; latency over HTTP with keep-alive. Ratio: this endpoint / oxigraph.",
        "",
        "CPU ms: median CPU time (user + system) of each server's whole process tree per query, read",
        "from /proc (tick: 10 ms); unlike latency it does not grow while other work on the machine",
        "holds a core.",
        "",
        "| query | rows | median ms (ours) | p95 ms (ours) | median ms (oxigraph) | p95 ms (oxigraph) | ratio (median) "
        "| CPU ms (ours) | CPU ms (oxigraph) | ratio (CPU) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    disagreements = []
    for name, figures in results["latency"].items():
        if figures is None:
            lines.append(f"| {name} | - | over the time limit | | not run | | |")
            continue
        # Results written before the CPU columns have three figures per server.
        (median, p95, rows, *used), (raw_median, raw_p95, raw_rows, *raw_used) = figures[OURS], figures[RAW]
        used, raw_used = (used[0], raw_used[0]) if used and raw_used else (None, None)
        count = str(rows) if rows == raw_rows else f"**{rows} vs {raw_rows}**"
        if rows != raw_rows:
            disagreements.append(f"- {name}: this endpoint {rows} rows, oxigraph serve {raw_rows}")
        lines.append(f"| {name} | {count} | {median:.1f} | {p95:.1f} | {raw_median:.1f} | {raw_p95:.1f} | "
                     f"{_ratio(median, raw_median)} | " + (
                         "- | - | - |" if used is None else f"{used:.0f} | {raw_used:.0f} | {_ratio(used, raw_used)} |"))
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
    for offset, server, colour in ((-0.2, OURS, "tab:blue"), (0.2, RAW, "tab:orange")):
        left.barh([p + offset for p in positions], [results["latency"][n][server][0] for n in names],
                  height=0.4, label=server, color=colour)
    left.set_yticks(list(positions), names, fontsize=8)
    left.invert_yaxis()
    left.set_xscale("log")
    left.set_xlabel("median latency (ms, log scale)")
    left.legend()
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
