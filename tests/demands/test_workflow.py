"""The transition table and the one function that moves a case."""

import pytest
from django.utils import translation

from doorstep.demands.models import Case
from doorstep.demands.workflow import (
    RECORDS,
    SYSTEM,
    TABLE,
    ConflictError,
    WorkflowError,
    action_label,
    allowed,
    record,
    transition,
)
from tests.demands import factories as df

S = Case.Status


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def test_every_status_is_reached_and_every_open_status_can_move_on():
    targets = {t.target for t in TABLE.values() if t.target}
    assert targets | {S.SUBMITTED} == set(S.values)
    for status in Case.OPEN:
        assert any(status in t.sources and t.target and t.target != status for t in TABLE.values()), status


def test_the_ends_of_the_loop():
    # Not accepted and merged are final; closed and rated can only be reopened (or rated).
    for status in (S.NOT_ACCEPTED, S.MERGED):
        assert not [t for t in TABLE.values() if status in t.sources]
    assert {t.action for t in TABLE.values() if S.CLOSED in t.sources} == {"rate", "reopen"}
    assert {t.action for t in TABLE.values() if S.RATED in t.sources} == {"reopen"}


@pytest.mark.parametrize(
    ("status", "kinds", "expected"),
    [
        (S.SUBMITTED, {"community_staff"}, {"accept", "reject", "merge"}),
        (S.SUBMITTED, {"grid_worker"}, {"accept"}),
        (S.SUBMITTED, {"reporter"}, set()),
        (S.ACCEPTED, {"community_staff"}, {"dispatch", "merge", "escalate", "whistle"}),
        (S.ACCEPTED, {"leader"}, {"dispatch", "escalate", "whistle"}),
        (
            S.HANDLING,
            {"department_liaison"},
            {"return", "request_postpone", "escalate", "feedback"},
        ),
        (S.WHISTLED, {"department_liaison"}, {"report_in", "part_done"}),
        (S.WHISTLED, {"community_staff"}, set()),
        (S.FEEDBACK, {"reporter"}, {"verify", "verify_fail"}),
        (S.CLOSED, {"reporter"}, {"rate", "reopen"}),
        (S.RATED, {"reporter"}, {"reopen"}),
        (S.RATED, {"grid_worker"}, set()),
    ],
)
def test_allowed_moves(status, kinds, expected):
    case = Case(status=status)
    assert {t.action for t in allowed(case, kinds)} == expected


def test_system_only_moves_are_never_buttons():
    assert TABLE["whistle_done"].actors == {SYSTEM}
    case = Case(status=S.WHISTLED)
    assert "whistle_done" not in {t.action for t in allowed(case, {"admin"})}


@pytest.mark.django_db
def test_transition_writes_one_event_and_bumps_the_version(city):
    from tests import factories as f

    case = df.case(city.compound_a)
    staff = f.user()
    event = transition(case, "accept", by=staff, actor_kinds={"community_staff"})
    assert (case.status, case.version) == (S.ACCEPTED, 1)
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "accept",
        S.SUBMITTED,
        S.ACCEPTED,
        staff,
    )
    # A request keeps the status but still counts as a change of the case.
    Case.objects.filter(pk=case.pk).update(status=S.HANDLING)
    case.refresh_from_db()
    transition(case, "request_postpone", by=staff, actor_kinds={"grid_worker"}, note="等材料")
    assert (case.status, case.version) == (S.HANDLING, 2)


@pytest.mark.django_db
def test_transition_refusals_are_clear_and_write_nothing(city):
    case = df.case(city.compound_a)
    with pytest.raises(WorkflowError, match="无权"):
        transition(case, "accept", by=None, actor_kinds={"reporter"})
    with pytest.raises(WorkflowError, match="理由"):
        transition(case, "reject", by=None, actor_kinds={"community_staff"}, note=" ")
    with pytest.raises(WorkflowError, match="待受理"):
        transition(case, "sign", by=None, actor_kinds={"grid_worker"})
    with pytest.raises(WorkflowError):
        transition(case, "fly", by=None, actor_kinds={"admin"})
    with pytest.raises(ConflictError, match="刷新"):
        transition(case, "accept", by=None, actor_kinds={"admin"}, expected_version=7)
    assert case.events.count() == 0
    assert Case.objects.get(pk=case.pk).version == 0


@pytest.mark.django_db
def test_records_change_neither_status_nor_version(city):
    case = df.case(city.compound_a)
    record(case, "remind", data={"kind": "due_soon"})
    case.refresh_from_db()
    assert (case.status, case.version) == (S.SUBMITTED, 0)
    with pytest.raises(WorkflowError):
        record(case, "accept")


def test_every_action_has_a_chinese_label():
    for action in [*TABLE, *RECORDS]:
        label = action_label(action)
        assert label and not label.isascii(), action
