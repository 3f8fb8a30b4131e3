import pytest
from django.utils import translation

from .receiver import Receiver


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture(autouse=True)
def quick_retries(settings):
    """Backoff in tenths of a second so retries happen inside a test; a short receiver limit."""
    settings.DOORSTEP_WEBHOOK_BACKOFF_SECONDS = 0.1
    settings.DOORSTEP_WEBHOOK_MAX_ATTEMPTS = 4
    settings.DOORSTEP_WEBHOOK_TIMEOUT_SECONDS = 0.5


@pytest.fixture
def receiver(settings):
    """A receiver on 127.0.0.1: private addresses allowed explicitly (they are refused otherwise)."""
    settings.DOORSTEP_WEBHOOKS_ALLOW_PRIVATE = True
    r = Receiver().start()
    yield r
    r.stop()
