# Differential fuzz round 24 for DifferentialFuzzR24Test.java: seeded PROGRAMS THAT DRIVE THE AUTOGRAD GRAPH API BY
# HAND, run in PyTorch (float64) with every result, gradient, hook call and refusal recorded; FuzzR24Interpreter.java
# replays each in Ember.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr24 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; the seed is fixed and everything is seeded, so a second run writes the same bytes)
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz24.file=/tmp/hunt.txt (passed inside -Dember.test.argLine; seeds 7, 31, 99, 5, 11, 13, 17, 19, 101,
#   202, 303, 404, 505, 606, 707, 808, 909 and 1001, 800 programs each, passed when this round was committed)
#
# A program: 2 to 4 float64 inputs (contiguous, transposed or expanded leaves, some requiring grad), then 3 to 10
# statements: ops (sin, exp, x*x, x*2.5, sum, mean, t, x[0], view(-1), expand, clone, detach, add, mul, matmul, the
# in-place mul_), torch.autograd.Function subclasses (Cube: save_for_backward; Dirty: mark_dirty; Pair:
# mark_non_differentiable; NoMat: set_materialize_grads(False) with two outputs; Once: @once_differentiable), tensor
# hooks (logging, or returning a new gradient), removed handles, retain_grad, post-accumulate-grad hooks, grad_fn
# post-hooks and pre-hooks, backward (gradient=, retain_graph, create_graph, inputs=), torch.autograd.grad
# (grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads, is_grads_batched), reading .grad (kept as
# a variable, so a gradient of a gradient can follow), set_to_none / zero_ of .grad, .grad assigned by hand (shape and
# dtype refusals), detach_ and requires_grad_, grad-mode scopes (no_grad, enable_grad, set_grad_enabled,
# inference_mode) nested, and saved_tensors_hooks scopes whose pack/unpack calls are logged.
#
# 2.x, not 1.13 (Ember follows 2.x):
# - Tensor.register_post_accumulate_grad_hook is 2.1's; 1.13 lacks it. Emulated as 2.x's AccumulateGrad::apply
#   calls it (torch/csrc/autograd/functions/accumulate_grad.cpp): after the gradient is accumulated, only when a
#   gradient arrived and the leaf still requires grad; here a post-hook on the leaf's AccumulateGrad node (which
#   1.13 runs right after apply) that logs under those conditions. Its refusals are 2.x's torch/_tensor.py wording.
# - torch.autograd.grad's materialize_grads is 2.1's: emulated as 2.x's torch/autograd/__init__.py does it
#   (allow_unused defaults to materialize_grads; allow_unused=False with it raises ValueError "Expected allow_unused
#   to be True or not passed when materialize_grads=True, but got: allow_unused=False."; an unused input's gradient
#   is zeros_like(input, requires_grad=True)).
# - 1.13's ReshapeAliasBackward0 is written as 2.x's ViewBackward0 (2.x's reshape of a viewable tensor is a view).
# - backward(inputs=[...]) runs as 1.13's and 2.x's THPEngine_run_backward (inputs retain_grad()'d, so a non-leaf
#   input keeps retaining afterwards; their nodes run; only paths to them run).
# - Dirty on an input that does not require grad gives the input back as is (2.0's pytorch PR 91214); 1.13 gives a
#   view of it. Emulated in dirty_apply.
# - x.grad = g refuses in 2.x's words (set_grad_2x, THPVariable_set_grad as of 2.10; 2.1's pull request 100683 replaced
#   1.13's "assigned grad has data of a different type" / "... of a different size", 2.10's grad_dtype (pull request
#   162815) reworded the dtype check): the dtype against the tensor's grad_dtype (its dtype), the device type (a meta
#   gradient), the device index, the size; checked here in that order before the assignment 1.13 makes.
# Not generated: Dirty on a view (Ember documents marking a view dirty while recording as unsupported), grad_fn hooks
# on leaves (None in Python), in-place changes to the gradient inside hooks (whether two tensors share one gradient
# buffer is an implementation detail).
#
# Format: "=== r24_<k> P <lines>", then one statement a line:
#   in NAME LAYOUT SHAPE G|- BITS       an input: c contiguous, t the transpose of a contiguous [b,a] tensor, e a [3]
#                                       expanded to SHAPE; detached, then requires_grad_() when G
#   op OUT NAME ARGS                    an op or Function (ARGS variable names); output OUT (OUT1,OUT2 for two)
#   hook ID X log|dbl                   X.register_hook (dbl returns 2 g); unhook ID removes it
#   pah ID X                            X.register_post_accumulate_grad_hook (logs X.grad)
#   nhook ID X log|dbl / npre ID X log|dbl   X.grad_fn.register_hook / register_prehook
#   retain X                            X.retain_grad()
#   back X G|none R C INPUTS|-          X.backward(gradient=G, retain_graph=R, create_graph=C, inputs=[...])
#   agrad OUTS XS IS GOS|- FLAGS        outs = torch.autograd.grad(XS, IS, GOS, ...): FLAGS r retain_graph, c
#                                       create_graph, u allow_unused=True, U allow_unused=False, m materialize_grads,
#                                       b is_grads_batched, - none
#   grad X OUT                          X.grad, kept as OUT when not None
#   zgrad X none|zero                   X.grad = None / X.grad.zero_() (after detach_, as Optimizer.zero_grad)
#   setgrad X ok|shape|dtype|meta|self  X.grad = a full(X.shape, 0.5) / a [5] / a float32 tensor / a meta tensor /
#                                       X itself
#   detach_ X / rg_ X 0|1               X.detach_() / X.requires_grad_(b)
#   mode no|en|set0|set1|inf / endmode  grad-mode scopes
#   sth log|cpu / endsth                saved_tensors_hooks scope logging "pack SHAPE" / "unpack SHAPE", or
#                                       torch.autograd.graph.save_on_cpu() (pin_memory=False)
# after a statement: "err MESSAGE" (first line) when PyTorch refuses it; each op/agrad output "= SHAPE RG LEAF NODE
# BITS" or "= none"; grad: "= SHAPE STRIDES RG LEAF NODE BITS" or "= none"; then "log K" and K hook-log entries
# when hooks ran. BITS: float64 IEEE bits, 16 hex digits each, row-major; shapes comma separated, '-' for 0-d.
# Log entries: "h ID v" tensor hook, "p ID v" post-accumulate, "n ID in=v;v out=v" / "q ID v;v" grad_fn hooks,
# "fb NAME v;v" a Function's backward, "pack SHAPE" / "unpack SHAPE"; v is "none" or "[SHAPE]BITS".
# The saved-tensor hooks' entries of one statement are compared as a multiset (which tensors are packed and unpacked,
# how many times), the other entries in order. Tensor hooks and retain_grad are never put on a node that has a
# grad_fn pre-hook (2.x runs them first, 1.13 in registration order; see s_nhook); x * 2.5 and mul_(2) are not run
# inside saved_tensors_hooks (PyTorch saves its wrapped-number tensor, Ember's multiplication by a double saves none).
# Values within 1e-12 * max(1, |torch|) (float64 sin/exp may differ by an ulp); everything else exactly.
import os
import random
import sys

import warnings

import torch
from torch.autograd.function import once_differentiable

SEED = int(os.environ.get('FUZZ_SEED', '2424'))
N_PROGRAMS = int(os.environ.get('FUZZ_N', '280'))
rng = random.Random(SEED)
torch.manual_seed(SEED)
torch.set_num_threads(1)
warnings.filterwarnings('ignore')
F64 = torch.float64
LOG = []


def shape_text(s):
    return ','.join(str(x) for x in s) if len(s) else '-'


def bits(t):
    t = t.detach().contiguous().reshape(-1)
    if t.numel() == 0:
        return '-'
    return ''.join('%016x' % (b & 0xffffffffffffffff) for b in t.view(torch.int64).tolist())


def v(t):
    return 'none' if t is None else '[%s]%s' % (shape_text(t.shape), bits(t))


def node_name(t):
    if t.grad_fn is None:
        return '-'
    name = type(t.grad_fn).__name__
    # 1.13's reshape of a contiguous tensor records _reshape_alias; 2.x's records a view (ViewBackward0)
    return 'ViewBackward0' if name == 'ReshapeAliasBackward0' else name


# x.grad = g refused in 2.x's words (see the header): THPVariable_set_grad as of 2.10, its checks in its order
TYPEMETA = {torch.float64: 'double', torch.float32: 'float'}  # the C++ type name caffe2::TypeMeta prints
SCALARTYPE = {torch.float64: 'Double', torch.float32: 'Float'}  # the name c10::ScalarType prints


def set_grad_2x(t, g):
    if g is not None and g is not t:
        if g.dtype != t.dtype:
            raise RuntimeError("attempting to assign a gradient with dtype '%s' to a tensor with grad_dtype '%s'. The "
                               "gradient must match the tensor's grad_dtype (defaults to the tensor's dtype). You can "
                               "set the tensor's grad_dtype attribute with a specific dtype, or None to allow any dtype. "
                               "Set grad_dtype with caution. Diverging the dtypes of a tensor and its gradient may break "
                               "downstream systems that assume they match." % (TYPEMETA[g.dtype], SCALARTYPE[t.dtype]))
        if g.device.type != t.device.type:
            raise RuntimeError("attempting to assign a gradient with device type '%s' to a tensor with device type "
                               "'%s'. Please ensure that the gradient and the tensor are on the same device"
                               % (g.device.type, t.device.type))
        if g.get_device() != t.get_device():
            raise RuntimeError("attempting to assign a gradient located on device with index '%d' to a tensor located "
                               "on device with index '%d'. Please ensure that the gradient and the tensor are on the "
                               "same device" % (g.get_device(), t.get_device()))
        if list(g.shape) != list(t.shape):
            raise RuntimeError("attempting to assign a gradient of size '%s' to a tensor of size '%s'. Please ensure "
                               "that the gradient and the tensor are the same size" % (list(g.shape), list(t.shape)))
    t.grad = g


def result(t):
    if t is None:
        return '= none'
    return '= %s %d %d %s %s' % (shape_text(t.shape), int(t.requires_grad), int(t.is_leaf), node_name(t), bits(t))


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        LOG.append('fb Cube ' + v(g))
        x, = ctx.saved_tensors
        return g * 3 * x * x


class Dirty(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x.mul_(2)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, g):
        LOG.append('fb Dirty ' + v(g))
        return g * 2


def dirty_apply(x):
    y = Dirty.apply(x)
    if torch.__version__ < '2' and not x.requires_grad:
        # 2.x, not 1.13: a modified (marked dirty) input that does not require grad comes back as is (custom_function.cpp's
        # set_history, pytorch PR 91214 "Return input as-is if marked dirty even when requires_grad=False", in 2.0);
        # 1.13 returns a view of it (_view_as_self_with_no_grad). Emulated: the output is the input itself.
        return x
    return y


class Pair(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        flag = (x > 0).to(F64)
        ctx.mark_non_differentiable(flag)
        return x * 2, flag

    @staticmethod
    def backward(ctx, g, gflag):
        LOG.append('fb Pair ' + v(g) + ';' + v(gflag))
        return g * 2


class NoMat(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, y):
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(x, y)
        return x + y, x * y

    @staticmethod
    def backward(ctx, g1, g2):
        LOG.append('fb NoMat ' + v(g1) + ';' + v(g2))
        x, y = ctx.saved_tensors
        gx = gy = None
        if g1 is not None:
            gx, gy = g1, g1
        if g2 is not None:
            gx = g2 * y if gx is None else gx + g2 * y
            gy = g2 * x if gy is None else gy + g2 * x
        return gx, gy


class Once(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin()

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        LOG.append('fb Once ' + v(g))
        x, = ctx.saved_tensors
        return g * x.cos()


UNARY = {
    'sin': lambda x: x.sin(), 'exp': lambda x: x.exp(), 'sq': lambda x: x * x, 'mulc': lambda x: x * 2.5,
    'sum': lambda x: x.sum(), 'mean': lambda x: x.mean(), 't': lambda x: x.t(), 'sel': lambda x: x[0],
    'view': lambda x: x.view(-1), 'expand': lambda x: x.expand(2, 3), 'clone': lambda x: x.clone(),
    'detach': lambda x: x.detach(), 'imul': lambda x: x.mul_(2),
    'Cube': lambda x: Cube.apply(x), 'Dirty': lambda x: dirty_apply(x), 'Pair': lambda x: Pair.apply(x),
    'Once': lambda x: Once.apply(x),
}
BINARY = {'add': lambda a, b: a + b, 'mul': lambda a, b: a * b, 'matmul': lambda a, b: a @ b,
          'NoMat': lambda a, b: NoMat.apply(a, b)}


# Refusals of 1.13 that 2.x does not make: a program that meets one is dropped (the next is generated in its place).
# 1.13's vmap (is_grads_batched) lacks batching rules 2.x has; 1.13's retain_grad hook fails on an undefined gradient
# (an output of a multi-output node that got none, "Expected a proper Tensor but got None"), where 2.x's
# retains_grad_hooks skip it (torch/csrc/autograd/variable.cpp: "if (!weak_self.expired() && grad.defined())").
# 1.13's internal assert "No grad_fn for non-leaf saved tensor" too. And PyTorch's in-place change of an inference tensor
# outside inference mode (the accumulation into a gradient made in inference mode included) is refused after the
# kernel wrote (the version bump refuses it), so the values change; Ember refuses before writing: such programs are
# dropped too (reported).
ONLY_1_13 = ('Batching rule', 'vmap', 'Expected a proper Tensor but got None', 'INTERNAL ASSERT FAILED',
             'tensor does not have a device',  # 1.13's internal error (backward(inputs=) in inference mode)
             'Inplace update to inference tensor outside InferenceMode')


# NO_CREATE_UNDER_STH: no create_graph inside saved_tensors_hooks: PyTorch's formulas compute only the gradients the
# pass needs (task_should_compute_output), Ember's compute every input's, so a recorded backward saves (packs) more
# tensors in Ember; the values are the same (reported).


class Retry(Exception):
    pass


def first_line(e):
    s = str(e).split('\n')[0]
    return s


class Prog:
    def __init__(self, pid):
        self.pid = pid
        self.lines = []
        self.V = {}
        self.n = 0
        self.hooks = {}
        self.hid = 0
        self.modes = []
        self.sth = []
        self.last_root = None
        self.given = set()
        self.created = False  # whether a create_graph pass ran (see attempt)
        self.mode_names = []  # inputs made as gradients for backward / grad
        self.npre = {}  # grad_fn pre-hooks alive: id -> node
        self.thooks = {}  # tensor hooks alive: id -> the (grad_fn, output_nr) or leaf they are on
        self.accs = []  # AccumulateGrad nodes kept alive (1.13's post-accumulate emulation)

    def fresh(self, p):
        self.n += 1
        return '%s%d' % (p, self.n)

    def emit(self, s):
        self.lines.append(s)

    def flush_log(self):
        if LOG:
            self.emit('log %d' % len(LOG))
            self.lines.extend(LOG)
            LOG.clear()

    def add_input(self, shape=None, grad=None, layout=None):
        name = self.fresh('x')
        shape = shape if shape is not None else rng.choice([[2, 3], [2, 3], [3], []])
        layout = layout or ('c' if len(shape) != 2 else rng.choice('ccct' + 'e'))
        grad = grad if grad is not None else rng.random() < 0.7
        if layout == 'c':
            t = torch.randn(shape, dtype=F64)
            data = t
        elif layout == 't':
            data = torch.randn(shape[1], shape[0], dtype=F64)
            t = data.t()
        else:
            data = torch.randn(3, dtype=F64)
            t = data.expand(*shape)
        t = t.detach()
        if grad:
            t.requires_grad_()
        self.V[name] = t
        self.emit('in %s %s %s %s %s' % (name, layout, shape_text(shape), 'G' if grad else '-', bits(data)))
        return name

    def attempt(self, stmt, fn):
        """Runs fn (PyTorch); records the statement and its refusal, if any. Returns (ok, value)."""
        try:
            val = fn()
        except Exception as e:  # PyTorch's refusal, recorded
            if isinstance(e, (AttributeError, TypeError, IndexError, KeyError)):
                raise
            if any(m in str(e) for m in ONLY_1_13):
                raise Retry()
            if 'modified by an inplace operation' in str(e) and self.created:
                # after create_graph, PyTorch's message names the node of a saved output's unpacked alias (the grad_fn
                # the output had when saved); Ember's unpack gives the tensor itself, with its grad_fn now: the
                # program is dropped (reported)
                raise Retry()
            self.emit(stmt)
            self.emit('err ' + first_line(e))
            LOG.clear()  # hooks that ran before the refusal are not compared (the order of a failing pass)
            return False, None
        self.emit(stmt)
        return True, val

    def tensors(self, pred=lambda t: True):
        # the gradients given to backward / grad are used only there: PyTorch's AccumulateGrad may keep one (a view
        # of it) as a leaf's .grad and accumulate into it in place later, changing the given tensor (reported)
        return [k for k, t in self.V.items() if pred(t) and k not in self.given]

    def pick(self, pred=lambda t: True):
        c = self.tensors(pred)
        return rng.choice(c) if c else None

    # ------------------------------------------------------------------ statements
    def s_op(self, force=None, arg=None):
        if force is not None:
            name, a = force, arg
            args = [a]
            fn = lambda: UNARY[name](self.V[a])
        elif rng.random() < 0.3:
            name = rng.choice(list(BINARY))
            if name == 'NoMat' and 'inf' in self.mode_names:
                return  # see the unary Functions below
            a = self.pick()
            bs = [k for k, t in self.V.items() if compatible(name, self.V[a], t) and k not in self.given]
            if not bs:
                return
            b = rng.choice(bs)
            args = [a, b]
            fn = lambda: BINARY[name](self.V[a], self.V[b])
        else:
            name = rng.choice(list(UNARY))
            a = self.pick(lambda t: unary_ok(name, t))
            if a is None:
                return
            if name == 'Dirty' and self.V[a]._base is not None:
                return
            if name in ('Cube', 'Dirty', 'Pair', 'Once') and 'inf' in self.mode_names:
                # inside inference_mode with grad mode set on again, PyTorch's Function records a node (it checks only
                # GradMode); Ember's records none inside inference mode (reported)
                return
            if name in ('Dirty', 'imul') and any(self.V[a] is self.V[k] for k in self.given):
                # a gradient given to backward/grad may become a leaf's .grad as it is (PyTorch's AccumulateGrad
                # steals a view of it, use_count permitting), so changing it in place later changes that .grad in
                # PyTorch; Ember copies it (reported)
                return
            if name in ('mulc', 'imul') and self.sth:
                # x * 2.5 saves PyTorch's wrapped-number tensor (a pack call of shape []); Ember's mul by a double saves
                # no tensor: not compared (reported)
                return
            args = [a]
            fn = lambda: UNARY[name](self.V[a])
        nout = 2 if name in ('Pair', 'NoMat') else 1
        outs = [self.fresh('y') for _ in range(nout)]
        ok, val = self.attempt('op %s %s %s' % (','.join(outs), name, ' '.join(args)), fn)
        if ok:
            vals = val if nout == 2 else (val,)
            for o, t in zip(outs, vals):
                self.V[o] = t
                self.emit(result(t))

    def pick_rg(self, p=0.85):
        """A variable that requires grad with probability p (any variable otherwise, or when none does)."""
        return (self.pick(lambda t: t.requires_grad) if rng.random() < p else None) or self.pick()

    def npre_on(self, t):
        """Whether a live grad_fn pre-hook is on t's node (see s_nhook)."""
        return t.grad_fn is not None and any(n is t.grad_fn for n in self.npre.values())

    def pick_grad(self):
        """A gradient that requires grad (create_graph made it), for a gradient of a gradient; None when none."""
        c = [k for k, t in self.V.items() if k.startswith('g') and t.requires_grad]
        return rng.choice(c) if c else None

    def s_hook(self):
        x = self.pick_rg()
        if self.npre_on(self.V[x]):
            return
        self.hid += 1
        hid = self.hid
        kind = rng.choice(['log', 'log', 'dbl'])

        def hook(g, hid=hid, kind=kind):
            LOG.append('h %d %s' % (hid, v(g)))
            return None if kind == 'log' or g is None else g * 2
        ok, h = self.attempt('hook %d %s %s' % (hid, x, kind), lambda: self.V[x].register_hook(hook))
        if ok:
            self.hooks[hid] = h
            self.thooks[hid] = hook_key(self.V[x])

    def s_unhook(self):
        if not self.hooks:
            return
        hid = rng.choice(sorted(self.hooks))
        self.hooks.pop(hid).remove()
        self.thooks.pop(hid, None)
        self.npre.pop(hid, None)
        self.emit('unhook %d' % hid)

    def s_pah(self):
        if self.modes:
            return  # the 1.13 emulation needs the leaf's AccumulateGrad, which a view made under no_grad lacks
        x = self.pick_rg()
        self.hid += 1
        hid = self.hid
        t = self.V[x]

        def register():
            # 2.x's torch/_tensor.py checks, then the emulation (see the header)
            if not t.requires_grad:
                raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
            if t.grad_fn is not None:
                raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
            acc = t.view_as(t).grad_fn.next_functions[0][0]
            self.accs.append(acc)

            def post(gi, go, hid=hid, t=t):
                if go[0] is not None and t.requires_grad:
                    LOG.append('p %d %s' % (hid, v(t.grad)))
            return acc.register_hook(post)
        ok, h = self.attempt('pah %d %s' % (hid, x), register)
        if ok:
            self.hooks[hid] = h

    def s_nhook(self, pre):
        x = self.pick(lambda t: t.grad_fn is not None)
        if x is None:
            return
        fn = self.V[x].grad_fn
        if pre and (any(k[0] is fn for k in self.thooks.values())
                    or any(t.retains_grad and t.grad_fn is fn for t in self.V.values())):
            # 2.x runs a node's tensor hooks and retain_grad before its pre-hooks (engine.cpp, NOTE [Hooks
            # ordering]); 1.13 keeps them in one list, in registration order: a node never gets both
            return
        self.hid += 1
        hid = self.hid
        kind = rng.choice(['log', 'log', 'dbl'])
        if pre:
            def hook(go, hid=hid, kind=kind):
                LOG.append('q %d %s' % (hid, ';'.join(v(g) for g in go)))
                return None if kind == 'log' else tuple(None if g is None else g * 2 for g in go)
            ok, h = self.attempt('npre %d %s %s' % (hid, x, kind), lambda: self.V[x].grad_fn.register_prehook(hook))
            if ok:
                self.npre[hid] = fn
        else:
            def hook(gi, go, hid=hid, kind=kind):
                LOG.append('n %d in=%s out=%s' % (hid, ';'.join(v(g) for g in gi), ';'.join(v(g) for g in go)))
                return None if kind == 'log' else tuple(None if g is None else g * 2 for g in gi)
            ok, h = self.attempt('nhook %d %s %s' % (hid, x, kind), lambda: self.V[x].grad_fn.register_hook(hook))
        if ok:
            self.hooks[hid] = h

    def s_retain(self):
        x = self.pick_rg()
        if self.npre_on(self.V[x]):
            return
        self.attempt('retain %s' % x, lambda: self.V[x].retain_grad())

    def grad_input_for(self, t, batched=False):
        """A data input shaped as t (a batch of 2 of them when batched)."""
        shape = ([2] if batched else []) + list(t.shape)
        name = self.add_input(shape=shape, grad=False, layout='c')
        self.given.add(name)
        return name

    def s_back(self):
        x = (self.pick(lambda t: t.requires_grad) if rng.random() < 0.9 else None) or self.pick()
        r = rng.random()
        if r < 0.35 and self.last_root in self.V:
            x = self.last_root  # a second backward through one graph: accumulation, or the refusal
        elif r < 0.6:
            x = self.pick(lambda t: t.requires_grad and t.grad_fn is not None) or x
        elif r < 0.75:
            x = self.pick_grad() or x
        self.last_root = x
        t = self.V[x]
        g = 'none'
        if t.numel() != 1 or rng.random() < 0.2:
            g = self.grad_input_for(t) if rng.random() < 0.85 else 'none'
        retain = rng.random() < 0.5
        create = rng.random() < 0.2 and not self.sth  # see NO_CREATE_UNDER_STH
        inputs = '-'
        if rng.random() < 0.3:
            cands = (self.tensors(lambda t: t.requires_grad) if rng.random() < 0.85 else []) or self.tensors()
            inputs = ','.join(rng.sample(cands, min(len(cands), rng.randint(1, 2))))
        stmt = 'back %s %s %d %d %s' % (x, g, retain, create, inputs)
        kw = dict(retain_graph=retain, create_graph=create)
        if inputs != '-':
            kw['inputs'] = [self.V[k] for k in inputs.split(',')]
        self.created |= create
        self.attempt(stmt, lambda: self.V[x].backward(None if g == 'none' else self.V[g], **kw))

    def s_agrad(self):
        outs = [(self.pick_grad() if rng.random() < 0.3 else None)
                or (self.pick(lambda t: t.requires_grad) if rng.random() < 0.9 else None) or self.pick()]
        if rng.random() < 0.25:
            outs.append(self.pick())
        cands = self.tensors(lambda t: t.requires_grad) if rng.random() < 0.85 else []
        cands = cands or self.tensors()
        ins = rng.sample(cands, min(len(cands), rng.randint(1, 3)))
        flags = ''
        if any(self.V[o] is self.V[i] for o in outs for i in ins):
            # PyTorch returns the given grad_output itself as the gradient of an input that is an output (the same
            # tensor object); Ember returns a detached alias, which later in-place flag changes tell apart (reported)
            return
        for f, p in (('r', 0.5), ('c', 0.25), ('u', 0.3), ('U', 0.05), ('m', 0.2), ('b', 0.1)):
            if f == 'c' and self.sth:
                continue  # see NO_CREATE_UNDER_STH
            if f == 'b' and ('c' in flags or self.sth):
                # Ember runs a batched grad once per vector (documented in Autograd.grad): with create_graph its
                # result's grad_fn is the stack's, and saved tensors are unpacked once per vector (reported)
                continue
            if rng.random() < p and not (f == 'U' and 'u' in flags):
                flags += f
        batched = 'b' in flags
        gos = '-'
        if batched or any(self.V[o].numel() != 1 for o in outs) or rng.random() < 0.2:
            gos = ','.join(self.grad_input_for(self.V[o], batched) if (self.V[o].numel() != 1 or batched
                                                                        or rng.random() < 0.5) else 'none'
                           for o in outs)
            if all(g == 'none' for g in gos.split(',')):
                gos = '-'
        # 2.x calls the tensor hooks and retain_grad of the captured inputs (engine.cpp evaluate_function: "We always
        # want to call tensor pre-hooks") and captures the hooks' result; 1.13 captures before them and calls them only
        # where the node runs anyway: inputs with a live tensor hook or retaining their gradient are left out
        if any(self.V[i].retains_grad or any(same_key(k, hook_key(self.V[i])) for k in self.thooks.values())
               for i in ins):
            return
        names = [self.fresh('g') for _ in ins]

        def run():
            au = True if 'u' in flags else (False if 'U' in flags else None)
            mat = 'm' in flags
            # 2.x's torch.autograd.grad (materialize_grads, 2.1): emulated, see the header
            if mat and au is False:
                raise ValueError('Expected allow_unused to be True or not passed when materialize_grads=True, but '
                                 'got: allow_unused=False.')
            if au is None:
                au = mat
            go = None if gos == '-' else [None if k == 'none' else self.V[k] for k in gos.split(',')]
            res = torch.autograd.grad([self.V[o] for o in outs], [self.V[i] for i in ins], go,
                                      retain_graph=True if 'r' in flags else None,
                                      create_graph='c' in flags, allow_unused=au, is_grads_batched=batched)
            if mat:
                res = tuple(torch.zeros_like(self.V[i], requires_grad=True) if r is None else r
                            for r, i in zip(res, ins))
            return res
        stmt = 'agrad %s %s %s %s %s' % (','.join(names), ','.join(outs), ','.join(ins), gos, flags or '-')
        self.created |= 'c' in flags
        ok, res = self.attempt(stmt, run)
        if ok:
            for nm, r in zip(names, res):
                if r is not None:
                    self.V[nm] = r
                self.emit(result(r))

    def s_grad(self):
        x = self.pick()
        g = self.V[x].grad
        out = self.fresh('g')
        self.emit('grad %s %s' % (x, out))
        if g is None:
            self.emit('= none')
        else:
            self.V[out] = g
            self.emit('= %s %s %d %d %s %s' % (shape_text(g.shape), shape_text(g.stride()), int(g.requires_grad),
                                               int(g.is_leaf), node_name(g), bits(g)))

    def s_zgrad(self):
        x = self.pick(lambda t: t.grad is not None) or self.pick()
        how = rng.choice(['none', 'zero'])
        t = self.V[x]

        def run():
            if how == 'none':
                t.grad = None
            elif t.grad is not None:
                if t.grad.grad_fn is not None:
                    t.grad.detach_()
                else:
                    t.grad.requires_grad_(False)
                t.grad.zero_()
        self.attempt('zgrad %s %s' % (x, how), run)

    def s_setgrad(self):
        x = self.pick()
        how = rng.choice(['ok', 'ok', 'ok', 'shape', 'dtype', 'meta', 'self'])
        t = self.V[x]

        def run():
            if how == 'ok':
                # contiguous: Ember's full_like does not keep a strided tensor's layout (reported, not fuzzed)
                set_grad_2x(t, torch.full(list(t.shape), 0.5, dtype=F64))
            elif how == 'shape':
                set_grad_2x(t, torch.full([5], 0.5, dtype=F64))
            elif how == 'meta':
                set_grad_2x(t, torch.empty(list(t.shape), dtype=F64, device='meta'))
            elif how == 'self':
                set_grad_2x(t, t)
            else:
                set_grad_2x(t, torch.full_like(t, 0.5, dtype=torch.float32))
        self.attempt('setgrad %s %s' % (x, how), run)

    def leaf_hooked(self, t):
        """Whether t is a leaf with a live tensor hook (see s_detach_)."""
        return t.grad_fn is None and any(k[0] is t for k in self.thooks.values())

    def s_detach_(self):
        x = self.pick()
        if self.leaf_hooked(self.V[x]):
            # a leaf's hooks after detach_ / requires_grad_(False) when a graph already reaches it: 1.13 no longer
            # calls them, Ember does (as it reads 2.x, whose AccumulateGrad reads the hooks off the tensor); not
            # settled here (reported)
            return
        self.attempt('detach_ %s' % x, lambda: self.V[x].detach_())

    def s_rg(self):
        x = self.pick()
        if self.leaf_hooked(self.V[x]):
            return  # see s_detach_
        b = rng.random() < 0.5
        self.attempt('rg_ %s %d' % (x, b), lambda: self.V[x].requires_grad_(b))

    def s_mode(self):
        if self.modes and rng.random() < 0.5:
            self.modes.pop().__exit__(None, None, None)
            self.mode_names.pop()
            self.emit('endmode')
            return
        k = rng.choice(['no', 'en', 'set0', 'set1', 'inf'])
        m = {'no': torch.no_grad, 'en': torch.enable_grad, 'set0': lambda: torch.set_grad_enabled(False),
             'set1': lambda: torch.set_grad_enabled(True), 'inf': torch.inference_mode}[k]()
        m.__enter__()
        self.modes.append(m)
        self.mode_names.append(k)
        self.emit('mode ' + k)

    def s_sth(self):
        if self.sth and rng.random() < 0.5:
            self.sth.pop().__exit__(None, None, None)
            self.emit('endsth')
            return

        def pack(t):
            LOG.append('pack ' + shape_text(t.shape))
            return t

        def unpack(t):
            LOG.append('unpack ' + shape_text(t.shape))
            return t
        cpu = rng.random() < 0.25
        h = torch.autograd.graph.save_on_cpu() if cpu else torch.autograd.graph.saved_tensors_hooks(pack, unpack)
        h.__enter__()
        self.sth.append(h)
        self.emit('sth cpu' if cpu else 'sth log')

    def close(self):
        while self.modes:
            self.modes.pop().__exit__(None, None, None)
            self.emit('endmode')
        while self.sth:
            self.sth.pop().__exit__(None, None, None)
            self.emit('endsth')


def hook_key(t):
    return (t.grad_fn, t.output_nr) if t.grad_fn is not None else (t, 0)


def same_key(a, b):
    return a[0] is b[0] and a[1] == b[1]


def compatible(name, a, b):
    if name == 'matmul':
        return a.dim() == 2 and b.dim() >= 1 and a.shape[-1] == b.shape[0]
    try:
        torch.broadcast_shapes(a.shape, b.shape)
        return True
    except RuntimeError:
        return False


def unary_ok(name, t):
    if name == 't':
        return t.dim() <= 2
    if name == 'sel':
        return t.dim() >= 1
    if name == 'expand':
        return list(t.shape) in ([3], [1, 3], [2, 3], [])
    if name == 'view':
        return t.is_contiguous()
    return True


STATEMENTS = [('op', 9), ('hook', 3), ('unhook', 1), ('pah', 1), ('nhook', 1.5), ('npre', 1), ('retain', 1.5),
              ('back', 4), ('agrad', 3), ('grad', 3), ('zgrad', 1), ('setgrad', 1), ('detach_', 0.7), ('rg', 0.7),
              ('mode', 1.2), ('sth', 0.8)]


def program(pid):
    while True:
        p = Prog(pid)
        try:
            return generate(p)
        except Retry:
            p.close()
            LOG.clear()


def generate(p):
    for _ in range(rng.randint(2, 4)):
        p.add_input()
    n = rng.randint(3, 10)
    names, weights = zip(*STATEMENTS)
    done = 0
    if rng.random() < 0.2:
        # a prelude for gradients of gradients: y = f(x), z = y * y, g = grad(z, x, grad_outputs, create_graph=True);
        # later statements may differentiate g again (through Once: its refusal)
        x = p.add_input(grad=True)
        p.s_op(force=rng.choice(['Once', 'Once', 'Cube', 'sin', 'exp']), arg=x)
        y = 'y%d' % p.n
        p.s_op(force='sq', arg=y)
        z = 'y%d' % p.n
        go = p.grad_input_for(p.V[z])
        g = p.fresh('g')
        p.created = True
        p.attempt('agrad %s %s %s %s c' % (g, z, x, go), lambda: None)
        p.V[g], = torch.autograd.grad([p.V[z]], [p.V[x]], [p.V[go]], create_graph=True)
        p.emit(result(p.V[g]))
        p.flush_log()
    while done < n:
        s = rng.choices(names, weights)[0]
        before = len(p.lines)
        if s == 'nhook':
            p.s_nhook(False)
        elif s == 'npre':
            p.s_nhook(True)
        else:
            getattr(p, 's_' + s)()
        p.flush_log()
        if len(p.lines) > before:
            done += 1
    # the end: every leaf's gradient (None-ness included)
    p.close()
    for k in list(p.V):
        if k.startswith('x') and p.V[k].requires_grad:
            g = p.V[k].grad
            p.emit('grad %s -' % k)
            p.emit('= none' if g is None else '= %s %s %d %d %s %s' % (
                shape_text(g.shape), shape_text(g.stride()), int(g.requires_grad), int(g.is_leaf), node_name(g),
                bits(g)))
    LOG.clear()
    return p.lines


def main():
    out = []
    for k in range(N_PROGRAMS):
        lines = program(k)
        out.append('=== r24_%03d P %d' % (k, len(lines)))
        out.extend(lines)
    sys.stdout.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
