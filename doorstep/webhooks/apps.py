from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "doorstep.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")
    # Enqueued by `doorstep worker`'s scheduler (demands.tasks.schedule) like the case loop's jobs.
    periodic_tasks = ("doorstep.webhooks.tasks.sweep",)

    def ready(self):
        from django.db.models.signals import post_save

        from doorstep.demands.models import CaseEvent

        from .services import on_case_event

        # Every case event row fans out to the subscribers in the same transaction: the case
        # services know nothing of webhooks.
        post_save.connect(on_case_event, sender=CaseEvent, dispatch_uid="doorstep.webhooks.fan_out")
