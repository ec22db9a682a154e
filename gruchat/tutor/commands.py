r"""The tutor's REPL commands: \notes, \grounding, \gru. Registered in the one table."""

from __future__ import annotations

from rich.console import Group
from rich.markdown import Markdown
from rich.panel import Panel

from gruchat import params
from gruchat.commands import TABLE, Reply
from gruchat.handlers import ShellContext
from gruchat.safe_text import literal


@TABLE.register(
    "notes", "List the verified GRU notes, or print one.", usage="[NAME]", arg="optional",
    example="\\notes gates", complete=lambda: _note_names(),
)  # fmt: skip
def _notes(ctx: ShellContext, arg: str) -> Reply:
    from gruchat.tutor.notes import get_note, load_notes

    if not arg:
        lines = ["Verified GRU notes (\\notes NAME prints one):"]
        lines += [f"- {n.name}: {n.title}" for n in load_notes()]
        return Reply("\n".join(lines))
    note = get_note(arg)
    if note is None:
        return Reply(f"no note named {arg!r}; \\notes lists them", error=True)
    title = literal(f"verified note: {note.name}")
    return Reply(Panel(Markdown(note.body), title=title, title_align="left"))


def _note_names() -> list[str]:
    """The names \\notes <Tab> offers."""
    from gruchat.tutor.notes import load_notes

    return [note.name for note in load_notes()]


@TABLE.register(
    "grounding", "Put the most relevant GRU notes into each question, or not.",
    usage="on|off", arg="required", choices=("on", "off"),
)  # fmt: skip
def _grounding(ctx: ShellContext, arg: str) -> Reply:
    ctx.session.grounding = params.on_off(arg)
    return Reply(f"Grounding {'on' if ctx.session.grounding else 'off'}.")


@TABLE.register(
    "gru", "Show the GRU reference card; `\\gru step` works one step through, with your numbers "
    "if you give them.",
    usage="[step [x=V,…] [h=V,…] [input=N] [hidden=N] [seed=N]]", arg="optional",
    choices=("step",), open_choices=("step",), example="\\gru step x=0.5,-1 h=0.1,0.2",
)  # fmt: skip
def _gru(ctx: ShellContext, arg: str) -> Reply:
    word, _, rest = arg.partition(" ")
    if word.lower() == "step":
        from gruchat.tutor.step import parse_step_args, render_step

        if not rest.strip():
            return Reply(render_step())
        try:
            setup = parse_step_args(rest)
        except ValueError as exc:
            return Reply(str(exc), error=True)
        return Reply(render_step(setup))
    from gruchat.tutor.card import render_card

    return Reply(Group(render_card()))
