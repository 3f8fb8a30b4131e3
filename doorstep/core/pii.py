"""Protection of personal information: encryption at rest, keyed lookup hashes, masking.

ID numbers are stored encrypted (AES-256-GCM with a key derived from DOORSTEP_PII_KEY) and
found by an HMAC of the normalised value, so equality search works without decrypting.
"""

import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

_PREFIX = "v1:"


@cache
def _keys(master: str) -> tuple[bytes, bytes]:
    try:
        raw = base64.b64decode(master, validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured("DOORSTEP_PII_KEY must be base64") from exc
    if len(raw) < 32:
        raise ImproperlyConfigured("DOORSTEP_PII_KEY must hold at least 32 bytes")

    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=SHA256(), length=32, salt=None, info=info).derive(raw)

    return derive(b"doorstep pii encryption"), derive(b"doorstep pii lookup")


def encrypt(plain: str) -> str:
    enc_key, _ = _keys(settings.PII_KEY)
    nonce = os.urandom(12)
    sealed = AESGCM(enc_key).encrypt(nonce, plain.encode(), None)
    return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    enc_key, _ = _keys(settings.PII_KEY)
    if not token.startswith(_PREFIX):
        raise ValueError("not a doorstep ciphertext")
    blob = base64.urlsafe_b64decode(token[len(_PREFIX) :])
    return AESGCM(enc_key).decrypt(blob[:12], blob[12:], None).decode()


def lookup_hash(value: str) -> str:
    """Keyed hash for equality search; the same value always gives the same hash."""
    _, hash_key = _keys(settings.PII_KEY)
    return hmac.new(hash_key, value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column holding ciphertext; Python sees the plain value."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)


def mask_phone(phone: str | None) -> str:
    """138****1234."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def mask_id_number(number: str | None) -> str:
    """First 6 and last 4 kept: 110105********002X."""
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 端木 西门 南宫 独孤 澹台 "
    "申屠 太史 万俟 闻人 赫连 呼延 钟离 单于".split()
)


def mask_name(name: str | None) -> str:
    """张* / 欧阳**: the surname kept (compound surnames whole), the given name starred."""
    if not name:
        return ""
    keep = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:keep] + "*" * (len(name) - keep)
