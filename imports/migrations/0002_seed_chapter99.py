from django.db import migrations


def seed(apps, schema_editor):
    from imports.chapter99 import chapter99_load

    chapter99_load(heading_model=apps.get_model("imports", "Chapter99Heading"))


class Migration(migrations.Migration):
    dependencies = [("imports", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
