"""Shared fixtures: a firm with two clients and a cast of users, Celery mode, live services, browser."""

import os
from pathlib import Path

# Playwright's sync API keeps an event loop running in the main thread; Django must still allow ORM calls
# from tests (this applies to tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest  # noqa: E402

from tests.factories import ClientFactory, FirmFactory, UserFactory  # noqa: E402

# Fixtures kept next to the tests that use them, shared across their modules.
pytest_plugins = ["tests.claims.risk_data"]

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PASSWORD = "correct-horse-battery"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def services_required() -> bool:
    """In CI the PostgreSQL/Redis tests must run; a missing service is a failure there, not a skip."""
    return os.environ.get("CI_REQUIRE_SERVICES") == "1"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Tests create many users; the production hasher's deliberate cost (most of a second) checks nothing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def catair_password(settings):
    """Claim files carry the transmitter's ABI password in the A-record (mandatory, catair.md 1.2)."""
    settings.CATAIR_PASSWORD = "TEST01"


@pytest.fixture(autouse=True)
def empty_cache():
    """Throttles, rate limits, cached pages and figures cached for a day (the projection's observations)
    start afresh in every test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def celery_eager(request):
    """Tasks run inline unless the test asks for a real worker."""
    from drawback.celery import app

    eager = "live_worker" not in request.fixturenames
    old = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = eager
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = old


@pytest.fixture
def live_worker():
    """A real Celery worker thread consuming from the configured broker (Redis in CI)."""
    from celery.contrib.testing.worker import start_worker

    from drawback.celery import app

    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://"):
        if services_required():
            pytest.fail("CELERY_BROKER_URL must point at Redis in CI")
        pytest.skip("needs CELERY_BROKER_URL=redis://...")
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


@pytest.fixture
def firm(db):
    return FirmFactory()


@pytest.fixture
def client_a(firm):
    # The importer number of the sample files (tests/fixtures): they are Acme's.
    return ClientFactory(
        firm=firm, code="acme", legal_name="Acme Outfitters Inc", importer_number="12-3456789AB"
    )


@pytest.fixture
def acme_twin(firm):
    """A second client with Acme's importer number, to load the same sample file two ways and compare."""
    return ClientFactory(
        firm=firm, code="acme-twin", legal_name="Acme Twin Inc", importer_number="12-3456789AB"
    )


@pytest.fixture
def client_b(firm):
    return ClientFactory(firm=firm, code="borealis", legal_name="Borealis Trading LLC")


@pytest.fixture
def analyst(firm):
    return UserFactory(username="alice", role="analyst", firm=firm)


@pytest.fixture
def reviewer(firm):
    return UserFactory(username="rita", role="reviewer", firm=firm)


@pytest.fixture
def reviewer2(firm):
    return UserFactory(username="rob", role="reviewer", firm=firm)


@pytest.fixture
def firm_admin(firm):
    return UserFactory(username="fiona", role="firm_admin", firm=firm, is_staff=True)


@pytest.fixture
def platform_admin(db):
    """Runs the installation for every firm: a superuser of no firm."""
    return UserFactory(username="pat", role="analyst", firm=None, is_staff=True, is_superuser=True)


@pytest.fixture
def client_user_a(client_a):
    return UserFactory(username="carl", role="client_user", firm=None, client=client_a)


@pytest.fixture
def client_user_b(client_b):
    return UserFactory(username="bea", role="client_user", firm=None, client=client_b)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Playwright's wait_for_function evaluates its text inside the page, which the site's policy (no
    eval) forbids: tests drive pages past it; tests/web/test_security.py checks the policy in a context of
    its own."""
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        if services_required():
            pytest.fail(f"{CHROMIUM} missing: apt-get install chromium")
        pytest.skip(f"{CHROMIUM} missing (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}
