from django.conf import settings
from django.utils.functional import SimpleLazyObject


def _has_staff_scope(request) -> bool:
    from doorstep.territory.selectors import scope_for

    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and not scope_for(user).is_empty)


def _is_city_admin(request) -> bool:
    from doorstep.open311.admin import is_city_admin
    from doorstep.territory.selectors import scope_for

    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return False
    scope = scope_for(user)  # cached: no query unless the user may be one (a city-wide admin role)
    if not user.is_superuser and not (scope.everything and "admin" in scope.role_kinds):
        return False
    return is_city_admin(user)


def _once(request, name, compute):
    """A value computed at most once per request: admin pages run context processors for
    several templates of one response, and each would otherwise ask the database again."""
    cache = request.__dict__.setdefault("_doorstep_site", {})
    if name not in cache:
        cache[name] = compute(request)
    return cache[name]


def site(request):
    """Site-wide template values: the city's name, the map tile URL (empty: no tiles), and
    whether the user holds a staff role (the console menu is shown only then; read lazily)
    and whether they are a city administrator (API keys, webhooks)."""
    return {
        "CITY_NAME": settings.DOORSTEP_CITY_NAME,
        "TILE_URL": settings.DOORSTEP_TILE_URL,
        "STAFF_SCOPE": SimpleLazyObject(lambda: _once(request, "staff", _has_staff_scope)),
        "CITY_ADMIN": SimpleLazyObject(lambda: _once(request, "admin", _is_city_admin)),
    }
