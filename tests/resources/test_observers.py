"""Governance observers (观察员) per grid: a suggestion is filed into the demands intake on the
observer channel, then adopted into a livelihood project (民生实事) or not adopted with a reason;
the observer sees their own suggestions and their fate."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from doorstep.core.models import Notification
from doorstep.demands.models import Demand
from doorstep.projects.services import create_project
from doorstep.resources import observers
from doorstep.resources.models import Observer, Suggestion, SuggestionEvent
from tests import factories

pytestmark = pytest.mark.django_db
S = Suggestion.Status


@pytest.fixture
def staff(city):
    return factories.role("community_staff", city.community_a)


@pytest.fixture
def post(city, staff):
    grid = factories.grid(city.community_a, name="宜阳一网格")
    grid.compounds.add(city.compound_a)
    user = factories.user("observer")
    person = factories.person("孙观察", user=user, home_region=city.compound_a)
    return observers.appoint(staff, person=person, grid=grid)


@pytest.fixture
def project(city, staff):
    return create_project(region=city.compound_a, title="小区充电桩建设", by=staff)


TEXT = "建议在小区东门增设电动车充电桩，方便居民"

# (status before, action, allowed, status after)
TABLE = [
    (S.SUBMITTED, "file", True, S.FILED),
    (S.SUBMITTED, "adopt", False, S.SUBMITTED),
    (S.SUBMITTED, "reject", True, S.NOT_ADOPTED),
    (S.FILED, "file", False, S.FILED),
    (S.FILED, "adopt", True, S.ADOPTED),
    (S.FILED, "reject", True, S.NOT_ADOPTED),
    (S.ADOPTED, "reject", False, S.ADOPTED),
    (S.ADOPTED, "adopt", False, S.ADOPTED),
    (S.NOT_ADOPTED, "adopt", False, S.NOT_ADOPTED),
    (S.NOT_ADOPTED, "file", False, S.NOT_ADOPTED),
]


@pytest.mark.parametrize(("before", "action", "ok", "after"), TABLE)
def test_transition_table(city, staff, post, project, before, action, ok, after):
    s = observers.suggest(post.person.user, text=TEXT)
    Suggestion.objects.filter(pk=s.pk).update(status=before)
    events = SuggestionEvent.objects.count()
    if ok:
        observers.transition(staff, s, action, project=project, reason="已列入明年计划")
        e = SuggestionEvent.objects.latest("id")
        assert (e.action, e.from_status, e.to_status) == (action, before, after)
    else:
        with pytest.raises(ValidationError):
            observers.transition(staff, s, action, project=project, reason="已列入明年计划")
        assert SuggestionEvent.objects.count() == events
    s.refresh_from_db()
    assert s.status == after


def test_filed_on_the_observer_channel_and_adopted(city, staff, post, project):
    s = observers.suggest(post.person.user, text=TEXT)
    s = observers.transition(staff, s, "file")
    demand = Demand.objects.get()
    assert s.demand == demand
    assert demand.channel == Demand.Channel.OBSERVER and demand.reporter == post.person
    assert demand.region == city.compound_a and demand.text == TEXT
    with pytest.raises(ValidationError) as exc:
        observers.transition(staff, s, "adopt", project=None)
    assert exc.value.message_dict["project"] == ["请选择采纳进入的民生实事项目。"]
    observers.transition(staff, s, "adopt", project=project)
    s.refresh_from_db()
    assert s.status == S.ADOPTED and s.project == project and s.decided_at
    note = Notification.objects.get(recipient=post.person.user, kind="suggestion")
    assert "小区充电桩建设" in note.text


def test_not_adopted_needs_a_reason(city, staff, post):
    s = observers.suggest(post.person.user, text=TEXT)
    with pytest.raises(ValidationError) as exc:
        observers.transition(staff, s, "reject", reason="")
    assert exc.value.message_dict["reason"] == ["请说明原因。"]
    observers.transition(staff, s, "reject", reason="东门为消防通道")
    s.refresh_from_db()
    assert (s.status, s.reason) == (S.NOT_ADOPTED, "东门为消防通道")


@pytest.mark.parametrize(("text", "field"), [("", "text"), ("太短", "text"), ("长" * 3000, "text")])
def test_bad_suggestions_save_nothing(city, post, text, field):
    with pytest.raises(ValidationError) as exc:
        observers.suggest(post.person.user, text=text)
    assert field in exc.value.message_dict
    assert Suggestion.objects.count() == 0


def test_only_observers_and_staff_of_the_area(city, staff, post, project):
    with pytest.raises(PermissionDenied):
        observers.suggest(factories.person("路人", user=factories.user("passer")).user, text=TEXT)
    outsider = factories.role("community_staff", city.community_b)
    s = observers.suggest(post.person.user, text=TEXT)
    for action in ("file", "reject"):
        with pytest.raises(PermissionDenied):
            observers.transition(outsider, s, action, reason="越界")
    with pytest.raises(PermissionDenied):
        observers.appoint(outsider, person=factories.person("外人"), grid=post.grid)
    other_project = create_project(region=city.compound_b, title="锦阳项目", by=outsider)
    observers.transition(staff, s, "file")
    with pytest.raises(ValidationError):  # a project of another area
        observers.transition(staff, s, "adopt", project=other_project)
    s.refresh_from_db()
    assert s.status == S.FILED and Observer.objects.count() == 1


def test_staff_enter_a_spoken_suggestion(city, staff, post):
    s = observers.suggest_for(staff, post, "楼道灯坏了很久，建议统一更换为声控灯")
    assert s.status == S.FILED and s.demand.channel == "observer"


# --- pages ---------------------------------------------------------------------------------------


def test_my_suggestions_page(client, city, staff, post, project):
    client.force_login(post.person.user)
    r = client.post(reverse("resources:my_suggestions"), {"text": "短"})
    assert r.status_code == 400 and Suggestion.objects.count() == 0
    r = client.post(reverse("resources:my_suggestions"), {"text": TEXT}, follow=True)
    assert "谢谢" in r.text and "已提交" in r.text
    s = Suggestion.objects.get()
    observers.transition(staff, s, "file")
    observers.transition(staff, s, "adopt", project=project)
    page = client.get(reverse("resources:my_suggestions"))
    assert "已采纳" in page.text and "小区充电桩建设" in page.text
    # someone who is not an observer
    client.force_login(factories.user("plain"))
    page = client.get(reverse("resources:my_suggestions"))
    assert "您还不是网格观察员" in page.text and TEXT not in page.text


def test_staff_page_scope_and_queries(client, city, staff, post, project, django_assert_max_num_queries):
    for n in range(5):
        observers.suggest(post.person.user, text=f"{TEXT}{n}")
    client.force_login(staff)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("resources:staff_observers"))
    assert page.status_code == 200 and "孙**" in page.text and f"{TEXT}4" in page.text
    s = Suggestion.objects.first()
    r = client.post(reverse("resources:staff_observers"), {"action": "file", "suggestion": s.pk})
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.status == S.FILED
    outsider = factories.role("community_staff", city.community_b)
    client.force_login(outsider)
    assert TEXT not in client.get(reverse("resources:staff_observers")).text
    r = client.post(
        reverse("resources:staff_observers"), {"action": "reject", "suggestion": s.pk, "reason": "x"}
    )
    assert r.status_code == 404
    s.refresh_from_db()
    assert s.status == S.FILED
