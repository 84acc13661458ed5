"""Federated saved questions on the query page, as a person uses them, in headless chromium: the
editor shows SERVICE with the documented default endpoint as an IRI (never ``SERVICE ?_endpoint_iri``),
the endpoint field offers the server's allow-list, picking a stand-in rewrites the text, and both
"Ask" (the API) and the editor's own run (/sparql) give the rows the snapshot joins to."""

from __future__ import annotations

import json
import time

import pytest
import requests

from federation_standin import REFERENCE, WIKIDATA_SHAPED, Canary, answer_rows, expected_rows, oxigraph_serve
from server_process import http_endpoint_in_thread, start_server
from smarthealth.config import Settings

SETTINGS = Settings()
JSON = {"Accept": "application/sparql-results+json"}
PUBLIC = {"federation-regions": "https://publications.europa.eu/webapi/rdf/sparql",
          "federation-countries": "https://publications.europa.eu/webapi/rdf/sparql",
          "federation-organisations": "https://query.wikidata.org/sparql"}


@pytest.fixture(scope="module")
def standins():
    """One stand-in per federated question: the EU reference snapshot, Wikidata-shaped test items."""
    with oxigraph_serve(REFERENCE) as eu, oxigraph_serve([WIKIDATA_SHAPED]) as wikidata:
        yield {"federation-regions": (eu, REFERENCE), "federation-countries": (eu, REFERENCE),
               "federation-organisations": (wikidata, [WIKIDATA_SHAPED])}


@pytest.fixture(scope="module")
def server(built, standins):
    args = ["--data", str(built.dataset_path)]
    for standin, _ in standins.values():
        args += ["--allow-service", standin.query_url]
    # The page sends its three completion queries as it opens; on a loaded machine one of them can
    # wait past the 2 s a client's further query may wait (429). One page is one user here.
    with start_server(args, env={"SMARTHEALTH_MAX_QUERIES_PER_CLIENT": "4"}) as process:
        yield process


@pytest.fixture(scope="module")
def page(browser, server):
    browser.open(f"{server.base_url}/")
    browser.wait_for("window.smarthealthQueryPage && document.querySelector('.yasqe')")
    return browser


def _editor_text(page) -> str:
    return page.evaluate("window.smarthealthQueryPage.yasgui.getTab().getYasqe().getValue()")


def _note(page) -> str:
    return page.evaluate("document.querySelector('#question-fields .endpoint-note').textContent")


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_a_federated_question_opens_with_its_default_endpoint_as_an_iri(page, standins, name):
    page.evaluate(f"window.smarthealthQueryPage.openSavedQuery({json.dumps(name)})")
    text = _editor_text(page)
    assert f"SERVICE <{PUBLIC[name]}>" in text and "_endpoint_iri" not in text
    field = page.evaluate("document.querySelector('#question-fields [name=endpoint]').value")
    assert field == PUBLIC[name]
    choices = page.evaluate("Array.from(document.querySelectorAll('#endpoint-choices option')).map(o => o.value)")
    assert set(choices) == {standin.query_url for standin, _ in standins.values()} | {PUBLIC[name]}
    # The public endpoint is not allowed on this server: the page says so before anything is asked.
    note = _note(page)
    assert note.startswith(f"<{PUBLIC[name]}> is not on this server's SERVICE allow-list")
    assert standins[name][0].query_url in note
    assert page.console_errors() == []


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_a_federated_question_asked_on_the_page_answers_what_the_api_and_the_snapshot_answer(
        page, server, standins, built, name):
    standin, files = standins[name]
    page.evaluate(f"window.smarthealthQueryPage.openSavedQuery({json.dumps(name)})")
    # Written another way than the allow-list entry: the server normalises it.
    typed = standin.query_url.replace("http://", "HTTP://") + "/"
    page.evaluate(f"document.querySelector('#question-fields [name=endpoint]').value = {json.dumps(typed)}")
    started = time.perf_counter()
    asked = page.evaluate("window.smarthealthQueryPage.runQuestion().then(j => j && j.results.bindings)")
    elapsed = time.perf_counter() - started
    status = page.evaluate("document.getElementById('question-status').textContent")
    assert asked is not None, status
    time.sleep(1.5)  # the answer stays on the page once the editor's text has changed
    page.wait_for("window.smarthealthQueryPage.yasgui.getTab().getYasr().results")
    shown = page.evaluate("window.smarthealthQueryPage.yasgui.getTab().getYasr().results.getBindings()")
    assert shown == asked
    rows_drawn = page.evaluate("document.querySelectorAll('.yasr_results tbody tr').length")
    assert rows_drawn == len(asked)
    assert f"SERVICE <{standin.query_url}>" in _editor_text(page)
    assert _note(page).startswith("On this server's SERVICE allow-list")
    assert page.evaluate("document.querySelector('#question-fields [name=endpoint]').value") == standin.query_url
    api = requests.get(f"{server.base_url}/api/queries/{name}", params={"endpoint": standin.query_url},
                       headers=JSON, timeout=60).json()
    assert shown == api["results"]["bindings"]
    rows = answer_rows(api)
    assert rows == expected_rows(built.dataset_path, name, files, base_iri=SETTINGS.base_iri,
                                 queries_dir=SETTINGS.queries_dir)
    assert len(rows) == {"federation-regions": 12, "federation-countries": 32, "federation-organisations": 2}[name]
    assert status.startswith(f"{len(shown)} answer")
    page.screenshot(f"query-page-{name}-asked")
    assert page.console_errors() == []
    print(f"\n{name} asked on the query page against the stand-in: {len(shown)} rows in {elapsed:.2f} s")


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_the_editor_text_naming_the_stand_in_runs_at_sparql_as_shown(page, server, standins, name):
    standin, _ = standins[name]
    page.evaluate(f"window.smarthealthQueryPage.openSavedQuery({json.dumps(name)})")
    page.evaluate(f"window.smarthealthQueryPage.showEndpoint({json.dumps(standin.query_url)})")
    text = _editor_text(page)
    assert f"SERVICE <{standin.query_url}>" in text
    page.evaluate("window.smarthealthQueryPage.yasgui.getTab().getYasr().results = null")
    started = time.perf_counter()
    page.evaluate("window.smarthealthQueryPage.yasgui.getTab().getYasqe().query().then(() => true)")
    page.wait_for("window.smarthealthQueryPage.yasgui.getTab().getYasr().results", timeout_s=30)
    elapsed = time.perf_counter() - started
    shown = page.evaluate("window.smarthealthQueryPage.yasgui.getTab().getYasr().results.getBindings()")
    direct = requests.post(server.sparql_url, data={"query": text}, headers=JSON, timeout=60).json()
    assert shown == direct["results"]["bindings"] and shown
    page.screenshot(f"query-page-{name}-editor-run")
    assert page.console_errors() == []
    print(f"\n{name} run from the query page's editor against the stand-in: {len(shown)} rows in {elapsed:.2f} s")


