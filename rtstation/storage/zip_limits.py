"""How far a ZIP may expand when it is imported, checked before anything is extracted.

A 1 MB ZIP with a 1 GiB member was once extracted whole with no size or free-space check.
The ZIP's directory says what each member expands to, so :func:`zip_refusal` refuses a
member that expands more than a deflated DICOM dataset may (the same limit as the
receiver's, :mod:`rtstation.dicom.deflate`), a ZIP larger in all than any bundle, and a
ZIP that does not fit above the storage's free-space floor.
"""

from __future__ import annotations

import shutil
import zipfile

from rtstation.dicom.deflate import MAX_RATIO, RATIO_FLOOR_BYTES
from rtstation.storage.archive import DurableStore

#: A ZIP member may expand at most this many times its compressed size (when it is larger
#: than :data:`ZIP_RATIO_FLOOR_BYTES`). DICOM deflates 2-20 times (a dose grid that is
#: mostly zero more); a single deflate bomb reaches about 1,000.
ZIP_MAX_RATIO = MAX_RATIO
#: Members smaller than this may compress as well as they like (a blank mask, a tiny text).
ZIP_RATIO_FLOOR_BYTES = RATIO_FLOOR_BYTES
#: What one ZIP may expand to in all (far above any plan bundle, 2,000 CT slices are 1 GB).
ZIP_MAX_TOTAL_BYTES = 64 * 1024**3

_MIB = 1024 * 1024


def zip_refusal(zf: zipfile.ZipFile, store: DurableStore) -> str:
    """Why nothing of this ZIP is extracted (a bomb, too large, no room), or "".

    Read from the ZIP's directory only, before anything is written.
    """
    members = [info for info in zf.infolist() if not info.is_dir()]
    for info in members:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > ZIP_RATIO_FLOOR_BYTES and ratio > ZIP_MAX_RATIO:
            return (
                f"member '{info.filename}' would expand {ratio:.0f} times, from "
                f"{info.compress_size / _MIB:.1f} MB to {info.file_size / _MIB:.0f} MB; a ZIP "
                f"member larger than {ZIP_RATIO_FLOOR_BYTES // _MIB} MB may expand at most "
                f"{ZIP_MAX_RATIO} times (this looks like a ZIP bomb): nothing was extracted"
            )
    total = sum(info.file_size for info in members)
    if total > ZIP_MAX_TOTAL_BYTES:
        return (
            f"its members add up to {total / _MIB:.0f} MB, more than the "
            f"{ZIP_MAX_TOTAL_BYTES // _MIB} MB one ZIP may expand to: nothing was extracted"
        )
    room = shutil.disk_usage(store.root).free - store.min_free_bytes
    if total > room:
        return (
            f"its members add up to {total / _MIB:.0f} MB, more than the "
            f"{max(room, 0) / _MIB:.0f} MB free above the floor in storage folder "
            f"'{store.root}': nothing was extracted; free some space and import it again"
        )
    return ""
