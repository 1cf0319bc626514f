"""HTTP plumbing: the loopback server, and reading requests as slack_sdk sends them (JSON,
form-encoded or multipart, token in the header or the body) into ``/api/<method>`` calls and
``/response/<token>`` posts for the stand-in to answer.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import socketserver
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from .state import _error

if TYPE_CHECKING:
    from .server import SlackStandIn
# Form-encoded requests carry these as JSON strings; decode them so args look like JSON bodies.
_JSON_FIELDS = {"blocks", "attachments", "view", "metadata", "unfurls", "user_auth_blocks"}

class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 refuses connections under a burst; Slack doesn't

    def __init__(self, standin: SlackStandIn, port: int = 0) -> None:
        self.standin = standin
        super().__init__(("127.0.0.1", port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up (or was killed) while its call was held: nothing to say

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn), which can stall sandboxes.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read records
        pass

    def do_GET(self) -> None:  # Slack accepts GET with query parameters for most methods
        self.do_POST()

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        standin = self.server.standin
        raw = self._read_body()
        if parts.path.startswith("/upload/"):  # files_upload_v2's bytes, as they are
            self._reply(*standin._handle_upload(parts.path[8:], raw))
            return
        args = _parse_body(self.headers.get("Content-Type", ""), raw)
        if isinstance(args, dict):
            args = {**dict(parse_qsl(parts.query, keep_blank_values=True)), **args}
        if parts.path.startswith("/api/"):
            if not isinstance(args, dict):
                self._reply(200, _error("invalid_json"))
                return
            token = _bearer(self.headers.get("Authorization")) or args.get("token")
            args.pop("token", None)
            answer = standin._handle_api(parts.path[5:], args, token)
            if answer is None:  # a call Slack never got: no answer at all
                self.close_connection = True
                return
            self._reply(*answer)
        elif parts.path.startswith("/response/"):
            if isinstance(args, dict) and isinstance(args.get("payload"), str):
                args = _loads(args["payload"])  # form-encoded webhook style
            self._reply(*standin._handle_response_url(parts.path[10:], args))
        else:
            self._reply(404, _error("not_found"))

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _reply(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _parse_body(content_type: str, raw: bytes) -> Any:
    """JSON, form-encoded or multipart bodies, as slack_sdk sends them, into one dict."""
    kind = content_type.split(";")[0].strip().lower()
    text = raw.decode("utf-8", "replace")
    if kind == "application/json":
        return _loads(text) if text else {}
    if kind == "multipart/form-data":
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw
        )
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            is_file = part.get_filename() is not None
            fields[str(name)] = payload if is_file else payload.decode("utf-8", "replace")
    else:
        fields = dict(parse_qsl(text, keep_blank_values=True))
    for key in _JSON_FIELDS & fields.keys():
        value = fields[key]
        if isinstance(value, str) and value[:1] in "[{":
            decoded = _loads(value)
            fields[key] = decoded if decoded is not None else value
    return fields
