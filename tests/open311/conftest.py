import pytest
from django.utils import translation

from doorstep.demands import suggest
from doorstep.open311 import keys
from doorstep.territory import locate

from .helpers import INSIDE_A


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def place(city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    locate.invalidate()
    locate.locate(*INSIDE_A)
    suggest.invalidate()
    return city


@pytest.fixture
def key_a(place):
    """A platform's key for 袁州区 (360902), reading and submitting: (row, key text)."""
    return keys.create_key(name="某外卖平台", jurisdictions=["360902"], scopes=["read", "submit"])


@pytest.fixture
def key_b(place):
    return keys.create_key(name="上高县12345", jurisdictions=["360923"], client_kind="hotline")
