# Writes expected.txt for LossSweepTest.java: values, gradients, grad_fn names and error messages of the losses
# Ember has (cross_entropy, nll_loss, binary_cross_entropy(_with_logits), mse/l1/smooth_l1/huber, kl_div,
# cosine_embedding, margin_ranking) from PyTorch.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU).
# Where 1.13 differs from 2.x the 2.x answer is written instead (see NODE_2X: kl_div is composite in 2.x).
# Format per case: "case NAME", "op OP", "opt KEY VALUE"..., "grads NAME..." (tensors that require grad),
# tensors "name dtype [shape] : values" (repr, exact), then either "loss ...", "grad_NAME ...", "node NAME"
# or "error KIND MESSAGE"; "end".
import torch
import torch.nn.functional as F

torch.manual_seed(1234)
DT = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64"}


def fmt(name, t):
    shape = ",".join(str(s) for s in t.shape)
    vals = " ".join(repr(v) for v in t.flatten().tolist())
    return f"{name} {DT[t.dtype]} [{shape}] : {vals}"


def call(op, T, o):
    g = T.get
    red = o.get("reduction", "mean")
    if op == "cross_entropy":
        return F.cross_entropy(g("input"), g("target"), weight=g("weight"), reduction=red,
                               ignore_index=o.get("ignore_index", -100), label_smoothing=o.get("label_smoothing", 0.0))
    if op == "nll_loss":
        return F.nll_loss(g("input"), g("target"), weight=g("weight"), reduction=red, ignore_index=o.get("ignore_index", -100))
    if op == "bce":
        return F.binary_cross_entropy(g("input"), g("target"), weight=g("weight"), reduction=red)
    if op == "bcel":
        return F.binary_cross_entropy_with_logits(g("input"), g("target"), weight=g("weight"), pos_weight=g("pos_weight"),
                                                  reduction=red)
    if op == "mse":
        return F.mse_loss(g("input"), g("target"), reduction=red)
    if op == "l1":
        return F.l1_loss(g("input"), g("target"), reduction=red)
    if op == "smooth_l1":
        return F.smooth_l1_loss(g("input"), g("target"), reduction=red, beta=o.get("beta", 1.0))
    if op == "huber":
        return F.huber_loss(g("input"), g("target"), reduction=red, delta=o.get("delta", 1.0))
    if op == "kl_div":
        return F.kl_div(g("input"), g("target"), reduction=red, log_target=o.get("log_target", False))
    if op == "cosine_embedding":
        return F.cosine_embedding_loss(g("input"), g("input2"), g("target"), margin=o.get("margin", 0.0), reduction=red)
    if op == "margin_ranking":
        return F.margin_ranking_loss(g("input"), g("input2"), g("target"), margin=o.get("margin", 0.0), reduction=red)
    raise ValueError(op)


# PyTorch 2.x composes kl_div (xlogy/exp, mul, sub, then the reduction; batchmean divides by a Python int -> DivBackward0)
def node_2x(op, o, node, out_dim_input):
    if op == "smooth_l1" and o.get("beta") == 0.0:  # 2.x: beta 0 is l1_loss, composed (abs, then the reduction)
        return {"none": "AbsBackward0", "sum": "SumBackward0", "mean": "MeanBackward0"}[o.get("reduction", "mean")]
    if op == "kl_div":
        if o.get("reduction") == "batchmean" and out_dim_input == 0:
            return "SumBackward0"
        red = o.get("reduction", "mean")
        return {"none": "SubBackward0" if not o.get("log_target") else "MulBackward0", "sum": "SumBackward0",
                "mean": "MeanBackward0", "batchmean": "DivBackward0"}[red]
    return node


names = set()


