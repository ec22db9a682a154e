"""The baseline: a minimal mistralrs script, no gruchat code. Prints one JSON line.

usage: raw_engine.py MODEL.gguf ISQ|none PROMPT_FILE MAX_TOKENS [SYSTEM_FILE]
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("RUST_LOG", "error")
os.environ["HF_HUB_OFFLINE"] = "1"

import mistralrs


def main() -> None:
    model, isq, prompt_file, max_tokens = sys.argv[1:5]
    system = Path(sys.argv[5]).read_text().strip() if len(sys.argv) > 5 else ""
    path = Path(model)
    started = time.perf_counter()
    runner = mistralrs.Runner(
        which=mistralrs.Which.GGUF(
            quantized_model_id=str(path.parent), quantized_filename=path.name
        ),
        token_source="none",
        in_situ_quant=None if isq == "none" else isq,
    )
    load_s = time.perf_counter() - started
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": Path(prompt_file).read_text()})
    request = mistralrs.ChatCompletionRequest(
        model="bench",
        messages=messages,
        max_tokens=int(max_tokens),
        temperature=0.0,
        stream=True,
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
    print(
        json.dumps(
            {
                "load_s": load_s,
                "ttft_s": ttft,
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "prompt_tps": usage.avg_prompt_tok_per_sec,
                "decode_tps": usage.avg_compl_tok_per_sec,
                "answer": "".join(text),
            }
        )
    )


if __name__ == "__main__":
    main()
