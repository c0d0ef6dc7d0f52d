# Expected values for CausalBiasTest: torch.nn.attention.bias.causal_upper_left / causal_lower_right (PyTorch 2.3) with
# scaled_dot_product_attention. 1.13 (here) has neither, so the values follow 2.x's rule with 1.13's ops:
#   _upper_left = tril(ones(L, S, bool)); _lower_right = tril(ones(L, S, bool), diagonal=S - L)   (bias.py)
#   sdpa's math: softmax(q @ k^T * scale masked to -inf where the mask is False), 0 for a row with no key (2.5+'s
#   _safe_softmax), @ v.
# Run: /usr/bin/python3 make_expected.py > expected.txt
import math
import torch

torch.manual_seed(0)
out = []


def put(key, t):
    out.append(f"{key}\t{list(t.shape)}\t" + " ".join(repr(float(x)) for x in t.detach().double().reshape(-1).tolist()))


def attend(q, k, v, mask):
    s = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    s = s.masked_fill(~mask, -float("inf"))
    p = torch.softmax(s, -1)
    p = torch.where((~mask).all(-1, keepdim=True), torch.zeros((), dtype=p.dtype), p)
    return p @ v


for name, (L, S) in {"lr35": (3, 5), "lr53": (5, 3), "ul35": (3, 5)}.items():
    q = torch.randn(2, 2, L, 4, dtype=torch.float64)
    k = torch.randn(2, 2, S, 4, dtype=torch.float64)
    v = torch.randn(2, 2, S, 3, dtype=torch.float64)
    ones = torch.ones(L, S, dtype=torch.bool)
    mask = torch.tril(ones, diagonal=S - L) if name.startswith("lr") else torch.tril(ones)
    put(name + ".q", q); put(name + ".k", k); put(name + ".v", v)
    put(name + ".mask", mask.double())
    q.requires_grad_(); k.requires_grad_(); v.requires_grad_()
    o = attend(q, k, v, mask)
    w = torch.randn(o.shape, dtype=torch.float64)
    (o * w).sum().backward()
    put(name + ".w", w); put(name + ".out", o); put(name + ".gq", q.grad); put(name + ".gk", k.grad)
    put(name + ".gv", v.grad)
for line in out:
    print(line)
