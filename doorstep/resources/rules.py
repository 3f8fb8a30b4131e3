"""Who may do what with places in the admin (the same shape as territory's rules.ADMIN_RIGHTS).

Community and subdistrict staff and administrators keep the places and services of their area;
grid workers and leaders read them. A role covers its region's subtree.
"""

from doorstep.territory.models import Role

K = Role.Kind
V = frozenset({"view"})
VAD = frozenset({"view", "add", "change", "delete"})

ADMIN_RIGHTS: dict[str, dict[str, frozenset[str]]] = {
    K.ADMIN: {"resources.place": VAD, "resources.service": VAD, "resources.placeevent": V},
    K.SUBDISTRICT_STAFF: {"resources.place": VAD, "resources.service": VAD, "resources.placeevent": V},
    K.COMMUNITY_STAFF: {"resources.place": VAD, "resources.service": VAD, "resources.placeevent": V},
    K.GRID_WORKER: {"resources.place": V, "resources.service": V, "resources.placeevent": V},
    K.LEADER: {"resources.place": V, "resources.service": V, "resources.placeevent": V},
}
# Riders, check-ins, the points ledger and teams: read only in the admin (writes go through the
# console pages and services; the ledger is append-only).
for _kind in (K.ADMIN, K.SUBDISTRICT_STAFF, K.COMMUNITY_STAFF, K.GRID_WORKER, K.LEADER):
    for _label in ("resources.rider", "resources.checkin", "resources.pointentry", "resources.volunteerteam"):
        ADMIN_RIGHTS[_kind][_label] = V
# Micro-wishes: read only, for the staff who manage them (the admin never shows the beneficiary).
for _kind in (K.ADMIN, K.SUBDISTRICT_STAFF, K.COMMUNITY_STAFF):
    ADMIN_RIGHTS[_kind]["resources.wish"] = V
# Service orders: read only in the admin (moves go through the order pages and services).
for _kind in (K.ADMIN, K.SUBDISTRICT_STAFF, K.COMMUNITY_STAFF, K.GRID_WORKER, K.LEADER):
    ADMIN_RIGHTS[_kind]["resources.serviceorder"] = V
# How each model reaches its region.
REGION_PATHS = {
    "resources.serviceorder": "region",
    "resources.wish": "community",
    "resources.place": "region",
    "resources.service": "place__region",
    "resources.placeevent": "place__region",
    "resources.rider": "region",
    "resources.checkin": "region",
    "resources.pointentry": "region",
    "resources.volunteerteam": "region",
}


def admin_kinds(label: str, action: str) -> frozenset[str]:
    return frozenset(k for k, rights in ADMIN_RIGHTS.items() if action in rights.get(label, ()))
