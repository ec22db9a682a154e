"""gruchat: a terminal tutor for Gated Recurrent Units on a local language model."""

__version__ = "0.1.0"
