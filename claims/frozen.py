"""The data a claim rests on does not change under it once reviewers have it.

- In review (first or second) and once filed, the import lines, their entries and Chapter 99 rows and the
  exports a claim designates are frozen for it: a load that would change any of them stores nothing and
  names the claim and the rows (`FrozenDataGuard`, run inside every load's write transaction through
  imports.ingest.pipeline.WRITE_GUARDS). The way to change them is the claim's own: return it for
  correction, or file a correction after filing.
- Approved (ready to file), the claim keeps a digest of that data taken at the second approval. A change
  after it (a load, or anything else) sends the claim back to review before anything is filed or packaged:
  `claims_return_changed` runs after every load, and again before filing and before building the package.

What is compared is what the claim's amounts, eligibility and filing text come from. An entry's
liquidation date and status are not: ACE reports them as CBP liquidates the imports, and they must keep
coming in (deemed liquidation depends on them).
"""

import hashlib
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import QuerySet

from exports.models import Export
from imports.models import ImportLine, LineCh99Duty

from .lifecycle import FILED_STATUSES
from .models import Claim, Designation, status_phrase

S = Claim.Status
# Statuses in which reviewers or CBP have the claim: its data cannot change (see the module).
FROZEN_STATUSES = frozenset({S.FIRST_REVIEW, S.SECOND_REVIEW} | FILED_STATUSES)
LINE_FIELDS = (
    "hts",
    "description",
    "import_date",
    "country_of_origin",
    "country_of_export",
    "manufacturer_id",
    "spi",
    "quantity",
    "uom",
    "entered_value",
    "duty",
    "mpf",
    "hmf",
    "other_taxes",
    "entry__entry_number",
    "entry__entry_type",
    "entry__port_code",
    "entry__importer_number",
    "entry__entry_date",
    "entry__import_date",
    "entry__mpf",
    "entry__hmf",
)
EXPORT_FIELDS = (
    "export_ref",
    "itn",
    "export_date",
    "exporter_name",
    "exporter_number",
    "destination",
    "hts",
    "description",
    "quantity",
    "uom",
    "value",
    "disposition",
    "recovered_value",
    "excepted_goods",
    "direct_entry_number",
    "direct_line_number",
)

Key = tuple[str, int]  # ("line", id) or ("export", id)


def _rows(designations: QuerySet) -> tuple[dict[Key, tuple], dict[Key, set[int]]]:
    """{key: the row's compared values} and {key: the claims holding it} for these designations."""
    holders: dict[Key, set[int]] = defaultdict(set)
    for claim_id, line_id, export_id in designations.values_list("claim_id", "import_line_id", "export_id"):
        holders[("line", line_id)].add(claim_id)
        holders[("export", export_id)].add(claim_id)
    line_ids = [pk for kind, pk in holders if kind == "line"]
    export_ids = [pk for kind, pk in holders if kind == "export"]
    values: dict[Key, tuple] = {}
    ch99: dict[int, list] = defaultdict(list)
    for line_id, ordinal, number, amount in (
        LineCh99Duty.objects.filter(line_id__in=line_ids).order_by("line_id", "ordinal", "number")
    ).values_list("line_id", "ordinal", "number", "amount"):
        ch99[line_id].append((ordinal, number, amount))
    for pk, *fields in ImportLine.objects.filter(pk__in=line_ids).values_list("pk", *LINE_FIELDS):
        values[("line", pk)] = (*fields, tuple(ch99[pk]))
    for pk, *fields in Export.objects.filter(pk__in=export_ids).values_list("pk", *EXPORT_FIELDS):
        values[("export", pk)] = tuple(fields)
    return values, holders


def claim_data_digest(claim: Claim) -> str:
    """A digest of everything the claim rests on (its designated lines, entries and exports)."""
    values, _ = _rows(Designation.objects.filter(claim=claim))
    return hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()


