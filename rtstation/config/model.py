"""The configuration as immutable values.

Everything the station reads from settings.ini and rules.ini ends up in these frozen
dataclasses. They are passed down explicitly, never kept in a module-level singleton, so a
test or a second station can hold its own configuration, and a dialog edits a copy made
with ``dataclasses.replace`` instead of mutating live state.

``section`` fields remember which ini section a node or rule came from, so saving can
update that section in place and keep the user's comments and key names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_AE_TITLE = "RTSTATION"
DEFAULT_PORT = 11112
DEFAULT_BIND_ADDRESS = "0.0.0.0"
"""Every IPv4 interface: planning systems send from other machines, so a station that
listened on loopback only would receive nothing out of the box. settings.ini writes the
value out, so the exposure is visible where it is configured."""
DEFAULT_MAX_ASSOCIATIONS = 16
DEFAULT_ASSOCIATION_REQUEST_TIMEOUT = 5.0
DEFAULT_DICOM_PORT = 104
DEFAULT_HTTP_API_BIND = "127.0.0.1"
DEFAULT_HTTP_API_PORT = 11180
DEFAULT_METRICS_WAIT_SECONDS = 300.0
"""Port assumed for a disabled placeholder node that has none (the DICOM well-known port)."""

IMPORT_FOLDER_AE = "IMPORT_FOLDER"
"""Source AE that rules see for plans imported from a folder instead of received."""

ANY_SOURCE = "*"


@dataclass(frozen=True)
class Node:
    """A DICOM peer the station sends to.

    ``ae_title`` is the peer's (called) AE title; ``calling_ae`` is the AE title the
    station presents to this peer, where ``""`` means the station's own ``ae_title``.
    """

    name: str
    ae_title: str
    host: str
    port: int
    calling_ae: str = ""
    enabled: bool = True
    max_associations: int = 1
    tls: bool = False
    tls_ca_file: str = ""
    tls_cert_file: str = ""
    tls_key_file: str = ""
    section: str = ""


@dataclass(frozen=True)
class AllowedCaller:
    """One entry of the receiver's allow list: an AE title, optionally pinned to a host."""

    ae_title: str
    host: str = ""

    def __str__(self) -> str:
        return f"{self.ae_title}@{self.host}" if self.host else self.ae_title


