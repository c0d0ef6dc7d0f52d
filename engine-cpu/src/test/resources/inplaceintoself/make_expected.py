# Writes expected.txt for InplaceIntoSelfTest (session 55): in-place ops whose kernel writes straight into self
# (relu_, sigmoid_, tanh_, exp_, neg_, add_, sub_, mul_ and div_ by an operand without a gradient; sqrt_, rsqrt_,
# reciprocal_, exp2_, expm1_, tan_, floor_, ceil_, round_, trunc_, frac_; leaky_relu_, elu_, selu_, celu_; session 56:
# clamp_, pow_, square_, hardtanh_, from a copy of the old values): values, gradients,
# version counters of self and of a view of it, the view's regenerated history, the saved-self error, float64 and the
# no_grad form; in PyTorch 1.13 CPU (run: /usr/bin/python3 make_expected.py > expected.txt). 1.13 and 2.x agree here
# (these ops' formulas, node names and version counting did not change). Each case prints "=== key" and lines
# "name value"; a tensor line is "name dtype [shape] : values"; "error" is the message PyTorch raised.
import torch
import torch.nn.functional as F

torch.manual_seed(55)


def tline(t):
    t = t.detach()
    return "%s %s : %s" % (str(t.dtype).replace("torch.", ""), list(t.shape),
                           ", ".join(repr(v) for v in t.double().flatten().tolist()))


def show(key, **items):
    print("===", key)
    for k, v in items.items():
        if isinstance(v, torch.Tensor):
            v = tline(v)
        print(k, v)


def chain(t):
    names = []
    n = t.grad_fn
    while n is not None:
        names.append(type(n).__name__)
        n = n.next_functions[0][0] if n.next_functions else None
    return names


def error(f):
    try:
        f()
    except RuntimeError as e:
        return str(e)
    return "none"


x0 = torch.randn(4, 6)
w0 = torch.randn(4, 6)
c0 = torch.randn(4, 6)
b0 = torch.randn(6)
s0 = (x0 * 1.5 + b0).sign()  # y * s0 is |y|, for sqrt_ and rsqrt_
show("inputs", x=x0, w=w0, c=c0, b=b0, s=s0)


