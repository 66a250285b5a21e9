"""Claim and review pages: what each person sees and can do, and tenant isolation (404, never data)."""

import pytest
from django.urls import reverse

from claims.models import Claim
from reviews.models import Review
from reviews.services import checklist_items, review_approve, review_start
from tests.factories import ClaimFactory, build_claim

S = Claim.Status


@pytest.fixture
def claim(client_a, analyst):
    claim = build_claim(client=client_a, preparer=analyst)
    claim.designations.update(explanation=[{"text": "99% of duty paid", "citation": "19 CFR 190.51(b)(1)"}])
    return claim


@pytest.fixture
def claim_b(client_b, analyst):
    return build_claim(client=client_b, preparer=analyst)


def detail(claim):
    return reverse("claims:detail", args=[claim.client.code, claim.pk])


def action(claim, name):
    return reverse("claims:action", args=[claim.client.code, claim.pk, name])


def review_url(claim):
    return reverse("reviews:form", args=[claim.client.code, claim.pk])


def status_of(claim):
    claim.refresh_from_db()
    return claim.status


def ticks(level):
    return [str(i.pk) for i in checklist_items(level)]


def test_claim_list_shows_the_clients_claims_with_totals(client, analyst, claim, claim_b):
    client.force_login(analyst)
    page = client.get(reverse("claims:list", args=["acme"]))
    assert page.status_code == 200
    assert claim.display_number in page.text and claim_b.display_number not in page.text
    assert "$833.90" in page.text  # 816.75 + 17.15
    filtered = client.get(reverse("claims:list", args=["acme"]), {"status": "filed"})
    assert claim.display_number not in filtered.text


def test_claim_detail_shows_header_totals_designations_and_explanations(client, analyst, claim):
    client.force_login(analyst)
    page = client.get(detail(claim))
    assert page.status_code == 200
    for text in (
        claim.display_number,
        "$816.75",
        "$17.15",
        "$833.90",
        "99% of duty paid (19 CFR 190.51(b)(1))",
    ):
        assert text in page.text
    assert "Run pre-flight and validate" in page.text


def test_client_user_reads_own_claim_without_actions(client, client_user_a, claim):
    client.force_login(client_user_a)
    page = client.get(detail(claim))
    assert page.status_code == 200 and claim.display_number in page.text
    assert 'id="actions"' not in page.text and "Remove</button>" not in page.text
    assert client.post(action(claim, "validate")).status_code == 404
    assert client.post(action(claim, "withdraw"), {"reason": "x"}).status_code == 404
    assert client.get(review_url(claim)).status_code == 404
    assert status_of(claim) == S.DRAFT


@pytest.mark.parametrize(
    "url",
    [
        lambda c: reverse("claims:list", args=[c.client.code]),
        lambda c: detail(c),
        lambda c: reverse("claims:detail", args=["acme", c.pk]),  # own code, other client's claim
        lambda c: review_url(c),
        lambda c: action(c, "validate"),
    ],
)
def test_other_clients_claims_are_404_for_a_client_user(url, client, client_user_a, claim_b):
    client.force_login(client_user_a)
    response = client.post(url(claim_b)) if "/do/" in url(claim_b) else client.get(url(claim_b))
    assert response.status_code == 404
    assert claim_b.display_number not in response.text


def test_staff_of_another_firm_gets_404(client, claim):
    from tests.factories import FirmFactory, UserFactory

    outsider = UserFactory(role="firm_admin", firm=FirmFactory(name="Other", filer_code="OTH"))
    client.force_login(outsider)
    assert client.get(detail(claim)).status_code == 404
    assert client.get(reverse("claims:list", args=["acme"])).status_code == 404


def test_review_queues_are_staff_only(client, client_user_a):
    client.force_login(client_user_a)
    assert client.get(reverse("reviews:queue", args=[1])).status_code == 404
    assert client.get(reverse("reviews:queue", args=[2])).status_code == 404


def test_draft_to_ready_to_file_through_the_pages(client, analyst, reviewer, reviewer2, claim):
    client.force_login(analyst)
    page = client.post(action(claim, "validate"), follow=True)
    assert "Pre-flight passed" in page.text and status_of(claim) == S.VALIDATED
    assert "0 error(s)" in page.text
    client.post(action(claim, "submit"))
    assert status_of(claim) == S.FIRST_REVIEW

    client.force_login(reviewer)
    queue = client.get(reverse("reviews:queue", args=[1]))
    assert claim.display_number in queue.text and "minute" in queue.text  # age of the item
    form = client.get(review_url(claim))
    assert form.status_code == 200 and checklist_items(1)[0].text in form.text
    missing = client.post(review_url(claim), {"decision": "approve", "item": ticks(1)[:-1]}, follow=True)
    assert "tick every checklist item" in missing.text and status_of(claim) == S.FIRST_REVIEW
    client.post(review_url(claim), {"decision": "approve", "item": ticks(1)})
    assert status_of(claim) == S.SECOND_REVIEW

    queue2 = client.get(reverse("reviews:queue", args=[2]))
    assert "someone other than the first reviewer" in queue2.text  # rita cannot take level 2
    refused = client.post(review_url(claim), {"decision": "approve", "item": ticks(2)}, follow=True)
    assert "someone other than the first reviewer" in refused.text and status_of(claim) == S.SECOND_REVIEW

    client.force_login(reviewer2)
    client.post(review_url(claim), {"decision": "approve", "item": ticks(2), "comment": "good to file"})
    assert status_of(claim) == S.READY_TO_FILE
    page = client.get(detail(claim))
    assert "Ready to file" in page.text and "good to file" in page.text
    assert Review.objects.filter(claim=claim).count() == 2


