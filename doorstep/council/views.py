"""Pages of owners' votes: the owner votes on the phone, staff run the vote (create, open, enter
paper and proxy ballots, close, announce), anyone reads an announced result.

Views parse input and call one service (council.services); reads come from council.selectors and
are scoped by the user: a vote outside one's scope is a 404, as if it did not exist.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from doorstep.territory.models import Building, Dwelling, Region

from . import selectors, services
from .models import Ballot, Vote, VoteEvent, VoteUnit

# --- the owner's side -------------------------------------------------------------------------


@login_required
def my_votes(request):
    """My votes: the votes I am an owner in, open ones first."""
    votes = list(
        selectors.votes_for_owner(request.user).select_related("compound", "building").order_by("-opened_at")
    )
    votes.sort(key=lambda v: v.status != Vote.Status.OPEN)
    return render(request, "council/my_votes.html", {"votes": votes})


def _owner_vote(request, pk) -> tuple[Vote, list[str]]:
    vote = get_object_or_404(
        selectors.votes_for_owner(request.user).select_related("compound", "building"), pk=pk
    )
    return vote, selectors.owner_keys(vote, request.user)


@login_required
def my_vote(request, pk):
    """One vote on the phone: the matter, my units, agree/disagree/abstain, my ballot after."""
    vote, keys = _owner_vote(request, pk)
    units = list(VoteUnit.objects.filter(vote=vote, owner_key__in=keys).order_by("label"))
    ballots = {b.owner_key: b for b in Ballot.objects.filter(vote=vote, owner_key__in=keys)}
    owners = [
        {
            "key": key,
            "units": [u for u in units if u.owner_key == key],
            "ballot": ballots.get(key),
        }
        for key in keys
    ]
    return render(
        request,
        "council/my_vote.html",
        {
            "vote": vote,
            "owners": owners,
            "choices": Ballot.Choice.choices,
            "can_vote": vote.status == Vote.Status.OPEN,
            "turnout": selectors.live_turnout(vote) if vote.status == Vote.Status.OPEN else None,
            "notices": selectors.notices(vote),
        },
    )


@login_required
@require_POST
def my_vote_cast(request, pk):
    vote, keys = _owner_vote(request, pk)
    key = request.POST.get("owner", "")
    if key not in keys:
        raise Http404
    try:
        services.cast_ballot(vote, owner_key=key, choice=request.POST.get("choice", ""), by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your ballot is recorded."))
    return redirect("council:my_vote", pk=vote.pk)


# --- the public result ------------------------------------------------------------------------


def result(request, pk):
    """An announced result: the matter, scope, counts and shares, passed or not. No names."""
    vote = get_object_or_404(selectors.votes_announced().select_related("compound", "building"), pk=pk)
    return render(
        request, "council/result.html", {"vote": vote, "r": vote.result, "notices": selectors.notices(vote)}
    )


def results(request):
    votes = selectors.votes_announced().select_related("compound", "building").order_by("-announced_at")[:50]
    return render(request, "council/results.html", {"votes": votes})


# --- staff ------------------------------------------------------------------------------------


def _staff_vote(request, pk) -> Vote:
    return get_object_or_404(
        selectors.votes_managed(request.user).select_related("compound", "building"), pk=pk
    )


@login_required
def staff_list(request):
    votes = selectors.votes_managed(request.user).select_related("compound", "building")[:200]
    can_create = selectors.compounds_managed(request.user).exists()
    return render(request, "council/staff_list.html", {"votes": votes, "can_create": can_create})


class VoteForm(forms.Form):
    compound = forms.ModelChoiceField(queryset=Region.objects.none(), label=gettext_lazy("compound"))
    building = forms.ModelChoiceField(
        queryset=Building.objects.none(),
        required=False,
        label=gettext_lazy("building (empty: whole compound)"),
    )
    stairwell_unit = forms.IntegerField(
        min_value=1, required=False, label=gettext_lazy("stairwell unit (empty: whole building)")
    )
    title = forms.CharField(max_length=200, label=gettext_lazy("title"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=gettext_lazy("description")
    )
    matter = forms.ChoiceField(choices=Vote.Matter.choices, label=gettext_lazy("matter"))
    template = forms.ChoiceField(
        choices=Vote.Template.choices, required=False, label=gettext_lazy("template")
    )
    occupied = forms.CharField(
        required=False,
        label=gettext_lazy("units whose owners must agree themselves"),
        help_text=gettext_lazy(
            "Rooms in the stairwell unit, separated by commas, e.g. 101, 102 (elevator retrofit)."
        ),
    )
    changeable_ballots = forms.BooleanField(
        required=False, initial=True, label=gettext_lazy("ballots may be changed until closing")
    )
    follow_majority = forms.BooleanField(
        required=False, label=gettext_lazy("count non-voters with the majority (从众)")
    )
    follow_majority_clause = forms.CharField(required=False, label=gettext_lazy("clause allowing it"))
    closes_at = forms.DateTimeField(
        required=False,
        label=gettext_lazy("planned closing"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        compounds = selectors.compounds_managed(user)
        self.fields["compound"].queryset = compounds
        self.fields["building"].queryset = Building.objects.filter(compound__in=compounds).select_related(
            "compound"
        )
        self.fields["building"].label_from_instance = lambda b: f"{b.compound} {b.number}"

    def clean(self):
        data = super().clean()
        rooms = [r.strip() for r in data.get("occupied", "").replace("，", ",").split(",") if r.strip()]
        data["occupied_dwellings"] = []
        if rooms:
            building, unit = data.get("building"), data.get("stairwell_unit")
            if building is None or unit is None:
                raise ValidationError(
                    _("Units whose owners must agree need the building and the stairwell unit.")
                )
            found = {
                d.room: d
                for d in Dwelling.objects.filter(building=building, stairwell_unit=unit, room__in=rooms)
            }
            missing = [r for r in rooms if r not in found]
            if missing:
                raise ValidationError(
                    _("No such room in this stairwell unit: %(rooms)s.") % {"rooms": ", ".join(missing)}
                )
            data["occupied_dwellings"] = [found[r] for r in rooms]
        return data


@login_required
def staff_create(request):
    if not selectors.compounds_managed(request.user).exists():
        raise Http404
    form = VoteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            vote = services.create_vote(
                compound=d["compound"],
                building=d["building"],
                stairwell_unit=d["stairwell_unit"],
                title=d["title"],
                description=d["description"],
                matter=d["matter"],
                template=d["template"] or "",
                consent_required_of=d["occupied_dwellings"],
                changeable_ballots=d["changeable_ballots"],
                follow_majority=d["follow_majority"],
                follow_majority_clause=d["follow_majority_clause"],
                closes_at=d["closes_at"],
                by=request.user,
            )
        except ValidationError as exc:
            for m in exc.messages:
                form.add_error(None, m)
        else:
            messages.success(request, _("The vote is drafted; open it when the notice has gone out."))
            return redirect("council:staff_vote", pk=vote.pk)
    return render(request, "council/staff_create.html", {"form": form})


@login_required
def staff_vote(request, pk):
    """The vote's desk: live turnout, the electorate with who has voted, paper ballots, actions."""
    vote = _staff_vote(request, pk)
    units = list(VoteUnit.objects.filter(vote=vote).order_by("label"))
    ballots = {b.owner_key: b for b in Ballot.objects.filter(vote=vote).select_related("entered_by")}
    owners: dict[str, dict] = {}
    for u in units:
        row = owners.setdefault(
            u.owner_key,
            {"key": u.owner_key, "label": u.owner_label, "units": [], "ballot": ballots.get(u.owner_key)},
        )
        row["units"].append(u)
    events = list(
        VoteEvent.objects.filter(vote=vote).exclude(action__startswith="ballot").select_related("by")
    )
    for e in events:
        e.label = services.ACTION_LABELS.get(e.action, e.action)
    return render(
        request,
        "council/staff_vote.html",
        {
            "vote": vote,
            "owners": list(owners.values()),
            "turnout": selectors.live_turnout(vote) if vote.status != Vote.Status.DRAFT else None,
            "actions": services.allowed(vote, request.user),
            "origins": [(v, label) for v, label in Ballot.Origin.choices if v != Ballot.Origin.ONLINE],
            "choices": Ballot.Choice.choices,
            "events": events,
            "consent_units": vote.consent_required_of.select_related("building")
            if vote.status == Vote.Status.DRAFT
            else None,
        },
    )


