"""Making a rename or a new file durable: fsync of the folder that holds it.

``os.replace`` and ``os.fsync`` of a file make its bytes safe, but the folder entry that
names it lives in the folder, which has to be fsynced as well, or a power cut can leave
the old name (or no name) behind. The receiver's storage and the configuration's atomic
save both rely on this one helper.
"""

from __future__ import annotations

import os


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """Flush the entries of folder ``path`` to disk, so a rename into it survives power loss.

    Where folders cannot be opened or fsynced (Windows, some network file systems) this
    does nothing: there the file system gives no stronger promise to ask for.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
