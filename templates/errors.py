"""A refusal (`pmo_rules.errors.UserError`) in the workspace's language.

Both the listeners (handlers/slack_io.py) and the use cases (services/) that answer with a
sentence need it, so it lives with the other renderers.
"""

from __future__ import annotations

from pmo_rules.errors import UserError
from templates.render import Renderer


def error_text(renderer: Renderer, error: UserError) -> str:
    """The refusal in the workspace's language, followed by the usage line it names."""
    message = renderer.t(error.key, **error.params)
    if error.usage:
        message += "\n" + renderer.t("usage.hint", usage=renderer.t(f"usage.{error.usage}"))
    return message
