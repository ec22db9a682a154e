"""The real engine: mistral.rs in-process. The ONLY module that imports ``mistralrs``.

It is imported lazily (by ``load``) so ``gruchat --help`` and ``gruchat models`` stay fast.
"""

from __future__ import annotations

import gc
import queue
import re
import threading
import time
from collections.abc import Callable, Generator
from importlib import metadata
from pathlib import Path
from typing import Any

from gruchat.engine.base import (
    AnswerDelta,
    Capabilities,
    EngineInfo,
    Event,
    Finished,
    Message,
    ReasoningDelta,
    Sampling,
    Usage,
)
from gruchat.engine.mistral_setup import prepare_environment
from gruchat.engine.recycle import trim_heap
from gruchat.engine.serial_stream import serial_stream
from gruchat.engine.think import CLOSE, OPEN, ThinkSplitter
from gruchat.errors import (
    ContextOverflowError,
    EngineDeadError,
    EngineError,
    ModelError,
)
from gruchat.models import ModelRef

_OVERFLOW = re.compile(r"length is greater than (\d+)")
_DEAD = ("Received none", "channel closed", "Response channel closed")
_MODEL_ID = "gruchat"
CAPABILITIES = Capabilities(True, True, True, True)  # cache, speeds, exact counts, warm-up


def _is_panic(exc: BaseException) -> bool:
    return type(exc).__name__ == "PanicException"


class MistralEngine:
    """Streams answers from a loaded mistral.rs Runner."""

    def __init__(
        self,
        runner: Any,
        module: Any,
        info: EngineInfo,
        reload: Callable[[], Any] | None = None,
    ) -> None:
        self._runner = runner
        self._reload = reload  # builds a new Runner with the same options
        self._m = module
        self.info = info
        # The Runner is one PyO3 object: a second call while a stream is still alive (a
        # cancelled turn still prefilling, a token count left running) fails with
        # "Already borrowed". Every use of it holds this lock, and a stream holds it
        # until its iterator is finished or dropped.
        self._lock = threading.Lock()

    def count_tokens(self, messages: list[Message]) -> int | None:
        """Prompt size: content tokens plus a few per message for the template.

        The tokenizer needs the engine lock, which a cancelled turn may still hold while
        it drains, so the count runs on a thread; after a second we fall back to an
        estimate of four characters a token rather than keep the user waiting.
        """
        result: queue.Queue[int | None] = queue.Queue()

        def count() -> None:
            if not self._lock.acquire(timeout=1.0):
                result.put(None)
                return
            try:
                total = sum(
                    len(self._runner.tokenize_text(m["content"], False, None)) for m in messages
                )
                result.put(total + 5 * len(messages) + 3)
            except Exception:  # a tokenizer failure only costs us the exact count
                result.put(None)
            finally:
                self._lock.release()

        threading.Thread(target=count, name="gruchat-tokens", daemon=True).start()
        try:
            exact = result.get(timeout=1.0)
        except queue.Empty:
            exact = None
        if exact is not None:
            return exact
        return sum(len(m["content"]) for m in messages) // 4 + 5 * len(messages) + 3

    def recycle(self) -> None:
        """Drop the Runner and load a new one with the same options, which frees its prefix
        cache (on the CPU nothing else does). Holds the lock, so it waits for a stream or a
        token count in progress; when the load fails, streams fail until one succeeds."""
        if self._reload is None:
            raise EngineError("this engine cannot be reloaded")
        with self._lock:
            self._runner = None
            gc.collect()
            trim_heap()  # before the load, so the new Runner reuses the pages
            try:
                self._runner = self._reload()
            except BaseException as exc:
                if isinstance(exc, Exception) or _is_panic(exc):
                    raise EngineError(f"could not reload the model: {_one_line(exc)}") from None
                raise

    def _current_runner(self) -> Any:
        if self._runner is None:
            raise EngineError(
                "the model could not be reloaded; your conversation is kept (\\save it)"
            )
        return self._runner

    def stream(self, messages: list[Message], sampling: Sampling) -> Generator[Event, None, None]:
        request = self._m.ChatCompletionRequest(
            model=_MODEL_ID,
            messages=messages,
            max_tokens=sampling.max_tokens,
            temperature=float(sampling.temperature),
            top_k=int(sampling.top_k),
            top_p=float(sampling.top_p),
            min_p=float(sampling.min_p) or None,  # 0 is off: leave it to the engine (none)
            enable_thinking=sampling.think,
            repetition_penalty=sampling.repetition_penalty,
            stream=True,
        )
        finish_reason = "stop"
        usage: Any = None
        splitter = ThinkSplitter()
        try:
            for chunk in serial_stream(self._current_runner, request, self._lock):
                if chunk.usage is not None:
                    usage = chunk.usage
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                if choice.finish_reason:
                    finish_reason = choice.finish_reason
                delta = choice.delta
                reasoning = getattr(delta, "reasoning_content", None)
                pieces = [("reasoning", reasoning)] if reasoning else []
                if delta.content:
                    pieces.extend(splitter.feed(delta.content))
                for kind, text in pieces:
                    yield ReasoningDelta(text) if kind == "reasoning" else AnswerDelta(text)
            for kind, text in splitter.flush():
                yield ReasoningDelta(text) if kind == "reasoning" else AnswerDelta(text)
        except ValueError as exc:
            error = _engine_error(str(exc))
            if isinstance(error, ContextOverflowError):
                counted = self.count_tokens(messages) or 0
                error = ContextOverflowError(max(counted, error.prompt_tokens), error.context)
            raise error from None
        except EngineError:
            raise
        except Exception as exc:  # anything else the binding raises is this turn's failure
            raise EngineError(f"engine error: {type(exc).__name__}: {_one_line(exc)}") from None
        except BaseException as exc:
            if _is_panic(exc):
                raise EngineError(f"the engine panicked: {exc}") from None
            raise
        yield Finished(_usage(usage), finish_reason)

    def close(self) -> bool:
        """True once no stream, token count or reload is inside mistral.rs (waits up to
        half a second): exiting while one is, interpreter shutdown can abort the process."""
        free = self._lock.acquire(timeout=0.5)
        if free:
            self._lock.release()
        return free


