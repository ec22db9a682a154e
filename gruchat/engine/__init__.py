"""The engine seam: a protocol, event types, a real (mistral.rs) and a fake engine."""
