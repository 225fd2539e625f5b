"""Validate what tender answers against Stripe's published OpenAPI schema.

The schema (`shared/stripe-openapi/spec3.subset.json`) is OpenAPI 3.0: `nullable: true`
becomes `anyOf [..., null]` before jsonschema sees it.  Objects may carry fields newer
than the 2023-08-16 spec; the current fixtures say which fields a full object has.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import jsonschema

ROOT = Path(__file__).resolve().parents[2]


def _openapi_dir() -> Path:
    """`TENDER_OPENAPI_DIR`, else `../shared/stripe-openapi` beside the checkout, else
    beside the local repository this one was cloned from (a scratch clone elsewhere)."""
    if os.environ.get("TENDER_OPENAPI_DIR"):
        return Path(os.environ["TENDER_OPENAPI_DIR"])
    beside = ROOT.parent / "shared" / "stripe-openapi"
    if beside.is_dir():
        return beside
    origin = subprocess.run(
        ["git", "-C", str(ROOT), "config", "--get", "remote.origin.url"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()
    if origin and Path(origin).is_dir():
        cloned_from = Path(origin).resolve().parent / "shared" / "stripe-openapi"
        if cloned_from.is_dir():
            return cloned_from
    return beside  # missing: the first test that reads it names this path


OPENAPI_DIR = _openapi_dir()

# Object types whose full key set is compared with the current fixtures.
SHAPE_CHECKED = (
    "payment_intent", "payment_method", "charge", "refund", "balance_transaction", "balance", "customer",
    "setup_intent",
)
# Fields the current API includes only when expanded (stripe-behaviour §0, 2022-11-15).
ONLY_WHEN_EXPANDED = {"charge": {"refunds"}}


def _convert(node: Any) -> Any:
    if isinstance(node, list):
        return [_convert(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _convert(v) for k, v in node.items()}
    if out.pop("nullable", False) is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out


@functools.cache
def _schemas() -> dict[str, Any]:
    spec = json.loads((OPENAPI_DIR / "spec3.subset.json").read_text())
    return _convert(spec["components"]["schemas"])  # type: ignore[no-any-return]


@functools.cache
def _fixtures() -> dict[str, Any]:
    return json.loads((OPENAPI_DIR / "fixtures.current.json").read_text())  # type: ignore[no-any-return]


@functools.cache
def validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": {"schemas": _schemas()}}
    )


def validate_object(obj: Any, full_shape: bool = True) -> None:
    """Validate a resource (recursing into lists and search results) or raise."""
    if not isinstance(obj, dict):
        return
    kind = obj.get("object")
    if kind in ("list", "search_result"):
        for item in obj["data"]:
            validate_object(item, full_shape)
        return
    if obj.get("deleted") is True:  # `{"id", "object", "deleted": true}` has its own schema
        validator(f"deleted_{kind}").validate(obj)
        assert set(obj) == {"id", "object", "deleted"}, obj
        return
    if kind not in _schemas():
        raise AssertionError(f"no schema for object type {kind!r}: {obj}")
    validator(kind).validate(obj)
    if full_shape and kind in SHAPE_CHECKED:
        expected = set(_fixtures()[kind])
        missing = expected - set(obj) - ONLY_WHEN_EXPANDED.get(kind, set())
        assert not missing, f"{kind} lacks fields the current API has: {sorted(missing)}"


def validate_error(body: Any) -> None:
    validator("error").validate(body)
    assert set(body) == {"error"}, body
    assert body["error"]["type"] in (
        "api_error", "card_error", "idempotency_error", "invalid_request_error"
    ), body


def validate_response(status: int, content: bytes, full_shape: bool = True) -> None:
    body = json.loads(content)
    if status == 200:
        validate_object(body, full_shape)
    else:
        validate_error(body)
