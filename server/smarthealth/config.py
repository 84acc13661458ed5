"""Project paths and settings, resolved when asked for, never at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_BASE_IRI = "https://w3id.org/smart-health/id/"
ONTOLOGY_IRI = "https://w3id.org/smart-health/ontology"


def project_root() -> Path:
    """Return the checkout the package runs from (server/smarthealth/ is two levels down)."""
    override = os.environ.get("SMARTHEALTH_HOME")
    if override:
        return Path(override).resolve()
    return Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    """Where the project's inputs and outputs are, and the base IRI of instance data."""

    root: Path = field(default_factory=project_root)
    base_iri: str = field(
        default_factory=lambda: os.environ.get("SMARTHEALTH_BASE_IRI", DEFAULT_BASE_IRI)
    )
    build_dir: Path | None = None

    @property
    def sources_dir(self) -> Path:
        return self.root / "data" / "sources"

    @property
    def curated_dir(self) -> Path:
        return self.root / "data" / "curated"

    @property
    def output_dir(self) -> Path:
        return self.build_dir or self.root / "data" / "build"

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def dataset_path(self) -> Path:
        """The built dataset: one named graph per source document plus the ontology graph."""
        return self.output_dir / "smart-health.trig"

    def with_build_dir(self, build_dir: Path) -> "Settings":
        return replace(self, build_dir=Path(build_dir))
