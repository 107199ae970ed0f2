"""Edit one destination node: the sub-dialog of the Settings dialog's Nodes tab.

It returns a new :class:`Node` built with ``dataclasses.replace`` from the one it was
given, so fields it does not show (the ini section the node came from) survive an edit
unchanged and saving can update that section in place.

*Test* sends a C-ECHO to the node as it is typed (on a pool thread, like the Nodes tab's
Test), so a wrong port or AE title shows before the dialog is closed. Every field keeps
a line for its message, so a reason appearing while typing does not move the fields.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import Qt, QThreadPool, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rtstation.config import DEFAULT_DICOM_PORT, Node, validate_node_name, validate_port
from rtstation.gui.dialogs._checks import parse_node_field, translate_reason
from rtstation.gui.dialogs._echo import EchoCallable, EchoResultLike, EchoTask
from rtstation.gui.dialogs._form import FieldRow, grow_to_fit
from rtstation.gui.dialogs._nodes_table import format_echo_result
from rtstation.gui.theme import status_color
from rtstation.gui.widgets.elided_label import ElidedLabel

LOGGER = logging.getLogger(__name__)


class NodeEditorDialog(QDialog):
    """Name, AE title, host, port, calling AE, enabled, max associations and TLS of one
    node, with a Test button when an echo callable is given."""

    def __init__(
        self,
        node: Node | None,
        taken_names: Iterable[str],
        station_ae_title: str = "",
        parent: QWidget | None = None,
        *,
        echo: EchoCallable | None = None,
    ) -> None:
        super().__init__(parent)
        self._echo = echo
        self._station_ae_title = station_ae_title
        self._echo_task: EchoTask | None = None
        self._original = node
        self._taken = {name.strip().casefold() for name in taken_names}
        self._result: Node | None = None
        self.setWindowTitle(self.tr("Edit node") if node else self.tr("Add node"))
        self.setObjectName("NodeEditorDialog")

        start = node or Node(name="", ae_title="", host="", port=DEFAULT_DICOM_PORT)
        self.name_edit = QLineEdit(start.name)
        self.name_edit.setPlaceholderText(self.tr("e.g. ORGANO"))
        self.ae_title_edit = QLineEdit(start.ae_title)
        self.ae_title_edit.setPlaceholderText(self.tr("the node's own (called) AE title"))
        self.host_edit = QLineEdit(start.host)
        self.host_edit.setPlaceholderText(self.tr("host name or IP address"))
        self.port_edit = QLineEdit(str(start.port))
        self.calling_ae_edit = QLineEdit(start.calling_ae)
        self.calling_ae_edit.setPlaceholderText(
            self.tr("empty = the station's AE title ({ae})").format(
                ae=station_ae_title or self.tr("receiver AE title")
            )
        )
        self.enabled_check = QCheckBox(self.tr("Enabled (plans may be sent to this node)"))
        self.enabled_check.setChecked(start.enabled)
        self.max_assoc_edit = QLineEdit(str(start.max_associations))
        self.tls_check = QCheckBox(self.tr("Use TLS (DICOM over an encrypted connection)"))
        self.tls_check.setChecked(start.tls)
        self.tls_edits = {
            "tls_ca_file": QLineEdit(start.tls_ca_file),
            "tls_cert_file": QLineEdit(start.tls_cert_file),
            "tls_key_file": QLineEdit(start.tls_key_file),
        }
        self.tls_edits["tls_ca_file"].setPlaceholderText(
            self.tr("CA certificate (PEM) that signed the node's certificate")
        )
        self.tls_edits["tls_cert_file"].setPlaceholderText(self.tr("empty = no client certificate"))
        self.tls_edits["tls_key_file"].setPlaceholderText(self.tr("key of the client certificate"))

        self._rows = {
            "name": FieldRow(
                self.name_edit,
                hint=self.tr("Rules name their target nodes by this name."),
                reserve_message=True,
            ),
            "ae_title": FieldRow(self.ae_title_edit, reserve_message=True),
            "host": FieldRow(self.host_edit, reserve_message=True),
            "port": FieldRow(self.port_edit, reserve_message=True),
            "calling_ae": FieldRow(self.calling_ae_edit, reserve_message=True),
            "max_associations": FieldRow(
                self.max_assoc_edit,
                hint=self.tr("How many plans may be sent to this node at the same time."),
                reserve_message=True,
            ),
        }
        for attr, edit in self.tls_edits.items():
            browse = QPushButton(self.tr("Browse..."))
            browse.clicked.connect(lambda _checked=False, a=attr: self._browse(a))
            self._rows[attr] = FieldRow(edit, browse, reserve_message=True)
        form = QFormLayout()
        form.addRow(self.tr("Name:"), self._rows["name"])
        form.addRow(self.tr("AE title:"), self._rows["ae_title"])
        form.addRow(self.tr("Host:"), self._rows["host"])
        form.addRow(self.tr("Port:"), self._rows["port"])
        form.addRow(self.tr("Calling AE title:"), self._rows["calling_ae"])
        form.addRow("", self.enabled_check)
        form.addRow(self.tr("Max. associations:"), self._rows["max_associations"])
        form.addRow("", self.tls_check)
        form.addRow(self.tr("CA certificate:"), self._rows["tls_ca_file"])
        form.addRow(self.tr("Client certificate:"), self._rows["tls_cert_file"])
        form.addRow(self.tr("Client key:"), self._rows["tls_key_file"])

        self.test_button = QPushButton(self.tr("Test"))
        self.test_button.setObjectName("nodeTestButton")
        self.test_button.setToolTip(self.tr("Send a C-ECHO to the node as entered above"))
        self.test_button.clicked.connect(self.test)
        self.test_button.setVisible(echo is not None)
        self.test_label = ElidedLabel()
        self.test_label.setObjectName("nodeTestResult")
        test_line = QHBoxLayout()
        test_line.addWidget(self.test_button)
        test_line.addWidget(self.test_label, 1)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(test_line)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        for edit in (
            self.name_edit,
            self.ae_title_edit,
            self.host_edit,
            self.port_edit,
            self.calling_ae_edit,
            self.max_assoc_edit,
            *self.tls_edits.values(),
        ):
            edit.textChanged.connect(self._on_field_changed)
        self.enabled_check.toggled.connect(self._on_field_changed)
        self.tls_check.toggled.connect(self._on_field_changed)
        self.setMinimumWidth(520)
        self._on_field_changed()

    # -- result -----------------------------------------------------------------------

    def result_node(self) -> Node | None:
        """The edited node after OK, else None."""
        return self._result

    def accept(self) -> None:
        node = self._collect()
        if node is None:
            return
        self._result = node
        super().accept()

    # -- validation -------------------------------------------------------------------

    def _on_field_changed(self, *_args: object) -> None:
        tls = self.tls_check.isChecked()
        for attr in self.tls_edits:
            self._rows[attr].setEnabled(tls)
        node = self._collect()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(node is not None)
        self.test_button.setEnabled(node is not None and self._echo_task is None)

    def _browse(self, attr: str) -> None:
        edit = self.tls_edits[attr]
        chosen, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose a file"),
            edit.text(),
            self.tr("PEM files (*.pem *.crt *.key);;All files (*)"),
        )
        if chosen:
            edit.setText(chosen)

    # -- test -------------------------------------------------------------------------

    @Slot()
    def test(self) -> None:
        """C-ECHO the node as entered, on a pool thread; the answer shows below."""
        node = self._collect()
        if node is None or self._echo is None or self._echo_task is not None:
            return
        if not node.calling_ae and self._station_ae_title:
            node = dataclasses.replace(node, calling_ae=self._station_ae_title)
        self.test_label.setStyleSheet("")
        self.test_label.setText(self.tr("Testing…"))
        task = EchoTask(0, node, self._echo)
        task.signals.finished.connect(self._on_echo_finished, Qt.ConnectionType.QueuedConnection)
        self._echo_task = task
        self.test_button.setEnabled(False)
        QThreadPool.globalInstance().start(task)

    @property
    def testing(self) -> bool:
        return self._echo_task is not None

    @Slot(int, object)
    def _on_echo_finished(self, _test_id: int, result: EchoResultLike) -> None:
        self._echo_task = None
        text = format_echo_result(result)
        self.test_label.setText(text)
        self.test_label.setToolTip(text)
        self.test_label.setStyleSheet(f"color: {status_color('ok' if result.ok else 'error')};")
        self._on_field_changed()

    def _collect(self) -> Node | None:
        """Check every field, show each reason next to its field; the node when all pass."""
        enabled = self.enabled_check.isChecked()
        values: dict[str, object] = {}
        reasons: dict[str, str] = {}

        name = self.name_edit.text().strip()
        ok, reason = validate_node_name(name)
        if ok and name.casefold() in self._taken:
            reason = self.tr("another node is already called '{name}'; node names must be unique")
            reason = reason.format(name=name)
        elif not ok:
            reason = translate_reason(reason)
        values["name"] = name
        reasons["name"] = reason

        for attr, edit in (("ae_title", self.ae_title_edit), ("host", self.host_edit)):
            value, reason = parse_node_field(attr, edit.text())
            if not reason and enabled and not value:
                reason = "must not be empty for an enabled node"
            values[attr] = value
            reasons[attr] = translate_reason(reason)

        ok, reason = validate_port(self.port_edit.text())
        values["port"] = int(self.port_edit.text()) if ok else None
        reasons["port"] = translate_reason(reason)

        for attr, edit in (
            ("calling_ae", self.calling_ae_edit),
            ("max_associations", self.max_assoc_edit),
        ):
            value, reason = parse_node_field(attr, edit.text())
            values[attr] = value
            reasons[attr] = translate_reason(reason)

        values["tls"] = self.tls_check.isChecked()
        for attr, edit in self.tls_edits.items():
            path = edit.text().strip()
            values[attr] = path
            if values["tls"] and path and not Path(path).is_file():
                reasons[attr] = self.tr("file '{path}' does not exist").format(path=path)
        if values["tls"] and bool(values["tls_cert_file"]) != bool(values["tls_key_file"]):
            reasons["tls_key_file"] = self.tr(
                "a client certificate needs its key, and a key its certificate"
            )

        for attr, row in self._rows.items():
            row.message.show_error(reasons.get(attr, ""))
        grow_to_fit(self)
        if any(reasons.values()):
            return None
        if self._original is None:
            return Node(enabled=enabled, **values)  # type: ignore[arg-type]
        return dataclasses.replace(self._original, enabled=enabled, **values)  # type: ignore[arg-type]
