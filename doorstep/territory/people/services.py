"""Writes about people, roles and personal data. Each function checks who acts, then writes.

Rules live in `rules.py` as tables; scope comes from the acting user's roles (a right held over
a region covers its subtree). Refusals raise PermissionDenied with a translated message; bad
input raises ValidationError keyed by field, so forms can show it next to the input.
"""

import json
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.ids import parse_id_number
from doorstep.core.models import PiiAccess
from doorstep.core.phones import normalize_phone
from doorstep.core.pii import lookup_hash
from doorstep.territory.models import (
    JointBodySeat,
    Organization,
    PartyMembership,
    Person,
    PersonTag,
    Region,
    Role,
)

from . import rules, selectors

ANONYMOUS_NAME = "已注销"
PERSON_FIELDS = ("name", "gender", "phone", "id_number", "birth_date", "home_region", "tags", "user")


# --- People --------------------------------------------------------------------------------------


def clean_person_fields(fields: dict, person: Person | None = None) -> dict:
    """Validate and normalise person fields; raises ValidationError keyed by field.

    ID numbers: GB 11643 checked, stored upper-case, unique by keyed hash; they set the date of
    birth and the gender. Phones: stored as the 11 digits.
    """
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    out = dict(fields)
    errors: dict[str, list] = {}
    if "name" in out:
        out["name"] = (out["name"] or "").strip()
        if not out["name"]:
            errors["name"] = [_("Enter the name.")]
    if out.get("phone"):
        try:
            out["phone"] = normalize_phone(out["phone"])
        except ValidationError as exc:
            errors["phone"] = exc.messages
    elif "phone" in out:
        out["phone"] = ""
    if out.get("id_number"):
        try:
            parsed = parse_id_number(out["id_number"])
        except ValidationError as exc:
            errors["id_number"] = exc.messages
        else:
            out["id_number"] = parsed.number
            out["birth_date"] = parsed.birth_date
            out["gender"] = parsed.gender
            others = Person.objects.filter(id_number_hash=lookup_hash(parsed.number))
            if person is not None and person.pk:
                others = others.exclude(pk=person.pk)
            if others.exists():
                errors["id_number"] = [_("A person with this ID number is already registered.")]
    elif "id_number" in out:
        out["id_number"] = ""
    if errors:
        raise ValidationError(errors)
    return out


def _check_write(by, region_id: int | None) -> None:
    if not selectors.can_write_person(by, region_id):
        raise PermissionDenied(_("You may not change people outside your area."))


def _resolve_tags(tags) -> list[PersonTag]:
    found: list[PersonTag] = []
    slugs = []
    for tag in tags or ():
        if isinstance(tag, PersonTag):
            found.append(tag)
        else:
            slugs.append(str(tag))
    if slugs:
        by_slug = {t.slug: t for t in PersonTag.objects.filter(slug__in=slugs)}
        missing = [s for s in slugs if s not in by_slug]
        if missing:
            raise ValidationError({"tags": [_("Unknown tag: %(tags)s") % {"tags": ", ".join(missing)}]})
        found += [by_slug[s] for s in slugs]
    return found


def _region_id(value) -> int | None:
    return value.pk if isinstance(value, Region) else value


@transaction.atomic
def save_person(person: Person, by, **fields) -> Person:
    """Create (no pk yet) or change a person; used by create_person, update_person and the admin.

    The acting user must keep the roster where the person lives now (as stored) and where they
    will live after the change.
    """
    if person.pk:
        stored = Person.objects.filter(pk=person.pk).values_list("home_region_id", "anonymised_at").first()
        if stored is None:
            raise Person.DoesNotExist
        _check_write(by, stored[0])
        if stored[1] is not None:
            raise PermissionDenied(_("This person's data has been erased."))
    fields = clean_person_fields(fields, person)
    home = fields.get("home_region", person.home_region_id)
    _check_write(by, _region_id(home))
    tags = fields.pop("tags", None)
    tags = _resolve_tags(tags) if tags is not None else None
    for name, value in fields.items():
        setattr(person, name, value)
    person.save()
    if tags is not None:
        person.tags.set(tags)
    return person


def create_person(by, **fields) -> Person:
    """Register a person living in the acting user's area."""
    return save_person(Person(), by, **fields)


def update_person(person: Person, by, **fields) -> Person:
    """Change the given fields of a person; both the old and the new home must be in scope."""
    if not person.pk:
        raise ValueError("update_person needs a saved person")
    return save_person(person, by, **fields)


def set_tags(by, person: Person, tags) -> Person:
    return update_person(person, by, tags=list(tags))