def test_an_endpoint_off_the_allowlist_is_refused_on_the_page_and_never_contacted(page):
    seen: list[str] = []
    with http_endpoint_in_thread(Canary, seen=seen) as canary_url:
        page.evaluate("window.smarthealthQueryPage.openSavedQuery('federation-regions')")
        page.evaluate(f"document.querySelector('#question-fields [name=endpoint]').value = {json.dumps(canary_url)}")
        page.evaluate("window.smarthealthQueryPage.runQuestion()")
        status = page.evaluate("document.getElementById('question-status').textContent")
        assert status.startswith("The API refused: parameter 'endpoint'")
        assert f"<{canary_url}> is not on this server's SERVICE allow-list" in status
        assert f"SERVICE <{canary_url}>" in _editor_text(page)  # the text shows what was asked
        assert _note(page).startswith(f"<{canary_url}> is not on this server's SERVICE allow-list")
        page.screenshot("query-page-federation-refused")
        assert seen == []


def test_the_text_route_names_the_endpoint_asked_for(server, standins):
    url = f"{server.base_url}/api/queries/federation-regions/sparql"
    plain = requests.get(url, timeout=30)
    assert plain.status_code == 200 and "SERVICE ?_endpoint_iri" in plain.text
    named = requests.get(url, params={"endpoint": "HTTP://Example.ORG:80/sparql/"}, timeout=30)
    assert named.status_code == 200 and "SERVICE <http://example.org/sparql>" in named.text
    assert named.headers["Content-Type"].startswith("application/sparql-query")
    bad = requests.get(url, params={"endpoint": "ftp://example.org/"}, timeout=30)
    assert bad.status_code == 400 and "is not an http:// or https:// IRI" in bad.json()["error"]
    other = requests.get(url, params={"initiative": "x"}, timeout=30)
    assert other.status_code == 400 and "'initiative'" in other.json()["error"]
    local = requests.get(f"{server.base_url}/api/queries/pilot-regions/sparql",
                         params={"endpoint": "http://example.org/sparql"}, timeout=30)
    assert local.status_code == 400 and "calls no SERVICE endpoint" in local.json()["error"]


def test_the_endpoint_field_fits_a_narrow_window(browser, server):
    # Last: it reopens the page at 800 px, without the tabs and answers the tests before left
    # (a wide answer table widens the page on its own; this test is about the endpoint field).
    browser.evaluate("localStorage.clear()")
    browser.open(f"{server.base_url}/", width=800, height=1000)
    browser.wait_for("window.smarthealthQueryPage && document.querySelector('.yasqe')")
    browser.evaluate("window.smarthealthQueryPage.openSavedQuery('federation-regions')")
    field = browser.evaluate("document.querySelector('#question-fields [name=endpoint]').getBoundingClientRect().right")
    overflow = browser.evaluate("document.documentElement.scrollWidth")
    browser.screenshot("query-page-federation-800px")
    wide = browser.evaluate("Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > 800).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))")
    assert overflow <= 800 and field <= 800, f"the page scrolls sideways ({overflow} px) or the field is cut ({field} px): {wide}"
    assert browser.console_errors() == []
