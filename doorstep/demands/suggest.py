"""Category suggestion from a demand's text: keywords first, then what the city's cases teach.

How it works
------------
* Text is normalised (NFKC, lower case, digits → 0, punctuation → space) and cut into character
  n-grams of 1–3 characters within each run of text: Chinese needs no word segmentation, and
  n-grams survive typos and colloquial wording (拉圾/垃圾, 电悌/电梯) better than words.
* Keywords: each active minor class's keywords (admins edit them) and its name. The text is
  scanned once with the longest keyword winning at each position; a class scores the sum of
  length^1.5 of its distinct keywords found. This works with no training data at all.
* Model: TF-IDF over the n-grams (sublinear tf, l2) with a linear SVM (scikit-learn's
  LinearSVC: fast on tens of thousands of texts), calibrated to probabilities by a softmax whose
  temperature minimises the log-loss of 3-fold cross-validation; trained on the seed labelled set (`data/complaints.csv`, train split only),
  the city's triaged demands and staff corrections (weighted up). The fitted vocabulary, idf
  weights and coefficients are stored as plain arrays (`SuggestModel`, no pickle), and a process
  predicts with numpy alone, so web processes never import scikit-learn once a model is stored.
* Blend: where keywords hit, score = w·model + (1−w)·keywords; w grows with the number of the
  city's own examples (`model_weight`), so a model that knows only the seed set leans on the
  keywords and a model that has learnt the city's wording leans on itself. No keyword hit: the
  model alone. No keyword hit and a flat model distribution (greetings, noise): no suggestion.
* Corrections: `record_correction` stores the label (the next retrain learns it) and the exact
  normalised text is answered with the corrected class at once in this process, and in every
  other process within `DOORSTEP_SUGGEST_CHECK_SECONDS` (default 5 s).

Per process, the state (keyword index, model, corrections) is built lazily and re-checked at
most every few seconds with three small aggregate queries; a newer model, an edited class or a
new correction rebuilds the part that changed. With no stored model yet (a new installation, no
worker run), the process fits the seed model itself once (about a second), so suggestions are
good from the first report; `retrain()` (the `retrain_suggester` task) stores one for everyone.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import math
import re
import threading
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from .models import Category, CategoryCorrection, Demand, SuggestModel

log = logging.getLogger("doorstep.demands.suggest")

SEED_FILE = Path(__file__).parent / "data" / "complaints.csv"
MAX_TEXT = 2000  # characters looked at; a report is rarely longer
NGRAMS = (1, 3)
MAX_FEATURES = 30000
C = 0.5  # inverse regularisation of the linear SVM (bench/suggest_accuracy.py)
DEFAULT_TEMPERATURE = 0.1  # softmax temperature when there are too few examples to calibrate
UNSEEN_DECISION = -1.5  # calibration: the score of a class a fold never saw
KEYWORD_DAMPING = 3.0  # added to the keyword total: one short hit is not certainty
KEYWORD_POWER = 1.5  # a keyword weighs its length to this power
CORRECTION_WEIGHT = 3.0  # a staff correction counts as much as three ordinary examples
MIN_SCORE = 0.02  # suggestions scoring less are not shown
FLAT_MODEL = 0.12  # no keyword hit and the model's best below this: no suggestion
MAX_CITY_EXAMPLES = 50000  # the most recent triaged demands used for training
KEEP_MODELS = 3
TEST_EVERY = 3  # seed split: every 3rd example of each class is held out (bench, metrics)
NONE = "-"  # the label of seed texts that are no complaint (greetings, questions, tests)
MIN_DF = 1  # an n-gram must occur in this many training texts to become a feature

_DIGITS = re.compile(r"\d+")
_NON_WORD = re.compile(r"[^0-9a-z\u3400-\u9fff]+")
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Suggestion:
    category: Category
    score: float


# --- text ----------------------------------------------------------------------------------


def normalize(text: str) -> str:
    """Lower case, half-width, digits as 0, anything that is not a letter, digit or Han as a space."""
    text = unicodedata.normalize("NFKC", str(text or "")[:MAX_TEXT]).lower()
    text = _DIGITS.sub("0", text)
    return _NON_WORD.sub(" ", text).strip()


def ngrams(normalized: str) -> list[str]:
    """Character n-grams (1–3) inside each run of text; the model's features."""
    out: list[str] = []
    lo, hi = NGRAMS
    for run in normalized.split():
        n_chars = len(run)
        for n in range(lo, hi + 1):
            out.extend(run[i : i + n] for i in range(n_chars - n + 1))
    return out


