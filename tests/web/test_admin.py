"""The Django admin for firm admins: reference tables they maintain, client data they may only read."""

import pytest

from imports.models import Chapter99Heading, FilerCodeOffset, TariffLine
from tests.factories import ClientFactory, FirmFactory


def chapter99_change(client, heading, basis):
    return client.post(
        f"/admin/imports/chapter99heading/{heading.pk}/change/",
        {
            "program": heading.program,
            "ch99_from": heading.ch99_from,
            "ch99_to": heading.ch99_to,
            "description": heading.description,
            "effective_from": heading.effective_from.isoformat(),
            "effective_to": "",
            "drawback_eligible": "no",
            "basis": basis,
            "source_url": "",
        },
    )


def test_the_chapter99_table_is_changed_by_a_platform_administrator_only(client, firm_admin, platform_admin):
    """Every firm's claims are decided by the one table: a firm admin reads it but cannot change it for all
    the others."""
    heading = Chapter99Heading.objects.get(ch99_from="9903.88.03")
    client.force_login(firm_admin)
    assert client.get(f"/admin/imports/chapter99heading/{heading.pk}/change/").status_code == 200
    assert chapter99_change(client, heading, "Decided by one firm").status_code == 403
    heading.refresh_from_db()
    assert heading.basis != "Decided by one firm"
    client.force_login(platform_admin)
    response = chapter99_change(client, heading, "Decided for the installation")
    assert response.status_code == 302, response.content[:2000]
    heading.refresh_from_db()
    assert (heading.drawback_eligible, heading.basis) == ("no", "Decided for the installation")


def test_filer_code_offsets_are_recorded_by_a_platform_administrator(client, firm_admin, platform_admin):
    offset = {"filer_code": "E5X", "offset": 2, "note": "CBP"}
    client.force_login(firm_admin)
    assert client.post("/admin/imports/filercodeoffset/add/", offset).status_code == 403
    client.force_login(platform_admin)
    assert client.post("/admin/imports/filercodeoffset/add/", offset).status_code == 302
    assert FilerCodeOffset.objects.get(filer_code="E5X").offset == 2


def test_tariff_is_searchable_but_not_editable(client, firm_admin):
    line = TariffLine.objects.create(hts="6109100012", description="Men's or boys' cotton T-shirts")
    client.force_login(firm_admin)
    found = client.get("/admin/imports/tariffline/", {"q": "6109"})
    assert found.status_code == 200 and b"6109100012" in found.content
    assert client.get("/admin/imports/tariffline/add/").status_code == 403
    client.post(
        f"/admin/imports/tariffline/{line.pk}/change/", {"hts": "6109100012", "description": "changed"}
    )
    line.refresh_from_db()
    assert line.description == "Men's or boys' cotton T-shirts"


@pytest.mark.parametrize(
    "model",
    [
        "importline",
        "importentry",
        "export",
        "finding",
        "document",
        "upload",
        "billofmaterials",
        "productionlot",
        "rejectedreturn",
    ],
)
def test_client_data_is_read_only_in_the_admin(client, firm_admin, model):
    app = {"export": "exports", "finding": "claims"}.get(model, "imports")
    if model in ("billofmaterials", "productionlot", "rejectedreturn"):
        app = "claims"
    client.force_login(firm_admin)
    assert client.get(f"/admin/{app}/{model}/").status_code == 200
    assert client.get(f"/admin/{app}/{model}/add/").status_code == 403


def test_admin_client_list_is_the_firms_own(client, firm_admin, client_a):
    ClientFactory(firm=FirmFactory(name="Other"), code="outsider", legal_name="Outsider Co")
    client.force_login(firm_admin)
    html = client.get("/admin/accounts/client/").content.decode()
    assert "Acme Outfitters" in html and "Outsider" not in html


def test_analysts_and_reviewers_have_no_admin(client, analyst):
    analyst.is_staff = True  # staff flag alone is not enough: the role decides
    analyst.save()
    client.force_login(analyst)
    assert client.get("/admin/imports/chapter99heading/").status_code == 403
