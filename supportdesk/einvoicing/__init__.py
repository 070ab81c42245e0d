"""Statements become e-invoices: drafts, myDATA and EN 16931 exports, the provider hand-off."""
