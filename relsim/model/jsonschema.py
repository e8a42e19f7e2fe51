"""A JSON Schema of the model file, for editors (``relsim schema``).

The schema is exported from the pydantic classes that validate a model
(:mod:`relsim.model.schema`, :mod:`relsim.model.traffic`,
:mod:`relsim.model.common`), so it cannot drift from what the loader
accepts. It describes what a YAML file *contains*, not the parsed Python
values: a duration is the string ``30s`` (or a bare ``0``), a distribution
``exp(mean=1h)`` or a ``{dist: ...}`` mapping, a fraction ``0.999`` or
``99.9%``. Each field type that parses text (a ``BeforeValidator`` in
:mod:`relsim.model.common`) is mapped to the JSON Schema of its text form
in :data:`VALUE_SCHEMAS`, defaults are written the way a model file would
write them, every key gets its description from
:mod:`relsim.model.descriptions`, and sections reject unknown keys
(``additionalProperties: false``), as the loader does.

A validator the table does not know raises an error when the schema is
built, so a new value type cannot silently be exported as a bare number.
Editors that read it: VS Code with the YAML extension (a
``# yaml-language-server: $schema=...`` comment at the top of the file) and
JetBrains IDEs (docs/model-format.md, "Editor support").
"""

from __future__ import annotations

import copy
import math
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema as cs

from relsim.dists import DIST_NAMES, Distribution
from relsim.model.descriptions import DESCRIPTIONS
from relsim.model.schema import ModelSpec
from relsim.units import SIZE_UNITS, UNITS, format_duration_spec

__all__ = ["SCHEMA_ID", "VALUE_SCHEMAS", "model_json_schema"]

#: The dialect of the exported schema.
DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: Its identifier (a name, not a place it is fetched from).
SCHEMA_ID = "urn:relsim:model-file"

_NUM = r"[+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_TIME_UNITS = "|".join(sorted(UNITS, key=len, reverse=True))  # ms before m and s
_ZERO = {"type": "number", "const": 0, "description": "zero needs no unit"}
_ZERO_TEXT = r"^\s*[+]?(?:0+(?:\.0*)?|\.0+)(?:[eE][+-]?\d+)?\s*$"


