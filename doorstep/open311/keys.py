"""API keys: make one (shown once), revoke it, check it on a request, count and log its uses,
and what a key may do to cases.

Every write is here (the admin and the `doorstep apikey` command call these functions).

A key acts through its service account (made with the key): a login with no usable password that
cannot log in to our pages, holding a grid-worker role over exactly the key's jurisdictions while
the key has the "cases" scope, so the case services record it as the actor ("12345 平台 (API)")
and the table's own checks apply. Revoking the key deactivates the account and its roles.

Moves a key with the "cases" scope may make (`CASE_MOVES`), on cases of its jurisdictions:
  * accept — its own transfers (requests it filed itself): the hotline has already taken them on;
  * sign, return, feedback — cases handed to its account (a dispatcher chose the 12345 system as
    the handler); feedback also on its own transfers (settled by the hotline itself);
  * verify (close, or "not solved: back to handling") — its own transfers, after its call back.
Every other move (reject, merge, dispatch, whistle, escalate, postponements, rating, reopening,
a department's report-in) needs a person and answers 403 `key_cannot_act`; a key without the
"cases" scope stays read-only (403 `scope_missing`).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.territory.models import Region, Role

from .models import ApiKey, ApiKeyUse

KEY_PREFIX = "ds_"
SCOPES = frozenset(ApiKey.Scope.values)
ACCOUNT_PREFIX = "apikey+"  # service account usernames: apikey+<key prefix>
ACCOUNT_ROLE = Role.Kind.GRID_WORKER  # the table's least role that accepts, handles and verifies
# move → which cases of its jurisdictions a key may make it on ("own": filed by the key itself,
# "handed": assigned to the key's account). The verify endpoint covers verify_fail too.
OWN, HANDED = "own", "handed"
CASE_MOVES = {
    "accept": {OWN},
    "sign": {HANDED},
    "return": {HANDED},
    "feedback": {OWN, HANDED},
    "verify": {OWN},
}


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
    if ApiKey.Scope.CASES in scopes and ApiKey.Scope.READ not in scopes:
        raise ValidationError({"scopes": [_("A key that moves cases also needs the read scope.")]})
    return scopes


# --- the service account ---------------------------------------------------------------------------


def account_name(key: ApiKey) -> str:
    return f"{key.name[:56]} (API)"


def is_service_account(user) -> bool:
    """Without a query: the username the accounts get and a password no one can use."""
    return bool(
        user is not None
        and str(getattr(user, "username", "")).startswith(ACCOUNT_PREFIX)
        and not user.has_usable_password()
    )


def sync_account(key: ApiKey) -> None:
    """Make or update the key's service account: its name, active while the key is, and one
    grid-worker role over each jurisdiction (active while the key has the "cases" scope)."""
    User = get_user_model()
    with transaction.atomic():
        account = key.account
        if account is None:
            account = User.objects.create(
                username=(ACCOUNT_PREFIX + key.prefix)[:150],
                password=make_password(None),
                display_name=account_name(key),
                is_active=key.active,
            )
            ApiKey.objects.filter(pk=key.pk).update(account=account)
            key.account = account
        else:
            fields = {"display_name": account_name(key), "is_active": key.active}
            if account.has_usable_password():
                fields["password"] = make_password(None)
            User.objects.filter(pk=account.pk).update(**fields)
            for name, value in fields.items():
                setattr(account, name, value)
        regions = set(key.jurisdictions.values_list("pk", flat=True))
        acting = key.active and ApiKey.Scope.CASES in key.scopes
        Role.objects.filter(user=account).exclude(kind=ACCOUNT_ROLE, region__in=regions).delete()
        held = set(Role.objects.filter(user=account).values_list("region_id", flat=True))
        Role.objects.bulk_create(
            [Role(user=account, kind=ACCOUNT_ROLE, region_id=pk, active=acting) for pk in regions - held]
        )
        Role.objects.filter(user=account).update(active=acting)


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
        sync_account(key)
    return key, raw


def revoke_key(key: ApiKey, by=None) -> ApiKey:
    """Stop a key working at once and deactivate its service account; its log stays."""
    with transaction.atomic():
        ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=by if getattr(by, "pk", None) else None
        )
        key.refresh_from_db()
        sync_account(key)
    return key


def change_key(key: ApiKey, *, scopes=None) -> ApiKey:
    """After the admin changed a key (scopes, jurisdictions): its account follows."""
    if scopes is not None:
        key.scopes = clean_scopes(scopes)
        key.save(update_fields=["scopes", "updated_at"])
    sync_account(key)
    return key


def case_move_refusal(key: ApiKey, action: str, case) -> str | None:
    """Why the key may not make `action` on `case` (a case of its jurisdictions), or None."""
    from .models import Submission

    kinds = CASE_MOVES.get(action)
    if not kinds:
        return _("An API key cannot make this move: a person has to.")
    if OWN in kinds and Submission.objects.filter(demand_id=case.demand_id, key=key).exists():
        return None
    if HANDED in kinds and key.account_id and case.assignee_id == key.account_id:
        return None
    if kinds == {OWN}:
        return _("An API key makes this move only on the requests it filed itself.")
    return _("An API key makes this move only on cases handed to it or the requests it filed itself.")


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
