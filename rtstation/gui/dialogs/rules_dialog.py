"""The Rules dialog: edit the forwarding rules of rules.ini and preview them on a plan.

Like the Settings dialog it edits a copy and returns a new :class:`RulesConfig`; saving
and applying is ``Station.apply_rules``'s job (docs/conventions.md, "Configuration is a value",
"GUI shape"). Matching is not re-implemented here: "Test against selected plan" hands the rules
*as currently edited* to the caller's ``test`` callable, which evaluates them with
``rtstation.routing.rules`` and returns a ``Decision`` whose explanation the dialog shows line
by line.

Each rule is edited as a :class:`RuleDraft` holding the text the user typed, so a rule can
be half-typed and invalid while the user looks at another one; the drafts become ``Rule``
values only on OK, through the same parsers rules.ini is read with.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from PySide6.QtCore import (
    Qt,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from rtstation.config import (
    IMPORT_FOLDER_AE,
    PLAN_INTENTS,
    Context,
    Node,
    Rule,
    RulesConfig,
    Settings,
    check_targets,
    validate_ini_text,
)
from rtstation.dicom.metrics import PLAN_COLUMNS
from rtstation.dicom.metrics_filter import FilterError, compile_condition
from rtstation.errors import RuleError
from rtstation.gui.dialogs._checklist import CheckList
from rtstation.gui.dialogs._checks import format_rule_field, parse_rule_field, translate_reason
from rtstation.gui.dialogs._form import DialogFooter, FieldMessage, FieldRow, hint_label
from rtstation.gui.dialogs._rule_actions import RuleActionsMixin
from rtstation.gui.dialogs._rule_drafts import TEXT_FIELDS, RuleDraft, RulesListModel
from rtstation.gui.dialogs._rule_test import describe_outcome
from rtstation.gui.dialogs._rules_list import RuleListMixin

LOGGER = logging.getLogger(__name__)
MODALITIES: tuple[str, ...] = ("RTSTRUCT", "RTDOSE", "CT", "MR", "PT", "RTIMAGE", "RTRECORD")
"""Modalities a rule can wait for, in the order a physicist thinks of a plan's parts."""

TestCallable = Callable[[RulesConfig], object]


