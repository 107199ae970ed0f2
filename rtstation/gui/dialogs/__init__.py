"""The station's dialogs: each collects input and returns a value object, nothing more.

Applying what a dialog returns (saving settings.ini, restarting the receiver, running an
import) is the caller's job through ``Station`` (docs/conventions.md, "Configuration is a
value", "GUI shape"). Import the dialog modules directly (``from
rtstation.gui.dialogs.settings_dialog import SettingsDialog``); this package deliberately
imports nothing, so opening one dialog does not load the others.
"""
