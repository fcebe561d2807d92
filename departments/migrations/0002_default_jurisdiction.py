from django.db import migrations


def create_default(apps, schema_editor):
    # A fresh install has one jurisdiction, renamed in the admin.
    Jurisdiction = apps.get_model("departments", "Jurisdiction")
    if not Jurisdiction.objects.exists():
        Jurisdiction.objects.create(code="default", name="本辖区")


class Migration(migrations.Migration):
    dependencies = [("departments", "0001_initial")]
    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
