"""The commented default settings.ini and rules.ini.

One text serves three purposes: the files written on first run, the base of a file saved
where none existed, and the ``settings.ini.example`` / ``rules.ini.example`` at the
repository root (a test checks they match). Every value here equals the built-in default,
so a fresh file loads exactly like a missing one.
"""

from __future__ import annotations

_SETTINGS = r"""# rtstation settings.ini
#
# Every key is optional: a missing key (or a missing section) takes the default shown.
# Lines starting with # or ; are comments. A value may be followed by a comment after a
# space, as in "port = 11112   # DICOM port". Values are written without quotes, and
# Windows paths keep their backslashes (watch_folder = d:\received_plans).
# Booleans accept True/False, yes/no, on/off and 1/0, in any case. Key names ignore case.
#
# Files of the DICOM RT Station load unchanged, with both of its spellings:
#   [General]   watch_folder, import_folder, clear_import_folder_after_import
#   [Receiver]  ae_title, port         [Logging] verbose_info_logging
#   [Node1]..   name, enabled, ae_title, ip, port, called_ae_title, calling_ae_title
# and the older key names its code writes:
#   [General]   receivedplansfolder (= watch_folder), importfolder (= import_folder),
#               auto_start_receiver (= [Receiver] auto_start_receiver)
#   [LocalNode] aet (= [Receiver] ae_title), receiveport (= [Receiver] port)
#   [DicomNode1]..[DicomNodeN]  name, aet, ip, port, enabled (= [Node1]..[NodeN])
#   [Logging]   log_level as a number: 10 DEBUG, 20 INFO, 30 WARNING, 40 ERROR, 50 CRITICAL
# Other accepted spellings: [General] storage_folder (= watch_folder), [Send]
# delete_after_send (= [SendOptions] delete_after_send), and in node sections host (= ip),
# called_ae (= called_ae_title), calling_ae (= calling_ae_title).
# When rtstation saves this file it keeps your comments, unknown keys and sections, and
# the key names already in the file.

[General]
# Folder where received plans are stored, one sub-folder per patient.
# Empty = "received_plans" in the station's data folder. A relative path is relative to
# the folder holding this settings.ini.
# Default: (empty)   Example: watch_folder = d:\received_plans
watch_folder = $storage_folder

# Folder processed by "Import folder": DICOM files placed here are imported as if
# received, with the source AE IMPORT_FOLDER for the rules. It must be a folder of its
# own: not the watch_folder, not inside it, and not containing it.
# Empty = "import" in the station's data folder; relative paths as above.
# Default: (empty)   Example: import_folder = d:\import
import_folder = $import_folder

# Delete the files in the import folder after they were imported.
# Default: False   Example: clear_import_folder_after_import = True
clear_import_folder_after_import = False

# Watch the import folder: files that appear there (in sub-folders too) are imported on
# their own once nothing has changed for import_quiet_seconds, as "Import folder" would.
# Default: False   Example: watch_import_folder = True
watch_import_folder = False
# Default: 5   Example: import_quiet_seconds = 10
import_quiet_seconds = 5
# Glob patterns on the path inside the import folder, comma-separated; a file must match
# one of import_include (empty = every file) and none of import_exclude.
# Default: (empty)   Example: import_include = *.dcm, *.zip
import_include =
# Default: (empty)   Example: import_exclude = *.tmp, scratch/*
import_exclude =

# Language of the window: empty = the system's language; en = English, de = German.
# Default: (empty)   Example: language = de
language =

[Receiver]
# AE title of this station, which senders must call (1-16 characters, no backslash).
# Default: RTSTATION   Example: ae_title = DICOM-RT-STATION
ae_title = RTSTATION

# TCP port the DICOM receiver listens on (1-65535; below 1024 needs admin rights).
# Default: 11112   Example: port = 104
port = 11112

# Network address the receiver listens on: 0.0.0.0 = every IPv4 network interface, so
# planning systems on other computers can send (the default); 127.0.0.1 = this computer
# only; or the address of one network card. Anyone who can reach this address and port
# can send to the station unless allow_list_enabled is True. "rtstation serve --bind"
# overrides it.
# Default: 0.0.0.0   Example: bind_address = 192.168.1.10
bind_address = 0.0.0.0

# Start the DICOM receiver when the window opens (rtstation serve always starts it).
# Default: False   Example: auto_start_receiver = True
auto_start_receiver = False

# Accept associations only from the calling AE titles listed in allowed_calling_aes
# (True with an empty list is an error: it would refuse every sender).
# Default: False   Example: allow_list_enabled = True
allow_list_enabled = False

# Calling AE titles accepted when allow_list_enabled is True, separated by commas.
# AE@host also requires the association to come from that host name or IP address.
# AE titles compare exactly (case matters).
# Default: (empty)   Example: allowed_calling_aes = FOLLOW, ECLIPSE@192.168.1.20
allowed_calling_aes =

# Refuse associations that call this station by another AE title than ae_title above.
# Default: False   Example: require_called_ae_title = True
require_called_ae_title = False

# Associations received at the same time (1-1000); one more is refused, and the
# sender tries again later. Default: 16   Example: max_associations = 32
max_associations = 16

# Seconds a new connection may take to send its complete association request
# (A-ASSOCIATE-RQ), 0.5-600; a connection still silent then is closed, so idle
# connections and port scans cannot take every slot. Decimals allowed.
# Default: 5   Example: association_request_timeout = 10
association_request_timeout = 5

# Refuse to store (status A700, out of resources) when the storage folder's disk has
# less free space than this many megabytes.
# Default: 500   Example: min_free_space_mb = 2000
min_free_space_mb = 500

# Seconds without new instances for a patient, after the association ended, before its
# plans count as complete and the rules run. Decimals allowed.
# Default: 30   Example: settle_seconds = 10
settle_seconds = 30

[Send]
# Attempts per instance and node before a send fails for good (transient failures such as
# an offline peer are retried; permanent refusals are not).
# Default: 8   Example: max_attempts = 20
max_attempts = 8

# Wait before the first retry, in seconds; it doubles after each further failure.
# Default: 10   Example: retry_base_seconds = 30
retry_base_seconds = 10

# Longest wait between two attempts, in seconds (not less than retry_base_seconds).
# Default: 600   Example: retry_max_seconds = 3600
retry_max_seconds = 600

[SendOptions]
# Delete a plan's files from the storage folder once every node it was sent to has
# acknowledged them.
# Default: False   Example: delete_after_send = True
delete_after_send = False

[Retention]
# Remove plans (their files and catalog rows) automatically, checked every
# interval_minutes by a running station, audited; "rtstation cleanup --dry-run" lists
# what would go. max_age_days: plans received longer ago than this; max_storage_gb: the
# oldest plans while the storage folder holds more. 0 switches either off.
# Default: 0   Example: max_age_days = 30
max_age_days = 0
# Default: 0   Example: max_storage_gb = 200
max_storage_gb = 0
# Only plans delivered to every node they were queued for; a plan with a job queued,
# sending or waiting to retry is never removed. False: also plans never sent.
# Default: True   Example: only_delivered = False
only_delivered = True
# Default: 60   Example: interval_minutes = 15
interval_minutes = 60

[Logging]
# Least severe messages written to the log: DEBUG, INFO, WARNING, ERROR or CRITICAL
# (the numbers 10, 20, 30, 40, 50 work too).
# Default: INFO   Example: log_level = DEBUG
log_level = INFO

# Log every step of receiving and forwarding at INFO level instead of DEBUG.
# Default: False   Example: verbose_info_logging = True
verbose_info_logging = False

# The log file is rotated at max_file_mb (10 files are kept); rotated files older than
# keep_days are deleted (0 = keep them).
# Default: 10   Example: max_file_mb = 50
max_file_mb = 10
# Default: 30   Example: keep_days = 90
keep_days = 30

[Anonymization]
# How "rtstation anonymize", "import --anonymize", "retrieve --anonymize" and rules with
# anonymize = True make anonymized copies (DICOM PS3.15 Annex E; the stored files are
# never changed). The command line's --profile and --option win over these.
# Profile: aria = the Basic Profile keeping what an ARIA import needs (plan label, ROI
# names, machine, ...); basic = the Basic Application Level Confidentiality Profile.
# Default: aria   Example: profile = basic
profile = aria

# PS3.15 options, separated by commas: CleanDesc, CleanStructdCont, CleanGraph,
# RetainDeviceIdent, RetainInstitutionIdent, RetainPatientChars,
# RetainLongFullDatesAndTimes, RetainLongModifDatesAndTimes, RetainUIDs,
# RetainSafePrivate. default = the profile's own (aria: CleanDesc, RetainDeviceIdent;
# basic: none); empty = no option.
# Default: default   Example: options = CleanDesc, RetainLongModifDatesAndTimes
options = default

# UID map file shared by "rtstation anonymize" runs, so a second export of a patient
# gets the same UIDs and identity. It is IDENTIFYING (original UIDs and patient IDs):
# keep it apart from the anonymized data. Empty = a new map per run. Rules and imports
# use the station's own map in its data folder.
# Default: (empty)   Example: uid_map_file = d:\private\uid-map.json
uid_map_file =

# Files whose Burned In Annotation is YES (text in the pixels): refuse or warn.
# Default: refuse   Example: burned_in = warn
burned_in = refuse

[Metrics]
# When a rule has a metrics_condition (rules.ini), a plan whose patient has settled waits
# at most this many seconds for its metrics to be computed; then the rule does not match.
# Default: 300   Example: metrics_wait_seconds = 600
metrics_wait_seconds = 300

# Serve the plan metrics read-only over HTTP (GET /plans/<uid>, /patients/<id>,
# /plans?filter=...), with the JSON of "rtstation metrics --format json".
# Default: False   Example: http_api_enabled = True
http_api_enabled = False

# Address the HTTP API listens on; 127.0.0.1 = this computer only (there is no login).
# Default: 127.0.0.1   Example: http_api_bind = 0.0.0.0
http_api_bind = 127.0.0.1

# Port of the HTTP API.
# Default: 11180   Example: http_api_port = 8080
http_api_port = 11180

# DICOM nodes (destinations): one section each, [Node1], [Node2], ... as many as you
# need, used in number order. [DicomNode1] or [Node:NAME] sections work too.
#   name              Name shown in the window and used in rules.ini target_nodes; unique,
#                     no commas. Default: the node's AE title.
#   enabled           False keeps the node but never sends to it. Default: True
#   ae_title          AE title of the node (the called AE). called_ae_title, if given,
#                     wins over ae_title. Required.
#   ip                Host name or IP address of the node (host works too). Required.
#   port              TCP port of the node, 1-65535. Required.
#   calling_ae_title  AE title this station uses when calling the node.
#                     Default: (empty) = [Receiver] ae_title
#   max_associations  Associations opened to this node at the same time. Default: 1
#   tls               Use DICOM over TLS. Default: False
#   tls_ca_file       CA certificate(s) that sign the node's certificate (PEM).
#   tls_cert_file     This station's client certificate (PEM), if the node wants one.
#   tls_key_file      Private key for tls_cert_file (PEM). Default for the three: (empty)
# Example (remove the leading "# " to use it):
# [Node1]
# name = ORGANO
# enabled = True
# ae_title = ORGANO
# ip = 192.168.1.100
# port = 104
# calling_ae_title = DICOM-RT-STATION
"""

