"""Staff pages of the case loop (mounted at /demands/cases/).

- the worklists (to accept, to dispatch, mine, due soon, overdue, whistled, returned, all) with
  filters, counts per tab, pagination and bulk actions on selected rows;
- the case page: map, photos, the demand and its (masked) reporter, category, deadlines,
  timeline, whistle parts, postponements, ratings, and the allowed actions as buttons, each
  opening a small form that calls the case-loop service with the version the user saw;
- the department liaison's desk: their department's whistle parts and cases.

Views parse input and call one service; reads go through `demands.selectors` (scoped by the
user: a case outside the user's scope is a 404). Everything works without JavaScript; with
htmx, forms and filters swap the part of the page that changed.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from doorstep.core.workcalendar import get_calendar
from doorstep.territory.people import selectors as people_selectors
from doorstep.territory.people import services as people_services

from .. import contact, selectors, services
from .. import photos as photo_files
from ..actors import actor_kinds, approver_kinds
from ..deadlines import due_label
from ..models import Case, Category, Demand, WhistlePart
from ..routing import level_label
from ..suggest import record_correction
from ..workflow import TABLE, ConflictError, WorkflowError, action_label, allowed
from .staff_forms import SHORTCUTS, SPECS, ActionForm, acting_parts, pending_postponement

PER_PAGE = 50
BULK_ACTIONS = ("accept", "dispatch", "merge")


class Labels:
    """Deadline labels for one page ("还剩 2 个工作日" / "已超期 3 小时", the case loop's wording),
    read against one clock and one work-calendar snapshot (a snapshot costs a query)."""

    def __init__(self, now=None):
        self.now = now or timezone.now()
        self._cal = None

    def __call__(self, due, unit=None, schedule=None) -> str:
        if due is None:
            return ""
        if self._cal is None:
            self._cal = get_calendar()
        return due_label(due, self.now, unit=unit, schedule=schedule, cal=self._cal)

    def current(self, case: Case) -> str:
        """The deadline the case works towards now (`due_at`), in its category's unit."""
        cat = case.category
        unit = cat.accept_unit if case.status == Case.Status.SUBMITTED else cat.handle_unit
        return self(case.due_at, unit, case.unit)

    def late(self, due) -> bool:
        return due is not None and due < self.now


def _htmx(request) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def _message(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You may not do this to the case.")


def _require_desk(user) -> None:
    if not selectors.has_case_desk(user):
        raise PermissionDenied(_("Your roles do not include work on cases."))


# --- Worklists ------------------------------------------------------------------------------


@dataclass
class BulkResult:
    label: str
    ok: bool
    message: str
    url: str = ""


def _row(case: Case, labels: Labels) -> Case:
    case.due_text = labels.current(case)
    case.late = labels.late(case.due_at) and case.status in selectors.RUNNING
    case.parts = list(case.whistle_parts.all())
    return case


def _worklist_context(request, tab: str, query: QueryDict, results=None, bulk_action="") -> dict:
    user = request.user
    labels = Labels()
    now = labels.now
    filters = selectors.Filters.parse(query)
    counts = selectors.tab_counts(user, filters, now=now)
    paginator = Paginator(selectors.worklist(user, tab, filters, now=now), PER_PAGE)
    paginator.count = counts[tab]  # counted with the tabs already
    page = paginator.get_page(query.get("page"))
    rows = [_row(c, labels) for c in selectors.worklist_rows(page.object_list)]
    keep = filters.as_query()
    window = f"{selectors.due_soon_window().total_seconds() / 3600:g}"
    tabs = [
        {
            "key": t.key,
            "label": t.label,
            "count": counts[t.key],
            "url": _tab_url(t.key, keep),
            "current": t.key == tab,
            "hint": t.hint % {"hours": window} if t.key == "due_soon" else t.hint,
        }
        for t in selectors.TABS
    ]
    bulk = selectors.offers_bulk(user)
    return {
        "tab": tab,
        "tabs": tabs,
        "current_tab": next(t for t in tabs if t["current"]),
        "filters": filters,
        "filter_query": urlencode(keep),
        "choices": selectors.filter_choices(user),
        "channels": Demand.Channel.choices,
        "statuses": Case.Status.choices,
        "page": page,
        "rows": rows,
        "bulk": bulk,
        "units": selectors.unit_choices(user) if bulk else [],
        "assignees": selectors.assignee_choices(user) if bulk else [],
        "bulk_actions": [(a, TABLE[a].label) for a in BULK_ACTIONS] if bulk else [],
        "bulk_action": bulk_action,
        "results": results,
        "results_failed": sum(1 for r in results or () if not r.ok),
        "user_is_liaison": bool(selectors.liaison_department_ids(user)),
    }


def _tab_url(key: str, keep: dict) -> str:
    url = reverse("demands:staff_worklist_tab", args=[key])
    return f"{url}?{urlencode(keep)}" if keep else url


@login_required
@vary_on_headers("HX-Request")
def worklist(request, tab: str = "accept"):
    """One worklist of cases in the user's scope, earliest deadline first, with filters."""
    _require_desk(request.user)
    if tab not in selectors.TAB_KEYS:
        raise Http404
    ctx = _worklist_context(request, tab, request.GET)
    template = "demands/staff/_worklist.html" if _htmx(request) else "demands/staff/worklist.html"
    return render(request, template, ctx)


@login_required
@require_POST
def bulk(request):
    """Accept, dispatch or merge the selected rows; each row's outcome is reported.

    Rows are handled one by one, each by its own service call: a row someone else changed
    meanwhile, or that the table does not allow, fails with its reason and the others go on.
    """
    _require_desk(request.user)
    tab = request.POST.get("tab") or "accept"
    if tab not in selectors.TAB_KEYS:
        tab = "accept"
    query = QueryDict(request.POST.get("filters") or "")
    action = request.POST.get("action") or ""
    ids = list(dict.fromkeys(p for p in request.POST.getlist("case") if p.isdigit()))
    if action not in BULK_ACTIONS:
        results = [BulkResult("", False, _("Choose what to do with the selected cases."))]
    elif not ids:
        results = [BulkResult("", False, _("Select at least one case."))]
    else:
        results = _run_bulk(request, action, ids)
    ctx = _worklist_context(request, tab, query, results=results, bulk_action=action)
    template = "demands/staff/_worklist.html" if _htmx(request) else "demands/staff/worklist.html"
    return render(request, template, ctx)


def _run_bulk(request, action: str, ids: list[str]) -> list[BulkResult]:
    user, post = request.user, request.POST
    found = selectors.cases_by_pk(user, ids)
    results: list[BulkResult] = []
    unit = assignee = into = None
    if action == "dispatch":
        units = {str(o.pk): o for o in selectors.unit_choices(user)}
        people = {str(a.user_id): a.user for a in selectors.assignee_choices(user)}
        unit, assignee = units.get(post.get("unit") or ""), people.get(post.get("assignee") or "")
        if unit is None and assignee is None:
            return [BulkResult("", False, _("Choose a handling unit or a person in charge."))]
    if action == "merge":
        cases = [found[int(i)] for i in ids if int(i) in found]
        number = (post.get("into") or "").strip()
        if number:
            into = selectors.case_by_number(user, number)
            if into is None:
                return [BulkResult(number, False, _("No case with this number in your area."))]
        elif cases:
            into = min(cases, key=lambda c: (c.received_at, c.pk))
        if into is not None and len([c for c in cases if c.pk != into.pk]) == 0:
            return [BulkResult(into.number, False, _("Select the duplicates to merge into the case kept."))]
    for pk in ids:
        case = found.get(int(pk))
        if case is None:
            results.append(BulkResult(f"#{pk}", False, _("Not found in your area.")))
            continue
        url = reverse("demands:staff_case", args=[case.pk])
        seen = post.get(f"v{case.pk}") or ""
        if seen.isdigit():
            case.version = int(seen)  # the version on the user's screen: a later change conflicts
        if action == "merge" and case.pk == into.pk:
            results.append(BulkResult(case.number, True, _("Kept: the others are merged into it."), url))
            continue
        try:
            if action == "accept":
                services.accept(case, user, version=case.version)
                done = _("Accepted.")
            elif action == "dispatch":
                services.dispatch(case, user, unit=unit, assignee=assignee, version=case.version)
                done = _("Dispatched to %(to)s.") % {"to": unit.name if unit else str(assignee)}
            else:
                services.merge(case, into, user, version=case.version)
                done = _("Merged into %(number)s.") % {"number": into.number}
        except ConflictError as exc:
            results.append(BulkResult(case.number, False, _("Conflict: %(why)s") % {"why": exc}, url))
        except (WorkflowError, PermissionDenied, ValidationError) as exc:
            results.append(
                BulkResult(case.number, False, _("Not done: %(why)s") % {"why": _message(exc)}, url)
            )
        else:
            results.append(BulkResult(case.number, True, done, url))
    return results


# --- The case page ----------------------------------------------------------------------------


@dataclass
class Button:
    action: str
    label: object
    key: str
    url: str
    primary: bool = False


PRIMARY = {"accept", "dispatch", "sign", "feedback", "verify", "report_in", "part_done"}


def _case_context(
    request,
    page: selectors.CasePage,
    *,
    form=None,
    open_action="",
    notice="",
    error="",
    conflict="",
    lost=None,
) -> dict:
    user = request.user
    case = page.case
    labels = Labels()
    kinds = actor_kinds(user, case)
    departments = selectors.liaison_department_ids(user)
    pending = pending_postponement(page.postponements)
    buttons = []
    for t in allowed(case, kinds):
        if t.action in {"approve_postpone", "deny_postpone"} and (
            pending is None or pending.requested_by_id == user.pk or not kinds & approver_kinds(case)
        ):
            continue
        if t.action in {"report_in", "part_done"} and not acting_parts(
            page.parts, departments, t.action, superuser=user.is_superuser or "admin" in kinds
        ):
            continue
        if t.action == "request_postpone" and pending is not None:
            continue
        if t.action == "rate" and page.ratings:
            continue
        buttons.append(
            Button(
                t.action,
                t.label,
                SHORTCUTS.get(t.action, ""),
                reverse("demands:staff_case_action", args=[case.pk, t.action]),
                t.action in PRIMARY,
            )
        )
    open_ = case.status in Case.OPEN
    can_correct = bool(kinds & selectors.DESK_KINDS) and open_
    statuses = dict(Case.Status.choices)
    for e in page.events:
        e.label = action_label(e.action)
        e.to_label = statuses.get(e.to_status, e.to_status)
    for ph in page.photos + page.evidence:
        ph.thumb_url = photo_files.photo_url(ph, "thumb")
        ph.original_url = photo_files.photo_url(ph, "original")
    for p in page.parts:
        p.report_in_text = labels(p.report_in_due) if p.status == WhistlePart.Status.SUMMONED else ""
        p.done_text = labels(p.done_due) if p.status == WhistlePart.Status.REPORTED else ""
    cat = case.category
    current = {Case.Status.SUBMITTED: "accept", **dict.fromkeys(selectors.HANDLING, "handle")}.get(
        case.status
    )
    deadlines = [
        ("accept", _("Accept by"), case.accept_due, case.accepted_at, cat.accept_unit),
        ("respond", _("Respond by"), case.respond_due, case.responded_at, cat.respond_unit),
        ("handle", _("Handle by"), case.handle_due, case.feedback_at or case.closed_at, cat.handle_unit),
    ]
    make_project = None
    if page.demand.triage == Demand.Triage.BIG:
        from doorstep.projects.selectors import make_project_link

        make_project = make_project_link(user, demand=page.demand)
    return {
        "make_project": make_project,
        "p": page,
        "case": case,
        "demand": page.demand,
        "buttons": buttons,
        "form": form,
        "open_action": open_action,
        "open_label": TABLE[open_action].label if open_action in TABLE else "",
        "notice": notice,
        "error": error,
        "conflict": conflict,
        "lost": lost or [],
        "deadlines": [
            {
                "label": label,
                "due": due,
                "done": done,
                "text": labels(due, unit, case.unit) if key == current else "",
                "late": key == current and labels.late(due),
            }
            for key, label, due, done, unit in deadlines
            if due is not None
        ],
        "categories": list(Category.objects.filter(active=True).select_related("parent").order_by("code"))
        if can_correct
        else [],
        "can_reveal": _revealable(user, page),
        "open": open_,
        "last_event": page.events[-1] if page.events else None,
        "level": level_label(case.level),
    }


def _revealable(user, page: selectors.CasePage) -> set[str]:
    demand = page.demand
    if demand.anonymous:
        return set()
    if demand.reporter is not None:
        return {f for f in ("name", "phone") if people_selectors.can_reveal(user, demand.reporter, f)}
    out = set()
    if demand.contact_phone and contact.can_reveal_contact(user, demand, "phone"):
        out.add("phone")
    if demand.contact_name and contact.can_reveal_contact(user, demand, "name"):
        out.add("name")
    return out


@login_required
def case_detail(request, pk: int):
    page = selectors.case_page(request.user, pk)
    return render(request, "demands/staff/case.html", _case_context(request, page))


def _form_choices(user, case: Case, action: str, page: selectors.CasePage | None = None) -> dict:
    spec = SPECS[action]
    choices: dict = {}
    if "unit" in spec.fields:
        choices["units"] = selectors.unit_choices(user, case)
        choices["assignees"] = selectors.assignee_choices(user, case)
    if "departments" in spec.fields:
        choices["departments"] = selectors.department_choices(case)
    if "part" in spec.fields:
        parts = (
            page.parts
            if page is not None
            else list(WhistlePart.objects.filter(case=case).select_related("department"))
        )
        kinds_admin = user.is_superuser or "admin" in actor_kinds(user, case)
        choices["parts"] = acting_parts(parts, selectors.liaison_department_ids(user), action, kinds_admin)
    if action in {"approve_postpone", "deny_postpone"}:
        postponements = page.postponements if page is not None else list(case.postponements.all())
        choices["postponement"] = pending_postponement(postponements)
    return choices


@login_required
@require_http_methods(["GET", "POST"])
def case_action(request, pk: int, action: str):
    """GET: the action's form (htmx: just the form). POST: call the service with the version the
    user saw. A conflict shows the fresh case and keeps what was typed."""
    user = request.user
    spec = SPECS.get(action)
    if spec is None:
        raise Http404
    if request.method == "GET":
        page = selectors.case_page(user, pk)
        if action not in {t.action for t in allowed(page.case, actor_kinds(user, page.case))}:
            raise PermissionDenied(_("You may not do this to the case."))
        form = ActionForm(
            initial={"version": page.case.version},
            spec=spec,
            case=page.case,
            user=user,
            choices=_form_choices(user, page.case, action, page),
        )
        ctx = _case_context(request, page, form=form, open_action=action)
        if _htmx(request):
            return render(request, "demands/staff/_action_form.html", ctx)
        return render(request, "demands/staff/case.html", ctx)

    case = selectors.case_in_scope(user, pk)
    form = ActionForm(
        request.POST,
        request.FILES,
        spec=spec,
        case=case,
        user=user,
        choices=_form_choices(user, case, action),
    )
    error = conflict = ""
    if form.is_valid():
        data = form.cleaned_data
        case.version = data["version"]  # act on the case as the user saw it
        try:
            spec.run(services, case, user, data)
        except ConflictError as exc:
            conflict = str(exc)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errs in exc.error_dict.items():
                    target = field if field in form.fields else None
                    for e in errs:
                        form.add_error(target, e)
            else:
                error = _message(exc)
        except (WorkflowError, PermissionDenied) as exc:
            error = _message(exc)
        else:
            label = TABLE[action].label
            notice = _("Done: %(action)s.") % {"action": label}
            if not _htmx(request):
                messages.success(request, notice)
                return redirect("demands:staff_case", pk=case.pk)
            page = selectors.case_page(user, pk)
            return render(request, "demands/staff/case.html", _case_context(request, page, notice=notice))
    page = selectors.case_page(user, pk)
    if conflict:
        # Show the fresh case; keep the typed text in the form, now against the fresh version.
        data = request.POST.copy()
        data["version"] = str(page.case.version)
        form = ActionForm(
            data,
            spec=spec,
            case=page.case,
            user=user,
            choices=_form_choices(user, page.case, action, page),
        )
        form.is_valid()
    still = action in {t.action for t in allowed(page.case, actor_kinds(user, page.case))}
    lost = [] if still else _typed(request.POST, spec)
    ctx = _case_context(
        request,
        page,
        form=form if still or not conflict else None,
        open_action=action if still or not conflict else "",
        error=error,
        conflict=conflict,
        lost=lost,
    )
    return render(request, "demands/staff/case.html", ctx, status=409 if conflict else 400)


def _typed(post, spec) -> list[tuple[str, str]]:
    """What the user typed into a form that can no longer be sent (shown so nothing is lost)."""
    labels = {
        "reason": _("Reason"),
        "note": _("Note"),
        "text": _("What was done"),
        "result": _("Result"),
        "comment": _("Comment"),
        "task": _("Task"),
    }
    return [(labels[n], post.get(n)) for n in spec.fields if n in labels and (post.get(n) or "").strip()]


@login_required
@require_POST
def case_category(request, pk: int):
    """Correct the category; the correction also teaches the category suggester."""
    user = request.user
    case = selectors.case_in_scope(user, pk)
    if not (actor_kinds(user, case) & selectors.DESK_KINDS) or case.status not in Case.OPEN:
        raise PermissionDenied(_("You may not change the category of this case."))
    value = request.POST.get("category") or ""
    category = Category.objects.filter(pk=value, active=True).first() if value.isdigit() else None
    error = notice = ""
    if category is None:
        error = _("Choose a category.")
    elif category.pk != (case.demand.category_id or case.category_id):
        try:
            record_correction(case.demand, category, user)
        except (ValidationError, PermissionDenied, WorkflowError) as exc:
            error = _message(exc)
        else:
            notice = _("Category changed to %(category)s.") % {"category": category}
    if not _htmx(request) and not error:
        if notice:
            messages.success(request, notice)
        return redirect("demands:staff_case", pk=case.pk)
    page = selectors.case_page(user, pk)
    return render(
        request,
        "demands/staff/case.html",
        _case_context(request, page, notice=notice, error=error),
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def reveal(request, pk: int, field: str):
    """Show the reporter's full name or phone once, for a reason, and log it."""
    user = request.user
    case = selectors.case_in_scope(user, pk)
    if field not in {"name", "phone"}:
        raise Http404
    demand = Demand.objects.select_related("reporter").get(pk=case.demand_id)
    person = demand.reporter
    if demand.anonymous or (person is None and not getattr(demand, contact.FIELDS[field])):
        raise Http404
    ctx = {
        "case": case,
        "field": field,
        "value": None,
        "error": "",
        "label": _("full name") if field == "name" else _("mobile phone"),
    }
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            if person is not None:
                ctx["value"] = people_services.reveal(user, person, field, reason)
            else:
                ctx["value"] = contact.reveal_contact(user, demand, field, reason)
        except ValidationError as exc:
            ctx["error"] = _message(exc)
        except PermissionDenied as exc:
            if not _htmx(request):
                raise
            ctx["error"] = _message(exc)
    elif person is not None:
        if not people_selectors.can_reveal(user, person, field):
            raise PermissionDenied(
                _("Your role may not see this person's %(field)s.") % {"field": ctx["label"]}
            )
    elif not contact.can_reveal_contact(user, demand, field):
        raise PermissionDenied(_("Your role may not see this person's %(field)s.") % {"field": ctx["label"]})
    template = "demands/staff/_reveal.html" if _htmx(request) else "demands/staff/reveal.html"
    return render(request, template, ctx, status=400 if ctx["error"] else 200)


# --- Whistle parts (the liaison's buttons) ---------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def part_action(request, pk: int, action: str):
    """Report in, or finish our part, for one whistle part of the user's department."""
    if action not in {"report_in", "part_done"}:
        raise Http404
    user = request.user
    part = selectors.part_in_scope(user, pk)
    back = request.POST.get("next") or request.GET.get("next") or ""
    if back != reverse("demands:staff_department"):
        back = reverse("demands:staff_case", args=[part.case_id])
    error = ""
    result = ""
    if request.method == "POST":
        result = (request.POST.get("result") or "").strip()
        try:
            if action == "report_in":
                services.report_in(part, user)
            else:
                services.finish_part(part, user, result=result)
        except (WorkflowError, PermissionDenied, ValidationError) as exc:
            error = _message(exc)
        else:
            notice = _("Done: %(action)s.") % {"action": TABLE[action].label}
            messages.success(request, notice)
            return redirect(back)
    ctx = {
        "part": part,
        "action": action,
        "label": TABLE[action].label,
        "error": error,
        "result": result,
        "next": back,
        "due_text": Labels()(part.report_in_due if action == "report_in" else part.done_due),
    }
    return render(request, "demands/staff/part_action.html", ctx, status=400 if error else 200)


@login_required
def department(request):
    """The department liaison's desk: whistle parts and cases of their department."""
    user = request.user
    if not selectors.liaison_department_ids(user):
        raise PermissionDenied(_("This page is for department liaisons."))
    desk = selectors.department_desk(user)
    labels = Labels()
    for p in desk.parts:
        due = p.report_in_due if p.status == WhistlePart.Status.SUMMONED else p.done_due
        p.due_text = "" if p.status == WhistlePart.Status.DONE else labels(due)
        p.late = p.status != WhistlePart.Status.DONE and labels.late(due)
    for c in desk.cases:
        c.due_text = labels.current(c)
        c.late = labels.late(c.due_at) and c.status in selectors.RUNNING
    return render(request, "demands/staff/department.html", {"desk": desk})
