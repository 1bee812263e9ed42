"""JSON Schema of the manifest format, built from the loader's own field tables.

Editors with the YAML language server use it to autocomplete keys and underline typos.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.show.fields import Field
from kiosk.show.loader import EXHIBIT_FIELDS, ITEM_KINDS, PLAY_FIELDS

SCHEMA_ID = "https://kiosk.invalid/manifest.schema.json"


def _object(table: Mapping[str, Field], required: tuple[str, ...] = ()) -> dict[str, Any]:
    props = {}
    for name, spec in table.items():
        prop = dict(spec.schema)
        prop.setdefault("description", spec.doc)
        props[name] = prop
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = list(required)
    return out


def manifest_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {kind: _object(table, (kind,)) for kind, table in ITEM_KINDS.items()}
    defs["defaults"] = _object(PLAY_FIELDS)
    defs["item"] = {"oneOf": [{"$ref": f"#/$defs/{kind}"} for kind in ITEM_KINDS]}
    schema = _object(EXHIBIT_FIELDS, ("items",))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "kiosk exhibit manifest",
        **schema,
        "$defs": defs,
    }
