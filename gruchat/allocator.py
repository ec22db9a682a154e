"""glibc malloc settings for a long session: freed KV caches go back to the system.

The engine allocates each sequence's KV cache in blocks of a few hundred KB to MB and
frees them when the sequence leaves the prefix cache, or when the REPL reloads the
engine (gruchat.engine.recycle). glibc serves blocks above its mmap threshold with
mmap and returns them on free, but after the first such free it raises the threshold
(up to 32 MB), so later blocks come from the heap, whose freed pages it keeps; and each
engine thread gets an arena of its own. The peak resident set then climbs over a long
session (in the turns, not the reloads). A fixed threshold (which turns that adjustment
off) and two arenas keep it near what a fresh process uses, for 2-4% of the 1.5B's speed
and about 10% of SmolLM2's: ``bench/soak.py --allocators`` and ``bench/sweep.py``.

Set before the engine is imported (mallopt applies to later allocations); skipped with
``GRUCHAT_MALLOC=default``, when the user set glibc's own variables, or off glibc.
"""

from __future__ import annotations

import ctypes
from collections.abc import Mapping

M_MMAP_THRESHOLD = -3  # from glibc's malloc.h
M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's own starting value, now fixed
ARENAS = 2  # one per core on the 2-core machine the defaults were measured on
GLIBC_VARIABLES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_ARENA_MAX")


def tune_allocator(env: Mapping[str, str]) -> bool:
    """Fix the mmap threshold and cap the arenas; True when both were set."""
    if env.get("GRUCHAT_MALLOC") == "default" or any(v in env for v in GLIBC_VARIABLES):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(M_ARENA_MAX, ARENAS)
    )
