"""Micro-wishes (微心愿): every write (post, the transition table, revealing personal data) and the
scoped reads (the public wall, my wishes, the staff desk, figures).

A wish moves through one table (TABLE): posted → reviewed → published → claimed → fulfilled →
thanked, with rejected and withdrawn on the way and a claim released back to published. Every
move locks the wish row (SELECT … FOR UPDATE), checks the table and who acts, writes the new
status and one WishEvent row. Two volunteers claiming at once: the second waits for the lock,
finds the wish claimed and is told so (code "taken"). Fulfilling credits the claimer's points
and hours once (points ledger, source key "wish:<id>").

Who acts:
  staff      community staff, subdistrict staff, administrators over the wish's community:
             review (write the public text and the delivery details), publish, reject, see the
             full record (masked; every reveal logged), thank, release, fulfil on behalf;
  grid       grid workers post wishes for residents of their area and see the masked list;
  poster     the resident who posted (for themself or their child): withdraw, thank;
  volunteer  a resident of the wish's subdistrict (the wall of "my community and nearby"): claim,
             for themself, a team they are in, or a unit (co-building unit …) they belong to;
  claimer    who claimed it: release, fulfil with evidence.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.core.models import PiiAccess
from doorstep.core.phones import normalize_phone
from doorstep.territory.models import Organization, OrgMembership, Person, Region
from doorstep.territory.people.selectors import scope_for_kinds
from doorstep.territory.selectors import subtree_ids

from . import points
from .team_models import TeamMember, VolunteerTeam
from .wish_models import Wish, WishEvent

S = Wish.Status
L = Region.Level
STAFF_KINDS = frozenset({"community_staff", "subdistrict_staff", "admin"})
POST_KINDS = STAFF_KINDS | {"grid_worker"}
CLAIMING_ORG_KINDS = frozenset(
    {
        Organization.Kind.CO_BUILDING_UNIT,
        Organization.Kind.RESIDENT_UNIT,
        Organization.Kind.VOLUNTEER_ORG,
        Organization.Kind.PARTY_BRANCH,
        Organization.Kind.PARTY_GENERAL_BRANCH,
        Organization.Kind.PARTY_COMMITTEE,
    }
)
WALL_LIMIT = 60
SUBJECT = "resources.wish"
REVEAL_FIELDS = {
    "wish_text": gettext_lazy("the wish as posted"),
    "beneficiary_name": gettext_lazy("beneficiary's name"),
    "guardian_name": gettext_lazy("guardian's name"),
    "guardian_phone": gettext_lazy("guardian's phone"),
    "address": gettext_lazy("address"),
}
# What the wall and the API load: no personal field is even read from the database.
PUBLIC_FIELDS = (
    "status",
    "community",
    "compound",
    "claimer",
    "claimer_team",
    "claimer_org",
    "category",
    "group",
    "public_text",
    "published_at",
    "fulfilled_at",
    "community__name",
    "compound__name",
    "claimer_team__name",
    "claimer_org__name",
    "claimer__name",
)
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_DIGITS = re.compile(r"\d{7,}")


def wish_points() -> int:
    return int(getattr(settings, "DOORSTEP_POINTS_WISH", 5))


class WishError(ValidationError):
    """A move refused because of the wish's state; `code` is "taken" (someone else claimed it
    first), "conflict" (not allowed now) or "unknown"."""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    who: frozenset[str]
    label: object


TABLE: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            "review", frozenset({S.POSTED}), S.REVIEWED, frozenset({"staff"}), gettext_lazy("reviewed")
        ),
        Transition(
            "publish", frozenset({S.REVIEWED}), S.PUBLISHED, frozenset({"staff"}), gettext_lazy("published")
        ),
        Transition(
            "reject",
            frozenset({S.POSTED, S.REVIEWED, S.PUBLISHED}),
            S.REJECTED,
            frozenset({"staff"}),
            gettext_lazy("rejected"),
        ),
        Transition(
            "withdraw",
            frozenset({S.POSTED, S.REVIEWED, S.PUBLISHED}),
            S.WITHDRAWN,
            frozenset({"staff", "poster"}),
            gettext_lazy("withdrawn"),
        ),
        Transition(
            "claim", frozenset({S.PUBLISHED}), S.CLAIMED, frozenset({"volunteer"}), gettext_lazy("claimed")
        ),
        Transition(
            "release",
            frozenset({S.CLAIMED}),
            S.PUBLISHED,
            frozenset({"claimer", "staff"}),
            gettext_lazy("released"),
        ),
        Transition(
            "fulfil",
            frozenset({S.CLAIMED}),
            S.FULFILLED,
            frozenset({"claimer", "staff"}),
            gettext_lazy("fulfilled"),
        ),
        Transition(
            "thank",
            frozenset({S.FULFILLED}),
            S.THANKED,
            frozenset({"staff", "poster"}),
            gettext_lazy("thanked"),
        ),
    ]
}

ACTION_LABELS = {
    "post": gettext_lazy("Posted"),
    "review": gettext_lazy("Reviewed: public text written"),
    "publish": gettext_lazy("Published on the wish wall"),
    "reject": gettext_lazy("Rejected"),
    "withdraw": gettext_lazy("Withdrawn"),
    "claim": gettext_lazy("Claimed by a volunteer"),
    "release": gettext_lazy("Claim released"),
    "fulfil": gettext_lazy("Fulfilled"),
    "thank": gettext_lazy("Thanks recorded"),
}


# --- who is who ------------------------------------------------------------------------------------


def own_person(user) -> Person | None:
    if user is None or not user.is_authenticated:
        return None
    return Person.objects.filter(user=user, anonymised_at__isnull=True).select_related("home_region").first()


def community_of(region: Region | None) -> Region | None:
    if region is None:
        return None
    if region.level == L.COMPOUND:
        return Region.objects.filter(pk=region.parent_id).defer("boundary").first()
    return region if region.level == L.COMMUNITY else None


def wall_community_ids(person: Person | None) -> tuple[int | None, list[int]]:
    """The person's community and the communities near it (the same subdistrict), own first."""
    community = community_of(person.home_region) if person is not None else None
    if community is None:
        return None, []
    others = list(
        Region.objects.filter(parent_id=community.parent_id, level=L.COMMUNITY)
        .exclude(pk=community.pk)
        .values_list("pk", flat=True)
    )
    return community.pk, [community.pk, *others]


