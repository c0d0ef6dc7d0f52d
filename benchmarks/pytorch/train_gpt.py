"""The PyTorch twin of dev.ember.bench.TrainGPT: the same character-level GPT (nanoGPT's model), data, split,
hyperparameters, schedule, evaluation, printout and sampling, so that the two runs compare side by side.

    python3 benchmarks/pytorch/train_gpt.py --threads 2 [--steps 2000] [--eval-every 200] [--eval-iters 20]
        [--layers 4] [--heads 4] [--embd 128] [--block 128] [--batch-size 32] [--dropout 0.0] [--lr 1e-3]
        [--warmup 100] [--seed 1337] [--sample-chars 500] [--temperature 0.8] [--top-k 40]
        [--data /usr/share/games/fortunes] [--autocast bf16|fp16|off] [--preset shakespeare_char]

Extra options as TrainGPT's: --weight-decay 0.1, --decay-steps N (default --steps), --log-every 50, --device cpu|cuda,
--beta2 0.95, --attention fused|manual. --preset shakespeare_char starts from nanoGPT's config/train_shakespeare_char.py
(6 layers, 6 heads, 384 embedding, block 256, batch 64, dropout 0.2, lr 1e-3, 5000 steps decaying to step 5000, beta2
0.99, warmup 100, eval every 250 steps over 200 batches, a log line every 10 steps; its min_lr 1e-4 is lr / 10, where
the schedule always ends); the options given override it.

The attention (--attention, default nanoGPT's rule: fused where F.scaled_dot_product_attention exists, PyTorch 2.0 and
later): the fused F.scaled_dot_product_attention(q, k, v, dropout_p, is_causal=True), as TrainGPT's default, or
nanoGPT's manual path (q k^T / sqrt(hs), causal mask, softmax, dropout, times v), the only one PyTorch 1.13 (Debian's
python3-torch, which the CPU figures ran on) has. No checkpoints here (TrainGPT's --save and --resume have no twin).

--autocast (default off: float32) as nanoGPT's train.py: the forward and loss of each step, evaluation and sample
inside torch.autocast(device_type, dtype) (nanoGPT's ctx; on the CPU too, where nanoGPT uses a nullcontext), and for
fp16 a GradScaler (torch.amp.GradScaler(device_type) where it exists, 2.3 and later; torch.cuda.amp.GradScaler before):
scaler.scale(loss).backward(), unscale_ before clipping, step, update. CPU autocast: torch 1.13 takes bfloat16 only
(float16 raises "Currently, AutocastCPU only support Bfloat16 as the autocast_cpu_dtype"), 2.0 warns and disables it
for float16, later 2.x take both (pytorch/pytorch pull request 112484); this script says which happened at the start
and exits with status 2 when entering the autocast scope raises.

Data (as TrainGPT's CharData): every regular file under --data, recursively, not a symbolic link and not named
*.dat, read as UTF-8 and concatenated in the sorted order of the paths relative to --data; the vocabulary is the
sorted distinct characters; the first int(n * 0.9) positions train, the rest validate. Training batches come from
torch's default generator (seeded with --seed before the model is made, as TrainGPT seeds Ember's), each evaluation's
from a torch.Generator seeded with seed + 1, the sample's from one seeded with seed. Ember's and PyTorch's random
streams differ, so the runs share the recipe, not the numbers.
"""
import argparse
import contextlib
import math
import os
import time
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--device", default="cpu")
p.add_argument("--steps", type=int, default=2000)
p.add_argument("--eval-every", type=int, default=200)
p.add_argument("--eval-iters", type=int, default=20)
p.add_argument("--log-every", type=int, default=50)
p.add_argument("--layers", type=int, default=4)
p.add_argument("--heads", type=int, default=4)
p.add_argument("--embd", type=int, default=128)
p.add_argument("--block", type=int, default=128)
p.add_argument("--batch-size", type=int, default=32)
p.add_argument("--dropout", type=float, default=0.0)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--weight-decay", type=float, default=0.1)
p.add_argument("--warmup", type=int, default=100)
p.add_argument("--decay-steps", type=int, default=None)
p.add_argument("--seed", type=int, default=1337)
p.add_argument("--sample-chars", type=int, default=500)
p.add_argument("--temperature", type=float, default=0.8)
p.add_argument("--top-k", type=int, default=40)
p.add_argument("--data", default="/usr/share/games/fortunes")
p.add_argument("--beta2", type=float, default=0.95)
p.add_argument("--attention", choices=["fused", "manual"], default=None)
p.add_argument("--autocast", choices=["bf16", "fp16", "off"], default="off")
p.add_argument("--preset", choices=["shakespeare_char"], default=None)
# nanoGPT's config/train_shakespeare_char.py, applied before the options given (which override it)
PRESETS = {"shakespeare_char": dict(layers=6, heads=6, embd=384, block=256, batch_size=64, dropout=0.2, lr=1e-3,
                                    steps=5000, decay_steps=5000, beta2=0.99, warmup=100, eval_every=250,
                                    eval_iters=200, log_every=10)}