def _label(key: Key, value: tuple) -> str:
    if key[0] == "line":
        return f"the line of entry {value[LINE_FIELDS.index('entry__entry_number')]}"
    return f"export {value[0]}"


class FrozenDataGuard:
    """Taken before a load's write, asked after it (same transaction): what the load changed of data
    frozen for claims in review or filed, as one message per claim."""

    def __init__(self, client):
        self.client = client
        self.designations = Designation.objects.filter(
            claim__client=client, claim__status__in=FROZEN_STATUSES
        )
        self.before, self.holders = _rows(self.designations)

    def changes(self) -> list[str]:
        if not self.before:
            return []
        after, _ = _rows(self.designations)
        changed: dict[int, list[str]] = defaultdict(list)
        for key, old in self.before.items():
            if after.get(key) != old:
                for claim_id in self.holders[key]:
                    changed[claim_id].append(_describe(key, old, after.get(key)))
        if not changed:
            return []
        claims = Claim.objects.in_bulk(changed)
        return [_refusal(claims[pk], what) for pk, what in sorted(changed.items())]


def _refusal(claim: Claim, what: list[str]) -> str:
    status = status_phrase(claim.status)
    way = (
        "file a correction of the claim to change it."
        if claim.status in FILED_STATUSES
        else "have the claim returned for correction first, then load the file again."
    )
    return (
        f"claim {claim.display_number} ({status}) rests on data this file would change: "
        f"{'; '.join(sorted(set(what))[:5])}. Data under a claim in review or filed stays as the reviewers "
        f"saw it: {way}"
    )


def _describe(key: Key, old: tuple, new: tuple | None) -> str:
    fields = LINE_FIELDS + ("chapter 99 duties",) if key[0] == "line" else EXPORT_FIELDS
    if new is None:
        return f"{_label(key, old)} (removed)"
    names = [f.replace("entry__", "entry ") for f, a, b in zip(fields, old, new, strict=True) if a != b]
    where = _label(key, old)
    if key[0] == "line":
        line = ImportLine.objects.filter(pk=key[1]).values_list("line_number", flat=True).first()
        where = f"entry {old[LINE_FIELDS.index('entry__entry_number')]} line {line}"
    return f"{where}: {', '.join(names)}"


def claims_return_changed(*, claims: Iterable[Claim]) -> list[Claim]:
    """Send back to review each approved claim whose data changed since its second approval. Returns them."""
    from .lifecycle import claim_transition

    returned = []
    for claim in claims:
        if claim.status != S.READY_TO_FILE or not claim.approved_data_digest:
            continue
        if claim_data_digest(claim) == claim.approved_data_digest:
            continue
        claim_transition(
            claim=claim,
            to=S.RETURNED,
            by=None,
            reason="the data it rests on changed after its approval; it is reviewed again before filing",
        )
        _tell_preparer(claim)
        returned.append(claim)
    return returned


def _tell_preparer(claim: Claim) -> None:
    """E-mail the preparer once the return is committed (a mail server down does not undo it)."""
    import logging

    from django.conf import settings
    from django.core.mail import send_mail
    from django.db import transaction

    email = claim.preparer.email if claim.preparer_id else ""
    if not email:
        return

    def send():
        try:
            send_mail(
                f"[Drawback] Claim {claim.display_number} returned for review",
                f"Claim {claim.display_number} of {claim.client.legal_name} was approved, then data it "
                "rests on changed. It was returned for review and will not be filed or packaged until "
                "it is reviewed again.",
                settings.DEFAULT_FROM_EMAIL,
                [email],
            )
        except Exception:
            logging.getLogger(__name__).exception("claim %s: the e-mail was not sent", claim.pk)

    transaction.on_commit(send)


def claims_return_changed_for_client(*, client_id: int) -> list[Claim]:
    return claims_return_changed(claims=Claim.objects.filter(client_id=client_id, status=S.READY_TO_FILE))
