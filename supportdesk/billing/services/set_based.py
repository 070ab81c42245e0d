"""The billing run's PostgreSQL fast path: a batch's work lines built and written in SQL.

``statements._bill_customers`` decides everything a statement holds (the §10 holds, the
agreed amounts, the expenses, the numbers, the totals); this module only moves the work
entries' part of it from Python into the database, where no entry crosses the wire.
``statements._work_lines`` is the definition, followed here clause by clause: per entry
one line per (group, VAT rate) of its stored pricing snapshot (groups: surcharge, flat
fee, work), the snapshot's amounts summed, never priced again; the first non-surcharge
line names the entry; every line of the entry carries the same data (its times, the
technician, the rate of the last snapshot line that has one, the minutes by kind). The
two paths give identical statements (``billing/tests/test_set_based_run.py``).

Per batch, inside the batch's transaction and under its customers' locks:

1. ``work_to_bill``: how many entries each customer has to bill and who worked them (one
   read; the statements are made for these customers before their lines);
2. ``claim_and_write``: one statement that claims those entries (``UPDATE ... SET
   locked_at ... RETURNING``), makes their lines, adds the few lines made in Python (the
   agreed amounts and expenses), numbers them all by their place on the statement
   (request; within it the agreed amounts, the work by start, the expenses by day) and
   inserts them; it returns each customer's net per VAT rate, for the one totals function
   (``statements._set_totals`` / ``domain.pricing.statement_totals``), and how many
   entries it claimed;
3. ``issue``: once numbered and totalled, the statements are written in one ``UPDATE``.

Every value is bound; the table names come from the models' meta.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from django.db import connection

from supportdesk.billing.models import Statement, StatementLine
from supportdesk.tickets.models import Ticket
from supportdesk.worklog.models import WorkEntry

# The entries ``statements._unbilled_entries`` finds for the batch's customers; on an
# out-of-scope request only those the §10 check let through (``allowed``). The requests'
# ids are given too (``tickets_of``): the planner then reads the entries by the request
# index, in page order, rather than scanning the table once per batch.
_TO_BILL = """
    t.id = e.ticket_id AND t.customer_id = ANY(%(customers)s::bigint[])
    AND e.ticket_id = ANY(%(tickets)s::bigint[])
    AND e.locked_at IS NULL
    AND ((e.started_at >= %(start)s AND e.started_at < %(end)s)
         OR (e.ticket_id = ANY(%(agreed_earlier)s::bigint[]) AND e.started_at < %(start)s))
    AND (t.category <> ALL(%(out_of_scope)s::text[]) OR e.id = ANY(%(allowed)s::bigint[]))
"""

# A Python truth test of a JSON value (``if line.get("rate_per_hour")``).
_TRUTHY = ("l->'rate_per_hour' IS NOT NULL AND l->'rate_per_hour' NOT IN "
           "('null'::jsonb, 'false'::jsonb, '0'::jsonb, '\"\"'::jsonb, '[]'::jsonb, "
           "'{}'::jsonb)")
# ``datetime.isoformat()`` of an aware datetime in UTC (as the driver returns them).
_ISO = ("to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
        "date_trunc('second', {0}) = {0} THEN '' ELSE to_char({0} AT TIME ZONE 'UTC', "
        "'.US') END || '+00:00'")
_SNAPSHOT_LINES = ("jsonb_array_elements(CASE WHEN jsonb_typeof(c.pricing->'lines') = 'array' "
                   "THEN c.pricing->'lines' ELSE '[]'::jsonb END) WITH ORDINALITY AS x(l, ord)")
_MINUTES = "coalesce((l->>'minutes')::int, 0)"
_DRAWN = "coalesce((l->>'drawn_minutes')::int, 0)"
# Python compares str by code point: so does the "C" collation (UTF-8 bytes).
_LINE_ORDER = ('ticket_id, sort_group, sort_at, sort_id, sort_kind COLLATE "C", '
               'sort_vat COLLATE "C"')
_COLUMNS = ("customer_id bigint, ticket_id bigint, sort_group smallint, sort_at timestamptz, "
            "sort_id bigint, sort_kind text, sort_vat text, kind text, work_entry_id bigint, "
            "expense_id bigint, quote_id bigint, description text, data jsonb, channel text, "
            "minutes integer, net_amount numeric, vat_rate text")
_NAMES = ", ".join(column.split()[0] for column in _COLUMNS.split(", "))


def _sql() -> str:
    entries, tickets = WorkEntry._meta.db_table, Ticket._meta.db_table
    lines = StatementLine._meta.db_table
    started, ended = _ISO.format("c.started_at"), _ISO.format("c.ended_at")
    return f"""
