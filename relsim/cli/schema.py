"""``relsim schema``: the JSON Schema of model files, for editors (docs/model-format.md)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from relsim.cli.common import BadInput, emit

__all__ = ["add_parsers", "print_schema"]


def add_parsers(sub: Any) -> None:
    """Register ``relsim schema``."""
    p = sub.add_parser("schema", help="print the JSON Schema of model files (editor autocompletion "
                       "and validation): relsim schema > relsim.schema.json")
    p.add_argument("-o", "--output", default=None, metavar="FILE",
                   help="write the schema to FILE instead of standard output")
    p.set_defaults(handler=print_schema)


def print_schema(args: argparse.Namespace) -> int:
    """Export the schema from the pydantic model classes and print or write it."""
    from relsim.model.jsonschema import model_json_schema

    text = json.dumps(model_json_schema(), indent=2) + "\n"
    if args.output is None:
        emit(text)
        return 0
    try:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise BadInput(f"cannot write {args.output}: {exc.strerror}") from None
    return 0
