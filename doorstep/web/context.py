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


def site(request):
    """Site-wide template values: the city's name, the map tile URL (empty: no tiles), and
    whether the user holds a staff role (the console menu is shown only then; read lazily)
    and whether they are a city administrator (API keys, webhooks)."""
    return {
        "CITY_NAME": settings.DOORSTEP_CITY_NAME,
        "TILE_URL": settings.DOORSTEP_TILE_URL,
        "STAFF_SCOPE": SimpleLazyObject(lambda: _has_staff_scope(request)),
        "CITY_ADMIN": SimpleLazyObject(lambda: _is_city_admin(request)),
    }
