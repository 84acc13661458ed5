"""The Flanders personalised-medicine profile (004): flags, indicators, lists, ratings."""

from __future__ import annotations

from pathlib import Path

import pytest

from smarthealth.config import Settings
from smarthealth.errors import SourceError
from smarthealth.population.provenance import SourceText
from smarthealth.population.region_profile import parse_region_profile

FIXTURES = Path(__file__).parent / "fixtures" / "population"
PROFILE = Settings().sources_dir / "004_92df48ec1dc621d2.txt"


@pytest.fixture(scope="module")
def profile():
    return parse_region_profile(SourceText.read(PROFILE))


def test_header_names_the_nuts_region(profile):
    assert profile.nuts == "BE2"


def test_membership_flags_8_yes_11_no_1_country_level(profile):
    answers = [answer for _, _, _, answer in profile.flags]
    assert answers.count("yes") == 8
    assert answers.count("no") == 11
    assert answers.count("country level member") == 1
    subjects = {subject: answer for _, _, subject, answer in profile.flags}
    assert subjects["Member ICPerMed"] == "no"
    assert subjects["Vanguard Initiative"] == "yes"
    assert subjects["1M+Genome initiative"] == "country level member"


def test_mountain_line_is_a_classification_not_a_flag(profile):
    assert profile.mountain[2] == "Non-mountain"
    assert all("Mountain" not in subject for _, _, subject, _ in profile.flags)


def test_numbered_lists(profile):
    assert [item.text for item in profile.lists["policy-documents"]] == [
        "Regional level: Vlaamse Beleidsplan Gepersonaliseerde Geneeskunde",
        "Regional level: Vlaanderen in transitie",
        "Regional press release: SAPHIRe",
        "National action plan eHealth",
    ]
    initiatives = profile.lists["initiatives"]
    assert len(initiatives) == 32
    assert initiatives[0].text == "GAP (Genomics Application Platform)"
    assert initiatives[-1].number == 37
    organisations = profile.lists["organisations"]
    assert len(organisations) == 32
    assert organisations[25].number == 26 and organisations[25].text == "industry"


def test_six_self_evaluation_ratings(profile):
    ratings = {key: value for _, _, key, value in profile.ratings}
    assert ratings == {
        "pm-implementation-level": "Medium",
        "need-developing-pm": "Very High",
        "need-support-funding": "High",
        "need-pm-skills": "High",
        "genomics-literacy": "Medium",
        "need-interregional-collaboration": "Medium",
    }


def test_topics_line_found(profile):
    line, text = profile.topics_line
    assert text.split(":", 1)[1].count(";") == 6


def test_unknown_flag_fails_naming_file_and_line(tmp_path):
    source = tmp_path / "004_test.txt"
    text = PROFILE.read_text(encoding="utf-8") + (FIXTURES / "profile_unknown_flag.txt").read_text()
    source.write_text(text, encoding="utf-8")
    line = text.count("\n", 0, text.index("Member Atlantis")) + 1
    with pytest.raises(SourceError) as error:
        parse_region_profile(SourceText.read(source))
    assert f"{source}:{line}" in str(error.value)
    assert "unknown membership flag 'Member Atlantis Health Network'" in str(error.value)
