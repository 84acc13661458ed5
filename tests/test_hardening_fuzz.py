"""Issue 8: property-based fuzzing of /sparql and of every saved-query operation on a real server.

Hypothesis builds texts from SPARQL's own pieces (keywords, IRIs, names, strings, escapes, brackets,
odd characters) and parameter values of every shape for each operation of /api/openapi.json. The
server must answer every one without a server error (5xx other than 503, the time limit) and
without hanging. Bounded by example count and a per-request time limit.
"""

from __future__ import annotations

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server_process import start_server

REQUEST_TIMEOUT_S = 20
FUZZ = settings(max_examples=120, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

PIECES = [
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "(", ")", "[", "]", "<<", ">>", ".", ";",
    ",", "*", "?s", "?p", "?o", "$x", "a", "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH", "SERVICE",
    "SILENT", "LOAD", "FROM", "NAMED", "USING", "VALUES", "BIND", "AS", "LIMIT 3", "OFFSET 1",
    "ORDER BY", "GROUP BY", "COUNT(*)", "PREFIX : <http://a/>", "BASE <http://b/>", "<http://x/y>",
    "<>", "<rel>", ":a", ":a\\#b", "_:b", "'x'", '"y"@en', "'''z'''", "1", "2.5", "1e3", "true",
    "\\u0027", "\\u0053", "\\U0001F600", "#", "\n", "\r", "\t", "||", "&&", "!", "=", "<", ">",
    "^^", "STR(", "REGEX(", "|", "/", "+", "-", "^", "~", "{|", "|}", "\u00a0", "\u2028", "\x00",
]
sparql_texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=40).map(" ".join)


@pytest.fixture(scope="module")
def server(built):
    with start_server(["--data", str(built.dataset_path), "--timeout", "5"]) as running:
        yield running


def assert_no_server_error(answer: requests.Response, sent) -> None:
    assert answer.status_code < 500 or answer.status_code == 503, (
        f"{answer.status_code} for {sent!r}: {answer.text[:300]}")
    assert "Traceback" not in answer.text


@FUZZ
@given(text=sparql_texts, method=st.sampled_from(["GET", "POST", "DIRECT"]))
def test_sparql_endpoint_never_answers_a_server_error(server, text, method):
    headers = {"Accept": "application/sparql-results+json, text/turtle;q=0.5"}
    if method == "GET":
        answer = requests.get(server.sparql_url, params={"query": text}, headers=headers, timeout=REQUEST_TIMEOUT_S)
    elif method == "POST":
        answer = requests.post(server.sparql_url, data={"query": text}, headers=headers, timeout=REQUEST_TIMEOUT_S)
    else:
        answer = requests.post(server.sparql_url, data=text.encode("utf-8", "surrogatepass"),
                               headers={**headers, "Content-Type": "application/sparql-query"},
                               timeout=REQUEST_TIMEOUT_S)
    assert_no_server_error(answer, text)


@pytest.fixture(scope="module")
def operations(server):
    spec = requests.get(f"{server.base_url}/api/openapi.json", timeout=30).json()
    found = []
    for path, item in spec["paths"].items():
        if "{" in path or "get" not in item:
            continue
        names = [parameter["name"] for parameter in item["get"].get("parameters", [])
                 if parameter.get("in") == "query"]
        found.append((path, names))
    assert len(found) >= 20, found
    return found


parameter_values = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-10**12, max_value=10**12).map(str),
    st.sampled_from(["", "²", "0", "-1", "1e400", "NaN", "BE2", "http://x/", "<urn:x>", "' } #",
                     "\\u0027", "x" * 5000, "ku-leuven", "business", "true", "tru", "https://w3id.org/"]),
)


@FUZZ
@given(data=st.data())
def test_every_saved_query_operation_never_answers_a_server_error(server, operations, data):
    path, names = data.draw(st.sampled_from(operations))
    chosen = data.draw(st.lists(st.sampled_from(names + ["page", "format", "unknown"]), max_size=4, unique=True))
    params = {name: data.draw(parameter_values) for name in chosen}
    answer = requests.get(f"{server.base_url}{path}", params=params, timeout=REQUEST_TIMEOUT_S,
                          headers={"Accept": data.draw(st.sampled_from(["application/json", "text/csv", "text/html", "*/*"]))})
    assert_no_server_error(answer, (path, params))
