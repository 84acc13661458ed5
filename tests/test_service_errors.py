"""An allow-listed SERVICE endpoint that fails, against a real server process: 502, never 500.

The endpoints are a loopback port nothing listens on, and a small HTTP server that answers with
an HTTP error whose body holds a marker that must never reach the client.
"""

from __future__ import annotations

import http.server

import pytest
import requests

from server_process import free_port, http_endpoint_in_thread, start_server

ALLOWLIST_ENV = "SMARTHEALTH_SERVICE_ALLOWLIST"
SECRET = "internal-marker-7f3a"


class FailingEndpoint(http.server.BaseHTTPRequestHandler):
    """Answer every request with a 500 whose body must not be shown to the endpoint's clients."""

    def do_GET(self):
        self._fail()

    def do_POST(self):
        self._fail()

    def _fail(self):
        body = f"stack trace with {SECRET}".encode()
        self.send_response(500)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def failing_endpoint():
    with http_endpoint_in_thread(FailingEndpoint) as url:
        yield url


@pytest.fixture(scope="module")
def closed_endpoint():
    return f"http://127.0.0.1:{free_port()}/sparql"


@pytest.fixture(scope="module")
def server(tmp_path_factory, closed_endpoint, failing_endpoint):
    path = tmp_path_factory.mktemp("service-errors") / "local.trig"
    path.write_text("<urn:smarthealth:test:g> { <urn:smarthealth:test:here> <urn:smarthealth:test:says> 'local' . }\n")
    env = {ALLOWLIST_ENV: f"{closed_endpoint} {failing_endpoint}"}
    with start_server(["--data", str(path)], env=env) as running:
        yield running


#: The one message of a failing SERVICE, whatever went wrong.
FAILED = "the SERVICE endpoint did not give a usable answer"


def query(server, text: str) -> requests.Response:
    return requests.post(
        server.sparql_url, data={"query": text}, headers={"Accept": "application/sparql-results+json"}, timeout=30
    )


@pytest.mark.parametrize("form", ["SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
                                  "ASK {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"], ids=["select", "ask"])
def test_a_refused_connection_is_a_bad_gateway_naming_the_endpoint(server, closed_endpoint, form):
    answer = query(server, form.format(url=closed_endpoint))
    assert answer.status_code == 502, answer.text
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert answer.text == f"SERVICE <{closed_endpoint}>: {FAILED}\n"
    assert "os error" not in answer.text and "Traceback" not in answer.text
    assert "Connection refused" in server.stderr_text()  # the details are in the log


def test_an_http_error_is_a_bad_gateway_without_the_remote_body(server, failing_endpoint):
    text = f"""SELECT ?local ?o WHERE {{
  ?here <urn:smarthealth:test:says> ?local .
  SERVICE <{failing_endpoint}> {{ ?s ?p ?o }}
}}"""
    answer = query(server, text)
    assert answer.status_code == 502, answer.text
    # The same words as for a refused connection: a caller cannot tell a closed port from an
    # open one by the answer (issue 8).
    assert answer.text == f"SERVICE <{failing_endpoint}>: {FAILED}\n"
    assert SECRET not in answer.text


def test_the_failing_endpoint_is_named_among_several(server, closed_endpoint, failing_endpoint):
    text = f"""SELECT * WHERE {{
  SERVICE SILENT <{closed_endpoint}> {{ ?a ?b ?c }}
  SERVICE <{failing_endpoint}> {{ ?s ?p ?o }}
}}"""
    answer = query(server, text)
    assert answer.status_code == 502, answer.text
    assert f"SERVICE <{failing_endpoint}>" in answer.text and closed_endpoint not in answer.text


@pytest.mark.parametrize("endpoint", ["closed", "failing"])
def test_service_silent_gives_one_empty_solution(server, closed_endpoint, failing_endpoint, endpoint):
    url = closed_endpoint if endpoint == "closed" else failing_endpoint
    text = f"""SELECT ?local ?o WHERE {{
  ?here <urn:smarthealth:test:says> ?local .
  SERVICE SILENT <{url}> {{ ?s ?p ?o }}
}}"""
    answer = query(server, text)
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"]["bindings"] == [{"local": {"type": "literal", "value": "local"}}]
