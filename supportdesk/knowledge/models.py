"""Models of supportdesk.knowledge."""
