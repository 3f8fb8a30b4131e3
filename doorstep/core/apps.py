from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def seed_work_calendar(sender, app_config=None, using="default", apps=None, **kwargs):
    """After migrate (and test-database set-up): add the years chinesecalendar knows."""
    from django.apps import apps as global_apps

    from doorstep.core.workcalendar.services import seed_from_package

    apps = apps or global_apps
    try:
        apps.get_model("core", "CalendarYear")
    except LookupError:  # migrated back before the calendar tables existed
        return
    seed_from_package(apps=apps, using=using)


class CoreConfig(AppConfig):
    name = "doorstep.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        post_migrate.connect(seed_work_calendar, sender=self, dispatch_uid="doorstep.core.seed_work_calendar")
