"""Category suggestion: accuracy on a fixed held-out split, training time and speed.

    .venv/bin/python bench/suggest_accuracy.py [--repeat 20]

Uses the labelled complaint set (doorstep/demands/data/complaints.csv) and the seed category
table in a throw-away SQLite database. The held-out split is fixed (every 3rd example of each
class, `suggest.seed_examples("test")`); the model is trained on the train split only. Prints
top-1 and top-3 accuracy of
  * keywords only (the classes' keywords; what a city has before any training),
  * the model only (TF-IDF char 1–3-grams + logistic regression),
  * the blend that `suggest()` returns (keywords and model together),
with the ratio of each to keywords only; then the training time and suggestions per second
(warm, in process). Never fails on time or accuracy.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DOORSTEP_DATA_DIR"] = tempfile.mkdtemp(prefix="doorstep-bench-suggest-")
os.environ.pop("DOORSTEP_DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from doorstep.demands import suggest  # noqa: E402
from doorstep.demands.models import Category  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--repeat", type=int, default=20, help="passes over the held-out texts for the speed figure"
    )
    args = parser.parse_args()

    call_command("migrate", verbosity=0)  # seeds the category table
    train, test = suggest.seed_examples("train"), suggest.seed_examples("test")
    classes = Category.objects.filter(parent__isnull=False, active=True).count()
    none = sum(1 for _t, c in train if c == suggest.NONE)
    print(
        f"labelled complaints: {len(train) + len(test) - none} ({len(train) - none} train, {len(test)} held out) "
        f"in {classes} minor classes, plus {none} texts that are no complaint (train only)"
    )

    started = time.perf_counter()
    import sklearn.svm  # noqa: F401  (imported once per process; not part of the training time)

    print(f"importing scikit-learn: {time.perf_counter() - started:.2f} s (only where a model is fitted)")
    started = time.perf_counter()
    model = suggest.retrain()
    trained = time.perf_counter() - started
    suggest.reset()
    print(
        f"training (fingerprint, fit, store): {trained:.2f} s; model v{model.pk}: {model.samples} examples, "
        f"{model.classes} classes, fit alone {model.seconds:.2f} s"
    )

    def predictor(**options):
        return lambda text: [s.category.code for s in suggest.suggest(text, k=3, **options)]

    ways = {
        "keywords only": predictor(use_model=False, use_overrides=False),
        "model only": predictor(use_keywords=False, use_overrides=False),
        "blend (suggest)": predictor(use_overrides=False),
    }
    results = {name: suggest.evaluate(predict, test) for name, predict in ways.items()}
    base = results["keywords only"]
    label = f"held out (n={len(test)})"
    print(f"\n{label:<18} {'top-1':>7} {'top-3':>7} {'top-1 ×kw':>10} {'top-3 ×kw':>10}")
    for name, r in results.items():
        r1 = r["top1"] / base["top1"] if base["top1"] else float("inf")
        r3 = r["top3"] / base["top3"] if base["top3"] else float("inf")
        print(f"{name:<18} {r['top1']:>7.1%} {r['top3']:>7.1%} {r1:>10.2f} {r3:>10.2f}")
    no_answer = sum(1 for text, _ in test if not suggest.suggest(text))
    print(f"held-out texts with no suggestion at all: {no_answer}")

    # Learning curve of the model alone (argmax of its probabilities, no keywords): more
    # examples per class, better model — what the city's classified cases add over time.
    print("\nmodel alone by training size (held-out top-1 / top-3):")
    for share in (0.5, 1.0):
        part = _take_share(train, share)
        fitted = suggest.fit([t for t, _ in part], [c for _, c in part])

        def ranked(text, fitted=fitted):
            proba = fitted.proba(suggest.normalize(text))
            if proba is None:
                return []
            return [fitted.codes[i] for i in proba.argsort()[::-1] if fitted.codes[i] != suggest.NONE][:3]

        r = suggest.evaluate(ranked, test)
        complaints = sum(1 for _t, c in part if c != suggest.NONE)
        print(f"  {complaints:>4} complaints: {r['top1']:.1%} / {r['top3']:.1%}")

    texts = [t for t, _ in test]
    suggest.suggest(texts[0])  # warm
    started = time.perf_counter()
    for _ in range(args.repeat):
        for text in texts:
            suggest.suggest(text)
    elapsed = time.perf_counter() - started
    n = args.repeat * len(texts)
    print(f"\nspeed: {n / elapsed:,.0f} suggestions/s ({elapsed / n * 1e6:.0f} µs each, warm, one thread)")


def _take_share(rows, share):
    """The first `share` of each class's examples (at least one each), in file order."""
    by_class: dict[str, list] = {}
    for row in rows:
        by_class.setdefault(row[1], []).append(row)
    out = []
    for items in by_class.values():
        out.extend(items[: max(1, round(len(items) * share))])
    return out


if __name__ == "__main__":
    main()
