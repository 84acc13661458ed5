"""The entity registry: one entity, one IRI, whatever the spelling."""

from __future__ import annotations

import pytest

from smarthealth.config import Settings
from smarthealth.errors import SourceError
from smarthealth.population.iris import Iris
from smarthealth.population.registry import Registry


@pytest.fixture(scope="module")
def registry():
    settings = Settings()
    return Registry.load(settings.curated_dir / "entities.yaml", Iris(settings.base_iri))


@pytest.mark.parametrize("names,key", [
    (["Imec", "imec", "IMEC"], "imec"),
    (["KU Leuven", "KULeuven"], "ku-leuven"),
    (["Ugent", "UGent"], "ugent"),
    (["U Hasselt"], "uhasselt"),
    (["Flanders Bio", "flanders.bio", "FlandersBio"], "flanders-bio"),
    (["MedTech Flanders", "MedTechFlanders"], "medtech-flanders"),
    (["DSP Valley", "DSP-valley"], "dsp-valley"),
    (["RegMed XB", "Regmed XB", "RegMed-XB", "RegMedXB"], "regmed-xb"),
    (["VLAIO", "Agentschap Innoveren & Ondernemen VLAIO"], "vlaio"),
    (["EWI", "DEWI", "Departement Economie, Wetenschap & Innovatie"], "ewi"),
])
def test_spellings_resolve_to_one_key(registry, names, key):
    assert {registry.resolve(name).key for name in names} == {key}
    assert len({registry.iri(registry.resolve(name)) for name in names}) == 1


def test_region_iri_uses_the_nuts_code(registry):
    assert str(registry.iri(registry.get("flanders", where="test"))).endswith("/region/BE2")
    assert str(registry.iri(registry.get("imec", where="test"))).endswith("/organisation/imec")


def test_unknown_name_resolves_to_nothing(registry):
    assert registry.resolve("Atlantis Biotech") is None


def test_name_given_to_two_entities_fails(tmp_path):
    path = tmp_path / "entities.yaml"
    path.write_text("a-one:\n  class: Company\n  label: {en: Same}\n"
                    "b-two:\n  class: Company\n  label: {en: Other}\n  altLabels: [same]\n", encoding="utf-8")
    with pytest.raises(SourceError, match="name 'same' is given to both 'a-one' and 'b-two'") as error:
        Registry.load(path, Iris("https://example.org/"))
    assert f"{path}:5" in str(error.value)  # the first line of b-two's record


def test_unknown_class_fails_with_line(tmp_path):
    path = tmp_path / "entities.yaml"
    path.write_text("x:\n  class: Spaceship\n  label: {en: X}\n", encoding="utf-8")
    with pytest.raises(SourceError, match="unknown class 'Spaceship'") as error:
        Registry.load(path, Iris("https://example.org/"))
    assert f"{path}:2" in str(error.value)


def test_duplicate_key_fails_with_line(tmp_path):
    path = tmp_path / "entities.yaml"
    path.write_text("x:\n  class: Company\n  label: {en: X}\nx:\n  class: Company\n  label: {en: Y}\n",
                    encoding="utf-8")
    with pytest.raises(SourceError, match="duplicate key 'x'") as error:
        Registry.load(path, Iris("https://example.org/"))
    assert f"{path}:4" in str(error.value)
