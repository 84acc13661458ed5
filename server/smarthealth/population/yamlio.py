"""Read curated YAML files keeping the line number of every mapping, for error messages."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import SourceError

LINE = "__line__"


class _LineLoader(yaml.SafeLoader):
    """A safe loader that records where each mapping starts."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE] = node.start_mark.line + 1
        return mapping


def _no_duplicate_keys(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise SourceError(
                f"duplicate key {key!r}", where=f"{node.start_mark.name}:{key_node.start_mark.line + 1}"
            )
        seen.add(key)
    return _LineLoader.construct_mapping(loader, node, deep)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicate_keys)


def load_yaml(path: Path):
    """Load a curated YAML file; a syntax error becomes a SourceError naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError("curated file is missing", where=str(path)) from None
    try:
        loader = _LineLoader(text)
        loader.name = str(path)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(error, "problem", None) or str(error)
        raise SourceError(f"malformed YAML: {problem}", where=where) from None


def where(path: Path, record) -> str:
    """Return "file:line" of a record loaded by load_yaml."""
    line = record.get(LINE) if isinstance(record, dict) else None
    return f"{path}:{line}" if line else str(path)