def text_key(text: str) -> str:
    """The key under which a correction answers the same text at once."""
    return hashlib.sha1(normalize(text).encode()).hexdigest()


# --- keywords ------------------------------------------------------------------------------


class KeywordIndex:
    """Active minor classes' keywords (and names); longest match wins at each position."""

    def __init__(self, categories: list[Category]):
        from .categories import keyword_lines

        owners: dict[str, set[int]] = {}
        for c in categories:
            for word in [c.name, *keyword_lines(c.keywords)]:
                key = normalize(word).replace(" ", "")
                if len(key) >= 1:
                    owners.setdefault(key, set()).add(c.pk)
        self.owners = {k: tuple(sorted(v)) for k, v in owners.items()}
        words = sorted(self.owners, key=lambda w: (-len(w), w))
        self.pattern = re.compile("|".join(map(re.escape, words))) if words else None

    def scores(self, normalized: str) -> dict[int, float]:
        """Category id → sum over the distinct keywords found of length ** 1.5 (longer words are
        more specific: 美人靠 says more than 椅)."""
        if self.pattern is None:
            return {}
        found = {m.group(0) for m in self.pattern.finditer(normalized.replace(" ", ""))}
        totals: dict[int, float] = {}
        for word in found:
            for pk in self.owners[word]:
                totals[pk] = totals.get(pk, 0.0) + len(word) ** KEYWORD_POWER
        return totals

    def distribution(self, normalized: str) -> dict[int, float]:
        totals = self.scores(normalized)
        denominator = sum(totals.values()) + KEYWORD_DAMPING
        return {pk: s / denominator for pk, s in totals.items()}


# --- the model as arrays -------------------------------------------------------------------


@dataclass
class LinearModel:
    """TF-IDF + a linear classifier with a softmax, as arrays numpy applies without scikit-learn."""

    terms: list[str]
    idf: np.ndarray  # (n_terms,)
    coef: np.ndarray  # (n_classes, n_terms)
    intercept: np.ndarray  # (n_classes,)
    codes: list[str]  # category code of each class row
    temperature: float = 1.0  # already divided into coef and intercept; kept for the record
    index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        if not self.index:
            self.index = {t: i for i, t in enumerate(self.terms)}

    def vector(self, normalized: str) -> tuple[np.ndarray, np.ndarray]:
        counts = Counter(g for g in ngrams(normalized) if g in self.index)
        if not counts:
            return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float32)
        idx = np.fromiter((self.index[g] for g in counts), dtype=np.intp, count=len(counts))
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float32, count=len(counts))
        values = tf * self.idf[idx]
        norm = float(np.sqrt(np.dot(values, values)))
        return idx, values / norm if norm else values

    def proba(self, normalized: str) -> np.ndarray | None:
        """Class probabilities, or None when the text shares no n-gram with the training data."""
        idx, values = self.vector(normalized)
        if not len(idx):
            return None
        z = self.coef[:, idx].astype(np.float32) @ values + self.intercept
        z = z - z.max()
        e = np.exp(z)
        return e / e.sum()

    def dumps(self) -> bytes:
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            terms=np.array(self.terms, dtype=str),
            idf=self.idf.astype(np.float32),
            coef=self.coef.astype(np.float16),
            intercept=self.intercept.astype(np.float32),
            codes=np.array(self.codes, dtype=str),
        )
        return buf.getvalue()

    @classmethod
    def loads(cls, data: bytes) -> LinearModel:
        with np.load(io.BytesIO(bytes(data)), allow_pickle=False) as z:
            return cls(
                terms=z["terms"].tolist(),
                idf=z["idf"].astype(np.float32),
                coef=z["coef"].astype(np.float32),
                intercept=z["intercept"].astype(np.float32),
                codes=z["codes"].tolist(),
            )


def _fit_svc(normalized: list[str], codes: list[str], weights):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    vectorizer = TfidfVectorizer(
        analyzer=ngrams, sublinear_tf=True, max_features=MAX_FEATURES, min_df=MIN_DF, dtype=np.float32
    )
    x = vectorizer.fit_transform(normalized)
    clf = LinearSVC(C=C)
    clf.fit(x, codes, sample_weight=weights)
    return vectorizer, clf


