"""Reading one cell of a roster workbook: text, whole numbers, areas, dates, choices, masks.

Each reader takes what openpyxl gives (str, int, float, datetime, bool or None) and returns a
clean Python value, or raises CellError with the reason in the user's language.
"""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .schema import Choice


class CellError(ValueError):
    """A cell that cannot be read; the message is the reason shown in the report."""


def text(value) -> str:
    """The cell as stripped text; whole floats lose their '.0' (101.0 → '101')."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def limited(value: str, max_length: int) -> str:
    if len(value) > max_length:
        raise CellError(_("Too long: at most %(n)d characters.") % {"n": max_length})
    return value


def code(value: str, max_length: int = 32) -> str:
    """A code: letters, digits and - _ . only."""
    if not re.fullmatch(r"[0-9A-Za-z_.\-]+", value):
        raise CellError(_("A code may hold only letters, digits and - _ ."))
    return limited(value, max_length)


def integer(value, *, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool):
        raise CellError(_("Must be a whole number."))
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("Must be a whole number."))
        number = int(value)
    else:
        raw = text(value)
        if not re.fullmatch(r"[+-]?\d+", raw):
            raise CellError(_("Must be a whole number."))
        number = int(raw)
    if minimum is not None and number < minimum:
        raise CellError(_("Must be at least %(n)d.") % {"n": minimum})
    if maximum is not None and number > maximum:
        raise CellError(_("Must be at most %(n)d.") % {"n": maximum})
    return number


_AREA_MAX = Decimal("99999999.99")


def area(value) -> Decimal:
    """An exclusive area in m²: a positive decimal with at most two decimal places."""
    if isinstance(value, bool):
        raise CellError(_("The area must be a positive number with at most two decimal places."))
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        raw = text(value).replace(",", "").replace("㎡", "").replace("m²", "").strip()
        try:
            number = Decimal(raw)
        except InvalidOperation:
            raise CellError(
                _("The area must be a positive number with at most two decimal places.")
            ) from None
    if not number.is_finite() or number <= 0 or number > _AREA_MAX:
        raise CellError(_("The area must be a positive number with at most two decimal places."))
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise CellError(_("The area must be a positive number with at most two decimal places."))
    return number.quantize(Decimal("0.01"))


_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def a_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(value)
    match = _DATE_RE.fullmatch(raw) or (
        re.fullmatch(r"(\d{4})(\d{2})(\d{2})", raw) if raw.isdigit() else None
    )
    if not match:
        raise CellError(_("Not a date; write it as 2024-05-01."))
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise CellError(_("Not a date; write it as 2024-05-01.")) from None


def year(value) -> int:
    this_year = date.today().year
    try:
        return integer(value, minimum=1800, maximum=this_year + 5)
    except CellError:
        raise CellError(_("Not a year (such as 1998).")) from None


def choice(value: str, options: Choice, lookup: dict[str, str]) -> str:
    found = lookup.get(value) or lookup.get(value.lower())
    if found is None:
        allowed = "、".join(options.labels.values())
        raise CellError(_("Not one of the allowed values: %(allowed)s.") % {"allowed": allowed})
    return found


_SPLIT_RE = re.compile(r"[、,，;；/\s]+")


def many(value: str) -> list[str]:
    return [part for part in _SPLIT_RE.split(value) if part]


# Masked personal data as doorstep exports it: 138****1234, 360902********1234, 张* / 欧阳**.
_MASKED_PHONE = re.compile(r"1\d{2}\*{4}\d{4}")
_MASKED_ID = re.compile(r"\d{6}\*+[\dXx]{4}")


def is_masked(value: str) -> bool:
    return "*" in value


def masked_phone(value: str) -> str:
    if not _MASKED_PHONE.fullmatch(value):
        raise CellError(_("Not a masked phone number of the form 138****1234."))
    return value


def masked_id(value: str) -> str:
    if not _MASKED_ID.fullmatch(value):
        raise CellError(_("Not a masked ID number of the form 110105********002X."))
    return value.upper()


def masked_name(value: str) -> str:
    if not re.fullmatch(r"[^*]{1,2}\*+", value):
        raise CellError(_("Not a masked name of the form 张*."))
    return value


def validation_message(exc: ValidationError) -> str:
    """The reason a core validator gave (Chinese in the Chinese UI)."""
    return "；".join(str(m) for m in exc.messages)


def chooser(options: Choice):
    """A parser for one closed list (the lookup table is built once)."""
    lookup = options.lookup()

    def parse(value: str) -> str:
        return choice(value, options, lookup)

    return parse


def many_chooser(options: Choice):
    one = chooser(options)

    def parse(value: str) -> list[str]:
        return [one(part) for part in many(value)]

    return parse
