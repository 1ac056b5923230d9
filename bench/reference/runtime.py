"""What train.py and generate.py share: threads, which BLAS is loaded, the corpus, and the
key=value lines a Java bench can print next to its own."""

import ctypes
import os
import sys

import torch

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def shared_data(name):
    """shared/data/<name> beside the repository or one of its parents, as test-support's
    SharedData looks for it (the corpora are never copied into the repository)."""
    directory = REPO_ROOT
    while True:
        candidate = os.path.join(directory, "shared", "data", name)
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return os.path.join(REPO_ROOT, "..", "shared", "data", name)  # missing: read_corpus says so
        directory = parent


DEFAULT_CORPUS = shared_data("tinyshakespeare.txt")


def default_threads():
    return int(os.environ.get("THREADS", "1"))


def set_threads(n):
    """torch's intra-op threads, and OpenBLAS's own pool: Debian's torch is built against generic
    BLAS, so torch.set_num_threads does not reach OpenBLAS swapped in through LD_LIBRARY_PATH."""
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # only settable before the first parallel work
        pass
    if blas_name() == "openblas":
        try:
            ctypes.CDLL("libopenblas.so.0").openblas_set_num_threads(n)
        except (OSError, AttributeError):
            pass


def blas_name():
    with open("/proc/self/maps") as maps:
        return "openblas" if "openblas" in maps.read() else "reference"


def warn_if_slow_blas():
    if blas_name() != "openblas":
        print("WARNING: torch runs on the reference BLAS (~10x slower than OpenBLAS); "
              "use bench/reference/run.sh, which sets LD_LIBRARY_PATH", file=sys.stderr)


class CharTokenizer:
    """The course's character vocabulary: the sorted distinct characters of the corpus."""

    def __init__(self, text):
        self.chars = sorted(set(text))
        self.stoi = {ch: i for i, ch in enumerate(self.chars)}
        self.itos = {i: ch for i, ch in enumerate(self.chars)}

    @property
    def vocab_size(self):
        return len(self.chars)

    def encode(self, s):
        return [self.stoi[c] for c in s]

    def decode(self, ids):
        return "".join(self.itos[i] for i in ids)


def read_corpus(path):
    if not os.path.isfile(path):
        raise SystemExit(f"corpus {path} not found: pass --data FILE, or lay shared/data beside the repository")
    with open(path, "r", encoding="utf-8") as f:
        return f.read()


def kv(tag, **fields):
    """One line: `tag key=value key=value ...`; floats with enough digits to compare."""
    parts = [tag]
    for key, value in fields.items():
        if isinstance(value, float):
            value = f"{value:.6g}"
        parts.append(f"{key}={value}")
    print(" ".join(parts), flush=True)
