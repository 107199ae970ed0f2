"""The Settings dialog's Receiver tab: AE title, port, address, connection limits, settle
time, free space floor, and the allowed senders.

A mixin of :class:`SettingsDialog` (split off by concern, like the nodes and housekeeping
tabs). Its number fields use the dialog's own ``_number_field`` and are checked by the same
settings.ini parsers as the file, so a value the dialog accepts is one the file accepts.
Every field here restarts a running receiver when applied (``RECEIVER_SETTINGS``).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QStringListModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rtstation.config import Settings
from rtstation.gui.dialogs._form import EntryLineEdit, FieldMessage, FieldRow

# Number fields of the tab (problems are reported under the labels the dialog gives them).
RECEIVER_NUMBERS = (
    "port",
    "receiver_max_associations",
    "association_request_timeout",
    "settle_seconds",
    "min_free_space_mb",
)


class ReceiverTabMixin:
    def _build_receiver_tab(self, settings: Settings) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self._build_receiver_group(settings))
        layout.addWidget(self._build_allow_group(settings))
        layout.addStretch(1)
        return page

    def _build_receiver_group(self, settings: Settings) -> QGroupBox:
        self.ae_title_edit = QLineEdit(settings.ae_title)
        self.ae_title_edit.setMaximumWidth(220)
        self.ae_title_row = FieldRow(
            self.ae_title_edit,
            hint=QCoreApplication.translate("SettingsDialog", "Senders must call this AE title."),
            compact=True,
        )
        self.ae_title_edit.textChanged.connect(self._on_field_changed)
        self.require_called_check = QCheckBox(
            QCoreApplication.translate(
                "SettingsDialog", "Refuse associations that call another AE title"
            )
        )
        self.require_called_check.setChecked(settings.require_called_ae_title)
        self.require_called_check.toggled.connect(self._on_field_changed)
        self.bind_address_edit = QLineEdit(settings.bind_address)
        self.bind_address_edit.setMaximumWidth(220)
        self.bind_address_row = FieldRow(
            self.bind_address_edit,
            hint=QCoreApplication.translate(
                "SettingsDialog",
                "The network address the receiver listens on: 0.0.0.0 = every network "
                "interface, 127.0.0.1 = this computer only.",
            ),
            compact=True,
        )
        self.bind_address_edit.textChanged.connect(self._on_field_changed)
        self.auto_start_check = QCheckBox(
            QCoreApplication.translate("SettingsDialog", "Start the receiver when rtstation starts")
        )
        self.auto_start_check.setChecked(settings.auto_start_receiver)
        self.auto_start_check.toggled.connect(self._on_field_changed)

        receiver = QGroupBox(QCoreApplication.translate("SettingsDialog", "DICOM receiver"))
        form = QFormLayout(receiver)
        form.addRow(QCoreApplication.translate("SettingsDialog", "AE title:"), self.ae_title_row)
        form.addRow("", self.require_called_check)
        form.addRow(
            QCoreApplication.translate("SettingsDialog", "Port:"),
            self._number_field("port", settings.port),
        )
        form.addRow(
            QCoreApplication.translate("SettingsDialog", "Listen on address:"),
            self.bind_address_row,
        )
        form.addRow("", self.auto_start_check)
        form.addRow(
            QCoreApplication.translate("SettingsDialog", "Senders at once:"),
            self._number_field(
                "receiver_max_associations",
                settings.receiver_max_associations,
                QCoreApplication.translate("SettingsDialog", "associations"),
                QCoreApplication.translate(
                    "SettingsDialog",
                    "More are answered 'busy', and the sender tries again later.",
                ),
            ),
        )
        form.addRow(
            QCoreApplication.translate("SettingsDialog", "Wait for a sender's request:"),
            self._number_field(
                "association_request_timeout",
                settings.association_request_timeout,
                QCoreApplication.translate("SettingsDialog", "seconds"),
                QCoreApplication.translate(
                    "SettingsDialog",
                    "A connection that sends no association request within this time is "
                    "closed, so it cannot hold a slot.",
                ),
            ),
        )
        form.addRow(
            QCoreApplication.translate("SettingsDialog", "Settle time:"),
            self._number_field(
                "settle_seconds",
                settings.settle_seconds,
                QCoreApplication.translate("SettingsDialog", "seconds"),
                QCoreApplication.translate(
                    "SettingsDialog", "Rules run when nothing new arrived for a plan for this long."
                ),
            ),
        )
        form.addRow(
            QCoreApplication.translate("SettingsDialog", "Minimum free space:"),
            self._number_field(
                "min_free_space_mb",
                settings.min_free_space_mb,
                QCoreApplication.translate("SettingsDialog", "MB"),
                QCoreApplication.translate(
                    "SettingsDialog", "Below this, incoming instances are refused (0 = no limit)."
                ),
            ),
        )
        return receiver

    def _build_allow_group(self, settings: Settings) -> QGroupBox:
        allow = QGroupBox(QCoreApplication.translate("SettingsDialog", "Allowed senders"))
        self.allow_list_check = QCheckBox(
            QCoreApplication.translate(
                "SettingsDialog", "Accept associations only from these senders"
            )
        )
        self.allow_list_check.setChecked(settings.allow_list_enabled)
        self.allow_list_check.toggled.connect(self._on_field_changed)
        self.allow_model = QStringListModel([str(c) for c in settings.allowed_calling_aes], self)
        self.allow_view = QListView()
        self.allow_view.setModel(self.allow_model)
        self.allow_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.allow_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.allow_view.setMaximumHeight(110)
        self.allow_entry = EntryLineEdit()
        self.allow_entry.setPlaceholderText(
            QCoreApplication.translate(
                "SettingsDialog", "AE title, or AE@host, e.g. FOLLOW@10.0.0.5"
            )
        )
        self.allow_entry.submitted.connect(self._on_allow_add_clicked)
        self.allow_entry.textChanged.connect(self._on_allow_entry_changed)
        add = QPushButton(QCoreApplication.translate("SettingsDialog", "Add"))
        add.clicked.connect(self._on_allow_add_clicked)
        remove = QPushButton(QCoreApplication.translate("SettingsDialog", "Remove"))
        remove.clicked.connect(self._on_allow_remove_clicked)
        self.allow_entry_row = FieldRow(self.allow_entry, add)
        self.allow_list_message = FieldMessage()
        allow_layout = QVBoxLayout(allow)
        allow_layout.addWidget(self.allow_list_check)
        list_line = QHBoxLayout()
        list_line.addWidget(self.allow_view, 1)
        list_line.addWidget(remove, 0, Qt.AlignmentFlag.AlignTop)
        allow_layout.addLayout(list_line)
        allow_layout.addWidget(self.allow_entry_row)
        allow_layout.addWidget(self.allow_list_message)
        return allow