@login_required
def staff_turnout(request, pk):
    vote = _staff_vote(request, pk)
    return render(request, "council/_turnout.html", {"vote": vote, "turnout": selectors.live_turnout(vote)})


@login_required
@require_POST
def staff_ballot(request, pk):
    """Enter a paper ballot (with its signed sheet), an on-site ballot or a proxy ballot."""
    vote = _staff_vote(request, pk)
    try:
        services.cast_ballot(
            vote,
            owner_key=request.POST.get("owner", ""),
            choice=request.POST.get("choice", ""),
            origin=request.POST.get("origin", ""),
            sheet_ref=request.POST.get("sheet_ref", ""),
            proxy_ref=request.POST.get("proxy_ref", ""),
            proxy_name=request.POST.get("proxy_name", ""),
            by=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The ballot is entered."))
    return redirect("council:staff_vote", pk=vote.pk)


@login_required
@require_POST
def staff_notice(request, pk):
    vote = _staff_vote(request, pk)
    try:
        services.post_notice(vote, text=request.POST.get("text", ""), by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The notice is recorded."))
    return redirect("council:staff_vote", pk=vote.pk)


@login_required
@require_POST
def staff_transition(request, pk, action):
    vote = _staff_vote(request, pk)
    if action not in services.TABLE:
        raise Http404
    try:
        vote = services.transition(vote, action, by=request.user, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": services.TABLE[action].label})
    return redirect("council:staff_vote", pk=vote.pk)


# --- the printable result sheet (PDF) ------------------------------------------------------------


def _sheet_response(vote: Vote, *, staff: bool):
    from django.http import HttpResponse

    from .result_sheet import result_sheet_pdf

    response = HttpResponse(result_sheet_pdf(vote, staff=staff), content_type="application/pdf")
    kind = "record" if staff else "public"
    response["Content-Disposition"] = f'inline; filename="vote-{vote.pk}-result-{kind}.pdf"'
    return response


def result_sheet(request, pk):
    """The announced result as a printable sheet for the notice board: counts and shares, no names."""
    vote = get_object_or_404(selectors.votes_announced().select_related("compound", "building"), pk=pk)
    return _sheet_response(vote, staff=False)


@login_required
def staff_result_sheet(request, pk):
    """The committee's record copy of a closed or announced vote: the public sheet plus every unit
    of the electorate with its owner's choice and how the ballot came in (units, never names)."""
    from .result_sheet import SHEET_STATUSES

    vote = _staff_vote(request, pk)
    if vote.status not in SHEET_STATUSES:
        return render(
            request,
            "council/sheet_unavailable.html",
            {
                "vote": vote,
                "message": _(
                    "The result sheet is printed once the vote is closed and counted; it is %(status)s."
                )
                % {"status": vote.get_status_display()},
            },
            status=409,
        )
    return _sheet_response(vote, staff=True)
