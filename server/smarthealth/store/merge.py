"""The merged default graph, kept in the store itself: made once at load, maintained by each update.

The default graph that queries see is the RDF merge of all named graphs: a set, so a triple stated
by several documents counts once. Rather than each query worker building its own merged copy, the
merge is stored once, as the store's own default graph, next to the named graphs it comes from.
Every query process then reads it from the same on-disk snapshot, and it costs no memory per worker.

What this means for updates (documented in the README):

- the default graph of an update is the same merge that queries see (``INSERT ... WHERE`` without
  ``GRAPH`` reads the merge of the named graphs);
- the default graph cannot be written directly: an update that inserts into or deletes from it
  (``INSERT DATA`` without ``GRAPH``, ``CLEAR DEFAULT``, ``LOAD`` without ``INTO GRAPH``...) is
  refused with a message that says to write into a named graph instead;
- every update is followed, in the same transaction, by the maintenance of the merge: the triples
  the update may have changed are copied to a scratch graph before it, and afterwards each of them
  is kept in the default graph exactly when some named graph still holds it. What "may have
  changed" is read from the update's operations: the subjects written by ``INSERT DATA`` /
  ``DELETE DATA`` (cost: those subjects' triples), the graphs named by other operations (cost:
  those graphs), or everything when a graph is a variable (``GRAPH ?g`` in a template, ``CLEAR
  NAMED``) or the update cannot be read (cost: the whole dataset).

The operations are read with rdflib's parser, only to scope the maintenance: Oxigraph runs the
update text exactly as it was checked. Should the two parsers ever read an operation differently,
the effect is limited to the merge of the triples concerned, never to what the update does.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..errors import BadRequest

#: Named graph that holds, during one update transaction only, the triples the update may change.
SCRATCH_GRAPH = "urn:smarthealth:merge-maintenance"

#: Updates longer than this are not read with rdflib (its parser is slow on long texts): the whole
#: merge is recomputed instead.
MAX_ANALYSED_CHARACTERS = 200_000

_UNSAFE_IRI = re.compile(r"[<>\"{}|^`\\\s]")

DEFAULT_GRAPH_WRITE = (
    "the default graph of this endpoint is the merge of its named graphs and cannot be written "
    "directly; write into a named graph instead (GRAPH <iri> {{ ... }}, WITH <iri>, INTO GRAPH <iri>): {}"
)


def materialise_merge(store: ox.Store) -> None:
    """Replace the default graph of ``store`` with the merge of its named graphs (after a load)."""
    store.clear_graph(ox.DefaultGraph())
    with tempfile.TemporaryDirectory(prefix="smarthealth-merge-") as folder:
        # Written and bulk-loaded by Oxigraph itself: no Python object per triple. The bulk loader
        # gives blank nodes new labels, so the (few) triples with one are copied as they are.
        path = Path(folder) / "merge.nt"
        store.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } FILTER(!isBlank(?s) && !isBlank(?o)) }"
        ).serialize(output=str(path), format=ox.RdfFormat.N_TRIPLES)
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    with_blank_nodes = store.query(
        "SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isBlank(?s) || isBlank(?o)) }"
    )
    store.bulk_extend(ox.Quad(row["s"], row["p"], row["o"]) for row in with_blank_nodes)


@dataclass
class MaintenancePlan:
    """What an update may change in the merge: some subjects of some graphs, some graphs, or all."""

    subjects: set[tuple[str, str]] = field(default_factory=set)  # (graph IRI, subject IRI)
    graphs: set[str] = field(default_factory=set)
    everything: bool = False


def maintained_update(sparql: str, base_iri: str | None = None) -> tuple[str, int]:
    """Return the update followed by the maintenance of the merged default graph, as one update.

    Also return how many lines were put before the client's text (to correct error positions).
    """
    plan = plan_maintenance(sparql, base_iri)
    if plan.everything:
        return (
            f"{sparql}\n;\n"
            f"DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} }} }} ;\n"
            f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
            0,
        )
    scratch = f"<{SCRATCH_GRAPH}>"
    before, after = [], []
    if plan.subjects:
        # The default graph holds every triple the subjects had before the update (it is the merge).
        subjects = " ".join(sorted({f"<{subject}>" for _, subject in plan.subjects}))
        pairs = " ".join(f"(<{graph}> <{subject}>)" for graph, subject in sorted(plan.subjects))
        after += [
            f"DELETE {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {subjects} }} ?s ?p ?o "
            f"FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER(?h != {scratch}) }} }}",
            f"INSERT {{ ?s ?p ?o }} WHERE {{ VALUES (?g ?s) {{ {pairs} }} GRAPH ?g {{ ?s ?p ?o }} }}",
        ]
    if plan.graphs:
        # Which triples of the merge came from these graphs is not recorded: copy them first.
        graphs = " ".join(f"<{graph}>" for graph in sorted(plan.graphs))
        before.append(
            f"INSERT {{ GRAPH {scratch} {{ ?s ?p ?o }} }} WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        )
        after += [
            f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH {scratch} {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER(?h != {scratch}) }} }}",
            f"INSERT {{ ?s ?p ?o }} WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?s ?p ?o }} }}",
            f"DROP SILENT GRAPH {scratch}",
        ]
    text = sparql
    if before:
        text = " ; ".join(before) + " ;\n" + text
    if after:
        text += "\n;\n" + " ;\n".join(after)
    return text, 1 if before else 0


def plan_maintenance(sparql: str, base_iri: str | None = None) -> MaintenancePlan:
    """Read the update's operations and return what its maintenance of the merge must cover.

    Raise BadRequest for an update that writes into the default graph.
    """
    if len(sparql) > MAX_ANALYSED_CHARACTERS:
        return MaintenancePlan(everything=True)
    try:
        from rdflib.plugins.sparql.algebra import translateUpdate
        from rdflib.plugins.sparql.parser import parseUpdate

        operations = translateUpdate(parseUpdate(sparql), base_iri).algebra
    except Exception:  # pyparsing's ParseException, RecursionError, rdflib's bare Exception
        return MaintenancePlan(everything=True)  # Oxigraph reports a syntax error in its own words
    plan = MaintenancePlan()
    for operation in operations:
        _plan_operation(operation, plan)
        if plan.everything:
            break
    if not all(_safe_iri(iri) for iri in plan.graphs | {part for pair in plan.subjects for part in pair}):
        plan = MaintenancePlan(everything=True)
    return plan


def _plan_operation(operation, plan: MaintenancePlan) -> None:
    """Add what one update operation may change to the plan."""
    from rdflib.term import URIRef

    name = operation.name
    if name in ("InsertData", "DeleteData"):
        if operation.triples:
            raise BadRequest(DEFAULT_GRAPH_WRITE.format(f"{_verb(name)} DATA without GRAPH"))
        for graph, triples in operation.quads.items():
            for subject, _, _ in triples:
                if isinstance(subject, URIRef):
                    plan.subjects.add((str(graph), str(subject)))
                else:  # a blank node: its new label is Oxigraph's, so the graph is covered whole
                    plan.graphs.add(str(graph))
    elif name in ("DeleteWhere", "Modify"):
        with_graph = dict.get(operation, "withClause")
        for clause in (operation, dict.get(operation, "delete"), dict.get(operation, "insert")):
            if clause is None or name == "Modify" and clause is operation:
                continue
            if dict.get(clause, "triples"):
                if with_graph is None:
                    raise BadRequest(DEFAULT_GRAPH_WRITE.format("a template without GRAPH or WITH"))
                plan.graphs.add(str(with_graph))
            for graph in (dict.get(clause, "quads") or {}):
                if isinstance(graph, URIRef):
                    plan.graphs.add(str(graph))
                else:  # GRAPH ?g: any graph may change
                    plan.everything = True
    elif name in ("Clear", "Drop"):
        target = operation.graphiri
        if target == "DEFAULT":
            raise BadRequest(DEFAULT_GRAPH_WRITE.format(f"{name.upper()} DEFAULT"))
        if target in ("ALL", "NAMED"):
            plan.everything = True
        else:
            plan.graphs.add(str(target))
    elif name == "Load":
        if dict.get(operation, "graphiri") is None:
            raise BadRequest(DEFAULT_GRAPH_WRITE.format("LOAD without INTO GRAPH"))
        plan.graphs.add(str(operation.graphiri))
    elif name in ("Add", "Move", "Copy"):
        source, target = operation.graph
        if target == "DEFAULT" or (name == "Move" and source == "DEFAULT"):
            raise BadRequest(DEFAULT_GRAPH_WRITE.format(f"{name.upper()} to or from DEFAULT"))
        plan.graphs.add(str(target))
        if name == "Move":
            plan.graphs.add(str(source))
    elif name != "Create":
        plan.everything = True  # an operation this module does not know: recompute it all


def _verb(name: str) -> str:
    return "INSERT" if name.startswith("Insert") else "DELETE"


def _safe_iri(iri: str) -> bool:
    return bool(iri) and not _UNSAFE_IRI.search(iri)
