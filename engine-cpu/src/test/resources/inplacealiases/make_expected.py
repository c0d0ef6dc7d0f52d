# Writes expected.txt for InplaceAliasesTest.java: PyTorch's in-place variants (acos_ ... heaviside_, the in-place view
# ops t_/transpose_/squeeze_/unsqueeze_, fill_diagonal_) and their alias names (arccos_, greater_, divide_, ...).
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU; 2.x notes below)
#
# Each case: "=== <call> <mode>", where <call> names the Ember call (InplaceAliasesTest maps it) and <mode> is
#   contig   self = x.clone() of a float64 leaf x (requires grad)
#   strided  self = x.transpose(-1, -2).clone() of a float32 leaf (clone keeps the transposed strides: not contiguous)
#   view     self = b[..., 1:] a view of b = x.clone() (float64); out/fn/grad are b's (CopySlices), or self's for the
#            in-place view ops
#   int64    self an int64 tensor (operands int64 where the op takes tensors), no autograd
#   leaf     self = x, the float64 leaf itself
#   bcast    self of shape [4] with a [3, 4] operand
# then
#   in<i> <dtype> [shape] : values     x (in0) and the tensor operands (floating ones require grad)
#   out <dtype> [shape] : values       self (or b) after the call
#   stride [..]                        self's strides after an in-place view op
#   fn <name>                          its grad_fn ("None" without one)
#   grad<i> <dtype> [shape] : values   d sum(out * w) / d in<i>, w[k] = 1 + 0.5 * ((3k) mod 11) ("none": no gradient)
#   backerror <Type> <message>       the backward's error instead of gradients (acosh_, asinh_, atanh_, floor_divide_)
#   bumped <0|1>                       whether self's version counter changed
# or "error <Type> <message>" (self and every input unchanged, version unchanged).
# 2.x notes: node names follow PyTorch 2.x: squeeze_() is SqueezeBackward3 and squeeze_(dim) SqueezeBackward4 in 2.x
# (2.x added squeeze.dims as SqueezeBackward2; 1.13 names them SqueezeBackward2 and SqueezeBackward3);
# "torch::autograd::CopySlices" and "torch::autograd::NotImplemented" are written CopySlices and NotImplemented
# (floor_divide_ and heaviside_ record the latter; their backward fails). addbmm_ with a broadcastable smaller self resizes self in 1.13
# (a bug: every other in-place op refuses); it is left out.
import torch

D = torch.float64
F = torch.float32
L = torch.int64


def seq(shape, shift=0):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([float((7 * k + shift) % 19) for k in range(n)], dtype=D).reshape(shape)


def domain(name, shape, shift=0):
    s = seq(shape, shift)  # 0 .. 18
    if name == "any":
        return (s - 9) * 0.25          # multiples of 0.25 in [-2.25, 2.25] (halves for round)
    if name == "unit":
        return (s - 9) * 0.09          # (-0.81, 0.81)
    if name == "pos":
        return 0.2 + s * 0.15          # [0.2, 2.9]
    if name == "ge1":
        return 1.1 + s * 0.15          # [1.1, 3.8]
    if name == "prob":
        return 0.05 + s * 0.05         # [0.05, 0.95]
    if name == "nz":
        return torch.where(s >= 9, s - 8, s - 10) * 0.5   # no zero
    if name == "int":
        return s - 9                   # integers [-9, 9]
    if name == "nzint":
        return torch.where(s >= 9, s - 8, s - 10)
    if name == "small":
        return torch.floor(s / 6)      # 0..3 (shift counts)
    if name == "nan":
        v = (s - 9) * 0.25
        v = v.reshape(-1)
        v[0] = float("nan")
        v[1] = float("inf")
        v[min(2, v.numel() - 1)] = float("-inf")
        return v.reshape(shape).clone()  # not a view (a leaf made of a view is a view of a leaf)
    raise ValueError(name)


def fmt_tensor(t):
    t = t.detach()
    if t._is_zerotensor():  # the zero gradient PyTorch does not allocate (ceil_, floor_, ...)
        t = torch.zeros(t.shape, dtype=t.dtype)
    dt = str(t.dtype).replace("torch.", "")
    vals = t.reshape(-1).tolist()
    if t.dtype == torch.bool:
        vals = [1 if v else 0 for v in vals]
    return "%s [%s] : %s" % (dt, ", ".join(str(s) for s in t.shape), repr(vals))


def weights(shape):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(n)], dtype=D).reshape(shape)


