"""Making a rename or a new folder durable: fsync of the folder that holds it.

``os.fsync`` of a file makes its bytes safe, but the entry that names it lives in its
folder, which has to be fsynced as well, or a power cut can leave the old name (or no name)
behind after ``os.replace``. The same holds for a new folder: its entry is in its parent.
The receiver's storage and the configuration's atomic save both rely on these helpers.
"""

from __future__ import annotations

import os
from pathlib import Path


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


def make_dirs_durably(path: str | os.PathLike[str]) -> None:
    """``mkdir -p path`` whose new folders survive power loss (each parent is fsynced).

    Folders that exist already cost one ``stat``; only a new patient, study or series
    folder adds an fsync per level created.
    """
    folder = Path(path)
    missing: list[Path] = []
    while not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        new.mkdir(exist_ok=True)  # another thread may create it at the same moment
    for new in reversed(missing):
        fsync_dir(new.parent)
