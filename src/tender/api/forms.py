"""Stripe's bracket-notation form decoding (stripe-behaviour §4.1).

Every v1 request carries its parameters as `application/x-www-form-urlencoded` pairs,
in the body for POST and in the query string for GET/DELETE. Nesting is spelled with
brackets after percent-decoding (SDKs send `metadata%5Bk%5D=v`, curl users `metadata[k]=v`):

    metadata[order_id]=6735              {"metadata": {"order_id": "6735"}}
    payment_method_types[]=card          {"payment_method_types": ["card"]}
    items[0][price]=p&items[1][price]=q  {"items": [{"price": "p"}, {"price": "q"}]}

Values stay strings; an empty value stays "" (callers read it as "unset"). A bracket
holding a canonical non-negative integer (`0`, `7`, not `07`) is an array index when the
indices run 0..n-1; otherwise the digits are hash keys (`metadata[5]=x` is metadata key
"5"). Parameter specs decide: a hash spec takes `{"0": …}` from `[…]`, an array spec
refuses indices with gaps.
`[]` appends a string and may only close a key; arrays of hashes must be indexed.

Every request passes through here. Parameter names come from a small vocabulary, so a
name's decoding and parsing are remembered (for names up to CACHED_KEY_BYTES long, so the
caches stay small); a value without `%` or `+` is only UTF-8-decoded.
"""

from __future__ import annotations

import functools
import re
from typing import Any
from urllib.parse import unquote_to_bytes

from tender.core.errors import InvalidRequestError


class IndexedList(list[Any]):
    """A list spelled with explicit indices (`a[0]=x&a[1]=y`), which a hash spec may read
    as the keys "0", "1" (metadata keys can be digits); `a[]=x` gives a plain list."""


MAX_PARAMETERS = 2000  # pairs in one request
MAX_DEPTH = 10  # bracket groups after the name: a[1]...[10] is the deepest allowed
CACHED_KEY_BYTES = 100  # longer names are decoded and parsed afresh each time

_KEY = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")
_GROUP = re.compile(r"\[([^\[\]]*)\]")
_INDEX = re.compile(r"0|[1-9][0-9]*")  # canonical only: `07` is a hash key
_MAX_INDEX_DIGITS = 9

# A path step: a hash key (str), an array index (int), or an append (None, `[]`).
_Step = str | int | None


# The tree being built; `_finish` turns it into plain dicts and lists.
class _Hash(dict[str, "_Node"]):
    """`a[key]=…`: children by key."""


class _Indexed(dict[int, "_Node"]):
    """`a[0]=…`: children by index, a list once the indices turn out contiguous."""


class _Appended(list[str]):
    """`a[]=…`: strings in the order sent."""


_Node = str | _Hash | _Indexed | _Appended


def decode_form(body: bytes) -> dict[str, Any]:
    """Decode a form body into nested dicts/lists of strings, or raise a 400.

    Rejected: bytes that are not UTF-8 after percent-decoding, malformed brackets,
    one key used as two shapes (`a=1&a[b]=2`), index gaps, nesting deeper than
    MAX_DEPTH, more than MAX_PARAMETERS pairs. A repeated plain key keeps its last value.
    """
    pairs = [segment for segment in body.split(b"&") if segment]
    if len(pairs) > MAX_PARAMETERS:
        raise InvalidRequestError(
            f"Invalid request: too many parameters ({len(pairs)}); at most {MAX_PARAMETERS} are allowed."
        )
    root = _Hash()
    for pair in pairs:
        raw_key, _, raw_value = pair.partition(b"=")
        # The name, the value, then the name's brackets: a pair with two faults reports
        # the first in this order.
        cached = len(raw_key) <= CACHED_KEY_BYTES
        key = _unquote_cached(raw_key) if cached else _unquote(raw_key)
        value = _unquote(raw_value)
        _insert(root, _parse_key_cached(key) if cached else _parse_key(key), value)
    return _finish_hash(root)


def decode_query(query_string: bytes) -> dict[str, Any]:
    """Decode a GET/DELETE query string: exactly the rules of `decode_form`."""
    return decode_form(query_string)


_PERCENT, _PLUS = ord("%"), ord("+")  # an int test is several times faster than b"%" in raw


def _unquote(raw: bytes) -> str:
    if _PERCENT in raw or _PLUS in raw:
        raw = unquote_to_bytes(raw.replace(b"+", b" "))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequestError("Invalid request: the request body is not valid UTF-8.") from None


