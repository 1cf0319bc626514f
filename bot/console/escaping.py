"""What Slack's client does to slash-command text before the app sees it (`should_escape: true`).

`&`, `<` and `>` become `&amp;`, `&lt;`, `&gt;`; `@alice` becomes `<@UALICE1|alice>` and
`#apollo` becomes `<#CAPOLLO1|apollo>` when the workspace has that person or channel (otherwise
the text stays as typed, as in Slack); `@here`, `@channel` and `@everyone` become `<!here>` etc.
"""

from __future__ import annotations

import re

from bot.standin import Directory

_USER = re.compile(r"(?<![\w@])@([A-Za-z0-9][\w.\-]*[\w]|[A-Za-z0-9])")
_CHANNEL = re.compile(r"(?<![\w#&])#([a-z0-9][\w\-]*)")
_SPECIAL = ("here", "channel", "everyone")


def escape_command_text(text: str, directory: Directory) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def user(match: re.Match[str]) -> str:
        name = match[1]
        if name in _SPECIAL:
            return f"<!{name}>"
        found = directory.user_by_name(name)
        return f"<@{found['id']}|{found['name']}>" if found else match[0]

    def channel(match: re.Match[str]) -> str:
        found = directory.channel_by_name(match[1])
        return f"<#{found['id']}|{found['name']}>" if found else match[0]

    return _CHANNEL.sub(channel, _USER.sub(user, escaped))
