# Writes expected.txt for Leftovers48Test.java (session 48's left-overs), in ExpectedTensors' format: one
# "key TAB [shape] TAB values" line per tensor (values as Python's repr of the float64s), "key TAB value" per scalar.
#   run: cd engine-cpu/src/test/resources/leftovers48 && /usr/bin/python3 make_expected.py > expected.txt
#   (PyTorch 1.13 CPU; inputs from torch.manual_seed(48), written here too, so the test reads the same inputs)
#
# Part 1, gradients nobody asked for: torch.autograd.grad(loss, [x]) and backward(inputs=[x]) compute only the
# gradients the pass needs (Node::task_should_compute_output reads the graph task's exec_info; the same in 1.13 and
# 2.x). The values of the gradients asked for; what a post-hook on the Linear's AddmmBackward0 receives (None where
# a gradient is not computed: "hook.none.I" 1 for None); igamma / igammac / special.zeta, whose formulas raise
# "not implemented" only for an input whose gradient is computed, differentiated with respect to the other input.
#
# Part 2, the *_like factories with their default memory_format=torch.preserve_format (TensorFactories.cpp empty_like,
# the same in 1.13 and 2.x): the input's strides where it is non-overlapping and dense, else dense strides in the
# same order (infer_dense_strides). For each input view of arange(N) ("like.NAME.in": its shape, strides and offset
# as built by as_strided, so the test builds the same view), the strides of zeros_like / ones_like / full_like /
# empty_like / rand_like / randn_like / randint_like ("like.NAME.strides.OP", the strides as a tensor) and the values
# of zeros_like / ones_like / full_like(x, 2.5).
#
# Part 3, written to warnings.txt ("case TAB message", the message empty where none): 2.x's TransformerEncoder.__init__
# warns "enable_nested_tensor is True, but self.use_nested_tensor is False because {why_not_sparsity_fast_path}" when
# enable_nested_tensor is True and the layer cannot take the nested-tensor path. 1.13's __init__ has no such check, so
# this script emulates 2.x's (torch/nn/modules/transformer.py, TransformerEncoder.__init__: its reasons and their order,
# copied below as WHY_NOT) on the 1.13 layers' own attributes, which are the ones 2.x reads.
#
# Part 4, written to messages.txt ("case TAB message"): s.grad = g refused for a sparse COO leaf s. 1.13 says "assigned
# grad has data of a different type / size"; 2.x's THPVariable_set_grad (torch/csrc/autograd/python_variable.cpp,
# as of 2.10: "can't assign Variable as its own grad", then the dtype against the grad_dtype, the device type, the
# device index, the size) says it otherwise, for sparse and dense tensors alike. The script checks that 1.13 refuses
# each case (RuntimeError) and writes 2.x's message, built by SET_GRAD_2X below from the tensors' dtypes (the
# gradient's as its C++ type name, caffe2::TypeMeta's; the tensor's as its ScalarType name) and sizes (IntArrayRef).
#
# Part 5, complex baddbmm below K * M * N = 400 ("cbaddbmm.C.self/b1/b2/out", complex tensors as their real views,
# [..., 2], exact): 2.x runs baddbmm_cpu_kernel (aten/src/ATen/native/LinearAlgebra.cpp) for complex types too, in
# opmath_t = c10::complex<float> / <double>: acc = 0; acc += b1[i, k] * b2[k, j] in k order; beta and alpha converted
# to the complex type (imaginary part 0); r = alpha * acc where beta == 0, else r * beta + alpha * acc; every complex
# product c10::complex's operator*= (a*c - b*d, a*d + b*c), each real operation rounded in the part type (no FMA, as
# the baddbmmbits generator says of this file), so 0 * inf in a product gives NaN. 1.13's baddbmm kernel differs (it
# starts from self * beta), so the expected values are this rule computed step by step (rule_2x below); to show the
# arithmetic is ATen's, the script checks that the plain accumulator reproduces 1.13's torch.bmm bits (the is_bmm
# branch, the same kernel in 1.13 and 2.x) for every case, and stops if not.
#
# Part 6, more of part 1's gradients nobody asked for: embedding_bag's weight and per_sample_weights have separate
# formulas in derivatives.yaml (_embedding_bag_backward and _embedding_bag_per_sample_weights_backward, each run only
# when task_should_compute_output says so, 1.13 and 2.x alike), so autograd.grad with respect to one of them computes
# one; fill_(self, value tensor) (FillBackward3: self zeros_like(grad), value grad.sum(), separate formulas) likewise.
# The values asked for and what a post-hook on the node receives ("...hook.none.I" 1 for None).
#
# Part 7, scaled_dot_product_attention differentiated with respect to the query only ("sdpa.gq"): 2.x's math path
# (_scaled_dot_product_attention_math, a composition: q * sqrt(scale) @ (k^T * sqrt(scale)), softmax, @ v, its bmm
# nodes computing only the operand asked for) and its CPU flash path (one _scaled_dot_product_flash_attention_for_cpu
# node whose backward kernel returns grad_query, grad_key and grad_value together: PyTorch computes all three and
# keeps the one asked for) give the same gradient. 1.13 has no scaled_dot_product_attention, so the script computes
# 2.x's math composition itself.
#
# Part 8, complex dot with respect to its first operand only ("cdot.ga", complex tensors as their real views): dot's
# two formulas (self: grad * tensor.conj(), tensor: grad * self.conj()) are separate, so only self's runs. This
# build's 1.13 torch.dot of complex128 tensors returns 0 (its BLAS call; the script shows it), so the reference is
# dot's definition, (a * b).sum(), whose gradient with respect to a is the same formula.
import os

