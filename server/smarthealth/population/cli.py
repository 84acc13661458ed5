"""The `smarthealth build` and `smarthealth stats` commands."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import ONTOLOGY_IRI, Settings
from .build import build as build_dataset
from .build import count_classes, count_union, load_dataset, read_sources, with_base_iri
from .coverage import load_left_out, measure, summary_line, uncovered_table


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
    for document in report.coverage:
        click.echo(summary_line(document))


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


@click.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--tsv", is_flag=True, help="Print the uncovered items as source, kind, text (tab-separated).")
def coverage(file: Path | None, tsv: bool) -> None:
    """List per document and section the names, numbers and dates no quote and no label covers."""
    settings = Settings()
    path = file or settings.dataset_path
    if not path.exists():
        raise click.ClickException(f"{path} does not exist: run `smarthealth build` first")
    from ..validation.graphs import read_graph

    sources = read_sources(settings.sources_dir)
    report = measure(list(sources.values()), read_graph(path),
                     load_left_out(settings.curated_dir, set(sources)))
    if tsv:
        for (source, kind, text), count in sorted(uncovered_table(report).items()):
            for _ in range(count):
                click.echo(f"{source}\t{kind}\t{text}")
        return
    for document in report:
        click.echo(summary_line(document))
    for document in report:
        section = None
        for item in document.uncovered:
            if item.section != section:
                section = item.section
                click.echo(f"\n[{document.source[:3]}] {section}")
            click.echo(f"  line {item.line:4d}  {item.kind:6s}  {item.text}")

