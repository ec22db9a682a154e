"""The baseline: a minimal mistralrs script with no gruchat code. Prints one JSON line.

usage: raw_engine.py SPEC.json

SPEC is read by conversation.replay (model, prompt set, max_tokens), plus the engine knobs
the sweep varies: isq, dtype, prefix_cache_n, max_seqs, paged_attn (true/false/null), and
from_uqff (a .uqff file written by mistralrs's write_uqff; loaded with Which.Plain from its
folder, which holds the config, tokenizer and residual weights written beside it) and
write_uqff (save the re-quantised weights there while loading).
Environment knobs (MISTRALRS_CPU_KV_F32, CANDLE_NUM_THREADS, ...) are set by the parent.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

os.environ.setdefault("RUST_LOG", "error")
os.environ["HF_HUB_OFFLINE"] = "1"

import mistralrs

from conversation import replay


def load(spec: dict) -> mistralrs.Runner:
    path = Path(spec["model"])
    dtype = getattr(mistralrs.ModelDType, spec.get("dtype") or "Auto")
    if spec.get("from_uqff"):
        uqff = Path(spec["from_uqff"])
        which = mistralrs.Which.Plain(model_id=str(uqff.parent), from_uqff=str(uqff), dtype=dtype)
    else:
        which = mistralrs.Which.GGUF(
            quantized_model_id=str(path.parent),
            quantized_filename=path.name,
            dtype=dtype,
            write_uqff=spec.get("write_uqff"),
        )
    kwargs: dict = {}
    if spec.get("max_seqs"):
        kwargs["max_seqs"] = spec["max_seqs"]
    if spec.get("paged_attn") is True:
        kwargs["paged_attn"] = True
    elif spec.get("paged_attn") is False:
        kwargs["no_paged_attn"] = True
    isq = None if spec.get("from_uqff") else spec.get("isq", "Q8_0")  # a UQFF is quantised
    return mistralrs.Runner(
        which=which,
        token_source="none",
        in_situ_quant=None if isq in (None, "none") else isq,
        prefix_cache_n=spec.get("prefix_cache_n", 16),
        **kwargs,
    )


def ask(runner: mistralrs.Runner, messages: list[dict], max_tokens: int) -> dict:
    request = mistralrs.ChatCompletionRequest(
        model="bench", messages=messages, max_tokens=max_tokens, temperature=0.0, stream=True
    )
    sent = time.perf_counter()
    ttft = None
    usage = None
    text = []
    for chunk in runner.send_chat_completion_request(request):
        if chunk.choices and chunk.choices[0].delta.content:
            ttft = ttft or time.perf_counter() - sent
            text.append(chunk.choices[0].delta.content)
        if chunk.usage is not None:
            usage = chunk.usage
    details = getattr(usage, "prompt_tokens_details", None)
    return {
        "ttft_s": ttft,
        "prompt_tokens": usage.prompt_tokens,
        "cached_tokens": int(getattr(details, "cached_tokens", 0) or 0),
        "completion_tokens": usage.completion_tokens,
        "prompt_tps": usage.avg_prompt_tok_per_sec,
        "decode_tps": usage.avg_compl_tok_per_sec,
        "answer": "".join(text),
    }


if __name__ == "__main__":
    replay(load, ask)
