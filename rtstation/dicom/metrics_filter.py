"""Filter expressions over rows of plan metrics: ``label contains ADP and dmax_gy > 60``.

The grammar, loosest binding first::

    expression  := term ("or" term)*
    term        := factor ("and" factor)*
    factor      := "not" factor | "(" expression ")" | comparison
    comparison  := sum OP sum | FIELD "is" ["not"] "null"
    sum         := product (("+" | "-") product)*
    product     := operand (("*" | "/") operand)*
    operand     := ["-"] (FIELD | NUMBER) | STRING | WORD
    OP          := = == != < <= > >= contains

Keywords are case-insensitive. An operand is a field of the row, a number, a quoted
string ('..' or "..") or a bare word that is no field (``ADP``, ``TrueBeam1``). Arithmetic
works on fields and numbers, so a rule can ask ``dmax_gy <= 1.1 * prescription_gy``;
write the operators between spaces (``TrueBeam-1`` is one word). ``contains`` and ``=``
on text ignore case, as a physicist typing ``label contains adp`` means it. A comparison
with a value that is null (a plan without a dose has no ``dmax_gy``; a division by zero)
is false; ``is null`` asks for exactly those.

:func:`compile_condition` turns the text into a :class:`Condition` once, checking the
field names against the table's columns, so a typo is one sentence before any row is
looked at. A condition is a predicate over rows and can also say, in words, why it holds
or not for one row ("Dmax 64.2 Gy is above 110% of the prescription 55 Gy"): the rules
engine shows that as its reason. :func:`compile_filter` is the same as a plain predicate.
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
        (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])) |
        (?P<arith>[*/+-]) |
        (?P<word>[^\s()<>=!'"*/+]+)
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
# How a comparison reads in a reason: (when it holds, when it does not).
_VERBS = {
    "<": ("is below", "is at least"),
    "<=": ("is at most", "is above"),
    ">": ("is above", "is at most"),
    ">=": ("is at least", "is below"),
    "=": ("is", "is not"),
    "!=": ("is not", "is"),
    "contains": ("contains", "does not contain"),
}
# Names of fields in reasons; fields not listed are shown by their column name.
_FIELD_NAMES = {
    "dmin_gy": "Dmin",
    "dmean_gy": "Dmean",
    "dmax_gy": "Dmax",
    "d95_gy": "D95",
    "d50_gy": "D50",
    "d2_gy": "D2",
    "prescription_gy": "the prescription",
    "total_mu": "total MU",
    "volume_cc": "volume",
}
_UNITS = (("_gy", "Gy"), ("_mu", "MU"), ("_cc", "cc"), ("_pct", "%"))


class FilterError(ValueError):
    """A filter that cannot be read; the message names the text, the place and the cause."""


@dataclass(frozen=True)
class _Token:
    kind: str  # lparen rparen op string number arith word keyword end
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


# -- the expression tree ----------------------------------------------------------------------


class _Value:
    """Something with a value in a row: a field, a constant, or arithmetic on them."""

    numeric = True

    def value(self, row: Row) -> Any:
        raise NotImplementedError

    def show(self, row: Row) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class _Field(_Value):
    name: str

    def value(self, row: Row) -> Any:
        return row.get(self.name)

    def show(self, row: Row) -> str:
        label = _FIELD_NAMES.get(self.name, self.name)
        value = row.get(self.name)
        if value is None:
            return label
        unit = next((u for suffix, u in _UNITS if self.name.endswith(suffix)), "")
        return f"{label} {_shown(value)}{f' {unit}' if unit else ''}"


@dataclass(frozen=True)
class _Constant(_Value):
    constant: Any

    @property
    def numeric(self) -> bool:  # type: ignore[override]
        return isinstance(self.constant, float)

    def value(self, row: Row) -> Any:
        return self.constant

    def show(self, row: Row) -> str:
        return _shown(self.constant) if self.numeric else f"'{self.constant}'"


@dataclass(frozen=True)
class _Arithmetic(_Value):
    op: str
    left: _Value
    right: _Value

    def value(self, row: Row) -> float | None:
        a, b = _number(self.left.value(row)), _number(self.right.value(row))
        if a is None or b is None:
            return None
        if self.op == "+":
            return a + b
        if self.op == "-":
            return a - b
        if self.op == "*":
            return a * b
        return a / b if b != 0 else None

    def show(self, row: Row) -> str:
        for factor, other in ((self.left, self.right), (self.right, self.left)):
            if self.op == "*" and isinstance(factor, _Constant) and factor.numeric:
                return f"{_shown(100.0 * factor.constant)}% of {other.show(row)}"
        result = self.value(row)
        total = f" = {_shown(result)}" if result is not None else " (not known)"
        return f"({self.left.show(row)} {self.op} {self.right.show(row)}{total})"


class Condition:
    """A compiled filter: call it on a row for True/False, :meth:`explain` for the words."""

    def __call__(self, row: Row) -> bool:
        raise NotImplementedError

    def explain(self, row: Row) -> str:
        """Why the condition holds or fails for ``row``, one line."""
        raise NotImplementedError


@dataclass(frozen=True)
class _Compare(Condition):
    op: str
    left: _Value
    right: _Value

    def __call__(self, row: Row) -> bool:
        actual, wanted = self.left.value(row), self.right.value(row)
        if actual is None or wanted is None:
            return False
        if self.op == "contains":
            return str(wanted).lower() in _text(actual).lower()
        left, right = _comparable(actual, wanted)
        if self.op == "=":
            return left == right
        if self.op == "!=":
            return left != right
        try:
            return _ORDER[self.op](left, right)
        except TypeError:
            return False

    def explain(self, row: Row) -> str:
        if self.left.value(row) is None or self.right.value(row) is None:
            return f"{self.left.show(row)} cannot be compared with {self.right.show(row)}"
        verb = _VERBS[self.op][0 if self(row) else 1]
        return f"{self.left.show(row)} {verb} {self.right.show(row)}"


@dataclass(frozen=True)
class _IsNull(Condition):
    operand: _Value
    negate: bool

    def __call__(self, row: Row) -> bool:
        return (self.operand.value(row) is None) != self.negate

    def explain(self, row: Row) -> str:
        if self.operand.value(row) is None:
            return f"{self.operand.show(row)} is not known"
        return f"{self.operand.show(row)} is known"


@dataclass(frozen=True)
class _Not(Condition):
    inner: Condition

    def __call__(self, row: Row) -> bool:
        return not self.inner(row)

    def explain(self, row: Row) -> str:
        return self.inner.explain(row)


@dataclass(frozen=True)
class _Join(Condition):
    word: str  # "and" / "or"
    parts: tuple[Condition, ...]

    def __call__(self, row: Row) -> bool:
        results = (p(row) for p in self.parts)
        return all(results) if self.word == "and" else any(results)

    def explain(self, row: Row) -> str:
        holds = self(row)
        # The parts that decided: for a failed "and" the failing ones, for a held "or"
        # the holding ones; otherwise all of them.
        deciding = [p for p in self.parts if p(row) == (self.word == "or")]
        if (self.word == "and") == holds or not deciding:
            deciding = list(self.parts)
        return f" {self.word} ".join(p.explain(row) for p in deciding)


# -- the parser ---------------------------------------------------------------------------------


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

    def parse(self) -> Condition:
        if self.current.kind == "end":
            raise self.error("the filter is empty", self.current)
        condition = self.expression()
        if self.current.kind != "end":
            raise self.error(f"unexpected '{self.current.text}'", self.current)
        return condition

    def expression(self) -> Condition:
        parts = [self.term()]
        while self.is_keyword("or"):
            self.take()
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else _Join("or", tuple(parts))

    def term(self) -> Condition:
        parts = [self.factor()]
        while self.is_keyword("and"):
            self.take()
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else _Join("and", tuple(parts))

    def factor(self) -> Condition:
        if self.is_keyword("not"):
            self.take()
            return _Not(self.factor())
        if self.current.kind == "lparen":
            opening = self.take()
            inner = self.expression()
            if self.current.kind != "rparen":
                raise self.error("'(' is not closed", opening)
            self.take()
            return inner
        return self.comparison()

    def comparison(self) -> Condition:
        first = self.current
        left = self.sum(left_side=True)
        if self.is_keyword("is"):
            self.take()
            negate = self.is_keyword("not")
            if negate:
                self.take()
            if not self.is_keyword("null"):
                raise self.error("expected 'null' after 'is'", self.current)
            self.take()
            return _IsNull(left, negate)
        op_token = self.take()
        if op_token.kind == "keyword" and op_token.text == "contains":
            op = "contains"
        elif op_token.kind == "op":
            op = "=" if op_token.text == "==" else op_token.text
        else:
            what = f"'{op_token.text}'" if op_token.text else "the end"
            raise self.error(
                f"expected an operator (= != < <= > >= contains) after '{first.text}', "
                f"found {what}",
                op_token,
            )
        if self.current.kind not in ("word", "string", "number", "arith"):
            what = f"'{self.current.text}'" if self.current.text else "the end"
            raise self.error(
                f"expected a value after '{op_token.text}', found {what}", self.current
            )
        return _Compare(op, left, self.sum(left_side=False))

    def sum(self, *, left_side: bool) -> _Value:
        value = self.product(left_side=left_side)
        while self.current.kind == "arith" and self.current.text in "+-":
            op = self.take()
            value = self.arithmetic(op, value, self.product(left_side=left_side))
        return value

    def product(self, *, left_side: bool) -> _Value:
        value = self.operand(left_side=left_side)
        while self.current.kind == "arith" and self.current.text in "*/":
            op = self.take()
            value = self.arithmetic(op, value, self.operand(left_side=left_side))
        return value

    def arithmetic(self, op: _Token, left: _Value, right: _Value) -> _Value:
        if not (left.numeric and right.numeric):
            raise self.error(f"'{op.text}' needs numbers or number fields on both sides", op)
        return _Arithmetic(op.text, left, right)

    def operand(self, *, left_side: bool) -> _Value:
        token = self.take()
        if token.kind == "arith" and token.text == "-":
            inner = self.operand(left_side=left_side)
            if isinstance(inner, _Constant) and inner.numeric:
                return _Constant(-inner.constant)
            return self.arithmetic(token, _Constant(0.0), inner)
        if token.kind == "number":
            return _Constant(float(token.text))
        if token.kind == "string" and not left_side:
            return _Constant(token.text)
        if token.kind == "word":
            field = self.fields.get(token.text.lower())
            if field is not None:
                return _Field(field)
            if not left_side:
                return _Constant(token.text)
            known = ", ".join(sorted(self.fields.values()))
            raise self.error(f"unknown field '{token.text}' (known: {known})", token)
        what = f"'{token.text}'" if token.text else "the end"
        expected = "a field name" if left_side else "a value"
        raise self.error(f"expected {expected}, found {what}", token)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _shown(value: Any) -> str:
    """A value in a reason: numbers rounded to 2 decimals without trailing zeros."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{round(float(value), 2):g}"
    return _text(value)


def _comparable(actual: Any, value: Any) -> tuple[Any, Any]:
    """Numbers as numbers where both sides are numbers, otherwise case-folded text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = _number(actual)
        if number is not None:
            return number, float(value)
    return _text(actual).lower(), _text(value).lower()


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def compile_condition(text: str, fields: Collection[str]) -> Condition:
    """A :class:`Condition` for ``text``; :class:`FilterError` says what is wrong with it."""
    return _Parser(text, fields).parse()


def compile_filter(text: str, fields: Collection[str]) -> Predicate:
    """A predicate over rows for ``text``; :class:`FilterError` says what is wrong with it."""
    return compile_condition(text, fields)
