"""延期: asking for more working days and deciding on it.

A handler asks for n working days with a reason (one open request at a time); community staff
decide for a grid's case, subdistrict staff (or leaders) for the others, never their own request.
Approved requests move the handling deadline by n working days; all approved postponements of a
case together are capped (DOORSTEP_POSTPONE_MAX_WORKING_DAYS, Shandong: 10).
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from . import actors
from .deadlines import (
    add_working_days_to_due,
    rules,
)
from .loop import (
    handle_reminder,
    kinds_for,
    now_or,
    required_text,
    tell_public,
    tell_staff,
    when,
)
from .models import Case, CaseEvent, Postponement
from .workflow import WorkflowError, transition


def _approved_days(case: Case) -> int:
    total = case.postponements.filter(status=Postponement.Status.APPROVED).aggregate(n=Sum("working_days"))
    return total["n"] or 0


def request_postponement(case: Case, by, *, working_days, reason, version=None, at=None) -> CaseEvent:
    """延期申请: ask for more working days; a supervisor decides. The event carries
    `postponement` (the request) as an attribute."""
    kinds = kinds_for("request_postpone", case, by)
    reason = required_text(reason, _("Please give a reason."))
    try:
        days = int(working_days)
    except (TypeError, ValueError):
        days = 0
    if days < 1:
        raise WorkflowError(_("Ask for at least one working day."))
    cap = rules().postpone_max_working_days
    used = _approved_days(case)
    if used + days > cap:
        raise WorkflowError(
            _("A case may be given at most %(cap)d more working days in all; %(used)d are given already.")
            % {"cap": cap, "used": used}
        )
    now = now_or(at)
    with transaction.atomic():
        if case.postponements.filter(status=Postponement.Status.REQUESTED).exists():
            raise WorkflowError(_("A request for more time is waiting for a decision already."))
        request = Postponement.objects.create(case=case, requested_by=by, working_days=days, reason=reason)
        event = transition(
            case,
            "request_postpone",
            by=by,
            actor_kinds=kinds,
            expected_version=version,
            note=reason,
            at=now,
            public=False,
            data={"postponement": request.pk, "working_days": days},
        )
        tell_staff(
            actors.supervisors(case),
            _("%(who)s asks %(n)d more working days for case %(case)s: %(reason)s")
            % {"who": by, "n": days, "case": case.number, "reason": reason},
            case,
            "postpone_requested",
            by,
        )
    event.postponement = request
    return event


def decide_postponement(
    postponement: Postponement, by, *, approve, note="", version=None, at=None
) -> CaseEvent:
    """Approve (the handling deadline moves by the working days asked) or refuse a request.

    Community staff decide for a grid's case, subdistrict staff (or leaders) for the others;
    nobody decides their own request.
    """
    case = postponement.case
    action = "approve_postpone" if approve else "deny_postpone"
    kinds = actors.actor_kinds(by, case)
    if not kinds & actors.approver_kinds(case):
        who = _("community staff") if case.level == "grid" else _("subdistrict staff")
        raise PermissionDenied(_("Only %(who)s in charge may decide this request.") % {"who": who})
    if postponement.requested_by_id == getattr(by, "pk", None):
        raise PermissionDenied(_("You cannot decide your own request."))
    now = now_or(at)
    with transaction.atomic():
        locked = Postponement.objects.select_for_update().get(pk=postponement.pk)
        if locked.status != Postponement.Status.REQUESTED:
            raise WorkflowError(_("This request was decided already."))
        changes = {}
        data = {"postponement": locked.pk, "working_days": locked.working_days}
        if approve:
            cap = rules().postpone_max_working_days
            if _approved_days(case) + locked.working_days > cap:
                raise WorkflowError(
                    _("A case may be given at most %(cap)d more working days in all.") % {"cap": cap}
                )
            new_due = add_working_days_to_due(case.handle_due or now, locked.working_days, case.unit)
            changes = {"handle_due": new_due, "remind_at": handle_reminder(case, now, new_due)}
            data["new_due"] = new_due.isoformat()
            data["old_due"] = case.handle_due.isoformat() if case.handle_due else None
            locked.new_due = new_due
        event = transition(
            case,
            action,
            by=by,
            actor_kinds=kinds,
            expected_version=version,
            note=(note or "").strip(),
            at=now,
            public=bool(approve),
            data=data,
            changes=changes,
        )
        locked.status = Postponement.Status.APPROVED if approve else Postponement.Status.DENIED
        locked.decided_by = by
        locked.decided_at = now
        locked.save(update_fields=["status", "decided_by", "decided_at", "new_due", "updated_at"])
        postponement.refresh_from_db()
        if approve:
            text = _("%(n)d more working days for case %(case)s were approved: new deadline %(due)s.") % {
                "n": locked.working_days,
                "case": case.number,
                "due": when(locked.new_due),
            }
            tell_public(case, text, "postpone_approved", by=by)
        else:
            text = _("Your request for more time on case %(case)s was refused. %(note)s") % {
                "case": case.number,
                "note": note,
            }
        tell_staff([locked.requested_by], text.strip(), case, "postpone_decided", by)
    return event
