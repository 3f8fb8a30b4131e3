"""Intake: every voice, from whichever channel, becomes a Demand through `submit_demand`.

The phone page (随手拍), the staff entry (12345 transfers, door visits, grid patrols, online
groups, observers) and later Open311 all call the same function, so the rules are the same
whoever types: everything is checked first and nothing is saved when anything is wrong (one
transaction; photo files already written are removed again). Then the point is located
(compound, grid, community …), a category is suggested when none was chosen, repeats by the
same person are flagged, and a small matter opens its case.

`me_too` is the resident's "+1 and follow" on someone else's open report; `triage` is the desk's
decision on what kind of matter a demand is (a table of allowed moves, one row per decision).
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.coords import parse_point
from doorstep.core.phones import normalize_phone
from doorstep.territory.locate import locate_point
from doorstep.territory.models import Grid, Person, Region
from doorstep.territory.selectors import scope_for

from . import photos as photo_files
from .models import Case, Category, Demand, DemandCounter, Follow, IntakeKey, TriageEvent

log = logging.getLogger("doorstep.demands.intake")

C = Demand.Channel
T = Demand.Triage

MAX_PHOTOS = 9
# Channels a resident uses from their own phone; the rest are typed in by staff.
RESIDENT_CHANNELS = frozenset({C.PHONE, C.RIDER})
STAFF_CHANNELS = frozenset({C.HOTLINE, C.VISIT, C.PATROL, C.ONLINE_GROUP, C.OBSERVER})
# Channels that carry a ticket number from another system, and whether it is required.
TICKET_REQUIRED = frozenset({C.HOTLINE})
# A Person with one of these tags reports on the rider channel (新就业群体).
RIDER_TAGS = ("rider", "courier")
# Role kinds that may triage (the desk) and that count as handling staff for scope checks.
DESK_KINDS = frozenset({"community_staff", "subdistrict_staff", "leader", "admin"})
STAFF_KINDS = frozenset(
    {
        "grid_worker",
        "community_staff",
        "subdistrict_staff",
        "department_liaison",
        "property_staff",
        "leader",
        "admin",
    }
)
_TICKET = re.compile(r"^[0-9A-Za-z\-_/]{3,40}$")


def _setting(name: str, default):
    return getattr(settings, name, default)


def text_limits() -> tuple[int, int]:
    """Shortest and longest description accepted (settings DOORSTEP_DEMAND_TEXT_MIN/MAX)."""
    return int(_setting("DOORSTEP_DEMAND_TEXT_MIN", 4)), int(_setting("DOORSTEP_DEMAND_TEXT_MAX", 2000))


def suggest_threshold() -> float:
    """A suggested category is used (not only stored) from this score up (0..1)."""
    return float(_setting("DOORSTEP_SUGGEST_AUTO_SCORE", 0.6))


def is_rider(person: Person | None) -> bool:
    return bool(person and person.pk and person.tags.filter(slug__in=RIDER_TAGS).exists())


def is_staff_in_scope(user, region_id: int | None, kinds=STAFF_KINDS) -> bool:
    """Whether `user` holds a staff role of `kinds` whose scope covers `region_id`."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    scope = scope_for(user)
    if scope.everything:
        return True
    return bool(scope.role_kinds & kinds) and scope.covers_region(region_id)


# --- numbers and keys ---------------------------------------------------------------------------


def next_number(at=None) -> str:
    """The next demand number of the (local) day of `at`: "YYYYMMDD-NNNN" (more digits past 9999).

    Must run inside the transaction that saves the demand: the counter row stays locked until it
    commits, so concurrent submissions take turns and a rollback hands the number back.
    """
    day = timezone.localdate(at or timezone.now())
    rows = DemandCounter.objects.filter(day=day)
    if not rows.update(last=F("last") + 1):  # the day's first number (or a race for it)
        try:
            with transaction.atomic():
                DemandCounter.objects.create(day=day, last=1)
        except IntegrityError:  # another submission created the row first: take the next one
            rows.update(last=F("last") + 1)
    last = rows.values_list("last", flat=True).get()
    return f"{day:%Y%m%d}-{last:04d}"


def _ticket_key(channel: str, ticket: str) -> str:
    return f"ticket:{channel}:{ticket.upper()}"


