"""pyotelcol: an OpenTelemetry Collector-compatible distribution written in Python."""

__version__ = "0.1.0"
