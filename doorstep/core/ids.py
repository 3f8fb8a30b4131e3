"""Citizen ID numbers (公民身份号码, GB 11643-1999).

18 characters: a 6-digit address code (GB/T 2260), the birth date YYYYMMDD, a 3-digit sequence
(odd: male, even: female) and a check character (ISO 7064 MOD 11-2). Old cards issued before
1999 carry 15 digits (no century, no check character); they still turn up in legacy rosters, so
they are accepted and converted to 18 characters, and the result says it was converted.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .regioncodes import PROVINCES

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
# Residence permits of Hong Kong, Macao and Taiwan residents use 810000, 820000 and 830000.
ID_PROVINCES = frozenset(PROVINCES) | {"83"}
EARLIEST_BIRTH = date(1850, 1, 1)

_SEPARATORS = re.compile(r"[\s\-]")


@dataclass(frozen=True)
class IdNumber:
    number: str  # 18 characters, check character upper-case
    birth_date: date
    gender: str  # "M" or "F"
    region_code: str  # 6 digits: the county where the number was issued
    legacy: bool = False  # True when the input was an old 15-digit number

    def age_on(self, day: date) -> int:
        """Full years of age on a day (PIPL art. 28 treats under-14s as sensitive)."""
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday

    def __str__(self) -> str:
        return self.number


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def _clean(text) -> str:
    # Full-width digits and ｘ come from Chinese input methods; NFKC folds them to ASCII.
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(text or ""))).upper()


def parse_id_number(text) -> IdNumber:
    """Check an ID number and take it apart; raise ValidationError naming what is wrong."""
    value = _clean(text)
    if not value:
        raise ValidationError(_("Enter an ID number."), code="required")
    legacy = len(value) == 15
    if len(value) not in (15, 18):
        raise ValidationError(
            _("An ID number has 18 characters (old cards: 15 digits); this one has %(count)d."),
            code="length",
            params={"count": len(value)},
        )
    if legacy:
        if not value.isdigit():
            raise ValidationError(_("An old 15-digit ID number may only contain digits."), code="characters")
        first17 = value[:6] + "19" + value[6:]
        value = first17 + check_character(first17)
    elif not (value[:17].isdigit() and (value[17].isdigit() or value[17] == "X")):
        raise ValidationError(
            _("An ID number is 17 digits followed by a digit or X; it contains other characters."),
            code="characters",
        )
    region = value[:6]
    if region[:2] not in ID_PROVINCES:
        raise ValidationError(
            _("The address code %(code)s does not start with a province code."),
            code="region",
            params={"code": region},
        )
    raw_date = value[6:14]
    try:
        born = date(int(raw_date[:4]), int(raw_date[4:6]), int(raw_date[6:]))
    except ValueError:
        raise ValidationError(
            _("The birth date %(date)s in the ID number is not a real date."),
            code="date",
            params={"date": raw_date},
        ) from None
    if born > timezone.localdate() or born < EARLIEST_BIRTH:
        raise ValidationError(
            _("The birth date %(date)s in the ID number is not possible."),
            code="date",
            params={"date": born.isoformat()},
        )
    expected = check_character(value[:17])
    if value[17] != expected:
        raise ValidationError(
            _(
                "The check character of the ID number is wrong: it ends in %(given)s, but should end in %(expected)s."
            ),
            code="checksum",
            params={"given": value[17], "expected": expected},
        )
    gender = "M" if int(value[16]) % 2 else "F"
    return IdNumber(number=value, birth_date=born, gender=gender, region_code=region, legacy=legacy)


def normalize_id_number(text) -> str:
    """The 18-character form to store (upper-case X; old 15-digit numbers converted)."""
    return parse_id_number(text).number


def validate_id_number(value) -> None:
    """Django validator: accepts 18-character numbers and old 15-digit ones."""
    parse_id_number(value)
