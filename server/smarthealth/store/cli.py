"""The ``smarthealth publish`` command: load the built graph into a SPARQL 1.1 engine."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import open_remote_store
from .publish import publish_file, read_graphs


@click.command()
@click.option("--to", "update_url", metavar="URL",
              help="SPARQL update endpoint of the engine (Virtuoso: http://HOST:8890/sparql-auth; "
              "oxigraph serve: http://HOST:7878/update; Fuseki: http://HOST:3030/DATASET/update).")
@click.option("--query", "query_url", metavar="URL",
              help="Its SPARQL query endpoint, when not the same URL (oxigraph serve: /query; "
              "Fuseki: /DATASET/query).")
@click.option("--gsp", "gsp_url", metavar="URL",
              help="Its Graph Store Protocol endpoint, for uploads (Virtuoso: /sparql-graph-crud-auth; "
              "oxigraph serve: /store; Fuseki: /DATASET/data); without it each graph goes in one update.")
@click.option("--data", "data_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="RDF dataset to publish (TriG or N-Quads) [default: the built graph, built if needed].")
@click.option("--prune", is_flag=True, help="Drop the engine's graphs that the dataset does not have.")
@click.option("--file", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Instead of an engine, write N-Quads with the merged default graph added, for an "
              "engine that builds its index offline (QLever).")
def publish(update_url, query_url, gsp_url, data_path, prune, out_path):
    """Replace the engine's named graphs with the built graph's, one graph at a time (credentials:
    SMARTHEALTH_REMOTE_USER, SMARTHEALTH_REMOTE_PASSWORD)."""
    if bool(update_url) == bool(out_path):
        raise click.UsageError("give either --to URL (an engine) or --file PATH (N-Quads for an offline load)")
    if data_path is None:
        from ..config import Settings
        from ..population.build import ensure_built

        data_path = ensure_built(Settings())
    if out_path:
        from .publish import write_with_union

        click.echo(f"wrote {write_with_union(data_path, out_path)} quads to {out_path}")
        return
    store = open_remote_store(query_url or update_url, update_url=update_url, gsp_url=gsp_url,
                              timeout_s=300.0)
    try:
        total = sum(len(triples) for triples in read_graphs(data_path).values())
        with click.progressbar(length=total, label=f"publishing {data_path.name}",
                               show_pos=True, file=sys.stderr) as bar:
            report = publish_file(data_path, store, prune=prune,
                                  progress=lambda graph, triples: bar.update(triples))
    finally:
        store.close()
    for graph, triples in report.graphs.items():
        click.echo(f"replaced <{graph}>: {triples} triples")
    for graph in report.dropped:
        click.echo(f"dropped <{graph}>")
    for graph in report.kept:
        click.echo(f"left in place <{graph}> (not in {data_path.name}; --prune drops it)")
    click.echo(f"published {sum(report.graphs.values())} triples in {len(report.graphs)} graphs")
