"""The `smarthealth build` and `smarthealth stats` commands."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import ONTOLOGY_IRI, Settings
from .build import build as build_dataset
from .build import count_classes, count_union, load_dataset, with_base_iri


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: data/build/).")
@click.option("--base-iri", envvar="SMARTHEALTH_BASE_IRI",
              help="Base IRI of instance data (default: https://w3id.org/smart-health/id/).")
def build(out_dir: Path | None, base_iri: str | None) -> None:
    """Build the knowledge graph from data/sources/, data/curated/ and ontology/."""
    settings = with_base_iri(Settings(), base_iri)
    if out_dir:
        settings = settings.with_build_dir(out_dir)
    report = build_dataset(settings)
    instances = sum(sum(per_class.values()) for per_class in report.counts.values())
    for fmt, path in report.paths.items():
        click.echo(f"wrote {path} ({fmt}, {path.stat().st_size} bytes, "
                   f"{len(report.counts)} graphs, {instances} typed instances)")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for skipped in report.skipped:
        click.echo(f"skipped: {skipped}", err=True)


@click.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def stats(file: Path | None) -> None:
    """Print instance counts per class and per source graph of a built dataset."""
    path = file or Settings().dataset_path
    dataset = load_dataset(path)
    counts = count_classes(dataset)
    click.echo(f"{path}")
    for graph, per_class in counts.items():
        name = "ontology" if graph == ONTOLOGY_IRI else graph.rsplit("/", 1)[-1]
        size = len(dataset.graph(graph))
        click.echo(f"\n[{name}] {size} triples, {sum(per_class.values())} typed instances")
        for cls, count in per_class.items():
            click.echo(f"  {count:6d}  {cls}")
    click.echo("\n[union of all graphs: distinct instances]")
    for cls, count in count_union(dataset).items():
        click.echo(f"  {count:6d}  {cls}")
