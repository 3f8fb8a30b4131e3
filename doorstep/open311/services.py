"""POST requests: an Open311 request becomes a Demand through the one intake function every
channel uses (`doorstep.demands.intake.submit_demand`), so locating, categories, duplicates and
repeats apply as on the phone page; nothing is saved when anything is wrong.

Location: `lat`+`long` (WGS-84, or the system named by `attribute[coordinate_system]`) must lie in
the jurisdiction; `address_id` is the code of a region (a compound) in it; `address_string` alone
is matched against the names of the jurisdiction's regions (the finest, longest name it contains)
and otherwise files the request with the jurisdiction's own desk.
Personal data: first and last name and phone go to the demand's contact (never shown through
Open311); the e-mail address is checked but not kept.
"""

from __future__ import annotations

import re
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from doorstep.demands.intake import submit_demand
from doorstep.demands.models import Demand
from doorstep.territory.models import Region

from . import catalog
from .models import ApiKey, Submission

MAX_DESCRIPTION = 4000
_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
# Our field names → the Open311 parameter a client sent.
PARAMETERS = {
    "text": "description",
    "location": "lat/long",
    "photos": "media",
    "contact_phone": "phone",
    "contact_name": "last_name",
    "external_ticket": "attribute[ticket]",
    "category": "service_code",
    "region": "address_id",
    "address": "address_string",
}


def parse_attributes(data) -> dict[str, str | list[str]]:
    values: dict[str, str | list[str]] = {}
    for name in data:
        m = _ATTRIBUTE.match(name)
        if not m:
            continue
        code = m.group(1)
        got = [v.strip() for v in data.getlist(name) if v.strip()]
        if not got:
            continue
        values[code] = got if m.group(2) else got[-1]
    return values


def _match_region(text: str, jurisdiction: Region, region_ids) -> Region:
    """The finest region of the jurisdiction whose name the address contains (longest first)."""
    rows = Region.objects.filter(pk__in=sorted(region_ids)).values_list("pk", "name", "level")
    best = max(
        ((len(name), level, pk) for pk, name, level in rows if name and name in text),
        default=None,
    )
    return Region.objects.get(pk=best[2]) if best else jurisdiction


def submit_request(*, key: ApiKey, jurisdiction: Region, region_ids, data, files=()) -> Submission:
    """Validate the POSTed fields and file the demand; ValidationError (field → messages) else."""
    errors: dict[str, list[str]] = {}

    def err(field, message):
        errors.setdefault(field, []).append(message)

    def get(name: str) -> str:
        return (data.get(name) or "").strip()

    code = get("service_code")
    category = catalog.service(code) if code else None
    if not code:
        err("service_code", _("service_code is required."))
    elif category is None:
        err("service_code", _("Unknown service_code “%(code)s”.") % {"code": code})

    attributes = parse_attributes(data)
    unknown = sorted(set(attributes) - catalog.ATTRIBUTE_CODES)
    if unknown:
        err("attribute", _("Unknown attribute: %(codes)s.") % {"codes": ", ".join(unknown)})
    system = attributes.get("coordinate_system") or "wgs84"
    if isinstance(system, list) or system not in catalog.COORDINATE_SYSTEMS:
        err("attribute[coordinate_system]", _("coordinate_system is one of wgs84, gcj02, bd09."))
        system = "wgs84"
    ticket = attributes.get("ticket") or ""
    if isinstance(ticket, list):
        err("attribute[ticket]", _("ticket takes one value."))
        ticket = ""

    description = get("description")
    if len(description) > MAX_DESCRIPTION:
        err("description", _("description has at most %(max)d characters.") % {"max": MAX_DESCRIPTION})
    elif _HTML.search(description):
        err("description", _("description is plain text: no HTML."))

    lat, lng = get("lat"), get("long")
    address_string, address_id = get("address_string"), get("address_id")
    region = jurisdiction
    if bool(lat) != bool(lng):
        err("lat/long", _("lat and long go together."))
    elif not lat:
        if address_id:
            found = Region.objects.filter(code=address_id, pk__in=sorted(region_ids)).first()
            if found is None:
                err("address_id", _("Unknown address_id “%(id)s” in this jurisdiction.") % {"id": address_id})
            else:
                region = found
        elif address_string:
            region = _match_region(address_string, jurisdiction, region_ids)
        else:
            err("lat/long", _("A location is required: lat and long, address_string or address_id."))

    email = get("email")
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            err("email", _("email is not a valid address."))
    media_url = get("media_url")
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            err("media_url", _("media_url is not a valid http(s) address."))
    account_id, device_id = get("account_id"), get("device_id")
    for name, value in (("account_id", account_id), ("device_id", device_id)):
        if len(value) > 64:
            err(name, _("%(name)s has at most 64 characters.") % {"name": name})
    if errors:
        raise ValidationError(errors)

    name = (get("last_name") + get("first_name")).strip()
    try:
        with transaction.atomic():
            demand = submit_demand(
                channel=Demand.Channel.OPEN311,
                text=description,
                contact_phone=get("phone"),
                contact_name=name,
                lng=lng or None,
                lat=lat or None,
                system=system,
                address=address_string,
                photos=list(files or ()),
                category=category,
                external_ticket=ticket,
                region=region,
            )
            return Submission.objects.create(
                demand=demand,
                key=key,
                token=secrets.token_hex(16),
                account_id=account_id,
                device_id=device_id,
                media_url=media_url,
                attributes={k: v for k, v in attributes.items() if k in catalog.ATTRIBUTE_CODES},
            )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise ValidationError(
                {PARAMETERS.get(f, f): [str(m) for m in msgs] for f, msgs in exc.message_dict.items()}
            ) from None
        raise
