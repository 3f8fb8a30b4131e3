"""The case loop as one transition table, and the one function that moves a case.

Every move: check the table (source status, who may act), check the version the actor saw
(two people acting at once: the second gets a ConflictError and nothing is written), write the
new status and one CaseEvent row in the same transaction. Side effects (deadlines, parts,
notifications) hang off the action name in `services.py`, never off ad-hoc status writes.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Case, CaseEvent

S = Case.Status

DESK = frozenset({"community_staff", "subdistrict_staff", "admin"})
FIELD = frozenset(
    {"grid_worker", "community_staff", "subdistrict_staff", "department_liaison", "property_staff", "admin"}
)
SUPERVISORS = frozenset({"subdistrict_staff", "leader", "admin"})
RESIDENT = "reporter"  # the person who reported it
SYSTEM = "system"  # the background worker and the automatic steps of the services
VERIFIERS = frozenset({"grid_worker", "community_staff", "admin", RESIDENT})
HANDLING_STAGES = (S.ACCEPTED, S.DISPATCHED, S.HANDLING, S.RETURNED)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: the status stays (a request, a part reporting in)
    label: object
    actors: frozenset[str]
    note_required: bool = False


def _t(action, sources, target, label, actors, note_required=False):
    return Transition(action, frozenset(sources), target, label, frozenset(actors), note_required)


TABLE: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("accept", [S.SUBMITTED], S.ACCEPTED, _("Accept"), DESK | {"grid_worker"}),
        _t("reject", [S.SUBMITTED], S.NOT_ACCEPTED, _("Do not accept"), DESK, note_required=True),
        _t("merge", [S.SUBMITTED, S.ACCEPTED], S.MERGED, _("Merge as duplicate"), DESK),
        # A case escalated to the county is dispatched by the county's leaders.
        _t("dispatch", [S.ACCEPTED, S.RETURNED], S.DISPATCHED, _("Dispatch"), DESK | {"leader"}),
        _t("sign", [S.DISPATCHED], S.HANDLING, _("Sign for it"), FIELD),
        _t("return", [S.DISPATCHED, S.HANDLING], S.RETURNED, _("Return"), FIELD, note_required=True),
        _t(
            "request_postpone",
            [S.DISPATCHED, S.HANDLING],
            None,
            _("Request more time"),
            FIELD,
            note_required=True,
        ),
        _t("approve_postpone", [S.DISPATCHED, S.HANDLING], None, _("Approve more time"), DESK | SUPERVISORS),
        _t("deny_postpone", [S.DISPATCHED, S.HANDLING], None, _("Refuse more time"), DESK | SUPERVISORS),
        _t(
            "escalate",
            HANDLING_STAGES,
            S.ACCEPTED,
            _("Escalate"),
            FIELD | SUPERVISORS | {SYSTEM},
            note_required=True,
        ),
        _t("whistle", HANDLING_STAGES, S.WHISTLED, _("Blow the whistle"), DESK | SUPERVISORS),
        _t("report_in", [S.WHISTLED], None, _("Report in"), {"department_liaison", "admin"}),
        _t("part_done", [S.WHISTLED], None, _("Finish our part"), {"department_liaison", "admin"}),
        # When the last summoned department finishes, the services move the case on by themselves.
        _t("whistle_done", [S.WHISTLED], S.FEEDBACK, _("Every department done"), {SYSTEM}),
        _t("feedback", [S.HANDLING], S.FEEDBACK, _("Report the result"), FIELD),
        _t("verify", [S.FEEDBACK], S.CLOSED, _("Verified: close"), VERIFIERS),
        _t(
            "verify_fail",
            [S.FEEDBACK],
            S.HANDLING,
            _("Not solved: back to handling"),
            VERIFIERS,
            note_required=True,
        ),
        _t("rate", [S.CLOSED], S.RATED, _("Rate"), {RESIDENT, "community_staff", "admin"}),
        _t(
            "reopen",
            [S.CLOSED, S.RATED],
            S.HANDLING,
            _("Reopen: not solved"),
            {RESIDENT, "community_staff", "admin"},
            True,
        ),
    ]
}
# Events that are not moves of the table: the case was opened, a reminder went out, another
# case was merged into this one. They change neither status nor version.
RECORDS = {
    "submit": _("Received"),
    "remind": _("Reminder sent"),
    "merged_in": _("Duplicate merged in"),
}


def action_label(action: str) -> str:
    t = TABLE.get(action)
    return str(t.label if t else RECORDS.get(action, action))


class WorkflowError(Exception):
    """A move the table does not allow, or a missing note; the message is for the user."""


class ConflictError(WorkflowError):
    """Someone else changed the case since the actor looked at it."""


def allowed(case: Case, actor_kinds: set[str] | frozenset[str]) -> list[Transition]:
    """The moves these actor kinds may make on the case now (for buttons and API links)."""
    return [t for t in TABLE.values() if case.status in t.sources and t.actors & set(actor_kinds)]


def transition(
    case: Case,
    action: str,
    *,
    by,
    actor_kinds: set[str] | frozenset[str],
    expected_version: int | None = None,
    note: str = "",
    data: dict | None = None,
    public: bool = True,
    changes: dict | None = None,
    at=None,
) -> CaseEvent:
    """Move `case` by `action`; `changes` are other fields written in the same update.

    Raises WorkflowError when the table forbids it and ConflictError when the case moved on
    since `expected_version` (default: the version of the object passed in).
    """
    t = TABLE.get(action)
    if t is None:
        raise WorkflowError(_("Unknown action."))
    if not t.actors & set(actor_kinds):
        raise WorkflowError(_("You may not do this to the case."))
    if t.note_required and not note.strip():
        raise WorkflowError(_("Please give a reason."))
    version = case.version if expected_version is None else expected_version
    at = at or timezone.now()
    with transaction.atomic():
        current = Case.objects.select_for_update().only("status", "version").get(pk=case.pk)
        if current.version != version:
            raise ConflictError(_("Someone else has just changed this case. Reload it and try again."))
        if current.status not in t.sources:
            raise WorkflowError(
                _("This case is %(status)s: it cannot be changed that way now.")
                % {"status": current.get_status_display()}
            )
        target = t.target or current.status
        fields = {"status": target, "version": F("version") + 1, "updated_at": at, **(changes or {})}
        updated = Case.objects.filter(pk=case.pk, version=version).update(**fields)
        if updated != 1:
            raise ConflictError(_("Someone else has just changed this case. Reload it and try again."))
        event = CaseEvent.objects.create(
            case=case,
            at=at,
            actor=by if getattr(by, "pk", None) else None,
            action=action,
            from_status=current.status,
            to_status=target,
            note=note,
            data=data or {},
            public=public,
        )
    case.refresh_from_db()
    return event


def record(
    case: Case,
    action: str,
    *,
    by=None,
    note: str = "",
    data: dict | None = None,
    public: bool = False,
    at=None,
) -> CaseEvent:
    """An event that is not a move (see RECORDS): status and version stay as they are."""
    if action not in RECORDS:
        raise WorkflowError(_("Unknown action."))
    return CaseEvent.objects.create(
        case=case,
        at=at or timezone.now(),
        actor=by if getattr(by, "pk", None) else None,
        action=action,
        from_status=case.status if action != "submit" else "",
        to_status=case.status,
        note=note,
        data=data or {},
        public=public,
    )
