"""``gruchat run``: prompt files replayed through the REPL's Shell, with checks and goldens.

The parts: ``parser`` (file -> Script, no I/O past decoding), ``checks`` (one expectation
against one answer or reply), ``golden`` (recorded transcripts), ``report`` (table, JUnit,
JSON) and ``runner`` (the engine loop that ties them together).
"""
