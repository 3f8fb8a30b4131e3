from django import template

from ..ledger import yuan as _yuan

register = template.Library()


@register.filter
def yuan(value):
    """An amount as exact yuan with two places (SQLite's sums come back with more)."""
    return _yuan(value)
