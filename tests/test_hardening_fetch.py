"""Issue 8, item 1: no query or update makes the server fetch anything, by any encoding.

A corpus of fetch attempts (every clause that can fetch or select a dataset, every form of a
loopback address, codepoint escapes, comments, escaped names, keyword-prefixed names, long texts)
goes to a real ``smarthealth serve`` process; each aims at a loopback canary that records every
connection, and the canary must record none. The escape attack of the issue reached the canary
before this change (rdflib and Oxigraph read the text differently).

The second wall is tested on its own: a process that enters the network namespace of the query
workers cannot reach the canary even when it tries directly.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from server_process import RecordingListener, start_server

TOKEN = "hardening-token"
JSON = {"Accept": "application/sparql-results+json, text/turtle;q=0.9"}


@pytest.fixture(scope="module")
def canary():
    listener = RecordingListener()
    yield listener
    listener.close()


@pytest.fixture(scope="module")
def server(built):
    env = {"SMARTHEALTH_UPDATE_TOKEN": TOKEN}
    with start_server(["--data", str(built.dataset_path)], env=env) as running:
        yield running


def loopback_forms(port: int) -> list[str]:
    """Return many spellings of an http URL on this machine's loopback, all aimed at ``port``."""
    return [
        f"http://127.0.0.1:{port}/sparql",
        f"HTTP://127.0.0.1:{port}/",
        f"http://localhost:{port}/",
        f"http://localhost.:{port}/",
        f"http://127.1:{port}/",
        f"http://0:{port}/",
        f"http://0.0.0.0:{port}/",
        f"http://2130706433:{port}/",
        f"http://0x7f000001:{port}/",
        f"http://0x7f.1:{port}/",
        f"http://017700000001:{port}/",
        f"http://[::1]:{port}/",
        f"http://[::ffff:127.0.0.1]:{port}/",
        f"http://user:secret@127.0.0.1:{port}/",
        f"http://127.0.0.1:{port}@example.org/",
        f"http://127.0.0.2:{port}/",
        f"https://127.0.0.1:{port}/",
    ]


def escaped(text: str) -> str:
    """Write every character of ``text`` as a \\u codepoint escape."""
    return "".join(f"\\u{ord(character):04X}" for character in text)


QUERY_TEMPLATES = [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * {{ SERVICE<{url}>{{ ?s ?p ?o }} }}",
    "PREFIX h: <{url}> SELECT * {{ SERVICE h: {{ ?s ?p ?o }} }}",
    "PREFIX h: <{url}> SELECT * {{ SERVICEh: {{ ?s ?p ?o }} }}",
    "PREFIX : <{url}> SELECT * {{ SERVICESILENT: {{ ?s ?p ?o }} }}",
    "BASE <{url}> SELECT * {{ SERVICE <> {{ ?s ?p ?o }} }}",
    "SELECT * {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
    "ASK {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * {{ {{ SELECT * {{ OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "DESCRIBE ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    # Codepoint escapes: in the keyword, in the IRI, in the quote that would end a string.
    "SELECT * {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * {{ OPTIONAL {{ ?s ?p 'x\\u0027 }} SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * {{ OPTIONAL {{ ?s ?p 'x\\u0027 . ?s ?p ' }} SERVICE <{url}> {{ ?s ?p ?o }} # '",
    # The attack, complete for both readers: rdflib saw a string up to the last quote and
    # closed the groups after it; Oxigraph saw a comment there and ran the SERVICE.
    "SELECT * {{ OPTIONAL {{ ?s ?p 'x\\u0027 . ?s ?p ' }} SERVICE <{url}> {{ ?s ?p ?o }} # ' }}\n}}",
    'SELECT * {{ OPTIONAL {{ ?s ?p "x\\u0022 . ?s ?p " }} SERVICE <{url}> {{ ?s ?p ?o }} # " }}\n}}',
    "SELECT * {{ ?s ?p \"x\\u0022 }} SERVICE <{url}> {{ ?s ?p ?o }} # \"",
    "SELECT * {{ SERVICE \\u003C{url}> {{ ?s ?p ?o }} }}",
    "SELECT * {{ SERVICE <ESCAPED_URL> {{ ?s ?p ?o }} }}",
    # Comments: one that a CR ends, one with the clause after it on the next line.
    "SELECT * {{ ?s ?p ?o # note\rSERVICE <{url}> {{ ?a ?b ?c }} }}",
    "SELECT * {{ ?s ?p ?o # SERVICE <http://nowhere.invalid/>\nSERVICE <{url}> {{ ?a ?b ?c }} }}",
    # Escaped local names that a naive scanner reads as a comment or a string.
    "PREFIX : <http://a/> SELECT * {{ :a\\#b ?p ?o . SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "PREFIX : <http://a/> SELECT * {{ :a\\' ?p ?o . SERVICE <{url}> {{ ?s ?p ?o }} }} # '",
    # Dataset clauses that would name a remote document.
    "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "PREFIX : <{url}> SELECT * FROM: {{ ?s ?p ?o }}",
]