def node_name(fn):
    if fn is None:
        return "None"
    n = fn.name()
    return {"torch::autograd::CopySlices": "CopySlices", "torch::autograd::NotImplemented": "NotImplemented",
            "SqueezeBackward2": "SqueezeBackward3",
            "SqueezeBackward3": "SqueezeBackward4"}.get(n, n)


OPS = []


def op(call, fn, dom="any", shape=(3, 4), others=(), int64=True, view=True, viewop=False, grad=True, f32=True,
       odtype=None, leaf=True, bcast=False, f64=True):
    """others: list of (domain, shape); odtype: a fixed dtype for the operands (ldexp_'s int64 exponent)."""
    OPS.append(dict(call=call, fn=fn, dom=dom, shape=tuple(shape), others=list(others), int64=int64, view=view,
                    viewop=viewop, grad=grad, f32=f32, odtype=odtype, leaf=leaf, bcast=bcast, f64=f64))


R = (4,)  # the operands broadcast along the rows
# unary
for call, dom in [("acos_", "unit"), ("acosh_", "ge1"), ("asin_", "unit"), ("asinh_", "any"), ("atan_", "any"),
                  ("atanh_", "unit"), ("ceil_", "any"), ("floor_", "any"), ("round_", "any"), ("trunc_", "any"),
                  ("frac_", "any"), ("fix_", "any"), ("cos_", "any"), ("cosh_", "any"), ("sin_", "any"),
                  ("sinh_", "any"), ("tan_", "unit"), ("sinc_", "any"), ("erf_", "any"), ("erfc_", "any"),
                  ("erfinv_", "unit"), ("exp2_", "any"), ("expm1_", "any"), ("log10_", "pos"), ("log1p_", "pos"),
                  ("log2_", "pos"), ("logit_", "prob"), ("lgamma_", "pos"), ("digamma_", "pos"), ("i0_", "any"),
                  ("reciprocal_", "pos"), ("rsqrt_", "pos"), ("sign_", "any"), ("sgn_", "any"),
                  ("nan_to_num_", "nan"), ("negative_", "any"), ("absolute_", "nz"), ("arccos_", "unit"),
                  ("arcsin_", "unit"), ("arctan_", "any"), ("arccosh_", "ge1"), ("arcsinh_", "any"),
                  ("arctanh_", "unit")]:
    op(call, (lambda c: lambda s, o: getattr(s, c)())(call), dom)
