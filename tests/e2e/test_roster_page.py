"""The roster page in a real browser, on a phone: upload a bad workbook and read the report in
Chinese; nothing is written; download the template."""

from doorstep.territory.models import Building, Dwelling
from tests import factories
from tests.e2e.conftest import login
from tests.territory.test_roster_import import book

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def bad_workbook(compound_code: str) -> bytes:
    ok = {"小区代码": compound_code, "楼栋号": "8栋", "单元": 1}
    return book(
        {
            "楼栋": [{"小区代码": compound_code, "楼栋号": "8栋", "层数": 6}],
            "房屋": [
                {**ok, "房号": "101", "专有部分面积（㎡）": "88.5"},
                {**ok, "房号": "102", "专有部分面积（㎡）": "-3"},
                {**ok, "房号": "101", "专有部分面积（㎡）": "70"},
            ],
            "居民": [{"姓名": "张三", "身份证号": "110105194912310021", "居住小区或社区代码": compound_code}],
        }
    ).getvalue()


def test_upload_a_bad_workbook_on_a_phone_and_read_the_report(phone, city):
    factories.role("community_staff", city.community_a, username="yiyang")
    login(phone, "yiyang")
    phone.goto(phone.base + "/territory/roster/")
    assert phone.locator("h1").inner_text() == "台账导入导出"

    phone.set_input_files(
        "input[type=file]",
        files=[{"name": "台账.xlsx", "mimeType": XLSX, "buffer": bad_workbook(city.compound_a.code)}],
    )
    phone.get_by_role("button", name="上传并导入").click()
    phone.wait_for_selector("#roster-issues")

    assert "未写入任何数据" in phone.locator("#roster-summary").inner_text()
    rows = [r.inner_text() for r in phone.locator("#roster-issues tbody tr").all()]
    assert len(rows) == 3
    assert "面积必须是正数，最多两位小数" in rows[0] and "房屋" in rows[0]
    assert "重复" in rows[1]
    assert "身份证号码校验码错误" in rows[2] and "居民" in rows[2]
    # The report table scrolls inside its box; the page itself does not grow sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    assert Building.objects.count() == 0 and Dwelling.objects.count() == 0


def test_download_the_template_from_the_page(page, city):
    factories.role("community_staff", city.community_a, username="yiyang")
    login(page, "yiyang")
    page.goto(page.base + "/territory/roster/")
    with page.expect_download() as info:
        page.get_by_role("link", name="下载台账模板").click()
    assert info.value.suggested_filename.endswith(".xlsx")
