"""The small forms behind the case page's action buttons, one table row per action.

Each row names the fields its form asks for, the keyboard shortcut of its button and how the
cleaned form calls the case-loop service. Every form carries the version of the case the user
saw, so the service can tell them when someone else acted first.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from doorstep.demands import selectors
from doorstep.demands.models import Case, Postponement, WhistlePart


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos in one input (the evidence of a feedback)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _text(label, *, required=True, rows=3, max_length=1000, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


FIELD_MAKERS: dict[str, Callable[[], forms.Field]] = {
    "reason": lambda: _text(_("Reason")),
    "note": lambda: _text(_("Note"), required=False, rows=2),
    "task": lambda: forms.CharField(
        label=_("What the departments are to do"), required=False, max_length=200
    ),
    "working_days": lambda: forms.IntegerField(
        label=_("Extra working days"), min_value=1, max_value=30, initial=5
    ),
    "text": lambda: _text(_("What was done"), rows=4, max_length=4000),
    "result": lambda: _text(_("What our department did"), rows=3, max_length=4000),
    "photos": lambda: MultipleFileField(label=_("Evidence photos"), required=False),
    "score": lambda: forms.TypedChoiceField(
        label=_("Score"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    ),
    "solved": lambda: forms.TypedChoiceField(
        label=_("Solved?"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Yes, solved")), ("no", _("No, not solved"))],
        widget=forms.RadioSelect,
    ),
    "comment": lambda: _text(_("What the resident said"), required=False, rows=2),
    "into": lambda: forms.CharField(
        label=_("Keep this case (number)"),
        max_length=20,
        help_text=_("The case this one duplicates; this one is closed into it."),
    ),
}


@dataclass(frozen=True)
class ActionSpec:
    action: str
    key: str  # keyboard shortcut on the case page
    fields: tuple[str, ...]
    run: Callable  # (services, case, user, cleaned) -> event
    multipart: bool = False


def _svc(name):
    def call(services, case, user, d):
        return getattr(services, name)(case, user, version=d["version"])

    return call


def _merge(services, case, user, d):
    return services.merge(case, d["into_case"], user, version=d["version"])


def _dispatch(services, case, user, d):
    return services.dispatch(
        case, user, unit=d.get("unit_obj"), assignee=d.get("assignee_obj"), version=d["version"]
    )


def _decide(approve):
    def call(services, case, user, d):
        return services.decide_postponement(
            d["postponement"], user, approve=approve, note=d.get("note", ""), version=d["version"]
        )

    return call


SPECS: dict[str, ActionSpec] = {
    s.action: s
    for s in [
        ActionSpec("accept", "a", ("note",), _svc("accept")),
        ActionSpec(
            "reject",
            "n",
            ("reason",),
            lambda sv, c, u, d: sv.reject(c, u, reason=d["reason"], version=d["version"]),
        ),
        ActionSpec("merge", "m", ("into",), _merge),
        ActionSpec("dispatch", "d", ("unit", "assignee"), _dispatch),
        ActionSpec("sign", "s", (), _svc("sign")),
        ActionSpec(
            "return",
            "r",
            ("reason",),
            lambda sv, c, u, d: sv.return_case(c, u, reason=d["reason"], version=d["version"]),
        ),
        ActionSpec(
            "request_postpone",
            "p",
            ("working_days", "reason"),
            lambda sv, c, u, d: sv.request_postponement(
                c, u, working_days=d["working_days"], reason=d["reason"], version=d["version"]
            ),
        ),
        ActionSpec("approve_postpone", "y", ("note",), _decide(True)),
        ActionSpec("deny_postpone", "z", ("note",), _decide(False)),
        ActionSpec(
            "escalate",
            "e",
            ("reason",),
            lambda sv, c, u, d: sv.escalate(c, u, reason=d["reason"], version=d["version"]),
        ),
        ActionSpec(
            "whistle",
            "w",
            ("departments", "task"),
            lambda sv, c, u, d: sv.whistle(
                c, u, departments=d["department_objs"], task=d.get("task", ""), version=d["version"]
            ),
        ),
        ActionSpec("report_in", "i", ("part",), lambda sv, c, u, d: sv.report_in(d["part_obj"], u)),
        ActionSpec(
            "part_done",
            "h",
            ("part", "result"),
            lambda sv, c, u, d: sv.finish_part(d["part_obj"], u, result=d["result"]),
        ),
        ActionSpec(
            "feedback",
            "f",
            ("text", "photos"),
            lambda sv, c, u, d: sv.feedback(
                c, u, text=d["text"], photos=d.get("photos") or (), version=d["version"]
            ),
            multipart=True,
        ),
        ActionSpec(
            "verify",
            "v",
            ("note",),
            lambda sv, c, u, d: sv.verify(c, u, solved=True, note=d.get("note", ""), version=d["version"]),
        ),
        ActionSpec(
            "verify_fail",
            "x",
            ("reason",),
            lambda sv, c, u, d: sv.verify(c, u, solved=False, note=d["reason"], version=d["version"]),
        ),
        ActionSpec(
            "rate",
            "t",
            ("score", "solved", "comment"),
            lambda sv, c, u, d: sv.rate(
                c, u, score=d["score"], solved=d["solved"], comment=d.get("comment", ""), version=d["version"]
            ),
        ),
        ActionSpec(
            "reopen",
            "o",
            ("reason",),
            lambda sv, c, u, d: sv.reopen(c, u, reason=d["reason"], version=d["version"]),
        ),
    ]
}
SHORTCUTS = {s.action: s.key for s in SPECS.values()}


OPTIONAL_EXTRAS = frozenset({"note", "comment", "photos", "task"})


class ActionForm(forms.Form):
    """One action's form; the fields come from its ActionSpec."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, spec: ActionSpec, case: Case, user, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec, self.case, self.user, self.choices = spec, case, user, choices
        for name in spec.fields:
            if name == "unit":
                self.fields["unit"] = forms.ChoiceField(
                    label=_("Handling unit"),
                    required=False,
                    choices=[("", "—")] + [(str(o.pk), _unit_label(o)) for o in choices["units"]],
                )
            elif name == "assignee":
                self.fields["assignee"] = forms.ChoiceField(
                    label=_("Person in charge"),
                    required=False,
                    choices=[("", "—")] + [(str(a.user_id), a.label) for a in choices["assignees"]],
                )
            elif name == "departments":
                self.fields["departments"] = forms.MultipleChoiceField(
                    label=_("Departments to summon"),
                    choices=[(str(o.pk), o.name) for o in choices["departments"]],
                    widget=forms.CheckboxSelectMultiple,
                )
            elif name == "part":
                parts = choices["parts"]
                self.fields["part"] = forms.ChoiceField(
                    label=_("Our part"),
                    choices=[(str(p.pk), f"{p.department.name} · {p.get_status_display()}") for p in parts],
                    initial=str(parts[0].pk) if parts else None,
                    widget=forms.RadioSelect if len(parts) > 1 else forms.HiddenInput,
                )
            else:
                self.fields[name] = FIELD_MAKERS[name]()
        # Focus the first thing the user must fill in; with nothing to fill in, the button.
        first = next(
            (n for n in spec.fields if n not in OPTIONAL_EXTRAS and not self.fields[n].widget.is_hidden),
            None,
        )
        self.submit_autofocus = first is None
        if first:
            self.fields[first].widget.attrs["autofocus"] = True

    def clean(self):
        data = super().clean()
        spec = self.spec
        if "unit" in spec.fields:
            units = {str(o.pk): o for o in self.choices["units"]}
            people = {str(a.user_id): a for a in self.choices["assignees"]}
            data["unit_obj"] = units.get(data.get("unit") or "")
            assignee = people.get(data.get("assignee") or "")
            data["assignee_obj"] = assignee.user if assignee is not None else None
            if data["unit_obj"] is None and data["assignee_obj"] is None:
                raise ValidationError(_("Choose a handling unit or a person in charge."))
        if "departments" in spec.fields and "departments" in data:
            by_pk = {str(o.pk): o for o in self.choices["departments"]}
            data["department_objs"] = [by_pk[k] for k in data["departments"] if k in by_pk]
        if "part" in spec.fields:
            by_pk = {str(p.pk): p for p in self.choices["parts"]}
            data["part_obj"] = by_pk.get(data.get("part") or "")
            if data["part_obj"] is None:
                raise ValidationError(_("Your department has no part on this case to act on."))
        if "into" in spec.fields and data.get("into"):
            target = selectors.case_by_number(self.user, data["into"])
            if target is None:
                self.add_error("into", _("No case with this number in your area."))
            elif target.pk == self.case.pk:
                self.add_error("into", _("A case cannot be merged into itself."))
            else:
                data["into_case"] = target
        if spec.action in {"approve_postpone", "deny_postpone"}:
            data["postponement"] = self.choices.get("postponement")
            if data["postponement"] is None:
                raise ValidationError(_("There is no request for more time to decide."))
        return data

    @property
    def visible_fields_list(self):
        return [f for f in self if not f.is_hidden]


def _unit_label(org) -> str:
    return f"{org.name} · {org.get_kind_display()}"


def acting_parts(parts: list[WhistlePart], department_ids: set[int], action: str, superuser=False):
    """The parts the user's department may act on by `action` (report in, then finish)."""
    want = WhistlePart.Status.SUMMONED if action == "report_in" else WhistlePart.Status.REPORTED
    return [p for p in parts if p.status == want and (superuser or p.department_id in department_ids)]


def pending_postponement(postponements: list[Postponement]) -> Postponement | None:
    return next((p for p in postponements if p.status == Postponement.Status.REQUESTED), None)
