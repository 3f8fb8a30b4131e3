"""Roster import (台账导入): a whole workbook is checked first and written all or nothing;
re-importing updates instead of duplicating; staff import only inside their own area."""

import io
from decimal import Decimal

import pytest

from doorstep.core.pii import lookup_hash
from doorstep.territory.models import (
    Building,
    Dwelling,
    Grid,
    Household,
    HouseholdMember,
    Organization,
    Ownership,
    Person,
    Region,
)
from doorstep.territory.roster import exporter, services
from tests import factories

MODELS = (Region, Grid, Building, Dwelling, Organization, Person, Ownership, Household, HouseholdMember)


def book(records: dict[str, list[dict]]) -> io.BytesIO:
    """A workbook written from the template layout, rows given as {header: value}."""
    out = io.BytesIO()
    exporter.write_records(out, records)
    out.seek(0)
    return out


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def flat(report) -> list[tuple[str, int | None, str, str]]:
    return [(i.sheet, i.row, i.column, i.reason) for i in report.issues]


ROOM = {"小区代码": "YS-001", "楼栋号": "1栋", "单元": 1}


def good_records() -> dict[str, list[dict]]:
    """A new community with a compound, grid, building, dwellings, owners, residents, organisations."""
    return {
        "区域": [
            {"区划代码": "360902002001", "名称": "袁山社区", "层级": "社区", "类型": "社区", "上级代码": "360902002", "官方代码": "是", "人口": 5200}
        ],
        "小区": [
            {"小区代码": "YS-001", "小区名称": "袁山小区", "所属社区代码": "360902002001", "地址": "袁山中路 8 号", "老旧小区": "是", "建成年份": 1998}
        ],
        "网格": [
            {"网格代码": "G-YS-01", "网格名称": "袁山一网格", "网格类型": "居民网格", "所属社区代码": "360902002001", "多格合一职责": "党建、综治、消防", "覆盖小区代码": "YS-001"},
            {"网格代码": "G-YS-S1", "网格名称": "袁山小学网格", "网格类型": "学校专属网格", "所属社区代码": "360902002001"},
        ],
        "楼栋": [{"小区代码": "YS-001", "楼栋号": "1栋", "层数": 6, "单元数": 2, "电梯": "无", "建成年份": 1998}],
        "房屋": [
            {**ROOM, "房号": "101", "楼层": 1, "专有部分面积（㎡）": 89.5, "用途": "住宅"},
            {**ROOM, "房号": "102", "楼层": 1, "专有部分面积（㎡）": "75.25"},
            {**ROOM, "单元": 2, "房号": "101", "楼层": 1, "专有部分面积（㎡）": 120, "用途": "商业", "面积来源": "测绘"},
        ],
        "业主": [
            {**ROOM, "房号": "101", "业主姓名或单位名称": "张三", "身份证号": "11010519491231002X", "手机号": "138-0013-8000", "共有": "否", "登记日期": "2020-05-01"},
            {**ROOM, "房号": "102", "业主姓名或单位名称": "李四", "身份证号": "440524188001010014", "共有": "是"},
            {**ROOM, "房号": "102", "业主姓名或单位名称": "王五", "身份证号": "513101198201130014", "手机号": "+86 139 1234 5678", "共有": "是"},
            {**ROOM, "单元": 2, "房号": "101", "业主姓名或单位名称": "宜春城投", "业主类型": "单位", "开发商未售": "是"},
        ],
        "居民": [
            {"姓名": "张三", "身份证号": "11010519491231002x", "居住小区或社区代码": "YS-001", **ROOM, "房号": "101", "与户主关系": "户主"},
            {"姓名": "赵六", "手机号": "13712345678", "性别": "男", "居住小区或社区代码": "YS-001", **ROOM, "房号": "101", "与户主关系": "配偶"},
            {"姓名": "孙七", "手机号": "13612345678", "居住小区或社区代码": "360902002001"},
        ],
        "组织": [
            {"组织名称": "秀江街道党工委", "组织类型": "街道党工委", "所属区域代码": "360902002"},
            {"组织名称": "袁山社区党委", "组织类型": "党委", "所属区域代码": "360902002001", "上级组织": "秀江街道党工委"},
            {"组织名称": "袁山小区党支部", "组织类型": "党支部", "所属区域代码": "YS-001", "上级组织": "袁山社区党委", "网格代码": "G-YS-01"},
            {"组织名称": "1栋党小组", "组织类型": "楼栋党小组", "所属区域代码": "YS-001", "上级组织": "袁山小区党支部", "楼栋号": "1栋"},
            {"组织名称": "春天物业", "组织类型": "物业服务企业", "所属区域代码": "YS-001", "物业企业性质": "公益性", "举办单位": "袁山社区党委", "统一社会信用代码": "91360902MA35XXXX03"},
            {"组织名称": "宜春城投", "组织类型": "国有企业", "所属区域代码": "360902002001"},
        ],
    }  # fmt: skip


