"""`doorstep geo convert` and `doorstep geo locate`: coordinate tools that print JSON.

    doorstep geo convert --from gcj02 --to wgs84 114.40535605 27.80803248
    doorstep geo locate 114.38 27.80 [--system gcj02]

Bad input prints a message on stderr and exits with status 2 (as argparse does for bad options).
A point outside the territory is a valid answer: `"inside": false` and a message, status 0.
"""

import json
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from doorstep.core.coords import SYSTEMS, WGS84, convert, distance_m, parse_point


class Command(BaseCommand):
    help = "Convert coordinates between WGS-84, GCJ-02 and BD-09, or locate a point in the territory."
    # Messages in the site's language (Chinese by default), not Django's forced English.
    leave_locale_alone = True
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{convert,locate}")
        conv = sub.add_parser("convert", help=_("Convert a point between two coordinate systems."))
        conv.add_argument("--from", dest="src", required=True, choices=SYSTEMS, help=_("system of the input"))
        conv.add_argument("--to", dest="dst", required=True, choices=SYSTEMS, help=_("system of the output"))
        conv.add_argument("lng", help=_("longitude"))
        conv.add_argument("lat", help=_("latitude"))
        loc = sub.add_parser("locate", help=_("Find the compound, grid, community … holding a point."))
        loc.add_argument("lng", help=_("longitude"))
        loc.add_argument("lat", help=_("latitude"))
        loc.add_argument("--system", default=WGS84, choices=SYSTEMS, help=_("system of the input (wgs84)"))

    def handle(self, *args, action, lng, lat, **options):
        try:
            if action == "convert":
                point = parse_point(lng, lat, options["src"])
                out_lng, out_lat = convert(point.input_lng, point.input_lat, options["src"], options["dst"])
                result = {
                    "input": {"lng": point.input_lng, "lat": point.input_lat, "system": options["src"]},
                    "output": {"lng": out_lng, "lat": out_lat, "system": options["dst"]},
                    # How far apart the two readings are on the ground (≈ 627 m in Yichun for GCJ-02).
                    "offset_m": round(distance_m(point.input_lng, point.input_lat, out_lng, out_lat), 1),
                }
            else:
                from doorstep.territory.locate import locate

                result = locate(lng, lat, options["system"]).as_dict()
        except ValidationError as exc:
            self.stderr.write(
                _("Invalid input: %(reasons)s")
                % {"reasons": pgettext("list separator", "; ").join(exc.messages)}
            )
            sys.exit(2)
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
