"""Issue 8, items 6-8: no 500 for odd input, the headers of a public server, a production server.

Against a real ``smarthealth serve`` process (gunicorn), as clients on the internet would call it.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
import requests

from server_process import start_server

JSON = {"Accept": "application/sparql-results+json"}
ASK = "ASK { ?s ?p ?o }"


@pytest.fixture(scope="module")
def server(built):
    with start_server(["--data", str(built.dataset_path)]) as running:
        yield running


@pytest.mark.parametrize(
    "path, params, message",
    [
        ("/api/queries/actors", {"page": "\u00b2"}, "parameter 'page'"),
        ("/sparql", {"query": ASK, "default-graph-uri": "//x/rel"}, "not an absolute IRI"),
        ("/sparql", {"query": ASK, "named-graph-uri": "rel/graph"}, "not an absolute IRI"),
        ("/sparql", {"query": ASK, "default-graph-uri": "http://a/ b"}, "not an absolute IRI"),
    ],
)
def test_odd_parameters_are_4xx_naming_the_parameter(server, path, params, message):
    answer = requests.get(server.base_url + path, params=params, headers=JSON, timeout=30)
    assert answer.status_code == 400, answer.text
    assert message in answer.text


def test_two_identical_query_strings_are_refused(server):
    answer = requests.get(server.sparql_url + "?" + "&".join(["query=ASK%7B%7D"] * 2), headers=JSON, timeout=30)
    assert answer.status_code == 400 and "given 2 times" in answer.text


def test_head_answers_like_get_without_a_body(server):
    get = requests.get(server.sparql_url, params={"query": ASK}, headers=JSON, timeout=30)
    head = requests.head(server.sparql_url, params={"query": ASK}, headers=JSON, timeout=30)
    assert head.status_code == get.status_code == 200
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.content == b""
    assert get.json()["boolean"] is True  # the GET it is compared with answered the query


@pytest.mark.parametrize("path", ["/", "/api/docs", "/api/queries/pilot-regions?format=html",
                                  "/nothing-here"])
def test_every_answer_has_nosniff_and_html_answers_a_content_security_policy(server, path):
    answer = requests.get(server.base_url + path, headers={"Accept": "text/html"}, timeout=30)
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    if answer.headers["Content-Type"].startswith("text/html"):
        policy = answer.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "object-src 'none'" in policy


def test_the_server_header_names_no_versions(server):
    answer = requests.get(server.sparql_url, params={"query": ASK}, headers=JSON, timeout=30)
    server_header = answer.headers.get("Server", "")
    assert "Werkzeug" not in server_header and "Python" not in server_header
    assert not any(character.isdigit() for character in server_header), server_header


def threads_of(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


def web_process_pid(server) -> int:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return next(int(child) for child in children
                if b"_worker_entry" not in Path(f"/proc/{child}/cmdline").read_bytes())


def test_held_connections_do_not_cost_a_thread_each(server):
    # Werkzeug's development server started a thread per connection: 300 held, 301 threads.
    # Held here: 150 idle connections and 150 kept alive after one answered request.
    web = web_process_pid(server)
    before = threads_of(web)
    host, port = server.base_url.removeprefix("http://").split(":")
    held = []
    try:
        for number in range(300):
            connection = socket.create_connection((host, int(port)), timeout=5)
            if number % 2:
                connection.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                assert connection.recv(12).startswith(b"HTTP/1.1 200")
            held.append(connection)
        time.sleep(1)
        during = threads_of(web)
        answer = requests.get(server.sparql_url, params={"query": ASK}, headers=JSON, timeout=30)
    finally:
        for connection in held:
            connection.close()
    assert answer.status_code == 200 and answer.json()["boolean"] is True
    assert during - before < 50, f"{before} threads before, {during} with 300 held connections"


def test_the_main_command_runs_gunicorn_and_stops_cleanly(built):
    with start_server(["--data", str(built.dataset_path)]) as running:
        log = running.stderr_text()
        workers = [child for child in Path(f"/proc/{running.pid}/task/{running.pid}/children").read_text().split()]
        pid = running.pid
        running.process.terminate()
        running.process.wait(timeout=20)
    assert "Starting gunicorn" in log and "gthread" in log
    assert running.process.returncode == 0
    time.sleep(0.5)
    assert not Path(f"/proc/{pid}").exists()
    assert all(not Path(f"/proc/{child}").exists() for child in workers)
