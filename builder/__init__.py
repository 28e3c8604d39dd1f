"""The builder (a separate issue)."""
