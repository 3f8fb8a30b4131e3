"""The roster page (/territory/roster/): staff only, template download, upload with a report in
Chinese, dry run, size and type checks, masked and full export."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from doorstep.core.models import PiiAccess
from doorstep.territory.models import Dwelling, Region
from doorstep.territory.roster import services
from tests import factories
from tests.territory.test_roster_import import bad_records, book, counts, good_records

PAGE = reverse("territory:roster:page")
IMPORT = reverse("territory:roster:import")
EXPORT = reverse("territory:roster:export")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


@pytest.fixture
def staff(city, client):
    """An administrator of 秀江街道 (the good workbook adds a community and a compound there,
    which only administrators may do)."""
    user = factories.role("admin", city.subdistrict_a, username="xiujiang")
    client.force_login(user)
    return user


def test_the_page_is_for_logged_in_staff_only(city, client):
    assert client.get(PAGE).status_code == 302
    client.force_login(factories.user("resident"))
    assert client.get(PAGE).status_code == 403


def test_the_page_in_chinese_offers_template_upload_and_export(staff, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        page = client.get(PAGE)
    html = page.content.decode()
    assert page.status_code == 200
    for words in ("台账导入导出", "下载台账模板", "上传并导入", "仅校验，不写入", "导出台账", "秀江街道"):
        assert words in html
    assert "锦阳街道" not in html  # another subdistrict is not offered for export


def test_the_template_downloads_as_xlsx(staff, client):
    response = client.get(reverse("territory:roster:template"))
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert "房屋" in wb.sheetnames


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("roster.csv", b"a,b\n", "只能导入 Excel 工作簿"),
        ("roster.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 60, "旧版 .xls"),
        ("roster.xlsx", b"not a zip at all", "不是 Excel 工作簿"),
    ],
)
def test_files_that_are_not_xlsx_are_refused_with_a_clear_message(staff, client, name, content, message):
    response = client.post(IMPORT, {"file": upload(name, content)})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_oversized_upload_is_refused(staff, client, monkeypatch):
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 2 * 1024 * 1024)
    # Far too large: refused from the request's length, before the file is stored.
    response = client.post(IMPORT, {"file": upload("huge.xlsx", b"PK\x03\x04" + b"0" * (3 * 1024 * 1024))})
    assert response.status_code == 413
    assert "最多只能上传 2 MB" in response.content.decode()
    # Just over the limit: refused after the upload, with its size.
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 8 * 1024)
    response = client.post(IMPORT, {"file": upload("big.xlsx", book(good_records()).getvalue())})
    assert response.status_code == 400
    assert "最多只能上传" in response.content.decode()
    assert Dwelling.objects.count() == 0


def test_a_bad_workbook_shows_the_report_in_chinese_and_writes_nothing(staff, client):
    before = counts()
    response = client.post(IMPORT, {"file": upload("bad.xlsx", book(bad_records()).getvalue())})
    html = response.content.decode()
    assert response.status_code == 422
    assert counts() == before
    assert "校验报告" in html and "未写入任何数据" in html
    assert "面积必须是正数，最多两位小数" in html
    assert "身份证号码校验码错误" in html
    assert html.count("<tr>") >= 20


def test_a_dry_run_shows_what_would_happen_and_writes_nothing(staff, client):
    before = counts()
    response = client.post(
        IMPORT, {"file": upload("good.xlsx", book(good_records()).getvalue()), "dry_run": "on"}
    )
    assert response.status_code == 200
    assert "试导入" in response.content.decode()
    assert counts() == before


def test_a_good_workbook_imports_from_the_page(staff, client):
    response = client.post(IMPORT, {"file": upload("good.xlsx", book(good_records()).getvalue())})
    assert response.status_code == 200
    assert "导入完成" in response.content.decode()
    assert Dwelling.objects.count() == 3


def test_the_full_report_downloads_as_a_workbook(staff, client):
    response = client.post(
        IMPORT, {"file": upload("bad.xlsx", book(bad_records()).getvalue()), "report_file": "on"}
    )
    assert response["Content-Type"] == XLSX
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert len(rows) >= 20
    assert ("房屋", 6, "专有部分面积（㎡）") in {r[:3] for r in rows}


def test_export_from_the_page_is_masked_and_a_full_export_needs_a_reason(staff, client):
    client.post(IMPORT, {"file": upload("good.xlsx", book(good_records()).getvalue())})
    community = Region.objects.get(code="360902002001")

    response = client.post(EXPORT, {"region": community.pk})
    assert response["Content-Type"] == XLSX
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))["居民"]
    assert "张*" in [r[0] for r in ws.iter_rows(min_row=3, values_only=True)]
    assert PiiAccess.objects.count() == 0

    refused = client.post(EXPORT, {"region": community.pk, "full": "on", "reason": ""})
    assert refused.status_code == 400 and "请填写导出完整个人信息的事由" in refused.content.decode()
    assert PiiAccess.objects.count() == 0


def test_community_staff_export_in_full_is_logged(city, client):
    services.import_roster(book(good_records()))
    community = Region.objects.get(code="360902002001")
    user = factories.role("community_staff", community, username="yuanshan")
    client.force_login(user)
    response = client.post(EXPORT, {"region": community.pk, "full": "on", "reason": "换届选举"})
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))["居民"]
    assert "张三" in [r[0] for r in ws.iter_rows(min_row=3, values_only=True)]
    log = PiiAccess.objects.get()
    assert (log.user, log.subject_id) == (user, str(community.pk))


def test_a_region_outside_the_users_area_cannot_be_exported(city, staff, client):
    response = client.post(EXPORT, {"region": city.community_b.pk})
    assert response.status_code == 400  # not among the choices
