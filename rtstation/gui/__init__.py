"""The desktop station: a PySide6 window over the Qt-free :class:`~rtstation.station.Station`.

Layout of the package (docs/conventions.md, "Layers", "Threads", "GUI shape"):

* ``app``: QApplication, translation, the event loop (``run_gui``), entered through
  ``rtstation gui``.
* ``bridge``: station events (any thread) re-emitted as Qt signals (queued to the GUI).
* ``workers``: ``run_task`` for everything slow (network, disk), with progress and Cancel.
* ``models``: Qt item models over immutable snapshots (plan tree, send queue, log).
* ``controllers``: the behaviour (refreshing the tree, sending, importing, the receiver,
  the dialogs); ``main_window`` only lays out and wires.
* ``widgets``, ``dialogs``, ``tray``: what the user sees.
"""