preset = p.parse_args().preset
if preset is not None:
    p.set_defaults(**PRESETS[preset])
args = p.parse_args()
if args.attention is None:
    args.attention = "fused" if hasattr(F, "scaled_dot_product_attention") else "manual"  # nanoGPT's self.flash
elif args.attention == "fused" and not hasattr(F, "scaled_dot_product_attention"):
    p.error(f"--attention fused needs F.scaled_dot_product_attention (PyTorch 2.0 and later), not torch {torch.__version__}")
torch.set_num_threads(args.threads)
device = torch.device(args.device)
print(f"device: {device} (torch {torch.__version__}, {torch.get_num_threads()} threads)")
if preset is not None:
    print(f"preset {preset} (nanoGPT's config/train_{preset}.py), then the options given")

# ---------------------------------------------------------------- precision (nanoGPT's ctx and scaler)
device_type = "cuda" if device.type == "cuda" else "cpu"
amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "off": None}[args.autocast]
precision = "float32" if amp_dtype is None else f"autocast {args.autocast}"


def ctx():
    return contextlib.nullcontext() if amp_dtype is None else torch.autocast(device_type, dtype=amp_dtype)


if amp_dtype is not None:
    # what this torch does with the request: enters it, warns and disables it, or raises
    refused = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with ctx():
                probe = torch.ones(2, 2, device=device) @ torch.ones(2, 2, device=device)
        except RuntimeError as e:
            refused = e
    for w in caught:
        print(f"autocast: torch {torch.__version__} warns: {w.message}")
    if refused is not None:
        print(f"autocast: torch {torch.__version__} refuses torch.autocast({device_type!r}, {amp_dtype}): {refused}")
        raise SystemExit(2)
    print(f"autocast: torch.autocast({device_type!r}, {amp_dtype}) gives {probe.dtype} for a matmul of float32 tensors")
if hasattr(torch, "amp") and hasattr(torch.amp, "GradScaler"):
    scaler = torch.amp.GradScaler(device_type, enabled=(amp_dtype == torch.float16))
else:
    scaler = torch.cuda.amp.GradScaler(enabled=(amp_dtype == torch.float16))  # disabled (with a warning) on the CPU
fp16 = scaler.is_enabled()

# ---------------------------------------------------------------- data
names = []
for root, dirs, files in os.walk(args.data):
    for f in files:
        path = os.path.join(root, f)
        if os.path.isfile(path) and not os.path.islink(path) and not f.endswith(".dat"):
            names.append(os.path.relpath(path, args.data).replace(os.sep, "/"))
names.sort()
text = "".join(open(os.path.join(args.data, n), encoding="utf-8").read() for n in names)
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
ids = torch.tensor([stoi[c] for c in text], dtype=torch.long)
n = int(len(ids) * 0.9)
train_data, val_data = ids[:n].to(device), ids[n:].to(device)
vocab = len(chars)
print(f"data: {len(text)} characters from {len(names)} files in {args.data}, vocabulary {vocab}, "
      f"train {len(train_data)}, val {len(val_data)}")


