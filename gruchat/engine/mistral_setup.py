"""Where mistral.rs runs and what it reads at import: the environment variables set
before ``mistralrs`` is imported, and whether this build can use CUDA. Apart from the
engine (gruchat.engine.mistral) so that device checks need no Runner."""

from __future__ import annotations

import mmap
import os
from importlib import metadata, util
from pathlib import Path

from gruchat.allocator import tune_allocator
from gruchat.errors import ModelError

CUDA_INSTALL_HINT = (
    "this mistralrs build has no CUDA support; install a CUDA build with "
    "`pip install mistralrs-cuda` (same version as mistralrs) or build mistral.rs "
    "with `--features cuda`, or use --device cpu"
)


def build_has_cuda() -> bool:
    """True when the installed mistralrs was built with CUDA (package name or linked libs)."""
    try:
        metadata.distribution("mistralrs-cuda")
        return True
    except metadata.PackageNotFoundError:
        pass
    spec = util.find_spec("mistralrs")
    if spec is None or not spec.submodule_search_locations:
        return False
    for lib in Path(next(iter(spec.submodule_search_locations))).glob("*.so"):
        with lib.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as m:
            if m.find(b"libcudart") >= 0 or m.find(b"cuModuleLoad") >= 0:
                return True
    return False


def prepare_environment(device: str, verbose: bool, local: bool) -> str:
    """Set the variables mistral.rs reads at import/load; return the device that will be used."""
    if not verbose:
        os.environ.setdefault("RUST_LOG", "error")
    if local:
        os.environ["HF_HUB_OFFLINE"] = "1"
    tune_allocator(os.environ)  # freed KV caches go back to the system (gruchat.allocator)
    if device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
        return "cpu"
    has_cuda = build_has_cuda()
    if device == "cuda" and not has_cuda:
        raise ModelError(CUDA_INSTALL_HINT)
    return "cuda" if has_cuda else "cpu"
