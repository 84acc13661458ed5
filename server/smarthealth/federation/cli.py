"""The ``smarthealth align`` command: propose links to another dataset, for review."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import Settings
from .align import TARGET_ENDPOINTS, TARGETS, graph_entities, propose, review_document, write_review_file


@click.command()
@click.option("--endpoint", metavar="URL",
              help="SPARQL endpoint to look the names up in (a stand-in: the /query URL of `oxigraph serve`) "
                   "[default: the target's public endpoint].")
@click.option("--target", type=click.Choice(sorted(TARGETS)), default="wikidata", show_default=True,
              help="Shape of the other dataset's data.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(["organisation", "initiative"]),
              help="What to reconcile (may be repeated) [default: both].")
@click.option("--data", "data_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Built dataset to read (default: data/build/smart-health.trig, built if needed).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Review file to write [default: data/review/align-TARGET.yaml].")
@click.option("--timeout", "timeout_s", type=float, default=30.0, show_default=True,
              help="Time limit of each request to the endpoint, in seconds.")
def align(endpoint, target, kinds, data_path, out_path, timeout_s):
    """Propose links (Wikidata items with their ROR IDs, CORDIS organisations) for review; never changes the graph."""
    settings = Settings()
    endpoint = endpoint or TARGET_ENDPOINTS[target]
    if data_path is None:
        from ..population.build import ensure_built

        data_path = ensure_built(settings)
    out_path = out_path or settings.root / "data" / "review" / f"align-{target}.yaml"
    entities = graph_entities(data_path, tuple(kinds) or ("organisation", "initiative"), settings.base_iri)
    candidates = propose(entities, endpoint, target, timeout_s=timeout_s)
    write_review_file(out_path, review_document(candidates, endpoint=endpoint, target=target,
                                                entities=len(entities)))
    matched = len({candidate.entity.key for candidate in candidates})
    click.echo(f"{len(candidates)} candidates for {matched} of {len(entities)} entities written to {out_path}; "
               "review them, then move accepted entries to data/curated/links.yaml")
