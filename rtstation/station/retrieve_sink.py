"""Where the instances of a retrieve arrive: our own short-lived listener, or the running
station's receiver by claim (see :mod:`rtstation.storage.retrieve_claims`).

The rule is "never a second listener on the receiver port": when a station process holds
the data folder's primary lock and something answers on the configured port, that is the
station's receiver and the retrieve registers a claim with it; otherwise the retrieve
listens itself, on the configured port and AE title, for as long as it runs.
:class:`RetrieveDiverter` is the running station's half: its receiver asks it about every
C-STORE before storing, and it hands claimed instances to their retrieve.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import socket
from collections.abc import Callable
from pathlib import Path

from rtstation.config import Settings
from rtstation.errors import NetworkError
from rtstation.net.receiver import (
    STATUS_OUT_OF_RESOURCES,
    STATUS_SUCCESS,
    Caller,
    ReceiverConfig,
    StorageReceiver,
    StoreOrigin,
)
from rtstation.storage.process_lock import PrimaryLock
from rtstation.storage.retrieve_claims import (
    ClaimRegistry,
    new_staging_dir,
    remove_claim,
    sweep,
    take_over,
    write_claim,
)

LOGGER = logging.getLogger(__name__)


class RetrieveDiverter:
    """The running station's receiver hook: claimed instances go to their retrieve."""

    def __init__(self, data_dir: Path | str) -> None:
        self._claims = ClaimRegistry(data_dir)

    def divert(self, caller: Caller, path: Path, origin: StoreOrigin) -> int | None:
        claim = self._claims.match(
            origin.sop_instance_uid, origin.move_originator_ae, origin.move_originator_message_id
        )
        if claim is None:
            return None
        try:
            take_over(path, claim.staging_dir, origin.sop_instance_uid)
        except OSError as exc:
            LOGGER.error(
                "Could not hand instance %s over to the retrieve in '%s': %s",
                origin.sop_instance_uid,
                claim.staging_dir,
                exc,
            )
            return STATUS_OUT_OF_RESOURCES
        LOGGER.debug(
            "Instance %s from %s went to retrieve %s",
            origin.sop_instance_uid,
            caller.ae_title,
            claim.claim_id,
        )
        return STATUS_SUCCESS


def station_is_listening(data_dir: Path | str, port: int) -> bool:
    """True when the port answers and a station process owns the data folder.

    The port is asked first: the lock is only tried (and at once released) when something
    listens, so a station starting at this moment is almost never kept from becoming the
    primary one. A port in use while no station holds the lock belongs to another program;
    our own listener then fails with the sentence that says so.
    """
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2.0):
            pass
    except OSError:
        return False
    lock = PrimaryLock(Path(data_dir))
    if lock.acquire():
        lock.release()
        return False
    return True


