"""The project's settings for the test run. Outside DEBUG the settings refuse to load without SECRET_KEY;
the tests sign sessions with this one, so a bare `pytest` works from a clean checkout."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-key-never-used-outside-the-test-run-0123456789")

from drawback.settings import *  # noqa: E402, F403