def test_a_good_workbook_imports_every_sheet(city):
    report = services.import_roster(book(good_records()))

    assert report.ok, report.as_text(services.SHEET_ORDER)
    assert report.written
    community = Region.objects.get(code="360902002001")
    assert (community.parent, community.level, community.code_is_official) == (city.subdistrict_a, 4, True)
    compound = Region.objects.get(code="YS-001")
    assert (compound.parent, compound.level, compound.is_old_compound, compound.built_year) == (
        community,
        5,
        True,
        1998,
    )
    grid = Grid.objects.get(code="G-YS-01")
    assert grid.duties == ["party", "governance", "fire"]
    assert list(grid.compounds.all()) == [compound]
    assert Grid.objects.get(code="G-YS-S1").kind == "school"
    building = Building.objects.get(compound=compound, number="1栋")
    assert (building.floors, building.stairwell_units, building.has_elevator) == (6, 2, False)
    areas = dict(Dwelling.objects.values_list("room", "exclusive_area").filter(stairwell_unit=1))
    assert areas == {"101": Decimal("89.50"), "102": Decimal("75.25")}
    shop = Dwelling.objects.get(stairwell_unit=2, room="101")
    assert (shop.use, shop.area_source) == ("commercial", "survey")

    zhang = Person.objects.get(id_number_hash=lookup_hash("11010519491231002X"))
    assert (zhang.name, zhang.phone, zhang.gender, str(zhang.birth_date)) == (
        "张三",
        "13800138000",
        "F",
        "1949-12-31",
    )
    assert zhang.id_number == "11010519491231002X"
    assert Ownership.objects.get(person=zhang).registered_on.isoformat() == "2020-05-01"
    co_owners = Ownership.objects.filter(dwelling__room="102").values_list("person__name", flat=True)
    assert sorted(co_owners) == ["李四", "王五"]
    assert Person.objects.get(name="王五").phone == "13912345678"
    unsold = Ownership.objects.get(dwelling=shop)
    assert (unsold.organization.name, unsold.is_developer_unsold) == ("宜春城投", True)

    household = Household.objects.get(dwelling__room="101", dwelling__stairwell_unit=1)
    assert household.head == zhang
    relations = dict(household.members.values_list("person__name", "relation"))
    assert relations == {"张三": "head", "赵六": "spouse"}
    assert Person.objects.filter(name="张三").count() == 1  # owner and resident are one person
    assert Person.objects.get(name="孙七").home_region == community

    branch = Organization.objects.get(name="袁山小区党支部")
    assert (branch.parent.name, branch.grid, branch.region) == ("袁山社区党委", grid, compound)
    assert Organization.objects.get(name="1栋党小组").building == building
    company = Organization.objects.get(name="春天物业")
    assert (company.company_mode, company.sponsor.name) == ("public_welfare", "袁山社区党委")


