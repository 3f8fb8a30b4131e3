"""The demo builder's homes: buildings, dwellings, owners, households and their people."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from doorstep.core.pii import lookup_hash
from doorstep.territory.models import (
    Building,
    Dwelling,
    Household,
    HouseholdMember,
    Ownership,
    Person,
    PersonTag,
    Region,
)

from . import layout
from .bulk import FastTable
from .common import BATCH, Home, L, Someone


class HomesPart:
    # -- buildings, dwellings, people -------------------------------------------------------

    def homes(self) -> None:
        rng, scale = self.rng, self.scale
        total_weight = sum(p.weight for p in self.compounds)
        buildings: list[Building] = []
        for plan in self.compounds:
            quota = max(10, round(scale.dwellings * plan.weight / total_weight))
            shapes = _building_shapes(rng, plan.old, quota, 4 if plan.model else 1)
            points = layout.points_in(plan.rect, len(shapes))
            for n, ((floors, units, _rooms, elevator), (lng, lat)) in enumerate(
                zip(shapes, points, strict=True)
            ):
                b = Building(
                    compound=plan.region,
                    number=f"{n + 1}栋",
                    floors=floors,
                    stairwell_units=units,
                    has_elevator=elevator,
                    built_year=plan.region.built_year,
                    lng=lng,
                    lat=lat,
                )
                b._rooms = _rooms
                buildings.append(b)
                plan.buildings.append(b)
        Building.objects.bulk_create(buildings, batch_size=BATCH)

        table = FastTable(
            Dwelling,
            ["building", "stairwell_unit", "room", "floor", "exclusive_area", "area_source", "use"],
            ids=True,
        )
        for plan in self.compounds:
            shops = not plan.old and rng.random() < 0.3
            for b in plan.buildings:
                for unit in range(1, b.stairwell_units + 1):
                    for floor in range(1, b.floors + 1):
                        for room in range(1, b._rooms + 1):
                            commercial = shops and floor == 1 and b.number == "1栋"
                            area = (
                                rng.uniform(30, 120)
                                if commercial
                                else rng.uniform(48, 96)
                                if plan.old
                                else rng.uniform(82, 146)
                            )
                            use = Dwelling.Use.COMMERCIAL if commercial else Dwelling.Use.RESIDENTIAL
                            number = f"{floor}{room:02d}"
                            source = (
                                Dwelling.AreaSource.REGISTER
                                if rng.random() < 0.9
                                else Dwelling.AreaSource.SURVEY
                            )
                            pk = table.add(b.pk, unit, number, floor, Decimal(f"{area:.2f}"), source, use)
                            plan.dwellings.append(Home(pk, b.pk, unit, number, use))
        table.flush()
        self._residents()

    def person(
        self, gender: str | None = None, *, age=(25, 75), home=None, surname=None, staff=False, phone=True
    ) -> Someone:
        """A synthetic person, queued for insertion (see `_flush_people`)."""
        gender = gender or self.rng.choice("MF")
        born = self.people.birth_date(*age, self.today)
        name = self.people.name(gender, surname)
        number = self.people.id_number(born, gender)
        pk = self.person_table.add(
            name,
            gender,
            self.people.phone(staff) if phone else "",
            number,
            lookup_hash(number),
            born,
            home.pk if home is not None else None,
        )
        return Someone(pk, name, gender, born)

    def _flush_people(self) -> None:
        self.person_table.flush()

    def _residents(self) -> None:
        rng = self.rng
        Rel = HouseholdMember.Relation
        owners = FastTable(
            Ownership,
            ["dwelling", "person", "organization", "is_developer_unsold", "registered_on", "certificate_no"],
            ids=False,
        )
        homes = FastTable(Household, ["dwelling", "head", "moved_in_on"], ids=True)
        members = FastTable(HouseholdMember, ["household", "person", "relation"], ids=False)
        investors: list[Someone] = []

        def household(d: Home, family, moved_in):
            pk = homes.add(d.pk, family[0][0].pk, moved_in)
            for person, relation in family:
                members.add(pk, person.pk, relation)

        for plan in self.compounds:
            compound = plan.region
            for d in plan.dwellings:
                moved_in = date(
                    compound.built_year + rng.randint(0, 3), rng.randint(1, 12), rng.randint(1, 28)
                )
                if moved_in > self.today:
                    moved_in = self.today - timedelta(days=30)
                r = rng.random()
                if plan.developer is not None and r < 0.06:
                    # The developer's unsold unit: organisation-owned, together one owner in a vote.
                    owners.add(d.pk, None, plan.developer.pk, True, None, "")
                    continue
                if d.use == Dwelling.Use.COMMERCIAL:
                    owner = self.person(home=compound)
                    owners.add(d.pk, owner.pk, None, False, moved_in, "")
                    continue
                if r < 0.10 and investors:
                    # One owner of several units: this one is let or stands empty.
                    owner = rng.choice(investors)
                    owners.add(d.pk, owner.pk, None, False, moved_in, "")
                    if rng.random() < 0.7:
                        household(d, self._family(compound, tenant=True), moved_in)
                    continue
                family = self._family(compound)
                head = family[0][0]
                plan.owners.append(head)
                certificate = f"赣（{moved_in.year}）宜春市不动产权第{rng.randint(1, 9999999):07d}号"
                owners.add(d.pk, head.pk, None, False, moved_in, certificate)
                spouse = next((p for p, rel in family if rel == Rel.SPOUSE), None)
                if spouse is not None and rng.random() < 0.15:
                    # Co-owners: two rows of one dwelling, one owner for a vote's headcount.
                    owners.add(d.pk, spouse.pk, None, False, moved_in, certificate)
                if rng.random() < 0.04:
                    investors.append(head)
                household(d, family, moved_in)
                if rng.random() < 0.06:
                    plan.party_heads.append((head, d))
        self._flush_people()
        for table in (owners, homes, members):
            table.flush()

    def _family(self, compound: Region, tenant: bool = False) -> list[tuple[Someone, str]]:
        rng = self.rng
        Rel = HouseholdMember.Relation
        head_gender = "M" if rng.random() < 0.7 else "F"
        head = self.person(head_gender, age=(24, 82), home=compound)
        family = [(head, Rel.HEAD)]
        head_age = (self.today - head.birth_date).days // 365
        if rng.random() < 0.72:
            spouse_age = max(20, min(90, head_age + rng.randint(-5, 3)))
            family.append(
                (
                    self.person(
                        "F" if head_gender == "M" else "M", age=(spouse_age, spouse_age), home=compound
                    ),
                    Rel.SPOUSE,
                )
            )
        if head_age < 60 and not tenant or rng.random() < 0.3:
            for _ in range(rng.choice((0, 1, 1, 2))):
                child_age = max(0, min(head_age - 20, rng.randint(0, 30)))
                family.append(
                    (
                        self.person(
                            age=(child_age, child_age),
                            home=compound,
                            surname=head.name[0],
                            phone=child_age >= 16,
                        ),
                        Rel.CHILD,
                    )
                )
        if head_age < 55 and rng.random() < 0.15:
            parent_age = min(95, head_age + rng.randint(22, 32))
            family.append(
                (self.person(age=(parent_age, parent_age), home=compound, surname=head.name[0]), Rel.PARENT)
            )
        return family

    # -- riders -------------------------------------------------------------------------------

    def riders(self) -> None:
        tags = {
            slug: PersonTag.objects.get_or_create(slug=slug, defaults={"name": name})[0]
            for slug, name in (
                ("rider", "外卖骑手"),
                ("courier", "快递员"),
                ("governance_partner", "城市治理合伙人"),
            )
        }
        qinghua = self.by_name["清华社区"]
        fengxin = next(
            r for r in self.regions.values() if r.level == L.COMMUNITY and r.parent.code == "360921100"
        )
        groups = [
            (qinghua, 30, ("rider", "governance_partner")),
            (fengxin, self.scale.fengxin_riders, ("courier",)),
        ]
        tagged: list[tuple[Person, tuple[str, ...]]] = []
        for home, n, slugs in groups:
            for i in range(n):
                p = self.person("M" if self.rng.random() < 0.9 else "F", age=(20, 45), home=home)
                extra = ("rider",) if slugs == ("courier",) and i % 2 else ()
                tagged.append((p, slugs + extra))
        self._flush_people()
        through = Person.tags.through
        through.objects.bulk_create(
            [through(person_id=p.pk, persontag_id=tags[s].pk) for p, slugs in tagged for s in slugs],
            batch_size=BATCH,
        )


def _building_shapes(
    rng: random.Random, old: bool, quota: int, at_least: int
) -> list[tuple[int, int, int, bool]]:
    """(floors, stairwell units, rooms per floor and unit, elevator) of a compound's buildings,
    adding up to about `quota` dwellings: walk-ups of 5–7 floors in old compounds, towers of
    up to 33 floors with elevators in new ones (shortened when the quota is nearly met)."""
    shapes: list[tuple[int, int, int, bool]] = []
    remaining = quota
    # Stop when what is left would not fill half of the smallest building.
    while remaining > 5 or len(shapes) < at_least:
        if old:
            floors, units, rooms, low = rng.randint(5, 7), rng.randint(1, 3), 2, 5
        else:
            floors, units, rooms, low = (
                rng.choice((6, 11, 18, 26, 33)),
                rng.randint(1, 2),
                rng.choice((2, 2, 3, 4)),
                6,
            )
        if remaining > 0 and floors * units * rooms > remaining:
            units = 1
            floors = max(low, min(floors, -(-remaining // rooms)))
        shapes.append((floors, units, rooms, floors > 7))
        remaining -= floors * units * rooms
    return shapes
