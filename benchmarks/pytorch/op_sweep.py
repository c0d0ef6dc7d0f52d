"""Twin of dev.ember.bench.OpSweep: the daily ops at model-like float32 sizes, 2 threads, microseconds per call.

The same rows in the same order, the same inputs (torch.Generator seeded 0, drawn in the same order), the same timing:
each row warmed up for at least 1 s (and 3 calls), then a loop of k calls timed 7 times (k from the last warm-up
calls, one loop about 50 ms); the median loop over k, wall time, and the fastest loop. --check runs each row once (torch.manual_seed(0)
first) and prints the float64 sum and absolute sum of its result (a gradient row: of the gradients).

Where torch 1.13 lacks the PyTorch 2.x call, the row uses what 2.x computes: F.rms_norm (2.4+) is
x * rsqrt(mean(x^2, -1) + eps) * weight, its CPU path in 2.x (a composite of these ops); F.scaled_dot_product_attention
(2.0+) is 1.13's F._scaled_dot_product_attention(..., is_causal=True), the math composition (2.x's CPU flash kernel is
faster; this baseline is 1.13's).

Run: /usr/bin/python3 benchmarks/pytorch/op_sweep.py [--check] [REGEX]
"""
import re
import sys
import time

import torch
import torch.nn.functional as F

REPS = 7
WARMUP_S = 1.0
LOOP_S = 0.05


