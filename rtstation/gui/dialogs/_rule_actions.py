"""The Rules dialog's "While sending" box: machine mapping and anonymization.

A mixin of :class:`RulesDialog`, split off by concern; it works on the dialog's own
attributes (``_text_row``, ``text_edits``, ``_on_editor_changed``). Texts are translated
in the dialog's context, so they stay one catalogue with the rest of it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox

from rtstation.gui.dialogs._form import hint_label

IDENTITY_FIELDS = ("anonymize_patient_id", "anonymize_patient_name")


class RuleActionsMixin:
    _text_row: Any
    text_edits: Any
    _on_editor_changed: Any

    def _build_actions(self) -> QGroupBox:
        actions = QGroupBox(QCoreApplication.translate("RulesDialog", "While sending"))
        form = QFormLayout(actions)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(
            QCoreApplication.translate("RulesDialog", "Machine mapping:"),
            self._text_row(
                "machine_mapping",
                QCoreApplication.translate(
                    "RulesDialog", "name in the plan=name at the destination, e.g. TB1=TrueBeam1"
                ),
                QCoreApplication.translate(
                    "RulesDialog",
                    "Left of '=' the machine name as the plan has it (old), right of it the "
                    "name the destination expects (new). The node gets a renamed copy; the "
                    "stored plan is not changed.",
                ),
            ),
        )
        self.anonymize_check = QCheckBox(QCoreApplication.translate("RulesDialog", "Anonymize"))
        self.anonymize_check.setObjectName("anonymize")
        self.anonymize_check.toggled.connect(self._on_editor_changed)
        form.addRow("", self.anonymize_check)
        form.addRow(
            "",
            hint_label(
                QCoreApplication.translate(
                    "RulesDialog",
                    "The nodes get an anonymized copy of the plan, its structure set, images "
                    "and doses, references intact (profile and options: settings.ini "
                    "[Anonymization]); the stored files stay as they are.",
                )
            ),
        )
        form.addRow(
            QCoreApplication.translate("RulesDialog", "New patient ID:"),
            self._text_row(
                "anonymize_patient_id",
                QCoreApplication.translate(
                    "RulesDialog", "empty = derived (ANON and 10 hex digits, the same every time)"
                ),
            ),
        )
        form.addRow(
            QCoreApplication.translate("RulesDialog", "New patient name:"),
            self._text_row(
                "anonymize_patient_name",
                QCoreApplication.translate("RulesDialog", "empty = the new patient ID"),
            ),
        )
        return actions

    def _enable_identity(self, anonymize: bool) -> None:
        """The new patient ID and name mean something only for an anonymizing rule."""
        for attr in IDENTITY_FIELDS:
            self.text_edits[attr].setEnabled(anonymize)