import torch

torch.manual_seed(48)
D = torch.float64


def put(key, t):
    t = t.detach().to(D).contiguous()
    print('%s\t%s\t%s' % (key, list(t.shape), ' '.join(repr(v) for v in t.reshape(-1).tolist())))


def scalar(key, v):
    print('%s\t%r' % (key, v))


# ---- Linear (AddmmBackward0): grad with respect to the input only, then a full backward
x = torch.randn(4, 3, dtype=D, requires_grad=True)
W = torch.randn(5, 3, dtype=D, requires_grad=True)
b = torch.randn(5, dtype=D, requires_grad=True)
put('lin.x', x)
put('lin.W', W)
put('lin.b', b)
y = torch.nn.functional.linear(x, W, b)
seen = []
y.grad_fn.register_hook(lambda gi, go: seen.append([g is None for g in gi]))
loss = (y * y).sum()
gx, = torch.autograd.grad(loss, [x], retain_graph=True)
put('lin.gx', gx)
assert y.grad_fn.name() == 'AddmmBackward0'
for i, none in enumerate(seen[0]):
    scalar('lin.hook.none.%d' % i, 1.0 if none else 0.0)
loss.backward()
put('lin.full.gx', x.grad)
put('lin.full.gW', W.grad)
put('lin.full.gb', b.grad)
# backward(inputs=[W]): only the weight's gradient accumulates
x.grad = None
W.grad = None
b.grad = None
y2 = torch.nn.functional.linear(x, W, b)
(y2 * y2).sum().backward(inputs=[W])
assert x.grad is None and b.grad is None
put('lin.inputsW.gW', W.grad)

# ---- conv2d (ConvolutionBackward0): grad with respect to the input only, and the weight only
cx = torch.randn(2, 3, 6, 6, dtype=D, requires_grad=True)
cw = torch.randn(4, 3, 3, 3, dtype=D, requires_grad=True)
cb = torch.randn(4, dtype=D, requires_grad=True)
put('conv.x', cx)
put('conv.w', cw)
put('conv.b', cb)
co = torch.nn.functional.conv2d(cx, cw, cb, padding=1)
closs = (co * co).sum()
put('conv.gx', torch.autograd.grad(closs, [cx], retain_graph=True)[0])
put('conv.gw', torch.autograd.grad(closs, [cw], retain_graph=True)[0])
put('conv.gb', torch.autograd.grad(closs, [cb])[0])

