"""factory_boy factories for the project's models."""

import datetime as dt
from decimal import Decimal

import factory

from drawback.accounts.models import Client, Firm, User
from drawback.lib.entry_numbers import make as make_entry_number
from drawback.lib.hts import begins_with_other
from exports.models import Export
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
    doc_type = Document.Type.ENTRY_SUMMARY
    file = factory.django.FileField(filename="7501.pdf", data=b"%PDF-1.4 test")
    original_name = "7501.pdf"
    size = 13
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
