"""A read-only HTTP API over the stored plan metrics (off by default, loopback by default).

``GET /plans/<uid>``, ``GET /patients/<id>`` and ``GET /plans?filter=EXPR`` answer with the
JSON of ``rtstation metrics --format json`` (``{"plans": [...]}``); ``rois=1`` filters
ROIs instead of plans (as ``--rois``) and ``vx=20`` (repeatable) adds V20Gy. Everything
else is 404, any method but GET and HEAD is 405: there is nothing to write through it.
Errors are ``{"error": "one sentence"}`` with 400 (a bad filter or value), 404 (no such
plan, patient or path) or 500 (logged with its traceback).

The standard library's :class:`ThreadingHTTPServer` on a daemon thread, no framework: the
API is a few read-only routes for scripts and dashboards on the station's own machine
(``settings.ini [Metrics] http_api_bind``, default 127.0.0.1). There is no login, which is
why it listens on loopback unless told otherwise.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from rtstation.dicom.metrics import PLAN_COLUMNS, PlanReport, plans_json, roi_columns
from rtstation.dicom.metrics_filter import FilterError, compile_filter
from rtstation.errors import NetworkError, RtStationError

LOGGER = logging.getLogger(__name__)

# (plan_uid, patient_id, vx_gy) -> reports; the station's plan_metrics.
ReportSource = Callable[[str | None, str | None, tuple[float, ...]], list[PlanReport]]


class _NotFound(Exception):
    pass


class _BadRequest(Exception):
    pass


class MetricsApi:
    """The server and its thread; :meth:`start` raises :class:`NetworkError` in one sentence."""

    def __init__(self, reports: ReportSource, host: str, port: int) -> None:
        self.reports = reports
        self.host = host
        self.port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        """Where it listens (the port the system chose when ``port`` was 0)."""
        if self._server is None:
            return self.host, self.port
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}"

    def start(self) -> None:
        handler = _handler_for(self)
        try:
            server = ThreadingHTTPServer((self.host, self.port), handler)
        except OSError as exc:
            raise NetworkError(
                f"The metrics HTTP API cannot listen on '{self.host}:{self.port}' ({exc}): "
                "choose another settings.ini [Metrics] http_api_port or stop the program "
                "using it"
            ) from exc
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="rtstation-http-api", daemon=True
        )
        self._thread.start()
        LOGGER.info("Metrics HTTP API listening on %s (read-only)", self.url)

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    # -- routes ---------------------------------------------------------------------------

    def answer(self, target: str) -> dict[str, Any]:
        """The JSON for a GET of ``target`` (path and query); raises for 400 and 404."""
        parts = urlsplit(target)
        path = [unquote(p) for p in parts.path.split("/") if p]
        query = parse_qs(parts.query, keep_blank_values=True)
        vx = _vx(query.get("vx", []))
        by_roi = query.get("rois", ["0"])[-1].strip().lower() in ("1", "true", "yes")
        if len(path) == 2 and path[0] == "plans":
            try:
                reports = self.reports(path[1], None, vx)
            except RtStationError as exc:
                raise _NotFound(str(exc)) from exc
            return plans_json(reports, vx_gy=vx)
        if len(path) == 2 and path[0] == "patients":
            reports = self.reports(None, path[1], vx)
            if not reports:
                raise _NotFound(f"No plan of patient '{path[1]}' in the station")
            return plans_json(reports, vx_gy=vx)
        if path == ["plans"]:
            text = query.get("filter", [""])[-1].strip()
            keep = None
            if text:
                columns = roi_columns(vx) if by_roi else PLAN_COLUMNS
                try:
                    keep = compile_filter(text, columns)
                except FilterError as exc:
                    raise _BadRequest(str(exc)) from exc
            return plans_json(self.reports(None, None, vx), keep, by_roi=by_roi, vx_gy=vx)
        raise _NotFound(
            f"No such resource '{parts.path}': use /plans/<uid>, /patients/<id> or "
            "/plans?filter=..."
        )


def start_metrics_api(
    reports: ReportSource, host: str, port: int, *, on_error: Callable[[str], None]
) -> MetricsApi | None:
    """The API listening, or None after ``on_error(sentence)``: the station runs on without."""
    api = MetricsApi(reports, host, port)
    try:
        api.start()
    except NetworkError as exc:
        on_error(str(exc))
        return None
    return api


def _vx(values: list[str]) -> tuple[float, ...]:
    doses = []
    for value in values:
        try:
            doses.append(float(value))
        except ValueError:
            raise _BadRequest(f"vx '{value}' is not a dose in Gy (a number)") from None
    return tuple(doses)


def _handler_for(api: MetricsApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "rtstation-metrics"
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._respond(send_body=True)

        def do_HEAD(self) -> None:
            self._respond(send_body=False)

        def _read_only(self) -> None:
            self.close_connection = True  # its body, if any, is never read
            self._send(
                HTTPStatus.METHOD_NOT_ALLOWED,
                {"error": f"Method '{self.command}' is not allowed: the API is read-only (GET)"},
                extra={"Allow": "GET, HEAD"},
            )

        do_POST = do_PUT = do_DELETE = do_PATCH = _read_only

        def _respond(self, *, send_body: bool) -> None:
            try:
                status, body = HTTPStatus.OK, api.answer(self.path)
            except _NotFound as exc:
                status, body = HTTPStatus.NOT_FOUND, {"error": str(exc)}
            except _BadRequest as exc:
                status, body = HTTPStatus.BAD_REQUEST, {"error": str(exc)}
            except Exception as exc:
                LOGGER.exception("Metrics HTTP API: GET %s failed", self.path)
                status, body = HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"{exc}"}
            self._send(status, body, send_body=send_body)

        def _send(
            self,
            status: HTTPStatus,
            body: dict[str, Any],
            *,
            send_body: bool = True,
            extra: dict[str, str] | None = None,
        ) -> None:
            data = (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if send_body:
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            LOGGER.debug("Metrics HTTP API %s: " + format, self.address_string(), *args)

    return Handler