# ---- bmm / baddbmm / mm through matmul: grad with respect to one operand
ba = torch.randn(3, 4, 5, dtype=D, requires_grad=True)
bb = torch.randn(3, 5, 2, dtype=D, requires_grad=True)
bs = torch.randn(3, 4, 2, dtype=D, requires_grad=True)
put('bmm.a', ba)
put('bmm.b', bb)
put('bmm.self', bs)
bo = torch.baddbmm(bs, ba, bb, beta=0.5, alpha=2.0)
put('baddbmm.gb', torch.autograd.grad((bo * bo).sum(), [bb])[0])
mo = torch.matmul(ba, bb)
put('bmm.ga', torch.autograd.grad((mo * mo).sum(), [ba])[0])

# ---- formulas that raise only for an input whose gradient is computed
ia = (torch.rand(5, dtype=D) * 3 + 0.5).requires_grad_()
ix = (torch.rand(5, dtype=D) * 3 + 0.1).requires_grad_()
put('igamma.a', ia)
put('igamma.x', ix)
put('igamma.gx', torch.autograd.grad(torch.igamma(ia, ix).sum(), [ix])[0])
put('igammac.gx', torch.autograd.grad(torch.igammac(ia, ix).sum(), [ix])[0])
ix.grad = None
torch.igamma(ia, ix).sum().backward(inputs=[ix])
assert ia.grad is None
put('igamma.inputs.gx', ix.grad)
zx = (torch.rand(4, dtype=D) * 2 + 1.5).requires_grad_()
zq = (torch.rand(4, dtype=D) * 2 + 0.5).requires_grad_()
put('zeta.x', zx)
put('zeta.q', zq)
put('zeta.gq', torch.autograd.grad(torch.special.zeta(zx, zq).sum(), [zq])[0])

# ---- part 2: *_like strides
base = torch.arange(2 * 3 * 4 * 5, dtype=D)
views = {
    'contiguous': base[:24].reshape(2, 3, 4),
    'transposed': base[:12].reshape(3, 4).t(),
    'permuted': base[:24].reshape(2, 3, 4).permute(2, 0, 1),
    'channelslast': base.reshape(2, 3, 4, 5).contiguous(memory_format=torch.channels_last),
    'expanded': base[:4].reshape(4, 1).expand(4, 3),
    'sliced': base.reshape(4, 30)[:, ::3],
    'slicedtransposed': base.reshape(4, 30)[::2, 1::4].t(),
    'sizeone': base[:6].as_strided((3, 1, 2), (2, 7, 1)),
    'scalar': base[5],
}
for name, v in views.items():
    put('like.%s.in' % name, torch.tensor(list(v.shape) + [-1] + list(v.stride()) + [-1, v.storage_offset()], dtype=D))
    outs = {
        'zeros': torch.zeros_like(v), 'ones': torch.ones_like(v), 'full': torch.full_like(v, 2.5),
        'empty': torch.empty_like(v), 'rand': torch.rand_like(v), 'randn': torch.randn_like(v),
        'randint': torch.randint_like(v, 0, 5),
    }
    for op, o in outs.items():
        put('like.%s.strides.%s' % (name, op), torch.tensor(o.stride(), dtype=D))
    put('like.%s.values.zeros' % name, outs['zeros'])
    put('like.%s.values.ones' % name, outs['ones'])
    put('like.%s.values.full' % name, outs['full'])


