"""The query page as a user meets it on a busy server, in headless chromium: a question asked while
this client's share of the workers is taken is answered once a slot frees (the page waits as the
429's Retry-After asks, instead of showing the refusal), a refused question leaves no earlier answer
on show, and a wide answer scrolls in its own box at 800 px instead of the page scrolling sideways."""

from __future__ import annotations

import threading

import pytest
import requests

from server_process import start_server

#: Where the current tab's answer is drawn, as the page lays it out.
ANSWER_BOX = "window.smarthealthQueryPage.yasgui.getTab().getYasr().rootEl.getBoundingClientRect()"

#: A query that runs until the server's time limit stops it (a cross product of the whole graph).
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def one_query_per_client(built):
    """A server that lets one client run one query at a time, with a 3 s time limit."""
    env = {"SMARTHEALTH_MAX_QUERIES_PER_CLIENT": "1", "SMARTHEALTH_TIMEOUT": "3", "SMARTHEALTH_WORKERS": "2"}
    with start_server(["--data", str(built.dataset_path)], env) as server:
        yield server.base_url


def open_page(browser, base_url, **size):
    browser.open(f"{base_url}/", **size)
    browser.wait_for("window.smarthealthQueryPage && document.querySelector('.yasqe')")
    # Let the completion lists the page asks for at open finish first.
    browser.wait_for("performance.getEntriesByType('resource').filter(e => e.name.endsWith('/sparql')).length >= 3")


def test_a_question_asked_while_the_clients_share_is_taken_is_answered_after_the_wait(browser, one_query_per_client):
    base = one_query_per_client
    open_page(browser, base)
    expected = requests.get(f"{base}/api/queries/region-profile", params={"region": "BE2"},
                            headers={"Accept": "application/sparql-results+json"}, timeout=60).json()
    # The browser and this test are one client (the same loopback address): hold its only slot.
    runaway = threading.Thread(target=lambda: requests.post(f"{base}/sparql", data={"query": RUNAWAY}, timeout=60))
    runaway.start()
    try:
        browser.evaluate("window.smarthealthQueryPage.openSavedQuery('region-profile')")
        browser.evaluate("document.querySelector('#question-fields [name=region]').value = 'BE2'")
        shown = browser.evaluate("window.smarthealthQueryPage.runQuestion().then(j => "
                                 "window.smarthealthQueryPage.yasgui.getTab().getYasr().results.getBindings())")
    finally:
        runaway.join()
    assert shown == expected["results"]["bindings"]
    status = browser.evaluate("document.getElementById('question-status').textContent")
    assert status.startswith(f"{len(shown)} answer"), status
    refused = browser.evaluate(
        "performance.getEntriesByType('resource').filter(e => e.name.includes('/api/queries/region-profile')"
        " && e.responseStatus === 429).length")
    assert refused >= 1, "the slot was free: the test did not make the page wait"


def test_a_refused_question_leaves_no_earlier_answer_on_show(browser, live_server):
    open_page(browser, live_server)
    browser.evaluate("window.smarthealthQueryPage.openSavedQuery('region-profile')")
    browser.evaluate("document.querySelector('#question-fields [name=region]').value = 'BE2'")
    rows = browser.evaluate("window.smarthealthQueryPage.runQuestion().then(j => j.results.bindings.length)")
    assert rows > 0
    assert browser.evaluate(f"{ANSWER_BOX}.height > 0")  # shown while the answer is for BE2
    browser.evaluate("document.querySelector('#question-fields [name=region]').value = 'XX99'")
    browser.evaluate("window.smarthealthQueryPage.runQuestion().then(() => true)")
    status = browser.evaluate("document.getElementById('question-status').textContent")
    assert status.startswith("The API refused: parameter 'region': no such region 'XX99'"), status
    assert browser.evaluate(f"{ANSWER_BOX}.height") == 0, "the answer for BE2 is still shown under the refusal"
    browser.screenshot("query-page-refused-question")
    browser.evaluate("document.querySelector('#question-fields [name=region]').value = 'BE2'")
    again = browser.evaluate("window.smarthealthQueryPage.runQuestion().then(j => j.results.bindings.length)")
    assert again == rows
    assert browser.evaluate(f"{ANSWER_BOX}.height > 0")
    # Chromium logs the 400 itself; nothing else may go wrong on the page.
    assert [error for error in browser.console_errors() if "region=XX99" not in error] == []


def test_a_wide_answer_scrolls_in_its_box_at_800_pixels(browser, live_server):
    open_page(browser, live_server, width=800, height=1000)
    browser.evaluate("window.smarthealthQueryPage.openSavedQuery('region-profile')")
    browser.evaluate("document.querySelector('#question-fields [name=region]').value = 'BE2'")
    columns = browser.evaluate("window.smarthealthQueryPage.runQuestion().then(j => j.head.vars.length)")
    assert columns >= 8
    browser.wait_for("document.querySelector('.yasr_results table')")
    table = browser.evaluate("document.querySelector('.yasr_results table').getBoundingClientRect().width")
    page = browser.evaluate("document.documentElement.scrollWidth")
    assert table > 800, f"the answer is {table} px wide: not wide enough to test anything"
    browser.screenshot("query-page-wide-answer-800px")
    viewport = browser.evaluate("window.innerWidth")
    assert page <= 800, f"the page scrolls sideways ({page} px; viewport {viewport} px, table {table} px)"
    assert browser.console_errors() == []
