"""The query page in headless chromium: every saved question answers on the page what the API
answers, a required parameter left empty says so, the default query answers, completions come
from this server, chart and graph views draw, and the editor stays usable at 800 px."""

from __future__ import annotations

import json

import pytest
import requests

from smarthealth.federation.endpoints import calls_service
from smarthealth.saved.catalog import load_catalog


@pytest.fixture(scope="module")
def query_page(browser, live_server):
    browser.open(f"{live_server}/")
    browser.wait_for("window.smarthealthQueryPage && document.querySelector('.yasqe')")
    return browser


def test_every_saved_question_answers_on_the_page_what_the_api_answers(query_page, live_server, settings):
    catalog = requests.get(f"{live_server}/api/queries", timeout=30).json()
    assert len(catalog) == len(load_catalog(settings.queries_dir))
    federated = {query.name for query in load_catalog(settings.queries_dir) if calls_service(query)}
    for question in catalog:
        if question["name"] in federated:
            continue  # needs an allow-listed endpoint: tests/test_federation_live.py runs those
        values = {p["name"]: p["example"] for p in question["parameters"] if p.get("example") is not None}
        query_page.evaluate(f"window.smarthealthQueryPage.openSavedQuery({json.dumps(question['name'])})")
        for name, value in values.items():
            query_page.evaluate(
                f"document.querySelector('#question-fields [name={json.dumps(name)}]').value = {json.dumps(str(value))}")
        shown = query_page.evaluate("window.smarthealthQueryPage.runQuestion().then(j => "
                                    "window.smarthealthQueryPage.yasgui.getTab().getYasr().results.getBindings())")
        api = requests.get(f"{live_server}/api/queries/{question['name']}", params=values,
                           headers={"Accept": "application/sparql-results+json"}, timeout=60).json()
        assert shown == api["results"]["bindings"], f"{question['name']}: the page and the API disagree"
        status = query_page.evaluate("document.getElementById('question-status').textContent")
        assert status.startswith(f"{len(shown)} answer"), status
    assert query_page.console_errors() == []


def test_a_required_parameter_left_empty_says_so(query_page):
    query_page.evaluate("window.smarthealthQueryPage.openSavedQuery('consortium-builder')")
    query_page.evaluate("window.smarthealthQueryPage.runQuestion()")
    status = query_page.evaluate("document.getElementById('question-status').textContent")
    assert status.startswith("theme is required")
    path = query_page.screenshot("query-page-required-parameter")
    assert path.exists()


def test_a_saved_question_with_its_form(query_page, live_server):
    query_page.evaluate("window.smarthealthQueryPage.openSavedQuery('region-profile')")
    query_page.evaluate("document.querySelector('#question-fields [name=region]').value = 'BE2'")
    rows = query_page.evaluate("window.smarthealthQueryPage.runQuestion().then(j => j.results.bindings.length)")
    assert rows > 0
    query_page.screenshot("query-page-saved-question")
    assert query_page.console_errors() == []


def test_the_default_query_answers_regions_and_charts_them(query_page, live_server):
    browser = query_page
    browser.evaluate("(() => { const tab = window.smarthealthQueryPage.yasgui.addTab(true); return true; })()")
    text = browser.evaluate("window.smarthealthQueryPage.yasgui.getTab().getYasqe().getValue()")
    assert "PREFIX region:" in text and "PREFIX organisation:" in text and "SELECT ?region ?name" in text
    browser.evaluate("window.smarthealthQueryPage.yasgui.getTab().getYasqe().query().then(() => true)")
    browser.wait_for("window.smarthealthQueryPage.yasgui.getTab().getYasr().results")
    bindings = browser.evaluate("window.smarthealthQueryPage.yasgui.getTab().getYasr().results.getBindings()")
    endpoint = requests.post(f"{live_server}/sparql", data={"query": text},
                             headers={"Accept": "application/sparql-results+json"}, timeout=60).json()
    regions = requests.post(f"{live_server}/sparql", headers={"Accept": "application/sparql-results+json"}, timeout=60,
                            data={"query": "SELECT (COUNT(DISTINCT ?r) AS ?n) { ?r a <https://w3id.org/smart-health/ontology#Region> }"}).json()
    assert bindings == endpoint["results"]["bindings"]  # the page shows what the endpoint answers
    assert len(bindings) == int(regions["results"]["bindings"][0]["n"]["value"])  # every region once
    assert all(row["actors"]["value"].isdigit() for row in bindings)
    browser.evaluate("window.smarthealthQueryPage.yasgui.getTab().getYasr().selectPlugin('chart')")
    browser.wait_for("document.querySelector('.chart-view canvas')")
    browser.screenshot("query-page-chart")
    assert browser.console_errors() == []


