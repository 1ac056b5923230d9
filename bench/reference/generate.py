"""
The course's generate loop timed, as the reference for our sampler (SampleBench): every new
token recomputes the model over the last block_size tokens, softmax, torch.multinomial. The
model is nanoGPT's CPU config (n_layer 4, n_head 4, n_embd 128) at block 256 with the
corpus's character vocabulary; weights are random unless --weights names a file that
`train.py --out` wrote (speed does not depend on the weights, only the text does).

  bench/reference/run.sh generate
  bench/reference/run.sh train --preset nanogpt-cpu --block 256 --steps 300 --out /tmp/m.pt
  bench/reference/run.sh generate --weights /tmp/m.pt

Prints `config ...` and `result ... tokens_per_s=... ttft_ms=...` lines. A short untimed
generation runs first, so time to first token is a warm process's, not the first call's.
"""

import argparse
import statistics
import sys
import time

import torch

import runtime
from gpt import GPT, GPTConfig, generate


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=runtime.DEFAULT_CORPUS, help="corpus giving the vocabulary")
    p.add_argument("--weights", help="a train.py --out file (gpt); overrides the sizes below")
    p.add_argument("--block", type=int, default=256)
    p.add_argument("--n-embd", type=int, default=128)
    p.add_argument("--n-head", type=int, default=4)
    p.add_argument("--n-layer", type=int, default=4)
    p.add_argument("--new-tokens", type=int, default=500)
    p.add_argument("--prompt", default="", help="text to continue; empty starts from token 0 as the course")
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--threads", type=int, default=runtime.default_threads())
    p.add_argument("--show", type=int, default=200, help="print this many generated characters to stderr")
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    runtime.set_threads(args.threads)
    runtime.warn_if_slow_blas()
    torch.manual_seed(args.seed)

    if args.weights:
        saved = torch.load(args.weights)
        if saved["model"] != "gpt":
            raise SystemExit(f"{args.weights} holds a {saved['model']} model; generate.py times the gpt")
        config = GPTConfig(**saved["config"])
        chars = saved["chars"]
        model = GPT(config)
        model.load_state_dict(saved["state_dict"])
    else:
        chars = sorted(set(runtime.read_corpus(args.data)))
        config = GPTConfig(block_size=args.block, vocab_size=len(chars), n_layer=args.n_layer,
                           n_head=args.n_head, n_embd=args.n_embd, dropout=0.0)
        model = GPT(config)
    model.eval()
    stoi = {ch: i for i, ch in enumerate(chars)}
    prompt = [stoi[c] for c in args.prompt] or [0]
    context = torch.tensor([prompt], dtype=torch.long)

    runtime.kv("config", params=model.num_parameters(), vocab=config.vocab_size,
               block=config.block_size, n_embd=config.n_embd, n_head=config.n_head,
               n_layer=config.n_layer, new_tokens=args.new_tokens, prompt_tokens=len(prompt),
               weights=args.weights or "random", threads=args.threads, blas=runtime.blas_name(),
               torch=torch.__version__)

    generate(model, context, 5, config.block_size)  # warm-up, untimed

    # The course's loop, one token at a time so the first token and each step can be timed;
    # gpt.generate(model, idx, 1, block) is exactly one iteration of it.
    idx = context
    token_seconds = []
    start = time.perf_counter()
    for _ in range(args.new_tokens):
        t0 = time.perf_counter()
        idx = generate(model, idx, 1, config.block_size)
        token_seconds.append(time.perf_counter() - t0)
    total = time.perf_counter() - start

    full = token_seconds[max(0, config.block_size - len(prompt)):]  # context already at block_size
    at_full_context = {"ms_per_token_full_context": 1000 * statistics.median(full)} if full else {}
    runtime.kv("result", new_tokens=args.new_tokens, tokens_per_s=args.new_tokens / total,
               ttft_ms=1000 * token_seconds[0], **at_full_context,
               total_s=total, threads=args.threads, blas=runtime.blas_name())
    if args.show > 0:
        text = "".join(chars[i] for i in idx[0, len(prompt):].tolist())
        print(text[:args.show], file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
