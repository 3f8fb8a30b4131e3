from django import forms
from django.utils.translation import gettext_lazy as _

from .services import MAX_UPLOAD_BYTES


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Workbook (.xlsx)"),
        help_text=_("At most %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // 1024 // 1024},
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
    dry_run = forms.BooleanField(required=False, label=_("Check only, write nothing (dry run)"))
    report_file = forms.BooleanField(
        required=False, label=_("Check only and download the full report as a workbook")
    )


class ExportForm(forms.Form):
    region = forms.TypedChoiceField(label=_("Region"), coerce=int)
    full = forms.BooleanField(required=False, label=_("Personal data in full (logged)"))
    reason = forms.CharField(
        required=False,
        max_length=150,
        label=_("Reason for the full export"),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. annual census of the community")}),
    )

    def __init__(self, *args, regions=(), may_reveal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        top = min((r.level for r in regions), default=1)
        self.fields["region"].choices = [
            (r.pk, "\u3000" * max(0, r.level - top) + f"{r.name}（{r.code}）") for r in regions
        ]
        if not may_reveal:
            del self.fields["full"]
            del self.fields["reason"]

    def clean(self):
        data = super().clean()
        if data.get("full") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for exporting personal data in full."))
        return data
