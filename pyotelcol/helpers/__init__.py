"""Helpers shared by components (compression, HTTP server, receiver/exporter helpers)."""