def case(name, op, T, o, grads=("input",), error_2x=None):
    assert name not in names, name
    names.add(name)
    T = {k: v for k, v in T.items() if v is not None}
    leaves = {k: (v.clone().requires_grad_(True) if k in grads else v.clone()) for k, v in T.items()}
    lines = ["case " + name, "op " + op]
    for k, v in o.items():
        lines.append(f"opt {k} {v}")
    lines.append("grads " + " ".join(grads))
    for k, v in T.items():
        lines.append(fmt(k, v))
    if error_2x is not None:  # 1.13 answers otherwise; the 2.x source's message
        lines.append("error " + error_2x)
        lines.append("end")
        print("\n".join(lines))
        return
    try:
        out = call(op, leaves, o)
    except Exception as e:
        lines.append(f"error {type(e).__name__} {str(e).splitlines()[0] if str(e) else ''}")
        lines.append("end")
        print("\n".join(lines))
        return
    if out.dim() == 0:
        out.backward()
    else:
        out.backward(torch.ones_like(out))
    lines.append(fmt("loss", out.detach()))
    for k in grads:
        gr = leaves[k].grad
        if gr is None:
            gr = torch.zeros_like(leaves[k])
        lines.append(fmt("grad_" + k, gr))
    lines.append("node " + node_2x(op, o, type(out.grad_fn).__name__, T["input"].dim()))
    lines.append("end")
    print("\n".join(lines))


def r(*s, dt=torch.float64):
    return torch.randn(s, dtype=torch.float64).to(dt)


def u(*s, dt=torch.float64, lo=0.0, hi=1.0):
    return (torch.rand(*s, dtype=torch.float64) * (hi - lo) + lo).to(dt)


def idx(*s, C):
    return torch.randint(0, C, s)


REDS = ("none", "mean", "sum")
DTS = (torch.float32, torch.float64)


def dn(dt):
    return "f32" if dt == torch.float32 else "f64"


# ---------------------------------------------------------------- cross entropy / nll with class indices
for dt in DTS:
    for red in REDS:
        s = f"{dn(dt)}_{red}"
        t2 = torch.tensor([1, 0, 4, -100, 2, 3])
        case("ce_2d_" + s, "cross_entropy", {"input": r(6, 5, dt=dt), "target": t2}, {"reduction": red})
        case("ce_2d_w_" + s, "cross_entropy", {"input": r(6, 5, dt=dt), "target": t2, "weight": u(5, dt=dt)}, {"reduction": red})
        case("ce_2d_ignore2_" + s, "cross_entropy", {"input": r(6, 5, dt=dt), "target": torch.tensor([2, 0, 4, 2, 1, 3]),
                                                       "weight": u(5, dt=dt)}, {"reduction": red, "ignore_index": 2})
        case("ce_2d_ls_" + s, "cross_entropy", {"input": r(6, 5, dt=dt), "target": t2}, {"reduction": red, "label_smoothing": 0.2})
        case("ce_2d_ls_w_" + s, "cross_entropy", {"input": r(6, 5, dt=dt), "target": t2, "weight": u(5, dt=dt)},
             {"reduction": red, "label_smoothing": 0.3})
        case("ce_2d_ls1_" + s, "cross_entropy", {"input": r(4, 3, dt=dt), "target": torch.tensor([0, 2, 1, 1])},
             {"reduction": red, "label_smoothing": 1.0})
        case("ce_allignored_" + s, "cross_entropy", {"input": r(3, 4, dt=dt), "target": torch.tensor([-100, -100, -100])},
             {"reduction": red})
        case("ce_allignored_ls_" + s, "cross_entropy", {"input": r(3, 4, dt=dt), "target": torch.tensor([-100, -100, -100])},
             {"reduction": red, "label_smoothing": 0.1})
        case("ce_allignored_w_" + s, "cross_entropy", {"input": r(3, 4, dt=dt), "target": torch.tensor([1, 1, 1]),
                                                         "weight": u(4, dt=dt)}, {"reduction": red, "ignore_index": 1})
        case("ce_1d_" + s, "cross_entropy", {"input": r(5, dt=dt), "target": torch.tensor(3)}, {"reduction": red})
        case("ce_1d_w_ls_" + s, "cross_entropy", {"input": r(5, dt=dt), "target": torch.tensor(1), "weight": u(5, dt=dt)},
             {"reduction": red, "label_smoothing": 0.15})
        case("ce_1d_ignored_" + s, "cross_entropy", {"input": r(5, dt=dt), "target": torch.tensor(-100)}, {"reduction": red})
        t3 = idx(2, 3, C=4)
        t3[1, 1] = -100
        case("ce_3d_" + s, "cross_entropy", {"input": r(2, 4, 3, dt=dt), "target": t3, "weight": u(4, dt=dt)}, {"reduction": red})
        case("ce_3d_ls_" + s, "cross_entropy", {"input": r(2, 4, 3, dt=dt), "target": t3}, {"reduction": red, "label_smoothing": 0.1})
        t4 = idx(2, 3, 2, C=3)
        t4[0, 1, 0] = 7
        case("ce_4d_ign7_" + s, "cross_entropy", {"input": r(2, 3, 3, 2, dt=dt), "target": t4, "weight": u(3, dt=dt)},
             {"reduction": red, "ignore_index": 7})
        case("ce_4d_ls_w_" + s, "cross_entropy", {"input": r(2, 3, 3, 2, dt=dt), "target": idx(2, 3, 2, C=3), "weight": u(3, dt=dt)},
             {"reduction": red, "label_smoothing": 0.4})
        case("ce_5d_" + s, "cross_entropy", {"input": r(2, 3, 2, 2, 2, dt=dt), "target": idx(2, 2, 2, 2, C=3)}, {"reduction": red})
        # class probabilities
        p = torch.softmax(r(4, 5), 1).to(dt)
        case("ce_prob_" + s, "cross_entropy", {"input": r(4, 5, dt=dt), "target": p}, {"reduction": red}, grads=("input", "target"))
        case("ce_prob_w_ls_" + s, "cross_entropy", {"input": r(4, 5, dt=dt), "target": p, "weight": u(5, dt=dt)},
             {"reduction": red, "label_smoothing": 0.25}, grads=("input", "target"))
        case("ce_prob_4d_" + s, "cross_entropy", {"input": r(2, 3, 2, 2, dt=dt), "target": torch.softmax(r(2, 3, 2, 2), 1).to(dt)},
             {"reduction": red})
        case("ce_prob_1d_" + s, "cross_entropy", {"input": r(4, dt=dt), "target": torch.softmax(r(4), 0).to(dt)},
             {"reduction": red}, grads=("input", "target"))
        # nll
        case("nll_2d_w_" + s, "nll_loss", {"input": r(6, 5, dt=dt), "target": t2, "weight": u(5, dt=dt)}, {"reduction": red})
        case("nll_1d_" + s, "nll_loss", {"input": r(5, dt=dt), "target": torch.tensor(2)}, {"reduction": red})
        case("nll_3d_ign_" + s, "nll_loss", {"input": r(2, 4, 3, dt=dt), "target": t3}, {"reduction": red, "ignore_index": -100})
        case("nll_4d_w_" + s, "nll_loss", {"input": r(2, 3, 3, 2, dt=dt), "target": t4, "weight": u(3, dt=dt)},
             {"reduction": red, "ignore_index": 7})
        case("nll_allignored_" + s, "nll_loss", {"input": r(2, 3, dt=dt), "target": torch.tensor([-100, -100])}, {"reduction": red})

