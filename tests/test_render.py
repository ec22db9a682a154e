"""Stats lines, the plain/stream renderers and incremental Markdown streaming."""

from __future__ import annotations

import io
import re
import time

import pytest
from rich.console import Console

from gruchat.engine.base import Finished, Usage
from gruchat.markdown_stream import MarkdownStream
from gruchat.render import PlainWriter, StreamRenderer, format_stats
from gruchat.session import Session, Turn

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def stats_turn(**usage):
    values = {"prompt_tokens": 17, "completion_tokens": 1741, "prompt_tps": 15.92}
    values.update(decode_tps=3.74, cached_tokens=0, speeds_measured_by="engine")
    values.update(usage)
    return Turn(prompt="q", answer="a", usage=Usage(**values), ttft=1.37)


# -- format_stats ------------------------------------------------------------------------


def test_format_stats_exact_lines():
    """The four lines of the mistral.rs shell's Stats block, to the character."""
    assert format_stats(stats_turn()) == [
        "Stats:",
        "Time to first token: 1.37s",
        "Prompt: 17 tokens, 15.92 T/s",
        "Decode: 1741 tokens, 3.74 T/s",
    ]


def test_format_stats_with_session_and_context():
    """A session adds prefix-cache hits over finished turns; a context length adds usage."""
    session = Session()
    for turn in (
        stats_turn(),
        stats_turn(cached_tokens=12),
        Turn(prompt="cancelled", finish_reason="cancelled"),  # no usage: not a counted turn
        stats_turn(cached_tokens=30),
    ):
        session.record(turn)
    lines = format_stats(session.turns[-1], session, context_length=2048)
    assert lines[:4] == format_stats(stats_turn())
    assert lines[4:] == [
        "Prefix cache: 2 hits / 3 turns",
        "Context: 1758 / 2048 tokens (86%)",
    ]


def test_format_stats_session_without_context_length():
    """No context length known: the cache line only."""
    session = Session()
    session.record(stats_turn())
    assert format_stats(session.turns[0], session)[4:] == ["Prefix cache: 0 hits / 1 turns"]


def test_format_stats_never_prints_a_figure_that_was_not_reported():
    """None is "not reported": said so or left out, never 0 or 0.00 T/s; no cache figures,
    no cache line; no token counts, no context line."""
    session = Session()
    session.record(stats_turn())
    session.record(Turn(prompt="q", usage=Usage(), ttft=0.5))
    assert format_stats(session.turns[-1], session, context_length=2048) == [
        "Stats:",
        "Time to first token: 0.50s",
        "Prompt: not reported, speed not reported",
        "Decode: not reported, speed not reported",
    ]
    counts = Turn(prompt="q", usage=Usage(prompt_tokens=9, completion_tokens=3), ttft=0.5)
    alone = Session()
    alone.record(counts)
    lines = format_stats(counts, alone, context_length=2048)
    assert lines[2:] == [
        "Prompt: 9 tokens, speed not reported",
        "Decode: 3 tokens, speed not reported",
        "Context: 12 / 2048 tokens (1%)",
    ]
    assert not any("0.00" in line for line in lines)


def test_format_stats_cache_line_counts_only_turns_that_report_it():
    """A turn without cache figures is not a miss: 1 hit of the 2 turns that reported."""
    session = Session()
    for turn in (stats_turn(cached_tokens=5), stats_turn(cached_tokens=None), stats_turn()):
        session.record(turn)
    assert format_stats(session.turns[-1], session)[4:] == ["Prefix cache: 1 hits / 2 turns"]


def test_format_stats_marks_speeds_the_client_measured():
    turn = stats_turn(speeds_measured_by="client")
    assert format_stats(turn)[2:] == [
        "Prompt: 17 tokens, 15.92 T/s (measured by gruchat)",
        "Decode: 1741 tokens, 3.74 T/s (measured by gruchat)",
    ]


def test_format_stats_unfinished_answer():
    """A turn without usage says so instead of printing zeros."""
    assert format_stats(Turn(prompt="q")) == ["Stats:", "(no stats: the answer did not finish)"]


# -- PlainWriter -----------------------------------------------------------------------------


def test_plain_writer_transforms_whole_lines_only():
    """Lines are written (and transformed) only once complete; close flushes the rest."""
    stream = io.StringIO()
    seen = []

    def transform(text):
        seen.append(text)
        return text.upper()

    writer = PlainWriter(stream, transform)
    writer.feed("a GR")
    assert stream.getvalue() == ""
    writer.feed("U\nhas ga")
    assert stream.getvalue() == "A GRU\n"
    writer.feed("tes")
    writer.close()
    assert stream.getvalue() == "A GRU\nHAS GATES\n"
    assert seen == ["a GRU", "has gates"]