def test_return_with_line_comments_is_shown_to_the_preparer(client, analyst, reviewer, claim):
    claim.refresh_from_db()
    client.force_login(analyst)
    client.post(action(claim, "validate"))
    client.post(action(claim, "submit"))
    designation = claim.designations.get()
    client.force_login(reviewer)
    empty = client.post(review_url(claim), {"decision": "return"}, follow=True)
    assert "a comment is required" in empty.text and status_of(claim) == S.FIRST_REVIEW
    client.post(
        review_url(claim), {"decision": "return", f"comment-d-{designation.pk}": "Export value looks wrong"}
    )
    assert status_of(claim) == S.RETURNED

    client.force_login(analyst)
    page = client.get(detail(claim))
    assert 'id="returned"' in page.text
    row = page.text.split(f'id="d{designation.pk}"')[1].split("</tr>")[0]
    assert "Export value looks wrong" in row
    client.post(action(claim, "reopen"))
    assert status_of(claim) == S.DRAFT
    assert "Export value looks wrong" in client.get(detail(claim)).text


def test_preparer_sees_no_review_button_on_own_claim(client, reviewer, client_a):
    claim = build_claim(client=client_a, preparer=reviewer)
    claim.refresh_from_db()
    from claims.services import claim_validate

    claim_validate(claim=claim, by=reviewer)
    review_start(claim=claim, by=reviewer)
    client.force_login(reviewer)
    page = client.get(detail(claim))
    assert review_url(claim) not in page.text
    form = client.get(review_url(claim))
    assert "the preparer of a claim cannot review it" in form.text


def test_withdraw_needs_a_reason_and_frees_the_quantities(client, analyst, claim):
    line = claim.designations.get().import_line
    client.force_login(analyst)
    page = client.post(action(claim, "withdraw"), {"reason": " "}, follow=True)
    assert "say why" in page.text and status_of(claim) == S.DRAFT
    client.post(action(claim, "withdraw"), {"reason": "client asked"})
    assert status_of(claim) == S.WITHDRAWN
    line.refresh_from_db()
    assert line.quantity_available == line.quantity


def test_remove_a_designation_from_a_draft(client, analyst, claim):
    designation = claim.designations.get()
    client.force_login(analyst)
    url = reverse("claims:designation-remove", args=["acme", claim.pk, designation.pk])
    client.post(url)
    assert not claim.designations.exists() and not claim.class_totals.exists()


def test_correction_from_the_claim_page(client, analyst, claim):
    Claim.objects.filter(pk=claim.pk).update(status=S.ACCEPTED)
    client.force_login(analyst)
    response = client.post(action(claim, "correct"))
    correction = Claim.objects.get(replaces=claim)
    assert response.url == detail(correction)
    page = client.get(detail(correction))
    assert "Correction replacing claim" in page.text


def test_queue_lists_oldest_first_and_only_the_firms_claims(client, reviewer, analyst, client_a):
    from tests.factories import ClientFactory, FirmFactory, UserFactory

    older = build_claim(client=client_a, preparer=analyst)
    newer = build_claim(client=client_a, preparer=analyst)
    for c in (older, newer):
        from claims.services import claim_validate

        claim_validate(claim=c, by=analyst)
        review_start(claim=c, by=analyst)
    other_firm = FirmFactory(name="Other", filer_code="OTH")
    foreign = ClaimFactory(
        client=ClientFactory(firm=other_firm), preparer=UserFactory(firm=other_firm), status=S.FIRST_REVIEW
    )
    client.force_login(reviewer)
    text = client.get(reverse("reviews:queue", args=[1])).text
    assert text.index(older.display_number) < text.index(newer.display_number)
    assert foreign.display_number not in text


def test_nav_links(client, reviewer, client_user_a):
    client.force_login(reviewer)
    assert reverse("reviews:queue", args=[1]) in client.get(reverse("home")).text
    client.force_login(client_user_a)
    assert reverse("claims:list", args=["acme"]) in client.get(reverse("home"), follow=True).text


def test_level_two_approval_page_after_level_one(client, analyst, reviewer, reviewer2, claim):
    from claims.services import claim_validate

    claim_validate(claim=claim, by=analyst)
    review_start(claim=claim, by=analyst)
    review_approve(claim=claim, by=reviewer, level=1, ticked=[int(t) for t in ticks(1)])
    client.force_login(reviewer2)
    form = client.get(review_url(claim))
    assert "Second review of claim" in form.text and checklist_items(2)[0].text in form.text


def test_second_level_queue_costs_the_same_queries_however_many_claims_wait(
    client, analyst, reviewer, reviewer2, client_a, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from claims.services import claim_validate

    def approve_one():
        c = build_claim(client=client_a, preparer=analyst)
        claim_validate(claim=c, by=analyst)
        review_start(claim=c, by=analyst)
        review_approve(claim=c, by=reviewer, level=1, ticked=[int(t) for t in ticks(1)])
        return c

    first = approve_one()
    client.force_login(reviewer2)
    url = reverse("reviews:queue", args=[2])
    with CaptureQueriesContext(connection) as one:
        text = client.get(url).text
    assert first.display_number in text and f"<td>{reviewer.get_username()}</td>" in text  # first reviewer
    more = [approve_one() for _ in range(4)]
    with django_assert_max_num_queries(len(one)):
        text = client.get(url).text
    assert all(c.display_number in text for c in more)
