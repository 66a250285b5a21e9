"""/api/v1/ claims and reviews: scoped reads, staff-only writes, the review rules through the API."""

import pytest
from rest_framework.test import APIClient

from claims.models import Claim
from reviews.services import checklist_items
from tests.factories import build_claim

S = Claim.Status


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def claim(client_a, analyst):
    return build_claim(client=client_a, preparer=analyst)


@pytest.fixture
def claim_b(client_b, analyst):
    return build_claim(client=client_b, preparer=analyst)


def ids(level):
    return [i.pk for i in checklist_items(level)]


def move(api, claim, to, **extra):
    return api.post(f"/api/v1/claims/{claim.pk}/transitions/", {"to": to, **extra}, format="json")


def test_list_is_scoped_and_filterable(api, analyst, client_user_a, claim, claim_b):
    api.force_authenticate(analyst)
    numbers = {c["number"] for c in api.get("/api/v1/claims/").json()["results"]}
    assert numbers == {claim.number, claim_b.number}
    only_b = api.get("/api/v1/claims/", {"client": "borealis"}).json()["results"]
    assert [c["number"] for c in only_b] == [claim_b.number]
    api.force_authenticate(client_user_a)
    rows = api.get("/api/v1/claims/").json()["results"]
    assert [c["number"] for c in rows] == [claim.number]
    assert rows[0]["totals"] == [
        {"accounting_class": "364", "claim_amount": "816.75", "calculated_amount": "816.75"},
        {"accounting_class": "399", "claim_amount": "17.15", "calculated_amount": "17.15"},
    ]
    assert api.get("/api/v1/claims/", {"client": "borealis"}).json()["results"] == []


@pytest.mark.parametrize(
    "path",
    ["/api/v1/claims/{pk}/", "/api/v1/claims/{pk}/designations/", "/api/v1/claims/{pk}/transitions/"]
    + ["/api/v1/claims/{pk}/preflight/", "/api/v1/claims/{pk}/reviews/"],
)
def test_other_clients_claim_is_404_for_reads(api, client_user_a, claim_b, path):
    api.force_authenticate(client_user_a)
    response = api.get(path.format(pk=claim_b.pk))
    assert response.status_code == 404 and claim_b.number not in response.content.decode()


@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/v1/claims/{pk}/transitions/", {"to": "validated"}),
        ("/api/v1/claims/{pk}/preflight/", {}),
        ("/api/v1/claims/{pk}/correction/", {}),
        ("/api/v1/claims/{pk}/review/approve/", {"level": 1, "ticked": []}),
        ("/api/v1/claims/{pk}/review/return/", {"comment": "x"}),
    ],
)
def test_client_users_cannot_write_even_on_their_own_claims(api, client_user_a, claim, path, body):
    api.force_authenticate(client_user_a)
    assert api.post(path.format(pk=claim.pk), body, format="json").status_code == 404
    claim.refresh_from_db()
    assert claim.status == S.DRAFT and not claim.preflight_runs.exists()


def test_client_user_reads_own_claim_with_no_actions(api, client_user_a, claim):
    api.force_authenticate(client_user_a)
    body = api.get(f"/api/v1/claims/{claim.pk}/").json()
    assert body["number"] == claim.number and body["actions"] == []
    designations = api.get(f"/api/v1/claims/{claim.pk}/designations/").json()["results"]
    assert designations[0]["amounts"]["364"]["claim"].startswith("816.75")


def test_validation_through_the_api_reports_issues(api, analyst, claim, client_a):
    api.force_authenticate(analyst)
    Claim.objects.filter(pk=claim.pk).update(drawback_port="2704")
    refused = move(api, claim, "validated")
    assert refused.status_code == 400
    assert [i["rule"] for i in refused.json()["issues"] if i["severity"] == "error"] == ["PF-03"]
    Claim.objects.filter(pk=claim.pk).update(drawback_port="1001")
    ok = move(api, claim, "validated")
    assert ok.status_code == 200 and ok.json()["claim"]["status"] == "validated"
    assert ok.json()["claim"]["latest_preflight"]["error_count"] == 0
    history = api.get(f"/api/v1/claims/{claim.pk}/transitions/").json()
    assert [(t["from_status"], t["to_status"], t["by"]) for t in history] == [("draft", "validated", "alice")]


def test_moves_that_belong_elsewhere_are_refused(api, analyst, claim):
    api.force_authenticate(analyst)
    Claim.objects.filter(pk=claim.pk).update(status=S.SECOND_REVIEW)
    assert "/review/approve/" in move(api, claim, "ready_to_file").json()["detail"]
    Claim.objects.filter(pk=claim.pk).update(status=S.READY_TO_FILE)
    assert "transmitting it to CBP" in move(api, claim, "filed").json()["detail"]
    assert move(api, claim, "withdrawn", reason="no longer needed").status_code == 200


