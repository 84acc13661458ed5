"""Saved queries: the competency questions as parameterised SPARQL files (queries/*.rq, grlc style)."""
