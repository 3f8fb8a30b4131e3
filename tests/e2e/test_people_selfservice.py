"""In a real browser: a resident sees their data, downloads it, and erases it."""

import json
from pathlib import Path

from doorstep.core.models import PiiAccess
from doorstep.territory.models import Person
from tests import factories
from tests.e2e.conftest import login


def test_resident_downloads_then_erases_their_data(phone, city):
    resident = factories.user("zhangsan")
    person = factories.person(
        "张三",
        phone="13812341234",
        id_number="11010519491231002X",
        home_region=city.compound_a,
        user=resident,
    )
    login(phone, "zhangsan")
    phone.goto(phone.base + "/territory/people/me/")
    assert phone.locator("h1").inner_text() == "我的信息"
    assert "138****1234" in phone.content()

    with phone.expect_download() as download:
        phone.get_by_role("button", name="下载我的信息（JSON）").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["person"]["phone"] == "13812341234"
    assert data["person"]["id_number"] == "11010519491231002X"
    assert PiiAccess.objects.filter(field="export").exists()

    phone.get_by_role("link", name="注销我的信息").click()
    phone.get_by_role("button", name="注销我的信息").click()
    assert "请勾选确认" in phone.content()
    person.refresh_from_db()
    assert person.anonymised_at is None
    phone.get_by_label("我已了解，确认注销我的信息。").check()
    phone.get_by_role("button", name="注销我的信息").click()
    phone.wait_for_load_state()
    assert "已注销" in phone.content()
    person = Person.objects.get(pk=person.pk)
    assert person.anonymised_at is not None and person.phone == "" and person.id_number == ""
