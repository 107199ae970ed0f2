"""The Settings dialog's Nodes tab: the node table, add/edit/remove, and the Test
(C-ECHO on a pool thread). A mixin of :class:`SettingsDialog`, split off by concern; it
works on the dialog's own attributes.
"""

from __future__ import annotations

import dataclasses
import logging

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    Qt,
    QThreadPool,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from rtstation.config.model import Settings
from rtstation.gui.dialogs._checks import (
    parse_setting,
)
from rtstation.gui.dialogs._echo import EchoResultLike, EchoTask
from rtstation.gui.dialogs._form import (
    FieldMessage,
    hint_label,
)
from rtstation.gui.dialogs._nodes_table import NodesTableModel, format_echo_result
from rtstation.gui.dialogs.node_editor import NodeEditorDialog

LOGGER = logging.getLogger(__name__)


class NodesTabMixin:
    def _build_nodes_tab(self, settings: Settings) -> QWidget:
        page = QWidget()
        self.nodes_model = NodesTableModel(list(settings.nodes), self)
        self.nodes_view = QTableView()
        self.nodes_view.setModel(self.nodes_model)
        self.nodes_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.nodes_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.nodes_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.nodes_view.verticalHeader().hide()
        self.nodes_view.verticalHeader().setDefaultSectionSize(
            self.nodes_view.fontMetrics().height() + 8
        )
        header = self.nodes_view.horizontalHeader()
        for column in range(len(NodesTableModel.COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.nodes_view.doubleClicked.connect(self._on_node_double_clicked)
        self.nodes_view.selectionModel().selectionChanged.connect(self._on_node_selection_changed)

        self.add_node_button = QPushButton(QCoreApplication.translate("SettingsDialog", "Add…"))
        self.edit_node_button = QPushButton(QCoreApplication.translate("SettingsDialog", "Edit…"))
        self.remove_node_button = QPushButton(
            QCoreApplication.translate("SettingsDialog", "Remove")
        )
        self.test_node_button = QPushButton(QCoreApplication.translate("SettingsDialog", "Test"))
        self.test_node_button.setToolTip(
            QCoreApplication.translate("SettingsDialog", "Send a C-ECHO to the selected node")
        )
        self.add_node_button.clicked.connect(self._on_add_node_clicked)
        self.edit_node_button.clicked.connect(self._on_edit_node_clicked)
        self.remove_node_button.clicked.connect(self._on_remove_node_clicked)
        self.test_node_button.clicked.connect(self._on_test_node_clicked)
        self.check_node_button = QPushButton(
            QCoreApplication.translate("SettingsDialog", "Check both ways…")
        )
        self.check_node_button.setToolTip(
            QCoreApplication.translate(
                "SettingsDialog",
                "TCP, C-ECHO, our receiver port, and whether the node can reach us",
            )
        )
        self.check_node_button.clicked.connect(self._on_check_node_clicked)
        buttons = QVBoxLayout()
        for button in (
            self.add_node_button,
            self.edit_node_button,
            self.remove_node_button,
            self.test_node_button,
            self.check_node_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.test_status_label = QLabel()
        self.test_status_label.setWordWrap(True)
        self.test_status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.nodes_message = FieldMessage()
        table_line = QHBoxLayout()
        table_line.addWidget(self.nodes_view, 1)
        table_line.addLayout(buttons)
        layout = QVBoxLayout(page)
        layout.addLayout(table_line, 1)
        layout.addWidget(self.test_status_label)
        layout.addWidget(self.nodes_message)
        layout.addWidget(
            hint_label(
                QCoreApplication.translate(
                    "SettingsDialog",
                    "Rules name their target nodes: after renaming or removing a node, "
                    "check the rules.",
                )
            )
        )
        self._on_node_selection_changed()
        return page

    # -- nodes ------------------------------------------------------------------------

    @Slot()
    def _on_check_node_clicked(self) -> None:
        """The window runs the checks (doctor) for the node as currently edited."""
        row = self._selected_node_row()
        if row >= 0:
            self.checkBothWaysRequested.emit(self.nodes_model.nodes[row])

    def _selected_node_row(self) -> int:
        rows = self.nodes_view.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    @Slot()
    def _on_node_selection_changed(self, *_args: object) -> None:
        row = self._selected_node_row()
        for button in (
            self.edit_node_button,
            self.remove_node_button,
            self.test_node_button,
            self.check_node_button,
        ):
            button.setEnabled(row >= 0)
        if row >= 0:  # the status line follows the selection: its last test, if any
            name = self.nodes_model.nodes[row].name
            _ok, text = self.nodes_model.test_results.get(name.casefold(), (None, ""))
            if text:
                self.test_status_label.setText(
                    QCoreApplication.translate(
                        "SettingsDialog", "Test of '{name}': {result}"
                    ).format(name=name, result=text)
                )

    def _open_node_editor(self, row: int) -> NodeEditorDialog:
        """Open the editor window-modally (``open``, not ``exec``: no nested event loop)."""
        nodes = self.nodes_model.nodes
        node = nodes[row] if row >= 0 else None
        taken = [n.name for i, n in enumerate(nodes) if i != row]
        editor = NodeEditorDialog(
            node, taken, self.ae_title_edit.text().strip(), self, echo=self._echo
        )
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.accepted.connect(lambda: self._on_node_editor_accepted(editor, row))
        editor.open()
        return editor

    def _on_node_editor_accepted(self, editor: NodeEditorDialog, row: int) -> None:
        node = editor.result_node()
        if node is None:
            return
        nodes = list(self.nodes_model.nodes)
        if row >= 0:
            self.nodes_model.forget_test_result(nodes[row].name)
            nodes[row] = node
        else:
            nodes.append(node)
            row = len(nodes) - 1
        self.nodes_model.forget_test_result(node.name)
        self.nodes_model.replace_nodes(nodes)
        self.nodes_view.selectRow(row)
        self._revalidate()

    @Slot()
    def _on_add_node_clicked(self) -> None:
        self._open_node_editor(-1)

    @Slot()
    def _on_edit_node_clicked(self) -> None:
        row = self._selected_node_row()
        if row >= 0:
            self._open_node_editor(row)

    @Slot(QModelIndex)
    def _on_node_double_clicked(self, index: QModelIndex) -> None:
        self._open_node_editor(index.row())

    @Slot()
    def _on_remove_node_clicked(self) -> None:
        row = self._selected_node_row()
        if row < 0:
            return
        nodes = list(self.nodes_model.nodes)
        removed = nodes.pop(row)
        self.nodes_model.forget_test_result(removed.name)
        self.nodes_model.replace_nodes(nodes)
        if nodes:
            self.nodes_view.selectRow(min(row, len(nodes) - 1))
        self._on_node_selection_changed()
        self._revalidate()

    @Slot()
    def _on_test_node_clicked(self) -> None:
        row = self._selected_node_row()
        if row >= 0:
            self.test_node(row)

    def test_node(self, row: int) -> None:
        """C-ECHO the node in ``row`` as currently edited, on a pool thread."""
        node = self.nodes_model.nodes[row]
        if not node.calling_ae:
            ae_title, _reason = parse_setting("ae_title", self.ae_title_edit.text())
            if ae_title:
                node = dataclasses.replace(node, calling_ae=ae_title)
        self._next_test_id += 1
        test_id = self._next_test_id
        self._tests_running[test_id] = node.name
        self.nodes_model.set_test_result(
            node.name, None, QCoreApplication.translate("SettingsDialog", "Testing…")
        )
        self.test_status_label.setText(
            QCoreApplication.translate(
                "SettingsDialog", "Testing '{name}' ({ae} at {host}:{port})…"
            ).format(name=node.name, ae=node.ae_title, host=node.host, port=node.port)
        )
        task = EchoTask(test_id, node, self._echo)
        task.signals.finished.connect(self._on_echo_finished, Qt.ConnectionType.QueuedConnection)
        self._echo_tasks[test_id] = task  # keeps the signals object alive until it answers
        QThreadPool.globalInstance().start(task)

    @Slot(int, object)
    def _on_echo_finished(self, test_id: int, result: EchoResultLike) -> None:
        self._echo_tasks.pop(test_id, None)
        name = self._tests_running.pop(test_id, None)
        if name is None:
            return
        text = format_echo_result(result)
        self.nodes_model.set_test_result(name, bool(result.ok), text)
        self.test_status_label.setText(
            QCoreApplication.translate("SettingsDialog", "Test of '{name}': {result}").format(
                name=name, result=text
            )
        )
        self.echoFinished.emit(name, result)
