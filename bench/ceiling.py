"""The ceiling: a bare grpc.aio server and a bare aiohttp server that receive and discard.

    python ceiling.py --grpc-port P --http-port Q --status FILE

Same process model, event loop (uvloop) and server options as the sinks; no parsing, no
pipeline. What the load generator achieves against it is the best a Python gRPC / HTTP stack
does on this machine, and every scenario is reported as a ratio against it.
"""

from __future__ import annotations

import sys

import sinks

if __name__ == "__main__":
    sys.argv[1:1] = ["--mode", "ceiling"]
    sinks.main()
