"""Webhook pages of the staff console, for city administrators: receivers (create with the secret
shown once, change, rotate the secret), the delivery log with each attempt, replay.

Views parse input and call one service; reads come from the selectors, which give others nothing
(a 404, as if the page did not exist).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from doorstep.demands.workflow import action_label
from doorstep.territory.models import Region

from . import selectors, services
from .models import Delivery


def _admin_only(request) -> None:
    if not selectors.is_city_admin(request.user):
        raise Http404


class SubscriberForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("receiver"), max_length=100)
    url = forms.URLField(label=gettext_lazy("URL"), max_length=500, assume_scheme="https")
    jurisdictions = forms.ModelMultipleChoiceField(
        label=gettext_lazy("jurisdictions"),
        queryset=Region.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Only events of cases in these regions (and everything below them) are sent."),
    )
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("event types"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Empty: every case event."),
    )
    active = forms.BooleanField(label=gettext_lazy("active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The city, counties and subdistricts (not thousands of compounds), as for API keys.
        self.fields["jurisdictions"].queryset = Region.objects.filter(
            level__lte=Region.Level.SUBDISTRICT
        ).order_by("code")
        self.fields["event_types"].choices = [(t, action_label(t)) for t in services.EVENT_TYPES]

    def save(self, subscriber=None, by=None):
        data = self.cleaned_data
        values = {
            "name": data["name"],
            "url": data["url"],
            "jurisdictions": list(data["jurisdictions"]),
            "event_types": data["event_types"],
            "active": data["active"],
        }
        if subscriber is None:
            return services.create_subscriber(**values, by=by)
        return services.update_subscriber(subscriber, **values), None


def _save(request, form, subscriber=None):
    """The service's answer, or None with its messages put on the form."""
    if not form.is_valid():
        return None
    try:
        return form.save(subscriber, by=request.user)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    return None


@login_required
def subscriber_list(request):
    _admin_only(request)
    return render(request, "webhooks/list.html", {"subscribers": selectors.subscriber_list(request.user)})


@login_required
def subscriber_create(request):
    _admin_only(request)
    form = SubscriberForm(request.POST or None)
    if request.method == "POST":
        saved = _save(request, form)
        if saved:
            subscriber, secret = saved
            # Shown in this answer only (no redirect, nothing in the session): never again.
            return render(request, "webhooks/secret.html", {"subscriber": subscriber, "secret": secret})
    return render(request, "webhooks/form.html", {"form": form})


def _types(subscriber) -> list[str]:
    return [action_label(t) for t in subscriber.event_types]


@login_required
def subscriber_detail(request, pk):
    _admin_only(request)
    subscriber = get_object_or_404(
        selectors.subscribers_visible(request.user).prefetch_related("jurisdictions"), pk=pk
    )
    if request.method == "POST":
        form = SubscriberForm(request.POST)
        if _save(request, form, subscriber):
            messages.success(request, _("Saved."))
            return redirect("webhooks:detail", pk=subscriber.pk)
    else:
        form = SubscriberForm(
            initial={
                "name": subscriber.name,
                "url": subscriber.url,
                "jurisdictions": list(subscriber.jurisdictions.all()),
                "event_types": subscriber.event_types,
                "active": subscriber.active,
            }
        )
    status = request.GET.get("status", "")
    return render(
        request,
        "webhooks/detail.html",
        {
            "subscriber": subscriber,
            "types": _types(subscriber),
            "form": form,
            "status": status,
            "statuses": Delivery.Status.choices,
            "deliveries": selectors.delivery_log(request.user, subscriber=subscriber, status=status),
        },
    )


@login_required
@require_POST
def subscriber_rotate(request, pk):
    _admin_only(request)
    subscriber = get_object_or_404(selectors.subscribers_visible(request.user), pk=pk)
    secret = services.rotate_secret(subscriber)
    return render(
        request, "webhooks/secret.html", {"subscriber": subscriber, "secret": secret, "rotated": True}
    )


@login_required
def delivery_log(request):
    _admin_only(request)
    status = request.GET.get("status", "")
    return render(
        request,
        "webhooks/log.html",
        {
            "status": status,
            "statuses": Delivery.Status.choices,
            "deliveries": selectors.delivery_log(request.user, status=status),
        },
    )


@login_required
def delivery_detail(request, pk):
    _admin_only(request)
    try:
        delivery = selectors.delivery_detail(request.user, pk)
    except Delivery.DoesNotExist:
        raise Http404 from None
    return render(
        request, "webhooks/delivery.html", {"d": delivery, "attempts": list(delivery.attempt_log.all())}
    )


@login_required
@require_POST
def delivery_replay(request, pk):
    _admin_only(request)
    delivery = get_object_or_404(
        selectors.deliveries_visible(request.user).select_related("subscriber"), pk=pk
    )
    again = services.replay(delivery, by=request.user)
    messages.success(request, _("Sent again: the worker delivers it shortly."))
    return redirect("webhooks:delivery", pk=again.pk)
