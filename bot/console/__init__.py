"""The offline console: the real bot in a terminal, with Slack played in-process.

`pmo-bot console` (bot/commands/console.py) starts `main.run_console`; `engine` wires the real
app to the Slack stand-in, `session` turns typed lines into Slack requests and shows what came
back (drawn by `render`), `modal` turns views into forms, `commands` holds the `:` commands,
`clock` the console's time, `demo` the sample portfolio, `workspace` the sample people.
"""
