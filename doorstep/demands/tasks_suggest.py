"""Background job for the category suggestion: retrain from the city's cases and corrections.

Enqueue `retrain_suggester` whenever convenient (nightly from the worker loop, after a batch of
corrections — `suggest.record_correction` does so every 10 corrections): it does nothing when
the training data have not changed since the newest stored model, so running it twice is harmless.
"""

from django_tasks import task


@task()
def retrain_suggester(force: bool = False) -> int | None:
    """Fit and store a new suggestion model; returns its version (the SuggestModel id)."""
    from .suggest import retrain

    model = retrain(force=force)
    return model.pk if model is not None else None
