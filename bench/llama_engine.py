"""The llama.cpp contender (llama-cpp-python, the optional `bench` extra). One JSON line.

usage: llama_engine.py SPEC.json   (the same SPEC as raw_engine.py; engine knobs ignored)

Prompt and decode rates come from llama.cpp's own performance counters, reset before each
turn, so they cover the same work mistralrs's usage figures do. llama-cpp-python keeps the
previous turn's tokens and evaluates only the new suffix: its own prefix cache.
"""

from __future__ import annotations

import os
import time

import llama_cpp
from llama_cpp.llama_chat_format import Jinja2ChatFormatter

from conversation import replay


def load(spec: dict) -> llama_cpp.Llama:
    threads = int(os.environ.get("BENCH_THREADS") or os.cpu_count() or 1)
    return llama_cpp.Llama(
        model_path=spec["model"], n_ctx=4096, n_threads=threads, n_threads_batch=threads,
        verbose=False,
    )  # fmt: skip


def prompt_tokens(llm: llama_cpp.Llama, messages: list[dict]) -> int:
    """Tokens of the templated prompt, with the GGUF's own chat template."""
    template = llm.metadata["tokenizer.chat_template"]
    vocab = llm._model
    formatter = Jinja2ChatFormatter(
        template,
        eos_token=vocab.token_get_text(vocab.token_eos()),
        bos_token=vocab.token_get_text(vocab.token_bos()),
    )
    text = formatter(messages=messages).prompt
    return len(llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))


def ask(llm: llama_cpp.Llama, messages: list[dict], max_tokens: int) -> dict:
    ctx = llm._ctx.ctx
    llama_cpp.llama_perf_context_reset(ctx)
    sent = time.perf_counter()
    ttft = None
    text = []
    stream = llm.create_chat_completion(
        messages=messages, max_tokens=max_tokens, temperature=0.0, stream=True
    )
    for chunk in stream:
        piece = chunk["choices"][0]["delta"].get("content")
        if piece:
            ttft = ttft or time.perf_counter() - sent
            text.append(piece)
    perf = llama_cpp.llama_perf_context(ctx)
    total_prompt = prompt_tokens(llm, messages)
    return {
        "ttft_s": ttft,
        "prompt_tokens": total_prompt,
        "cached_tokens": max(0, total_prompt - perf.n_p_eval),
        "completion_tokens": perf.n_eval + 1,  # the first token comes from the prompt pass
        "prompt_tps": perf.n_p_eval / (perf.t_p_eval_ms / 1000) if perf.t_p_eval_ms else None,
        "decode_tps": perf.n_eval / (perf.t_eval_ms / 1000) if perf.t_eval_ms else None,
        "answer": "".join(text),
    }


if __name__ == "__main__":
    replay(load, ask)
