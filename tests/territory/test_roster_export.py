"""Roster export (台账导出) and the template: Chinese sheets and headers, masked personal data by
default, full data only for roles that may see it (and logged), re-import never stores a mask."""

import io

import openpyxl
import pytest

from doorstep.core.models import PiiAccess
from doorstep.territory.models import Dwelling, Person, Region
from doorstep.territory.roster import schema, services
from tests import factories
from tests.territory.test_roster_import import ROOM, book, counts, good_records

ROOM_101 = {"楼栋号": ROOM["楼栋号"], "单元": ROOM["单元"], "房号": "101"}


def export(**kwargs) -> io.BytesIO:
    out = io.BytesIO()
    services.export_roster(out, **kwargs)
    out.seek(0)
    return out


def sheet_rows(source: io.BytesIO, title: str) -> list[dict]:
    source.seek(0)
    ws = openpyxl.load_workbook(source)[title]
    headers = [schema.normalise_header(c.value) for c in ws[2]]
    rows = [dict(zip(headers, (c.value for c in row), strict=False)) for row in ws.iter_rows(min_row=3)]
    source.seek(0)
    return rows


def test_the_template_has_a_chinese_sheet_per_roster_with_headers_hints_and_dropdowns():
    out = io.BytesIO()
    services.write_template(out)
    out.seek(0)
    wb = openpyxl.load_workbook(out)

    assert wb.sheetnames == ["说明", "区域", "小区", "网格", "楼栋", "房屋", "业主", "居民", "组织"]
    dwellings = wb["房屋"]
    assert dwellings["A1"].value.startswith("填写提示")
    headers = [c.value for c in dwellings[2]]
    assert headers == [
        "小区代码*",
        "楼栋号*",
        "单元*",
        "房号*",
        "楼层",
        "专有部分面积（㎡）*",
        "用途",
        "面积来源",
    ]
    dropdowns = {str(v.sqref): v.formula1 for v in dwellings.data_validations.dataValidation}
    assert dropdowns["G3:G1048576"] == '"住宅,商业"'
    assert [c.value for c in wb["居民"][2]][:5] == [
        "姓名*",
        "身份证号",
        "手机号",
        "性别",
        "居住小区或社区代码*",
    ]
    notes = "\n".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    assert "一条也不写入" in notes and "脱敏" in notes


def test_the_empty_template_imports_as_nothing(city):
    out = io.BytesIO()
    services.write_template(out)
    out.seek(0)
    report = services.import_roster(out)
    assert report.ok and sum(c.total for c in report.counts.values()) == 0


def test_every_choice_of_the_models_has_a_chinese_label():
    from doorstep.territory.models import Dwelling as D
    from doorstep.territory.models import Grid, HouseholdMember, Organization

    for choice, values in (
        (schema.ORG_KIND, Organization.Kind.values),
        (schema.GRID_KIND, Grid.Kind.values),
        (schema.DUTY, Grid.Duty.values),
        (schema.USE, D.Use.values),
        (schema.AREA_SOURCE, D.AreaSource.values),
        (schema.RELATION, HouseholdMember.Relation.values),
        (schema.COMPANY_MODE, Organization.CompanyMode.values),
    ):
        assert set(values) <= set(choice.labels), set(values) - set(choice.labels)


def test_export_masks_personal_data_by_default_and_logs_nothing(city):
    services.import_roster(book(good_records()))
    out = export()

    head = next(r for r in sheet_rows(out, "居民") if r["与户主关系"] == "户主")
    assert (head["姓名"], head["身份证号"], head["房号"]) == ("张*", "110105********002X", "101")
    owners = sheet_rows(out, "业主")
    assert {o["手机号"] for o in owners if o["手机号"]} == {"138****8000", "139****5678"}
    assert {o["共有"] for o in owners if o["房号"] == "102"} == {"是"}
    assert "13800138000" not in str(owners)
    dwellings = sheet_rows(out, "房屋")
    assert {(d["房号"], d["专有部分面积（㎡）"]) for d in dwellings if d["单元"] == 1} == {
        ("101", "89.50"),
        ("102", "75.25"),
    }
    assert PiiAccess.objects.count() == 0


def test_reimporting_a_masked_export_changes_nothing_and_keeps_real_data(city):
    services.import_roster(book(good_records()))
    before = counts()
    stored = {p.pk: (p.name, p.phone, p.id_number) for p in Person.objects.all()}

    report = services.import_roster(export())

    assert report.ok, report.as_text(services.SHEET_ORDER)
    assert counts() == before
    assert sum(c.created + c.updated for c in report.counts.values()) == 0
    assert {p.pk: (p.name, p.phone, p.id_number) for p in Person.objects.all()} == stored


def test_an_edited_masked_export_updates_what_changed_and_only_that(city):
    services.import_roster(book(good_records()))
    out = export()
    wb = openpyxl.load_workbook(out)
    ws = wb["房屋"]
    for row in ws.iter_rows(min_row=3):
        if row[3].value == "102":
            row[5].value = "76.00"
    ws = wb["居民"]
    for row in ws.iter_rows(min_row=3):
        if row[0].value == "赵*":
            row[2].value = "13700000000"  # a full new phone replaces the mask
    edited = io.BytesIO()
    wb.save(edited)
    edited.seek(0)

    report = services.import_roster(edited)

    assert report.ok, report.as_text(services.SHEET_ORDER)
    assert Dwelling.objects.get(room="102").exclusive_area == 76
    zhao = Person.objects.get(name="赵六")
    assert zhao.phone == "13700000000"
    zhang = Person.objects.get(name="张三")
    assert (zhang.phone, zhang.id_number) == ("13800138000", "11010519491231002X")
    assert report.counts["居民"].updated == 1


