"""Staff console pages of the territory and the public compound card.

Every staff page reads through a selector that takes the user; anything outside the user's
scope is a 404 (a 403 would tell an outsider that it exists).
"""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.vary import vary_on_headers

from doorstep.core.pii import mask_name

from . import property as property_
from . import selectors
from .models import PropertyService, Region


def _partial(request) -> bool:
    """An htmx drill-down asks for the panel only; a history restore wants the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def _parse_date(value: str | None, default: date | None = None) -> date | None:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        return default


@login_required
@vary_on_headers("HX-Request")
def tree(request, pk: int | None = None):
    """The territory tree, one level at a time, from the top of the user's scope down."""
    region = selectors.region_in_scope(request.user, pk) if pk is not None else None
    if region is not None and region.is_compound:
        return redirect("territory:compound", pk=region.pk)
    context = {
        "region": region,
        "rows": selectors.tree_rows(request.user, region),
        "crumbs": selectors.breadcrumbs(request.user, region) if region else [],
        "grids": (
            selectors.community_grids(region)
            if region is not None and region.level == Region.Level.COMMUNITY
            else []
        ),
    }
    template = "territory/_tree_panel.html" if _partial(request) else "territory/tree.html"
    return render(request, template, context)


@login_required
def compound(request, pk: int):
    """A compound: map, buildings, grids, organisations, property history, joint body, contacts."""
    region = selectors.region_in_scope(request.user, pk, level=Region.Level.COMPOUND)
    page = selectors.compound_page(region)
    scope = selectors.scope_for(request.user)
    for g in page.grids:
        # A compound-level role sees the compound but not the community's grid page.
        g.linkable = scope.covers_region(g.community_id)
    return render(
        request,
        "territory/compound.html",
        {
            "page": page,
            "compound": region,
            "crumbs": selectors.breadcrumbs(request.user, region),
            "map_data": _compound_map(page),
        },
    )


@login_required
def grid(request, pk: int):
    """A grid: kind, merged duties, boundary, compounds covered, workers, stationed contacts."""
    g = selectors.grid_in_scope(request.user, pk)
    compounds = selectors.grid_compounds(g)
    duty_labels = dict(g.Duty.choices)
    layers = [{"kind": "grid", "label": g.name, "geometry": g.boundary}]
    layers += [{"kind": "compound", "label": c.name, "geometry": c.boundary} for c in compounds]
    return render(
        request,
        "territory/grid.html",
        {
            "grid": g,
            "duties": [duty_labels.get(d, d) for d in g.duties or []],
            "compounds": compounds,
            "contacts": selectors.grid_contacts(g),
            "crumbs": selectors.breadcrumbs(request.user, _with_path(request.user, g.community_id)),
            "map_data": {
                "layers": layers,
                "points": [],
                "center": _center(g.centroid_lng, g.centroid_lat),
            },
        },
    )


def _with_path(user, region_id: int) -> Region:
    return selectors.region_in_scope(user, region_id)


def person_url(pk: int) -> str | None:
    """The person page, if the people pages are installed (they unmask, with a reason)."""
    for kwargs in ({"args": [pk]}, {"kwargs": {"pk": pk}}):
        try:
            return reverse("territory:people:detail", **kwargs)
        except NoReverseMatch:
            continue
    return None


@login_required
@vary_on_headers("HX-Request")
def person_search(request):
    """Search people in scope by name, phone or ID number; results are masked."""
    text = (request.GET.get("q") or "").strip()[:64]
    by = request.GET.get("by") or "auto"
    if by not in {"auto", "name", "phone", "id_number"}:
        by = "auto"
    query = selectors.read_person_query(text, by) if text else None
    results = []
    if query is not None:
        for p in selectors.search_people(request.user, query):
            results.append(
                {
                    "masked_name": p.masked_name,
                    "masked_phone": p.masked_phone,
                    "masked_id_number": p.masked_id_number,
                    "home": p.home_region,
                    "url": person_url(p.pk),
                }
            )
    template = "territory/_search_results.html" if _partial(request) else "territory/search.html"
    return render(
        request,
        template,
        {"q": text, "by": by, "query": query, "results": results, "limit": selectors.SEARCH_LIMIT},
    )


