"""Category suggestion: right on clear reports, silent on noise, and it learns from staff.

The per-process state (keyword index, model, corrections) is re-read before each test, as a
fresh process would.
"""

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from doorstep.demands import suggest
from doorstep.demands.models import Category, CategoryCorrection, Demand, SuggestModel
from doorstep.demands.tasks_suggest import retrain_suggester
from tests import factories
from tests.demands import factories as demand_factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_state():
    suggest.invalidate()
    yield
    suggest.invalidate()


def top(text: str) -> str | None:
    found = suggest.suggest(text)
    return found[0].category.code if found else None


# Clear reports in residents' words → the class staff would choose.
CLEAR = [
    ("小区门口的井盖不见了", "C0101"),
    ("楼道里的声控灯坏了", "0606"),
    ("电梯困人了快来", "0602"),
    ("闻到很浓的煤气味", "0403"),
    ("楼上有人往下扔东西", "0614"),
    ("旁边工地半夜施工打桩", "0301"),
    ("路边有人摆摊卖水果", "0501"),
    ("楼下饭店的油烟熏到我家", "0608"),
    ("小区停车位太少了", "0610"),
    ("消防通道被车堵死了", "0611"),
    ("外墙瓷砖掉下来了", "0604"),
    ("化粪池满了往外冒", "0605"),
    ("想给我们老楼加装电梯", "0601"),
    ("电动车充电桩不够用", "0603"),
    ("十字路口红绿灯坏了", "C0201"),
    ("路面塌陷出现大坑", "0401"),
    ("垃圾堆了好几天没人清", "0102"),
    ("墙上贴满了小广告", "0201"),
    ("物业不作为乱收费", "0609"),
    ("家里停水了", "0612"),
    ("人行道的地砖松了", "C0203"),
    ("自来水管爆了", "0402"),
    ("下水道堵了污水冒出来", "0404"),
    ("隔壁装修太吵", "0613"),
]


@pytest.mark.parametrize(("text", "code"), CLEAR)
def test_clear_reports_get_the_right_class_first(text, code):
    assert top(text) == code


def test_at_most_k_suggestions_best_first_scores_between_0_and_1():
    found = suggest.suggest("路灯不亮，晚上太黑了", k=3)
    assert 1 <= len(found) <= 3
    scores = [s.score for s in found]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 1 for s in scores)
    assert all(s.category.parent_id is not None and s.category.active for s in found)
    assert len(suggest.suggest("路灯不亮，晚上太黑了", k=1)) == 1


@pytest.mark.parametrize(
    "text",
    ["", "   ", "？？？！！", "12345678", "😀😀😀", "asdfgh", "你好", "谢谢", "测试一下", "晚上好", None],
)
def test_empty_or_meaningless_text_gives_no_suggestion(text):
    assert suggest.suggest(text) == []


def test_long_text_is_fine():
    text = "小区门口的井盖不见了，" * 500
    assert top(text) == "C0101"


@override_settings(DOORSTEP_SUGGEST_SEED_MODEL=False)
def test_keywords_alone_work_with_no_training_data():
    suggest.reset()
    try:
        assert not SuggestModel.objects.exists()
        assert suggest._current().model is None
        assert top("小区门口的井盖不见了") == "C0101"
        assert top("楼道灯坏了") == "0606"
    finally:
        suggest.reset()


def test_an_inactive_class_is_never_suggested():
    Category.objects.filter(code="0602").update(active=False)
    suggest.invalidate()
    assert "0602" not in [s.category.code for s in suggest.suggest("电梯困人了快来")]


def test_a_keyword_added_by_an_admin_counts():
    c = Category.objects.get(code="C0502")
    c.keywords += "\n美人靠"
    c.save()
    suggest.invalidate()
    assert top("公园里的美人靠断了一截") == "C0502"


# --- corrections and retraining -----------------------------------------------------------------

# 邋遢 (dirty, unkempt) is everyday speech that no keyword of 道路不洁 names.
TAUGHT = [
    "巷子口邋遢得很，好几天了",
    "学校后门那条路太邋遢了，到处是纸屑",
    "菜场边上邋遢死了，走路都要绕",
    "我们这条街一直很邋遢，没人管",
]
NEW_TEXT = "医院对面那一块邋遢得不像样"


def a_demand(city, text, *, triage=Demand.Triage.PENDING, **extra) -> Demand:
    demand = demand_factories.demand(city.compound_a, text=text, **extra)
    Demand.objects.filter(pk=demand.pk).update(triage=triage)
    demand.triage = triage
    return demand


def corrected(city, text, code, by):
    return suggest.record_correction(a_demand(city, text), Category.objects.get(code=code), by)


def test_a_correction_answers_the_same_text_at_once(city):
    staff = factories.user("desk")
    text = "门口那个东西又坏了，能不能来看看"
    assert top(text) != "C0502"
    correction = corrected(city, text, "C0502", staff)
    assert isinstance(correction, CategoryCorrection)
    assert correction.demand.category.code == "C0502"
    assert Demand.objects.get(pk=correction.demand_id).category.code == "C0502"
    assert correction.by == staff
    assert top(text) == "C0502"
    assert top("门口那个东西又坏了！能不能来看看？") == "C0502"  # same words, other punctuation


