"""The city's work calendar: holidays and adjusted working days, by year.

A day without a row follows the Monday–Friday rule. Rows hold the exceptions: statutory holidays
(放假, including the weekend days inside a holiday period, so the whole period carries its name)
and adjusted working days (调休上班, a Saturday or Sunday worked in exchange). A CalendarYear row
says the year's schedule is complete; a year without one falls back to Monday–Friday and is
flagged (see doorstep.core.workcalendar).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStampedModel


class CalendarYear(TimeStampedModel):
    """A year whose schedule is known, and where it came from."""

    class Source(models.TextChoices):
        PACKAGE = "package", _("chinesecalendar package")
        IMPORT = "import", _("imported file")
        MANUAL = "manual", _("entered by hand")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.MANUAL)
    imported_at = models.DateTimeField(_("loaded at"), null=True, blank=True)
    note = models.CharField(
        _("note"),
        max_length=200,
        blank=True,
        help_text=_("For example the State Council notice the schedule comes from."),
    )

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(TimeStampedModel):
    """One exception to Monday–Friday: a holiday on a weekday, or a weekend day worked."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(
        _("working day"),
        help_text=_("Ticked: an adjusted working day (调休上班). Not ticked: a holiday (放假)."),
    )
    name = models.CharField(
        _("name"), max_length=64, blank=True, help_text=_("For example 国庆节 or 调休上班.")
    )

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}".strip()