def _submit_key(key: str) -> str:
    return f"submit:{key}"[:120]


def _keyed_demand(key: str) -> Demand | None:
    row = IntakeKey.objects.filter(key=key).select_related("demand").first()
    return row.demand if row else None


# --- submit ------------------------------------------------------------------------------------


def _as_category(value) -> Category | None:
    if value in (None, ""):
        return None
    if isinstance(value, Category):
        return value
    try:
        return Category.objects.select_related("parent").get(pk=int(value))
    except (TypeError, ValueError, Category.DoesNotExist):
        return None


def _as_region(value) -> Region | None:
    if value in (None, ""):
        return None
    if isinstance(value, Region):
        return value
    try:
        return Region.objects.get(pk=int(value))
    except (TypeError, ValueError, Region.DoesNotExist):
        return None


def _desk_region() -> Region | None:
    code = (_setting("DOORSTEP_CITY_DESK_REGION", "") or "").strip()
    if not code:
        return None
    desk = Region.objects.filter(code=code).first()
    if desk is None:
        log.error(
            "DOORSTEP_CITY_DESK_REGION=%s names no region: reports outside the territory are refused", code
        )
    return desk


def _grid_of_compound(region: Region) -> int | None:
    if region.level != Region.Level.COMPOUND:
        return None
    return (
        Grid.objects.filter(compounds=region).order_by("code").values_list("pk", flat=True).first()
        if region.pk
        else None
    )


