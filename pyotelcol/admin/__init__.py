"""The opt-in admin endpoint: status page, live taps, reload (``--admin-endpoint``)."""

from .logbuffer import RecentLogs
from .server import AdminError, AdminServer
from .status import service_status
from .taps import Point, Tap, TapHub, TapPoint

__all__ = ["AdminError", "AdminServer", "Point", "RecentLogs", "Tap", "TapHub", "TapPoint", "service_status"]