UPDATE_TEMPLATES = [
    "LOAD <{url}>",
    "LOAD SILENT <{url}> INTO GRAPH <urn:x>",
    "LOAD<{url}>",
    "PREFIX : <{url}> LOADSILENT:",
    "\\u004COAD <{url}>",
    "INSERT DATA {{ <urn:a> <urn:b> 'x\\u0027 }} ; LOAD <{url}> ; INSERT DATA {{ <urn:a> <urn:b> 'y' }}",
    "INSERT {{ GRAPH <urn:g> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "INSERT {{ GRAPH <urn:g> {{ ?s ?p ?o }} }} USING <{url}> WHERE {{ ?s ?p ?o }}",
]


def corpus(templates: list[str], port: int) -> list[str]:
    texts = []
    for url in loopback_forms(port):
        for template in templates:
            texts.append(template.replace("ESCAPED_URL", escaped(url)).format(url=url))
    # Long texts: past the old 64,000-character limit of the parse, with the clause at the end.
    padding = "# " + "padding " * 10_000 + "\n"
    texts.append(f"SELECT * {{ {padding} SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}")
    texts.append(f"SELECT * {{ ?s ?p '{'x' * 70_000}' . SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}")
    return texts


def test_no_query_of_the_corpus_reaches_the_canary(server, canary):
    texts = corpus(QUERY_TEMPLATES, canary.port)
    statuses: dict[int, int] = {}
    for number, text in enumerate(texts):
        method = requests.get if number % 2 == 0 and len(text) < 8000 else requests.post
        payload = {"params": {"query": text}} if method is requests.get else {"data": {"query": text}}
        answer = method(server.sparql_url, headers=JSON, timeout=30, **payload)
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        assert answer.status_code < 500, f"{answer.status_code} for {text[:200]!r}: {answer.text[:300]}"
        assert "Traceback" not in answer.text
    print(f"\nfetch corpus: {len(texts)} queries, statuses {statuses}, canary hits {len(canary.connections)}")
    assert canary.connections == [], f"the server connected to the canary: {canary.connections[:3]}"
    assert statuses.get(200, 0) < len(texts) // 10, statuses  # nearly all refused outright


def test_no_update_of_the_corpus_reaches_the_canary_even_with_the_token(server, canary):
    texts = corpus(UPDATE_TEMPLATES, canary.port)[:-2]
    for text in texts:
        answer = requests.post(
            server.sparql_url, data=text.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
            timeout=30,
        )
        assert 400 <= answer.status_code < 500, f"{answer.status_code} for {text[:200]!r}: {answer.text[:300]}"
    assert canary.connections == [], f"the server connected to the canary: {canary.connections[:3]}"


def test_the_server_log_says_which_network_wall_is_up(server):
    log = server.stderr_text()
    assert "network wall for query workers" in log
    if "network wall for query workers up" not in log:
        pytest.skip("this machine gives no network namespace to the workers: " + log[-300:])


WALLED_CONNECT = """
import socket, sys
from smarthealth.store.network_wall import enter_empty_network_namespace
why_not = enter_empty_network_namespace()
if why_not:
    print("DOWN", why_not); sys.exit(0)
probe = socket.socket()
probe.settimeout(3)
print("UP", probe.connect_ex(("127.0.0.1", int(sys.argv[1]))))
"""


def test_behind_the_wall_a_direct_connection_to_the_canary_fails(canary):
    before = len(canary.connections)
    answer = subprocess.run([sys.executable, "-c", WALLED_CONNECT, str(canary.port)],
                            capture_output=True, text=True, timeout=30)
    assert answer.returncode == 0, answer.stderr
    if answer.stdout.startswith("DOWN"):
        pytest.skip(f"no network namespace here: {answer.stdout.strip()}")
    status, code = answer.stdout.split()
    assert status == "UP" and code != "0", answer.stdout
    assert len(canary.connections) == before