# empty batch
for red in REDS:
    case("ce_empty_" + red, "cross_entropy", {"input": r(0, 3), "target": torch.zeros(0, dtype=torch.int64)}, {"reduction": red})
    case("ce_prob_empty_" + red, "cross_entropy", {"input": r(0, 3), "target": r(0, 3)}, {"reduction": red})

# cross entropy / nll errors
case("ce_err_oob", "cross_entropy", {"input": r(3, 4), "target": torch.tensor([1, 5, 2])}, {})
case("ce_err_oob_neg", "cross_entropy", {"input": r(3, 4), "target": torch.tensor([1, -1, 2])}, {})
case("ce_err_oob_4d", "cross_entropy", {"input": r(1, 3, 2, 2), "target": torch.tensor([[[0, 1], [3, 1]]])}, {})
case("ce_err_oob_ign", "cross_entropy", {"input": r(3, 4), "target": torch.tensor([1, -100, 2])}, {"ignore_index": 4})
case("ce_err_batch", "cross_entropy", {"input": r(3, 4), "target": torch.tensor([1, 0])}, {})
case("ce_err_4d_target_shape", "cross_entropy", {"input": r(2, 3, 2, 2), "target": torch.zeros(2, 2, 3, dtype=torch.int64)}, {})
case("ce_err_3d_target_shape", "cross_entropy", {"input": r(2, 3, 4), "target": torch.zeros(2, 5, dtype=torch.int64)}, {})
case("ce_err_weight_size", "cross_entropy", {"input": r(3, 4), "target": torch.tensor([1, 0, 2]), "weight": u(3)}, {})
case("ce_err_prob_ignore", "cross_entropy", {"input": r(3, 4), "target": torch.softmax(r(3, 4), 1)}, {"ignore_index": 1})
case("ce_err_prob_weight_size", "cross_entropy", {"input": r(3, 4), "target": torch.softmax(r(3, 4), 1), "weight": u(3)}, {})
# (label_smoothing < 0 is accepted as 0 by PyTorch, 1.13 and 2.x; Ember rejects it on purpose, see LossesTest: not swept)
case("ce_err_ls_big", "cross_entropy", {"input": r(3, 4), "target": torch.tensor([1, 0, 2])}, {"label_smoothing": 1.5})
case("ce_err_reduction", "cross_entropy", {"input": r(3, 4), "target": torch.tensor([1, 0, 2])}, {"reduction": "avg"})
case("nll_err_oob", "nll_loss", {"input": r(3, 4), "target": torch.tensor([4, 0, 2])}, {})
case("nll_err_oob_sum_w", "nll_loss", {"input": r(3, 4), "target": torch.tensor([0, 0, 9]), "weight": u(4)}, {"reduction": "sum"})
case("nll_err_oob_none", "nll_loss", {"input": r(3, 4), "target": torch.tensor([0, -3, 1])}, {"reduction": "none"})
case("nll_err_1d_oob", "nll_loss", {"input": r(4), "target": torch.tensor(4)}, {})
case("nll_err_batch", "nll_loss", {"input": r(3, 4), "target": torch.tensor([1, 0, 2, 1])}, {})
case("nll_err_target_2d", "nll_loss", {"input": r(3, 4), "target": torch.zeros(3, 1, dtype=torch.int64)}, {})
case("nll_err_target_float", "nll_loss", {"input": r(3, 4), "target": torch.zeros(3)}, {})
case("nll_err_weight_size", "nll_loss", {"input": r(3, 4), "target": torch.tensor([1, 0, 2]), "weight": u(5)}, {})
case("nll_err_0d_input", "nll_loss", {"input": r(), "target": torch.tensor(0)}, {})

