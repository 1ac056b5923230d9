"""
Trains the course's bigram or GPT on a character corpus, as the reference for our Java
trainer (TrainBench). Arguments mirror trainer.v1.TrainingSpec; unset ones take the course's
defaults for the model type, then a --preset's values, then what is given explicitly.

  bench/reference/run.sh train --preset nanogpt-cpu
  bench/reference/run.sh train --preset bigram
  bench/reference/run.sh train --model gpt --steps 50 --eval-interval 25 --eval-iters 20

Output, one `key=value` line each: `config ...`, `eval step=... train_loss=... val_loss=...`
per evaluation and `result ...` at the end. Step times exclude evaluation; ms_per_step is the
median over the steps after the first --timing-skip.
"""

import argparse
import dataclasses
import math
import statistics
import sys
import time

import torch

import runtime
from gpt import GPT, BigramLanguageModel, GPTConfig, configure_optimizer

# The course's defaults per model type (TrainingSpec's documented defaults).
MODEL_DEFAULTS = {
    "bigram": dict(batch=32, block=8, steps=10999, lr=1e-3, eval_interval=1000, eval_iters=200,
                   weight_decay=0.01, beta2=0.999, grad_clip=0.0, schedule="constant"),
    "gpt": dict(batch=64, block=256, steps=5000, lr=3e-4, eval_interval=500, eval_iters=200,
                n_embd=384, n_head=6, n_layer=6, dropout=0.2,
                weight_decay=0.1, beta2=0.99, grad_clip=1.0, schedule="cosine"),
}
COMMON_DEFAULTS = dict(beta1=0.9, eps=1e-8, warmup=100, seed=1337, train_fraction=0.9,
                       bias=True, tie_weights=True, n_embd=384, n_head=6, n_layer=6, dropout=0.0)

