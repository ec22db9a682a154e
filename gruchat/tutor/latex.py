"""Turn LaTeX math in model answers into readable Unicode for a terminal.

Small chat models love writing `$h_t = \\sigma(...)$`; a terminal shows that as noise.
pylatexenc does the parsing and symbol mapping; this module only finds the math
spans, keeps code and prose as they are, and teaches pylatexenc sub/superscripts.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

from pylatexenc import latex2text, latexwalker, macrospec

# Fenced code blocks and inline code spans are never touched.
_CODE = re.compile(
    r"^[ \t]*(?P<fence>`{3,}|~{3,}).*?(?:\n[ \t]*(?P=fence)[ \t]*$|\Z)"
    r"|(?P<tick>`+)[^`\n]+?(?P=tick)",
    re.MULTILINE | re.DOTALL,
)
_ENVIRONMENTS = "equation|align|aligned|gather|multline|eqnarray|displaymath|math"
# Math spans: $$…$$, \[…\], \(…\), \begin{equation}…\end{equation} and $…$. A single `$`
# must hug its content and not be followed by a digit, so "costs $5 and $10" stays prose.
_MATH = re.compile(
    r"\$\$(?P<dd>.+?)\$\$"
    r"|\\\[(?P<bracket>.+?)\\\]"
    r"|\\\((?P<paren>.+?)\\\)"
    rf"|\\begin\{{(?P<env>{_ENVIRONMENTS})(?P<star>\*?)\}}(?P<body>.*?)\\end\{{(?P=env)(?P=star)\}}"
    r"|(?<![\\$\w])\$(?![\s$])(?P<inline>(?:\\\$|[^$\n])+?)(?<![\s\\])\$(?![\w$])",
    re.DOTALL,
)
# LaTeX commands written without delimiters, e.g. "h = z \odot h" or "x_{t-1}"; only
# converted when pylatexenc knows the command (so "\n" or a Windows path survive).
_BRACED = r"\{(?:[^{}]|\{[^{}]*\})*\}"
_SCRIPT = rf"[_^](?:{_BRACED}|\\[A-Za-z]+|\w)"
_BARE = re.compile(
    rf"(?<!\\)\\(?P<name>[A-Za-z]+)(?:\s*{_BRACED})*(?:{_SCRIPT})*"
    rf"|\b[A-Za-z](?:_{_BRACED}|\^{_BRACED})+"
)
_SPACE_BEFORE_COMMAND = re.compile(r"[ \t]+(?=\\(?!right\b|end\b|big)[A-Za-z])")
_SCRIPT_COMMAND = re.compile(r"([_^])\s*(\\[A-Za-z]+)(?![A-Za-z])(?!\s*\{)")
_FRACTIONS = ("frac", "dfrac", "tfrac")
_PLAIN_STYLES = ("mathbf", "boldsymbol", "bm", "mathit", "mathsf", "mathtt", "mathrm")


def _script_char(char: str, superscript: bool) -> str | None:
    """The Unicode sub/superscript form of `char`, looked up by character name."""
    if char in "-−":
        name = "MINUS"
    elif char == "⊤" or char == "⊺":
        char, name = "T", "LATIN CAPITAL LETTER T"
    else:
        try:
            name = unicodedata.name(char)
        except ValueError:
            return None
        name = name.removesuffix(" SIGN") if char in "+=" else name
    candidates = _script_names(name, superscript)
    for candidate in candidates:
        try:
            return unicodedata.lookup(candidate)
        except KeyError:
            continue
    return None


def _script_names(name: str, superscript: bool) -> list[str]:
    """Unicode names under which a script form of the character `name` may exist."""
    kind = "SUPERSCRIPT" if superscript else "SUBSCRIPT"
    names = []
    if name.startswith("DIGIT "):
        names.append(f"{kind} {name.removeprefix('DIGIT ')}")
    elif name in ("MINUS", "PLUS", "EQUALS", "LEFT PARENTHESIS", "RIGHT PARENTHESIS"):
        names += [f"{kind} {name}", f"{kind} {name} SIGN"]
    for script in ("LATIN", "GREEK"):
        if name.startswith(f"{script} "):
            rest = name.removeprefix(f"{script} ")
            names.append(f"{script} {kind} {rest}")
            if superscript:
                names += [f"{kind} {name}", f"MODIFIER LETTER {rest.replace('LETTER ', '')}"]
    return names


@lru_cache(maxsize=512)
def _to_script(text: str, superscript: bool) -> str:
    """Render a sub/superscript in Unicode when every character has a script form."""
    compact = "".join(text.split())
    mark = "^" if superscript else "_"
    if not compact:
        return ""
    converted = [_script_char(c, superscript) for c in compact]
    if all(converted):
        return "".join(c for c in converted if c)
    if compact.isalnum() or len(compact) == 1:
        return mark + compact
    return f"{mark}({compact})"


def _script_repl(node: latexwalker.LatexSpecialsNode, l2tobj: latex2text.LatexNodes2Text) -> str:
    """pylatexenc callback for `_` and `^` specials."""
    content = l2tobj.node_arg_to_text(node, 0) if node.nodeargd else ""
    return _to_script(content.strip(), superscript=node.specials_chars == "^")


def _is_atom(text: str) -> bool:
    """True if `text` needs no parentheses in "a/b" (a symbol, a number or a script)."""
    return len(text) <= 1 or bool(re.fullmatch(r"(?:∂\s?)?[\w.′'⁰-ₜ]+", text))


def _frac_repl(node: latexwalker.LatexMacroNode, l2tobj: latex2text.LatexNodes2Text) -> str:
    """\\frac{a}{b} as a/b, bracketing compound parts so 1/(1 + e⁻ˣ) keeps its meaning."""
    parts = [l2tobj.node_arg_to_text(node, i).strip() for i in (0, 1)]
    return "/".join(p if _is_atom(p) else f"({p})" for p in parts)


def _plain_repl(node: latexwalker.LatexMacroNode, l2tobj: latex2text.LatexNodes2Text) -> str:
    """Bold/italic math letters as plain letters: many terminal fonts lack 𝐖-style glyphs."""
    return l2tobj.node_arg_to_text(node, 0)


@lru_cache(maxsize=1)
def _converter() -> tuple[macrospec.LatexContextDb, latex2text.LatexNodes2Text]:
    """pylatexenc parser context and converter, extended with scripts and nicer fractions."""
    # Tolerant parsing of model output makes pylatexenc log warnings (e.g. "\\bra" without
    # its argument) that would land in the middle of the chat screen.
    logging.getLogger("pylatexenc").setLevel(logging.ERROR)
    args = macrospec.MacroStandardArgsParser
    parse_db = latexwalker.get_default_latex_context_db()
    parse_db.add_context_category(
        "gruchat-math",
        prepend=True,
        macros=[macrospec.MacroSpec(name, args("{")) for name in (*_PLAIN_STYLES, "operatorname")],
        specials=[macrospec.SpecialsSpec(c, args_parser=args("{")) for c in "_^"],
    )
    text_db = latex2text.get_default_latex_context_db()
    text_db.add_context_category(
        "gruchat-math",
        prepend=True,
        macros=[
            *(latex2text.MacroTextSpec(n, simplify_repl=_frac_repl) for n in _FRACTIONS),
            *(latex2text.MacroTextSpec(n, simplify_repl=_plain_repl) for n in _PLAIN_STYLES),
            latex2text.MacroTextSpec("operatorname", simplify_repl=_plain_repl),
        ],
        specials=[latex2text.SpecialsTextSpec(c, simplify_repl=_script_repl) for c in "_^"],
    )
    # 'based-on-source' keeps the source's spaces after commands: "\\odot n" -> "⊙ n", not "⊙n".
    converter = latex2text.LatexNodes2Text(
        latex_context=text_db, math_mode="text", strict_latex_spaces="based-on-source"
    )
    return parse_db, converter


def _math_to_text(latex: str) -> str:
    """Convert the inside of one math span; collapses the spacing commands leave behind."""
    parse_db, l2t = _converter()
    # Brace a command used as a script ("W^\\top h") so the space after it survives.
    latex = _SCRIPT_COMMAND.sub(r"\1{\2}", latex)
    # pylatexenc drops the space in front of a command ("z_t \\odot h" -> "zₜ⊙ h"); a tie
    # (~, a no-break space) keeps it and is folded back to a plain space below.
    latex = _SPACE_BEFORE_COMMAND.sub("~", latex)
    walker = latexwalker.LatexWalker(latex, latex_context=parse_db, tolerant_parsing=True)
    nodes, _, _ = walker.get_latex_nodes(parsing_state=walker.make_parsing_state(in_math_mode=True))
    text = l2t.nodelist_to_text(nodes)
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _safe_math(latex: str, original: str) -> str:
    """Converted math, or `original` when pylatexenc fails or yields nothing."""
    try:
        text = _math_to_text(latex)
    except Exception:  # a bad formula must not break the chat
        return original
    # A command missing its arguments comes back as its raw template, e.g. "⟨%s|".
    if not text or re.search(r"%(?:s|\(\d\)s)", text):
        return original
    return text


def _convert_math(match: re.Match[str]) -> str:
    """Replacement for one delimited math span."""
    groups = ("dd", "bracket", "paren", "body", "inline")
    latex = next(g for g in (match.group(n) for n in groups) if g is not None)
    return _safe_math(latex, match.group(0))


def _convert_bare(match: re.Match[str]) -> str:
    """Replacement for an undelimited command, only when pylatexenc knows the command."""
    name = match.group("name")
    if name is not None and _converter()[1].latex_context.get_macro_spec(name) is None:
        return match.group(0)
    text = _safe_math(match.group(0), match.group(0))
    # pylatexenc renders reference-like commands as "<ref>"; such text is not math.
    return match.group(0) if "<" in text else text


def _convert_prose(text: str) -> str:
    """Convert delimited math spans, and known commands in the prose between them."""
    pieces: list[str] = []
    position = 0
    for span in _MATH.finditer(text):
        pieces.append(_BARE.sub(_convert_bare, text[position : span.start()]))
        pieces.append(_convert_math(span))
        position = span.end()
    pieces.append(_BARE.sub(_convert_bare, text[position:]))
    return "".join(pieces)


def latex_to_unicode(text: str) -> str:
    """Replace LaTeX math in `text` with Unicode; code blocks and plain prose stay as they are.

    Never raises: on any unexpected failure the original text comes back.
    """
    if not isinstance(text, str) or ("\\" not in text and "$" not in text):
        return text
    try:
        pieces: list[str] = []
        position = 0
        for code in _CODE.finditer(text):
            pieces.append(_convert_prose(text[position : code.start()]))
            pieces.append(code.group(0))
            position = code.end()
        pieces.append(_convert_prose(text[position:]))
        return "".join(pieces)
    except Exception:  # raw LaTeX beats a crash
        return text
