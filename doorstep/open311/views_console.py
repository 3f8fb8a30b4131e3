"""API keys in the staff console, for city administrators: the keys with their jurisdictions,
scopes, last use and how often they were used; make a key (shown once, in the answer only);
revoke one. Writes go through `keys.py`, as for the admin and `doorstep apikey`."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from doorstep.territory.models import Region

from . import keys
from .admin import is_city_admin
from .models import ApiKey


def _admin_only(request) -> None:
    if not is_city_admin(request.user):
        raise Http404


class KeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("client"), max_length=100)
    client_kind = forms.ChoiceField(label=gettext_lazy("kind of client"), choices=ApiKey.ClientKind.choices)
    contact = forms.CharField(label=gettext_lazy("contact"), max_length=200, required=False)
    jurisdictions = forms.ModelMultipleChoiceField(
        label=gettext_lazy("jurisdictions"),
        queryset=Region.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("The key works for these regions and everything below them."),
    )
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("scopes"), choices=ApiKey.Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    rate_per_minute = forms.IntegerField(label=gettext_lazy("requests per minute"), min_value=1, initial=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdictions"].queryset = Region.objects.filter(
            level__lte=Region.Level.SUBDISTRICT
        ).order_by("code")


def key_rows():
    """Every key with its jurisdictions and its uses (all, last 24 hours): two queries."""
    since = timezone.now() - timedelta(hours=24)
    return list(
        ApiKey.objects.prefetch_related("jurisdictions")
        .annotate(uses_total=Count("uses"), uses_day=Count("uses", filter=Q(uses__at__gte=since)))
        .order_by("revoked_at", "name", "pk")
    )


@login_required
def key_list(request):
    _admin_only(request)
    return render(
        request, "open311/keys.html", {"keys": key_rows(), "scope_labels": dict(ApiKey.Scope.choices)}
    )


@login_required
def key_create(request):
    _admin_only(request)
    form = KeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            key, raw = keys.create_key(
                name=data["name"],
                jurisdictions=list(data["jurisdictions"]),
                scopes=data["scopes"],
                rate_per_minute=data["rate_per_minute"],
                client_kind=data["client_kind"],
                contact=data["contact"],
                by=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            # In this answer only (no redirect, nothing in the session): never shown again.
            return render(request, "open311/key_created.html", {"key": key, "raw": raw})
    return render(request, "open311/key_form.html", {"form": form})


@login_required
@require_POST
def key_revoke(request, pk):
    _admin_only(request)
    key = get_object_or_404(ApiKey, pk=pk)
    keys.revoke_key(key, by=request.user)
    messages.success(request, _("The key of %(name)s no longer works.") % {"name": key.name})
    return redirect("apikeys:list")
