"""The case loop's writes: one service per action.

Each service checks who is acting (`actors.actor_kinds`), applies the local rules (deadlines,
return window, postponement cap, reopen window), moves the case through `workflow.transition`
(table, version check, event row) and tells the people concerned (`core.notify`). Each returns
the CaseEvent it wrote and raises PermissionDenied (not yours), WorkflowError (not allowed now,
with the reason) or ConflictError (someone else acted first), all with translated messages.

`version` is the case version the actor saw (a form sends it back); without it, the version of
the object passed in. `at` pins the clock (tests, the worker's --now); it defaults to now.

The whistle (whistle.py) and postponements (postponement.py) live in their own modules and are
part of this one's interface.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.workcalendar import get_calendar
from doorstep.territory.models import Organization, Role

from . import actors, routing
from .deadlines import (
    compute_due,
    end_of_office,
    reminder_moment,
    rules,
)
from .loop import (
    after_feedback,
    clause,
    handle_reminder,
    kinds_for,
    level_label,
    now_or,
    required_text,
    tell_public,
    tell_staff,
    when,
)
from .models import Case, CaseEvent, Demand, Follow, Rating, WhistlePart
from .postponement import decide_postponement, request_postponement
from .whistle import finish_part, report_in, whistle
from .workflow import HANDLING_STAGES, SYSTEM, ConflictError, WorkflowError, record, transition

S = Case.Status
P = WhistlePart.Status

__all__ = [
    "ConflictError",
    "WorkflowError",
    "accept",
    "decide_postponement",
    "dispatch",
    "escalate",
    "feedback",
    "finish_part",
    "merge",
    "open_case",
    "rate",
    "reject",
    "reopen",
    "report_in",
    "request_postponement",
    "return_case",
    "sign",
    "verify",
    "whistle",
]


# --- opening a case ----------------------------------------------------------------------------


def case_number(demand: Demand) -> str:
    """A case takes its demand's number (one case per demand): AJ20250930-0001."""
    return f"AJ{demand.number}"[:20]


def open_case(demand: Demand, by=None, *, at=None) -> Case:
    """Open the case of a small matter: routed, with its deadlines, status submitted.

    Deadlines count from receipt with the category's limits, in the working time of the unit
    the case is routed to. Opening twice returns the case already there.
    """
    existing = Case.objects.filter(demand=demand).first()
    if existing is not None:
        return existing
    if demand.category_id is None:
        raise ValidationError(_("Choose a category first: the case takes its limits from it."))
    if demand.region_id is None:
        raise ValidationError(_("The place of this demand is unknown: a case needs a place."))
    category = demand.category
    start = demand.received_at or now_or(at)
    route = routing.route(category, demand.region, demand.grid, on=timezone.localtime(start).date())
    cal = get_calendar()
    unit = route.unit

    def due(value, unit_name):
        return compute_due(start, value, unit_name, unit, cal=cal)

    accept_due = due(category.accept_limit, category.accept_unit)
    respond_due = due(category.respond_limit, category.respond_unit)
    handle_due = due(category.handle_limit, category.handle_unit)
    with transaction.atomic():
        case = Case.objects.create(
            demand=demand,
            number=case_number(demand),
            status=S.SUBMITTED,
            category=category,
            region=demand.region,
            grid=demand.grid,
            urgent=category.urgent,
            level=route.level,
            unit=unit,
            received_at=start,
            accept_due=accept_due,
            respond_due=respond_due,
            handle_due=handle_due,
            remind_at=reminder_moment(start, accept_due, category.accept_unit, unit),
        )
        record(
            case,
            "submit",
            by=by,
            note=route.note,
            public=True,
            at=now_or(at),
            data={
                "level": route.level,
                "unit": str(unit) if unit else "",
                "region": str(route.region) if route.region else "",
                "suggested_assignee": route.assignee.pk if route.assignee else None,
            },
        )
        text = _("Your report %(number)s was received. Case %(case)s will be handled by %(due)s.") % {
            "number": demand.number,
            "case": case.number,
            "due": when(handle_due),
        }
        tell_public(case, text, "case_opened", by=by, sms=True)
        if case.urgent:
            tell_staff(
                actors.desk_staff(case),
                _("Urgent case %(case)s (%(category)s) is waiting to be accepted.")
                % {"case": case.number, "category": category.name},
                case,
                "case_urgent",
                by,
            )
    return case


# --- accept, reject, dispatch, sign, return ----------------------------------------------------


