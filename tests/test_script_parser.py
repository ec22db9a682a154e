r"""Prompt-file parsing: steps, every \expect form, pragmas, blocks and exact error places."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gruchat.all_commands import build_table
from gruchat.command_table import CommandError, parse
from gruchat.script.parser import ScriptSyntaxError, decode, load, parse_text

TABLE = build_table()


def one_check(directive: str, before: str = "What is a GRU?"):
    script = parse_text(f"{before}\n{directive}\n", "t.gru")
    (check,) = script.steps[-1].checks
    return check


def syntax_error(text: str) -> ScriptSyntaxError:
    with pytest.raises(ScriptSyntaxError) as info:
        parse_text(text, "t.gru")
    return info.value


# -- steps, comments, blocks ---------------------------------------------------------------
def test_prompts_commands_comments_and_blank_lines():
    script = parse_text(
        "# a comment\n\n\\temperature 0\nWhat is a GRU?\n   # indented comment\n/params\n"
    )
    assert [(s.kind, s.text, s.line) for s in script.steps] == [
        ("command", "\\temperature 0", 3),
        ("prompt", "What is a GRU?", 4),
        ("command", "/params", 6),
    ]


def test_crlf_line_endings_and_bom():
    script = parse_text(decode(b'\xef\xbb\xbfhi\r\n\\expect contains "x"\r\n'))
    assert script.steps[0].text == "hi"
    assert script.steps[0].checks[0].value == "x"


def test_multi_line_block_is_one_prompt():
    script = parse_text('"""\nline one\n  line two\n"""\n\\expect contains "two"\nnext\n')
    first, second = script.steps
    assert first.kind == "prompt"
    assert first.text == "line one\n  line two"
    assert first.line == 1
    assert first.lines == ['"""', "line one", "  line two", '"""']
    assert first.checks[0].line == 5
    assert second.line == 6


def test_block_with_text_on_the_quote_lines_and_single_line_block():
    script = parse_text('"""first\nmiddle\nlast"""\n"""just one line"""\n')
    assert [s.text for s in script.steps] == ["first\nmiddle\nlast", "just one line"]


def test_block_lines_are_not_comments_or_directives():
    script = parse_text('"""\n# not a comment\n\\expect contains "x"\n"""\n')
    assert script.steps[0].text == '# not a comment\n\\expect contains "x"'
    assert script.steps[0].checks == []


def test_block_starting_with_a_command_is_a_command_like_the_repl():
    script = parse_text('"""\\system You are terse.\nAlways."""\n')
    assert script.steps[0].kind == "command"
    assert script.steps[0].text == "\\system You are terse.\nAlways."


def test_hash_inside_a_prompt_line_is_text():
    assert parse_text("What does # mean?\n").steps[0].text == "What does # mean?"


# -- every \expect form ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("directive", "kind", "value"),
    [
        ('\\expect contains "update gate"', "contains", "update gate"),
        ('\\expect icontains "Update"', "icontains", "Update"),
        ('\\expect equals "exact"', "equals", "exact"),
        ('\\expect starts-with "The"', "starts-with", "The"),
        ("\\expect finish stop", "finish", "stop"),
        ("\\expect finish length", "finish", "length"),
        ("\\expect max-tokens 64", "max-tokens", 64),
        ('/expect contains "slash"', "contains", "slash"),
        ('  \\expect   contains    "spaced"   ', "contains", "spaced"),
    ],
)
def test_answer_checks(directive, kind, value):
    check = one_check(directive)
    assert (check.kind, check.value, check.negate, check.target) == (kind, value, False, "answer")
    assert check.source == directive.strip()
    assert check.line == 2


def test_regex_with_flags():
    check = one_check("\\expect regex /gate\\/s? (z|r)/ims")
    assert check.kind == "regex"
    assert check.value == "gate\\/s? (z|r)"
    assert check.pattern is not None
    assert check.pattern.flags & re.IGNORECASE
    assert check.pattern.flags & re.MULTILINE
    assert check.pattern.flags & re.DOTALL
    assert check.pattern.search("GATE/S R")


def test_reasoning_contains():
    check = one_check('\\expect reasoning contains "think"')
    assert (check.kind, check.target, check.value) == ("contains", "reasoning", "think")


def test_error_after_a_command():
    check = one_check('\\expect error "temperature must be"', before="\\temperature abc")
    assert (check.kind, check.value) == ("error", "temperature must be")


@pytest.mark.parametrize(
    "directive",
    [
        '\\expect not contains "peephole"',
        '\\expect not icontains "x"',
        "\\expect not regex /x/",
        "\\expect not finish length",
        "\\expect not max-tokens 3",
        '\\expect not reasoning contains "x"',
        '\\expect not equals "x"',
        '\\expect not starts-with "x"',
    ],
)
def test_not_negates_every_kind(directive):
    assert one_check(directive).negate