def is_staff_of(user, wish: Wish) -> bool:
    return scope_for_kinds(user, STAFF_KINDS).covers_region(wish.community_id)


def actors(user, wish: Wish, person: Person | None = None) -> frozenset[str]:
    """The parts `user` plays for `wish` (see the module's docstring)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    out = set()
    if is_staff_of(user, wish):
        out.add("staff")
    if wish.posted_by_id == user.pk:
        out.add("poster")
    person = person if person is not None else own_person(user)
    if person is not None:
        if wish.claimer_id == person.pk:
            out.add("claimer")
        if wish.community_id in wall_community_ids(person)[1]:
            out.add("volunteer")
    return frozenset(out)


def allowed(user, wish: Wish) -> list[Transition]:
    who = actors(user, wish)
    return [t for t in TABLE.values() if wish.status in t.sources and who & t.who]


# --- posting ---------------------------------------------------------------------------------------


def _int(value, field: str, low: int, high: int, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors[field] = [_("Enter a whole number.")]
        return None
    if not low <= number <= high:
        errors[field] = [_("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high}]
        return None
    return number


def _text(value, limit: int) -> str:
    return str(value or "").strip()[:limit]


@transaction.atomic
def post_wish(
    by,
    *,
    region,
    category: str,
    group: str,
    wish_text: str,
    beneficiary_name: str,
    age=None,
    birth_year=None,
    guardian_name: str = "",
    guardian_phone: str = "",
    address: str = "",
) -> Wish:
    """A resident posts a wish for themself or their child (in the community they live in), or a
    grid worker or community staff post one for a resident of their area."""
    if by is None or not by.is_authenticated:
        raise PermissionDenied(_("Log in to post a wish."))
    region = (
        region if isinstance(region, Region) else Region.objects.filter(pk=region).defer("boundary").first()
    )
    errors: dict[str, list[str]] = {}
    if region is None or region.level not in (L.COMMUNITY, L.COMPOUND):
        raise ValidationError({"region": [_("Choose the community or compound.")]})
    staff = scope_for_kinds(by, POST_KINDS).covers_region(region.pk)
    if not staff:
        person = own_person(by)
        home = person.home_region if person is not None else None
        mine = home is not None and (
            home.pk == region.pk or home.parent_id == region.pk or region.parent_id == home.pk
        )
        if not mine:
            raise PermissionDenied(_("Post a wish in the community you live in."))
    community = community_of(region)
    wish_text = _text(wish_text, 500)
    beneficiary_name = _text(beneficiary_name, 64)
    guardian_name = _text(guardian_name, 64)
    address = _text(address, 200)
    if not wish_text:
        errors["wish_text"] = [_("Say what is wished for.")]
    if category not in Wish.Category.values:
        errors["category"] = [_("Choose a category.")]
    if group not in Wish.Group.values:
        errors["group"] = [_("Choose who the wish is for.")]
    if not beneficiary_name:
        errors["beneficiary_name"] = [_("Enter the name of the person the wish is for.")]
    this_year = timezone.localdate().year
    age = _int(age, "age", 0, 120, errors)
    birth_year = _int(birth_year, "birth_year", 1900, this_year, errors)
    if age is None and birth_year is not None:
        age = this_year - birth_year
    if age is None and "age" not in errors and "birth_year" not in errors:
        errors["age"] = [_("Enter the age or the year of birth.")]
    is_minor = age is not None and age < 18
    phone = ""
    if guardian_phone not in (None, ""):
        try:
            phone = normalize_phone(guardian_phone)
        except ValidationError as exc:
            errors["guardian_phone"] = exc.messages
    if is_minor:
        if not guardian_name:
            errors["guardian_name"] = [_("A minor's wish needs the guardian's name.")]
        if not phone and "guardian_phone" not in errors:
            errors["guardian_phone"] = [_("A minor's wish needs the guardian's phone.")]
    if errors:
        raise ValidationError(errors)
    wish = Wish.objects.create(
        community=community,
        compound=region if region.level == L.COMPOUND else None,
        category=category,
        group=group,
        wish_text=wish_text,
        beneficiary_name=beneficiary_name,
        age=age,
        birth_year=birth_year,
        is_minor=is_minor,
        guardian_name=guardian_name,
        guardian_phone=phone,
        address=address,
        for_self=not staff,
        posted_by=by,
    )
    _event(wish, "post", by, to_status=S.POSTED)
    return wish


# --- the transition table ----------------------------------------------------------------------------


def _event(wish, action, by, *, from_status="", to_status="", note=""):
    return WishEvent.objects.create(
        wish=wish,
        action=action,
        by=by if by is not None and by.is_authenticated else None,
        from_status=from_status,
        to_status=to_status,
        note=note[:1000],
    )


def identifies(wish: Wish, text: str) -> bool:
    """Whether `text` names the beneficiary or guardian, or gives a phone or the address."""
    if _DIGITS.search(re.sub(r"[\s-]", "", text)):
        return True
    names = [wish.beneficiary_name, wish.guardian_name]
    for name in filter(None, names):
        if name in text or (len(name) >= 3 and name[1:] in text):
            return True
    return bool(wish.address) and len(wish.address) >= 4 and wish.address in text


def _delivery_phone(value) -> str:
    value = _text(value, 20)
    if _LANDLINE.match(value):
        return value
    return normalize_phone(value)


def _review(wish: Wish, by, data: dict) -> str:
    errors: dict[str, list[str]] = {}
    public_text = _text(data.get("public_text"), 200)
    if not public_text:
        errors["public_text"] = [_("Write the text the wall shows.")]
    elif identifies(wish, public_text):
        errors["public_text"] = [
            _("The public text must not name anyone or give a phone number or an address.")
        ]
    category = data.get("category") or wish.category
    if category not in Wish.Category.values:
        errors["category"] = [_("Choose a category.")]
    place = _text(data.get("delivery_place"), 100)
    contact = _text(data.get("delivery_contact"), 32)
    if not place:
        errors["delivery_place"] = [_("Say where the gift is to be delivered.")]
    if not contact:
        errors["delivery_contact"] = [_("Name who receives it (e.g. the community's duty officer).")]
    try:
        phone = _delivery_phone(data.get("delivery_phone"))
    except ValidationError as exc:
        errors["delivery_phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    wish.public_text, wish.category = public_text, category
    wish.delivery_place, wish.delivery_contact, wish.delivery_phone = place, contact, phone
    return public_text


def _claim(wish: Wish, by, data: dict, person: Person | None) -> str:
    if person is None:
        raise PermissionDenied(_("Your login is not linked to a person: ask your community."))
    if wish.for_self and wish.posted_by_id == by.pk:
        raise ValidationError(_("A wish you posted yourself is for others to claim."))
    team = org = None
    if data.get("team"):
        team = (
            VolunteerTeam.objects.filter(
                pk=_pk(data["team"]),
                members__person=person,
                members__left_on__isnull=True,
                dissolved_on__isnull=True,
            )
            .only("name")
            .first()
        )
        if team is None:
            raise ValidationError({"team": [_("Claim for a team you are a member of.")]})
    if data.get("org"):
        org = (
            Organization.objects.filter(
                pk=_pk(data["org"]), memberships__person=person, kind__in=CLAIMING_ORG_KINDS
            )
            .only("name")
            .first()
        )
        if org is None:
            raise ValidationError({"org": [_("Claim for a unit you belong to.")]})
    wish.claimer, wish.claimer_team, wish.claimer_org = person, team, org
    wish.claimed_at = timezone.now()
    return team.name if team else org.name if org else ""


def _pk(value) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


def _required(data: dict, field: str, message: str, limit: int = 200) -> str:
    text = _text(data.get(field), limit)
    if not text:
        raise ValidationError({field: [message]})
    return text


def transition(wish: Wish, action: str, *, by, photo=None, **data) -> Wish:
    """Move `wish` by `action` (a key of TABLE); `data` carries what the action needs:
    review: public_text, delivery_place, delivery_contact, delivery_phone (category);
    reject: reason; withdraw/release: note; claim: team or org (optional);
    fulfil: note, hours (optional), photo (optional upload); thank: thanks."""
    rule = TABLE.get(action)
    if rule is None:
        raise WishError(_("Unknown action."), code="unknown")
    picture = None
    if action == "fulfil" and photo:
        from doorstep.demands.photos import accept_image

        picture = accept_image(photo)  # proven an image, re-encoded without EXIF, before any lock
    person = own_person(by)
    with transaction.atomic():
        locked = Wish.objects.select_for_update().get(pk=wish.pk)
        who = actors(by, locked, person)
        if not who & rule.who:
            raise PermissionDenied(_("You may not do this with this wish."))
        if locked.status not in rule.sources:
            if action == "claim" and locked.status == S.CLAIMED:
                raise WishError(_("Someone else has just claimed this wish."), code="taken")
            raise WishError(
                _("The wish is %(status)s; it cannot be %(action)s now.")
                % {"status": locked.get_status_display(), "action": rule.label},
                code="conflict",
            )
        source, note, released = locked.status, _text(data.get("note"), 500), None
        now = timezone.now()
        if action == "review":
            note = _review(locked, by, data)
        elif action == "publish":
            locked.published_at = now
        elif action == "reject":
            locked.reject_reason = note = _required(data, "reason", _("Say why the wish is rejected."))
        elif action == "claim":
            note = _claim(locked, by, data, person)
        elif action == "release":
            released = locked.claimer
            locked.claimer = locked.claimer_team = locked.claimer_org = None
            locked.claimed_at = None
        elif action == "fulfil":
            note = _required(data, "note", _("Say how the wish was fulfilled."), 1000)
            hours = points._hours(data.get("hours"))
            locked.evidence_note, locked.hours, locked.fulfilled_at = note, hours, now
            if picture is not None:
                name = f"{timezone.localdate():%Y/%m}/{secrets.token_hex(16)}.jpg"
                locked.evidence_photo.save(name, ContentFile(picture.public), save=False)
        elif action == "thank":
            locked.thanks_text = note = _required(data, "thanks", _("Write the thanks."))
            locked.thanked_at = now
        locked.status = rule.target
        locked.save()
        _event(locked, action, by, from_status=source, to_status=locked.status, note=note)
        if action == "fulfil":
            _credit(locked, by)
        _tell(locked, action, by, released)
    return locked


def _credit(wish: Wish, by) -> None:
    """The claimer earns the wish's points and the hours given, once per wish."""
    team = wish.claimer_team.name if wish.claimer_team_id else ""
    points.earn(
        by,
        wish.claimer,
        region=wish.community_id,
        points=wish_points(),
        hours=wish.hours or Decimal("0"),
        reason=_("Micro-wish #%(n)d fulfilled") % {"n": wish.pk},
        team=team,
        source=points.S.SERVICE,
        source_key=f"wish:{wish.pk}",
        check_scope=False,
    )