PRESETS = {
    # The seed notebook: plain AdamW (torch defaults: wd 0.01, betas 0.9/0.999), constant lr.
    "bigram": dict(model="bigram", batch=32, block=8, lr=1e-3, steps=10999),
    # nanoGPT's CPU config for shakespeare_char (ARCHITECTURE.md "Reference points"); the
    # eval interval is shakespeare_char's 250.
    "nanogpt-cpu": dict(model="gpt", n_layer=4, n_head=4, n_embd=128, block=64, batch=12,
                        steps=2000, dropout=0.0, lr=1e-3, warmup=100, min_lr=1e-4,
                        schedule="cosine", weight_decay=0.1, beta2=0.99, grad_clip=1.0,
                        eval_interval=250, eval_iters=200),
}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", choices=sorted(PRESETS))
    p.add_argument("--model", choices=["bigram", "gpt"])
    p.add_argument("--data", default=runtime.DEFAULT_CORPUS, help="UTF-8 text corpus")
    p.add_argument("--train-fraction", type=float)
    p.add_argument("--batch", type=int)
    p.add_argument("--block", type=int)
    p.add_argument("--steps", type=int)
    p.add_argument("--lr", type=float, help="peak learning rate")
    p.add_argument("--schedule", choices=["constant", "cosine"])
    p.add_argument("--warmup", type=int, help="cosine only: linear warm-up steps")
    p.add_argument("--min-lr", type=float, help="cosine only: final lr (default lr/10)")
    p.add_argument("--n-embd", type=int)
    p.add_argument("--n-head", type=int)
    p.add_argument("--n-layer", type=int)
    p.add_argument("--dropout", type=float)
    p.add_argument("--bias", action=argparse.BooleanOptionalAction)
    p.add_argument("--tie-weights", action=argparse.BooleanOptionalAction)
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--decay-embeddings", action=argparse.BooleanOptionalAction, default=True,
                   help="decay embeddings too (nanoGPT today: every tensor of 2+ dims)")
    p.add_argument("--beta1", type=float)
    p.add_argument("--beta2", type=float)
    p.add_argument("--eps", type=float)
    p.add_argument("--grad-clip", type=float, help="global norm; 0 turns it off")
    p.add_argument("--eval-interval", type=int)
    p.add_argument("--eval-iters", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--threads", type=int, default=runtime.default_threads())
    p.add_argument("--timing-skip", type=int, default=10,
                   help="first steps left out of the step-time median (allocator, caches)")
    p.add_argument("--out", help="save {config, state_dict, chars} here at the end")
    args = p.parse_args(argv)

    # Layering: course defaults for the model type < preset < explicit arguments.
    explicit = {k: v for k, v in vars(args).items() if v is not None}
    preset = PRESETS.get(args.preset, {})
    model = explicit.get("model") or preset.get("model") or "gpt"
    resolved = {**vars(args), **COMMON_DEFAULTS, **MODEL_DEFAULTS[model], **preset, **explicit, "model": model}
    if resolved.get("min_lr") is None:
        resolved["min_lr"] = resolved["lr"] / 10
    args = argparse.Namespace(**resolved)
    if args.model == "gpt" and args.n_embd % args.n_head != 0:
        p.error(f"--n-embd {args.n_embd} must be divisible by --n-head {args.n_head}")
    return args


def learning_rate(step, args):
    """nanoGPT's schedule: linear warm-up, then cosine from lr down to min_lr at the last step."""
    if args.schedule == "constant":
        return args.lr
    if step < args.warmup:
        return args.lr * (step + 1) / (args.warmup + 1)
    if step >= args.steps:
        return args.min_lr
    ratio = (step - args.warmup) / max(1, args.steps - args.warmup)
    coeff = 0.5 * (1.0 + math.cos(math.pi * ratio))
    return args.min_lr + coeff * (args.lr - args.min_lr)


def main(argv):
    args = parse_args(argv)
    runtime.set_threads(args.threads)
    runtime.warn_if_slow_blas()
    torch.manual_seed(args.seed)

    text = runtime.read_corpus(args.data)
    tokenizer = runtime.CharTokenizer(text)
    data = torch.tensor(tokenizer.encode(text), dtype=torch.long)
    n = int(args.train_fraction * len(data))
    splits = {"train": data[:n], "val": data[n:]}

    def get_batch(split):
        # the course's get_batch: random offsets, contexts and the same shifted by one
        d = splits[split]
        ix = torch.randint(len(d) - args.block, (args.batch,))
        x = torch.stack([d[i:i + args.block] for i in ix])
        y = torch.stack([d[i + 1:i + args.block + 1] for i in ix])
        return x, y

    if args.model == "bigram":
        model = BigramLanguageModel(tokenizer.vocab_size)
        config = None
    else:
        config = GPTConfig(block_size=args.block, vocab_size=tokenizer.vocab_size,
                           n_layer=args.n_layer, n_head=args.n_head, n_embd=args.n_embd,
                           dropout=args.dropout, bias=args.bias, tie_weights=args.tie_weights)
        model = GPT(config)
    optimizer = configure_optimizer(model, args.lr, args.weight_decay, (args.beta1, args.beta2),
                                    args.eps, decay_embeddings=args.decay_embeddings)

    @torch.no_grad()
    def estimate_loss():
        # the course's estimate_loss: mean over eval_iters batches per split, dropout off
        out = {}
        model.eval()
        for split in ("train", "val"):
            losses = torch.zeros(args.eval_iters)
            for k in range(args.eval_iters):
                x, y = get_batch(split)
                _, loss = model(x, y)
                losses[k] = loss.item()
            out[split] = losses.mean().item()
        model.train()
        return out

    gpt_fields = dict(n_embd=args.n_embd, n_head=args.n_head, n_layer=args.n_layer,
                      dropout=args.dropout, bias=args.bias, tie_weights=args.tie_weights)
    schedule_fields = dict(warmup=args.warmup, min_lr=args.min_lr)
    runtime.kv("config", model=args.model, params=sum(p.numel() for p in model.parameters()),
               vocab=tokenizer.vocab_size, chars=len(text), batch=args.batch, block=args.block,
               steps=args.steps, lr=args.lr, schedule=args.schedule,
               **(schedule_fields if args.schedule == "cosine" else {}),
               **(gpt_fields if args.model == "gpt" else {}),
               weight_decay=args.weight_decay, decay_embeddings=args.decay_embeddings,
               beta1=args.beta1, beta2=args.beta2, eps=args.eps, grad_clip=args.grad_clip,
               eval_interval=args.eval_interval, eval_iters=args.eval_iters, seed=args.seed,
               threads=args.threads, blas=runtime.blas_name(), torch=torch.__version__)

    step_seconds = []
    losses = {}
    start = time.perf_counter()
    for step in range(args.steps + 1):
        if step % args.eval_interval == 0 or step == args.steps:
            losses = estimate_loss()
            runtime.kv("eval", step=step, train_loss=losses["train"], val_loss=losses["val"],
                       lr=learning_rate(step, args), elapsed_s=time.perf_counter() - start)
        if step == args.steps:
            break

        t0 = time.perf_counter()
        lr = learning_rate(step, args)
        for group in optimizer.param_groups:
            group["lr"] = lr
        xb, yb = get_batch("train")
        _, loss = model(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if args.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        optimizer.step()
        step_seconds.append(time.perf_counter() - t0)
    wall = time.perf_counter() - start

    timed = step_seconds[args.timing_skip:] or step_seconds
    ms_per_step = 1000 * statistics.median(timed)
    runtime.kv("result", model=args.model, steps=args.steps,
               ms_per_step=ms_per_step, ms_per_step_mean=1000 * statistics.mean(timed),
               tokens_per_s=args.batch * args.block / (ms_per_step / 1000),
               final_train_loss=losses["train"], final_val_loss=losses["val"],
               train_s=sum(step_seconds), wall_s=wall, threads=args.threads,
               blas=runtime.blas_name())

    if args.out:
        torch.save({"model": args.model, "config": config and dataclasses.asdict(config), "state_dict": model.state_dict(),
                    "chars": tokenizer.chars}, args.out)


if __name__ == "__main__":
    main(sys.argv[1:])
