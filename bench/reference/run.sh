#!/usr/bin/env bash
# Runs one PyTorch reference: bench/reference/run.sh NAME [ARGS...], NAME one of train,
# generate (bench/reference/NAME.py). Debian's torch under /usr/bin/python3 on OpenBLAS
# (fetched by setup.sh on first use), THREADS compute threads (default 1, as our benches).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
name="${1:?usage: bench/reference/run.sh NAME [ARGS...]  (NAME: train, generate)}"; shift
script="$here/$name.py"
[ -f "$script" ] || { echo "no reference named '$name' (have: train, generate)" >&2; exit 2; }
openblas="$here/../.cache/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread"
[ -e "$openblas/libblas.so.3" ] || "$here/setup.sh" >/dev/null
export THREADS="${THREADS:-1}"
export OMP_NUM_THREADS="$THREADS" OPENBLAS_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS"
export LD_LIBRARY_PATH="$(cd "$openblas" && pwd)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
exec /usr/bin/python3 "$script" "$@"
