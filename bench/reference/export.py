"""PyTorch's own ONNX export of the same model, as the reference for ExportBench.

torch.onnx.export (TorchScript tracing, opset 17) of gpt.py's GPT in nanoGPT's CPU config
(n_layer 4, n_head 4, n_embd 128, block 64, vocab 65) with random weights, dynamic batch and
sequence axes. Its graph has no KV cache (the course's model has none), so it is a little
less work than ours. Prints the first export in this process and the median of the rest.

    bench/reference/run.sh export [--runs 10]
"""

import argparse
import io
import statistics
import time
import warnings

import torch

import runtime
from gpt import GPT, GPTConfig


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--threads", type=int, default=runtime.default_threads())
    args = p.parse_args()
    runtime.set_threads(args.threads)
    warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)  # the block_size assert, traced

    torch.manual_seed(1337)
    config = GPTConfig(block_size=64, vocab_size=65, n_layer=4, n_head=4, n_embd=128, dropout=0.0,
                       bias=True, tie_weights=False)
    model = GPT(config).eval()
    idx = torch.zeros((1, 8), dtype=torch.long)

    def export():
        buffer = io.BytesIO()
        start = time.perf_counter()
        torch.onnx.export(model, (idx,), buffer, opset_version=17, input_names=["input_ids"],
                          output_names=["logits"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"}})
        return time.perf_counter() - start, buffer.getbuffer().nbytes

    first, size = export()
    rest = [export()[0] for _ in range(args.runs)]
    runtime.kv("config", params=model.num_parameters(), torch=torch.__version__, threads=args.threads,
               blas=runtime.blas_name())
    runtime.kv("result", first_ms=first * 1000, median_ms=statistics.median(rest) * 1000, bytes=size,
               runs=args.runs)


if __name__ == "__main__":
    main()
