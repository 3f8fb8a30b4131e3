"""Governance observers (观察员) per grid and their suggestions.

An observer writes a suggestion on their phone; staff of the area file it into the demands
intake on the observer channel (`submit_demand`, the same rules as every voice) and the
suggestion keeps its demand. Staff then mark it adopted into a livelihood project (民生实事, a
projects Project) or not adopted with a reason. One transition table; every move writes a
SuggestionEvent, and the observer is told the fate of their suggestion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.core.notify import notify
from doorstep.territory.models import Grid, Person
from doorstep.territory.people.selectors import scope_for_kinds

from .activities import READ_KINDS, WRITE_KINDS, check_scope, own_person
from .talent_models import Observer, Suggestion, SuggestionEvent

S = Suggestion.Status


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    label: object


TABLE: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("file", frozenset({S.SUBMITTED}), S.FILED, gettext_lazy("File as a demand")),
        Transition("adopt", frozenset({S.FILED}), S.ADOPTED, gettext_lazy("Adopt into a livelihood project")),
        Transition("reject", frozenset({S.SUBMITTED, S.FILED}), S.NOT_ADOPTED, gettext_lazy("Not adopted")),
    ]
}


def allowed(suggestion: Suggestion) -> list[Transition]:
    return [t for t in TABLE.values() if suggestion.status in t.sources]


@transaction.atomic
def appoint(by, *, person: Person, grid: Grid, on: date | None = None) -> Observer:
    check_scope(by, grid.community_id)
    if Observer.objects.filter(person=person, grid=grid, ended_on__isnull=True).exists():
        raise ValidationError({"person": [_("Already an observer of this grid.")]})
    try:
        with transaction.atomic():
            return Observer.objects.create(
                person=person,
                grid=grid,
                region_id=grid.community_id,
                appointed_on=on or timezone.localdate(),
                appointed_by=by,
            )
    except IntegrityError:
        raise ValidationError({"person": [_("Already an observer of this grid.")]}) from None


@transaction.atomic
def end_post(by, observer: Observer, on: date | None = None) -> Observer:
    observer = Observer.objects.select_for_update().get(pk=observer.pk)
    check_scope(by, observer.region_id)
    if observer.ended_on:
        raise ValidationError(_("This observer's post has already ended."))
    observer.ended_on = on or timezone.localdate()
    observer.save(update_fields=["ended_on", "updated_at"])
    return observer


def _event(s: Suggestion, action: str, by, source: str = "", note: str = "") -> None:
    SuggestionEvent.objects.create(
        suggestion=s, action=action, by=by, from_status=source, to_status=s.status, note=note
    )


def _text(text) -> str:
    from doorstep.demands.intake import text_limits

    text = (text or "").strip()
    shortest, longest = text_limits()
    if len(text) < shortest:
        raise ValidationError(
            {"text": [_("Please write the suggestion in at least %(min)d characters.") % {"min": shortest}]}
        )
    if len(text) > longest:
        raise ValidationError(
            {"text": [_("A suggestion has at most %(max)d characters.") % {"max": longest}]}
        )
    return text


def my_posts(user) -> QuerySet[Observer]:
    if user is None or not user.is_authenticated:
        return Observer.objects.none()
    return Observer.objects.filter(person__user=user, ended_on__isnull=True).select_related("grid")


def suggest(by, *, text: str, observer: Observer | None = None) -> Suggestion:
    """An observer writes a suggestion for a grid they serve (their only one if not given)."""
    person = own_person(by)
    posts = list(my_posts(by))
    if observer is None and len(posts) == 1:
        observer = posts[0]
    if observer is None or observer.pk not in {p.pk for p in posts} or observer.person_id != person.pk:
        raise PermissionDenied(_("Only an appointed observer of the grid may make suggestions here."))
    text = _text(text)
    with transaction.atomic():
        s = Suggestion.objects.create(observer=observer, region_id=observer.region_id, text=text)
        _event(s, "submit", by)
    return s


def _notify_observer(s: Suggestion, text: str) -> None:
    user = s.observer.person.user
    if user is not None:
        notify(user, text, kind="suggestion", url=reverse("resources:my_suggestions"))


def transition(by, suggestion: Suggestion, action: str, *, project=None, reason: str = "") -> Suggestion:
    rule = TABLE.get(action)
    if rule is None:
        raise ValidationError(_("Unknown action."))
    reason = (reason or "").strip()[:200]
    with transaction.atomic():
        s = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
        check_scope(by, s.region_id)
        s = Suggestion.objects.select_related("observer__person__user", "observer__grid").get(pk=s.pk)
        if s.status not in rule.sources:
            raise ValidationError(
                _("The suggestion is %(status)s; it cannot be “%(action)s” now.")
                % {"status": s.get_status_display(), "action": rule.label}
            )
        source = s.status
        note = ""
        if action == "file":
            from doorstep.demands.intake import submit_demand

            grid = s.observer.grid
            compound = grid.compounds.order_by("pk").first()
            s.demand = submit_demand(
                channel="observer",
                text=s.text,
                by=by,
                reporter=s.observer.person,
                region=compound or grid.community_id,
            )
            note = s.demand.number
        elif action == "adopt":
            if project is None:
                raise ValidationError({"project": [_("Choose the livelihood project it was adopted into.")]})
            if project.status == project.Status.CANCELLED or not scope_for_kinds(
                by, WRITE_KINDS
            ).covers_region(project.region_id):
                raise ValidationError(
                    {"project": [_("Choose a project of your area that is not cancelled.")]}
                )
            s.project = project
            note = project.title
        elif action == "reject":
            if not reason:
                raise ValidationError({"reason": [_("Please give the reason.")]})
            s.reason = note = reason
        s.status = rule.target
        if action in ("adopt", "reject"):
            s.decided_at = timezone.now()
        s.save()
        _event(s, action, by, source, note)
        if action == "adopt":
            _notify_observer(
                s, _("Your suggestion was adopted into “%(project)s”.") % {"project": project.title}
            )
        elif action == "reject":
            _notify_observer(s, _("Your suggestion was not adopted: %(reason)s") % {"reason": reason})
    return s


def suggest_for(by, observer: Observer, text: str) -> Suggestion:
    """Staff enter a suggestion an observer gave by word of mouth, and file it at once."""
    check_scope(by, observer.region_id)
    if observer.ended_on:
        raise ValidationError({"observer": [_("This observer's post has ended.")]})
    text = _text(text)
    with transaction.atomic():
        s = Suggestion.objects.create(observer=observer, region_id=observer.region_id, text=text)
        _event(s, "submit", by)
        return transition(by, s, "file")


# --- reads ---------------------------------------------------------------------------------------


def observers_visible(user) -> QuerySet[Observer]:
    from django.db.models import Count, Q

    return (
        scope_for_kinds(user, READ_KINDS)
        .filter(Observer.objects.all())
        .select_related("person", "grid")
        .annotate(
            made=Count("suggestions"),
            adopted=Count("suggestions", filter=Q(suggestions__status=S.ADOPTED)),
        )
    )


def suggestions_visible(user) -> QuerySet[Suggestion]:
    return (
        scope_for_kinds(user, READ_KINDS)
        .filter(Suggestion.objects.all())
        .select_related("observer__person", "observer__grid", "demand", "project")
    )


def suggestion_for_staff(user, pk) -> Suggestion:
    s = suggestions_visible(user).filter(pk=pk).first()
    if s is None:
        raise Http404
    return s


def my_suggestions(user) -> QuerySet[Suggestion]:
    if user is None or not user.is_authenticated:
        return Suggestion.objects.none()
    return Suggestion.objects.filter(observer__person__user=user).select_related(
        "observer__grid", "demand", "project"
    )
