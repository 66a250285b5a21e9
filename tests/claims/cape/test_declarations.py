"""CAPE declaration files (CBP's one-column template, split at 9,999), their submission, and the per-entry
state read from the database."""

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest

from claims.cape import services
from claims.cape.models import CapeDeclaration, CapeEntry
from claims.cape.services import CapeError, declaration_csv, declarations_create, split
from claims.cape.state import entry_states
from tests.factories import ClaimFactory, DesignationFactory

from .cape_data import FENTANYL, ieepa_entry

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 30)


def test_split_at_9999():
    numbers = [f"B76{n:08d}" for n in range(19_999)]
    files = split(numbers)
    assert [len(f) for f in files] == [9_999, 9_999, 1]
    assert sum(files, []) == numbers
    assert [len(f) for f in split(numbers[:9_999])] == [9_999]
    assert [len(f) for f in split(numbers[:10_000])] == [9_999, 1]


def test_template_is_one_column_of_entry_numbers():
    text = declaration_csv(["B7681000013", "B7681000021"])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["Entry Number"], ["B7681000013"], ["B7681000021"]]


def test_state_of_each_entry(client_a):
    unliquidated = ieepa_entry(client_a)
    late = ieepa_entry(
        client_a, liquidation_status="Liquidated", liquidation_date=TODAY - dt.timedelta(days=90)
    )
    fentanyl_late = ieepa_entry(
        client_a,
        heading=FENTANYL,
        liquidation_status="Liquidated",
        liquidation_date=TODAY - dt.timedelta(days=90),
    )
    ieepa_entry(client_a, ieepa=D("0"))  # no IEEPA duty: no CAPE state
    states = {s.entry_id: s for s in entry_states(client=client_a, on=TODAY)}
    assert set(states) == {unliquidated.pk, late.pk, fentanyl_late.pk}
    s = states[unliquidated.pk]
    assert (s.ieepa_paid, s.verdict.eligible, s.decision.path, s.decision.held) == (
        D("1000.00"),
        True,
        "cape",
        True,
    )
    assert s.decision.other_to_drawback == D("1900.00")  # 1,650 duty + 250 Section 301
    assert s.declarable
    assert states[late.pk].decision.path == "drawback"
    assert states[late.pk].decision.ieepa_to_drawback == D("1000.00")
    # The fentanyl IEEPA duty is barred from drawback: neither path recovers it once CAPE cannot take it.
    assert states[fentanyl_late.pk].decision.ieepa_to_drawback == 0
    assert states[fentanyl_late.pk].decision.ieepa_not_recovered == D("1000.00")


def test_any_designation_counts_as_associated_with_a_drawback_claim(client_a):
    entry = ieepa_entry(client_a)
    claim = ClaimFactory(client=client_a)  # a draft
    DesignationFactory(claim=claim, import_line=entry.lines.get())
    (state,) = entry_states(client=client_a, on=TODAY)
    assert state.verdict.rule == "DRAWBACK"
    assert state.claims == [claim.display_number]
    assert not state.declarable


def test_declarations_written_and_entries_declared(client_a, analyst):
    entries = [ieepa_entry(client_a) for _ in range(3)]
    ieepa_entry(client_a, liquidation_status="Liquidated", liquidation_date=TODAY - dt.timedelta(days=81))
    (declaration,) = declarations_create(client=client_a, user=analyst, on=TODAY)
    assert declaration.entry_count == 3
    assert declaration.file_name == "CAPE-acme-001.csv"
    rows = list(csv.reader(io.StringIO(declaration.content)))
    assert rows[0] == ["Entry Number"]
    assert sorted(r[0] for r in rows[1:]) == sorted(e.entry_number for e in entries)
    assert set(CapeEntry.objects.values_list("status", flat=True)) == {"declared"}
    with pytest.raises(CapeError, match="no entry is waiting"):
        declarations_create(client=client_a, user=analyst, on=TODAY)
    state = next(s for s in entry_states(client=client_a, on=TODAY) if s.entry_id == entries[0].pk)
    assert state.decision.held and "CAPE-acme-001.csv" in state.decision.reason


def test_more_entries_than_a_file_holds_make_several_files(client_a, analyst, monkeypatch):
    monkeypatch.setattr(services, "MAX_ENTRIES", 2)
    for _ in range(5):
        ieepa_entry(client_a)
    made = declarations_create(client=client_a, user=analyst, on=TODAY)
    assert [d.entry_count for d in made] == [2, 2, 1]
    assert [d.number for d in made] == [1, 2, 3]


def test_submission_recorded_once_and_unsubmitted_file_discarded(client_a, analyst):
    ieepa_entry(client_a)
    (declaration,) = declarations_create(client=client_a, user=analyst, on=TODAY)
    services.declaration_discard(declaration=declaration, user=analyst)
    assert not CapeDeclaration.objects.exists()
    assert set(CapeEntry.objects.values_list("status", flat=True)) == {"not_declared"}
    (declaration,) = declarations_create(client=client_a, user=analyst, on=TODAY)
    services.declaration_submitted(declaration=declaration, user=analyst, ace_reference="CAPE-778812")
    declaration.refresh_from_db()
    assert declaration.submitted and declaration.ace_reference == "CAPE-778812"
    with pytest.raises(CapeError, match="submitted"):
        services.declaration_submitted(declaration=declaration, user=analyst)
    with pytest.raises(CapeError, match="cannot be discarded"):
        services.declaration_discard(declaration=declaration, user=analyst)


def test_client_users_and_other_firms_cannot_act(client_a, client_user_a):
    from tests.factories import UserFactory

    ieepa_entry(client_a)
    with pytest.raises(CapeError):
        declarations_create(client=client_a, user=client_user_a, on=TODAY)
    with pytest.raises(CapeError):
        declarations_create(client=client_a, user=UserFactory(), on=TODAY)  # staff of another firm
    assert not CapeDeclaration.objects.exists()


def test_release_is_recorded_with_its_reason(client_a, analyst):
    entry = ieepa_entry(client_a)
    with pytest.raises(CapeError, match="say why"):
        services.entry_release(entry=entry, user=analyst, reason=" ")
    services.entry_release(entry=entry, user=analyst, reason="export window closes first")
    (state,) = entry_states(client=client_a, on=TODAY)
    assert (state.decision.path, state.decision.held) == ("drawback", False)
    assert "alice" in state.decision.reason and "export window closes first" in state.decision.reason
