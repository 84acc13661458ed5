"""Describe the saved queries: the JSON catalogue entries and an OpenAPI 3.1 document."""

from __future__ import annotations

from .. import __version__
from .catalog import SavedQuery
from ..config import DEFAULT_BASE_IRI
from .params import IRI_PATTERN, KEY_PATTERN, Parameter, XSD, XSD_LEXICAL, allowed_values
from .render import CONTENT_TYPES, FORMAT_NAMES, SPARQL_JSON

OPENAPI_VERSION = "3.1.0"

# XSD datatype local name -> JSON Schema of the parameter (the lexical pattern where no JSON type fits).
JSON_SCHEMA_OF_DATATYPE = {
    "integer": {"type": "integer"},
    "nonNegativeInteger": {"type": "integer", "minimum": 0},
    "positiveInteger": {"type": "integer", "minimum": 1},
    "decimal": {"type": "number"},
    "double": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "dateTime": {"type": "string", "format": "date-time"},
    "string": {"type": "string"},
}

# A value of an IRI parameter: a short key or a full IRI (the two patterns params.py checks).
IRI_OR_KEY_PATTERN = f"{KEY_PATTERN}|{IRI_PATTERN}"
PARAMETER_TYPE_NAMES = {
    "iri": "iri",
    "string": "string",
    "number": "number",
    "lang-literal": "language-tagged string",
    "typed-literal": "typed literal",
}


def parameter_schema(parameter: Parameter, *, base_iri: str = DEFAULT_BASE_IRI) -> dict:
    """Return the JSON Schema of a parameter's value."""
    if parameter.type == "iri":
        schema = {"type": "string", "pattern": f"^(?:{IRI_OR_KEY_PATTERN})$"}
        if parameter.enum:
            schema = {"type": "string", "enum": allowed_values(parameter, base_iri=base_iri)}
    elif parameter.type == "typed-literal":
        local = parameter.datatype.removeprefix(XSD)
        schema = dict(JSON_SCHEMA_OF_DATATYPE.get(local)
                      or {"type": "string", "pattern": f"^(?:{XSD_LEXICAL[local][0]})$"})
    elif parameter.type == "number":
        schema = {"type": "number"}
    else:
        schema = {"type": "string", "minLength": 1}
        if parameter.enum:
            schema["enum"] = list(parameter.enum)
    if parameter.default is not None:
        schema["default"] = _typed(schema, parameter.default)
    return schema


def _typed(schema: dict, value: str):
    """Return a header value as the JSON type of its schema (defaults and examples)."""
    kind = schema.get("type")
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "boolean":
        return value in ("true", "1")
    return value


def parameter_description(parameter: Parameter) -> str:
    """Return the sentence describing a parameter in the catalogue and the OpenAPI document."""
    text = f"{'Required' if not parameter.optional else 'Optional'}: {parameter.expected}."
    if parameter.default is not None:
        text += f" Default: {parameter.default}."
    if not parameter.required:
        text += " Left out, the query does not filter on it."
    return text


def describe_query(query: SavedQuery, *, base_iri: str = DEFAULT_BASE_IRI) -> dict:
    """Return the JSON catalogue entry of a saved query."""
    return {
        "name": query.name,
        "summary": query.summary,
        "description": query.description,
        "tags": list(query.tags),
        "method": query.method,
        "pagination": query.pagination,
        "columns": list(query.projection),
        "parameters": [
            {
                "name": p.name,
                "required": not p.optional,
                "type": PARAMETER_TYPE_NAMES[p.type],
                "datatype": p.datatype,
                "language": p.lang,
                "description": parameter_description(p),
                "example": p.example or p.default or (p.enum[0] if p.enum else None),
                "default": p.default,
                "enum": allowed_values(p, base_iri=base_iri) if p.enum else None,
                "variable": f"?{p.variable}",
            }
            for p in query.params
        ],
    }


