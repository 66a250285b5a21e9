"""Time a client's money-at-risk page as its users see it: N requests computing the report every time (how
the page worked before it was cached) and N requests reading the cache per data version, the first of which
computes it. Prints one line per mode and a JSON summary last.

    python manage.py bench_money_at_risk --client acme --requests 20
"""

import json
import statistics
import time

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.test import Client as Browser
from django.test import override_settings

from drawback.accounts.models import Client, User

NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


class Command(BaseCommand):
    help = "Time the client money-at-risk page without and with its cache (mean and p95 per request)."

    def add_arguments(self, parser):
        parser.add_argument("--client", default="acme", help="client code (the demo's acme by default)")
        parser.add_argument("--requests", type=int, default=20)

    def handle(self, *args, client, requests, **options):
        owner = Client.objects.filter(code=client).first()
        if owner is None:
            raise CommandError(f"no client {client!r}: load the demo first (manage.py seed_demo)")
        user = (
            User.objects.filter(client=owner, is_active=True).first()
            or User.objects.filter(firm=owner.firm, is_active=True).first()
        )
        if user is None:
            raise CommandError(f"no user sees client {client!r}")
        url = f"/clients/{owner.code}/money-at-risk/"
        summary = {"client": owner.code, "requests": requests}
        with override_settings(CACHES=NO_CACHE):
            summary["computed_every_time"] = self._time(user, url, requests, "computed every time")
        cache.clear()  # the first cached request computes the report, the others read it
        summary["cached_per_data_version"] = self._time(user, url, requests, "cached per data version")
        self.stdout.write(json.dumps(summary))

    def _time(self, user, url, n, label) -> dict:
        browser = Browser()
        browser.force_login(user)
        seconds = []
        for _ in range(n):
            started = time.perf_counter()
            response = browser.get(url)
            seconds.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code}")
        ordered = sorted(seconds)
        figures = {
            "first_s": round(seconds[0], 3),
            "mean_s": round(statistics.fmean(seconds), 3),
            "p95_s": round(ordered[max(0, int(round(0.95 * len(ordered))) - 1)], 3),
            "mean_after_first_s": round(statistics.fmean(seconds[1:]), 4) if n > 1 else None,
        }
        self.stdout.write(f"{label}: {json.dumps(figures)}")
        return figures
