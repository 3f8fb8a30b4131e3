"""The six accounts of 「我为群众算笔账」; the city adds, renames or retires kinds in the admin."""

from django.db import migrations

KINDS = [
    ("policy", "政策账", 10),
    ("economic", "经济账", 20),
    ("resource", "资源账", 30),
    ("livelihood", "民生账", 40),
    ("safety", "安全账", 50),
    ("long_term", "长远账", 60),
]


def add(apps, schema_editor):
    AccountKind = apps.get_model("projects", "AccountKind")
    for code, name, position in KINDS:
        AccountKind.objects.get_or_create(code=code, defaults={"name": name, "position": position})


def remove(apps, schema_editor):
    apps.get_model("projects", "AccountKind").objects.filter(code__in=[k[0] for k in KINDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
