"""Who may do what with people, roles and personal data: every rule is a table here.

The services (writes), selectors (reads), pages and the admin all read these tables, so a rule
changes in one place. A right is always held *over a region*: it covers that region's subtree,
and only the roles whose kind carries the right count (a leader over the city who is also grid
worker of one community may reveal phones in that community only).
"""

from django.utils.translation import gettext_lazy as _

from doorstep.territory.models import Region, Role

K = Role.Kind
L = Region.Level
ALL_KINDS = frozenset(K.values)

# --- Granting roles ----------------------------------------------------------------------------
# A user may grant (and revoke) a role of kind X over region R when they hold a role of kind K
# whose region contains R and X is listed for K below. That is "kinds at or below one's own":
# an administrator grants anything; subdistrict staff grant the kinds that work inside their
# subdistrict; community staff grant those that work inside their community. Leaders, department
# liaisons, property staff, committee members and grid workers grant nothing. Superusers may
# grant anything anywhere.
GRANTABLE: dict[str, frozenset[str]] = {
    K.ADMIN: ALL_KINDS,
    K.SUBDISTRICT_STAFF: frozenset(
        {K.SUBDISTRICT_STAFF, K.COMMUNITY_STAFF, K.GRID_WORKER, K.PROPERTY_STAFF, K.COMMITTEE_MEMBER}
    ),
    K.COMMUNITY_STAFF: frozenset({K.COMMUNITY_STAFF, K.GRID_WORKER, K.PROPERTY_STAFF, K.COMMITTEE_MEMBER}),
}

# The region levels a role of each kind may be held at.
ROLE_LEVELS: dict[str, frozenset[int]] = {
    K.GRID_WORKER: frozenset({L.COMMUNITY, L.COMPOUND}),
    K.COMMUNITY_STAFF: frozenset({L.COMMUNITY}),
    K.SUBDISTRICT_STAFF: frozenset({L.SUBDISTRICT}),
    K.DEPARTMENT_LIAISON: frozenset({L.CITY, L.COUNTY, L.SUBDISTRICT}),
    K.PROPERTY_STAFF: frozenset({L.COMMUNITY, L.COMPOUND}),
    K.COMMITTEE_MEMBER: frozenset({L.COMPOUND}),
    K.LEADER: frozenset({L.CITY, L.COUNTY, L.SUBDISTRICT}),
    K.ADMIN: frozenset(L.values),
}

# Kinds whose role must name an organisation, and the organisation kinds allowed.
ROLE_ORGANIZATION: dict[str, frozenset[str]] = {
    K.DEPARTMENT_LIAISON: frozenset({"department"}),
    K.PROPERTY_STAFF: frozenset({"property_company"}),
}

# --- Personal data -----------------------------------------------------------------------------
# Fields shown masked everywhere; a role kind listed here may reveal the field of a person living
# in its scope, giving a reason, and every reveal is logged. Leaders, department liaisons,
# property staff and committee members see masked data only. The date of birth is never shown
# beside a masked ID number (it is the masked middle of it): pages show the age instead.
REVEAL: dict[str, frozenset[str]] = {
    "name": frozenset({K.GRID_WORKER, K.COMMUNITY_STAFF, K.SUBDISTRICT_STAFF, K.ADMIN}),
    "phone": frozenset({K.GRID_WORKER, K.COMMUNITY_STAFF, K.SUBDISTRICT_STAFF, K.ADMIN}),
    "id_number": frozenset({K.COMMUNITY_STAFF, K.ADMIN}),
}
REVEAL_LABELS = {
    "name": _("full name"),
    "phone": _("mobile phone"),
    "id_number": _("ID number"),
}

# How the access log names what was done.
ACCESS_LABELS = {
    **REVEAL_LABELS,
    "export": _("data export"),
    "anonymise": _("erasure"),
}

# Kinds that keep the roster of people (create and edit a person living in their scope).
PEOPLE_WRITE = frozenset({K.GRID_WORKER, K.COMMUNITY_STAFF, K.SUBDISTRICT_STAFF, K.ADMIN})

# Kinds that may read the log of who viewed a person's data (besides the person themselves).
ACCESS_LOG_READ = frozenset({K.ADMIN})

# Kinds that may erase (anonymise) someone else's data on their request.
ANONYMISE = frozenset({K.ADMIN})

# --- The Django admin --------------------------------------------------------------------------
# Staff use the admin through their roles, not through Django groups or model permissions:
# the admin's has_*_permission methods read this table. Each entry gives, per role kind, the
# actions on a model ("view", "add", "change", "delete"); the role's region bounds the objects.
# Users holding any of these kinds get `is_staff` (the admin login flag) from the role services.
V = frozenset({"view"})
VA = frozenset({"view", "add", "change"})
VAD = frozenset({"view", "add", "change", "delete"})

_ROSTER = (
    "territory.building",
    "territory.dwelling",
    "territory.ownership",
    "territory.household",
    "territory.householdmember",
    "territory.grid",
    "territory.gridmember",
    "territory.departmentcontact",
    "territory.organization",
    "territory.orgmembership",
    "territory.jointbodyseat",
    "territory.propertyservice",
    "territory.person",
    "territory.partymembership",
)
_ALL_TERRITORY = (*_ROSTER, "territory.region", "territory.persontag", "territory.role")

_STAFF_RIGHTS: dict[str, frozenset[str]] = {
    **{m: VAD for m in _ROSTER},
    "territory.region": V,
    "territory.persontag": V,
    "territory.role": VA,  # granting follows GRANTABLE; revoking is unticking "active"
    "core.user": VA,
    "demands.category": V,
}

ADMIN_RIGHTS: dict[str, dict[str, frozenset[str]]] = {
    K.ADMIN: {
        **{m: VAD for m in _ALL_TERRITORY},
        "territory.role": VA,
        "core.user": VAD,
        "core.piiaccess": V,
        "demands.category": VAD,
    },
    K.SUBDISTRICT_STAFF: _STAFF_RIGHTS,
    K.COMMUNITY_STAFF: _STAFF_RIGHTS,
    K.GRID_WORKER: {
        **{
            m: V
            for m in (
                "territory.region",
                "territory.building",
                "territory.dwelling",
                "territory.grid",
                "territory.gridmember",
                "territory.departmentcontact",
                "territory.organization",
                "territory.persontag",
            )
        },
        "territory.person": VA,
        "territory.household": VAD,
        "territory.householdmember": VAD,
    },
    K.LEADER: {**{m: V for m in _ALL_TERRITORY}, "demands.category": V},
}

# Tables without a region (tags, demand categories): only a superuser or an administrator over a
# root region may change them; everyone with a view right may read them.
GLOBAL_MODELS = frozenset({"territory.persontag", "demands.category"})


def admin_kinds(model_label: str, action: str) -> frozenset[str]:
    """The role kinds that carry `action` on the model in the admin."""
    return frozenset(k for k, rights in ADMIN_RIGHTS.items() if action in rights.get(model_label, ()))


STAFF_KINDS = frozenset(ADMIN_RIGHTS)
