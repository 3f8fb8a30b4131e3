"""Party members and volunteers in teams (志愿服务队): the four team types of the reform and their
members. A team belongs to a community (staff scope follows it) and may have a convener (召集人).
Membership has dates: joining and leaving are rows, never deletions, so any period's figures can
be read back.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import TimeStampedModel


class VolunteerTeam(TimeStampedModel):
    class Kind(models.TextChoices):
        ERRANDS = "errands", _("errands (跑腿办)")
        NEIGHBOURS = "neighbours", _("neighbour help (邻里帮)")
        WISHES = "wishes", _("wishes (圆梦队)")
        WORRIES = "worries", _("worries (解忧团)")
        OTHER = "other", _("other volunteer team")

    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    region = models.ForeignKey(
        "territory.Region",
        on_delete=models.PROTECT,
        related_name="volunteer_teams",
        verbose_name=_("community"),
    )
    convener = models.ForeignKey(
        "territory.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="convened_teams",
        verbose_name=_("convener"),
    )
    founded_on = models.DateField(_("founded on"))
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["region", "kind", "name", "pk"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="team_name_once_per_region")]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(
        VolunteerTeam, on_delete=models.PROTECT, related_name="members", verbose_name=_("team")
    )
    person = models.ForeignKey(
        "territory.Person",
        on_delete=models.PROTECT,
        related_name="team_memberships",
        verbose_name=_("person"),
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["team", "joined_on", "pk"]
        constraints = [
            # one current membership of a person in a team (joined again after leaving: a new row)
            models.UniqueConstraint(
                fields=["team", "person"], condition=Q(left_on__isnull=True), name="team_member_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.team}"
