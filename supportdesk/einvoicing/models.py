"""Models of supportdesk.einvoicing."""
