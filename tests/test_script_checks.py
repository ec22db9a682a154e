r"""Each \expect kind against a Turn or a Reply: pass, fail, and negated with `not`."""

from __future__ import annotations

import pytest
from rich.panel import Panel

from gruchat.command_table import Reply, refusal
from gruchat.engine.base import Usage
from gruchat.script.checks import evaluate, excerpt, reply_text
from gruchat.script.parser import Expectation, parse_text
from gruchat.session import Turn

ANSWER = "The two gates are the Update gate z and the reset gate r.\nBoth use sigmoid."


def turn(answer: str = ANSWER, **kwargs) -> Turn:
    kwargs.setdefault("usage", Usage(prompt_tokens=30, completion_tokens=17))
    return Turn(prompt="q", answer=answer, **kwargs)


def check(directive: str, before: str = "Q") -> Expectation:
    return parse_text(f"{before}\n{directive}\n").steps[0].checks[0]


@pytest.mark.parametrize(
    ("directive", "passes"),
    [
        ('\\expect contains "reset gate"', True),
        ('\\expect contains "reset Gate"', False),
        ('\\expect icontains "UPDATE GATE"', True),
        ('\\expect icontains "forget gate"', False),
        ('\\expect equals "The two gates are the Update gate z and the reset gate r."', False),
        ('\\expect starts-with "The two"', True),
        ('\\expect starts-with "two"', False),
        ("\\expect regex /update gate \\w/i", True),
        ("\\expect regex /^Both/", False),
        ("\\expect regex /^Both/m", True),
        ("\\expect regex /r\\..Both/", False),
        ("\\expect regex /r\\..Both/s", True),
        ("\\expect finish stop", True),
        ("\\expect finish length", False),
        ("\\expect max-tokens 17", True),
        ("\\expect max-tokens 16", False),
    ],
)
def test_answer_checks_and_their_negation(directive, passes):
    subject = turn()
    assert evaluate(check(directive), subject).passed is passes
    negated = directive.replace("\\expect ", "\\expect not ", 1)
    assert evaluate(check(negated), subject).passed is (not passes)


def test_equals_ignores_surrounding_whitespace_only():
    assert evaluate(check('\\expect equals "Yes."'), turn("  Yes.\n")).passed
    assert not evaluate(check('\\expect equals "Yes"'), turn("Yes.")).passed


def test_checks_look_at_the_models_own_text():
    """The LaTeX clean-up is for display only; the check sees what the model wrote."""
    subject = turn("h_t = \\tanh(x)")
    assert evaluate(check('\\expect contains "\\\\tanh"'), subject).passed


def test_reasoning_contains():
    subject = turn(reasoning="First think about gates.")
    assert evaluate(check('\\expect reasoning contains "think"'), subject).passed
    assert not evaluate(check('\\expect reasoning contains "GRU"'), subject).passed
    assert not evaluate(check('\\expect not reasoning contains "think"'), subject).passed


def test_finish_length():
    assert evaluate(check("\\expect finish length"), turn(finish_reason="length")).passed


def test_failure_messages_say_what_was_expected_and_what_came_back():
    result = evaluate(check('\\expect contains "peephole"'), turn())
    assert not result.passed
    assert result.message.startswith('expected the answer to contain "peephole"; got "The two')
    result = evaluate(check('\\expect not icontains "update"'), turn())
    assert result.message.startswith('expected the answer not to contain "update" (any case)')
    result = evaluate(check("\\expect max-tokens 3"), turn())
    assert result.message == "expected the answer to use at most 3 tokens; it used 17 tokens"
    result = evaluate(check("\\expect regex /x/i"), turn())
    assert "match /x/i" in result.message
    result = evaluate(check('\\expect contains "x"'), turn(""))
    assert result.message.endswith("it was empty")


# -- commands: the Reply --------------------------------------------------------------------
def test_error_on_a_refused_command():
    refused = refusal("temperature must be a number from 0.0 to 2.0")
    directive = '\\expect error "temperature must be"'
    assert evaluate(check(directive, "\\temperature x"), refused).passed
    wrong = evaluate(check('\\expect error "top-k"', "\\temperature x"), refused)
    assert not wrong.passed
    assert 'it was refused with "temperature must be' in wrong.message
    assert not evaluate(check('\\expect not error "temperature"', "\\topk x"), refused).passed
    assert evaluate(check('\\expect not error "top-k"', "\\topk x"), refused).passed


def test_error_on_an_accepted_command_fails():
    accepted = Reply("Temperature set to 0.5.")
    result = evaluate(check('\\expect error "temperature"', "\\temperature 0.5"), accepted)
    assert not result.passed
    assert 'it was accepted: "Temperature set to 0.5."' in result.message
    assert evaluate(check('\\expect not error ""', "\\temperature 0.5"), accepted).passed


def test_error_when_the_command_asked_the_model_fails():
    result = evaluate(check('\\expect error "x"', "\\retry"), turn())
    assert not result.passed
    assert "asked the model" in result.message


def test_text_checks_on_a_reply_use_its_text():
    reply = Reply("temperature 0.5, top-k 10")
    assert evaluate(check('\\expect contains "top-k 10"', "\\params"), reply).passed
    assert not evaluate(check('\\expect not contains "top-k 10"', "\\params"), reply).passed


def test_rich_replies_are_rendered_to_plain_text():
    reply = Reply(Panel("update gate z", title="card"))
    assert "update gate z" in reply_text(reply)
    assert evaluate(check('\\expect contains "update gate z"', "\\gru"), reply).passed


@pytest.mark.parametrize(
    "directive",
    ["\\expect finish stop", "\\expect max-tokens 5", '\\expect reasoning contains "x"'],
)
def test_answer_only_checks_on_a_reply_fail_even_negated(directive):
    reply = Reply("Cleared.")
    assert not evaluate(check(directive, "\\clear"), reply).passed
    negated = directive.replace("\\expect ", "\\expect not ", 1)
    result = evaluate(check(negated, "\\clear"), reply)
    assert not result.passed
    assert "did not ask the model" in result.message


def test_nothing_to_check_fails_even_negated():
    assert not evaluate(check('\\expect contains "x"'), None).passed
    assert not evaluate(check('\\expect not contains "x"'), None).passed
    assert not evaluate(check('\\expect error "x"', "\\undo"), None).passed


def test_max_tokens_without_usage_fails():
    result = evaluate(check("\\expect not max-tokens 5"), turn(usage=None))
    assert not result.passed
    assert "no token count" in result.message


def test_excerpt_is_one_short_line():
    assert excerpt("a\n\nb   c") == "a b c"
    assert len(excerpt("x" * 500)) == 80
