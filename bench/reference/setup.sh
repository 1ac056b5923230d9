#!/usr/bin/env bash
# Prepares the PyTorch references: Debian's python3-torch under /usr/bin/python3, pointed at
# OpenBLAS instead of the generic reference BLAS it is linked to (about 10x slower for
# matmuls; see STACK-NOTES "Reference implementations for benchmarks"). Idempotent: a second
# run only re-checks. Prints the LD_LIBRARY_PATH that bench/reference/run.sh uses.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="$root/bench/.cache"
openblas="$cache/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread"
python=/usr/bin/python3

if ! "$python" -c 'import torch' 2>/dev/null; then
  echo "installing python3-torch (Debian) ..." >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >&2
fi

if [ ! -e "$openblas/libblas.so.3" ]; then
  echo "fetching OpenBLAS (libopenblas0-pthread) into $cache/openblas ..." >&2
  # libopenblas0-pthread needs libgfortran5; python3-torch already pulls it in on Debian 12.
  dpkg -s libgfortran5 >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libgfortran5 >&2
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  # apt-get download writes into the current directory; _apt cannot always enter a root-owned
  # temp dir, which only costs a warning.
  (cd "$tmp" && apt-get download -q libopenblas0-pthread >&2 2>/dev/null) \
    || { apt-get update -qq && (cd "$tmp" && apt-get download -q libopenblas0-pthread >&2); }
  mkdir -p "$cache"
  rm -rf "$cache/openblas.partial"
  dpkg -x "$tmp"/libopenblas0-pthread_*.deb "$cache/openblas.partial"
  rm -rf "$cache/openblas"
  mv "$cache/openblas.partial" "$cache/openblas"
fi

# Check that torch really loads OpenBLAS from there and that a matmul runs at OpenBLAS speed.
LD_LIBRARY_PATH="$openblas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
  "$python" - <<'PY' >&2
import time, torch
torch.set_num_threads(1)
maps = open("/proc/self/maps").read()
if "openblas" not in maps:
    raise SystemExit("setup.sh: torch did not load OpenBLAS; matmuls would run on reference BLAS")
n = 1024
a, b = torch.randn(n, n), torch.randn(n, n)
a @ b
best = float("inf")
for _ in range(5):
    t = time.perf_counter(); a @ b; best = min(best, time.perf_counter() - t)
gflops = 2 * n ** 3 / best / 1e9
print(f"torch {torch.__version__} with OpenBLAS: sgemm {n}^3 on 1 thread at {gflops:.0f} GFLOP/s "
      f"(reference BLAS manages ~10x less)")
if gflops < 20:
    print("setup.sh: WARNING: slower than OpenBLAS should be; is the machine busy? (uptime)")
PY

echo "LD_LIBRARY_PATH=$openblas"