op("logit_(0.1)", lambda s, o: s.logit_(0.1), "prob")
op("nan_to_num_(1,2,-3)", lambda s, o: s.nan_to_num_(1.0, 2.0, -3.0), "nan")
op("nan_to_num_(0,None,None)", lambda s, o: s.nan_to_num_(0.0, None, None), "nan", f32=False)
op("polygamma_(1)", lambda s, o: s.polygamma_(1), "pos")
op("polygamma_(2)", lambda s, o: s.polygamma_(2), "pos", int64=False)
op("mvlgamma_(2)", lambda s, o: s.mvlgamma_(2), "ge1", int64=False)  # 1.13's int64 message is "step must be nonzero"
# binary and scalar operands
op("atan2_(t)", lambda s, o: s.atan2_(o[0]), "any", others=[("nz", R)], bcast=True)
op("arctan2_(t)", lambda s, o: s.arctan2_(o[0]), "any", others=[("nz", R)])
op("pow_(2)", lambda s, o: s.pow_(2), "any")
op("pow_(2.5)", lambda s, o: s.pow_(2.5), "pos", int64=False)  # 1.13's int64 message is "Found dtype Long but expected Float"
op("pow_(t)", lambda s, o: s.pow_(o[0]), "pos", others=[("small", R)], bcast=True)
op("remainder_(t)", lambda s, o: s.remainder_(o[0]), "any", others=[("nz", R)], bcast=True)
op("remainder_(1.5)", lambda s, o: s.remainder_(1.5), "any", int64=False)
op("remainder_(3)", lambda s, o: s.remainder_(3), "int", f32=False, f64=False)
op("fmod_(t)", lambda s, o: s.fmod_(o[0]), "any", others=[("nz", R)])
op("fmod_(1.5)", lambda s, o: s.fmod_(1.5), "any", int64=False)
op("fmod_(3)", lambda s, o: s.fmod_(3), "int", f32=False, f64=False)
op("lerp_(t,0.3)", lambda s, o: s.lerp_(o[0], 0.3), "any", others=[("any", R)], bcast=True)
op("lerp_(t,t)", lambda s, o: s.lerp_(o[0], o[1]), "any", others=[("any", R), ("prob", (3, 4))])
op("hypot_(t)", lambda s, o: s.hypot_(o[0]), "nz", others=[("nz", R)], bcast=True)
op("copysign_(t)", lambda s, o: s.copysign_(o[0]), "nz", others=[("nz", R)])
op("copysign_(-1.0)", lambda s, o: s.copysign_(-1.0), "nz")
op("xlogy_(t)", lambda s, o: s.xlogy_(o[0]), "any", others=[("pos", R)], bcast=True)
op("xlogy_(2.0)", lambda s, o: s.xlogy_(2.0), "any")
op("ldexp_(t)", lambda s, o: s.ldexp_(o[0]), "any", others=[("int", R)], odtype=L, grad=False)
op("float_power_(t)", lambda s, o: s.float_power_(o[0]), "pos", others=[("any", R)], f32=True)
op("float_power_(2.0)", lambda s, o: s.float_power_(2.0), "any")
op("divide_(t)", lambda s, o: s.divide_(o[0]), "any", others=[("nz", R)], bcast=True)
op("divide_(t,floor)", lambda s, o: s.divide_(o[0], rounding_mode="floor"), "any", others=[("nz", R)])
op("divide_(t,trunc)", lambda s, o: s.divide_(o[0], rounding_mode="trunc"), "any", others=[("nz", R)])
op("divide_(2.0,floor)", lambda s, o: s.divide_(2.0, rounding_mode="floor"), "any")
op("div_(t,floor)", lambda s, o: s.div_(o[0], rounding_mode="floor"), "any", others=[("nz", R)])
op("multiply_(t)", lambda s, o: s.multiply_(o[0]), "any", others=[("any", R)], bcast=True)
op("subtract_(t,2)", lambda s, o: s.subtract_(o[0], alpha=2), "any", others=[("any", R)])
op("true_divide_(t)", lambda s, o: s.true_divide_(o[0]), "any", others=[("nz", R)])
op("floor_divide_(t)", lambda s, o: s.floor_divide_(o[0]), "any", others=[("nz", R)])
op("floor_divide_(2)", lambda s, o: s.floor_divide_(2), "int", f32=False, f64=False)
op("heaviside_(t)", lambda s, o: s.heaviside_(o[0]), "any", others=[("any", R)])
# empty tensors
op("cos_ empty", lambda s, o: s.cos_(), "any", shape=(0, 4), int64=False, view=False)
op("atan2_(t) empty", lambda s, o: s.atan2_(o[0]), "any", shape=(0, 4), others=[("nz", R)], int64=False, view=False)
op("eq_(t) empty", lambda s, o: s.eq_(o[0]), "any", shape=(0, 4), others=[("any", R)], view=False)
op("cumsum_(1) empty", lambda s, o: s.cumsum_(1), "any", shape=(0, 4), view=False)
op("t_ empty", lambda s, o: s.t_(), "any", shape=(0, 4), viewop=True, view=False)
op("fill_diagonal_(2.5) empty", lambda s, o: s.fill_diagonal_(2.5), "any", shape=(0, 4), view=False)
op("clip_(-1,1)", lambda s, o: s.clip_(-1.0, 1.0), "any", int64=False)
# comparisons (bool results written as 0/1)
for c in ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal"]:
    op(c + "_(t)", (lambda c: lambda s, o: getattr(s, c + "_")(o[0]))(c), "any", others=[("any", R)],
       bcast=c in ("eq", "lt"))
    op(c + "_(0.5)", (lambda c: lambda s, o: getattr(s, c + "_")(0.5))(c), "any")
# not differentiable: logical and bitwise
op("logical_and_(t)", lambda s, o: s.logical_and_(o[0]), "int", others=[("int", R)], bcast=True)
op("logical_or_(t)", lambda s, o: s.logical_or_(o[0]), "int", others=[("int", R)])
op("logical_xor_(t)", lambda s, o: s.logical_xor_(o[0]), "int", others=[("int", R)])
op("logical_not_", lambda s, o: s.logical_not_(), "int")
for c in ["bitwise_and", "bitwise_or", "bitwise_xor"]:
    op(c + "_(t)", (lambda c: lambda s, o: getattr(s, c + "_")(o[0]))(c), "int", others=[("int", R)], f32=False)
    op(c + "_(6)", (lambda c: lambda s, o: getattr(s, c + "_")(6))(c), "int", f32=False, f64=False)
