"""The pages in a real headless browser (Debian's chromium): they load without console errors, do
what a person does with them, and leave screenshots in test-artefacts/screenshots/ to look at."""

from __future__ import annotations

import pytest



def look(browser, url: str, name: str, **size) -> None:
    browser.open(url, **size)
    path = browser.screenshot(name)
    assert path.stat().st_size > 10_000, f"{path} looks empty"
    assert browser.console_errors() == [], f"{url}: console errors {browser.console_errors()}"


def test_entity_page_shows_a_quote_on_demand(browser, live_server):
    look(browser, f"{live_server}/id/region/BE2", "entity-region-BE2")
    assert browser.evaluate("document.querySelector('h1').textContent") == "Flanders"
    assert not browser.evaluate("document.querySelector('details.quote blockquote').checkVisibility()"), \
        "quotes stay folded until asked for"
    browser.evaluate("document.querySelector('details.quote summary').click()")
    assert browser.evaluate("document.querySelector('details.quote blockquote').checkVisibility()")


def test_entity_page_with_disagreeing_sources(browser, live_server):
    look(browser, f"{live_server}/id/project/regmed-xb", "entity-project-regmed-xb")
    assert browser.evaluate("document.querySelectorAll('table.side-by-side th').length") >= 2


@pytest.mark.parametrize("path, name", [
    ("/ontology", "ontology"), ("/vocab", "vocabularies"), ("/browse/Organisation", "index-organisations"),
    ("/search?q=leuven", "search-leuven"), ("/downloads", "downloads"), ("/about", "about"),
])
def test_pages_load_without_errors(browser, live_server, path, name):
    look(browser, f"{live_server}{path}", name)


def test_an_ontology_term_iri_lands_on_its_anchor(browser, live_server):
    browser.open(f"{live_server}/resource?uri=https%3A%2F%2Fw3id.org%2Fsmart-health%2Fontology%23Region")
    assert browser.evaluate("location.hash") == "#Region"
    assert browser.evaluate("document.querySelector(':target').id") == "Region"
    assert browser.evaluate("document.querySelector(':target').getBoundingClientRect().top") < 50


def test_home_page_leads_to_a_region_in_two_clicks(browser, live_server):
    look(browser, f"{live_server}/", "home")
    browser.evaluate("document.querySelector('a[href=\"browse/Region\"]').click()")
    browser.wait_for("location.pathname === '/browse/Region'")
    browser.wait_for("document.readyState === 'complete'")
    browser.evaluate("[...document.querySelectorAll('a')].find(a => a.textContent === 'Flanders').click()")
    browser.wait_for("location.pathname === '/doc/region/BE2.html'")
    browser.wait_for("document.readyState === 'complete' && document.querySelector('h1')")
    assert browser.evaluate("document.querySelector('h1').textContent") == "Flanders"


@pytest.mark.parametrize("key, name, expected", [
    ("region/BE2", "neighbourhood-region-BE2", "company (28)"),
    ("initiative/s3p4pm", "neighbourhood-initiative-s3p4pm", "Flanders"),
])
def test_entity_page_draws_its_neighbourhood(browser, live_server, key, name, expected):
    browser.open(f"{live_server}/id/{key}")
    browser.wait_for("window.smarthealthNeighbourhood")
    labels = browser.evaluate("window.smarthealthNeighbourhood.nodes().map(n => n.data('label'))")
    assert expected in labels
    assert len(labels) <= 32, "a picture of more than ~30 nodes does not help"
    assert browser.evaluate("document.querySelector('#neighbourhood canvas') !== null")
    browser.screenshot(name, ".neighbourhood-section")
    assert browser.console_errors() == []
    clickable = browser.evaluate("window.smarthealthNeighbourhood.nodes().filter(n => n.data('href')).length")
    assert clickable >= len(labels) - 1
