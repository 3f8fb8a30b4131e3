"""The JSON API's docs page in a real browser with no internet: Swagger UI (served from the
package) lists every endpoint of /api/v1/openapi.json; a logged-in desk worker's page can read
and move a case with the session cookie and the CSRF token, as our own pages do."""

from urllib.parse import urlparse

import pytest

from doorstep.demands.models import Case
from tests.demands.factories import LoopWorld
from tests.demands.intake_helpers import FAST_HASHERS
from tests.e2e.conftest import login


@pytest.fixture
def w(city, settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    world = LoopWorld(city)
    # The loop factories cache one password hash per process, made under whichever hashers
    # the first test had: set it again under these.
    world.community_staff.set_password("pw-doorstep-1")
    world.community_staff.save(update_fields=["password"])
    return world


def offline(page) -> list[str]:
    """Refuse every request to another host; return the list of what was refused."""
    ours = urlparse(page.base).netloc
    refused: list[str] = []

    def route(r):
        if urlparse(r.request.url).netloc != ours:
            refused.append(r.request.url)
            return r.abort()
        return r.continue_()

    page.route("**/*", route)
    return refused


def test_the_docs_page_lists_every_endpoint_offline(page):
    refused = offline(page)
    spec = page.request.get(page.base + "/api/v1/openapi.json").json()
    page.goto(page.base + "/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path")
    shown = {
        (el.get_attribute("data-path") or el.inner_text()).replace("\u200b", "").strip()
        for el in page.query_selector_all(".opblock-summary-path")
    }
    assert set(spec["paths"]) <= shown, set(spec["paths"]) - shown
    assert refused == []


def test_a_logged_in_page_reads_and_moves_a_case_with_its_csrf_token(page, w):
    case = w.report()
    login(page, w.community_staff.username)
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto(page.base + "/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path")
    result = page.evaluate(
        """async (number) => {
            const read = await fetch(`/api/v1/cases/${number}`);
            const token = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
            const bare = await fetch(`/api/v1/cases/${number}/accept`, {method: "POST",
                headers: {"Content-Type": "application/json"}, body: "{}"});
            const sent = await fetch(`/api/v1/cases/${number}/accept`, {method: "POST",
                headers: {"Content-Type": "application/json", "X-CSRFToken": token},
                body: JSON.stringify({version: 0})});
            return {read: read.status + " " + JSON.stringify((await read.json()).actions), bare: (await bare.json()).code,
                    status: sent.status, body: await sent.json()};
        }""",
        case.number,
    )
    assert result["read"].startswith("200 ") and '"accept"' in result["read"], result
    assert result["bare"] == "csrf_failed"
    assert result["status"] == 200 and result["body"]["status"] == "accepted"
    case.refresh_from_db()
    assert case.status == Case.Status.ACCEPTED