# -- StreamRenderer --------------------------------------------------------------------------


def plain_consoles(meta_colour=False):
    out = Console(file=io.StringIO(), width=100, no_color=True, highlight=False)
    if meta_colour:
        meta = Console(
            file=io.StringIO(),
            force_terminal=True,
            color_system="standard",
            no_color=False,
            width=100,
            highlight=False,
        )
    else:
        meta = Console(file=io.StringIO(), width=100, no_color=True, highlight=False)
    return out, meta


def drive(renderer):
    for piece in ["I should ", "explain ", "the gates."]:
        renderer.reasoning(piece)
    for piece in ["A GRU ", "has two", "\ngates."]:
        renderer.answer(piece)
    renderer.finished(Finished(Usage(), "stop"))


def test_plain_mode_answer_on_stdout_reasoning_dim_on_meta():
    """Show mode: answer text to the answer console only; reasoning dim italic on meta."""
    out, meta = plain_consoles(meta_colour=True)
    renderer = StreamRenderer(out, meta, markdown=False, reasoning_mode="show")
    drive(renderer)
    assert out.file.getvalue() == "A GRU has two\ngates.\n"
    raw = meta.file.getvalue()
    assert "\x1b[2;3mI should \x1b[0m" in raw  # SGR 2 = dim, 3 = italic
    plain = ANSI.sub("", raw)
    assert "Thinking" in plain
    assert "I should explain the gates." in plain
    assert "A GRU" not in plain
    assert renderer.reasoning_tokens == 3


def test_hide_mode_prints_no_reasoning():
    """Hide mode: nothing about the reasoning reaches either console."""
    out, meta = plain_consoles()
    drive(StreamRenderer(out, meta, markdown=False, reasoning_mode="hide"))
    assert out.file.getvalue() == "A GRU has two\ngates.\n"
    assert meta.file.getvalue() == ""


def test_collapse_mode_prints_one_summary_line():
    """Collapse mode: exactly one line 'thought for N tokens, X s' and no reasoning text."""
    out, meta = plain_consoles()
    drive(StreamRenderer(out, meta, markdown=False, reasoning_mode="collapse"))
    lines = meta.file.getvalue().splitlines()
    assert len(lines) == 1
    assert re.fullmatch(r"thought for 3 tokens, \d+\.\d s", lines[0])
    assert out.file.getvalue() == "A GRU has two\ngates.\n"


def test_renderer_length_error_cancel_and_sources_messages():
    """The meta console gets the max-tokens notice, errors, cancellation and sources."""
    out, meta = plain_consoles()
    renderer = StreamRenderer(out, meta, markdown=False)
    renderer.answer("partial")
    renderer.finished(Finished(Usage(), "length"))
    renderer.answer("second")
    renderer.cancelled()
    renderer.answer("third")
    renderer.error("engine error: boom")
    renderer.sources(["gates", "equations"])
    renderer.sources([])
    assert out.file.getvalue() == "partial\nsecond\nthird\n"
    assert meta.file.getvalue().splitlines() == [
        "[stopped: reached max tokens]",
        "[cancelled]",
        "error: engine error: boom",
        "Sources: gates, equations",
    ]


# -- MarkdownStream on an emulated terminal ------------------------------------------------

_TOKEN = re.compile(
    r"\x1b\[([0-9;?]*)([A-Za-z])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|(\r)|(\n)|([^\x1b\r\n]+)"
)


def screen(raw):
    """What a terminal shows after ``raw``: cursor up/erase/CR honoured, styles dropped."""
    lines = [[]]
    row = col = 0
    for match in _TOKEN.finditer(raw):
        params, command, cr, newline, text = match.groups()
        if command:
            if command == "A":
                row = max(0, row - int(params or 1))
            elif command == "K":
                lines[row] = [] if params == "2" else lines[row][:col]
            else:
                assert command in "mhl", f"unexpected control sequence {match.group(0)!r}"
        elif cr:
            col = 0
        elif newline:
            row, col = row + 1, 0
            while len(lines) <= row:
                lines.append([])
        elif text:
            line = lines[row]
            line.extend(" " * (col - len(line)))
            line[col : col + len(text)] = list(text)
            col += len(text)
    return "\n".join("".join(line).rstrip() for line in lines).rstrip("\n")


