"""The demo builder's organisations: departments, party structure, companies, committees,
property-service history, five-party joint bodies, grid workers and department contacts."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from doorstep.territory import organizations as org_services
from doorstep.territory import property as property_services
from doorstep.territory.models import (
    DepartmentContact,
    Grid,
    GridMember,
    JointBodySeat,
    Organization,
    OrgMembership,
    PartyMembership,
    Person,
    PropertyService,
    Region,
)
from doorstep.territory.organizations import add_years

from . import places
from .common import (
    BASELINE_SURVEY,
    BATCH,
    REFORM_FROM,
    REFORM_TO,
    Home,
    K,
    L,
    Mode,
    Pos,
    Someone,
    day_between,
    unique_name,
)


class BodiesPart:
    # -- organisations ------------------------------------------------------------------------

    def _orgs(self, orgs: list[Organization]) -> list[Organization]:
        return Organization.objects.bulk_create(orgs, batch_size=BATCH)

    def organisations(self) -> None:
        rng = self.rng
        city = self.regions[places.CITY[0]]
        counties = [self.regions[c.code] for c in places.COUNTIES]
        subdistricts = [r for r in self.regions.values() if r.level == L.SUBDISTRICT]
        communities = [r for r in self.regions.values() if r.level == L.COMMUNITY]

        # Departments (10+ per county) and co-building units.
        depts, units = [], []
        for county in counties:
            for key, dname, _duties in places.DEPARTMENTS:
                org = Organization(
                    name=f"{county.name}{dname}",
                    kind=K.DEPARTMENT,
                    region=county,
                    phone=self.people.phone(True),
                )
                depts.append(org)
                self.departments[(county.code, key)] = org
            for uname in places.CO_BUILDING_UNITS:
                org = Organization(name=f"{county.name}{uname}", kind=K.CO_BUILDING_UNIT, region=county)
                units.append(org)
                self.co_building[county.code].append(org)
        offices = {
            s.pk: Organization(
                name=f"{s.name}办事处" if s.kind == "subdistrict" else f"{s.name}人民政府",
                kind=K.DEPARTMENT,
                region=s,
                phone=self.people.phone(True),
            )
            for s in subdistricts
        }
        residents_committees = {
            c.pk: Organization(name=f"{c.name}居民委员会", kind=K.RESIDENTS_COMMITTEE, region=c)
            for c in communities
        }
        soe = Organization(name="宜春市城市建设投资发展集团", kind=K.STATE_ENTERPRISE, region=city)
        platforms = [
            Organization(name="外卖平台宜春城市站", kind=K.PLATFORM, region=city),
            Organization(name="即时配送平台宜春城市站", kind=K.PLATFORM, region=city),
            Organization(name="宜春快递物流行业协会", kind=K.PLATFORM, region=city),
        ]
        volunteers = [
            Organization(name="红木莲·春暖春城志愿服务总队", kind=K.VOLUNTEER_ORG, region=city),
            Organization(name="旗行者先锋志愿服务队", kind=K.VOLUNTEER_ORG, region=self.regions["360921"]),
        ]
        for cname in ("宜阳社区", "崇文社区"):
            c = self.by_name[cname]
            for team in ("跑腿办", "邻里帮", "圆梦队", "解忧团"):
                volunteers.append(Organization(name=f"{c.name}{team}", kind=K.VOLUNTEER_ORG, region=c))
        developers = [
            Organization(
                name=f"{county.name[:2]}{rng.choice(places.COMPANY_WORDS)}置业有限公司",
                kind=K.DEVELOPER,
                region=county,
            )
            for county in counties
        ]
        self._orgs(
            depts
            + units
            + list(offices.values())
            + list(residents_committees.values())
            + [soe]
            + platforms
            + volunteers
            + developers
        )
        stations = [
            Organization(name=f"{county.name}配送站", kind=K.STATION, region=county, parent=platforms[i % 2])
            for i, county in enumerate(counties)
        ]
        self._orgs(stations)
        developer_of = {county.pk: dev for county, dev in zip(counties, developers, strict=True)}
        for plan in self.compounds:
            if not plan.old:
                plan.developer = developer_of[plan.community.parent.parent_id]

        # Resident units: schools and hospitals in their dedicated grids; 润达商业.
        resident_units = []
        for grids in self.dedicated.values():
            for g in grids:
                if g.kind in (Grid.Kind.SCHOOL, Grid.Kind.HOSPITAL, Grid.Kind.COMMERCIAL):
                    uname = g.name.replace("专属网格", "")
                    resident_units.append(
                        Organization(name=uname, kind=K.RESIDENT_UNIT, region=g.community, grid=g)
                    )
        self._orgs(resident_units)

        # Party structure, levels 1 and 2.
        level1 = {
            s.pk: Organization(
                name=f"{s.name}党工委" if s.kind == "subdistrict" else f"{s.name}党委",
                kind=K.PARTY_WORKING_COMMITTEE,
                region=s,
            )
            for s in subdistricts
        }
        self._orgs(list(level1.values()))
        level2 = {}
        for c in communities:
            kind = (
                K.PARTY_GENERAL_BRANCH
                if c.name == "崇文社区"
                else rng.choice([K.PARTY_COMMITTEE, K.PARTY_COMMITTEE, K.PARTY_GENERAL_BRANCH])
            )
            if c.name in ("宜阳社区", "锦阳社区"):
                kind = K.PARTY_COMMITTEE
            suffix = {K.PARTY_COMMITTEE: "党委", K.PARTY_GENERAL_BRANCH: "党总支"}[kind]
            level2[c.pk] = Organization(
                name=f"{c.name}{suffix}", kind=kind, region=c, parent=level1[c.parent_id]
            )
        self._orgs(list(level2.values()))
        self.party.update(level1)
        self.party.update(level2)

        # Property companies: public welfare (sponsored) and market.
        # Sponsors in turn: a subdistrict, a community, the state-owned enterprise. 秀江街道 comes
        # first: its company serves the model compound 都市春天小区.
        xiujiang = self.regions["360902002"]
        by_subdistrict = [xiujiang] + [s for s in subdistricts if s != xiujiang]
        sponsors = []
        for i in range(self.scale.public_welfare):
            choice = i % 3
            if choice == 0:
                s = by_subdistrict[(i // 3) % len(by_subdistrict)]
                sponsors.append((offices[s.pk], s))
            elif choice == 1:
                c = communities[(i * 7) % len(communities)]
                sponsors.append((residents_committees[c.pk], c))
            else:
                sponsors.append((soe, city))
        self.public_welfare_companies = self._orgs(
            [
                Organization(
                    name=_public_welfare_name(where, i),
                    kind=K.PROPERTY_COMPANY,
                    company_mode=Organization.CompanyMode.PUBLIC_WELFARE,
                    sponsor=sponsor,
                    region=where,
                    phone=self.people.phone(True),
                )
                for i, (sponsor, where) in enumerate(sponsors)
            ]
        )
        names: set[str] = set()
        market = []
        for i in range(self.scale.market_companies):
            county = counties[i % len(counties)]
            name = unique_name(rng, places.COMPANY_WORDS, "物业服务有限公司", names, county.name[:2])
            market.append(
                Organization(
                    name=name,
                    kind=K.PROPERTY_COMPANY,
                    company_mode=Organization.CompanyMode.MARKET,
                    region=county,
                    credit_code=self._credit_code(),
                    phone=self.people.phone(True),
                )
            )
        self.market_companies = self._orgs(market)

    def _credit_code(self) -> str:
        first17 = "91360900" + "".join(self.rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
        return first17 + org_services.credit_code_check(first17)

    # -- committees and the party below the community -----------------------------------------

    def committees_and_party(self) -> None:
        rng, scale = self.rng, self.scale
        old = [p for p in self.compounds if p.old]
        # Which old compounds get which property service now, and who has a committee.
        models = [p for p in old if p.model]
        rest = [p for p in old if not p.model]
        rng.shuffle(rest)
        ordered = models + rest
        pw_n, market_n, self_n = scale.public_welfare, scale.market, scale.self_managed
        # Model compounds are served by companies (their joint body needs one): alternate PW / market,
        # with 都市春天小区 on the public-welfare company of 秀江街道 and 新城国际小区 on a market one.
        final: dict[int, str] = {}
        pw_left, market_left = pw_n, market_n
        others_seen = 0
        for p in models:
            name = p.region.name
            if name != "新城国际小区" and (name == "都市春天小区" or others_seen % 2 == 0):
                final[p.region.pk], pw_left = Mode.PUBLIC_WELFARE, pw_left - 1
            else:
                final[p.region.pk], market_left = Mode.MARKET, market_left - 1
            if name not in ("都市春天小区", "新城国际小区"):
                others_seen += 1
        queue = [Mode.PUBLIC_WELFARE] * pw_left + [Mode.MARKET] * market_left + [Mode.SELF_MANAGED] * self_n
        for p, mode in zip(rest, queue, strict=False):
            final[p.region.pk] = mode
        for p in rest[len(queue) :]:
            final[p.region.pk] = Mode.NONE
        self.final_mode = final

        # Committees: every self-managed and model compound, then others up to the count.
        need = [p for p in ordered if final[p.region.pk] == Mode.SELF_MANAGED or p.model]
        others = [p for p in ordered if p not in need]
        committee_plans = (need + others)[: scale.committees]
        self.committee_of: dict[int, Organization] = {}
        memberships = []
        orgs = []
        for i, plan in enumerate(committee_plans):
            pmc = i % 4 == 3 and not plan.model
            start = day_between(rng, date(2022, 6, 1), date(2025, 3, 31))
            if plan.region.name == "新城国际小区":
                start = date(2024, 4, 20)  # 业主委员会换届 with the reorganisation
            end = (
                add_years(start, 5) - timedelta(days=1)
                if not pmc
                else add_years(start, 3) - timedelta(days=1)
            )
            org = Organization(
                name=f"{plan.region.name}{'物业管理委员会' if pmc else '业主委员会'}",
                kind=K.PROPERTY_MANAGEMENT_COMMITTEE if pmc else K.OWNERS_COMMITTEE,
                region=plan.region,
                term_start=start,
                term_end=end,
            )
            orgs.append(org)
            self.committee_of[plan.region.pk] = org
            owners = list(dict.fromkeys(plan.owners))
            size = 7 if len(owners) >= 40 else 5
            if len(owners) < size and not plan.model:
                pmc = True  # too few owners to elect a committee: the subdistrict forms one
                org.kind, org.name = K.PROPERTY_MANAGEMENT_COMMITTEE, f"{plan.region.name}物业管理委员会"
                org.term_end = end = add_years(start, 3) - timedelta(days=1)
            if pmc:
                people = [self.person(age=(30, 55), home=plan.community, staff=True) for _ in range(2)]
                chosen = people + rng.sample(owners, min(3, len(owners)))
            else:
                chosen = rng.sample(owners, min(size, len(owners)))
            for j, person in enumerate(chosen):
                position = Pos.DIRECTOR if j == 0 else Pos.DEPUTY_DIRECTOR if j == 1 else Pos.MEMBER
                memberships.append((org, person, position, start, end))
        self._flush_people()
        self._orgs(orgs)
        OrgMembership.objects.bulk_create(
            [
                OrgMembership(organization=o, person_id=p.pk, position=pos, term_start=s, term_end=e)
                for o, p, pos, s, e in memberships
            ],
            batch_size=BATCH,
        )

        # Compound party branches set up with the committees (330 at seed scale).
        with_party = [p for p in committee_plans if p.model] + [p for p in committee_plans if not p.model]
        with_party = with_party[: scale.committee_party_orgs]
        branches = [
            Organization(
                name=f"{p.region.name}党支部",
                kind=K.PARTY_BRANCH,
                region=p.region,
                parent=self.party[p.community.pk],
            )
            for p in with_party
        ]
        # Grid party branches in 宜阳社区, and 润达党支部 at 润达商业 (凤凰街道).
        yiyang = self.by_name["宜阳社区"]
        for g in self.grids[yiyang.pk]:
            branches.append(
                Organization(
                    name=f"{g.name}党支部",
                    kind=K.PARTY_BRANCH,
                    region=yiyang,
                    grid=g,
                    parent=self.party[yiyang.pk],
                )
            )
        for grids in self.dedicated.values():
            for g in grids:
                if g.name == "润达商业专属网格":
                    branches.append(
                        Organization(
                            name="润达党支部",
                            kind=K.PARTY_BRANCH,
                            region=g.community,
                            grid=g,
                            parent=self.party[g.community_id],
                        )
                    )
        self._orgs(branches)
        for p, b in zip(with_party, branches, strict=False):
            self.compound_branch[p.region.pk] = b

        # Building party groups (every building of a model compound, the first elsewhere) and
        # party-member center households.
        groups = []
        for plan in with_party:
            for b in plan.buildings if plan.model else plan.buildings[:1]:
                groups.append(
                    Organization(
                        name=f"{plan.region.name}{b.number}党小组",
                        kind=K.PARTY_GROUP,
                        region=plan.region,
                        building=b,
                        parent=self.compound_branch[plan.region.pk],
                    )
                )
        self._orgs(groups)
        households = []
        heads_by_building: dict[int, list[tuple[Someone, Home]]] = defaultdict(list)
        for plan in with_party:
            for head, d in plan.party_heads:
                heads_by_building[d.building_id].append((head, d))
        for g in groups:
            for _head, d in heads_by_building.get(g.building_id, [])[:2]:
                org = Organization(
                    name=f"{g.building.number}{d.stairwell_unit}单元{d.room}党员中心户",
                    kind=K.CENTER_HOUSEHOLD,
                    region=g.region,
                    building=g.building,
                    dwelling_id=d.pk,
                    parent=g,
                )
                households.append(org)
        self._orgs(households)

    # -- property service ---------------------------------------------------------------------

    def property_history(self) -> None:
        rng, scale = self.rng, self.scale
        final = self.final_mode
        pw = list(self.public_welfare_companies)
        market = list(self.market_companies)
        old = [p for p in self.compounds if p.old]
        # Covered before the drive: market compounds (a few later passed to public-welfare companies).
        pw_before = max(1, round(scale.covered_before * 0.15))
        market_now = [p for p in old if final[p.region.pk] == Mode.MARKET and p.region.name != "新城国际小区"]
        pw_now = [
            p for p in old if final[p.region.pk] == Mode.PUBLIC_WELFARE and p.region.name != "都市春天小区"
        ]
        xincheng = next(p for p in old if p.region.name == "新城国际小区")
        before = set()
        before.add(xincheng.region.pk)
        for p in pw_now[:pw_before]:
            before.add(p.region.pk)
        for p in market_now[: scale.covered_before - len(before)]:
            before.add(p.region.pk)

        periods: list[PropertyService] = []
        pw_i = market_i = 0
        for plan in self.compounds:
            compound = plan.region
            if not plan.old:
                company = market[market_i % len(market)]
                market_i += 1
                periods.append(
                    PropertyService(
                        compound=compound,
                        mode=Mode.MARKET,
                        company=company,
                        start=date(compound.built_year, 6, 1),
                    )
                )
                continue
            if compound.name == "新城国际小区":
                continue  # recorded below through the service, as a clerk would
            mode = final[compound.pk]
            if mode == Mode.PUBLIC_WELFARE and compound.name == "都市春天小区":
                company = pw[0]  # 秀江街道's own public-welfare company
            elif mode == Mode.PUBLIC_WELFARE:
                pw_i += 1
                company = pw[pw_i % len(pw)]
            elif mode == Mode.MARKET:
                company = market[market_i % len(market)]
                market_i += 1
            elif mode == Mode.SELF_MANAGED:
                company = self.committee_of.get(compound.pk)
            else:
                company = None
            if compound.pk in before:
                first_company = company if mode == Mode.MARKET else market[(market_i + 7) % len(market)]
                first = PropertyService(
                    compound=compound, mode=Mode.MARKET, company=first_company, start=BASELINE_SURVEY
                )
            else:
                first = PropertyService(compound=compound, mode=Mode.NONE, start=BASELINE_SURVEY)
            if mode == first.mode and company == first.company:
                periods.append(first)
                continue
            if mode == Mode.NONE:
                periods.append(first)
                continue
            start = day_between(rng, REFORM_FROM, REFORM_TO)
            if mode == Mode.SELF_MANAGED and company is not None:
                start = max(start, company.term_start + timedelta(days=30))
            first.end = start - timedelta(days=1)
            periods += [first, PropertyService(compound=compound, mode=mode, company=company, start=start)]
        PropertyService.objects.bulk_create(periods, batch_size=BATCH)

        # 新城国际小区: a market company since the survey, reorganised in 2024 (物业服务企业重组).
        compound = xincheng.region
        old_company, new_company = market[-1], market[-2]
        property_services.change_property_service(compound, Mode.MARKET, old_company, start=BASELINE_SURVEY)
        property_services.change_property_service(compound, Mode.MARKET, new_company, start=date(2024, 5, 1))

    # -- joint bodies -------------------------------------------------------------------------

    def joint_bodies(self) -> None:
        rng = self.rng
        for plan in self.compounds:
            if not plan.model:
                continue
            compound = plan.region
            service = property_services.service_on(compound, self.today)
            committee = self.committee_of[compound.pk]
            county_code = plan.community.parent.parent.code
            unit = self.co_building[county_code][0]
            representatives = list(
                OrgMembership.objects.filter(organization=committee).select_related("person").order_by("pk")
            )
            resident = rng.choice(plan.owners[1:] or plan.owners)
            org_services.create_joint_body(
                compound,
                party=self.party[plan.community.pk],
                property_company=service.company,
                owners_committee=committee,
                co_building_unit=unit,
                residents=Person.objects.get(pk=resident.pk),
                representatives={JointBodySeat.Seat.OWNERS_COMMITTEE: representatives[0].person},
            )

    # -- grid workers, department contacts ----------------------------------------------------

    def contacts_and_workers(self) -> None:
        rng = self.rng
        members: list[tuple[Grid, Person, str]] = []
        contacts: list[DepartmentContact] = []
        since = date(2023, 7, 1)
        for community in [r for r in self.regions.values() if r.level == L.COMMUNITY]:
            secretary = self.person(age=(32, 56), home=community, staff=True)
            for g in self.grids[community.pk]:
                worker = self.person(age=(24, 50), home=community, staff=True)
                members += [
                    (g, worker, GridMember.Position.WORKER),
                    (g, secretary, GridMember.Position.LEADER),
                ]
            for g in self.dedicated[community.pk]:
                members.append(
                    (g, self.person(age=(28, 58), home=community, staff=True), GridMember.Position.WORKER)
                )
            county = community.parent.parent
            first = self.grids[community.pk][0]
            for key in places.STATIONED:
                contacts.append(
                    DepartmentContact(
                        department=self.departments[(county.code, key)],
                        grid=first,
                        name=self.people.name(rng.choice("MF")),
                        title=_CONTACT_TITLES[key],
                        public_phone=self.people.phone(staff=True),
                        duties=next(d for k, _n, d in places.DEPARTMENTS if k == key),
                    )
                )
        for plan in self.compounds:
            if plan.model:
                county = plan.community.parent.parent
                for key in ("housing", "police"):
                    contacts.append(
                        DepartmentContact(
                            department=self.departments[(county.code, key)],
                            compound=plan.region,
                            name=self.people.name(rng.choice("MF")),
                            title=_CONTACT_TITLES[key],
                            public_phone=self.people.phone(staff=True),
                            duties=next(d for k, _n, d in places.DEPARTMENTS if k == key),
                        )
                    )
        self._flush_people()
        GridMember.objects.bulk_create(
            [GridMember(grid=g, person_id=p.pk, position=pos, since=since) for g, p, pos in members],
            batch_size=BATCH,
        )
        DepartmentContact.objects.bulk_create(contacts, batch_size=BATCH)

    # -- party members ------------------------------------------------------------------------

    def party_members(self) -> None:
        rng = self.rng
        rows = []
        Status = PartyMembership.Status
        for plan in self.compounds:
            org = self.compound_branch.get(plan.region.pk) or self.party[plan.community.pk]
            for head, _d in plan.party_heads:
                status = rng.choice((Status.IN_SERVICE, Status.IN_SERVICE, Status.RETIRED, Status.FLOATING))
                rows.append(
                    PartyMembership(
                        person_id=head.pk,
                        organization=org,
                        status=status,
                        reports_to=plan.community
                        if status != Status.FLOATING or rng.random() < 0.5
                        else None,
                        reported_on=day_between(rng, date(2023, 1, 1), date(2025, 6, 30)),
                        joined_on=day_between(
                            rng,
                            head.birth_date + timedelta(days=365 * 19),
                            min(self.today, head.birth_date + timedelta(days=365 * 45)),
                        ),
                    )
                )
        PartyMembership.objects.bulk_create(rows, batch_size=BATCH)


def _public_welfare_name(where: Region, i: int) -> str:
    if where.level == L.SUBDISTRICT:
        return f"{where.name}公益物业服务中心"
    if where.level == L.COMMUNITY:
        return f"{where.name}红色物业服务站"
    return f"城投公益物业第{i + 1}服务中心"


_CONTACT_TITLES = {
    "urban": "城管队员",
    "market": "市场监管所联络员",
    "police": "社区民警",
    "fire": "消防联络员",
    "housing": "物业监管联络员",
}
