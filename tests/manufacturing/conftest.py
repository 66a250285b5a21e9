import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Stored upload files go to a temporary directory, not the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
