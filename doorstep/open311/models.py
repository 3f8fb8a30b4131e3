"""API keys for other systems (platform companies, 12345 hotline systems) and what Open311
clients sent with their requests.

A key is shown once when it is made; only its SHA-256 hash is stored (keys are 256 random bits,
so a fast hash is enough and every request can check one). Each key is limited to jurisdictions
(regions: the subtree of each) and scopes, counted per minute, revocable, and every use is logged.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import TimeStampedModel


class ApiKey(TimeStampedModel):
    class ClientKind(models.TextChoices):
        PLATFORM = "platform", _("platform company")
        HOTLINE = "hotline", _("12345 hotline system")
        OTHER = "other", _("other system")

    class Scope(models.TextChoices):
        READ = "read", _("read requests")
        SUBMIT = "submit", _("submit requests")
        CASES = "cases", _("move cases (accept, handle, close its own transfers)")

    name = models.CharField(_("client"), max_length=100)
    client_kind = models.CharField(
        _("kind of client"), max_length=16, choices=ClientKind.choices, default=ClientKind.PLATFORM
    )
    prefix = models.CharField(_("key begins with"), max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    jurisdictions = models.ManyToManyField(
        "territory.Region",
        related_name="api_keys",
        verbose_name=_("jurisdictions"),
        help_text=_("The key works for these regions and everything below them."),
    )
    scopes = models.JSONField(_("scopes"), default=list, help_text=_("read, submit, cases"))
    rate_per_minute = models.PositiveIntegerField(_("requests per minute"), default=60)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    # The service account the key acts as (event rows and messages name it, e.g. "12345 平台 (API)"):
    # no usable password, no page login, a grid-worker role over each jurisdiction while the key
    # has the "cases" scope; revoking the key deactivates it.
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="api_key",
        verbose_name=_("service account"),
    )

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ApiKeyUse(models.Model):
    """One request made with a key: when, which endpoint, the HTTP status answered."""

    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="uses", verbose_name=_("API key"))
    at = models.DateTimeField(_("time"))
    method = models.CharField(_("method"), max_length=8)
    endpoint = models.CharField(_("endpoint"), max_length=200)
    status = models.PositiveSmallIntegerField(_("status"))

    class Meta:
        verbose_name = _("API key use")
        verbose_name_plural = _("API key uses")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["key", "at"], name="apikeyuse_key_at")]

    def __str__(self) -> str:
        return f"{self.key_id} {self.method} {self.endpoint} {self.status}"


class Submission(models.Model):
    """What an Open311 client sent besides the demand itself: its token, its account and device
    ids and attribute values. The e-mail address is not kept (the demand has what it needs)."""

    demand = models.OneToOneField(
        "demands.Demand", on_delete=models.CASCADE, related_name="open311", verbose_name=_("demand")
    )
    key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, related_name="submissions", verbose_name=_("API key")
    )
    token = models.CharField(max_length=32, unique=True)
    account_id = models.CharField(_("account id"), max_length=64, blank=True)
    device_id = models.CharField(_("device id"), max_length=64, blank=True)
    media_url = models.URLField(_("media URL given"), max_length=500, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")

    def __str__(self) -> str:
        return self.token