def get_batch(data, generator=None):
    """nanoGPT's get_batch: blocks at uniform positions in [0, len - block), targets one later."""
    ix = torch.randint(len(data) - args.block, (args.batch_size,), generator=generator).to(device)
    index = ix.unsqueeze(1) + torch.arange(args.block, device=device)
    return data[index], data[index + 1]


# ---------------------------------------------------------------- model (nanoGPT's, bias=False)
class LayerNorm(nn.Module):
    """LayerNorm with an optional bias (PyTorch 1.13's nn.LayerNorm has no bias=False): nanoGPT's."""

    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_attn = nn.Linear(args.embd, 3 * args.embd, bias=False)
        self.c_proj = nn.Linear(args.embd, args.embd, bias=False)
        self.attn_dropout = nn.Dropout(args.dropout)
        self.resid_dropout = nn.Dropout(args.dropout)
        self.flash = args.attention == "fused"
        if not self.flash:
            self.register_buffer("bias", torch.tril(torch.ones(args.block, args.block))
                                 .view(1, 1, args.block, args.block), persistent=False)

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(args.embd, dim=2)
        hs = C // args.heads
        k = k.view(B, T, args.heads, hs).transpose(1, 2)
        q = q.view(B, T, args.heads, hs).transpose(1, 2)
        v = v.view(B, T, args.heads, hs).transpose(1, 2)
        if self.flash:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=args.dropout if self.training else 0,
                                               is_causal=True)
        else:
            # nanoGPT's manual path (PyTorch 1.13 has no scaled_dot_product_attention)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            att = self.attn_dropout(att)
            y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_fc = nn.Linear(args.embd, 4 * args.embd, bias=False)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * args.embd, args.embd, bias=False)
        self.dropout = nn.Dropout(args.dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = LayerNorm(args.embd, bias=False)
        self.attn = CausalSelfAttention()
        self.ln_2 = LayerNorm(args.embd, bias=False)
        self.mlp = MLP()

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab, args.embd),
            wpe=nn.Embedding(args.block, args.embd),
            drop=nn.Dropout(args.dropout),
            h=nn.ModuleList([Block() for _ in range(args.layers)]),
            ln_f=LayerNorm(args.embd, bias=False),
        ))
        self.lm_head = nn.Linear(args.embd, vocab, bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # weight tying
        self.apply(self._init_weights)
        for pn, p in self.named_parameters():
            if pn.endswith("c_proj.weight"):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * args.layers))

    @staticmethod
    def _init_weights(module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx):
        t = idx.size(1)
        pos = torch.arange(0, t, dtype=torch.long, device=idx.device)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(self.transformer.ln_f(x))


torch.manual_seed(args.seed)
model = GPT().to(device)
n_params = sum(p.numel() for p in model.parameters()) - model.transformer.wpe.weight.numel()
print(f"model: {args.layers} layers, {args.heads} heads, {args.embd} embedding, block {args.block}, {args.attention} attention, "
      f"dropout {args.dropout}: {n_params / 1e6:.2f}M parameters")

# ---------------------------------------------------------------- training (nanoGPT's configure_optimizers, get_lr)
params = [p for p in model.parameters() if p.requires_grad]
decay = [p for p in params if p.dim() >= 2]
no_decay = [p for p in params if p.dim() < 2]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                         {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, args.beta2), eps=1e-8)
decay_steps = args.decay_steps if args.decay_steps is not None else max(args.steps, args.warmup + 1)


def lr_factor(it):
    if it < args.warmup:
        return (it + 1) / (args.warmup + 1)
    if it > decay_steps:
        return 0.1
    ratio = (it - args.warmup) / (decay_steps - args.warmup)
    return 0.1 + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (1.0 - 0.1)


sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor)
tokens_per_step = args.batch_size * args.block
print(f"training to step {args.steps}: batch {args.batch_size} x block {args.block} = {tokens_per_step} tokens a step, "
      f"lr {args.lr} (warmup {args.warmup}, cosine to {args.lr / 10} at step {decay_steps}), AdamW betas (0.9, "
      f"{args.beta2}), weight decay {args.weight_decay}, clip 1.0, {precision}{' with a GradScaler' if fp16 else ''}")


