"""The ``pyotelcol`` command line."""

import os

# grpcio's C core writes its own lines to stderr (``E1204 12:00:00.000 123 add_port.cc:83] Failed
# to add port ...``), unlike every other line the collector prints; the collector reports what
# matters there itself (a taken port fails the start with a clean error). Set before grpc is
# imported, and only when the user has not chosen a verbosity (empty counts as not chosen).
if not os.environ.get("GRPC_VERBOSITY"):
    os.environ["GRPC_VERBOSITY"] = "NONE"
