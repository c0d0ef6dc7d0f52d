# Writes expected.txt: loss values and gradients from PyTorch for LossesTest.java.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13; the functions used agree with 2.x, except
# that 2.x rejects nothing more here: label smoothing outside [0, 1] is tested separately, with Ember's stricter rule).
# Each case: "case NAME", "op OP", options, tensors as "name dtype shape : values", then the results
# "loss ...", "grad_input ..." and, when the target takes a gradient, "grad_target ...", "node NAME", "end".
# Values are printed with repr, so they read back exactly.
import torch
import torch.nn.functional as F

torch.manual_seed(0)


def fmt(name, t):
    shape = ",".join(str(s) for s in t.shape)
    dtype = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64"}[t.dtype]
    vals = " ".join(repr(v) for v in t.flatten().tolist())
    return f"{name} {dtype} [{shape}] : {vals}"


def case(name, op, inputs, options, fn, target_grad=False):
    x = inputs["input"].clone().requires_grad_(True)
    t = inputs["target"].clone()
    if target_grad:
        t.requires_grad_(True)
    args = {k: v for k, v in inputs.items() if k not in ("input", "target")}
    out = fn(x, t, **args, **options)
    if out.dim() == 0:
        out.backward()
    else:
        out.backward(torch.ones_like(out))
    print("case", name)
    print("op", op)
    for k, v in options.items():
        print(k, v)
    for k, v in inputs.items():
        print(fmt(k, v))
    print(fmt("loss", out.detach()))
    print(fmt("grad_input", x.grad))
    if target_grad:
        print(fmt("grad_target", t.grad))
    print("node", type(out.grad_fn).__name__)
    print("end")


def r(*shape, dtype=torch.float64):
    return torch.randn(*shape, dtype=dtype)


def ce(x, t, **kw):
    return F.cross_entropy(x, t, **kw)


def nll(x, t, **kw):
    return F.nll_loss(x, t, **kw)


def bce(x, t, **kw):
    return F.binary_cross_entropy(x, t, **kw)


def bcel(x, t, **kw):
    return F.binary_cross_entropy_with_logits(x, t, **kw)


def mse(x, t, **kw):
    return F.mse_loss(x, t, **kw)


idx = lambda *shape, C: torch.randint(0, C, shape)

# cross entropy over class indices, ranks 1, 2, 3 and 4
t2 = torch.tensor([1, 0, 4, -100, 2, 3])
for red in ("mean", "sum", "none"):
    case("ce_2d_" + red, "cross_entropy", {"input": r(6, 5), "target": t2}, {"reduction": red}, ce)
    case("ce_2d_weight_" + red, "cross_entropy", {"input": r(6, 5), "target": t2, "weight": torch.rand(5, dtype=torch.float64)},
         {"reduction": red}, ce)
    case("ce_2d_smooth_" + red, "cross_entropy", {"input": r(6, 5), "target": t2}, {"reduction": red, "label_smoothing": 0.1}, ce)
    case("ce_2d_smooth_weight_" + red, "cross_entropy",
         {"input": r(6, 5), "target": t2, "weight": torch.rand(5, dtype=torch.float64)},
         {"reduction": red, "label_smoothing": 0.25}, ce)
    t4 = idx(2, 3, 4, C=5)
    t4[0, 1, 2] = 3
    t4[1, 0, 0] = 3
    case("ce_4d_ignore3_" + red, "cross_entropy", {"input": r(2, 5, 3, 4), "target": t4, "weight": torch.rand(5, dtype=torch.float64)},
         {"reduction": red, "ignore_index": 3}, ce)
    case("ce_4d_smooth_" + red, "cross_entropy", {"input": r(2, 5, 3, 4), "target": t4},
         {"reduction": red, "ignore_index": 3, "label_smoothing": 0.2}, ce)
    case("ce_3d_" + red, "cross_entropy", {"input": r(3, 4, 5), "target": idx(3, 5, C=4)}, {"reduction": red}, ce)
    case("ce_1d_" + red, "cross_entropy", {"input": r(7), "target": torch.tensor(4)}, {"reduction": red}, ce)
    case("ce_prob_2d_" + red, "cross_entropy", {"input": r(4, 6), "target": torch.rand(4, 6, dtype=torch.float64).softmax(1)},
         {"reduction": red}, ce)
    case("ce_prob_weight_smooth_" + red, "cross_entropy",
         {"input": r(4, 6), "target": torch.rand(4, 6, dtype=torch.float64), "weight": torch.rand(6, dtype=torch.float64)},
         {"reduction": red, "label_smoothing": 0.3}, ce)
    case("ce_prob_4d_" + red, "cross_entropy", {"input": r(2, 3, 2, 2), "target": torch.rand(2, 3, 2, 2, dtype=torch.float64)},
         {"reduction": red}, ce)