def _tell(wish: Wish, action: str, by, claimer: Person | None = None) -> None:
    from doorstep.core.notify import notify

    if action in ("publish", "claim", "fulfil", "reject") and wish.posted_by_id != getattr(by, "pk", None):
        notify(
            wish.posted_by,
            _("Micro-wish #%(n)d: %(what)s.") % {"n": wish.pk, "what": TABLE[action].label},
            kind="wish",
            url=reverse("resources:wishes_mine"),
        )
    claimer = claimer or (wish.claimer if wish.claimer_id else None)
    if action in ("thank", "release") and claimer is not None and claimer.user_id not in (None, by.pk):
        notify(
            claimer.user,
            _("Micro-wish #%(n)d: %(what)s.") % {"n": wish.pk, "what": TABLE[action].label},
            kind="wish",
            url=reverse("resources:wishes_mine"),
        )


# --- personal data of the record -------------------------------------------------------------------


def can_reveal(user, wish: Wish) -> bool:
    return is_staff_of(user, wish)


def reveal(user, wish: Wish, field: str, reason: str) -> str:
    """One unmasked field of the beneficiary, for the community's staff; the reason is logged."""
    if field not in REVEAL_FIELDS:
        raise PermissionDenied(_("This field cannot be shown."))
    if not can_reveal(user, wish):
        raise PermissionDenied(_("Only the staff of the wish's community may see this."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why you need to see it.")]})
    PiiAccess.objects.create(
        user=user,
        subject_type=SUBJECT,
        subject_id=str(wish.pk),
        subject_label=_("micro-wish #%(n)d") % {"n": wish.pk},
        field=field,
        reason=reason[:200],
    )
    return getattr(wish, field) or ""


def access_log(wish: Wish) -> QuerySet[PiiAccess]:
    return PiiAccess.objects.filter(subject_type=SUBJECT, subject_id=str(wish.pk)).select_related("user")


# --- reads -----------------------------------------------------------------------------------------


def _public(qs: QuerySet[Wish]) -> QuerySet[Wish]:
    return qs.select_related("community", "compound", "claimer_team", "claimer_org", "claimer").only(
        *PUBLIC_FIELDS
    )


def wall(
    person: Person | None,
    *,
    community_ids: list[int] | None = None,
    own: int | None = None,
    limit: int = WALL_LIMIT,
):
    """Published wishes for the wall: of the person's community and its neighbours (own first),
    or, with no community known, the newest anywhere. Public fields only (one query, when the
    communities are given)."""
    if community_ids is None:
        own, community_ids = wall_community_ids(person)
    ids = community_ids
    qs = Wish.objects.filter(status=S.PUBLISHED)
    if ids:
        qs = qs.filter(community__in=ids)
    wishes = list(_public(qs).order_by("-published_at", "-pk")[:limit])
    if own is not None:
        wishes.sort(key=lambda w: w.community_id != own)  # stable: own community first
    return wishes


def recently_fulfilled(community_ids: list[int] | None, limit: int = 10) -> list[Wish]:
    qs = Wish.objects.filter(status__in=(S.FULFILLED, S.THANKED))
    if community_ids:
        qs = qs.filter(community__in=community_ids)
    return list(_public(qs).order_by("-fulfilled_at", "-pk")[:limit])


def claimable(person: Person | None) -> QuerySet[Wish]:
    """Wishes the person may open to claim, release or deliver: their wall's, and their own claims."""
    if person is None:
        return Wish.objects.none()
    ids = wall_community_ids(person)[1]
    return Wish.objects.filter(Q(community__in=ids) | Q(claimer=person))


def claimed_by(person: Person | None) -> QuerySet[Wish]:
    if person is None:
        return Wish.objects.none()
    return (
        Wish.objects.filter(claimer=person)
        .select_related("community", "compound", "claimer_team", "claimer_org")
        .defer(*REVEAL_FIELDS, "community__boundary", "compound__boundary")
        .order_by("-claimed_at", "-pk")
    )


def fulfilled_by(person: Person | None) -> QuerySet[Wish]:
    """Wishes the person fulfilled (the claim stays on the row after fulfilment)."""
    return claimed_by(person)


def posted_by(user) -> QuerySet[Wish]:
    return (
        Wish.objects.filter(posted_by=user)
        .select_related("community", "compound")
        .defer("community__boundary", "compound__boundary")
        .order_by("-created_at", "-pk")
    )


def staff_wishes(user) -> QuerySet[Wish]:
    """Wishes of the user's area (grid workers and staff), newest first."""
    return (
        scope_for_kinds(user, POST_KINDS)
        .filter(Wish.objects.all(), "community")
        .select_related("community", "compound", "claimer", "claimer_team", "claimer_org")
        .defer("community__boundary", "compound__boundary")
        .order_by("-created_at", "-pk")
    )


def staff_wish(user, pk) -> Wish:
    wish = staff_wishes(user).filter(pk=_pk(pk)).first()
    if wish is None:
        raise Http404
    return wish


def post_regions(user) -> list[Region]:
    """Where the user may post: their area's communities and compounds (staff), else their home."""
    scope = scope_for_kinds(user, POST_KINDS)
    if not scope.is_empty:
        return list(
            scope.filter(Region.objects.filter(level__in=(L.COMMUNITY, L.COMPOUND)), "pk")
            .only("name", "level")
            .order_by("level", "name")[:300]
        )
    person = own_person(user)
    home = person.home_region if person is not None else None
    return [home] if home is not None and home.level in (L.COMMUNITY, L.COMPOUND) else []


def teams_of(person: Person | None) -> list[VolunteerTeam]:
    if person is None:
        return []
    ids = TeamMember.objects.filter(person=person, left_on__isnull=True).values("team")
    return list(VolunteerTeam.objects.filter(pk__in=ids, dissolved_on__isnull=True).only("name"))


def orgs_of(person: Person | None) -> list[Organization]:
    if person is None:
        return []
    ids = OrgMembership.objects.filter(person=person).values("organization")
    return list(Organization.objects.filter(pk__in=ids, kind__in=CLAIMING_ORG_KINDS).only("name"))


# --- figures ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WishFigures:
    posted: int
    published: int
    claimed: int
    fulfilled: int
    thanked: int
    children_fulfilled: int


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def wish_figures(region: Region | int, start: date, end: date) -> WishFigures:
    """Wishes of the region's subtree posted, published, claimed, fulfilled and thanked within
    [start, end] (days in the city's time zone), counting each wish once per step; and how many
    of those fulfilled were a minor's. seed.md §2 reports the court branch's co-building with a
    community fulfilling 23 children's micro-wishes: `children_fulfilled` is that figure. Two
    queries: the subtree, the counts."""
    ids = sorted(subtree_ids(region))
    events = WishEvent.objects.filter(
        wish__community__in=ids, at__gte=_day_start(start), at__lt=_day_start(end + timedelta(days=1))
    )

    def n(action, **extra):
        return Count("wish", distinct=True, filter=Q(action=action, **extra))

    row = events.aggregate(
        posted=n("post"),
        published=n("publish"),
        claimed=n("claim"),
        fulfilled=n("fulfil"),
        thanked=n("thank"),
        children=n("fulfil", wish__is_minor=True),
    )
    return WishFigures(
        row["posted"], row["published"], row["claimed"], row["fulfilled"], row["thanked"], row["children"]
    )


# --- demo ------------------------------------------------------------------------------------------

DEMO_WISHES = (
    # (category, group, wish text, name, age, guardian, guardian phone, public text or "" to leave posted)
    ("books", "pupil", "孩子想要一套绘本", "陈小雨", 9, "陈芳", "13900000001", "小学生，9岁，想要一套绘本"),
    (
        "study",
        "pupil",
        "想要一个新书包和文具",
        "刘小军",
        11,
        "刘强",
        "13900000002",
        "小学生，11岁，想要一个书包和文具",
    ),
    ("toys", "child", "想要一个篮球", "周乐乐", 7, "周敏", "13900000003", "小朋友，7岁，想要一个篮球"),
    ("company", "elderly", "希望有人周末陪老人聊聊天", "吴奶奶", 82, "", "", ""),
)


def build_demo_wishes(community: Region, compound: Region | None = None) -> int:
    """A few wishes in the demo city (synthetic people), posted and published by the demo
    community secretary; the last one waits for review. Nothing is added twice."""
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.filter(username="demo-community").first()
    if (
        staff is None
        or Wish.objects.filter(community=community).exists()
        or not is_staff_of(staff, Wish(community=community))
    ):
        return 0
    delivery = {
        "delivery_place": f"{community.name}党群服务中心",
        "delivery_contact": "社区值班人员",
        "delivery_phone": "0795-3260000",
    }
    for category, group, text, name, age, guardian, phone, public in DEMO_WISHES:
        wish = post_wish(
            staff,
            region=compound or community,
            category=category,
            group=group,
            wish_text=text,
            beneficiary_name=name,
            age=age,
            guardian_name=guardian,
            guardian_phone=phone,
        )
        if public:
            transition(wish, "review", by=staff, public_text=public, **delivery)
            transition(wish, "publish", by=staff)
    return len(DEMO_WISHES)
