"""A cumulative DVH plot drawn with QPainter: one curve per ROI, a prescription line, a cursor.

PySide6-Essentials has no QtCharts (that is in PySide6-Addons), and a DVH needs little: axes
in Gy and %, polylines, a dashed line at the prescription, and a read-out of dose and
volume under the mouse. Curves are kept as numpy arrays and reduced to a few hundred
points per curve for drawing; the read-out interpolates the full curve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

_MARGIN_LEFT, _MARGIN_RIGHT, _MARGIN_TOP, _MARGIN_BOTTOM = 52, 16, 12, 36
_PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
    "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
)  # fmt: skip
_DRAW_POINTS = 400


def curve_color(index: int) -> QColor:
    return QColor(_PALETTE[index % len(_PALETTE)])


@dataclass
class DvhCurve:
    name: str
    dose_gy: np.ndarray
    volume_percent: np.ndarray  # of the ROI's DVH volume receiving at least dose_gy
    color: QColor
    visible: bool = True

    def volume_at(self, dose: float) -> float:
        if not self.dose_gy.size:
            return 0.0
        return float(np.interp(dose, self.dose_gy, self.volume_percent, right=0.0))


def _nice_step(span: float, ticks: int = 6) -> float:
    raw = span / max(ticks, 1)
    magnitude = 10 ** np.floor(np.log10(raw)) if raw > 0 else 1.0
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return float(factor * magnitude)
    return float(10 * magnitude)


class DvhPlot(QWidget):
    """``set_curves`` then ``set_visible``; ``cursorMoved(dose, text)`` while hovering."""

    cursorMoved = Signal(float, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dvhPlot")
        self.setMouseTracking(True)
        self.setMinimumSize(320, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._curves: list[DvhCurve] = []
        self._prescription: float | None = None
        self._max_dose = 1.0
        self._cursor: float | None = None

    def sizeHint(self) -> QSize:
        return QSize(520, 360)

    # -- data ---------------------------------------------------------------------------

    def set_curves(self, curves: list[DvhCurve], prescription_gy: float | None) -> None:
        self._curves = curves
        self._prescription = prescription_gy
        highest = max(
            (float(c.dose_gy[c.volume_percent > 0].max(initial=0.0)) for c in curves), default=0.0
        )
        self._max_dose = max(highest, prescription_gy or 0.0, 1e-6) * 1.05
        self._cursor = None
        self.update()

    def curves(self) -> list[DvhCurve]:
        return list(self._curves)

    def set_visible(self, name: str, visible: bool) -> None:
        for curve in self._curves:
            if curve.name == name:
                curve.visible = visible
        self.update()

    @property
    def prescription_gy(self) -> float | None:
        return self._prescription

    def readout(self, dose: float) -> str:
        """``23.40 Gy: PTV 98.2 %, Rectum 40.1 %`` for the visible curves."""
        parts = [f"{c.name} {c.volume_at(dose):.1f} %" for c in self._curves if c.visible]
        return f"{dose:.2f} Gy: " + ", ".join(parts) if parts else f"{dose:.2f} Gy"

    # -- geometry -----------------------------------------------------------------------

    def _plot_rect(self) -> QRectF:
        return QRectF(
            _MARGIN_LEFT,
            _MARGIN_TOP,
            max(self.width() - _MARGIN_LEFT - _MARGIN_RIGHT, 10),
            max(self.height() - _MARGIN_TOP - _MARGIN_BOTTOM, 10),
        )

    def _to_screen(self, rect: QRectF, dose: float, volume: float) -> QPointF:
        return QPointF(
            rect.left() + rect.width() * dose / self._max_dose,
            rect.bottom() - rect.height() * volume / 100.0,
        )

    def dose_at_x(self, x: float) -> float:
        rect = self._plot_rect()
        return max(0.0, min((x - rect.left()) / rect.width(), 1.0)) * self._max_dose

    # -- events -------------------------------------------------------------------------

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        rect = self._plot_rect()
        x = event.position().x()
        if rect.left() <= x <= rect.right() and self._curves:
            self._cursor = self.dose_at_x(x)
            self.cursorMoved.emit(self._cursor, self.readout(self._cursor))
            self.update()
        super().mouseMoveEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        rect = self._plot_rect()
        self._draw_axes(painter, rect)
        for curve in self._curves:
            if curve.visible and curve.dose_gy.size:
                self._draw_curve(painter, rect, curve)
        if self._prescription:
            pen = QPen(QColor("#444444"), 1.5, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            top = self._to_screen(rect, self._prescription, 100.0)
            bottom = self._to_screen(rect, self._prescription, 0.0)
            painter.drawLine(top, bottom)
            label = self.tr("Rx %1 Gy").replace("%1", f"{self._prescription:g}")
            width = painter.fontMetrics().horizontalAdvance(label)
            # Right of the line, or left of it when the plot ends there.
            shift = 4 if top.x() + 4 + width <= rect.right() else -4 - width
            painter.drawText(top + QPointF(shift, 12), label)
        if self._cursor is not None:
            painter.setPen(QPen(QColor("#888888"), 1, Qt.PenStyle.DotLine))
            painter.drawLine(
                self._to_screen(rect, self._cursor, 100.0), self._to_screen(rect, self._cursor, 0.0)
            )
        painter.end()

    def _draw_axes(self, painter: QPainter, rect: QRectF) -> None:
        text = self.palette().text().color()
        grid = QColor(text)
        grid.setAlpha(40)
        metrics = painter.fontMetrics()
        step = _nice_step(self._max_dose)
        dose = 0.0
        while dose <= self._max_dose + 1e-9:
            x = self._to_screen(rect, dose, 0).x()
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            painter.setPen(text)
            label = f"{dose:g}"
            painter.drawText(
                QPointF(x - metrics.horizontalAdvance(label) / 2, rect.bottom() + 14), label
            )
            dose += step
        for volume in range(0, 101, 20):
            y = self._to_screen(rect, 0, volume).y()
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            painter.setPen(text)
            label = f"{volume}"
            painter.drawText(
                QPointF(rect.left() - 6 - metrics.horizontalAdvance(label), y + 4), label
            )
        painter.setPen(QPen(text, 1))
        painter.drawRect(rect)
        painter.drawText(QPointF(rect.center().x() - 20, self.height() - 6), self.tr("Dose (Gy)"))
        painter.save()
        painter.translate(QPointF(12, rect.center().y() + 30))
        painter.rotate(-90)
        painter.drawText(QPointF(0, 0), self.tr("Volume (%)"))
        painter.restore()

    def _draw_curve(self, painter: QPainter, rect: QRectF, curve: DvhCurve) -> None:
        doses, volumes = curve.dose_gy, curve.volume_percent
        last = int(np.nonzero(volumes > 0)[0].max(initial=0)) + 2
        doses, volumes = doses[:last], volumes[:last]
        if doses.size > _DRAW_POINTS:
            pick = np.linspace(0, doses.size - 1, _DRAW_POINTS).astype(int)
            doses, volumes = doses[pick], volumes[pick]
        path = QPainterPath(self._to_screen(rect, float(doses[0]), float(volumes[0])))
        for dose, volume in zip(doses[1:].tolist(), volumes[1:].tolist(), strict=True):
            path.lineTo(self._to_screen(rect, dose, volume))
        painter.setPen(QPen(curve.color, 2))
        painter.drawPath(path)
