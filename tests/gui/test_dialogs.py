"""The dialogs: they edit copies, validate with the config layer's words, never block.

Each test builds the core values first (Settings, RulesConfig, an ImportReport) and then
the dialog over them: no mock of the core. The echo test talks to a real DCMTK storescp on
127.0.0.1; the rules test evaluates with the real rules engine.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QMessageBox, QTextEdit
from pytestqt.qtbot import QtBot

from rtstation.config import (
    AllowedCaller,
    Node,
    Rule,
    RulesConfig,
    Settings,
    validate_ae_title,
    validate_bind_address,
    validate_port,
)
from rtstation.config.model import IMPORT_FOLDER_AE
from rtstation.gui.controllers.import_controller import top_level_files
from rtstation.gui.dialogs.error_dialog import build_error_box
from rtstation.gui.dialogs.import_dialog import ImportDialog, ImportRequest
from rtstation.gui.dialogs.import_summary import ImportSummaryDialog
from rtstation.gui.dialogs.node_editor import NodeEditorDialog
from rtstation.gui.dialogs.rules_dialog import RulesDialog
from rtstation.gui.dialogs.settings_dialog import SettingsDialog
from rtstation.routing.rules import Decision, PlanFacts, evaluate
from rtstation.station.anonymized import NewPatient
from rtstation.storage.importer import ImportReport
from tests.peers.peers import StoreSCP, free_port

LONG_AE = "RADIOTHERAPY_PLANNING"


# -- fixtures and helpers ---------------------------------------------------------------


def _settings(tmp_path: Path, *nodes: Node) -> Settings:
    storage = tmp_path / "storage"
    imports = tmp_path / "import"
    storage.mkdir(exist_ok=True)
    imports.mkdir(exist_ok=True)
    return Settings(
        storage_folder=str(storage),
        import_folder=str(imports),
        allowed_calling_aes=(AllowedCaller("FOLLOW"),),
        nodes=nodes,
    )


def _peer_echo(node: Node) -> object:
    """The echo the main window passes in (``Station.echo``): rtstation.net.echo over the
    Peer the station builds from a Node, without a whole station."""
    from rtstation.net.echo import echo
    from rtstation.station.sending import peer_for

    return echo(peer_for(node, "RTSTATION"))


@pytest.fixture
def live_storescp(tmp_path: Path) -> Iterator[Callable[..., StoreSCP]]:
    """Factory for a DCMTK storescp on 127.0.0.1, stopped after the test (as tests/peers)."""
    started: list[StoreSCP] = []

    def start(**kwargs: object) -> StoreSCP:
        kwargs.setdefault("work_dir", tmp_path / f"storescp-{len(started)}")
        peer = StoreSCP(**kwargs)  # type: ignore[arg-type]
        started.append(peer)
        return peer.start()

    yield start
    for peer in started:
        peer.stop()


def _open_editor(qtbot: QtBot, dialog: SettingsDialog, button: str) -> NodeEditorDialog:
    getattr(dialog, button).click()
    editor = dialog.findChild(NodeEditorDialog)
    assert editor is not None and editor.isVisible()
    qtbot.addWidget(editor)
    return editor


def _fill_node(editor: NodeEditorDialog, **fields: str) -> None:
    for name, text in fields.items():
        edit = getattr(editor, f"{name}_edit")
        edit.setText(text)


def _ok(dialog: object) -> QDialogButtonBox:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)  # type: ignore[attr-defined]


# -- settings dialog --------------------------------------------------------------------


def test_settings_dialog_returns_an_edited_copy(qtbot: QtBot, tmp_path: Path) -> None:
    original = _settings(tmp_path, Node("ORGANO", "ORGANO", "10.0.0.5", 104))
    dialog = SettingsDialog(original, _peer_echo)
    qtbot.addWidget(dialog)
    assert dialog.current_settings() == original  # nothing lost in the round trip

    dialog.ae_title_edit.setText("RTSTATION2")
    dialog._number_edits["port"].setText("11113")
    dialog.verbose_check.setChecked(True)
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("de"))
    _ok(dialog).click()

    result = dialog.result_settings()
    assert result is not None and result is not original
    assert (result.ae_title, result.port, result.verbose_info_logging, result.language) == (
        "RTSTATION2",
        11113,
        True,
        "de",
    )
    assert result.nodes == original.nodes
    assert (
        dataclasses.replace(
            result, ae_title="RTSTATION", port=11112, verbose_info_logging=False, language=""
        )
        == original
    )
    assert (original.ae_title, original.port, original.language) == ("RTSTATION", 11112, "")


def test_settings_dialog_edits_the_receivers_connection_limits(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """max_associations, association_request_timeout and require_called_ae_title were in
    settings.ini only; the Receiver tab edits them, checked by the file's own parsers."""
    original = _settings(tmp_path)
    dialog = SettingsDialog(original, _peer_echo)
    qtbot.addWidget(dialog)
    assert dialog.current_settings() == original
    slots = dialog._number_edits["receiver_max_associations"]
    assert slots.text() == str(original.receiver_max_associations)
    slots.setText("0")  # settings.ini refuses 0 slots; so does the dialog, in words
    assert dialog.current_settings() is None and not _ok(dialog).isEnabled()
    assert "Senders at once" in dialog.problem_label.text()
    slots.setText("4")
    dialog._number_edits["association_request_timeout"].setText("2.5")
    dialog.require_called_check.setChecked(True)
    _ok(dialog).click()
    result = dialog.result_settings()
    assert result is not None
    assert result == dataclasses.replace(
        original,
        receiver_max_associations=4,
        association_request_timeout=2.5,
        require_called_ae_title=True,
    )


