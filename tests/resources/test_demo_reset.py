"""`doorstep demo --reset` removes the demo city's places: riders registered there, their
check-ins, teams and points (append-only everywhere else) go with them."""

import pytest

from doorstep.resources import credentials, points, riders, teams
from doorstep.resources.demo import delete_demo_places
from doorstep.resources.models import CheckIn, Place, PointEntry, Rider, TeamMember, VolunteerTeam
from tests import factories
from tests.resources.factories import place, rider

pytestmark = pytest.mark.django_db


def test_reset_removes_riders_checkins_teams_and_points(city):
    station = place(name="都市春天小区红色驿站")
    r = rider(station)
    admin = factories.role("admin", city.city)
    riders.check_in(code=credentials.make_code(r), station=station, by=admin)
    entry = points.earn(admin, r.person, region=city.compound_a, points=5, reason="劝导")
    points.reverse(admin, entry, reason="录错")
    team = teams.team_create(admin, name="跑腿办", kind="errands", region=city.community_a)
    teams.team_join(admin, team, person=r.person)
    delete_demo_places()
    for model in (Place, Rider, CheckIn, PointEntry, VolunteerTeam, TeamMember):
        assert not model.objects.exists(), model
