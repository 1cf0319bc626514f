"""``files.*``: uploads as ``files_upload_v2`` makes them — ``files.getUploadURLExternal`` hands
out an upload URL (served by this stand-in, ``/upload/<file id>``), the bytes are POSTed there,
and ``files.completeUploadExternal`` shares the file in a channel or DM (in a thread with
``thread_ts``) as a message carrying it. Each file is recorded with its name, title, alt text,
bytes and where it went (``files()``), and refused where Slack refuses: a missing name or
length, alt text over 1,000 characters, a file whose bytes never arrived or differ in length.
"""

from __future__ import annotations

import json
from typing import Any

from .chat import Chat
from .state import _error, _invalid

ALT_TEXT_MAX = 1000
"""Slack's limit on a file's alt text (`alt_txt`)."""


class Files(Chat):
    """The upload handshake and the files it shares."""

    # -- files.getUploadURLExternal / files.completeUploadExternal (lock held) ----------------

    def _files_get_upload_url_external(self, a: dict, token: str) -> dict:
        filename, length = a.get("filename"), str(a.get("length") or "")
        problems = []
        if not filename:
            problems.append("/filename: missing required field")
        if not length.isdigit() or int(length) < 1:
            problems.append("/length: must be a positive whole number")
        if len(str(a.get("alt_txt") or "")) > ALT_TEXT_MAX:
            problems.append(f"/alt_txt: must be at most {ALT_TEXT_MAX} characters")
        if problems:
            return _invalid("invalid_arguments", problems)
        file_id = f"F{next(self._ids):08d}"
        self._uploads[file_id] = {"id": file_id, "name": filename, "length": int(length),
                                  "alt_txt": a.get("alt_txt") or "", "data": None}
        return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}upload/{file_id}"}

    def _files_complete_upload_external(self, a: dict, token: str) -> dict:
        listed = a.get("files")
        if isinstance(listed, str):
            try:
                listed = json.loads(listed)
            except ValueError:
                listed = None
        if not isinstance(listed, list) or not listed:
            return _invalid("invalid_arguments", ["/files: missing required field"])
        uploads = []
        for item in listed:
            upload = self._uploads.get(str((item or {}).get("id")))
            if upload is None:
                return _error("file_not_found")
            if upload["data"] is None or len(upload["data"]) != upload["length"]:
                return _error("file_upload_size_mismatch" if upload["data"] is not None
                              else "file_not_uploaded")
            uploads.append((upload, item.get("title") or upload["name"]))
        targets = [a["channel_id"]] if a.get("channel_id") else [
            c for c in str(a.get("channels") or "").split(",") if c]
        if len(targets) > 1 and a.get("thread_ts"):
            return _invalid("invalid_arguments", ["/thread_ts: give one channel with a thread"])
        shared = []
        for target in targets:
            channel = self._resolve(target)
            if channel is None:
                return _error("channel_not_found")
            if error := self._postable(channel):
                return _error(error)
            shared.append(channel)
        files = [{"id": upload["id"], "name": upload["name"], "title": title,
                  "alt_txt": upload["alt_txt"], "size": upload["length"],
                  "mimetype": _mimetype(upload["name"])} for upload, title in uploads]
        for channel in shared:
            message = self._store_message(channel, {"text": a.get("initial_comment") or ""},
                                          a.get("thread_ts"))
            message["files"] = files
            message["subtype"] = "file_share"
            self._event("message", **message)
            for upload, title in uploads:
                self._files.append({**{k: v for k, v in upload.items() if k != "length"},
                                    "title": title, "channel": channel, "ts": message["ts"],
                                    "thread_ts": a.get("thread_ts")})
        for upload, _title in uploads:
            self._uploads.pop(upload["id"], None)
        return {"ok": True, "files": [{"id": f["id"], "title": f["title"], "name": f["name"]}
                                      for f in files]}

    # -- the upload URL (HTTP thread) ----------------------------------------------------------

    def _handle_upload(self, file_id: str, data: bytes) -> tuple[int, dict]:
        """The bytes POSTed to an upload URL (Slack answers 200 with a short text)."""
        with self._lock:
            upload = self._uploads.get(file_id)
            if upload is None:
                return 404, _error("not_found")
            upload["data"] = bytes(data)
            return 200, {"ok": True, "size": len(data)}


def _mimetype(name: str) -> str:
    return {"png": "image/png", "pdf": "application/pdf"}.get(
        name.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def shown(file: dict[str, Any]) -> str:
    """How a text surface (the console) shows a shared file: its alt text and its name."""
    return f"[image: {file.get('alt_txt') or file.get('title') or ''}] ({file.get('name')})"
