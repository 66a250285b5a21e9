"""factory_boy factories for the project's models."""

import datetime as dt
from decimal import Decimal

import factory

from claims.models import Claim, Designation
from drawback.accounts.models import Client, Firm, Privilege, User
from drawback.lib.entry_numbers import make as make_entry_number
from drawback.lib.hts import begins_with_other
from drawback.lib.money import DRAWBACK_RATE
from exports.models import Export, NoticeOfIntent
from imports.models import Document, FilerCodeOffset, ImportEntry, ImportLine, LineCh99Duty, TariffLine

PASSWORD = "correct-horse-battery"


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm

    name = "Harbor Drawback Services"
    filer_code = "HDS"


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    firm = factory.SubFactory(FirmFactory)
    code = factory.Sequence(lambda n: f"client{n}")
    legal_name = factory.Sequence(lambda n: f"Client {n} Inc")
    importer_number = factory.Sequence(lambda n: f"12-{3456700 + n:07d}00")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = "analyst"
    firm = factory.SubFactory(FirmFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ImportEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportEntry

    client = factory.SubFactory(ClientFactory)
    entry_number = factory.Sequence(lambda n: make_entry_number("B76", 1000000 + n))
    entry_type = "01"
    port_code = "2704"
    import_date = dt.date(2024, 3, 1)
    entry_date = factory.LazyAttribute(lambda e: e.import_date)


class ImportLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportLine

    entry = factory.SubFactory(ImportEntryFactory)
    client = factory.LazyAttribute(lambda line: line.entry.client)
    line_number = factory.Sequence(lambda n: n + 1)
    import_date = factory.LazyAttribute(lambda line: line.entry.import_date)
    hts = "6109100012"
    quantity = Decimal("100")
    uom = "DOZ"
    entered_value = Decimal("10000.00")
    duty = Decimal("1650.00")
    quantity_available = factory.LazyAttribute(lambda line: line.quantity)


class ExportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Export

    client = factory.SubFactory(ClientFactory)
    export_ref = factory.Sequence(lambda n: f"X2025{n:010d}")
    export_date = dt.date(2025, 6, 1)
    destination = "DE"
    hts = "6109100012"
    quantity = Decimal("50")
    uom = "DOZ"
    value = Decimal("6000.00")
    quantity_available = factory.LazyAttribute(lambda e: e.quantity)


# --- claims, designations and what pre-flight reads -------------------------------------------------------
# Added for the claim review work: claims are built through the services so the designation ledger
# (ImportLine/Export.quantity_available) stays true; the raw factories exist for crafting broken data.


class PrivilegeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Privilege

    client = factory.SubFactory(ClientFactory)
    kind = Privilege.Kind.WAIVER_PRIOR_NOTICE
    reference = factory.Sequence(lambda n: f"WPN-{n:05d}")
    granted_on = dt.date(2020, 1, 1)


class AcceleratedPaymentFactory(PrivilegeFactory):
    kind = Privilege.Kind.ACCELERATED_PAYMENT
    bond_type = Privilege.BondType.CONTINUOUS
    surety_code = "457"
    bond_effective_on = dt.date(2020, 1, 1)


class ClaimFactory(factory.django.DjangoModelFactory):
    """A claim row. `status=` writes the status directly: only for tests that need a claim in a given
    state without walking the state machine (designations and ledger are then up to the test)."""

    class Meta:
        model = Claim
        skip_postgeneration_save = True

    client = factory.SubFactory(ClientFactory)
    number = factory.Sequence(lambda n: make_entry_number("HDS", 2000000 + n))
    provision = "59"
    drawback_port = "1001"
    preparer = factory.SubFactory(UserFactory, firm=factory.SelfAttribute("..client.firm"))

    @factory.post_generation
    def status(obj, create, extracted, **kwargs):
        if create and extracted:
            Claim.objects.filter(pk=obj.pk).update(status=extracted)
            obj.status = extracted


class DesignationFactory(factory.django.DjangoModelFactory):
    """A raw designation row: it does NOT move the ledger (use `designate` for that)."""

    class Meta:
        model = Designation

    claim = factory.SubFactory(ClaimFactory)
    import_line = factory.SubFactory(
        ImportLineFactory, entry__client=factory.SelfAttribute("...claim.client")
    )
    export = factory.SubFactory(ExportFactory, client=factory.SelfAttribute("..claim.client"))
    provision = factory.LazyAttribute(lambda d: d.claim.provision)
    method = "substitution"
    quantity = Decimal("10")
    refund = Decimal("0")
    amounts = factory.LazyFunction(dict)


class NoticeOfIntentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NoticeOfIntent

    export = factory.SubFactory(ExportFactory)
    filed_on = factory.LazyAttribute(lambda n: n.export.export_date - dt.timedelta(days=21))
    port = "1001"
    intended_action = factory.LazyAttribute(
        lambda n: "destroy" if n.export.disposition == Export.Disposition.DESTROY else "export"
    )
    intended_on = factory.LazyAttribute(lambda n: n.export.export_date)
    cbp_decision = NoticeOfIntent.Decision.WAIVED


class TariffLineFactory(factory.django.DjangoModelFactory):
    """A row of the HTS schedule; rates sit on 8-digit rows, units on 10-digit rows, as USITC publishes."""

    class Meta:
        model = TariffLine
        django_get_or_create = ("hts",)

    hts = "6109100012"
    indent = factory.LazyAttribute(lambda t: 1 if len(t.hts) == 8 else 2)
    description = "Men's or boys': Other T-shirts"
    begins_with_other = factory.LazyAttribute(lambda t: begins_with_other(t.description))
    unit_of_quantity = ""
    general_rate = ""


class LineCh99DutyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LineCh99Duty

    line = factory.SubFactory(ImportLineFactory)
    ordinal = factory.Sequence(lambda n: n + 1)
    number = "9903.88.03"
    amount = Decimal("2500.00")


class FilerCodeOffsetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FilerCodeOffset

    filer_code = "E5X"
    offset = 2


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    client = factory.SubFactory(ClientFactory)
    doc_type = Document.Type.OTHER
    file = factory.django.FileField(filename="doc.pdf", data=b"%PDF-1.4 test")
    original_name = "doc.pdf"
    content_type = "application/pdf"
    size = 13
    sha256 = factory.Sequence(lambda n: f"{n:064x}")


def refund_amounts(line: ImportLine, quantity: Decimal, classes=("364", "399")) -> dict:
    """99% of the duty and MPF the line paid for `quantity`, exact (direct identification, no lesser-of)."""
    share = Decimal(quantity) / line.quantity
    paid = {"364": line.duty, "399": line.mpf, "398": line.hmf, "365": line.other_taxes}
    amounts = {}
    for cls in classes:
        value = DRAWBACK_RATE * paid[cls] * share
        if value:
            amounts[cls] = {"claim": str(value), "calculated": str(value)}
    return amounts


def designate(
    claim: Claim, line: ImportLine, export: Export, quantity, *, by=None, method=None, amounts=None
):
    """Add a designation through the service, holding the quantity on the ledger."""
    from claims.preflight import is_substitution
    from claims.services import designation_add

    return designation_add(
        claim=claim,
        import_line=line,
        export=export,
        quantity=Decimal(quantity),
        method=method or ("substitution" if is_substitution(claim.provision) else "direct"),
        amounts=refund_amounts(line, Decimal(quantity)) if amounts is None else amounts,
        by=by or claim.preparer,
    )


def build_claim(
    *,
    client: Client,
    preparer: User,
    provision: str = "59",
    quantity="50",
    method: str | None = None,
    classes=("364", "399"),
    **fields,
) -> Claim:
    """A draft claim that passes pre-flight today: one line imported 2024-03-01, exported 2025-06-01 to
    Germany, a timely notice of intent that CBP waived, duty and MPF claimed at 99%."""
    from claims.services import claim_create

    claim = claim_create(
        client=client,
        number=make_entry_number(client.firm.filer_code, 3000000 + Claim.objects.count()),
        provision=provision,
        preparer=preparer,
        **fields,
    )
    line = ImportLineFactory(entry__client=client, mpf=Decimal("34.65"))
    export = ExportFactory(client=client)
    from claims.preflight import is_substitution

    if (method or ("substitution" if is_substitution(provision) else "direct")) == "direct":
        Export.objects.filter(pk=export.pk).update(direct_line=line)
        export.refresh_from_db()
    NoticeOfIntentFactory(export=export)
    amounts = refund_amounts(line, Decimal(quantity), classes)
    designate(claim, line, export, quantity, by=preparer, method=method, amounts=amounts)
    claim.refresh_from_db()
    return claim