# ---------------------------------------------------------------- binary cross entropy
for dt in DTS:
    for red in REDS:
        s = f"{dn(dt)}_{red}"
        case("bce_" + s, "bce", {"input": u(3, 4, dt=dt, lo=0.02, hi=0.98), "target": u(3, 4, dt=dt)}, {"reduction": red},
             grads=("input", "target"))
        case("bce_w_" + s, "bce", {"input": u(3, 4, dt=dt, lo=0.02, hi=0.98), "target": u(3, 4, dt=dt), "weight": u(3, 4, dt=dt)},
             {"reduction": red}, grads=("input", "target"))
        case("bce_wbcast_" + s, "bce", {"input": u(3, 4, dt=dt, lo=0.02, hi=0.98), "target": u(3, 4, dt=dt), "weight": u(4, dt=dt)},
             {"reduction": red})
        case("bce_edge_" + s, "bce", {"input": torch.tensor([0.0, 1.0, 0.0, 1.0, 0.5, 1e-30], dtype=dt),
                                      "target": torch.tensor([1.0, 0.0, 0.0, 1.0, 0.5, 0.0], dtype=dt)}, {"reduction": red})
        case("bce_0d_" + s, "bce", {"input": torch.tensor(0.3, dtype=dt), "target": torch.tensor(0.8, dtype=dt)}, {"reduction": red},
             grads=("input", "target"))
        case("bcel_" + s, "bcel", {"input": r(3, 4, dt=dt) * 3, "target": u(3, 4, dt=dt)}, {"reduction": red}, grads=("input", "target"))
        case("bcel_w_pw_" + s, "bcel", {"input": r(3, 4, dt=dt) * 3, "target": u(3, 4, dt=dt), "weight": u(3, 1, dt=dt),
                                         "pos_weight": u(4, dt=dt, lo=0.5, hi=3)}, {"reduction": red}, grads=("input", "target"))
        case("bcel_pw_bcast_" + s, "bcel", {"input": r(2, 3, 4, dt=dt), "target": u(2, 3, 4, dt=dt),
                                             "pos_weight": u(3, 1, dt=dt, lo=0.5, hi=3)}, {"reduction": red})
        case("bcel_large_" + s, "bcel", {"input": torch.tensor([100.0, -100.0, 800.0, -800.0, 0.0], dtype=dt),
                                         "target": torch.tensor([0.0, 1.0, 1.0, 0.0, 0.5], dtype=dt),
                                         "pos_weight": torch.tensor([2.0], dtype=dt)}, {"reduction": red})