WITH claimed AS (
    UPDATE {entries} AS e SET locked_at = %(now)s
    FROM {tickets} AS t
    WHERE {_TO_BILL}
    RETURNING e.id, e.ticket_id, t.customer_id, t.subject, e.channel, e.started_at,
              e.ended_at, e.duration_minutes, e.out_of_hours_minutes, e.is_emergency,
              e.technician_id, e.pricing
), snapshot_lines AS (
    SELECT c.id, x.ord, x.l, x.l->>'kind' AS line_kind,
           CASE x.l->>'kind' WHEN 'surcharge' THEN 'surcharge' WHEN 'flat_fee' THEN 'flat_fee'
                ELSE 'work' END AS grp,
           x.l->>'vat_rate' AS vat
    FROM claimed AS c, {_SNAPSHOT_LINES}
), groups AS (
    SELECT id, grp, vat, sum((l->>'amount')::numeric) AS amount, sum({_MINUTES}) AS minutes,
           sum({_MINUTES}) FILTER (WHERE line_kind = 'included') AS included,
           sum({_DRAWN}) FILTER (WHERE line_kind = 'allowance') AS allowance,
           sum({_DRAWN}) FILTER (WHERE line_kind = 'bank') AS bank,
           sum({_MINUTES}) FILTER (WHERE line_kind = 'billed') AS billed,
           sum({_MINUTES}) FILTER (WHERE line_kind = 'agreed') AS agreed,
           max(ord) FILTER (WHERE {_TRUTHY}) AS rate_line
    FROM snapshot_lines GROUP BY id, grp, vat
), entry AS (
    -- the entry's own figures, beside each of its groups
    SELECT g.*, coalesce(sum(included) OVER e, 0) AS entry_included,
           coalesce(sum(allowance) OVER e, 0) AS entry_allowance,
           coalesce(sum(bank) OVER e, 0) AS entry_bank,
           coalesce(sum(billed) OVER e, 0) AS entry_billed,
           coalesce(sum(agreed) OVER e, 0) AS entry_agreed,
           max(rate_line) OVER e AS entry_rate_line,
           -- the first (group, VAT rate) in order that is not a surcharge names the entry
           min((grp || ' ' || vat) COLLATE "C") FILTER (WHERE grp <> 'surcharge') OVER e
               AS names
    FROM groups AS g WINDOW e AS (PARTITION BY id)
), work AS (
    SELECT c.customer_id, c.ticket_id, 1 AS sort_group, c.started_at AS sort_at,
           c.id AS sort_id, g.grp AS sort_kind, g.vat AS sort_vat,
           CASE g.grp WHEN 'surcharge' THEN %(surcharge)s WHEN 'flat_fee' THEN %(flat_fee)s
                ELSE %(work)s END AS kind,
           CASE WHEN g.grp || ' ' || g.vat = g.names THEN c.id END AS work_entry_id,
           NULL::bigint AS expense_id, NULL::bigint AS quote_id,
           left('#' || CASE WHEN c.ticket_id >= 100000 THEN c.ticket_id::text
                            ELSE lpad(c.ticket_id::text, 6, '0') END
                || ' ' || c.subject, 300) AS description,
           jsonb_build_object(
               'entry', c.id, 'started_at', {started}, 'ended_at', {ended},
               'duration', c.duration_minutes, 'out_of_hours', c.out_of_hours_minutes,
               'emergency', c.is_emergency,
               'technician', %(technicians)s::jsonb -> c.technician_id::text,
               'rate', c.pricing->'lines'->(g.entry_rate_line::int - 1)->'rate_per_hour',
               'tier', c.pricing->'tier', 'included', g.entry_included,
               'allowance', g.entry_allowance, 'bank', g.entry_bank,
               'billed', g.entry_billed, 'agreed', g.entry_agreed) AS data,
           c.channel,
           CASE WHEN g.grp = 'surcharge' THEN c.out_of_hours_minutes ELSE g.minutes END
               AS minutes,
           g.amount AS net_amount, g.vat AS vat_rate
    FROM claimed AS c JOIN entry AS g ON g.id = c.id
), numbered AS (
    SELECT s.statement_id, row_number() OVER (
               PARTITION BY l.customer_id ORDER BY {_LINE_ORDER}) AS position, l.*
    FROM (SELECT * FROM work
          UNION ALL
          SELECT {_NAMES} FROM jsonb_to_recordset(%(extra)s::jsonb) AS r({_COLUMNS})) AS l
    JOIN unnest(%(customers_billed)s::bigint[], %(statements)s::bigint[])
         AS s(customer_id, statement_id) ON s.customer_id = l.customer_id
), written AS (
    INSERT INTO {lines} (statement_id, position, kind, ticket_id, work_entry_id, expense_id,
                         quote_id, reverses_id, credited_at, description, data, channel,
                         minutes, net_amount, vat_rate)
    SELECT statement_id, position, kind, ticket_id, work_entry_id, expense_id, quote_id,
           NULL, NULL, description, data, channel, minutes, net_amount, vat_rate::numeric
    FROM numbered
)
SELECT customer_id, vat_rate, sum(net_amount), min(position) FROM numbered
GROUP BY customer_id, vat_rate
UNION ALL
SELECT NULL, NULL, NULL, count(*) FROM claimed
ORDER BY 1, 4
"""  # noqa: S608  # nosec B608


def _plain(value):
    """JSON for the values sent to the database: datetimes whole (to the microsecond, which
    DjangoJSONEncoder cuts to milliseconds), dates, and amounts as strings."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def tickets_of(customer_ids: list[int]) -> list[int]:
    """The ids of the customers' requests (read under their locks: no entry can be added
    to a request made later while they are held)."""
    return list(Ticket.objects.filter(customer_id__in=customer_ids).order_by("pk")
                .values_list("pk", flat=True))


