"""Proposals (issue 13): `/pmo propose` (the form), `/pmo proposals [all]`,
`/pmo proposal PR-3 [screen|withdraw|score …|approve KEY [pm:@u]|decline reason…|people …]`,
`/pmo rank …`, and the card's Score button with its form.

Reads are answered in the ack (`rank` after it: it reads every proposal in screening). A
change is kept in the inbox before the ack and applied after it; who may is checked before the
ack where the rules file alone decides (the board), and again with the proposal at hand.
"""

from __future__ import annotations

from itertools import chain

from slack_bolt import App

from handlers.forms import form_values
from handlers.slack_io import (
    Incoming,
    Reply,
    answer_later,
    ephemeral,
    error_text,
    field_errors,
    keep,
    show_form,
    work,
)
from pmo_rules import permissions, scoring
from pmo_rules import proposals as grammar
from pmo_rules.errors import UserError
from pmo_rules.ids import Action
from pmo_rules.pmo_commands import parse_pmo_command
from services import portfolio_overview, ranking
from services import proposals as actions
from services.context import BotContext
from templates.paging import REPLY_CHARS
from templates.render import Renderer


def register(app: App, ctx: BotContext) -> None:
    app.view(grammar.PROPOSAL_FORM)(lambda ack, body, view: on_form(ctx, ack, body, view))
    app.view(grammar.SCORE_FORM)(lambda ack, body, view: on_score_form(ctx, ack, body, view))
    app.action(grammar.SCORE_BUTTON)(lambda ack, body, respond: on_score_button(
        ctx, ack, body, respond))


# -- /pmo propose and the proposal form -----------------------------------------------------------

def open_form(ctx: BotContext, ack, command: dict, respond, _parsed) -> None:
    portfolio = ctx.rules.portfolio
    view = ctx.renderer.view(
        "proposal_form", themes=portfolio.themes, criteria=portfolio.criteria,
        currency=ctx.rules.pmo.currency, action=Action.VALUE, callback=grammar.PROPOSAL_FORM,
        metadata=grammar.ProposalForm(command.get("channel_id")).encode())
    ack()
    show_form(ctx, command["trigger_id"], view, ephemeral(respond), "proposal.form_failed")


def _draft(ctx: BotContext, view: dict) -> grammar.Draft:
    fields: dict[str, object] = dict(form_values(view))
    state = ((view.get("state") or {}).get("values") or {})
    sponsor = ((state.get("sponsor") or {}).get(Action.VALUE) or {}).get("selected_user")
    chosen = ((state.get("themes") or {}).get(Action.VALUE) or {}).get("selected_options")
    fields["sponsor"] = sponsor if isinstance(sponsor, str) else None
    fields["themes"] = [o.get("value") for o in chosen or [] if isinstance(o, dict)
                        and isinstance(o.get("value"), str)]
    portfolio = ctx.rules.portfolio
    return grammar.check_draft(fields, themes=portfolio.themes,
                               criteria=portfolio.criterion_names)


def on_form(ctx: BotContext, ack, body: dict, view: dict) -> None:
    try:
        form = grammar.ProposalForm.decode(view.get("private_metadata"))
        _draft(ctx, view)
    except UserError as error:
        ack(response_action="errors", errors=field_errors(ctx.renderer, error, "title"))
        return
    keep(ctx, ack, "proposal.form", body, user=body["user"]["id"], channel=form.channel)


