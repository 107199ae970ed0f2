"""Filter expressions over rows of plan metrics: ``label contains ADP and dmax_gy > 60``.

The grammar, loosest binding first::

    expression  := term ("or" term)*
    term        := factor ("and" factor)*
    factor      := "not" factor | "(" expression ")" | comparison
    comparison  := FIELD OP VALUE | FIELD "is" ["not"] "null"
    OP          := = == != < <= > >= contains

Keywords are case-insensitive. A VALUE is a number, a quoted string ('..' or "..") or a
bare word (``ADP``, ``TrueBeam1``). ``contains`` and ``=`` on text ignore case, as a
physicist typing ``label contains adp`` means it. A comparison with a value that is null
(a plan without a dose has no ``dmax_gy``) is false; ``is null`` asks for exactly those.

:func:`compile_filter` turns the text into a predicate once, checking the field names
against the table's columns, so a typo is one sentence before any row is looked at.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

Row = Mapping[str, Any]
Predicate = Callable[[Row], bool]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lparen>\() | (?P<rparen>\)) |
        (?P<op><=|>=|!=|==|=|<|>) |
        (?P<string>'[^']*'|"[^"]*") |
        (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])) |
        (?P<word>[^\s()<>=!'"]+)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "contains", "is", "null"}
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class FilterError(ValueError):
    """A filter that cannot be read; the message names the text, the place and the cause."""


@dataclass(frozen=True)
class _Token:
    kind: str  # lparen rparen op string number word keyword end
    text: str
    position: int


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            start = len(text) - len(text[position:].lstrip())
            raise FilterError(
                f"filter '{text}': cannot read '{text[start:]}' at character {start + 1}"
            )
        kind = match.lastgroup or "word"
        value = match.group(kind)
        start = match.start(kind)
        if kind == "word" and value.lower() in _KEYWORDS:
            tokens.append(_Token("keyword", value.lower(), start))
        elif kind == "string":
            tokens.append(_Token("string", value[1:-1], start))
        else:
            tokens.append(_Token(kind, value, start))
        position = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str, fields: Collection[str]) -> None:
        self.text = text
        self.fields = {f.lower(): f for f in fields}
        self.tokens = _tokens(text)
        self.index = 0

    def error(self, message: str, token: _Token) -> FilterError:
        return FilterError(f"filter '{self.text}': {message} at character {token.position + 1}")

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def is_keyword(self, word: str) -> bool:
        return self.current.kind == "keyword" and self.current.text == word

    def parse(self) -> Predicate:
        if self.current.kind == "end":
            raise self.error("the filter is empty", self.current)
        predicate = self.expression()
        if self.current.kind != "end":
            raise self.error(f"unexpected '{self.current.text}'", self.current)
        return predicate

    def expression(self) -> Predicate:
        parts = [self.term()]
        while self.is_keyword("or"):
            self.take()
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else (lambda row: any(p(row) for p in parts))

    def term(self) -> Predicate:
        parts = [self.factor()]
        while self.is_keyword("and"):
            self.take()
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else (lambda row: all(p(row) for p in parts))

    def factor(self) -> Predicate:
        if self.is_keyword("not"):
            self.take()
            inner = self.factor()
            return lambda row: not inner(row)
        if self.current.kind == "lparen":
            opening = self.take()
            inner = self.expression()
            if self.current.kind != "rparen":
                raise self.error("'(' is not closed", opening)
            self.take()
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        token = self.take()
        if token.kind != "word":
            what = f"'{token.text}'" if token.text else "the end"
            raise self.error(f"expected a field name, found {what}", token)
        field = self.fields.get(token.text.lower())
        if field is None:
            known = ", ".join(sorted(self.fields.values()))
            raise self.error(f"unknown field '{token.text}' (known: {known})", token)
        if self.is_keyword("is"):
            self.take()
            negate = self.is_keyword("not")
            if negate:
                self.take()
            if not self.is_keyword("null"):
                raise self.error("expected 'null' after 'is'", self.current)
            self.take()
            return lambda row: (row.get(field) is None) != negate
        op_token = self.take()
        if op_token.kind == "keyword" and op_token.text == "contains":
            op = "contains"
        elif op_token.kind == "op":
            op = "=" if op_token.text == "==" else op_token.text
        else:
            what = f"'{op_token.text}'" if op_token.text else "the end"
            raise self.error(
                f"expected an operator (= != < <= > >= contains) after '{token.text}', "
                f"found {what}",
                op_token,
            )
        value_token = self.take()
        if value_token.kind not in ("word", "string", "number"):
            what = f"'{value_token.text}'" if value_token.text else "the end"
            raise self.error(f"expected a value after '{op_token.text}', found {what}", value_token)
        value: Any = float(value_token.text) if value_token.kind == "number" else value_token.text
        return _comparison(field, op, value)


def _comparison(field: str, op: str, value: Any) -> Predicate:
    if op == "contains":
        needle = str(value).lower()
        return lambda row: row.get(field) is not None and needle in _text(row.get(field)).lower()

    def compare(row: Row) -> bool:
        actual = row.get(field)
        if actual is None:
            return False
        left, right = _comparable(actual, value)
        if op == "=":
            return left == right
        if op == "!=":
            return left != right
        try:
            return _ORDER[op](left, right)
        except TypeError:
            return False

    return compare


def _comparable(actual: Any, value: Any) -> tuple[Any, Any]:
    """Numbers as numbers where both sides are numbers, otherwise case-folded text."""
    if isinstance(value, float) and not isinstance(actual, bool):
        try:
            return float(actual), value
        except (TypeError, ValueError):
            pass
    return _text(actual).lower(), _text(value).lower()


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def compile_filter(text: str, fields: Collection[str]) -> Predicate:
    """A predicate over rows for ``text``; :class:`FilterError` says what is wrong with it."""
    return _Parser(text, fields).parse()
