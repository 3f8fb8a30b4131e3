"""The territory over HTTP: regions by code and their children, grids, locating a point in the
three coordinate systems, all within the caller's area."""

import pytest

from doorstep.core.coords import WGS84, from_wgs84

from .clients import bearer, chinese, key_for, session

pytestmark = pytest.mark.django_db


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["code"] for r in response.json()["regions"]]


def test_city_staff_start_at_the_city_and_walk_down(w):
    client = session(_city_leader(w))
    assert codes(client.get("/api/v1/territory/regions")) == [w.city.city.code]
    assert codes(client.get("/api/v1/territory/regions", {"parent": w.city.city.code})) == [
        "360902",
        "360923",
    ]
    assert codes(client.get(f"/api/v1/territory/regions/{w.county.code}/children")) == [w.subdistrict.code]


def _city_leader(w):
    from doorstep.territory.models import Role
    from tests.demands.factories import loop_role

    return loop_role(Role.Kind.LEADER, w.city.city)


def test_a_key_limited_to_one_county_sees_nothing_of_another(w):
    client = bearer(key_for(w.county))
    assert codes(client.get("/api/v1/territory/regions")) == [w.county.code]
    b = w.city.county_b
    for url in (
        f"/api/v1/territory/regions/{b.code}",
        f"/api/v1/territory/regions/{b.code}/children",
        f"/api/v1/territory/regions/{w.city.city.code}",
    ):
        response = client.get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found", url
    assert client.get("/api/v1/territory/regions", {"parent": b.code}).status_code == 404
    grids = client.get("/api/v1/territory/grids").json()["grids"]
    assert [g["code"] for g in grids] == [w.grid.code]


def test_region_detail_has_its_path_counts_and_boundary(w):
    body = session(w.community_staff).get(f"/api/v1/territory/regions/{w.compound.code}").json()
    assert body["name"] == "都市春天小区" and body["level"] == 5 and body["level_label"] == "小区"
    assert [r["code"] for r in body["path"]] == [w.community.code]  # only what the caller's area holds
    assert body["parent"] == w.community.code and body["boundary"]["type"] == "Polygon"
    whole = session(_city_leader(w)).get(f"/api/v1/territory/regions/{w.compound.code}").json()
    assert [r["level"] for r in whole["path"]] == [1, 2, 3, 4]


def test_grids_with_their_compounds(w):
    client = session(w.community_staff)
    body = client.get("/api/v1/territory/grids", {"community": w.community.code}).json()
    assert body["grids"][0]["compounds"] == [w.compound.code]
    detail = client.get(f"/api/v1/territory/grids/{w.grid.code}").json()
    assert detail["name"] == "都市春天网格" and detail["community"] == w.community.code
    assert session(w.outsider).get(f"/api/v1/territory/grids/{w.grid.code}").status_code == 404


@pytest.mark.parametrize("system", [WGS84, "gcj02", "bd09"])
def test_locate_a_point_given_in_any_system(w, system):
    lng, lat = from_wgs84(114.38, 27.80, system)
    body = session(w.community_staff).get(
        "/api/v1/territory/locate", {"lng": lng, "lat": lat, "system": system}
    )
    assert body.status_code == 200, body.content
    found = body.json()
    assert found["compound"]["name"] == "都市春天小区" and found["input"]["system"] == system
    assert abs(found["point"]["lng"] - 114.38) < 1e-5


def test_locate_refuses_bad_input_in_chinese(w):
    response = session(w.community_staff).get(
        "/api/v1/territory/locate", {"lng": 114.38, "lat": 27.80, "system": "mars"}
    )
    assert response.status_code == 422 and response.json()["code"] == "invalid"
    assert chinese(response.json()["message"])
    assert (
        session(w.community_staff).get("/api/v1/territory/locate", {"lng": "abc", "lat": 1}).status_code
        == 422
    )
