"""Checking the owner and resident sheets (a mixin of the Importer).

People are matched, in order: by the keyed hash of a full ID number; by name and full phone;
otherwise among the people already tied to the same dwelling (owners, household members) or,
for a resident without a dwelling, living in the same region — comparing masked values
(张* / 138****1234 / 110105********002X) with the masks of the stored ones. A masked value
never overwrites a stored one.
"""

import contextlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.ids import parse_id_number
from doorstep.core.phones import normalize_phone
from doorstep.core.pii import lookup_hash, mask_id_number, mask_name, mask_phone
from doorstep.territory.models import Household, HouseholdMember, Ownership, Person, Region

from . import cells, schema
from .org_rows import OrgRows
from .plans import Plan, changed, chunks
from .reader import Row

L = Region.Level


def _text(max_length: int):
    return lambda v: cells.limited(v, max_length)


@dataclass(slots=True)
class PersonCells:
    """What a row says about a person; full values and masked values kept apart."""

    name: str | None = None
    name_mask: str | None = None
    id_number: str | None = None
    id_mask: str | None = None
    birth_date: object = None
    gender: str | None = None
    phone: str | None = None
    phone_mask: str | None = None

    @property
    def masked(self) -> bool:
        return bool(self.name_mask or self.id_mask or self.phone_mask)

    @property
    def shown_name(self) -> str:
        return self.name or self.name_mask or ""


