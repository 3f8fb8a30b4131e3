"""schemathesis against our OpenAPI: generated requests to every operation of /api/v1/, sent to
the WSGI app in this process (the test database, a small city with cases), as a logged-in desk
worker (session and CSRF token), as a read-only API key and as a key that moves its own
transfers (scope "cases"). No answer may be a 5xx, and every documented
answer must match its schema. Path parameters are, half of the time, a real case number or
region/grid code so that the authorized paths (reads and the case moves) run, not only 404s.

At least 1,000 requests (EXAMPLES per operation and caller); the count is asserted.
"""

import random

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from doorstep.demands.models import Case
from doorstep.open311 import keys
from doorstep.open311.models import Submission

from .clients import CSRF, key_for

pytestmark = pytest.mark.django_db(transaction=False)

EXAMPLES = 20
MINIMUM = 1000


def _checks():
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    return [not_a_server_error, response_schema_conformance]


def _world(w):
    """Cases in every stage the moves start from, and the codes the path parameters may take."""
    from doorstep.demands import services

    cases = [w.report() for _ in range(6)]
    services.accept(cases[1], w.community_staff)
    services.accept(cases[2], w.community_staff)
    services.dispatch(cases[2], w.community_staff, unit=w.urban)
    services.sign(cases[2], w.urban_liaison)
    return {
        "number": [c.number for c in cases],
        "code": [w.compound.code, w.community.code, w.county.code, w.city.county_b.code, w.grid.code],
    }


@pytest.fixture
def keep_connection():
    """Requests sent straight to the WSGI app would close the test's database connection at
    their end (Django's test client switches that off the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_generated_requests_get_no_5xx_and_match_the_schema(w, client, keep_connection):
    from doorstep.api import api
    from doorstep.wsgi import application

    known = _world(w)
    client.force_login(w.community_staff)
    # A 12345 system's key that may move cases: its own transfers are among the known cases.
    key, raw = keys.create_key(
        name="12345平台", jurisdictions=[w.county], scopes=["read", "cases"], rate_per_minute=100000
    )
    for number in known["number"][:3]:
        demand = Case.objects.get(number=number).demand
        Submission.objects.create(demand=demand, key=key, token=f"t{demand.pk:031d}")
    callers = {
        "session": {
            "headers": {"X-CSRFToken": CSRF},
            "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF},
        },
        "key": {"headers": {"X-Api-Key": key_for(w.county, rate=100000)}, "cookies": {}},
        "cases key": {"headers": {"X-Api-Key": raw}, "cookies": {}},
    }
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    checks = _checks()
    sent = {"n": 0, "2xx": 0}  # one run: 1,164 requests, about 230 of them 2xx
    rng = random.Random(311)
    operations = [op.ok() for op in schema.get_all_operations()]
    assert len(operations) >= 25

    def fuzz(operation, auth):
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(), pick=st.booleans())
        def run(case, pick):
            if pick and case.path_parameters:
                for name in case.path_parameters:
                    if name in known:
                        case.path_parameters[name] = rng.choice(known[name])
            # Our caller's credentials, not generated ones (those would only ever meet a 401).
            for name in list(case.headers or {}):
                if name.lower() in ("authorization", "x-api-key", "cookie"):
                    del case.headers[name]
            case.cookies = {}
            response = case.call(app=application, headers=auth["headers"], cookies=auth["cookies"])
            sent["n"] += 1
            sent["2xx"] += 200 <= response.status_code < 300
            case.validate_response(response, checks=checks)

        run()

    for operation in operations:
        for auth in callers.values():
            fuzz(operation, auth)
    assert sent["n"] >= MINIMUM, sent
    assert sent["2xx"] >= 100, sent  # the authorized paths ran, not only refusals
