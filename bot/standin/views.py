"""``views.*``: modals (opened with a trigger_id, stacked up to three deep) and the Home tab,
with Slack's trigger rules (single use, 3 seconds) and hash checks on update and publish.
"""

from __future__ import annotations

import copy
import time
import uuid
from typing import Any

from . import limits
from .directory import APP_ID, BOT_ID, TEAM_ID
from .state import StandInState, _error, _invalid

TRIGGER_TTL = 3.0  # trigger_ids expire after 3 seconds
MAX_MODAL_STACK = 3


class Views(StandInState):
    """Modal stacks and Home tabs per user, and the trigger_ids that open them."""

    def new_trigger_id(self, user: str) -> str:
        """A trigger_id for ``user``: single use, expires in 3 s; views opened with it are theirs.

        Trigger ids the stand-in did not issue are accepted too, for user "UNKNOWN".
        """
        trigger = f"{next(self._ids)}.{int(time.time())}.{uuid.uuid4().hex[:16]}"
        with self._lock:
            self._triggers[trigger] = {"user": user, "issued": time.monotonic(), "used": False}
        return trigger

    def close_modal(self, user: str, close_all: bool = False) -> None:
        """What the user's close button (or a ``clear`` response_action) does to the stack."""
        with self._lock:
            stack = self._modals.get(user, [])
            closed = stack[:] if close_all else stack[-1:]
            del stack[len(stack) - len(closed) :]
            for view in closed:
                self._event("view_close", user=user, view=view)
            self._changed.notify_all()

    def _views_open(self, a: dict, token: str) -> dict:
        return self._open_or_push(a, push=False)

    def _views_push(self, a: dict, token: str) -> dict:
        return self._open_or_push(a, push=True)

    def _open_or_push(self, a: dict, push: bool) -> dict:
        method = "views.push" if push else "views.open"
        if not isinstance(a.get("trigger_id"), str) or not a["trigger_id"]:
            return _invalid("invalid_arguments", ["/trigger_id: missing required field"])
        if rejected := self._check_view(method, a, "modal"):
            return rejected
        user, error = self._exchange_trigger(a["trigger_id"])
        if error:
            return _error(error)
        stack = self._modals.setdefault(user, [])
        if push and len(stack) >= MAX_MODAL_STACK:
            return _error("push_limit_reached")
        if not push:
            stack.clear()
        root, previous = (stack[0]["id"], stack[-1]["id"]) if stack else (None, None)
        view = self._make_view(a["view"], root, previous)
        stack.append(view)
        self._event("view_push" if push else "view_open", user=user, view=view)
        return {"ok": True, "view": copy.deepcopy(view)}

    def _exchange_trigger(self, trigger: str) -> tuple[str, str | None]:
        """(user, error): issued triggers are single use and short-lived, as in Slack."""
        issued = self._triggers.get(trigger)
        if issued is None:
            return "UNKNOWN", None
        if issued["used"]:
            return "", "exchanged_trigger_id"
        if time.monotonic() - issued["issued"] > TRIGGER_TTL:
            return "", "expired_trigger_id"
        issued["used"] = True
        return issued["user"], None

    def _check_view(self, method: str, a: dict, want: str) -> dict | None:
        view = a.get("view")
        problems = limits.view_problems(view)
        kind = view.get("type") if isinstance(view, dict) else None
        if kind in ("modal", "home") and kind != want:
            problems.append(f"/type: {method} takes a {want} view")
        if problems:
            self._event("rejected", method=method, errors=problems, view=view)
            return _invalid("invalid_arguments", problems)
        return None

    def _make_view(
        self, view: dict, root: str | None, previous: str | None, view_id: str | None = None
    ) -> dict:
        """The view as Slack echoes it: the caller's fields plus id, hash and state."""
        view_id = view_id or f"V{next(self._ids):010d}"
        made = {"private_metadata": "", "callback_id": "", "external_id": "", **view}
        made.update(id=view_id, team_id=TEAM_ID, app_id=APP_ID, bot_id=BOT_ID)
        made.update(root_view_id=root or view_id, previous_view_id=previous)
        made.update(hash=f"{time.time():.6f}.{next(self._ids)}", state={"values": {}})
        return copy.deepcopy(made)

    def _views_update(self, a: dict, token: str) -> dict:
        view_id, external_id = a.get("view_id"), a.get("external_id")
        if not view_id and not external_id:
            return _invalid("invalid_arguments", ["/view_id: view_id or external_id required"])
        found = self._locate_view(view_id, external_id)
        if found is None:
            return _error("not_found")
        holder, key, user = found
        old = holder[key]
        if a.get("hash") and a["hash"] != old["hash"]:
            return _error("hash_conflict")
        if rejected := self._check_view("views.update", a, old.get("type", "modal")):
            return rejected
        view = self._make_view(a["view"], old["root_view_id"], old["previous_view_id"], old["id"])
        holder[key] = view
        self._event("view_update", user=user, view=view)
        return {"ok": True, "view": copy.deepcopy(view)}

    def _locate_view(self, view_id: Any, external_id: Any) -> tuple[Any, Any, str] | None:
        """(container, key, user) of the open modal or Home view with this id or external_id."""
        places = [
            (stack, i, user) for user, stack in self._modals.items() for i in range(len(stack))
        ]
        places += [(self._homes, user, user) for user in self._homes]
        for holder, key, user in places:
            view = holder[key]
            if (view_id and view["id"] == view_id) or (
                external_id and view.get("external_id") == external_id
            ):
                return holder, key, user
        return None

    def _views_publish(self, a: dict, token: str) -> dict:
        user = a.get("user_id")
        if not isinstance(user, str) or not user:
            return _invalid("invalid_arguments", ["/user_id: missing required field"])
        old = self._homes.get(user)
        if old and a.get("hash") and a["hash"] != old["hash"]:
            return _error("hash_conflict")
        if rejected := self._check_view("views.publish", a, "home"):
            return rejected
        view = self._make_view(a["view"], None, None, old["id"] if old else None)
        self._homes[user] = view
        self._event("view_publish", user=user, view=view)
        return {"ok": True, "view": copy.deepcopy(view)}