op("bitwise_not_", lambda s, o: s.bitwise_not_(), "int", f32=False)
op("bitwise_left_shift_(t)", lambda s, o: s.bitwise_left_shift_(o[0]), "int", others=[("small", R)], f64=False)
op("bitwise_left_shift_(2)", lambda s, o: s.bitwise_left_shift_(2), "int", f32=False, f64=False)
op("bitwise_right_shift_(t)", lambda s, o: s.bitwise_right_shift_(o[0]), "int", others=[("small", R)], f32=False)
op("bitwise_right_shift_(1)", lambda s, o: s.bitwise_right_shift_(1), "int", f32=False, f64=False)
# cumulative, triangles, products
op("cumsum_(1)", lambda s, o: s.cumsum_(1), "any")
op("cumsum_(0)", lambda s, o: s.cumsum_(0), "any")
op("cumprod_(1)", lambda s, o: s.cumprod_(1), "nz")
op("tril_", lambda s, o: s.tril_(), "any")
op("tril_(-1)", lambda s, o: s.tril_(-1), "any")
op("triu_", lambda s, o: s.triu_(), "any")
op("triu_(1)", lambda s, o: s.triu_(1), "any")
op("addmm_(m,m)", lambda s, o: s.addmm_(o[0], o[1]), "any", others=[("any", (3, 2)), ("nz", (2, 4))])
op("addmm_(m,m,0.5,2)", lambda s, o: s.addmm_(o[0], o[1], beta=0.5, alpha=2), "any",
   others=[("any", (3, 2)), ("nz", (2, 4))], int64=False)
op("addmv_(m,v)", lambda s, o: s.addmv_(o[0], o[1]), "any", shape=(3,), others=[("any", (3, 2)), ("nz", (2,))])
op("addmv_(m,v,2,0.5)", lambda s, o: s.addmv_(o[0], o[1], beta=2, alpha=0.5), "any", shape=(3,),
   others=[("any", (3, 2)), ("nz", (2,))], int64=False)
op("baddbmm_(b,b)", lambda s, o: s.baddbmm_(o[0], o[1]), "any", shape=(2, 3, 4),
   others=[("any", (2, 3, 2)), ("nz", (2, 2, 4))])
op("addbmm_(b,b)", lambda s, o: s.addbmm_(o[0], o[1]), "any", others=[("any", (2, 3, 2)), ("nz", (2, 2, 4))])
op("addbmm_(b,b,0.5,2)", lambda s, o: s.addbmm_(o[0], o[1], beta=0.5, alpha=2), "any",
   others=[("any", (2, 3, 2)), ("nz", (2, 2, 4))], int64=False)
# in-place view ops
op("t_", lambda s, o: s.t_(), "any", viewop=True)
op("t_ 1d", lambda s, o: s.t_(), "any", shape=(4,), viewop=True)
op("t_ 3d", lambda s, o: s.t_(), "any", shape=(2, 3, 4), viewop=True)
op("transpose_(0,1)", lambda s, o: s.transpose_(0, 1), "any", viewop=True)
op("transpose_(0,-1)", lambda s, o: s.transpose_(0, -1), "any", shape=(2, 3, 4), viewop=True)
op("transpose_(0,3)", lambda s, o: s.transpose_(0, 3), "any", viewop=True)
op("swapaxes_(0,1)", lambda s, o: s.swapaxes_(0, 1), "any", viewop=True)
op("swapdims_(1,0)", lambda s, o: s.swapdims_(1, 0), "any", viewop=True)
op("squeeze_", lambda s, o: s.squeeze_(), "any", shape=(3, 1, 4, 1), viewop=True)
op("squeeze_(1)", lambda s, o: s.squeeze_(1), "any", shape=(3, 1, 4), viewop=True)
op("squeeze_(0)", lambda s, o: s.squeeze_(0), "any", shape=(3, 1, 4), viewop=True)
op("squeeze_(5)", lambda s, o: s.squeeze_(5), "any", shape=(3, 1, 4), viewop=True)
op("unsqueeze_(1)", lambda s, o: s.unsqueeze_(1), "any", viewop=True)
op("unsqueeze_(-1)", lambda s, o: s.unsqueeze_(-1), "any", viewop=True)
op("unsqueeze_(3)", lambda s, o: s.unsqueeze_(3), "any", viewop=True)
# fill_diagonal_
op("fill_diagonal_(2.5)", lambda s, o: s.fill_diagonal_(2.5), "any")
op("fill_diagonal_(2.5) tall", lambda s, o: s.fill_diagonal_(2.5), "any", shape=(7, 3), view=False)
op("fill_diagonal_(2.5,wrap)", lambda s, o: s.fill_diagonal_(2.5, wrap=True), "any", shape=(7, 3), view=False)
op("fill_diagonal_(2.5,wrap) wide", lambda s, o: s.fill_diagonal_(2.5, wrap=True), "any", view=False)
op("fill_diagonal_(2.5) cube", lambda s, o: s.fill_diagonal_(2.5), "any", shape=(3, 3, 3), view=False, f32=False)
op("fill_diagonal_(2.5) 1d", lambda s, o: s.fill_diagonal_(2.5), "any", shape=(4,), view=False, f32=False)
op("fill_diagonal_(2.5) uneven", lambda s, o: s.fill_diagonal_(2.5), "any", shape=(3, 3, 4), view=False, f32=False)


