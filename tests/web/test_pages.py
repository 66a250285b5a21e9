"""Entry, export and document pages: what an analyst reads on them."""

import datetime as dt
from decimal import Decimal

import pytest

from exports.filters import EXPORT_SORTS
from exports.selectors import export_list
from imports.models import Chapter99Heading, ImportEntry
from tests.factories import ExportFactory, ImportLineFactory


def test_entry_page_shows_lines_classes_chapter99_eligibility_and_documents(data, client, analyst):
    a = data.a
    client.force_login(analyst)
    response = client.get(f"/clients/acme/entries/{a.entry.display_number}/")  # dashes accepted
    assert response.status_code == 200
    html = response.content.decode()
    assert a.entry.display_number in html
    assert "6109.10.00.12" in html and "7318.15.00.00" in html
    # The seeded Chapter 99 table: 9903.88.03 is Section 301 List 3, drawback-eligible.
    assert "9903.88.03" in html and "Section 301 China" in html and ">eligible<" in html
    assert "$250.00" in html  # the Chapter 99 amount
    assert "$3,300.00" in html  # duty total of the two lines
    assert "ALPHA-invoice.pdf" in html
    totals = response.context["totals"]
    assert (totals.duty, totals.ch99, totals.entered_value) == (
        Decimal("3300.00"),
        Decimal("250.00"),
        Decimal("20000.00"),
    )


def test_chapter99_table_edits_change_what_the_entry_page_says(data, client, analyst):
    Chapter99Heading.objects.filter(ch99_from="9903.88.03").update(drawback_eligible="unknown")
    client.force_login(analyst)
    html = client.get(f"/clients/acme/entries/{data.a.entry.entry_number}/").content.decode()
    assert ">not claimed<" in html and ">eligible<" not in html


def test_unknown_chapter99_number_is_not_claimed(data, client, analyst):
    from imports.models import LineCh99Duty

    LineCh99Duty.objects.create(line=data.a.line, ordinal=1, number="9903.00.00", amount=Decimal("1.00"))
    client.force_login(analyst)
    html = client.get(f"/clients/acme/entries/{data.a.entry.entry_number}/").content.decode()
    assert "Not in the Chapter 99 table" in html and "not claimed" in html


def test_missing_entry_is_404(data, client, analyst):
    client.force_login(analyst)
    assert client.get("/clients/acme/entries/ZZZ00000000/").status_code == 404


def test_export_page_links_the_directly_identified_line(data, client, analyst):
    x = ExportFactory(client=data.a.client, export_ref="DI-1", direct_line=data.a.line2, direct_line_number=2)
    client.force_login(analyst)
    html = client.get(f"/clients/acme/exports/{x.pk}/").content.decode()
    assert f"/clients/acme/entries/{data.a.entry.entry_number}/#line-2" in html
    assert "DI-1" in html


@pytest.fixture
def exports(client_a):
    rows = [
        ("X-1", dt.date(2025, 1, 5), "CA", "export", "6109100012", "100.00"),
        ("X-2", dt.date(2025, 2, 5), "DE", "export", "7318150000", "300.00"),
        ("X-3", dt.date(2025, 3, 5), "", "destroy", "6109100040", "50.00"),
        ("ITN-4", dt.date(2025, 4, 5), "MX", "export", "6109100012", "200.00"),
    ]
    return [
        ExportFactory(
            client=client_a,
            export_ref=ref,
            export_date=day,
            destination=dest,
            disposition=disp,
            hts=hts,
            value=Decimal(value),
            description=f"goods {ref}",
        )
        for ref, day, dest, disp, hts, value in rows
    ]


def refs(client, **params):
    return [x.export_ref for x in export_list(client=client, params=params).qs]


def test_export_filters(exports, client_a):
    assert refs(client_a) == ["X-1", "X-2", "X-3", "ITN-4"]
    assert refs(client_a, destination="ca") == ["X-1"]
    assert refs(client_a, disposition="destroy") == ["X-3"]
    assert refs(client_a, hts="6109") == ["X-1", "X-3", "ITN-4"]
    assert refs(client_a, exported_from="2025-02-01", exported_to="2025-03-31") == ["X-2", "X-3"]
    assert refs(client_a, q="itn") == ["ITN-4"]
    assert refs(client_a, q="goods X-2") == ["X-2"]


@pytest.mark.parametrize("sort", sorted(EXPORT_SORTS))
def test_export_sorts_are_total_and_in_order(exports, client_a, sort):
    rows = list(export_list(client=client_a, params={"sort": sort}).qs)
    field = sort.lstrip("-").replace("export_date", "export_date")
    values = [getattr(x, field) for x in rows]
    assert values == sorted(values, reverse=sort.startswith("-"))


def test_exports_page_renders_with_sort_links(exports, client, analyst):
    client.force_login(analyst)
    response = client.get("/clients/acme/exports/", {"sort": "value"})
    html = response.content.decode()
    assert [x.export_ref for x in response.context["page"].items] == ["X-3", "X-1", "ITN-4", "X-2"]
    assert 'href="?sort=-value"' in html  # clicking the sorted column reverses it
    assert "Destroyed" in html


def test_sort_link_keeps_filters_and_drops_the_cursor(exports, client, analyst):
    client.force_login(analyst)
    html = client.get("/clients/acme/exports/", {"destination": "CA", "cursor": "abc"}).content.decode()
    assert 'href="?destination=CA&amp;sort=value"' in html


def test_line_page_links_each_line_to_its_entry(data, client, analyst):
    client.force_login(analyst)
    html = client.get("/clients/acme/lines/").content.decode()
    assert f"/clients/acme/entries/{data.a.entry.entry_number}/#line-1" in html


def test_entry_numbers_are_shown_with_dashes(client_a, client, analyst):
    line = ImportLineFactory(entry__client=client_a)
    client.force_login(analyst)
    html = client.get("/clients/acme/lines/").content.decode()
    n = ImportEntry.objects.get(pk=line.entry_id).entry_number
    assert f"{n[:3]}-{n[3:10]}-{n[10:]}" in html