class RetrieveSink:
    """A staging folder that receives a retrieve's instances, by whichever way applies.

    ``mode`` is "claim" (the running station receives for us), "listen" (our own listener)
    or "get" (C-GET: the instances come back on our own association, nothing listens).
    """

    def __init__(
        self,
        settings: Settings,
        data_dir: Path | str,
        *,
        mode: str,
        originator_ae: str,
        receive_ae: str = "",
        receive_port: int = 0,
        bind_address: str = "",
    ) -> None:
        self.data_dir = Path(data_dir)
        self.mode = mode
        self.originator_ae = originator_ae
        self.receive_port = receive_port or settings.port
        self.receive_ae = receive_ae or settings.ae_title
        self.claim_id, self.staging_dir = new_staging_dir(self.data_dir)
        self.message_ids: set[int] = set()
        self.expected_uids: set[str] = set()
        self._receiver: StorageReceiver | None = None
        self._lanes: dict[int, Path] = {}
        if mode == "listen":
            config = ReceiverConfig(
                ae_title=self.receive_ae,
                port=self.receive_port,
                bind_address=bind_address or settings.bind_address,
                allow_list_enabled=settings.allow_list_enabled,
                allowed_callers=settings.allowed_calling_aes,
                max_associations=settings.receiver_max_associations,
                association_request_timeout=settings.association_request_timeout,
            )
            self._receiver = StorageReceiver(config, store=self._store, divert=self._to_lane)
            try:
                self._receiver.start()
            except NetworkError:
                self.close()
                raise
        elif mode == "claim":
            self._publish()

    @classmethod
    def open(
        cls,
        settings: Settings,
        data_dir: Path | str,
        *,
        use_get: bool,
        originator_ae: str,
        receive_ae: str = "",
        receive_port: int = 0,
        bind_address: str = "",
    ) -> RetrieveSink:
        port = receive_port or settings.port
        sweep(data_dir)
        if use_get:
            mode = "get"
        elif station_is_listening(data_dir, port):
            mode = "claim"
        else:
            mode = "listen"
        LOGGER.info("Retrieve receives by %s (port %d)", mode, port)
        return cls(
            settings,
            data_dir,
            mode=mode,
            originator_ae=originator_ae,
            receive_ae=receive_ae,
            receive_port=port,
            bind_address=bind_address,
        )

    def _publish(self) -> None:
        write_claim(
            self.data_dir,
            self.claim_id,
            self.staging_dir,
            originator_ae=self.originator_ae,
            message_ids=self.message_ids,
            sop_instance_uids=self.expected_uids,
        )

    def expect(self, *, message_id: int | None = None, uids: set[str] | None = None) -> None:
        """Tell a running station what else belongs to this retrieve (before the move)."""
        if message_id is not None:
            self.message_ids.add(message_id)
        if uids:
            self.expected_uids |= uids
        if self.mode == "claim":
            self._publish()

    def _store(self, caller: Caller, path: Path, sop_instance_uid: str) -> int:
        try:
            take_over(path, self.staging_dir, sop_instance_uid)
        except OSError as exc:
            LOGGER.error("Could not keep retrieved instance %s: %s", sop_instance_uid, exc)
            return STATUS_OUT_OF_RESOURCES
        return STATUS_SUCCESS

    def keep(self, path: Path, sop_instance_uid: str) -> int:
        """C-GET handler body: the instance came back on our own association."""
        return self._store(Caller(0, "", ""), path, sop_instance_uid)

    # -- lanes: one staging folder per concurrent move (a batch with several threads) ----

    def open_lane(self, message_id: int) -> Path:
        """A staging folder of its own for the move sent with ``message_id``.

        The instances of that move are recognised by their Move Originator (our AE and the
        message ID): our listener puts them there, a running station gets a claim of its
        own for them. Instances without a Move Originator land in :attr:`staging_dir`.
        """
        lane = self.staging_dir / f"lane-{message_id}"
        lane.mkdir(exist_ok=True)
        self._lanes[message_id] = lane
        if self.mode == "claim":
            write_claim(
                self.data_dir,
                self._lane_claim(message_id),
                lane,
                originator_ae=self.originator_ae,
                message_ids={message_id},
            )
        return lane

    def close_lane(self, message_id: int) -> None:
        """Withdraw a lane's claim and delete its folder (its files were taken away)."""
        lane = self._lanes.pop(message_id, None)
        if self.mode == "claim":
            remove_claim(self.data_dir, self._lane_claim(message_id))
        if lane is not None:
            with contextlib.suppress(FileNotFoundError):
                shutil.rmtree(lane)

    def keep_in(self, lane: Path) -> Callable[[Path, str], int]:
        """A C-GET handler body that keeps the instances in ``lane``."""

        def keep(path: Path, sop_instance_uid: str) -> int:
            try:
                take_over(path, lane, sop_instance_uid)
            except OSError as exc:
                LOGGER.error("Could not keep retrieved instance %s: %s", sop_instance_uid, exc)
                return STATUS_OUT_OF_RESOURCES
            return STATUS_SUCCESS

        return keep

    def _lane_claim(self, message_id: int) -> str:
        return f"{self.claim_id}-{message_id}"

    def _to_lane(self, caller: Caller, path: Path, origin: StoreOrigin) -> int | None:
        """Our own listener's divert hook: an instance of a lane's move goes to that lane."""
        lane = None
        if origin.move_originator_message_id is not None and (
            not origin.move_originator_ae or origin.move_originator_ae == self.originator_ae
        ):
            lane = self._lanes.get(origin.move_originator_message_id)
        if lane is None:
            return None
        return self.keep_in(lane)(path, origin.sop_instance_uid)

    def received(self) -> int:
        """Instances in the staging folder so far."""
        try:
            return sum(1 for p in self.staging_dir.iterdir() if p.suffix == ".dcm")
        except FileNotFoundError:
            return 0

    def close(self) -> None:
        """Stop listening / withdraw the claim and delete the staging folder."""
        if self._receiver is not None:
            self._receiver.stop(grace_seconds=5.0)
            self._receiver = None
        for message_id in list(self._lanes):
            self.close_lane(message_id)
        remove_claim(self.data_dir, self.claim_id)
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self.staging_dir)
