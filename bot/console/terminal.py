"""Where the console reads lines and writes what the user sees.

On a terminal the output is styled (rich) and wrapped to the window; anywhere else it is plain
text, never wrapped and without trailing spaces, so a transcript compares byte for byte. Input
comes from the keyboard (with line editing) or from a script, whose lines are echoed after
their prompt as if they had been typed.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator
from typing import TextIO

from rich.console import Console
from rich.text import Text

CARD_TOP, CARD_SIDE, NOTE = "  ┌ ", "  │ ", "  "
FORM_PROMPT = "  » "


class Printer:
    """Writes lines, cards (a label and a body) and console notes."""

    def __init__(self, stream: TextIO | None = None, *, styled: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        self.console = Console(file=self.stream, highlight=False, markup=False, emoji=False)
        self.styled = self.console.is_terminal if styled is None else styled

    def line(self, text: Text | str, prefix: str = "") -> None:
        text = Text(text) if isinstance(text, str) else text
        if not self.styled:
            self.stream.write((prefix + text.plain).rstrip() + "\n")
            self.stream.flush()
            return
        width = max(20, self.console.width - len(prefix))
        for piece in text.wrap(self.console, width) or [Text()]:
            self.console.print(Text.assemble((prefix, "dim"), piece), soft_wrap=True)

    def card(self, label: str, lines: Iterable[Text]) -> None:
        self.line(Text(label, style="bold magenta"), CARD_TOP)
        for line in lines:
            self.line(line, CARD_SIDE)

    def side(self, text: Text | str) -> None:
        """One more line of the card being shown (a form asks its questions this way)."""
        self.line(text, CARD_SIDE)

    def note(self, text: Text | str) -> None:
        """The console speaking, not the bot: indented, outside any card."""
        text = Text(text) if isinstance(text, str) else text.copy()
        text.stylize_before("yellow")
        for line in text.split("\n", allow_blank=True):
            self.line(line, NOTE)


class ScriptNotText(Exception):
    """The script's bytes are not UTF-8 text: the console stops (exit 2) rather than guess."""


class ScriptReader:
    """Lines of a script; each is echoed after its prompt, as the user would have seen it."""

    def __init__(self, lines: Iterable[str], printer: Printer) -> None:
        self._lines: Iterator[str] = iter(lines)
        self.printer = printer
        self.interactive = False

    def read(self, prompt: str, *, skip_blank: bool = True) -> str | None:
        """The next line, or None at the end; at the prompt, blanks and # comments are skipped."""
        for raw in self._decoded():
            line = raw.rstrip("\r\n")
            if skip_blank and (not line.strip() or line.lstrip().startswith("#")):
                continue
            self.printer.line(Text(prompt, style="bold") + Text(line))
            return line
        return None


    def _decoded(self) -> Iterator[str]:
        """The remaining lines; a stream that turns out not to be UTF-8 ends the script."""
        while True:
            try:
                yield next(self._lines)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise ScriptNotText from None


class TerminalReader:
    """The keyboard, with line editing and history where readline exists."""

    def __init__(self, printer: Printer) -> None:
        self.printer = printer
        self.interactive = True
        with contextlib.suppress(ImportError):  # no readline on Windows: plain input() then
            import readline  # noqa: F401 - importing it gives input() editing and history

    def read(self, prompt: str, *, skip_blank: bool = True) -> str | None:
        try:
            return input(prompt)
        except EOFError:
            self.printer.stream.write("\n")
            return None
