"""`doorstep demo [--scale demo|seed] [--dwellings N] [--reset]`: build the Yichun demo city
(and, with the demands app, its demands and cases: doorstep/demands/demo.py).

Runs on every `make run`: when the city is already there it only adds missing demo logins and
prints them, so it returns in a moment. Refuses to run with DOORSTEP_DEBUG=0: demo logins
with a published password have no place on a production system.
"""

import time
from datetime import date

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.territory import property as property_services
from doorstep.territory.demo import CITY_CODE, DEMO_PASSWORD, SCALES, build_demo, existing_scale
from doorstep.territory.demo.builder import BEFORE
from doorstep.territory.demo.logins import ROLE_LABEL
from doorstep.territory.models import Region


class Command(BaseCommand):
    help = "Build the Yichun demo city (synthetic data) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=sorted(SCALES),
            default="demo",
            help="demo: every named place, a few thousand dwellings (seconds); seed: the article's scale for benchmarks.",
        )
        parser.add_argument(
            "--dwellings",
            type=int,
            default=None,
            help="How many dwellings to build (default: 2,500 demo, 50,000 seed).",
        )
        parser.add_argument("--reset", action="store_true", help="Delete the demo city and build it again.")

    def handle(self, *args, scale, dwellings, reset, **options):
        if not settings.DEBUG:
            raise CommandError(
                _("The demo city is for development only: it refuses to run with DOORSTEP_DEBUG=0.")
            )
        if dwellings is not None and dwellings < 100:
            raise CommandError(_("Build at least 100 dwellings."))
        started = time.monotonic()
        demands = apps.is_installed("doorstep.demands")
        if reset and apps.is_installed("doorstep.projects"):
            from doorstep.projects.demo import delete_demo_projects

            delete_demo_projects()  # projects protect the regions and demands the reset deletes
        if reset and demands:
            from doorstep.demands.demo import delete_demo_demands

            delete_demo_demands()  # they protect the regions the reset deletes
        if reset and apps.is_installed("doorstep.resources"):
            from doorstep.resources.demo import delete_demo_places

            delete_demo_places()  # places protect the regions the reset deletes
        result = build_demo(scale, dwellings=dwellings, reset=reset)
        seconds = time.monotonic() - started
        if result.built:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Built the Yichun demo city at %(scale)s scale in %(seconds).1f s.")
                    % {"scale": result.scale, "seconds": seconds}
                )
            )
        else:
            self.stdout.write(
                _("The Yichun demo city is already there (%(scale)s scale); nothing was rebuilt.")
                % {"scale": existing_scale()}
            )
            if scale != result.scale:
                self.stdout.write(_("Use --reset to rebuild it at %(scale)s scale.") % {"scale": scale})
        self.print_summary(result.counts)
        if demands and result.logins:
            from doorstep.demands.demo import build_demo_demands, describe

            self.stdout.write("")
            self.stdout.write(describe(build_demo_demands()))
        if apps.is_installed("doorstep.resources") and result.logins:
            from doorstep.resources.demo import build_demo_places
            from doorstep.resources.demo import describe as describe_places

            self.stdout.write(describe_places(build_demo_places(result.scale)))
        if apps.is_installed("doorstep.projects") and result.logins:
            from doorstep.projects.demo import build_demo_projects
            from doorstep.projects.demo import describe as describe_projects

            self.stdout.write(describe_projects(build_demo_projects()))
        self.print_logins(result.logins)

    def print_summary(self, counts):
        city = Region.objects.get(code=CITY_CODE)
        today = timezone.localdate()
        before = property_services.coverage(city, BEFORE)
        now = property_services.coverage(city, today)
        rows = [
            (_("counties"), counts["counties"]),
            (_("subdistricts and towns"), counts["subdistricts"]),
            (_("communities"), counts["communities"]),
            (_("compounds (old)"), f"{counts['compounds']} ({counts['old_compounds']})"),
            (_("residential grids"), counts["residential_grids"]),
            (_("dedicated grids"), counts["dedicated_grids"]),
            (_("buildings"), counts["buildings"]),
            (_("dwellings"), counts["dwellings"]),
            (_("households"), counts["households"]),
            (_("people"), counts["people"]),
            (_("committees in old compounds"), counts["committees"]),
            (_("five-party joint bodies"), counts["joint_bodies"]),
            (
                _("old compounds covered on %(day)s") % {"day": _day(before.on)},
                f"{before.covered} / {before.compounds} = {before.rate} %",
            ),
            (
                _("old compounds covered on %(day)s") % {"day": _day(now.on)},
                f"{now.covered} / {now.compounds} = {now.rate} %",
            ),
            (
                _("by mode now: public welfare, market, self-managed"),
                f"{now.count('public_welfare')}, {now.count('market')}, {now.count('self_managed')}",
            ),
        ]
        width = max(_width(label) for label, _v in rows)
        self.stdout.write("")
        for label, value in rows:
            self.stdout.write(f"  {_pad(label, width)}  {value}")

    def print_logins(self, logins):
        self.stdout.write("")
        if not logins:
            self.stdout.write(_("No demo logins: this city was not built by doorstep demo."))
            return
        self.stdout.write(
            _("Demo logins (password for all: %(password)s) — synthetic data, for trying doorstep out:")
            % {"password": DEMO_PASSWORD}
        )
        header = (_("username"), _("role"), _("where"))
        table = [header] + [(login.username, str(ROLE_LABEL[login.role]), login.where) for login in logins]
        widths = [max(_width(row[i]) for row in table) for i in range(2)]
        for i, (user, role, where) in enumerate(table):
            self.stdout.write(f"  {_pad(user, widths[0])}  {_pad(role, widths[1])}  {where}")
            if i == 0:
                self.stdout.write("  " + "-" * (widths[0] + widths[1] + 4 + min(40, _width(where))))


def _day(day: date) -> str:
    return day.isoformat()


def _width(text) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text))


def _pad(text, width: int) -> str:
    text = str(text)
    return text + " " * (width - _width(text))