def terminal_console():
    return Console(file=io.StringIO(), force_terminal=True, width=80, height=25)


def tokens(text):
    """Split text into model-like tokens: words with their spaces, newlines on their own."""
    return re.findall(r"\n|[^\s]+ ?| ", text)


def stream_markdown(console, text, pause=0.0):
    stream = MarkdownStream(console)
    for token in tokens(text):
        stream.feed(token)
        if pause:
            time.sleep(pause)
    stream.close()
    return console.file.getvalue()


PARAGRAPHS = [
    "Alpha paragraph explains the update gate.",
    "Bravo paragraph covers the reset gate in brief.",
    "Charlie paragraph shows the candidate state.",
    "Delta paragraph ends with the new hidden state.",
]


def test_tokens_helper_round_trips():
    """The tokeniser used below loses nothing."""
    text = "\n\n".join(PARAGRAPHS) + "\n"
    assert "".join(tokens(text)) == text


def test_markdown_stream_prints_each_paragraph_once():
    """Token by token, with the live region redrawn, every paragraph ends up shown once."""
    console = terminal_console()
    raw = stream_markdown(console, "\n\n".join(PARAGRAPHS), pause=0.004)
    assert "\x1b[2K" in raw  # the transient live region was drawn and erased
    shown = screen(raw)
    for paragraph in PARAGRAPHS:
        assert shown.count(paragraph) == 1, shown
    assert [line for line in shown.splitlines() if line.strip()] == PARAGRAPHS
    positions = [shown.index(p) for p in PARAGRAPHS]
    assert positions == sorted(positions)


def test_markdown_stream_commits_blocks_once():
    """Each finished block goes through console.print exactly once, in order."""
    console = terminal_console()
    stream = MarkdownStream(console)
    printed = []
    original = stream._print
    stream._print = lambda text: (printed.append(text), original(text))
    for token in tokens("\n\n".join(PARAGRAPHS)):
        stream.feed(token)
    stream.close()
    assert [text.strip() for text in printed] == PARAGRAPHS


def test_fenced_code_block_survives_forced_commit():
    """A code block taller than the screen is committed in parts and stays code throughout."""
    code_lines = [f"h_{i} = gru(x_{i}, h_{i - 1})" for i in range(1, 61)]
    body = "\n".join(
        line + ("\n" if i % 15 == 14 else "") for i, line in enumerate(code_lines)
    )  # blank lines inside the fence must not end the block
    text = f"Intro line.\n\n```python\n{body}\n```\n\nAfter the code."
    console = terminal_console()
    stream = MarkdownStream(console)
    prints = []
    original = stream._print
    stream._print = lambda block: (prints.append(block), original(block))
    for token in tokens(text):
        stream.feed(token)
    stream.close()
    shown = screen(console.file.getvalue())
    assert len(prints) >= 4  # intro, at least two parts of the code block, outro
    lines = [line.strip() for line in shown.splitlines()]
    for code in code_lines:  # as code: one per line, verbatim (a paragraph would merge them)
        assert lines.count(code) == 1, code
    assert "```" not in shown
    assert lines.count("Intro line.") == 1
    assert lines.count("After the code.") == 1


@pytest.mark.parametrize("paragraph_every", [None, 100])
def test_markdown_render_count_is_not_per_token(monkeypatch, paragraph_every):
    """5000 streamed tokens: Markdown is rendered per committed block and live refresh,
    never per token (which would make a long answer cost tokens squared)."""
    renders = 0
    original = MarkdownStream._render

    def counting(self, text):
        nonlocal renders
        renders += 1
        return original(self, text)

    monkeypatch.setattr(MarkdownStream, "_render", counting)
    console = terminal_console()
    stream = MarkdownStream(console)
    commits = 0
    original_print = stream._print

    def counting_print(text):
        nonlocal commits
        commits += 1
        original_print(text)

    stream._print = counting_print
    started = time.perf_counter()
    for i in range(5000):
        last = paragraph_every and i % paragraph_every == paragraph_every - 1
        stream.feed(f"w{i}.\n\n" if last else f"w{i} ")
    stream.close()
    elapsed = time.perf_counter() - started
    if paragraph_every:
        assert commits == 5000 // paragraph_every
    # A commit renders its block and redraws the tail for each console.print (a small
    # constant); the Live thread adds at most 8 refreshes a second; start and stop one each.
    # A slow machine only raises this bound.
    assert renders <= 4 * commits + 8 * elapsed + 4
    assert renders < 5000 / 10
