"""Go's id batcher: trace IDs wait in a ring of per-tick batches until their decision tick.

A new trace goes into the current batch; each tick closes the current batch into the ring and
takes the oldest one, so with ``n`` batches (``decision_wait`` in whole seconds, at least 1) a
trace is decided ``n`` to ``n + 1`` one-second ticks after its first span.
"""

from __future__ import annotations

__all__ = ["Batcher"]


class Batcher:
    def __init__(self, num_batches: int) -> None:
        self.batches: list[set[bytes]] = [set() for _ in range(num_batches)]
        self.current: set[bytes] = set()
        self.take_id = 0
        self.last_batch_id: int | None = None

    def add(self, trace_id: bytes) -> int:
        """Adds to the current batch; returns the id of the batch the trace will be taken with."""
        self.current.add(trace_id)
        return self.take_id + len(self.batches)

    def move_earlier(self, trace_id: bytes, batch_id: int, batches_from_now: int) -> int:
        """Moves a trace to the batch ``batches_from_now`` ticks ahead if that is earlier."""
        proposed = self.take_id + batches_from_now
        if proposed >= batch_id:
            return batch_id
        self.remove(trace_id, batch_id)
        self.batches[proposed % len(self.batches)].add(trace_id)
        return proposed

    def remove(self, trace_id: bytes, batch_id: int) -> None:
        current_id = self.take_id + len(self.batches)
        if batch_id == current_id:
            self.current.discard(trace_id)
        elif self.take_id <= batch_id < current_id:
            self.batches[batch_id % len(self.batches)].discard(trace_id)

    def take(self) -> tuple[set[bytes], bool]:
        """Closes the current batch and takes the oldest; False once stopped and drained."""
        if self.last_batch_id is None or self.take_id < self.last_batch_id:
            index = self.take_id % len(self.batches)
            taken = self.batches[index]
            if self.last_batch_id is None:
                self.batches[index] = self.current
                self.current = set()
            else:
                self.batches[index] = set()
            self.take_id += 1
            return taken, True
        taken, self.current = self.current, set()
        return taken, False

    def stop(self) -> None:
        """No new batches from now: the remaining ones (and the current one) can be drained."""
        self.last_batch_id = self.take_id + len(self.batches)

    def __len__(self) -> int:
        return len(self.current) + sum(len(b) for b in self.batches)
