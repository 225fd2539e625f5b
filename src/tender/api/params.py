"""Parameter specs: every endpoint declares what it accepts; nothing else gets through.

A spec turns the decoded form (nested dicts/lists of strings) into typed Python values
or raises the Stripe error a client would see: `parameter_unknown`,
`parameter_missing`, `parameter_invalid_integer`, `parameter_invalid_empty`, ...
An empty string means "unset" and is allowed only where a spec says so (`UNSET`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tender.api.forms import IndexedList
from tender.core.errors import InvalidRequestError, invalid, missing
from tender.core.metadata import UNSET


class Spec:
    nullable = False  # accepts "" as UNSET

    def parse(self, value: Any, param: str) -> Any:
        raise NotImplementedError


def _empty_error(param: str) -> InvalidRequestError:
    return InvalidRequestError(
        f"You passed an empty string for '{param}'. We assume empty values are an attempt "
        f"to unset a parameter; however '{param}' cannot be unset. You should remove "
        f"'{param}' from your request or supply a non-empty value.",
        code="parameter_invalid_empty",
        param=param,
    )


def _check_empty(spec: Spec, value: Any, param: str) -> bool:
    """True when `value` is the empty string and the spec allows unsetting."""
    if value == "":
        if spec.nullable:
            return True
        raise _empty_error(param)
    return False


@dataclass
class Int(Spec):
    minimum: int | None = None
    maximum: int | None = None
    nullable: bool = False

    def parse(self, value: Any, param: str) -> Any:
        if _check_empty(self, value, param):
            return UNSET
        if not isinstance(value, str) or not re.fullmatch(r"-?[0-9]{1,18}", value):
            shown = _describe(value)
            raise InvalidRequestError(
                f"Invalid integer: {shown}", code="parameter_invalid_integer", param=param
            )
        number = int(value)
        if self.minimum is not None and number < self.minimum:
            if self.minimum == 0:
                raise InvalidRequestError(
                    f"Invalid non-negative integer: {value}",
                    code="parameter_invalid_integer",
                    param=param,
                )
            raise InvalidRequestError(
                f"This value must be greater than or equal to {self.minimum}.", param=param
            )
        if self.maximum is not None and number > self.maximum:
            raise InvalidRequestError(
                f"This value must be less than or equal to {self.maximum}.", param=param
            )
        return number


@dataclass
class Bool(Spec):
    nullable: bool = False

    def parse(self, value: Any, param: str) -> Any:
        if _check_empty(self, value, param):
            return UNSET
        if value in ("true", "false"):
            return value == "true"
        raise InvalidRequestError(f"Invalid boolean: {_describe(value)}", param=param)


@dataclass
class Str(Spec):
    max_length: int = 5000
    enum: tuple[str, ...] | None = None
    nullable: bool = False
    check: Callable[[str, str], None] | None = None  # extra format rule(value, param)

    def parse(self, value: Any, param: str) -> Any:
        if _check_empty(self, value, param):
            return UNSET
        if not isinstance(value, str):
            raise InvalidRequestError(
                f"Invalid string: {_describe(value)}", param=param
            )
        if self.enum is not None and value not in self.enum:
            raise invalid(param, f"Invalid {param}: must be one of {_one_of(self.enum)}")
        if len(value) > self.max_length:
            raise invalid(
                param,
                f"Invalid string: {value[:50]}...; must be at most {self.max_length} characters",
            )
        if self.check is not None:
            self.check(value, param)
        return value


@dataclass
class Hash(Spec):
    fields: dict[str, Spec]
    required: tuple[str, ...] = ()
    nullable: bool = False

    def parse(self, value: Any, param: str) -> Any:
        if _check_empty(self, value, param):
            return UNSET
        if not isinstance(value, dict):
            raise InvalidRequestError("Invalid object", param=param)
        return parse_fields(self.fields, value, self.required, prefix=param)


@dataclass
class List(Spec):
    item: Spec
    max_items: int = 100
    nullable: bool = False

    def parse(self, value: Any, param: str) -> Any:
        if _check_empty(self, value, param):
            return UNSET
        if isinstance(value, str):
            value = [value]  # Stripe accepts a scalar where an array of one is meant
        if isinstance(value, dict) and value and all(k.isdigit() for k in value):
            raise InvalidRequestError(
                f"Invalid array: '{param}' has indices {', '.join(value)}; array indices "
                "must start at 0 and have no gaps.",
                param=param,
            )
        if not isinstance(value, list):
            raise InvalidRequestError("Invalid array", param=param)
        if len(value) > self.max_items:
            raise invalid(param, f"Invalid array: must have at most {self.max_items} items")
        return [self.item.parse(v, f"{param}[{i}]") for i, v in enumerate(value)]


@dataclass
class Metadata(Spec):
    """Stripe metadata: ≤50 keys, keys ≤40 chars, values ≤500 chars, strings only."""

    nullable: bool = True

    def parse(self, value: Any, param: str) -> Any:
        if value == "":
            return UNSET
        value = _as_hash(value)
        if not isinstance(value, dict):
            raise InvalidRequestError("Invalid object", param=param)
        if len(value) > 50:
            raise InvalidRequestError(
                "Invalid metadata: metadata cannot have more than 50 keys", param=param
            )
        result: dict[str, Any] = {}
        for key, val in value.items():
            if len(key) > 40 or "[" in key or "]" in key or not key:
                raise InvalidRequestError(
                    f"Invalid key: {key} must be a string under 40 characters", param=param
                )
            if not isinstance(val, str) or len(val) > 500:
                raise InvalidRequestError(
                    f"Invalid val: {_describe(val)} must be a string under 500 characters",
                    param=param,
                )
            result[key] = UNSET if val == "" else val
        return result


@dataclass
class Created(Spec):
    """`created=<ts>` or `created[gt|gte|lt|lte]=<ts>` list filters."""

    nullable: bool = False

    def parse(self, value: Any, param: str) -> Any:
        if isinstance(value, dict):
            return parse_fields({op: Int() for op in ("gt", "gte", "lt", "lte")}, value, (), param)
        return {"eq": Int().parse(value, param)}


@dataclass
class AnyOf(Spec):
    """A value that is a string or a hash (e.g. `off_session=true|one_off|recurring`)."""

    options: tuple[Spec, ...] = field(default_factory=tuple)
    nullable: bool = False

    def parse(self, value: Any, param: str) -> Any:
        error: InvalidRequestError | None = None
        for option in self.options:
            try:
                return option.parse(value, param)
            except InvalidRequestError as exc:
                error = error or exc
        assert error is not None
        raise error


def parse_fields(
    fields: dict[str, Spec], data: dict[str, Any], required: tuple[str, ...] = (), prefix: str = ""
) -> dict[str, Any]:
    """Validate `data` against `fields`: unknown keys and missing required keys are errors."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}[{key}]" if prefix else key
        spec = fields.get(key)
        if spec is None:
            raise unknown_parameter(name, key, fields)
        out[key] = spec.parse(value, name)
    for key in required:
        if key not in out:
            raise missing(f"{prefix}[{key}]" if prefix else key)
    return out