def _params(*, customer_ids: list[int], tickets: list[int], start: datetime, end: datetime,
            agreed_earlier: list[int], allowed: list[int]) -> dict:
    return {"customers": customer_ids, "tickets": tickets, "start": start, "end": end,
            "agreed_earlier": agreed_earlier, "allowed": allowed,
            "out_of_scope": sorted(str(x) for x in Ticket.OUT_OF_SCOPE_CATEGORIES)}


def work_to_bill(*, customer_ids: list[int], tickets: list[int], start: datetime,
                 end: datetime, agreed_earlier: list[int], allowed: list[int]
                 ) -> tuple[dict[int, int], set[int]]:
    """({customer id: entries to bill}, the ids of their technicians)."""
    sql = (f"SELECT t.customer_id, count(*), array_agg(DISTINCT e.technician_id) "  # noqa: S608  # nosec B608
           f"FROM {WorkEntry._meta.db_table} AS e, {Ticket._meta.db_table} AS t "
           f"WHERE {_TO_BILL} GROUP BY 1")
    counts: dict[int, int] = {}
    technicians: set[int] = set()
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(customer_ids=customer_ids, tickets=tickets, start=start,
                                    end=end, agreed_earlier=agreed_earlier, allowed=allowed))
        for customer_id, count, technician_ids in cursor.fetchall():
            counts[customer_id] = count
            technicians.update(technician_ids)
    return counts, technicians


