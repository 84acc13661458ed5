"""Check with the OWL API (the library Protégé is built on) that an ontology document opens offline
through the catalog and that its imports closure is in the OWL 2 DL profile."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from ..errors import SmartHealthError

log = logging.getLogger(__name__)

CHECKER = Path(__file__).parent / "java" / "ProfileCheck.java"
CATALOG_NAMESPACE = {"catalog": "urn:oasis:names:tc:entity:xmlns:xml:catalog"}


class ProfileCheckUnavailable(SmartHealthError):
    """Java or the OWL API jar that the profile check needs is missing."""


@dataclass
class ProfileReport:
    """What the OWL API saw: the ontology, its imports, axiom count, OWL 2 DL violations, missing imports."""

    ontology: str | None = None
    imported: list[str] = field(default_factory=list)
    axioms: int = 0
    in_owl2_dl: bool = False
    violations: list[str] = field(default_factory=list)
    missing_imports: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.in_owl2_dl and not self.missing_imports


def owlapi_jar() -> Path:
    """Return the HermiT jar shipped with owlready2, which bundles the OWL API 3."""
    import owlready2

    jar = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"
    if not jar.is_file():
        raise ProfileCheckUnavailable(f"no HermiT.jar in the owlready2 package ({jar})")
    return jar


def compiled_checker(jar: Path) -> Path:
    """Compile ProfileCheck.java once (cached by its content in the temporary folder) and return the class folder."""
    digest = hashlib.sha1(CHECKER.read_bytes() + str(jar).encode()).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / f"smarthealth-profilecheck-{digest}"
    if (folder / "ProfileCheck.class").is_file():
        return folder
    javac = shutil.which("javac")
    if javac is None:
        raise ProfileCheckUnavailable("javac is not on the PATH; the OWL 2 DL profile check compiles a small Java class")
    building = Path(tempfile.mkdtemp(prefix="smarthealth-profilecheck-"))
    completed = subprocess.run(
        [javac, "-nowarn", "-cp", str(jar), "-d", str(building), str(CHECKER)],
        capture_output=True, text=True, timeout=300,
    )
    if completed.returncode != 0:
        raise ProfileCheckUnavailable(f"ProfileCheck.java does not compile: {completed.stderr.strip()[:500]}")
    try:
        building.rename(folder)  # atomic: a concurrent compile either wins or finds the folder there
    except OSError:
        shutil.rmtree(building, ignore_errors=True)
    return folder


def catalog_mappings(catalog: Path) -> dict[str, Path]:
    """Read an OASIS XML catalog (catalog-v001.xml) into ontology IRI -> local file."""
    root = ElementTree.parse(catalog).getroot()
    return {
        entry.get("name"): (catalog.parent / entry.get("uri")).resolve()
        for entry in root.findall("catalog:uri", CATALOG_NAMESPACE)
    }


def check_profile(document: Path, settings: Settings, *, mappings: dict[str, Path] | None = None) -> ProfileReport:
    """Load a document with the OWL API, imports resolved only through the catalog, and report its OWL 2 DL status."""
    java = shutil.which("java")
    if java is None:
        raise ProfileCheckUnavailable("java is not on the PATH; the OWL 2 DL profile check needs it")
    if mappings is None:
        mappings = catalog_mappings(settings.ontology_dir / "catalog-v001.xml")
    jar = owlapi_jar()
    classes = compiled_checker(jar)
    command = [java, "-cp", f"{jar}{os.pathsep}{classes}", "ProfileCheck", str(Path(document).resolve())]
    command += [f"{iri}={path}" for iri, path in sorted(mappings.items())]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    report = ProfileReport()
    for line in completed.stdout.splitlines():
        keyword, _, rest = line.partition(" ")
        if keyword == "ONTOLOGY":
            report.ontology = rest
        elif keyword == "IMPORTED":
            report.imported.append(rest)
        elif keyword == "AXIOMS":
            report.axioms = int(rest)
        elif keyword == "VIOLATION":
            report.violations.append(rest)
        elif keyword == "MISSING-IMPORT" and rest not in report.missing_imports:
            report.missing_imports.append(rest)
        elif keyword == "PROFILE":
            report.in_owl2_dl = rest == "OWL2-DL"
    if completed.returncode != 0 or report.ontology is None:
        errors = [line for line in completed.stderr.splitlines() if line.strip() and not line.startswith("Note:")]
        raise SmartHealthError(
            "the OWL API could not load the ontology: " + " ".join(errors[:5]), where=str(document)
        )
    log.info("OWL API: %s, %d axioms, OWL 2 DL: %s", report.ontology, report.axioms, report.in_owl2_dl)
    return report
