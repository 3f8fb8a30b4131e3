"""Showing the contact a demand was given with (a caller's name and phone, typed in by staff,
with no person record behind them), with the reason logged like every other unmasking.

A reporter who is a registered person is revealed through `territory.people.services.reveal`;
this covers the rest, under the same rule table (`people.rules.REVEAL`), with the demand's
region as the place the right must cover.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from doorstep.core.models import PiiAccess
from doorstep.territory.people import rules
from doorstep.territory.people.selectors import scope_for_kinds

from .models import Demand

DEMAND_SUBJECT = "demands.demand"
FIELDS = {"name": "contact_name", "phone": "contact_phone"}


def can_reveal_contact(user, demand: Demand, field: str) -> bool:
    kinds = rules.REVEAL.get(field)
    if field not in FIELDS or not kinds or demand.anonymous:
        return False
    return scope_for_kinds(user, kinds).covers_region(demand.region_id)


def reveal_contact(user, demand: Demand, field: str, reason: str) -> str:
    """The unmasked contact name or phone of a demand, for a role that needs it; logged."""
    if not can_reveal_contact(user, demand, field):
        raise PermissionDenied(
            _("Your role may not see this person's %(field)s.") % {"field": rules.REVEAL_LABELS[field]}
            if field in rules.REVEAL_LABELS
            else _("This field cannot be shown.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why you need to see it.")]})
    PiiAccess.objects.create(
        user=user,
        subject_type=DEMAND_SUBJECT,
        subject_id=str(demand.pk),
        subject_label=demand.number,
        field=field,
        reason=reason[:200],
    )
    return getattr(demand, FIELDS[field]) or ""
