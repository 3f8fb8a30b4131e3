"""Following a report: the writes behind the follow/unfollow buttons ("me too", which also
counts +1, is `intake.me_too`)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from .models import Demand, Follow


def follow(demand: Demand, user) -> Follow:
    """Follow a report (idempotent). One's own reports are followed already: refused."""
    if demand.reporter_user_id == user.pk or (demand.reporter_id and demand.reporter.user_id == user.pk):
        raise ValidationError(_("This is your own report: you will hear about it anyway."))
    existing = Follow.objects.filter(demand=demand, user=user).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return Follow.objects.create(demand=demand, user=user)
    except IntegrityError:  # a double click raced us
        return Follow.objects.get(demand=demand, user=user)


def unfollow(demand: Demand, user) -> bool:
    """Stop following. A "me too" is withdrawn with it (the +1 comes off), so that pressing
    "me too" again later counts once, not twice. Returns whether anything was removed."""
    with transaction.atomic():
        row = Follow.objects.select_for_update().filter(demand=demand, user=user).first()
        if row is None:
            return False
        if row.me_too:
            Demand.objects.filter(pk=demand.pk).update(me_too_count=Greatest(F("me_too_count") - 1, 0))
        row.delete()
    return True