def _nocase(word: str) -> str:
    """A regular expression matching ``word`` in any case (JSON Schema patterns have no flags)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


# The closing parenthesis is optional: YAML flow style ({lasts: lognormal(mean=2h, sd=1h)})
# ends a plain scalar at a comma, and the loader re-joins the pieces (see _SPLIT_KEY).
_DIST_CALL = (r"^\s*(?:" + "|".join(_nocase(n) for n in sorted(DIST_NAMES, key=len, reverse=True))
              + r")\s*\(.*$")
#: Keys that are the rest of a distribution YAML flow style split at a comma
#: (``sd=1h)``, ``5m)``, ``2h``): valueless, and the loader re-joins them to the
#: value before (relsim.model.yamlmarks). A misspelt key never looks like these.
_SPLIT_KEY = r"[=)\]]|^\s*[+\-.\d]"

#: The JSON Schema of each text-parsing value type, by the name of its
#: validator in :mod:`relsim.model.common` (or :mod:`relsim.model.traffic`).
VALUE_SCHEMAS: dict[str, JsonSchemaValue] = {
    "_duration": {
        "anyOf": [
            {"type": "string", "pattern": rf"^\s*{_NUM}\s*(?:{_TIME_UNITS})\s*$"},
            {"type": "string", "pattern": _ZERO_TEXT},
            _ZERO,
        ],
        "description": "a duration: a number and a unit, ms s m h d w y (m is minutes, y is 365 days)",
        "examples": ["30s", "5m", "10h", "1.5d", "1y"],
    },
    "_rate": {
        "anyOf": [
            {"type": "string", "pattern": rf"^\s*{_NUM}\s*/\s*(?:{_TIME_UNITS})\s*$"},
            {"type": "string", "pattern": _ZERO_TEXT},
            _ZERO,
        ],
        "description": "a rate: a number, '/', and a time unit",
        "examples": ["100/s", "5/m", "2/h"],
    },
    "_fraction": {
        "anyOf": [
            {"type": "number", "minimum": 0, "maximum": 1},
            {"type": "string", "pattern": rf"^\s*{_NUM}\s*%\s*$"},
            {"type": "string", "pattern": rf"^\s*{_NUM}\s*$"},
        ],
        "description": "a fraction between 0 and 1, or a percentage",
        "examples": [0.999, "99.95%"],
    },
    "_size": {
        "type": "string",
        "pattern": rf"^\s*{_NUM}\s*(?:{'|'.join(SIZE_UNITS)})\s*$",
        "description": "a data size: a number and a unit (B, KB, MB, GB, TB, KiB..TiB; b, Kb..Tb are bits)",
        "examples": ["50GB", "512MiB"],
    },
    "_bandwidth": {
        "type": "string",
        "pattern": rf"^\s*{_NUM}\s*(?:{'|'.join(SIZE_UNITS)})\s*/\s*s\s*$",
        "description": "a bandwidth: a data size per second",
        "examples": ["1Gb/s", "200MB/s"],
    },
    "_dist": {
        "anyOf": [
            {"type": "string", "pattern": _DIST_CALL},
            {"type": "object", "required": ["dist"],
             "properties": {"dist": {"type": "string", "pattern": "^\\s*(?:" + "|".join(
                 _nocase(n) for n in sorted(DIST_NAMES, key=len, reverse=True)) + ")\\s*$"}}},
        ],
        "description": ("a distribution: exp(mean=10h), exp(rate=2/h), weibull(shape=1.5, mean=1000h), "
                        "lognormal(mean=10h, sd=5h), gamma(shape=2, mean=1h), normal(mean=1h, sd=10m), "
                        "uniform(1m, 5m), fixed(30s), empirical([1h, 2h, 5h]), or {dist: NAME, ...}"),
        "examples": ["exp(mean=1000h)", "lognormal(mean=4h, sd=2h)", "fixed(30s)"],
    },
    "_names": {
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        "description": "a name or a list of names",
    },
    "_delay": {},  # filled in below: a duration or a distribution
    "_times": {},  # filled in below: a duration or a list of durations
    "_start_day": {
        "anyOf": [{"type": "string", "pattern": r"^\s*(?i:mon|tue|wed|thu|fri|sat|sun)[a-z]*\s*$"},
                  {"type": "integer", "minimum": 0, "maximum": 6}],
        "description": "a day of the week: monday ... sunday (or mon ... sun)",
        "examples": ["monday", "sun"],
    },
    "_start_time": {
        "anyOf": [{"type": "string", "pattern": r"^\s*\d{1,2}:\d{2}\s*$"}, {"type": "number", "minimum": 0}],
        "description": "a time of day, HH:MM",
        "examples": ["00:00", "08:30"],
    },
    "_windows": {
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        "description": ("weekly windows: days then HH:MM-HH:MM, e.g. 'Mon-Fri 10:00-16:00', "
                        "'daily 22:00-02:00', or a list of them"),
        "examples": ["Mon-Fri 10:00-16:00", ["Sat,Sun 02:00-06:00"]],
    },
    "_strict_int": {},  # the inner integer schema (with its bounds) as it stands
    "_idempotent": {},  # true/false or a fraction: see _inner_with
}
#: alerts.NAME.baseline_floor: an error rate or errors per second (relsim/model/incidents.py).
VALUE_SCHEMAS["_floor"] = {
    "anyOf": [VALUE_SCHEMAS["_fraction"], VALUE_SCHEMAS["_rate"]],
    "description": "an error rate (2%) or errors per second (0.5/s)",
    "examples": ["2%", "0.5/s"],
}
VALUE_SCHEMAS["_delay"] = {
    "anyOf": [VALUE_SCHEMAS["_duration"], VALUE_SCHEMAS["_dist"]],
    "description": "a duration (exactly that long) or a distribution",
    "examples": ["10m", "exp(mean=30m)"],
}
VALUE_SCHEMAS["_times"] = {
    "anyOf": [VALUE_SCHEMAS["_duration"], {"type": "array", "items": VALUE_SCHEMAS["_duration"]}],
    "description": "a model time or a list of them",
    "examples": ["30d", ["30d", "90d"]],
}
_WITH_INNER = {"_strict_int": None, "_idempotent": {"type": "boolean"}}


def _validator_name(schema: cs.CoreSchema) -> str | None:
    fn = schema.get("function", {}).get("function")  # type: ignore[union-attr]
    return getattr(fn, "__name__", None)


def _value_kind(schema: Any) -> str | None:
    """The text-parsing validator a field's core schema runs first, if any."""
    while isinstance(schema, dict):
        kind = schema.get("type")
        if kind == "function-before":
            return _validator_name(schema)
        if kind in ("nullable", "function-after", "default"):
            schema = schema.get("schema")
        else:
            return None
    return None


