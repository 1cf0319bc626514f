"""Read the PMO rules file from disk.

This is the only place the rules touch the file system: `pmo_rules.config` validates a dict and
stays pure. Every failure here (missing file, unreadable file, bad TOML, bad value) surfaces as
one `RulesError` whose one-line message names the file, so start-up can print it and stop
instead of running with rules the PMO did not write.
"""

from __future__ import annotations

import os
import tomllib

from pmo_rules.config import DEFAULT_RULES, Rules, RulesError, parse_rules


def load_rules(path: str | os.PathLike[str] | None) -> Rules:
    """The rules in `path`, or DEFAULT_RULES when no file is configured (None)."""
    if path is None:
        return DEFAULT_RULES
    source = os.fspath(path)
    return parse_rules(_read_toml(source), source)


def _read_toml(source: str) -> dict:
    """Parse the file as TOML; syntax errors keep tomllib's "(at line L, column C)" text."""
    try:
        with open(source, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise RulesError(source, "(syntax)", str(error)) from None
    except UnicodeDecodeError as error:
        reason = f"not UTF-8 text (byte {error.start}: {error.reason})"
        raise RulesError(source, "(syntax)", reason) from None
    except OSError as error:
        reason = f"cannot read the file ({error.strerror or error})"
        raise RulesError(source, "(file)", reason) from None
