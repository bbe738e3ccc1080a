"""A bounded pool for the route planner's searches, so that they never starve the service.

A plan may search for up to 30 s (``MAX_TIME_LIMIT_S``) on one of a worker's threads
(:data:`api.server.THREADS`).  At most ``LIANCHUANG_ROUTE_SLOTS`` searches run at once in
a worker (default: half its threads), so the other threads always answer the map, the API
and the health check; a plan that finds every slot taken waits a little, then answers 503
with ``Retry-After`` instead of queueing behind the others.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

from api.server import THREADS
from geo.errors import Unavailable

#: How long a plan waits for a slot before it is refused (seconds).
WAIT_S = 2.0
#: What a refused client is told to wait before trying again (seconds).
RETRY_AFTER_S = 10

_lock = threading.Lock()
_slots: threading.BoundedSemaphore | None = None
_size = 0


class PlannerBusy(Unavailable):
    """Every slot of the route planner is searching: try again shortly (503)."""

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(RETRY_AFTER_S)}


def slot_count() -> int:
    """Searches that may run at once in this process (``LIANCHUANG_ROUTE_SLOTS``)."""
    text = os.environ.get("LIANCHUANG_ROUTE_SLOTS", "")
    if text.strip().isdigit() and int(text) > 0:
        return int(text)
    return max(1, THREADS // 2)


@contextlib.contextmanager
def planning_slot() -> Iterator[None]:
    """Hold one of the planner's slots while the block runs, or raise :class:`PlannerBusy`."""
    global _slots, _size
    with _lock:
        if _slots is None or _size != slot_count():
            _size = slot_count()
            _slots = threading.BoundedSemaphore(_size)
        slots = _slots
    if not slots.acquire(timeout=WAIT_S):
        raise PlannerBusy(f"the route planner is busy with {_size} other plan(s); try again "
                          f"in {RETRY_AFTER_S} s (an admin can allow more at once with "
                          "LIANCHUANG_ROUTE_SLOTS)")
    try:
        yield
    finally:
        slots.release()
