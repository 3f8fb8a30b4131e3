"""API keys for Open311 clients, from the console (city administrators use the admin too).

    doorstep apikey create NAME --jurisdiction 360902 [--jurisdiction …] [--scope read --scope submit]
                           [--rate 60] [--kind platform|hotline|other] [--contact TEXT]
    doorstep apikey list
    doorstep apikey revoke PREFIX

Prints JSON; `create` includes the key itself, which is shown this once and never again (only
its hash is stored). Bad input: a Chinese message on stderr and exit code 2.
"""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from doorstep.open311 import keys
from doorstep.open311.formats import utc
from doorstep.open311.models import ApiKey

USAGE_ERROR = 2


def _row(key: ApiKey) -> dict:
    return {
        "name": key.name,
        "prefix": key.prefix,
        "kind": key.client_kind,
        "jurisdictions": [r.code for r in key.jurisdictions.all()],
        "scopes": key.scopes,
        "rate_per_minute": key.rate_per_minute,
        "revoked_at": utc(key.revoked_at),
        "last_used_at": utc(key.last_used_at),
    }


class Command(BaseCommand):
    help = "Make, list and revoke API keys for Open311 clients (platform companies, 12345 systems)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="make a key and print it once")
        create.add_argument("name")
        create.add_argument("--jurisdiction", action="append", required=True, help="region code (repeatable)")
        create.add_argument("--scope", action="append", choices=sorted(keys.SCOPES), help="repeatable")
        create.add_argument("--rate", type=int, default=60, help="requests per minute")
        create.add_argument("--kind", default=ApiKey.ClientKind.PLATFORM, choices=ApiKey.ClientKind.values)
        create.add_argument("--contact", default="")
        revoke = sub.add_parser("revoke", help="stop a key (by the prefix `list` shows)")
        revoke.add_argument("prefix")
        sub.add_parser("list", help="the keys, without the keys themselves")

    def out(self, data) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False))

    def handle(self, *args, action, **options):
        if action == "create":
            try:
                key, raw = keys.create_key(
                    name=options["name"],
                    jurisdictions=options["jurisdiction"],
                    scopes=options["scope"] or ("read", "submit"),
                    rate_per_minute=options["rate"],
                    client_kind=options["kind"],
                    contact=options["contact"],
                )
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages), returncode=USAGE_ERROR) from None
            self.out({**_row(key), "key": raw})
        elif action == "revoke":
            key = ApiKey.objects.filter(prefix=options["prefix"]).first()
            if key is None:
                raise CommandError(
                    _("No key begins with %(prefix)s.") % {"prefix": options["prefix"]},
                    returncode=USAGE_ERROR,
                )
            self.out(_row(keys.revoke_key(key)))
        else:
            self.out([_row(k) for k in ApiKey.objects.prefetch_related("jurisdictions")])