def _decisions(clf, x) -> np.ndarray:
    d = clf.decision_function(x)
    if d.ndim == 1:  # two classes: one score, positive for classes_[1]
        d = np.column_stack([-d / 2, d / 2])
    return d


def _temperature(normalized: list[str], codes: list[str], weights) -> float:
    """Calibration: the softmax temperature that best predicts held-out folds (3-fold
    cross-validation, minimum log-loss), so scores read as probabilities and blend fairly."""
    if len(normalized) < 30:
        return DEFAULT_TEMPERATURE
    from sklearn.model_selection import KFold

    classes = sorted(set(codes))
    col = {c: i for i, c in enumerate(classes)}
    decisions = np.full((len(codes), len(classes)), UNSEEN_DECISION, dtype=np.float64)
    y = np.array(codes)
    w = None if weights is None else np.asarray(weights)
    for train, test in KFold(3, shuffle=True, random_state=0).split(normalized):
        if len(set(y[train])) < 2:
            continue
        vectorizer, clf = _fit_svc(
            [normalized[i] for i in train], list(y[train]), None if w is None else w[train]
        )
        d = _decisions(clf, vectorizer.transform([normalized[i] for i in test]))
        for j, c in enumerate(clf.classes_):
            decisions[test, col[c]] = d[:, j]
    truth = np.array([col[c] for c in codes])
    best_t, best_loss = DEFAULT_TEMPERATURE, math.inf
    for t in np.geomspace(0.02, 2.0, 60):
        z = decisions / t
        z = z - z.max(axis=1, keepdims=True)
        log_p = z[np.arange(len(truth)), truth] - np.log(np.exp(z).sum(axis=1))
        loss = -float(np.mean(log_p))
        if loss < best_loss:
            best_t, best_loss = float(t), loss
    return best_t


def fit(texts: list[str], codes: list[str], weights: list[float] | None = None) -> LinearModel | None:
    """Fit TF-IDF + a linear SVM calibrated to probabilities; None with fewer than two classes."""
    if len(set(codes)) < 2:
        return None
    normalized = [normalize(t) for t in texts]
    temperature = _temperature(normalized, codes, weights)
    vectorizer, clf = _fit_svc(normalized, codes, weights)
    coef, intercept = clf.coef_, clf.intercept_
    if coef.shape[0] == 1:  # two classes: softmax over ±z/2 is the sigmoid of z
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    terms = [""] * len(vectorizer.vocabulary_)
    for term, i in vectorizer.vocabulary_.items():
        terms[i] = term
    return LinearModel(
        terms=terms,
        idf=vectorizer.idf_.astype(np.float32),
        coef=np.asarray(coef / temperature, dtype=np.float32),
        intercept=np.asarray(intercept / temperature, dtype=np.float32),
        codes=[str(c) for c in clf.classes_],
        temperature=temperature,
    )


# --- seed examples -------------------------------------------------------------------------


