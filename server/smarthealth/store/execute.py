"""Running SPARQL on a pyoxigraph store: the dataset rules, results in wire formats, SERVICE failures.

Shared by the store in this process and by the query worker processes.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import re
import threading

import pyoxigraph as ox

from ..errors import BadGateway, BadRequest
from .. import fetch_guard
from ..sparql_text import SparqlText, analyse_query
from .base import DEFAULT_MAX_RESULT_BYTES
from .merge import maintained_update
from .results import _SOLUTIONS_WIRE_FORMAT, _TRIPLES_WIRE_FORMAT, QueryResult, ResultTooLarge, _CappedBuffer

def _dataset_options(default_graph_uris: list[str] | None, named_graph_uris: list[str] | None) -> dict:
    """Return pyoxigraph's dataset arguments for a query, following the protocol's rules."""
    if default_graph_uris or named_graph_uris:
        return {
            "default_graph": list(default_graph_uris or []),
            "named_graphs": list(named_graph_uris or []),
        }
    # The query's FROM / FROM NAMED, if any, apply; otherwise the store's default graph, which
    # holds the merge of all graphs.
    return {}


#: How many scratch datasets (several default graphs merged) a query copy keeps for reuse.
MERGED_DATASETS_KEPT = 8


class MergedDatasets:
    """Scratch datasets made from a store, whose default graph is the RDF merge of some graphs."""

    def __init__(self, source: ox.Store, kept: int = MERGED_DATASETS_KEPT):
        self._source = source
        self._kept = kept
        self._datasets: collections.OrderedDict[tuple, ox.Store] = collections.OrderedDict()
        self._lock = threading.Lock()

    def dataset(self, default_graphs: tuple[str, ...], named_graphs: tuple[str, ...]) -> ox.Store:
        """Return a store whose default graph merges ``default_graphs`` and that holds ``named_graphs``."""
        key = (default_graphs, named_graphs)
        with self._lock:
            if key in self._datasets:
                self._datasets.move_to_end(key)
                return self._datasets[key]
            merged = ox.Store()
            # A store is a set of quads: a triple of several of the graphs is held once.
            merged.extend(
                ox.Quad(quad.subject, quad.predicate, quad.object, ox.DefaultGraph())
                for iri in default_graphs
                for quad in self._source.quads_for_pattern(None, None, None, ox.NamedNode(iri))
            )
            merged.extend(
                quad
                for iri in named_graphs
                for quad in self._source.quads_for_pattern(None, None, None, ox.NamedNode(iri))
            )
            self._datasets[key] = merged
            if len(self._datasets) > self._kept:
                self._datasets.popitem(last=False)
            return merged


def _dataset_arguments(
    store: ox.Store, merges: MergedDatasets, text: SparqlText, arguments: dict
) -> tuple[ox.Store, dict]:
    """Return the store to query and pyoxigraph's dataset arguments, merging several default graphs."""
    default_graphs = arguments.pop("default_graph", None)
    named_graphs = arguments.pop("named_graphs", None)
    if default_graphs is None and len(text.default_graphs) > 1:
        default_graphs, named_graphs = text.default_graphs, text.named_graphs
    if default_graphs is None:
        return store, arguments  # the query's own dataset, or the merge of all graphs
    default_graphs = list(dict.fromkeys(default_graphs))
    named_graphs = list(dict.fromkeys(named_graphs or []))
    arguments["named_graphs"] = [_graph_node(iri) for iri in named_graphs]
    if len(default_graphs) > 1:
        store = merges.dataset(tuple(sorted(default_graphs)), tuple(sorted(named_graphs)))
        arguments["default_graph"] = ox.DefaultGraph()
    else:
        arguments["default_graph"] = [_graph_node(iri) for iri in default_graphs]
    return store, arguments


def _graph_node(iri: str) -> ox.NamedNode:
    """Return a graph name, or raise a BadRequest for a text that is not an absolute IRI."""
    try:
        return ox.NamedNode(iri)
    except ValueError:
        raise BadRequest(f"not an absolute IRI: {iri!r}") from None




def _term_text(term) -> str:
    """Write a pyoxigraph or rdflib term in N-Triples syntax (how substitutions cross processes)."""
    if isinstance(term, (ox.NamedNode, ox.BlankNode, ox.Literal)):
        return str(term)
    if hasattr(term, "n3") and not hasattr(term, "triples"):  # an rdflib term, not a graph
        return term.n3()
    raise TypeError(f"a substitution must be an RDF term, not {type(term).__name__}")


def _parse_term(text: str):
    """Parse one RDF term written in N-Triples syntax (how substitutions cross processes)."""
    quads = list(ox.parse(f"<urn:x:s> <urn:x:p> {text} .".encode(), format=ox.RdfFormat.N_TRIPLES))
    return quads[0].object


def _apply_update(store: ox.Store, sparql: str, base_iri: str | None) -> None:
    """Apply an update and the maintenance of the merged default graph, as one transaction.

    The client's mistakes are reported as BadRequest.
    """
    text, lines_before = maintained_update(sparql, base_iri)
    try:
        store.update(text, base_iri=base_iri)
    except SyntaxError as error:
        raise BadRequest(f"malformed update: {_client_position(str(error), lines_before)}") from None
    except RuntimeError as error:
        # DROP of a graph that does not exist, and other refusals of the update.
        raise BadRequest(f"the update cannot be applied: {error}") from None
    except OSError as error:
        # LOAD of an unreachable or unparsable document, a failed SERVICE.
        raise BadRequest(f"the update failed: {error}") from None