def test_a_correction_must_name_an_active_minor_class(city):
    demand = demand_factories.demand(city.compound_a, text="路灯不亮")
    with pytest.raises(ValidationError):
        suggest.record_correction(demand, Category.objects.get(code="01"), None)
    Category.objects.filter(code="C0102").update(active=False)
    with pytest.raises(ValidationError):
        suggest.record_correction(demand, Category.objects.get(code="C0102"), None)
    assert not CategoryCorrection.objects.exists()


def test_retraining_learns_from_corrections(city):
    staff = factories.user("desk")
    before = top(NEW_TEXT)
    assert before != "0104"
    for text in TAUGHT:
        corrected(city, text, "0104", staff)
    assert top(NEW_TEXT) == before  # a different text: nothing learnt before retraining
    model = suggest.retrain()
    assert model is not None and model.city_samples == len(TAUGHT)
    assert top(NEW_TEXT) == "0104"
    # What was learnt before still holds.
    assert top("小区门口的井盖不见了") == "C0101"


def test_retraining_twice_on_the_same_data_does_nothing():
    first = suggest.retrain()
    assert suggest.retrain().pk == first.pk
    assert SuggestModel.objects.count() == 1
    assert first.metrics["seed_held_out"]["top3"] > 0.5


def test_the_retraining_task_is_idempotent():
    first = retrain_suggester.call()
    assert retrain_suggester.call() == first
    assert SuggestModel.objects.count() == 1
    result = retrain_suggester.enqueue()  # the worker runs it later
    assert result.id


def test_learns_from_the_city_s_triaged_demands(city):
    """Classified cases teach the model; pending ones (not yet confirmed by staff) do not."""
    for text in TAUGHT:
        a_demand(city, text, triage=Demand.Triage.SMALL, category=Category.objects.get(code="0104"))
    a_demand(city, "邋遢邋遢", category=Category.objects.get(code="0107"))
    examples = suggest.training_examples()
    assert examples.city == len(TAUGHT)
    suggest.retrain()
    assert top(NEW_TEXT) == "0104"


@override_settings(DOORSTEP_SUGGEST_CHECK_SECONDS=3600)
def test_a_process_notices_a_newer_model_and_new_corrections(city):
    suggest.invalidate()
    suggest.suggest("路灯不亮")  # state read now, not again for an hour…
    state = suggest._current()
    first = suggest.retrain()
    # …except that a write in this process invalidates it (other processes: within the interval).
    assert suggest._current().model_key == (first.pk, first.created_at)
    # A model stored by another process: seen after the check interval (here: forced).
    SuggestModel.objects.filter(pk=first.pk).update(fingerprint="other")
    newer = suggest.retrain()
    assert newer.pk != first.pk
    CategoryCorrection.objects.create(
        text="另一进程写的",
        text_key=suggest.text_key("另一进程写的"),
        category_id=Category.objects.get(code="0610").pk,
    )
    state.checked_at = 0.0
    assert suggest._current().model_key == (newer.pk, newer.created_at)
    assert top("另一进程写的") == "0610"


def test_the_stored_model_predicts_as_fitted():
    """No pickle: the arrays saved to the database give the same probabilities."""
    examples = suggest.seed_examples("train")
    model = suggest.fit([t for t, _ in examples], [c for _, c in examples])
    again = suggest.LinearModel.loads(model.dumps())
    for text, _code in suggest.seed_examples("test")[:20]:
        norm = suggest.normalize(text)
        assert np.allclose(model.proba(norm), again.proba(norm), atol=2e-3)
        assert int(np.argmax(model.proba(norm))) == int(np.argmax(again.proba(norm)))


def test_the_model_predicts_like_scikit_learn():
    """The numpy prediction is the scikit-learn pipeline's decision function, calibrated."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    examples = suggest.seed_examples("train")
    texts = [suggest.normalize(t) for t, _ in examples]
    codes = [c for _, c in examples]
    model = suggest.fit([t for t, _ in examples], codes)
    vectorizer = TfidfVectorizer(
        analyzer=suggest.ngrams, sublinear_tf=True, max_features=suggest.MAX_FEATURES
    )
    clf = LinearSVC(C=suggest.C).fit(vectorizer.fit_transform(texts), codes)
    for text, _code in suggest.seed_examples("test")[:20]:
        norm = suggest.normalize(text)
        z = clf.decision_function(vectorizer.transform([norm]))[0] / model.temperature
        expected = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        assert np.allclose(model.proba(norm), expected, atol=1e-3)


def test_the_labelled_set_is_large_varied_and_covers_every_class():
    rows = suggest.seed_examples("all")
    complaints = [(t, c) for t, c in rows if c != suggest.NONE]
    assert len(complaints) >= 300
    assert len({t for t, _ in complaints}) == len(complaints)  # no repeated sentence
    minors = set(Category.objects.filter(parent__isnull=False).values_list("code", flat=True))
    counts = {code: sum(1 for _t, c in complaints if c == code) for code in minors}
    assert min(counts.values()) >= 5, counts
    assert {c for _t, c in complaints} <= minors
    # The held-out split is fixed and disjoint from the train split.
    train, test = suggest.seed_examples("train"), suggest.seed_examples("test")
    assert not set(train) & set(test)
    assert len(train) + len(test) == len(rows)
    assert {c for _t, c in test} == minors