def _operation(query: SavedQuery, base_iri: str) -> dict:
    parameters = []
    for p in query.params:
        schema = parameter_schema(p, base_iri=base_iri)
        entry = {
            "name": p.name,
            "in": "query",
            "required": not p.optional,
            "description": parameter_description(p),
            "schema": schema,
        }
        example = p.example or p.default or (p.enum[0] if p.enum else None)
        if example is not None:
            entry["example"] = _typed(schema, example)
        parameters.append(entry)
    if query.pagination:
        parameters.append({
            "name": "page", "in": "query", "required": False,
            "description": f"Page of {query.pagination} rows (grlc-style pagination; see the Link header).",
            "schema": {"type": "integer", "minimum": 1, "default": 1},
        })
    parameters.append({
        "name": "format", "in": "query", "required": False,
        "description": "Answer format, instead of the Accept header.",
        "schema": {"type": "string", "enum": sorted(FORMAT_NAMES)},
    })
    content = {media_type: {"schema": {"type": "string"}} for media_type in CONTENT_TYPES}
    content[SPARQL_JSON] = {"schema": {"$ref": "#/components/schemas/SparqlResults"}}
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {
        "operationId": query.name.replace("-", "_"),
        "summary": query.summary,
        "description": query.description
        + (f"\n\nColumns: {', '.join(query.projection)}." if query.projection else ""),
        "tags": list(query.tags) or ["queries"],
        "parameters": parameters,
        "responses": {
            "200": {"description": "The answer (SPARQL 1.1 results or a table).", "content": content},
            "400": {"description": "A parameter is missing, unknown or of the wrong type.", "content": error},
            "406": {"description": "No offered media type matches the Accept header.", "content": error},
        },
    }


def build_spec(queries: list[SavedQuery], *, server_url: str = "/api",
               base_iri: str = DEFAULT_BASE_IRI) -> dict:
    """Return the OpenAPI 3.1 document of the saved-queries API."""
    paths = {f"/queries/{query.name}": {"get": _operation(query, base_iri)} for query in queries}
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    paths["/queries"] = {"get": {
        "operationId": "list_queries",
        "summary": "List the saved queries with their parameters",
        "tags": ["catalogue"],
        "responses": {"200": {"description": "The catalogue.", "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}}},
    }}
    paths["/queries/{name}/sparql"] = {"get": {
        "operationId": "query_text",
        "summary": "The SPARQL file of a saved query",
        "tags": ["catalogue"],
        "parameters": [{"name": "name", "in": "path", "required": True,
                        "schema": {"type": "string", "enum": [q.name for q in queries]}}],
        "responses": {
            "200": {"description": "The .rq file.", "content": {"application/sparql-query": {"schema": {"type": "string"}}}},
            "404": {"description": "No saved query has this name.", "content": error},
        },
    }}
    tags = sorted({tag for query in queries for tag in query.tags})
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Smart Health knowledge graph: saved queries",
            "version": __version__,
            "description": "The competency questions of the Smart Health knowledge graph (Vanguard "
                           "Initiative Smart Health pilot, S3P4PM) as parameterised SPARQL queries. "
                           "Values are bound as typed RDF terms; IRI parameters take a short key "
                           "(BE2, ku-leuven, business) or a full IRI.",
            "license": {"name": "MIT (code); CC-BY-4.0 (data)", "identifier": "MIT"},
        },
        "servers": [{"url": server_url}],
        "tags": [{"name": tag} for tag in tags] + [{"name": "catalogue"}],
        "paths": paths,
        "components": {"schemas": {
            "Error": {
                "type": "object",
                "required": ["error", "status"],
                "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
            },
            "SparqlResults": {
                "type": "object",
                "description": "SPARQL 1.1 Query Results JSON Format.",
                "required": ["head", "results"],
                "properties": {
                    "head": {"type": "object", "properties": {
                        "vars": {"type": "array", "items": {"type": "string"}}}},
                    "results": {"type": "object", "properties": {
                        "bindings": {"type": "array", "items": {
                            "type": "object",
                            "additionalProperties": {"$ref": "#/components/schemas/RdfTerm"},
                        }}}},
                },
            },
            "RdfTerm": {
                "type": "object",
                "required": ["type", "value"],
                "properties": {
                    "type": {"type": "string", "enum": ["uri", "literal", "bnode", "triple"]},
                    "value": {"type": "string"},
                    "xml:lang": {"type": "string"},
                    "datatype": {"type": "string"},
                },
            },
        }},
    }