class RulesDialog(RuleListMixin, RuleActionsMixin, QDialog):
    """List of rules on the left, the selected rule's fields on the right, a test below."""

    rulesTested = Signal(object)  # what the test callable returned (Decision or message)

    def __init__(
        self,
        rules: RulesConfig,
        settings: Settings,
        test: TestCallable | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("RulesDialog")
        self.setWindowTitle(self.tr("Forwarding rules"))
        self._original = rules
        self._settings = settings
        self._test = test
        self._result: RulesConfig | None = None
        self._current = -1
        self._loading = False

        self.rules_enabled_check = QCheckBox(self.tr("Forward plans automatically (rules enabled)"))
        self.rules_enabled_check.setChecked(rules.rules_enabled)
        self.rules_enabled_check.toggled.connect(self._on_rules_enabled_toggled)

        self.model = RulesListModel([RuleDraft.from_rule(rule) for rule in rules.rules], self)
        self.model.enabledToggled.connect(self._on_rule_enabled_toggled)
        self.rule_list = QListView()
        self.rule_list.setModel(self.model)
        self.rule_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.rule_list.selectionModel().currentChanged.connect(self._on_current_rule_changed)

        self.add_button = QPushButton(self.tr("Add"))
        self.duplicate_button = QPushButton(self.tr("Duplicate"))
        self.remove_button = QPushButton(self.tr("Remove"))
        self.up_button = QPushButton(self.tr("Move up"))
        self.down_button = QPushButton(self.tr("Move down"))
        self.add_button.clicked.connect(self._on_add_clicked)
        self.duplicate_button.clicked.connect(self._on_duplicate_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.up_button.clicked.connect(lambda: self._move_current(-1))
        self.down_button.clicked.connect(lambda: self._move_current(1))
        # two per row: the list stays narrow even with long (German) button texts
        list_buttons = QGridLayout()
        list_buttons.addWidget(self.add_button, 0, 0)
        list_buttons.addWidget(self.duplicate_button, 0, 1)
        list_buttons.addWidget(self.remove_button, 1, 0)
        list_buttons.addWidget(self.up_button, 2, 0)
        list_buttons.addWidget(self.down_button, 2, 1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        list_label = QLabel(self.tr("Rules (checked = enabled), in rules.ini order:"))
        list_label.setWordWrap(True)
        left_layout.addWidget(list_label)
        left_layout.addWidget(self.rule_list, 1)
        left_layout.addLayout(list_buttons)

        self.editor = self._build_editor()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.editor)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([250, 700])

        self.test_button = QPushButton(self.tr("Test against selected plan"))
        self.test_button.clicked.connect(self._on_test_clicked)
        if test is None:
            self.test_button.setEnabled(False)
            self.test_button.setToolTip(self.tr("Testing needs the main window's selected plan."))
        self.test_output = QPlainTextEdit()
        self.test_output.setReadOnly(True)
        self.test_output.setObjectName("testOutput")
        self.test_output.setPlaceholderText(
            self.tr(
                "Select a plan in the main window, then test: every rule is listed with the "
                "reasons it matches or not. Nothing is sent."
            )
        )
        self.test_output.setMaximumHeight(110)
        test_box = QGroupBox(self.tr("Test"))
        test_layout = QVBoxLayout(test_box)
        test_line = QHBoxLayout()
        test_line.addWidget(self.test_button)
        test_line.addStretch(1)
        test_layout.addLayout(test_line)
        test_layout.addWidget(self.test_output)

        self.footer = DialogFooter(self)
        self.problem_label = self.footer.problem
        self.buttons = self.footer.buttons
        self.ok_button = self.footer.ok_button

        layout = QVBoxLayout(self)
        layout.addWidget(self.rules_enabled_check)
        layout.addWidget(splitter, 1)
        layout.addWidget(test_box)
        layout.addWidget(self.footer)
        self.resize(1000, 820)

        if self.model.drafts:
            self.select_rule(0)
        else:
            self._show_draft(-1)
        self._revalidate()

    # -- editor -----------------------------------------------------------------------

    def _text_row(self, attr: str, placeholder: str = "", hint: str = "") -> FieldRow:
        edit = QLineEdit()
        edit.setObjectName(attr)
        edit.setPlaceholderText(placeholder)
        edit.textEdited.connect(self._on_editor_changed)
        row = FieldRow(edit, hint=hint)
        self.text_edits[attr] = edit
        self.rows[attr] = row
        return row

    def _build_editor(self) -> QWidget:
        self.text_edits: dict[str, QLineEdit] = {}
        self.rows: dict[str, FieldRow] = {}
        page = QWidget()

        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("name")
        self.name_edit.textEdited.connect(self._on_editor_changed)
        self.rows["name"] = FieldRow(self.name_edit)

        name_form = QFormLayout()
        name_form.addRow(self.tr("Rule name:"), self.rows["name"])

        source = QGroupBox(self.tr("Which plans"))
        form = QFormLayout(source)
        # a narrow window (or long translated labels) puts fields under their labels
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(
            self.tr("Source AE titles:"),
            self._text_row(
                "source_aes",
                self.tr("e.g. FOLLOW, ECLIPSE"),
                self.tr("Comma-separated. * = any, {folder} = folder imports").format(
                    folder=IMPORT_FOLDER_AE
                ),
            ),
        )
        form.addRow(
            self.tr("Plan label contains:"),
            self._text_row("plan_label_match", self.tr("e.g. ADP (empty = any label)")),
        )
        form.addRow(
            self.tr("Plan label excludes:"),
            self._text_row("plan_label_exclude", self.tr("e.g. QA (empty = exclude nothing)")),
        )
        form.addRow(
            self.tr("Plan label regex:"),
            self._text_row("plan_label_regex", self.tr("regular expression, not case-sensitive")),
        )
        form.addRow(
            self.tr("Plan name regex:"),
            self._text_row("plan_name_regex", self.tr("regular expression, not case-sensitive")),
        )
        self.approved_check = QCheckBox(self.tr("Only approved plans"))
        self.approved_check.toggled.connect(self._on_editor_changed)
        form.addRow("", self.approved_check)
        form.addRow(
            self.tr("Treatment machines:"),
            self._text_row("treatment_machines", self.tr("comma-separated (empty = any machine)")),
        )
        self.intents = CheckList(
            [(intent, intent) for intent in PLAN_INTENTS],
            columns=4,
            unknown_label=lambda value: self.tr("{value} (not a defined intent)").format(
                value=value
            ),
        )
        self.intents.changed.connect(self._on_editor_changed)
        form.addRow(self.tr("Plan intents:"), self.intents)
        form.addRow("", hint_label(self.tr("None checked = any intent.")))
        self.modalities = CheckList([(m, m) for m in MODALITIES], columns=4)
        self.modalities.changed.connect(self._on_editor_changed)
        form.addRow(self.tr("Wait for:"), self.modalities)
        form.addRow(
            "",
            hint_label(self.tr("The plan is forwarded once these have arrived with it.")),
        )
        form.addRow(
            self.tr("Metrics condition:"),
            self._text_row(
                "metrics_condition",
                self.tr("e.g. dmax_gy <= 1.1 * prescription_gy (empty = none)"),
                self.tr("Over the plan's metrics; the plan waits until they are computed."),
            ),
        )
        form.setVerticalSpacing(4)

        targets = QGroupBox(self.tr("Send to"))
        target_layout = QVBoxLayout(targets)
        self.targets = CheckList(
            [(node.name, self._node_label(node)) for node in self._settings.nodes],
            columns=3,
            key=lambda value: value.strip().casefold(),
            unknown_label=lambda value: self.tr("{name} (not in settings)").format(name=value),
            empty_text=self.tr("No nodes are configured: add them in Settings first."),
        )
        self.targets.changed.connect(self._on_editor_changed)
        self.targets_message = FieldMessage()
        target_layout.addWidget(self.targets)
        target_layout.addWidget(self.targets_message)

        actions = self._build_actions()

        layout = QVBoxLayout(page)
        layout.addLayout(name_form)
        layout.addWidget(targets)
        layout.addWidget(source)
        layout.addWidget(actions)
        layout.addStretch(1)
        return page

    def _node_label(self, node: Node) -> str:
        if node.enabled:
            return node.name
        return self.tr("{name} (disabled)").format(name=node.name)

    def _show_draft(self, row: int) -> None:
        """Put draft ``row`` into the editor (or clear and disable it for ``-1``)."""
        self._current = row
        draft = self.model.drafts[row] if row >= 0 else RuleDraft.from_rule(Rule(name=""))
        self._loading = True
        try:
            self.name_edit.setText(draft.name)
            for attr, edit in self.text_edits.items():
                edit.setText(draft.texts[attr])
            self.approved_check.setChecked(draft.approved_only)
            self.intents.set_values(draft.plan_intents)
            self.modalities.set_values(draft.required_modalities)
            self.targets.set_values(draft.target_nodes)
            self.anonymize_check.setChecked(draft.anonymize)
            self._enable_identity(draft.anonymize)
        finally:
            self._loading = False
        self.editor.setEnabled(row >= 0)
        self._update_buttons()
        self._show_draft_messages()

    @Slot()
    def _on_editor_changed(self, *_args: object) -> None:
        if self._loading or self._current < 0:
            return
        draft = self.model.drafts[self._current]
        draft.name = self.name_edit.text()
        for attr, edit in self.text_edits.items():
            draft.texts[attr] = edit.text()
        draft.approved_only = self.approved_check.isChecked()
        draft.plan_intents = self.intents.values()
        draft.required_modalities = self.modalities.values()
        draft.target_nodes = self.targets.values()
        draft.anonymize = self.anonymize_check.isChecked()
        self._enable_identity(draft.anonymize)
        self._revalidate()

    # -- validation -------------------------------------------------------------------

    def _check_draft(self, draft: RuleDraft, names: dict[str, int]) -> None:
        """Fill ``draft.errors`` (field -> reason) and ``draft.warnings``."""
        draft.errors = {}
        draft.warnings = []
        name = draft.name.strip()
        if not name:
            draft.errors["name"] = translate_reason("must not be empty")
        elif names.get(name.casefold(), 0) > 1:
            draft.errors["name"] = self.tr(
                "another rule is already called '{name}'; rule names must be unique"
            ).format(name=name)
        else:
            reason = validate_ini_text(name)[1]
            if reason:
                draft.errors["name"] = translate_reason(reason)
        for attr in TEXT_FIELDS:
            value, reason = parse_rule_field(attr, draft.texts[attr])
            if not reason:
                reason = validate_ini_text(format_rule_field(attr, value))[1]
            if reason:
                draft.errors[attr] = translate_reason(reason)
        condition = draft.texts["metrics_condition"].strip()
        if condition and "metrics_condition" not in draft.errors:
            try:
                compile_condition(condition, PLAN_COLUMNS)
            except FilterError as exc:
                draft.errors["metrics_condition"] = self.tr("cannot be read: {error}").format(
                    error=str(exc)
                )
        if draft.enabled and not draft.target_nodes:
            draft.errors["target_nodes"] = self.tr(
                "An enabled rule needs at least one target node."
            )
        rule = draft.to_rule(lenient=True)
        if rule is not None and "target_nodes" not in draft.errors:
            try:
                draft.warnings = check_targets(
                    rule, self._settings, Context(file="rules.ini", config_dir="", data_dir="")
                )
            except RuleError as exc:
                draft.errors["target_nodes"] = str(exc)

    def _revalidate(self) -> None:
        names: dict[str, int] = {}
        for draft in self.model.drafts:
            key = draft.name.strip().casefold()
            names[key] = names.get(key, 0) + 1
        for draft in self.model.drafts:
            self._check_draft(draft, names)
        self.model.refresh()
        self._show_draft_messages()
        bad = [draft for draft in self.model.drafts if draft.errors]
        self.ok_button.setEnabled(not bad)
        if bad:
            first = bad[0]
            attr, reason = next(iter(first.errors.items()))
            text = self.tr("Rule '{name}', {field}: {reason}").format(
                name=first.name.strip() or self.tr("(unnamed rule)"),
                field=self._field_label(attr),
                reason=reason,
            )
            if len(bad) > 1:
                text += " " + self.tr("({count} rules need attention.)").format(count=len(bad))
            self.problem_label.show_error(text)
        else:
            self.problem_label.clear_message()

    def _field_label(self, attr: str) -> str:
        """The form's label of a rule field ("Plan label regex"), for messages that name it."""
        if attr == "target_nodes":
            return self.tr("Send to")
        row = self.rows.get(attr)
        for form in self.findChildren(QFormLayout):
            label = form.labelForField(row) if row is not None else None
            if isinstance(label, QLabel) and label.text():
                return label.text().replace("&", "").rstrip(": ")
        return attr

    def _show_draft_messages(self) -> None:
        draft = self.model.drafts[self._current] if self._current >= 0 else None
        errors = draft.errors if draft else {}
        for attr, row in self.rows.items():
            row.message.show_error(errors.get(attr, ""))
        if errors.get("target_nodes"):
            self.targets_message.show_error(errors["target_nodes"])
        elif draft and draft.warnings:
            self.targets_message.show_warning("\n".join(draft.warnings))
        else:
            self.targets_message.clear_message()

    def is_valid(self) -> bool:
        return all(not draft.errors for draft in self.model.drafts)

    # -- result -----------------------------------------------------------------------

    def current_rules(self, *, lenient: bool = False) -> RulesConfig | None:
        """The rules as edited now; None when a rule does not parse (unless ``lenient``)."""
        rules = []
        for draft in self.model.drafts:
            rule = draft.to_rule(lenient=lenient)
            if rule is None:
                return None
            rules.append(rule)
        return dataclasses.replace(
            self._original,
            rules_enabled=self.rules_enabled_check.isChecked(),
            rules=tuple(rules),
        )

    def result_rules(self) -> RulesConfig | None:
        """The new RulesConfig after OK (the one passed in is unchanged), else None."""
        return self._result

    def accept(self) -> None:
        self._revalidate()
        rules = self.current_rules() if self.is_valid() else None
        if rules is None:
            return
        self._result = rules
        super().accept()

    # -- test -------------------------------------------------------------------------

    @Slot()
    def _on_test_clicked(self) -> None:
        """Evaluate the edited rules on the main window's plan, on the GUI thread.

        The callable reads the main window's selection, which only the GUI thread may
        touch, and evaluating rules is pure and quick; so no worker here.
        """
        if self._test is None:
            return
        rules = self.current_rules(lenient=True)
        if rules is None:  # pragma: no cover - lenient never refuses
            return
        try:
            outcome = self._test(rules)
        except Exception as exc:
            LOGGER.error("Rule test failed: %s", exc)
            LOGGER.debug("Rule test traceback", exc_info=True)
            self._show_test_lines([self.tr("The test failed: {error}").format(error=exc)])
            self.rulesTested.emit(exc)
            return
        self._show_test_lines(describe_outcome(outcome))
        self.rulesTested.emit(outcome)

    def _show_test_lines(self, lines: list[str]) -> None:
        self.test_output.setPlainText("\n".join(lines))
