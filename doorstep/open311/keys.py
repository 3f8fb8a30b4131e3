"""API keys: make one (shown once), revoke it, check it on a request, count and log its uses.

Every write is here (the admin and the `doorstep apikey` command call these functions).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.territory.models import Region

from .models import ApiKey, ApiKeyUse

KEY_PREFIX = "ds_"
SCOPES = frozenset(ApiKey.Scope.values)


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _new_raw() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def _regions(jurisdictions) -> list[Region]:
    regions, unknown = [], []
    for value in jurisdictions or ():
        if isinstance(value, Region):
            regions.append(value)
            continue
        found = Region.objects.filter(code=str(value).strip()).first()
        (regions.append(found) if found else unknown.append(str(value)))
    if unknown:
        raise ValidationError(
            {"jurisdictions": [_("Unknown region code: %(codes)s.") % {"codes": ", ".join(unknown)}]}
        )
    if not regions:
        raise ValidationError({"jurisdictions": [_("A key needs at least one jurisdiction.")]})
    return regions


def clean_scopes(scopes) -> list[str]:
    scopes = sorted({str(s).strip() for s in scopes or () if str(s).strip()})
    bad = [s for s in scopes if s not in SCOPES]
    if bad:
        raise ValidationError(
            {
                "scopes": [
                    _("Unknown scope: %(scopes)s (use %(known)s).")
                    % {"scopes": ", ".join(bad), "known": ", ".join(sorted(SCOPES))}
                ]
            }
        )
    if not scopes:
        raise ValidationError({"scopes": [_("A key needs at least one scope.")]})
    return scopes


def create_key(
    *,
    name: str,
    jurisdictions,
    scopes=("read", "submit"),
    rate_per_minute: int = 60,
    client_kind: str = ApiKey.ClientKind.PLATFORM,
    contact: str = "",
    by=None,
) -> tuple[ApiKey, str]:
    """Make a key; returns the row and the key itself, which is never shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Please name the client.")]})
    if client_kind not in ApiKey.ClientKind.values:
        raise ValidationError({"client_kind": [_("Unknown kind of client.")]})
    if int(rate_per_minute) < 1:
        raise ValidationError({"rate_per_minute": [_("At least one request per minute.")]})
    regions = _regions(jurisdictions)
    scopes = clean_scopes(scopes)
    raw = _new_raw()
    with transaction.atomic():
        key = ApiKey.objects.create(
            name=name[:100],
            client_kind=client_kind,
            prefix=raw[: len(KEY_PREFIX) + 6],
            key_hash=hash_key(raw),
            scopes=scopes,
            rate_per_minute=int(rate_per_minute),
            contact=contact,
            created_by=by if getattr(by, "pk", None) else None,
        )
        key.jurisdictions.set(regions)
    return key, raw


def revoke_key(key: ApiKey, by=None) -> ApiKey:
    """Stop a key working at once; its log stays."""
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by if getattr(by, "pk", None) else None
    )
    key.refresh_from_db()
    return key


def find_key(raw: str) -> ApiKey | None:
    """The active key with this text, or None (unknown, empty or revoked)."""
    raw = (raw or "").strip()
    if not raw or len(raw) > 100:
        return None
    key = ApiKey.objects.filter(key_hash=hash_key(raw)).first()
    if key is None or key.revoked_at is not None:
        return None
    return key


def jurisdiction_ids(key: ApiKey) -> list[int]:
    return list(key.jurisdictions.values_list("pk", flat=True))


def covers(key: ApiKey, region: Region) -> bool:
    """Whether `region` lies within one of the key's jurisdictions (itself or below)."""
    ids = set(jurisdiction_ids(key))
    if not ids:
        return False
    return Region.objects.ancestors(region, include_self=True).filter(pk__in=ids).exists()


def over_limit(key: ApiKey, now=None) -> bool:
    """More answered requests in the last minute than the key may make (refusals not counted)."""
    now = now or timezone.now()
    used = ApiKeyUse.objects.filter(key=key, at__gt=now - timedelta(minutes=1)).exclude(status=429).count()
    return used >= key.rate_per_minute


def log_use(key: ApiKey, *, method: str, endpoint: str, status: int, at=None) -> None:
    at = at or timezone.now()
    ApiKeyUse.objects.create(key=key, at=at, method=method[:8], endpoint=endpoint[:200], status=status)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=at)