# ---- part 3: TransformerEncoder's construction warning (2.x's __init__ emulated, see the header)
def WHY_NOT(encoder_layer):
    enc_layer = "encoder_layer"
    why_not_sparsity_fast_path = ''
    if not isinstance(encoder_layer, torch.nn.TransformerEncoderLayer):
        why_not_sparsity_fast_path = f"{enc_layer} was not TransformerEncoderLayer"
    elif encoder_layer.norm_first:
        why_not_sparsity_fast_path = f"{enc_layer}.norm_first was True"
    elif not encoder_layer.self_attn.batch_first:
        why_not_sparsity_fast_path = (f"{enc_layer}.self_attn.batch_first was not True" +
                                      "(use batch_first for better inference performance)")
    elif not encoder_layer.self_attn._qkv_same_embed_dim:
        why_not_sparsity_fast_path = f"{enc_layer}.self_attn._qkv_same_embed_dim was not True"
    elif not encoder_layer.activation_relu_or_gelu:
        why_not_sparsity_fast_path = f"{enc_layer}.activation_relu_or_gelu was not True"
    elif not (encoder_layer.norm1.eps == encoder_layer.norm2.eps):
        why_not_sparsity_fast_path = f"{enc_layer}.norm1.eps was not equal to {enc_layer}.norm2.eps"
    elif encoder_layer.self_attn.num_heads % 2 == 1:
        why_not_sparsity_fast_path = f"{enc_layer}.self_attn.num_heads is odd"
    return why_not_sparsity_fast_path


def warning(layer, enable_nested_tensor=True):
    torch.nn.TransformerEncoder(layer, 2, enable_nested_tensor=enable_nested_tensor)  # 1.13 builds it silently
    why = WHY_NOT(layer)
    if enable_nested_tensor and why:
        return "enable_nested_tensor is True, but self.use_nested_tensor is False because " + why
    return ''


L = torch.nn.TransformerEncoderLayer
CASES = [
    ('default', warning(L(8, 2))),
    ('normfirst', warning(L(8, 2, batch_first=True, norm_first=True))),
    ('normfirst_seqfirst', warning(L(8, 2, norm_first=True))),
    ('sigmoid', warning(L(8, 2, activation=torch.nn.Sigmoid(), batch_first=True))),
    ('sigmoid_oddheads', warning(L(9, 3, activation=torch.nn.Sigmoid(), batch_first=True))),
    ('oddheads', warning(L(9, 3, batch_first=True))),
    ('gelu_module', warning(L(8, 2, activation=torch.nn.GELU(), batch_first=True))),
    ('gelu_name', warning(L(8, 2, activation="gelu", batch_first=True))),
    ('fastpath', warning(L(8, 2, batch_first=True))),
    ('disabled', warning(L(8, 2), enable_nested_tensor=False)),
]
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'warnings.txt'), 'w') as f:
    for name, message in CASES:
        f.write('%s\t%s\n' % (name, message))


# ---- part 4: a sparse leaf's .grad assignment refused in 2.x's words
CPP = {torch.float32: 'float', torch.float64: 'double'}
SCALAR = {torch.float32: 'Float', torch.float64: 'Double'}


def SET_GRAD_2X(var, grad):
    if var is grad:
        return "can't assign Variable as its own grad"
    if var.dtype != grad.dtype:
        return ("attempting to assign a gradient with dtype '%s' to a tensor with grad_dtype '%s'. The gradient must "
                "match the tensor's grad_dtype (defaults to the tensor's dtype). You can set the tensor's grad_dtype "
                "attribute with a specific dtype, or None to allow any dtype. Set grad_dtype with caution. Diverging "
                "the dtypes of a tensor and its gradient may break downstream systems that assume they match."
                % (CPP[grad.dtype], SCALAR[var.dtype]))
    if var.shape != grad.shape:
        return ("attempting to assign a gradient of size '%s' to a tensor of size '%s'. Please ensure that the "
                "gradient and the tensor are the same size" % (list(grad.shape), list(var.shape)))
    return ''


