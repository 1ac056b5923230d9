#!/usr/bin/env bash
# Runs one PyTorch reference: bench/reference/run.sh NAME [ARGS...] runs bench/reference/NAME.py
# (train, generate, export) with Debian's torch under /usr/bin/python3 on OpenBLAS (fetched by
# setup.sh on first use) and THREADS compute threads (default 1, as our benches).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
usage="usage: bench/reference/run.sh NAME [ARGS...], NAME one of: train, generate, export"
case "${1:-}" in
  train|generate|export) name="$1"; shift ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
openblas="$here/../.cache/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread"
[ -e "$openblas/libblas.so.3" ] || "$here/setup.sh" >/dev/null
export THREADS="${THREADS:-1}"
export OMP_NUM_THREADS="$THREADS" OPENBLAS_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS"
export LD_LIBRARY_PATH="$(cd "$openblas" && pwd)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
exec /usr/bin/python3 "$here/$name.py" "$@"
