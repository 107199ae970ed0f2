"""From plans in the catalog to jobs in the send queue, and from jobs to the network.

The routing layer must not import ``net`` (the layers in docs/architecture.md), so the
station hands the queue's workers a ``send`` callable built here: it maps the node name to
a :class:`Peer` from the current settings and streams the job's pending files with
:func:`send_items`.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

import pydicom

from rtstation.config import Node, Settings
from rtstation.dicom.machine_map import map_machines
from rtstation.dicom.rt_tree import PlanBundle, aria_order_key
from rtstation.dicom.sop import PLAN_CLASSES
from rtstation.dicom.status import Classified, Outcome, classify
from rtstation.net.peer import Peer
from rtstation.net.sender import ItemResult, SendItem, SendReport, send_items
from rtstation.routing.send_queue import Job, JobItem, QueueItem
from rtstation.storage.archive import DurableStore
from rtstation.storage.catalog import Catalog, CatalogInstance
from rtstation.storage.layout import DERIVED_DIR, safe_uid

LOGGER = logging.getLogger(__name__)


def peer_for(node: Node, station_ae_title: str) -> Peer:
    """The network view of a configured node; our calling AE defaults to the station's."""
    return Peer(
        ae_title=node.ae_title,
        host=node.host,
        port=node.port,
        calling_ae=node.calling_ae or station_ae_title,
        tls=node.tls,
        tls_ca_file=node.tls_ca_file,
        tls_cert_file=node.tls_cert_file,
        tls_key_file=node.tls_key_file,
        name=node.name,
    )


def queue_items(instances: Iterable[CatalogInstance]) -> list[QueueItem]:
    return [
        QueueItem(
            sop_instance_uid=i.sop_instance_uid,
            sop_class_uid=i.header.sop_class_uid,
            transfer_syntax_uid=i.header.transfer_syntax_uid,
            path=i.header.path,
            size=i.size,
            content_hash=i.content_hash,
        )
        for i in instances
    ]


def bundle_instances(catalog: Catalog, bundle: PlanBundle) -> list[CatalogInstance]:
    """The stored instances of a bundle, in ARIA order (the bundle's own order)."""
    found = []
    for header in bundle.instances():
        instance = catalog.get(header.sop_instance_uid)
        if instance is not None and instance.removed_at is None:
            found.append(instance)
    return found


def aria_sorted(instances: Iterable[CatalogInstance]) -> list[CatalogInstance]:
    """Stored instances in the order an ARIA import needs (:func:`aria_order_key`)."""
    return sorted(instances, key=lambda i: aria_order_key(i.header))


def machine_mapped(
    store: DurableStore, items: list[QueueItem], mapping: dict[str, str]
) -> tuple[list[QueueItem], list[str]]:
    """Replace RTPLAN items whose machines the mapping renames by mapped copies.

    Returns the items to send and one line per renamed plan for the audit. The stored
    original stays as received; the copy keeps its SOP Instance UID (the receiver gets the
    plan, under the machine name it knows).
    """
    if not mapping:
        return items, []
    result: list[QueueItem] = []
    notes: list[str] = []
    for item in items:
        if item.sop_class_uid not in PLAN_CLASSES:
            result.append(item)
            continue
        ds = pydicom.dcmread(item.path)
        renamed = map_machines(ds, mapping)
        if not renamed:
            result.append(item)
            continue
        buffer = io.BytesIO()
        ds.save_as(buffer)
        name = f"{safe_uid(item.sop_instance_uid, 'NO_SOP_UID')}.dcm"
        path, digest = store.write_derived(buffer.getvalue(), name)
        result.append(replace(item, path=str(path), content_hash=digest, size=path.stat().st_size))
        pairs = ", ".join(f"{old} -> {new}" for old, new in sorted(set(renamed)))
        notes.append(f"plan {item.sop_instance_uid}: treatment machine {pairs}")
    return result, notes


class NetworkSender:
    """The ``send`` callable of the queue workers, reading nodes from current settings.

    ``current_hash`` gives the content hash the catalog holds now for a stored instance.
    A stored file can be replaced in place (the same instance received again with other
    bytes) while a job waits; such an item fails with that reason instead of going out
    as bytes nobody queued. Machine-mapped and anonymized copies (``is_copy``) are the
    job's own files and never change.
    """

    def __init__(
        self,
        settings: Callable[[], Settings],
        current_hash: Callable[[str], str | None] | None = None,
        is_copy: Callable[[str], bool] = lambda path: False,
    ) -> None:
        self._settings = settings
        self._current_hash = current_hash
        self._is_copy = is_copy

    def __call__(
        self,
        node_name: str,
        job: Job,
        pending: Sequence[JobItem],
        on_result: Callable[[object], None],
        should_cancel: Callable[[], bool],
    ) -> SendReport:
        settings = self._settings()
        node = settings.node(node_name)
        if node is None:
            reason = f"node '{node_name}' is no longer configured in settings.ini"
            return SendReport(
                peer=node_name,
                association_error=classify(
                    None, association_failure="invalid-settings", detail=reason
                ),
                not_attempted=tuple(i.sop_instance_uid for i in pending),
            )
        items = []
        for i in pending:
            if self._changed_since_queued(i):
                reason = (
                    "the stored instance was replaced by another version after it was "
                    "queued; send the plan again to send the new version"
                )
                on_result(
                    ItemResult(i.sop_instance_uid, None, Classified(Outcome.FAIL, False, reason))
                )
                continue
            items.append(
                SendItem(
                    sop_instance_uid=i.sop_instance_uid,
                    sop_class_uid=i.sop_class_uid,
                    transfer_syntax_uid=i.transfer_syntax_uid,
                    path=i.path,
                    size=i.size,
                )
            )
        LOGGER.info("Sending job %d (%d item(s)) to %s", job.id, len(items), node.name)
        return send_items(
            peer_for(node, settings.ae_title),
            items,
            on_result=on_result,
            should_cancel=should_cancel,
        )

    def _changed_since_queued(self, item: JobItem) -> bool:
        if self._current_hash is None or not item.content_hash or DERIVED_DIR in item.path:
            return False
        if self._is_copy(item.path):
            return False  # an anonymized copy: its own bytes, whatever the catalog holds
        current = self._current_hash(item.sop_instance_uid)
        return current is not None and current != item.content_hash
