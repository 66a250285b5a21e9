"""File exchange with CBP through a service provider: an outbox for transmissions, an inbox for answers.

Outbox: each transmission is written as `<claim number>-<first 12 hex of its SHA-256>.txt` (the CATAIR
text), first under a hidden temporary name and then renamed, so the provider never picks up half a file;
the same text sent twice lands on the same name. Answers to CBP Forms 28/29 go out as
`cbp-response-<id>.json`.

Inbox (docs/cbp.md describes both formats):
- `*.dx` or `*.txt`: ACE DX responses in the CATAIR E0/E1 layout (claims.cbp.dx), acceptance or rejection;
- `*.json` or `*.jsonl`: one JSON object a line for what ACE does not send as DX: CF-28 and CF-29 notices,
  payments and bills, liquidation, extension and suspension notices.
Files whose name starts with a dot, or ends in .partial or .tmp, are still being written and are skipped.
A file is taken whole or not at all: once all its messages are stored it moves to `done/`; a file that
cannot be read (or names a claim we do not have) moves to `error/` with `<name>.reason.txt` beside it.
"""

import dataclasses
import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils import timezone

from drawback.lib import entry_numbers

from . import dx
from .gateway import Gateway, GatewayError, Receipt, Response

DX_SUFFIXES = {".dx", ".txt"}
NOTICE_SUFFIXES = {".json", ".jsonl"}
IN_PROGRESS_SUFFIXES = {".partial", ".tmp"}
NOTICE_KINDS = {"cf28", "cf29", "payment", "liquidation", "extension", "suspension"}
PAYMENT_KINDS = {"accelerated", "liquidation_refund", "bill"}
DATE_FIELD = {
    "cf28": "issued_on",
    "cf29": "issued_on",
    "payment": "paid_on",
    "liquidation": "liquidated_on",
    "extension": "date",
    "suspension": "date",
}


class NoticeFormatError(ValueError):
    """A notice file line is not in the documented format; the message names the line."""