def submit_demand(
    *,
    channel,
    text,
    by=None,
    reporter=None,
    anonymous=False,
    contact_phone="",
    lng=None,
    lat=None,
    system="wgs84",
    address="",
    photos=(),
    category=None,
    external_ticket="",
    received_at=None,
    contact_name="",
    region=None,
    idempotency_key="",
) -> Demand:
    """Check, locate, categorise and save one demand; open its case when it is a small matter.

    Raises ValidationError (a dict: field → Chinese messages) and saves nothing when anything is
    wrong. `region` is a compound (or any region) picked from a list when there is no map point;
    with a point too, the point must lie inside it. `idempotency_key` (one per filled-in form):
    sending the same form twice returns the first demand instead of making a second.
    `photos` are uploaded files (or `photos.ImageInfo` already accepted).
    """
    now = timezone.now()
    if idempotency_key:
        first = _keyed_demand(_submit_key(idempotency_key))
        if first is not None:
            return first
    errors: dict[str, list] = defaultdict(list)

    # Channel and who is speaking.
    if channel not in C.values:
        errors["channel"].append(_("Unknown channel “%(channel)s”.") % {"channel": channel})
    if by is not None and not getattr(by, "is_authenticated", False):
        by = None
    if channel in RESIDENT_CHANNELS:
        if by is None:
            errors["reporter"].append(_("Please log in to send a report."))
        elif reporter is None:
            reporter = Person.objects.filter(user=by, anonymised_at__isnull=True).first()
        if channel == C.RIDER and not is_rider(reporter):
            errors["reporter"].append(
                _("Only registered riders and couriers can report on the rider channel.")
            )
    elif channel in STAFF_CHANNELS and (by is None or scope_for(by).is_empty):
        errors["reporter"].append(_("Only staff can enter reports from this channel."))

    contact_phone = (contact_phone or "").strip()
    contact_name = (contact_name or "").strip()
    if anonymous and (contact_phone or contact_name) and channel not in RESIDENT_CHANNELS:
        errors["contact_phone"].append(_("An anonymous report keeps no name or phone number."))
    if contact_phone:
        try:
            contact_phone = normalize_phone(contact_phone)
        except ValidationError as exc:
            errors["contact_phone"].extend(exc.messages)
    if len(contact_name) > 64:
        errors["contact_name"].append(_("A name has at most 64 characters."))

    # What is wrong.
    text = (text or "").strip()
    shortest, longest = text_limits()
    if not text:
        errors["text"].append(_("Please describe the problem."))
    elif len(text) < shortest:
        errors["text"].append(
            _("Please describe the problem in at least %(min)d characters.") % {"min": shortest}
        )
    elif len(text) > longest:
        errors["text"].append(
            _("The description may have at most %(max)d characters; it has %(count)d.")
            % {"max": longest, "count": len(text)}
        )
    address = (address or "").strip()
    if len(address) > 200:
        errors["address"].append(_("The address may have at most 200 characters."))

    # Ticket numbers from other systems (12345).
    external_ticket = (external_ticket or "").strip()
    if channel in TICKET_REQUIRED and not external_ticket:
        errors["external_ticket"].append(_("A 12345 transfer needs its ticket number."))
    elif external_ticket:
        if not _TICKET.match(external_ticket):
            errors["external_ticket"].append(_("A ticket number has 3 to 40 letters, digits or dashes."))
        else:
            taken = _keyed_demand(_ticket_key(channel, external_ticket))
            if taken is not None:
                errors["external_ticket"].append(
                    _("Ticket %(ticket)s was entered already (demand %(number)s).")
                    % {"ticket": external_ticket, "number": taken.number}
                )

    # When.
    if received_at is None:
        received_at = now
    elif timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    if received_at > now + timedelta(minutes=5):
        errors["received_at"].append(_("The time received cannot be in the future."))
    elif received_at < now - timedelta(days=366):
        errors["received_at"].append(_("The time received is more than a year ago."))

    # Category chosen by the person.
    chosen = _as_category(category)
    if category not in (None, "") and chosen is None:
        errors["category"].append(_("Unknown category."))
    elif chosen is not None and (not chosen.active or chosen.parent_id is None):
        errors["category"].append(_("Please choose a minor class (for example 路灯 under its major class)."))

    # Where.
    picked = _as_region(region)
    if region not in (None, "") and picked is None:
        errors["region"].append(_("Unknown compound."))
    point = None
    has_lng, has_lat = lng not in (None, ""), lat not in (None, "")
    if has_lng or has_lat:
        try:
            point = parse_point(lng, lat, system or "wgs84")
        except ValidationError as exc:
            errors["location"].extend(exc.messages)
    elif picked is None and region in (None, ""):
        errors["location"].append(
            _("Please mark the place on the map or use your location.")
            if channel in RESIDENT_CHANNELS
            else _("Please mark the place on the map or pick the compound.")
        )

    # Photos: counted, then each proven to be an image.
    photos = list(photos or ())
    accepted: list[photo_files.ImageInfo] = []
    if len(photos) > MAX_PHOTOS:
        errors["photos"].append(
            _("At most %(max)d photos; %(count)d were sent.") % {"max": MAX_PHOTOS, "count": len(photos)}
        )
    else:
        for n, upload in enumerate(photos, start=1):
            try:
                accepted.append(
                    upload if isinstance(upload, photo_files.ImageInfo) else photo_files.accept_image(upload)
                )
            except ValidationError as exc:
                for message in exc.messages:
                    errors["photos"].append(_("Photo %(n)d: %(problem)s") % {"n": n, "problem": message})

    if errors:
        raise ValidationError(dict(errors))

    # Locate.
    region_id = grid_id = None
    triage = T.PENDING
    location = locate_point(point) if point is not None else None
    if location is not None and location.inside:
        region_id = location.region.id
        grid_id = location.grid.id if location.grid else None
        if picked is not None:
            chain = {
                getattr(location, level).id
                for level in ("city", "county", "subdistrict", "community", "compound")
                if getattr(location, level)
            }
            if picked.pk not in chain:
                raise ValidationError(
                    {"location": [_("The point on the map is not in %(name)s.") % {"name": picked.name}]}
                )
            if picked.level == Region.Level.COMPOUND and location.compound is None:
                region_id = picked.pk  # the map has no compound polygon there: trust the pick
                grid_id = grid_id or _grid_of_compound(picked)
    elif location is not None:
        desk = _desk_region()
        if picked is not None:
            raise ValidationError(
                {"location": [_("The point on the map is not in %(name)s.") % {"name": picked.name}]}
            )
        if desk is None:
            raise ValidationError(
                {
                    "location": [
                        _(
                            "This place is outside the area we serve. Please call 12345 or the "
                            "responsible city for matters elsewhere."
                        )
                    ]
                }
            )
        region_id, triage = desk.pk, T.OUTSIDE
    else:
        region_id, grid_id = picked.pk, _grid_of_compound(picked)

    if channel in STAFF_CHANNELS and not is_staff_in_scope(by, region_id):
        raise ValidationError({"location": [_("You can only enter reports for places in your own area.")]})

    # Categorise.
    suggested = None
    final = chosen
    if chosen is None:
        from .suggest import suggest

        top = next(iter(suggest(text, k=3)), None)
        if top is not None:
            suggested = top.category
            if top.score >= suggest_threshold():
                final = top.category
    if triage == T.PENDING and final is not None and _setting("DOORSTEP_INTAKE_OPENS_CASES", True):
        triage = T.SMALL

    # Repeat (重复诉求): the same person (or, anonymously, the same target) on the same matter
    # within the window.
    repeat_of = None
    reporter_user_id = by.pk if channel in RESIDENT_CHANNELS else getattr(reporter, "user_id", None)
    if final is not None and triage != T.OUTSIDE:
        from .similar import find_repeat

        repeat_of = find_repeat(
            reporter=reporter,
            contact_phone=contact_phone,
            category=final,
            region=region_id,
            grid=grid_id,
            at=received_at,
            reporter_user=by if channel in RESIDENT_CHANNELS else None,
            lng=point.lng if point else None,
            lat=point.lat if point else None,
        )

    demand = Demand(
        channel=channel,
        external_ticket=external_ticket,
        reporter=reporter,
        reporter_user_id=reporter_user_id,
        anonymous=bool(anonymous),
        contact_phone=contact_phone,
        contact_name=contact_name,
        entered_by=by,
        text=text,
        address=address or (location.address if location is not None and location.inside else ""),
        lng=point.lng if point else None,
        lat=point.lat if point else None,
        input_system=point.system if point else "",
        input_lng=point.input_lng if point else None,
        input_lat=point.input_lat if point else None,
        region_id=region_id,
        grid_id=grid_id,
        category=final,
        suggested_category=suggested,
        triage=triage,
        repeat_of=repeat_of,
        received_at=received_at,
    )
    written: list[str] = []
    try:
        with transaction.atomic():
            demand.number = next_number(received_at)
            demand.save()
            if idempotency_key:
                IntakeKey.objects.create(key=_submit_key(idempotency_key), demand=demand)
            if external_ticket:
                IntakeKey.objects.create(key=_ticket_key(channel, external_ticket), demand=demand)
            photo_files.store_photos(demand, accepted, stage="report", written=written)
            if triage == T.SMALL:
                from .services import open_case

                open_case(demand, by=by)
    except IntegrityError:
        photo_files.delete_files(written)
        if idempotency_key:
            first = _keyed_demand(_submit_key(idempotency_key))
            if first is not None:
                return first
        if external_ticket and _keyed_demand(_ticket_key(channel, external_ticket)) is not None:
            raise ValidationError(
                {
                    "external_ticket": [
                        _("Ticket %(ticket)s was entered already.") % {"ticket": external_ticket}
                    ]
                }
            ) from None
        raise
    except BaseException:
        photo_files.delete_files(written)
        raise
    return demand


