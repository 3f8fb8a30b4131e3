"""Every write of the three lists, a project's ledger and the compound plan.

Each write checks who acts (staff whose scope covers the project's region), validates, locks
the project row, writes, and records a ProjectEvent. A project moves through one transition
table (planned → approved → under way → delivered → reported back, or cancelled before
delivery); `transition` is the only place its status changes. Delivery tells the residents whose
demands the project answers, through core.notify (inbox, and SMS for callers known only by phone).
"""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.core.notify import message_phone, notify_many
from doorstep.territory.models import Dwelling, Organization, Region
from doorstep.territory.selectors import scope_for, subtree_ids

from .ledger import parse_amount
from .models import (
    AccountKind,
    Consultation,
    LedgerLine,
    Milestone,
    Need,
    PlanMeasure,
    Project,
    ProjectEvent,
    Resource,
)

S = Project.Status
MANAGERS = frozenset({"community_staff", "subdistrict_staff", "leader", "admin"})


class ProjectError(ValidationError):
    """A project action refused; the message says why, in the user's language."""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    label: object
    needs_note: bool = False


TABLE: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("approve", frozenset({S.PLANNED}), S.APPROVED, gettext_lazy("Approve")),
        Transition("start", frozenset({S.APPROVED}), S.UNDER_WAY, gettext_lazy("Start the work")),
        Transition("deliver", frozenset({S.UNDER_WAY}), S.DELIVERED, gettext_lazy("Deliver")),
        Transition("report", frozenset({S.DELIVERED}), S.REPORTED, gettext_lazy("Report back"), True),
        Transition(
            "cancel",
            frozenset({S.PLANNED, S.APPROVED, S.UNDER_WAY}),
            S.CANCELLED,
            gettext_lazy("Cancel"),
            True,
        ),
    ]
}

ACTION_LABELS = {
    "create": gettext_lazy("Created"),
    "approve": gettext_lazy("Approved"),
    "start": gettext_lazy("Work started"),
    "deliver": gettext_lazy("Delivered"),
    "report": gettext_lazy("Reported back"),
    "cancel": gettext_lazy("Cancelled"),
    "line": gettext_lazy("Account line added"),
    "line_changed": gettext_lazy("Account line changed"),
    "milestone": gettext_lazy("Milestone added"),
    "milestone_changed": gettext_lazy("Milestone progress"),
    "consultation": gettext_lazy("Consultation recorded"),
    "beneficiaries": gettext_lazy("Beneficiaries changed"),
    "needs": gettext_lazy("Needs and resources linked"),
}


# The six accounts of 「我为群众算笔账」, as migration 0002 seeds them; the city adds more in the admin.
DEFAULT_KINDS = [
    ("policy", "政策账", 10),
    ("economic", "经济账", 20),
    ("resource", "资源账", 30),
    ("livelihood", "民生账", 40),
    ("safety", "安全账", 50),
    ("long_term", "长远账", 60),
]


def ensure_default_kinds() -> None:
    """Put back the default account kinds that are missing (a flushed database, a new install)."""
    for code, name, position in DEFAULT_KINDS:
        AccountKind.objects.get_or_create(code=code, defaults={"name": name, "position": position})


# --- who may act -----------------------------------------------------------------------------


