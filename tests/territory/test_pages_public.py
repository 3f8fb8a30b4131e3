"""The public compound card: who serves the compound and how to reach them, no personal data."""

import re

import pytest
from django.urls import reverse

from tests import factories

PERSONAL = [
    "王建国",  # grid leader
    "欧阳小红",  # grid worker
    "赵敏",  # committee director
    "钱多多",
    "孙大伟",  # resident representative
    "李四",  # resident
    "周警官",  # a stationed officer's full name
    "13907950001",
    "13907950002",
    "13800138000",
    "11010519491231002X",
    "110105********002X",
    "138****8000",
]


@pytest.fixture
def furnished(city):
    return factories.furnished_compound(city.compound_a)


def card(client, code):
    return client.get(reverse("public_card", args=[code]))


def test_card_needs_no_login_and_shows_the_compound(client, city, furnished):
    response = card(client, city.compound_a.code)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>都市春天小区</h1>" in html
    assert "宜阳社区" in html and "秀江街道" in html


def test_card_shows_the_property_company_and_its_public_phone(client, city, furnished):
    html = card(client, city.compound_a.code).content.decode()
    assert "宜春安居物业服务有限公司" in html and 'href="tel:0795-3271234"' in html


def test_card_shows_the_joint_body_member_organisations(client, city, furnished):
    html = card(client, city.compound_a.code).content.decode()
    for org in ("宜阳社区党委", "宜春安居物业服务有限公司", "都市春天小区业主委员会", "市法院机关党支部"):
        assert org in html


def test_card_shows_stationed_department_contacts_and_grid(client, city, furnished):
    html = card(client, city.compound_a.code).content.decode()
    assert "宜春市公安局袁州分局" in html and "0795-3210110" in html and "社区民警" in html
    assert furnished.grid.name in html
    assert "网格长：王**" in html and "网格员：欧阳**" in html


def test_card_has_no_personal_data(client, city, furnished):
    html = card(client, city.compound_a.code).content.decode()
    for value in PERSONAL:
        assert value not in html, value
    # no mobile number of anyone, masked or not
    assert not re.search(r"1[3-9]\d(\d{4}|\*{4})\d{4}", html)


def test_card_of_a_compound_without_records_still_renders(client, city):
    html = card(client, city.compound_b.code).content.decode()
    assert "新城国际小区" in html and "目前没有物业服务" in html and "尚未成立" in html


def test_card_is_only_for_compounds(client, city):
    assert card(client, city.community_a.code).status_code == 404
    assert card(client, "no-such-code").status_code == 404


def test_compound_page_links_to_its_card(client, city, furnished):
    client.force_login(factories.role("community_staff", city.community_a))
    html = client.get(reverse("territory:compound", args=[city.compound_a.pk])).content.decode()
    assert f'href="/c/{city.compound_a.code}/"' in html
