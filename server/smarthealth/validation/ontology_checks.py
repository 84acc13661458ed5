"""Run the ontology quality checks: SPARQL queries in ontology/checks/*-violation.rq that must return nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from ..config import Settings
from ..errors import SmartHealthError
from ..namespaces import bind_prefixes
from .graphs import load_ontology, load_shapes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    """The rows one check query returned (none when the check passes)."""

    name: str
    description: str
    rows: list[dict[str, str]]

    @property
    def passed(self) -> bool:
        return not self.rows


def checks_dir(settings: Settings) -> Path:
    """Return the folder of the check queries."""
    return settings.ontology_dir / "checks"


def check_files(folder: Path) -> list[Path]:
    """List the check queries (files named *-violation.rq) in a stable order."""
    return sorted(folder.glob("*-violation.rq"))


def check_graph(settings: Settings) -> Graph:
    """Return the graph the checks run over: ontology, vocabularies, import module and shapes."""
    graph = load_ontology(settings)
    graph += load_shapes(settings)
    bind_prefixes(graph)
    return graph


def run_checks(graph: Graph, folder: Path, *, only: set[str] | None = None) -> list[CheckResult]:
    """Run the check queries of a folder (all, or the named ones) over a graph and return each one's rows."""
    results = []
    for path in check_files(folder):
        if only is not None and path.stem not in only:
            continue
        text = path.read_text(encoding="utf-8")
        try:
            answer = graph.query(text)
        except Exception as error:  # a broken check query is a project bug worth a clear message
            raise SmartHealthError(f"check query does not run: {error}", where=str(path)) from error
        rows = [
            {str(var): _show(graph, row[var]) for var in answer.vars if row[var] is not None}
            for row in answer
        ]
        results.append(CheckResult(name=path.stem, description=_description(text), rows=sorted(rows, key=str)))
        log.debug("check %s: %d rows", path.stem, len(rows))
    return results


def _description(query: str) -> str:
    """Return the first comment line of a query, which says what the check finds."""
    for line in query.splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""


def _show(graph: Graph, term) -> str:
    from .shacl import _name

    return _name(graph, term)
