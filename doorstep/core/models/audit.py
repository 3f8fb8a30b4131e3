from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PiiAccess(models.Model):
    """One unmasking of personal information: who saw whose what, when and why (PIPL art. 51).

    The subject is named by model label and primary key so that any app can log here.
    Rows are never edited; keep them at least six months (Cybersecurity Law).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="pii_accesses",
        verbose_name=_("user"),
    )
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    subject_type = models.CharField(_("subject type"), max_length=64)
    subject_id = models.CharField(_("subject id"), max_length=64)
    subject_label = models.CharField(_("subject"), max_length=128, blank=True)
    field = models.CharField(_("field"), max_length=32)
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-at"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.user} {self.field} {self.subject_label} {self.at:%Y-%m-%d %H:%M}"
