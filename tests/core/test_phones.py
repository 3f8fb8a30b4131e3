"""Mobile numbers: 11 digits ^1[3-9]\\d{9}$, prefixes and separators accepted, IoT numbers refused."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from doorstep.core.phones import normalize_phone, validate_phone


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("13812341234", "13812341234"),
        ("+8613812341234", "13812341234"),
        ("+86 138 1234 1234", "13812341234"),
        ("0086-138-1234-1234", "13812341234"),
        ("8613812341234", "13812341234"),
        ("138-1234-1234", "13812341234"),
        ("(+86) 199.0000.1111", "19900001111"),
        ("１３８１２３４１２３４", "13812341234"),
        ("14512345678", "14512345678"),
        ("16612345678", "16612345678"),
    ],
)
def test_accepted_forms_are_stored_as_eleven_digits(text, stored):
    assert normalize_phone(text) == stored
    validate_phone(text)


@pytest.mark.parametrize(
    ("text", "code", "fragment"),
    [
        ("", "required", "手机号"),
        ("1381234123", "length", "10"),
        ("138123412345", "length", "12"),
        ("12812341234", "prefix", "12"),
        ("10012341234", "prefix", "10"),
        ("23812341234", "prefix", "23"),
        ("1440123456789", "iot", "1440123456789"),
        ("1400123456789", "iot", "140"),
        ("+861440123456789", "iot", "物联网"),
        ("138a2341234", "characters", "+86"),
        ("010-12345678", "prefix", "01"),
    ],
)
def test_refused_numbers_say_why(text, code, fragment):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        normalize_phone(text)
    assert info.value.code == code
    assert fragment in info.value.messages[0]
