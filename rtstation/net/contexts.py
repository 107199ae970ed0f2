"""Which presentation contexts a send proposes, and how a long list is split.

A file sent in chunks straight from disk needs a context whose transfer syntax is
*exactly* the file's: a peer offered several syntaxes in one context may accept another,
and the chunked send then fails. So every stored syntax of a SOP class gets its own
context, plus one uncompressed fallback (used when the peer declines the stored syntax;
:mod:`rtstation.net.sender` then decodes and re-encodes the file). Context IDs are the
odd numbers 1..255, at most 128 per association: a list needing more is split, in order,
into batches sent over one association each.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydicom.errors import InvalidDicomError
from pydicom.filereader import read_file_meta_info
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom.presentation import PresentationContext, build_context

#: Presentation context IDs are odd numbers 1..255: at most 128 per association.
MAX_CONTEXTS = 128
UNCOMPRESSED = (ExplicitVRLittleEndian, ImplicitVRLittleEndian)


class Sendable(Protocol):
    """What the sender needs to know about an item; :class:`SendItem` and the send
    queue's items both fit, so the queue's rows can be sent without copying."""

    @property
    def sop_instance_uid(self) -> str: ...

    @property
    def sop_class_uid(self) -> str: ...

    @property
    def transfer_syntax_uid(self) -> str: ...

    @property
    def path(self) -> str: ...

    @property
    def size(self) -> int: ...


def _class_contexts(sop_class_uid: str, stored: set[str]) -> list[tuple[str, tuple[str, ...]]]:
    """One context per stored syntax, plus one uncompressed fallback not proposed already."""
    contexts = [(sop_class_uid, (syntax,)) for syntax in sorted(stored)]
    fallback = tuple(syntax for syntax in UNCOMPRESSED if syntax not in stored)
    if fallback:
        contexts.append((sop_class_uid, fallback))
    return contexts


def _context_count(stored_by_class: dict[str, set[str]]) -> int:
    return sum(len(_class_contexts(c, s)) for c, s in stored_by_class.items())


def _stored_syntax(item: Sendable) -> str:
    """The item's stored syntax: as recorded, else from its file meta, else Explicit VR LE
    (the decode path copes with whatever the file really holds)."""
    if item.transfer_syntax_uid:
        return str(item.transfer_syntax_uid)
    try:
        meta = read_file_meta_info(item.path)
    except (InvalidDicomError, OSError, ValueError, EOFError):
        return str(ExplicitVRLittleEndian)
    return str(meta.get("TransferSyntaxUID", "") or ExplicitVRLittleEndian)


def plan_batches(items: Sequence[Sendable]) -> list[list[Sendable]]:
    """Split ``items`` in order into runs whose contexts fit in one association."""
    batches: list[list[Sendable]] = []
    current: list[Sendable] = []
    stored: dict[str, set[str]] = {}
    for item in items:
        trial = {k: set(v) for k, v in stored.items()}
        trial.setdefault(item.sop_class_uid, set()).add(_stored_syntax(item))
        if current and _context_count(trial) > MAX_CONTEXTS:
            batches.append(current)
            current = []
            trial = {item.sop_class_uid: {_stored_syntax(item)}}
        current.append(item)
        stored = trial
    if current:
        batches.append(current)
    return batches


def build_contexts(items: Sequence[Sendable]) -> list[PresentationContext]:
    """The presentation contexts to propose for one batch (see the module docstring)."""
    stored: dict[str, set[str]] = {}
    for item in items:
        stored.setdefault(item.sop_class_uid, set()).add(_stored_syntax(item))
    contexts: list[PresentationContext] = []
    for sop_class_uid in stored:  # insertion order: the order classes are sent in
        for abstract, syntaxes in _class_contexts(sop_class_uid, stored[sop_class_uid]):
            contexts.append(build_context(abstract, list(syntaxes)))
    return contexts
