"""Scoped reads of webhooks. Receivers hear about cases across the city, so only city
administrators (a superuser, or an `admin` role over the whole city) see and manage them;
everyone else sees nothing (the pages answer 404)."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from doorstep.open311.admin import is_city_admin

from .models import Attempt, Delivery, Subscriber

__all__ = ["deliveries_visible", "is_city_admin", "subscribers_visible"]


def subscribers_visible(user) -> QuerySet[Subscriber]:
    if not is_city_admin(user):
        return Subscriber.objects.none()
    return Subscriber.objects.all()


def subscriber_list(user) -> list[Subscriber]:
    """Receivers with their jurisdictions and delivery counts by status (two queries)."""
    D = Delivery.Status
    return list(
        subscribers_visible(user)
        .prefetch_related("jurisdictions")
        .annotate(
            n_delivered=Count("deliveries", filter=Q(deliveries__status=D.DELIVERED)),
            n_waiting=Count("deliveries", filter=Q(deliveries__status__in=[D.PENDING, D.SENDING])),
            n_failed=Count("deliveries", filter=Q(deliveries__status=D.FAILED)),
        )
        .order_by("name", "pk")
    )


def deliveries_visible(user) -> QuerySet[Delivery]:
    if not is_city_admin(user):
        return Delivery.objects.none()
    return Delivery.objects.all()


def delivery_log(user, *, subscriber: Subscriber | None = None, status: str = "", limit: int = 200):
    """The newest deliveries (of one receiver, of one status), with their case: constant queries."""
    qs = deliveries_visible(user).select_related("subscriber", "event__case")
    if subscriber is not None:
        qs = qs.filter(subscriber=subscriber)
    if status in Delivery.Status.values:
        qs = qs.filter(status=status)
    return list(qs.order_by("-created_at", "-pk")[:limit])


def delivery_detail(user, pk: int) -> Delivery:
    return (
        deliveries_visible(user)
        .select_related("subscriber", "event__case", "replay_of", "replayed_by")
        .prefetch_related(Prefetch("attempt_log", queryset=Attempt.objects.order_by("number", "pk")))
        .get(pk=pk)
    )
