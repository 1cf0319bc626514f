"""Typed refusals that travel from the rules to the person who typed the command.

A rule never formats a sentence: it raises `UserError` with a message key and the facts the
message needs. Handlers render the key from templates/locales in the workspace's language, so the
same refusal reads correctly in English and Chinese and tests can assert on the key.
"""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """Input or a request that the PMO rules refuse; `key` names the message in the catalogue.

    `field` names the modal input the error belongs to (for `response_action: errors`);
    `usage` names the help line to show under the message, so every refusal shows the right syntax.
    """

    def __init__(self, key: str, /, *, field: str | None = None, usage: str | None = None,
                 **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.field = field
        self.usage = usage
        self.params = params

    def __repr__(self) -> str:
        return f"UserError({self.key!r}, field={self.field!r}, params={self.params!r})"
