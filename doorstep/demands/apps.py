from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DemandsConfig(AppConfig):
    name = "doorstep.demands"
    label = "demands"
    verbose_name = _("Demands and cases")

    def ready(self):
        from .categories import seed_after_migrate

        # The seed category table, loaded once into an empty table (see categories.py).
        post_migrate.connect(seed_after_migrate, sender=self, dispatch_uid="doorstep.demands.seed_categories")
