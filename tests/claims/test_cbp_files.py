"""The file-exchange gateway: transmissions to the outbox, DX and notice files from the inbox."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from claims.cbp import dx, services
from claims.cbp.files import FileExchangeGateway, parse_notices
from claims.cbp.gateway import get_gateway
from claims.cbp.models import CbpMessage, CbpRequest, CbpTransmission, Payment
from claims.models import Claim
from tests.claims.cbp_support import make_claim, poll_and_apply

S = Claim.Status

# The DX response from CBP's own test material quoted in catair.md 1.15.
CBP_SAMPLE = """B001001739DX
E0 BLOCK  000001 REF ID: 1001 739    DE JWTJFKJFK_640680
E0 SUMMRY 000001 REF ID: 739 81112839 X00081123
E0 EXPDES 000001 REF ID:  6211110000 020518TRUCK
E1 F266   EXPORT / DESTROY INDICATOR MISSING
E1RF999   TRANSACTION DATA REJECTED
Y  1001739DX00000
"""


@pytest.fixture
def folders(tmp_path):
    return tmp_path / "outbox", tmp_path / "inbox"


@pytest.fixture
def gateway(folders):
    outbox, inbox = folders
    inbox.mkdir()
    return FileExchangeGateway(outbox=outbox, inbox=inbox)


@pytest.fixture
def claim(client_a, analyst):
    return make_claim(
        client=client_a, preparer=analyst, classes={"364": "990.00", "399": "12.50"}, line_mpf="20"
    )


def dx_answer(claim, disposition, conditions, date=dt.date(2026, 1, 6)):
    response = dx.DxResponse(
        filer=claim.number[:3],
        entry=claim.number[3:],
        version="00100" if disposition == "A" else "",
        conditions=conditions,
    )
    return dx.dx_text([response], date=date)


def files_in(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_cbp_sample_response_parses_to_its_codes():
    (response,) = dx.parse_dx(CBP_SAMPLE)
    assert response.claim_number == "73981112839" and response.broker_ref == "X00081123"
    assert response.kind == "rejected"
    assert [c.code for c in response.conditions] == ["F266", "F999"]
    assert response.conditions[0].reference_type == "EXPDES"  # the record the F266 points at


def test_dx_written_then_read_gives_the_same_response():
    original = dx.DxResponse(
        filer="HDS",
        entry="00000016",
        version="00100",
        broker_ref="REF123",
        conditions=[
            dx.Condition(
                severity="I",
                condition="287",
                narrative="BOND INSUFFICIENT",
                reference_type="BNDDTL",
                reference_occurrence=1,
                reference_text="8 B 123",
            ),
            dx.Condition(disposition="A", severity="", condition="", narrative="DRAWBACK HAS BEEN ADDED"),
        ],
    )
    text = dx.dx_text([original], date=dt.date(2026, 1, 6))
    assert all(len(line) == 80 for line in text.splitlines())
    (read,) = dx.parse_dx(text)
    assert (read.claim_number, read.version, read.broker_ref, read.transmission_date) == (
        "HDS00000016",
        "00100",
        "REF123",
        dt.date(2026, 1, 6),
    )
    assert [c.as_dict() for c in read.conditions] == [c.as_dict() for c in original.conditions]
    assert read.kind == "accepted"


def test_transmission_is_written_whole_to_the_outbox(gateway, folders, claim, analyst):
    transmission = services.claim_file(claim=claim, by=analyst, gateway=gateway)
    outbox, _ = folders
    assert files_in(outbox) == [transmission.reference]  # no temporary file left behind
    assert (outbox / transmission.reference).read_text() == transmission.catair_text
    assert transmission.reference.startswith(claim.number)
    assert transmission.status == CbpTransmission.Status.SENT
    header = next(r for r in transmission.catair_text.splitlines() if r.startswith("10"))
    assert header[8:16] == claim.number[3:]


def test_unwritable_outbox_leaves_the_claim_ready_to_file(tmp_path, claim, analyst):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    gateway = FileExchangeGateway(outbox=blocker / "outbox", inbox=tmp_path / "inbox")
    with pytest.raises(services.FilingError, match="could not send"):
        services.claim_file(claim=claim, by=analyst, gateway=gateway)
    claim.refresh_from_db()
    assert claim.status == S.READY_TO_FILE and claim.filed_on is None
    assert CbpTransmission.objects.get(claim=claim).status == CbpTransmission.Status.FAILED


def test_round_trip_acceptance_notices_and_payment(gateway, folders, claim, analyst):
    _, inbox = folders
    services.claim_file(claim=claim, by=analyst, gateway=gateway)
    (inbox / "dx-0001.dx").write_text(
        dx_answer(
            claim,
            "A",
            [dx.Condition(disposition="A", severity="", condition="", narrative="DRAWBACK HAS BEEN ADDED")],
        )
    )
    notices = [
        {
            "id": "P-77",
            "kind": "cf28",
            "claim": claim.display_number,
            "issued_on": "2026-02-02",
            "reference": "CF28-2026-0042",
            "text": "Provide the export bills of lading.",
        },
        {
            "id": "P-78",
            "kind": "payment",
            "claim": claim.display_number,
            "payment_kind": "accelerated",
            "paid_on": "2026-02-20",
            "amounts": {"364": "990.00", "399": 12.5},
            "reference": "ACH 5521",
        },
    ]
    (inbox / "notices-0002.jsonl").write_text("\n".join(json.dumps(n) for n in notices) + "\n")

    poll_and_apply(gateway)

    claim.refresh_from_db()
    assert claim.status == S.ACCELERATED_PAID
    request = CbpRequest.objects.get(claim=claim)
    assert (request.reference, request.due_on) == ("CF28-2026-0042", dt.date(2026, 3, 4))
    assert Payment.objects.get(claim=claim).class_amounts == {
        "364": Decimal("990.00"),
        "399": Decimal("12.50"),
    }
    assert files_in(inbox / "done") == ["dx-0001.dx", "notices-0002.jsonl"]
    assert files_in(inbox) == ["done"]


def test_rejection_file_stores_the_condition_codes(gateway, folders, claim, analyst):
    _, inbox = folders
    services.claim_file(claim=claim, by=analyst, gateway=gateway)
    (inbox / "dx-0001.txt").write_text(
        dx_answer(
            claim,
            "R",
            [
                dx.Condition(
                    severity="F",
                    condition="555",
                    narrative="EXCESS MPF CLAIMED",
                    reference_type="HDRREV",
                    reference_occurrence=1,
                    reference_text="399 00001250",
                ),
                dx.Condition(
                    disposition="R", severity="F", condition="999", narrative="TRANSACTION DATA REJECTED"
                ),
            ],
        )
    )
    poll_and_apply(gateway)
    claim.refresh_from_db()
    assert claim.status == S.REJECTED
    message = CbpMessage.objects.get(claim=claim)
    assert [c["code"] for c in message.conditions] == ["F555", "F999"]
    assert message.conditions[0]["reference"]["type"] == "HDRREV"


def test_bad_file_moves_to_error_with_its_reason_and_nothing_else_is_lost(gateway, folders, claim, analyst):
    _, inbox = folders
    services.claim_file(claim=claim, by=analyst, gateway=gateway)
    good = {"id": "P-1", "kind": "cf28", "claim": claim.number, "issued_on": "2026-02-02"}
    bad = {
        "id": "P-2",
        "kind": "payment",
        "claim": claim.number,
        "payment_kind": "accelerated",
        "paid_on": "2026-02-20",
        "amounts": {"364": "12.345"},
    }
    (inbox / "a-mixed.jsonl").write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    (inbox / "b-accept.dx").write_text(
        dx_answer(
            claim,
            "A",
            [dx.Condition(disposition="A", severity="", condition="", narrative="DRAWBACK HAS BEEN ADDED")],
        )
    )
    (inbox / "c-unknown-claim.jsonl").write_text(
        json.dumps({"id": "P-3", "kind": "cf28", "claim": "HDS-0999999-5", "issued_on": "2026-02-02"}) + "\n"
    )
    (inbox / "d-notes.pdf").write_bytes(b"%PDF-1.4")
    (inbox / ".e-still-copying.jsonl").write_text("{")

    result = poll_and_apply(gateway)

    assert files_in(inbox / "error") == [
        "a-mixed.jsonl",
        "a-mixed.jsonl.reason.txt",
        "c-unknown-claim.jsonl",
        "c-unknown-claim.jsonl.reason.txt",
        "d-notes.pdf",
        "d-notes.pdf.reason.txt",
    ]
    assert (
        "line 2: amount of class 364 must be 0 or more, to two decimals"
        in (inbox / "error" / "a-mixed.jsonl.reason.txt").read_text()
    )
    assert (
        "no claim HDS-0999999-5 on file" in (inbox / "error" / "c-unknown-claim.jsonl.reason.txt").read_text()
    )
    assert files_in(inbox / "done") == ["b-accept.dx"]
    assert ".e-still-copying.jsonl" in files_in(inbox)  # still being written: left alone
    # A bad file is taken whole or not at all: its good line was not applied either.
    assert not CbpRequest.objects.exists()
    assert list(CbpMessage.objects.values_list("kind", flat=True)) == ["accepted"]
    assert result.rejected_sources == [str(inbox / "c-unknown-claim.jsonl")]


def test_the_same_file_dropped_twice_acts_once(gateway, folders, claim, analyst):
    _, inbox = folders
    services.claim_file(claim=claim, by=analyst, gateway=gateway)
    text = dx_answer(
        claim,
        "A",
        [dx.Condition(disposition="A", severity="", condition="", narrative="DRAWBACK HAS BEEN ADDED")],
    )
    (inbox / "dx-1.dx").write_text(text)
    poll_and_apply(gateway)
    (inbox / "dx-1.dx").write_text(text)  # the provider sends it again under the same name
    poll_and_apply(gateway)
    assert CbpMessage.objects.count() == 1
    assert len(files_in(inbox / "done")) == 2  # both copies kept, neither overwritten


def test_crash_between_storing_and_filing_the_file_reads_it_again_harmlessly(
    gateway, folders, claim, analyst, monkeypatch
):
    _, inbox = folders
    services.claim_file(claim=claim, by=analyst, gateway=gateway)
    (inbox / "dx-1.dx").write_text(
        dx_answer(
            claim,
            "A",
            [dx.Condition(disposition="A", severity="", condition="", narrative="DRAWBACK HAS BEEN ADDED")],
        )
    )
    monkeypatch.setattr(gateway, "acknowledge", lambda source: None)  # the worker dies before the move
    services.cbp_poll(gateway=gateway)
    monkeypatch.undo()
    poll_and_apply(gateway)
    assert CbpMessage.objects.count() == 1 and files_in(inbox / "done") == ["dx-1.dx"]
    claim.refresh_from_db()
    assert claim.status == S.ACCEPTED


@pytest.mark.parametrize(
    "line, error",
    [
        ("not json", "line 1: not valid JSON"),
        ('{"kind": "cf28"}', "line 1: 'id'"),
        ('{"id": "1", "kind": "protest", "claim": "HDS00000016"}', "'kind' must be one of"),
        ('{"id": "1", "kind": "cf28", "claim": "HDS-1"}', "'claim'"),
        ('{"id": "1", "kind": "cf28", "claim": "HDS00000016", "issued_on": "02/02/2026"}', "not a date"),
        (
            '{"id": "1", "kind": "payment", "claim": "HDS00000016", "paid_on": "2026-02-02", '
            '"payment_kind": "cash", "amounts": {"364": "1.00"}}',
            "'payment_kind' must be one of",
        ),
        (
            '{"id": "1", "kind": "liquidation", "claim": "HDS00000016", "liquidated_on": "2026-02-02", '
            '"amounts": {"999": "1.00"}}',
            "unknown accounting class '999'",
        ),
    ],
)
def test_notice_format_errors_name_the_line_and_field(line, error):
    from claims.cbp.files import NoticeFormatError

    with pytest.raises(NoticeFormatError, match=error):
        parse_notices(line)


def test_settings_choose_the_gateway(settings, tmp_path):
    settings.CBP_GATEWAY = "files"
    settings.CBP_OUTBOX, settings.CBP_INBOX = tmp_path / "o", tmp_path / "i"
    gateway = get_gateway()
    assert isinstance(gateway, FileExchangeGateway) and gateway.inbox == tmp_path / "i"
    settings.CBP_GATEWAY = "sandbox"
    assert get_gateway().name == "sandbox"


def test_a_guard_refusing_the_move_to_filed_stops_the_transmission(
    gateway, folders, claim, analyst, monkeypatch
):
    from claims import lifecycle

    def package_missing(claim, to, by):
        if to == S.FILED:
            raise lifecycle.TransitionError("the filing package has not been generated")

    lifecycle.GUARDS.append(package_missing)
    try:
        with pytest.raises(services.FilingError, match="filing package"):
            services.claim_file(claim=claim, by=analyst, gateway=gateway)
    finally:
        lifecycle.GUARDS.remove(package_missing)
    outbox, _ = folders
    assert files_in(outbox) == [] and not claim.cbp_transmissions.exists()
