"""The consortium builder's logic on a small graph whose answer is known by construction."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from smarthealth.cli import cli
from smarthealth.config import Settings

SETTINGS = Settings()
BASE = SETTINGS.base_iri

# Prefixes of the small fixture graphs below (instance IRIs under the configured base).
PREFIXES = f"""
@prefix graph: <{BASE}graph/> .
@prefix theme: <{BASE}theme/> .
@prefix region: <{BASE}region/> .
@prefix organisation: <{BASE}organisation/> .
@prefix project: <{BASE}project/> .
@prefix initiative: <{BASE}initiative/> .
@prefix plan: <{BASE}plan/> .
@prefix smh: <https://w3id.org/smart-health/ontology#> .
@prefix helix: <https://w3id.org/smart-health/vocab/helix-role/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""

# Five organisations: A (public authority, region R1, theme T), B (hospital = research, in R2a which
# is part of R2, narrower theme T2), C (cluster = business, R2, through project P on T), D (civil
# society, R3, T) and E (business, R3, another theme: not in the pool).
FIXTURE = PREFIXES + f"""
graph:fixture {{
  theme:t a skos:Concept ; rdfs:label "T"@en .
  theme:t2 a skos:Concept ; skos:broader theme:t ; rdfs:label "T2"@en .
  theme:other a skos:Concept ; rdfs:label "Other"@en .
  region:R1 a smh:Region . region:R2 a smh:Region . region:R3 a smh:Region .
  region:R2a a smh:Region ; smh:partOfRegion region:R2 .
  organisation:a a smh:PublicAuthority ; smh:basedIn region:R1 ; smh:helixRole helix:public-authority ; smh:theme theme:t .
  organisation:b a smh:Hospital ; smh:basedIn region:R2a ; smh:helixRole helix:hospital ; smh:theme theme:t2 .
  organisation:c a smh:Cluster ; smh:basedIn region:R2 ; smh:helixRole helix:cluster .
  project:p a smh:Project ; smh:theme theme:t ; smh:participant organisation:c .
  organisation:d a smh:CivilSocietyOrganisation ; smh:basedIn region:R3 ; smh:helixRole helix:civil-society ; smh:theme theme:t .
  organisation:e a smh:Company ; smh:basedIn region:R3 ; smh:helixRole helix:business ; smh:theme theme:other .
}}
"""


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("consortium")
    complete = folder / "complete.trig"
    complete.write_text(FIXTURE, encoding="utf-8")
    # Without D's theme, nobody of the civil society works on T: the pool no longer covers all roles.
    incomplete = folder / "incomplete.trig"
    incomplete.write_text(FIXTURE.replace("helix:civil-society ; smh:theme theme:t", "helix:civil-society"),
                          encoding="utf-8")
    return {"complete": complete, "incomplete": incomplete}


def consortium(data, **params):
    arguments = ["query", "consortium-builder", "--format", "json", "--data", str(data),
                 "--data", str(SETTINGS.ontology_dir / "vocabularies.ttl")]
    for key, value in params.items():
        arguments += ["--param", f"{key}={value}"]
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 0, result.stderr
    return [{name: term["value"] for name, term in binding.items()}
            for binding in json.loads(result.stdout)["results"]["bindings"]]


def test_complete_pool_is_returned_with_top_roles_and_top_regions(dataset):
    rows = consortium(dataset["complete"], theme="t", min="3")
    assert {(row["actor"].rsplit("/", 1)[-1], row["helixRole"].rsplit("/", 1)[-1], row["region"].rsplit("/", 1)[-1])
            for row in rows} == {
        ("a", "public-authority", "R1"),
        ("b", "research-academia", "R2"),
        ("c", "business", "R2"),
        ("d", "civil-society", "R3"),
    }
    assert {(row["regionCount"], row["roleCount"]) for row in rows} == {("3", "4")}


def test_too_few_regions_gives_no_answer(dataset):
    assert consortium(dataset["complete"], theme="t", min="4") == []


def test_default_minimum_is_two(dataset):
    assert len(consortium(dataset["complete"], theme="t")) == 4


def test_a_missing_helix_role_gives_no_answer(dataset):
    assert consortium(dataset["incomplete"], theme="t", min="1") == []


def test_a_narrower_theme_has_its_own_pool(dataset):
    """Only B works on T2: one region, one role, so no consortium."""
    assert consortium(dataset["complete"], theme="t2", min="1") == []


def test_default_is_complete_and_true_is_the_same(dataset):
    assert consortium(dataset["complete"], theme="t", complete="true") == consortium(dataset["complete"], theme="t")
    assert consortium(dataset["incomplete"], theme="t", min="1", complete="true") == []


