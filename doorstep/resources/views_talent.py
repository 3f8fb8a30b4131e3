"""Pages of joint activities (一月一联建), the talent pool, observers and training.

Staff pages show the staff's own area (another area's rows are 404 and change nothing); the
resident's sign-up page, the observer's 我的建议 and the expert's requests are phone pages.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from doorstep.core.phones import normalize_phone
from doorstep.territory.models import Person, Region
from doorstep.territory.people.selectors import scope_for_kinds
from doorstep.territory.selectors import grids_visible, people_visible, regions_visible

from . import activities, observers, talent, training
from .activity_models import ActivitySignup
from .models import Place
from .talent_models import Expert, TrainingSession
from .views_riders import _errors

T = "resources/talent/"


def _guard(user) -> None:
    if scope_for_kinds(user, activities.READ_KINDS).is_empty:
        raise PermissionDenied(_("You may not manage this outside your area."))


def _regions(user, levels) -> list[Region]:
    return list(
        regions_visible(user).filter(level__in=levels).only("name", "level").order_by("level", "name")[:300]
    )


def _pick(items, value):
    return next((x for x in items if str(x.pk) == str(value or "")), None)


def _places(user) -> list[Place]:
    return list(
        scope_for_kinds(user, activities.WRITE_KINDS).filter(Place.objects.only("name", "region_id"))[:300]
    )


def _person(user, name: str, phone: str, region_id: int) -> Person:
    """A person of the user's area by mobile number; someone new with a name is added (only by
    staff who may write in `region_id`, so a refused action leaves no one behind)."""
    activities.check_scope(user, region_id)
    try:
        phone = normalize_phone((phone or "").strip())
    except ValidationError:
        raise ValidationError({"phone": [_("Enter an 11-digit mobile number.")]}) from None
    person = people_visible(user).filter(phone=phone).first()
    if person is None:
        name = (name or "").strip()[:64]
        if not name:
            raise ValidationError({"name": [_("No one of your area has this number: enter the name too.")]})
        person = Person.objects.create(name=name, phone=phone)
    return person


def _done(request, exc) -> dict:
    if isinstance(exc, ValidationError):
        return _errors(exc)
    return {"form": [str(exc) or _("Not allowed.")]}


# --- joint activities ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def staff_activities(request):
    _guard(request.user)
    communities = _regions(request.user, [Region.Level.COMMUNITY])
    units = list(activities.units_for(request.user)[:300])
    places = _places(request.user)
    errors, form = {}, {}
    if request.method == "POST":
        form = request.POST
        try:
            activity = activities.activity_plan(
                request.user,
                unit=_pick(units, form.get("unit")),
                community=_pick(communities, form.get("community")),
                title=form.get("title", ""),
                starts_at=form.get("starts_at", ""),
                capacity=form.get("capacity", ""),
                place=_pick(places, form.get("place")),
                place_text=form.get("place_text", ""),
                description=form.get("description", ""),
                hours=form.get("hours", "") or 0,
                points_each=form.get("points", "") or 0,
            )
            messages.success(request, _("Joint activity %(title)s was planned.") % {"title": activity.title})
            return redirect("resources:staff_activity", pk=activity.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = _done(request, exc)
    month = activities.parse_month(request.GET.get("month"))
    community = _pick(communities, request.GET.get("community")) or (communities[0] if communities else None)
    context = {
        "activities": activities.activities_visible(request.user).order_by("-starts_at")[:200],
        "communities": communities,
        "community": community,
        "month": month,
        "month_rows": activities.month_view(request.user, community, month) if community else [],
        "units": units,
        "places": places,
        "errors": errors,
        "form": form,
    }
    return render(request, T + "staff_activities.html", context, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def staff_activity(request, pk: int):
    activity = activities.activity_for_staff(request.user, pk)
    errors = {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "attendance":
                activities.take_attendance(request.user, activity, request.POST.getlist("present"))
                messages.success(request, _("Attendance was recorded."))
            elif action == "cancel":
                activities.cancel(request.user, activity, request.POST.get("reason", ""))
                messages.success(request, _("The activity was cancelled."))
            elif action == "signup":
                person = _person(
                    request.user,
                    request.POST.get("name", ""),
                    request.POST.get("phone", ""),
                    activity.community_id,
                )
                activities.signup(request.user, activity, person=person)
                messages.success(request, _("%(name)s was signed up.") % {"name": person.masked_name})
            else:
                raise ValidationError(_("Unknown action."))
            return redirect("resources:staff_activity", pk=activity.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = _done(request, exc)
    signups = list(
        ActivitySignup.objects.filter(activity=activity, withdrawn_at__isnull=True).select_related("person")
    )
    context = {
        "activity": activity,
        "signups": signups,
        "can_mark": timezone.localtime(activity.starts_at).date() <= timezone.localdate(),
        "errors": errors,
    }
    return render(request, T + "staff_activity.html", context, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def my_activities(request):
    person = Person.objects.filter(user=request.user, anonymised_at__isnull=True).first()
    errors = {}
    if request.method == "POST" and person is not None:
        try:
            if request.POST.get("action") == "signup":
                activity = (
                    activities.activities_to_join(person).filter(pk=request.POST.get("activity") or 0).first()
                )
                if activity is None:
                    raise Http404
                activities.signup(request.user, activity)
                messages.success(request, _("You signed up for %(title)s.") % {"title": activity.title})
            elif request.POST.get("action") == "withdraw":
                entry = get_object_or_404(ActivitySignup, pk=request.POST.get("signup") or 0, person=person)
                activities.withdraw(request.user, entry)
                messages.success(request, _("Your sign-up was withdrawn."))
            else:
                raise ValidationError(_("Unknown action."))
            return redirect("resources:my_activities")
        except (ValidationError, PermissionDenied) as exc:
            errors = _done(request, exc)
    mine, coming = [], []
    if person is not None:
        mine = list(
            ActivitySignup.objects.filter(person=person, withdrawn_at__isnull=True)
            .select_related("activity__unit", "activity__place")
            .order_by("-activity__starts_at")[:50]
        )
        signed = {m.activity_id for m in mine}
        coming = [a for a in activities.activities_to_join(person)[:50] if a.pk not in signed]
    context = {"person": person, "mine": mine, "coming": coming, "errors": errors}
    return render(request, T + "my_activities.html", context, status=400 if errors else 200)


# --- talent pool ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def staff_experts(request):
    _guard(request.user)
    regions = _regions(request.user, [Region.Level.COUNTY, Region.Level.SUBDISTRICT, Region.Level.COMMUNITY])
    communities = [r for r in regions if r.level == Region.Level.COMMUNITY]
    askable = list(talent.experts_for(request.user)[:300])
    errors, form = {}, {}
    if request.method == "POST":
        form = request.POST
        try:
            if form.get("action") == "add":
                region = _pick(regions, form.get("region"))
                if region is None:
                    raise ValidationError({"region": [_("Choose the area the expert serves.")]})
                talent.check_scope(request.user, region.pk)
                with_person = _person(request.user, form.get("name", ""), form.get("phone", ""), region.pk)
                expert = talent.expert_add(
                    request.user,
                    person=with_person,
                    kind=form.get("kind", ""),
                    region=region,
                    organization=form.get("organization", ""),
                    specialities=form.get("specialities", ""),
                )
                messages.success(
                    request, _("%(name)s joined the talent pool.") % {"name": expert.person.masked_name}
                )
            elif form.get("action") == "request":
                community = _pick(communities, form.get("community"))
                expert = _pick(askable, form.get("expert"))
                if community is None or expert is None:
                    raise ValidationError({"form": [_("Choose the expert and the community.")]})
                req = talent.consultation_request(
                    request.user,
                    expert=expert,
                    community=community,
                    topic=form.get("topic", ""),
                    detail=form.get("detail", ""),
                )
                messages.success(request, _("The consultation was requested."))
                return redirect("resources:consultation", pk=req.pk)
            else:
                raise ValidationError(_("Unknown action."))
            return redirect("resources:staff_experts")
        except (ValidationError, PermissionDenied) as exc:
            errors = _done(request, exc)
    context = {
        "experts": talent.experts_visible(request.user).filter(left_on__isnull=True)[:300],
        "requests": talent.requests_visible(request.user).order_by("-created_at")[:200],
        "askable": askable,
        "regions": regions,
        "communities": communities,
        "kinds": Expert.Kind.choices,
        "errors": errors,
        "form": form,
    }
    return render(request, T + "staff_experts.html", context, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def consultation(request, pk: int):
    req = talent.request_for(request.user, pk)
    errors = {}
    if request.method == "POST":
        try:
            talent.transition(
                request.user,
                req,
                request.POST.get("action", ""),
                note=request.POST.get("note", ""),
                visited_on=request.POST.get("visited_on", ""),
                outcome=request.POST.get("outcome", ""),
            )
            messages.success(request, _("The request was updated."))
            return redirect("resources:consultation", pk=req.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = _done(request, exc)
    context = {
        "req": req,
        "actions": talent.allowed(req),
        "visits": list(req.visits.all()),
        "events": list(req.events.select_related("by")),
        "labels": talent.ACTION_LABELS,
        "is_expert": req.expert.person.user_id == request.user.pk,
        "today": timezone.localdate(),
        "errors": errors,
    }
    return render(request, T + "consultation.html", context, status=400 if errors else 200)


@login_required
def expert_me(request):
    rows = list(talent.requests_of_expert(request.user).order_by("-created_at")[:100])
    return render(request, T + "expert_me.html", {"rows": rows})


# --- observers -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def staff_observers(request):
    _guard(request.user)
    from doorstep.projects.selectors import projects_managed

    grids = list(grids_visible(request.user).only("name", "code", "community_id").order_by("code")[:300])
    projects = list(
        projects_managed(request.user).exclude(status="cancelled").only("title", "region_id")[:200]
    )
    errors, form = {}, {}
    if request.method == "POST":
        form = request.POST
        action = form.get("action")
        try:
            if action == "appoint":
                grid = _pick(grids, form.get("grid"))
                if grid is None:
                    raise ValidationError({"grid": [_("Choose the grid.")]})
                talent.check_scope(request.user, grid.community_id)
                person = _person(request.user, form.get("name", ""), form.get("phone", ""), grid.community_id)
                observers.appoint(request.user, person=person, grid=grid)
                messages.success(
                    request, _("%(name)s was appointed observer.") % {"name": person.masked_name}
                )
            elif action == "enter":
                observer = (
                    observers.observers_visible(request.user).filter(pk=form.get("observer") or 0).first()
                )
                if observer is None:
                    raise Http404
                observers.suggest_for(request.user, observer, form.get("text", ""))
                messages.success(request, _("The suggestion was filed as a demand."))
            elif action in observers.TABLE:
                s = observers.suggestion_for_staff(request.user, form.get("suggestion") or 0)
                observers.transition(
                    request.user,
                    s,
                    action,
                    project=_pick(projects, form.get("project")),
                    reason=form.get("reason", ""),
                )
                messages.success(request, _("The suggestion was updated."))
            else:
                raise ValidationError(_("Unknown action."))
            return redirect("resources:staff_observers")
        except (ValidationError, PermissionDenied) as exc:
            errors = _done(request, exc)
    context = {
        "observers": observers.observers_visible(request.user).filter(ended_on__isnull=True)[:300],
        "suggestions": observers.suggestions_visible(request.user)[:200],
        "grids": grids,
        "projects": projects,
        "errors": errors,
        "form": form,
    }
    return render(request, T + "staff_observers.html", context, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def my_suggestions(request):
    posts = list(observers.my_posts(request.user))
    errors, form = {}, {}
    if request.method == "POST":
        form = request.POST
        try:
            post = _pick(posts, form.get("observer")) if form.get("observer") else None
            observers.suggest(request.user, text=form.get("text", ""), observer=post)
            messages.success(request, _("Thank you: your suggestion was sent to the community."))
            return redirect("resources:my_suggestions")
        except (ValidationError, PermissionDenied) as exc:
            errors = _done(request, exc)
    context = {
        "posts": posts,
        "rows": list(observers.my_suggestions(request.user)[:100]),
        "errors": errors,
        "form": form,
    }
    return render(request, T + "my_suggestions.html", context, status=400 if errors else 200)


# --- training ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def staff_training(request):
    _guard(request.user)
    regions = _regions(
        request.user,
        [Region.Level.COUNTY, Region.Level.SUBDISTRICT, Region.Level.COMMUNITY, Region.Level.COMPOUND],
    )
    places = _places(request.user)
    errors, form = {}, {}
    if request.method == "POST":
        form = request.POST
        try:
            region = _pick(regions, form.get("region"))
            if region is None:
                raise ValidationError({"region": [_("Choose the area.")]})
            session = training.session_create(
                request.user,
                topic=form.get("topic", ""),
                role=form.get("role", ""),
                region=region,
                starts_at=form.get("starts_at", ""),
                trainer=form.get("trainer", ""),
                place=_pick(places, form.get("place")),
                place_text=form.get("place_text", ""),
            )
            messages.success(request, _("Training session %(topic)s was planned.") % {"topic": session.topic})
            return redirect("resources:staff_training_session", pk=session.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = _done(request, exc)
    area = _pick(regions, request.GET.get("area"))
    context = {
        "sessions": training.sessions_visible(request.user).order_by("-starts_at")[:200],
        "trained": training.trained_in_area(request.user, area)[:500],
        "area": area,
        "regions": regions,
        "places": places,
        "roles": TrainingSession.Role.choices,
        "errors": errors,
        "form": form,
    }
    return render(request, T + "staff_training.html", context, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def staff_training_session(request, pk: int):
    session = training.session_for_staff(request.user, pk)
    errors = {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "enrol":
                person = _person(
                    request.user,
                    request.POST.get("name", ""),
                    request.POST.get("phone", ""),
                    session.region_id,
                )
                training.enrol(request.user, session, person)
                messages.success(request, _("%(name)s was enrolled.") % {"name": person.masked_name})
            elif request.POST.get("action") == "attendance":
                training.mark_attendance(request.user, session, request.POST.getlist("present"))
                messages.success(request, _("Attendance was recorded."))
            else:
                raise ValidationError(_("Unknown action."))
            return redirect("resources:staff_training_session", pk=session.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = _done(request, exc)
    context = {
        "session": session,
        "enrolments": list(session.enrolments.select_related("person")),
        "errors": errors,
    }
    return render(request, T + "staff_training_session.html", context, status=400 if errors else 200)