@login_required
def coverage(request, pk: int | None = None):
    """Property coverage of old compounds per child region on a day, optionally against another.

    Without a region the page starts at the top of the user's scope (one region: its table;
    several: one row per top region).
    """
    today = timezone.localdate()
    on = _parse_date(request.GET.get("on"), today)
    before = _parse_date(request.GET.get("before"))
    if pk is None:
        tops = [row.region for row in selectors.tree_rows(request.user, None, on)]
        if len(tops) == 1:
            return redirect(_coverage_url(tops[0].pk, request.GET))
        region, children = None, tops
        rows = [property_.coverage(top, on) for top in tops]
        rows_before = [property_.coverage(top, before) for top in tops] if before else []
        total = total_before = None
    else:
        region = selectors.region_in_scope(request.user, pk)
        rows = property_.coverage_table(request.user, region, on)
        rows_before = property_.coverage_table(request.user, region, before) if before else []
        total = property_.coverage(region, on)
        total_before = property_.coverage(region, before) if before else None
        children = [row.region for row in rows]
    earlier = {row.region.pk: row for row in rows_before}
    lines = [_coverage_line(row, earlier.get(row.region.pk)) for row in rows]
    return render(
        request,
        "territory/coverage.html",
        {
            "region": region,
            "crumbs": selectors.breadcrumbs(request.user, region) if region else [],
            "on": on,
            "before": before,
            "today": today,
            "lines": lines,
            "total": _coverage_line(total, total_before) if total else None,
            "modes": PropertyService.Mode.choices,
            "has_children": bool(children),
        },
    )


def _coverage_url(pk: int, query) -> str:
    url = reverse("territory:coverage_region", args=[pk])
    return f"{url}?{query.urlencode()}" if query else url


def _coverage_line(now, then) -> dict:
    """One table line: the coverage on the chosen day, the earlier one and the change in points."""
    return {
        "row": now,
        "modes": [(mode, label, now.count(mode)) for mode, label in PropertyService.Mode.choices],
        "before": then,
        "change": (now.rate - then.rate) if then is not None else None,
    }


def public_card(request, code: str):
    """The public card of a compound: who serves it and how to reach them; no personal data."""
    region = selectors.compound_by_code(code)
    page = selectors.compound_page(region)
    for contact in page.contacts:
        # A stationed official's phone is public; their full name stays off the open web.
        contact.masked_name = mask_name(contact.name)
    ancestors = {
        r.level: r for r in Region.objects.filter(pk__in=region.tree_path[:-1]).only("name", "level")
    }
    return render(
        request,
        "territory/public_card.html",
        {
            "page": page,
            "compound": region,
            "community": ancestors.get(Region.Level.COMMUNITY),
            "subdistrict": ancestors.get(Region.Level.SUBDISTRICT),
            "county": ancestors.get(Region.Level.COUNTY),
            "today": timezone.localdate(),
        },
    )


def _center(lng, lat):
    return [lat, lng] if lng is not None and lat is not None else None


def _compound_map(page: selectors.CompoundPage) -> dict:
    """GeoJSON layers and points for the page's map (drawn by web/map.js with Leaflet)."""
    c = page.compound
    layers = [{"kind": "grid", "label": g.name, "geometry": g.boundary} for g in page.grids]
    layers.append({"kind": "compound", "label": c.name, "geometry": c.boundary})
    points = [
        {"label": b.number, "lng": b.lng, "lat": b.lat}
        for b in page.buildings
        if b.lng is not None and b.lat is not None
    ]
    return {"layers": layers, "points": points, "center": _center(c.centroid_lng, c.centroid_lat)}
