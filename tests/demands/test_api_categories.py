"""GET /api/v1/categories and /api/v1/categories/suggest: public, read-only, cacheable."""

import pytest

from doorstep.demands import suggest
from doorstep.demands.models import Category

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_state():
    suggest.invalidate()


def test_the_tree(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get("/api/v1/categories")
    assert response.status_code == 200
    assert "max-age" in response["Cache-Control"]
    majors = response.json()["categories"]
    assert [m["code"] for m in majors][:6] == ["01", "02", "03", "04", "05", "06"]
    assert {m["kind"] for m in majors} == {"event", "component"}
    first = majors[0]
    assert first["name"] == "市容环境" and first["kind"] == "event"
    garbage = next(c for c in first["children"] if c["code"] == "0102")
    assert garbage == {
        "code": "0102",
        "name": "暴露垃圾",
        "responsible_level": "department",
        "department": "城管",
        "accept": {"value": 1, "unit": "working_hours"},
        "respond": {"value": 2, "unit": "working_hours"},
        "handle": {"value": 4, "unit": "working_hours"},
        "urgent": False,
        "duplicate_radius_m": 100,
    }
    gas = next(c for m in majors for c in m["children"] if c["name"] == "燃气管道破裂")
    assert gas["urgent"] is True and gas["department"] == "燃气"


def test_the_tree_leaves_out_inactive_classes(client):
    Category.objects.filter(code="0107").update(active=False)
    Category.objects.filter(code="02").update(active=False)
    majors = client.get("/api/v1/categories").json()["categories"]
    assert "02" not in [m["code"] for m in majors]
    assert "0107" not in [c["code"] for m in majors for c in m["children"]]


def test_suggest(client):
    response = client.get("/api/v1/categories/suggest", {"text": "小区门口的井盖不见了，晚上很危险"})
    assert response.status_code == 200
    assert "max-age" in response["Cache-Control"]
    suggestions = response.json()["suggestions"]
    assert 1 <= len(suggestions) <= 3
    assert suggestions[0] == {
        "code": "C0101",
        "name": "井盖",
        "major": "公用设施",
        "score": suggestions[0]["score"],
    }
    assert all(set(s) == {"code", "name", "major", "score"} for s in suggestions)
    assert all(0 < s["score"] <= 1 for s in suggestions)


@pytest.mark.parametrize("query", [{}, {"text": ""}, {"text": "   "}, {"text": "？？？"}, {"text": "你好"}])
def test_suggest_nothing_for_nothing(client, query):
    response = client.get("/api/v1/categories/suggest", query)
    assert response.status_code == 200
    assert response.json() == {"suggestions": []}


def test_suggest_caps_long_text(client):
    response = client.get(
        "/api/v1/categories/suggest", {"text": "楼道灯坏了，" + "晚上上下楼很不方便，" * 2000}
    )
    assert response.status_code == 200
    assert response.json()["suggestions"][0]["code"] == "0606"


def test_suggest_needs_no_login_and_takes_no_writes(client):
    assert client.post("/api/v1/categories/suggest", {"text": "楼道灯坏了"}).status_code == 405
    assert client.get("/api/v1/categories/suggest", {"text": "楼道灯坏了"}).status_code == 200


def test_the_openapi_schema_describes_both(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/categories" in paths
    assert "/api/v1/categories/suggest" in paths
