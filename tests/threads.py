"""Which threads a test left running: the check behind the leak guard in tests/conftest.py."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection

# Threads a test may leave behind that are not the product's, each known by the name its
# library gives it: pytest-timeout's timer, and "Dummy-N", the entry Python makes for a
# foreign thread that ran Python code (Qt's pool threads; tests/gui/conftest.py checks those
# through Qt). Every other thread, daemon or not, must be gone when the test ends: every
# product thread (send workers, lease keepers, the settle timer, the rules watcher, the
# receiver's pynetdicom threads) is a daemon, so a guard that skipped daemons saw none.
# Two product pools live as long as the process on purpose: "fsync-N", the few threads that
# fsync received files for every store of the process (rtstation/storage/archive.py), and
# "send-prefetch", the two that read the next file of every send ahead
# (rtstation/net/prefetch.py); they start once and are shared, so a test that stores or
# sends first sees them appear.
IGNORED_THREAD_PREFIXES = ("pytest_timeout", "Dummy-", "fsync-", "send-prefetch")

#: How long a test's threads get to finish after it ends (a released association's thread
#: needs a moment to notice the socket is closed).
JOIN_GRACE_SECONDS = 2.0


def threads_left(
    before: Collection[threading.Thread], grace: float = JOIN_GRACE_SECONDS
) -> list[threading.Thread]:
    """Threads alive now that were not in ``before``, daemon or not, after joining each
    for what is left of ``grace`` seconds; the known tool threads above are not counted."""

    def new() -> list[threading.Thread]:
        return [
            thread
            for thread in threading.enumerate()
            if thread not in before
            and thread.is_alive()
            and not thread.name.startswith(IGNORED_THREAD_PREFIXES)
        ]

    deadline = time.monotonic() + grace
    for thread in new():
        thread.join(max(0.0, deadline - time.monotonic()))
    return new()