def can_manage(user, region_id: int | None) -> bool:
    """Community or subdistrict staff, leaders and administrators whose scope covers the region."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    scope = scope_for(user)
    return bool(scope.role_kinds & MANAGERS) and scope.covers_region(region_id)


def _require(user, region_id) -> None:
    if not can_manage(user, region_id):
        raise ProjectError(_("You may not manage projects of this place."), code="forbidden")


def allowed(project: Project, user) -> list[Transition]:
    if not can_manage(user, project.region_id):
        return []
    return [t for t in TABLE.values() if project.status in t.sources]


def _text(value, message) -> str:
    value = (value or "").strip()
    if not value:
        raise ProjectError(message)
    return value


def _event(project, action, by, *, from_status="", to_status="", note=""):
    return ProjectEvent.objects.create(
        project=project,
        action=action,
        by=by if by is not None and by.is_authenticated else None,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )


def _locked(project: Project, by) -> Project:
    locked = Project.objects.select_for_update().get(pk=project.pk)
    _require(by, locked.region_id)
    return locked


def _open(locked: Project) -> None:
    if locked.status in (S.REPORTED, S.CANCELLED):
        raise ProjectError(
            _("The project is %(status)s; its record is closed.") % {"status": locked.get_status_display()},
            code="conflict",
        )


# --- the lists -------------------------------------------------------------------------------


def need_from_demand(demand, *, by) -> Need:
    """The need behind a demand (made once; the same demand gives the same need)."""
    _require(by, demand.region_id)
    if demand.region_id is None:
        raise ProjectError(_("The demand has no place yet; locate it first."))
    with transaction.atomic():
        need = Need.objects.select_for_update().filter(demand=demand).first()
        if need is None:
            title = demand.text.strip().splitlines()[0][:60] if demand.text.strip() else demand.number
            need = Need.objects.create(
                region_id=demand.region_id,
                title=title,
                description=demand.text,
                source=Need.Source.DEMAND,
                demand=demand,
                created_by=by,
            )
    return need


def need_from_topic(topic, *, by) -> Need:
    """The need behind a council topic (made once). A topic that came from a demand shares the
    demand's need, so that the demand's reporter is told when the project delivers."""
    _require(by, topic.region_id)
    if topic.stage == "closed":
        raise ProjectError(_("The topic is closed."))
    with transaction.atomic():
        need = Need.objects.select_for_update().filter(topic=topic).first()
        if need is None and topic.demand_id:
            need = Need.objects.select_for_update().filter(demand_id=topic.demand_id).first()
            if need is not None:
                need.topic = topic
                need.save(update_fields=["topic", "updated_at"])
        if need is None:
            need = Need.objects.create(
                region_id=topic.region_id,
                title=topic.title[:200],
                description=topic.description,
                source=Need.Source.TOPIC,
                demand_id=topic.demand_id,
                topic=topic,
                topic_ref=f"#{topic.pk}",
                created_by=by,
            )
    return need


def add_need(
    *, region: Region, title: str, by, description: str = "", source=Need.Source.VISIT, topic_ref=""
):
    """A need raised on a visit or from a council topic (topic_ref: the topic's reference)."""
    _require(by, region.pk)
    if source not in Need.Source.values or source == Need.Source.DEMAND:
        raise ProjectError(_("A need from a demand is made from the demand itself."))
    return Need.objects.create(
        region=region,
        title=_text(title, _("Please give the need a title.")),
        description=description,
        source=source,
        topic_ref=topic_ref.strip()[:64],
        created_by=by,
    )


def add_resource(
    *,
    region: Region,
    kind: str,
    name: str,
    by,
    organization: Organization | None = None,
    amount=None,
    description="",
) -> Resource:
    _require(by, region.pk)
    if kind not in Resource.Kind.values:
        raise ProjectError(_("Unknown kind of resource."))
    if organization is not None and not can_manage(by, organization.region_id):
        raise ProjectError(_("That organisation is outside your area."))
    money = None
    if amount not in (None, ""):
        money = parse_amount(amount, label=_("Amount"))
    return Resource.objects.create(
        region=region,
        kind=kind,
        name=_text(name or (organization.name if organization else ""), _("Please name the resource.")),
        organization=organization,
        amount=money,
        description=description,
    )


# --- projects --------------------------------------------------------------------------------


def create_project(
    *, region: Region, title: str, by, description: str = "", demands=(), topics=(), needs=(), resources=()
):
    """A project in a compound or community, answering needs (a demand's need is made for it)."""
    _require(by, region.pk)
    if region.level < Region.Level.COMMUNITY:
        raise ProjectError(_("A project belongs to a community or a compound."))
    title = _text(title, _("Please give the project a title."))
    with transaction.atomic():
        project = Project.objects.create(region=region, title=title, description=description, created_by=by)
        _event(project, "create", by, to_status=project.status)
        all_needs = list(needs) + [need_from_demand(d, by=by) for d in demands]
        all_needs += [need_from_topic(t, by=by) for t in topics]
        if all_needs or resources:
            _link(project, all_needs, list(resources), by)
    return project


def link(project: Project, *, by, needs=(), resources=()) -> Project:
    with transaction.atomic():
        locked = _locked(project, by)
        _open(locked)
        _link(locked, list(needs), list(resources), by)
    return locked


def _link(project: Project, needs: list[Need], resources: list[Resource], by) -> None:
    region = project.region
    community = region.parent_id if region.level == Region.Level.COMPOUND else region.pk
    inside = subtree_ids(community)
    for item in [*needs, *resources]:
        if not can_manage(by, item.region_id) or item.region_id not in inside:
            raise ProjectError(_("“%(item)s” is outside this project's community.") % {"item": item})
    if needs:
        project.needs.add(*needs)
        Need.objects.filter(pk__in=[n.pk for n in needs], status=Need.Status.OPEN).update(
            status=Need.Status.MATCHED
        )
    if resources:
        project.resources.add(*resources)
    _event(
        project,
        "needs",
        by,
        note="；".join([str(n) for n in needs] + [str(r) for r in resources]),
    )


def transition(project: Project, action: str, *, by, note: str = "") -> Project:
    rule = TABLE.get(action)
    if rule is None:
        raise ProjectError(_("Unknown action."), code="unknown")
    note = (note or "").strip()
    with transaction.atomic():
        locked = _locked(project, by)
        if locked.status not in rule.sources:
            raise ProjectError(
                _("The project is %(status)s; it cannot be “%(action)s” now.")
                % {"status": locked.get_status_display(), "action": rule.label},
                code="conflict",
            )
        if rule.needs_note and not note:
            raise ProjectError(
                _("Please write the report back to the residents.")
                if action == "report"
                else _("Please give the reason.")
            )
        source = locked.status
        locked.status = rule.target
        if action == "deliver":
            locked.delivered_at = timezone.now()
        if action == "report":
            locked.report = note
        locked.save()
        _event(locked, action, by, from_status=source, to_status=locked.status, note=note)
        if action == "deliver":
            locked.needs.update(status=Need.Status.MET)
            tell_reporters(locked, by=by)
    return locked


def public_url(project: Project) -> str:
    return reverse("projects:public", args=[project.pk])


def reporters(project: Project) -> tuple[list, list[str]]:
    """Who asked for it: logins of the reporters and followers of the project's demands, and the
    phones of reporters known only by a phone (callers, visits)."""
    User = get_user_model()
    demands = [n.demand for n in project.needs.select_related("demand", "demand__reporter") if n.demand_id]
    if not demands:
        return [], []
    q = Q(follows__demand__in=demands)
    q |= Q(pk__in=[d.reporter_user_id for d in demands if d.reporter_user_id])
    q |= Q(person__in=[d.reporter_id for d in demands if d.reporter_id])
    users = list(User.objects.filter(q, is_active=True).distinct().order_by("pk"))
    phones = []
    for d in demands:
        if d.reporter_user_id or (d.reporter_id and d.reporter.user_id):
            continue
        phone = d.contact_phone or (d.reporter.phone if d.reporter_id and not d.anonymous else "")
        if phone and phone not in phones:
            phones.append(phone)
    return users, phones


def tell_reporters(project: Project, *, by=None) -> int:
    """Tell the residents whose demands the project answers that it is done; returns how many."""
    users, phones = reporters(project)
    text = _("Done: “%(title)s” in %(place)s, which answers what you asked for, has been delivered.") % {
        "title": project.title,
        "place": project.region.name,
    }
    notes = notify_many(users, text, exclude=by, kind="project_delivered", url=public_url(project), sms=True)
    for phone in phones:
        message_phone(phone, text, kind="project_delivered")
    return len(notes) + len(phones)


# --- the ledger, milestones, consultations, beneficiaries ------------------------------------


def add_line(project: Project, *, kind: AccountKind, item: str, budget, by, spent="0", note="") -> LedgerLine:
    if not kind.active:
        raise ProjectError(_("That account kind is no longer in use."))
    item = _text(item, _("Please say what the line is for."))
    budget, spent = parse_amount(budget, label=_("Budget")), parse_amount(spent or "0", label=_("Spent"))
    with transaction.atomic():
        locked = _locked(project, by)
        _open(locked)
        line = LedgerLine.objects.create(
            project=locked, kind=kind, item=item, budget=budget, spent=spent, note=note.strip()[:200]
        )
        _event(locked, "line", by, note=f"{kind.name} · {item} · {budget} / {spent}")
    return line


def change_line(line: LedgerLine, *, by, budget=None, spent=None) -> LedgerLine:
    """New budget and/or spending for a line (the amounts as they now stand)."""
    new_budget = None if budget in (None, "") else parse_amount(budget, label=_("Budget"))
    new_spent = None if spent in (None, "") else parse_amount(spent, label=_("Spent"))
    with transaction.atomic():
        locked = _locked(line.project, by)
        _open(locked)
        line = LedgerLine.objects.select_for_update().select_related("kind").get(pk=line.pk, project=locked)
        before = f"{line.budget} / {line.spent}"
        if new_budget is not None:
            line.budget = new_budget
        if new_spent is not None:
            line.spent = new_spent
        line.save(update_fields=["budget", "spent"])
        _event(
            locked,
            "line_changed",
            by,
            note=f"{line.kind.name} · {line.item} · {before} → {line.budget} / {line.spent}",
        )
    return line


def _date(value, label) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ProjectError(
            _("%(name)s: “%(value)s” is not a date (YYYY-MM-DD).") % {"name": label, "value": value}
        ) from None


def _progress(value) -> int:
    try:
        progress = int(str(value).strip().rstrip("%"))
    except (TypeError, ValueError):
        raise ProjectError(_("Progress is a whole number from 0 to 100.")) from None
    if not 0 <= progress <= 100:
        raise ProjectError(_("Progress is a whole number from 0 to 100."))
    return progress


def add_milestone(
    project: Project, *, title: str, planned_date, by, progress=0, actual_date=None
) -> Milestone:
    title = _text(title, _("Please name the milestone."))
    planned = _date(planned_date, _("Planned date"))
    if planned is None:
        raise ProjectError(_("Please give the planned date."))
    actual, progress = _date(actual_date, _("Actual date")), _progress(progress)
    with transaction.atomic():
        locked = _locked(project, by)
        _open(locked)
        m = Milestone.objects.create(
            project=locked, title=title, planned_date=planned, actual_date=actual, progress=progress
        )
        _event(locked, "milestone", by, note=f"{title} · {planned}")
    return m


def change_milestone(milestone: Milestone, *, by, progress=None, actual_date=None) -> Milestone:
    new_progress = None if progress in (None, "") else _progress(progress)
    actual = _date(actual_date, _("Actual date"))
    with transaction.atomic():
        locked = _locked(milestone.project, by)
        _open(locked)
        m = Milestone.objects.select_for_update().get(pk=milestone.pk, project=locked)
        if new_progress is not None:
            m.progress = new_progress
        if actual is not None:
            m.actual_date = actual
            if new_progress is None:
                m.progress = 100
        m.save(update_fields=["progress", "actual_date"])
        _event(locked, "milestone_changed", by, note=f"{m.title} · {m.progress}%")
    return m


def add_consultation(
    project: Project, *, profession: str, expert: str, held_on, advice: str, by, affiliation=""
):
    if profession not in Consultation.Profession.values:
        raise ProjectError(_("Choose planner, architect or engineer."))
    expert = _text(expert, _("Please name the expert."))
    advice = _text(advice, _("Please record the advice."))
    held = _date(held_on, _("Date"))
    if held is None:
        raise ProjectError(_("Please give the date of the consultation."))
    with transaction.atomic():
        locked = _locked(project, by)
        _open(locked)
        c = Consultation.objects.create(
            project=locked,
            profession=profession,
            expert=expert,
            affiliation=affiliation.strip()[:128],
            held_on=held,
            advice=advice,
            recorded_by=by,
        )
        _event(locked, "consultation", by, note=f"{c.get_profession_display()} {expert}")
    return c


def set_beneficiaries(project: Project, *, count, by, compounds=(), dwellings=()) -> Project:
    try:
        count = int(count)
    except (TypeError, ValueError):
        raise ProjectError(_("The number of residents who benefit is a whole number.")) from None
    if count < 0:
        raise ProjectError(_("The number of residents who benefit is a whole number."))
    compounds, dwellings = list(compounds), list(dwellings)
    with transaction.atomic():
        locked = _locked(project, by)
        _open(locked)
        for c in compounds:
            if c.level != Region.Level.COMPOUND or not can_manage(by, c.pk):
                raise ProjectError(_("“%(item)s” is not a compound in your area.") % {"item": c})
        outside = [
            d
            for d in Dwelling.objects.filter(pk__in=[d.pk for d in dwellings]).select_related("building")
            if not can_manage(by, d.building.compound_id)
        ]
        if outside:
            raise ProjectError(
                _("Dwellings outside your area: %(items)s.") % {"items": "、".join(map(str, outside))}
            )
        locked.beneficiary_count = count
        locked.save(update_fields=["beneficiary_count", "updated_at"])
        locked.beneficiary_compounds.set(compounds)
        locked.beneficiary_dwellings.set(dwellings)
        _event(locked, "beneficiaries", by, note=str(count))
    return locked


# --- the compound plan (一区一策) -------------------------------------------------------------


def add_measure(*, compound: Region, title: str, by, description="", demands=(), projects=()) -> PlanMeasure:
    _require(by, compound.pk)
    if compound.level != Region.Level.COMPOUND:
        raise ProjectError(_("A compound plan belongs to a compound."))
    title = _text(title, _("Please name the measure."))
    demands, projects = list(demands), list(projects)
    for d in demands:
        if not can_manage(by, d.region_id):
            raise ProjectError(_("Demand %(number)s is outside your area.") % {"number": d.number})
    for p in projects:
        if not can_manage(by, p.region_id):
            raise ProjectError(_("“%(item)s” is outside your area.") % {"item": p})
    with transaction.atomic():
        measure = PlanMeasure.objects.create(compound=compound, title=title, description=description)
        measure.demands.set(demands)
        measure.projects.set(projects)
    return measure


def set_measure_status(measure: PlanMeasure, *, status: str, by) -> PlanMeasure:
    _require(by, measure.compound_id)
    if status not in PlanMeasure.Status.values:
        raise ProjectError(_("Unknown status."))
    PlanMeasure.objects.filter(pk=measure.pk).update(status=status, updated_at=timezone.now())
    measure.status = status
    return measure
