"""The JSON API at /api/v1/ (django-ninja). Each app adds its router here."""

from ninja import NinjaAPI

from doorstep.core.api import install_errors

api = NinjaAPI(
    title="doorstep API",
    version="1",
    urls_namespace="api",
    description=(
        "春天里·家门口的服务 — territory, demands and cases.\n\n"
        "Our pages call it with their session (and the CSRF token for changes); other systems with "
        "an API key (`Authorization: Bearer` or `X-Api-Key`), which reads within its jurisdictions. "
        "A key with the `cases` scope (a 12345 system) also makes these case moves as its service "
        "account: `accept`, `feedback` and `verify` on the requests it filed itself, `sign`, "
        "`return` and `feedback` on cases handed to it; every other move needs a person "
        "(403 `key_cannot_act`)."
    ),
)

api.add_router("/", "doorstep.demands.api.router")
# POST /api/v1/demands (the intake function as JSON); its own module beside the categories router.
api.add_router("/", "doorstep.demands.api_intake.router")
# GET /api/v1/resources/near: places and services within a walk (doorstep/resources/api.py).
api.add_router("/", "doorstep.resources.api.router")
# Every error answers {"code", "message" (Chinese), "errors"?}; auth and scopes: doorstep/core/api.py.
install_errors(api)
# GET /api/v1/territory/...: regions by code, children, grids, locate a point (doorstep/territory/api.py).
api.add_router("/", "doorstep.territory.api.router")
# GET /api/v1/cases, /cases/{number}, /demands and the case moves as POST actions.
api.add_router("/", "doorstep.demands.api_cases.router")
# GET /api/v1/projects and /projects/{id}: projects with their ledger (doorstep/projects/api.py).
api.add_router("/", "doorstep.projects.api.router")
# GET/POST /api/v1/council/...: topics, meetings, my votes and ballots, announced results (doorstep/council/api.py).
api.add_router("/", "doorstep.council.api.router")