@dataclass(frozen=True, kw_only=True)
class Settings:
    """The station's settings.ini.

    Keyword-only, because there are many fields of the same type and a positional mix-up
    between two booleans would be silent.
    """

    storage_folder: str
    import_folder: str
    clear_import_folder_after_import: bool = False
    ae_title: str = DEFAULT_AE_TITLE
    port: int = DEFAULT_PORT
    bind_address: str = DEFAULT_BIND_ADDRESS
    auto_start_receiver: bool = False
    allowed_calling_aes: tuple[AllowedCaller, ...] = ()
    allow_list_enabled: bool = False
    require_called_ae_title: bool = False
    """Refuse associations whose called AE title is not the station's ``ae_title``."""
    receiver_max_associations: int = DEFAULT_MAX_ASSOCIATIONS
    """Incoming associations served at the same time; more are refused."""
    association_request_timeout: float = DEFAULT_ASSOCIATION_REQUEST_TIMEOUT
    """Seconds a new connection has to send its complete A-ASSOCIATE-RQ before it is closed."""
    min_free_space_mb: int = 500
    settle_seconds: float = 30.0
    delete_after_send: bool = False
    verbose_info_logging: bool = False
    log_level: str = "INFO"
    language: str = ""
    max_send_attempts: int = 8
    retry_base_seconds: float = 10.0
    retry_max_seconds: float = 600.0
    anonymization_profile: str = "aria"
    """[Anonymization] profile: aria (keeps what an ARIA import needs) or basic (PS3.15)."""
    anonymization_options: tuple[str, ...] | None = None
    """PS3.15 options by their DicomTools names; None: the profile's defaults."""
    anonymization_uid_map_file: str = ""
    """A UID map shared by ``rtstation anonymize`` runs (identifying); empty: none."""
    anonymization_burned_in: str = "refuse"
    """Files with Burned In Annotation YES: ``refuse`` or ``warn``."""
    # housekeeping: retention, watching the import folder, log rotation (README "Retention")
    retention_days: int = 0
    """Remove plans received more than this many days ago; 0 = no age limit."""
    retention_max_storage_gb: float = 0.0
    """Remove the oldest plans while the storage folder holds more; 0 = no size limit."""
    retention_only_delivered: bool = True
    """Only plans delivered to every node they were queued for (never pending work)."""
    retention_interval_minutes: int = 60
    watch_import_folder: bool = False
    """Import files that appear in ``import_folder`` once they have been quiet a while."""
    import_quiet_seconds: float = 5.0
    import_include: tuple[str, ...] = ()
    """Glob patterns (on the path inside the import folder) a file must match; empty = all."""
    import_exclude: tuple[str, ...] = ()
    log_max_mb: int = 10
    log_keep_days: int = 30
    """Rotated log files older than this are deleted; 0 = keep them (10 are kept anyway)."""
    metrics_wait_seconds: float = DEFAULT_METRICS_WAIT_SECONDS
    """How long a settled plan waits for its metrics when a rule has a metrics_condition."""
    http_api_enabled: bool = False
    """Serve the plan metrics read-only over HTTP (``serve`` and the GUI)."""
    http_api_bind: str = DEFAULT_HTTP_API_BIND
    http_api_port: int = DEFAULT_HTTP_API_PORT
    nodes: tuple[Node, ...] = field(default=())
    warnings: tuple[str, ...] = field(default=(), compare=False, repr=False)
    """What loading tolerated but the user should hear about: unknown sections and keys
    (usually typos, so their values are not in force). Not part of the settings' value:
    two Settings that configure the same station compare equal whatever their files'
    typos; ``load_station_config`` passes these on in ``RulesConfig.warnings``."""

    def node(self, name: str) -> Node | None:
        """The node called ``name``, compared case-insensitively as rules refer to it."""
        wanted = name.strip().casefold()
        for node in self.nodes:
            if node.name.casefold() == wanted:
                return node
        return None

    @property
    def enabled_nodes(self) -> tuple[Node, ...]:
        """Nodes that may be sent to, in configuration order."""
        return tuple(node for node in self.nodes if node.enabled)


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One automatic forwarding rule from rules.ini.

    Matching lives in ``rtstation.routing``; this is only the data. ``source_aes`` empty
    or containing ``"*"`` means any source; AE titles compare exactly after trimming.
    ``machine_mapping`` and ``anonymize`` are actions: the nodes get a changed copy
    (machines renamed; anonymized as ``anonymize_patient_id`` / ``anonymize_patient_name``,
    empty = derived), the stored plan is never changed.
    """

    name: str
    enabled: bool = True
    source_aes: tuple[str, ...] = ()
    target_nodes: tuple[str, ...] = ()
    plan_label_match: str = ""
    plan_label_exclude: str = ""
    plan_label_regex: str = ""
    plan_name_regex: str = ""
    approved_only: bool = False
    treatment_machines: tuple[str, ...] = ()
    plan_intents: tuple[str, ...] = ()
    required_modalities: tuple[str, ...] = ()
    metrics_condition: str = ""
    """A filter expression over the plan's metrics (``dmax_gy <= 1.1 * prescription_gy``)."""
    machine_mapping: tuple[tuple[str, str], ...] = ()
    anonymize: bool = False
    anonymize_patient_id: str = ""
    anonymize_patient_name: str = ""
    section: str = ""

    @property
    def any_source(self) -> bool:
        """True when the rule accepts plans from every source AE (and imports)."""
        return not self.source_aes or ANY_SOURCE in self.source_aes


@dataclass(frozen=True, kw_only=True)
class RulesConfig:
    """rules.ini: a master switch, the rules in file order, and non-fatal load problems.

    From ``load_station_config``, ``warnings`` starts with settings.ini's (see
    ``Settings.warnings``): it is the one list every entry point shows.
    """

    rules_enabled: bool = True
    rules: tuple[Rule, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def active_rules(self) -> tuple[Rule, ...]:
        """Rules that take part in forwarding: none when the master switch is off."""
        if not self.rules_enabled:
            return ()
        return tuple(rule for rule in self.rules if rule.enabled)