def test_not_error():
    assert one_check('\\expect not error ""', before="\\params").negate


def test_string_escapes():
    check = one_check(r'\expect contains "a \"quoted\" back\\slash\nnew\tline"')
    assert check.value == 'a "quoted" back\\slash\nnew\tline'


def test_several_checks_belong_to_the_step_before():
    script = parse_text('Q1\n\\expect contains "a"\n# c\n\n\\expect contains "b"\nQ2\n')
    assert [c.value for c in script.steps[0].checks] == ["a", "b"]
    assert script.steps[1].checks == []
    assert len(script.checks) == 2


# -- pragmas -------------------------------------------------------------------------------
def test_pragmas_in_the_header():
    script = parse_text(
        "# A title comment\n# model: smollm2-135m\n"
        "# sampling: temperature=0.5 top_k=1 top-p=0.9 max_tokens=64 think=off\n\nQ\n"
    )
    assert script.model == "smollm2-135m"
    assert script.sampling == {
        "temperature": 0.5,
        "top_k": 1,
        "top_p": 0.9,
        "max_tokens": 64,
        "think": False,
    }


def test_no_pragmas_means_none():
    script = parse_text("Q\n")
    assert script.model is None
    assert script.sampling == {}


def test_other_comment_keys_are_plain_comments():
    assert parse_text("# note: hello\nQ\n# todo: more\n").model is None


# -- syntax errors, each with its exact place ----------------------------------------------
@pytest.mark.parametrize(
    ("text", "line", "col", "fragment"),
    [
        ('\\expect contains "x"\n', 1, 1, "must follow a prompt or a command"),
        ('# c\n\n  \\expect contains "x"\n', 3, 3, "must follow a prompt or a command"),
        ("Q\n\\nosuch 1\n", 2, 1, "unknown command \\nosuch"),
        ("Q\n  \\temprature 0\n", 2, 3, "did you mean \\temperature?"),
        ("Q\n/nosuch\n", 2, 1, "unknown command /nosuch"),
        ("Q\n\\\n", 2, 1, "empty command"),
        ('Q\n"""\nnever closed\n', 2, 1, 'unterminated """ block'),
        ('Q\n   """open\n', 2, 4, 'unterminated """ block'),
        ('""""""\n', 1, 1, 'empty """ block'),
        ('Q\n\\expect contains "open\n', 2, 18, "unterminated string"),
        ("Q\n\\expect contains nope\n", 2, 18, "expected a double-quoted string"),
        ("Q\n\\expect contains\n", 2, 17, "expected a double-quoted string"),
        ('Q\n\\expect contains "a\\q"\n', 2, 20, "unknown escape"),
        ('Q\n\\expect contains "a" trailing\n', 2, 22, "expected the end of the line"),
        ("Q\n\\expect\n", 2, 8, "unknown check: expected one of"),
        ('Q\n\\expect contain "x"\n', 2, 9, "unknown check 'contain'"),
        ('Q\n\\expect not not contains "x"\n', 2, 13, "unknown check 'not'"),
        ('Q\n\\expect reasoning finish "x"\n', 2, 19, "expected a text check after reasoning"),
        ("Q\n\\expect regex /a(b/\n", 2, 17, "bad regex"),
        ("Q\n\\expect regex /open\n", 2, 15, "unterminated regex"),
        ("Q\n\\expect regex nope\n", 2, 15, "expected a /PATTERN/FLAGS"),
        ("Q\n\\expect regex /a/x\n", 2, 18, "unknown regex flag"),
        ("Q\n\\expect finish maybe\n", 2, 16, "expected a finish reason"),
        ("Q\n\\expect max-tokens lots\n", 2, 20, "expected a whole number of tokens"),
        ("Q\n\\expect max-tokens 0\n", 2, 20, "expected a whole number of tokens"),
        ('Q\n\\expect error "x"\n', 2, 1, "line 1 is a prompt"),
        ('"""\\expect contains "x"\n"""\n', 1, 1, "must be on its own line"),
        ("# model:\n", 1, 9, "expected a model name"),
        ("# model: a\n# model: b\n", 2, 1, "given twice"),
        ("# sampling:\n", 1, 12, "expected KEY=VALUE"),
        ("# sampling: top_k=1\n# sampling: top_p=1\n", 2, 1, "given twice"),
        ("# sampling: speed=9\n", 1, 13, "expected KEY=VALUE with KEY one of"),
        ("# sampling: temperature\n", 1, 13, "expected KEY=VALUE"),
        ("# sampling: temperature=hot\n", 1, 25, "temperature must be a number"),
        ("# sampling: max_tokens=1 top_k=0\n", 1, 32, "top-k must be a whole number"),
        ("Q\n# model: late\n", 2, 1, "belong in the header"),
    ],
)
def test_syntax_errors_say_where(text, line, col, fragment):
    error = syntax_error(text)
    assert (error.line, error.col) == (line, col), error.message
    assert fragment in error.what
    assert error.message == f"t.gru:{line}:{col}: error: {error.what}"
    assert error.status == 2


