"""Edit one destination node: the sub-dialog of the Settings dialog's Nodes tab.

It returns a new :class:`Node` built with ``dataclasses.replace`` from the one it was
given, so fields it does not show (TLS files, the ini section the node came from) survive
an edit unchanged and saving can update that section in place.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from rtstation.config import DEFAULT_DICOM_PORT, Node, validate_node_name, validate_port
from rtstation.gui.dialogs._checks import parse_node_field, translate_reason
from rtstation.gui.dialogs._form import FieldRow, grow_to_fit

LOGGER = logging.getLogger(__name__)


class NodeEditorDialog(QDialog):
    """Name, AE title, host, port, calling AE, enabled and max associations of one node."""

    def __init__(
        self,
        node: Node | None,
        taken_names: Iterable[str],
        station_ae_title: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
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

        self._rows = {
            "name": FieldRow(
                self.name_edit, hint=self.tr("Rules name their target nodes by this name.")
            ),
            "ae_title": FieldRow(self.ae_title_edit),
            "host": FieldRow(self.host_edit),
            "port": FieldRow(self.port_edit),
            "calling_ae": FieldRow(self.calling_ae_edit),
            "max_associations": FieldRow(
                self.max_assoc_edit,
                hint=self.tr("How many plans may be sent to this node at the same time."),
            ),
        }
        form = QFormLayout()
        form.addRow(self.tr("Name:"), self._rows["name"])
        form.addRow(self.tr("AE title:"), self._rows["ae_title"])
        form.addRow(self.tr("Host:"), self._rows["host"])
        form.addRow(self.tr("Port:"), self._rows["port"])
        form.addRow(self.tr("Calling AE title:"), self._rows["calling_ae"])
        form.addRow("", self.enabled_check)
        form.addRow(self.tr("Max. associations:"), self._rows["max_associations"])

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        for edit in (
            self.name_edit,
            self.ae_title_edit,
            self.host_edit,
            self.port_edit,
            self.calling_ae_edit,
            self.max_assoc_edit,
        ):
            edit.textChanged.connect(self._on_field_changed)
        self.enabled_check.toggled.connect(self._on_field_changed)
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
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(
            self._collect() is not None
        )

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

        for attr, row in self._rows.items():
            row.message.show_error(reasons.get(attr, ""))
        grow_to_fit(self)
        if any(reasons.values()):
            return None
        if self._original is None:
            return Node(enabled=enabled, **values)  # type: ignore[arg-type]
        return dataclasses.replace(self._original, enabled=enabled, **values)  # type: ignore[arg-type]
