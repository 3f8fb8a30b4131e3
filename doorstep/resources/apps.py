from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "doorstep.resources"
    label = "resources"
    verbose_name = _("Resources at the door")
    # Enqueued by `doorstep worker`'s scheduler: service orders not taken in time escalate.
    periodic_tasks = ("doorstep.resources.orders.escalate_orders",)