def test_settings_dialog_edits_the_anonymization_section(qtbot: QtBot, tmp_path: Path) -> None:
    """[Anonymization] was in settings.ini only: profile, options, burned-in, UID map."""
    original = _settings(tmp_path)
    dialog = SettingsDialog(original, _peer_echo)
    qtbot.addWidget(dialog)
    assert dialog.current_settings() == original
    # the profile's own options are shown, and cannot be ticked off one by one
    assert dialog.options_list.values() == ("CleanDesc", "RetainDeviceIdent")
    assert not dialog.options_list.isEnabled()
    dialog.profile_combo.setCurrentIndex(dialog.profile_combo.findData("basic"))
    assert dialog.options_list.values() == ()

    dialog.profile_options_check.setChecked(False)
    assert dialog.options_list.isEnabled()
    dialog.options_list.set_values(["RetainLongFullDatesAndTimes", "RetainLongModifDatesAndTimes"])
    dialog.options_list.changed.emit()
    assert dialog.current_settings() is None and not _ok(dialog).isEnabled()
    assert "exclude each other" in dialog.options_message.text()
    dialog.options_list.set_values(["CleanDesc", "RetainLongModifDatesAndTimes"])
    dialog.options_list.changed.emit()
    dialog.burned_in_combo.setCurrentIndex(dialog.burned_in_combo.findData("warn"))
    dialog.uid_map_edit.setText(str(tmp_path / "private" / "uid-map.json"))
    _ok(dialog).click()
    result = dialog.result_settings()
    assert result == dataclasses.replace(
        original,
        anonymization_profile="basic",
        anonymization_options=("CleanDesc", "RetainLongModifDatesAndTimes"),
        anonymization_burned_in="warn",
        anonymization_uid_map_file=str(tmp_path / "private" / "uid-map.json"),
    )


def test_settings_dialog_edits_retention_watching_and_log_rotation(
    qtbot: QtBot, tmp_path: Path
) -> None:
    original = _settings(tmp_path)
    dialog = SettingsDialog(original, _peer_echo)
    qtbot.addWidget(dialog)
    assert dialog.current_settings() == original
    dialog._number_edits["retention_days"].setText("thirty")
    assert dialog.current_settings() is None and not _ok(dialog).isEnabled()
    dialog._number_edits["retention_days"].setText("30")
    dialog._number_edits["retention_max_storage_gb"].setText("250")
    dialog.retention_delivered_check.setChecked(False)
    dialog.watch_import_check.setChecked(True)
    dialog._number_edits["import_quiet_seconds"].setText("10")
    dialog.import_exclude_edit.setText("*.tmp, scratch/*")
    dialog._number_edits["log_keep_days"].setText("90")
    _ok(dialog).click()
    result = dialog.result_settings()
    assert result is not None
    assert (
        dataclasses.replace(
            original,
            retention_days=30,
            retention_max_storage_gb=250.0,
            retention_only_delivered=False,
            watch_import_folder=True,
            import_quiet_seconds=10.0,
            import_exclude=("*.tmp", "scratch/*"),
            log_keep_days=90,
        )
        == result
    )