def timed(op):
    start = time.perf_counter()
    n = 0
    while n < 3 or time.perf_counter() - start < WARMUP_S:
        op()
        n += 1
    t0 = time.perf_counter()
    for _ in range(3):
        op()
    per = max(1e-9, (time.perf_counter() - t0) / 3)
    k = max(1, round(LOOP_S / per))
    loops = []
    for _ in range(REPS):
        t = time.perf_counter()
        for _ in range(k):
            op()
        loops.append((time.perf_counter() - t) * 1e6 / k)
    loops.sort()
    return loops[REPS // 2], loops[0]


def sums(result):
    if isinstance(result, torch.Tensor):
        parts = [result]
    elif isinstance(result, (tuple, list)):
        parts = list(result)
    else:
        raise TypeError(type(result))
    s = a = 0.0
    for t in parts:
        d = t.to(torch.float64)
        s += d.sum().item()
        a += d.abs().sum().item()
    return s, a


def fb(f, upstream, *leaves):
    def run():
        for leaf in leaves:
            leaf.grad = None
        y = f()
        if upstream is None:
            y.backward()
        else:
            y.backward(upstream)
        return [leaf.grad for leaf in leaves]
    return run


def leaf(t):
    return t.detach().requires_grad_()


def rows():
    g = torch.Generator().manual_seed(0)
    f32 = torch.float32

    def randn(*shape):
        return torch.randn(*shape, generator=g, dtype=f32)

    def randint(low, high, *shape):
        return torch.randint(low, high, shape, generator=g)

    x = randn(16, 128, 512)
    bias = randn(512)
    y = randn(16, 128, 512)
    att = randn(16, 8, 128, 128)
    logits65 = randn(2048, 65)
    target65 = randint(0, 65, 2048)
    logitsV = randn(256, 50257)
    logits1 = logitsV[:1]  # session 61: one line, a sampling step
    targetV = randint(0, 50257, 256)
    tokens = randint(0, 50257, 16, 128)
    emb = randn(50257, 256)
    table = randn(8192, 512)
    row_idx = randint(0, 8192, 2048)
    gidx = randint(0, 512, 2048, 64)
    src64 = randn(2048, 64)
    q = randn(16, 8, 128, 64)
    k = randn(16, 8, 128, 64)
    v = randn(16, 8, 128, 64)
    a = randn(128, 128, 64)
    b = randn(128, 64, 128)
    lnw = randn(512)
    lnb = randn(512)
    qkv = randn(16, 128, 1536)
    heads = randn(16, 128, 8, 64)
    dx = randn(16, 128, 512)
    datt = randn(16, 8, 128, 128)
    dq = randn(16, 8, 128, 64)
    demb = randn(16, 128, 256)
    dab = randn(128, 128, 128)
    x2 = x.reshape(2048, 512)
    # short rows (attention over 64 keys, a small vocabulary): x's values as 16384 rows of 64, no new draws
    x64 = x.reshape(16384, 64)
    # index_add with alpha's inputs from a generator of their own (the rows above keep their draws)
    g2 = torch.Generator().manual_seed(1)
    idx100k = torch.randint(0, 100000, (100000,), generator=g2)
    src100k = torch.randn(100000, 16, generator=g2)
    col_idx = torch.randint(0, 512, (64,), generator=g2)
    mask = x > 0
    causal_out = torch.ones(128, 128, dtype=torch.bool).triu(1)
    xb = x.to(torch.bfloat16)
    xa = x.abs()  # no draw, as OpSweep's
    four = [att[0, 0], att[0, 1], att[0, 2], att[0, 3]]
    x4 = x.reshape(16, 128, 4, 128)
    four_x = [x4.select(2, 0), x4.select(2, 1), x4.select(2, 2), x4.select(2, 3)]
    xg, bg, attg, wg, lbg = leaf(x), leaf(bias), leaf(att), leaf(lnw), leaf(lnb)
    l65g, lVg, embg, ag, bmg = leaf(logits65), leaf(logitsV), leaf(emb), leaf(a), leaf(b)
    qg, kg, vg = leaf(q), leaf(k), leaf(v)
    x64g = leaf(x64)

    def rms_norm(t, w, eps):
        return t * torch.rsqrt(t.pow(2).mean(-1, keepdim=True) + eps) * w

    def sdpa(qq, kk, vv):
        return F._scaled_dot_product_attention(qq, kk, vv, None, 0.0, False, True)[0]

    def chunk_contiguous():
        return [p.contiguous() for p in qkv.chunk(3, -1)]

    # complex64 [16,128,256] from x's and y's first 256 columns (no further draws), as OpSweep's
    cz = torch.complex(x[..., :256].contiguous(), y[..., :256].contiguous())
    cw = torch.complex(y[..., :256].contiguous(), x[..., :256].contiguous())
    cs = torch.complex(torch.tensor(0.3), torch.tensor(-1.7))  # a 0-dim complex64 factor
    # batch_norm in training over a ResNet's first stage, [32,64,32,32] (drawn last: the rows above keep their data)
    img, dimg, bnw, bnb = randn(32, 64, 32, 32), randn(32, 64, 32, 32), randn(64), randn(64)
    bn_mean, bn_var = torch.zeros(64), torch.ones(64)
    imgg, bnwg, bnbg = leaf(img), leaf(bnw), leaf(bnb)
    # the same data channels-last, and as [32768, 64] (BatchNorm1d's shape): no further draws (session 54)
    img_cl, flat = img.contiguous(memory_format=torch.channels_last), img.reshape(32768, 64)
    # their fwd+bwd rows: leaves of the same data, the upstream gradient in the same layout (session 54)
    img_clg, flatg = leaf(img_cl), leaf(flat)
    dimg_cl, dflat = dimg.contiguous(memory_format=torch.channels_last), dimg.reshape(32768, 64)

    return [
        ("add bias [16,128,512]+[512]", lambda: x + bias),
        ("mul bias [16,128,512]*[512]", lambda: x * bias),
        ("add same shape [16,128,512]", lambda: x + y),
        ("add bias fwd+bwd", fb(lambda: xg + bg, dx, xg, bg)),
        ("add bias, relu_ fwd+bwd", fb(lambda: (xg + bg).relu_(), dx, xg, bg)),
        ("add bias, add_(y) fwd+bwd", fb(lambda: (xg + bg).add_(y), dx, xg, bg)),
        ("add bias, leaky_relu_ fwd+bwd", fb(lambda: F.leaky_relu_(xg + bg, 0.1), dx, xg, bg)),
        ("add bias, elu_ fwd+bwd", fb(lambda: F.elu_(xg + bg), dx, xg, bg)),
        ("add bias, clamp_ fwd+bwd", fb(lambda: (xg + bg).clamp_(-0.5, 0.5), dx, xg, bg)),
        ("add bias, clamp_ fwd (grad)", lambda: (xg + bg).clamp_(-0.5, 0.5)),
        ("leaky_relu [16,128,512]", lambda: F.leaky_relu(x, 0.1)),
        ("leaky_relu fwd+bwd", fb(lambda: F.leaky_relu(xg, 0.1), dx, xg)),
        ("elu [16,128,512]", lambda: F.elu(x)),
        ("elu fwd+bwd", fb(lambda: F.elu(xg), dx, xg)),
        ("selu [16,128,512]", lambda: F.selu(x)),
        ("selu fwd+bwd", fb(lambda: F.selu(xg), dx, xg)),
        ("celu(1.3) [16,128,512]", lambda: F.celu(x, 1.3)),
        ("celu(1.3) fwd+bwd", fb(lambda: F.celu(xg, 1.3), dx, xg)),
        ("gelu [16,128,512]", lambda: F.gelu(x)),
        ("gelu fwd+bwd", fb(lambda: F.gelu(xg), dx, xg)),
        ("gelu tanh [16,128,512]", lambda: F.gelu(x, approximate="tanh")),
        ("gelu tanh fwd+bwd", fb(lambda: F.gelu(xg, approximate="tanh"), dx, xg)),
        ("silu [16,128,512]", lambda: F.silu(x)),
        ("silu fwd+bwd", fb(lambda: F.silu(xg), dx, xg)),
        ("sigmoid [16,128,512]", lambda: torch.sigmoid(x)),
        ("sigmoid fwd+bwd", fb(lambda: torch.sigmoid(xg), dx, xg)),
        ("exp [16,128,512]", lambda: x.exp()),
        ("expm1 [16,128,512]", lambda: x.expm1()),
        ("tanh [16,128,512]", lambda: x.tanh()),
        ("tanh fwd+bwd", fb(lambda: torch.tanh(xg), dx, xg)),
        ("where(mask, x, y) [16,128,512]", lambda: torch.where(mask, x, y)),
        ("masked_fill causal -inf [16,8,128,128]", lambda: att.masked_fill(causal_out, float("-inf"))),
        ("clamp(-1, 1) [16,128,512]", lambda: x.clamp(-1.0, 1.0)),
        ("sum(-1) [16,128,512]", lambda: x.sum(-1)),
        ("sum(1) [16,128,512]", lambda: x.sum(1)),
        ("sum((0,1)) [16,128,512] (a bias gradient)", lambda: x.sum((0, 1))),
        ("mean(-1) [16,128,512]", lambda: x.mean(-1)),
        ("mean(1) [16,128,512]", lambda: x.mean(1)),
        ("amax(-1) [16,128,512]", lambda: x.amax(-1)),
        ("amax(1) [16,128,512]", lambda: x.amax(1)),
        ("aminmax(-1) [16,128,512]", lambda: torch.aminmax(x, dim=-1).max),
        ("var(-1) [16,128,512]", lambda: x.var(-1)),
        ("var(1) [16,128,512]", lambda: x.var(1)),
        ("logsumexp(-1) [16,128,512]", lambda: x.logsumexp(-1)),
        ("argmax(-1) [16,128,512]", lambda: x.argmax(-1)),
        ("argmax(1) [16,128,512]", lambda: x.argmax(1)),
        ("softmax(-1) [16,8,128,128]", lambda: att.softmax(-1)),
        ("softmax(-1) fwd+bwd", fb(lambda: attg.softmax(-1), datt, attg)),
        ("softmax(1) [16,128,512]", lambda: x.softmax(1)),
        ("log_softmax(-1) [16,128,512]", lambda: x.log_softmax(-1)),
        ("log_softmax(-1) [16384,64]", lambda: x64.log_softmax(-1)),
        # session 63: the backward over short rows (dx's values as the upstream gradient, no new draws)
        ("log_softmax(-1) [16384,64] fwd+bwd", fb(lambda: x64g.log_softmax(-1), dx.reshape(16384, 64), x64g)),
        ("log_softmax(1) [16,128,512]", lambda: x.log_softmax(1)),
        ("softmax(1) fwd+bwd", fb(lambda: xg.softmax(1), dx, xg)),
        ("log_softmax(1) fwd+bwd", fb(lambda: xg.log_softmax(1), dx, xg)),
        ("layer_norm [16,128,512]", lambda: F.layer_norm(x, (512,), lnw, lnb, 1e-5)),
        ("layer_norm fwd+bwd", fb(lambda: F.layer_norm(xg, (512,), wg, lbg, 1e-5), dx, xg, wg, lbg)),
        ("rms_norm [16,128,512]", lambda: rms_norm(x, lnw, 1e-6)),
        ("rms_norm fwd+bwd", fb(lambda: rms_norm(xg, wg, 1e-6), dx, xg, wg)),
        ("cross_entropy [2048,65]", lambda: F.cross_entropy(logits65, target65)),
        ("cross_entropy [2048,65] fwd+bwd", fb(lambda: F.cross_entropy(l65g, target65), None, l65g)),
        ("cross_entropy [256,50257]", lambda: F.cross_entropy(logitsV, targetV)),
        ("cross_entropy [256,50257] fwd+bwd", fb(lambda: F.cross_entropy(lVg, targetV), None, lVg)),
        ("embedding [50257,256][16,128]", lambda: F.embedding(tokens, emb)),
        ("embedding fwd+bwd", fb(lambda: F.embedding(tokens, embg), demb, embg)),
        ("index_select(0) [8192,512] 2048 rows", lambda: table.index_select(0, row_idx)),
        ("x[idx] [8192,512] 2048 rows", lambda: table[row_idx]),
        ("x[mask] [16,128,512]", lambda: x[mask]),
        ("gather(-1) [2048,512] idx [2048,64]", lambda: x2.gather(-1, gidx)),
        ("scatter_add(-1) [2048,512] idx [2048,64]", lambda: torch.zeros(2048, 512).scatter_add(-1, gidx, src64)),
        ("index_add(0) [8192,512] 2048 rows", lambda: torch.zeros(8192, 512).index_add(0, row_idx, x2)),
        ("index_add(0) alpha 0.5 [8192,512] 2048 rows",
         lambda: torch.zeros(8192, 512).index_add(0, row_idx, x2, alpha=0.5)),
        ("index_add(0) alpha 0.5 [100000,16] 100000 rows",
         lambda: torch.zeros(100000, 16).index_add(0, idx100k, src100k, alpha=0.5)),
        ("index_add(1) alpha 0.5 [2048,512] 64 columns",
         lambda: torch.zeros(2048, 512).index_add(1, col_idx, src64, alpha=0.5)),
        ("cat 4x[128,128] dim -1 (x16)", lambda: torch.cat(four_x, -1)),
        ("cat 4x[128,128] dim 0", lambda: torch.cat(four, 0)),
        ("stack 4x[128,128] dim 0", lambda: torch.stack(four, 0)),
        ("split(128, -1) [16,128,512] (views)", lambda: x.split(128, -1)),
        ("chunk(3, -1) [16,128,1536] + contiguous", chunk_contiguous),
        ("permute(0,2,1,3).contiguous [16,128,8,64]", lambda: heads.permute(0, 2, 1, 3).contiguous()),
        ("transpose(1,2).contiguous [16,128,512]", lambda: x.transpose(1, 2).contiguous()),
        ("transpose(0,1).contiguous [16,128,512]", lambda: x.transpose(0, 1).contiguous()),
        ("cumsum(-1) [2048,512]", lambda: x2.cumsum(-1)),
        ("cumsum(0) [2048,512]", lambda: x2.cumsum(0)),
        ("sort(-1) [2048,512]", lambda: x2.sort(-1)),
        ("argsort(-1) [2048,512]", lambda: x2.argsort(-1)),
        ("topk(10, -1) [2048,512]", lambda: x2.topk(10, -1)),
        ("topk(50, -1) [256,50257]", lambda: logitsV.topk(50, -1)),
        ("topk(50, -1) [1,50257] (a sampling step)", lambda: logits1.topk(50, -1)),
        ("tril [16,8,128,128]", lambda: att.tril()),
        ("triu(1) [16,8,128,128]", lambda: att.triu(1)),
        ("bmm [128,128,64]@[128,64,128]", lambda: a.bmm(b)),
        ("bmm fwd+bwd", fb(lambda: ag.bmm(bmg), dab, ag, bmg)),
        ("sdpa causal [16,8,128,64]", lambda: sdpa(q, k, v)),
        ("sdpa causal fwd+bwd", fb(lambda: sdpa(qg, kg, vg), dq, qg, kg, vg)),
        ("dropout(0.1) training [16,128,512]", lambda: F.dropout(x, 0.1, True)),
        ("to bfloat16 [16,128,512]", lambda: x.to(torch.bfloat16)),
        ("bfloat16 to float32 [16,128,512]", lambda: xb.to(f32)),
        ("randn [16,128,512]", lambda: torch.randn(16, 128, 512)),
        ("rand [16,128,512]", lambda: torch.rand(16, 128, 512)),
        ("randint(0, 50257) [16,128,512]", lambda: torch.randint(0, 50257, (16, 128, 512))),
        ("randperm(50257)", lambda: torch.randperm(50257)),
        ("pow(|x|, 1.5) [16,128,512]", lambda: xa.pow(1.5)),
        ("clone [16,128,512]", lambda: x.clone()),
        ("zeros_like [16,128,512]", lambda: torch.zeros_like(x)),
        ("complex add [16,128,256]", lambda: cz + cw),
        ("complex mul [16,128,256]", lambda: cz * cw),
        ("complex mul by 0-dim [16,128,256]", lambda: cz * cs),
        ("complex div [16,128,256]", lambda: cz / cw),
        ("complex exp [16,128,256]", lambda: torch.exp(cz)),
        ("complex sqrt [16,128,256]", lambda: torch.sqrt(cz)),
        ("complex log [16,128,256]", lambda: torch.log(cz)),
        ("complex pow 2.5 [16,128,256]", lambda: cz ** 2.5),
        ("batch_norm train [32,64,32,32]", lambda: F.batch_norm(img, bn_mean, bn_var, bnw, bnb, True, 0.1, 1e-5)),
        ("batch_norm train fwd+bwd",
         fb(lambda: F.batch_norm(imgg, bn_mean, bn_var, bnwg, bnbg, True, 0.1, 1e-5), dimg, imgg, bnwg, bnbg)),
        ("batch_norm train channels-last [32,64,32,32]",
         lambda: F.batch_norm(img_cl, bn_mean, bn_var, bnw, bnb, True, 0.1, 1e-5)),
        ("batch_norm train [32768,64]", lambda: F.batch_norm(flat, bn_mean, bn_var, bnw, bnb, True, 0.1, 1e-5)),
        ("batch_norm train channels-last fwd+bwd",
         fb(lambda: F.batch_norm(img_clg, bn_mean, bn_var, bnwg, bnbg, True, 0.1, 1e-5), dimg_cl, img_clg, bnwg, bnbg)),
        ("batch_norm train [32768,64] fwd+bwd",
         fb(lambda: F.batch_norm(flatg, bn_mean, bn_var, bnwg, bnbg, True, 0.1, 1e-5), dflat, flatg, bnwg, bnbg)),
    ]


def main():
    check = "--check" in sys.argv[1:]
    pattern = [a for a in sys.argv[1:] if a != "--check"]
    keep = re.compile(pattern[0]) if pattern else None
    torch.set_num_threads(2)
    for name, op in rows():
        if keep is not None and not keep.search(name):
            continue
        if check:
            torch.manual_seed(0)
            s, a = sums(op())
            print(f"check {name:<48} {s:.9e} {a:.9e}")
        else:
            median, best = timed(op)
            print(f"{name:<48} {median:12.1f} us {best:12.1f} us best")


if __name__ == "__main__":
    main()
