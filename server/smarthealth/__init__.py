"""Smart Health knowledge graph: build, check and serve the graph of the Smart Health ecosystem."""

__version__ = "0.1.0"
