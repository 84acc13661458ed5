"""The ``smarthealth query`` command: run a saved query on the built graph, in this process."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import Settings
from ..errors import BadRequest
from ..store import DEFAULT_TIMEOUT_S, open_store
from ..federation.allowlist import allowlist_from_environment
from .binding import run
from .catalog import QueryNotFound, find_query, load_catalog
from .openapi import parameter_description
from .render import FORMAT_NAMES, serialize

#: Exit status for bad input (a usage error, as click uses).
EXIT_BAD_INPUT = 2

CLI_FORMATS = ("table", "csv", "tsv", "json", "xml")


@click.command("query")
@click.argument("name", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter value (repeatable), e.g. --param region=BE2.")
@click.option("--format", "-f", "format_name", type=click.Choice(CLI_FORMATS), default="table",
              show_default=True, help="Answer format.")
@click.option("--list", "list_queries", is_flag=True, help="List the saved queries and their parameters.")
@click.option("--data", "data_paths", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="RDF files to query instead of the built graph (repeatable).")
@click.option("--queries", "queries_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder of .rq files (default: the project's queries/).")
@click.option("--show-sparql", is_flag=True, help="Print the SPARQL that runs (with its VALUES block) first.")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0.1), default=DEFAULT_TIMEOUT_S,
              show_default=True, help="Stop the query after this many seconds.")
@click.pass_context
def query(ctx, name, params, format_name, list_queries, data_paths, queries_dir, show_sparql, timeout_s):
    """Run a saved query (or list them with --list) on the built graph."""
    settings = Settings()
    catalog = load_catalog(queries_dir or settings.queries_dir)
    if list_queries:
        _echo_list(catalog)
        return
    if not name:
        _fail(ctx, "give a query NAME (see smarthealth query --list)")
    try:
        saved = find_query(catalog, name)
        arguments = _arguments(params)
    except (QueryNotFound, BadRequest) as error:
        _fail(ctx, str(error))
    paths = list(data_paths) or [_built_dataset(settings)]
    try:
        # One worker process: pyoxigraph has no time limit of its own, a worker can be stopped.
        store = open_store(paths, workers=1, timeout_s=timeout_s)
    except BadRequest as error:
        _fail(ctx, str(error))
    try:
        bound, result = run(store, saved, arguments, base_iri=settings.base_iri,
                            service_allowlist=allowlist_from_environment())
    except BadRequest as error:
        _fail(ctx, str(error))
    finally:
        store.close()
    if show_sparql:
        click.echo(bound.sparql, err=True)
    output = serialize(result, FORMAT_NAMES[format_name], base_iri=settings.base_iri)
    click.echo(output.decode("utf-8"), nl=False)


def _arguments(params: tuple[str, ...]) -> dict[str, str]:
    """Turn repeated KEY=VALUE options into a dict, refusing malformed or repeated ones."""
    arguments: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise BadRequest(f"--param {item!r}: expected KEY=VALUE, e.g. --param region=BE2")
        if key in arguments:
            raise BadRequest(f"parameter {key!r} is given more than once")
        arguments[key] = value
    return arguments


def _built_dataset(settings: Settings) -> Path:
    from ..population.build import ensure_built

    return ensure_built(settings)


def _fail(ctx: click.Context, message: str) -> None:
    click.echo(f"error: {message}", err=True)
    ctx.exit(EXIT_BAD_INPUT)


def _echo_list(catalog) -> None:
    for saved in catalog:
        click.echo(f"{saved.name}: {saved.summary}")
        for parameter in saved.params:
            click.echo(f"    --param {parameter.name}=...  {parameter_description(parameter)}")
