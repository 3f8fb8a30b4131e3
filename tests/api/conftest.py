"""Fixtures of the JSON API tests: the loop world of tests/demands/factories.py."""

import pytest

from tests.demands.factories import LoopWorld


@pytest.fixture
def w(city):
    return LoopWorld(city)
