"""Clients of the JSON API in tests: a logged-in page session (with CSRF) and API keys."""

from django.test import Client

from doorstep.open311 import keys

CSRF = "a1b2c3d4" * 4  # the cookie's secret, sent back in the header as the pages do


def session(user) -> Client:
    """A logged-in client that checks CSRF and sends the token like our pages."""
    client = Client(enforce_csrf_checks=True, HTTP_X_CSRFTOKEN=CSRF)
    client.force_login(user)
    client.cookies["csrftoken"] = CSRF
    return client


def key_for(region, scopes=("read",), rate=600) -> str:
    return keys.create_key(name="12345热线", jurisdictions=[region], scopes=scopes, rate_per_minute=rate)[1]


def bearer(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def post(client: Client, url: str, body: dict | None = None):
    import json

    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
