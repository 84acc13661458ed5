"""The ``validate``, ``reason`` and ``ontology`` sub-commands."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ..config import Settings
from ..errors import SmartHealthError

log = logging.getLogger(__name__)


def resolve_dataset(file: Path | None, settings: Settings) -> Path:
    """Return the file to check: the one given, or the built dataset (built first if missing or stale)."""
    if file is not None:
        return file
    try:
        from ..population.build import ensure_built
    except ImportError as error:
        if settings.dataset_path.is_file():
            return settings.dataset_path
        raise SmartHealthError(
            f"no built graph at {settings.dataset_path} and the build is not available; give a FILE"
        ) from error
    return Path(ensure_built(settings))


@click.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the SHACL validation report (sh:ValidationReport) to this Turtle file.",
)
@click.pass_context
def validate(ctx: click.Context, file: Path | None, report_path: Path | None) -> None:
    """Validate FILE (default: the built graph) against the SHACL shapes; exit 1 on any violation."""
    from .graphs import shape_files
    from .shacl import validate as run_validation

    settings = Settings()
    path = resolve_dataset(file, settings)
    outcome = run_validation(path, settings)
    click.echo(
        f"Validated {path}: {outcome.triples} triples, {outcome.nodes_checked} nodes checked "
        f"against {len(shape_files(settings))} shape files in {outcome.seconds:.1f} s."
    )
    for violation in outcome.violations:
        click.echo("")
        click.echo(f"{violation.severity}: {violation.focus_node}")
        if violation.path:
            click.echo(f"  path:     {violation.path}")
        if violation.value and violation.value != violation.focus_node:
            click.echo(f"  value:    {violation.value}")
        click.echo(f"  message:  {violation.message}")
        click.echo(f"  shape:    {violation.shape or '(anonymous shape)'}, {violation.component}")
        if not violation.quotes:
            click.echo("  source:   (no quotation found for this node)")
        for quote in violation.quotes:
            click.echo(f"  source:   {quote.source}: \"{_shorten(quote.exact)}\"")
    errors = len(outcome.errors)
    others = len(outcome.violations) - errors
    click.echo("")
    if report_path is not None:
        outcome.report_graph.serialize(report_path, format="turtle")
        click.echo(f"Wrote the SHACL report to {report_path}.")
    if outcome.conforms:
        click.echo(f"Conforms: 0 violations ({others} warnings) in {outcome.nodes_checked} nodes checked.")
        ctx.exit(0)
    click.echo(f"Does not conform: {errors} violations ({others} warnings) in {outcome.nodes_checked} nodes checked.")
    ctx.exit(1)


@click.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def reason(ctx: click.Context, file: Path | None) -> None:
    """Check FILE (default: the built graph) with the ontology for consistency with HermiT; exit 1 if not."""
    from .reasoning import reason as run_reasoner

    settings = Settings()
    path = resolve_dataset(file, settings)
    outcome = run_reasoner(path, settings)
    click.echo(
        f"Reasoned over {path} with HermiT: {outcome.triples} triples, {outcome.individuals} typed "
        f"individuals, {outcome.converted_literals} date literals passed as strings "
        f"(xsd:date/gYear/gYearMonth are outside the OWL 2 datatype map), {outcome.seconds:.1f} s."
    )
    click.echo("Consistent." if outcome.consistent else "INCONSISTENT.")
    if outcome.consistent:
        click.echo(f"Unsatisfiable classes: {len(outcome.unsatisfiable)}.")
    for problem in outcome.problems:
        click.echo(f"  - {problem}")
    if not outcome.consistent and not outcome.explanations:
        click.echo("  (no broken negative assertion, disjointness or functional property found by the explanation queries)")
    ctx.exit(0 if outcome.ok else 1)


@click.command()
@click.option("--check", is_flag=True, help="Only check that smart-health.owl is current; write nothing.")
@click.pass_context
def ontology(ctx: click.Context, check: bool) -> None:
    """Run the ontology quality checks and the OWL 2 DL profile check, and regenerate ontology/smart-health.owl."""
    from .ontology_checks import check_graph, checks_dir, run_checks
    from .owl_export import owl_is_current, owl_path, write_owl

    settings = Settings()
    failed = False
    for result in run_checks(check_graph(settings), checks_dir(settings)):
        click.echo(f"{'ok  ' if result.passed else 'FAIL'} {result.name}: {result.description}")
        for row in result.rows:
            click.echo("       " + ", ".join(f"{key}={value}" for key, value in row.items()))
        failed = failed or not result.passed
    if check:
        if owl_is_current(settings):
            click.echo(f"{owl_path(settings)} is current.")
        else:
            click.echo(f"{owl_path(settings)} is out of date: run `smarthealth ontology`.")
            failed = True
    else:
        click.echo(f"Wrote {write_owl(settings)}.")
    failed = not _report_profile(settings) or failed
    ctx.exit(1 if failed else 0)


def _report_profile(settings: Settings) -> bool:
    """Print what the OWL API (Protégé's library) makes of the ontology files; return whether all is well."""
    from .dl_profile import ProfileCheckUnavailable, check_profile

    well = True
    for document in (settings.ontology_dir / "smart-health.ttl", settings.ontology_dir / "smart-health.owl"):
        if not document.is_file():
            continue
        try:
            report = check_profile(document, settings)
        except ProfileCheckUnavailable as error:
            click.echo(f"skip OWL API profile check: {error}")
            return True
        status = "ok  " if report.ok else "FAIL"
        click.echo(
            f"{status} OWL API: {document.name} opens offline ({len(report.imported)} imports via the catalog, "
            f"{report.axioms} axioms), OWL 2 DL: {'yes' if report.in_owl2_dl else 'NO'}"
        )
        for missing in report.missing_imports:
            click.echo(f"       import not in catalog-v001.xml: {missing}")
        for violation in report.violations[:20]:
            click.echo(f"       {violation}")
        well = well and report.ok
    return well


def _shorten(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
