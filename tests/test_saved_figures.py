"""Saved queries over stated figures and roles (issue 11): key-figures, organisation-card's
figures and roles, source-disagreements between two figures for one thing. Answers come from a
real server and are checked by content, each against the passage of its document."""

from __future__ import annotations

import pytest
import requests

from smarthealth.config import Settings

BASE = Settings().base_iri
SMHV = "https://w3id.org/smart-health/vocab/"
SOURCES = Settings().sources_dir
DECK, PROFILE, NEWS, NOTE, REGION = ("000_47ec06a769ba5fcc", "001_54163fe3eccd58e8", "002_87288936a96fbea5",
                                     "003_40d31b0bcedf8a9d", "004_92df48ec1dc621d2")


@pytest.fixture(scope="module")
def answer(live_server):
    """Return a function that asks the server for a saved query's rows (values as strings)."""

    def ask(name: str, **params) -> list[dict[str, str]]:
        response = requests.get(f"{live_server}/api/queries/{name}", params=params,
                                headers={"Accept": "application/sparql-results+json"}, timeout=60)
        assert response.status_code == 200, response.text
        return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]

    return ask


def verbatim(rows, *columns):
    """Assert that every quote of the rows is in the document its graph or source names."""
    texts = {stem: " ".join((SOURCES / f"{stem}.txt").read_text(encoding="utf-8").split())
             for stem in (DECK, PROFILE, NEWS, NOTE, REGION)}
    for row in rows:
        for column, where in columns:
            if column in row:
                stem = row[where].rsplit("/", 1)[-1]
                assert " ".join(row[column].split()) in texts[stem], f"{column} not in {stem}: {row[column]!r}"


def test_key_figures_of_the_pilot_with_parts_and_categories(answer):
    """000: "130+ individual members in the Smart Health group", "80 organisations", "24 Public
    Authorities", "25 Research & Academia", "19 Clusters", "12 Companies"."""
    rows = answer("key-figures", entity="initiative/smart-health-pilot")
    figures = {(row["measure"].rsplit("/", 1)[-1], row["value"], row.get("qualifier", "").rsplit("/", 1)[-1],
                row.get("category", "").rsplit("/", 1)[-1]) for row in rows}
    assert {("member-count", "130", "at-least", ""), ("organisation-count", "80", "", ""),
            ("organisation-count", "24", "", "public-authority"), ("organisation-count", "25", "", "research-academia"),
            ("organisation-count", "19", "", "cluster"), ("organisation-count", "12", "", "company")} <= figures
    total = f"{BASE}figure/smart-health-pilot--organisations"
    assert {row["value"] for row in rows if row.get("partOf") == total} == {"24", "25", "19", "12"}
    assert all(row["unit"] == "http://qudt.org/vocab/unit/NUM" for row in rows if "unit" in row)
    verbatim(rows, ("quote", "source"))


def test_key_figures_of_a_region_include_its_indicators_and_stated_figures(answer):
    """004: "Total population (2019) 6,596,233"; 003: "Volgens het jaarrapport 2019 van Essenscia
    was de farmaceutische sector goed voor 12.476 arbeidsplaatsen"."""
    rows = answer("key-figures", entity="BE2")
    values = {(row["measure"].rsplit("/", 1)[-1], row["value"], row.get("period", "")) for row in rows}
    assert ("population", "6596233", "2019") in values
    assert ("job-count", "12476", "2019") in values
    verbatim(rows, ("quote", "source"))


def test_key_figures_keep_dates_qualifiers_and_subsets(answer):
    """003: "In 2019 werd door de Vlaamse partners in Regmed XB een nieuwe moonshot gedefinieerd";
    "In 2019 werden 49 mandaten goedgekeurd waarvan 22 in de farma/health sector"."""
    orbit = answer("key-figures", entity="use-case/orbit")
    assert {(row["measure"].rsplit("/", 1)[-1], row["value"]) for row in orbit} == {("definition-date", "2019")}
    mandates = answer("key-figures", entity="programme/baekeland-mandates")
    part = next(row for row in mandates if row["value"] == "22")
    assert part["partOf"] == f"{BASE}figure/baekeland-mandates--mandates-approved-2019"
    assert {row["value"] for row in mandates if row["figure"] == part["partOf"]} == {"49"}


