import pytest

from tests import factories


@pytest.fixture
def city(db):
    """A small territory: one city, two counties, each with a subdistrict, community and compound."""
    return factories.small_city()


@pytest.fixture
def staff_user(db):
    return factories.user("staff")
