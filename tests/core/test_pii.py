"""Personal data: ID numbers encrypted at rest, found by keyed hash, masked for display."""

import pytest
from django.db import connection

from doorstep.core import pii
from doorstep.territory.models import Person


@pytest.mark.django_db
def test_id_number_is_encrypted_in_the_database_and_found_by_hash():
    p = Person.objects.create(name="李四", id_number="11010519491231002X")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM territory_person WHERE id = %s", [p.pk])
        stored = cursor.fetchone()[0]
    assert "11010519491231002X" not in stored
    assert Person.objects.get(pk=p.pk).id_number == "11010519491231002X"
    found = Person.objects.get(id_number_hash=pii.lookup_hash("11010519491231002X"))
    assert found.pk == p.pk


@pytest.mark.parametrize(
    ("raw", "masked"),
    [("13812341234", "138****1234"), ("", "")],
)
def test_mask_phone(raw, masked):
    assert pii.mask_phone(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [("11010519491231002X", "110105********002X"), ("440524188001010014", "440524********0014")],
)
def test_mask_id_number(raw, masked):
    assert pii.mask_id_number(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [("张三", "张*"), ("张三丰", "张**"), ("欧阳娜娜", "欧阳**"), ("欧阳修", "欧阳*"), ("王", "王")],
)
def test_mask_name(raw, masked):
    assert pii.mask_name(raw) == masked