def test_review_through_the_api_with_segregation_of_duties(api, analyst, reviewer, reviewer2, claim):
    api.force_authenticate(analyst)
    move(api, claim, "validated")
    move(api, claim, "first_review")
    approve = f"/api/v1/claims/{claim.pk}/review/approve/"
    refused = api.post(approve, {"level": 1, "ticked": ids(1)}, format="json")
    assert refused.status_code == 400 and "only reviewers" in refused.json()["detail"]

    api.force_authenticate(reviewer)
    assert [i["id"] for i in api.get("/api/v1/reviews/checklists/1/").json()] == ids(1)
    queue = api.get("/api/v1/reviews/queue/1/").json()
    assert queue[0]["claim"] == claim.pk and queue[0]["can_review"] and queue[0]["age_seconds"] >= 0
    partial = api.post(approve, {"level": 1, "ticked": ids(1)[1:]}, format="json")
    assert partial.status_code == 400 and "tick every checklist item" in partial.json()["detail"]
    done = api.post(approve, {"level": 1, "ticked": ids(1), "comment": "data checked"}, format="json")
    assert done.status_code == 201 and done.json()["claim"]["status"] == "second_review"
    same = api.post(approve, {"level": 2, "ticked": ids(2)}, format="json")
    assert same.status_code == 400 and "other than the first reviewer" in same.json()["detail"]

    api.force_authenticate(reviewer2)
    final = api.post(approve, {"level": 2, "ticked": ids(2)}, format="json")
    assert final.status_code == 201 and final.json()["claim"]["status"] == "ready_to_file"
    reviews = api.get(f"/api/v1/claims/{claim.pk}/reviews/").json()
    assert [(r["level"], r["decision"], r["reviewer"]) for r in reviews] == [
        (1, "approve", "rita"),
        (2, "approve", "rob"),
    ]


def test_return_through_the_api_needs_a_comment_tied_to_the_claims_lines(
    api, analyst, reviewer, claim, claim_b
):
    api.force_authenticate(analyst)
    move(api, claim, "validated")
    move(api, claim, "first_review")
    api.force_authenticate(reviewer)
    url = f"/api/v1/claims/{claim.pk}/review/return/"
    assert "comment is required" in api.post(url, {}, format="json").json()["detail"]
    foreign = claim_b.designations.get()
    stray = api.post(url, {"line_comments": [{"designation": foreign.pk, "text": "?"}]}, format="json")
    assert stray.status_code == 400 and "not on this claim" in stray.json()["detail"]
    designation = claim.designations.get()
    response = api.post(
        url,
        {"line_comments": [{"designation": designation.pk, "text": "Wrong export value"}]},
        format="json",
    )
    assert response.status_code == 201
    comment = response.json()["review"]["comments"][0]
    assert comment["designation"] == designation.pk and comment["import_line"] == designation.import_line_id
    assert response.json()["claim"]["status"] == "returned"


def test_preflight_run_and_latest(api, analyst, claim):
    api.force_authenticate(analyst)
    assert api.get(f"/api/v1/claims/{claim.pk}/preflight/").status_code == 404
    run = api.post(f"/api/v1/claims/{claim.pk}/preflight/")
    assert run.status_code == 201 and run.json()["error_count"] == 0
    latest = api.get(f"/api/v1/claims/{claim.pk}/preflight/").json()
    assert latest["at"] == run.json()["at"] and latest["issues"] == []
    claim.refresh_from_db()
    assert claim.status == S.DRAFT


def test_correction_through_the_api(api, analyst, claim):
    api.force_authenticate(analyst)
    assert api.post(f"/api/v1/claims/{claim.pk}/correction/").status_code == 400
    Claim.objects.filter(pk=claim.pk).update(status=S.ACCEPTED)
    created = api.post(f"/api/v1/claims/{claim.pk}/correction/")
    assert created.status_code == 201
    assert created.json()["replaces"] == claim.pk and created.json()["number"] == claim.number
    assert created.json()["status"] == "draft"


def test_queue_and_checklist_api_are_staff_only(api, client_user_a):
    api.force_authenticate(client_user_a)
    assert api.get("/api/v1/reviews/queue/1/").status_code == 404
    assert api.get("/api/v1/reviews/checklists/1/").status_code == 404


def test_anonymous_gets_nothing(api, claim):
    assert api.get("/api/v1/claims/").status_code in (401, 403)
    assert api.get(f"/api/v1/claims/{claim.pk}/").status_code in (401, 403)
