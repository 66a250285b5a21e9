"""Pages that serve a working day: a long claim is folded and paged (the whole kept in the workbook), money
reads as money, CBP's forms are named as CBP writes them, every list says where it is, findings lead to what
they concern and an entry or export shows its findings, and a product is found by its name."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from claims.cbp.notifications import event_text
from claims.cbp.sandbox import SandboxGateway
from claims.filing.selectors import claim_package_documents
from claims.filing.services import claim_package_build
from claims.models import Claim, ClaimClassTotal, Designation, Finding
from imports.models import Upload
from tests.claims.cbp_support import make_claim
from tests.factories import ExportFactory, ImportLineFactory

S = Claim.Status


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def long_claim(client, preparer, designations: int) -> Claim:
    """A claim ready to file with many designations, each with its explanation."""
    claim = make_claim(client=client, preparer=preparer, status=S.READY_TO_FILE, classes={"364": "1.00"})
    claim.designations.all().delete()
    rows = []
    for n in range(designations):
        line = ImportLineFactory(entry__client=client, hts="6109100012", uom="DOZ")
        export = ExportFactory(client=client, hts="6109100012", uom="DOZ", export_date=dt.date(2025, 6, 1))
        rows.append(
            Designation(
                claim=claim,
                import_line=line,
                export=export,
                provision="59",
                method="substitution",
                quantity=Decimal("1"),
                refund=Decimal("1.00"),
                amounts={"364": {"claim": "1.00", "calculated": "1.00"}},
                explanation=[f"step one of designation {n}", f"step two of designation {n}"],
            )
        )
    Designation.objects.bulk_create(rows)
    ClaimClassTotal.objects.filter(claim=claim).update(
        claim_amount=Decimal(designations), calculated_amount=Decimal(designations)
    )
    return claim


def test_long_claim_page_is_folded_and_paged_and_the_workbook_holds_everything(client, analyst, client_a):
    claim = long_claim(client_a, analyst, 120)
    client.force_login(analyst)
    url = reverse("claims:detail", args=[client_a.code, claim.pk])
    html = client.get(url).content.decode()
    assert "Page 1 of 3 · 120 designations" in html
    assert html.count('<tr id="d') == 50
    assert '<details class="explanation">' in html and '<details class="explanation" open' not in html
    last = client.get(url + "?page=3").content.decode()
    assert "Page 3 of 3" in last and last.count('<tr id="d') == 20
    claim_package_build(claim=claim, by=analyst)
    workbook = load_workbook(io.BytesIO(claim_package_documents(claim=claim)["workbook"].file.read()))
    sheet = workbook["Designations"]
    assert sheet.max_row - 1 == 120
    explanations = {str(c.value) for c in workbook["Explanations"]["G"] if c.value}
    assert {f"step two of designation {n}" for n in range(120)} <= explanations


def test_cbp_page_and_notifications_write_money_and_cbp_form_names(client, analyst, client_a):
    claim = make_claim(
        client=client_a, preparer=analyst, status=S.ACTION_PROPOSED, classes={"364": "349039.32"}
    )
    text = event_text(claim=claim, event="cf29", detail="Response due 2026-12-01.")
    assert "CF-29 notice of action" in text and "cf-29" not in text
    plan = SandboxGateway(adjust_percent=100).plan(claim, sent_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    (cf29,) = [payload for _, name, _, payload in plan.events if name == "cf29"]
    assert "at $331,587.35 instead of the $349,039.32 claimed" in cf29["text"]
    client.force_login(analyst)
    html = client.get(reverse("cbp:claim_cbp", args=[claim.pk])).content.decode()
    assert "$349,039.32" in html and "349039.32" not in html


def test_findings_page_writes_money_and_links_to_what_each_finding_concerns(client, analyst, data):
    a = data.a
    Finding.objects.create(
        client=a.client,
        rule="R-TEST-L",
        severity="warning",
        message="line finding",
        line=a.line,
        amount_at_stake=Decimal("1234.5"),
        fingerprint="l-1",
    )
    Finding.objects.create(
        client=a.client,
        rule="R-TEST-X",
        severity="warning",
        message="export finding",
        export=a.export,
        fingerprint="x-1",
    )
    client.force_login(analyst)
    html = client.get(reverse("findings:finding-list", args=[a.client.code])).content.decode()
    entry = reverse("imports:entry_detail", args=[a.client.code, a.entry.entry_number])
    assert f'href="{entry}#line-{a.line.line_number}"' in html
    assert f'href="{entry}"' in html  # the entry-level finding of the fixture
    assert f'href="{reverse("exports:export_detail", args=[a.client.code, a.export.pk])}"' in html
    assert "$1,234.50" in html and "$1234.50" not in html


def test_entry_and_export_pages_show_their_findings(client, client_user_a, data):
    a = data.a
    Finding.objects.create(
        client=a.client,
        rule="R-TEST-L",
        severity="warning",
        message="ALPHA line two",
        line=a.line2,
        fingerprint="l2",
    )
    Finding.objects.create(
        client=a.client,
        rule="R-TEST-X",
        severity="error",
        message="ALPHA export",
        export=a.export,
        fingerprint="x",
    )
    Finding.objects.create(
        client=a.client,
        rule="R-OLD",
        severity="error",
        message="ALPHA resolved",
        entry=a.entry,
        fingerprint="o",
        status="resolved",
    )
    client.force_login(client_user_a)
    entry = client.get(
        reverse("imports:entry_detail", args=[a.client.code, a.entry.entry_number])
    ).content.decode()
    assert "Findings <span" in entry and "(2 open or acknowledged)" in entry
    assert "ALPHA finding" in entry and "ALPHA line two" in entry and "ALPHA resolved" not in entry
    assert 'href="#line-2"' in entry
    export = client.get(reverse("exports:export_detail", args=[a.client.code, a.export.pk])).content.decode()
    assert "ALPHA export" in export and "ALPHA line two" not in export


@pytest.mark.parametrize(
    "name, kwargs, words",
    [
        ("claims:list", {"code": "acme"}, "Page 1 of 1 · "),
        ("findings:finding-list", {"code": "acme"}, "Page 1 of 1 · 1 finding"),
        ("claims:money-at-risk", {"code": "acme"}, None),
        ("client-uploads", {"code": "acme"}, "Page 1 of 1 · 1 upload"),
        ("cbp:request_list", {}, "Page 1 of 1 · 0 requests"),
        ("cbp:notification_list", {}, "Page 1 of 1 · 0 notifications"),
        ("reviews:queue", {"level": 1}, "0 claims waiting"),
        ("home", {}, "2 clients"),
    ],
)
def test_every_list_says_where_it_is(client, analyst, data, name, kwargs, words):
    Upload.objects.create(client=data.a.client, kind="es003", original_name="x.csv", sha256="0" * 64)
    make_claim(client=data.a.client, preparer=analyst, status=S.DRAFT)
    client.force_login(analyst)
    html = client.get(reverse(name, kwargs=kwargs)).content.decode()
    assert re.search(r'class="count"', html), name
    if words:
        assert words in html, name


def test_a_product_is_found_by_its_name_in_the_es003_description(client, analyst, client_a, tmp_path):
    from tests.imports.helpers import load, sample_rows, write_rows

    headers, rows = sample_rows("es003_sample.csv")
    for row in rows:
        row["Merchandise Description"] = (
            "Portable computers" if row["HTS Number - Full"].startswith("8471") else ""
        )
    load("es003", write_rows(tmp_path / "es003.csv", [*headers, "Merchandise Description"], rows), client_a)
    client.force_login(analyst)
    html = client.get(reverse("imports:line_list", args=[client_a.code]) + "?q=computers").content.decode()
    assert "Portable computers" in html and "No import lines match" not in html
