# PyTorch's values for FuzzRound24FixesTest (the regressions of differential fuzz round 24, the autograd graph API).
#   run: cd engine-cpu/src/test/resources/differentialfuzzr24 && /usr/bin/python3 make_fixes.py > fixes.txt
# Format: "<label> <value>": values comma separated (exact: small integers), "none" for a None gradient, 0/1 flags, a
# hook log as entries joined by '|', a refusal's first line.
# 2.x, not 1.13: the empty-inputs refusal of backward is 2.x's wording (torch/autograd/__init__.py, backticks:
# "`inputs` argument to `backward()` cannot be empty."; 1.13 wrote 'inputs' argument to backward() ...), written here
# as 2.x's rather than taken from 1.13.
import torch
from torch.autograd.function import once_differentiable

F64 = torch.float64


def vals(t):
    return 'none' if t is None else ','.join(repr(float(v)) for v in t.detach().reshape(-1).tolist())


def out(label, value):
    print('%s %s' % (label, value))


# backward(inputs=[leaf]): only that leaf's gradient
x = torch.tensor([1., 2., 3.], dtype=F64, requires_grad=True)
w = torch.tensor([4., 5., 6.], dtype=F64, requires_grad=True)
(x * w).sum().backward(inputs=[x])
out('leaf_x', vals(x.grad))
out('leaf_w', vals(w.grad))

# backward(inputs=[non-leaf]): its gradient retained (and retained after), its hooks run, nothing below runs
log = []
x = torch.tensor([1., 2., 3.], dtype=F64, requires_grad=True)
h = x * 2
h.register_hook(lambda g: log.append('h ' + vals(g)))
x.register_hook(lambda g: log.append('x ' + vals(g)))
h.grad_fn.register_hook(lambda gi, go: log.append('n ' + ';'.join(vals(g) for g in gi)))
(h * h).sum().backward(inputs=[h], retain_graph=True)
out('nonleaf_h', vals(h.grad))
out('nonleaf_x', vals(x.grad))
out('nonleaf_retains', int(h.retains_grad))
out('nonleaf_log', '|'.join(log))
log.clear()
(h * 3).sum().backward()
out('nonleaf_h_after', vals(h.grad))
out('nonleaf_x_after', vals(x.grad))
out('nonleaf_log_after', '|'.join(log))

# inputs= with create_graph: the gradient is differentiable
x = torch.tensor([1., 2., 3.], dtype=F64, requires_grad=True)
(x * x * x).sum().backward(inputs=[x], create_graph=True)
out('create_x', vals(x.grad))
out('create_rg', int(x.grad.requires_grad))
gx, = torch.autograd.grad(x.grad.sum(), [x])
out('create_gg', vals(gx))

# refusals
x = torch.tensor([1., 2., 3.], dtype=F64, requires_grad=True)
c = torch.tensor([1., 2., 3.], dtype=F64)
try:
    (x * c).sum().backward(inputs=[c])
except RuntimeError as e:
    out('refuse_no_grad', str(e).split('\n')[0])
out('refuse_no_grad_x', vals(x.grad))
# a non-leaf input before the refused one: PyTorch has retained it when it refuses (Ember refuses first, changing
# nothing: FuzzRound24FixesTest states the difference)
h = x * 2
try:
    (h * c).sum().backward(inputs=[h, c])
except RuntimeError as e:
    out('refuse_second', str(e).split('\n')[0])
out('refuse_second_h_retains', int(h.retains_grad))
out('refuse_empty', '`inputs` argument to `backward()` cannot be empty.')


# a Function's output that is an input and carries no history comes back as a detached alias
class Dirty(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a):
        a.mul_(2)
        ctx.mark_dirty(a)
        return a

    @staticmethod
    def backward(ctx, g):
        return g * 2


class Same(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a):
        return a

    @staticmethod
    def backward(ctx, g):
        return g


class SameNonDiff(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a):
        ctx.mark_non_differentiable(a)
        return a

    @staticmethod
    def backward(ctx, g):
        return g


x = torch.tensor([1., 2., 3.], dtype=F64, requires_grad=True)
with torch.no_grad():
    y = Dirty.apply(x)
out('dirty_nograd', '%d %d %d %d %s' % (int(y.requires_grad), int(y.is_leaf), int(y is x), int(x.requires_grad),
                                        vals(y)))
base = torch.tensor([1., 2., 3.], dtype=F64, requires_grad=True)
h = base * 1
with torch.no_grad():
    y = Dirty.apply(h)
out('dirty_nograd_nonleaf', '%d %d %d %s' % (int(y.requires_grad), int(y.is_leaf), int(h.requires_grad),
                                              type(h.grad_fn).__name__))
c = torch.tensor([1., 2., 3.], dtype=F64)
y = Dirty.apply(c)  # no input requires grad
if torch.__version__ < '2':
    # 2.x, not 1.13: custom_function.cpp's set_history returns a modified (marked dirty) input that does not require
    # grad as is (pytorch PR 91214, "Return input as-is if marked dirty even when requires_grad=False", in 2.0); 1.13
    # returns a view of it (_view_as_self_with_no_grad). Emulated: the output is the input itself.
    y = c
try:
    y.detach_()
    refused = 'runs'
except RuntimeError as e:
    refused = str(e).split('\n')[0]
