"""`doorstep places`: places at the door from the command line; every answer is JSON.

    doorstep places export [--system wgs84|gcj02] [--output FILE]
    doorstep places coverage [--region CODE] [--kinds red_station,service_station,service_centre]
    doorstep places figures --from 2025-01-01 --to 2025-12-31 [--region CODE]

export: every open place as GeoJSON (GCJ-02 for AMap, WGS-84 for Tianditu), the 「红木莲」 mark
as the `red_mark` property. coverage: compounds with a station within 5/10/15 walking minutes.
figures: stations and services, riders and check-ins, members reported and volunteer teams of a
region's subtree over a period. Bad input prints a Chinese
message on stderr and exits with status 2.
"""

import json
import sys

from django.core.management.base import BaseCommand
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from doorstep.resources.geojson import EXPORT_SYSTEMS, feature_collection
from doorstep.resources.models import STATION_KINDS, Place
from doorstep.territory.models import Region


class Command(BaseCommand):
    help = "Places at the door: GeoJSON export, station coverage of compounds, figures."
    leave_locale_alone = True

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{export,coverage,figures}")
        export = sub.add_parser("export", help="Write every open place as a GeoJSON FeatureCollection.")
        export.add_argument("--system", choices=EXPORT_SYSTEMS, default="wgs84")
        export.add_argument("--output", "-o", default="-", help="file to write (default: standard output)")
        cover = sub.add_parser("coverage", help="Compounds with a station within 5/10/15 walking minutes.")
        cover.add_argument("--region", default=None, help="region code (default: the top region)")
        cover.add_argument(
            "--kinds", default=",".join(sorted(STATION_KINDS)), help="place kinds counted as stations"
        )
        figs = sub.add_parser("figures", help="Stations and services of a region over a period.")
        figs.add_argument("--from", dest="start", required=True)
        figs.add_argument("--to", dest="end", required=True)
        figs.add_argument("--region", default=None)

    def fail(self, message):
        self.stderr.write(message)
        sys.exit(2)

    def region(self, code):
        qs = (
            Region.objects.filter(code=code)
            if code
            else Region.objects.filter(parent__isnull=True).order_by("code")
        )
        region = qs.first()
        if region is None:
            self.fail(_("No region with code %(code)s.") % {"code": code or "-"})
        return region

    def handle(self, *args, action, **options):
        if action == "export":
            text = json.dumps(feature_collection(options["system"]), ensure_ascii=False, indent=1)
            if options["output"] == "-":
                self.stdout.write(text)
            else:
                with open(options["output"], "w", encoding="utf-8") as fh:
                    fh.write(text + "\n")
            return
        region = self.region(options["region"])
        if action == "coverage":
            from doorstep.resources.coverage import coverage

            kinds = {k.strip() for k in options["kinds"].split(",") if k.strip()}
            unknown = sorted(kinds - set(Place.Kind.values))
            if unknown or not kinds:
                self.fail(
                    _("Unknown place kinds: %(kinds)s (use %(known)s)")
                    % {"kinds": ", ".join(unknown) or "-", "known": ", ".join(Place.Kind.values)}
                )
            result = coverage(region, kinds=kinds)
            data = {
                "region": {"code": region.code, "name": region.name},
                "kinds": sorted(kinds),
                "compounds": result.compounds,
                "unlocated": result.unlocated,
                "stations": result.stations,
                "within": {str(m): result.within(m) for m in result.circles},
                "rate_percent": {str(m): str(result.rate(m)) for m in result.circles},
                "beyond_15_minutes": [{"code": r.code, "name": r.name} for r in result.uncovered()],
            }
        else:
            from doorstep.resources.figures import member_figures, place_figures, rider_figures

            start, end = parse_date(options["start"] or ""), parse_date(options["end"] or "")
            if start is None or end is None or end < start:
                self.fail(
                    _("Give the period as --from YYYY-MM-DD --to YYYY-MM-DD, the end not before the start.")
                )
            f = place_figures(region, start, end)
            data = {
                "region": {"code": region.code, "name": region.name},
                "from": start.isoformat(),
                "to": end.isoformat(),
                "places": f.places,
                "by_kind": f.by_kind,
                "stations": f.stations,
                "red_stations": f.red_stations,
                "red_marked": f.red_marked,
                "micro_positions": f.micro_positions,
                "friendly_scenes": f.friendly_scenes,
                "services": f.services,
                "free_services": f.free_services,
            }
            r = rider_figures(region, start, end)
            data["riders"] = {
                "registered": r.registered,
                "riders": r.riders,
                "couriers": r.couriers,
                "new": r.new,
                "checkins": r.checkins,
                "riders_checked_in": r.riders_checked_in,
            }
            m = member_figures(region, start, end)
            data["members"] = {
                "reported": m.members_reported,
                "newly_reported": m.newly_reported,
                "teams": m.teams,
                "teams_by_kind": m.teams_by_kind,
                "team_members": m.team_members,
            }
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
