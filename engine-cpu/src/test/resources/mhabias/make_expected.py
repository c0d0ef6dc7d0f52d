# Writes expected.txt for MultiheadAttentionBiasKvTest: nn.MultiheadAttention with add_bias_kv (bias_k, bias_v appended
# to the projected keys and values) and add_zero_attn (a zero key and value per head), with masks.
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU)
# Format as attention/make_expected.py: "=== key", lines "name dtype [shape] : values"; "p.<key>" the module's state
# dict in PyTorch's order (parameters drawn here), "out"/"w" the outputs, "gout" the output gradient, "grad_<name>" the
# gradients of sum(out * gout), "keys" the state dict keys.
# Versions: F.multi_head_attention_forward's bias_k/bias_v ("k = torch.cat([k, bias_k.repeat(1, bsz, 1)])", the masks
# "pad(attn_mask, (0, 1))") and add_zero_attn ("torch.cat([k, torch.zeros(zero_attn_shape, ...)], dim=1)", masks padded)
# are the same in 1.13 and 2.x (torch/nn/functional.py), as is the constructor's xavier_normal_(bias_k/bias_v).
import torch
from torch import nn

torch.manual_seed(0)
D = torch.float64


def fmt(t):
    t = t.detach()
    shape = "[" + ", ".join(str(s) for s in t.shape) + "]"
    dtype = {torch.float32: "float32", torch.float64: "float64", torch.bool: "bool"}[t.dtype]
    vals = " ".join(repr(float(v)) if t.dtype.is_floating_point else repr(int(v)) for v in t.flatten().tolist())
    return f"{dtype} {shape} : {vals}"


def line(name, value):
    print(name + " " + value)


def r(*shape):
    return torch.rand(tuple(shape), dtype=D) * 4.0 - 2.0


def mha(embed, heads, **kw):
    m = nn.MultiheadAttention(embed, heads, dtype=D, **kw).eval()
    with torch.no_grad():
        for p in m.parameters():
            p.uniform_(-0.6, 0.6)
    return m


DATA = ("x", "q", "k", "v", "mem")


def case(key, m, inputs, call):
    print("=== " + key)
    line("keys", " ".join(m.state_dict().keys()))
    for k, v in m.state_dict().items():
        line("p." + k, fmt(v))
    leaves = {}
    for n, t in inputs.items():
        line(n, fmt(t))
        leaves[n] = t.clone().requires_grad_(t.dtype.is_floating_point and n in DATA)
    out, w = call(**leaves)
    line("out", fmt(out))
    if w is not None:
        line("w", fmt(w))
    gout = r(*out.shape)
    line("gout", fmt(gout))
    (out * gout).sum().backward()
    for n, t in leaves.items():
        if t.grad is not None:
            line("grad_" + n, fmt(t.grad))
    for k, p in m.named_parameters():
        if p.grad is not None:
            line("grad_p." + k, fmt(p.grad))


m = mha(6, 2, add_bias_kv=True)
case("bias_kv_self", m, {"x": r(4, 2, 6)}, lambda x: m(x, x, x))
m = mha(6, 2, add_zero_attn=True)
kpm = torch.tensor([[False, True, False, False, True], [False, False, False, True, False]])
case("zero_attn_masks", m, {"q": r(3, 2, 6), "mem": r(5, 2, 6), "kpm": kpm, "am": r(3, 5)},
     lambda q, mem, kpm, am: m(q, mem, mem, key_padding_mask=kpm, attn_mask=am, average_attn_weights=False))
m = mha(6, 3, add_bias_kv=True, add_zero_attn=True, batch_first=True)
am = torch.rand(3 * 2, 4, 4) < 0.3
am[:, :, 0] = False
case("both_batchfirst_noweights", m, {"x": r(2, 4, 6), "kpm": torch.tensor([[False, False, True, False],
                                                                           [True, False, False, False]]), "am": am},
     lambda x, kpm, am: m(x, x, x, key_padding_mask=kpm, attn_mask=am, need_weights=False))
m = mha(6, 2, add_bias_kv=True, add_zero_attn=True, kdim=4, vdim=3)
case("both_kvdim_weights", m, {"q": r(3, 2, 6), "k": r(5, 2, 4), "v": r(5, 2, 3)},
     lambda q, k, v: m(q, k, v))
m = mha(4, 2, add_bias_kv=True, add_zero_attn=True)
case("both_unbatched", m, {"q": r(3, 4), "mem": r(2, 4), "am": r(3, 2)},
     lambda q, mem, am: m(q, mem, mem, attn_mask=am, average_attn_weights=False))
m = mha(4, 2, add_bias_kv=True, bias=False)
case("bias_kv_nobias", m, {"x": r(3, 2, 4)}, lambda x: m(x, x, x, need_weights=False))

# xavier_normal_ of [1, 1, E]: fan_in = fan_out = E, std = sqrt(2 / (E + E))
print("=== init")
m = nn.MultiheadAttention(512, 8, add_bias_kv=True)
line("std", repr(float(torch.cat([m.bias_k.flatten(), m.bias_v.flatten()]).std())))
