from django.conf import settings
from django.utils.functional import SimpleLazyObject


def _has_staff_scope(request) -> bool:
    from doorstep.territory.selectors import scope_for

    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and not scope_for(user).is_empty)


def site(request):
    """Site-wide template values: the city's name, the map tile URL (empty: no tiles), and
    whether the user holds a staff role (the console menu is shown only then; read lazily)."""
    return {
        "CITY_NAME": settings.DOORSTEP_CITY_NAME,
        "TILE_URL": settings.DOORSTEP_TILE_URL,
        "STAFF_SCOPE": SimpleLazyObject(lambda: _has_staff_scope(request)),
    }
