"""Load the demo: one firm, two client companies with a few thousand import lines and several hundred
exports loaded through the ordinary ingestion pipeline, their documents, a manufacturer with bills of
materials, production lots and a return of rejected goods, and one user per role.

Repeatable: a second run creates nothing new and prints the users again.
"""

import datetime as dt
import random
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from claims.building.services import claim_build_run, claim_build_save, claim_build_start
from claims.cbp.services import claim_file
from claims.models import ClaimBuild
from claims.risk.services import assess_client
from claims.services import claim_validate
from dashboards import demo, demo_cape, demo_portal, demo_prospects
from drawback.accounts.models import Client, Firm, Privilege, User
from exports.models import Export
from imports.documents import document_create
from imports.models import Document, ImportEntry, TariffLine
from imports.services import upload_ingest_now
from reviews.services import checklist_items, review_approve, review_start

DEMO_CATAIR_PASSWORD = "DEMO26"
MANUFACTURER = {
    "code": "keystone",
    "legal_name": "Keystone Appliance Works Inc",
    "importer_number": "23-4567890AB",
    "ruling": "H301234",
}
USERS = [
    # username, role, client code, password
    ("admin", User.Role.FIRM_ADMIN, None, "demo-admin-2026"),
    ("analyst", User.Role.ANALYST, None, "demo-analyst-2026"),
    ("reviewer1", User.Role.REVIEWER, None, "demo-reviewer-2026"),
    ("reviewer2", User.Role.REVIEWER, None, "demo-reviewer-2026"),
    ("acme", User.Role.CLIENT_USER, "acme", "demo-client-2026"),
    ("borealis", User.Role.CLIENT_USER, "borealis", "demo-client-2026"),
]