def test_organisation_card_shows_roles_and_stated_figures(answer):
    """001: "114 Cluster Members", "Smart Hub Health coordinates this project"; 003: "KU Leuven en
    VIB zijn de trekkers."; 001: "supported by the Province of Flemish Brabant", "the province
    Flemish Brabant organised and hosted in Leuven"."""
    hub = answer("organisation-card", organisation="smart-hub-health")
    assert ("stated figure", f"{SMHV}measure/member-count", "114 NUM") in {
        (row["statement"], row["value"], row.get("detail")) for row in hub}
    roles = {(row["value"].rsplit("/", 1)[-1], row["detail"].rsplit("/", 1)[-1]) for row in hub if row["statement"] == "role"}
    assert ("erdf-1161-internationalization-medtech-biotech-regmed", "coordinator") in roles
    leuven = answer("organisation-card", organisation="ku-leuven")
    lead = [row for row in leuven if row["statement"] == "role" and row["detail"].endswith("/lead")]
    assert {row["value"] for row in lead} == {f"{BASE}project/regmed-xb"}
    assert {row["quote"] for row in lead} == {"KU Leuven en VIB zijn de trekkers."}
    province = answer("organisation-card", organisation="province-flemish-brabant")
    roles = {(row["value"].rsplit("/", 1)[-1], row["detail"].rsplit("/", 1)[-1]) for row in province if row["statement"] == "role"}
    assert {("workshop-vr-health-2018", "supporter"), ("life-on-chip-2019", "host"),
            ("life-on-chip-2019", "organiser"), ("kneevr", "funder")} <= roles
    verbatim(hub + leuven + province, ("quote", "source"))


def test_source_disagreements_finds_two_figures_for_one_thing(answer):
    """001: "The 2 days event was attended by 143 participants." and "Around 230 participants - in
    total for the two days event"; 003: "De totale aangevraagde begroting bedroeg ongeveer 42
    miljoen euro" and "vertegenwoordigde een totale begroting van bijna 42 miljoen euro"."""
    rows = answer("source-disagreements", entity="event/life-on-chip-2019")
    pairs = {(row["value"], row["otherValue"]) for row in rows if row["property"].endswith("/participant-count")}
    assert pairs == {("143", "approximately 230"), ("approximately 230", "143")}
    verbatim(rows, ("quote", "statedIn"), ("otherQuote", "notIn"))
    icon = answer("source-disagreements", entity="funding/vlaio-icon-2019-total-budget")
    assert {(row["value"], row["otherValue"]) for row in icon} == {("nearly 42000000", "approximately 42000000")}
    verbatim(icon, ("quote", "statedIn"), ("otherQuote", "notIn"))


def test_source_disagreements_leaves_parts_and_other_scopes_alone(answer):
    """A part and its total (22 of 49 mandates) and figures of different scope (the declaration
    signed by 13 member states in 2018, for Belgium in August 2020) are not disagreements."""
    everything = answer("source-disagreements")
    subjects = {row["subject"] for row in everything if "otherValue" in row}
    assert f"{BASE}programme/baekeland-mandates" not in subjects
    assert f"{BASE}initiative/one-million-genomes" not in subjects
    assert f"{BASE}funding/vlaio-icon-2019-granted" not in subjects


def test_key_figures_give_technology_readiness_levels_as_ranges(answer):
    """003: "de projecten zich op hogere Technology Readiness Level (TRL)-niveaus focussen, i.e. TRL
    3-6" and "(TRL3-6) terwijl de Flanders’ Care vooral de implementatie beoogt (TRL7-9)"."""
    impulse = answer("key-figures", entity="plan/actie-1-impulsprogramma-innovatie-gezondheid-zorg")
    trl = [row for row in impulse if row["measure"] == f"{SMHV}measure/technology-readiness-level"]
    assert sorted((row["minValue"], row["maxValue"], "value" in row, "unit" in row) for row in trl) == \
        [("3", "6", False, False)] * 2
    assert any("TRL \n3-6" in row["quote"] for row in trl) and any("(TRL3-6)" in row["quote"] for row in trl)
    care = answer("key-figures", entity="initiative/flanders-care")
    assert {(row["minValue"], row["maxValue"]) for row in care
            if row["measure"] == f"{SMHV}measure/technology-readiness-level"} == {("7", "9")}
    verbatim(impulse + care, ("quote", "source"))


def test_a_number_without_a_unit_is_shown_as_such(answer):
    """003: "SALK (GTI Limburg – 4,76)": no unit and no meaning stated, none guessed."""
    rows = answer("key-figures", entity="initiative/salk")
    assert [(row["measure"].rsplit("/", 1)[-1], row["value"], row["unitStated"], "unit" in row, "currency" in row)
            for row in rows] == [("unexplained", "4.76", "false", False, False)]
    card = answer("organisation-card", organisation="vlaio")
    details = {row["detail"] for row in card if row["statement"] == "stated figure"
               and row["value"] == f"{SMHV}measure/technology-readiness-level"}
    assert details == {"2-5", "6-8"}
    verbatim(rows + card, ("quote", "source"))
