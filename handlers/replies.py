"""Turning refusals into the ephemeral sentence a person sees, with the syntax that would work."""

from __future__ import annotations

from pmo_rules.errors import UserError
from templates.render import Renderer


def error_text(renderer: Renderer, error: UserError) -> str:
    """The refusal in the workspace's language, followed by the usage line it names."""
    message = renderer.t(error.key, **error.params)
    if error.usage:
        message += "\n" + renderer.t("usage.hint", usage=renderer.t(f"usage.{error.usage}"))
    return message


def field_errors(renderer: Renderer, error: UserError, default_field: str) -> dict[str, str]:
    """`response_action: errors` wants {block_id: message}; the message stays short there."""
    return {error.field or default_field: renderer.t(error.key, **error.params)[:150]}