def _engine_error(message: str) -> EngineError:
    match = _OVERFLOW.search(message)
    if match:
        numbers = [int(n) for n in re.findall(r"\d+", message)]
        context = int(match.group(1))
        prompt = next((n for n in numbers if n > context), context + 1)
        return ContextOverflowError(prompt, context)
    if any(marker in message for marker in _DEAD):
        return EngineDeadError(f"the engine stopped responding: {message}")
    return EngineError(f"engine error: {message}")


def _usage(raw: Any) -> Usage:
    """The engine's figures (None: no usage at all); its prefix cache is always on, so
    missing cache details mean nothing was cached."""
    if raw is None:
        return Usage()
    details = getattr(raw, "prompt_tokens_details", None)
    cached = int(getattr(details, "cached_tokens", 0) or 0)
    return Usage(
        prompt_tokens=int(raw.prompt_tokens),
        completion_tokens=int(raw.completion_tokens),
        cached_tokens=cached,
        prompt_seconds=float(raw.total_prompt_time_sec),
        decode_seconds=float(raw.total_completion_time_sec),
        prompt_tps=float(raw.avg_prompt_tok_per_sec),
        decode_tps=float(raw.avg_compl_tok_per_sec),
        speeds_measured_by="engine",
    )


def load(
    ref: ModelRef,
    device: str = "auto",
    isq: str | None = None,
    prefix_cache_n: int = 16,
    verbose: bool = False,
) -> MistralEngine:
    """Prepare the environment, import mistralrs and load the Runner (the model was
    resolved and checked by the local backend, gruchat.engine.local)."""
    used_device = prepare_environment(device, verbose, ref.kind == "local")
    import mistralrs

    if ref.kind == "local":
        assert ref.path is not None
        which = mistralrs.Which.GGUF(
            quantized_model_id=str(ref.path.parent), quantized_filename=ref.path.name
        )
    else:
        which = mistralrs.Which.GGUF(quantized_model_id=ref.repo, quantized_filename=ref.file)

    def new_runner() -> Any:
        return mistralrs.Runner(
            which=which,
            token_source="none" if ref.kind == "local" else "cache",
            in_situ_quant=isq,
            prefix_cache_n=prefix_cache_n,
        )

    started = time.perf_counter()
    try:
        runner = new_runner()
    except ValueError as exc:
        raise ModelError(f"could not load {ref.display}: {_one_line(exc)}") from None
    except BaseException as exc:
        if _is_panic(exc):
            raise ModelError(f"could not load {ref.display}: {_one_line(exc)}") from None
        raise
    load_seconds = time.perf_counter() - started
    size = ref.path.stat().st_size if ref.path else None
    info = EngineInfo(
        backend="local",
        model=ref.name,
        location=ref.display,
        device=used_device,
        context_length=_max_len(runner),
        chat_template="from the GGUF (tokenizer.chat_template)",
        path=str(ref.path) if ref.path else None,
        size_bytes=size,
        quantisation=_quant_label(ref, isq),
        load_seconds=load_seconds,
        engine=f"mistralrs {_version()}",
        thinking=_thinking(runner),
        capabilities=CAPABILITIES,
    )
    return MistralEngine(runner, mistralrs, info, reload=new_runner)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _max_len(runner: Any) -> int | None:
    try:
        return runner.max_sequence_length()
    except Exception:
        return None


def _thinking(runner: Any) -> str:
    """What \\think on does: native when the tokenizer has <think> and </think> as single
    tokens (Qwen3, R1 distills); else prompted, as SmolLM2 and Qwen2.5 split them into
    pieces and ignore enable_thinking, so gruchat prompts for the reasoning instead."""
    try:
        single = all(len(runner.tokenize_text(tag, False, None)) == 1 for tag in (OPEN, CLOSE))
    except Exception:  # unknown: leave \think on to the model's own template
        return "native"
    return "native" if single else "prompted"


def _quant_label(ref: ModelRef, isq: str | None) -> str:
    stem = Path(ref.file or (ref.path.name if ref.path else "")).stem
    file_quant = stem.rsplit(".", 1)[-1] if "." in stem else stem.rsplit("-", 1)[-1]
    return f"{file_quant} file, ISQ {isq}" if isq else f"{file_quant} file"


def _version() -> str:
    try:
        return metadata.version("mistralrs")
    except metadata.PackageNotFoundError:
        return "unknown"