# bce errors
case("bce_err_out_of_range", "bce", {"input": torch.tensor([0.5, 1.5]), "target": torch.tensor([0.0, 1.0])}, {})
case("bce_err_negative", "bce", {"input": torch.tensor([-0.1, 0.5]), "target": torch.tensor([0.0, 1.0])}, {})
# 2.x's kernel checks the target too (aten/src/ATen/native/Loss.cpp binary_cross_entropy_out_cpu); 1.13 does not
case("bce_err_target_above_1", "bce", {"input": torch.tensor([0.5, 0.5]), "target": torch.tensor([1.5, 0.0])}, {},
     error_2x="RuntimeError all elements of target should be between 0 and 1")
case("bce_err_target_negative", "bce", {"input": torch.tensor([0.5, 0.5]), "target": torch.tensor([-0.5, 0.0])}, {},
     error_2x="RuntimeError all elements of target should be between 0 and 1")
case("bce_err_size", "bce", {"input": u(3, 4), "target": u(4)}, {})
case("bce_err_weight_shape", "bce", {"input": u(3, 4), "target": u(3, 4), "weight": u(3)}, {})
case("bcel_err_size", "bcel", {"input": r(3, 4), "target": u(3, 1)}, {})
case("bcel_err_pw_shape", "bcel", {"input": r(3, 4), "target": u(3, 4), "pos_weight": u(3)}, {})

# ---------------------------------------------------------------- regression losses
for dt in DTS:
    for red in REDS:
        s = f"{dn(dt)}_{red}"
        for op in ("mse", "l1"):
            case(f"{op}_" + s, op, {"input": r(3, 4, dt=dt), "target": r(3, 4, dt=dt)}, {"reduction": red}, grads=("input", "target"))
            case(f"{op}_bcast_" + s, op, {"input": r(3, 4, dt=dt), "target": r(4, dt=dt)}, {"reduction": red},
                 grads=("input", "target"))
            case(f"{op}_bcast_in_" + s, op, {"input": r(3, 1, dt=dt), "target": r(3, 4, dt=dt)}, {"reduction": red},
                 grads=("input", "target"))
        x = r(3, 4, dt=dt)
        y = x.clone()
        y[0, 0] = x[0, 0] + 0.5
        for beta in (1.0, 0.5, 0.0, 2.0):
            case(f"smooth_l1_b{beta}_" + s, "smooth_l1", {"input": r(3, 4, dt=dt) * 2, "target": r(3, 4, dt=dt)},
                 {"reduction": red, "beta": beta}, grads=("input", "target"))
        case("smooth_l1_tie_" + s, "smooth_l1", {"input": x, "target": y}, {"reduction": red, "beta": 0.5},
             grads=("input", "target"))
        case("smooth_l1_bcast_" + s, "smooth_l1", {"input": r(3, 4, dt=dt) * 2, "target": r(1, 4, dt=dt)},
             {"reduction": red, "beta": 1.0}, grads=("input", "target"))
        for delta in (1.0, 0.3, 2.5):
            case(f"huber_d{delta}_" + s, "huber", {"input": r(3, 4, dt=dt) * 2, "target": r(3, 4, dt=dt)},
                 {"reduction": red, "delta": delta}, grads=("input", "target"))
        case("huber_bcast_" + s, "huber", {"input": r(4, dt=dt) * 2, "target": r(2, 4, dt=dt)},
             {"reduction": red, "delta": 1.0}, grads=("input", "target"))
        case("mse_0d_" + s, "mse", {"input": torch.tensor(1.5, dtype=dt), "target": torch.tensor(-0.25, dtype=dt)},
             {"reduction": red}, grads=("input", "target"))
case("smooth_l1_err_beta_neg", "smooth_l1", {"input": r(3), "target": r(3)}, {"beta": -1.0})
case("huber_err_delta_zero", "huber", {"input": r(3), "target": r(3)}, {"delta": 0.0})
case("huber_err_delta_neg", "huber", {"input": r(3), "target": r(3)}, {"delta": -1.0})
case("mse_err_bcast", "mse", {"input": r(3, 4), "target": r(3)}, {})
case("l1_err_bcast", "l1", {"input": r(3, 4), "target": r(2, 4)}, {})
case("mse_err_reduction", "mse", {"input": r(3), "target": r(3)}, {"reduction": "avg"})
# PyTorch (1.13 and 2.x) still maps the deprecated "elementwise_mean" to "mean", with a warning
case("l1_elementwise_mean", "l1", {"input": r(3), "target": r(3)}, {"reduction": "elementwise_mean"})

