"""``pyotelcol tap``: print what passes a point of a running collector's graph, as OTLP JSON
lines (one request per line), through its admin endpoint. Not in the Go collector."""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

DEFAULT_ADMIN = "127.0.0.1:13200"
TOKEN_ENV = "PYOTELCOL_ADMIN_TOKEN"


def tap_url(admin: str, pipeline: str | None, component: str | None, signal: str | None, limit: int) -> str:
    query = {k: v for k, v in (("pipeline", pipeline), ("component", component), ("signal", signal)) if v}
    if limit:
        query["limit"] = str(limit)
    base = admin if admin.startswith(("http://", "https://")) else f"http://{admin}"
    return f"{base.rstrip('/')}/api/tap?{urllib.parse.urlencode(query)}"


def run_tap(
    admin: str = DEFAULT_ADMIN,
    pipeline: str | None = None,
    component: str | None = None,
    signal: str | None = None,
    limit: int = 0,
    out: Callable[[str], object] = sys.stdout.write,
) -> int:
    request = urllib.request.Request(tap_url(admin, pipeline, component, signal, limit))
    token = os.environ.get(TOKEN_ENV)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=None) as resp:
            print(f"tapping {resp.headers.get('X-Tap-Points', '')}", file=sys.stderr)
            for raw in resp:
                line = raw.strip()
                if line:  # blank lines are the server's keep-alives
                    out(line.decode() + "\n")
                    if hasattr(sys.stdout, "flush"):
                        sys.stdout.flush()
    except urllib.error.HTTPError as exc:
        body = exc.read().decode(errors="replace")
        try:
            doc = json.loads(body)
            message = doc.get("error", body)
            if doc.get("points"):
                message += "; points: " + ", ".join(doc["points"])
        except ValueError:
            message = body
        print(f"Error: {message}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"Error: cannot reach the admin endpoint {admin}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0
