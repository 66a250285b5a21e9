"""What an analyst asks of a claim build, kept as JSON on ClaimBuild.parameters.

The selection of exports (date range, destinations, HTS/product prefix, disposition), the filing date the
time limits are read against, the drawback office, the method proposed, and the analyst's changes to an
earlier proposal: import lines or exports left out, and designations pinned (kept as they are, their
quantities taken before the optimizer runs).
"""

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from claims.engine.model import Method
from claims.models import DRAWBACK_PORTS

PORTS = frozenset(code for code, _ in DRAWBACK_PORTS)
DISPOSITIONS = ("", "export", "destroy")


class ParameterError(ValueError):
    """A build parameter is not usable; the message names it."""


@dataclass(frozen=True)
class ExportFilter:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    destinations: tuple[str, ...] = ()  # ISO codes; empty = any
    product: str = ""  # leading HTS / Schedule B digits; empty = any
    disposition: str = ""  # "", "export" or "destroy"


@dataclass(frozen=True)
class Pin:
    """A designation the analyst keeps: this quantity of the line against the export."""

    line_id: int
    export_id: int
    quantity: Decimal


@dataclass(frozen=True)
class Exclusions:
    lines: frozenset[int] = frozenset()
    exports: frozenset[int] = frozenset()


@dataclass(frozen=True)
class BuildParameters:
    filing_date: dt.date
    drawback_port: str = "1001"
    method: Method = Method.OPTIMAL
    export_filter: ExportFilter = field(default_factory=ExportFilter)
    exclusions: Exclusions = field(default_factory=Exclusions)
    pins: tuple[Pin, ...] = ()
    # Ask for accelerated payment on the claims saved: None = as the client's privilege and bond allow.
    accelerated_payment: bool | None = None

    def as_json(self) -> dict:
        f = self.export_filter
        return {
            "export_from": f.date_from.isoformat() if f.date_from else None,
            "export_to": f.date_to.isoformat() if f.date_to else None,
            "destinations": list(f.destinations),
            "product": f.product,
            "disposition": f.disposition,
            "filing_date": self.filing_date.isoformat(),
            "drawback_port": self.drawback_port,
            "method": self.method.value,
            "exclude_lines": sorted(self.exclusions.lines),
            "exclude_exports": sorted(self.exclusions.exports),
            "pins": [
                {"line": p.line_id, "export": p.export_id, "quantity": f"{p.quantity.normalize():f}"}
                for p in self.pins
            ],
            "accelerated_payment": self.accelerated_payment,
        }

    @classmethod
    def from_json(cls, data: dict, *, default_port: str = "1001", today: dt.date | None = None):
        """Parse and check parameters given as JSON (the form, the API, or a stored build)."""
        data = data or {}
        filing = _date(data, "filing_date") or today
        if filing is None:
            raise ParameterError("filing_date: a filing date is required")
        date_from, date_to = _date(data, "export_from"), _date(data, "export_to")
        if date_from and date_to and date_from > date_to:
            raise ParameterError("export_to: the end of the export date range is before its start")
        destinations = []
        for code in _list(data, "destinations"):
            code = str(code).strip().upper()
            if not re.fullmatch(r"[A-Z]{2}", code):
                raise ParameterError(f"destinations: {code!r} is not a two-letter ISO country code")
            destinations.append(code)
        product = re.sub(r"[.\s]", "", str(data.get("product") or ""))
        if product and (not product.isdigit() or len(product) > 10):
            raise ParameterError("product: an HTS or Schedule B prefix is up to 10 digits (dots allowed)")
        disposition = str(data.get("disposition") or "")
        if disposition not in DISPOSITIONS:
            raise ParameterError("disposition: must be export, destroy or empty for both")
        port = str(data.get("drawback_port") or default_port)
        if port not in PORTS:
            raise ParameterError(f"drawback_port: {port!r} is not a drawback office")
        try:
            method = Method(str(data.get("method") or Method.OPTIMAL.value))
        except ValueError:
            raise ParameterError(f"method: one of {', '.join(m.value for m in Method)}") from None
        pins = []
        for raw in _list(data, "pins"):
            try:
                pin = Pin(int(raw["line"]), int(raw["export"]), Decimal(str(raw["quantity"])))
            except (KeyError, TypeError, ValueError, InvalidOperation):
                raise ParameterError("pins: each pin needs a line id, an export id and a quantity") from None
            if not pin.quantity.is_finite() or pin.quantity <= 0:
                raise ParameterError("pins: a pinned quantity must be greater than 0")
            pins.append(pin)
        accelerated = data.get("accelerated_payment")
        if accelerated not in (None, "", True, False):
            raise ParameterError("accelerated_payment: true, false, or empty for the client's default")
        return cls(
            accelerated_payment=None if accelerated == "" else accelerated,
            filing_date=filing,
            drawback_port=port,
            method=method,
            export_filter=ExportFilter(
                date_from=date_from,
                date_to=date_to,
                destinations=tuple(sorted(set(destinations))),
                product=product,
                disposition=disposition,
            ),
            exclusions=Exclusions(
                lines=frozenset(_ids(data, "exclude_lines")), exports=frozenset(_ids(data, "exclude_exports"))
            ),
            pins=tuple(pins),
        )

    # Changes an analyst makes to a proposal before running it again.

    def excluding_line(self, line_id: int) -> "BuildParameters":
        pins = tuple(p for p in self.pins if p.line_id != line_id)
        return replace(
            self, exclusions=replace(self.exclusions, lines=self.exclusions.lines | {line_id}), pins=pins
        )

    def including_line(self, line_id: int) -> "BuildParameters":
        return replace(self, exclusions=replace(self.exclusions, lines=self.exclusions.lines - {line_id}))

    def excluding_export(self, export_id: int) -> "BuildParameters":
        pins = tuple(p for p in self.pins if p.export_id != export_id)
        exports = self.exclusions.exports | {export_id}
        return replace(self, exclusions=replace(self.exclusions, exports=exports), pins=pins)

    def including_export(self, export_id: int) -> "BuildParameters":
        return replace(
            self, exclusions=replace(self.exclusions, exports=self.exclusions.exports - {export_id})
        )

    def pinning(self, pin: Pin) -> "BuildParameters":
        """Pin a designation; a pin of the same line and export replaces the earlier one."""
        others = tuple(p for p in self.pins if (p.line_id, p.export_id) != (pin.line_id, pin.export_id))
        return replace(self, pins=(*others, pin))

    def unpinning(self, line_id: int, export_id: int) -> "BuildParameters":
        return replace(
            self, pins=tuple(p for p in self.pins if (p.line_id, p.export_id) != (line_id, export_id))
        )


def _date(data: dict, key: str) -> dt.date | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ParameterError(f"{key}: must be a date YYYY-MM-DD (got {value!r})") from None


def _list(data: dict, key: str) -> list:
    value = data.get(key) or []
    if isinstance(value, str):
        value = [v for v in re.split(r"[,\s]+", value) if v]
    if not isinstance(value, list | tuple):
        raise ParameterError(f"{key}: must be a list")
    return list(value)


def _ids(data: dict, key: str) -> list[int]:
    try:
        return [int(v) for v in _list(data, key)]
    except (TypeError, ValueError):
        raise ParameterError(f"{key}: must be a list of ids") from None