# --- me too ------------------------------------------------------------------------------------


def me_too(demand: Demand, user) -> Follow:
    """+1 and follow, once per user: a second press (or two presses at once) changes nothing."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Please log in first."))
    if demand.reporter_user_id == user.pk or (
        demand.reporter_id and Person.objects.filter(pk=demand.reporter_id, user=user).exists()
    ):
        raise ValidationError(_("This is your own report: you will hear about it anyway."))
    status = Case.objects.filter(demand=demand).values_list("status", flat=True).first()
    if demand.triage == T.DUPLICATE or (status is not None and status not in Case.OPEN):
        raise ValidationError(
            _("This report is closed already. If the problem is back, please send a new report.")
        )
    attempts = 3
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                follow, created = Follow.objects.get_or_create(
                    demand=demand, user=user, defaults={"me_too": True}
                )
                # Only the press that turns the flag on counts: a conditional update, so two
                # presses at once cannot both see "not yet" and both add one.
                counted = (
                    created or Follow.objects.filter(pk=follow.pk, me_too=False).update(me_too=True) == 1
                )
                if counted:
                    Demand.objects.filter(pk=demand.pk).update(me_too_count=F("me_too_count") + 1)
                    follow.me_too = True
            break
        except IntegrityError:  # the other press inserted the row first: look again
            if attempt == attempts - 1:
                raise
    demand.refresh_from_db(fields=["me_too_count"])
    return follow


# --- triage ------------------------------------------------------------------------------------

# The allowed triage moves. A small matter can still become hard or big (or a duplicate) while
# its case waits for acceptance; after that the case loop decides.
TRIAGE_MOVES: dict[str, frozenset[str]] = {
    T.PENDING: frozenset({T.SMALL, T.HARD, T.BIG, T.DUPLICATE}),
    T.OUTSIDE: frozenset({T.SMALL, T.HARD, T.BIG, T.DUPLICATE}),
    T.SMALL: frozenset({T.HARD, T.BIG, T.DUPLICATE}),
    T.HARD: frozenset({T.SMALL, T.BIG}),
    T.BIG: frozenset({T.SMALL, T.HARD}),
    T.DUPLICATE: frozenset(),
}


def triage(demand: Demand, to: str, by, note: str = "", *, category=None, into: Demand | None = None):
    """Decide what kind of matter a demand is: small → its case is opened; hard → marked for
    deliberation (council); big → marked for a project; duplicate → merged `into` another
    demand (its case through the case loop's `merge`). Returns the TriageEvent.
    """
    if not is_staff_in_scope(by, demand.region_id, DESK_KINDS):
        raise PermissionDenied(
            _("Only the community or subdistrict desk in charge of this place can triage it.")
        )
    if to not in T.values:
        raise ValidationError(_("Unknown triage decision."))
    note = (note or "").strip()
    with transaction.atomic():
        demand = Demand.objects.select_for_update().get(pk=demand.pk)
        current = demand.triage
        if to not in TRIAGE_MOVES.get(current, ()):
            raise ValidationError(
                _("A demand that is “%(from)s” cannot become “%(to)s”.")
                % {"from": T(current).label, "to": T(to).label}
            )
        case = Case.objects.filter(demand=demand).first()
        chosen = _as_category(category)
        if category not in (None, "") and (chosen is None or chosen.parent_id is None):
            raise ValidationError(_("Please choose a minor class (for example 路灯 under its major class)."))
        if chosen is not None and chosen.pk != demand.category_id:
            from .suggest import record_correction

            record_correction(demand, chosen, by)
            demand.category = chosen

        if to == T.SMALL:
            if demand.category_id is None:
                raise ValidationError(_("Choose a category first: the case takes its limits from it."))
            if case is not None:
                raise ValidationError(_("This demand has case %(number)s already.") % {"number": case.number})
            demand.triage = to
            demand.save(update_fields=["triage", "category", "updated_at"])
            from .services import open_case

            open_case(demand, by=by)
        elif to in (T.HARD, T.BIG):
            if case is not None:
                if case.status != Case.Status.SUBMITTED:
                    raise ValidationError(
                        _(
                            "Case %(number)s is being handled already; it cannot move to deliberation or a project."
                        )
                        % {"number": case.number}
                    )
                from .services import reject

                reason = note or (
                    _("Moved to deliberation (hard matter).")
                    if to == T.HARD
                    else _("Moved to a project (big matter).")
                )
                reject(case, by, reason=reason, version=case.version)
            demand.triage = to
            demand.save(update_fields=["triage", "category", "updated_at"])
        else:  # duplicate
            if into is None or into.pk == demand.pk:
                raise ValidationError(_("Choose the report this one repeats."))
            if into.triage == T.DUPLICATE:
                raise ValidationError(
                    _("That report is a duplicate itself; choose the one it was merged into.")
                )
            if case is not None:
                target = Case.objects.filter(demand=into).first()
                if target is None:
                    raise ValidationError(_("That report has no case yet to merge into."))
                from .services import merge

                merge(case, target, by)
            demand.triage = to
            demand.duplicate_of = into
            demand.save(update_fields=["triage", "duplicate_of", "category", "updated_at"])
        event = TriageEvent.objects.create(
            demand=demand, at=timezone.now(), by=by, from_triage=current, to_triage=to, note=note
        )
    if to == T.DUPLICATE and demand.reporter_user_id:
        # The reporter now follows the report it repeats (and counts as a +1 there).
        with contextlib.suppress(ValidationError, PermissionDenied):
            me_too(into, demand.reporter_user)
    return event