def seed_examples(split: str = "all", path: Path = SEED_FILE) -> list[tuple[str, str]]:
    """The labelled complaint set as (text, code). `split`: "train", "test" (every 3rd example
    of each class, a fixed held-out split) or "all". Texts labelled NONE ("-": no complaint)
    are always in the train split: the model learns to say nothing to a greeting."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = [(r["text"], r["code"]) for r in csv.DictReader(f)]
    if split == "all":
        return rows
    seen: Counter[str] = Counter()
    out = []
    for text, code in rows:
        held_out = code != NONE and seen[code] % TEST_EVERY == TEST_EVERY - 1
        seen[code] += 1
        if held_out == (split == "test"):
            out.append((text, code))
    return out


# --- the per-process state -----------------------------------------------------------------


@dataclass
class Examples:
    texts: list[str]
    codes: list[str]
    weights: list[float]
    city: int  # how many come from the city (triaged demands + corrections)


def model_weight(city_examples: int) -> float:
    """How far the model counts against the keywords where both speak: 0.35 with only the seed
    set (bench/suggest_accuracy.py: best between 0.2 and 0.4), towards 0.85 as the city's own
    classified cases accumulate (half way at 1,000)."""
    return 0.35 + 0.5 * city_examples / (city_examples + 1000.0)


@dataclass
class _State:
    checked_at: float = 0.0
    categories_key: tuple = ()
    model_key: object = "unset"  # (id, trained at) of the model in use; None: no stored model
    corrections_key: tuple = ()
    categories: dict[int, Category] = field(default_factory=dict)
    by_code: dict[str, int] = field(default_factory=dict)
    keywords: KeywordIndex | None = None
    model: LinearModel | None = None
    model_rows: np.ndarray | None = None  # class row → category id (-1: inactive, NONE_ROW: no complaint)
    weight: float = 0.5
    overrides: dict[str, int] = field(default_factory=dict)
    last_correction: int = 0


NONE_ROW = -2
_state = _State()
_lock = threading.RLock()


def _check_seconds() -> float:
    return float(getattr(settings, "DOORSTEP_SUGGEST_CHECK_SECONDS", 5.0))


def _categories_key() -> tuple:
    agg = Category.objects.aggregate(n=Count("pk"), at=Max("updated_at"), top=Max("pk"))
    return (agg["n"], agg["top"], agg["at"])


def _latest_model_key() -> tuple | None:
    """(id, trained at) of the newest stored model: the time tells a reused id apart."""
    return SuggestModel.objects.order_by("-pk").values_list("pk", "created_at").first()


def _corrections_key() -> tuple:
    agg = CategoryCorrection.objects.aggregate(n=Count("pk"), top=Max("pk"), at=Max("at"))
    return (agg["n"], agg["top"], agg["at"])


def _load_categories(st: _State) -> None:
    active = [
        c
        for c in Category.objects.filter(parent__isnull=False, active=True, parent__active=True)
        .select_related("parent")
        .order_by("code")
    ]
    st.categories = {c.pk: c for c in active}
    st.by_code = {c.code: c.pk for c in active}
    st.keywords = KeywordIndex(active)


def _bind_model(st: _State) -> None:
    if st.model is None:
        st.model_rows = None
        return
    st.model_rows = np.array(
        [NONE_ROW if code == NONE else st.by_code.get(code, -1) for code in st.model.codes], dtype=np.int64
    )


_seed_model: list[LinearModel | None] = []  # fitted at most once per process


def seed_model() -> LinearModel | None:
    """The model of the seed train split alone, fitted in this process on first use."""
    with _lock:
        if not _seed_model:
            examples = seed_examples("train")
            started = time.perf_counter()
            _seed_model.append(fit([t for t, _c in examples], [c for _t, c in examples]))
            log.info(
                "suggest: no stored model; fitted the seed model in %.2f s", time.perf_counter() - started
            )
        return _seed_model[0]


def _load_model(st: _State, model_key: tuple | None) -> None:
    if model_key is not None:
        row = SuggestModel.objects.filter(pk=model_key[0]).values("data", "city_samples").first()
        if row is not None:
            st.model = LinearModel.loads(row["data"])
            st.weight = model_weight(row["city_samples"])
            return
    # No stored model yet (no worker has retrained): the seed model, unless switched off.
    st.model = seed_model() if getattr(settings, "DOORSTEP_SUGGEST_SEED_MODEL", True) else None
    st.weight = model_weight(0)


def _load_corrections(st: _State, reset: bool) -> None:
    if reset:
        st.overrides, st.last_correction = {}, 0
    rows = CategoryCorrection.objects.filter(pk__gt=st.last_correction).order_by("pk")
    for pk, key, category_id in rows.values_list("pk", "text_key", "category_id"):
        st.overrides[key] = category_id
        st.last_correction = pk


def _current() -> _State:
    """The process state, re-checked against the database every few seconds."""
    st = _state
    if st.checked_at and time.monotonic() - st.checked_at < _check_seconds():
        return st
    with _lock:
        if st.checked_at and time.monotonic() - st.checked_at < _check_seconds():
            return st
        categories_key = _categories_key()
        model_key = _latest_model_key()
        corrections_key = _corrections_key()
        categories_changed = categories_key != st.categories_key or st.keywords is None
        if categories_changed:
            _load_categories(st)
            st.categories_key = categories_key
        if model_key != st.model_key:
            _load_model(st, model_key)
            st.model_key = model_key
            _bind_model(st)
        elif categories_changed:
            _bind_model(st)
        if corrections_key != st.corrections_key:
            # Only rows added since: read those; anything else (a deletion, a fresh state): all.
            old = st.corrections_key
            grown = bool(old) and corrections_key[0] > old[0] and (corrections_key[1] or 0) > (old[1] or 0)
            _load_corrections(st, reset=not grown)
            st.corrections_key = corrections_key
        st.checked_at = time.monotonic()
        return st


def invalidate() -> None:
    """Make this process re-check the database on its next suggestion (after a write here)."""
    _state.checked_at = 0.0


def reset() -> None:
    """Forget everything (tests, after the database was swapped)."""
    global _state
    with _lock:
        _state = _State()


# --- suggesting ----------------------------------------------------------------------------


def _scores(st: _State, normalized: str, *, use_keywords=True, use_model=True, use_overrides=True):
    keyword = st.keywords.distribution(normalized) if (use_keywords and st.keywords) else {}
    model: dict[int, float] = {}
    nothing = 0.0  # the model's belief that this is no complaint at all
    if use_model and st.model is not None:
        proba = st.model.proba(normalized)
        if proba is not None:
            for row, p in zip(st.model_rows, proba.tolist(), strict=True):
                if row >= 0:
                    model[int(row)] = p
                elif row == NONE_ROW:
                    nothing = p
    if keyword and model:
        w = st.weight
        scores = {
            pk: w * model.get(pk, 0.0) + (1 - w) * keyword.get(pk, 0.0) for pk in model.keys() | keyword
        }
        nothing *= w
    elif keyword:
        scores = keyword
    elif model and max(model.values()) >= FLAT_MODEL:
        scores = model
    else:
        scores = {}  # nothing the model recognises
    if scores and nothing >= max(scores.values()):
        scores = {}  # a greeting, a question, a test
    if use_overrides:
        corrected = st.overrides.get(hashlib.sha1(normalized.encode()).hexdigest())
        if corrected in st.categories:
            scores = {pk: 0.2 * s for pk, s in scores.items()}
            scores[corrected] = scores.get(corrected, 0.0) + 0.8
    return scores


def suggest(text: str, k: int = 3, **options) -> list[Suggestion]:
    """The `k` most likely active minor classes for `text`, best first, score 0..1.

    Empty or meaningless text gives an empty list, never an error. `options` switch parts off
    for the benchmark: use_keywords, use_model, use_overrides.
    """
    normalized = normalize(text)
    if not normalized or not (_CJK.search(normalized) or re.search(r"[a-z]{2}", normalized)):
        return []
    st = _current()
    scores = _scores(st, normalized, **options)
    ranked = sorted(
        ((pk, s) for pk, s in scores.items() if s >= MIN_SCORE and pk in st.categories),
        key=lambda item: (-item[1], st.categories[item[0]].code),
    )
    return [Suggestion(st.categories[pk], round(min(1.0, s), 4)) for pk, s in ranked[:k]]


# --- learning ------------------------------------------------------------------------------


def record_correction(demand: Demand, category: Category, by=None) -> CategoryCorrection:
    """Staff put `demand` in `category`: set it, remember the label for the next retrain, and
    answer the same text with it from now on. The case's own category (deadlines, routing) is
    the case loop's business and is not touched here."""
    if category is None or category.parent_id is None or not category.active:
        raise ValidationError(_("Choose an active minor class."), code="category")
    previous_id = demand.category_id or demand.suggested_category_id
    with transaction.atomic():
        correction = CategoryCorrection.objects.create(
            demand=demand,
            text=demand.text,
            text_key=text_key(demand.text),
            category=category,
            previous_id=previous_id,
            by=by if getattr(by, "pk", None) else None,
        )
        if demand.pk and demand.category_id != category.pk:
            Demand.objects.filter(pk=demand.pk).update(category=category)
        demand.category = category
        transaction.on_commit(invalidate)
        transaction.on_commit(_maybe_enqueue_retrain)
    invalidate()
    return correction


