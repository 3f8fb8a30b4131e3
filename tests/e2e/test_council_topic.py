"""A topic in a real browser: a resident's elevator demand has become a topic; on a 375-px phone
a neighbour finds it among the topics near them, supports it and joins the discussion."""

from doorstep.council import topics
from doorstep.council.models import TopicPost, TopicSupport
from tests.council.topic_world import elevator_topic, topic_world
from tests.e2e.conftest import login


def fits(pg, width=375):
    w = pg.evaluate("document.documentElement.scrollWidth")
    assert w <= width, f"page is {w}px wide on a {width}px screen"


def test_a_resident_supports_and_comments_a_topic_from_an_elevator_demand(phone, db):
    t = topic_world()
    topic = elevator_topic(t)
    topics.transition(topic, "discuss", by=t.staff)
    me = t.owners["1-201"]
    me.set_password("pw-doorstep-1")
    me.save()

    login(phone, me.username)
    phone.goto(phone.base + "/council/topics/")
    phone.wait_for_selector("#topics")
    fits(phone)
    phone.click("text=3栋1单元加装电梯")
    phone.wait_for_selector("#topic-ready", state="attached")
    assert phone.is_visible("#stages li[aria-current=step]:has-text('讨论中')")
    assert phone.is_visible("text=老人上下楼太难")
    fits(phone)

    phone.click("#support-button")
    phone.wait_for_selector("#supported")
    assert phone.inner_text("#support-count") == "1 人支持"
    assert phone.is_visible("text=感谢您的支持")

    phone.fill("#post-form textarea[name=text]", "我家在二楼，同意加装，费用按楼层分摊")
    phone.click("#post-form button[type=submit]")
    phone.wait_for_selector("text=发言已发表")
    assert phone.is_visible(".post:has-text('我家在二楼，同意加装')")
    fits(phone)

    assert TopicSupport.objects.filter(topic=topic, user=me).count() == 1
    assert TopicPost.objects.get(topic=topic).author == me
