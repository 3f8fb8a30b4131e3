"""Volunteer team pages: a member's teams on the phone (join, leave, report to the community)
and the staff list of teams of their area (found a team, see members and conveners)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from doorstep.territory.models import PartyMembership, Person, Region
from doorstep.territory.people.selectors import scope_for_kinds
from doorstep.territory.selectors import regions_visible

from . import points, teams
from .team_models import TeamMember, VolunteerTeam
from .views_riders import _errors


def _person(user) -> Person | None:
    return Person.objects.filter(user=user, anonymised_at__isnull=True).select_related("home_region").first()


@login_required
def my_teams(request):
    person = _person(request.user)
    if person is None:
        return render(request, "resources/my_teams.html", {"person": None})
    mine = list(
        TeamMember.objects.filter(person=person, left_on__isnull=True).select_related("team", "team__region")
    )
    joined = {m.team_id for m in mine}
    membership = PartyMembership.objects.filter(person=person).select_related("reports_to").first()
    home = person.home_region
    community = home.parent if home is not None and home.level == Region.Level.COMPOUND else home
    context = {
        "person": person,
        "mine": mine,
        "open": [t for t in teams.teams_to_join(person) if t.pk not in joined],
        "membership": membership,
        "community": community,
    }
    return render(request, "resources/my_teams.html", context)


@login_required
@require_POST
def my_teams_action(request, action: str):
    try:
        if action == "join":
            team = get_object_or_404(VolunteerTeam, pk=request.POST.get("team"))
            person = _person(request.user)
            if person is None or not teams.teams_to_join(person).filter(pk=team.pk).exists():
                raise PermissionDenied(_("Join a team of your own community."))
            teams.team_join(request.user, team)
            messages.success(request, _("You joined %(team)s.") % {"team": team.name})
        elif action == "leave":
            member = get_object_or_404(TeamMember, pk=request.POST.get("member"), person__user=request.user)
            teams.team_leave(request.user, member)
            messages.success(request, _("You left the team."))
        elif action == "report":
            community = get_object_or_404(
                Region, pk=request.POST.get("community"), level=Region.Level.COMMUNITY
            )
            teams.report_to_community(request.user, community)
            messages.success(request, _("You reported to %(community)s.") % {"community": community.name})
        else:
            raise PermissionDenied
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("Not allowed."))
    return redirect("resources:my_teams")


@login_required
@require_http_methods(["GET", "POST"])
def staff_teams(request):
    if scope_for_kinds(request.user, points.LEDGER_READ_KINDS).is_empty:
        raise PermissionDenied(_("You may not manage volunteer teams outside your area."))
    regions = list(
        regions_visible(request.user)
        .filter(level__in=teams.TEAM_LEVELS)
        .only("name", "level")
        .order_by("level", "name")[:300]
    )
    errors, form = {}, {}
    if request.method == "POST":
        form = request.POST
        region = next((r for r in regions if str(r.pk) == request.POST.get("region")), None)
        try:
            if region is None:
                raise ValidationError({"region": [_("Choose the community or compound.")]})
            team = teams.team_create(
                request.user,
                name=request.POST.get("name", ""),
                kind=request.POST.get("kind", ""),
                region=region,
            )
            messages.success(request, _("Team %(team)s was founded.") % {"team": team.name})
            return redirect("resources:staff_teams")
        except ValidationError as exc:
            errors = _errors(exc)
        except PermissionDenied as exc:
            errors = {"form": [str(exc)]}
    context = {
        "teams": teams.teams_visible(request.user)[:300],
        "regions": regions,
        "kinds": VolunteerTeam.Kind.choices,
        "errors": errors,
        "form": form,
    }
    return render(request, "resources/staff_teams.html", context, status=400 if errors else 200)