RETRAIN_AFTER_CORRECTIONS = 10


def _maybe_enqueue_retrain() -> None:
    """Enough corrections since the last stored model: ask the worker to retrain (idempotent)."""
    latest = SuggestModel.objects.order_by("-pk").values_list("created_at", flat=True).first()
    since = CategoryCorrection.objects.all()
    if latest is not None:
        since = since.filter(at__gt=latest)
    if since.count() >= RETRAIN_AFTER_CORRECTIONS:
        from .tasks_suggest import retrain_suggester

        retrain_suggester.enqueue()


def training_examples(*, include_seed: bool = True, city_limit: int = MAX_CITY_EXAMPLES) -> Examples:
    """What the model learns from: the seed train split, the city's triaged demands (newest
    first, up to `city_limit`) and every staff correction (weighted up; the latest correction
    of a demand replaces its label)."""
    active = dict(
        Category.objects.filter(parent__isnull=False, active=True, parent__active=True).values_list(
            "pk", "code"
        )
    )
    texts: list[str] = []
    codes: list[str] = []
    weights: list[float] = []
    if include_seed:
        known = set(active.values()) | {NONE}
        for text, code in seed_examples("train"):
            if code in known:
                texts.append(text)
                codes.append(code)
                weights.append(1.0)
    corrected = set(
        CategoryCorrection.objects.filter(demand__isnull=False).values_list("demand_id", flat=True)
    )
    demands = (
        Demand.objects.filter(category__in=list(active))
        .exclude(triage__in=[Demand.Triage.PENDING, Demand.Triage.OUTSIDE])
        .order_by("-received_at")
        .values_list("pk", "text", "category_id")[:city_limit]
    )
    city = 0
    for pk, text, category_id in demands:
        if pk in corrected:
            continue
        texts.append(text)
        codes.append(active[category_id])
        weights.append(1.0)
        city += 1
    latest: dict[object, tuple[str, int]] = {}
    for pk, demand_id, text, category_id in CategoryCorrection.objects.order_by("pk").values_list(
        "pk", "demand_id", "text", "category_id"
    ):
        latest[demand_id if demand_id is not None else f"c{pk}"] = (text, category_id)
    for text, category_id in latest.values():
        if category_id in active:
            texts.append(text)
            codes.append(active[category_id])
            weights.append(CORRECTION_WEIGHT)
            city += 1
    return Examples(texts, codes, weights, city)


