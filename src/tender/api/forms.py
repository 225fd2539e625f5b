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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_to_bytes

from tender.core.errors import InvalidRequestError


class IndexedList(list[Any]):
    """A list spelled with explicit indices (`a[0]=x&a[1]=y`), which a hash spec may read
    as the keys "0", "1" (metadata keys can be digits); `a[]=x` gives a plain list."""


MAX_PARAMETERS = 2000  # pairs in one request
MAX_DEPTH = 10  # bracket groups after the name: a[1]...[10] is the deepest allowed

_KEY = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")
_GROUP = re.compile(r"\[([^\[\]]*)\]")
_INDEX = re.compile(r"0|[1-9][0-9]*")  # canonical only: `07` is a hash key
_MAX_INDEX_DIGITS = 9

# A path step: a hash key (str), an array index (int), or an append (None, `[]`).
_Step = str | int | None


@dataclass
class _Hash:
    children: dict[str, _Node] = field(default_factory=dict)


@dataclass
class _Indexed:
    children: dict[int, _Node] = field(default_factory=dict)


@dataclass
class _Appended:
    items: list[str] = field(default_factory=list)


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
        key, value = _unquote(raw_key), _unquote(raw_value)
        _insert(root, key, _parse_key(key), value)
    result = _finish(root, "")
    assert isinstance(result, dict)
    return result


def decode_query(query_string: bytes) -> dict[str, Any]:
    """Decode a GET/DELETE query string: exactly the rules of `decode_form`."""
    return decode_form(query_string)


def _unquote(raw: bytes) -> str:
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequestError("Invalid request: the request body is not valid UTF-8.") from None


def _parse_key(key: str) -> list[_Step]:
    """`a[b][0][]` → ["a", "b", 0, None]; anything else bracket-shaped is an error."""
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
    return steps


def _insert(root: _Hash, key: str, steps: list[_Step], value: str) -> None:
    container: _Hash | _Indexed | _Appended = root
    path = ""
    for depth, step in enumerate(steps):
        path = _extend(path, step)
        last = depth == len(steps) - 1
        if isinstance(container, _Appended):
            # Only reachable when [] is the final step (checked by _parse_key).
            container.items.append(value)
            return
        existing = _child(container, step)
        if last:
            if existing is not None and not isinstance(existing, str):
                raise _shape_conflict(path, existing, value)
            _set_child(container, step, value)
            return
        wanted = _container_for(steps[depth + 1])
        if existing is None:
            existing = wanted
            _set_child(container, step, existing)
        elif type(existing) is not type(wanted):
            raise _shape_conflict(path, existing, wanted)
        assert not isinstance(existing, str)
        container = existing
    raise AssertionError(f"unreachable for {key!r}")


def _container_for(step: _Step) -> _Hash | _Indexed | _Appended:
    if step is None:
        return _Appended()
    if isinstance(step, int):
        return _Indexed()
    return _Hash()


def _child(container: _Hash | _Indexed, step: _Step) -> _Node | None:
    if isinstance(container, _Hash):
        assert isinstance(step, str)
        return container.children.get(step)
    assert isinstance(step, int)
    return container.children.get(step)


def _set_child(container: _Hash | _Indexed, step: _Step, node: _Node) -> None:
    if isinstance(container, _Hash):
        assert isinstance(step, str)
        container.children[step] = node
    else:
        assert isinstance(step, int)
        container.children[step] = node


def _extend(path: str, step: _Step) -> str:
    if not path:
        assert isinstance(step, str)
        return step
    return f"{path}[{'' if step is None else step}]"


def _shape(node: _Node) -> str:
    if isinstance(node, str):
        return "a string"
    if isinstance(node, _Hash):
        return "a hash"
    if isinstance(node, _Indexed):
        return "an indexed array (name[0])"
    return "an array (name[])"


def _shape_conflict(path: str, first: _Node, second: _Node) -> InvalidRequestError:
    return InvalidRequestError(
        f"Invalid request: parameter '{path}' was sent both as {_shape(first)} and as "
        f"{_shape(second)}; send it in one shape only.",
        param=path,
    )


def _finish(node: _Node, path: str) -> Any:
    if isinstance(node, str):
        return node
    if isinstance(node, _Appended):
        return list(node.items)
    if isinstance(node, _Hash):
        return {key: _finish(child, _extend(path, key)) for key, child in node.children.items()}
    indices = sorted(node.children)
    if indices != list(range(len(indices))):
        return {str(i): _finish(node.children[i], _extend(path, i)) for i in indices}
    return IndexedList(_finish(node.children[i], _extend(path, i)) for i in indices)
