"""Citizen ID numbers (GB 11643-1999), with the vectors of shared/domain/identity.md."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from doorstep.core.ids import (
    IdNumber,
    check_character,
    normalize_id_number,
    parse_id_number,
    validate_id_number,
)


@pytest.mark.parametrize(
    ("text", "number", "birth", "gender", "region"),
    [
        ("11010519491231002X", "11010519491231002X", date(1949, 12, 31), "F", "110105"),
        ("440524188001010014", "440524188001010014", date(1880, 1, 1), "M", "440524"),
        ("513101198201130014", "513101198201130014", date(1982, 1, 13), "M", "513101"),
        ("370101190102039973", "370101190102039973", date(1901, 2, 3), "M", "370101"),
        ("34052419800101001X", "34052419800101001X", date(1980, 1, 1), "M", "340524"),
        # lower-case x is accepted and stored upper-case; spaces and full-width digits are folded
        ("11010519491231002x", "11010519491231002X", date(1949, 12, 31), "F", "110105"),
        (" 110105 19491231 002X ", "11010519491231002X", date(1949, 12, 31), "F", "110105"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", date(1949, 12, 31), "F", "110105"),
    ],
)
def test_valid_id_numbers_are_taken_apart(text, number, birth, gender, region):
    parsed = parse_id_number(text)
    assert parsed == IdNumber(
        number=number, birth_date=birth, gender=gender, region_code=region, legacy=False
    )
    assert normalize_id_number(text) == number
    validate_id_number(text)


def test_check_character_of_the_worked_example():
    # 513101198201130014: S = 184, 184 mod 11 = 8 -> check character 4
    assert check_character("51310119820113001") == "4"


@pytest.mark.parametrize(
    ("legacy", "number", "birth", "gender"),
    [
        ("110105491231002", "11010519491231002X", date(1949, 12, 31), "F"),
        ("440524800101001", "440524198001010013", date(1980, 1, 1), "M"),
    ],
)
def test_old_15_digit_numbers_are_converted_and_flagged(legacy, number, birth, gender):
    parsed = parse_id_number(legacy)
    assert parsed.number == number
    assert len(parsed.number) == 18
    assert parsed.birth_date == birth
    assert parsed.gender == gender
    assert parsed.legacy is True
    assert parse_id_number(parsed.number).legacy is False


@pytest.mark.parametrize(
    ("text", "code", "fragment"),
    [
        ("", "required", "请输入身份证号码"),
        ("11010519491231002", "length", "17"),
        ("11010519491231002X1", "length", "19"),
        ("1101051949123100XX", "characters", "X"),
        ("11010519491231002Y", "characters", "X"),
        ("11010A491231002", "characters", "15"),
        ("110105194902300021", "date", "19490230"),
        ("110105194913010021", "date", "19491301"),
        ("110105291001010023", "date", "2910-01-01"),
        ("110105194912310021", "checksum", "X"),
        ("440524188001010015", "checksum", "4"),
        ("990524188001010014", "region", "990524"),
    ],
)
def test_invalid_id_numbers_say_what_is_wrong(text, code, fragment):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        parse_id_number(text)
    assert info.value.code == code
    message = info.value.messages[0]
    assert fragment in message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message  # Chinese


def test_wrong_check_character_names_the_expected_one():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        validate_id_number("110105194912310021")
    assert "校验码" in info.value.messages[0]
    assert "X" in info.value.messages[0]


def test_age_on_a_day():
    child = parse_id_number("110105201506010024")
    assert child.age_on(date(2029, 5, 31)) == 13
    assert child.age_on(date(2029, 6, 1)) == 14
