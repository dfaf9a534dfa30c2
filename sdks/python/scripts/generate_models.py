"""Writes src/agentidp/models.py: a TypedDict per schema of docs/openapi.json.

TypedDicts describe the JSON the API exchanges without copying it into objects, so responses stay
plain dicts that type checkers understand. A hand-written generator, because the usual one
(datamodel-code-generator) brings pydantic into a build step and its output for OpenAPI 3.1's
``["string", "null"]`` types changes between versions. tests/test_models.py checks the file is
current.

    python scripts/generate_models.py [--check]
"""

from __future__ import annotations

import json
import keyword
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
SPEC = ROOT.parents[1] / "docs" / "openapi.json"
OUT = ROOT / "src" / "agentidp" / "models.py"
SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}


def annotation(schema: dict) -> str:
    """The Python type of a JSON schema."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    if "oneOf" in schema or "anyOf" in schema:
        parts = [annotation(s) for s in schema.get("oneOf", schema.get("anyOf"))]
        return " | ".join(dict.fromkeys(parts))
    kinds = schema.get("type", "object")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    parts = []
    for kind in kinds:
        if kind == "array":
            parts.append(f"list[{annotation(schema.get('items', {}))}]")
        elif kind == "object":
            parts.append("dict[str, Any]")
        else:
            parts.append(SCALARS[kind])
    return " | ".join(parts)


def flatten(schema: dict, schemas: dict) -> tuple[dict, set]:
    """The properties and required names of an object schema, with ``allOf`` merged."""
    props: dict = {}
    required: set = set()
    for part in schema.get("allOf", []):
        part = schemas[part["$ref"].rsplit("/", 1)[1]] if "$ref" in part else part
        p, r = flatten(part, schemas)
        props.update(p)
        required |= r
    props.update(schema.get("properties", {}))
    required |= set(schema.get("required", []))
    return props, required


def doc(text: str | None) -> str:
    return " ".join((text or "").split()).replace('"""', "'")


def render(spec: dict) -> str:
    schemas = spec["components"]["schemas"]
    out = [
        '"""Wire types of the AgentIdP API, generated from docs/openapi.json by',
        "scripts/generate_models.py. Do not edit.\"\"\"",
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any, TypedDict, Union",
        "",
        "__all__ = [" + ", ".join(repr(n) for n in sorted(schemas)) + "]",
    ]
    for name in sorted(schemas):
        schema = schemas[name]
        if "oneOf" in schema:
            members = ", ".join(f'"{annotation(s)}"' for s in schema["oneOf"])
            out += ["", "", f"{name} = Union[{members}]", f'"""{doc(schema.get("description"))}"""']
            continue
        props, required = flatten(schema, schemas)
        if any(not p.isidentifier() or keyword.iskeyword(p) for p in props):
            raise SystemExit(f"{name} has a property that is not an identifier")
        base = f"_{name}Required"
        needed = [p for p in sorted(props) if p in required]
        optional = [p for p in sorted(props) if p not in required]
        lines = lambda names: [f"    {p}: {annotation(props[p])}\n    \"\"\"{doc(props[p].get('description'))}\"\"\"" for p in names]
        if needed and optional:
            out += ["", "", f"class {base}(TypedDict):", *lines(needed)]
            out += ["", "", f"class {name}({base}, total=False):", f'    """{doc(schema.get("description"))}"""', "", *lines(optional)]
        else:
            total = "" if needed else ", total=False"
            out += ["", "", f"class {name}(TypedDict{total}):", f'    """{doc(schema.get("description"))}"""', ""]
            out += lines(needed or optional) or ["    pass"]
    return "\n".join(out) + "\n"


def main() -> None:
    text = render(json.loads(SPEC.read_text()))
    if "--check" in sys.argv:
        if OUT.read_text() != text:
            raise SystemExit("src/agentidp/models.py is stale: run python scripts/generate_models.py")
        return
    OUT.write_text(text)


if __name__ == "__main__":
    main()
