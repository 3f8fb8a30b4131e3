"""「算笔账」arithmetic: amounts in yuan as exact Decimals with two places, budget against spending
per line, per account and in total. No floats anywhere.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CENT = Decimal("0.01")
LIMIT = Decimal("1000000000000")  # 14 digits, 2 after the point


def parse_amount(value, *, label: str = "") -> Decimal:
    """An amount in yuan from a form or a number: "12,345.6" → Decimal("12345.60").

    Refuses negatives, more than two decimal places, and what is not a number, with a Chinese
    message naming `label`.
    """
    name = label or _("Amount")
    if isinstance(value, float):
        raise ValidationError(_("%(name)s: give the amount as text, not a float.") % {"name": name})
    text = str(value if value is not None else "").strip().replace(",", "").replace("，", "")
    text = text.removeprefix("¥").removeprefix("￥").removesuffix("元").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError(
            _("%(name)s: “%(value)s” is not an amount in yuan.") % {"name": name, "value": value}
        ) from None
    if not amount.is_finite():
        raise ValidationError(
            _("%(name)s: “%(value)s” is not an amount in yuan.") % {"name": name, "value": value}
        )
    if amount < 0:
        raise ValidationError(_("%(name)s cannot be negative.") % {"name": name})
    if amount != amount.quantize(CENT):
        raise ValidationError(_("%(name)s: at most two decimal places (fen).") % {"name": name})
    if amount >= LIMIT:
        raise ValidationError(_("%(name)s is too large.") % {"name": name})
    return amount.quantize(CENT)


def yuan(value) -> Decimal:
    """A stored or summed amount as yuan with exactly two places (None and "" as 0.00)."""
    if value in (None, ""):
        return Decimal("0.00")
    return Decimal(str(value)).quantize(CENT)


@dataclass
class Sums:
    budget: Decimal = Decimal("0.00")
    spent: Decimal = Decimal("0.00")

    @property
    def balance(self) -> Decimal:
        """What is left: budget minus spending (negative when over budget)."""
        return (self.budget - self.spent).quantize(CENT)

    @property
    def over(self) -> bool:
        return self.spent > self.budget

    @property
    def overrun(self) -> Decimal:
        return max(self.spent - self.budget, Decimal("0.00")).quantize(CENT)

    @property
    def percent_spent(self) -> Decimal | None:
        """Spending as a share of the budget, in percent with one decimal (None without a budget)."""
        if not self.budget:
            return None
        return (self.spent * 100 / self.budget).quantize(Decimal("0.1"))

    def add(self, budget: Decimal, spent: Decimal) -> None:
        self.budget = (self.budget + budget).quantize(CENT)
        self.spent = (self.spent + spent).quantize(CENT)


@dataclass
class Account:
    kind: object
    lines: list = field(default_factory=list)
    sums: Sums = field(default_factory=Sums)


@dataclass
class Ledger:
    accounts: list[Account]
    total: Sums

    @property
    def lines_over(self) -> list:
        return [line for a in self.accounts for line in a.lines if line.sums.over]


def summarize(lines: Iterable) -> Ledger:
    """Group lines (anything with .kind, .kind_id, .budget, .spent) by account, in the order the
    lines come, with each account's sums and the total; each line gets its own `.sums`."""
    accounts: dict[object, Account] = {}
    total = Sums()
    for line in lines:
        key = getattr(line, "kind_id", None) or line.kind
        account = accounts.get(key)
        if account is None:
            account = accounts[key] = Account(kind=line.kind)
        line.sums = Sums(line.budget.quantize(CENT), line.spent.quantize(CENT))
        account.lines.append(line)
        account.sums.add(line.budget, line.spent)
        total.add(line.budget, line.spent)
    return Ledger(list(accounts.values()), total)
