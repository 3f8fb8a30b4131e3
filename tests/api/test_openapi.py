"""The API describes itself: /api/v1/openapi.json lists every endpoint with a summary and typed
answers, and the docs page (Swagger UI from the package, no CDN) names them all."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

OURS = [
    ("get", "/api/v1/territory/regions"),
    ("get", "/api/v1/territory/regions/{code}"),
    ("get", "/api/v1/territory/regions/{code}/children"),
    ("get", "/api/v1/territory/grids"),
    ("get", "/api/v1/territory/grids/{code}"),
    ("get", "/api/v1/territory/locate"),
    ("get", "/api/v1/cases"),
    ("get", "/api/v1/cases/{number}"),
    ("get", "/api/v1/demands"),
    ("post", "/api/v1/demands"),
    ("get", "/api/v1/categories"),
    ("get", "/api/v1/categories/suggest"),
] + [
    ("post", f"/api/v1/cases/{{number}}/{action}")
    for action in (
        "accept reject dispatch sign return escalate feedback verify rate reopen merge whistle "
        "request_postpone approve_postpone deny_postpone report_in part_done"
    ).split()
]


@pytest.fixture(scope="module")
def spec(django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_every_endpoint_is_described_with_a_summary_and_typed_answers(spec):
    paths = spec["paths"]
    for method, path in OURS:
        op = paths[path][method]
        assert op.get("summary"), (method, path)
        ok = op["responses"].get("200") or op["responses"].get("201")
        assert "$ref" in str(ok["content"]["application/json"]["schema"]), (method, path)
    for path, ops in paths.items():
        for method, op in ops.items():
            assert op.get("summary"), (method, path)


def test_changes_declare_their_refusals_with_the_error_body(spec):
    op = spec["paths"]["/api/v1/cases/{number}/dispatch"]["post"]
    for status in ("401", "403", "404", "409", "422", "429"):
        assert op["responses"][status]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    error = spec["components"]["schemas"]["ErrorOut"]
    assert set(error["required"]) == {"code", "message"}


def test_both_ways_to_authenticate_are_documented(spec):
    schemes = spec["components"]["securitySchemes"]
    kinds = {(s["type"], s.get("in"), s.get("name"), s.get("scheme")) for s in schemes.values()}
    assert ("http", None, None, "bearer") in kinds
    assert ("apiKey", "header", "X-Api-Key", None) in kinds
    assert ("apiKey", "cookie", "sessionid", None) in kinds


def test_the_docs_page_works_offline(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    body = response.content.decode()
    assert "openapi.json" in body and "//cdn" not in body and "unpkg" not in body
