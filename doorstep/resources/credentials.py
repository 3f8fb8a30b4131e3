"""A rider's QR credential: a short signed code, revocable, rendered as an SVG QR code.

The code reads ``DSR-<rider>-<serial>-<signature>``: the signature is an HMAC (the project's
secret key, a purpose-bound salt) of the rider and the credential number, 13 base-32 characters
(65 bits). Revoking or reissuing raises the rider's credential number, so every earlier code
fails. The code is short enough to type when a camera cannot read it; input is read without
regard to case, spaces or dashes at the edges.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

import segno
from django.core.exceptions import ValidationError
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

SALT = "doorstep.resources.rider-credential"
PREFIX = "DSR"
_CODE = re.compile(r"^DSR-(\d{1,10})-(\d{1,6})-([A-Z2-7]{13})$")


def _signature(rider_id: int, serial: int) -> str:
    digest = salted_hmac(SALT, f"{rider_id}:{serial}", algorithm="sha256").digest()
    return base64.b32encode(digest).decode()[:13]


def make_code(rider) -> str:
    return f"{PREFIX}-{rider.pk}-{rider.credential_serial}-{_signature(rider.pk, rider.credential_serial)}"


@dataclass(frozen=True)
class ParsedCode:
    rider_id: int
    serial: int


def parse_code(text) -> ParsedCode:
    """The rider and credential number of a well-signed code; ValidationError otherwise.

    Only the signature is checked here; whether the credential is still current is the
    rider's (see riders.rider_for_code).
    """
    value = re.sub(r"\s+", "", str(text or "")).upper()
    match = _CODE.match(value)
    if not match:
        raise ValidationError(_("This is not a rider credential code."), code="format")
    rider_id, serial, signature = int(match[1]), int(match[2]), match[3]
    if not constant_time_compare(signature, _signature(rider_id, serial)):
        raise ValidationError(_("This credential code is not valid (it has been altered)."), code="signature")
    return ParsedCode(rider_id, serial)


def qr_svg(code: str, scale: int = 6) -> str:
    """The code as an inline SVG QR code (error correction M, dark on light)."""
    qr = segno.make(code, error="m", micro=False)
    return mark_safe(qr.svg_inline(scale=scale, dark="#1a1a1a", light="#ffffff", title=code))