def test_incomplete_pool_is_shown_with_the_roles_it_misses_when_complete_is_false(dataset):
    """Without D's theme: A, B, C on T from R1 and R2; nobody of the civil society."""
    rows = consortium(dataset["incomplete"], theme="t", min="2", complete="false")
    assert {(row["actor"].rsplit("/", 1)[-1], row["helixRole"].rsplit("/", 1)[-1], row["region"].rsplit("/", 1)[-1])
            for row in rows} == {
        ("a", "public-authority", "R1"),
        ("b", "research-academia", "R2"),
        ("c", "business", "R2"),
    }
    assert {(row["regionCount"], row["roleCount"], row["missingRoles"]) for row in rows} == {("2", "3", "civil society")}
    # Still at least "min" regions.
    assert consortium(dataset["incomplete"], theme="t", min="3", complete="false") == []


def test_complete_pool_misses_nothing_when_complete_is_false(dataset):
    rows = consortium(dataset["complete"], theme="t", min="3", complete="false")
    assert len(rows) == 4
    assert {row.get("missingRoles", "") for row in rows} == {""}


def test_narrower_theme_lists_every_role_it_misses(dataset):
    """Only B (hospital, research) works on T2."""
    rows = consortium(dataset["complete"], theme="t2", min="1", complete="false")
    assert [row["actor"].rsplit("/", 1)[-1] for row in rows] == ["b"]
    assert set(rows[0]["missingRoles"].split("; ")) == {"public authority", "business sector", "civil society"}


# Initiatives are actors only with a helix role and a region: N (network, civil society, R3, theme T)
# counts, M (no helix role) and R (no region) do not; H (cluster role, R2) counts through its
# planned activity Q on T, as the holder of a plan on the theme.
INITIATIVES = PREFIXES + f"""
graph:fixture {{
  theme:t a skos:Concept ; rdfs:label "T"@en .
  region:R1 a smh:Region . region:R2 a smh:Region . region:R3 a smh:Region .
  organisation:a a smh:PublicAuthority ; smh:basedIn region:R1 ; smh:helixRole helix:public-authority ; smh:theme theme:t .
  organisation:b a smh:Hospital ; smh:basedIn region:R2 ; smh:helixRole helix:hospital ; smh:theme theme:t .
  initiative:n a smh:Network ; smh:basedIn region:R3 ; smh:helixRole helix:civil-society ; smh:theme theme:t .
  initiative:m a smh:Initiative ; smh:basedIn region:R1 ; smh:theme theme:t .
  initiative:r a smh:Initiative ; smh:helixRole helix:business ; smh:theme theme:t .
  initiative:h a smh:Initiative ; smh:basedIn region:R2 ; smh:helixRole helix:cluster ; smh:hasPlan plan:q .
  plan:q a smh:PlannedActivity ; smh:theme theme:t .
}}
"""


@pytest.fixture(scope="module")
def initiatives(tmp_path_factory):
    folder = tmp_path_factory.mktemp("consortium-initiatives")
    with_plan = folder / "with-plan.trig"
    with_plan.write_text(INITIATIVES, encoding="utf-8")
    # Without the plan's theme, H no longer works on T: nobody of the business sector.
    without_plan = folder / "without-plan.trig"
    without_plan.write_text(INITIATIVES.replace("plan:q a smh:PlannedActivity ; smh:theme theme:t .",
                                                "plan:q a smh:PlannedActivity ."), encoding="utf-8")
    return {"with_plan": with_plan, "without_plan": without_plan}


def _actors(rows):
    return {(row["actor"].rsplit("/", 1)[-1], row["helixRole"].rsplit("/", 1)[-1], row["region"].rsplit("/", 1)[-1])
            for row in rows}


def test_initiatives_with_role_and_region_and_holders_of_plans_on_the_theme_are_actors(initiatives):
    rows = consortium(initiatives["with_plan"], theme="t", min="3")
    assert _actors(rows) == {
        ("a", "public-authority", "R1"),
        ("b", "research-academia", "R2"),
        ("n", "civil-society", "R3"),
        ("h", "business", "R2"),
    }
    assert {(row["regionCount"], row["roleCount"]) for row in rows} == {("3", "4")}


def test_without_the_plan_on_the_theme_its_holder_is_not_in_the_pool(initiatives):
    assert consortium(initiatives["without_plan"], theme="t", min="1") == []
    rows = consortium(initiatives["without_plan"], theme="t", min="3", complete="false")
    assert _actors(rows) == {("a", "public-authority", "R1"), ("b", "research-academia", "R2"),
                             ("n", "civil-society", "R3")}
    assert {row["missingRoles"] for row in rows} == {"business sector"}