def test_a_construct_answer_draws_as_a_graph(query_page):
    construct = ("PREFIX smh: <https://w3id.org/smart-health/ontology#>\n"
                 "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                 "PREFIX region: <https://w3id.org/smart-health/id/region/>\n"
                 "CONSTRUCT { ?actor smh:basedIn region:NL4 ; rdfs:label ?name } WHERE { ?actor smh:basedIn region:NL4 ; rdfs:label ?name }")
    browser = query_page
    browser.evaluate(f"(() => {{ const tab = window.smarthealthQueryPage.yasgui.addTab(true); "
                     f"window.smarthealthQueryPage.yasgui.getTab().getYasqe().setValue({json.dumps(construct)}); return true; }})()")
    browser.evaluate("window.smarthealthQueryPage.yasgui.getTab().getYasqe().query().then(() => true)")
    browser.wait_for("window.smarthealthQueryPage.yasgui.getTab().getYasr().results")
    browser.evaluate("window.smarthealthQueryPage.yasgui.getTab().getYasr().selectPlugin('graph')")
    browser.wait_for("document.querySelector('.graph-view canvas')")
    browser.screenshot("query-page-graph")
    assert browser.console_errors() == []


def test_completions_come_from_this_server(query_page, live_server):
    entities = query_page.evaluate("Yasgui.Yasqe.Autocompleters.entities.get()")
    assert "https://w3id.org/smart-health/id/region/BE2" in entities
    classes = query_page.evaluate("Yasgui.Yasqe.Autocompleters.class.get()")
    assert "https://w3id.org/smart-health/ontology#Region" in classes
    prefixes = query_page.evaluate("Yasgui.Yasqe.Autocompleters.prefixes.get()")
    assert "region: <https://w3id.org/smart-health/id/region/>" in prefixes
    source = requests.get(f"{live_server}/assets/yasgui/yasgui.min.js", timeout=30).text
    assert "lov.linkeddata.es" in source, "the stock completers are replaced, not removed from the bundle"
    assert query_page.console_errors() == []


def test_the_editor_stays_usable_at_800_pixels(browser, live_server):
    browser.open(f"{live_server}/", width=800, height=1000)
    browser.wait_for("document.querySelector('.CodeMirror')")
    width = browser.evaluate("document.querySelector('.CodeMirror').getBoundingClientRect().width")
    overflow = browser.evaluate("document.documentElement.scrollWidth")
    assert width >= 600, f"the editor is {width} px wide at 800 px"
    assert overflow <= 800, f"the page scrolls sideways ({overflow} px)"
    top = browser.evaluate("document.querySelector('.CodeMirror').getBoundingClientRect().top")
    assert top < 1000, f"the editor starts below the first screen ({top} px)"
    browser.screenshot("query-page-800px")
    assert browser.console_errors() == []


def test_a_syntax_error_reads_as_one_line_with_the_prefix_hint(query_page):
    browser = query_page
    text = "SELECT * WHERE { id:region/BE2 ?p ?o }"
    browser.evaluate(f"(() => {{ window.smarthealthQueryPage.yasgui.addTab(true); "
                     f"window.smarthealthQueryPage.yasgui.getTab().getYasqe().setValue({json.dumps(text)}); return true; }})()")
    browser.evaluate("window.smarthealthQueryPage.yasgui.getTab().getYasqe().query().catch(() => true).then(() => true)")
    browser.wait_for("document.querySelector('.readable-error')")
    message = browser.evaluate("document.querySelector('.readable-error').textContent")
    assert message.startswith("Syntax error at line 1, column ") and "\n" not in message
    assert "write region:KEY with PREFIX region: <https://w3id.org/smart-health/id/region/>" in message
    browser.screenshot("query-page-syntax-error")


def test_an_iri_in_the_result_table_opens_this_servers_page(query_page):
    # Last: it leaves the query page.
    browser = query_page
    browser.evaluate("(() => { window.smarthealthQueryPage.yasgui.addTab(true); return true; })()")
    browser.evaluate("window.smarthealthQueryPage.yasgui.getTab().getYasqe().query().then(() => true)")
    browser.wait_for("document.querySelector('.yasr_results a[href^=\"https://w3id.org/smart-health/id/region/\"]')")
    browser.evaluate("document.querySelector('.yasr_results a[href^=\"https://w3id.org/smart-health/id/region/\"]').click()")
    browser.wait_for("location.pathname.startsWith('/doc/region/')")
    browser.wait_for("document.readyState === 'complete' && document.querySelector('h1')")
    assert browser.evaluate("location.pathname.endsWith('.html')")