si = torch.tensor([[0, 1, 1], [2, 0, 2]])
sv = torch.tensor([3.0, 4.0, 5.0], dtype=D)
leaf = torch.sparse_coo_tensor(si, sv, (2, 3)).requires_grad_()
refused = {
    'sparse.size': torch.sparse_coo_tensor(si, sv, (2, 4)),
    'sparse.type': torch.sparse_coo_tensor(si, sv.float(), (2, 3)),
    'sparse.typeandsize': torch.sparse_coo_tensor(si, sv.float(), (2, 4)),
    'sparse.self': leaf,
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'messages.txt'), 'w') as f:
    for name, g in refused.items():
        try:
            leaf.grad = g
            raise SystemExit('1.13 took ' + name)
        except RuntimeError:
            pass
        assert leaf.grad is None
        f.write('%s\t%s\n' % (name, SET_GRAD_2X(leaf, g)))


# ---- part 5: complex baddbmm of small products (2.x's baddbmm_cpu_kernel step by step, see the header)
import numpy as np
np.seterr(all='ignore')  # 0 * inf and inf - inf are meant


def part_op(dt):
    return np.float32 if dt == torch.complex64 else np.float64


def cmul(op, a, b, c, d):
    # c10::complex operator*=: (a*c - b*d, a*d + b*c), each real operation rounded in the part type
    return op(op(a * c) - op(b * d)), op(op(a * d) + op(b * c))


def accumulated(op, x, y, b, i, j, K):
    ar, ai = op(0), op(0)
    for k in range(K):
        pr, pi = cmul(op, op(x[b, i, k].real), op(x[b, i, k].imag), op(y[b, k, j].real), op(y[b, k, j].imag))
        ar, ai = op(ar + pr), op(ai + pi)
    return ar, ai


def rule_2x(s, x, y, beta, alpha, dt, plain=False):
    op = part_op(dt)
    B, M, K = x.shape
    N = y.shape[2]
    be, al = op(beta), op(alpha)
    r = np.empty((B, M, N), dtype=np.complex64 if dt == torch.complex64 else np.complex128)
    for b in range(B):
        for i in range(M):
            for j in range(N):
                ar, ai = accumulated(op, x, y, b, i, j, K)
                if plain:
                    r[b, i, j] = complex(ar, ai)
                    continue
                tr, ti = cmul(op, al, op(0), ar, ai)
                if be == 0:
                    r[b, i, j] = complex(tr, ti)
                else:
                    sr, si = cmul(op, op(s[b, i, j].real), op(s[b, i, j].imag), be, op(0))
                    r[b, i, j] = complex(op(sr + tr), op(si + ti))
    return torch.from_numpy(r)


CSHAPES = [(2, 3, 4, 5), (1, 7, 7, 7), (2, 1, 1, 1), (1, 3, 7, 19)]
CFACTORS = [(0, 1), (1, 1), (0.5, -2), (1e-50, 1), (-2, 0.1)]
n = 0
for dt in (torch.complex64, torch.complex128):
    for si, (B, M, K, N) in enumerate(CSHAPES):
        for fi, (beta, alpha) in enumerate(CFACTORS):
            s = torch.randn(B, M, N, dtype=dt)
            if fi in (0, 3, 4):
                # ignored where the converted beta is 0 (1e-50 is 0 as a float, not as a double); an infinite part
                # meets beta's zero imaginary part (NaN) elsewhere
                s.view(-1)[0] = complex(float('nan'), 1.0)
                s.view(-1)[-1] = complex(1.0, float('inf'))
            b1 = torch.randn(B, M, K, dtype=dt)
            b2 = torch.randn(B, K, N, dtype=dt)
            if torch.view_as_real(torch.bmm(b1, b2)).ne(torch.view_as_real(rule_2x(None, b1.numpy(), b2.numpy(), 0, 1, dt,
                                                                                 plain=True))).any():
                raise SystemExit('the plain accumulator does not reproduce torch.bmm')
            out = rule_2x(s.numpy(), b1.numpy(), b2.numpy(), beta, alpha, dt)
            key = 'cbaddbmm.%d' % n
            scalar(key + '.dtype', 64.0 if dt == torch.complex64 else 128.0)
            scalar(key + '.beta', float(beta))
            scalar(key + '.alpha', float(alpha))
            put(key + '.self', torch.view_as_real(s))
            put(key + '.b1', torch.view_as_real(b1))
            put(key + '.b2', torch.view_as_real(b2))
            put(key + '.out', torch.view_as_real(out))
            n += 1