_RULES = r"""# rtstation rules.ini: automatic forwarding
#
# When a plan is complete (nothing new arrived for settle_seconds, see settings.ini), or
# after a folder import, every enabled rule is checked. Each matching rule queues the
# plan, with its structure set, images and doses, for each of its target nodes. A plan goes
# to a node once, even if several rules name that node. Manual sends ignore the rules.
# Lines starting with # or ; are comments; booleans accept True/False, yes/no, on/off, 1/0.
# The rules.ini of the DICOM RT Station ([Rule1]..[RuleN] with name, enabled, source_ae,
# target_nodes, plan_label_match, and [General] rules_enabled) loads unchanged; all other
# keys below are optional additions.

[General]
# Master switch: False turns all automatic forwarding off. Default: True
rules_enabled = True

# One section per rule: [Rule1], [Rule2], ... any number. A rule matches when ALL its
# conditions hold; an empty condition always holds.
#   name                 Name shown in the window and the logs. Default: the section name
#   enabled              False keeps the rule but never applies it. Default: True
#   source_ae            Calling AE titles the plan must come from, separated by commas.
#                        Compared exactly after trimming spaces (case matters, as in
#                        DICOM). * or empty = any source. IMPORT_FOLDER matches plans from
#                        a folder import. Example: source_ae = FOLLOW, ECLIPSE
#   target_nodes         Names of nodes from settings.ini, separated by commas (case does
#                        not matter). Example: target_nodes = ORGANO, QA
#   plan_label_match     Text the RT Plan Label must contain, ignoring case (a substring);
#                        empty = every plan. Example: plan_label_match = ADP
#   plan_label_exclude   Text that, if the plan label contains it (ignoring case), vetoes
#                        the rule. Default: (empty) Example: plan_label_exclude = QA
#   plan_label_regex     Python regular expression searched in the plan label (re.search,
#                        ignoring case). Example: plan_label_regex = ^ADP_\d+
#   plan_name_regex      The same for the RT Plan Name. Example: plan_name_regex = boost
#   approved_only        True = only plans whose Approval Status is APPROVED.
#                        Default: False
#   treatment_machines   Treatment machine names (from the plan's beams), separated by
#                        commas; the plan must use one of them, ignoring case.
#                        Example: treatment_machines = TrueBeam1, Halcyon2
#   plan_intents         RT Plan Intent values, separated by commas: CURATIVE, PALLIATIVE,
#                        PROPHYLACTIC, VERIFICATION, MACHINE_QA, RESEARCH, SERVICE.
#                        Example: plan_intents = CURATIVE, PALLIATIVE
#   required_modalities  Modalities that must have arrived before the plan is sent, e.g.
#                        RTDOSE: the plan waits for its dose. Example: required_modalities = RTDOSE
#   metrics_condition    A condition on the plan's metrics (the fields of "rtstation
#                        metrics --format csv", arithmetic allowed); the plan waits for
#                        its metrics (settings.ini [Metrics] metrics_wait_seconds).
#                        Example: metrics_condition = dmax_gy <= 1.1 * prescription_gy
#   machine_mapping      Rename treatment machines in the plan sent by this rule, as
#                        OLD=NEW pairs separated by spaces or commas (the stored
#                        plan is not changed; the node gets a renamed copy).
#                        Example: machine_mapping = TrueBeam1=TB1 Halcyon2=HAL2
#   anonymize            Send an anonymized copy of the plan, its structure set, images and
#                        doses (settings.ini [Anonymization] chooses profile and options;
#                        references stay intact; the stored files are not changed).
#                        Default: False
#   anonymize_patient_id    New Patient ID of the anonymized copies. Empty = derived:
#                        ANON + 10 hex digits from the station's UID map and the original
#                        ID (the same every time). Example: anonymize_patient_id = STUDY-007
#   anonymize_patient_name  New Patient Name. Empty = the new Patient ID.
#                        Example: anonymize_patient_name = Research^Seven
#
# Examples (remove the leading "# " to use them):
# [Rule1]
# name = Ethos ADP Plans
# enabled = True
# source_ae = FOLLOW
# target_nodes = ORGANO
# plan_label_match = ADP
#
# [Rule2]
# name = Import Folder Rule
# enabled = True
# source_ae = IMPORT_FOLDER
# target_nodes = ORGANO
# plan_label_match =
#
# [Rule3]
# name = Approved curative plans with dose to QA
# enabled = True
# source_ae = *
# target_nodes = QA
# plan_label_match =
# plan_label_exclude = TEST
# approved_only = True
# plan_intents = CURATIVE
# required_modalities = RTDOSE
# metrics_condition = dmax_gy <= 1.1 * prescription_gy
"""


def settings_template(storage_folder: str = "", import_folder: str = "") -> str:
    """The default settings.ini; the folders are filled in as given (empty = default)."""
    text = _SETTINGS.replace("$storage_folder", storage_folder)
    text = text.replace("$import_folder", import_folder)
    return "\n".join(line.rstrip() for line in text.split("\n"))


def rules_template() -> str:
    """The default rules.ini: rules switched on, no rules, commented examples."""
    return _RULES
