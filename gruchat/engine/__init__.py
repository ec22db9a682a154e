"""The engine seam (base.py), the backends by name (registry.py: local mistral.rs), and
the fake engine of the unit tests. See docs/engines.md."""