def validate_party_membership(organization, status: str, reports_to: Region | None) -> None:
    """A party organisation, a known status, and (双报到) a community to report to, if any."""
    errors = {}
    if organization is None or not organization.is_party:
        errors["organization"] = [_("Choose a party organisation.")]
    if status not in PartyMembership.Status.values:
        errors["status"] = [_("Choose in service, retired or floating.")]
    if reports_to is not None and reports_to.level != Region.Level.COMMUNITY:
        errors["reports_to"] = [_("Members report to a community.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def set_party_membership(
    by,
    person: Person,
    organization: Organization,
    status: str = PartyMembership.Status.IN_SERVICE,
    reports_to: Region | None = None,
    reported_on: date | None = None,
    joined_on: date | None = None,
) -> PartyMembership:
    """Record a person's party organisation, status and the community they report to (双报到)."""
    _check_write(by, person.home_region_id)
    validate_party_membership(organization, status, reports_to)
    if reports_to is not None and reported_on is None:
        reported_on = timezone.localdate()
    membership, _created = PartyMembership.objects.update_or_create(
        person=person,
        defaults={
            "organization": organization,
            "status": status,
            "reports_to": reports_to,
            "reported_on": reported_on if reports_to else None,
            "joined_on": joined_on,
        },
    )
    return membership


def remove_party_membership(by, person: Person) -> None:
    _check_write(by, person.home_region_id)
    PartyMembership.objects.filter(person=person).delete()


# --- Roles ---------------------------------------------------------------------------------------


def _sync_staff_flag(user) -> None:
    """`is_staff` (the admin login flag) follows the roles: on while a role gives admin rights."""
    if user.is_superuser:
        return
    wanted = Role.objects.filter(user=user, active=True, kind__in=rules.STAFF_KINDS).exists()
    if user.is_staff != wanted:
        user.is_staff = wanted
        user.save(update_fields=["is_staff"])


def validate_role(kind: str, region: Region, organization=None, grid=None) -> None:
    """Check a role's shape (rules.ROLE_LEVELS, ROLE_ORGANIZATION); ValidationError keyed by field."""
    if kind not in Role.Kind.values:
        raise ValidationError({"kind": [_("Unknown role.")]})
    errors: dict[str, list] = {}
    if region.level not in rules.ROLE_LEVELS[kind]:
        errors["region"] = [
            _("A %(kind)s role cannot be held over a %(level)s.")
            % {"kind": Role.Kind(kind).label, "level": region.get_level_display()}
        ]
    needs_org = rules.ROLE_ORGANIZATION.get(kind)
    if needs_org and (organization is None or organization.kind not in needs_org):
        errors["organization"] = [_("This role must name its department or company.")]
    if organization is not None and not needs_org and kind != Role.Kind.COMMITTEE_MEMBER:
        errors["organization"] = [_("This role does not name an organisation.")]
    if grid is not None and not (
        grid.community_id in selectors.subtree_ids(region)
        or region.pk in selectors.subtree_ids(grid.community_id)
    ):
        errors["grid"] = [_("The grid is not in this region.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def grant_role(by, user, kind: str, region: Region, organization=None, grid=None) -> Role:
    """Give `user` a role of `kind` over `region` (see rules.GRANTABLE for who may)."""
    if not selectors.can_grant(by, kind, region):
        raise PermissionDenied(_("You may not grant this role over this region."))
    validate_role(kind, region, organization, grid)
    role, _created = Role.objects.update_or_create(
        user=user,
        kind=kind,
        region=region,
        defaults={"organization": organization, "grid": grid, "active": True},
    )
    _sync_staff_flag(user)
    selectors.forget(user)
    return role


@transaction.atomic
def revoke_role(by, role: Role) -> Role:
    """Deactivate a role (the row stays as a record of who worked where)."""
    if not selectors.can_grant(by, role.kind, role.region):
        raise PermissionDenied(_("You may not revoke this role."))
    if role.active:
        role.active = False
        role.save(update_fields=["active", "updated_at"])
    _sync_staff_flag(role.user)
    selectors.forget(role.user)
    return role


# --- Revealing and logging personal data ---------------------------------------------------------


def _log(user, person: Person, field: str, reason: str) -> PiiAccess:
    return PiiAccess.objects.create(
        user=user,
        subject_type=selectors.PERSON_SUBJECT,
        subject_id=str(person.pk),
        subject_label=person.masked_name,
        field=field,
        reason=reason[:200],
    )


def reveal(user, person: Person, field: str, reason: str) -> str:
    """The unmasked value of a field, for a role that needs it, with the reason logged."""
    if field not in rules.REVEAL:
        raise PermissionDenied(_("This field cannot be shown."))
    if not selectors.can_reveal(user, person, field):
        raise PermissionDenied(
            _("Your role may not see this person's %(field)s.") % {"field": rules.REVEAL_LABELS[field]}
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why you need to see it.")]})
    _log(user, person, field, reason)
    return getattr(person, field) or ""


# --- Residents' own data -------------------------------------------------------------------------


def _label(obj) -> str | None:
    return str(obj) if obj is not None else None


def export_own_data(user) -> dict:
    """Everything held about the logged-in resident, unmasked for themselves; the export is logged."""
    person = selectors.own_person(user)
    if person is None:
        raise PermissionDenied(_("No personal record is linked to your login."))
    records = selectors.own_records(person)
    party = records["party"]
    data = {
        "exported_at": timezone.now(),
        "person": {
            "name": person.name,
            "gender": person.get_gender_display() if person.gender else "",
            "phone": person.phone,
            "id_number": person.id_number,
            "birth_date": person.birth_date,
            "home_region": _label(person.home_region),
            "tags": [t.name for t in person.tags.all()],
            "created_at": person.created_at,
            "updated_at": person.updated_at,
        },
        "login": {
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "households": [
            {
                "dwelling": str(m.household.dwelling),
                "compound": str(m.household.dwelling.building.compound),
                "relation": m.get_relation_display(),
                "moved_in_on": m.household.moved_in_on,
                "moved_out_on": m.household.moved_out_on,
            }
            for m in records["households"]
        ],
        "ownerships": [
            {
                "dwelling": str(o.dwelling),
                "exclusive_area": o.dwelling.exclusive_area,
                "registered_on": o.registered_on,
                "ended_on": o.ended_on,
                "certificate_no": o.certificate_no,
            }
            for o in records["ownerships"]
        ],
        "memberships": [
            {
                "organization": o.organization.name,
                "position": o.get_position_display(),
                "term_start": o.term_start,
                "term_end": o.term_end,
            }
            for o in records["org_memberships"]
        ],
        "grid_posts": [
            {"grid": g.grid.name, "position": g.get_position_display(), "since": g.since}
            for g in records["grid_posts"]
        ],
        "joint_body_seats": [
            {"body": s.body.name, "seat": s.get_seat_display()} for s in records["joint_seats"]
        ],
        "party_membership": None
        if party is None
        else {
            "organization": party.organization.name,
            "status": party.get_status_display(),
            "reports_to": _label(party.reports_to),
            "reported_on": party.reported_on,
            "joined_on": party.joined_on,
        },
        "roles": [
            {
                "role": r.get_kind_display(),
                "region": str(r.region),
                "organization": _label(r.organization),
                "grid": _label(r.grid),
                "active": r.active,
            }
            for r in records["roles"]
        ],
        "data_accesses": [
            {
                "at": a.at,
                "by": str(a.user),
                "field": a.field,
                "reason": a.reason,
            }
            for a in records["accesses"]
        ],
    }
    _log(user, person, "export", _("Exported by the person themselves"))
    return data


def export_json(data: dict) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


@transaction.atomic
def anonymise_person(by, person: Person, reason: str = "") -> Person:
    """Erase a person's identifying data on their request, keeping the rows others rely on.

    Ownership history, organisation terms and household rows stay (a vote count or a committee's
    record needs them) but point at a person with no name, phone, ID, birth date or tags. The
    login is deactivated and renamed; roles end; the party membership and grid posts go. The
    access log is kept as the law requires, and the erasure itself is logged.
    """
    is_self = person.user_id is not None and person.user_id == by.pk
    if not is_self and not selectors.scope_for_kinds(by, rules.ANONYMISE).covers_region(
        person.home_region_id
    ):
        raise PermissionDenied(_("You may not erase this person's data."))
    if person.anonymised_at is not None:
        return person
    person.name = ANONYMOUS_NAME
    person.phone = ""
    person.id_number = ""
    person.birth_date = None
    person.gender = Person.Gender.UNKNOWN
    person.anonymised_at = timezone.now()
    login = person.user
    person.save()
    person.tags.clear()
    PartyMembership.objects.filter(person=person).delete()
    person.grid_posts.all().delete()
    JointBodySeat.objects.filter(representative=person).update(representative=None)
    if login is not None:
        Role.objects.filter(user=login).update(active=False)
        login.is_active = False
        login.is_staff = False
        login.username = f"erased-{login.pk}"
        login.first_name = login.last_name = login.email = login.display_name = ""
        login.set_unusable_password()
        login.save()
    _log(by, person, "anonymise", reason or (_("Erased at the person's own request") if is_self else "-"))
    return person