def claim_and_write(*, customer_ids: list[int], tickets: list[int], start: datetime,
                    end: datetime, agreed_earlier: list[int], allowed: list[int], now: datetime,
                    statement_of: dict[int, int], technicians: dict[int, str],
                    extra: list[tuple]) -> tuple[dict[int, list[tuple[Decimal, Decimal]]], int]:
    """Claim the entries ``work_to_bill`` counted (``locked_at = now``) and write their
    lines, and the ``extra`` ones, into the customers' draft statements (``statement_of``).

    ``extra``: lines made in Python, ``(customer_id, sort_group, sort_at, sort_id, line)``
    with ``line`` a ``statements._RunLine``. Returns (per customer its ``(net, VAT rate)``
    per rate as the lines spell it, in the order the rates first appear on the statement:
    the totals function keeps a rate's first spelling, as when given the lines one by one;
    the number of entries claimed).
    """
    payload = json.dumps([
        {"customer_id": customer_id, "ticket_id": line.ticket_id, "sort_group": group,
         "sort_at": sort_at, "sort_id": sort_id, "kind": line.kind,
         "work_entry_id": line.work_entry_id, "expense_id": line.expense_id,
         "quote_id": line.quote_id, "description": line.description, "data": line.data,
         "channel": line.channel, "minutes": line.minutes,
         "net_amount": str(line.net_amount), "vat_rate": str(line.vat_rate)}
        for customer_id, group, sort_at, sort_id, line in extra], default=_plain)
    customers = list(statement_of)
    params = _params(customer_ids=customer_ids, tickets=tickets, start=start, end=end,
                     agreed_earlier=agreed_earlier, allowed=allowed)
    params.update({
        "now": now, "surcharge": StatementLine.Kind.SURCHARGE.value,
        "flat_fee": StatementLine.Kind.FLAT_FEE.value, "work": StatementLine.Kind.WORK.value,
        "technicians": json.dumps({str(k): v for k, v in technicians.items()}),
        "extra": payload, "customers_billed": customers,
        "statements": [statement_of[c] for c in customers]})
    nets: dict[int, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    claimed = 0
    with connection.cursor() as cursor:
        cursor.execute(_sql(), params)
        for customer_id, rate, net, count in cursor.fetchall():
            if customer_id is None:
                claimed = count
            else:
                nets[customer_id].append((net, Decimal(rate)))
    return nets, claimed


# What issuing a drafted statement sets (``statements._set_totals`` and the number).
_ISSUED = ("number integer, status text, year smallint, net_total numeric, vat_total numeric, "
           "total numeric, vat_breakdown jsonb, issued_at timestamptz, due_on date, "
           "paid_at timestamptz, created_by_id bigint")


def issue(statements: list) -> None:
    """Write the numbers, totals and status of the batch's drafted ``statements`` (model
    instances, filled in) in one ``UPDATE`` (the ORM's ``bulk_update`` builds a CASE per
    field and row: seconds of Python for a batch)."""
    table = Statement._meta.db_table
    names = [column.split()[0] for column in _ISSUED.split(", ")]
    payload = json.dumps([{"id": s.pk, **{name: getattr(s, name) for name in names}}
                          for s in statements], default=_plain)
    sql = f"""
UPDATE {table} AS s SET {", ".join(f"{name} = r.{name}" for name in names)}
FROM jsonb_to_recordset(%s::jsonb) AS r(id bigint, {_ISSUED})
WHERE s.id = r.id
"""  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, [payload])
        if cursor.rowcount != len(statements):
            raise RuntimeError("statements changed during the billing run")
