"""The package task on a real Celery worker over Redis (runs in CI with CELERY_BROKER_URL=redis://...)."""

import pytest

from claims.filing import claim_package_documents
from claims.filing.tasks import claim_package_build_task
from claims.models import Claim
from tests.claims.filing_builders import set_status, unused_substitution_claim


@pytest.mark.live_services
@pytest.mark.django_db(transaction=True)
def test_worker_builds_the_package(live_worker, settings, tmp_path, client_a, analyst):
    settings.MEDIA_ROOT = tmp_path
    claim = set_status(unused_substitution_claim(client_a, analyst), Claim.Status.READY_TO_FILE)
    ids = claim_package_build_task.delay(claim.pk, analyst.pk).get(timeout=120)
    assert len(ids) == 3
    package = claim_package_documents(claim=claim)
    assert set(package) == {"catair", "summary", "workbook"}
    assert all(doc.uploaded_by_id == analyst.pk for doc in package.values())
