"""The baseline for bench/ack.py: a bare bolt app whose `/status` listener only acks.

It runs under the very server `pmo-bot serve` uses (bot/server.py: gunicorn, gthread, the same
worker and thread counts) and reads the same environment, so the difference between the two
runs is our listener and nothing else.
"""

from __future__ import annotations

import argparse
import os

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.server import DEFAULT_THREADS, GunicornServer, gunicorn_options, worker_count
from bot.wsgi import EVENTS_PATH


def load_bare_app():
    """Built in the worker, like the bot: same client settings, same token check at start."""
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"],
              process_before_response=False, token_verification_enabled=True)
    for command in ("/status", "/risk"):  # what bench/ack.py --command sends
        app.command(command)(lambda ack: ack())
    return SlackRequestHandler(app, path=EVENTS_PATH)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    args = parser.parse_args()
    workers = worker_count(os.environ["DATABASE_URL"], None)
    options = gunicorn_options(bind=f"127.0.0.1:{os.environ['PORT']}", workers=workers,
                               threads=args.threads, log_level="warning")
    GunicornServer(load_bare_app, options).run()


if __name__ == "__main__":
    main()
