"""The deck's (000) lists of the pilot's regions: members, co-leads, observer, prospective."""

from __future__ import annotations

import pytest

from smarthealth.config import Settings
from smarthealth.errors import SourceError
from smarthealth.population.pilot_regions import parse_pilot_regions
from smarthealth.population.provenance import SourceText


@pytest.fixture(scope="module")
def regions():
    return parse_pilot_regions(SourceText.read(Settings().sources_dir / "000_47ec06a769ba5fcc.txt"))


def test_twelve_involved_and_two_prospective_regions(regions):
    involved = [r for r in regions if r.role != "prospective"]
    prospective = [r.name for r in regions if r.role == "prospective"]
    assert len(involved) == 12
    assert prospective == ["Cantabria", "South Holland"]


def test_three_co_leads_and_one_observer(regions):
    roles = {r.name: r.role for r in regions}
    assert {n for n, role in roles.items() if role == "co-lead"} == {
        "Flanders", "East Netherlands", "South Netherlands (Limburg and Brabant)"}
    observer = [r for r in regions if r.role == "observer"]
    assert [(r.name, r.period) for r in observer] == [("Aragon", "2026")]
    assert sum(1 for r in regions if r.role == "member") == 8


def test_count_in_heading_must_match_the_list(tmp_path):
    text = (Settings().sources_dir / "000_47ec06a769ba5fcc.txt").read_text(encoding="utf-8")
    source = tmp_path / "000_test.txt"
    source.write_text(text.replace("12 dynamic Regions involved", "13 dynamic Regions involved"),
                      encoding="utf-8")
    with pytest.raises(SourceError, match="announces 13 regions, the list has 12"):
        parse_pilot_regions(SourceText.read(source))
