"""Scope: a role over a region sees that region's subtree and nothing else."""

import pytest

from doorstep.territory import selectors
from tests import factories


@pytest.mark.parametrize(
    ("role_at", "sees", "does_not_see"),
    [
        (
            "community_a",
            {"community_a", "compound_a"},
            {"community_b", "compound_b", "subdistrict_a", "city"},
        ),
        ("county_b", {"county_b", "subdistrict_b", "community_b", "compound_b"}, {"county_a", "compound_a"}),
        ("city", {"city", "county_a", "compound_a", "compound_b"}, set()),
    ],
)
def test_role_scope_is_the_region_subtree(city, role_at, sees, does_not_see):
    u = factories.role("community_staff", getattr(city, role_at))
    visible = set(selectors.regions_visible(u).values_list("pk", flat=True))
    for name in sees:
        assert getattr(city, name).pk in visible, name
    for name in does_not_see:
        assert getattr(city, name).pk not in visible, name


def test_user_without_role_sees_nothing(city):
    u = factories.user()
    assert not selectors.regions_visible(u).exists()
