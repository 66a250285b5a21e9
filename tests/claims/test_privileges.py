"""Applications and rulings: a privilege's status and dates decide whether it is in force; moves are kept with
their history; the daily check expires what has run out and warns ahead of an expiry or a short bond, once;
the accelerated payment bond's headroom decides which new claims ask for accelerated payment."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from claims.building import services as building
from claims.models import Claim, Notification, Payment
from claims.preflight import claim_preflight
from claims.privileges import selectors, services
from claims.privileges.services import PrivilegeError
from claims.selectors import claim_actions
from drawback.accounts.models import Privilege
from tests.claims.build_data import client_lines, run_build
from tests.claims.filing_builders import grant_accelerated_payment
from tests.factories import ClaimFactory, UserFactory, build_claim

pytestmark = pytest.mark.django_db
S = Privilege.Status
K = Privilege.Kind
TODAY = dt.date(2026, 12, 6)


def application(client, analyst, kind=K.WAIVER_PRIOR_NOTICE, **fields):
    return services.privilege_create(client=client, by=analyst, kind=kind, on=dt.date(2026, 1, 5), **fields)


def test_only_an_approved_privilege_is_in_force_and_only_between_its_dates(client_a, analyst):
    waiver = application(client_a, analyst, reference="WPN-1")
    assert waiver.status == S.DRAFTING and client_a.privilege(K.WAIVER_PRIOR_NOTICE, on=TODAY) is None
    for to, day in ((S.SUBMITTED, dt.date(2026, 2, 1)), (S.UNDER_REVIEW, dt.date(2026, 3, 1))):
        services.privilege_status_change(privilege=waiver, to=to, by=analyst, on=day)
        assert client_a.privilege(K.WAIVER_PRIOR_NOTICE, on=TODAY) is None
    services.privilege_status_change(
        privilege=waiver,
        to=S.APPROVED,
        by=analyst,
        on=dt.date(2026, 4, 10),
        granted_on=dt.date(2026, 4, 15),
        expires_on=dt.date(2027, 4, 14),
    )
    waiver.refresh_from_db()
    assert (waiver.submitted_on, waiver.decided_on, waiver.granted_on) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 4, 10),
        dt.date(2026, 4, 15),
    )
    assert client_a.privilege(K.WAIVER_PRIOR_NOTICE, on=dt.date(2026, 4, 14)) is None
    assert client_a.privilege(K.WAIVER_PRIOR_NOTICE, on=dt.date(2026, 4, 15)) == waiver
    assert client_a.privilege(K.WAIVER_PRIOR_NOTICE, on=dt.date(2027, 4, 15)) is None
    # Withdrawn later: the days it was in force stay covered (exports made under it), later days not.
    services.privilege_status_change(privilege=waiver, to=S.WITHDRAWN, by=analyst, on=dt.date(2026, 9, 30))
    assert client_a.privilege(K.WAIVER_PRIOR_NOTICE, on=dt.date(2026, 6, 1)) == waiver
    assert client_a.privilege(K.WAIVER_PRIOR_NOTICE, on=dt.date(2026, 10, 1)) is None
    history = list(waiver.status_changes.values_list("from_status", "to_status", "on", "by"))
    assert history == [
        ("", S.DRAFTING, dt.date(2026, 1, 5), analyst.pk),
        (S.DRAFTING, S.SUBMITTED, dt.date(2026, 2, 1), analyst.pk),
        (S.SUBMITTED, S.UNDER_REVIEW, dt.date(2026, 3, 1), analyst.pk),
        (S.UNDER_REVIEW, S.APPROVED, dt.date(2026, 4, 10), analyst.pk),
        (S.APPROVED, S.WITHDRAWN, dt.date(2026, 9, 30), analyst.pk),
    ]


def test_denied_and_moves_the_status_does_not_allow_are_refused(client_a, analyst, client_user_a):
    ruling = application(client_a, analyst, kind=K.MANUFACTURING_RULING)
    with pytest.raises(PrivilegeError, match="drafting cannot become expired"):
        services.privilege_status_change(privilege=ruling, to=S.EXPIRED, by=analyst, on=TODAY)
    services.privilege_status_change(privilege=ruling, to=S.SUBMITTED, by=analyst, on=TODAY)
    with pytest.raises(PrivilegeError, match="ruling number"):
        services.privilege_status_change(privilege=ruling, to=S.APPROVED, by=analyst, on=TODAY)
    services.privilege_status_change(privilege=ruling, to=S.DENIED, by=analyst, on=TODAY)
    assert client_a.privilege(K.MANUFACTURING_RULING, on=TODAY) is None
    with pytest.raises(PermissionError):
        services.privilege_create(client=client_a, by=client_user_a, kind=K.COMPLIANCE_PROGRAM)


def test_a_privilege_without_a_status_is_one_cbp_granted(client_a):
    """Privileges entered as before (kind and dates) stay in force: the default status is approved."""
    grant_accelerated_payment(client_a)
    assert client_a.privilege(K.ACCELERATED_PAYMENT, on=TODAY).status == S.APPROVED


def test_the_daily_check_expires_and_warns_once(
    client_a, client_user_a, analyst, settings, django_capture_on_commit_callbacks
):
    settings.PRIVILEGE_WARNING_DAYS = 60
    client_a.contact_emails = "ops@acme.example.com"
    client_a.save()
    gone = application(
        client_a, analyst, status=S.APPROVED, granted_on=dt.date(2025, 1, 1), expires_on=dt.date(2026, 12, 1)
    )
    soon = application(
        client_a,
        analyst,
        kind=K.COMPLIANCE_PROGRAM,
        status=S.APPROVED,
        reference="DCP-9",
        granted_on=dt.date(2025, 1, 1),
        expires_on=TODAY + dt.timedelta(days=30),
    )
    later = application(
        client_a,
        analyst,
        kind=K.COMPLIANCE_PROGRAM,
        status=S.APPROVED,
        reference="DCP-LATER",
        granted_on=dt.date(2025, 1, 1),
        expires_on=TODAY + dt.timedelta(days=61),
    )
    expired = services.privileges_expire(today=TODAY)
    assert [p.pk for p in expired] == [gone.pk]
    gone.refresh_from_db()
    assert gone.status == S.EXPIRED and gone.status_changes.last().by is None
    assert services.privileges_expire(today=TODAY) == []

    with django_capture_on_commit_callbacks(execute=True):
        created = services.privilege_warnings_notify(today=TODAY)
    rows = Notification.objects.filter(event=Notification.Event.PRIVILEGE_EXPIRY)
    assert created == rows.count() == 3  # the analyst and the client user in the app, the contact by mail
    assert {(r.user_id, r.email) for r in rows} == {
        (analyst.pk, ""),
        (client_user_a.pk, ""),
        (None, "ops@acme.example.com"),
    }
    assert all("DCP-9" in r.text and "expires on" in r.text for r in rows)
    assert not Notification.objects.filter(text__contains=later.reference).exists()
    assert [m.to for m in mail.outbox] == [["ops@acme.example.com"]]
    assert services.privilege_warnings_notify(today=TODAY) == 0  # told once
    assert soon.pk


def test_bond_headroom_counts_filed_accelerated_claims_until_liquidated(client_a, analyst):
    grant_accelerated_payment(client_a, bond_amount=Decimal("10000.00"))
    filed = ClaimFactory(client=client_a, accelerated_payment=True, status=Claim.Status.ACCEPTED)
    filed.class_totals.create(accounting_class="364", claim_amount=Decimal("3000.00"), calculated_amount=0)
    paid = ClaimFactory(client=client_a, accelerated_payment=True, status=Claim.Status.ACCELERATED_PAID)
    paid.class_totals.create(accounting_class="364", claim_amount=Decimal("2500.00"), calculated_amount=0)
    Payment.objects.create(claim=paid, kind="accelerated", paid_on=TODAY, total=Decimal("2400.00"))
    draft = ClaimFactory(client=client_a, accelerated_payment=True)
    draft.class_totals.create(accounting_class="364", claim_amount=Decimal("1000.00"), calculated_amount=0)
    done = ClaimFactory(client=client_a, accelerated_payment=True, status=Claim.Status.LIQUIDATED)
    done.class_totals.create(accounting_class="364", claim_amount=Decimal("9000.00"), calculated_amount=0)
    ClaimFactory(client=client_a, status=Claim.Status.ACCEPTED)  # no accelerated payment asked
    bond = selectors.bond_position(client=client_a, on=TODAY)
    assert (bond.used, bond.used_claims, bond.committed, bond.committed_claims) == (
        Decimal("5400.00"),
        2,
        Decimal("1000.00"),
        1,
    )
    assert bond.headroom == Decimal("3600.00") and bond.free_percent == 36 and not bond.low


def test_saving_a_build_asks_for_accelerated_payment_where_the_bond_carries_it(client_a, analyst):
    """The build's claims: provision 58 for $163.35 and 59 for $1,746.04. A $1,000 bond carries the
    first; the second would exceed what is left and is saved without accelerated payment."""
    client_lines(client_a)
    grant_accelerated_payment(client_a, bond_amount=Decimal("1000.00"))
    build = run_build(client_a, analyst)
    claims = building.claim_build_save(build=build, user=analyst)
    assert [(c.provision, c.accelerated_payment) for c in claims] == [("58", True), ("59", False)]
    build.refresh_from_db()
    assert "No accelerated payment on" in build.message and "headroom ($836.65)" in build.message


def test_no_privilege_or_asked_not_to_means_no_accelerated_payment(client_a, client_b, analyst):
    client_lines(client_a)
    claims = building.claim_build_save(build=run_build(client_a, analyst), user=analyst)
    assert not any(c.accelerated_payment for c in claims)  # no privilege
    client_lines(client_b, filer="C11")
    grant_accelerated_payment(client_b)  # no bond amount on file: headroom unknown, not a reason to refuse
    claims = building.claim_build_save(
        build=run_build(client_b, analyst, accelerated_payment=False), user=analyst
    )
    assert not any(c.accelerated_payment for c in claims)


def test_preflight_warns_when_the_continuous_bond_is_exceeded(client_a, analyst):
    grant_accelerated_payment(client_a, bond_amount=Decimal("100.00"))
    claim = build_claim(client=client_a, preparer=analyst, accelerated_payment=True)
    issues = [i for i in claim_preflight(claim=claim, on=dt.date(2026, 11, 26)) if i.rule == "PF-15"]
    assert [i.severity for i in issues] == ["warning"]
    assert "continuous bond of $100.00" in issues[0].message


def test_claim_page_requests_accelerated_payment_on_a_draft_only(client, client_a, analyst, client_user_a):
    """Asking for accelerated payment, or no longer, is one of the claim's actions (claim_actions): offered
    on a draft to the firm's staff when the client holds the privilege, refused otherwise."""
    claim = build_claim(client=client_a, preparer=analyst)
    detail = f"/clients/acme/claims/{claim.pk}/"
    request_url = f"{detail}do/accelerated_payment_request/"
    stop_url = f"{detail}do/accelerated_payment_stop/"
    client.force_login(analyst)
    assert "accelerated_payment_request" not in claim_actions(claim=claim, user=analyst)
    page = client.get(detail).content.decode()
    assert "No approved accelerated payment privilege in force" in page and "Request accelerated" not in page
    response = client.post(request_url, follow=True)
    assert "holds no approved accelerated payment privilege" in response.content.decode()
    grant_accelerated_payment(client_a, bond_amount=Decimal("50000.00"))
    assert "accelerated_payment_request" in claim_actions(claim=claim, user=analyst)
    page = client.get(detail).content.decode()
    assert "Request accelerated payment</button>" in page and "bond headroom $50,000.00" in page
    response = client.post(request_url, follow=True)
    assert "Accelerated payment requested." in response.content.decode()
    claim.refresh_from_db()
    assert claim.accelerated_payment
    actions = claim_actions(claim=claim, user=analyst)
    assert "accelerated_payment_stop" in actions and "accelerated_payment_request" not in actions
    assert "Stop requesting accelerated payment</button>" in client.get(detail).content.decode()
    client.force_login(client_user_a)
    assert claim_actions(claim=claim, user=client_user_a) == []
    assert client.post(stop_url).status_code == 404
    assert "Stop requesting" not in client.get(detail).content.decode()
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.VALIDATED)
    claim.refresh_from_db()
    assert "accelerated_payment_stop" not in claim_actions(claim=claim, user=analyst)
    client.force_login(analyst)
    response = client.post(stop_url, follow=True)
    assert "designations change only on a draft" in response.content.decode()
    claim.refresh_from_db()
    assert claim.accelerated_payment