def _as_written(value: Any, kind: str | None) -> Any:
    """A default value the way a model file writes it (``_SKIP`` if it has no such form)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, Distribution):
        return value.spec()
    if isinstance(value, BaseModel):
        return _SKIP  # a whole section: its own keys show their defaults
    if isinstance(value, (tuple, list)):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, (int, float)) and math.isfinite(value):
        if kind == "_duration":
            return 0 if value == 0 else format_duration_spec(float(value))
        if kind == "_rate":
            return 0 if value == 0 else f"{value:g}/s"
        return value
    return _SKIP


_SKIP = object()


class _ModelFileSchema(GenerateJsonSchema):
    """pydantic's JSON Schema generator, speaking the model file's text forms."""

    def function_before_schema(self, schema: cs.BeforeValidatorFunctionSchema) -> JsonSchemaValue:
        name = _validator_name(schema)
        if name in _WITH_INNER:
            inner = self.generate_inner(schema["schema"])
            extra = _WITH_INNER[name]
            return inner if extra is None else {"anyOf": [extra, inner]}
        if name not in VALUE_SCHEMAS:
            raise TypeError(f"the JSON Schema of values checked by {name!r} is unknown: add it to "
                            "VALUE_SCHEMAS in relsim/model/jsonschema.py")
        return copy.deepcopy(VALUE_SCHEMAS[name])

    def default_schema(self, schema: cs.WithDefaultSchema) -> JsonSchemaValue:
        json_schema = self.generate_inner(schema["schema"])
        if "default" in schema:
            value = schema["default"]
        elif "default_factory" in schema and not schema.get("default_factory_takes_data"):
            value = schema["default_factory"]()  # type: ignore[call-arg]
        else:
            return json_schema
        shown = _as_written(value, _value_kind(schema["schema"]))
        if shown is not _SKIP:
            json_schema = {**json_schema, "default": shown}
        return json_schema


def _describe(doc: dict[str, Any]) -> None:
    """Put each key's description from :data:`DESCRIPTIONS` on its property."""
    sections = {"ModelSpec": doc, **doc.get("$defs", {})}
    for cls_name, section in sections.items():
        table = DESCRIPTIONS.get(cls_name, {})
        for key, prop in section.get("properties", {}).items():
            if key in table:
                prop.pop("title", None)
                what = prop.get("description")
                prop["description"] = table[key] if not what else f"{table[key]} Value: {what}."


_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


def _tidy(node: Any) -> None:
    """JSON Schema keywords for pydantic's bounds; flow-style fragments allowed where keys are closed."""
    if isinstance(node, list):
        for item in node:
            _tidy(item)
        return
    if not isinstance(node, dict):
        return
    numeric = node.get("type") in ("integer", "number")
    for bound, keyword in _BOUNDS.items():
        if bound in node and not isinstance(node[bound], dict):  # a bound, not a property named so
            value = node.pop(bound)
            if numeric:
                node[keyword] = value
    if node.get("additionalProperties") is False:
        node.setdefault("patternProperties", {})[_SPLIT_KEY] = {"type": "null"}
    for key, value in node.items():
        if key == "properties":
            for prop in value.values():
                _tidy(prop)
        else:
            _tidy(value)


def model_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a relsim model file.

    Returns
    -------
    dict
        A JSON-ready schema: ``relsim schema`` prints it.
    """
    doc = ModelSpec.model_json_schema(by_alias=True, mode="validation", schema_generator=_ModelFileSchema)
    _describe(doc)
    _tidy(doc)
    # The loader fills in ``name`` from the file name; a model needs a service.
    doc["required"] = ["services"]
    doc["properties"]["services"]["minProperties"] = 1
    return {"$schema": DIALECT, "$id": SCHEMA_ID, "title": "relsim model file",
            **{k: v for k, v in doc.items() if k != "title"}}