def accept(case: Case, by, *, version=None, at=None) -> CaseEvent:
    """立案: the desk takes the case on; from now on the handling deadline is what counts."""
    kinds = kinds_for("accept", case, by)
    now = now_or(at)
    with transaction.atomic():
        event = transition(
            case,
            "accept",
            by=by,
            actor_kinds=kinds,
            expected_version=version,
            at=now,
            changes={"accepted_at": now, "remind_at": handle_reminder(case, now, case.handle_due)},
        )
        tell_public(
            case,
            _("Case %(case)s was accepted; it is to be handled by %(due)s.")
            % {"case": case.number, "due": when(case.handle_due)},
            "case_accepted",
            by=by,
            sms=True,
        )
    return event


def reject(case: Case, by, *, reason, version=None, at=None) -> CaseEvent:
    """不予受理: refused, with the reason the reporter is told."""
    kinds = kinds_for("reject", case, by)
    reason = required_text(reason, _("Please give a reason."))
    with transaction.atomic():
        event = transition(
            case,
            "reject",
            by=by,
            actor_kinds=kinds,
            expected_version=version,
            note=reason,
            at=now_or(at),
            changes={"remind_at": None},
        )
        tell_public(
            case,
            _("Case %(case)s was not accepted: %(reason)s") % {"case": case.number, "reason": reason},
            "case_rejected",
            by=by,
            sms=True,
        )
    return event


def _may_handle(user, case: Case, unit: Organization | None) -> bool:
    """Whether `user` can take a case handed to `unit` at the case's place."""
    roles = Role.objects.filter(user=user, active=True)
    if (
        unit is not None
        and roles.filter(
            kind__in=[Role.Kind.DEPARTMENT_LIAISON, Role.Kind.PROPERTY_STAFF], organization=unit
        ).exists()
    ):
        return True
    kinds = actors.actor_kinds(user, case) - {"reporter"}
    return bool(kinds - {Role.Kind.DEPARTMENT_LIAISON, Role.Kind.PROPERTY_STAFF})


def _level_of_unit(case: Case, unit: Organization | None) -> str:
    if unit is None:
        return case.level
    if unit.kind == Organization.Kind.PROPERTY_COMPANY:
        return "property"
    if unit.kind == Organization.Kind.DEPARTMENT and unit.region.level == routing.L.SUBDISTRICT:
        return "subdistrict"
    if unit.kind == Organization.Kind.DEPARTMENT:
        return "department"
    if unit.kind == Organization.Kind.RESIDENTS_COMMITTEE:
        return "grid" if case.level == "grid" else "community"
    return case.level


def dispatch(case: Case, by, *, unit=None, assignee=None, version=None, at=None) -> CaseEvent:
    """派遣: hand the case to a unit (a department, the property company, the community) and/or a
    person (the grid worker). Without either, the route of the case's level decides."""
    kinds = kinds_for("dispatch", case, by)
    if unit is None and assignee is None:
        if case.level in routing.LEVELS:
            route = routing.route_to_level(case.level, case.region, case.grid)
            unit, assignee = route.unit or case.unit, route.assignee
        else:
            unit = case.unit
    if unit is None and assignee is not None:
        # A department's liaison or a company's staff member: the case goes to their unit.
        role = (
            Role.objects.filter(
                user=assignee,
                active=True,
                kind__in=[Role.Kind.DEPARTMENT_LIAISON, Role.Kind.PROPERTY_STAFF],
                organization__isnull=False,
            )
            .select_related("organization")
            .order_by("pk")
            .first()
        )
        if role is not None and not (actors.actor_kinds(assignee, case) - {"reporter"}):
            unit = role.organization
    if unit is not None and not isinstance(unit, Organization):
        raise WorkflowError(_("Choose a unit to dispatch to."))
    if unit is None and assignee is None:
        raise WorkflowError(_("Choose a unit or a person to dispatch to."))
    if assignee is not None and not _may_handle(assignee, case, unit):
        raise WorkflowError(_("%(user)s holds no role that can handle cases here.") % {"user": assignee})
    level = _level_of_unit(case, unit)
    if unit is None and Role.Kind.GRID_WORKER in actors.actor_kinds(assignee, case):
        level = "grid"
    data = {
        "unit_id": unit.pk if unit else None,
        "unit": str(unit) if unit else "",
        "assignee_id": assignee.pk if assignee else None,
        "from_unit_id": case.unit_id,
        "from_level": case.level,
        "level": level,
    }
    with transaction.atomic():
        event = transition(
            case,
            "dispatch",
            by=by,
            actor_kinds=kinds,
            expected_version=version,
            at=now_or(at),
            data=data,
            changes={"unit": unit, "assignee": assignee, "level": level},
        )
        tell_staff(
            actors.unit_staff(case),
            _("Case %(case)s (%(category)s) was dispatched to you; handle it by %(due)s.")
            % {"case": case.number, "category": case.category.name, "due": when(case.handle_due)},
            case,
            "case_dispatched",
        )
        tell_public(
            case,
            _("Case %(case)s was sent to %(unit)s.")
            % {"case": case.number, "unit": unit or assignee or _("the handler")},
            "case_dispatched",
            by=by,
        )
    return event


