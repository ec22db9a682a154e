"""Is speculative decoding reachable from Python in the installed mistralrs? Prints what
the engine says when asked for it (issue 16.2); rerun after a mistralrs upgrade.

The only entry point in 0.9.5 is Runner(mtp_model=..., mtp_n_predict=...). The probe asks
for it with SmolLM2-135M and an assistant folder holding a qwen2 config.json (what a
Qwen2.5-0.5B draft would be), then again with paged attention forced on, which the first
error asks for. "attached" means the engine took it, and a draft is worth measuring.

usage: flock /tmp/gruchat-model.lock python bench/speculative_probe.py
"""

from __future__ import annotations

import inspect
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path

os.environ.setdefault("RUST_LOG", "error")
os.environ["HF_HUB_OFFLINE"] = "1"

import mistralrs

from run import model_path


def attempt(**knobs: object) -> str:
    path = model_path()
    which = mistralrs.Which.GGUF(quantized_model_id=str(path.parent), quantized_filename=path.name)
    try:
        mistralrs.Runner(which=which, token_source="none", **knobs)
    except BaseException as exc:  # ValueError, or a Rust panic (BaseException)
        return f"refused: {type(exc).__name__}: {str(exc).splitlines()[0]}"
    return "attached"


def main() -> None:
    names = inspect.signature(mistralrs.Runner).parameters
    wanted = [p for p in names if "mtp" in p or "draft" in p or "spec" in p]
    print(f"mistralrs {metadata.version('mistralrs')} Runner speculative parameters: {wanted}")
    print("Which variants:", [n for n in dir(mistralrs.Which) if not n.startswith("_")])
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "config.json").write_text(json.dumps({"model_type": "qwen2"}))
        print("mtp_model=FOLDER:", attempt(mtp_model=folder))
        print("mtp_model=FOLDER, paged_attn=True:", attempt(mtp_model=folder, paged_attn=True))


if __name__ == "__main__":
    main()
