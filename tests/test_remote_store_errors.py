"""The remote store's answers to an engine that misbehaves: an HTTP endpoint in a thread on loopback.

Each request's behaviour is chosen by the query text (a comment naming it), so one endpoint
serves every case: slow, cut short by the engine's own limit, failing, unreadable, too large.
"""

from __future__ import annotations

import base64
import http.server
import json
import time
import urllib.parse

import pytest

from server_process import http_endpoint_in_thread
from smarthealth.errors import BadGateway, BadRequest, QueryTimeout
from smarthealth.store.remote import RemoteStore

SECRET = "engine-internal-7c1e"
EMPTY_RESULTS = json.dumps({"head": {"vars": ["g"]}, "results": {"bindings": []}}).encode()


class MisbehavingEngine(http.server.BaseHTTPRequestHandler):
    """A SPARQL endpoint that does what the query's ``#case`` string says."""

    protocol_version = "HTTP/1.1"

    def do_POST(self):
        form = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        query = form.get("query", [""])[0]
        case = query.split("#case ")[1].split()[0] if "#case " in query else "graphs"
        headers = {"Content-Type": "application/sparql-results+json"}
        status, body = 200, EMPTY_RESULTS
        if case == "slow":
            time.sleep(2)
        elif case == "anytime":  # Virtuoso's partial answer past its MaxQueryExecutionTime
            headers["X-SQL-State"] = "S1TAT"
        elif case == "failing":
            status, body = 500, f"Virtuoso 42000 Error out of memory\n{SECRET}".encode()
        elif case == "unreadable":
            body = b"<html>maintenance</html>"
        elif case == "large":
            bindings = [{"g": {"type": "literal", "value": "x" * 1000}}] * 200
            body = json.dumps({"head": {"vars": ["g"]}, "results": {"bindings": bindings}}).encode()
        elif case == "syntax":
            status, body = 400, b"Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error\n\nSPARQL query: ..."
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def store():
    with http_endpoint_in_thread(MisbehavingEngine) as url:
        remote = RemoteStore(url, timeout_s=0.5, max_result_bytes=100_000)
        yield remote
        remote.close()


def ask(case: str) -> str:
    # In a string: the store blanks comments before the engine sees the text.
    return f'SELECT ?g WHERE {{ ?g ?p ?o FILTER(?o != "#case {case} ") }}\n'


def test_query_past_the_time_limit_is_503(store):
    with pytest.raises(QueryTimeout, match="time limit of 0.5 s"):
        store.query(ask("slow"))


def test_engine_answer_cut_short_by_its_own_limit_is_503_not_a_partial_answer(store):
    with pytest.raises(QueryTimeout, match="time limit of the SPARQL back end"):
        store.query(ask("anytime"))


def test_engine_failure_is_502_naming_the_back_end_with_details_only_in_the_log(store):
    with pytest.raises(BadGateway) as raised:
        store.query(ask("failing"))
    assert str(raised.value).startswith(f"the SPARQL back end {store.query_url} answered the query with HTTP 500")
    assert SECRET not in str(raised.value) and SECRET in raised.value.detail


def test_unreadable_answer_is_502(store):
    with pytest.raises(BadGateway, match="cannot be read"):
        store.query(ask("unreadable"))


def test_result_past_the_size_cap_is_400(store):
    with pytest.raises(BadRequest, match="larger than 0 MB"):
        store.query(ask("large"))


def test_syntax_error_is_400_with_the_engines_reason(store):
    with pytest.raises(BadRequest, match="SP030: SPARQL compiler, line 1: syntax error"):
        store.query('SELECT ?g WHERE { ?g ?p "#case syntax " \n')


def test_valid_query_the_engine_refuses_is_502(store):
    with pytest.raises(BadGateway, match="could not run the query"):
        store.query(ask("syntax"))


class BasicAuthEngine(http.server.BaseHTTPRequestHandler):
    """An update endpoint behind HTTP Basic authentication (as Fuseki and GraphDB set it up)."""

    protocol_version = "HTTP/1.1"
    expected = "Basic " + base64.b64encode(b"editor:s3cret").decode()

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.seen.append((self.headers.get("Authorization"), body))
        granted = self.headers.get("Authorization") == self.expected
        self.send_response(204 if granted else 401)
        if not granted:
            self.send_header("WWW-Authenticate", 'Basic realm="sparql"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_credentials_answer_a_basic_challenge_and_the_update_is_resent():
    seen = []
    with http_endpoint_in_thread(BasicAuthEngine, seen=seen) as url:
        store = RemoteStore(url, update_url=url, user="editor", password="s3cret")
        store.run_update("CLEAR SILENT GRAPH <urn:test:g>")
        store.run_update("CLEAR SILENT GRAPH <urn:test:h>")
        store.close()
    # The first update is refused, then resent with Basic credentials; later ones carry them at once.
    assert [authorization for authorization, _ in seen] == [None, BasicAuthEngine.expected, BasicAuthEngine.expected]
    assert seen[0][1] == seen[1][1] and b"urn%3Atest%3Ag" in seen[1][1]
