"""Create a client of the firm from the command line (nightly feeds need the client to exist first)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from drawback.accounts.models import Client, Firm


class Command(BaseCommand):
    help = 'Create a client: add_client CODE "Legal name" [--importer-number NN-NNNNNNNXX]'

    def add_arguments(self, parser):
        parser.add_argument("code", help="short code used on the command line and in addresses")
        parser.add_argument("legal_name")
        parser.add_argument(
            "--importer-number", default="", help="IOR number (EIN with suffix or CBP number)"
        )
        parser.add_argument("--exporter-number", default="", help="EIN of the client as exporter")
        parser.add_argument(
            "--firm-name", default="Drawback firm", help="name of the firm if none exists yet"
        )
        parser.add_argument(
            "--filer-code", default="XXX", help="CBP filer code of the firm if none exists yet"
        )

    @transaction.atomic
    def handle(
        self, *args, code, legal_name, importer_number, exporter_number, firm_name, filer_code, **options
    ):
        if Client.objects.filter(code=code).exists():
            raise CommandError(f"client {code!r} already exists")
        firm = Firm.objects.order_by("pk").first()
        if firm is None:
            firm = Firm(name=firm_name, filer_code=filer_code.upper())
            self._clean(firm)
            firm.save()
            self.stdout.write(
                f"Created firm {firm.name!r} with filer code {firm.filer_code}; "
                "set the firm's CBP filer code before filing claims."
            )
        client = Client(
            firm=firm,
            code=code,
            legal_name=legal_name,
            importer_number=importer_number,
            exporter_number=exporter_number,
        )
        # The importer number may be added later; every other field is checked as the admin would.
        self._clean(client, exclude=[] if importer_number else ["importer_number"])
        client.save()
        self.stdout.write(f"Created client {client.code} ({client.legal_name}) of {firm.name}.")

    def _clean(self, obj, exclude=None) -> None:
        try:
            obj.full_clean(exclude=exclude)
        except ValidationError as exc:
            problems = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
            raise CommandError(problems) from None
