"""Administrative division codes.

GB/T 2260 gives 6 digits: province (2) + prefecture (2) + county (2). The statistical division
code (统计用区划代码) adds township (3) and village/community (3) for 12 digits. Higher levels are
often written padded with zeros (360900 is a prefecture, 360902000000 a county), so trailing
zero groups are read as "this level is not given".

Township numbers: 001–099 subdistrict (街道), 100–199 town (镇), 200–399 township (乡), 400–599
state-run unit (政企合一单位). Village numbers: 001–199 community (居民委员会), 200–399 village
(村民委员会). Numbers outside those ranges are reported as kind "other".
"""

import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB/T 2260 province-level codes.
PROVINCES = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}

LEVELS = ("province", "prefecture", "county", "township", "village")
LEVEL_LABELS = {
    "province": _("province level"),
    "prefecture": _("prefecture level"),
    "county": _("county level"),
    "township": _("township level"),
    "village": _("village level"),
}
# Width of each part and the total length of a code that ends at that level.
_WIDTHS = (2, 2, 2, 3, 3)
_LENGTHS = (2, 4, 6, 9, 12)

TOWNSHIP_KINDS = (
    (1, 99, "subdistrict", _("subdistrict")),
    (100, 199, "town", _("town")),
    (200, 399, "township", _("township")),
    (400, 599, "state_unit", _("state-run unit")),
)
VILLAGE_KINDS = (
    (1, 199, "community", _("community (residents' committee)")),
    (200, 399, "village", _("village (villagers' committee)")),
)
KIND_LABELS = {key: label for _lo, _hi, key, label in TOWNSHIP_KINDS + VILLAGE_KINDS} | {"other": _("other")}

_SEPARATORS = re.compile(r"[\s\-]")


@dataclass(frozen=True)
class RegionCode:
    code: str  # the significant digits: 2, 4, 6, 9 or 12 of them
    level: str  # province / prefecture / county / township / village
    parts: tuple[str, ...]  # ("32", "05", "08", "019", "044") down to the level
    parent: str | None  # the parent's code (significant digits), None for a province
    township_kind: str | None = None  # subdistrict / town / township / state_unit / other
    village_kind: str | None = None  # community / village / other

    @property
    def full(self) -> str:
        """The 12-digit statistical form, padded with zeros."""
        return self.code.ljust(12, "0")

    @property
    def gb2260(self) -> str:
        """The 6-digit GB/T 2260 form (county or above)."""
        return self.code[:6].ljust(6, "0")

    @property
    def province_name(self) -> str:
        return PROVINCES[self.parts[0]]

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS[self.level])

    @property
    def kind(self) -> str | None:
        """The kind of the unit itself: a township's or a village's kind, else None."""
        return self.village_kind if self.level == "village" else self.township_kind

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind]) if self.kind else ""

    def __str__(self) -> str:
        return self.code


def _kind(number: int, table) -> str:
    for low, high, key, _label in table:
        if low <= number <= high:
            return key
    return "other"


def parse_region_code(code) -> RegionCode:
    """Check a 2/4/6/9/12-digit division code and take it apart; raise ValidationError."""
    value = _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(code or "")))
    if not value:
        raise ValidationError(_("Enter a division code."), code="required")
    if not value.isdigit():
        raise ValidationError(_("A division code may only contain digits."), code="characters")
    if len(value) not in _LENGTHS:
        raise ValidationError(
            _("A division code has 2, 4, 6, 9 or 12 digits; this one has %(count)d."),
            code="length",
            params={"count": len(value)},
        )
    parts: list[str] = []
    position = 0
    for width in _WIDTHS:
        if position >= len(value):
            break
        parts.append(value[position : position + width])
        position += width
    # Zero groups at the end mean the level is not given (360900 is the prefecture 3609).
    while len(parts) > 1 and int(parts[-1]) == 0:
        parts.pop()
    if parts[0] not in PROVINCES:
        raise ValidationError(
            _("%(code)s is not a province code."), code="province", params={"code": parts[0]}
        )
    for index, part in enumerate(parts[1:], start=1):
        if int(part) == 0:
            raise ValidationError(
                _("The %(level)s part of the code is 0 while a lower level is given."),
                code="zero",
                params={"level": LEVEL_LABELS[LEVELS[index]]},
            )
    significant = "".join(parts)
    level = LEVELS[len(parts) - 1]
    return RegionCode(
        code=significant,
        level=level,
        parts=tuple(parts),
        parent="".join(parts[:-1]) or None,
        township_kind=_kind(int(parts[3]), TOWNSHIP_KINDS) if len(parts) > 3 else None,
        village_kind=_kind(int(parts[4]), VILLAGE_KINDS) if len(parts) > 4 else None,
    )


def validate_region_code(value) -> None:
    """Django validator for division codes of any level."""
    parse_region_code(value)