def data_fingerprint() -> str:
    """Changes whenever the training data may have: seed file, classes, triaged demands, corrections."""
    demands = (
        Demand.objects.filter(category__isnull=False)
        .exclude(triage__in=[Demand.Triage.PENDING, Demand.Triage.OUTSIDE])
        .aggregate(n=Count("pk"), top=Max("pk"))
    )
    classes = list(
        Category.objects.filter(parent__isnull=False, active=True).order_by("pk").values_list("pk", "code")
    )
    parts = [
        hashlib.sha1(SEED_FILE.read_bytes()).hexdigest(),
        repr(classes),
        repr(sorted(demands.items())),
        repr(_corrections_key()),
        f"C={C} n={NGRAMS} f={MAX_FEATURES} w={CORRECTION_WEIGHT}",
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def evaluate(predict, examples: list[tuple[str, str]]) -> dict[str, float]:
    """Top-1 and top-3 accuracy of `predict(text) -> list[code]` on (text, code) pairs."""
    top1 = top3 = 0
    for text, code in examples:
        got = predict(text)
        top1 += bool(got) and got[0] == code
        top3 += code in got[:3]
    n = max(1, len(examples))
    return {"top1": round(top1 / n, 4), "top3": round(top3 / n, 4), "n": len(examples)}


def retrain(*, force: bool = False) -> SuggestModel | None:
    """Fit and store a new model from `training_examples()`; idempotent: when the training data
    have not changed since the newest stored model, that model is returned untouched."""
    fingerprint = data_fingerprint()
    latest = SuggestModel.objects.order_by("-pk").first()
    if latest is not None and latest.fingerprint == fingerprint and not force:
        return latest
    examples = training_examples()
    started = time.perf_counter()
    model = fit(examples.texts, examples.codes, examples.weights)
    seconds = time.perf_counter() - started
    if model is None:
        return latest
    held_out = seed_examples("test")

    def predict(text):
        proba = model.proba(normalize(text))
        return [] if proba is None else [model.codes[i] for i in np.argsort(-proba)[:3]]

    row = SuggestModel.objects.create(
        fingerprint=fingerprint,
        samples=len(examples.texts),
        city_samples=examples.city,
        classes=len(model.codes),
        seconds=round(seconds, 3),
        metrics={"seed_held_out": evaluate(predict, held_out)},
        data=model.dumps(),
    )
    stale = list(SuggestModel.objects.order_by("-pk").values_list("pk", flat=True)[KEEP_MODELS:])
    if stale:
        SuggestModel.objects.filter(pk__in=stale).delete()
    invalidate()
    log.info(
        "suggest: model v%s trained on %d examples (%d from the city) in %.2f s",
        row.pk,
        row.samples,
        row.city_samples,
        seconds,
    )
    return row
