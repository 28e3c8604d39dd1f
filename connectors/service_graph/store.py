"""The edge store: half-seen requests between two services, waiting for their other span.

An edge is keyed by trace id and the client's span id (a server span finds it through its parent
span id). It is complete once both its client and server service are known; it is then handed to
``on_complete`` and forgotten. Edges are kept in creation order and expire ``ttl`` after they
were created; :meth:`Store.expire` hands the expired ones to ``on_expire``. A store holding
``max_items`` edges refuses new ones (Go's ``ErrTooManyItems``): the span is dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

UNKNOWN = ""
MESSAGING_SYSTEM = "messaging_system"
DATABASE = "database"
VIRTUAL_NODE = "virtual_node"

CLIENT_VIRTUAL_NODE = "client"
SERVER_VIRTUAL_NODE = "server"

EMPTY_SPAN_ID = bytes(8)

Key = tuple[bytes, bytes]  # (trace id, span id of the client side)


@dataclass
class Edge:
    key: Key
    expiration: float  # monotonic seconds
    connection_type: str = UNKNOWN
    client_service: str = ""
    server_service: str = ""
    client_latency_sec: float = 0.0
    server_latency_sec: float = 0.0
    # Either span having status ERROR fails the edge.
    failed: bool = False
    # ``client_<dim>`` / ``server_<dim>`` -> value, in the order they were found
    dimensions: dict[str, str] = field(default_factory=dict)
    # The first configured peer attribute found on the client span, for a virtual server node.
    peer: dict[str, str] = field(default_factory=dict)
    virtual_node_label: str = ""

    @property
    def trace_id(self) -> bytes:
        return self.key[0]

    def span_id_is_empty(self) -> bool:
        return self.key[1] in (b"", EMPTY_SPAN_ID)

    def is_complete(self) -> bool:
        return bool(self.client_service) and bool(self.server_service)


Callback = Callable[[Edge], None]


class TooManyItemsError(Exception):
    def __init__(self) -> None:
        super().__init__("too many items")


class Store:
    def __init__(
        self,
        ttl: float,
        max_items: int,
        on_complete: Callback,
        on_expire: Callback,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._max_items = max_items
        self._on_complete = on_complete
        self._on_expire = on_expire
        self._clock = clock
        # dicts keep insertion order: the first entry is always the oldest (first to expire)
        self._edges: dict[Key, Edge] = {}

    def __len__(self) -> int:
        return len(self._edges)

    def upsert(self, key: Key, update: Callback) -> bool:
        """Apply ``update`` to the edge of ``key`` (created if new); True when it was created.

        Raises :class:`TooManyItemsError` when a new, incomplete edge does not fit.
        """
        edge = self._edges.get(key)
        if edge is not None:
            update(edge)
            if edge.is_complete():
                del self._edges[key]
                self._on_complete(edge)
            return False
        edge = Edge(key=key, expiration=self._clock() + self._ttl)
        update(edge)
        if edge.is_complete():  # e.g. a database call: one span is the whole edge
            self._on_complete(edge)
            return True
        if len(self._edges) >= self._max_items:
            raise TooManyItemsError()
        self._edges[key] = edge
        return True

    def expire(self) -> None:
        """Evict, oldest first, every edge past its expiration."""
        now = self._clock()
        while self._edges:
            key, edge = next(iter(self._edges.items()))
            if not now > edge.expiration:
                return
            del self._edges[key]
            self._on_expire(edge)
