"""Who may do what. Every refusal in the product is decided here, from the rules file."""

from __future__ import annotations

from pmo_rules.config import Rules
from pmo_rules.errors import UserError


def is_admin(user_id: str, rules: Rules) -> bool:
    return user_id in rules.pmo.admins


def require_admin(user_id: str, rules: Rules, *, action: str) -> None:
    if not is_admin(user_id, rules):
        raise UserError("permission.admin_only", action=action)


def may_post_status(user_id: str, pm_id: str, rules: Rules) -> bool:
    """`[status] posters` lists roles: "pm" (the project's PM), "admin", or "anyone"."""
    roles = rules.status.posters
    return ("anyone" in roles
            or ("pm" in roles and user_id == pm_id)
            or ("admin" in roles and is_admin(user_id, rules)))


def may_post_for_every_project(user_id: str, rules: Rules) -> bool:
    """True when the poster rule does not depend on the project (so the form lists them all)."""
    roles = rules.status.posters
    return "anyone" in roles or ("admin" in roles and is_admin(user_id, rules))


def may_post_as_pm(rules: Rules) -> bool:
    """True when being a project's PM is enough to post its status."""
    return "pm" in rules.status.posters


def require_status_poster(user_id: str, key: str, pm_id: str, rules: Rules) -> None:
    if not may_post_status(user_id, pm_id, rules):
        raise UserError("permission.status_post", key=key, pm=pm_id)