def test_a_masked_row_that_matches_no_one_is_refused(city):
    services.import_roster(book(good_records()))
    stranger = {"居民": [{"姓名": "冯*", "手机号": "135****0000", "居住小区或社区代码": "YS-001"}]}
    report = services.import_roster(book(stranger))
    assert [(i.sheet, i.row, i.column) for i in report.issues] == [("居民", 3, "手机号")]
    assert "脱敏" in report.issues[0].reason


def test_full_export_reveals_data_for_community_staff_and_logs_it(city):
    services.import_roster(book(good_records()))
    community = Region.objects.get(code="360902002001")
    staff = factories.role("community_staff", community, username="yuanshan")

    out = export(user=staff, region=community, full=True, reason="年度人口普查")

    residents = sheet_rows(out, "居民")
    zhang = next(r for r in residents if r["姓名"] == "张三")
    assert zhang["身份证号"] == "11010519491231002X"
    assert next(r for r in residents if r["姓名"] == "赵六")["手机号"] == "13712345678"
    log = PiiAccess.objects.get()
    assert (log.user, log.subject_type, log.subject_id) == (staff, "territory.Region", str(community.pk))
    assert "袁山社区" in log.subject_label and "年度人口普查" in log.reason
    assert log.field == "name,phone,id_number"
    # A full export imports back without changes.
    report = services.import_roster(out, user=staff)
    assert report.ok and sum(c.created + c.updated for c in report.counts.values()) == 0


def test_a_grid_worker_may_reveal_names_and_phones_but_not_id_numbers(city):
    services.import_roster(book(good_records()))
    community = Region.objects.get(code="360902002001")
    worker = factories.role("grid_worker", community, username="wangge")
    out = export(user=worker, region=community, full=True, reason="入户走访")
    zhang = next(r for r in sheet_rows(out, "居民") if r["姓名"] == "张三")
    assert zhang["身份证号"] == "110105********002X"
    assert PiiAccess.objects.get().field == "name,phone"


def test_full_export_needs_a_reason(city):
    staff = factories.role("community_staff", city.community_a, username="staff")
    with pytest.raises(services.RosterError, match="事由"):
        export(user=staff, region=city.community_a, full=True, reason=" ")
    assert PiiAccess.objects.count() == 0


def test_a_leader_may_export_only_masked_data(city):
    leader = factories.role("leader", city.county_a, username="leader")
    with pytest.raises(services.RosterError, match="无权查看完整个人信息"):
        export(user=leader, region=city.county_a, full=True, reason="看看")
    assert PiiAccess.objects.count() == 0
    assert sheet_rows(export(user=leader, region=city.county_a), "区域")


def test_export_is_limited_to_the_users_area(city):
    factories.building(city.compound_a, "A1栋")
    factories.building(city.compound_b, "B1栋")
    staff = factories.role("community_staff", city.community_a, username="yiyang")

    out = export(user=staff)

    assert {b["楼栋号"] for b in sheet_rows(out, "楼栋")} == {"A1栋"}
    assert {r["区划代码"] for r in sheet_rows(out, "区域")} == {city.community_a.code}
    with pytest.raises(services.RosterError, match="负责范围"):
        export(user=staff, region=city.community_b)
    with pytest.raises(services.RosterError):
        export(user=factories.user())


def test_the_export_of_a_community_holds_all_its_rosters(city):
    services.import_roster(book(good_records()))
    out = export(region=Region.objects.get(code="360902002001"))
    sizes = {
        title: len(sheet_rows(out, title))
        for title in ("区域", "小区", "网格", "楼栋", "房屋", "业主", "居民", "组织")
    }
    # 居民: the three residents, and the two owners registered in the compound (they live elsewhere
    # as far as the roster knows, but they belong to the compound's people).
    assert sizes == {"区域": 1, "小区": 1, "网格": 2, "楼栋": 1, "房屋": 3, "业主": 4, "居民": 5, "组织": 5}


def alike_ids() -> list[str]:
    """Two valid ID numbers whose masks are the same (same county, same last four characters)."""
    from doorstep.core.ids import check_character

    found: dict[str, str] = {}
    for born in ("20150101", "20160202", "20170303", "20180404", "20190505", "20200606"):
        first17 = "360902" + born + "002"
        number = first17 + check_character(first17)
        if number[-1] in found:
            return [found[number[-1]], number]
        found[number[-1]] = number
    raise AssertionError("no alike pair")


def test_people_with_alike_masks_reimport_unchanged_but_cannot_be_edited_masked(city):
    records = good_records()
    first, second = alike_ids()
    records["居民"] += [
        {
            "姓名": "张小一",
            "身份证号": first,
            "居住小区或社区代码": "YS-001",
            **ROOM_101,
            "与户主关系": "子女",
        },
        {
            "姓名": "张小二",
            "身份证号": second,
            "居住小区或社区代码": "YS-001",
            **ROOM_101,
            "与户主关系": "其他亲属",
        },
    ]
    assert services.import_roster(book(records)).ok
    out = export()
    children = [r for r in sheet_rows(out, "居民") if r["姓名"] == "张**"]
    assert len(children) == 2 and children[0]["身份证号"] == children[1]["身份证号"]

    report = services.import_roster(out)
    assert report.ok and sum(c.created + c.updated for c in report.counts.values()) == 0

    wb = openpyxl.load_workbook(out)
    for row in wb["居民"].iter_rows(min_row=3):
        if row[0].value == "张**" and row[8].value == "子女":
            row[8].value = "租户"
    edited = io.BytesIO()
    wb.save(edited)
    edited.seek(0)
    report = services.import_roster(edited)
    assert [(i.sheet, i.column) for i in report.issues] == [("居民", "姓名")]
    assert "身份证号加以区分" in report.issues[0].reason