CASES = []


def run_case(spec, mode):
    shape = spec["shape"]
    fdt = {"contig": D, "strided": F, "view": D, "leaf": D, "bcast": D, "int64": L}[mode]
    if mode == "bcast":
        shape = (4,)
    odt = spec["odtype"] or fdt
    base_vals = domain(spec["dom"], shape)
    if mode == "strided":
        if len(shape) < 2:
            return
        xs = list(shape)
        xs[-1], xs[-2] = xs[-2], xs[-1]
        x = base_vals.transpose(-1, -2).contiguous().to(fdt)
    elif mode == "view":
        xs = list(shape)
        xs[-1] += 1
        x = torch.cat([domain("any", tuple(xs[:-1]) + (1,), 5), base_vals], -1).to(fdt)
    else:
        x = base_vals.to(fdt)
    others = []
    for k, (dom, oshape) in enumerate(spec["others"]):
        if mode == "bcast" and k == 0:
            oshape = (3, 4)
        others.append(domain(dom, oshape, 3 + k).to(odt))
    grad = spec["grad"] and fdt.is_floating_point
    ins = [x] + others
    for t in ins:
        if grad and t.is_floating_point():
            t.requires_grad_(True)
    lines = ["in%d %s" % (i, fmt_tensor(t)) for i, t in enumerate(ins)]
    before = [t.detach().clone() for t in ins]
    if mode == "strided":
        s = x.transpose(-1, -2).clone()
        assert not s.is_contiguous() or min(shape[-2:]) <= 1
        target = s
    elif mode == "view":
        b = x.clone()
        s = b[..., 1:]
        target = s if spec["viewop"] else b
    elif mode == "leaf":
        s = x
        target = s
    else:
        s = x.clone() if grad else x.detach().clone()
        target = s
    v0 = s._version
    try:
        r = spec["fn"](s, others)
    except Exception as e:
        for t, b0 in zip(ins, before):
            assert torch.equal(t.detach(), b0) or torch.allclose(t.detach(), b0, equal_nan=True)
        if mode != "leaf":
            assert s._version == v0, spec["call"]
        lines.append("error %s %s" % (type(e).__name__, str(e).split("\n")[0]))
        return lines
    assert r is s
    lines.append("out " + fmt_tensor(target))
    if spec["viewop"]:
        lines.append("stride [%s]" % ", ".join(str(v) for v in target.stride()))
    lines.append("fn " + node_name(target.grad_fn))
    if target.requires_grad and grad:
        try:
            (target * weights(target.shape).to(target.dtype)).sum().backward()
        except Exception as e:
            lines.append("backerror %s %s" % (type(e).__name__, str(e).split("\n")[0]))
            ins = []
        for i, t in enumerate(ins):
            if t.is_floating_point():
                lines.append("grad%d %s" % (i, "none" if t.grad is None else fmt_tensor(t.grad)))
    lines.append("bumped %d" % (1 if s._version != v0 else 0))
    return lines


out = []
for spec in OPS:
    modes = []
    if spec["f64"]:
        modes.append("contig")
    if spec["f32"]:
        modes.append("strided")
    if spec["view"] and spec["f64"] and len(spec["shape"]) >= 1:
        modes.append("view")
    if spec["int64"]:
        modes.append("int64")
    if spec["leaf"] and spec["f64"] and spec["grad"]:
        modes.append("leaf")
    if spec["bcast"]:
        modes.append("bcast")
    for mode in modes:
        lines = run_case(spec, mode)
        if lines is None:
            continue
        out.append("=== %s %s" % (spec["call"], mode))
        out.extend(lines)
print("\n".join(out))