case("ce_prob_1d_mean", "cross_entropy", {"input": r(5), "target": torch.rand(5, dtype=torch.float64)}, {"reduction": "mean"}, ce)
case("ce_5d_mean", "cross_entropy", {"input": r(2, 3, 2, 2, 2), "target": idx(2, 2, 2, 2, C=3)}, {"reduction": "mean"}, ce)
case("ce_all_ignored_mean", "cross_entropy", {"input": r(3, 4), "target": torch.tensor([-100, -100, -100])}, {"reduction": "mean"}, ce)
case("ce_all_ignored_sum", "cross_entropy", {"input": r(3, 4), "target": torch.tensor([-100, -100, -100])}, {"reduction": "sum"}, ce)
case("ce_smooth_one_mean", "cross_entropy", {"input": r(3, 4), "target": torch.tensor([0, 3, 1])},
     {"reduction": "mean", "label_smoothing": 1.0}, ce)
case("ce_2d_float32_mean", "cross_entropy", {"input": r(6, 5, dtype=torch.float32), "target": t2}, {"reduction": "mean"}, ce)

# nll_loss on its own
case("nll_2d_weight_ignore_mean", "nll_loss", {"input": r(5, 4).log_softmax(1), "target": torch.tensor([3, 1, 2, 1, 0]),
     "weight": torch.rand(4, dtype=torch.float64)}, {"reduction": "mean", "ignore_index": 1}, nll)
case("nll_4d_none", "nll_loss", {"input": r(2, 3, 2, 3), "target": idx(2, 2, 3, C=3)}, {"reduction": "none"}, nll)
case("nll_3d_none", "nll_loss", {"input": r(2, 3, 4), "target": idx(2, 4, C=3)}, {"reduction": "none"}, nll)
case("nll_1d_sum", "nll_loss", {"input": r(6), "target": torch.tensor(5)}, {"reduction": "sum"}, nll)

# binary cross entropy: inputs at exactly 0 and 1 (logs clamped at -100, finite gradients), weights broadcast
p01 = torch.tensor([[0.0, 1.0, 0.3, 1.0], [0.0, 0.5, 1e-7, 0.999999]], dtype=torch.float64)
q01 = torch.tensor([[1.0, 0.0, 0.7, 1.0], [0.0, 0.25, 1.0, 0.0]], dtype=torch.float64)
for red in ("mean", "sum", "none"):
    case("bce_" + red, "binary_cross_entropy", {"input": torch.rand(3, 4, dtype=torch.float64), "target": torch.rand(3, 4, dtype=torch.float64)},
         {"reduction": red}, bce, target_grad=True)
    case("bce_edges_weight_" + red, "binary_cross_entropy",
         {"input": p01, "target": q01, "weight": torch.rand(4, dtype=torch.float64)}, {"reduction": red}, bce)
    case("bcel_" + red, "binary_cross_entropy_with_logits",
         {"input": r(3, 4) * 5, "target": torch.rand(3, 4, dtype=torch.float64)}, {"reduction": red}, bcel, target_grad=True)
    case("bcel_weights_" + red, "binary_cross_entropy_with_logits",
         {"input": torch.tensor([[-100.0, -20.0, 0.0, 30.0], [1.5, -0.5, 60.0, -3.0]], dtype=torch.float64),
          "target": torch.rand(2, 4, dtype=torch.float64), "weight": torch.rand(2, 1, dtype=torch.float64),
          "pos_weight": torch.rand(4, dtype=torch.float64) * 3}, {"reduction": red}, bcel, target_grad=True)
case("bce_float32_edges_mean", "binary_cross_entropy", {"input": p01.float(), "target": q01.float()}, {"reduction": "mean"}, bce)
case("bcel_float32_mean", "binary_cross_entropy_with_logits",
     {"input": r(2, 3, dtype=torch.float32) * 10, "target": torch.rand(2, 3)}, {"reduction": "mean"}, bcel)

# mean squared error broadcasts shapes that differ (PyTorch warns)
case("mse_broadcast_mean", "mse_loss", {"input": r(3, 4), "target": r(4)}, {"reduction": "mean"}, mse)