def test_reimport_updates_rows_and_never_duplicates(city):
    services.import_roster(book(good_records()))
    before = counts()

    again = services.import_roster(book(good_records()))
    assert again.ok and counts() == before
    assert sum(c.created + c.updated for c in again.counts.values()) == 0

    records = good_records()
    records["房屋"][0]["专有部分面积（㎡）"] = "90.10"
    records["业主"][0]["手机号"] = "13800138001"
    records["小区"][0]["小区名称"] = "袁山花园"
    records["网格"][0]["覆盖小区代码"] = ""  # blank keeps what is stored
    changed = services.import_roster(book(records))

    assert changed.ok, changed.as_text(services.SHEET_ORDER)
    assert counts() == before
    assert Dwelling.objects.get(stairwell_unit=1, room="101").exclusive_area == Decimal("90.10")
    assert Person.objects.get(name="张三").phone == "13800138001"
    assert Region.objects.get(code="YS-001").name == "袁山花园"
    assert Grid.objects.get(code="G-YS-01").compounds.count() == 1
    assert changed.counts["房屋"].updated == 1 and changed.counts["房屋"].unchanged == 2
    assert changed.counts["小区"].updated == 1


def test_a_person_without_id_is_matched_by_name_and_phone(city):
    services.import_roster(book(good_records()))
    records = {
        "居民": [
            {"姓名": "孙七", "手机号": "136 1234 5678", "性别": "男", "居住小区或社区代码": "360902002001"}
        ]
    }
    report = services.import_roster(book(records))
    assert report.ok and report.counts["居民"].updated == 1
    assert Person.objects.filter(name="孙七").count() == 1
    assert Person.objects.get(name="孙七").gender == "M"


def test_a_sole_owner_ends_the_earlier_owners(city):
    services.import_roster(book(good_records()))
    sale = {"业主": [{**ROOM, "房号": "102", "业主姓名或单位名称": "钱八", "身份证号": "370101190102039973", "共有": "否", "登记日期": "2024-03-01"}]}  # fmt: skip
    report = services.import_roster(book(sale))
    assert report.ok, report.as_text(services.SHEET_ORDER)
    current = Ownership.objects.filter(dwelling__room="102", ended_on__isnull=True)
    assert [o.person.name for o in current] == ["钱八"]
    assert Ownership.objects.filter(dwelling__room="102", ended_on__isnull=False).count() == 2


def bad_records() -> dict[str, list[dict]]:
    """Good rows mixed with bad ones on every sheet; the comments give the Excel row numbers."""
    records = good_records()
    records["区域"] += [
        {
            "区划代码": "LOC-2",
            "名称": "坏社区",
            "层级": "社区",
            "上级代码": "999999",
        },  # row 4: unknown parent
        {
            "区划代码": "360902002001",
            "名称": "重复",
            "层级": "社区",
            "上级代码": "360902002",
        },  # row 5: duplicate
        {"区划代码": "LOC-3", "名称": "省级", "层级": "省", "上级代码": "360900"},  # row 6: bad level
        {"区划代码": "LOC-4", "层级": "社区", "上级代码": "360902002"},  # row 7: no name
        {
            "区划代码": "360902002999",
            "名称": "码错",
            "层级": "社区",
            "上级代码": "360902",
            "官方代码": "是",
        },  # row 8
    ]
    records["小区"] += [
        {"小区代码": "YS-002", "小区名称": "挂错", "所属社区代码": "360902002"},  # row 4: a subdistrict
        {
            "小区代码": "YS-003",
            "小区名称": "年份",
            "所属社区代码": "360902002001",
            "建成年份": "九八年",
        },  # row 5
    ]
    records["楼栋"] += [{"小区代码": "YS-001", "楼栋号": "2栋", "层数": "六"}]  # row 4
    records["房屋"] += [
        {**ROOM, "房号": "103", "专有部分面积（㎡）": -5},  # row 6
        {**ROOM, "房号": "104", "专有部分面积（㎡）": "12.345"},  # row 7
        {**ROOM, "楼栋号": "9栋", "房号": "101", "专有部分面积（㎡）": 50},  # row 8: unknown building
        {**ROOM, "房号": "101", "专有部分面积（㎡）": 50},  # row 9: duplicate of row 3
        {**ROOM, "房号": "105", "专有部分面积（㎡）": 50, "用途": "别墅"},  # row 10
        {**ROOM, "房号": "106"},  # row 11: no area
    ]
    records["业主"] += [
        {
            **ROOM,
            "房号": "102",
            "业主姓名或单位名称": "周九",
            "身份证号": "110105194912310021",
            "共有": "是",
        },  # row 7
        {**ROOM, "房号": "102", "业主姓名或单位名称": "吴十", "手机号": "1234", "共有": "是"},  # row 8
    ]
    records["居民"] += [
        {
            "姓名": "郑一",
            "身份证号": "11010519491231002X",
            "性别": "男",
            "居住小区或社区代码": "YS-001",
        },  # row 6
        {"身份证号": "513101198201130014", "居住小区或社区代码": "YS-001"},  # row 7: no name
    ]
    records["组织"] += [
        {
            "组织名称": "新党支部",
            "组织类型": "党支部",
            "所属区域代码": "YS-001",
            "上级组织": "查无此组织",
        },  # row 8
        {
            "组织名称": "某党委",
            "组织类型": "党委",
            "所属区域代码": "YS-001",
            "物业企业性质": "市场化",
        },  # row 9
    ]
    return records