def test_regex_error_column_points_into_the_pattern():
    error = syntax_error("Q\n\\expect regex /ab[c/\n")
    assert (error.line, error.col) == (2, 18)  # the '[' that is never closed


def test_argument_shape_errors_are_not_syntax_errors():
    """\\exit extra, \\think maybe, \\clear now: refused at run time (\\expect error)."""
    script = parse_text("\\exit extra\n\\think maybe\n\\clear now\n\\temperature\n\\topk 0\n")
    assert [s.kind for s in script.steps] == ["command"] * 5


def test_expect_belongs_to_the_script_parser_not_the_command_table():
    """The parser reads \\expect itself; the table (the REPL's, \\help's) never holds it."""
    assert "expect" not in TABLE.lookup
    with pytest.raises(CommandError, match="unknown command \\\\expect"):
        parse('\\expect contains "x"', TABLE)
    script = parse_text('Q\n\\expect contains "x"\n', "t.gru", TABLE)
    assert [s.kind for s in script.steps] == ["prompt"]
    assert script.checks[0].kind == "contains"


# -- reading files --------------------------------------------------------------------------
def test_non_utf8_names_line_and_column_of_the_first_bad_byte():
    with pytest.raises(ScriptSyntaxError) as info:
        decode(b"ok line\nab\xc3\xa9c\xff rest\n", "bad.gru")
    assert (info.value.line, info.value.col) == (2, 5)
    assert "not UTF-8" in info.value.message and "0xff" in info.value.message
    assert info.value.message.startswith("bad.gru:2:5: error:")


def test_non_utf8_after_a_bom():
    with pytest.raises(ScriptSyntaxError) as info:
        decode(b"\xef\xbb\xbfab\xfe", "bom.gru")
    assert (info.value.line, info.value.col) == (1, 3)  # the BOM is not a column


def test_load_reads_a_file(tmp_path):
    path = tmp_path / "x.gru"
    path.write_text('Q\n\\expect contains "a"\n', encoding="utf-8")
    script = load(path)
    assert script.path == str(path)
    assert script.steps[0].checks[0].value == "a"


def test_load_missing_file_is_a_usage_error(tmp_path):
    from gruchat.errors import UsageError

    with pytest.raises(UsageError) as info:
        load(tmp_path / "missing.gru")
    assert "cannot read" in info.value.message
    assert info.value.status == 2


def test_shipped_suites_parse():
    for name in ("commands", "gru-basics"):
        script = load(_root() / "prompts" / "regression" / f"{name}.gru")
        assert script.model == "smollm2-135m"
        assert script.checks


def _root():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent


# -- fuzzing: a Script or a ScriptSyntaxError with a place, never anything else ------------
def _parses_or_says_where(text: str) -> None:
    try:
        script = parse_text(text, "f.gru")
    except ScriptSyntaxError as exc:
        assert exc.line >= 1 and exc.col >= 1
        assert exc.message.startswith(f"f.gru:{exc.line}:{exc.col}: error: ")
        return
    for step in script.steps:
        assert step.kind in ("prompt", "command")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fuzz_arbitrary_text(text):
    _parses_or_says_where(text)


_PIECES = st.sampled_from(
    [
        "\\expect", "/expect", " not", " contains", " icontains", " regex", " equals",
        " starts-with", " reasoning", " finish", " max-tokens", " error", ' "', '"', "\\",
        "/", " /a/i", " 12", " stop", '"""', "#", "# model:", "# sampling:", " top_k=1",
        "=", "\\temperature", "\\system", "Q", " ", "(", "[", "é", "\t",
    ]
)  # fmt: skip
_LINES = st.lists(st.lists(_PIECES | st.text(max_size=4), max_size=6).map("".join), max_size=8)


@settings(max_examples=400, deadline=None)
@given(_LINES)
def test_fuzz_arbitrary_lines(lines):
    _parses_or_says_where("\n".join(lines))


@settings(max_examples=200, deadline=None)
@given(st.binary())
def test_fuzz_arbitrary_bytes(data):
    try:
        text = decode(data, "b.gru")
    except ScriptSyntaxError as exc:
        assert exc.line >= 1 and exc.col >= 1
        return
    _parses_or_says_where(text)
