"""The inbox: every user's notifications, newest first, with "mark read"."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import notify
from .models import Notification

PAGE_SIZE = 30


@login_required
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    qs = notify.inbox(request.user, unread_only=unread_only)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "notifications": page.object_list,
        "unread_only": unread_only,
        "unread": notify.unread_count(request.user),
    }
    return render(request, "core/inbox.html", context)


@login_required
def badge(request):
    """The unread count for the top bar (fetched by htmx, so pages pay no query for it)."""
    return render(request, "core/inbox_badge.html", {"unread": notify.unread_count(request.user)})


def _back(request):
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("core:inbox")


@login_required
@require_POST
def mark_read(request, pk: int):
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notify.mark_read(request.user, [note.pk])
    if request.htmx:
        note.refresh_from_db()
        response = render(request, "core/inbox_item.html", {"n": note})
        response["HX-Trigger"] = "inbox-changed"
        return response
    return _back(request)


@login_required
@require_POST
def mark_all_read(request):
    notify.mark_read(request.user)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return _back(request)
