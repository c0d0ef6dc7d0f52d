# Writes expected.txt for MultiheadAttentionWeightsGradTest: gradients that flow through nn.MultiheadAttention's
# attention weights output (need_weights=True), averaged over the heads or per head, alone or together with the
# output, with masks, kdim/vdim, batch_first and unbatched input.
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU, float64)
# Format as mhabias/make_expected.py: "=== key", lines "name dtype [shape] : values"; "p.<key>" the module's state dict
# (parameters drawn here), "out"/"w" the outputs, "gout"/"gw" the upstream gradients (gout absent: the loss is
# sum(w * gw) alone), "grad_<name>" the gradients of sum(out * gout) + sum(w * gw).
# Versions: F.multi_head_attention_forward's need_weights branch (attn_output_weights = softmax(baddbmm(mask, q, k^T)),
# averaged with .mean(dim=1) when average_attn_weights, squeezed for unbatched input) is the same in 1.13 and 2.x
# (torch/nn/functional.py); dropout_p is 0 here. Float masks only for attn_mask and bool for key_padding_mask, which
# both versions merge the same way.
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


def case(key, m, inputs, call, with_out=True):
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
    line("w", fmt(w))
    gw = r(*w.shape)
    loss = (w * gw).sum()
    if with_out:
        gout = r(*out.shape)
        line("gout", fmt(gout))
        loss = loss + (out * gout).sum()
    line("gw", fmt(gw))
    loss.backward()
    for n, t in leaves.items():
        if t.grad is not None:
            line("grad_" + n, fmt(t.grad))
    for k, p in m.named_parameters():
        if p.grad is not None:
            line("grad_p." + k, fmt(p.grad))


m = mha(6, 2)
case("self_avg_weights_only", m, {"x": r(4, 2, 6)}, lambda x: m(x, x, x), with_out=False)
m = mha(6, 3)
case("self_per_head_both", m, {"x": r(4, 2, 6)}, lambda x: m(x, x, x, average_attn_weights=False))
m = mha(6, 2)
kpm = torch.tensor([[False, True, False, False, True], [False, False, False, True, False]])
case("cross_masks_avg_both", m, {"q": r(3, 2, 6), "mem": r(5, 2, 6), "kpm": kpm, "am": r(3, 5)},
     lambda q, mem, kpm, am: m(q, mem, mem, key_padding_mask=kpm, attn_mask=am))
m = mha(6, 2, kdim=4, vdim=3, batch_first=True)
case("kvdim_batchfirst_per_head_weights_only", m, {"q": r(2, 3, 6), "k": r(2, 5, 4), "v": r(2, 5, 3),
                                                    "am": r(2 * 2, 3, 5)},
     lambda q, k, v, am: m(q, k, v, attn_mask=am, average_attn_weights=False), with_out=False)
m = mha(4, 2, bias=False)
case("unbatched_per_head_both", m, {"q": r(3, 4), "mem": r(2, 4)},
     lambda q, mem: m(q, mem, mem, average_attn_weights=False))
m = mha(4, 1)
case("one_head_avg_both", m, {"x": r(5, 1, 4)}, lambda x: m(x, x, x))
