"""Stripe's search query language (stripe-behaviour §4.4), parsed and evaluated.

    status:"succeeded" AND amount>1000 AND -metadata["order_id"]:null

A query is up to 10 clauses `[-]field operator value`, joined by spaces or `AND`, or by
`OR` (never both; no parentheses). Operators: `:` (exact for tokens, "contains these
words in order" for strings), `~` (substring, strings only, ≥ 3 characters), and
`= > < >= <=` (numbers only). Values are quoted with `"` or `'` (`\\"` escapes); numbers
may be bare; bare `null` means "empty". Each resource lists its fields in a SearchFields.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, get_args

from tender.core.errors import InvalidRequestError

FieldKind = Literal["numeric", "token", "string"]
Operator = Literal[":", "~", "=", ">", "<", ">=", "<="]
Combinator = Literal["AND", "OR"]

MAX_CLAUSES = 10
MIN_SUBSTRING = 3

_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_OPERATOR = re.compile(r">=|<=|:|~|=|>|<")
_NUMBER = re.compile(r"-?[0-9]{1,30}(?:\.[0-9]{1,30})?")
_INTEGER = re.compile(r"-?[0-9]{1,20}")
_KEYWORD = re.compile(r"(and|or)(?=\s|$)", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_AS_OPERATOR: dict[str, Operator] = {op: op for op in get_args(Operator)}

_OPERATORS_BY_KIND: dict[str, tuple[str, ...]] = {
    "numeric": (":", "=", ">", "<", ">=", "<="),
    "token": (":",),
    "metadata": (":",),
    "string": (":", "~"),
}


@dataclass(frozen=True)
class SearchFields:
    """The searchable fields of one resource.

    `derived` computes a field's search value from the object when it is not stored
    as-is (Charge `refunded`: "true" fully, "false" partially, null not refunded).
    `hidden` says which stored objects no search finds (a deleted customer's stub).
    """

    resource: str
    fields: Mapping[str, FieldKind]
    metadata: bool = True
    derived: Mapping[str, Callable[[Mapping[str, Any]], Any]] = field(default_factory=dict)
    hidden: Callable[[Mapping[str, Any]], bool] | None = None

    def names(self) -> str:
        listed = sorted([*self.fields, *(['metadata["key"]'] if self.metadata else [])])
        return ", ".join(listed)


@dataclass(frozen=True)
class Clause:
    """One `[-]field op value`; `value` None is the `null` keyword.

    `kind` is the field's kind from the SearchFields the query was checked against
    ("metadata" for metadata clauses), None when parsed without one.
    """

    field: str
    operator: Operator
    value: str | int | None
    negated: bool = False
    metadata_key: str | None = None
    kind: FieldKind | Literal["metadata"] | None = None


@dataclass(frozen=True)
class Query:
    clauses: tuple[Clause, ...]
    combinator: Combinator = "AND"
    fields: SearchFields | None = None


def _charge_refund_state(charge: Mapping[str, Any]) -> str | None:
    if charge.get("refunded"):
        return "true"
    amount_refunded = charge.get("amount_refunded")
    if isinstance(amount_refunded, int) and amount_refunded > 0:
        return "false"
    return None


def _deleted_customer(customer: Mapping[str, Any]) -> bool:
    return customer.get("deleted") is True


PAYMENT_INTENT_FIELDS = SearchFields(
    "payment_intents",
    {
        "amount": "numeric",
        "created": "numeric",
        "currency": "token",
        "customer": "token",
        "status": "token",
    },
)
CHARGE_FIELDS = SearchFields(
    "charges",
    {
        "amount": "numeric",
        "created": "numeric",
        "billing_details.address.postal_code": "token",
        "currency": "token",
        "customer": "token",
        "disputed": "token",
        "payment_method_details.card.brand": "token",
        "payment_method_details.card.exp_month": "token",
        "payment_method_details.card.exp_year": "token",
        "payment_method_details.card.fingerprint": "token",
        "payment_method_details.card.last4": "token",
        "refunded": "token",
        "status": "token",
    },
    derived={"refunded": _charge_refund_state},
)
CUSTOMER_FIELDS = SearchFields(
    "customers",
    {"created": "numeric", "email": "string", "name": "string", "phone": "string"},
    hidden=_deleted_customer,
)


# --- parsing ------------------------------------------------------------------------------


def parse_query(text: str, fields: SearchFields | None = None) -> Query:
    """Parse a search query, checking it against `fields` when given.

    Any rejection (syntax, unknown field, operator not allowed for the field's kind,
    unquoted text, mixed AND/OR, more than 10 clauses) is a 400 with param `query`.
    """
    return _Parser(text, fields).parse()


@dataclass(frozen=True)
class _RawValue:
    form: Literal["quoted", "number", "null"]
    text: str


class _Parser:
    def __init__(self, text: str, fields: SearchFields | None) -> None:
        self.text = text
        self.pos = 0
        self.fields = fields

    def parse(self) -> Query:
        self._skip_space()
        if self._at_end():
            raise _error("The search query is empty.")
        clauses = [self._clause()]
        joins: set[Combinator] = set()
        while True:
            spaced = self._skip_space()
            if self._at_end():
                break
            if not spaced:
                raise self._syntax("expected a space, AND or OR between clauses")
            keyword = _KEYWORD.match(self.text, self.pos)
            if keyword is None:
                joins.add("AND")
            else:
                joins.add("AND" if keyword.group(1).upper() == "AND" else "OR")
                self.pos = keyword.end()
                self._skip_space()
                if self._at_end():
                    raise self._syntax(f"{keyword.group(1)} must be followed by a clause")
            clauses.append(self._clause())
        if len(joins) > 1:
            raise _error(
                "A search query cannot combine AND and OR (a space between clauses means "
                "AND), and parentheses are not supported."
            )
        if len(clauses) > MAX_CLAUSES:
            raise _error(
                f"A search query can have at most {MAX_CLAUSES} clauses; this one has {len(clauses)}."
            )
        return Query(tuple(clauses), joins.pop() if joins else "AND", self.fields)

    def _clause(self) -> Clause:
        negated = self._take("-")
        if self._peek() == "(":
            raise self._syntax("parentheses are not supported")
        name_match = _FIELD.match(self.text, self.pos)
        if name_match is None:
            raise self._syntax("expected a field name")
        name = name_match.group()
        self.pos = name_match.end()
        metadata_key = self._metadata_key() if name == "metadata" else None
        if self._peek() == "[":
            raise self._syntax(f"only metadata takes a key in brackets, not '{name}'")
        kind = self._kind(name)
        operator_match = _OPERATOR.match(self.text, self.pos)
        if operator_match is None:
            raise self._syntax(f"expected an operator (: ~ = > < >= <=) right after '{name}', no spaces")
        operator = _AS_OPERATOR[operator_match.group()]
        self.pos = operator_match.end()
        raw = self._value()
        label = f'metadata["{metadata_key}"]' if metadata_key is not None else name
        value = _check_value(label, kind, operator, raw)
        return Clause(name, operator, value, negated, metadata_key, kind)

    def _metadata_key(self) -> str:
        if not self._take("["):
            raise self._syntax('metadata needs a quoted key: metadata["order_id"]:"6735"')
        if self._peek() not in ('"', "'"):
            raise self._syntax('metadata keys must be quoted: metadata["order_id"]')
        key = self._quoted()
        if not key:
            raise self._syntax("metadata key must not be empty")
        if not self._take("]"):
            raise self._syntax("expected ] after the metadata key")
        return key

    def _kind(self, name: str) -> FieldKind | Literal["metadata"] | None:
        if self.fields is None:
            return "metadata" if name == "metadata" else None
        if name == "metadata" and self.fields.metadata:
            return "metadata"
        kind = self.fields.fields.get(name)
        if kind is None:
            raise _error(
                f"Field '{name}' is an unsupported search field for "
                f"{self.fields.resource}. Supported fields: {self.fields.names()}."
            )
        return kind

    def _value(self) -> _RawValue:
        if self._peek() in ('"', "'"):
            return _RawValue("quoted", self._quoted())
        start = self.pos
        while not self._at_end() and not self.text[self.pos].isspace():
            self.pos += 1
        bare = self.text[start : self.pos]
        if not bare:
            self.pos = start
            raise self._syntax("expected a value after the operator")
        if _NUMBER.fullmatch(bare):
            return _RawValue("number", bare)
        if bare.lower() == "null":
            return _RawValue("null", bare)
        self.pos = start
        raise self._syntax(f'text values must be quoted: "{bare[:40]}" (only numbers and null may be bare)')

    def _quoted(self) -> str:
        quote = self.text[self.pos]
        start = self.pos
        self.pos += 1
        chars: list[str] = []
        while not self._at_end():
            char = self.text[self.pos]
            self.pos += 1
            if char == quote:
                return "".join(chars)
            if char == "\\":
                if self._at_end():
                    break
                char = self.text[self.pos]
                self.pos += 1
            chars.append(char)
        self.pos = start
        raise self._syntax(f"unterminated string: missing closing {quote}")

    def _skip_space(self) -> bool:
        start = self.pos
        while not self._at_end() and self.text[self.pos].isspace():
            self.pos += 1
        return self.pos > start

    def _take(self, char: str) -> bool:
        if self._peek() == char:
            self.pos += 1
            return True
        return False

    def _peek(self) -> str:
        return self.text[self.pos] if not self._at_end() else ""

    def _at_end(self) -> bool:
        return self.pos >= len(self.text)

    def _syntax(self, detail: str) -> InvalidRequestError:
        near = self.text[self.pos : self.pos + 20]
        where = f" near '{near}'" if near else " at the end"
        return _error(f"Invalid search query: {detail} (character {self.pos + 1}{where}).")


def _check_value(
    label: str,
    kind: FieldKind | Literal["metadata"] | None,
    operator: Operator,
    raw: _RawValue,
) -> str | int | None:
    if kind is not None and operator not in _OPERATORS_BY_KIND[kind]:
        raise _error(_operator_message(label, kind, operator))
    if raw.form == "null":
        if operator != ":":
            raise _error(f"null can only be searched with ':' ({label}:null).")
        return None
    if kind == "numeric" or (kind is None and operator not in (":", "~")):
        if not _INTEGER.fullmatch(raw.text):
            raise _error(f"'{label}' is a numeric field: use a whole number, e.g. {label}>1000.")
        return int(raw.text)
    if raw.form == "number" and kind is None and operator == ":" and _INTEGER.fullmatch(raw.text):
        return int(raw.text)
    if raw.text == "":
        raise _error(f"Empty value for '{label}'; search {label}:null for empty fields.")
    if operator == "~" and len(raw.text) < MIN_SUBSTRING:
        raise _error(
            f"The '~' operator needs at least {MIN_SUBSTRING} characters: "
            f'{label}~"{raw.text}" is too short.'
        )
    return raw.text


def _operator_message(label: str, kind: str, operator: str) -> str:
    if operator == "~":
        return (
            f"The '~' (substring) operator only works on string fields; '{label}' is a "
            f'{kind} field: use {label}:"...".'
        )
    if kind == "string":
        return (
            f"'{operator}' only works on numeric fields; '{label}' is a string field: "
            f'use {label}:"..." or {label}~"...".'
        )
    return f"'{operator}' only works on numeric fields; '{label}' is a {kind} field: use ':'."


def _error(message: str) -> InvalidRequestError:
    return InvalidRequestError(message, param="query")


# --- evaluation ---------------------------------------------------------------------------


def matches(query: Query, doc: Mapping[str, Any]) -> bool:
    """Whether a JSON-shaped object satisfies the query: every clause for AND, any for OR.

    Tokens compare whole values ignoring case (ids, booleans and numbers as text);
    strings match when they contain the query's words in order; metadata values are
    tokens; numbers compare numerically; `null` matches a missing or empty value.
    """
    if query.fields is not None and query.fields.hidden is not None and query.fields.hidden(doc):
        return False
    results = (_clause_matches(clause, doc, query.fields) for clause in query.clauses)
    return any(results) if query.combinator == "OR" else all(results)


def _clause_matches(clause: Clause, doc: Mapping[str, Any], fields: SearchFields | None) -> bool:
    actual = _lookup(clause, doc, fields)
    if clause.value is None:
        hit = actual is None or actual == "" or actual == {} or actual == []
    else:
        hit = _compare(clause, clause.value, actual)
    return hit != clause.negated


def _lookup(clause: Clause, doc: Mapping[str, Any], fields: SearchFields | None) -> Any:
    if clause.metadata_key is not None:
        metadata = doc.get("metadata")
        return metadata.get(clause.metadata_key) if isinstance(metadata, Mapping) else None
    if fields is not None and clause.field in fields.derived:
        return fields.derived[clause.field](doc)
    value: Any = doc
    for part in clause.field.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    if isinstance(value, Mapping):  # an expanded object searches by its id
        return value.get("id")
    return value


def _compare(clause: Clause, expected: str | int, actual: Any) -> bool:
    if isinstance(expected, int):
        if not isinstance(actual, int) or isinstance(actual, bool):
            return False
        return _numeric(clause.operator, actual, expected)
    text = _as_text(actual)
    if text is None:
        return False
    if clause.operator == "~":
        return expected.lower() in text.lower()
    if clause.kind == "string":
        return _words_in_order(expected, text)
    return text.lower() == expected.lower()


def _numeric(operator: Operator, actual: int, expected: int) -> bool:
    if operator == ">":
        return actual > expected
    if operator == "<":
        return actual < expected
    if operator == ">=":
        return actual >= expected
    if operator == "<=":
        return actual <= expected
    return actual == expected


def _as_text(actual: Any) -> str | None:
    if isinstance(actual, bool):
        return "true" if actual else "false"
    if isinstance(actual, (str, int)):
        return str(actual)
    return None


def _words_in_order(expected: str, text: str) -> bool:
    """Every word of `expected` appears among the words of `text`, in the same order."""
    wanted = _WORD.findall(expected.lower())
    if not wanted:
        return expected.lower() in text.lower()
    remaining = iter(_WORD.findall(text.lower()))
    return all(any(word == have for have in remaining) for word in wanted)


# --- what a store can narrow a search to --------------------------------------------------

Comparison = Literal["=", ">", "<", ">=", "<="]


@dataclass(frozen=True)
class SearchPlan:
    """The part of a query a store can answer from its columns and indexes.

    Every object the query matches meets the plan: the store narrows a search to these
    candidates, newest first, and `matches` still decides each one.  `exact` says that
    candidates and matches are the same objects, so the store alone can count them.
    Values are as the store keeps them: `status` lowercase, metadata values through
    `metadata_search_value`, the customer id as given (`without_customer` when the
    caller cannot vouch for its case).
    """

    status: str | None = None
    customer: str | None = None
    created: tuple[tuple[Comparison, int], ...] = ()
    metadata: tuple[tuple[str, str], ...] = ()  # (key, value) pairs, all required
    exact: bool = False

    def without_customer(self) -> SearchPlan:
        return replace(self, customer=None, exact=False)


def metadata_search_value(value: str) -> str:
    """How the store keeps a metadata value for `metadata["k"]:"v"`: lowercased, since
    token matches ignore case."""
    return value.lower()


def metadata_terms(doc: Mapping[str, Any]) -> dict[str, str]:
    """The (key, value) pairs a store indexes for an object's metadata clauses."""
    metadata = doc.get("metadata")
    # Most objects have none (the store asks on every write): answer that before the
    # slower ABC check.
    if not metadata or not isinstance(metadata, Mapping):
        return {}
    return {key: metadata_search_value(value) for key, value in metadata.items() if isinstance(value, str)}


def plan(query: Query) -> SearchPlan:
    """Split off the clauses a store can check with its columns: `status:"x"`,
    `customer:"x"`, `created` comparisons and `metadata["k"]:"v"`.

    Only clauses every match must satisfy are taken, so nothing under OR or a negation;
    `null` and text matches stay with `matches` too.  A metadata value with characters
    outside ASCII stays as well: rows written before the search index were lowercased
    by the database, which folds ASCII letters only.
    """
    if query.fields is None or (query.combinator == "OR" and len(query.clauses) > 1):
        return SearchPlan()
    status: str | None = None
    customer: str | None = None
    created: list[tuple[Comparison, int]] = []
    metadata: list[tuple[str, str]] = []
    left = 0  # clauses only `matches` can decide
    for clause in query.clauses:
        value = clause.value
        if clause.negated or clause.field in query.fields.derived:
            left += 1
        elif clause.kind == "numeric" and clause.field == "created" and isinstance(value, int):
            created.append((_AS_COMPARISON[clause.operator], value))
        elif clause.kind == "token" and clause.field == "status" and status is None and isinstance(value, str):
            status = value.lower()  # statuses are stored lowercase; matching ignores case
        elif clause.kind == "token" and clause.field == "customer" and customer is None and isinstance(value, str):
            customer = value
        elif clause.kind == "metadata" and clause.metadata_key is not None and isinstance(value, str) \
                and value.isascii():
            metadata.append((clause.metadata_key, metadata_search_value(value)))
        else:
            left += 1
    exact = left == 0 and query.fields.hidden is None
    return SearchPlan(status, customer, tuple(created), tuple(metadata), exact)


_AS_COMPARISON: dict[str, Comparison] = {":": "=", "=": "=", ">": ">", "<": "<", ">=": ">=", "<=": "<="}
