"""Rate limits on the public forms: posts per visitor address and hour.

Counted in the database, like django-axes counts failed log-ins, so every web process shares one count and
nothing else has to be set up. Three scopes, each an hourly limit from the settings (0 turns a scope off):
`post` (every public post), `submission` (questionnaires completed, assessments started) and `email`
(resume links sent). Addresses are stored hashed with the scope, never as typed.
"""

import datetime as dt
import functools
import hashlib

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.shortcuts import render
from django.utils import timezone

from .models import PublicPostCount

LIMITS = {
    "post": "PUBLIC_POSTS_PER_HOUR",
    "submission": "PUBLIC_SUBMISSIONS_PER_HOUR",
    "email": "PUBLIC_EMAILS_PER_HOUR",
}


def client_address(request) -> str:
    """The visitor's address: REMOTE_ADDR, or the first address of the header a trusted proxy sets."""
    header = settings.PUBLIC_CLIENT_IP_HEADER
    if header and request.META.get(header):
        return request.META[header].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def window_start(now: dt.datetime) -> dt.datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def rate_limit_take(*, scope: str, address: str, now: dt.datetime | None = None) -> bool:
    """Count one post of `scope` from `address`. False, and nothing counted, when the address has used up
    this hour's posts. Safe under concurrent requests: the counter row is locked while it is read."""
    limit = getattr(settings, LIMITS[scope])
    if limit <= 0:
        return True
    key = hashlib.sha256(f"{scope}|{address}".encode()).hexdigest()
    start = window_start(now or timezone.now())
    with transaction.atomic():
        row, _ = PublicPostCount.objects.select_for_update().get_or_create(key=key, window_start=start)
        if row.count >= limit:
            return False
        PublicPostCount.objects.filter(pk=row.pk).update(count=F("count") + 1)
    return True


def rate_limit_prune(*, before: dt.datetime) -> int:
    """Forget the counts of windows that ended before `before`."""
    deleted, _ = PublicPostCount.objects.filter(window_start__lt=window_start(before)).delete()
    return deleted


def too_many(request, scope: str):
    return render(request, "prospects/too_many.html", {"scope": scope}, status=429)


def limited(*scopes: str):
    """View decorator: every POST counts against `post` and the scopes named; over a limit the visitor gets
    429 with a plain explanation, and the view does not run."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                address = client_address(request)
                for scope in ("post", *scopes):
                    if not rate_limit_take(scope=scope, address=address):
                        return too_many(request, scope)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
