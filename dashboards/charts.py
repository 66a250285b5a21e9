"""Charts drawn on the server as SVG: the same markup serves the page (no script, works offline) and the PDF
report (WeasyPrint draws inline SVG). Colours are attributes, not CSS, so both look alike. Every chart is
shown with its numbers in a table beside or under it; the chart is for the eye.

Pure: values in (Decimal or None), markup out. Text is escaped.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ZERO = Decimal("0")
INK = "#1f2933"
GRID = "#d9dee5"
COLOURS = {"received": "#1f6f43", "projected": "#7fb8e6", "band": "#dbeaf7", "actual": "#1f6f43"}
SERIES_COLOURS = ["#1f3a5f", "#7fb8e6", "#e0a458", "#9b5de5"]


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Decimal | None]
    colour: str
    key: str  # data-series on each bar, for tests and styling


def money_label(value: Decimal) -> str:
    """$1.2M, $350k, $900: short amounts for an axis."""
    sign = "-" if value < 0 else ""
    v = abs(value)
    for limit, suffix in ((Decimal("1000000"), "M"), (Decimal("1000"), "k")):
        if v >= limit:
            short = (v / limit).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP).normalize()
            return f"{sign}${short:f}{suffix}"
    return f"{sign}${v.quantize(Decimal('1'), rounding=ROUND_HALF_UP):,}"


def _id(chart_id: str) -> str:
    return f' id="{escape(chart_id)}"' if chart_id else ""


def _nice_step(value: Decimal) -> Decimal:
    """A round step (1, 2, 2.5 or 5 times a power of ten) at or above `value`."""
    if value <= 0:
        return Decimal("1")
    base = Decimal(1).scaleb(value.adjusted())
    for m in ("1", "2", "2.5", "5", "10"):
        if base * Decimal(m) >= value:
            return base * Decimal(m)
    return base * 10


def _axis(values: Sequence[Decimal]) -> tuple[Decimal, Decimal, Decimal]:
    """(bottom, top, step) of a y axis holding zero and every value, on round steps."""
    lo, hi = min([ZERO, *values]), max([ZERO, *values])
    step = _nice_step((hi - lo) / 4 if hi > lo else Decimal("1"))
    top = (hi / step).to_integral_value(rounding="ROUND_CEILING") * step
    bottom = (lo / step).to_integral_value(rounding="ROUND_FLOOR") * step
    if top == bottom:
        top = bottom + step
    return bottom, top, step


def _rect(x: float, y: float, w: float, h: float, fill: str, data: str = "", tip: str = "") -> str:
    title = f"<title>{escape(tip)}</title>" if tip else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" fill="{fill}"{data}>'
        f"{title}</rect>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{INK}">{escape(text)}</text>'


def _open(title: str, width: int, height: int, chart_id: str, size: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" class="chart"{_id(chart_id)} font-family="sans-serif" '
        f'font-size="{size}">',
        f"<title>{escape(title)}</title>",
    ]


def bar_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    band: Sequence[tuple[Decimal, Decimal] | None] = (),
    band_name: str = "range",
    width: int = 760,
    height: int = 260,
    chart_id: str = "",
    label_every: int = 1,
) -> SafeString:
    """Vertical bars per category, one per series side by side, an optional band (low-high) behind them,
    negative values below the zero line, a y axis in dollars and a legend."""
    left, right, top, bottom = 58, 10, 28, 42
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for s in series for v in s.values if v is not None]
    values += [v for b in band if b for v in b]
    low, high, step = _axis(values)
    span = high - low

    def y(value: Decimal) -> float:
        return top + float((high - value) / span) * plot_h

    n = max(len(categories), 1)
    slot = plot_w / n
    parts = _open(title, width, height, chart_id, 10)
    value = low
    while value <= high:
        yy = y(value)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="{GRID}"/>')
        parts.append(_text(left - 4, yy + 3, money_label(value), "end"))
        value += step
    for i, b in enumerate(band):
        if b is None or b[0] == b[1] == 0:
            continue
        lo, hi = b
        tip = f"{categories[i]}: {band_name} {money_label(lo)} to {money_label(hi)}"
        data = f' data-series="band" data-low="{lo}" data-high="{hi}"'
        x = left + i * slot + slot * 0.05
        parts.append(_rect(x, y(hi), slot * 0.9, max(y(lo) - y(hi), 0.5), COLOURS["band"], data, tip))
    for i in range(len(categories)):
        # Side by side, only the series with a value here: a month with only one takes the whole slot.
        present = [s for s in series if i < len(s.values) and s.values[i] is not None]
        bar_w = slot * 0.8 / max(len(present), 1)
        for k, s in enumerate(present):
            value = s.values[i]
            x = left + i * slot + slot * 0.1 + k * bar_w
            y0, y1 = sorted((y(ZERO), y(value)))
            data = f' data-series="{escape(s.key)}" data-value="{value}"'
            tip = f"{categories[i]}: {s.name} {money_label(value)}"
            parts.append(_rect(x, y0, bar_w, max(y1 - y0, 0.5 if value else 0), s.colour, data, tip))
    zero = y(ZERO)
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{zero:.1f}" y2="{zero:.1f}" stroke="{INK}"/>')
    for i, label in enumerate(categories):
        if not i % label_every:
            parts.append(_text(left + i * slot + slot / 2, height - bottom + 14, label, "middle"))
    legend_x = left
    legend = [(s.name, s.colour) for s in series] + ([(band_name, COLOURS["band"])] if band else [])
    for name, colour in legend:
        parts.append(_rect(legend_x, 8, 10, 10, colour))
        parts.append(_text(legend_x + 14, 17, name))
        legend_x += 24 + 6 * len(name)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def horizontal_bars(
    *, title: str, rows: Sequence[tuple[str, Decimal, str]], width: int = 520, chart_id: str = ""
) -> SafeString:
    """One bar per row (label, amount, note such as the count)."""
    row_h, left, right = 24, 190, 120
    height = 16 + row_h * max(len(rows), 1)
    top_value = max([ZERO, *(abs(v) for _, v, _ in rows)]) or Decimal("1")
    plot_w = width - left - right
    parts = _open(title, width, height, chart_id, 11)
    for i, (label, value, note) in enumerate(rows):
        yy = 8 + i * row_h
        w = float(abs(value) / top_value) * plot_w
        data = f' data-series="stage" data-value="{value}"'
        parts.append(_text(left - 6, yy + 14, label, "end"))
        parts.append(
            _rect(
                left,
                yy + 3,
                max(w, 0.5 if value else 0),
                row_h - 8,
                SERIES_COLOURS[0],
                data,
                f"{label}: {note}",
            )
        )
        parts.append(_text(left + w + 6, yy + 14, f"{money_label(value)} · {note}"))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