def test_analyst_records_an_application_through_its_pages(client, client_a, analyst, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(analyst)
    response = client.post(
        "/clients/acme/privileges/new/",
        {"kind": K.ACCELERATED_PAYMENT, "status": S.DRAFTING, "reference": "AP-APP-7"},
    )
    privilege = Privilege.objects.get(reference="AP-APP-7")
    assert response.status_code == 302 and response["Location"] == f"/clients/acme/privileges/{privilege.pk}/"
    detail = f"/clients/acme/privileges/{privilege.pk}/"
    client.post(detail, {"action": "status", "to": S.SUBMITTED, "on": "2026-11-02", "note": "sent by e-mail"})
    # Approval without the bond is refused, with the reason on the page.
    page = client.post(detail, {"action": "status", "to": S.APPROVED, "on": "2026-12-01"}).content.decode()
    assert "activity code 1A bond" in page
    client.post(
        detail,
        {
            "action": "edit",
            "reference": "AP-2026-0001",
            "bond_type": "8",
            "surety_code": "457",
            "surety_name": "Great Lakes Surety",
            "bond_amount": "250000.00",
            "bond_effective_on": "2026-11-01",
            "submitted_on": "2026-11-02",
        },
    )
    client.post(detail, {"action": "status", "to": S.APPROVED, "on": "2026-12-01"})
    pdf = SimpleUploadedFile("approval.pdf", b"%PDF-1.4 approval letter", "application/pdf")
    client.post(detail, {"action": "attach", "file": pdf, "doc_type": "cbp", "note": ""})
    privilege.refresh_from_db()
    assert privilege.status == S.APPROVED and privilege.granted_on == dt.date(2026, 12, 1)
    assert [d.original_name for d in privilege.documents.all()] == ["approval.pdf"]
    page = client.get("/clients/acme/privileges/").content.decode()
    assert "AP-2026-0001" in page and "Great Lakes Surety" in page and "approval.pdf" in page


def test_client_users_read_applications_and_change_nothing(client, client_a, client_user_a, analyst):
    privilege = application(client_a, analyst, reference="WPN-READ")
    client.force_login(client_user_a)
    page = client.get(f"/clients/acme/privileges/{privilege.pk}/").content.decode()
    assert "WPN-READ" in page and "Change the status" not in page and 'name="action"' not in page
    assert client.get("/clients/acme/privileges/new/").status_code == 404
    response = client.post(
        f"/clients/acme/privileges/{privilege.pk}/",
        {"action": "status", "to": S.SUBMITTED, "on": "2026-12-01"},
    )
    assert response.status_code == 404
    privilege.refresh_from_db()
    assert privilege.status == S.DRAFTING


def test_api_lists_applications_with_history_and_bond(api, client_a, client_user_a, analyst):
    grant_accelerated_payment(client_a, bond_amount=Decimal("5000.00"))
    application(client_a, analyst, reference="WPN-API")
    api.force_login(client_user_a)
    data = api.get("/api/v1/clients/acme/privileges/").json()
    assert data["bond"]["headroom"] == "5000.00"
    by_ref = {p["reference"]: p for p in data["privileges"]}
    assert by_ref["WPN-API"]["status"] == "drafting" and by_ref["WPN-API"]["in_force_today"] is False
    assert by_ref["WPN-API"]["history"][0]["to_status"] == "drafting"
    assert by_ref["AP-2023-0042"]["in_force_today"] is True
    one = api.get(f"/api/v1/clients/acme/privileges/{by_ref['WPN-API']['id']}/").json()
    assert one["reference"] == "WPN-API"


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient()


def test_other_firm_staff_cannot_record(client_a):
    outsider = UserFactory(username="otto", role="analyst")
    with pytest.raises(PermissionError):
        services.privilege_create(client=client_a, by=outsider, kind=K.COMPLIANCE_PROGRAM)
