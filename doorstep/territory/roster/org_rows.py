"""Checking the organisation sheet (a mixin of the Importer).

Besides keys and references, the rows follow the same structural rules as the organisation
services (doorstep.territory.organizations), checked here in memory for the whole sheet: the
five-level party structure, one owners' committee at a time per compound, public-welfare
property companies and their sponsors, stations under their platform.
"""

import re
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from doorstep.territory.models import Organization, Region
from doorstep.territory.organizations import (
    COMMITTEE_KINDS,
    OWNERS_COMMITTEE_MAX_YEARS,
    PARTY_LEVEL_NAMES,
    PARTY_LEVELS,
    SPONSORS,
    add_years,
    clean_credit_code,
    party_level,
)

from . import cells, schema
from .plans import Plan, changed, chunks
from .reader import Row

L = Region.Level
K = Organization.Kind
_PUBLIC_PHONE = re.compile(r"[0-9+\-()（） ]{5,20}")
_ORG_FIELDS = (
    "pk", "name", "kind", "region_id", "parent_id", "grid_id", "building_id", "dwelling_id",
    "term_start", "term_end", "company_mode", "sponsor_id", "credit_code", "phone",
)  # fmt: skip


def _text(max_length: int):
    return lambda v: cells.limited(v, max_length)


def _credit_code(value: str) -> str:
    try:
        return clean_credit_code(value)
    except ValidationError as exc:
        raise cells.CellError(cells.validation_message(exc)) from None


def _public_phone(value: str) -> str:
    if not _PUBLIC_PHONE.fullmatch(value):
        raise cells.CellError(_("Not a phone number."))
    return value


def _overlap(start_a, end_a, start_b, end_b) -> bool:
    """Whether two terms (open ends: None) share a day."""
    return (end_b is None or start_a is None or start_a <= end_b) and (
        end_a is None or start_b is None or start_b <= end_a
    )