#: Whether this process can reach the network: a query worker behind the network wall sets it to
#: False, and a query that calls an allowed SERVICE is then handed to a worker that can.
NETWORK_REACHABLE = True


class NeedsNetwork(Exception):
    """A query calls an allowed SERVICE, and this process has no network (run it elsewhere)."""


_ERROR_POSITION = re.compile(r"^error at (\d+):")


def _client_position(message: str, lines_before: int) -> str:
    """Return a syntax error message whose line number counts the client's text only."""
    if not lines_before:
        return message
    return _ERROR_POSITION.sub(lambda match: f"error at {int(match.group(1)) - lines_before}:", message)


def _execute(store: ox.Store, merges: MergedDatasets, sparql: str, options: dict) -> QueryResult:
    """Read, judge and run a query on a pyoxigraph store; return its result in the wire formats.

    The engine is given ``text.text``: exactly the text that the fetch guard judged.
    """
    arguments = dict(options)
    max_result_bytes = arguments.pop("max_result_bytes", DEFAULT_MAX_RESULT_BYTES)
    allowlist = arguments.pop("service_allowlist", ())
    text = _analysed_query(sparql, arguments.get("base_iri"))
    fetch_guard.enforce(text, allowlist, lambda iri: _is_stored_graph(store, iri))
    if not NETWORK_REACHABLE and fetch_guard.needs_network(text):
        raise NeedsNetwork()
    store, arguments = _dataset_arguments(store, merges, text, arguments)
    if "substitutions" in arguments:
        arguments["substitutions"] = {
            ox.Variable(name): _parse_term(value) for name, value in arguments["substitutions"].items()
        }
    try:
        answer = store.query(text.text, **arguments)
    except SyntaxError as error:
        raise BadRequest(f"malformed query: {error}") from None
    except (OSError, RuntimeError) as error:  # ASK runs here, and with it its SERVICE calls
        _raise_if_service_failed(text, error)
        if isinstance(error, OSError):
            raise
        raise BadRequest(f"the query cannot be run: {error}") from None
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult(
            "ask", boolean=bool(answer), payload=answer.serialize(format=_SOLUTIONS_WIRE_FORMAT)
        )
    # Solutions are computed while they are written: the cap stops a huge result early, before
    # it fills the memory of the machine (a cross join writes about 100 MB per second).
    output = _CappedBuffer(max_result_bytes)
    try:
        if isinstance(answer, ox.QuerySolutions):
            variables = [variable.value for variable in answer.variables]
            answer.serialize(output=output, format=_SOLUTIONS_WIRE_FORMAT)
            return QueryResult("select", variables=variables, payload=bytes(output.data))
        answer.serialize(output=output, format=_TRIPLES_WIRE_FORMAT)
        return QueryResult("graph", payload=bytes(output.data))
    except ResultTooLarge:
        raise BadRequest(
            f"the result is larger than {max_result_bytes // 1_000_000} MB; "
            "add a LIMIT or narrow the query"
        ) from None
    except (OSError, RuntimeError) as error:  # solutions, and SERVICE calls, are computed here
        _raise_if_service_failed(text, error)
        raise


#: Longest query text whose reading is kept for the next time the same text comes (saved
#: queries, entity pages and dashboards send the same texts again and again).
MAX_REMEMBERED_TEXT = 16_000


@functools.lru_cache(maxsize=256)
def _remembered_analysis(sparql: str, base_iri: str | None) -> SparqlText:
    # Kept without its tokens (nothing in this process reads them again): a few kB per text.
    return dataclasses.replace(analyse_query(sparql, base_iri), tokens=())


def _analysed_query(sparql: str, base_iri: str | None) -> SparqlText:
    """Return the reading of a query text, from the last readings of this process when it is one of them.

    The reading depends on the text and base IRI only, and the text the engine runs is the one
    read (``SparqlText.text``); the fetch guard judges it on every run. A text that cannot be
    read raises again each time (errors are not remembered).
    """
    if len(sparql) > MAX_REMEMBERED_TEXT:
        return analyse_query(sparql, base_iri)
    return _remembered_analysis(sparql, base_iri)


def _is_stored_graph(store: ox.Store, iri: str) -> bool:
    """Return whether a store holds a named graph with this IRI."""
    try:
        return store.contains_named_graph(ox.NamedNode(iri))
    except ValueError:  # not an IRI at all
        return False


def _raise_if_service_failed(text: SparqlText, error: Exception) -> None:
    """Raise a BadGateway naming the SERVICE endpoint if a query calls one and the error is a remote call's.

    The message is the same whatever went wrong (refused, timed out, redirect, HTTP error, not
    SPARQL results): different texts would let a caller scan ports through the server. The
    details go to the log only.
    """
    services = text.services
    if not services:
        return
    detail = f"{type(error).__name__}: {error}"
    # pyoxigraph names the endpoint in some errors (HTTP status, content type), not in others.
    named = [iri for iri in services if iri in detail]
    if len(named) == 1 or len(services) == 1:
        where = f"SERVICE <{(named or services)[0]}>"
    else:
        where = "one of SERVICE " + ", ".join(f"<{iri}>" for iri in services)
    raise BadGateway("the SERVICE endpoint did not give a usable answer", where=where, detail=detail) from None



def error_reply(error: Exception) -> tuple:
    """Return the reply a worker or the writer process sends its parent for an error."""
    if isinstance(error, BadRequest):
        return ("bad-request", error.message, error.where)
    if isinstance(error, BadGateway):
        return ("bad-gateway", error.message, error.where, error.detail)
    return ("error", f"{type(error).__name__}: {error}")  # the parent logs it as an internal error