OPS = {
    "relu_": lambda y, w, b, c: y.relu_(),
    "sigmoid_": lambda y, w, b, c: y.sigmoid_(),
    "tanh_": lambda y, w, b, c: y.tanh_(),
    "exp_": lambda y, w, b, c: y.exp_(),
    "neg_": lambda y, w, b, c: y.neg_(),
    "add_w": lambda y, w, b, c: y.add_(w),
    "sub_w_alpha": lambda y, w, b, c: y.sub_(w, alpha=0.5),
    "add_w_alpha": lambda y, w, b, c: y.add_(w, alpha=2),
    "mul_c": lambda y, w, b, c: y.mul_(c),
    "div_b": lambda y, w, b, c: y.div_(b),
    "mul_number": lambda y, w, b, c: y.mul_(3.0),
    "div_number": lambda y, w, b, c: y.div_(2.0),
    "add_number": lambda y, w, b, c: y.add_(1.0),
    # session 55's further ops on the direct path (results saved, or nothing saved)
    "sqrt_": lambda y, w, b, c: y.mul_(s0.to(y.dtype)).sqrt_(),
    "rsqrt_": lambda y, w, b, c: y.mul_(s0.to(y.dtype)).rsqrt_(),
    "reciprocal_": lambda y, w, b, c: y.reciprocal_(),
    "exp2_": lambda y, w, b, c: y.exp2_(),
    "expm1_": lambda y, w, b, c: y.expm1_(),
    "tan_": lambda y, w, b, c: y.tan_(),
    "floor_": lambda y, w, b, c: y.floor_(),
    "ceil_": lambda y, w, b, c: y.ceil_(),
    "round_": lambda y, w, b, c: y.round_(),
    "trunc_": lambda y, w, b, c: y.trunc_(),
    "frac_": lambda y, w, b, c: y.frac_(),
    # session 55 (helper 8): the in-place activations whose node saves only the result (2.x derivatives.yaml:
    # leaky_relu_ LeakyReluBackward1, elu_ EluBackward1 (selu_ too), celu_ CeluBackward1; is_result true), written
    # into self. (hardtanh_ has no entry of its own in 2.x: HardtanhBackward0 on the original self, so not here.)
    "leaky_relu_": lambda y, w, b, c: F.leaky_relu(y, 0.1, inplace=True),
    "leaky_relu_default": lambda y, w, b, c: F.leaky_relu_(y),
    "leaky_relu_module": lambda y, w, b, c: torch.nn.LeakyReLU(0.2, inplace=True)(y),
    "elu_": lambda y, w, b, c: F.elu(y, inplace=True),
    "elu_alpha": lambda y, w, b, c: F.elu_(y, 0.7),
    "selu_": lambda y, w, b, c: F.selu(y, inplace=True),
    "celu_": lambda y, w, b, c: F.celu(y, 1.3, inplace=True),
    # session 56: the in-place ops whose node saves the original self (2.x's in-place codegen keeps self.clone():
    # clamp_ ClampBackward1, pow_ PowBackward0 / PowBackward1 (which saves the result too), hardtanh_ HardtanhBackward0;
    # 1.13 names and saves the same), written into self from that copy
    "clamp_": lambda y, w, b, c: y.clamp_(-0.8, 0.9),
    "clamp_max": lambda y, w, b, c: y.clamp_(max=0.5),
    "clamp_min": lambda y, w, b, c: y.clamp_(min=-0.3),
    "clamp_ints": lambda y, w, b, c: y.clamp_(-1, 1),
    "pow_2": lambda y, w, b, c: y.pow_(2.0),
    "pow_3": lambda y, w, b, c: y.pow_(3),
    "pow_0": lambda y, w, b, c: y.pow_(0.0),
    "pow_1": lambda y, w, b, c: y.pow_(1.0),
    "pow_-1": lambda y, w, b, c: y.pow_(-1.0),
    "pow_-2": lambda y, w, b, c: y.pow_(-2),
    "pow_half": lambda y, w, b, c: y.mul_(s0.to(y.dtype)).pow_(0.5),
    "pow_-half": lambda y, w, b, c: y.mul_(s0.to(y.dtype)).pow_(-0.5),
    "pow_1.75": lambda y, w, b, c: y.mul_(s0.to(y.dtype)).pow_(1.75),
    "pow_0.1": lambda y, w, b, c: y.mul_(s0.to(y.dtype)).pow_(0.1),
    "pow_tensor": lambda y, w, b, c: y.mul_(s0.to(y.dtype)).pow_(b),
    "pow_tensor_w": lambda y, w, b, c: y.mul_(s0.to(y.dtype)).pow_(w),
    "square_": lambda y, w, b, c: y.square_(),
    "hardtanh_": lambda y, w, b, c: F.hardtanh_(y, -0.5, 0.8),
    "hardtanh_inplace": lambda y, w, b, c: F.hardtanh(y, -1.0, 1.0, inplace=True),
    "relu6_inplace": lambda y, w, b, c: F.relu6(y.mul_(3.0), inplace=True),
}
# the ops that save nothing of self, one after another, then relu_ (which saves its result)
CHAIN = ["neg_", "add_w", "sub_w_alpha", "mul_c", "div_b", "add_w_alpha", "mul_number", "div_number", "add_number",
         "relu_"]


def program(dtype, ops):
    """ops on y = x * 1.5 + b, with a view of y taken first; the backward through y, then through the view."""
    x = x0.to(dtype).clone().requires_grad_()
    w = w0.to(dtype).clone().requires_grad_()
    b = b0.to(dtype)
    c = c0.to(dtype)
    y = x * 1.5 + b
    v = y[1]
    for op in ops:
        OPS[op](y, w, b, c)
    vchain = chain(v)
    (y * c).sum().backward(retain_graph=True)
    gx = x.grad.clone()
    gw = w.grad.clone() if w.grad is not None else torch.zeros_like(w)
    x.grad = None
    w.grad = None
    (v * c[1]).sum().backward()
    vgw = w.grad if w.grad is not None else torch.zeros_like(w)
    return dict(chain=chain(y), version=y._version, view_version=v._version, view_chain=vchain, y=y,
                grad_x=gx, grad_w=gw, view_grad_x=x.grad, view_grad_w=vgw)


for name in OPS:
    show(name, **program(torch.float32, [name]))
show("chain_float32", **program(torch.float32, CHAIN))
show("chain_float64", **program(torch.float64, CHAIN))
# the activations (each saves its result, so each ends its program) after direct arithmetic, in float64
ACTIVATIONS = ["leaky_relu_", "leaky_relu_default", "leaky_relu_module", "elu_", "elu_alpha", "selu_", "celu_"]
for name in ACTIVATIONS:
    show(name + "_float64", **program(torch.float64, ["add_w", "mul_c", name]))
