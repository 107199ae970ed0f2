"""The catalogue's entries for storing: import rejections, folder imports, refusals of
received instances, and numbers inside those sentences (``core_phrases`` appends them
after its own, so the order of first match is kept)."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP

from rtstation.gui.core_phrase_entry import _N, _V, Entry, _entry

STORAGE_ENTRIES: tuple[Entry, ...] = (
    # -- import rejections (dicom/headers.py, storage/ingest.py)
    _entry(r"empty file \(0 bytes\)", QT_TRANSLATE_NOOP("CoreText", "empty file (0 bytes)")),
    _entry(r"permission denied", QT_TRANSLATE_NOOP("CoreText", "permission denied")),
    _entry(r"cannot be read \((.+)\)", QT_TRANSLATE_NOOP("CoreText", "cannot be read (%1)")),
    _entry(
        r"damaged or truncated DICOM file \((.+)\)",
        QT_TRANSLATE_NOOP("CoreText", "damaged or truncated DICOM file (%1)"),
    ),
    _entry(
        r"damaged or truncated DICOM file",
        QT_TRANSLATE_NOOP("CoreText", "damaged or truncated DICOM file"),
    ),
    _entry(
        r"not a DICOM file \(no DICM preamble and no SOP Class UID\)",
        QT_TRANSLATE_NOOP("CoreText", "not a DICOM file (no DICM preamble and no SOP Class UID)"),
    ),
    _entry(
        r"not a DICOM file \(no DICM preamble and no SOP UIDs\)",
        QT_TRANSLATE_NOOP("CoreText", "not a DICOM file (no DICM preamble and no SOP UIDs)"),
    ),
    _entry(r"not a DICOM file \((.+)\)", QT_TRANSLATE_NOOP("CoreText", "not a DICOM file (%1)")),
    _entry(r"not a DICOM file", QT_TRANSLATE_NOOP("CoreText", "not a DICOM file")),
    _entry(
        r"no SOP Instance UID \(0008,0018\): cannot be identified",
        QT_TRANSLATE_NOOP("CoreText", "no SOP Instance UID (0008,0018): cannot be identified"),
    ),
    _entry(
        r"no SOP Class UID \(0008,0016\): cannot tell what it is",
        QT_TRANSLATE_NOOP("CoreText", "no SOP Class UID (0008,0016): cannot tell what it is"),
    ),
    _entry(
        r"a DICOMDIR \(media index\), not an instance",
        QT_TRANSLATE_NOOP("CoreText", "a DICOMDIR (media index), not an instance"),
    ),
    _entry(
        r"the dataset has no SOP Instance UID \(0008,0018\) \(its File Meta names one, but a "
        r"dataset must carry its own to be stored or forwarded\)",
        QT_TRANSLATE_NOOP(
            "CoreText",
            "the dataset has no SOP Instance UID (0008,0018) (its File Meta names one, but a "
            "dataset must carry its own to be stored or forwarded)",
        ),
    ),
    _entry(
        r"the dataset has no SOP Class UID \(0008,0016\) \(its File Meta names one, but a "
        r"dataset must carry its own to be stored or forwarded\)",
        QT_TRANSLATE_NOOP(
            "CoreText",
            "the dataset has no SOP Class UID (0008,0016) (its File Meta names one, but a "
            "dataset must carry its own to be stored or forwarded)",
        ),
    ),
    _entry(
        rf"its deflated dataset of ([\d,]+) bytes inflates to more than {_N} MB \(the station "
        rf"inflates at most {_N} times the compressed size, and at most {_N} MB\): a deflate "
        r"bomb, or too large to read",
        QT_TRANSLATE_NOOP(
            "CoreText",
            "its deflated dataset of %1 bytes inflates to more than %2 MB (the station "
            "inflates at most %3 times the compressed size, and at most %4 MB): a deflate "
            "bomb, or too large to read",
        ),
        1,
    ),
    _entry(
        rf"its SOP Instance UID {_V} belongs to another object \(a stored {_V} of patient "
        rf"{_V}, this one a {_V} of patient {_V}\): refused, the stored copy is kept",
        QT_TRANSLATE_NOOP(
            "CoreText",
            "its SOP Instance UID %1 belongs to another object (a stored %2 of patient %3, "
            "this one a %4 of patient %5): refused, the stored copy is kept",
        ),
        2,
        4,
    ),
    # what _refuse_collision names an object without a modality
    _entry(r"instance", QT_TRANSLATE_NOOP("CoreText", "instance")),
    _entry(r"another kind", QT_TRANSLATE_NOOP("CoreText", "another kind")),
    # -- folder imports (storage/importer.py)
    _entry(
        r"cannot be read \((.+)\); nothing in it was imported",
        QT_TRANSLATE_NOOP("CoreText", "cannot be read (%1); nothing in it was imported"),
    ),
    _entry(
        r"is a link to a folder \((.+)\); linked folders are not followed: import the target "
        r"itself",
        QT_TRANSLATE_NOOP(
            "CoreText",
            "is a link to a folder (%1); linked folders are not followed: import the target itself",
        ),
    ),
    # -- refusals of received instances (net/conformance.py, net/spool.py,
    #    station/receiving.py; the GUI shows them without their "(answered 0x....)")
    _entry(r"the data cannot be read", QT_TRANSLATE_NOOP("CoreText", "the data cannot be read")),
    _entry(
        r"the dataset cannot be read \((.+)\)",
        QT_TRANSLATE_NOOP("CoreText", "the dataset cannot be read (%1)"),
    ),
    _entry(
        r"element \(([0-9A-F]{4},[0-9A-F]{4})\) has an invalid VR; the dataset cannot be read "
        r"beyond it",
        QT_TRANSLATE_NOOP(
            "CoreText",
            "element (%1) has an invalid VR; the dataset cannot be read beyond it",
        ),
    ),
    _entry(
        r"the dataset begins with the File Meta element \((0002,[0-9A-F]{4})\): group 0002 "
        r"belongs in the File Meta, not in a C-STORE's dataset \(a reader would take it for "
        r"the file's own and misread the rest\)",
        QT_TRANSLATE_NOOP(
            "CoreText",
            "the dataset begins with the File Meta element (%1): group 0002 belongs in the "
            "File Meta, not in a C-STORE's dataset (a reader would take it for the file's own "
            "and misread the rest)",
        ),
    ),
    _entry(
        r"the dataset has no SOP Instance UID \(0008,0018\)",
        QT_TRANSLATE_NOOP("CoreText", "the dataset has no SOP Instance UID (0008,0018)"),
    ),
    _entry(
        r"the dataset has no SOP Class UID \(0008,0016\)",
        QT_TRANSLATE_NOOP("CoreText", "the dataset has no SOP Class UID (0008,0016)"),
    ),
    _entry(
        r"the dataset's SOP Instance UID '(.+?)' is not the request's Affected SOP Instance "
        r"UID '(.+)'",
        QT_TRANSLATE_NOOP(
            "CoreText",
            "the dataset's SOP Instance UID '%1' is not the request's Affected SOP Instance "
            "UID '%2'",
        ),
    ),
    _entry(
        r"the dataset is of SOP class '(.+?)' but was sent on a presentation context for "
        r"'(.+)'",
        QT_TRANSLATE_NOOP(
            "CoreText",
            "the dataset is of SOP class '%1' but was sent on a presentation context for '%2'",
        ),
    ),
    _entry(
        r"the dataset is of SOP class '(.+?)' but the request names '(.+)'",
        QT_TRANSLATE_NOOP(
            "CoreText", "the dataset is of SOP class '%1' but the request names '%2'"
        ),
    ),
    _entry(
        r"the dataset has Pixel Data but no usable Rows, Columns or Bits Allocated",
        QT_TRANSLATE_NOOP(
            "CoreText", "the dataset has Pixel Data but no usable Rows, Columns or Bits Allocated"
        ),
    ),
    _entry(
        rf"its Pixel Data holds {_N} bytes, but {_N} rows x {_N} columns x {_N} sample\(s\) x "
        rf"{_N} frame\(s\) x {_N} bits need {_N}",
        QT_TRANSLATE_NOOP(
            "CoreText",
            "its Pixel Data holds %1 bytes, but %2 rows x %3 columns x %4 sample(s) x "
            "%5 frame(s) x %6 bits need %7",
        ),
    ),
    _entry(
        r"writing it would take the storage folder's free space below the configured floor "
        rf"\(min_free_space_mb\); {_N} MB are left above it",
        QT_TRANSLATE_NOOP(
            "CoreText",
            "writing it would take the storage folder's free space below the configured floor "
            "(min_free_space_mb); %1 MB are left above it",
        ),
    ),
    _entry(
        r"the storage folder accepted no more bytes",
        QT_TRANSLATE_NOOP("CoreText", "the storage folder accepted no more bytes"),
    ),
    _entry(
        r"the storage folder is full \((.+)\)",
        QT_TRANSLATE_NOOP("CoreText", "the storage folder is full (%1)"),
    ),
    _entry(
        r"the station's database or disk failed \((.+)\); the sender may retry",
        QT_TRANSLATE_NOOP(
            "CoreText", "the station's database or disk failed (%1); the sender may retry"
        ),
    ),
    _entry(r"unexpected error: (.+)", QT_TRANSLATE_NOOP("CoreText", "unexpected error: %1")),
    # -- numbers inside a sentence (nested groups): "408,312" and "0.1" in German notation
    _entry(r"(\d{1,3}),(\d{3})", QT_TRANSLATE_NOOP("CoreText", "%1,%2")),
    _entry(r"(\d{1,3}),(\d{3}),(\d{3})", QT_TRANSLATE_NOOP("CoreText", "%1,%2,%3")),
    _entry(r"(\d{1,3}),(\d{3}),(\d{3}),(\d{3})", QT_TRANSLATE_NOOP("CoreText", "%1,%2,%3,%4")),
    _entry(r"(\d+)\.(\d+)", QT_TRANSLATE_NOOP("CoreText", "%1.%2")),
)