# (sheet, row, column, words the reason contains)
EXPECTED = [
    ("区域", 4, "上级代码", "不存在"),
    ("区域", 5, "区划代码", "重复"),
    ("区域", 6, "层级", "可选"),
    ("区域", 7, "名称", "必填"),
    ("区域", 8, "区划代码", "上级"),
    ("小区", 4, "所属社区代码", "不是社区"),
    ("小区", 5, "建成年份", "年份"),
    ("楼栋", 4, "层数", "整数"),
    ("房屋", 6, "专有部分面积（㎡）", "两位小数"),
    ("房屋", 7, "专有部分面积（㎡）", "两位小数"),
    ("房屋", 8, "楼栋号", "楼栋"),
    ("房屋", 9, "房号", "重复"),
    ("房屋", 10, "用途", "可选"),
    ("房屋", 11, "专有部分面积（㎡）", "必填"),
    ("业主", 7, "身份证号", "校验"),
    ("业主", 8, "手机号", "11"),
    ("居民", 6, "性别", "身份证"),
    ("居民", 7, "姓名", "必填"),
    ("组织", 9, "上级组织", "组织"),
    ("组织", 10, "物业企业性质", "物业服务企业"),
]


def test_a_malformed_workbook_reports_every_bad_row_and_writes_nothing(city):
    before = counts()

    report = services.import_roster(book(bad_records()))

    assert not report.ok and not report.written
    assert counts() == before, "nothing may be written, not even the good rows"
    found = flat(report)
    for sheet, row, column, words in EXPECTED:
        matching = [f for f in found if f[:3] == (sheet, row, column)]
        assert matching, f"no report for {sheet} row {row} 「{column}」; got {found}"
        assert any(words in f[3] for f in matching), (sheet, row, column, matching)
    # Every reported row is one of the bad rows: the good rows raise nothing.
    assert {(s, r) for s, r, _c, _w in EXPECTED} == {(s, r) for s, r, _c, _reason in found}
    assert "未写入" in report.summary()


