"""The ``validate``, ``reason`` and ``ontology`` commands as a user runs them (a real process):
the built graph validates with zero violations and reasons consistent; bad data is reported with
focus node, path, message, severity and source quote, and exit code 1."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CASES_DIR = Path(__file__).parent / "shapes"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "smarthealth", *args],
        capture_output=True, text=True, timeout=300, cwd=cwd,
    )


@pytest.fixture(scope="module")
def built_dataset(built) -> Path:
    return Path(built.dataset_path)


def test_without_a_file_the_commands_use_the_built_graph(built, settings):
    from smarthealth.validation.cli import resolve_dataset

    assert resolve_dataset(None, settings) == Path(built.dataset_path)
    assert resolve_dataset(Path("other.ttl"), settings) == Path("other.ttl")


def test_built_graph_validates_with_zero_violations(built_dataset):
    result = run("validate", str(built_dataset))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Conforms: 0 violations" in result.stdout
    checked = int(result.stdout.split(" nodes checked against ")[0].rsplit(", ", 1)[1])
    assert checked > 500


def test_built_graph_is_consistent(built_dataset):
    result = run("reason", str(built_dataset))
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "Consistent." in result.stdout
    assert "Unsatisfiable classes: 0." in result.stdout


def test_validate_reports_each_violation_with_its_source_quote():
    result = run("validate", str(CASES_DIR / "membership-1-invalid.ttl"))
    assert result.returncode == 1
    assert "Violation: id:membership/BE2--errin" in result.stdout
    assert "path:     org:role" in result.stdout
    assert "a membership needs exactly one org:role" in result.stdout
    assert 'source:   id:source/000_47ec06a769ba5fcc: "Launched in April 2021"' in result.stdout
    assert "Does not conform: 1 violations" in result.stdout


def test_validate_writes_the_shacl_report(tmp_path):
    from rdflib import Graph, Literal, Namespace, URIRef

    sh = Namespace("http://www.w3.org/ns/shacl#")
    report_path = tmp_path / "report.ttl"
    result = run("validate", "--report", str(report_path), str(CASES_DIR / "funding-2-invalid.ttl"))
    assert result.returncode == 1
    report = Graph().parse(report_path, format="turtle")
    [node] = list(report.subjects(sh.conforms, None))
    assert report.value(node, sh.conforms) == Literal(False)
    [result_node] = list(report.objects(node, sh.result))
    assert report.value(result_node, sh.focusNode) == URIRef("https://w3id.org/smart-health/id/funding/icon-2019")
    assert report.value(result_node, sh.resultPath) == URIRef("https://w3id.org/smart-health/ontology#currency")


def test_validate_a_valid_file_exits_zero():
    result = run("validate", str(CASES_DIR / "membership-1-valid.ttl"))
    assert result.returncode == 0, result.stdout
    assert "Conforms: 0 violations" in result.stdout


def test_reason_reports_the_inconsistent_individual():
    result = run("reason", str(CASES_DIR / "membership-2-invalid.ttl"))
    assert result.returncode == 1
    assert "INCONSISTENT." in result.stdout
    assert "id:region/BE2 org:memberOf id:initiative/errin is stated, but a negative property assertion" in result.stdout


def test_missing_file_is_a_clear_error_not_a_traceback(tmp_path):
    result = run("validate", str(tmp_path / "nothing.trig"))
    assert result.returncode == 1
    assert "nothing.trig: no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_unparseable_file_is_a_clear_error(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text("<a> <b> .", encoding="utf-8")
    result = run("reason", str(broken))
    assert result.returncode == 1
    assert "broken.ttl: not valid turtle" in result.stderr
    assert "Traceback" not in result.stderr


def test_ontology_check_passes_and_the_owl_copy_is_current():
    result = run("ontology", "--check")
    assert result.returncode == 0, result.stdout
    assert "FAIL" not in result.stdout
    assert "smart-health.owl is current." in result.stdout


@pytest.mark.skipif(shutil.which("javac") is None, reason="javac not on the PATH (the OWL API check compiles a class)")
def test_built_graph_with_the_ontology_is_owl2_dl_once_dates_are_strings(built_dataset, settings, tmp_path):
    from smarthealth.validation.dl_profile import check_profile
    from smarthealth.validation.graphs import load_ontology, read_graph
    from smarthealth.validation.reasoning import reasoning_copy

    copy, converted = reasoning_copy(load_ontology(settings) + read_graph(built_dataset))
    assert converted > 0
    document = tmp_path / "ontology-and-data.ttl"
    copy.serialize(document, format="turtle")
    report = check_profile(document, settings, mappings={})
    assert report.violations == []
    assert report.in_owl2_dl