def check_exclusive(params: dict[str, Any], *names: str) -> None:
    """At most one of `names` may be sent (`parameters_exclusive`, stripe-behaviour §3.4)."""
    given = sorted(name for name in names if name in params)
    if len(given) > 1:
        raise InvalidRequestError(
            f"You may only specify one of these parameters: {', '.join(sorted(names))}.",
            code="parameters_exclusive",
            param=given[0],
        )


def check_cursors(params: dict[str, Any]) -> None:
    """A list page is fetched after one object or before one, never both (§4.3)."""
    check_exclusive(params, "starting_after", "ending_before")


def unknown_parameter(name: str, key: str, fields: dict[str, Spec]) -> InvalidRequestError:
    message = f"Received unknown parameter: {name}"
    close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.75)
    message += f". Did you mean {close[0]}?" if close else ""
    return InvalidRequestError(message, code="parameter_unknown", param=name)


def _as_hash(value: Any) -> Any:
    """`metadata[0]=a&metadata[1]=b` decodes as a list; a hash spec reads it as keys."""
    if isinstance(value, IndexedList):
        return {str(i): item for i, item in enumerate(value)}
    return value


def _one_of(values: tuple[str, ...]) -> str:
    if len(values) == 1:
        return values[0]
    return ", ".join(values[:-1]) + f", or {values[-1]}"


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: ..." for k in value) + "}"
    if isinstance(value, list):
        return "[...]"
    return str(value)


EXPAND = List(Str(max_length=5000), max_items=100)


def check_email(value: str, param: str) -> None:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise InvalidRequestError(
            f"Invalid email address: {value}", code="email_invalid", param=param
        )


def check_url(value: str, param: str) -> None:
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^\s]+$", value):
        raise InvalidRequestError(
            f"Not a valid URL: {value}", code="url_invalid", param=param
        )


ADDRESS = Hash(
    {
        name: Str(max_length=5000, nullable=True)
        for name in ("city", "country", "line1", "line2", "postal_code", "state")
    }
)
BILLING_DETAILS = Hash(
    {
        "address": Hash(ADDRESS.fields, nullable=True),
        "email": Str(nullable=True, check=check_email),
        "name": Str(nullable=True),
        "phone": Str(nullable=True),
    }
)
SHIPPING = Hash(
    {
        "address": ADDRESS,
        "carrier": Str(),
        "name": Str(),
        "phone": Str(),
        "tracking_number": Str(),
    },
    required=("address", "name"),
)
LIMIT = Int(minimum=1, maximum=100)