ORG = {"所属区域代码": "YS-001"}
# Organisation rows that break the structural rules of the organisation services.
ORG_RULES = [
    ({**ORG, "组织名称": "2栋党小组", "组织类型": "楼栋党小组", "上级组织": "袁山小区党支部"}, "组织类型", "层级"),
    ({"组织名称": "无主党委", "组织类型": "党委", "所属区域代码": "360902002001"}, "上级组织", "上一级"),
    ({**ORG, "组织名称": "越级党支部", "组织类型": "党支部", "上级组织": "秀江街道党工委"}, "上级组织", "上一级"),
    ({**ORG, "组织名称": "民营物业", "组织类型": "物业服务企业", "物业企业性质": "市场化", "举办单位": "袁山社区党委"}, "举办单位", "市场化"),
    ({**ORG, "组织名称": "托管物业", "组织类型": "物业服务企业", "物业企业性质": "公益性", "举办单位": "春天物业"}, "举办单位", "国有企业"),
    ({**ORG, "组织名称": "无性质物业", "组织类型": "物业服务企业"}, "物业企业性质", "公益性"),
    ({"组织名称": "社区业委会", "组织类型": "业主委员会", "所属区域代码": "360902002001"}, "所属区域代码", "小区"),
    ({**ORG, "组织名称": "第一届业委会", "组织类型": "业主委员会", "任期开始": "2015-01-01", "任期结束": "2021-06-30"}, "任期结束", "5"),
    ({**ORG, "组织名称": "临时物管会", "组织类型": "物业管理委员会", "任期开始": "2026-01-01"}, "任期开始", "同一时间"),
    ({**ORG, "组织名称": "乙站", "组织类型": "配送站点", "上级组织": "袁山志愿队"}, "上级组织", "平台"),
    ({**ORG, "组织名称": "袁山五方联席会", "组织类型": "红色物业五方联席机制"}, "组织类型", "五方"),
    ({**ORG, "组织名称": "小区居委会", "组织类型": "社区居民委员会"}, "所属区域代码", "社区"),
    ({**ORG, "组织名称": "共建银行", "组织类型": "共建单位", "上级组织": "袁山小区党支部"}, "上级组织", "党组织"),
    ({**ORG, "组织名称": "错码公司", "组织类型": "共建单位", "统一社会信用代码": "91360902MA35XXXX0X"}, "统一社会信用代码", "校验"),
]  # fmt: skip


def test_organisations_follow_the_structure_rules(city):
    records = good_records()
    records["组织"] += [
        {**ORG, "组织名称": "袁山志愿队", "组织类型": "志愿者组织"},  # row 9
        {
            **ORG,
            "组织名称": "第二届业委会",
            "组织类型": "业主委员会",
            "任期开始": "2024-01-01",
            "任期结束": "2028-12-31",
        },  # row 10
    ] + [row for row, _column, _words in ORG_RULES]  # rows 11 …
    report = services.import_roster(book(records))
    found = flat(report)
    for n, (_row, column, words) in enumerate(ORG_RULES, start=11):
        matching = [f for f in found if f[:3] == ("组织", n, column)]
        assert matching and any(words in f[3] for f in matching), (
            n,
            column,
            words,
            [f for f in found if f[1] == n],
        )
    assert {r for _s, r, _c, _w in found} == set(range(11, 11 + len(ORG_RULES)))


def test_a_dry_run_checks_and_writes_nothing(city):
    before = counts()
    report = services.import_roster(book(good_records()), dry_run=True)
    assert report.ok and not report.written
    assert counts() == before
    assert report.counts["房屋"].created == 3
    assert "未写入" in report.summary()


def test_missing_required_columns_and_foreign_sheets_are_reported(city):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "房屋"
    ws.append(["小区代码", "楼栋号", "房号"])  # no 单元, no area
    ws.append(["YS-001", "1栋", "101"])
    wb.create_sheet("草稿")
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    report = services.import_roster(out)
    columns = {(i.sheet, i.row, i.column) for i in report.issues}
    assert columns == {("房屋", 1, "单元"), ("房屋", 1, "专有部分面积（㎡）")}
    assert any("草稿" in n for n in report.notices)


def test_a_file_that_is_not_a_workbook_is_reported(city):
    report = services.import_roster(io.BytesIO(b"name,area\nx,1\n"))
    assert not report.ok
    assert "xlsx" in report.issues[0].reason


# --- scope -------------------------------------------------------------------------------------


