"""Default review checklists for level 1 (the detail) and level 2 (the sign-off). Firm admins edit them."""

from django.db import migrations

LEVELS = {
    1: (
        "First review: the claim's data",
        [
            (
                "Each designation matches its entry summary: entry and line number, HTS, quantity and unit",
                "Compare with the ES-003 line and the CBP 7501; 19 CFR 190.51(a)(2).",
            ),
            (
                "Each export or destruction is proven: EEI/ITN, bill of lading or certificate of destruction",
                "19 CFR 190.72; the unique export identifier goes on the claim.",
            ),
            (
                "Time limits hold: exports within 5 years of import and before filing; claim within 5 years",
                "19 U.S.C. 1313(j)(1), (r)(1); product decisions 1-3.",
            ),
            (
                "Substitution standard met: same 8-digit HTS, or the 10-digit number under the 'Other' rule",
                "19 U.S.C. 1313(j)(5); 19 CFR 190.2 'substituted merchandise'.",
            ),
            (
                "Amounts per class checked: 99% of what was paid, lesser-of for substitution, MPF apportioned",
                "19 CFR 190.51(b); product decisions 4-7.",
            ),
            (
                "A notice of intent (CBP 7553) or the waiver of prior notice covers each export/destruction",
                "19 CFR 190.35, 190.71, 190.91.",
            ),
            ("Pre-flight warnings read, and each resolved or explained in a comment", ""),
        ],
    ),
    2: (
        "Second review: sign-off for filing",
        [
            ("First review complete and its comments resolved", ""),
            (
                "Claimant, filer code, drawback office and provision are right for this claim",
                "CATAIR 10-record; 19 CFR 190.51(a)(2)(i)-(iv).",
            ),
            (
                "Privileges in force: accelerated payment with its 1A bond, waiver of prior notice, rulings",
                "19 CFR 190.91, 190.92; CSMS 48380692.",
            ),
            ("Totals per accounting class agree with the designations and the supporting documents", ""),
            (
                "The declarations of 19 CFR 190.51(a)(2) can be made truthfully for this claim",
                "Unused, no relanding, possession, records kept 3 years after liquidation.",
            ),
            (
                "Supporting documents ready to upload to DIS within 24 hours of filing",
                "19 CFR 190.51(a)(2)(xvi); the claim is complete only with them (190.51(e)(1)(i)).",
            ),
        ],
    ),
}


def seed(apps, schema_editor):
    Checklist = apps.get_model("reviews", "ReviewChecklist")
    Item = apps.get_model("reviews", "ReviewChecklistItem")
    for level, (title, items) in LEVELS.items():
        checklist, created = Checklist.objects.get_or_create(level=level, defaults={"title": title})
        if created:
            Item.objects.bulk_create(
                Item(checklist=checklist, position=i, text=text, guidance=guidance)
                for i, (text, guidance) in enumerate(items, start=1)
            )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