def _date(value, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise NoticeFormatError(f"{where}: not a date in YYYY-MM-DD: {value!r}") from exc


def _amounts(value, where: str) -> dict[str, str]:
    from claims.models import ACCOUNTING_CLASSES

    if not isinstance(value, dict) or not value:
        raise NoticeFormatError(f"{where}: 'amounts' must be an object of accounting class to amount")
    out = {}
    for cls, amount in value.items():
        if str(cls) not in ACCOUNTING_CLASSES:
            raise NoticeFormatError(f"{where}: unknown accounting class {cls!r}")
        if isinstance(amount, bool) or not isinstance(amount, str | int | Decimal):
            raise NoticeFormatError(f'{where}: amount of class {cls} must be a number or text like "12.34"')
        try:
            number = Decimal(str(amount).strip())
        except InvalidOperation as exc:
            raise NoticeFormatError(f"{where}: amount of class {cls} is not a number: {amount!r}") from exc
        if not number.is_finite() or number < 0 or number.as_tuple().exponent < -2:
            raise NoticeFormatError(f"{where}: amount of class {cls} must be 0 or more, to two decimals")
        out[str(cls)] = str(number.quantize(Decimal("0.01")))
    return out


def parse_notice(obj, where: str) -> Response:
    """One notice object -> Response. Raises NoticeFormatError naming `where` and the field."""
    if not isinstance(obj, dict):
        raise NoticeFormatError(f"{where}: expected a JSON object")
    message_id = obj.get("id")
    if not isinstance(message_id, str) or not message_id.strip() or len(message_id) > 150:
        raise NoticeFormatError(
            f"{where}: 'id' (the provider's message id, up to 150 characters) is required"
        )
    kind = obj.get("kind")
    if kind not in NOTICE_KINDS:
        raise NoticeFormatError(f"{where}: 'kind' must be one of {', '.join(sorted(NOTICE_KINDS))}")
    try:
        claim_number = entry_numbers.normalize(obj.get("claim", ""))
    except entry_numbers.EntryNumberError as exc:
        raise NoticeFormatError(f"{where}: 'claim': {exc}") from exc
    date_field = DATE_FIELD[kind]
    if date_field not in obj:
        raise NoticeFormatError(f"{where}: '{date_field}' is required for {kind}")
    day = _date(obj[date_field], f"{where} '{date_field}'")
    payload: dict = {date_field: day.isoformat()}
    for text_field in ("reference", "text"):
        if text_field in obj:
            if not isinstance(obj[text_field], str):
                raise NoticeFormatError(f"{where}: '{text_field}' must be text")
            payload[text_field] = obj[text_field]
    if kind in ("cf28", "cf29") and "due_on" in obj:
        payload["due_on"] = _date(obj["due_on"], f"{where} 'due_on'").isoformat()
    if kind == "payment":
        if obj.get("payment_kind") not in PAYMENT_KINDS:
            raise NoticeFormatError(
                f"{where}: 'payment_kind' must be one of {', '.join(sorted(PAYMENT_KINDS))}"
            )
        payload["payment_kind"] = obj["payment_kind"]
    if kind in ("payment", "liquidation"):
        payload["amounts"] = _amounts(obj.get("amounts"), where)
    return Response(
        message_id=f"file:{message_id.strip()}",
        claim_number=claim_number,
        kind=kind,
        cbp_date=day,
        payload=payload,
    )


def parse_notices(text: str) -> list[Response]:
    """A notice file: JSON lines (one object a line) or one JSON array of objects."""
    stripped = text.strip()
    if not stripped:
        raise NoticeFormatError("empty file")
    if stripped.startswith("["):
        try:
            objects = json.loads(stripped, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise NoticeFormatError(f"not valid JSON: {exc}") from exc
        if not isinstance(objects, list):
            raise NoticeFormatError("expected a JSON array of notices")
        return [parse_notice(obj, f"item {n}") for n, obj in enumerate(objects, start=1)]
    responses = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise NoticeFormatError(f"line {number}: not valid JSON: {exc.msg}") from exc
        responses.append(parse_notice(obj, f"line {number}"))
    return responses


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.partial")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _free_name(folder: Path, name: str) -> Path:
    """`name` in `folder`, or `name` with a time stamp when a file of that name is already there."""
    target = folder / name
    if not target.exists():
        return target
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    return folder / f"{Path(name).stem}.{stamp}{Path(name).suffix}"


class FileExchangeGateway(Gateway):
    name = "files"

    def __init__(self, *, outbox: Path, inbox: Path):
        self.outbox = Path(outbox)
        self.inbox = Path(inbox)
        self.done = self.inbox / "done"
        self.errors = self.inbox / "error"

    def transmit(self, claim, catair_text: str) -> Receipt:
        digest = hashlib.sha256(catair_text.encode()).hexdigest()[:12]
        target = self.outbox / f"{claim.number}-{digest}.txt"
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            _write_atomically(target, catair_text.encode("ascii", errors="replace"))
        except OSError as exc:
            raise GatewayError(f"cannot write {target}: {exc}") from exc
        return Receipt(reference=target.name, sent_at=timezone.now())

    def send_request_response(self, request) -> str:
        target = self.outbox / f"cbp-response-{request.pk}.json"
        body = {
            "claim": request.claim.display_number,
            "kind": request.kind,
            "reference": request.reference,
            "issued_on": request.issued_on.isoformat(),
            "responded_on": request.responded_on.isoformat() if request.responded_on else None,
            "text": request.response_text,
            "documents": [
                {"name": doc.original_name, "sha256": doc.sha256, "size": doc.size}
                for doc in request.documents.all()
            ],
        }
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            _write_atomically(target, json.dumps(body, indent=2).encode())
        except OSError as exc:
            raise GatewayError(f"cannot write {target}: {exc}") from exc
        return target.name

    def poll(self, claims: Iterable) -> list[Response]:
        """Everything readable in the inbox (whatever the claims); unreadable files go to error/."""
        if not self.inbox.is_dir():
            return []
        responses: list[Response] = []
        for path in sorted(p for p in self.inbox.iterdir() if p.is_file()):
            if path.name.startswith(".") or path.suffix.lower() in IN_PROGRESS_SUFFIXES:
                continue
            try:
                responses.extend(self.read(path))
            except (dx.DxFormatError, NoticeFormatError, UnicodeDecodeError) as exc:
                self.reject(str(path), str(exc))
        return responses

    def read(self, path: Path) -> list[Response]:
        suffix = path.suffix.lower()
        text = path.read_bytes().decode("utf-8")
        if suffix in DX_SUFFIXES:
            return [
                Response(
                    message_id=f"dx:{r.claim_number}:{r.fingerprint}",
                    claim_number=r.claim_number,
                    kind=r.kind,
                    cbp_date=r.transmission_date,
                    payload={
                        "disposition": r.disposition,
                        "version": r.version,
                        "conditions": [c.as_dict() for c in r.conditions],
                        "dx": "\n".join(r.records),
                        "file": path.name,
                    },
                    source=str(path),
                )
                for r in dx.parse_dx(text)
            ]
        if suffix in NOTICE_SUFFIXES:
            return [
                dataclasses.replace(r, source=str(path), payload={**r.payload, "file": path.name})
                for r in parse_notices(text)
            ]
        raise NoticeFormatError(
            f"unknown file type {suffix or '(none)'}: expected .dx/.txt (DX) or .json/.jsonl (notices)"
        )

    def acknowledge(self, source: str) -> None:
        path = Path(source)
        try:
            self.done.mkdir(parents=True, exist_ok=True)
            os.replace(path, _free_name(self.done, path.name))
        except FileNotFoundError:
            pass  # another poll filed it first

    def reject(self, source: str, reason: str) -> None:
        path = Path(source)
        try:
            self.errors.mkdir(parents=True, exist_ok=True)
            target = _free_name(self.errors, path.name)
            os.replace(path, target)
        except FileNotFoundError:
            return
        _write_atomically(target.with_name(f"{target.name}.reason.txt"), f"{reason}\n".encode())