class OrgRows:
    # --- organisations ------------------------------------------------------------------------

    def _load_orgs(self) -> None:
        names = (
            self.column_texts("organizations", "name")
            | self.column_texts("organizations", "parent")
            | self.column_texts("organizations", "sponsor")
            | self._organisation_owner_names()
        )
        self.orgs: dict[tuple, int | None] = {}
        self.org_by_name: dict[str, list[tuple]] = {}
        self.org_current: dict[tuple, dict] = {}
        self.org_key: dict[int, tuple] = {}
        self.org_twins: set[tuple] = set()  # keys the system holds more than once
        for batch in chunks(names):
            for o in Organization.objects.filter(name__in=batch).values(*_ORG_FIELDS):
                key = (self.region_code[o["region_id"]], o["name"])
                if key in self.org_current and self.org_current[key]["pk"] != o["pk"]:
                    self.org_twins.add(key)
                self.org_current[key] = o
                self.orgs[key] = o["pk"]
                self.org_key[o["pk"]] = key
                keys = self.org_by_name.setdefault(o["name"], [])
                if key not in keys:
                    keys.append(key)

    def _organisation_owner_names(self) -> set[str]:
        data = self.data.get("owners")
        if data is None or "owner_type" not in data.index or "name" not in data.index:
            return set()
        lookup = schema.OWNER_TYPE.lookup()
        t, n = data.index["owner_type"], data.index["name"]
        names = set()
        for _num, values in data.rows:
            kind = cells.text(values[t]) if t < len(values) else ""
            if lookup.get(kind) == "organization" and n < len(values):
                names.add(cells.text(values[n]))
        return names

    def ancestors(self, code: str | None) -> list[str]:
        found = []
        for _step in range(8):
            if not code or code in found:
                break
            found.append(code)
            info = self.regions.get(code)
            code = info.parent if info else None
        return found

    def find_org(self, row: Row, column: str, name: str, near: str | None) -> tuple | None:
        """An organisation named `name`, preferring one at `near` or above it; None (reported) if unclear."""
        candidates = self.org_by_name.get(name, [])
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            row.error(column, _("Unknown organisation: not on the 组织 sheet or in the system."), name)
            return None
        up = self.ancestors(near)
        close = [k for k in candidates if k[0] in up]
        if close:
            close.sort(key=lambda k: up.index(k[0]))
            if len(close) == 1 or up.index(close[0][0]) < up.index(close[1][0]):
                return close[0]
        row.error(
            column, _("Several organisations have this name; it is not clear which one is meant."), name
        )
        return None

    def _organizations(self) -> None:
        kind_of = cells.chooser(schema.ORG_KIND)
        mode_of = cells.chooser(schema.COMPANY_MODE)
        unit_of = lambda v: cells.integer(v, minimum=1, maximum=99)  # noqa: E731
        seen: dict = {}
        pending = []
        for row in self.rows("organizations"):
            name = row.get("name", _text(128), required=True)
            kind = row.get("kind", kind_of, required=True)
            region = row.get("region", cells.code, required=True)
            cell = {
                "parent": row.get("parent", _text(128)),
                "grid": row.get("grid", cells.code),
                "building": row.get("building", _text(16)),
                "unit": row.get("unit", unit_of, raw=True),
                "room": row.get("room", _text(16)),
                "term_start": row.get("term_start", cells.a_date, raw=True),
                "term_end": row.get("term_end", cells.a_date, raw=True),
                "company_mode": row.get("company_mode", mode_of),
                "sponsor": row.get("sponsor", _text(128)),
                "credit_code": row.get("credit_code", _credit_code),
                "phone": row.get("phone", _public_phone),
            }
            if name is None or region is None:
                continue
            key = (region, name)
            if key in self.org_twins:
                row.error(
                    "name",
                    _(
                        "The system holds several organisations of this name in this region; rename them there first."
                    ),
                    name,
                )
            if self.duplicate(row, "name", seen, key):
                continue
            if key not in self.orgs:
                self.orgs[key] = None
                self.org_by_name.setdefault(name, []).append(key)
            pending.append((row, key, kind, cell))
        self.org_row = {key: row.num for row, key, _kind, _cell in pending}
        self._load_committees(pending)
        # Every organisation as it will be after the import: the workbook's rows over the stored ones.
        self.org_state: dict[tuple, dict] = {
            key: self._stored_state(c) for key, c in self.org_current.items()
        }
        resolved = [
            (row, key, kind, cell, self._resolve_org(row, key, kind, cell))
            for row, key, kind, cell in pending
        ]
        for row, key, _kind, cell, refs in resolved:
            if refs is not None:
                self._org_rules(row, key, cell)
        for row, key, kind, cell, refs in resolved:
            self._org_plan(row, key, kind, cell, refs)
        self._org_cycles(pending)

    def _load_committees(self, pending) -> None:
        """The stored committees of the compounds on the sheet (one committee at a time per compound)."""
        codes = {key[0] for _row, key, _kind, _cell in pending}
        pks = [self.regions[c].pk for c in codes if c in self.regions and self.regions[c].pk]
        for batch in chunks(pks):
            for o in Organization.objects.filter(
                region_id__in=batch, kind__in=sorted(COMMITTEE_KINDS)
            ).values(*_ORG_FIELDS):
                key = (self.region_code[o["region_id"]], o["name"])
                if key not in self.org_current:
                    self.org_current[key] = o
                    self.orgs[key] = o["pk"]
                    self.org_key[o["pk"]] = key
                    self.org_by_name.setdefault(o["name"], []).append(key)

    def _stored_state(self, o: dict) -> dict:
        return {
            "kind": o["kind"],
            "region": self.region_code.get(o["region_id"]),
            "parent": self.org_key.get(o["parent_id"]) if o["parent_id"] else None,
            "parent_pk": o["parent_id"],
            "sponsor": self.org_key.get(o["sponsor_id"]) if o["sponsor_id"] else None,
            "sponsor_pk": o["sponsor_id"],
            "grid": self._grid_codes().get(o["grid_id"], f"#{o['grid_id']}") if o["grid_id"] else None,
            "building": self.building_key.get(o["building_id"], f"#{o['building_id']}")
            if o["building_id"]
            else None,
            "dwelling": self.dwelling_key.get(o["dwelling_id"], f"#{o['dwelling_id']}")
            if o["dwelling_id"]
            else None,
            "mode": o["company_mode"],
            "start": o["term_start"],
            "end": o["term_end"],
        }

    def _grid_codes(self) -> dict[int, str]:
        if not hasattr(self, "_grid_code_cache"):
            self._grid_code_cache = {pk: code for code, pk in self.grids.items() if pk}
        return self._grid_code_cache

    def _resolve_org(self, row: Row, key: tuple, kind: str | None, cell: dict) -> dict | None:
        """Check the references of a row and record the organisation's state; None if a reference is bad."""
        region, name = key
        current = self.org_current.get(key)
        info = self.regions.get(region)
        if info is None:
            row.error("region", _("Unknown code: not in this workbook or in the system."), region)
        elif current is not None:
            if not self.rights.change("organizations").covers_region(current["region_id"]):
                self.outside(row, "region", adding=False)
        elif not self.region_in(region, self.rights.add("organizations")):
            self.outside(row, "region", adding=True)
        parent = sponsor = building = dwelling = None
        if cell["parent"]:
            parent = self.find_org(row, "parent", cell["parent"], region)
            if parent == key:
                row.error("parent", _("An organisation cannot be its own parent."), cell["parent"])
        if cell["sponsor"]:
            sponsor = self.find_org(row, "sponsor", cell["sponsor"], region)
        if cell["grid"] and cell["grid"] not in self.grids:
            row.error("grid", _("Unknown grid code: not on the 网格 sheet or in the system."), cell["grid"])
        if cell["unit"] is not None or cell["room"] is not None:
            if cell["building"] is None:
                row.error("building", _("Required when a unit and room are given."))
            elif cell["unit"] is None or cell["room"] is None:
                row.error("room" if cell["room"] is None else "unit", _("Give both the unit and the room."))
        if cell["building"] is not None and info is not None:
            if info.level != L.COMPOUND:
                row.error(
                    "building",
                    _("A building can only be given when the region is a compound."),
                    cell["building"],
                )
            elif (region, cell["building"]) not in self.buildings:
                row.error(
                    "building",
                    _("Unknown building: not on the 楼栋 sheet or in the system."),
                    cell["building"],
                )
            else:
                building = (region, cell["building"])
                if cell["unit"] is not None and cell["room"] is not None:
                    dwelling = self.dwelling_ref(row, region, cell["building"], cell["unit"], cell["room"])
        if row.bad:
            return None
        state = dict(self.org_state.get(key) or {"kind": None, "parent": None, "sponsor": None, "grid": None,
                                                   "building": None, "dwelling": None, "mode": "", "start": None,
                                                   "end": None, "parent_pk": None, "sponsor_pk": None})  # fmt: skip
        state["region"] = region
        for field, value in (("kind", kind), ("parent", parent), ("sponsor", sponsor), ("grid", cell["grid"]),
                             ("building", building), ("dwelling", dwelling), ("mode", cell["company_mode"]),
                             ("start", cell["term_start"]), ("end", cell["term_end"])):  # fmt: skip
            if value is not None:
                state[field] = value
        if dwelling is not None:
            state["building"] = building
        self.org_state[key] = state
        return {"parent": parent, "sponsor": sponsor, "building": building, "dwelling": dwelling}

    def _party_level(self, state: dict) -> int | None:
        info = self.regions.get(state["region"])
        org = SimpleNamespace(
            kind=state["kind"], grid_id=state["grid"], region=SimpleNamespace(level=info.level if info else 0)
        )
        return party_level(org)

    def _org_rules(self, row: Row, key: tuple, cell: dict) -> None:
        """The structural rules of the organisation services, on the state after the import."""
        state = self.org_state[key]
        kind, region = state["kind"], state["region"]
        info = self.regions[region]
        is_new = key not in self.org_current
        parent = self.org_state.get(state["parent"]) if state["parent"] else None
        if kind in Organization.PARTY_KINDS:
            self._party_rules(row, key, state, parent)
        elif parent is not None and parent["kind"] in Organization.PARTY_KINDS:
            row.error(
                "parent", _("Only party organisations sit under a party organisation."), row.text("parent")
            )
        elif kind == K.STATION and parent is not None and parent["kind"] != K.PLATFORM:
            row.error("parent", _("A delivery station's parent must be its platform."), row.text("parent"))
        if (
            kind not in Organization.PARTY_KINDS
            and state["grid"]
            and self.grid_community.get(state["grid"]) not in (None, region)
        ):
            row.error("grid", _("The grid must lie in the organisation's community."), row.text("grid"))
        if kind == K.RESIDENTS_COMMITTEE and info.level != L.COMMUNITY:
            row.error("region", _("A residents' committee belongs to a community."), region)
        if kind == K.JOINT_BODY and is_new:
            row.error(
                "kind",
                _("A five-party joint body is set up on the compound page, with its five seats."),
                row.text("kind"),
            )
        if kind in COMMITTEE_KINDS:
            self._committee_rules(row, key, state, info)
        if kind == K.PROPERTY_COMPANY:
            self._company_rules(row, state, is_new)
        elif cell["company_mode"]:
            row.error(
                "company_mode", _("Only a property company has a company mode."), row.text("company_mode")
            )
        if state["start"] and state["end"] and state["end"] < state["start"]:
            row.error("term_end", _("The term ends before it starts."), row.text("term_end"))

    def _party_rules(self, row: Row, key: tuple, state: dict, parent: dict | None) -> None:
        info = self.regions[state["region"]]
        if state["dwelling"]:
            place = 5
        elif state["building"]:
            place = 4
        elif state["grid"]:
            place = 3
        else:
            place = {L.SUBDISTRICT: 1, L.COMMUNITY: 2, L.COMPOUND: 3}.get(info.level)
        if place is None:
            row.error(
                "region",
                _(
                    "A party organisation sits at a subdistrict, community, compound, grid, building or dwelling."
                ),
                state["region"],
            )
            return
        kinds, place_word, parent_level = PARTY_LEVELS[place]
        if state["kind"] not in kinds:
            row.error(
                "kind",
                _("A %(kind)s cannot sit at a %(place)s; it belongs at another level of the party structure.")
                % {"kind": schema.ORG_KIND.label(state["kind"]), "place": place_word},
                row.text("kind"),
            )
            return
        if parent_level is None:
            if state["parent"]:
                row.error(
                    "parent",
                    _("A subdistrict party working committee has no parent here."),
                    row.text("parent"),
                )
            return
        if parent is None:
            row.error("parent", _("A party organisation at this level needs its parent one level up."))
            return
        if self._party_level(parent) != parent_level:
            row.error(
                "parent",
                _("The parent must be at the level just above (%(level)s).")
                % {"level": PARTY_LEVEL_NAMES[parent_level]},
                row.text("parent"),
            )
            return
        inside = True
        if place == 2 or (place == 3 and not state["grid"]):
            inside = parent["region"] in self.ancestors(state["region"])
        elif place == 3:
            inside = self.grid_community.get(state["grid"], parent["region"]) == parent["region"]
        elif place == 4 and not parent["grid"]:
            inside = state["building"][0] == parent["region"]
        elif place == 5 and isinstance(parent["building"], tuple):
            inside = state["building"] == parent["building"]
        if not inside:
            row.error(
                "parent",
                _("This place lies outside the area of the parent organisation."),
                row.text("parent"),
            )

    def _committee_rules(self, row: Row, key: tuple, state: dict, info) -> None:
        if info.level != L.COMPOUND:
            row.error("region", _("Committees are set up per compound."), state["region"])
            return
        start, end = state["start"], state["end"]
        if (
            state["kind"] == K.OWNERS_COMMITTEE
            and start
            and end
            and end > add_years(start, OWNERS_COMMITTEE_MAX_YEARS)
        ):
            row.error(
                "term_end",
                _("An owners' committee is elected for at most %(years)d years.")
                % {"years": OWNERS_COMMITTEE_MAX_YEARS},
                row.text("term_end"),
            )
        for other_key, other in self.org_state.items():
            if other_key == key or other["kind"] not in COMMITTEE_KINDS or other["region"] != state["region"]:
                continue
            if self.org_row.get(other_key, 0) > row.num:
                continue  # two rows of the workbook: the later one is reported
            if _overlap(start, end, other["start"], other["end"]):
                row.error(
                    "term_start",
                    _("The compound already has %(name)s in office for this period: one committee at a time.")
                    % {"name": other_key[1]},
                    row.text("term_start"),
                )
                break

    def _company_rules(self, row: Row, state: dict, is_new: bool) -> None:
        mode = state["mode"]
        if is_new and not mode:
            row.error(
                "company_mode", _("Say whether the property company is a market or a public-welfare company.")
            )
            return
        sponsor = self.org_state.get(state["sponsor"]) if state["sponsor"] else None
        if mode == Organization.CompanyMode.MARKET and (sponsor is not None or state.get("sponsor_pk")):
            row.error("sponsor", _("A market property company has no sponsor."), row.text("sponsor"))
        elif mode == Organization.CompanyMode.PUBLIC_WELFARE:
            if sponsor is None and not state.get("sponsor_pk"):
                row.error("sponsor", _("A public-welfare property company needs its sponsor."))
            elif sponsor is not None:
                level = self.regions[sponsor["region"]].level if sponsor["region"] in self.regions else 0
                if level not in SPONSORS.get(sponsor["kind"], ()):
                    row.error(
                        "sponsor",
                        _(
                            "This sponsor cannot run a public-welfare property company: it must be a subdistrict, a community or a state-owned enterprise."
                        ),
                        row.text("sponsor"),
                    )

    def _org_plan(self, row: Row, key: tuple, kind: str | None, cell: dict, refs_found: dict | None) -> None:
        if refs_found is None or row.bad:
            self.settle(row, True)
            return
        region, name = key
        current = self.org_current.get(key)
        wanted = {k: cell[k] for k in ("term_start", "term_end", "company_mode", "credit_code", "phone")}
        wanted["kind"] = kind
        refs: dict = {}
        for field, registry, target, current_pk in (
            ("parent_id", "org", refs_found["parent"], current and current["parent_id"]),
            ("sponsor_id", "org", refs_found["sponsor"], current and current["sponsor_id"]),
            ("grid_id", "grid", cell["grid"], current and current["grid_id"]),
            ("building_id", "building", refs_found["building"], current and current["building_id"]),
            ("dwelling_id", "dwelling", refs_found["dwelling"], current and current["dwelling_id"]),
        ):
            if target is not None and (current is None or self._registry(registry).get(target) != current_pk):
                refs[field] = (registry, target)
        if current is None:
            values = {k: v for k, v in wanted.items() if v is not None}
            values["name"] = name
            refs["region_id"] = ("region", region)
            plan = Plan("organizations", row.num, key, None, values, refs)
        else:
            plan = Plan("organizations", row.num, key, current["pk"], changed(current, wanted), refs)
        if self.settle(row, plan.changes):
            self.outcome(row.sheet, self.plan(plan))

    def _registry(self, name: str) -> dict:
        return {"org": self.orgs, "grid": self.grids, "building": self.buildings, "dwelling": self.dwellings}[
            name
        ]

    def _org_cycles(self, pending) -> None:
        """Report organisations whose parent chain (after the import) comes back to themselves."""
        for row, key, _kind, _cell in pending:
            state = self.org_state.get(key)
            node, steps = (state or {}).get("parent"), 0
            while node is not None and steps < 50:
                if node == key:
                    row.error("parent", _("The parent organisations form a loop."), row.text("parent"))
                    break
                node, steps = (self.org_state.get(node) or {}).get("parent"), steps + 1
