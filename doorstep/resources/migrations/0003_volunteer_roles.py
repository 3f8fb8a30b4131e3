from django.db import migrations

ROLES = [
    ("traffic", "交通安全劝导员"),
    ("sorting", "垃圾分类督导员"),
    ("food", "食品安全督导员"),
    ("fire", "消防安全宣传员"),
    ("civility", "文明城市劝导员"),
    ("partner", "城市治理合伙人"),
]


def add_roles(apps, schema_editor):
    VolunteerRole = apps.get_model("resources", "VolunteerRole")
    for slug, name in ROLES:
        VolunteerRole.objects.get_or_create(slug=slug, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("resources", "0002_riders_points")]
    operations = [migrations.RunPython(add_roles, migrations.RunPython.noop)]