out('dirty_no_grad_input', '%d %d %d %d %s' % (int(y is c), int(y._is_view()), int(y._base is c), int(y.requires_grad),
                                               vals(c)))
out('dirty_no_grad_input_detach_', refused)
with torch.no_grad():
    y = Same.apply(x)
out('same_nograd', '%d %d' % (int(y.requires_grad), int(y.is_leaf)))
y = SameNonDiff.apply(x)
out('same_nondiff', '%d %d' % (int(y.requires_grad), int(y.is_leaf)))


# a Function's gradient for an input that does not require grad reaches the node's post-hooks
class Two(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, g):
        return g * 2, g * 3


a = torch.tensor([1., 2.], dtype=F64)
b = torch.tensor([3., 4.], dtype=F64, requires_grad=True)
y = Two.apply(a, b)
log = []
y.grad_fn.register_hook(lambda gi, go: log.append(';'.join(vals(g) for g in gi)))
y.sum().backward()
out('post_hook_inputs', '|'.join(log))
out('post_hook_b', vals(b.grad))

# mark_dirty bumps the version once more (PyTorch's _mark_dirty), so a node that saved the tensor reports version 2
a = torch.tensor([1., 2., 3.], dtype=F64, requires_grad=True)
h = a * 1
s = h * h  # saves h at version 0
y = Dirty.apply(h)
out('dirty_version', h._version)
try:
    s.sum().backward()
except RuntimeError as e:
    out('dirty_version_refusal', str(e).split('\n')[0])


# once_differentiable: the error node hangs off fake leaves, so only a pass that runs every node reaches it
class Once(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.sin()

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * a.cos()


x = torch.tensor([0.5, 1.0], dtype=F64, requires_grad=True)
z = Once.apply(x) * Once.apply(x) + x * x * x
g, = torch.autograd.grad(z.sum(), [x], create_graph=True)
out('once_g', '%d %s' % (int(g.requires_grad), vals(g)))
gg, = torch.autograd.grad(g.sum(), [x])  # only x*x*x's second derivative: the Once path is not reached
out('once_gg', vals(gg))
try:
    g.sum().backward()
    out('once_backward', 'runs')
except RuntimeError as e:
    out('once_backward', str(e).split('\n')[0])

# a gradient summed to a 0-d input is a sum (SumBackward0 under create_graph), as at::sum_to
s0 = torch.tensor(1.5, dtype=F64, requires_grad=True)
w = torch.tensor([[1., 2., 3.], [4., 5., 6.]], dtype=F64, requires_grad=True)
g, = torch.autograd.grad((s0 * w).sum(), [s0], create_graph=True)
out('sum_to_scalar', '%s %s' % (type(g.grad_fn).__name__, vals(g)))
v = torch.tensor([[1., 2., 3.]], dtype=F64, requires_grad=True)
g, = torch.autograd.grad((v * w).sum(), [v], create_graph=True)
out('sum_to_keepdim', '%s %s' % (type(g.grad_fn).__name__, vals(g)))

# materialize_grads (2.1; emulated as 2.x's torch/autograd/__init__.py: zeros_like(input, requires_grad=True)) keeps a
# transposed input's strides (preserve_format)
xt = torch.tensor([[1., 2.], [3., 4.], [5., 6.]], dtype=F64).t().detach().requires_grad_()
u = torch.tensor([1., 2.], dtype=F64, requires_grad=True)
r = torch.autograd.grad([(u * u).sum()], [xt], allow_unused=True)[0]
r = torch.zeros_like(xt, requires_grad=True) if r is None else r
out('materialized', '%s %d %s' % (','.join(str(d) for d in r.stride()), int(r.requires_grad), vals(r)))

# x.grad = g: the device type is checked before the size, as THPVariable_set_grad; refused in 2.x's words (2.1's pull
# request 100683 replaced 1.13's "assigned grad has data of a different type", whose check took the dtype and device
# type together; emulated here, as 2.10 words it, before the assignment 1.13 makes)
def set_grad_2x(t, g):
    if g is not None and g is not t:
        if g.device.type != t.device.type:
            raise RuntimeError("attempting to assign a gradient with device type '%s' to a tensor with device type "
                               "'%s'. Please ensure that the gradient and the tensor are on the same device"
                               % (g.device.type, t.device.type))
        if list(g.shape) != list(t.shape):
            raise RuntimeError("attempting to assign a gradient of size '%s' to a tensor of size '%s'. Please ensure "
                               "that the gradient and the tensor are the same size" % (list(g.shape), list(t.shape)))
    t.grad = g


x = torch.zeros(2, 3, dtype=F64, requires_grad=True)
for label, g in (('set_grad_meta', torch.empty(2, 3, dtype=F64, device='meta')),
                 ('set_grad_meta_size', torch.empty(5, dtype=F64, device='meta')),
                 ('set_grad_self', x)):
    try:
        set_grad_2x(x, g)
        out(label, 'runs')
    except RuntimeError as e:
        out(label, str(e).split('\n')[0])
out('set_grad_after', vals(x.grad))

# a Function's dirty input loses its .grad (PyTorch's _process_backward_mode_ad resets it)
a = torch.tensor([1., 2., 3.], dtype=F64, requires_grad=True)
h = a * 1
h.grad = torch.full([3], 0.5, dtype=F64)
y = Dirty.apply(h)
out('dirty_resets_grad', '%s %s' % (vals(h.grad), type(h.grad_fn).__name__))
