"""One line in, the right thing out: the dispatcher shared by the REPL and prompt files."""

from __future__ import annotations

from collections.abc import Callable

from gruchat import handlers  # noqa: F401  (registers the commands in the table)
from gruchat.commands import Call, CommandError, Empty, Reply, parse
from gruchat.display_state import DisplayState
from gruchat.engine.base import Engine
from gruchat.environment import Environment
from gruchat.errors import ContextOverflowError
from gruchat.handlers import ShellContext
from gruchat.inputs import clean_text
from gruchat.render import StreamRenderer, format_stats
from gruchat.session import Session, Turn
from gruchat.turn import Grounder, context_warning
from gruchat.turn_log import TurnLog, logged_turn
from gruchat.tutor import commands as tutor_commands  # noqa: F401  (\notes, \gru, …)


def _identity(text: str) -> str:
    return text


def answer_transform() -> Callable[[str], str]:
    """LaTeX math in answers shown as Unicode, when the tutor package is present."""
    try:
        from gruchat.tutor.latex import latex_to_unicode
    except ImportError:
        return _identity
    return latex_to_unicode


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
        display_state: DisplayState | None = None,
    ) -> None:
        self.engine = engine
        self.log = log
        self.session = session
        self.display_state = display_state or DisplayState()
        self.env = env
        self.grounder = grounder
        self.ctx = ShellContext(
            session=session,
            engine=engine,
            scope=scope,
            log=log,
            display_state=self.display_state,
        )
        self.transform = answer_transform()
        self.last_reply: Reply | None = None

    def handle(self, line: str) -> bool:
        """Process one line; False when the user asked to exit."""
        try:
            parsed = parse(clean_text(line), scope=self.ctx.scope)
        except CommandError as exc:
            self.show(Reply(str(exc), error=True))
            return True
        if isinstance(parsed, Empty):
            return True
        if not isinstance(parsed, Call):
            self.ask(parsed.text)
            return True
        try:
            reply = parsed.command.handler(self.ctx, parsed.arg)
        except KeyboardInterrupt:  # a blocking command (\load of a FIFO): the REPL lives
            if self.ctx.scope != "repl":
                raise
            reply = Reply(f"\\{parsed.command.name} cancelled; nothing was changed", error=True)
        self.show(reply)
        if reply.action == "exit":
            return False
        if reply.action == "prompt":
            self.ask(reply.prompt)
        return True

    def show(self, reply: Reply) -> None:
        self.last_reply = reply
        if reply.text == "" or reply.text is None:
            return
        if reply.error:
            self.env.out.print(f"error: {reply.text}", style="red", markup=False)
        elif isinstance(reply.text, str):
            self.env.out.print(reply.text, markup=False, highlight=False)
        else:
            self.env.out.print(reply.text)

    def ask(self, text: str) -> Turn | None:
        """Send a prompt; the answer streams, then sources, stats and any context warning."""
        self.last_reply = None
        out = self.env.out
        renderer = StreamRenderer(
            out,
            out,
            markdown=bool(self.env.stdout_isatty),
            reasoning_mode=self.display_state.reasoning_mode,
            transform=self.transform,
            wait_console=out if self.env.stdout_isatty and self.ctx.scope == "repl" else None,
        )
        try:
            turn = logged_turn(
                self.log,
                self.engine,
                self.session,
                text,
                renderer,
                self.grounder,
                self.display_state,
            )
        except ContextOverflowError as exc:
            self.show(Reply(exc.message, error=True))
            return None
        renderer.sources(turn.sources)
        if self.display_state.show_stats and turn.usage is not None:
            renderer.stats(format_stats(turn, self.session, self.engine.info.context_length))
        warning = context_warning(self.engine, self.session)
        if warning:
            out.print(f"warning: {warning}", style="yellow", markup=False)
        return turn
