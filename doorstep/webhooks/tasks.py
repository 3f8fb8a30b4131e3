"""Background jobs of webhooks, run by `doorstep worker` (django-tasks, database backend).

- `deliver(delivery_id)`: one attempt at one delivery (enqueued with the event, and again after a
  failure with `run_after` set by the backoff). Two copies of it are harmless: the first claims.
- `sweep(now)`: periodic (the worker's scheduler enqueues it): sends whose worker died are retried,
  due deliveries whose task was lost are enqueued again.
"""

from django_tasks import task

from . import services


@task()
def deliver(delivery_id: int) -> str:
    return services.attempt(delivery_id)


@task()
def sweep(now: str | None = None) -> dict:
    from doorstep.demands.tasks import parse_now

    return services.sweep(parse_now(now))
