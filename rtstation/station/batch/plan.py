"""From a checked extraction file to the requests to send, before anything is sent.

Everything that can make a batch fail for a reason known up front is checked here: the
node named in settings.ini, the batch CSV, the anonymizer script (a function rtstation
does not honour is refused with its name and line), the lookup table, the profile
options. A batch that passes :func:`prepare` fails later only for what the archive or
the disk does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rtstation.config import Settings
from rtstation.config.batch_config import BatchConfig
from rtstation.config.batch_elements import (
    Element,
    ElementError,
    merge,
    read_batch_csv,
    request_key,
)
from rtstation.dicom.anonymize import AnonymizeOptions, Anonymizer, UidMap, parse_options
from rtstation.dicom.anonymize.ctp_apply import ScriptedAnonymizer
from rtstation.dicom.anonymize.ctp_script import (
    CtpScript,
    ScriptError,
    check_references,
    parse_lookup_table,
    parse_script,
)
from rtstation.errors import ConfigError
from rtstation.net.peer import Peer
from rtstation.station.sending import peer_for


@dataclass(frozen=True)
class BatchRequest:
    """One request of a batch: its place in the batch, its identity and its elements."""

    index: int
    key: str
    elements: tuple[Element, ...]

    def keys(self, *, with_returns: bool) -> dict[str, str]:
        """Keyword -> value, without QueryRetrieveLevel; return keys only for a C-FIND."""
        return {
            e.keyword: e.value or ""
            for e in self.elements
            if e.keyword != "QueryRetrieveLevel" and (with_returns or e.value)
        }

    def describe(self) -> str:
        shown = [e.text() for e in self.elements if e.value and e.keyword != "QueryRetrieveLevel"]
        return ", ".join(shown) or "(no values)"


@dataclass(frozen=True)
class BatchPlan:
    config: BatchConfig
    peer: Peer
    destination: str  # the AE title the archive moves to (local.aet)
    receive_port: int
    requests: tuple[BatchRequest, ...]
    script: CtpScript | None = None
    lookup_table: dict[str, str] | None = None
    anonymize_options: AnonymizeOptions | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """The library file's columns: the requested elements, in the order given."""
        seen: dict[str, None] = {}
        for request in self.requests:
            for element in request.elements:
                seen.setdefault(element.keyword, None)
        return tuple(seen)

    def anonymizer(self, uid_map: UidMap) -> Anonymizer | None:
        """A new anonymizer for one worker thread (they share the UID map)."""
        if self.anonymize_options is None:
            return None
        if self.script is not None:
            return ScriptedAnonymizer(
                self.anonymize_options, self.script, self.lookup_table, uid_map=uid_map
            )
        return Anonymizer(self.anonymize_options, uid_map=uid_map)


def _peer(config: BatchConfig, settings: Settings) -> Peer:
    archive = config.archive
    calling = archive.calling_ae or config.local.ae_title
    if archive.node:
        node = settings.node(archive.node)
        if node is None:
            known = ", ".join(n.name for n in settings.nodes) or "none configured"
            raise ConfigError(
                f"{config.source.name} pacs.node '{archive.node}': no node of that name in "
                f"settings.ini (known: {known})",
                file=str(config.source),
                key="pacs.node",
                value=archive.node,
            )
        peer = peer_for(node, settings.ae_title)
        if calling:
            peer = replace(peer, calling_ae=calling)
    else:
        peer = Peer(
            ae_title=archive.ae_title,
            host=archive.host,
            port=archive.port,
            calling_ae=calling or settings.ae_title,
            name=f"{archive.host}:{archive.port}",
        )
    if archive.timeout:
        peer = replace(peer, dimse_timeout=archive.timeout, acse_timeout=min(archive.timeout, 30.0))
    return peer


def _requests(config: BatchConfig) -> tuple[BatchRequest, ...]:
    if config.batch_file is None:
        rows: tuple[dict[str, str], ...] = ({},)
    else:
        try:
            rows = read_batch_csv(config.batch_file).rows
        except ElementError as exc:
            raise ConfigError(
                str(exc), file=str(config.batch_file), key="request.elements_batch_file"
            ) from exc
    requests = []
    seen: set[str] = set()
    for row in rows:
        elements = merge(config.elements, row)
        key = request_key(config.kind, elements)
        if key in seen:
            continue  # the same request twice in the CSV is sent once
        seen.add(key)
        requests.append(BatchRequest(len(requests) + 1, key, elements))
    return tuple(requests)


def _anonymization(
    config: BatchConfig,
) -> tuple[CtpScript | None, dict[str, str] | None, AnonymizeOptions | None]:
    spec = config.anonymization
    if not spec.enabled or config.kind == "c-find":
        return None, None, None
    try:
        options = (
            parse_options(spec.options, source="anonymization.options")
            if spec.options is not None
            else None
        )
        script = parse_script(spec.script) if spec.script else None
        table = parse_lookup_table(spec.lookup_table) if spec.lookup_table else None
        if script is not None:
            check_references(script, table)
    except (ScriptError, ConfigError, ValueError) as exc:
        raise ConfigError(str(exc), file=str(spec.script or config.source)) from exc
    anonymize = AnonymizeOptions(
        profile=spec.profile,
        options=options,
        uid_map_file=str(spec.uid_map) if spec.uid_map else None,
    )
    return script, table, anonymize


def prepare(config: BatchConfig, settings: Settings) -> BatchPlan:
    """The requests and everything they need, or :class:`ConfigError` naming the cause."""
    if config.kind in ("c-move", "c-get") and config.level not in (
        "PATIENT",
        "STUDY",
        "SERIES",
        "IMAGE",
    ):
        raise ConfigError(
            f"{config.source.name} request.elements QueryRetrieveLevel '{config.level}': "
            "expected PATIENT, STUDY, SERIES or IMAGE",
            file=str(config.source),
            key="request.elements",
        )
    if config.model == "study" and config.level == "PATIENT" and config.kind != "c-find":
        raise ConfigError(
            f"{config.source.name} request.model 'study': the study root model has no "
            "PATIENT level; use model: patient or QueryRetrieveLevel=STUDY",
            file=str(config.source),
            key="request.model",
        )
    peer = _peer(config, settings)
    script, table, anonymize = _anonymization(config)
    return BatchPlan(
        config=config,
        peer=peer,
        destination=config.local.ae_title or peer.calling_ae,
        receive_port=config.local.port or settings.port,
        requests=_requests(config),
        script=script,
        lookup_table=table,
        anonymize_options=anonymize,
    )


__all__ = ["BatchPlan", "BatchRequest", "prepare"]
