"""pyotelcol: an OpenTelemetry Collector-compatible distribution written in Python."""

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # The authoring decorators load the factories only when a component author uses them.
    if name in ("processor", "exporter", "receiver", "connector"):
        from . import authoring

        return getattr(authoring, name)
    raise AttributeError(f"module 'pyotelcol' has no attribute {name!r}")
