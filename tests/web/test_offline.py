"""Offline: pages load nothing from another host (no CDN, no remote font)."""

import re

import pytest

REMOTE = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/", "/api/v1/docs", "/demands/report/", "/demands/map/", "/login/", "/territory/"]
)
def test_pages_load_no_script_style_or_font_from_another_host(client, url):
    response = client.get(url, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert not REMOTE.findall(body), REMOTE.findall(body)
    assert "@import url(http" not in body
