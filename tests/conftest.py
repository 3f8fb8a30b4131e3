import pytest

from doorstep.territory import locate
from tests import factories


@pytest.fixture
def city(db):
    """A small territory: one city, two counties, each with a subdistrict, community and compound."""
    made = factories.small_city()
    # The process-wide location index may still hold an earlier test's (rolled back) regions
    # for its check interval; on PostgreSQL their ids are never reused, so look again.
    locate.invalidate()
    return made


@pytest.fixture
def staff_user(db):
    return factories.user("staff")
