"""The published JSON Schema of PSP version 1 (``schemas/psp-1.schema.json``)."""

from __future__ import annotations

from typing import Any

from medsec.profiles.psp import ProductSecurityProfile

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) generated from the pydantic models, in validation mode."""
    schema = ProductSecurityProfile.model_json_schema(mode="validation")
    return {"$schema": SCHEMA_DIALECT, **schema}