def compound_rows(compound: Region, room: str = "101") -> dict[str, list[dict]]:
    return {
        "楼栋": [{"小区代码": compound.code, "楼栋号": "3栋", "层数": 5}],
        "房屋": [
            {"小区代码": compound.code, "楼栋号": "3栋", "单元": 1, "房号": room, "专有部分面积（㎡）": 66}
        ],
        "居民": [{"姓名": "陈二", "手机号": "13512345678", "居住小区或社区代码": compound.code}],
    }


def test_community_staff_import_inside_their_community(city):
    staff = factories.role("community_staff", city.community_a, username="yiyang")
    report = services.import_roster(book(compound_rows(city.compound_a)), user=staff)
    assert report.ok, report.as_text(services.SHEET_ORDER)
    assert Dwelling.objects.filter(building__compound=city.compound_a).count() == 1


def test_community_staff_cannot_create_or_change_rows_of_another_community(city):
    staff = factories.role("community_staff", city.community_a, username="yiyang")
    other = factories.building(city.compound_b, "3栋", floors=9)
    before = counts()

    records = compound_rows(city.compound_b)
    records["区域"] = [
        {
            "区划代码": city.community_b.code,
            "名称": "改名社区",
            "层级": "社区",
            "上级代码": city.subdistrict_b.code,
        }
    ]
    records["网格"] = [{"网格代码": "G-B-1", "网格名称": "锦阳网格", "所属社区代码": city.community_b.code}]
    report = services.import_roster(book(records), user=staff)

    assert not report.ok
    assert counts() == before
    other.refresh_from_db()
    assert other.floors == 9
    rows = {(i.sheet, i.row) for i in report.issues}
    assert rows == {("区域", 3), ("网格", 3), ("楼栋", 3), ("房屋", 3), ("居民", 3)}
    assert all("负责范围" in i.reason for i in report.issues)


def test_a_grid_worker_may_add_residents_but_not_dwellings(city):
    worker = factories.role("grid_worker", city.community_a, username="wangge")
    report = services.import_roster(book(compound_rows(city.compound_a)), user=worker)
    assert {i.sheet for i in report.issues} == {"楼栋", "房屋"}
    resident_only = {"居民": compound_rows(city.compound_a)["居民"]}
    assert services.import_roster(book(resident_only), user=worker).ok


def test_a_user_without_a_role_may_not_import(city):
    with pytest.raises(services.RosterError):
        services.import_roster(book(good_records()), user=factories.user())


# --- bulk path -----------------------------------------------------------------------------------


def test_bulk_import_makes_a_fixed_number_of_queries(city, django_assert_max_num_queries):
    """Lookups are by dict: 2,000 dwellings cost no more queries than a handful."""
    rows = [
        {
            "小区代码": city.compound_a.code,
            "楼栋号": f"{b}栋",
            "单元": 1,
            "房号": f"{r:03d}",
            "专有部分面积（㎡）": "88.8",
        }
        for b in range(1, 21)
        for r in range(1, 101)
    ]
    buildings = [{"小区代码": city.compound_a.code, "楼栋号": f"{b}栋", "层数": 18} for b in range(1, 21)]
    with django_assert_max_num_queries(40):
        report = services.import_roster(book({"楼栋": buildings, "房屋": rows}))
    assert report.ok
    assert Dwelling.objects.count() == 2000


def test_an_owner_who_lives_elsewhere_in_the_community_is_one_person(city):
    """A new owner defaults to living in the compound, but a resident row may say otherwise."""
    records = good_records()
    records["居民"].append(
        {"姓名": "王五", "身份证号": "513101198201130014", "居住小区或社区代码": "360902002001"}
    )
    report = services.import_roster(book(records))
    assert report.ok, report.as_text(services.SHEET_ORDER)
    wang = Person.objects.get(name="王五")
    assert wang.home_region.code == "360902002001"
    assert Person.objects.get(name="李四").home_region.code == "YS-001"
