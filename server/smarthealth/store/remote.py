"""Any SPARQL 1.1 engine behind the endpoint, through the SPARQL 1.1 Protocol and the Graph Store Protocol.

The front end (protocol checks, fetch guard, saved queries, limits) stays as it is; this store
only forwards queries and updates, and makes the engine answer as the embedded store does:

- **Default graph.** Ours is the RDF merge of all named graphs (a set: a triple held by two graphs
  counts once). Engines' union default graphs (Virtuoso's, ``oxigraph serve --union-default-graph``)
  repeat such a triple, and so do several ``FROM`` clauses. So the merge is materialised in the
  graph ``UNION_GRAPH`` (by ``smarthealth publish`` and after every update through this store, in
  a second update request: appending it to the client's text would need a full parse), and
  a query without a dataset of its own runs with ``default-graph-uri=UNION_GRAPH`` and one
  ``named-graph-uri`` per named graph (Virtuoso would otherwise offer its system graphs to
  ``GRAPH ?g``). A query with ``FROM`` / ``FROM NAMED``, or a request with its own graph lists,
  keeps its dataset; only named graph lists leave the default graph empty (an unstored graph).
- **Engine graphs.** Graphs an engine keeps for itself (Virtuoso's ``virtrdf#``, ``ldp#``, its
  service description) are not ours: not listed, not merged, not counted.
- **DESCRIBE.** The embedded store answers with the Concise Bounded Description (the resource's
  triples, and those of blank nodes reached from them); Virtuoso is asked for the same with its
  ``sql:describe-mode "CBD"`` pragma (its default mode answers differently).
- **Blank nodes.** Labels are each engine's own (Virtuoso writes ``nodeID://b10000`` in JSON, which
  is no valid label); they are rewritten to valid labels, the same within one result.
- **Time limits and sizes.** A query's time limit is the HTTP timeout (503 past it); a Virtuoso
  answer cut short by its own execution limit (``X-SQL-State: S1TAT``, partial results) is a 503
  too, never a partial answer; a result larger than the cap is refused as in the embedded store.
- **Errors.** An engine's 400 is the client's mistake (400 with the engine's first line); anything
  else (refused connection, 5xx, 401/403, an unreadable answer) is a 502 naming the back end, with
  the engine's text in the log only.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import requests

from ..errors import BadGateway, BadRequest, Forbidden, QueryTimeout
from .. import fetch_guard
from ..sparql_text import SparqlText, analyse_query
from .base import DEFAULT_MAX_RESULT_BYTES, DEFAULT_TIMEOUT_S, SparqlStore
from .remote_http import (
    EXTRA_RDF_TYPES,
    ChallengeAuth,
    first_line,
    graph_result,
    parses,
    public_url,
    solutions_result,
)
from .results import GRAPH_FORMATS, QueryResult

log = logging.getLogger(__name__)

#: The graph that holds the RDF merge of all named graphs: the default graph of queries.
UNION_GRAPH = "urn:smarthealth:union"
#: A graph never written: the default graph of a request that names only named graphs.
EMPTY_GRAPH = "urn:smarthealth:empty"
#: Prefix of graphs ``smarthealth publish`` loads into before moving them into place.
STAGING_GRAPH_PREFIX = "urn:smarthealth:staging:"

#: Graphs an engine keeps for itself: Virtuoso's RDF views, LDP vocabulary, service description
#: (``http://{URIQA DefaultHost}/sparql``) and WebDAV folders.
ENGINE_GRAPHS = re.compile(
    r"^(http://www\.openlinksw\.com/|http://www\.w3\.org/ns/ldp#$|http://[^/]+/sparql$|http://[^/]+/DAV/)"
)

#: Graphs of this store's own bookkeeping, never part of the data.
OWN_GRAPHS = re.compile(rf"^({re.escape(UNION_GRAPH)}|{re.escape(EMPTY_GRAPH)}|{re.escape(STAGING_GRAPH_PREFIX)})")

#: How long the list of named graphs is reused before it is asked again (changes made outside
#: this front end show after at most this long; its own updates show at once).
GRAPH_LIST_TTL_S = 5.0

#: What the engine is asked to answer, per result kind.
_ACCEPT = {
    "select": "application/sparql-results+json",
    "ask": "application/sparql-results+json",
    "graph": "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5",
    None: "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8",
}
_FORM_KINDS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}

class RemoteStore(SparqlStore):
    """A SPARQL 1.1 engine reached over HTTP, answering as the embedded store does."""

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        gsp_url: str | None = None,
        user: str | None = None,
        password: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES,
        service_allowlist: frozenset[str] = frozenset(),
    ):
        self.query_url = query_url
        #: SERVICE and LOAD endpoints a query or update may call (normalised IRIs). The engine has
        #: its own HTTP client; the fetch guard, judging the text the engine is sent, is the wall.
        self.service_allowlist = frozenset(service_allowlist)
        self.update_url = update_url
        self.gsp_url = gsp_url
        self.default_timeout_s = timeout_s
        self.max_result_bytes = max_result_bytes
        self.name = f"SPARQL back end {public_url(query_url)}"
        #: The engine, from the Server header of its first answer (e.g. "Virtuoso/07.20.3229"):
        #: Virtuoso's differences are handled only when it says it is Virtuoso.
        self.engine: str | None = None
        self._session = requests.Session()
        if user:
            self._session.auth = ChallengeAuth(user, password or "")
        self._generation = 0
        self._graphs: tuple[float, int, list[str]] | None = None
        self._lock = threading.Lock()

    # -- HTTP ------------------------------------------------------------------------------

    def _send(self, method: str, url: str, *, accept: str, timeout_s: float, what: str,
              **arguments) -> requests.Response:
        """Send a protocol request; map network failures and engine errors to the project's errors."""
        headers = {"Accept": accept, **arguments.pop("headers", {})}
        try:
            response = self._session.request(
                method, url, headers=headers, timeout=(10, timeout_s), stream=True, **arguments
            )
        except requests.Timeout:
            raise QueryTimeout(f"the {what} ran past its time limit of {timeout_s:g} s") from None
        except requests.RequestException as error:
            raise BadGateway(f"the {self.name} could not be reached",
                             detail=f"{type(error).__name__}: {error}") from None
        if self.engine is None:  # "" when the engine does not say (then no engine's quirks apply)
            self.engine = response.headers.get("Server", "")
        if response.status_code == 400:
            reason = first_line(response.text)
            sparql = dict(arguments.get("data") or []).get(what)
            if sparql is not None and parses(sparql, what):
                # A query the SPARQL grammar allows, refused by this engine: not the client's fault.
                raise BadGateway(f"the {self.name} could not run the {what}: {reason}",
                                 detail=response.text[:2000])
            raise BadRequest(f"the {self.name} refused the {what}: {reason}")
        if response.status_code >= 300:
            detail = f"HTTP {response.status_code}: {response.text[:2000]}"
            response.close()
            # The engine's first line says why (Virtuoso: "SPARUL_DROP() failed: graph <g> has not
            # been explicitly created before"); the rest (often the query again) goes to the log.
            reason = first_line(response.text) if response.status_code >= 500 else "access refused"
            raise BadGateway(f"the {self.name} answered the {what} with HTTP {response.status_code}: "
                             f"{reason}", detail=detail)
        if response.headers.get("X-SQL-State") == "S1TAT":
            # Virtuoso's "anytime query": the answer holds what was found before its own limit.
            response.close()
            raise QueryTimeout(f"the {what} ran past the time limit of the {self.name}")
        return response

    def _read_capped(self, response: requests.Response, timeout_s: float) -> bytes:
        """Read a response body, refusing one past the result size cap."""
        body = bytearray()
        try:
            for chunk in response.iter_content(65536):
                body += chunk
                if len(body) > self.max_result_bytes:
                    response.close()
                    raise BadRequest(
                        f"the result is larger than {self.max_result_bytes // 1_000_000} MB; "
                        "add a LIMIT or narrow the query"
                    )
        except requests.Timeout:
            raise QueryTimeout(f"the query ran past its time limit of {timeout_s:g} s") from None
        except requests.RequestException as error:
            raise BadGateway(f"the {self.name} broke off its answer",
                             detail=f"{type(error).__name__}: {error}") from None
        return bytes(body)

    def probe(self) -> None:
        """Ask the engine a trivial question, so that a wrong URL is reported at start-up."""
        self.query("ASK {}", timeout_s=min(self.default_timeout_s, 30.0))

    def warm_up(self) -> None:
        """Probe the engine at start-up; an engine that is down is logged, not fatal (502s until it is up)."""
        try:
            self.probe()
        except (BadGateway, BadRequest, QueryTimeout) as error:
            log.warning("the %s does not answer yet: %s", self.name, getattr(error, "detail", None) or error)

    # -- queries ---------------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: list[str] | None = None,
        named_graph_uris: list[str] | None = None,
        substitutions: dict | None = None,
        timeout_s: float | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        if substitutions:
            raise TypeError("the remote store takes no substitutions; bind values with a VALUES block")
        timeout_s = self.default_timeout_s if timeout_s is None else timeout_s
        # Read and judged once here; the engine is sent the judged text (no worker runs a remote
        # query, so this is the one place where the text is read).
        analysed = analyse_query(sparql, base_iri)
        fetch_guard.enforce(analysed, self.service_allowlist, lambda iri: iri in self.named_graphs())
        form = analysed.form
        kind = _FORM_KINDS.get(form or "")
        text = analysed.text
        if base_iri and not _has_base(analysed):
            text = f"BASE <{_checked_iri(base_iri)}>\n{text}"
        if form == "DESCRIBE" and self._is_virtuoso():
            text = f'define sql:describe-mode "CBD"\n{text}'
        data = [("query", text)] + self._dataset_parameters(analysed, default_graph_uris, named_graph_uris)
        response = self._send("POST", self.query_url, data=data, accept=_ACCEPT[kind], timeout_s=timeout_s, what="query")
        body = self._read_capped(response, timeout_s)
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        try:
            canonical = self._is_virtuoso()
            if media_type in ("application/sparql-results+json", "application/json"):
                return solutions_result(body, canonical_booleans=canonical)
            rdf_format = GRAPH_FORMATS.get(media_type) or EXTRA_RDF_TYPES.get(media_type)
            if rdf_format is None:
                raise ValueError(f"unexpected media type {media_type!r}")
            return graph_result(body, rdf_format, canonical_booleans=canonical)
        except (ValueError, SyntaxError) as error:
            raise BadGateway(f"the {self.name} answered with something that cannot be read",
                             detail=f"{media_type}: {error}") from None

    def _dataset_parameters(self, analysed: SparqlText, default_graph_uris, named_graph_uris) -> list[tuple[str, str]]:
        """Return the protocol's dataset parameters that give the query the embedded store's dataset."""
        if default_graph_uris or named_graph_uris:
            # A list left out is empty (SPARQL 1.1 Protocol 2.1.4): an unstored graph stands for it,
            # since an engine given no list takes all its graphs (Virtuoso does for named graphs).
            defaults = list(default_graph_uris or []) or [EMPTY_GRAPH]
            named = list(named_graph_uris or []) or [EMPTY_GRAPH]
            return [("default-graph-uri", iri) for iri in defaults] + [("named-graph-uri", iri) for iri in named]
        if analysed.has_dataset_clause:  # the query's own FROM / FROM NAMED
            from_named = bool(analysed.named_graphs)
            if not from_named and self._is_virtuoso():
                # After FROM without FROM NAMED, Virtuoso offers all its graphs to GRAPH ?g, where
                # the query's dataset has none; it adds protocol graphs to the query's own.
                return [("named-graph-uri", EMPTY_GRAPH)]
            return []
        return [("default-graph-uri", UNION_GRAPH)] + [
            ("named-graph-uri", iri) for iri in self.named_graphs()]

    def _is_virtuoso(self) -> bool:
        if self.engine is None:
            self.probe()
        return (self.engine or "").lower().startswith("virtuoso")

    # -- data ------------------------------------------------------------------------------

    @property
    def generation(self) -> int:
        return self._generation

    def named_graphs(self) -> list[str]:
        with self._lock:
            if self._graphs and self._graphs[1] == self._generation and \
                    time.monotonic() - self._graphs[0] < GRAPH_LIST_TTL_S:
                return list(self._graphs[2])
        graphs = sorted(iri for iri in self._all_graph_iris() if not ENGINE_GRAPHS.match(iri) and not OWN_GRAPHS.match(iri))
        with self._lock:
            self._graphs = (time.monotonic(), self._generation, graphs)
        return list(graphs)

    def _all_graph_iris(self) -> list[str]:
        """Return the IRIs of every graph the engine holds (its own ones included)."""
        # No dataset parameters: GRAPH ?g then ranges over all the engine's graphs. The empty
        # pattern is the cheap question, but Virtuoso answers it with nothing; its cheap form is
        # GROUP BY (SELECT DISTINCT over all its quads takes 20 s on a fresh Virtuoso).
        for sparql in ("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }",
                       "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"):
            response = self._send("POST", self.query_url, data=[("query", sparql)], accept=_ACCEPT["select"],
                                  timeout_s=self.default_timeout_s, what="query")
            result = solutions_result(self._read_capped(response, self.default_timeout_s))
            graphs = [row["g"].value for row in result.rows if isinstance(row.get("g"), ox.NamedNode)]
            if graphs:
                return graphs
        return []

    def graph_values(self, graphs: list[str] | None = None) -> str:
        """Return a ``VALUES ?g { ... }`` block of named graphs (all of ours by default)."""
        graphs = self.named_graphs() if graphs is None else graphs
        return "VALUES ?g { " + " ".join(str(ox.NamedNode(iri)) for iri in graphs) + " }"

    def __len__(self) -> int:
        sparql = f"SELECT (COUNT(*) AS ?n) WHERE {{ {self.graph_values()} GRAPH ?g {{ ?s ?p ?o }} }}"
        return int(self.query(sparql, timeout_s=300).rows[0]["n"].value)

    def dump(self, media_type: str = "application/n-quads") -> bytes:
        rdf_format = GRAPH_FORMATS.get(media_type)
        if rdf_format is None or not rdf_format.supports_datasets:
            raise ValueError(f"a dataset cannot be dumped as {media_type}")
        sparql = f"SELECT ?s ?p ?o ?g WHERE {{ {self.graph_values()} GRAPH ?g {{ ?s ?p ?o }} }}"
        rows = self.query(sparql, timeout_s=300).rows
        return ox.serialize([ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows], format=rdf_format)

    def load(self, path: Path) -> None:
        from .publish import publish_file

        publish_file(Path(path), self)

    # -- updates ---------------------------------------------------------------------------

    def update(
        self,
        sparql: str,
        *,
        using_graph_uris: list[str] | None = None,
        using_named_graph_uris: list[str] | None = None,
        base_iri: str | None = None,
    ) -> None:
        analysed, sparql = fetch_guard.checked_update(
            sparql, base_iri=base_iri, service_allowlist=self.service_allowlist,
            is_stored_graph=lambda iri: iri in self.named_graphs(),
            using_graph_uris=using_graph_uris, using_named_graph_uris=using_named_graph_uris)
        if base_iri and not _has_base(analysed):
            sparql = f"BASE <{_checked_iri(base_iri)}>\n{sparql}"
        self.run_update(sparql)
        # A second request: appending to the client's text would need a full parse to be safe.
        self.refresh_union()

    def run_update(self, sparql: str, timeout_s: float | None = None) -> None:
        """Send an update as it is to the engine's update endpoint."""
        if not self.update_url:
            raise Forbidden(f"the {self.name} takes no updates here (no update endpoint configured)")
        response = self._send("POST", self.update_url, data=[("update", sparql)], accept="*/*",
                              timeout_s=timeout_s or self.default_timeout_s, what="update")
        response.close()
        with self._lock:
            self._generation += 1
            self._graphs = None

    def put_graph(self, graph: str, ntriples: bytes, timeout_s: float = 300.0) -> None:
        """Replace a graph with N-Triples through the Graph Store Protocol (or one update without it)."""
        if self.gsp_url:
            response = self._send("PUT", self.gsp_url, params={"graph": graph}, data=ntriples,
                                  headers={"Content-Type": "application/n-triples"}, accept="*/*",
                                  timeout_s=timeout_s, what="graph upload")
            response.close()
            with self._lock:
                self._generation += 1
                self._graphs = None
            return
        # INSERT {..} WHERE {} rather than INSERT DATA: Virtuoso refuses blank nodes in INSERT DATA;
        # one request keeps a blank node's triples together (one node, not one per request).
        target = ox.NamedNode(graph)
        self.run_update(f"CLEAR SILENT GRAPH {target} ;\nINSERT {{ GRAPH {target} {{\n"
                        f"{ntriples.decode('utf-8')}\n}} }} WHERE {{}}", timeout_s)

    def refresh_union(self, timeout_s: float = 300.0) -> None:
        """Make UNION_GRAPH the RDF merge of the named graphs again, in one update request."""
        # CLEAR, then ADD each graph (a graph is a set: a triple of two graphs is held once). One
        # request, so one transaction where the engine has them: 15 refreshes of the built graph
        # under a reader counting the merge, the reader saw only full counts on both engines.
        # Faster than a difference: Virtuoso takes 5 s for one INSERT ... WHERE over all graphs,
        # 1.5 s for a DELETE of what no graph holds, 0.2 s for CLEAR and the ADDs.
        union = ox.NamedNode(UNION_GRAPH)
        operations = [f"CLEAR SILENT GRAPH {union}"] + [
            f"ADD SILENT GRAPH {ox.NamedNode(iri)} TO GRAPH {union}" for iri in self.named_graphs()]
        self.run_update(" ;\n".join(operations), timeout_s)

    def close(self) -> None:
        self._session.close()


def _has_base(analysed: SparqlText) -> bool:
    """Return whether the text declares its own BASE (then the request's base IRI does not apply)."""
    return any(token.keyword == "BASE" for token in analysed.tokens)


def _checked_iri(iri: str) -> str:
    """Return an IRI that cannot break out of ``<...>``."""
    return ox.NamedNode(iri).value
