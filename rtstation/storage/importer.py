"""Folder and ZIP import: old exports dragged in, the configured import folder processed.

Every file goes through the same :class:`Ingestor` a network receive uses, with the source
``IMPORT_FOLDER`` (what rules.ini uses to match imports). ``clear`` deletes a source file
only after it is safely stored (or known to be a duplicate); files that were rejected stay
where they are, so nothing a physicist dropped in is lost.

What an import never does, whatever it is handed (a drag of the wrong folder, ``rtstation
import --clear`` with a parent of the storage):

* **Delete from the station's own folders.** The caller names them (``protected``: the
  configuration, data and log folders; the storage folder is always protected). A path
  given to import that is one of them or holds one, or lies anywhere in the storage, is
  imported but never cleared, and the report says why in one sentence. A folder inside the
  data folder (the default import folder is one) may be cleared: the catalog is not in it.
  Settings validation refuses such an import folder already
  (``rtstation.config.validation``); this is the last line of defence.
* **Read the storage as new input.** The storage folder is left out of the walk: it holds
  files being received (``.incoming``) and machine-mapped copies (``.derived``) that would
  replace the originals. A path inside it imports nothing (``rtstation reindex`` indexes
  files put there by hand). ``send PATH`` may name stored files (``read_storage``); the
  two working folders stay out even then.
* **Open what is not a regular file.** A named pipe blocks a reader for ever, a device
  never ends; FIFOs, sockets and devices are skipped with the reason.
* **Follow a link to a folder.** A linked folder may loop back into the tree or reach far
  outside what the user dragged in (and, with clear, delete there); it is rejected with
  its target, to be imported itself if it is wanted. A linked *file* is imported.
* **Skip anything in silence.** A folder that cannot be listed (no permission) is
  rejected with the reason, like a file: an import that says "0 rejected" has looked at
  everything under its paths, so clearing what is left loses nothing unseen.

Rejected files and folders are named by their path below the path the user gave (a file
directly in it, or named itself, by its name; a ZIP's member by the ZIP's name, a colon
and the member's path), so that a recursive import's report tells them apart.
* **Extract a ZIP bomb.** A ZIP's directory is checked before anything is extracted
  (:mod:`rtstation.storage.zip_limits`): a member that expands more than a deflated DICOM
  dataset may, or members adding up to more than one ZIP's limit or to more than the
  storage's free space above the floor, reject the whole ZIP. The declared sizes bound
  what extraction writes: ``zipfile`` stops at a member's declared size and fails its
  CRC check if the data differ.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import stat
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rtstation.config import folders_overlap
from rtstation.errors import DicomReadError, StorageError
from rtstation.storage.ingest import IMPORT_SOURCE, Ingestor, IngestResult
from rtstation.storage.layout import DERIVED_DIR, INCOMING_DIR
from rtstation.storage.zip_limits import zip_refusal

LOGGER = logging.getLogger(__name__)

ImportProgress = Callable[[int, int, str], None]  # done, total, current name


_NOT_REGULAR = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


@dataclass(frozen=True)
class ProtectedFolder:
    """A folder of the station's own that an import never clears.

    ``what`` names it in messages ("data folder"). The folder itself and every folder
    holding it are never cleared; with ``inside_too`` (the storage) neither is anything
    inside it. ``read`` False: the import does not even look into it (the storage's
    files being received and its machine-mapped copies, and for an import the storage).
    """

    what: str
    path: str
    inside_too: bool = False
    read: bool = True
    #: Say so when the walk leaves it out (the storage's working folders go unmentioned).
    announce: bool = True


@dataclass
class ImportReport:
    """What an import did, for the summary a physicist reads.

    ``notes`` are sentences about the import as a whole (a clear that was refused, a
    folder of the station's own that was left out); the station shows them as problems.
    """

    stored: int = 0
    duplicates: int = 0
    replaced: int = 0
    #: (file, reason); a file is named by its path below the import's root, a folder the
    #: walk could not enter (unreadable, a link) the same way with a trailing separator.
    rejected: list[tuple[str, str]] = field(default_factory=list)
    cleared: int = 0
    cancelled: bool = False
    results: list[IngestResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Called with every stored file before its source may be removed; False keeps the
    #: source (what the station owes a stored plan could not be recorded).
    on_result: Callable[[IngestResult], bool] | None = field(default=None, repr=False)

    @property
    def patient_ids(self) -> set[str]:
        ids = {r.header.patient_id for r in self.results}
        return ids | {r.moved_from for r in self.results if r.moved_from}

    def add(self, result: IngestResult) -> bool:
        """Count ``result``; False when :attr:`on_result` says its source must stay."""
        self.results.append(result)
        if result.outcome == "stored":
            self.stored += 1
        elif result.outcome == "replaced":
            self.replaced += 1
        else:
            self.duplicates += 1
        return self.on_result(result) if self.on_result is not None else True

    def summary(self) -> str:
        text = (
            f"{self.stored} stored, {self.duplicates} duplicate(s), {self.replaced} replaced, "
            f"{len(self.rejected)} rejected"
        )
        if self.cleared:
            text += f", {self.cleared} source file(s) removed"
        return text + (" (cancelled)" if self.cancelled else "")


def _is_zip(path: Path) -> bool:
    return path.suffix.lower() == ".zip" and zipfile.is_zipfile(path)


def _not_regular(path: Path) -> str:
    """Why ``path`` is not read: not a regular file (after symlinks), or "" when it is."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return ""
    kind = _NOT_REGULAR.get(stat.S_IFMT(mode), "not a regular file")
    return f"is {kind}, not a regular file; only regular files are imported"


def _kind(path: Path) -> str:
    return "Folder" if path.is_dir() else "File"


def _guarding(
    path: Path, protected: Sequence[ProtectedFolder]
) -> tuple[str, ProtectedFolder] | None:
    """The first protected folder that ``path`` must not be cleared for, with how it
    relates to it ("is the same folder as", "contains", "is inside"), or None."""
    for folder in protected:
        relation = folders_overlap(str(path), folder.path)
        if relation in ("is the same folder as", "contains") or (
            relation == "is inside" and folder.inside_too
        ):
            return relation, folder
    return None


def _display(path: Path, root: Path) -> str:
    """How a report names ``path`` found under ``root``: its path below ``root``.

    The bare name would not do: a recursive import may reject several ``settings.ini``.
    A file named itself (``path`` is ``root``) is named by its name, as it always was.
    """
    if path == root:
        return path.name
    try:
        return str(path.relative_to(root))
    except ValueError:  # not below root (cannot happen for what _walk yields)
        return str(path)


def _folder_display(path: Path, root: Path) -> str:
    """How a report names a folder the walk did not enter: like a file, with a trailing
    separator so that it reads as a folder; ``root`` itself by the path the user gave."""
    name = str(root) if path == root else _display(path, root)
    return name if name.endswith(os.sep) else name + os.sep


def _linked_folder(path: Path) -> str:
    """Why the linked folder ``path`` is not walked, naming its target."""
    return (
        f"is a link to a folder ({os.path.realpath(path)}); linked folders are not "
        "followed: import the target itself"
    )


def _walk(root: Path, protected: Sequence[ProtectedFolder], report: ImportReport) -> Iterator[Path]:
    """The files to look at under ``root`` (a file or a folder), the station's own left out.

    What is not walked is said in ``report``: the station's own folders in ``notes``,
    folders that cannot be listed and linked folders in ``rejected`` (see the module
    docstring). ``os.walk`` would skip both silently: by default it ignores a folder it
    cannot list, and it lists a linked folder among the folders but does not enter it.
    """
    unwalked = [f for f in protected if not f.read]
    overlap = _guarding(root, unwalked)
    if overlap is not None and overlap[0] in ("is the same folder as", "is inside"):
        relation, folder = overlap
        report.notes.append(
            f"{_kind(root)} '{root}' {relation} the station's {folder.what} '{folder.path}': "
            "nothing there was imported, since these are the station's own files (use "
            "'rtstation reindex' for files put into the storage folder by hand)"
        )
        return
    if not root.is_dir():
        yield root
        return

    def unreadable(error: OSError) -> None:
        folder = Path(error.filename) if error.filename is not None else root
        report.rejected.append(
            (
                _folder_display(folder, root),
                f"cannot be read ({error.strerror or error}); nothing in it was imported",
            )
        )

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
        kept = []
        for name in sorted(dirnames):
            path = Path(dirpath) / name
            own = next(
                (
                    f
                    for f in unwalked
                    if folders_overlap(str(path), f.path) == "is the same folder as"
                ),
                None,
            )
            if own is None and os.path.islink(path):
                report.rejected.append((_folder_display(path, root), _linked_folder(path)))
            elif own is None:
                kept.append(name)
            elif own.announce:
                report.notes.append(
                    f"Folder '{path}' is the station's {own.what}: it was left out of the "
                    f"import of '{root}'"
                )
        dirnames[:] = kept
        for name in sorted(filenames):
            yield Path(dirpath) / name


def count_files(
    paths: Iterable[str | os.PathLike[str]], protected: Sequence[ProtectedFolder] = ()
) -> int:
    """How many files an import will look at (ZIP members counted), for a progress bar.

    What the walk rejects (an unreadable or linked folder) is not counted: the import
    reports it, without a progress step.
    """
    total = 0
    scratch = ImportReport()
    for root in paths:
        for path in _walk(Path(root), protected, scratch):
            if not _not_regular(path) and _is_zip(path):
                with contextlib.suppress(zipfile.BadZipFile, OSError), zipfile.ZipFile(path) as zf:
                    total += sum(1 for info in zf.infolist() if not info.is_dir())
            else:
                total += 1
    return total


def _clear_refusal(root: Path, protected: Sequence[ProtectedFolder]) -> str:
    """The sentence saying why files under ``root`` are never deleted, or ""."""
    overlap = _guarding(root, protected)
    if overlap is None:
        return ""
    relation, folder = overlap
    if not folder.read and relation != "contains":
        return ""  # not read at all: _walk says so
    return (
        f"{_kind(root)} '{root}' {relation} the station's {folder.what} '{folder.path}': "
        "it was imported but nothing in it was deleted, since clearing after an import "
        "never deletes from a folder that holds the station's storage, configuration, "
        "catalog or logs"
    )


def import_paths(
    paths: Iterable[str | os.PathLike[str]],
    ingestor: Ingestor,
    *,
    clear: bool = False,
    source_ae: str = IMPORT_SOURCE,
    progress: ImportProgress | None = None,
    should_cancel: Callable[[], bool] | None = None,
    protected: Sequence[ProtectedFolder] = (),
    read_storage: bool = False,
    on_result: Callable[[IngestResult], bool] | None = None,
) -> ImportReport:
    """Import files, folders (recursively) and ZIPs; never stops on a bad file.

    ``on_result`` sees each stored file at once, before its source is removed (see
    :attr:`ImportReport.on_result`): an import stopped half way (Ctrl-C, a crash) has
    handed on everything it stored.

    ``protected``: the station's own folders (see the module docstring); the storage
    folder of ``ingestor`` is always among them. ``read_storage`` (``send PATH`` of stored
    files) lets the walk read stored files, which are then duplicates; the storage's
    files being received and its machine-mapped copies are never read.
    """
    roots = [Path(p) for p in paths]
    protected = _with_storage(protected, ingestor, read_storage)
    report = ImportReport(on_result=on_result)
    total = count_files(roots, protected)
    done = 0

    def tick(name: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, name)

    for root in roots:
        clear_here = clear
        if clear and (refusal := _clear_refusal(root, protected)):
            report.notes.append(refusal)
            clear_here = False
        for path in _walk(root, protected, report):
            if should_cancel is not None and should_cancel():
                report.cancelled = True
                break
            display = _display(path, root)
            problem = _not_regular(path)
            if problem:
                report.rejected.append((display, problem))
                tick(display)
                continue
            if _is_zip(path):
                ok = _import_zip(path, display, ingestor, report, source_ae, tick, should_cancel)
                if clear_here and ok and not report.cancelled:
                    _remove(path, report)
                continue
            if _ingest_one(path, display, ingestor, report, source_ae) and clear_here:
                _remove(path, report)
            tick(display)
        if clear_here and root.is_dir():
            _remove_empty_dirs([root])
        if report.cancelled:
            break
    for note in report.notes:
        LOGGER.warning("%s", note)
    LOGGER.info("Import finished: %s", report.summary())
    return report


def _with_storage(
    protected: Sequence[ProtectedFolder], ingestor: Ingestor, read_storage: bool
) -> list[ProtectedFolder]:
    root = ingestor.store.root
    return [
        ProtectedFolder("storage folder", str(root), inside_too=True, read=read_storage),
        *(
            ProtectedFolder(what, str(root / name), inside_too=True, read=False, announce=False)
            for what, name in (
                ("storage's folder of files being received", INCOMING_DIR),
                ("storage's folder of machine-mapped copies", DERIVED_DIR),
            )
        ),
        *protected,
    ]


def _ingest_one(
    path: Path,
    display: str,
    ingestor: Ingestor,
    report: ImportReport,
    source_ae: str,
    *,
    move: bool = False,
) -> bool:
    try:
        return report.add(ingestor.ingest(path, source_ae=source_ae, move=move))
    except DicomReadError as exc:
        report.rejected.append((display, exc.reason))
    except StorageError as exc:
        report.rejected.append((display, str(exc)))
    return False


def _import_zip(
    path: Path,
    name: str,
    ingestor: Ingestor,
    report: ImportReport,
    source_ae: str,
    tick: Callable[[str], None],
    should_cancel: Callable[[], bool] | None,
) -> bool:
    """Import each member, extracted to the incoming folder (streamed, never all in memory).

    ``name`` is how the report names the ZIP (:func:`_display`); a member is named
    ``name:member path``.
    """
    all_ok = True
    try:
        with zipfile.ZipFile(path) as zf:
            refusal = zip_refusal(zf, ingestor.store)
            if refusal:
                report.rejected.append((name, refusal))
                for info in zf.infolist():
                    if not info.is_dir():
                        tick(f"{name}:{info.filename}")
                return False
            for info in zf.infolist():
                if info.is_dir():
                    continue
                if should_cancel is not None and should_cancel():
                    report.cancelled = True
                    return False
                display = f"{name}:{info.filename}"
                temp = ingestor.store.incoming / f"zip-{uuid.uuid4().hex}.part"
                try:
                    with zf.open(info) as src, open(temp, "wb") as dst:
                        shutil.copyfileobj(src, dst, 1024 * 1024)
                    all_ok &= _ingest_one(temp, display, ingestor, report, source_ae, move=True)
                except (OSError, zipfile.BadZipFile, RuntimeError) as exc:
                    report.rejected.append((display, f"cannot be extracted ({exc})"))
                    all_ok = False
                finally:
                    with contextlib.suppress(OSError):
                        temp.unlink()
                tick(display)
    except (zipfile.BadZipFile, OSError) as exc:
        report.rejected.append((name, f"damaged ZIP file ({exc})"))
        return False
    return all_ok


def _remove(path: Path, report: ImportReport) -> None:
    try:
        path.unlink()
        report.cleared += 1
    except OSError as exc:
        LOGGER.warning("Imported %s but could not remove it: %s", path, exc.strerror or exc)


def _remove_empty_dirs(roots: Iterable[Path]) -> None:
    """Remove folders an import emptied, below (never including) each root."""
    for root in roots:
        for dirpath, _dirnames, _files in sorted(os.walk(root), key=lambda e: -len(e[0])):
            if Path(dirpath) != root:
                with contextlib.suppress(OSError):
                    os.rmdir(dirpath)
