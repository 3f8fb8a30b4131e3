from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SuggestModel(models.Model):
    """A fitted category-suggestion model, kept as plain arrays (no pickle) in the database.

    Every process uses the newest row and notices a newer one within a few seconds
    (`demands.suggest`). `fingerprint` describes the training data, so retraining on unchanged
    data does nothing.
    """

    created_at = models.DateTimeField(_("trained at"), default=timezone.now)
    fingerprint = models.CharField(max_length=64, db_index=True)
    samples = models.PositiveIntegerField(_("training examples"), default=0)
    city_samples = models.PositiveIntegerField(_("examples from the city's cases"), default=0)
    classes = models.PositiveIntegerField(_("classes learnt"), default=0)
    seconds = models.FloatField(_("training time (s)"), default=0)
    metrics = models.JSONField(default=dict, blank=True)
    data = models.BinaryField()

    class Meta:
        verbose_name = _("suggestion model")
        verbose_name_plural = _("suggestion models")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"v{self.pk} ({self.samples})"


class CategoryCorrection(models.Model):
    """Staff changed a demand's category: a label the next retrain learns from, and an answer the
    suggestion gives at once for the same text."""

    demand = models.ForeignKey(
        "demands.Demand",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="category_corrections",
        verbose_name=_("demand"),
    )
    text = models.TextField(_("description"))
    text_key = models.CharField(max_length=40, db_index=True)
    category = models.ForeignKey(
        "demands.Category", on_delete=models.CASCADE, related_name="corrections", verbose_name=_("category")
    )
    previous = models.ForeignKey(
        "demands.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("previous category"),
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("corrected by"),
    )
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("category correction")
        verbose_name_plural = _("category corrections")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.text[:20]} → {self.category_id}"
