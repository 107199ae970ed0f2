"""The catalogue of the core's English sentences (see ``core_text``): one entry per
format string of the station, with its English template as the translation's id.

Entries are tried in order and the first whose pattern matches the whole text wins, so a
specific sentence comes before a general one ("source AE X is not one of Y" before
"source AE X"). Groups listed in ``nested`` are core text themselves and are rendered
too (the reason inside "retrying: ...").
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP

from rtstation.gui.core_phrase_entry import _N, _V, Entry, _entry
from rtstation.gui.core_phrases_storage import STORAGE_ENTRIES

ENTRIES: tuple[Entry, ...] = (
    # -- receiver state and start failures (station, net/receiver.py)
    _entry(r"Stopped", QT_TRANSLATE_NOOP("CoreText", "Stopped")),
    _entry(
        rf"Listening as {_V} on port {_N}",
        QT_TRANSLATE_NOOP("CoreText", "Listening as %1 on port %2"),
    ),
    _entry(
        rf"Port {_N} is already in use by another program: stop it, or choose another port "
        r"in the receiver settings",
        QT_TRANSLATE_NOOP(
            "CoreText",
            "Port %1 is already in use by another program: stop it, or choose another port "
            "in the receiver settings",
        ),
    ),
    _entry(
        rf"Permission denied to listen on port {_N}: ports below 1024 need administrator "
        r"rights; use a port such as 11112",
        QT_TRANSLATE_NOOP(
            "CoreText",
            "Permission denied to listen on port %1: ports below 1024 need administrator "
            "rights; use a port such as 11112",
        ),
    ),
    _entry(
        rf"Cannot listen on port {_N}", QT_TRANSLATE_NOOP("CoreText", "Cannot listen on port %1")
    ),
    # -- rule explanations (routing/rules.py)
    _entry(
        r"All rules are switched off in rules\.ini \[General\] rules_enabled\.",
        QT_TRANSLATE_NOOP(
            "CoreText", "All rules are switched off in rules.ini [General] rules_enabled."
        ),
    ),
    _entry(
        r"all rules are switched off in rules\.ini \[General\] rules_enabled",
        QT_TRANSLATE_NOOP(
            "CoreText", "all rules are switched off in rules.ini [General] rules_enabled"
        ),
    ),
    _entry(
        r"No forwarding rules are configured in rules\.ini\.",
        QT_TRANSLATE_NOOP("CoreText", "No forwarding rules are configured in rules.ini."),
    ),
    _entry(r"rule is disabled", QT_TRANSLATE_NOOP("CoreText", "rule is disabled")),
    _entry(
        rf'Rule "{_V}": matched -> \(no target nodes\)',
        QT_TRANSLATE_NOOP("CoreText", 'Rule "%1": matched, but it has no target nodes'),
    ),
    _entry(
        rf'Rule "{_V}": matched -> (.+)', QT_TRANSLATE_NOOP("CoreText", 'Rule "%1": matched -> %2')
    ),
    _entry(
        rf'Rule "{_V}": not matched: (.+)',
        QT_TRANSLATE_NOOP("CoreText", 'Rule "%1": not matched: %2'),
        2,
    ),
    _entry(
        rf"source AE {_V} \(any source accepted\)",
        QT_TRANSLATE_NOOP("CoreText", "source AE %1 (any source accepted)"),
    ),
    _entry(
        rf"source AE {_V} is not one of (.+)",
        QT_TRANSLATE_NOOP("CoreText", "source AE %1 is not one of %2"),
    ),
    _entry(rf"source AE {_V} is not (.+)", QT_TRANSLATE_NOOP("CoreText", "source AE %1 is not %2")),
    _entry(r"source AE (.+)", QT_TRANSLATE_NOOP("CoreText", "source AE %1")),
    _entry(
        rf"label {_V} contains the excluded (.+)",
        QT_TRANSLATE_NOOP("CoreText", "label %1 contains the excluded %2"),
    ),
    _entry(
        rf"label {_V} does not contain the excluded (.+)",
        QT_TRANSLATE_NOOP("CoreText", "label %1 does not contain the excluded %2"),
    ),
    _entry(
        rf"label {_V} does not contain (.+)",
        QT_TRANSLATE_NOOP("CoreText", "label %1 does not contain %2"),
    ),
    _entry(rf"label {_V} contains (.+)", QT_TRANSLATE_NOOP("CoreText", "label %1 contains %2")),
    _entry(
        rf"label {_V} does not match plan_label_regex (.+)",
        QT_TRANSLATE_NOOP("CoreText", "label %1 does not match plan_label_regex %2"),
    ),
    _entry(
        rf"label {_V} matches plan_label_regex (.+)",
        QT_TRANSLATE_NOOP("CoreText", "label %1 matches plan_label_regex %2"),
    ),
    _entry(
        rf"name {_V} does not match plan_name_regex (.+)",
        QT_TRANSLATE_NOOP("CoreText", "name %1 does not match plan_name_regex %2"),
    ),
    _entry(
        rf"name {_V} matches plan_name_regex (.+)",
        QT_TRANSLATE_NOOP("CoreText", "name %1 matches plan_name_regex %2"),
    ),
    _entry(
        rf"(\w+) {_V} is not a valid regular expression \((.+)\)",
        QT_TRANSLATE_NOOP("CoreText", "%1 %2 is not a valid regular expression (%3)"),
    ),
    _entry(
        rf"(\w+) {_V} could not be applied \((.+)\)",
        QT_TRANSLATE_NOOP("CoreText", "%1 %2 could not be applied (%3)"),
        3,
    ),
    _entry(
        r"it took longer than ([\d.]+) s on this text: it backtracks",
        QT_TRANSLATE_NOOP("CoreText", "it took longer than %1 s on this text: it backtracks"),
        1,
    ),
    _entry(r"plan is APPROVED", QT_TRANSLATE_NOOP("CoreText", "plan is APPROVED")),
    _entry(
        rf"approval status is {_V}, rule requires APPROVED",
        QT_TRANSLATE_NOOP("CoreText", "approval status is %1, rule requires APPROVED"),
    ),
    _entry(
        r"treatment machine (.+) is listed",
        QT_TRANSLATE_NOOP("CoreText", "treatment machine %1 is listed"),
    ),
    _entry(
        r"plan names no treatment machine, rule requires one of (.+)",
        QT_TRANSLATE_NOOP("CoreText", "plan names no treatment machine, rule requires one of %1"),
    ),
    _entry(
        rf"treatment machine {_V} is not one of (.+)",
        QT_TRANSLATE_NOOP("CoreText", "treatment machine %1 is not one of %2"),
    ),
    _entry(
        r"plan intent (.+) is listed", QT_TRANSLATE_NOOP("CoreText", "plan intent %1 is listed")
    ),
    _entry(
        rf"plan intent {_V} is not one of (.+)",
        QT_TRANSLATE_NOOP("CoreText", "plan intent %1 is not one of %2"),
    ),
    _entry(r"(\S+) present", QT_TRANSLATE_NOOP("CoreText", "%1 present")),
    _entry(
        r"no (.+) yet \(rule requires (\S+)\)",
        QT_TRANSLATE_NOOP("CoreText", "no %1 yet (rule requires %2)"),
        1,
    ),
    _entry(
        r"(.+) \(rule requires (\S+)\)",
        QT_TRANSLATE_NOOP("CoreText", "%1 (rule requires %2)"),
        1,
    ),
    _entry(r"dose", QT_TRANSLATE_NOOP("CoreText", "dose")),
    _entry(r"structure set", QT_TRANSLATE_NOOP("CoreText", "structure set")),
    _entry(r"plan", QT_TRANSLATE_NOOP("CoreText", "plan")),
    _entry(r"RT image", QT_TRANSLATE_NOOP("CoreText", "RT image")),
    _entry(r"treatment record", QT_TRANSLATE_NOOP("CoreText", "treatment record")),
    _entry(r"a dose", QT_TRANSLATE_NOOP("CoreText", "a dose")),
    _entry(r"a structure set", QT_TRANSLATE_NOOP("CoreText", "a structure set")),
    _entry(r"a plan", QT_TRANSLATE_NOOP("CoreText", "a plan")),
    _entry(r"an RT image", QT_TRANSLATE_NOOP("CoreText", "an RT image")),
    _entry(r"a treatment record", QT_TRANSLATE_NOOP("CoreText", "a treatment record")),
    _entry(r"(CT|MR|PET) images", QT_TRANSLATE_NOOP("CoreText", "%1 images")),
    _entry(
        r"an instance of modality (.+)",
        QT_TRANSLATE_NOOP("CoreText", "an instance of modality %1"),
    ),
    _entry(r"(.+) missing", QT_TRANSLATE_NOOP("CoreText", "%1 missing"), 1),
    _entry(r"references", QT_TRANSLATE_NOOP("CoreText", "references")),
    # -- DICOM send failures (dicom/status.py)
    _entry(
        r"connection refused \(nothing listening on (.+)\)",
        QT_TRANSLATE_NOOP("CoreText", "connection refused (nothing listening on %1)"),
    ),
    _entry(
        r"connection refused \(nothing is listening there\)",
        QT_TRANSLATE_NOOP("CoreText", "connection refused (nothing is listening there)"),
    ),
    _entry(
        rf"the receiver at {_V} cannot be reached on the network",
        QT_TRANSLATE_NOOP("CoreText", "the receiver at %1 cannot be reached on the network"),
    ),
    _entry(
        r"the receiver cannot be reached on the network",
        QT_TRANSLATE_NOOP("CoreText", "the receiver cannot be reached on the network"),
    ),
    _entry(
        rf"timed out: the receiver at {_V} did not answer in time",
        QT_TRANSLATE_NOOP("CoreText", "timed out: the receiver at %1 did not answer in time"),
    ),
    _entry(
        r"timed out: the receiver did not answer in time",
        QT_TRANSLATE_NOOP("CoreText", "timed out: the receiver did not answer in time"),
    ),
    _entry(
        r"association aborted by the receiver at (.+)",
        QT_TRANSLATE_NOOP("CoreText", "association aborted by the receiver at %1"),
    ),
    _entry(
        r"association aborted by the receiver",
        QT_TRANSLATE_NOOP("CoreText", "association aborted by the receiver"),
    ),
    _entry(
        r"the destination settings cannot be used",
        QT_TRANSLATE_NOOP("CoreText", "the destination settings cannot be used"),
    ),
    _entry(
        r"association rejected by the peer for now",
        QT_TRANSLATE_NOOP("CoreText", "association rejected by the peer for now"),
    ),
    _entry(
        r"association rejected by the peer",
        QT_TRANSLATE_NOOP("CoreText", "association rejected by the peer"),
    ),
    _entry(
        r"the receiver does not accept this kind of object",
        QT_TRANSLATE_NOOP("CoreText", "the receiver does not accept this kind of object"),
    ),
    _entry(
        r"the receiver does not accept (.+)",
        QT_TRANSLATE_NOOP("CoreText", "the receiver does not accept %1"),
    ),
    _entry(
        r"the receiver did not answer the request",
        QT_TRANSLATE_NOOP("CoreText", "the receiver did not answer the request"),
    ),
    _entry(r"stored", QT_TRANSLATE_NOOP("CoreText", "stored")),
    _entry(r"(.+) \((0x[0-9A-F]{4})\)", QT_TRANSLATE_NOOP("CoreText", "%1 (%2)"), 1),
    _entry(
        r"the receiver failed while processing the instance",
        QT_TRANSLATE_NOOP("CoreText", "the receiver failed while processing the instance"),
    ),
    _entry(
        r"the receiver says the instance is invalid",
        QT_TRANSLATE_NOOP("CoreText", "the receiver says the instance is invalid"),
    ),
    _entry(
        r"the receiver does not support this kind of object",
        QT_TRANSLATE_NOOP("CoreText", "the receiver does not support this kind of object"),
    ),
    _entry(
        r"the receiver says this station is not authorised to store there",
        QT_TRANSLATE_NOOP(
            "CoreText", "the receiver says this station is not authorised to store there"
        ),
    ),
    _entry(
        r"the receiver saw a duplicate request",
        QT_TRANSLATE_NOOP("CoreText", "the receiver saw a duplicate request"),
    ),
    _entry(
        r"the receiver did not recognise the request",
        QT_TRANSLATE_NOOP("CoreText", "the receiver did not recognise the request"),
    ),
    _entry(
        r"the receiver says an argument was mistyped",
        QT_TRANSLATE_NOOP("CoreText", "the receiver says an argument was mistyped"),
    ),
    _entry(
        r"the receiver stored the instance with a warning",
        QT_TRANSLATE_NOOP("CoreText", "the receiver stored the instance with a warning"),
    ),
    _entry(
        r"the receiver stored the instance but reported an attribute list error",
        QT_TRANSLATE_NOOP(
            "CoreText", "the receiver stored the instance but reported an attribute list error"
        ),
    ),
    _entry(
        r"the receiver stored the instance but reported a value out of range",
        QT_TRANSLATE_NOOP(
            "CoreText", "the receiver stored the instance but reported a value out of range"
        ),
    ),
    _entry(
        r"the receiver stored the instance but changed some data elements",
        QT_TRANSLATE_NOOP(
            "CoreText", "the receiver stored the instance but changed some data elements"
        ),
    ),
    _entry(
        r"the receiver stored the instance but discarded some data elements",
        QT_TRANSLATE_NOOP(
            "CoreText", "the receiver stored the instance but discarded some data elements"
        ),
    ),
    _entry(
        r"the receiver stored the instance but says it does not match its SOP class",
        QT_TRANSLATE_NOOP(
            "CoreText", "the receiver stored the instance but says it does not match its SOP class"
        ),
    ),
    _entry(
        r"the receiver is out of resources",
        QT_TRANSLATE_NOOP("CoreText", "the receiver is out of resources"),
    ),
    _entry(
        r"the receiver is at its resource limit",
        QT_TRANSLATE_NOOP("CoreText", "the receiver is at its resource limit"),
    ),
    _entry(
        r"the receiver says the data does not match its SOP class",
        QT_TRANSLATE_NOOP("CoreText", "the receiver says the data does not match its SOP class"),
    ),
    _entry(
        r"the receiver cannot understand the data",
        QT_TRANSLATE_NOOP("CoreText", "the receiver cannot understand the data"),
    ),
    _entry(
        r"the receiver answered with an unknown status",
        QT_TRANSLATE_NOOP("CoreText", "the receiver answered with an unknown status"),
    ),
    # -- the send queue and its workers (routing/send_queue.py, routing/workers.py)
    _entry(
        rf"gave up after {_N} attempts", QT_TRANSLATE_NOOP("CoreText", "gave up after %1 attempts")
    ),
    _entry(rf"{_N} of {_N} items failed", QT_TRANSLATE_NOOP("CoreText", "%1 of %2 items failed")),
    _entry(
        rf"(.+) \(and {_N} other reasons\)",
        QT_TRANSLATE_NOOP("CoreText", "%1 (and %2 other reasons)"),
        1,
    ),
    _entry(
        rf"{_N} of {_N} items were not sent",
        QT_TRANSLATE_NOOP("CoreText", "%1 of %2 items were not sent"),
    ),
    _entry(
        rf"delivered {_N} of {_N} instances, {_N} already there",
        QT_TRANSLATE_NOOP("CoreText", "delivered %1 of %2 instances, %3 already there"),
    ),
    _entry(
        rf"delivered {_N} of {_N} instances",
        QT_TRANSLATE_NOOP("CoreText", "delivered %1 of %2 instances"),
    ),
    _entry(
        rf"nothing to send: all {_N} instances were already delivered to (.+)",
        QT_TRANSLATE_NOOP(
            "CoreText", "nothing to send: all %1 instances were already delivered to %2"
        ),
    ),
    _entry(
        rf"queued {_N} instances \({_N} already delivered, skipped\) "
        r"\(forced: sending again what was delivered before\)",
        QT_TRANSLATE_NOOP(
            "CoreText",
            "queued %1 instances (%2 already delivered, skipped) "
            "(forced: sending again what was delivered before)",
        ),
    ),
    _entry(
        rf"queued {_N} instances \({_N} already delivered, skipped\)",
        QT_TRANSLATE_NOOP("CoreText", "queued %1 instances (%2 already delivered, skipped)"),
    ),
    _entry(
        rf"queued {_N} instances \(forced: sending again what was delivered before\)",
        QT_TRANSLATE_NOOP(
            "CoreText", "queued %1 instances (forced: sending again what was delivered before)"
        ),
    ),
    _entry(rf"queued {_N} instances", QT_TRANSLATE_NOOP("CoreText", "queued %1 instances")),
    _entry(
        rf"queued: {_N} of {_N} instances to send",
        QT_TRANSLATE_NOOP("CoreText", "queued: %1 of %2 instances to send"),
    ),
    _entry(
        r"taken over from (.+): its lease expired",
        QT_TRANSLATE_NOOP("CoreText", "taken over from %1: its lease expired"),
    ),
    _entry(
        rf"sending \(attempt {_N} of {_N}\)",
        QT_TRANSLATE_NOOP("CoreText", "sending (attempt %1 of %2)"),
    ),
    _entry(rf"sending {_N} of {_N}", QT_TRANSLATE_NOOP("CoreText", "sending %1 of %2")),
    _entry(
        rf"done: {_N} of {_N} instances delivered",
        QT_TRANSLATE_NOOP("CoreText", "done: %1 of %2 instances delivered"),
    ),
    _entry(
        r"resumed after a restart: the last send was cut off",
        QT_TRANSLATE_NOOP("CoreText", "resumed after a restart: the last send was cut off"),
    ),
    _entry(r"retry requested", QT_TRANSLATE_NOOP("CoreText", "retry requested")),
    _entry(r"(\S+) is paused", QT_TRANSLATE_NOOP("CoreText", "%1 is paused")),
    _entry(
        rf"retrying at {_V} because (.+)",
        QT_TRANSLATE_NOOP("CoreText", "retrying at %1 because %2"),
        2,
    ),
    _entry(r"retrying: (.+)", QT_TRANSLATE_NOOP("CoreText", "retrying: %1"), 1),
    _entry(r"failed because (.+)", QT_TRANSLATE_NOOP("CoreText", "failed because %1"), 1),
    _entry(r"failed: (.+)", QT_TRANSLATE_NOOP("CoreText", "failed: %1"), 1),
    # -- node test (net/echo.py)
    _entry(
        r"the peer answered with status 0x0000 \(success\) in ([\d.]+) ms",
        QT_TRANSLATE_NOOP("CoreText", "the peer answered with status 0x0000 (success) in %1 ms"),
    ),
    _entry(
        r"the peer answered the echo with status (0x[0-9A-F]{4})",
        QT_TRANSLATE_NOOP("CoreText", "the peer answered the echo with status %1"),
    ),
    *STORAGE_ENTRIES,  # storing's sentences last, as they were
)
