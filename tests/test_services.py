"""In CI the suite must run against the real services; a missing one is a failure there, never a skip."""

import os

import pytest
import redis
from django.db import connection

from tests.conftest import services_required

pytestmark = pytest.mark.skipif(not services_required(), reason="CI_REQUIRE_SERVICES is not set (not CI)")


def test_database_is_postgresql():
    assert connection.vendor == "postgresql"


@pytest.mark.django_db
def test_database_answers():
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert "PostgreSQL" in cursor.fetchone()[0]


def test_broker_is_redis_and_answers():
    url = os.environ.get("CELERY_BROKER_URL", "")
    assert url.startswith("redis://")
    assert redis.Redis.from_url(url).ping()
