"""The calendar in the Django admin and the staff console: edits, imports, warnings."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from doorstep.core import workcalendar as wc
from doorstep.core.models import CalendarDay, CalendarYear
from doorstep.territory.models import Role
from tests import factories

pytestmark = pytest.mark.django_db

WARNING_MARK = "calendar-warning"


@pytest.fixture
def admin_client(client):
    user = factories.user("cal-admin", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.fixture
def complete_calendar():
    """This year and next year both have data, whatever today's date."""
    this = timezone.localdate().year
    for year in (this, this + 1):
        CalendarYear.objects.get_or_create(year=year, defaults={"source": CalendarYear.Source.MANUAL})


@pytest.fixture
def missing_this_year():
    CalendarYear.objects.filter(year=timezone.localdate().year).delete()
    return timezone.localdate().year


def test_an_admin_edit_takes_effect_on_the_next_computation(admin_client):
    assert wc.add_working_days(date(2025, 9, 30), 5) == date(2025, 10, 14)
    response = admin_client.post(
        reverse("admin:core_calendarday_add"),
        {"date": "2025-10-13", "is_workday": "", "name": "临时放假"},
    )
    assert response.status_code == 302, response.content.decode()
    assert wc.add_working_days(date(2025, 9, 30), 5) == date(2025, 10, 15)

    day = CalendarDay.objects.get(date=date(2025, 10, 11))
    response = admin_client.post(
        reverse("admin:core_calendarday_change", args=[day.pk]),
        {"date": "2025-10-11", "is_workday": "", "name": "国庆节"},
    )
    assert response.status_code == 302
    assert wc.is_workday(date(2025, 10, 11)) is False

    response = admin_client.post(reverse("admin:core_calendarday_delete", args=[day.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert wc.is_workday(date(2025, 10, 11)) is False  # a Saturday again


def test_the_day_form_refuses_a_weekday_marked_as_adjusted_working_day(admin_client):
    response = admin_client.post(
        reverse("admin:core_calendarday_add"), {"date": "2025-10-13", "is_workday": "on", "name": ""}
    )
    assert response.status_code == 200
    assert "调休上班日应在周末" in response.content.decode()
    assert not CalendarDay.objects.filter(date=date(2025, 10, 13)).exists()


def test_the_year_list_shows_sources_and_counts(admin_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:core_calendaryear_changelist"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "chinesecalendar" in page
    assert "导入全年安排" in page  # the upload form


def test_upload_a_schedule_in_the_admin(admin_client):
    content = (
        "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-06~2027-02-12,holiday,春节\n2027-02-14,workday,\n"
    )
    response = admin_client.post(
        reverse("admin:core_calendaryear_import"),
        {"file": SimpleUploadedFile("2027.csv", content.encode("utf-8")), "note": "通知"},
    )
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).source == CalendarYear.Source.IMPORT
    assert CalendarDay.objects.filter(date__year=2027).count() == 9
    assert CalendarDay.objects.get(date=date(2027, 2, 14)).name == "调休上班"
    assert wc.add_working_days(date(2027, 2, 5), 1) == date(2027, 2, 14)
    follow = admin_client.get(response["Location"])
    assert "已导入 2027 年安排" in follow.content.decode()


def test_an_excel_gbk_csv_is_read(admin_client):
    content = "日期,类型,名称\n2027-01-01,放假,元旦\n2027-02-14,上班,调休上班\n"
    response = admin_client.post(
        reverse("admin:core_calendaryear_import"),
        {"file": SimpleUploadedFile("2027.csv", content.encode("gbk"))},
    )
    assert response.status_code == 302
    assert CalendarDay.objects.get(date=date(2027, 1, 1)).name == "元旦"


def test_a_bad_upload_lists_every_bad_line_and_imports_nothing(admin_client):
    content = "2027-01-01,holiday,元旦\n2027-01-01,holiday,元旦\n2027-13-01,holiday,x\n2027-02-06,holiday,\n"
    response = admin_client.post(
        reverse("admin:core_calendaryear_import"),
        {"file": SimpleUploadedFile("2027.csv", content.encode("utf-8"))},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "未导入任何数据" in page
    assert "第 2 行" in page and "第 3 行" in page and "第 4 行" in page
    assert "需要填写名称" in page
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_a_json_upload(admin_client):
    content = (
        '{"year": 2027, "note": "通知", "days": [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}]}'
    )
    response = admin_client.post(
        reverse("admin:core_calendaryear_import"),
        {"file": SimpleUploadedFile("2027.json", content.encode("utf-8"))},
    )
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).note == "通知"


def test_staff_without_calendar_rights_cannot_import(client):
    user = factories.user("plain-staff", is_staff=True)
    client.force_login(user)
    response = client.get(reverse("admin:core_calendaryear_import"))
    assert response.status_code == 403


# --- warnings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name", ["admin:index", "admin:core_calendaryear_changelist", "admin:core_calendarday_changelist"]
)
def test_the_admin_warns_about_a_year_without_data(admin_client, missing_this_year, url_name):
    page = admin_client.get(reverse(url_name)).content.decode()
    assert WARNING_MARK in page
    assert f"{missing_this_year} 年" in page or str(missing_this_year) in page
    assert "周一至周五" in page


@pytest.mark.parametrize(
    "url_name", ["admin:index", "admin:core_calendaryear_changelist", "admin:core_calendarday_changelist"]
)
def test_no_warning_when_this_and_next_year_have_data(admin_client, complete_calendar, url_name):
    page = admin_client.get(reverse(url_name)).content.decode()
    assert WARNING_MARK not in page


def test_the_console_warns_staff_with_a_role(client, city, missing_this_year):
    user = factories.role(Role.Kind.COMMUNITY_STAFF, city.community_a, "worker-1")
    client.force_login(user)
    page = client.get(reverse("web:home"), follow=True).content.decode()  # the console
    assert WARNING_MARK in page
    assert str(missing_this_year) in page


def test_the_console_warns_nobody_when_the_calendar_is_complete(client, city, complete_calendar):
    user = factories.role(Role.Kind.COMMUNITY_STAFF, city.community_a, "worker-2")
    client.force_login(user)
    assert WARNING_MARK not in client.get(reverse("web:home"), follow=True).content.decode()


def test_the_console_does_not_warn_visitors_or_users_without_a_role(client, missing_this_year):
    assert WARNING_MARK not in client.get(reverse("web:login")).content.decode()
    client.force_login(factories.user("resident-1"))
    assert WARNING_MARK not in client.get(reverse("web:home"), follow=True).content.decode()
