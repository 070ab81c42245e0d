"""The knowledge base: articles per product and release, their search, and deflection at intake."""
