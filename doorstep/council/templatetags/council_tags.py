from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def share(value) -> str:
    """A share as a decimal string ("0.700000") shown as a percentage ("70.00%")."""
    try:
        return f"{(Decimal(str(value)) * 100).quantize(Decimal('0.01'))}%"
    except (InvalidOperation, TypeError, ValueError):
        return "—"
