"""Person search: by name, phone or ID number, inside the user's scope, results masked."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from doorstep.territory.models import Person
from tests import factories


@pytest.fixture
def people(city):
    factories.person("李四", phone="13800138000", id_number="11010519491231002X", home_region=city.compound_a)
    factories.person(
        "李小龙", phone="13900139000", id_number="440524188001010014", home_region=city.community_a
    )
    factories.person("李五", phone="13700137000", id_number="513101198201130014", home_region=city.compound_b)


def found_names(html: str) -> set[str]:
    return set(re.findall(r"data-result>([^<]*)<", html))


def search(client, q, by="auto", **headers):
    return client.get(reverse("territory:search"), {"q": q, "by": by}, headers=headers).content.decode()


@pytest.fixture
def yiyang(client, city):
    client.force_login(factories.role("community_staff", city.community_a))
    return client


@pytest.mark.parametrize(
    ("q", "by", "found"),
    [
        ("李", "auto", {"李*", "李**"}),  # part of a name, in scope only
        ("李四", "name", {"李*"}),
        ("13800138000", "auto", {"李*"}),
        ("+86 138-0013-8000", "auto", {"李*"}),
        ("0086 13800138000", "phone", {"李*"}),
        ("１３８００１３８０００", "auto", {"李*"}),  # full-width digits from a Chinese keyboard
        ("11010519491231002X", "auto", {"李*"}),
        ("11010519491231002x", "auto", {"李*"}),  # lower-case x
        ("110105 19491231 002X", "id_number", {"李*"}),
        ("110105491231002", "auto", {"李*"}),  # the old 15-digit number of the same person
        ("440524188001010014", "auto", {"李**"}),
        ("13700137000", "auto", set()),  # lives in another community
        ("513101198201130014", "auto", set()),
        ("王", "auto", set()),
    ],
)
def test_search_finds_people_in_scope(yiyang, people, q, by, found):
    assert found_names(search(yiyang, q, by)) == found


def test_results_are_masked(yiyang, people):
    html = search(yiyang, "李")
    assert "李*" in html and "138****8000" in html and "110105********002X" in html
    assert "都市春天小区" in html
    for secret in (
        "李四",
        "李小龙",
        "13800138000",
        "11010519491231002X",
        "13900139000",
        "440524188001010014",
    ):
        assert secret not in html.split("</form>")[1]


def test_id_number_is_matched_by_hash_never_by_partial_number(yiyang, people):
    assert found_names(search(yiyang, "110105194912", "id_number")) == set()
    html = search(yiyang, "11010519491231002X")
    assert "按身份证号码精确查找" in html


def test_a_wrong_check_character_says_so(yiyang, people):
    html = search(yiyang, "110105194912310021")
    assert "校验" in html or "check character" in html
    assert found_names(html) == set()


def test_results_link_to_the_person_page(yiyang, people):
    person = Person.objects.get(phone="13800138000")
    html = search(yiyang, "13800138000")
    assert f'href="{reverse("territory:people:detail", args=[person.pk])}"' in html


def test_htmx_search_returns_only_the_results(yiyang, people):
    html = search(yiyang, "李", **{"HX-Request": "true"})
    assert html.lstrip().startswith('<section id="search-results"')
    assert "<form" not in html


def test_outsider_finds_nobody_of_another_community(client, city, people):
    client.force_login(factories.role("community_staff", city.community_b))
    assert found_names(search(client, "李")) == {"李*"}  # 李五, their own resident
    assert found_names(search(client, "13800138000")) == set()
    assert found_names(search(client, "11010519491231002X")) == set()


def test_anonymised_people_are_not_found(yiyang, city, people):
    Person.objects.filter(phone="13800138000").update(anonymised_at=timezone.now())
    assert found_names(search(yiyang, "13800138000")) == set()
