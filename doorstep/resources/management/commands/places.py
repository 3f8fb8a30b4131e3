"""`doorstep places export [--system wgs84|gcj02] [--output FILE]`: the open places as GeoJSON.

GCJ-02 for AMap, WGS-84 for Tianditu and OpenStreetMap; the 「红木莲」 red-station mark is the
`red_mark` property. Writes to standard output without --output.
"""

import json

from django.core.management.base import BaseCommand

from doorstep.resources.geojson import EXPORT_SYSTEMS, feature_collection


class Command(BaseCommand):
    help = "Export the places at the door as GeoJSON (WGS-84 or GCJ-02)."
    leave_locale_alone = True

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{export}")
        export = sub.add_parser("export", help="Write every open place as a GeoJSON FeatureCollection.")
        export.add_argument("--system", choices=EXPORT_SYSTEMS, default="wgs84")
        export.add_argument("--output", "-o", default="-", help="file to write (default: standard output)")

    def handle(self, *args, action, system, output, **options):
        text = json.dumps(feature_collection(system), ensure_ascii=False, indent=1)
        if output == "-":
            self.stdout.write(text)
        else:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
