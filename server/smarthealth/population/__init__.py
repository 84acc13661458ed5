"""Populate the Smart Health knowledge graph from the five source documents (parsers + curated YAML)."""

from .build import BuildReport, build, ensure_built, load_dataset

__all__ = ["BuildReport", "build", "ensure_built", "load_dataset"]
