r"""The tutor's REPL commands: \notes, \grounding, \gru; ``COMMANDS`` lists them for the table."""

from __future__ import annotations

from rich.console import Group

from gruchat import params
from gruchat.chat_commands import ShellContext
from gruchat.command_table import CARD, NOTE, Command, Reply, refusal


def _notes(ctx: ShellContext, arg: str) -> Reply:
    from gruchat.tutor.notes import get_note, load_notes

    if not arg:
        lines = ["Verified GRU notes (\\notes NAME prints one):"]
        lines += [f"- {n.name}: {n.title}" for n in load_notes()]
        return Reply("\n".join(lines))
    note = get_note(arg)
    if note is None:
        return refusal(f"no note named {arg!r}; \\notes lists them")
    return Reply(note.body, kind=NOTE, title=f"verified note: {note.name}")


def _note_names() -> list[str]:
    """The names \\notes <Tab> offers."""
    from gruchat.tutor.notes import load_notes

    return [note.name for note in load_notes()]


def _grounding(ctx: ShellContext, arg: str) -> Reply:
    ctx.session.grounding = params.on_off(arg)
    return Reply(f"Grounding {'on' if ctx.session.grounding else 'off'}.")


def _gru(ctx: ShellContext, arg: str) -> Reply:
    word, _, rest = arg.partition(" ")
    if word.lower() == "step":
        from gruchat.tutor.step import parse_step_args, render_step

        if not rest.strip():
            return Reply(render_step(), kind=CARD)
        try:
            setup = parse_step_args(rest)
        except ValueError as exc:
            return refusal(str(exc))
        return Reply(render_step(setup), kind=CARD)
    from gruchat.tutor.card import render_card

    return Reply(Group(render_card()), kind=CARD)


# The tutor's commands, listed after the REPL's (gruchat.all_commands).
COMMANDS: tuple[Command, ...] = (
    Command(
        "notes",
        _notes,
        "List the verified GRU notes, or print one.",
        usage="[NAME]",
        arg="optional",
        example="\\notes gates",
        complete=lambda: _note_names(),
    ),
    Command(
        "grounding",
        _grounding,
        "Put the most relevant GRU notes into each question, or not.",
        usage="on|off",
        arg="required",
        choices=("on", "off"),
    ),
    Command(
        "gru",
        _gru,
        "Show the GRU reference card; `\\gru step` works one step through, with your numbers "
        "if you give them.",
        usage="[step [x=V,…] [h=V,…] [input=N] [hidden=N] [seed=N]]",
        arg="optional",
        choices=("step",),
        open_choices=("step",),
        example="\\gru step x=0.5,-1 h=0.1,0.2",
    ),
)