class PeopleRows(OrgRows):
    """Owners and residents (after the organisations). Relies on the Importer's registries."""

    # --- entry ------------------------------------------------------------------------------

    def check_people(self) -> None:
        self._load_orgs()
        self._organizations()
        self._load_people()
        self.person_new: dict[str, dict] = {}  # new person key → values
        self.person_new_where: dict[str, tuple[str, int]] = {}
        self.person_changes: dict[int, dict] = {}  # existing pk → changed values
        self.person_change_where: dict[int, dict[str, tuple[str, int]]] = {}
        self.person_home_default: dict[str, tuple] = {}  # new owners: their compound
        self.claimed: set[tuple[str, int]] = set()  # (sheet, person pk) already paired with a row
        self.ambiguous: set[tuple[str, int]] = set()  # (sheet, row) paired among people alike
        self._owners()
        self._residents()

    # --- people: loading ----------------------------------------------------------------------

    def _person_cells(self, row: Row) -> PersonCells:
        pc = PersonCells()
        name = row.get("name", required=True)
        if name is not None:
            if cells.is_masked(name):
                pc.name_mask = row.get("name", cells.masked_name)
            else:
                pc.name = row.get("name", _text(64))
        raw_id = row.text("id_number")
        if raw_id:
            if cells.is_masked(raw_id):
                pc.id_mask = row.get("id_number", cells.masked_id)
            else:
                try:
                    parsed = parse_id_number(raw_id)
                except ValidationError as exc:
                    row.error("id_number", cells.validation_message(exc), raw_id)
                else:
                    pc.id_number, pc.birth_date, pc.gender = parsed.number, parsed.birth_date, parsed.gender
        raw_phone = row.text("phone")
        if raw_phone:
            if cells.is_masked(raw_phone):
                pc.phone_mask = row.get("phone", cells.masked_phone)
            else:
                try:
                    pc.phone = normalize_phone(raw_phone)
                except ValidationError as exc:
                    row.error("phone", cells.validation_message(exc), raw_phone)
        return pc

    def _load_people(self) -> None:
        """Everyone a row could mean, in a few bulk queries: by ID hash, by phone, by dwelling, by region."""
        hashes, phones = set(), set()
        for sheet_key in ("owners", "residents"):
            for text in self.column_texts(sheet_key, "id_number"):
                if not cells.is_masked(text):
                    with contextlib.suppress(ValidationError):
                        hashes.add(lookup_hash(parse_id_number(text).number))
            for text in self.column_texts(sheet_key, "phone"):
                if not cells.is_masked(text):
                    with contextlib.suppress(ValidationError):
                        phones.add(normalize_phone(text))
        pks: set[int] = set()
        self.person_by_hash: dict[str, int] = {}
        self.person_by_phone: dict[str, list[int]] = {}
        for batch in chunks(hashes):
            for pk, h in Person.objects.filter(
                id_number_hash__in=batch, anonymised_at__isnull=True
            ).values_list("pk", "id_number_hash"):
                self.person_by_hash.setdefault(h, pk)
                pks.add(pk)
        for batch in chunks(phones):
            for pk, phone in Person.objects.filter(phone__in=batch, anonymised_at__isnull=True).values_list(
                "pk", "phone"
            ):
                self.person_by_phone.setdefault(phone, []).append(pk)
                pks.add(pk)
        # The people already tied to the dwellings the sheets name.
        dwelling_pks = [pk for pk in self.dwellings.values() if pk]
        self.owners_of: dict[int, list[dict]] = {}
        self.household_of: dict[int, dict] = {}
        self.members_of: dict[int, dict[int, dict]] = {}
        for batch in chunks(dwelling_pks):
            for o in Ownership.objects.filter(dwelling_id__in=batch, ended_on__isnull=True).values(
                "pk", "dwelling_id", "person_id", "organization_id", "registered_on", "certificate_no",
                "is_developer_unsold",
            ):  # fmt: skip
                self.owners_of.setdefault(o["dwelling_id"], []).append(o)
                if o["person_id"]:
                    pks.add(o["person_id"])
            for h in (
                Household.objects.filter(dwelling_id__in=batch, moved_out_on__isnull=True)
                .order_by("pk")
                .values("pk", "dwelling_id", "head_id")
            ):
                self.household_of.setdefault(h["dwelling_id"], h)
        household_pks = [h["pk"] for h in self.household_of.values()]
        for batch in chunks(household_pks):
            for m in HouseholdMember.objects.filter(household_id__in=batch).values(
                "pk", "household_id", "person_id", "relation"
            ):
                self.members_of.setdefault(m["household_id"], {})[m["person_id"]] = m
                pks.add(m["person_id"])
        # Residents without a dwelling are matched among the people of their region.
        region_pks = [
            self.regions[c].pk
            for c in self.column_texts("residents", "region")
            if c in self.regions and self.regions[c].pk
        ]
        self.people_in_region: dict[int, list[int]] = {}
        for batch in chunks(region_pks):
            for pk, region_id in Person.objects.filter(
                home_region_id__in=batch, anonymised_at__isnull=True
            ).values_list("pk", "home_region_id"):
                self.people_in_region.setdefault(region_id, []).append(pk)
                pks.add(pk)
        self.people: dict[int, dict] = {}
        fields = (
            "pk",
            "name",
            "phone",
            "id_number",
            "gender",
            "birth_date",
            "home_region_id",
            "anonymised_at",
        )
        for batch in chunks(pks):
            for values in Person.objects.filter(pk__in=batch).values_list(*fields):
                self.people[values[0]] = dict(zip(fields, values, strict=True))

    # --- people: matching ---------------------------------------------------------------------

    def _fits(self, pk: int, pc: PersonCells, strict_phone: bool = True, gender: str | None = None) -> bool:
        p = self.people.get(pk)
        if p is None or p["anonymised_at"] is not None:
            return False
        if gender and p["gender"] and p["gender"] != gender:
            return False
        if pc.name is not None and p["name"] != pc.name:
            return False
        if pc.name_mask is not None and mask_name(p["name"]) != pc.name_mask:
            return False
        if pc.id_mask is not None and mask_id_number(p["id_number"]) != pc.id_mask:
            return False
        if strict_phone and pc.phone is not None and p["phone"] not in ("", pc.phone):
            return False
        if pc.phone_mask is not None and mask_phone(p["phone"]) != pc.phone_mask:
            return False
        return not (pc.id_number is not None and p["id_number"] not in ("", pc.id_number))

    def match_person(
        self,
        row: Row,
        pc: PersonCells,
        context: list[int],
        context_key: str,
        gender: str | None = None,
        prefer=None,
    ) -> str | None:
        """The person key of a row: 'db:<pk>' for someone known, another key for someone new.

        Masks can be alike (two children 张** whose ID numbers end alike): then the rows of the
        workbook are paired one to one with the people they fit (`prefer` first), and such a
        row may only confirm what is stored, not change it (see `ambiguous_change`).
        """
        if pc.id_number:
            h = lookup_hash(pc.id_number)
            pk = self.person_by_hash.get(h)
            if pk is not None:
                return f"db:{pk}"
            near = [
                pk for pk in dict.fromkeys(context) if self._fits(pk, pc) and not self.people[pk]["id_number"]
            ]
            return f"db:{near[0]}" if len(near) == 1 else f"id:{h}"
        if pc.name and pc.phone:
            same = [pk for pk in self.person_by_phone.get(pc.phone, []) if self.people[pk]["name"] == pc.name]
            if len(same) == 1:
                return f"db:{same[0]}"
            if len(same) > 1:
                row.error(
                    "phone",
                    _("Several people have this name and phone; give the ID number to tell them apart."),
                )
                return None
        near = [pk for pk in dict.fromkeys(context) if self._fits(pk, pc, gender=gender)]
        if not near and pc.phone:
            # The one person here of that name with another phone: the phone is new.
            near = [
                pk for pk in dict.fromkeys(context) if self._fits(pk, pc, strict_phone=False, gender=gender)
            ]
        sheet = row.sheet.key
        if len(near) == 1:
            self.claimed.add((sheet, near[0]))
            return f"db:{near[0]}"
        if len(near) > 1:
            free = [pk for pk in near if (sheet, pk) not in self.claimed]

            def fit(pk: int) -> tuple[bool, int]:
                """Better: the preferred ones, then those with no data the row leaves blank."""
                p = self.people[pk]
                extra = (not (pc.phone or pc.phone_mask) and bool(p["phone"])) + (
                    not (pc.id_number or pc.id_mask) and bool(p["id_number"])
                )
                return (not (prefer and prefer(pk)), extra)

            chosen = min(free, key=fit) if free else None
            if chosen is None:
                row.error(
                    "name",
                    _("Several people here match this row; give the ID number to tell them apart."),
                    pc.shown_name,
                )
                return None
            self.claimed.add((sheet, chosen))
            self.ambiguous.add((sheet, row.num))
            return f"db:{chosen}"
        if pc.masked:
            column = "id_number" if pc.id_mask else "phone" if pc.phone_mask else "name"
            row.error(
                column,
                _(
                    "Masked data matches no one in the system; a new person needs the full name, phone and ID number."
                ),
                row.text(column),
            )
            return None
        if pc.phone:
            return f"np:{pc.name}|{pc.phone}"
        return f"cx:{context_key}|{pc.name}"

    def ambiguous_change(self, row: Row, changes: bool) -> None:
        """A row paired by alike masks may not change anything: which person it means is unsure."""
        if changes and (row.sheet.key, row.num) in self.ambiguous:
            row.error(
                "name",
                _("Several people here match this row; give the ID number to tell them apart."),
                row.text("name"),
            )

    def person_values(self, pc: PersonCells) -> dict:
        values = {"name": pc.name, "phone": pc.phone}
        if pc.id_number:
            values.update(id_number=pc.id_number, birth_date=pc.birth_date, gender=pc.gender)
        return values

    def note_person(self, row: Row, person_key: str, pc: PersonCells, extra: dict, may_change: bool) -> bool:
        """Record what a row says about a person; True if it changes something (conflicts reported)."""
        wanted = {**self.person_values(pc), **extra}
        here = (row.sheet.title, row.num)
        if person_key.startswith("db:"):
            pk = int(person_key[3:])
            if not may_change:
                return False
            diff = changed(self.people[pk], wanted)
            if not diff:
                return False
            have = self.person_changes.setdefault(pk, {})
            where = self.person_change_where.setdefault(pk, {})
            for field, value in diff.items():
                if field in have and have[field] != value:
                    self._conflict(row, field, where[field])
                    continue
                have[field] = value
                where.setdefault(field, here)
            return True
        have = self.person_new.get(person_key)
        values = {k: v for k, v in wanted.items() if v is not None}
        if have is None:
            self.person_new[person_key] = values
            self.person_new_where[person_key] = here
            return True
        for field, value in values.items():
            if field in have and have[field] != value:
                self._conflict(row, field, self.person_new_where[person_key])
            else:
                have.setdefault(field, value)
        return False

    def _conflict(self, row: Row, field: str, where: tuple[str, int]) -> None:
        column = {"home_region": "region", "gender": "gender"}.get(field, field)
        if column not in row.index:
            column = "name"
        row.error(
            column,
            _("Contradicts what sheet “%(sheet)s”, row %(row)d says about the same person.")
            % {"sheet": where[0], "row": where[1]},
            row.text(column),
        )

    def person_may_change(self, person_key: str, scope) -> bool:
        """An existing person may be changed when they live in `scope` (or nowhere recorded)."""
        if not person_key.startswith("db:"):
            return True
        home = self.people[int(person_key[3:])]["home_region_id"]
        return home is None or scope.covers_region(home)

    # --- owners -------------------------------------------------------------------------------

    def _owners(self) -> None:
        type_of = cells.chooser(schema.OWNER_TYPE)
        yes_no = cells.chooser(schema.YES_NO)
        unit_of = lambda v: cells.integer(v, minimum=1, maximum=99)  # noqa: E731
        add_scope, change_scope = self.rights.add("owners"), self.rights.change("owners")
        person_add, person_change = self.rights.person_add(), self.rights.person_change()
        seen: dict = {}
        by_dwelling: dict[tuple, list[tuple[Row, str | None, tuple]]] = {}
        today = timezone.localdate()
        for row in self.rows("owners"):
            compound = row.get("compound", cells.code, required=True)
            number = row.get("building", _text(16), required=True)
            unit = row.get("unit", unit_of, required=True, raw=True)
            room = row.get("room", _text(16), required=True)
            owner_type = row.get("owner_type", type_of) or "person"
            co_owner = row.get("co_owner", yes_no)
            registered_on = row.get("registered_on", cells.a_date, raw=True)
            certificate = row.get("certificate", _text(64))
            unsold = row.get("unsold", yes_no)
            if owner_type == "organization":
                name = row.get("name", _text(128), required=True)
                for column in ("id_number", "phone"):
                    if row.text(column):
                        row.error(column, _("Leave this empty for an organisation owner."), row.text(column))
                pc = None
            else:
                pc = self._person_cells(row)
                name = pc.shown_name
                if unsold == "1":
                    row.error(
                        "unsold",
                        _("Only an organisation owner holds a developer's unsold unit."),
                        row.text("unsold"),
                    )
            if compound is None or number is None or unit is None or room is None or not name:
                continue
            if not self.compound_ref(row, "compound", compound):
                continue
            dkey = self.dwelling_ref(row, compound, number, unit, room)
            if dkey is None:
                continue
            dpk = self.dwellings[dkey]
            current_owners = self.owners_of.get(dpk, []) if dpk else []
            if owner_type == "organization":
                org = self.find_org(row, "name", name, compound)
                owner_key = ("org", org)
            else:
                context = [o["person_id"] for o in current_owners if o["person_id"]]
                person_key = self.match_person(row, pc, context, "|".join(map(str, dkey)))
                owner_key = ("person", person_key)
            if owner_key[1] is None:
                continue
            if self.duplicate(row, "name", seen, (dkey, owner_key)):
                continue
            by_dwelling.setdefault(dkey, []).append((row, co_owner, owner_key))
            # The existing ownership of this owner, if any.
            existing = None
            if owner_key[0] == "org" and self.orgs.get(owner_key[1]):
                existing = next(
                    (o for o in current_owners if o["organization_id"] == self.orgs[owner_key[1]]), None
                )
            elif owner_key[0] == "person" and owner_key[1].startswith("db:"):
                person_pk = int(owner_key[1][3:])
                existing = next((o for o in current_owners if o["person_id"] == person_pk), None)
            scope = change_scope if existing else add_scope
            if not self.region_in(compound, scope):
                self.outside(row, "compound", adding=existing is None)
            person_changes = False
            if owner_key[0] == "person":
                person_key = owner_key[1]
                if person_key.startswith("db:"):
                    may = self.person_may_change(person_key, person_change)
                    person_changes = self.note_person(row, person_key, pc, {}, may)
                else:
                    if not self.region_in(compound, person_add):
                        self.outside(row, "name", adding=True)
                    # A new owner is recorded in the compound unless a resident row says where they live.
                    self.note_person(row, person_key, pc, {}, True)
                    self.person_home_default.setdefault(person_key, ("region", compound))
            if row.bad:
                self.settle(row, True)
                continue
            wanted = {
                "registered_on": registered_on,
                "certificate_no": certificate,
                "is_developer_unsold": None if unsold is None else unsold == "1",
            }
            owner_ref = ("org", owner_key[1]) if owner_key[0] == "org" else ("person", owner_key[1])
            field = "organization_id" if owner_key[0] == "org" else "person_id"
            if existing is None:
                values = {k: v for k, v in wanted.items() if v is not None}
                plan = Plan(
                    "owners",
                    row.num,
                    (dkey, owner_key),
                    None,
                    values,
                    {"dwelling_id": ("dwelling", dkey), field: owner_ref},
                )
            else:
                plan = Plan("owners", row.num, (dkey, owner_key), existing["pk"], changed(existing, wanted))
            plan.touched = person_changes
            self.ambiguous_change(row, plan.changes)
            if self.settle(row, plan.changes):
                self.outcome(row.sheet, self.plan(plan))
        self._sole_owners(by_dwelling, today)

    def _sole_owners(self, by_dwelling: dict, today) -> None:
        """A row marked 共有=否 makes its owner the only one: other current owners are ended."""
        self.ended_ownerships: list[int] = []
        for dkey, entries in by_dwelling.items():
            sole = [e for e in entries if e[1] == "0"]
            if not sole:
                continue
            if len(entries) > 1:
                for row, _co, _key in sole:
                    row.error(
                        "co_owner",
                        _(
                            "This dwelling has several owners in the workbook; mark each of them as a co-owner."
                        ),
                        row.text("co_owner"),
                    )
                continue
            dpk = self.dwellings.get(dkey)
            if not dpk:
                continue
            _row, _co, (kind, key) = sole[0]
            keep_person = int(key[3:]) if kind == "person" and key.startswith("db:") else None
            keep_org = self.orgs.get(key) if kind == "org" else None
            for o in self.owners_of.get(dpk, []):
                if (keep_person and o["person_id"] == keep_person) or (
                    keep_org and o["organization_id"] == keep_org
                ):
                    continue
                self.ended_ownerships.append(o["pk"])
        if self.ended_ownerships:
            self.report.notices.append(
                _("%(n)d earlier owner registrations will be ended (the workbook names a sole owner).")
                % {"n": len(self.ended_ownerships)}
            )
        self.ended_on = today

    # --- residents ------------------------------------------------------------------------------

    def _residents(self) -> None:
        gender_of = cells.chooser(schema.GENDER)
        relation_of = cells.chooser(schema.RELATION)
        unit_of = lambda v: cells.integer(v, minimum=1, maximum=99)  # noqa: E731
        person_add, person_change = self.rights.person_add(), self.rights.person_change()
        seen: dict = {}
        heads: dict[tuple, int] = {}
        self.household_new: dict[tuple, dict] = {}  # dwelling key → {"head": person key or None}
        self.household_head: dict[tuple, str] = {}  # dwelling key → person key of the new head
        for row in self.rows("residents"):
            pc = self._person_cells(row)
            gender = row.get("gender", gender_of)
            region = row.get("region", cells.code, required=True)
            number = row.get("building", _text(16))
            unit = row.get("unit", unit_of, raw=True)
            room = row.get("room", _text(16))
            relation = row.get("relation", relation_of)
            if gender and pc.gender and gender != pc.gender:
                row.error("gender", _("The gender does not match the ID number."), row.text("gender"))
            info = self.regions.get(region) if region else None
            if region and info is None:
                row.error("region", _("Unknown code: not in this workbook or in the system."), region)
            elif info is not None and info.level not in (L.COMMUNITY, L.COMPOUND):
                row.error("region", _("Give a compound or community code."), region)
            dkey = None
            if number is not None or unit is not None or room is not None:
                if number is None or unit is None or room is None:
                    missing = "building" if number is None else "unit" if unit is None else "room"
                    row.error(missing, _("Give the building, unit and room together."))
                elif info is not None:
                    if info.level != L.COMPOUND:
                        row.error("region", _("A dwelling can only be given with a compound code."), region)
                    else:
                        dkey = self.dwelling_ref(row, region, number, unit, room)
            elif relation is not None:
                row.error(
                    "relation",
                    _("A relation needs the dwelling (building, unit and room)."),
                    row.text("relation"),
                )
            if region is None or not pc.shown_name or info is None:
                continue
            dpk = self.dwellings.get(dkey) if dkey else None
            household = self.household_of.get(dpk) if dpk else None
            if dkey:
                context = list(self.members_of.get(household["pk"], {})) if household else []
                context += [o["person_id"] for o in self.owners_of.get(dpk, []) if o["person_id"]]
                context_key = "|".join(map(str, dkey))
            else:
                context = self.people_in_region.get(info.pk, []) if info.pk else []
                context_key = region
            members = self.members_of.get(household["pk"], {}) if household else {}

            def same_relation(pk, members=members, relation=relation):
                return relation is not None and members.get(pk, {}).get("relation") == relation

            person_key = self.match_person(
                row, pc, context, context_key, gender=gender or pc.gender, prefer=same_relation
            )
            if person_key is None:
                continue
            if self.duplicate(row, "name", seen, (person_key, dkey or region)):
                continue
            is_new = not person_key.startswith("db:")
            if is_new:
                if not self.region_in(region, person_add):
                    self.outside(row, "region", adding=True)
            elif not self.person_may_change(person_key, person_change) or not self.region_in(
                region, person_change
            ):
                self.outside(row, "name", adding=False)
            extra = {"home_region": ("region", region), "gender": gender}
            if not is_new:
                home = self.people[int(person_key[3:])]["home_region_id"]
                if info.pk is not None and home == info.pk:
                    extra.pop("home_region")
            person_changes = self.note_person(row, person_key, pc, extra, True)
            member_plan = None
            if dkey:
                relation = relation or HouseholdMember.Relation.OTHER
                if relation == HouseholdMember.Relation.HEAD:
                    if dkey in heads:
                        row.error(
                            "relation",
                            _("This dwelling already has a head of household on row %(row)d.")
                            % {"row": heads[dkey]},
                            row.text("relation"),
                        )
                    heads[dkey] = row.num
                if row.bad:
                    self.settle(row, True)
                    continue
                if household is None:
                    self.household_new.setdefault(dkey, {})
                if relation == HouseholdMember.Relation.HEAD and (
                    household is None or is_new or household["head_id"] != int(person_key[3:])
                ):
                    self.household_head[dkey] = person_key
                member = None
                if household is not None and not is_new:
                    member = self.members_of.get(household["pk"], {}).get(int(person_key[3:]))
                if member is None:
                    member_plan = Plan(
                        "members",
                        row.num,
                        (dkey, person_key),
                        None,
                        {"relation": relation},
                        {"household_id": ("household", dkey), "person_id": ("person", person_key)},
                    )
                else:
                    member_plan = Plan(
                        "members",
                        row.num,
                        (dkey, person_key),
                        member["pk"],
                        changed(member, {"relation": relation}),
                    )
                self.plan(member_plan)
            becomes_head = dkey is not None and self.household_head.get(dkey) == person_key
            changes = person_changes or becomes_head or (member_plan is not None and member_plan.changes)
            self.ambiguous_change(row, changes)
            if not self.settle(row, is_new or changes):
                continue
            if is_new:
                self.report.count(row.sheet.title, "created")
            else:
                self.report.count(row.sheet.title, "updated" if changes else "unchanged")
