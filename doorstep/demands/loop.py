"""Shared pieces of the case loop's services: who is acting, the clock, how moments read, and
telling people (the reporter and followers on public events, staff on theirs)."""

from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.notify import message_phone, notify_many, user_phone

from . import actors, routing
from .deadlines import reminder_moment
from .models import Case
from .workflow import TABLE, WorkflowError


def now_or(at=None):
    return at or timezone.now()


def when(moment) -> str:
    """A moment as people read it: 2025-10-14 17:30 (Asia/Shanghai)."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def kinds_for(action: str, case: Case, by) -> frozenset[str]:
    """The actor kinds of `by`, refusing someone the table does not allow for `action`."""
    kinds = actors.actor_kinds(by, case)
    if not TABLE[action].actors & kinds:
        raise PermissionDenied(_("You may not do this to the case."))
    return kinds


def clause(text: str) -> str:
    """A reason put inside a sentence: without its own full stop (no "。。" in messages)."""
    return (text or "").strip().rstrip("。．.；;！!")


def required_text(value, message) -> str:
    value = (value or "").strip()
    if not value:
        raise WorkflowError(message)
    return value


def url_or_empty(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def staff_url(case: Case) -> str:
    return url_or_empty("demands:staff_case", case.pk)


def resident_url(case: Case) -> str:
    return url_or_empty("demands:resident_detail", case.demand.number)


def tell_staff(users, text, case, kind, by=None):
    notify_many(users, text, exclude=by, case=case, kind=kind, url=staff_url(case))


def tell_public(case: Case, text, kind, *, by=None, sms=False):
    """The reporter and the followers (inbox); the reporter also by SMS when `sms`."""
    notify_many(actors.followers(case), text, exclude=by, case=case, kind=kind, url=resident_url(case))
    if sms:
        demand = case.demand
        phone = demand.contact_phone or (user_phone(demand.reporter_user) if demand.reporter_user_id else "")
        if not phone and demand.reporter_id and not demand.anonymous:
            phone = demand.reporter.phone
        message_phone(phone, text, kind=kind, case=case)


def handle_reminder(case: Case, start, due):
    """The first reminder of a handling deadline set at `start`."""
    if due is None:
        return None
    return reminder_moment(start, due, case.category.handle_unit, case.unit)


def level_label(level: str) -> str:
    return routing.level_label(level)


def verifiers(case: Case) -> list:
    worker = routing.grid_worker(case.grid) if case.grid_id else None
    return ([worker] if worker else []) + actors.desk_staff(case)


def after_feedback(case: Case, by) -> None:
    tell_staff(
        verifiers(case),
        _("Case %(case)s has its result: please verify it.") % {"case": case.number},
        case,
        "case_feedback",
        by,
    )
    tell_public(
        case,
        _("Case %(case)s has been handled. Please check whether it is solved.") % {"case": case.number},
        "case_feedback",
        by=by,
        sms=True,
    )
