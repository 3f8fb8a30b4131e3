"""`doorstep apikey create NAME --jurisdiction 360902 [--scope read --scope submit] [--rate 60]`
prints the new key once; `doorstep apikey revoke PREFIX`; `doorstep apikey list`."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from doorstep.open311 import keys
from doorstep.open311.models import ApiKey


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
                raise CommandError("; ".join(exc.messages)) from None
            self.stdout.write(raw)
            self.stderr.write(
                f"{key.name}: {', '.join(key.scopes)}, {key.rate_per_minute}/min — shown once, keep it safe"
            )
        elif action == "revoke":
            key = ApiKey.objects.filter(prefix=options["prefix"]).first()
            if key is None:
                raise CommandError(f"no key begins with {options['prefix']}")
            keys.revoke_key(key)
            self.stdout.write(f"revoked {key}")
        else:
            for key in ApiKey.objects.prefetch_related("jurisdictions"):
                codes = ",".join(r.code for r in key.jurisdictions.all())
                state = "revoked" if key.revoked_at else "active"
                self.stdout.write(f"{key.prefix}\t{key.name}\t{codes}\t{','.join(key.scopes)}\t{state}")
