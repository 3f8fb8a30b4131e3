"""Mainland mobile numbers.

Stored as the 11 digits. The practical rule is ^1[3-9]\\d{9}$: a whitelist of carrier prefixes
goes stale because numbers move between carriers. Input may carry +86 / 0086 / 86, spaces,
dashes, dots or brackets, and full-width digits from Chinese input methods. 13-digit IoT numbers
(prefixes 140–144) are not phones and are refused.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE = re.compile(r"^1[3-9]\d{9}$")
IOT = re.compile(r"^14[0-4]\d{10}$")
_SEPARATORS = re.compile(r"[\s\-.()]")


def normalize_phone(text) -> str:
    """The 11 digits of a mobile number; raise ValidationError saying what is wrong."""
    value = _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(text or "")))
    if not value:
        raise ValidationError(_("Enter a mobile number."), code="required")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    elif len(value) == 13 and value.startswith("861"):
        value = value[2:]
    if not value.isdigit():
        raise ValidationError(
            _("A mobile number may only contain digits, spaces, dashes and a +86 prefix."),
            code="characters",
        )
    if IOT.match(value):
        raise ValidationError(
            _("%(number)s is a 13-digit IoT number (prefix 140–144), not a mobile phone."),
            code="iot",
            params={"number": value},
        )
    if len(value) != 11:
        raise ValidationError(
            _("A mobile number has 11 digits; this one has %(count)d."),
            code="length",
            params={"count": len(value)},
        )
    if not MOBILE.match(value):
        raise ValidationError(
            _("A mobile number starts with 13 to 19; this one starts with %(prefix)s."),
            code="prefix",
            params={"prefix": value[:2]},
        )
    return value


def validate_phone(value) -> None:
    """Django validator for mobile numbers (any accepted input form)."""
    normalize_phone(value)