scalar('cbaddbmm.count', float(n))

# ---- part 6: embedding_bag and fill_(tensor) with respect to one input (see the header); its own seed
torch.manual_seed(4806)
ew = torch.randn(7, 4, dtype=D, requires_grad=True)
eidx = torch.tensor([1, 3, 3, 6, 0, 2, 5, 1])
eoff = torch.tensor([0, 3, 3, 5])
epsw = torch.randn(8, dtype=D, requires_grad=True)
put('ebag.w', ew)
put('ebag.idx', eidx)
put('ebag.off', eoff)
put('ebag.psw', epsw)


def ebag_hooked():
    out = torch.nn.functional.embedding_bag(eidx, ew, eoff, mode='sum', per_sample_weights=epsw)
    assert out.grad_fn.name() == 'EmbeddingBagBackward0'
    seen = []
    out.grad_fn.register_hook(lambda gi, go: seen.append([g is None for g in gi]))
    return out, seen


for which, wrt in (('w', ew), ('psw', epsw)):
    out, seen = ebag_hooked()
    put('ebag.g%s' % which, torch.autograd.grad((out * out).sum(), [wrt])[0])
    for i, none in enumerate(seen[0]):
        scalar('ebag.%s.hook.none.%d' % (which, i), 1.0 if none else 0.0)

fs = torch.randn(3, 4, dtype=D, requires_grad=True)
fv = torch.randn((), dtype=D, requires_grad=True)
put('fill.self', fs)
put('fill.value', fv)
for which, wrt in (('self', fs), ('value', fv)):
    c = fs.clone()
    c.fill_(fv)
    assert c.grad_fn.name() == 'FillBackward3'
    seen = []
    c.grad_fn.register_hook(lambda gi, go: seen.append([g is None for g in gi]))
    put('fill.g%s' % which, torch.autograd.grad((c * torch.arange(12, dtype=D).view(3, 4)).sum(), [wrt])[0])
    for i, none in enumerate(seen[0]):
        scalar('fill.%s.hook.none.%d' % (which, i), 1.0 if none else 0.0)

# ---- part 7: scaled_dot_product_attention with respect to the query only (see the header); its own seed
torch.manual_seed(4807)
sq = torch.randn(2, 3, 5, 4, dtype=D, requires_grad=True)
sk = torch.randn(2, 3, 6, 4, dtype=D, requires_grad=True)
sv = torch.randn(2, 3, 6, 4, dtype=D, requires_grad=True)
put('sdpa.q', sq)
put('sdpa.k', sk)
put('sdpa.v', sv)
root = (1.0 / 4 ** 0.5) ** 0.5
so = torch.softmax((sq * root) @ (sk.transpose(-2, -1) * root), dim=-1) @ sv
put('sdpa.gq', torch.autograd.grad((so * so).sum(), [sq])[0])

# ---- part 8: complex dot with respect to the first operand only (see the header); its own seed
torch.manual_seed(4808)
ca = torch.randn(6, dtype=torch.complex128, requires_grad=True)
cb = torch.randn(6, dtype=torch.complex128, requires_grad=True)
put('cdot.a', torch.view_as_real(ca))
put('cdot.b', torch.view_as_real(cb))
assert torch.dot(ca, cb).grad_fn.name() == 'DotBackward0'
if torch.dot(ca, cb).abs().item() != 0:
    raise SystemExit("1.13's complex dot is no longer 0: use it as the reference")
put('cdot.ga', torch.view_as_real(torch.autograd.grad((ca * cb).sum().abs(), [ca])[0]))
