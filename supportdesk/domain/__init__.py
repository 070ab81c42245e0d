"""The rules engine: the support terms (§1-§12) as pure Python, no Django.

Modules: ``money`` (Decimal euros, one rounding rule), ``calendar`` (working time, §6),
``holidays_gr`` (Greek public holidays), ``sla`` (response targets, §4), ``tariff`` (the
versioned tariff, §3-§5, §7, §9), ``pricing`` (priced lines and statement totals),
``contract_years`` (contract years and renewals, §4), ``holds`` (the support hold, §11),
``ticket_status`` (which status follows which, open and clock-paused statuses), ``timers``
(a stopped timer's entry, §8), ``cli`` (the ``supportdesk-rules`` command). Every later
part of the product calls these; nothing else re-implements a rule.
"""