@torch.no_grad()
def estimate_loss():
    g = torch.Generator().manual_seed(args.seed + 1)
    out = []
    model.eval()
    for data in (train_data, val_data):
        total = 0.0
        for _ in range(args.eval_iters):
            x, y = get_batch(data, g)
            with ctx():
                total += F.cross_entropy(model(x).view(-1, vocab), y.view(-1)).item()
        out.append(total / args.eval_iters)
    model.train()
    return out


step, losses = 0, [float("nan"), float("nan")]
window_steps, window_time, train_time, train_steps, skipped = 0, 0.0, 0.0, 0, 0
window_loss = torch.zeros((), device=device)  # summed on the device, read at the log lines (as TrainGPT)
while True:
    if step % args.eval_every == 0 or step == args.steps:
        losses = estimate_loss()
        print(f"step {step}: train loss {losses[0]:.4f}, val loss {losses[1]:.4f}", flush=True)
    if step >= args.steps:
        break
    t0 = time.perf_counter()
    x, y = get_batch(train_data)
    with ctx():  # nanoGPT's `with ctx:` around forward and loss
        loss = F.cross_entropy(model(x).view(-1, vocab), y.view(-1))
    # nanoGPT's step: scale, backward, unscale_ before clipping, step (skipped on inf/NaN), update (no-ops or a plain
    # step when the scaler is disabled)
    scaler.scale(loss).backward()
    scaler.unscale_(opt)
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    if fp16:
        before = scaler.get_scale()
    scaler.step(opt)
    scaler.update()
    if fp16 and scaler.get_scale() < before:  # a skipped step backs the scale off (step itself returns None)
        skipped += 1
    opt.zero_grad(set_to_none=True)
    sched.step()
    window_loss += loss.detach()
    step += 1
    window_steps += 1
    log = step % args.log_every == 0 or step == args.steps
    window_mean = window_loss.item() / window_steps if log else float("nan")  # reading it waits for the device
    dt = time.perf_counter() - t0
    window_time += dt
    train_time += dt
    train_steps += 1
    if log:
        scale = f" (loss scale {scaler.get_scale()}, {skipped} steps skipped)" if fp16 else ""
        print(f"step {step}: loss {window_mean:.4f}, lr {opt.param_groups[0]['lr']:.3e}, "
              f"{window_steps * tokens_per_step / window_time:.0f} tokens/s, {precision}{scale}", flush=True)
        window_loss.zero_()
        window_steps, window_time = 0, 0.0

# no steps (--steps 0, or a resume at its end): no rate, as TrainGPT prints NaN
tokens_per_second = train_steps * tokens_per_step / train_time if train_steps else float("nan")
print(f"trained {train_steps} steps in {train_time:.1f} s: {tokens_per_second:.0f} tokens/s, "
      f"{precision}{f' ({skipped} steps skipped by the GradScaler)' if fp16 else ''}")
print(f"val loss: {losses[1]:.4f}")

# ---------------------------------------------------------------- sample (nanoGPT's generate)
g = torch.Generator().manual_seed(args.seed)
tokens = [stoi.get("\n", 0)]
k = min(args.top_k, vocab)
model.eval()
with torch.no_grad(), ctx():  # as nanoGPT's sample.py: generate inside ctx
    for _ in range(args.sample_chars):
        idx = torch.tensor([tokens[-args.block:]], dtype=torch.long, device=device)
        logits = model(idx)[:, -1, :] / args.temperature
        if k > 0:
            v, _ = torch.topk(logits, k)
            logits[logits < v[:, [-1]]] = -float("inf")
        # float: torch 1.13's CPU multinomial has no bfloat16 kernel (the probabilities keep their rounding)
        tokens.append(int(torch.multinomial(F.softmax(logits, dim=-1).float().cpu(), 1, generator=g)))
print(f"sample ({args.sample_chars} characters, temperature {args.temperature}, top-k {args.top_k}):")
print("".join(chars[i] for i in tokens[1:]))