def sign(case: Case, by, *, version=None, at=None) -> CaseEvent:
    """签收: the handler takes the dispatched case (this is the response the rate counts)."""
    kinds = kinds_for("sign", case, by)
    now = now_or(at)
    changes = {"responded_at": case.responded_at or now}
    if case.assignee_id is None:
        changes["assignee"] = by
    with transaction.atomic():
        event = transition(
            case, "sign", by=by, actor_kinds=kinds, expected_version=version, at=now, changes=changes
        )
        tell_public(case, _("Case %(case)s is being handled.") % {"case": case.number}, "case_signed", by=by)
    return event


def return_deadline(case: Case):
    """Until when the unit may return the case (退单): N working days after it was dispatched."""
    last = case.events.filter(action="dispatch").order_by("-at", "-pk").first()
    if last is None:
        return None
    day = get_calendar().add_working_days(last.at, rules().return_within_working_days)
    return end_of_office(day, case.unit)


def return_case(case: Case, by, *, reason, version=None, at=None) -> CaseEvent:
    """退单: not ours — back to whoever dispatched it, within the return window only."""
    kinds = kinds_for("return", case, by)
    reason = required_text(reason, _("Please give a reason."))
    now = now_or(at)
    deadline = return_deadline(case)
    if deadline is not None and now > deadline:
        raise WorkflowError(
            _(
                "A case can be returned within %(n)d working days of dispatch (until %(deadline)s). "
                "That time has passed: handle it, ask for more time or escalate it."
            )
            % {"n": rules().return_within_working_days, "deadline": when(deadline)}
        )
    last = case.events.filter(action="dispatch").order_by("-at", "-pk").first()
    back_unit = (last.data or {}).get("from_unit_id") if last else None
    back_level = (last.data or {}).get("from_level") if last else None
    with transaction.atomic():
        event = transition(
            case,
            "return",
            by=by,
            actor_kinds=kinds,
            expected_version=version,
            note=reason,
            at=now,
            public=False,
            data={"unit": str(case.unit) if case.unit_id else "", "unit_id": case.unit_id},
            changes={"unit_id": back_unit, "assignee": None, "level": back_level or case.level},
        )
        dispatcher = [last.actor] if last and last.actor_id else []
        tell_staff(
            dispatcher + actors.desk_staff(case),
            _("Case %(case)s was returned by %(who)s: %(reason)s")
            % {"case": case.number, "who": by, "reason": reason},
            case,
            "case_returned",
            by,
        )
    return event


# --- escalation --------------------------------------------------------------------------------


def escalate(case: Case, by=None, *, reason, auto=False, version=None, at=None) -> CaseEvent:
    """上报: one level up (grid → community → subdistrict → county), by hand or by the worker
    when the case is overdue. The new level gets a new handling deadline of the category's
    limit, counted from now in its own working time."""
    kinds = frozenset({SYSTEM}) if auto else kinds_for("escalate", case, by)
    reason = required_text(reason, _("Please give a reason."))
    route = routing.route_up(case)
    if route is None:
        raise WorkflowError(_("This case is at the county level already: it cannot go higher."))
    now = now_or(at)
    category = case.category
    new_due = compute_due(now, category.handle_limit, category.handle_unit, route.unit)
    with transaction.atomic():
        event = transition(
            case,
            "escalate",
            by=None if auto else by,
            actor_kinds=kinds,
            expected_version=version,
            note=reason,
            at=now,
            data={
                "auto": bool(auto),
                "from_level": case.level,
                "to_level": route.level,
                "region": str(route.region) if route.region else "",
                "unit": str(route.unit) if route.unit else "",
                "old_due": case.handle_due.isoformat() if case.handle_due else None,
                "new_due": new_due.isoformat(),
            },
            changes={
                "level": route.level,
                "unit": route.unit,
                "assignee": None,
                "escalation": F("escalation") + 1,
                "handle_due": new_due,
                "remind_at": reminder_moment(now, new_due, category.handle_unit, route.unit),
            },
        )
        tell_staff(
            actors.desk_staff(case),
            _("Case %(case)s was escalated to %(level)s: %(reason)s. Handle it by %(due)s.")
            % {
                "case": case.number,
                "level": level_label(route.level),
                "reason": clause(reason),
                "due": when(new_due),
            },
            case,
            "case_escalated",
            by,
        )
        tell_public(
            case,
            _("Case %(case)s was passed up to the %(level)s.")
            % {"case": case.number, "level": level_label(route.level)},
            "case_escalated",
            by=by,
        )
    return event


