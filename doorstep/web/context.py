from django.conf import settings


def site(request):
    """Site-wide template values: the city's name and the map tile URL (empty: no tiles)."""
    return {"CITY_NAME": settings.DOORSTEP_CITY_NAME, "TILE_URL": settings.DOORSTEP_TILE_URL}