def test_cancel_returns_none(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = SettingsDialog(_settings(tmp_path), _peer_echo)
    qtbot.addWidget(dialog)
    dialog.ae_title_edit.setText("CHANGED")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    assert dialog.result_settings() is None


def test_add_node_through_the_node_editor(qtbot: QtBot, tmp_path: Path) -> None:
    original = _settings(tmp_path, Node("ORGANO", "ORGANO", "10.0.0.5", 104))
    dialog = SettingsDialog(original, _peer_echo)
    qtbot.addWidget(dialog)
    dialog.show()

    editor = _open_editor(qtbot, dialog, "add_node_button")
    _fill_node(editor, name="QA", ae_title="QA_SCP", host="qa.example.org", port="11112")
    _ok(editor).click()

    assert [node.name for node in dialog.nodes_model.nodes] == ["ORGANO", "QA"]
    _ok(dialog).click()
    result = dialog.result_settings()
    assert result is not None
    assert result.nodes[1] == Node("QA", "QA_SCP", "qa.example.org", 11112)
    assert len(original.nodes) == 1


def test_node_editor_rejects_a_duplicate_name(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = SettingsDialog(_settings(tmp_path, Node("ORGANO", "ORGANO", "h", 104)), _peer_echo)
    qtbot.addWidget(dialog)
    dialog.show()
    editor = _open_editor(qtbot, dialog, "add_node_button")
    _fill_node(editor, name="organo", ae_title="X", host="h", port="104")

    assert not _ok(editor).isEnabled()
    message = editor._rows["name"].message
    assert message.isVisible()
    assert "another node is already called 'organo'" in message.text()


def test_invalid_ae_title_shows_the_config_message_and_disables_ok(
    qtbot: QtBot, tmp_path: Path
) -> None:
    dialog = SettingsDialog(_settings(tmp_path), _peer_echo)
    qtbot.addWidget(dialog)
    dialog.show()
    reason = validate_ae_title(LONG_AE)[1]
    assert reason == "must not exceed 16 characters"

    dialog.ae_title_edit.setText(LONG_AE)

    assert not dialog.ok_button.isEnabled()
    assert dialog.ae_title_row.message.text() == reason
    assert dialog.tabs.tabText(1).endswith("⚠")  # the Receiver tab points at the problem
    assert reason in dialog.problem_label.text()
    _ok(dialog).click()  # even a forced accept returns nothing
    assert dialog.result_settings() is None

    dialog.ae_title_edit.setText("RTSTATION")
    assert dialog.ok_button.isEnabled()
    assert not dialog.ae_title_row.message.isVisible()


def test_invalid_port_and_node_fields_use_the_config_messages(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = SettingsDialog(_settings(tmp_path), _peer_echo)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog._number_edits["port"].setText("70000")
    assert dialog._number_rows["port"].message.text() == validate_port("70000")[1]
    assert not dialog.ok_button.isEnabled()

    editor = _open_editor(qtbot, dialog, "add_node_button")
    _fill_node(editor, name="X", ae_title=LONG_AE, host="h", port="104")
    assert editor._rows["ae_title"].message.text() == "must not exceed 16 characters"
    editor.enabled_check.setChecked(True)
    _fill_node(editor, ae_title="")
    assert editor._rows["ae_title"].message.text() == "must not be empty for an enabled node"
    editor.enabled_check.setChecked(False)  # a disabled placeholder may have no AE title
    assert editor._rows["ae_title"].message.text() == ""  # its line stays, empty
    assert _ok(editor).isEnabled()


def test_bind_address_is_edited_and_checked_like_settings_ini(qtbot: QtBot, tmp_path: Path) -> None:
    original = _settings(tmp_path)
    dialog = SettingsDialog(original, _peer_echo)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.bind_address_edit.text() == original.bind_address == "0.0.0.0"

    dialog.bind_address_edit.setText("dicom.example.org")
    reason = validate_bind_address("dicom.example.org")[1]
    assert reason.startswith("must be an IP address of this computer")
    assert dialog.bind_address_row.message.text() == reason
    assert not dialog.ok_button.isEnabled()
    assert dialog.tabs.tabText(1).endswith("⚠")

    dialog.bind_address_edit.setText("127.0.0.1")
    assert dialog.ok_button.isEnabled()
    _ok(dialog).click()
    result = dialog.result_settings()
    assert result is not None and result.bind_address == "127.0.0.1"
    assert dataclasses.replace(result, bind_address="0.0.0.0") == original


def test_retry_cap_below_base_is_refused(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = SettingsDialog(_settings(tmp_path), _peer_echo)
    qtbot.addWidget(dialog)
    dialog._number_edits["retry_max_seconds"].setText("5")
    assert not dialog.ok_button.isEnabled()
    assert "must not be less than" in dialog._number_rows["retry_max_seconds"].message.text()


def test_allow_list_entries_are_checked(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = SettingsDialog(_settings(tmp_path), _peer_echo)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.allow_entry.setText(LONG_AE)
    assert dialog.allow_entry_row.message.text() == (
        f"AE title '{LONG_AE}' must not exceed 16 characters"
    )
    dialog.allow_entry.setText("ECLIPSE@10.1.2.3")
    qtbot.keyClick(dialog.allow_entry, Qt.Key.Key_Return)  # adds; does not close the dialog
    assert dialog.isVisible()
    dialog.allow_list_check.setChecked(True)
    settings = dialog.current_settings()
    assert settings is not None
    assert settings.allowed_calling_aes == (
        AllowedCaller("FOLLOW"),
        AllowedCaller("ECLIPSE", "10.1.2.3"),
    )
    assert settings.allow_list_enabled


@pytest.mark.peers
def test_node_test_against_a_live_storescp_shows_success(
    qtbot: QtBot, tmp_path: Path, live_storescp: Callable[..., StoreSCP]
) -> None:
    scp = live_storescp()
    node = Node("DCMTK", scp.ae_title, "127.0.0.1", scp.port)
    dialog = SettingsDialog(_settings(tmp_path, node), _peer_echo)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.nodes_view.selectRow(0)

    with qtbot.waitSignal(dialog.echoFinished, timeout=20_000) as blocker:
        dialog.test_node_button.click()
        # The click returned before the echo did: the GUI thread is free meanwhile.
        assert "Testing" in dialog.nodes_model.index(0, 6).data()

    name, result = blocker.args
    assert name == "DCMTK"
    assert result.ok, result.reason
    cell = dialog.nodes_model.index(0, 6).data()
    assert cell.startswith("OK, ") and cell.endswith(" ms")
    assert "OK" in dialog.test_status_label.text()


def test_node_test_against_a_closed_port_shows_the_reason(qtbot: QtBot, tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    node = Node("NOWHERE", "NOWHERE", "127.0.0.1", port)
    dialog = SettingsDialog(_settings(tmp_path, node), _peer_echo)
    qtbot.addWidget(dialog)
    dialog.show()

    with qtbot.waitSignal(dialog.echoFinished, timeout=20_000) as blocker:
        dialog.test_node(0)

    _name, result = blocker.args
    assert not result.ok
    cell = dialog.nodes_model.index(0, 6).data()
    assert cell.startswith("Failed: ")
    assert "connection refused" in cell and f"127.0.0.1:{port}" in cell


def test_node_test_reports_an_echo_that_raises(qtbot: QtBot, tmp_path: Path) -> None:
    def broken(node: Node) -> object:
        raise OSError("network is down")

    dialog = SettingsDialog(_settings(tmp_path, Node("A", "A", "h", 104)), broken)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.echoFinished, timeout=10_000):
        dialog.test_node(0)
    assert dialog.nodes_model.index(0, 6).data() == "Failed: network is down"


# -- rules dialog -----------------------------------------------------------------------


def _two_nodes(tmp_path: Path) -> Settings:
    return _settings(
        tmp_path,
        Node("ORGANO", "ORGANO", "10.0.0.5", 104),
        Node("ARCHIVE", "ARCHIVE", "10.0.0.6", 104),
        Node("QA", "QA", "10.0.0.7", 104, enabled=False),
    )


def _facts(label: str = "ADP_Pelvis", source: str = "FOLLOW") -> PlanFacts:
    return PlanFacts(
        plan_uid="1.2.826.0.1.3680043.8.498.1",
        patient_id="RT001",
        source_ae=source,
        plan_label=label,
        plan_name=label,
        approval_status="APPROVED",
        plan_intent="CURATIVE",
        machines=("TrueBeam1",),
        modalities=frozenset({"RTPLAN", "RTSTRUCT", "RTDOSE", "CT"}),
    )


def test_create_the_ethos_adp_rule_and_test_it(qtbot: QtBot, tmp_path: Path) -> None:
    settings = _two_nodes(tmp_path)
    original = RulesConfig()
    tested: list[RulesConfig] = []

    def test(rules: RulesConfig) -> Decision:
        tested.append(rules)
        return evaluate(rules, _facts())

    dialog = RulesDialog(original, settings, test)
    qtbot.addWidget(dialog)
    dialog.show()

    dialog.add_button.click()
    assert not dialog.ok_button.isEnabled()  # an enabled rule without a target
    assert dialog.targets_message.text() == "An enabled rule needs at least one target node."
    qtbot.keyClicks(dialog.name_edit, "Ethos ADP Plans")  # replaces the selected default name
    qtbot.keyClicks(dialog.text_edits["source_aes"], "FOLLOW")
    qtbot.keyClicks(dialog.text_edits["plan_label_match"], "ADP")
    dialog.targets.box("ORGANO").setChecked(True)
    dialog.targets.box("ARCHIVE").setChecked(True)
    assert dialog.ok_button.isEnabled()

    with qtbot.waitSignal(dialog.rulesTested, timeout=1000):
        dialog.test_button.click()
    assert tested[0].rules[0].name == "Ethos ADP Plans"
    text = dialog.test_output.toPlainText()
    assert "Would be sent to ORGANO, ARCHIVE." in text
    assert 'Rule "Ethos ADP Plans": matched -> ORGANO, ARCHIVE' in text

    _ok(dialog).click()
    result = dialog.result_rules()
    assert result is not None and original.rules == ()
    assert result.rules == (
        Rule(
            name="Ethos ADP Plans",
            source_aes=("FOLLOW",),
            plan_label_match="ADP",
            target_nodes=("ORGANO", "ARCHIVE"),
        ),
    )


def test_rule_test_explains_a_plan_that_does_not_match(qtbot: QtBot, tmp_path: Path) -> None:
    rules = RulesConfig(
        rules=(
            Rule(
                name="Ethos ADP Plans",
                source_aes=("FOLLOW",),
                plan_label_match="ADP",
                target_nodes=("ORGANO",),
            ),
        )
    )
    dialog = RulesDialog(rules, _two_nodes(tmp_path), lambda r: evaluate(r, _facts("Pelvis_sched")))
    qtbot.addWidget(dialog)
    dialog.test_button.click()
    text = dialog.test_output.toPlainText()
    assert "Would not be sent anywhere." in text
    assert "label 'Pelvis_sched' does not contain 'ADP'" in text


def test_rule_test_shows_a_message_from_the_main_window(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = RulesDialog(
        RulesConfig(), _two_nodes(tmp_path), lambda r: "Select a plan in the main window first"
    )
    qtbot.addWidget(dialog)
    dialog.test_button.click()
    assert dialog.test_output.toPlainText() == "Select a plan in the main window first"


def test_rules_round_trip_keeps_every_field(qtbot: QtBot, tmp_path: Path) -> None:
    settings = _two_nodes(tmp_path)
    rules = RulesConfig(
        rules_enabled=False,
        rules=(
            Rule(
                name="Everything",
                enabled=False,
                source_aes=("FOLLOW", "ECLIPSE"),
                target_nodes=("qa", "ORGANO", "GONE"),  # other spelling, unknown node
                plan_label_match="ADP",
                plan_label_exclude="QA",
                plan_label_regex=r"^ADP_\d+",
                plan_name_regex="pelvis|prostate",
                approved_only=True,
                treatment_machines=("TrueBeam1", "Ethos 2"),
                plan_intents=("PALLIATIVE", "CURATIVE", "OTHER"),
                required_modalities=("RTDOSE", "RTSTRUCT"),
                machine_mapping=(("TB1", "TrueBeam1"), ("Ethos 2", "ETHOS2")),
                anonymize=True,
                anonymize_patient_id="STUDY-7",
                anonymize_patient_name="Research^Seven",
                metrics_condition="dmax_gy <= 1.1 * prescription_gy",
                section="Rule7",
            ),
            Rule(name="Imports", source_aes=(IMPORT_FOLDER_AE,), target_nodes=("ARCHIVE",)),
        ),
        warnings=("rules.ini: something from loading",),
    )
    dialog = RulesDialog(rules, settings, None)
    qtbot.addWidget(dialog)
    assert not dialog.test_button.isEnabled()
    assert dialog.ok_button.isEnabled()  # unknown targets of a disabled rule only warn
    assert "no node named 'GONE'" in dialog.targets_message.text()
    _ok(dialog).click()
    assert dialog.result_rules() == rules


def test_rules_dialog_validation(qtbot: QtBot, tmp_path: Path) -> None:
    rules = RulesConfig(
        rules=(
            Rule(name="A", target_nodes=("ORGANO",)),
            Rule(name="B", target_nodes=("ORGANO",)),
        )
    )
    dialog = RulesDialog(rules, _two_nodes(tmp_path), None)
    qtbot.addWidget(dialog)
    dialog.show()

    dialog.text_edits["plan_label_regex"].setText("ADP(")
    dialog.text_edits["plan_label_regex"].textEdited.emit("ADP(")
    message = dialog.rows["plan_label_regex"].message.text()
    assert message.startswith("is not a valid regular expression (")
    assert not dialog.ok_button.isEnabled()
    # the dialog-wide line names the rule and the field
    assert dialog.problem_label.text().startswith("Rule 'A', Plan label regex: is not a valid")
    dialog.text_edits["plan_label_regex"].setText("")
    dialog.text_edits["plan_label_regex"].textEdited.emit("")
    assert dialog.ok_button.isEnabled()

    qtbot.keyClicks(dialog.text_edits["source_aes"], LONG_AE)
    assert dialog.rows["source_aes"].message.text() == (
        f"AE title '{LONG_AE}' must not exceed 16 characters"
    )
    dialog.text_edits["source_aes"].clear()
    dialog.text_edits["source_aes"].textEdited.emit("")

    dialog.select_rule(1)
    dialog.name_edit.setText("a")
    dialog.name_edit.textEdited.emit("a")
    assert "another rule is already called 'a'" in dialog.rows["name"].message.text()
    assert not dialog.ok_button.isEnabled()
    dialog.name_edit.setText("C")
    dialog.name_edit.textEdited.emit("C")
    assert dialog.ok_button.isEnabled()

    # Unchecking a rule in the list disables it.
    dialog.model.setData(
        dialog.model.index(1), Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole
    )
    current = dialog.current_rules()
    assert current is not None and not current.rules[1].enabled


def test_rules_dialog_checks_a_metrics_condition_as_the_rules_engine_reads_it(
    qtbot: QtBot, tmp_path: Path
) -> None:
    rules = RulesConfig(rules=(Rule(name="A", target_nodes=("ORGANO",)),))
    dialog = RulesDialog(rules, _two_nodes(tmp_path), None)
    qtbot.addWidget(dialog)
    edit = dialog.text_edits["metrics_condition"]
    qtbot.keyClicks(edit, "dmax_gy <= 1.1 * prescripton_gy")  # misspelt field
    message = dialog.rows["metrics_condition"].message.text()
    assert message.startswith("cannot be read: ") and "prescripton_gy" in message, message
    assert not dialog.ok_button.isEnabled()
    assert dialog.problem_label.text().startswith("Rule 'A', Metrics condition: cannot be read")
    edit.clear()
    qtbot.keyClicks(edit, "dmax_gy <= 1.1 * prescription_gy")
    assert dialog.ok_button.isEnabled()
    (rule,) = dialog.current_rules().rules  # type: ignore[union-attr]
    assert rule.metrics_condition == "dmax_gy <= 1.1 * prescription_gy"


def test_enabled_rule_with_an_unknown_node_gets_the_loader_error(
    qtbot: QtBot, tmp_path: Path
) -> None:
    rules = RulesConfig(rules=(Rule(name="Old", target_nodes=("GONE",)),))
    dialog = RulesDialog(rules, _two_nodes(tmp_path), None)
    qtbot.addWidget(dialog)
    assert not dialog.ok_button.isEnabled()
    assert dialog.targets_message.text() == (
        "rules.ini [Old] target_nodes 'GONE': no node named 'GONE' in settings.ini "
        "(known: ORGANO, ARCHIVE, QA)"
    )
    dialog.targets.box("GONE").setChecked(False)
    dialog.targets.box("ARCHIVE").setChecked(True)
    assert dialog.ok_button.isEnabled()
    assert dialog.current_rules().rules[0].target_nodes == ("ARCHIVE",)  # type: ignore[union-attr]


def test_rules_dialog_anonymize_action(qtbot: QtBot, tmp_path: Path) -> None:
    """The action is a working check box; its new identity is checked as rules.ini is."""
    rules = RulesConfig(rules=(Rule(name="Research", target_nodes=("ORGANO",)),))
    dialog = RulesDialog(rules, _two_nodes(tmp_path), None)
    qtbot.addWidget(dialog)
    dialog.select_rule(0)
    patient_id = dialog.text_edits["anonymize_patient_id"]
    assert dialog.anonymize_check.isEnabled() and not patient_id.isEnabled()
    dialog.anonymize_check.setChecked(True)
    assert patient_id.isEnabled()
    qtbot.keyClicks(patient_id, "STUDY\\7")
    message = dialog.rows["anonymize_patient_id"].message.text()
    assert message.endswith("must not contain a backslash"), message
    assert not dialog.ok_button.isEnabled()
    patient_id.clear()
    qtbot.keyClicks(patient_id, "STUDY-7")
    qtbot.keyClicks(dialog.text_edits["anonymize_patient_name"], "Research^Seven")
    assert dialog.ok_button.isEnabled()
    (rule,) = dialog.current_rules().rules  # type: ignore[union-attr]
    assert rule.anonymize and rule.anonymize_patient_id == "STUDY-7"
    assert rule.anonymize_patient_name == "Research^Seven"


def test_rules_dialog_list_operations(qtbot: QtBot, tmp_path: Path) -> None:
    rules = RulesConfig(
        rules=(
            Rule(name="A", target_nodes=("ORGANO",), section="Rule1"),
            Rule(name="B", target_nodes=("ARCHIVE",), section="Rule2"),
        )
    )
    dialog = RulesDialog(rules, _two_nodes(tmp_path), None)
    qtbot.addWidget(dialog)
    dialog.select_rule(0)
    dialog.duplicate_button.click()
    dialog.down_button.click()
    dialog.select_rule(0)
    dialog.remove_button.click()
    result = dialog.current_rules()
    assert result is not None
    assert [rule.name for rule in result.rules] == ["B", "A (copy)"]
    assert result.rules[1].section == ""  # a copy is a new section, not Rule1 twice
    dialog.rules_enabled_check.setChecked(False)
    assert dialog.current_rules().rules_enabled is False  # type: ignore[union-attr]


# -- import, summary, errors -------------------------------------------------------------


def test_import_dialog_defaults_to_the_import_folder(qtbot: QtBot, tmp_path: Path) -> None:
    folder = tmp_path / "import"
    (folder / "sub").mkdir(parents=True)
    (folder / "top.dcm").write_bytes(b"x")
    (folder / "sub" / "deep.dcm").write_bytes(b"x")
    dialog = ImportDialog(str(folder), True)
    qtbot.addWidget(dialog)
    assert dialog.import_button.isEnabled()
    dialog.recursive_check.setChecked(False)
    dialog.import_button.click()
    request = dialog.result_request()
    assert request == ImportRequest(paths=[str(folder)], recursive=False, clear=True)
    assert top_level_files(request.paths) == [str(folder / "top.dcm")]


def test_import_dialog_files_and_missing_folder(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = ImportDialog(str(tmp_path / "missing"), True)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.import_button.isEnabled()
    assert "does not exist" in dialog.folder_row.message.text()
    archive = tmp_path / "export.zip"
    archive.write_bytes(b"PK")
    dialog.add_files([str(archive)])
    assert not dialog.clear_check.isEnabled()  # picked files are never deleted
    dialog.import_button.click()
    assert dialog.result_request() == ImportRequest(paths=[str(archive)], recursive=True)


def test_import_dialog_anonymized_copy(qtbot: QtBot, tmp_path: Path) -> None:
    """Anonymizing turns clearing off (the source stays) and checks the new identity."""
    folder = tmp_path / "import"
    folder.mkdir()
    dialog = ImportDialog(str(folder), True)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.patient_id_edit.isEnabled()
    dialog.anonymize_check.setChecked(True)
    assert not dialog.clear_check.isChecked() and not dialog.clear_check.isEnabled()
    qtbot.keyClicks(dialog.patient_id_edit, "A\\B")
    assert not dialog.import_button.isEnabled()
    assert "must not contain a backslash" in dialog.patient_id_row.message.text()
    dialog.patient_id_edit.setText("PHANTOM-3")
    dialog.patient_name_edit.setText("Phantom^Drei")
    assert dialog.import_button.isEnabled()
    dialog.import_button.click()
    request = dialog.result_request()
    assert request is not None and not request.clear
    assert request.new_patient() == NewPatient("PHANTOM-3", "Phantom^Drei")
    plain = ImportRequest(paths=[str(folder)])
    assert plain.new_patient() is None


def test_import_summary_lists_rejected_files(qtbot: QtBot) -> None:
    report = ImportReport(stored=12, duplicates=3, replaced=1)
    # named as the importer names them: by their path below the imported folder
    report.rejected.append(("junk/notes.txt", "not a DICOM file"))
    report.rejected.append(("CT.9.dcm", "file is truncated"))
    dialog = ImportSummaryDialog(report)
    qtbot.addWidget(dialog)
    counts = {key: label.text() for key, label in dialog.counts.items()}
    assert counts == {
        "stored": "12",
        "duplicates": "3",
        "replaced": "1",
        "rejected": "2",
        "cleared": "0",
    }
    assert dialog.rejected_view is not None
    model = dialog.rejected_view.model()
    assert model.rowCount() == 2
    assert (model.index(0, 0).data(), model.index(0, 1).data()) == (
        "junk/notes.txt",  # before: "notes.txt", two settings.ini of two folders alike
        "not a DICOM file",
    )
    assert model.headerData(0, Qt.Orientation.Horizontal) == "File or folder"


def test_error_box_keeps_the_detail_one_click_away(qtbot: QtBot) -> None:
    box = build_error_box(
        None,
        "Sending failed",
        "ORGANO refused the plan: it does not accept RT Dose.",
        "C-STORE status 0x0122 (SOP class not supported)",
    )
    qtbot.addWidget(box)
    assert box.text() == "ORGANO refused the plan: it does not accept RT Dose."
    assert box.detailedText() == "C-STORE status 0x0122 (SOP class not supported)"
    box.show()
    detail_view = box.findChild(QTextEdit)
    assert detail_view is not None and not detail_view.isVisible(), "the detail starts hidden"
    (show_details,) = [
        button
        for button in box.buttons()
        if box.buttonRole(button) == QMessageBox.ButtonRole.ActionRole
    ]
    qtbot.mouseClick(show_details, Qt.MouseButton.LeftButton)
    assert detail_view.isVisible()
    assert detail_view.toPlainText() == "C-STORE status 0x0122 (SOP class not supported)"


def test_node_editor_tls_fields_test_button_and_steady_layout(
    qtbot: QtBot, tmp_path: Path, live_storescp: Callable[..., StoreSCP]
) -> None:
    scp = live_storescp()
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    node = Node("DCMTK", scp.ae_title, "127.0.0.1", scp.port)
    editor = NodeEditorDialog(node, [], "RTSTATION", echo=_peer_echo)
    qtbot.addWidget(editor)
    editor.show()

    # a reason appearing under a field does not move the fields below it
    port_top = editor.port_edit.mapTo(editor, editor.port_edit.rect().topLeft()).y()
    editor.ae_title_edit.setText("")
    assert editor._rows["ae_title"].message.text() == "must not be empty for an enabled node"
    assert editor.port_edit.mapTo(editor, editor.port_edit.rect().topLeft()).y() == port_top
    assert not editor.test_button.isEnabled()
    editor.ae_title_edit.setText(scp.ae_title)

    # Test: a real C-ECHO to the node as typed, answered without blocking the dialog
    assert editor.test_button.isEnabled()
    editor.test_button.click()
    assert editor.testing
    qtbot.waitUntil(lambda: not editor.testing, timeout=20_000)
    assert editor.test_label.text().startswith("OK, ")

    # TLS: off by default, the files are checked when it is on
    assert not editor.tls_check.isChecked()
    assert not editor._rows["tls_ca_file"].isEnabled()
    editor.tls_check.setChecked(True)
    editor.tls_edits["tls_ca_file"].setText(str(tmp_path / "missing.pem"))
    assert "does not exist" in editor._rows["tls_ca_file"].message.text()
    assert not _ok(editor).isEnabled()
    editor.tls_edits["tls_ca_file"].setText(str(ca))
    editor.tls_edits["tls_cert_file"].setText(str(ca))
    assert "needs its key" in editor._rows["tls_key_file"].message.text()
    editor.tls_edits["tls_cert_file"].setText("")
    assert _ok(editor).isEnabled()
    _ok(editor).click()
    result = editor.result_node()
    assert result is not None
    assert (result.tls, result.tls_ca_file, result.tls_cert_file) == (True, str(ca), "")


def test_machine_mapping_hint_says_which_side_is_old(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = RulesDialog(RulesConfig(), _two_nodes(tmp_path), None)
    qtbot.addWidget(dialog)
    edit = dialog.text_edits["machine_mapping"]
    assert edit.placeholderText().startswith("name in the plan=name at the destination")
    hints = [label.text() for label in dialog.rows["machine_mapping"].findChildren(QLabel)]
    assert any("(old)" in text and "(new)" in text for text in hints)
