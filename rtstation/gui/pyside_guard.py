"""Work around a reference-count bug of PySide6 6.12.0 on CPython 3.11.

Measured in this project's venv (PySide6-Essentials 6.12.0, CPython 3.11.7): every call of
a PySide6 method that returns nothing (``label.setText``, ``timer.start``,
``QCoreApplication.processEvents``...) takes one reference from ``None`` without giving it
back. On Python 3.12 and later ``None`` is immortal and nothing happens; on 3.11 the count
reaches zero after some ten thousand calls and the interpreter aborts with "Fatal Python
error: none_dealloc: deallocating None". PySide6 6.11.3 does not have the bug. For a
station meant to run for months that is a certain crash, so until the dependency pin
excludes 6.12.0 (or the venv moves to Python 3.12+), the GUI makes the three singletons
effectively immortal, as CPython 3.12 does itself, and logs that it did.

The only thing this touches is the reference count of ``None``, ``True`` and ``False``,
objects that are never freed while the interpreter runs; adding references to them
cannot change any behaviour, whereas losing them aborts the process.
"""

from __future__ import annotations

import ctypes
import logging
import sys

LOGGER = logging.getLogger(__name__)

_AFFECTED_PYSIDE = ("6.12.0",)
_EXTRA_REFERENCES = 1 << 40
_applied = False


def needs_guard(pyside_version: str, python: tuple[int, int] = sys.version_info[:2]) -> bool:
    return pyside_version in _AFFECTED_PYSIDE and python < (3, 12)


def protect_singletons() -> bool:
    """Apply the workaround once if this PySide6/Python pair needs it; True if applied."""
    global _applied
    import PySide6

    if _applied or not needs_guard(PySide6.__version__):
        return _applied
    if hasattr(sys, "gettotalrefcount"):  # a debug build lays PyObject out differently
        LOGGER.warning(
            "PySide6 %s leaks references to None on this Python; debug build, not patched",
            PySide6.__version__,
        )
        return False
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every PyObject in a release build of CPython 3.11
        count = ctypes.c_ssize_t.from_address(id(singleton))
        count.value += _EXTRA_REFERENCES
    _applied = True
    LOGGER.warning(
        "PySide6 %s on Python %d.%d drops a reference to None on every call that returns "
        "nothing; None, True and False were made immortal to keep the station from "
        "aborting. Use PySide6 6.11.x or Python 3.12+ to avoid this.",
        PySide6.__version__,
        *sys.version_info[:2],
    )
    return True
