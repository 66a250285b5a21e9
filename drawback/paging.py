"""Keyset ("seek") paging for lists that grow to millions of rows, shared by pages and the API.

OFFSET paging reads and throws away every row before the page, and a COUNT(*) on each page reads the whole
set: both get slower as a client's data grows. Here a page is fetched with a WHERE on the sort key of the
last row shown (so an index on the sort columns answers it in constant time). The total is exact only for
small sets: on PostgreSQL the planner's estimate is shown for a set it expects to exceed COUNT_CAP rows
("about 1,200,000"); otherwise rows are counted up to COUNT_CAP ("10,000+"), which bounds the cost.

The queryset must carry an explicit order_by() of plain field names whose last field is unique (id).
"""

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import F, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan

COUNT_CAP = 10_000


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class Page:
    items: list
    next_cursor: str | None
    previous_cursor: str | None
    count: int
    count_is_lower_bound: bool  # True: there are more than `count` rows
    count_is_estimate: bool = False  # True: the database's estimate, not a count

    @property
    def count_display(self) -> str:
        if self.count_is_estimate:
            return f"about {self.count:,}"
        return f"{self.count:,}+" if self.count_is_lower_bound else f"{self.count:,}"


def _ordering(queryset: QuerySet) -> list[tuple[str, bool]]:
    """[(field path, descending)] from the queryset's explicit ordering."""
    order_by = queryset.query.order_by
    if not order_by or not all(isinstance(term, str) for term in order_by):
        raise ValueError("keyset paging needs an explicit order_by() of field names ending in a unique one")
    ordering = [(term.lstrip("-"), term.startswith("-")) for term in order_by]
    if len({descending for _, descending in ordering}) != 1:
        raise ValueError("keyset paging needs every sort field in the same direction")
    return ordering


def _value(obj, path: str):
    for part in path.split("__"):
        obj = getattr(obj, "pk" if part == "pk" else part)
    return obj


def _to_json(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def encode_cursor(keys: list, direction: str) -> str:
    raw = json.dumps({"k": [_to_json(v) for v in keys], "d": direction}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, width: int) -> tuple[list, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        keys, direction = data["k"], data["d"]
    except (binascii.Error, ValueError, UnicodeDecodeError, KeyError, TypeError) as exc:
        raise InvalidCursor("invalid cursor") from exc
    if direction not in ("next", "prev") or not isinstance(keys, list) or len(keys) != width:
        raise InvalidCursor("invalid cursor")
    if any(not isinstance(v, str | int) or isinstance(v, bool) for v in keys):
        raise InvalidCursor("invalid cursor")
    return keys, direction


def _field(model, path: str):
    """The model field at the end of a `a__b__c` path."""
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return model._meta.get_field(name)


def _seek(queryset: QuerySet, ordering: list[tuple[str, bool]], keys: list, forward: bool) -> Q:
    """Rows after (forward) or before the row with these key values, in the ordering's sense.

    Written as a row comparison, (a, b, id) > (x, y, z), which PostgreSQL answers with one index range scan
    on (client, a, b, id); Django spells it out with OR/AND on SQLite.
    """
    try:
        values = tuple(
            _field(queryset.model, field).to_python(value)
            for (field, _), value in zip(ordering, keys, strict=True)
        )
    except ValidationError as exc:
        raise InvalidCursor("invalid cursor") from exc
    descending = ordering[0][1]
    before = descending == forward
    lookup = TupleLessThan if before else TupleGreaterThan
    # The redundant bound on the leading key lets the planner start its index scan at the cursor even when
    # the sort key spans a join (entry number, then line number), where the row comparison cannot.
    lead, _ = ordering[0]
    bound = Q(**{f"{lead}__{'lte' if before else 'gte'}": values[0]})
    return bound & Q(lookup(Tuple(*(F(field) for field, _ in ordering)), values))


def page_query(queryset: QuerySet, *, cursor: str | None, size: int) -> tuple[QuerySet, bool]:
    """The query for one page (with one row more, to know whether another page follows) and whether it
    reads backwards. Raises InvalidCursor."""
    ordering = _ordering(queryset)
    if not cursor:
        return queryset[: size + 1], False
    keys, direction = decode_cursor(cursor, len(ordering))
    backward = direction == "prev"
    page_qs = queryset.filter(_seek(queryset, ordering, keys, forward=not backward))
    if backward:
        page_qs = page_qs.reverse()
    return page_qs[: size + 1], backward


def estimate_rows(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of the number of rows (from the statistics, without reading them); None
    elsewhere."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def paginate(queryset: QuerySet, *, cursor: str | None, size: int) -> Page:
    """One page of `size` rows after/before `cursor` (None: the first page). Raises InvalidCursor."""
    ordering = _ordering(queryset)
    page_qs, backward = page_query(queryset, cursor=cursor, size=size)
    rows = list(page_qs)
    more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()
    plain = queryset.order_by().select_related(None).prefetch_related(None)
    estimate = None
    if not cursor and not more:
        count = len(rows)  # the whole set is on this page
    else:
        estimate = estimate_rows(plain)
        if estimate is not None and estimate > COUNT_CAP:
            count = estimate
        else:
            estimate = None
            count = plain[: COUNT_CAP + 1].count()

    def key_of(obj) -> list:
        return [_value(obj, field) for field, _ in ordering]

    has_next = more if not backward else True
    has_previous = bool(cursor) and (more if backward else True)
    return Page(
        items=rows,
        next_cursor=encode_cursor(key_of(rows[-1]), "next") if rows and has_next else None,
        previous_cursor=encode_cursor(key_of(rows[0]), "prev") if rows and has_previous else None,
        count=count if estimate else min(count, COUNT_CAP),
        count_is_lower_bound=not estimate and count > COUNT_CAP,
        count_is_estimate=bool(estimate),
    )
