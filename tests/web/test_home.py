"""The public start page: anyone can find a compound's public card by name."""

from django.urls import reverse

from tests import factories


def test_visitor_sees_model_compounds_and_finds_a_compound_by_name(client, city):
    city.compound_a.is_model_compound = True
    city.compound_a.save()
    page = client.get(reverse("web:home")).content.decode()
    assert "示范小区" in page
    assert reverse("public_card", args=[city.compound_a.code]) in page
    assert "新城国际小区" not in page

    found = client.get(reverse("web:home"), {"q": "新城"}).content.decode()
    assert reverse("public_card", args=[city.compound_b.code]) in found
    assert "都市春天小区" not in found
    assert "没有找到小区" in client.get(reverse("web:home"), {"q": "不存在"}).content.decode()


def test_staff_go_to_the_console_and_residents_stay(client, city):
    client.force_login(factories.role("community_staff", city.community_a))
    assert client.get(reverse("web:home"))["Location"] == reverse("territory:tree")
    client.force_login(factories.user())
    assert client.get(reverse("web:home")).status_code == 200
