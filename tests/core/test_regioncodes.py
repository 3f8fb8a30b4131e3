"""Division codes: GB/T 2260 (6 digits) and statistical codes (12 digits), with shared/domain vectors."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from doorstep.core.regioncodes import parse_region_code, validate_region_code


def test_the_domain_example_jinchang_yangyuxiang():
    code = parse_region_code("320508019044")
    assert code.level == "village"
    assert code.parts == ("32", "05", "08", "019", "044")
    assert code.parent == "320508019"
    assert code.township_kind == "subdistrict"
    assert code.village_kind == "community"
    assert code.kind == "community"
    assert code.province_name == "江苏省"
    assert code.gb2260 == "320508"
    assert code.full == "320508019044"
    with translation.override("zh-hans"):
        assert code.level_label == "村级（社区/村）"
        assert code.kind_label == "社区（居民委员会）"


@pytest.mark.parametrize(
    ("text", "level", "significant", "parent", "township_kind", "village_kind"),
    [
        ("36", "province", "36", None, None, None),
        ("3609", "prefecture", "3609", "36", None, None),
        ("360900", "prefecture", "3609", "36", None, None),
        ("360902", "county", "360902", "3609", None, None),
        ("360902000000", "county", "360902", "3609", None, None),
        ("360902001", "township", "360902001", "360902", "subdistrict", None),
        ("360902100000", "township", "360902100", "360902", "town", None),
        ("360902200", "township", "360902200", "360902", "township", None),
        ("360902400", "township", "360902400", "360902", "state_unit", None),
        ("360902650", "township", "360902650", "360902", "other", None),
        ("360902001199", "village", "360902001199", "360902001", "subdistrict", "community"),
        ("360902100200", "village", "360902100200", "360902100", "town", "village"),
        ("360902200399", "village", "360902200399", "360902200", "township", "village"),
        ("360902100401", "village", "360902100401", "360902100", "town", "other"),
        ("3209-02 001 001", "village", "320902001001", "320902001", "subdistrict", "community"),
        ("110000000000", "province", "11", None, None, None),
    ],
)
def test_codes_of_every_level(text, level, significant, parent, township_kind, village_kind):
    code = parse_region_code(text)
    assert (code.level, code.code, code.parent, code.township_kind, code.village_kind) == (
        level,
        significant,
        parent,
        township_kind,
        village_kind,
    )
    assert code.full == significant.ljust(12, "0")
    validate_region_code(text)


@pytest.mark.parametrize(
    ("text", "code", "fragment"),
    [
        ("", "required", "区划代码"),
        ("3205080190", "length", "10"),
        ("32050801904", "length", "11"),
        ("3205O8", "characters", "数字"),
        ("990508", "province", "99"),
        ("000000", "province", "00"),
        ("320008", "zero", "地级"),
        ("320508000044", "zero", "乡级"),
    ],
)
def test_bad_codes_say_what_is_wrong(text, code, fragment):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        parse_region_code(text)
    assert info.value.code == code
    assert fragment in info.value.messages[0]
