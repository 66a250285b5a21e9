"""Guards: lines of entries waiting for CAPE are held from builds, saves and manual designations; IEEPA
duties CAPE refunds count $0 in a build; pre-flight and the assessment find designations that counted IEEPA
duties CBP refunded, including an entry reliquidated after a claim counted them."""

import datetime as dt
from decimal import Decimal as D

import pytest

from claims.building import services as building
from claims.building.services import BuildError
from claims.cape.models import CapeEntry
from claims.cape.services import entry_release
from claims.models import Finding
from claims.preflight import claim_preflight
from claims.risk.services import assess_client
from claims.services import ClaimError
from imports.models import LineCh99Duty
from tests.claims.build_data import client_lines, rows_by_pair, run_build
from tests.factories import ClaimFactory, designate, refund_amounts
from tests.imports.helpers import load

from .cape_data import RECIPROCAL, ensure_chapter99

pytestmark = pytest.mark.django_db


def ieepa_on(line, amount):
    ensure_chapter99()
    LineCh99Duty.objects.create(line=line, ordinal=1, number=RECIPROCAL, amount=D(amount))


@pytest.fixture
def data(client_a):
    """L1 and L2 carry IEEPA reciprocal duty; both entries are unliquidated, so CAPE takes them."""
    data = client_lines(client_a)
    ieepa_on(data.l1, "1000.00")
    ieepa_on(data.l2, "500.00")
    return data


def test_build_leaves_out_lines_waiting_for_cape_with_the_reason(client_a, analyst, data):
    build = run_build(client_a, analyst)
    entries = {r["entry_number"] for r in rows_by_pair(build).values()}
    assert data.l1.entry.entry_number not in entries and data.l2.entry.entry_number not in entries
    reasons = {x["ref"]: x["reason"] for x in build.result["exclusions"] if x["subject"] == "line"}
    assert set(reasons) == {
        f"{data.l1.entry.display_number} line 1",
        f"{data.l2.entry.display_number} line 1",
    }
    assert all("waits for CAPE" in r and "held from drawback" in r for r in reasons.values())


def test_accepted_entry_is_built_on_its_other_duties_only(client_a, analyst, data):
    CapeEntry.objects.create(
        client=client_a, entry=data.l1.entry, status="accepted", accepted_on=dt.date(2026, 6, 1)
    )
    build = run_build(client_a, analyst)
    rows = rows_by_pair(build)
    dear = rows[("X-DEAR", data.l1.entry.entry_number)]
    # 80 of L1 against X-DEAR: 99% x 16.50 a unit, as without any IEEPA duty (build_data's figures).
    assert D(dear["amounts"]["364"]["claim"]) == D("1306.80")
    assert all(r["entry_number"] != data.l2.entry.entry_number for r in rows.values())  # still waiting


def test_counsel_setting_drawback_counts_ieepa_where_the_table_allows(client_a, analyst, data):
    client_a.firm.ieepa_path = "drawback"
    client_a.firm.save()
    build = run_build(client_a, analyst)
    dear = rows_by_pair(build)[("X-DEAR", data.l1.entry.entry_number)]
    # 99% x (1,650 + 1,000) / 100 a unit x 80.
    assert D(dear["amounts"]["364"]["claim"]) == D("2098.80")


def test_save_refused_when_an_entry_started_waiting_after_the_build(client_a, analyst):
    data = client_lines(client_a)
    build = run_build(client_a, analyst)
    ieepa_on(data.l1, "1000.00")  # the IEEPA row arrived with a later load: L1 now waits for CAPE
    with pytest.raises(BuildError, match="waits for CAPE"):
        building.claim_build_save(build=build, user=analyst)
    assert not client_a.claims.exists()


def test_manual_designation_refused_until_an_analyst_releases_the_entry(client_a, analyst, data):
    claim = ClaimFactory(client=client_a, preparer=analyst)
    with pytest.raises(ClaimError, match="waits for CAPE"):
        designate(claim, data.l2, data.cheap, "10", by=analyst)
    entry_release(entry=data.l2.entry, user=analyst, reason="counsel: claim now, export window closing")
    designate(claim, data.l2, data.cheap, "10", by=analyst)
    assert claim.designations.count() == 1


def test_preflight_finds_a_designation_of_a_declared_entry(client_a, analyst, data):
    claim = ClaimFactory(client=client_a, preparer=analyst)
    entry_release(entry=data.l2.entry, user=analyst, reason="tested")
    designate(claim, data.l2, data.cheap, "10", by=analyst)
    CapeEntry.objects.filter(entry=data.l2.entry).update(status="declared", released_at=None)
    rules = {i.rule for i in claim_preflight(claim=claim)}
    assert "CAPE" in rules


def test_entry_reliquidated_after_a_claim_counted_its_ieepa_duties(client_a, analyst, data, tmp_path):
    """Counsel's setting let a claim count L1's IEEPA duty; CBP then reliquidates the entry without it."""
    client_a.firm.ieepa_path = "drawback"
    client_a.firm.save()
    claim = ClaimFactory(client=client_a, preparer=analyst)
    line = data.l1
    amounts = {"364": {"claim": str(D("0.99") * (line.duty + D("1000.00")) / 10), "calculated": "0"}}
    amounts["364"]["calculated"] = amounts["364"]["claim"]
    designation = designate(claim, line, data.cheap, "10", by=analyst, amounts=amounts)
    assert not [i for i in claim_preflight(claim=claim) if i.rule.startswith("CAPE")]

    path = tmp_path / "liq.csv"
    path.write_text(
        "Entry Number,Liquidation Status,Liquidation Date,Reliquidation Date,IEEPA Removed\n"
        f"{line.entry.entry_number},Reliquidated,05/01/2026,06/15/2026,Y\n"
    )
    assert load("liq_report", path, client_a).loaded

    issues = [i for i in claim_preflight(claim=claim) if i.rule == "CAPE-IEEPA-REFUNDED"]
    assert len(issues) == 1 and issues[0].designation_id == designation.pk
    assert "$99.00" in issues[0].message  # 99% x 1,000 x 10/100
    assess_client(client=client_a)
    finding = Finding.objects.get(client=client_a, rule="CAPE-IEEPA-REFUNDED")
    assert finding.severity == "error" and claim.display_number in finding.message
    assert finding.amount_at_stake == D("99.00")


def test_a_claim_on_other_duties_only_is_not_flagged(client_a, analyst, data):
    CapeEntry.objects.create(client=client_a, entry=data.l1.entry, status="refunded", refund_amount=D("1000"))
    claim = ClaimFactory(client=client_a, preparer=analyst)
    designate(
        claim, data.l1, data.cheap, "10", by=analyst, amounts=refund_amounts(data.l1, D("10"), ("364",))
    )
    assert not [i for i in claim_preflight(claim=claim) if i.rule.startswith("CAPE")]
