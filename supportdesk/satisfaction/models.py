"""Models of supportdesk.satisfaction."""