def _parse_key(key: str) -> tuple[_Step, ...]:
    """`a[b][0][]` → ("a", "b", 0, None); anything else bracket-shaped is an error."""
    match = _KEY.fullmatch(key)
    if match is None:
        raise InvalidRequestError(
            f"Invalid request: malformed parameter name '{key}'. Nest with balanced "
            "brackets after a non-empty name, e.g. metadata[order_id]=6735 or "
            "payment_method_types[]=card.",
            param=key or None,
        )
    groups = _GROUP.findall(match.group(2))
    if len(groups) > MAX_DEPTH:
        raise InvalidRequestError(
            f"Invalid request: parameter '{key}' is nested more than {MAX_DEPTH} levels deep.",
            param=key,
        )
    steps: list[_Step] = [match.group(1)]
    for position, group in enumerate(groups, start=1):
        if group == "":
            if position != len(groups):
                raise InvalidRequestError(
                    f"Invalid request: '{key}' uses [] before another bracket. Arrays of "
                    "hashes must be indexed, e.g. items[0][price]=...",
                    param=key,
                )
            steps.append(None)
        elif _INDEX.fullmatch(group):
            if len(group) > _MAX_INDEX_DIGITS:
                # No contiguous array of ≤ MAX_PARAMETERS items reaches this index.
                raise InvalidRequestError(
                    f"Invalid array: index {group[:20]}... in '{key}' is too large.",
                    param=key,
                )
            steps.append(int(group))
        else:
            steps.append(group)
    return tuple(steps)


# Only results are remembered, never errors: a bad name is looked at afresh each time.
_unquote_cached = functools.lru_cache(maxsize=512)(_unquote)
_parse_key_cached = functools.lru_cache(maxsize=512)(_parse_key)


def _insert(root: _Hash, steps: tuple[_Step, ...], value: str) -> None:
    """Put `value` at `steps`, making the containers the steps call for on the way."""
    container: Any = root  # its type always suits the step: made by _container_for
    last = len(steps) - 1
    for depth, step in enumerate(steps):
        if type(container) is _Appended:
            # Only reachable when [] is the final step (checked by _parse_key).
            container.append(value)
            return
        existing = container.get(step)
        if depth == last:
            if existing is not None and type(existing) is not str:
                raise _shape_conflict(steps, depth, existing, value)
            container[step] = value
            return
        wanted = _container_for(steps[depth + 1])
        if existing is None:
            existing = container[step] = wanted()
        elif type(existing) is not wanted:
            raise _shape_conflict(steps, depth, existing, wanted())
        container = existing


def _container_for(step: _Step) -> type[_Hash | _Indexed | _Appended]:
    if step is None:
        return _Appended
    if isinstance(step, int):
        return _Indexed
    return _Hash


def _path(steps: tuple[_Step, ...], depth: int) -> str:
    """How `steps[:depth + 1]` is spelled in the form, e.g. `items[0][price]` (a conflict
    never names an append: `[]` only ends a key, where the value is appended)."""
    return f"{steps[0]}" + "".join(f"[{step}]" for step in steps[1:depth + 1])


def _shape(node: _Node) -> str:
    if isinstance(node, str):
        return "a string"
    if isinstance(node, _Hash):
        return "a hash"
    if isinstance(node, _Indexed):
        return "an indexed array (name[0])"
    return "an array (name[])"


def _shape_conflict(steps: tuple[_Step, ...], depth: int, first: _Node, second: _Node) -> InvalidRequestError:
    path = _path(steps, depth)
    return InvalidRequestError(
        f"Invalid request: parameter '{path}' was sent both as {_shape(first)} and as "
        f"{_shape(second)}; send it in one shape only.",
        param=path,
    )


def _finish(node: _Node) -> Any:
    if type(node) is str:
        return node
    if type(node) is _Hash:
        return _finish_hash(node)
    if type(node) is _Appended:
        return list(node)
    assert type(node) is _Indexed
    indices = sorted(node)
    if indices != list(range(len(indices))):
        return {str(i): _finish(node[i]) for i in indices}
    return IndexedList(_finish(node[i]) for i in indices)


def _finish_hash(node: _Hash) -> dict[str, Any]:
    return {key: _finish(child) for key, child in node.items()}