# --- feedback, verification, closing, rating, reopening -----------------------------------------


def feedback(case: Case, by, *, text, photos=(), version=None, at=None) -> CaseEvent:
    """处置反馈: the handler reports what was done (with evidence photos)."""
    kinds = kinds_for("feedback", case, by)
    text = required_text(text, _("Please say what was done."))
    now = now_or(at)
    photos = list(photos or ())
    with transaction.atomic():
        event = transition(
            case,
            "feedback",
            by=by,
            actor_kinds=kinds,
            expected_version=version,
            note=text,
            at=now,
            changes={"feedback_at": now, "remind_at": None},
        )
        if photos:
            from .photos import save_photos

            saved = save_photos(case.demand, photos, stage="evidence", by=by)
            event.data = {**event.data, "photos": [p.pk for p in saved]}
            event.save(update_fields=["data"])
        after_feedback(case, by)
    return event


def verify(case: Case, by, *, solved, note="", version=None, at=None) -> CaseEvent:
    """核查: solved → closed (the reporter is asked to rate); not solved → back to handling."""
    action = "verify" if solved else "verify_fail"
    kinds = kinds_for(action, case, by)
    now = now_or(at)
    note = (note or "").strip()
    with transaction.atomic():
        if solved:
            event = transition(
                case,
                action,
                by=by,
                actor_kinds=kinds,
                expected_version=version,
                note=note,
                at=now,
                changes={"closed_at": now, "remind_at": None},
            )
            tell_public(
                case,
                _("Case %(case)s is closed. Please tell us how it went (rate it within %(days)d days).")
                % {"case": case.number, "days": rules().reopen_within_days},
                "case_closed",
                by=by,
                sms=True,
            )
        else:
            event = transition(
                case,
                action,
                by=by,
                actor_kinds=kinds,
                expected_version=version,
                note=required_text(note, _("Please say what is still wrong.")),
                at=now,
                changes={"feedback_at": None, "remind_at": handle_reminder(case, now, case.handle_due)},
            )
            tell_staff(
                actors.unit_staff(case),
                _("Case %(case)s is not solved yet: %(note)s") % {"case": case.number, "note": note},
                case,
                "case_verify_failed",
                by,
            )
    return event


def rate(case: Case, by, *, score, solved, comment="", version=None, at=None) -> CaseEvent:
    """回访评价: 1–5, solved or not, a comment. A resident who says "not solved" may also reopen."""
    kinds = kinds_for("rate", case, by)
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise WorkflowError(_("A score is a whole number from 1 to 5."))
    now = now_or(at)
    comment = (comment or "").strip()
    with transaction.atomic():
        event = transition(
            case,
            "rate",
            by=by,
            actor_kinds=kinds,
            expected_version=version,
            note=comment,
            at=now,
            data={"score": score, "solved": bool(solved)},
        )
        Rating.objects.create(case=case, by=by, score=score, solved=bool(solved), comment=comment, at=now)
        tell_staff(
            actors.unit_staff(case) + actors.desk_staff(case),
            _("Case %(case)s was rated %(score)d of 5 (%(solved)s).")
            % {"case": case.number, "score": score, "solved": _("solved") if solved else _("not solved")},
            case,
            "case_rated",
            by,
        )
    return event


def reopen_deadline(case: Case):
    if case.closed_at is None:
        return None
    return case.closed_at + timedelta(days=rules().reopen_within_days)


