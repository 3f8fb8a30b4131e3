"""街道吹哨、部门报到: summoning several departments to one case.

The subdistrict (or the community) blows the whistle; each summoned department must report in
within the report-in limit (DOORSTEP_WHISTLE_REPORT_IN) and then finish its part within the part
limit (DOORSTEP_WHISTLE_PART_LIMIT). Only the department's own liaison acts on its part, and
departments never block each other (each acts on the current version under the case's lock).
When the last part is done the case moves to feedback by itself, with every department's result.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from doorstep.territory.models import Organization, Role

from . import actors
from .deadlines import (
    limit_deadline,
    rules,
)
from .loop import (
    after_feedback,
    kinds_for,
    now_or,
    required_text,
    tell_public,
    tell_staff,
    when,
)
from .models import Case, CaseEvent, WhistlePart
from .workflow import SYSTEM, WorkflowError, transition

P = WhistlePart.Status


def _departments(departments, task: str) -> list[tuple[Organization, str]]:
    if isinstance(departments, dict):
        pairs = list(departments.items())
    else:
        pairs = [d if isinstance(d, tuple | list) else (d, "") for d in (departments or ())]
    out, seen = [], set()
    for org, part in pairs:
        if not isinstance(org, Organization) or org.kind != Organization.Kind.DEPARTMENT:
            raise WorkflowError(_("Only government departments can be summoned."))
        if org.pk in seen:
            continue
        seen.add(org.pk)
        out.append((org, (part or task or "").strip()[:200]))
    if not out:
        raise WorkflowError(_("Choose the departments to summon."))
    return out


def whistle(case: Case, by, *, departments, task="", version=None, at=None) -> CaseEvent:
    """吹哨: summon several departments. Each must report in within the report-in limit and
    then finish its part; the case moves to feedback by itself when the last part is done.

    `departments`: Organizations (all get `task`), (Organization, its part) pairs, or a dict.
    """
    kinds = kinds_for("whistle", case, by)
    pairs = _departments(departments, task)
    now = now_or(at)
    limits = rules()
    with transaction.atomic():
        event = transition(
            case,
            "whistle",
            by=by,
            actor_kinds=kinds,
            expected_version=version,
            note=(task or "").strip(),
            at=now,
            data={"departments": [str(o) for o, _p in pairs], "department_ids": [o.pk for o, _p in pairs]},
        )
        for org, part in pairs:
            report_in_due = limit_deadline(now, limits.whistle_report_in, org)
            WhistlePart.objects.update_or_create(
                case=case,
                department=org,
                defaults={
                    "task": part,
                    "status": P.SUMMONED,
                    "report_in_due": report_in_due,
                    "reported_at": None,
                    "done_due": limit_deadline(report_in_due, limits.whistle_part, org),
                    "done_at": None,
                    "result": "",
                    "reminded_at": None,
                },
            )
            tell_staff(
                actors.liaisons(org),
                _("%(dept)s is summoned for case %(case)s: %(part)s. Report in by %(due)s.")
                % {
                    "dept": org,
                    "case": case.number,
                    "part": part or case.category.name,
                    "due": when(report_in_due),
                },
                case,
                "whistle",
                by,
            )
        tell_public(
            case,
            _("Departments were summoned to solve case %(case)s together: %(departments)s.")
            % {"case": case.number, "departments": "、".join(str(o) for o, _p in pairs)},
            "whistle",
            by=by,
        )
    return event


def _part_actor(part: WhistlePart, by) -> frozenset[str]:
    """Only the summoned department's liaison (or an administrator) acts on its part."""
    case = part.case
    kinds = actors.actor_kinds(by, case)
    if "admin" in kinds:
        return kinds
    mine = Role.objects.filter(
        user=by, active=True, kind=Role.Kind.DEPARTMENT_LIAISON, organization_id=part.department_id
    ).exists()
    if not mine:
        raise PermissionDenied(_("Only %(dept)s's liaison can do this.") % {"dept": part.department})
    return kinds | {"department_liaison"}


def _whistler(case: Case) -> list:
    last = case.events.filter(action="whistle").order_by("-at", "-pk").first()
    return [last.actor] if last and last.actor_id else actors.desk_staff(case)


def report_in(part: WhistlePart, by, *, at=None) -> CaseEvent:
    """报到: the department has arrived (or answered); its finishing time starts now."""
    kinds = _part_actor(part, by)
    now = now_or(at)
    with transaction.atomic():
        locked = WhistlePart.objects.select_for_update().get(pk=part.pk)
        if locked.status != P.SUMMONED:
            raise WorkflowError(_("%(dept)s has reported in already.") % {"dept": part.department})
        case = Case.objects.select_for_update().get(pk=part.case_id)
        late = now > locked.report_in_due
        event = transition(
            case,
            "report_in",
            by=by,
            actor_kinds=kinds,
            expected_version=case.version,  # departments act on their own parts: no stale check
            at=now,
            public=False,
            data={"part": locked.pk, "department": str(part.department), "late": late},
        )
        locked.status = P.REPORTED
        locked.reported_at = now
        locked.done_due = limit_deadline(now, rules().whistle_part, part.department)
        locked.save(update_fields=["status", "reported_at", "done_due", "updated_at"])
        tell_staff(
            _whistler(case),
            _("%(dept)s reported in for case %(case)s.") % {"dept": part.department, "case": case.number},
            case,
            "whistle_report_in",
            by,
        )
    part.refresh_from_db()
    return event


def finish_part(part: WhistlePart, by, *, result, at=None) -> CaseEvent:
    """The department's part is done. When it was the last part, the case moves to feedback
    (the result of every department is the feedback) without anyone pressing anything."""
    kinds = _part_actor(part, by)
    result = required_text(result, _("Please say what was done."))
    now = now_or(at)
    with transaction.atomic():
        locked = WhistlePart.objects.select_for_update().get(pk=part.pk)
        if locked.status == P.SUMMONED:
            raise WorkflowError(_("Report in first, then finish the part."))
        if locked.status == P.DONE:
            raise WorkflowError(_("%(dept)s has finished its part already.") % {"dept": part.department})
        case = Case.objects.select_for_update().get(pk=part.case_id)
        event = transition(
            case,
            "part_done",
            by=by,
            actor_kinds=kinds,
            expected_version=case.version,
            note=result,
            at=now,
            data={
                "part": locked.pk,
                "department": str(part.department),
                "late": bool(locked.done_due and now > locked.done_due),
            },
        )
        locked.status = P.DONE
        locked.done_at = now
        locked.result = result
        locked.save(update_fields=["status", "done_at", "result", "updated_at"])
        parts = list(case.whistle_parts.select_related("department").order_by("pk"))
        if all(p.status == P.DONE for p in parts):
            summary = "\n".join(f"{p.department}：{p.result}" for p in parts)
            transition(
                case,
                "whistle_done",
                by=None,
                actor_kinds={SYSTEM},
                expected_version=case.version,
                note=summary,
                at=now,
                data={"parts": [p.pk for p in parts]},
                changes={"feedback_at": now, "remind_at": None},
            )
            after_feedback(case, by)
        else:
            tell_staff(
                _whistler(case),
                _("%(dept)s finished its part of case %(case)s (%(done)d of %(all)d done).")
                % {
                    "dept": part.department,
                    "case": case.number,
                    "done": sum(p.status == P.DONE for p in parts),
                    "all": len(parts),
                },
                case,
                "whistle_part_done",
                by,
            )
    part.refresh_from_db()
    return event
