"""Does the engine's prefix cache stay within `prefix_cache_n` on CPU? Peak RSS after N
distinct ~600-token prompts, with the cache off, at 1 sequence, and at 16.

usage: python bench/cache_growth.py [--questions 5,40]
"""

from __future__ import annotations

import argparse

from contenders import raw_engine
from prompts import default_system
from run import model_path

FILLER = "Notes: " + "The update gate keeps old memory and the reset gate hides it. " * 40


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", default="5,40")
    args = parser.parse_args()
    print("| prompts | prompt tokens | prefix_cache_n | peak RSS MB |\n|---|---|---|---|")
    for count in (int(n) for n in args.questions.split(",")):
        for cache in (0, 1, 16):
            turns = [f"({i}) {FILLER}" for i in range(count)]  # distinct from the start
            spec = {
                "model": str(model_path()),
                "max_tokens": 4,
                "prefix_cache_n": cache,
                "set": {"system": default_system(), "turns": turns},
                "fresh": [True] * count,
            }
            result = raw_engine(spec)
            tokens = result["turns"][0]["prompt_tokens"]
            print(f"| {count} | {tokens} | {cache} | {result['peak_rss_mb']:.0f} |")


if __name__ == "__main__":
    main()