def reopen(case: Case, by, *, reason, version=None, at=None) -> CaseEvent:
    """重办: the resident says it is not solved, within the set days after closing; the case is
    handled again with a new handling deadline (each reopen event counts for 重办率)."""
    kinds = kinds_for("reopen", case, by)
    reason = required_text(reason, _("Please say what is still wrong."))
    now = now_or(at)
    deadline = reopen_deadline(case)
    if deadline is not None and now > deadline:
        raise WorkflowError(
            _(
                "A case can be reopened within %(days)d days of closing; this one closed on %(closed)s. "
                "Please send a new report."
            )
            % {"days": rules().reopen_within_days, "closed": when(case.closed_at)}
        )
    category = case.category
    new_due = compute_due(now, category.handle_limit, category.handle_unit, case.unit)
    count = case.events.filter(action="reopen").count() + 1
    with transaction.atomic():
        event = transition(
            case,
            "reopen",
            by=by,
            actor_kinds=kinds,
            expected_version=version,
            note=reason,
            at=now,
            data={
                "reopen_count": count,
                "closed_at": case.closed_at.isoformat() if case.closed_at else None,
                "new_due": new_due.isoformat(),
            },
            changes={
                "closed_at": None,
                "feedback_at": None,
                "handle_due": new_due,
                "remind_at": reminder_moment(now, new_due, category.handle_unit, case.unit),
            },
        )
        tell_staff(
            actors.unit_staff(case) + actors.desk_staff(case),
            _("Case %(case)s was reopened (not solved): %(reason)s. Handle it by %(due)s.")
            % {"case": case.number, "reason": clause(reason), "due": when(new_due)},
            case,
            "case_reopened",
            by,
        )
    return event


# --- merging duplicates ------------------------------------------------------------------------


def merge(case: Case, into: Case, by, *, version=None, at=None) -> CaseEvent:
    """合并: the same problem reported again by someone else. The case ends as merged, its
    demand points to the other one (duplicate_of), and its reporter and followers follow the
    open case instead (the reporter counts as a "me too" there)."""
    kinds = kinds_for("merge", case, by)
    if into is None or into.pk == case.pk:
        raise WorkflowError(_("Choose another case to merge into."))
    into = Case.objects.select_related("demand").get(pk=into.pk)
    if into.status not in Case.OPEN:
        raise WorkflowError(_("Case %(case)s is not open: merge into an open case.") % {"case": into.number})
    if not actors.actor_kinds(by, into) - {"reporter"}:
        raise PermissionDenied(_("You may not do this to the case."))
    now = now_or(at)
    with transaction.atomic():
        event = transition(
            case,
            "merge",
            by=by,
            actor_kinds=kinds,
            expected_version=version,
            at=now,
            note=_("Same matter as case %(case)s.") % {"case": into.number},
            data={"into": into.number, "into_id": into.pk},
            changes={"remind_at": None},
        )
        demand = Demand.objects.select_for_update().get(pk=case.demand_id)
        target = into.demand
        Demand.objects.filter(pk=demand.pk).update(duplicate_of=target, triage=Demand.Triage.DUPLICATE)
        carried = 0
        users = {f.user_id: f.me_too for f in Follow.objects.filter(demand=demand)}
        if demand.reporter_user_id and demand.reporter_user_id != target.reporter_user_id:
            users[demand.reporter_user_id] = True
        counted = 0
        for user_id, me_too in users.items():
            if user_id == target.reporter_user_id:
                continue
            follow, created = Follow.objects.get_or_create(
                demand=target, user_id=user_id, defaults={"me_too": me_too}
            )
            carried += created
            if me_too and (
                created or Follow.objects.filter(pk=follow.pk, me_too=False).update(me_too=True) == 1
            ):
                counted += 1
        # A report without a login is still one more voice for the same problem.
        if not demand.reporter_user_id:
            counted += 1
        if counted:
            Demand.objects.filter(pk=target.pk).update(me_too_count=F("me_too_count") + counted)
        record(
            into,
            "merged_in",
            by=by,
            at=now,
            data={"from": case.number, "from_id": case.pk, "followers": carried},
        )
        event.data = {**event.data, "followers_carried": carried}
        event.save(update_fields=["data"])
        case.demand.refresh_from_db()
        tell_public(
            case,
            _("Report %(number)s is the same problem as case %(into)s; you now follow that case.")
            % {"number": demand.number, "into": into.number},
            "case_merged",
            by=by,
            sms=True,
        )
    return event


# --- for the worker ----------------------------------------------------------------------------


def current_deadline(case: Case):
    """The deadline that matters in the case's status, and the unit it is counted in."""
    if case.status == S.SUBMITTED:
        return case.accept_due, case.category.accept_unit
    if case.status in (*HANDLING_STAGES, S.WHISTLED):
        return case.handle_due, case.category.handle_unit
    return None, None


def parts_waiting(case: Case) -> Iterable[WhistlePart]:
    return case.whistle_parts.exclude(status=P.DONE)
