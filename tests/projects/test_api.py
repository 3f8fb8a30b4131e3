"""GET /api/v1/projects and /projects/{id}: a manager's projects with exact amounts as decimal
strings; outsiders and keys of another jurisdiction get nothing."""

from doorstep.projects import services
from tests.projects.world import elevator_project, world


def test_projects_over_the_api(client, db, django_assert_max_num_queries):
    w = world()
    project = elevator_project(w)
    services.add_line(project, kind=w.kinds["policy"], item="补助", budget="200000", spent="0.10", by=w.staff)
    services.add_line(project, kind=w.kinds["economic"], item="分摊", budget="0.20", spent="0.30", by=w.staff)
    services.add_milestone(project, title="设计", planned_date="2026-01-01", progress=50, by=w.staff)
    client.force_login(w.staff)
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/projects").json()
    assert body["count"] == 1
    row = body["items"][0]
    assert (row["title"], row["budget"], row["spent"], row["progress"], row["status_label"]) == (
        "3栋1单元加装电梯",
        "200000.20",
        "0.40",
        50,
        "已立项",
    )
    one = client.get(f"/api/v1/projects/{project.pk}").json()
    assert one["balance"] == "199999.80" and one["over_budget"] is False
    assert [(a["code"], a["spent"]) for a in one["accounts"]] == [("policy", "0.10"), ("economic", "0.30")]
    assert one["accounts"][1]["lines"][0]["over_budget"] is True
    assert one["demands"] == [w.demand.number]
    assert client.get("/api/v1/projects?status=delivered").json()["count"] == 0

    client.force_login(w.outsider)
    assert client.get("/api/v1/projects").json() == {"count": 0, "items": []}
    assert client.get(f"/api/v1/projects/{project.pk}").status_code == 404
    client.logout()
    assert client.get("/api/v1/projects").status_code == 401
