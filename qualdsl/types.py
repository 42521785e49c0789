"""Value types of the language and the rules for combining them."""

from __future__ import annotations

import attrs

NUMERIC_KINDS = frozenset({"int", "number", "money"})


@attrs.frozen
class Type:
    """A value type. ``members`` is set for enums, ``item`` for lists."""

    kind: str
    members: tuple[str, ...] = ()
    item: Type | None = None

    @property
    def is_numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    def describe(self) -> str:
        if self.kind == "enum":
            return "one of " + ", ".join(self.members)
        if self.kind == "list" and self.item is not None:
            return "list of " + self.item.describe()
        return SHOWN.get(self.kind, self.kind)


INT = Type("int")
NUMBER = Type("number")
MONEY = Type("money")
TEXT = Type("text")
BOOL = Type("bool")
DATE = Type("date")
DATETIME = Type("datetime")
DURATION = Type("duration")
EMPTY_LIST = Type("list", item=None)

SHOWN = {"bool": "yes/no", "number": "number", "int": "whole number"}

SIMPLE_TYPES: dict[str, Type] = {
    "int": INT,
    "number": NUMBER,
    "money": MONEY,
    "text": TEXT,
    "yes/no": BOOL,
    "date": DATE,
    "datetime": DATETIME,
    "duration": DURATION,
}


def list_of(item: Type) -> Type:
    return Type("list", item=item)


def numeric_result(left: Type, right: Type, op: str) -> Type:
    """int op int is int (but / gives a number); money wins over number, number over int."""
    kinds = {left.kind, right.kind}
    if "money" in kinds:
        return MONEY
    if "number" in kinds or op == "/":
        return NUMBER
    return INT


def comparable(left: Type, right: Type) -> bool:
    """Whether two values of these types can be compared with = and, if ordered, < >."""
    if left.is_numeric and right.is_numeric:
        return True
    if left.kind == "enum" and right.kind == "enum":
        return left.members == right.members
    if left.kind == "list" and right.kind == "list":
        return left.item is None or right.item is None or comparable(left.item, right.item)
    return left.kind == right.kind


ORDERED_KINDS = NUMERIC_KINDS | {"date", "datetime", "duration", "text"}
