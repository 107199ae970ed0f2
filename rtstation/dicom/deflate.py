"""A deflated dataset is inflated only when what it inflates to is bounded.

pydicom reads a file in the Deflated Explicit VR Little Endian transfer syntax by inflating
the whole dataset into memory first. A 408 KB C-STORE of zeros inflated to 400 MB and
took the station from 63 to 884 MB of memory; a few at once are enough for the kernel's
out-of-memory killer. Before pydicom sees such a file, :func:`inflation_refusal` inflates
it as a stream, a megabyte at a time and thrown away, and stops at the first byte past
the limit: at most :data:`MAX_RATIO` times the compressed size (beyond
:data:`RATIO_FLOOR_BYTES`) and never more than :data:`MAX_INFLATED_BYTES`. DICOM data
deflates 2-20 times (a dose grid that is mostly zero more), so a real file is never near
the ratio; the same limits guard ZIP imports (``rtstation.storage.zip_limits``).
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

from pydicom.filereader import read_file_meta_info

from rtstation.dicom.integrity import dataset_offset

DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1.99"
_DEFLATED_BYTES = DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN.encode()
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 16 * 1024 * 1024
#: pydicom holds the inflated dataset in memory: far above any deflated plan or structure
#: set, far below what would threaten the station.
MAX_INFLATED_BYTES = 512 * 1024 * 1024
_STEP = 1024 * 1024
_MB = 1024 * 1024


def is_deflated(path: str | os.PathLike[str]) -> bool:
    """Whether the file's File Meta names the deflated transfer syntax.

    Every header read asks, so the answer starts with a look for the UID's bytes in the
    file's first 4 KB (the File Meta names its transfer syntax within the first few
    hundred bytes); only a file that has them is parsed.
    """
    try:
        with open(os.fspath(path), "rb") as f:
            if _DEFLATED_BYTES not in f.read(4096):
                return False
        meta = read_file_meta_info(os.fspath(path))
    except Exception:  # not Part 10, or a damaged meta: the reader reports that itself
        return False
    return str(getattr(meta, "TransferSyntaxUID", "") or "") == DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN


def inflation_refusal(path: str | os.PathLike[str]) -> str | None:
    """Why the deflated dataset of ``path`` must not be inflated, or None (also for a
    file that is not deflated, or whose stream is damaged: pydicom then says what is wrong)."""
    if not is_deflated(path):
        return None
    with open(Path(path), "rb") as f:
        offset = dataset_offset(f)
        compressed = f.seek(0, os.SEEK_END) - offset
        f.seek(offset)
        limit = min(MAX_INFLATED_BYTES, max(RATIO_FLOOR_BYTES, compressed * MAX_RATIO))
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        inflated = 0
        try:
            while chunk := f.read(_STEP):
                inflated += len(inflater.decompress(chunk, _STEP))
                while inflater.unconsumed_tail and inflated <= limit:
                    inflated += len(inflater.decompress(inflater.unconsumed_tail, _STEP))
                if inflated > limit:
                    return _reason(compressed, limit)
        except zlib.error:
            return None
    return None


def _reason(compressed: int, limit: int) -> str:
    return (
        f"its deflated dataset of {compressed:,} bytes inflates to more than {limit // _MB} MB "
        f"(the station inflates at most {MAX_RATIO} times the compressed size, and at most "
        f"{MAX_INFLATED_BYTES // _MB} MB): a deflate bomb, or too large to read"
    )