# ---------------------------------------------------------------- kl_div
for dt in DTS:
    for red in REDS + ("batchmean",):
        s = f"{dn(dt)}_{red}"
        lp = torch.log_softmax(r(3, 5), 1).to(dt)
        q = torch.softmax(r(3, 5), 1).to(dt)
        case("kl_" + s, "kl_div", {"input": lp, "target": q}, {"reduction": red}, grads=("input", "target"))
        case("kl_logt_" + s, "kl_div", {"input": lp, "target": torch.log(q)}, {"reduction": red, "log_target": True},
             grads=("input", "target"))
        q0 = q.clone()
        q0[0, 1] = 0.0
        case("kl_zero_target_" + s, "kl_div", {"input": lp, "target": q0}, {"reduction": red})
        case("kl_3d_" + s, "kl_div", {"input": torch.log_softmax(r(2, 3, 4), 1).to(dt), "target": torch.softmax(r(2, 3, 4), 1).to(dt)},
             {"reduction": red}, grads=("input", "target"))
    case("kl_0d_batchmean_" + dn(dt), "kl_div", {"input": torch.tensor(-0.5, dtype=dt), "target": torch.tensor(0.3, dtype=dt)},
         {"reduction": "batchmean"}, grads=("input", "target"))

# ---------------------------------------------------------------- cosine embedding / margin ranking
for dt in DTS:
    for red in REDS:
        s = f"{dn(dt)}_{red}"
        case("cos_" + s, "cosine_embedding", {"input": r(5, 4, dt=dt), "input2": r(5, 4, dt=dt),
                                              "target": torch.tensor([1, -1, 1, -1, -1])}, {"reduction": red},
             grads=("input", "input2"))
        case("cos_margin_" + s, "cosine_embedding", {"input": r(5, 4, dt=dt), "input2": r(5, 4, dt=dt),
                                                     "target": torch.tensor([1.0, -1.0, 1.0, -1.0, -1.0], dtype=dt)},
             {"reduction": red, "margin": -0.3}, grads=("input", "input2"))
        case("cos_1d_" + s, "cosine_embedding", {"input": r(4, dt=dt), "input2": r(4, dt=dt), "target": torch.tensor(-1)},
             {"reduction": red, "margin": 0.1}, grads=("input", "input2"))
        case("cos_zero_" + s, "cosine_embedding", {"input": torch.zeros(2, 3, dtype=dt), "input2": r(2, 3, dt=dt),
                                                   "target": torch.tensor([1, -1])}, {"reduction": red},
             grads=("input", "input2"))
        case("mr_" + s, "margin_ranking", {"input": r(6, dt=dt), "input2": r(6, dt=dt),
                                           "target": torch.tensor([1.0, -1.0, 1.0, 1.0, -1.0, -1.0], dtype=dt)},
             {"reduction": red, "margin": 0.2}, grads=("input", "input2", "target"))
        case("mr_bcast_" + s, "margin_ranking", {"input": r(3, 1, dt=dt), "input2": r(1, 4, dt=dt),
                                                 "target": torch.sign(r(3, 4)).to(dt)},
             {"reduction": red, "margin": 0.0}, grads=("input", "input2"))
case("cos_err_target_2d", "cosine_embedding", {"input": r(2, 3), "input2": r(2, 3), "target": torch.ones(2, 1)}, {})
case("cos_err_input_1d", "cosine_embedding", {"input": r(3), "input2": r(3), "target": torch.ones(3)}, {})
case("cos_err_0d_target", "cosine_embedding", {"input": r(2, 3), "input2": r(2, 3), "target": torch.tensor(1.0)}, {})
case("mr_err_dims", "margin_ranking", {"input": r(3), "input2": r(3, 1), "target": torch.ones(3)}, {})
case("kl_err_int", "kl_div", {"input": torch.zeros(3, dtype=torch.int64), "target": r(3)}, {}, grads=())
case("kl_err_reduction", "kl_div", {"input": r(3), "target": u(3)}, {"reduction": "avg"})
