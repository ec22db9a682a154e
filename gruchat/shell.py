"""One line in, the right thing out: the dispatcher shared by the REPL and prompt files."""

from __future__ import annotations

from dataclasses import dataclass

from gruchat.all_commands import build_table
from gruchat.chat_commands import ShellContext
from gruchat.command_table import Call, CommandError, Empty, Reply, Table, parse, refusal
from gruchat.display_state import DisplayState
from gruchat.engine.base import Engine
from gruchat.environment import Environment
from gruchat.errors import ContextOverflowError
from gruchat.inputs import clean_text
from gruchat.render import show_reply
from gruchat.session import Session, Turn
from gruchat.turn_log import TurnLog
from gruchat.turn_runner import Grounder
from gruchat.turn_view import View, show_turn


@dataclass(frozen=True)
class Outcome:
    """What one line did: a command's reply, the model's turn (a prompt, or ``\\retry``),
    both or neither (an empty line), and whether the session goes on."""

    reply: Reply | None = None
    turn: Turn | None = None
    going: bool = True


class Shell:
    """Dispatches lines to commands or the model and shows the result on ``env.out``."""

    def __init__(
        self,
        engine: Engine,
        session: Session,
        env: Environment,
        grounder: Grounder | None = None,
        scope: str = "repl",
        log: TurnLog | None = None,
        table: Table | None = None,
        display_state: DisplayState | None = None,
    ) -> None:
        self.engine = engine
        self.log = log
        self.session = session
        self.display_state = display_state or DisplayState()
        self.env = env
        self.grounder = grounder
        self.table = table if table is not None else build_table()
        self.ctx = ShellContext(
            session=session,
            engine=engine,
            scope=scope,
            log=log,
            table=self.table,
            display_state=self.display_state,
        )

    def handle(self, line: str) -> Outcome:
        """Process one line and show what came of it."""
        try:
            parsed = parse(clean_text(line), self.table)
        except CommandError as exc:
            return Outcome(reply=self.show(refusal(str(exc))))
        if isinstance(parsed, Empty):
            return Outcome()
        if not isinstance(parsed, Call):
            return self.send(parsed.text)
        try:
            reply = parsed.command.handler(self.ctx, parsed.arg)
        except KeyboardInterrupt:  # a blocking command (\load of a FIFO): the REPL lives
            if self.ctx.scope != "repl":
                raise
            reply = refusal(f"\\{parsed.command.name} cancelled; nothing was changed")
        self.show(reply)
        if reply.action == "exit":
            return Outcome(reply=reply, going=False)
        if reply.action == "prompt":
            asked = self.send(reply.prompt)
            return Outcome(reply=asked.reply or reply, turn=asked.turn)
        return Outcome(reply=reply)

    def show(self, reply: Reply) -> Reply:
        show_reply(self.env.out, reply, boxes=bool(self.env.stdout_isatty))
        return reply

    def send(self, text: str) -> Outcome:
        """Send a prompt; the answer streams, then sources, stats and any context warning.
        A prompt that cannot fit is refused (the outcome's reply) and nothing is sent."""
        try:
            turn = show_turn(
                self.engine,
                self.session,
                text,
                self.view(),
                self.grounder,
                self.log,
                self.display_state,
            )
        except ContextOverflowError as exc:
            return Outcome(reply=self.show(refusal(exc.message)))
        return Outcome(turn=turn)

    def view(self) -> View:
        """Everything on ``env.out``; the wait line only in an interactive REPL."""
        out, tty = self.env.out, bool(self.env.stdout_isatty)
        return View(
            answer=out,
            meta=out,
            markdown=tty,
            reasoning_mode=self.display_state.reasoning_mode,
            stats=self.display_state.show_stats,
            wait=out if tty and self.ctx.scope == "repl" else None,
        )