class Command(BaseCommand):
    help = "Load the demo firm, clients, data, documents and users (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--address",
            default="http://127.0.0.1:8000",
            help="where the site is served, for the log-in address printed at the end",
        )

    # The demo's claim events would print their notification e-mails in the middle of the summary.
    @override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    def handle(self, *args, **options):
        firm = self._firm()
        clients = {spec.code: self._client(firm, spec) for spec in demo.DEMO_CLIENTS}
        self._users(firm, clients)
        for spec in demo.DEMO_CLIENTS:
            client = clients[spec.code]
            if ImportEntry.objects.filter(client=client).exists():
                self.stdout.write(f"{client.legal_name}: demo data already loaded")
                continue
            self._tariff()
            self._load(client, spec)
            self._documents(client, spec)
            summary = assess_client(client=client)
            counts = {k: summary.as_dict()[k] for k in ("errors", "warnings", "info")}
            self.stdout.write(f"{client.legal_name}: risk assessment {counts}")
            demo_portal.seed_client(client, stdout=self.stdout)
            if spec.code == "acme":
                demo_cape.seed(client, stdout=self.stdout)
                self._claims(client)
        self._manufacturer(firm)
        demo_portal.seed(stdout=self.stdout)
        demo_prospects.load(self.stdout)
        self.stdout.write(f"\nDemo users (log in at {options['address'].rstrip('/')}/login/):")
        for username, role, _, password in USERS:
            self.stdout.write(f"  {username:<10} {User.Role(role).label:<12} password: {password}")

    @transaction.atomic
    def _firm(self) -> Firm:
        firm, _ = Firm.objects.get_or_create(filer_code="HDS", defaults={"name": "Harbor Drawback Services"})
        return firm

    @transaction.atomic
    def _client(self, firm: Firm, spec: demo.DemoClient) -> Client:
        client, created = Client.objects.get_or_create(
            code=spec.code,
            defaults={
                "firm": firm,
                "legal_name": spec.legal_name,
                "importer_number": spec.importer_number,
                "exporter_number": spec.importer_number,
                "address": "100 Harbor Way, Long Beach, CA 90802",
                "contact_emails": f"drawback@{spec.code}.example.com",
            },
        )
        if created:
            Privilege.objects.create(
                client=client,
                kind=Privilege.Kind.WAIVER_PRIOR_NOTICE,
                reference="WPN-2021-0042",
                granted_on="2021-01-15",
            )
            if spec.code == "acme":
                Privilege.objects.create(
                    client=client,
                    kind=Privilege.Kind.ACCELERATED_PAYMENT,
                    reference="AP-2020-0117",
                    granted_on="2020-09-01",
                    bond_type=Privilege.BondType.CONTINUOUS,
                    surety_code="457",
                    bond_effective_on="2020-08-15",
                )
            else:
                Privilege.objects.create(
                    client=client,
                    kind=Privilege.Kind.COMPLIANCE_PROGRAM,
                    reference="DCP-2022-009",
                    granted_on="2022-03-01",
                )
        return client

    def _tariff(self) -> None:
        if (
            TariffLine.objects.filter(hts__in=[p.hts for c in demo.DEMO_CLIENTS for p in c.products]).count()
            >= 12
        ):
            return
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "hts_demo.csv"
            path.write_text(demo.tariff_csv(), encoding="utf-8")
            self._ingest(None, "hts", path)

    def _load(self, client: Client, spec: demo.DemoClient) -> None:
        files = demo.generate(spec)
        with tempfile.TemporaryDirectory() as folder:
            for kind, name in (
                ("es003", "ES-003 entry summary lines"),
                ("fees", "entry fees"),
                ("aes", "AES exports"),
                ("exports", "exports and destructions"),
            ):
                path = Path(folder) / f"{spec.code}_{kind}.csv"
                path.write_text(files[kind], encoding="utf-8")
                summary = self._ingest(client, kind, path)
                self.stdout.write(f"{client.legal_name}: {name} {summary}")

    def _manufacturer(self, firm: Firm) -> None:
        """A manufacturer whose exported ovens can carry manufacturing drawback on their components, unused
        merchandise on imported ovens, or rejected merchandise on a returned lot, and whose ovens sold at
        retail and returned can designate a later import of the same part (1313(c)(2)) (from
        docs/samples/manufacturing and its retail/)."""
        with transaction.atomic():
            client, created = Client.objects.get_or_create(
                code=MANUFACTURER["code"],
                defaults={
                    "firm": firm,
                    "legal_name": MANUFACTURER["legal_name"],
                    "importer_number": MANUFACTURER["importer_number"],
                    "exporter_number": MANUFACTURER["importer_number"],
                    "address": "2200 Lakeshore Drive, Erie, PA 16505",
                    "contact_emails": "drawback@keystone.example.com",
                },
            )
            if created:
                Privilege.objects.create(
                    client=client,
                    kind=Privilege.Kind.MANUFACTURING_RULING,
                    reference=MANUFACTURER["ruling"],
                    ruling_type=Privilege.RulingType.SPECIFIC,
                    granted_on="2024-01-01",
                )
                Privilege.objects.create(
                    client=client,
                    kind=Privilege.Kind.WAIVER_PRIOR_NOTICE,
                    reference="WPN-2024-0311",
                    granted_on="2024-01-01",
                )
        if ImportEntry.objects.filter(client=client).exists():
            self.stdout.write(f"{client.legal_name}: demo data already loaded")
            return
        self._tariff()
        folder = Path(settings.BASE_DIR) / "docs" / "samples" / "manufacturing"
        for kind in ("imports", "exports", "bom", "production", "returns"):
            summary = self._ingest(client, kind, folder / f"{kind}.csv")
            self.stdout.write(f"{client.legal_name}: {kind} {summary}")
        for kind in ("imports", "exports", "returns"):
            summary = self._ingest(client, kind, folder / "retail" / f"{kind}.csv")
            self.stdout.write(f"{client.legal_name}: retail {kind} {summary}")

    def _ingest(self, client: Client | None, kind: str, path: Path) -> dict:
        upload, result = upload_ingest_now(client=client, kind=kind, path=path)
        if result is None or not result.loaded or result.error_count:
            raise CommandError(f"demo file {path.name} did not load cleanly: {upload.message}")
        return upload.summary()

    def _documents(self, client: Client, spec: demo.DemoClient) -> None:
        """Entry summaries for most entries and bills of lading for most exports; the rest are left without
        documents so the risk assessment has something to find."""
        rng = random.Random(spec.seed)
        staff = User.objects.filter(role=User.Role.ANALYST).first()
        for entry in ImportEntry.objects.filter(client=client).order_by("entry_number"):
            if rng.random() < 0.75:
                pdf = demo.minimal_pdf(
                    "Entry summary (CBP Form 7501)",
                    [
                        entry.display_number,
                        f"Import date {entry.import_date:%m/%d/%Y}",
                        f"Port {entry.port_code}",
                    ],
                )
                document_create(
                    client=client,
                    user=staff,
                    file=ContentFile(pdf, f"7501-{entry.entry_number}.pdf"),
                    doc_type=Document.Type.ENTRY_SUMMARY,
                    entries=[entry],
                )
        for export in Export.objects.filter(client=client).order_by("export_ref"):
            if rng.random() < 0.65:
                kind = (
                    Document.Type.DESTRUCTION_CERTIFICATE
                    if export.disposition == "destroy"
                    else (Document.Type.BILL_OF_LADING)
                )
                pdf = demo.minimal_pdf(
                    kind.label,
                    [
                        export.export_ref,
                        f"Date {export.export_date:%m/%d/%Y}",
                        f"Destination {export.destination or 'destroyed'}",
                    ],
                )
                document_create(
                    client=client,
                    user=staff,
                    file=ContentFile(pdf, f"{kind}-{export.export_ref}.pdf"),
                    doc_type=kind,
                    exports=[export],
                )

    def _claims(self, client: Client) -> None:
        """Claims in the states a firm has in hand: drafts from an optimizer run, and one claim taken through
        pre-flight and both reviews and filed with the sandbox CBP (check CBP on its page to see the answer).
        """
        analyst = User.objects.get(username="analyst")
        today = timezone.localdate()
        build = claim_build_start(
            client=client,
            user=analyst,
            parameters={
                "filing_date": today.isoformat(),
                "export_from": (today - dt.timedelta(days=240)).isoformat(),
                "export_to": (today - dt.timedelta(days=30)).isoformat(),
                "disposition": "export",
            },
        )
        claim_build_run(build_id=build.pk)
        build.refresh_from_db()
        if build.status != ClaimBuild.Status.DONE:
            raise CommandError(f"the demo claim build did not finish: {build.message}")
        claims = claim_build_save(build=build, user=analyst)
        self.stdout.write(
            f"{client.legal_name}: optimizer run saved as {len(claims)} draft claim(s): "
            + ", ".join(f"{c.display_number} ({c.provision})" for c in claims)
        )
        claim = max(claims, key=lambda c: c.designations.count())
        if not claim_validate(claim=claim, by=analyst).validated:
            self.stdout.write(f"  {claim.display_number} stays a draft: pre-flight found errors to show")
            return
        review_start(claim=claim, by=analyst)
        for level, username in ((1, "reviewer1"), (2, "reviewer2")):
            reviewer = User.objects.get(username=username)
            ticked = [item.pk for item in checklist_items(level)]
            review_approve(claim=claim, by=reviewer, level=level, ticked=ticked, comment="Demo review")
        # The sandbox CBP takes any ABI password; `make demo` sets one, a bare `seed_demo` uses the demo's.
        with override_settings(CATAIR_PASSWORD=settings.CATAIR_PASSWORD or DEMO_CATAIR_PASSWORD):
            claim_file(claim=claim, by=analyst)
        claim.refresh_from_db()
        self.stdout.write(f"  {claim.display_number} reviewed twice; status: {claim.get_status_display()}")

    @transaction.atomic
    def _users(self, firm: Firm, clients: dict[str, Client]) -> None:
        for username, role, code, password in USERS:
            if User.objects.filter(username=username).exists():
                continue
            client = clients[code] if code else None
            user = User(
                username=username,
                role=role,
                firm=None if client else firm,
                client=client,
                email=f"{username}@example.com",
                is_staff=role == User.Role.FIRM_ADMIN,
            )
            user.set_password(password)
            user.save()
