"""The validation report of a roster import: every bad cell, and what was (or would be) written."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Issue:
    """One problem: which sheet, which row (as Excel numbers it), which column, and why."""

    sheet: str
    row: int | None
    column: str
    reason: str
    value: str = ""

    def as_text(self) -> str:
        where = [self.sheet or _("workbook")]
        if self.row:
            where.append(_("row %(row)d") % {"row": self.row})
        if self.column:
            where.append(f"「{self.column}」")
        value = _(" (value: %(value)s)") % {"value": self.value} if self.value else ""
        return f"{' '.join(where)}：{self.reason}{value}"


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


COUNT_LABELS = {
    "created": gettext_lazy("created"),
    "updated": gettext_lazy("updated"),
    "unchanged": gettext_lazy("unchanged"),
}


@dataclass
class Report:
    """What an import found. `written` is true only when the rows were stored."""

    issues: list[Issue] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    counts: dict[str, Counts] = field(default_factory=dict)  # sheet title → counts
    dry_run: bool = False
    written: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def bad_rows(self) -> int:
        return len({(i.sheet, i.row) for i in self.issues if i.row})

    def add(self, sheet: str, row: int | None, column: str, reason: str, value=None) -> None:
        shown = "" if value is None else str(value)
        if len(shown) > 60:
            shown = shown[:57] + "…"
        self.issues.append(Issue(sheet, row, column, reason, shown))

    def count(self, sheet: str, outcome: str) -> None:
        counts = self.counts.setdefault(sheet, Counts())
        setattr(counts, outcome, getattr(counts, outcome) + 1)

    def sorted_issues(self, order: list[str]) -> list[Issue]:
        rank = {title: i for i, title in enumerate(order)}
        return sorted(self.issues, key=lambda i: (rank.get(i.sheet, -1), i.row or 0))

    def summary(self) -> str:
        if self.issues and not self.bad_rows:
            return _("%(n)d problems; nothing was written. Correct the workbook and import it again.") % {
                "n": len(self.issues)
            }
        if self.issues:
            return _(
                "%(n)d problems in %(rows)d rows; nothing was written. Correct the workbook and import it again."
            ) % {"n": len(self.issues), "rows": self.bad_rows}
        created = sum(c.created for c in self.counts.values())
        updated = sum(c.updated for c in self.counts.values())
        unchanged = sum(c.unchanged for c in self.counts.values())
        figures = {"created": created, "updated": updated, "unchanged": unchanged}
        if self.dry_run:
            return (
                _(
                    "Check passed (dry run, nothing written): %(created)d rows would be created, "
                    "%(updated)d updated, %(unchanged)d unchanged."
                )
                % figures
            )
        return (
            _("Imported: %(created)d rows created, %(updated)d updated, %(unchanged)d unchanged.") % figures
        )

    def as_text(self, order: list[str]) -> str:
        lines = [self.summary()]
        lines += [i.as_text() for i in self.sorted_issues(order)]
        lines += self.notices
        return "\n".join(lines)
