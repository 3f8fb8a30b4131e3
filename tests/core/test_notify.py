"""Notifications: the inbox page, the unread count, and SMS/WeChat through a backend that never
pretends: without a gateway the message is logged and recorded as not sent."""

import logging

import pytest
from django.db import transaction
from django.urls import reverse

from doorstep.core import notify
from doorstep.core.models import Notification, OutboundMessage
from doorstep.core.notify import MessageBackend, SendResult
from tests import factories as f

pytestmark = pytest.mark.django_db


class GatewayThatAccepts(MessageBackend):
    """A stand-in for a real SMS gateway: it accepts every message and gives an id."""

    def send(self, *, channel, to, text):
        return SendResult("sent", external_id=f"gw-{len(text)}")


class GatewayThatFails(MessageBackend):
    def send(self, *, channel, to, text):
        raise ConnectionError("gateway unreachable")


class GatewayThatLies(MessageBackend):
    def send(self, *, channel, to, text):
        return SendResult("delivered-probably")


@pytest.fixture
def resident():
    user = f.user("resident1")
    f.person("李四", phone="13907951234", user=user)
    return user


def test_notify_puts_a_line_in_the_inbox(resident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        note = notify.notify(resident, "案卷 AJ1 已结案", kind="case_closed")
    assert note.read_at is None
    assert notify.unread_count(resident) == 1
    assert callbacks == []  # no SMS unless asked
    assert not OutboundMessage.objects.filter(recipient=resident).exists()


def test_without_a_gateway_the_sms_is_logged_and_recorded_as_not_sent(
    resident, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.WARNING, logger="doorstep.notify")
    with django_capture_on_commit_callbacks(execute=True):
        notify.notify(resident, "案卷 AJ1 已结案，请评价", sms=True, kind="case_closed")
    message = OutboundMessage.objects.get(recipient=resident)
    assert message.status == OutboundMessage.Status.NOT_SENT
    assert message.get_status_display() == "未发送：未配置网关"
    assert message.to_masked == "139****1234"  # the log keeps no full number
    assert message.backend == "doorstep.core.notify.LogBackend"
    assert "SMS not sent: no SMS gateway configured; message: 案卷 AJ1 已结案，请评价" in caplog.text
    assert "13907951234" not in caplog.text


def test_a_configured_gateway_reports_sent(resident, settings, django_capture_on_commit_callbacks):
    settings.DOORSTEP_MESSAGE_BACKEND = f"{__name__}.GatewayThatAccepts"
    with django_capture_on_commit_callbacks(execute=True):
        notify.message_phone("13907950000", "您的诉求已受理", kind="case_opened")
    message = OutboundMessage.objects.get(text="您的诉求已受理")
    assert (message.status, message.external_id, message.recipient) == ("sent", "gw-7", None)


@pytest.mark.parametrize(
    ("backend", "detail"), [("GatewayThatFails", "unreachable"), ("GatewayThatLies", "answered")]
)
def test_a_failing_or_confused_gateway_is_recorded_as_failed(
    resident, settings, backend, detail, django_capture_on_commit_callbacks
):
    settings.DOORSTEP_MESSAGE_BACKEND = f"{__name__}.{backend}"
    with django_capture_on_commit_callbacks(execute=True):
        notify.notify(resident, "提醒", sms=True)
    message = OutboundMessage.objects.get(recipient=resident)
    assert message.status == "failed" and detail in message.detail
    assert Notification.objects.filter(recipient=resident).exists()  # the inbox still has it


def test_nothing_leaves_when_the_transaction_rolls_back(resident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notify.notify(resident, "不该发出", sms=True)
                raise RuntimeError("the action failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Notification.objects.filter(recipient=resident).exists()
    assert not OutboundMessage.objects.filter(text="不该发出").exists()


def test_notify_many_skips_the_actor_and_duplicates(resident):
    other = f.user()
    sent = notify.notify_many([resident, other, resident, None], "有新消息", exclude=other)
    assert [n.recipient for n in sent] == [resident]


# --- the inbox page --------------------------------------------------------------------------


def test_inbox_page_lists_my_notifications_in_chinese(client, resident):
    notify.notify(resident, "案卷 AJ1 已派遣", url="/demands/mine/1/")
    notify.notify(f.user(), "别人的消息")
    client.force_login(resident)
    page = client.get(reverse("core:inbox")).content.decode()
    assert "消息" in page and "1 条未读" in page and "标为已读" in page
    assert "案卷 AJ1 已派遣" in page and 'href="/demands/mine/1/"' in page
    assert "别人的消息" not in page


def test_inbox_needs_a_login(client):
    response = client.get(reverse("core:inbox"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_mark_read_and_mark_all_read(client, resident):
    first = notify.notify(resident, "一")
    notify.notify(resident, "二")
    client.force_login(resident)
    response = client.post(reverse("core:inbox_read", args=[first.pk]))
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    assert notify.unread_count(resident) == 1
    # htmx: the line comes back without its button, and the badge is told to refresh.
    third = notify.notify(resident, "三")
    swapped = client.post(reverse("core:inbox_read", args=[third.pk]), HTTP_HX_REQUEST="true")
    assert "标为已读" not in swapped.content.decode() and swapped["HX-Trigger"] == "inbox-changed"
    client.post(reverse("core:inbox_read_all"))
    assert notify.unread_count(resident) == 0
    page = client.get(reverse("core:inbox") + "?unread=1").content.decode()
    assert "没有未读消息" in page


def test_nobody_marks_someone_elses_notification(client, resident):
    theirs = notify.notify(f.user(), "别人的")
    client.force_login(resident)
    assert client.post(reverse("core:inbox_read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_top_bar_shows_the_unread_count(client, resident):
    client.force_login(resident)
    home = client.get(reverse("core:inbox")).content.decode()
    assert reverse("core:inbox_badge") in home  # fetched by htmx: pages pay no query for it
    assert "badge" not in client.get(reverse("core:inbox_badge")).content.decode()
    notify.notify(resident, "一")
    notify.notify(resident, "二")
    badge = client.get(reverse("core:inbox_badge")).content.decode()
    assert "消息" in badge and ">2</span>" in badge


def test_inbox_query_count_does_not_grow(client, resident, django_assert_max_num_queries):
    client.force_login(resident)
    for i in range(3):
        notify.notify(resident, f"消息{i}")
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("core:inbox"))
    for i in range(40):
        notify.notify(resident, f"更多{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("core:inbox"))