@work("proposal.form")
def apply_form(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    reply.say(actions.submit(ctx, request.user, _draft(ctx, request.payload["view"])))


# -- /pmo proposals, /pmo proposal PR-3 …, /pmo rank ----------------------------------------------

def list_proposals(ctx: BotContext, ack, _command: dict, _respond,
                   parsed: grammar.ListProposals) -> None:
    found = actions.listing(ctx, parsed.every)
    t = ctx.renderer.t
    if not found:
        ack(text=t("proposal.list_empty", every=parsed.every))
        return
    lines = [t("proposal.list_header", every=parsed.every, count=len(found))]
    lines += [t("proposal.list_row", p=s.row, e=s.evaluation) for s in found]
    ack(text="\n".join(lines)[:REPLY_CHARS])


def on_proposal(ctx: BotContext, ack, command: dict, _respond,
                parsed: grammar.ProposalVerb) -> None:
    user = command["user_id"]
    if parsed.verb == "show":
        ack(**actions.card(ctx, actions.shown(ctx, parsed.number)).as_payload())
        return
    if parsed.verb == "score":
        actions.check_score(ctx, user, parsed.scores)
    elif parsed.verb == "screen":
        permissions.require_board(user, ctx.rules, action="screen")
    elif parsed.verb in ("approve", "decline"):
        permissions.require_decider(user, ctx.rules, action=parsed.verb)
    keep(ctx, ack, "proposal.change", command, user=user, channel=command.get("channel_id"))


@work("proposal.change")
def apply_change(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    parsed = parse_pmo_command(request.payload.get("text", ""))
    if not isinstance(parsed, grammar.ProposalVerb):
        raise UserError("pmo.no_such_command", word=str(request.payload.get("text"))[:40])
    user = request.user
    if parsed.verb == "score":
        answer = actions.score(ctx, user, parsed.number, actions.check_score(
            ctx, user, parsed.scores))
    elif parsed.verb == "screen":
        answer = actions.screen(ctx, user, parsed.number)
    elif parsed.verb == "withdraw":
        answer = actions.withdraw(ctx, user, parsed.number)
    elif parsed.verb == "approve":
        answer = actions.approve(ctx, user, request.channel or user, parsed)
    elif parsed.verb == "decline":
        answer = actions.decline(ctx, user, parsed)
    elif parsed.verb == "people":
        answer = actions.set_people(ctx, user, parsed)
    else:
        raise UserError("proposal.no_such_verb", word=parsed.verb)
    reply.say(answer)


def rank(ctx: BotContext, ack, _command: dict, respond, parsed: grammar.Rank) -> None:
    if parsed.theme:
        grammar.pick_theme(parsed.theme, ctx.rules.portfolio.themes)
    ack()

    def produce() -> str:
        try:
            found = ranking.rank(ctx, parsed)
        except UserError as error:
            return error_text(ctx.renderer, error)
        return rank_text(ctx.renderer, found, ctx.rules.pmo.currency)

    answer_later(ctx, produce, ephemeral(respond))


SUMMARY_REFS = 20
"""Proposals named in each of the summary's lists (greedy, screened out, not fully scored)."""
SUMMARY_ACTIVE = 5
"""Active projects from proposals listed under `all`."""


def rank_text(renderer: Renderer, found: ranking.Ranking, currency: str) -> str:
    """The `/pmo rank` reply within REPLY_CHARS: the header and the summary (cut-line, greedy,
    footer, screened out, not fully scored, active projects: its lists shortened) always; the
    rows above and then below the line in order for as long as they fit, each rendered only
    when it is the next to go in; then, if any were left out, one line with how many of each
    part and where the whole ranking is."""
    t = renderer.t
    cut = found.cut
    chosen = set(cut.chosen) if cut is not None else None
    above = [r for r in found.rows if chosen is None or r.ref in chosen]
    below = [r for r in found.rows if chosen is not None and r.ref not in chosen]
    head = [t("proposal.rank_header", r=found, currency=currency)]
    if cut is not None:
        head.append(t("proposal.rank_above"))
    elif not found.rows:
        head.append(t("proposal.rank_none"))
    summary = t("proposal.rank_summary", r=found, currency=currency, per=ranking.PER,
                most=SUMMARY_REFS, active_most=SUMMARY_ACTIVE)
    room = REPLY_CHARS - sum(len(line) + 1 for line in head) - len(summary)
    body: list[tuple[bool, str]] = []  # (below the line?, its text), in order
    used = 0
    for is_below, row in chain(((False, r) for r in above), ((True, r) for r in below)):
        line = t("proposal.rank_line", row=row, below=is_below, currency=currency,
                 per=ranking.PER)
        if is_below and (not body or not body[-1][0]):
            line = f"{t('proposal.rank_below')}\n{line}"
        if used + len(line) + 1 > room:
            break
        body.append((is_below, line))
        used += len(line) + 1
    more = []
    if len(body) < len(found.rows):
        # room for the line saying what was left out, at its longest (every row left out)
        longest = len(t("proposal.rank_more", cut=cut is not None, above=len(above),
                        below=len(below))) + 1
        while body and used + longest > room:
            used -= len(body.pop()[1]) + 1
        shown_below = sum(is_below for is_below, _line in body)
        more = [t("proposal.rank_more", cut=cut is not None,
                  above=len(above) - (len(body) - shown_below),
                  below=len(below) - shown_below)]
    return "\n".join(head + [line for _below, line in body] + more
                     + ([summary] if summary else []))[:REPLY_CHARS]


def overview(ctx: BotContext, ack, command: dict, respond, _parsed) -> None:
    """`/pmo portfolio`: reads the whole portfolio, so after the ack."""
    ack()
    answer_later(ctx, lambda: ctx.renderer.t(
        "proposal.overview", o=portfolio_overview.overview(ctx, command["user_id"]),
        currency=ctx.rules.pmo.currency)[:REPLY_CHARS], ephemeral(respond))


# -- the card's Score button and its form ---------------------------------------------------

def on_score_button(ctx: BotContext, ack, body: dict, respond) -> None:
    ack()
    user = body["user"]["id"]
    say = ephemeral(respond)
    try:
        value = grammar.ScoreForm.decode((body.get("actions") or [{}])[0].get("value"))
        permissions.require_board(user, ctx.rules, action="score")
        shown = actions.shown(ctx, value.number)
        if not grammar.is_open(shown.row.state):
            raise UserError("proposal.already_decided", ref=shown.row.ref,
                            state=shown.row.state, by=shown.row.decided_by)
        mine = actions.my_scores(ctx, value.number, user)
    except UserError as error:
        say(error_text(ctx.renderer, error))
        return
    channel = (body.get("channel") or {}).get("id")
    view = ctx.renderer.view(
        "proposal_score_form", p=shown.row, criteria=ctx.rules.portfolio.criteria, mine=mine,
        action=Action.VALUE, callback=grammar.SCORE_FORM,
        metadata=grammar.ScoreForm(value.number, channel).encode())
    show_form(ctx, body["trigger_id"], view, say, "proposal.form_failed")


def _scores_of_form(ctx: BotContext, view: dict) -> tuple[grammar.ScoreForm, dict[str, int]]:
    form = grammar.ScoreForm.decode(view.get("private_metadata"))
    values = form_values(view)
    words = [f"{c.name}:{values.get(c.name) or ''}" for c in ctx.rules.portfolio.criteria]
    try:
        return form, scoring.parse_scores(words, ctx.rules.portfolio.criteria)
    except UserError as error:
        raise UserError(error.key, field=error.params.get("name"), **error.params) from None


def on_score_form(ctx: BotContext, ack, body: dict, view: dict) -> None:
    user = body["user"]["id"]
    try:
        permissions.require_board(user, ctx.rules, action="score")
        form, _scores = _scores_of_form(ctx, view)
    except UserError as error:
        default = ctx.rules.portfolio.criteria[0].name
        ack(response_action="errors", errors=field_errors(ctx.renderer, error, default))
        return
    keep(ctx, ack, "proposal.score_form", body, user=user, channel=form.channel)


@work("proposal.score_form")
def apply_score_form(ctx: BotContext, request: Incoming, reply: Reply) -> None:
    form, scores = _scores_of_form(ctx, request.payload["view"])
    reply.say(actions.score(ctx, request.user, form.number, scores))
