"""The form decoder as it was before it was made faster (tender at e14e5e7), its code
unchanged (docstrings and comments left out): the reference `test_forms.py` holds
`tender.api.forms` to, the same result or the same error for every body."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_to_bytes

from tender.api.forms import MAX_DEPTH, MAX_PARAMETERS, IndexedList
from tender.core.errors import InvalidRequestError

_KEY = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")
_GROUP = re.compile(r"\[([^\[\]]*)\]")
_INDEX = re.compile(r"0|[1-9][0-9]*")
_MAX_INDEX_DIGITS = 9

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


def _unquote(raw: bytes) -> str:
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequestError("Invalid request: the request body is not valid UTF-8.") from None


def _parse_key(key: str) -> list[_Step]:
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
