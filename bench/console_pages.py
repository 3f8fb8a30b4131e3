"""Console pages on the demo city: the territory tree's counts in a fixed number of queries
against the naive way (a handful of queries per row), measured in the same run.

    .venv/bin/python bench/console_pages.py [--scale demo|seed] [--repeat 5]

Builds the Yichun demo city (`doorstep demo --scale ...`) in a throw-away SQLite file, then
prints, for the city, a county and a community page: the time and number of queries of
`selectors.tree_rows` (one recursive read of the subtree, then one grouped query per figure)
and of a naive per-row count (subtree ids, then buildings, dwellings, residents, grids and
coverage queried for each row), with their ratio; then the time and queries of each console
page rendered through Django's test client. Never fails on time; it does fail if the two ways
disagree on a figure.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DOORSTEP_DATA_DIR"] = tempfile.mkdtemp(prefix="doorstep-bench-console-")
os.environ.pop("DOORSTEP_DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
os.environ.setdefault("DOORSTEP_ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from doorstep.core.models import User  # noqa: E402
from doorstep.territory import property as prop  # noqa: E402
from doorstep.territory import selectors  # noqa: E402
from doorstep.territory.models import Building, Dwelling, Grid, Person, Region  # noqa: E402

L = Region.Level


def naive_rows(user, parent, on):
    """The obvious way: for each child, find its subtree, then count each figure on its own."""
    rows = []
    for child in selectors.regions_visible(user).filter(parent=parent).order_by("code"):
        ids = selectors.subtree_ids(child)
        compounds = Region.objects.filter(pk__in=ids, level=L.COMPOUND)
        grids = (
            Grid.objects.filter(compounds=child).count()
            if child.level == L.COMPOUND
            else Grid.objects.filter(community__in=ids).count()
        )
        cov = prop.coverage(child, on)
        rows.append(
            {
                "sub_regions": Region.objects.filter(parent=child).count(),
                "compounds": compounds.count(),
                "grids": grids,
                "buildings": Building.objects.filter(compound__in=ids).count(),
                "dwellings": Dwelling.objects.filter(building__compound__in=ids).count(),
                "residents": Person.objects.filter(home_region__in=ids, anonymised_at__isnull=True).count(),
                "old": cov.compounds,
                "covered": cov.covered,
            }
        )
    return rows


def ours(user, parent, on):
    return [
        {
            "sub_regions": r.sub_regions,
            "compounds": r.compounds,
            "grids": r.grids,
            "buildings": r.buildings,
            "dwellings": r.dwellings,
            "residents": r.residents,
            "old": r.old_compounds,
            "covered": r.covered_old_compounds,
        }
        for r in selectors.tree_rows(user, parent, on)
    ]


def measure(fn, repeat):
    times, queries, result = [], 0, None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - start)
        queries = len(ctx.captured_queries)
    return statistics.median(times) * 1000, queries, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="demo")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command("demo", scale=args.scale, stdout=quiet)
    print(f"demo city ({args.scale}) built in {time.perf_counter() - start:.1f} s")
    counts = {
        "regions": Region.objects.count(),
        "compounds": Region.objects.filter(level=L.COMPOUND).count(),
        "grids": Grid.objects.count(),
        "buildings": Building.objects.count(),
        "dwellings": Dwelling.objects.count(),
        "people": Person.objects.count(),
    }
    print("  " + ", ".join(f"{k} {v}" for k, v in counts.items()))

    user = User.objects.get(username="demo-leader")
    on = timezone.localdate()
    city = Region.objects.get(level=L.CITY, parent__isnull=True)
    county = Region.objects.filter(parent=city).order_by("code").first()
    community = Region.objects.get(name="宜阳社区")
    print(
        f"\n{'tree rows under':<14} {'rows':>5} {'ours ms':>9} {'queries':>8} {'naive ms':>9} {'queries':>8} {'ratio':>7}"
    )
    for parent in (city, county, community):
        t1, q1, a = measure(lambda p=parent: ours(user, p, on), args.repeat)
        t2, q2, b = measure(lambda p=parent: naive_rows(user, p, on), args.repeat)
        if a != b:
            raise SystemExit(f"the two ways disagree under {parent.name}:\n{a}\n{b}")
        print(f"{parent.name:<14} {len(a):>5} {t1:>9.1f} {q1:>8} {t2:>9.1f} {q2:>8} {t2 / t1:>6.1f}x")

    client = Client()
    client.force_login(user)
    compound = Region.objects.get(name="都市春天小区")
    grid = compound.covering_grids.first()
    pages = {
        "tree top": "/territory/",
        "city": f"/territory/r/{city.pk}/",
        "community": f"/territory/r/{community.pk}/",
        "compound": f"/territory/compound/{compound.pk}/",
        "grid": f"/territory/grid/{grid.pk}/",
        "search by name": "/territory/search/?q=王",
        "search by phone": "/territory/search/?q=13800138000",
        "coverage (2 dates)": f"/territory/coverage/{city.pk}/?before=2023-01-01",
        "public card": f"/c/{compound.code}/",
    }
    print(f"\n{'page':<20} {'ms':>7} {'queries':>8} {'KiB':>6}")
    for name, url in pages.items():
        t, q, response = measure(lambda u=url: client.get(u), args.repeat)
        assert response.status_code == 200, (name, response.status_code)
        print(f"{name:<20} {t:>7.1f} {q:>8} {len(response.content) / 1024:>6.1f}")


if __name__ == "__main__":
    main()
