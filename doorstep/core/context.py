"""Template context for the work-calendar warning (console and admin).

The warning is computed lazily: a page that never shows it (anonymous visitors, residents)
costs no query; a staff page costs one small query, two while a year is missing.
"""

from django.urls import NoReverseMatch, reverse
from django.utils.functional import cached_property


class CalendarWarning:
    """Truthy when this year (or, from autumn, next year) has no schedule and the user is staff."""

    def __init__(self, request):
        self.request = request

    @cached_property
    def status(self):
        from doorstep.core.workcalendar import warning_status

        return warning_status()

    @cached_property
    def visible(self) -> bool:
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated or not self.status.fallback:
            return False
        return user.is_staff or user.is_superuser or _holds_a_role(user)

    def __bool__(self) -> bool:
        return self.visible

    @property
    def message(self) -> str:
        return self.status.message if self.visible else ""

    @property
    def missing_years(self) -> tuple[int, ...]:
        return self.status.missing_years

    @cached_property
    def admin_url(self) -> str:
        """Where to fix it, for users allowed to load schedules."""
        user = self.request.user
        if not (user.is_staff and user.has_perm("core.change_calendaryear")):
            return ""
        try:
            return reverse("admin:core_calendaryear_changelist")
        except NoReverseMatch:  # pragma: no cover - admin not mounted
            return ""


def _holds_a_role(user) -> bool:
    """Console staff hold territory roles rather than Django's staff flag."""
    try:
        from doorstep.territory.selectors import scope_for
    except ImportError:  # pragma: no cover
        return False
    return not scope_for(user).is_empty


def calendar_warning(request) -> dict:
    return {"calendar_warning": CalendarWarning(request)}
