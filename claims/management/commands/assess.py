"""`python manage.py assess --client CODE`: run the risk rules for one client and print what changed."""

import json

from django.core.management.base import BaseCommand, CommandError

from claims.risk import RULE_TITLES
from claims.risk.services import assess_client
from drawback.accounts.models import Client
from drawback.lib.dates import DateFormatError, parse_date


class Command(BaseCommand):
    help = "Assess one client's stored data with the risk rules; the last line printed is a JSON summary."

    def add_arguments(self, parser):
        parser.add_argument("--client", required=True, help="Client code")
        parser.add_argument("--today", help="Assess as of this date (YYYY-MM-DD); default today")

    def handle(self, *args, **options):
        try:
            client = Client.objects.select_related("firm").get(code=options["client"])
        except Client.DoesNotExist as exc:
            raise CommandError(f"no client with code {options['client']!r}") from exc
        try:
            today = parse_date(options.get("today"), formats=("iso",))
        except DateFormatError as exc:
            raise CommandError(str(exc)) from exc
        summary = assess_client(client=client, today=today)
        for rule, count in summary.by_rule.items():
            self.stdout.write(f"{rule:<26} {count:>8}  {RULE_TITLES.get(rule, '')}")
        for rule in summary.skipped_rules:
            self.stdout.write(f"{rule:<26}  skipped   {RULE_TITLES.get(rule, '')}")
        self.stdout.write(json.dumps(summary.as_dict(), sort_keys=True))