# session 56: the ops saving the original self, in float64 after direct arithmetic, and followed by more in-place ops
# (their saved copy is not self, so changing self after them is no error, except pow_(tensor)'s saved result)
SAVES_SELF = ["clamp_", "clamp_max", "clamp_min", "clamp_ints", "pow_2", "pow_3", "pow_0", "pow_1", "pow_-1", "pow_-2",
              "pow_half", "pow_-half", "pow_1.75", "pow_0.1", "pow_tensor", "pow_tensor_w", "square_", "hardtanh_",
              "hardtanh_inplace", "relu6_inplace"]
for name in SAVES_SELF:
    show(name + "_float64", **program(torch.float64, ["add_w", "mul_c", name]))
for name in ["clamp_", "pow_3", "hardtanh_", "pow_-half"]:
    show(name + "_then_more", **program(torch.float32, [name, "add_w", "mul_number", "relu_"]))


# a saved self changed by a direct op: mul's saved self (y * y) and relu_'s saved result (then add_)
x = x0.clone().requires_grad_()
y = x * 1.5
z = y * y
y.relu_()
show("saved_self", error=error(lambda: z.sum().backward()))
x = x0.clone().requires_grad_()
y = x * 1.5
y.sigmoid_()
y.mul_(2.0)
show("saved_result", error=error(lambda: y.sum().backward()))
x = x0.clone().requires_grad_()
y = x * 1.5
F.elu_(y)
y.add_(1.0)
show("saved_result_elu", error=error(lambda: y.sum().backward()))

x = x0.clone().requires_grad_()
y = (x * 1.5).abs()
y.pow_(b0)
y.add_(1.0)
show("saved_result_pow", error=error(lambda: y.sum().backward()))


def refusal(f):
    try:
        f()
    except RuntimeError as e:
        return str(e)
    return "none"


# the refusals the direct write keeps (checked before any write): a leaf requiring grad, a view of one, overlapping
# memory, the result type (clamp_ names the C++ type, pow_ by a number its "Found dtype"), bool hardtanh_
leaf = x0.clone().requires_grad_()
ints = torch.tensor([[3, -2, 0], [1, 5, -7]])
show("refusals",
     clamp_leaf=refusal(lambda: leaf.clamp_(-1, 1)),
     pow_leaf=refusal(lambda: leaf.pow_(2.0)),
     pow_tensor_leaf=refusal(lambda: leaf.pow_(b0)),
     hardtanh_leaf=refusal(lambda: F.hardtanh_(leaf, -1.0, 1.0)),
     clamp_view_of_leaf=refusal(lambda: leaf[1].clamp_(-1, 1)),
     pow_view_of_leaf=refusal(lambda: leaf[1].pow_(2.0)),
     hardtanh_view_of_leaf=refusal(lambda: F.hardtanh_(leaf[1], -1.0, 1.0)),
     clamp_expanded=refusal(lambda: torch.zeros(1, 6).expand(4, 6).clamp_(-1, 1)),
     pow_expanded=refusal(lambda: torch.zeros(1, 6).expand(4, 6).pow_(2.0)),
     pow_tensor_expanded=refusal(lambda: torch.zeros(1, 6).expand(4, 6).pow_(b0)),
     hardtanh_expanded=refusal(lambda: F.hardtanh_(torch.zeros(1, 6).expand(4, 6), -1.0, 1.0)),
     clamp_int_by_float=refusal(lambda: ints.clone().clamp_(-0.5, 0.5)),
     pow_int_by_float=refusal(lambda: ints.clone().pow_(0.5)),
     pow_int_by_float_tensor=refusal(lambda: ints.clone().pow_(torch.tensor([0.5, 1.0, 2.0]))),
     pow_broadcast_shape=refusal(lambda: torch.ones(3).pow_(torch.ones(2, 3))),
     hardtanh_bool=refusal(lambda: F.hardtanh_(torch.tensor([True, False]), -1.0, 1.0)))

# no_grad: the same ops write into self, versions counted
with torch.no_grad():
    y = x0.clone()
    v = y[2]
    y.relu_()
    y.sigmoid_()
    y.tanh_()
    y.exp_()
    y.neg_()
    y.add_(w0)
    y.mul_(c0)
    F.leaky_relu_(y, 0.1)
    F.elu_(y)
    F.celu_(y, 1.3)
    F.selu_(y)
show("no_grad", y=y, version=y._version, view_version=v._version)
with torch.no_grad():
    y = x0.clone() * 3
    v = y[2]
    y.clamp_(-2.5, 2.0)
    F.hardtanh_(y, -1.5, 1.75)
    y.pow_(3)
    y.abs_().pow_(0.1)
    y.pow_(b0)
    y.square_()
show("no_grad_saves_self", y=y, version=y._version, view_version=v._version)
