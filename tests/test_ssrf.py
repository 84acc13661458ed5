"""Server-side request forgery probes against a real server process.

pyoxigraph evaluates ``SERVICE`` by opening an HTTP connection from the server, so a public
endpoint that runs any query it is given can be made to reach hosts behind its firewall. A plain
TCP listener on a loopback port records every connection: the probes aim at it, and it must never
be contacted. A second real server, allow-listed, shows that federation still works where the
operator allows it.
"""

from __future__ import annotations

import http.server
import time

import pytest
import requests

from server_process import RecordingListener, http_endpoint_in_thread, start_server
from w3c.manifest import suite_dataset, turtle_documents

TOKEN = "ssrf-test-token"
# The setting the endpoint reads for SERVICE endpoints it may call (space- or comma-separated).
ALLOWLIST_ENV = "SMARTHEALTH_SERVICE_ALLOWLIST"


@pytest.fixture(scope="module")
def listener():
    recording = RecordingListener()
    yield recording
    recording.close()


class RedirectTo(http.server.BaseHTTPRequestHandler):
    """Answer every request with a 307 redirect to ``self.server.target``."""

    def do_GET(self):
        self._redirect()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._redirect()

    def _redirect(self):
        self.send_response(307)
        self.send_header("Location", self.server.target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def redirector(listener):
    """An allow-listed "endpoint" that redirects to the listener: allow-listing must not leak."""
    with http_endpoint_in_thread(RedirectTo, target=listener.url("/behind-the-redirect")) as url:
        yield url


@pytest.fixture(scope="module")
def local_trig(tmp_path_factory):
    path = tmp_path_factory.mktemp("ssrf") / "local.trig"
    path.write_text(
        "<urn:smarthealth:test:local> { <urn:smarthealth:test:here> "
        "<urn:smarthealth:test:says> \"local\" . }\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def remote_server(tmp_path_factory):
    """A second real server holding the W3C suite's documents: the allow-listed SERVICE."""
    path = tmp_path_factory.mktemp("remote") / "remote.trig"
    suite_dataset().serialize(destination=path, format="trig")
    with start_server(["--data", str(path)]) as server:
        yield server


@pytest.fixture(scope="module")
def server(local_trig, remote_server, redirector):
    env = {
        "SMARTHEALTH_UPDATE_TOKEN": TOKEN,
        ALLOWLIST_ENV: f"{remote_server.sparql_url} {redirector}",
    }
    with start_server(["--data", str(local_trig)], env=env) as running:
        yield running


def query(server, text: str, method: str = "GET") -> requests.Response:
    headers = {"Accept": "application/sparql-results+json"}
    if method == "GET":
        return requests.get(server.sparql_url, params={"query": text}, headers=headers, timeout=30)
    return requests.post(server.sparql_url, data={"query": text}, headers=headers, timeout=30)


def update(server, text: str) -> requests.Response:
    return requests.post(
        server.sparql_url, data=text.encode("utf-8"),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )


def assert_refused(answer: requests.Response, clause: str) -> None:
    assert answer.status_code == 400, f"{clause}: {answer.status_code} {answer.text[:300]}"
    assert clause in answer.text, f"the error does not name {clause}: {answer.text[:300]}"
    assert "Traceback" not in answer.text


def assert_not_contacted(listener: RecordingListener) -> None:
    time.sleep(0.3)  # let a connection attempt, if any, reach the listener's accept loop
    assert listener.connections == [], f"the server connected to the probe: {listener.connections}"


QUERY_PROBES = [
    ("SERVICE", "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", "/sparql"),
    ("SERVICE", "select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}", "/sparql"),
    ("SERVICE", "PREFIX hidden: <{base}>\nSELECT * WHERE {{ SERVICE hidden:sparql {{ ?s ?p ?o }} }}",
     "/sparql"),
    ("SERVICE", "SELECT * WHERE {{ VALUES ?endpoint {{ <{url}> }} SERVICE ?endpoint {{ ?s ?p ?o }} }}",
     "/sparql"),
    ("SERVICE", "ASK {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}", "/sparql"),
    ("FROM NAMED", "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", "/x"),
    ("FROM", "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}", "/x"),
]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("clause, template, path", QUERY_PROBES,
                         ids=[f"{p[0]}-{i}" for i, p in enumerate(QUERY_PROBES)])
def test_query_probe_is_refused_without_contacting_the_target(clause, template, path, method,
                                                               server, listener):
    text = template.format(url=listener.url(path), base=listener.url("/"))
    answer = query(server, text, method)
    if "VALUES ?endpoint" in text or "FILTER EXISTS" in text:
        # A variable or nested SERVICE: refusing it is right, whatever words the message uses.
        assert answer.status_code == 400, answer.text[:300]
    else:
        assert_refused(answer, clause)
    assert_not_contacted(listener)


@pytest.mark.parametrize("text, clause", [
    ("LOAD <{url}>", "LOAD"),
    ("LOAD SILENT <{url}> INTO GRAPH <urn:smarthealth:test:loaded>", "LOAD"),
    ("INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", "SERVICE"),
    ("INSERT {{ ?s ?p ?o }} USING <{url}> WHERE {{ ?s ?p ?o }}", "USING"),
], ids=["load", "load-silent-into", "insert-where-service", "using"])
def test_update_probe_with_the_token_is_refused_without_contacting_the_target(text, clause,
                                                                                server, listener):
    answer = update(server, text.format(url=listener.url("/x")))
    # USING only selects stored graphs (never fetched); the endpoint refuses a fetchable IRI
    # that is not a stored graph all the same, so that no clause is ever a fetch.
    assert_refused(answer, clause)
    assert_not_contacted(listener)


@pytest.mark.parametrize("probe, clause", [
    ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "FROM"),
    ("SELECT * WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } }", "SERVICE"),
], ids=["from-file", "service-file"])
def test_file_iris_read_nothing(probe, clause, server):
    answer = query(server, probe)
    assert_refused(answer, clause)
    assert "root:" not in answer.text and "/bin/" not in answer.text


def test_load_file_iri_reads_nothing(server):
    answer = update(server, "LOAD <file:///etc/passwd> INTO GRAPH <urn:smarthealth:test:passwd>")
    assert_refused(answer, "LOAD")
    assert "root:" not in answer.text
    check = query(server, "ASK { GRAPH <urn:smarthealth:test:passwd> { ?s ?p ?o } }")
    assert check.status_code == 200 and check.json()["boolean"] is False


def test_allow_listed_service_is_federated(server, remote_server, listener):
    text = f"""SELECT ?doc ?local WHERE {{
  ?here <urn:smarthealth:test:says> ?local .
  SERVICE <{remote_server.sparql_url}> {{ ?doc a <http://xmlns.com/foaf/0.1/Document> }}
}}"""
    answer = query(server, text)
    assert answer.status_code == 200, answer.text[:500]
    rows = {(b["doc"]["value"], b["local"]["value"]) for b in answer.json()["results"]["bindings"]}
    assert rows == {(iri, "local") for iri in turtle_documents()}
    assert_not_contacted(listener)


def test_allow_listed_endpoint_cannot_redirect_the_server_elsewhere(server, redirector, listener):
    answer = query(server, f"SELECT * WHERE {{ SERVICE <{redirector}> {{ ?s ?p ?o }} }}")
    assert answer.status_code >= 400, answer.text[:300]
    assert "Traceback" not in answer.text
    assert_not_contacted(listener)


def test_allow_list_matches_the_endpoint_exactly(server, remote_server):
    # Same host and port as the allowed endpoint, another path: still refused.
    other = remote_server.sparql_url.replace("/sparql", "/other")
    answer = query(server, f"SELECT * WHERE {{ SERVICE <{other}> {{ ?s ?p ?o }} }}")
    assert_refused(answer, "SERVICE")


def test_local_named_graph_in_from_is_answered(server):
    # FROM naming a graph of the store is an ordinary query, not a fetch.
    answer = query(server, "SELECT ?o FROM <urn:smarthealth:test:local> WHERE { ?s ?p ?o }")
    assert answer.status_code == 200, answer.text[:300]
    assert [b["o"]["value"] for b in answer.json()["results"]["bindings"]] == ["local"]
