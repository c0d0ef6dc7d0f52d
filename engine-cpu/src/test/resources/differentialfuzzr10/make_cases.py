# Differential fuzz, round 10 (DifferentialFuzzR10Test.java): the CPU kernels' shape-chosen paths, at, just below and
# just above each boundary where a kernel switches path (rounds 1-9 drew random shapes, which rarely land there).
#   run: cd engine-cpu/src/test/resources/differentialfuzzr10 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13, CPU; deterministic: no random draws)
#
# The boundaries (engine-cpu's kernels as of session 38; L = floats per vector, 16 with AVX-512, 8 with AVX2):
# - Gemm: tiles of 6 or 8 rows x 2L columns and the narrow 8 x L tile (large products only); MC = 20 row panels;
#   NC = 2048 columns; KC from the caches: kcL1 (256 on a 48 KiB L1) where C fits half of L2, kcMax (1088 on a 2 MiB
#   L2 with the 8x32 tile) otherwise or where A's rows are read in place; operands packed when more than 4 panels
#   reuse them (PACK_REUSE); the one-row/one-column GEMV (m = 1 or n = 1: contiguous rows of B, or a contiguous x and
#   B's columns); dot products (dots) for m n <= 512 at a depth of at least 256 with A's rows and B's columns
#   contiguous; fewRows (m <= 4, depth >= 256, same layout, the columns split over the threads from m n k >= 8 * 2^17);
#   the depth split (k >= 512, k >= 4 max(m, n), C in half of L2, m n k >= 64 * 2^17, two threads or more); the
#   orientation (C^T = B^T A^T) and the strided C it may give; float64 runs a plain loop.
# - Convolutions (float32): the direct kernels for stride 1, dilation 1, output channels per group a multiple of L and
#   at most 400 output pixels (DirectConv.MAX_PIXELS), also larger images with a spatial kernel and >= 2L output
#   channels per group; row kernels for kernels 3 (and 5 with 32 registers) wide over output rows of >= 8 pixels;
#   the input gradient as the forward pass of the flipped weights (padding <= kernel - 1); otherwise im2col + GEMM
#   with up to 512 output pixels of several samples in one product (BATCH_COLUMNS), samples chunked over threads.
# - Max pooling: the 2x2 stride-2 window without padding (unrolled, vector rows), uint8 window codes for windows of at
#   most 255 positions (int64 indices above), disjoint windows in the backward; average pooling with ceil mode,
#   padding, count_include_pad and divisor_override.
# - Reductions: ColumnReduce where the kept dims include the contiguous one, one contiguous run split over the
#   threads, the per-output loop, dims merged where they lie as one run.
# - FFT: mixed radix 4/2/3/5 and generic odd radices, Bluestein where the direct plan costs more, SIMD lanes across the
#   batch (padded last block when at least half full), interleaved sequences along a non-last dim.
# - Quantized: the int8 GEMM of linear (static, dynamic) and conv2d at tile edges of the output and depth.
# - Softmax, the normalization layers and resampling at sizes CpuThreads shares out; NaN and infinities through the
#   paths that special-case them; empty operands.
#
# Inputs are not stored: tensor i of a case is gen(base shape, seed) (below; Java's twin is
# DifferentialFuzzR10Test.gen), then the view steps of its recipe (round 1's syntax). The values are multiples of 1/32
# in [-2, 2], so products and sums of a matrix product or convolution are exact in float32 as well as float64: for
# those ("exact" families) PyTorch's float32 result equals its float64 one, which this script checks, and Ember's must
# equal it bit for bit (tol32 0). Other ops get tol32 = 4 times PyTorch's own float32 error against its float64
# result, at least 1e-5 (round 9's float32_tol).
#
# Format (one case):
#   === <id> <op>
#   note <which boundary>
#   in<i> [base shape] seed <s> [@ <view steps>]        tensor inputs; "cplx" after the seed: view_as_complex after
#                                                        the steps (the base's last dim is 2)
#   args <key>=<v,v,...> ...                             the op's other arguments; special=<k>:<v>,... writes v
#                                                        (nan, inf, -inf) at flat position k of input 0's base
#   out float64 [shape] : values                         PyTorch's float64 result (view_as_real of a complex one);
#                                                        over FULL = 512 values "out float64 [shape] digest d0 d1 d2
#                                                        sample i=v ...": the sums d_j = sum_k v_k c_j(k) with the
#                                                        small integer weights of digest_weights (exact in float64 for
#                                                        the exact families) and 32 values spread over the tensor
#   tol32 <t>                                            float32 tolerance, relative (0: bit for bit)
#   grad<i> float64 [shape] : values | none              gradient of sum(out * w) for base i, w[k] = 1 + 0.5 ((3k) mod 11)
#   gtol32 <t>                                           the float32 gradients' tolerance
#   error <message>                                      PyTorch's message (first line) instead
#   quantized cases: qout <dtype> [shape] : values        PyTorch's float32 output or the quint8 output's integers,
#                    qtol <t>                             within t (absolute): see quantized() (onednn, not FBGEMM)
import importlib.util
import math
import os
import re
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def gen(shape, seed):
    n = 1
    for s in shape:
        n *= s
    # splitmix64's finalizer over (k + 1) C1 + seed C2 (mod 2^64): uncorrelated between tensors, so sums of products
    # stay small (a plain multiplicative hash made two operands' sequences shifted copies, and their long dot
    # products left the range where float32 sums are exact)
    with np.errstate(over='ignore'):
        x = (np.arange(1, n + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
             + np.uint64(seed) * np.uint64(0xBF58476D1CE4E5B9))
        x ^= x >> np.uint64(31)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(29)
    v = ((x >> np.uint64(40)) % np.uint64(129)).astype(np.int64) - 64
    return torch.from_numpy(v.astype(np.float64)).reshape(shape) / 32


# round 1's view recipes and gradient weights (../fuzz/make_cases.py), imported as round 9 imports them
HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location('fuzz_r1', os.path.join(HERE, '..', 'fuzz', 'make_cases.py'))
r1 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(r1)


def view(t, recipe):
    """The view steps of a recipe; "transpose a b" (which round 1's replay lacks) as the permute that swaps a and b."""
    if not recipe:
        return t
    steps = []
    for step in recipe.split(' ; '):
        w = step.split()
        if w[0] == 'transpose':
            p = list(range(t.dim() if not steps else r1.replay(t, steps).dim()))
            a, b = int(w[1]), int(w[2])
            p[a], p[b] = p[b], p[a]
            step = 'permute ' + ' '.join(map(str, p))
        steps.append(step)
    return r1.replay(t, steps)


def ints(v):
    return [int(x) for x in v.split(',')]


def parse_args(text):
    out = {}
    for tok in text.split():
        k, v = tok.split('=')
        out[k] = v
    return out


def fmt(t, full=False):
    """A tensor line: every value, or for more than FULL values the shape, DIGESTS weighted sums and SAMPLES values."""
    t = t.detach()
    name = str(t.dtype).replace('torch.', '')
    flat = t.reshape(-1)
    n = flat.numel()
    if n > FULL and t.dtype.is_floating_point and not full:
        k = torch.arange(n, dtype=torch.int64)
        sums = [(flat.double() * digest_weights(k, j).double()).sum().item() for j in range(DIGESTS)]
        at = sorted(set((i * (n - 1)) // (SAMPLES - 1) for i in range(SAMPLES)))
        return '%s %s digest %s sample %s' % (name, list(t.shape), ' '.join(repr(v) for v in sums),
                                              ' '.join('%d=%r' % (i, float(flat[i])) for i in at))
    vals = flat.tolist()
    if t.dtype.is_floating_point:
        vals = [repr(float(v)) for v in vals]
    else:
        vals = [str(int(v)) for v in vals]
    return '%s %s : %s' % (name, list(t.shape), ' '.join(vals))


FULL = 512
DIGESTS = 3
SAMPLES = 32


def digest_weights(k, j):
    """Weight j of element k in a digest: small integers, so a digest of exact values is exact in float64."""
    if j == 0:
        return torch.ones_like(k)
    if j == 1:
        return k % 7 - 3
    return (k * 40503 >> 5) % 17 - 8


EXACT = {'matmul', 'addmm', 'linear', 'bmm', 'conv1d', 'conv2d', 'conv3d', 'convT1d', 'convT2d', 'convT3d',
         'maxpool1d', 'maxpool2d', 'maxpool3d', 'sum', 'amax', 'amin'}


def call(op, ins, a):
    """PyTorch's result of case op on the (viewed) inputs, a real tensor."""
    if op == 'matmul':
        return torch.matmul(ins[0], ins[1])
    if op == 'bmm':
        return torch.bmm(ins[0], ins[1])
    if op == 'addmm':
        return torch.addmm(ins[0], ins[1], ins[2], beta=float(a['beta']), alpha=float(a['alpha']))
    if op == 'linear':
        return F.linear(ins[0], ins[1], ins[2] if len(ins) > 2 else None)
    if op in ('conv1d', 'conv2d', 'conv3d'):
        fn = {'conv1d': F.conv1d, 'conv2d': F.conv2d, 'conv3d': F.conv3d}[op]
        return fn(ins[0], ins[1], ins[2] if len(ins) > 2 else None, ints(a['stride']), ints(a['padding']),
                  ints(a['dilation']), int(a['groups']))
    if op in ('convT1d', 'convT2d', 'convT3d'):
        fn = {'convT1d': F.conv_transpose1d, 'convT2d': F.conv_transpose2d, 'convT3d': F.conv_transpose3d}[op]
        return fn(ins[0], ins[1], ins[2] if len(ins) > 2 else None, ints(a['stride']), ints(a['padding']),
                  ints(a['outpad']), int(a['groups']), ints(a['dilation']))
    if op in ('maxpool1d', 'maxpool2d', 'maxpool3d'):
        fn = {'maxpool1d': F.max_pool1d, 'maxpool2d': F.max_pool2d, 'maxpool3d': F.max_pool3d}[op]
        return fn(ins[0], ints(a['kernel']), ints(a['stride']), ints(a['padding']), ints(a['dilation']),
                  a['ceil'] == '1')
    if op in ('avgpool1d', 'avgpool2d', 'avgpool3d'):
        div = int(a['div'])
        if op == 'avgpool1d':
            return F.avg_pool1d(ins[0], ints(a['kernel']), ints(a['stride']), ints(a['padding']), a['ceil'] == '1',
                                a['cip'] == '1')
        fn = F.avg_pool2d if op == 'avgpool2d' else F.avg_pool3d
        return fn(ins[0], ints(a['kernel']), ints(a['stride']), ints(a['padding']), a['ceil'] == '1', a['cip'] == '1',
                  div if div else None)
    if op in ('sum', 'mean', 'amax', 'amin', 'var', 'std', 'prod', 'logsumexp'):
        x = ins[0]
        keep = a['keepdim'] == '1'
        dims = ints(a['dims']) if a['dims'] != 'all' else None
        if op == 'prod':
            return x.prod(dims[0], keep) if dims is not None else x.prod()
        if dims is None:
            return getattr(x, op)()
        return getattr(x, op)(dims, keepdim=keep)
    if op in ('softmax', 'log_softmax'):
        return getattr(F, op)(ins[0], int(a['dim']))
    if op == 'layer_norm':
        return F.layer_norm(ins[0], ints(a['shape']), ins[1], ins[2], 1e-5)
    if op == 'group_norm':
        return F.group_norm(ins[0], int(a['groups']), ins[1], ins[2], 1e-5)
    if op == 'batch_norm':
        return F.batch_norm(ins[0], None, None, ins[1], ins[2], True, 0.1, 1e-5)
    if op == 'interpolate':
        size = ints(a['size'])
        ac = {'none': None, '0': False, '1': True}[a['align']]
        return F.interpolate(ins[0], size=size, mode=a['mode'], align_corners=ac)
    if op in ('fft', 'ifft', 'rfft', 'irfft', 'hfft', 'ihfft'):
        n = int(a['n'])
        r = getattr(torch.fft, op)(ins[0], n if n else None, int(a['dim']), a['norm'])
        return torch.view_as_real(r.resolve_conj()) if r.is_complex() else r
    if op in ('fftn', 'ifftn', 'rfftn', 'irfftn'):
        s = ints(a['s']) if a['s'] != 'none' else None
        r = getattr(torch.fft, op)(ins[0], s, ints(a['dims']), a['norm'])
        return torch.view_as_real(r.resolve_conj()) if r.is_complex() else r
    raise ValueError(op)


def specials(text):
    """args special=<flat index>:<value>,...: values (nan, inf, -inf, numbers) written into input 0's base."""
    out = []
    for item in text.split(',') if text else []:
        k, v = item.split(':')
        out.append((int(k), float(v)))
    return out


def make_inputs(case, dtype, grad):
    bases, views = [], []
    special = specials(parse_args(case.get('args', '')).get('special', ''))
    for (shape, seed, recipe, cplx) in case['ins']:
        b = gen(shape, seed).to(dtype)
        if not bases:
            for k, v in special:
                b.view(-1)[k] = v
        if grad:
            b.requires_grad_(True)
        v = view(b, recipe)
        if cplx:
            v = torch.view_as_complex(v)
        bases.append(b)
        views.append(v)
    return bases, views


def rel_err(got, ref):
    if got.numel() == 0:
        return 0.0
    return ((got.double() - ref) / ref.abs().clamp(min=1)).abs().nan_to_num(0.0).max().item()


def run_case(cid, case, out):
    op = case['op']
    a = parse_args(case.get('args', ''))
    lines = ['=== %s %s' % (cid, op), 'note ' + case['note']]
    for i, (shape, seed, recipe, cplx) in enumerate(case['ins']):
        lines.append('in%d %s seed %d%s%s' % (i, list(shape), seed, ' cplx' if cplx else '',
                                            (' @ ' + recipe) if recipe else ''))
    if case.get('args'):
        lines.append('args ' + case['args'])
    if op.startswith('q'):
        lines += quantized(op, case, a)
        out.write('\n'.join(lines) + '\n\n')
        return
    grad = case.get('grad', True)
    bases, views = make_inputs(case, torch.float64, grad)
    try:
        res = call(op, views, a)
    except Exception as e:  # noqa  PyTorch's refusal is the expected result
        msg = str(e).split('\n')[0]
        m = re.match(r'pad should be at most half of kernel size, but got pad=(\d+) and kernel_size=(\d+)$', msg)
        if m:
            # 2.x's pooling_output_shape names the effective kernel and the dilation (Ember follows 2.x)
            msg = ('pad should be at most half of effective kernel size, but got pad=%s, kernel_size=%s and '
                   'dilation=%s' % (m.group(1), m.group(2), ints(a['dilation'])[0] if 'dilation' in a else 1))
            lines.append("note2 2.x's words (1.13: pad should be at most half of kernel size, ...)")
        lines.append('error ' + msg)
        out.write('\n'.join(lines) + '\n\n')
        return
    b32, v32 = make_inputs(case, torch.float32, grad)
    r32 = call(op, v32, a)
    exact = op in EXACT
    err = rel_err(r32, res.detach())
    if exact and err != 0:
        raise AssertionError('%s: float32 not exact (%g): make the case smaller' % (cid, err))
    lines.append('out ' + fmt(res))
    lines.append('tol32 %s' % ('0' if exact else '%.3g' % max(1e-5, 4 * err)))
    if grad and res.requires_grad:
        (res * r1.weights(res)).sum().backward()
        (r32 * r1.weights(r32)).sum().backward()
        gerr = 0.0
        for i, (b, c) in enumerate(zip(bases, b32)):
            lines.append('grad%d %s' % (i, 'none' if b.grad is None else fmt(b.grad)))
            if b.grad is not None:
                gerr = max(gerr, rel_err(c.grad, b.grad))
        gexact = exact and op not in ('amax', 'amin')  # ties share the gradient: w / count
        if gexact and gerr != 0:
            raise AssertionError('%s: float32 gradient not exact (%g): make the case smaller' % (cid, gerr))
        lines.append('gtol32 %s' % ('0' if gexact else '%.3g' % max(1e-5, 4 * gerr)))
    out.write('\n'.join(lines) + '\n\n')


def quantized(op, case, a):
    """The int8 GEMM cases: the inputs quantized with the scales and zero points of args, PyTorch's output with the
    absolute tolerance qtol. This PyTorch build has no FBGEMM (its engines: onednn, qnnpack), whose arithmetic Ember
    copies, and onednn rounds and orders its float steps its own way (../quantdynamic and ../staticquant transcribe
    FBGEMM for their exact checks): here the output within one quantum (static, quint8), or for the dynamic layer within
    x_scale * max_j sum_k |w_jk| (both results lie within half that of x W^T + b with the exact weight)."""
    torch.backends.quantized.engine = 'onednn'
    _, ins = make_inputs(case, torch.float32, False)
    ws = float(a['wscale'])
    qw = torch.quantize_per_tensor(ins[1], ws, 0, torch.qint8)
    bias = ins[2] if len(ins) > 2 else None
    try:
        if op == 'qlinear_dynamic':
            packed = torch.ops.quantized.linear_prepack(qw, bias)
            r = torch.ops.quantized.linear_dynamic(ins[0], packed, True)
            mn = min(0.0, ins[0].min().item())
            mx = max(0.0, ins[0].max().item())
            xs = (mx - mn) / 127
            tol = xs * qw.dequantize().abs().sum(1).max().item()
            return ["qout " + fmt(r, True), "qtol %r" % tol]
        qx = torch.quantize_per_tensor(ins[0], float(a['xscale']), int(a['xzp']), torch.quint8)
        if op == 'qlinear':
            packed = torch.ops.quantized.linear_prepack(qw, bias)
            r = torch.ops.quantized.linear(qx, packed, float(a['oscale']), int(a['ozp']))
        else:
            packed = torch.ops.quantized.conv2d_prepack(qw, bias, ints(a['stride']), ints(a['padding']),
                                                        ints(a['dilation']), int(a['groups']))
            r = torch.ops.quantized.conv2d(qx, packed, float(a['oscale']), int(a['ozp']))
        return ['qout ' + fmt(r.int_repr()), 'qtol 1']
    except Exception as e:  # noqa
        return ['error ' + str(e).split('\n')[0]]


# ---------------------------------------------------------------- the cases

CASES = []


def add(op, note, ins, args='', grad=True):
    """ins: (base shape, recipe or None[, complex]) per tensor; seeds are numbered per case."""
    full = []
    for i, t in enumerate(ins):
        shape, recipe = t[0], t[1]
        cplx = len(t) > 2 and t[2]
        full.append((list(shape), 11 * (len(CASES) + 1) + i, recipe, cplx))
    CASES.append({'op': op, 'note': note, 'ins': full, 'args': args, 'grad': grad})


def mm_operand(rows, cols, layout):
    """(base shape, recipe) of a [rows, cols] operand: row-major ('n'), stored by columns ('t'), or strided ('s':
    every second row and column of a larger matrix, neither rows nor columns contiguous)."""
    if layout == 'n':
        return [rows, cols], None
    if layout == 't':
        return [cols, rows], 'transpose 0 1'
    return [2 * rows + 1, 2 * cols], 'slice 0 1 %d 2 ; slice 1 0 %d 2' % (2 * rows + 1, 2 * cols)


def matmul(m, n, k, la, lb, note):
    add('matmul', note + ' (%dx%dx%d, A %s, B %s)' % (m, n, k, la, lb), [mm_operand(m, k, la), mm_operand(k, n, lb)])


# tile edges: 6 and 8 rows, 16 and 32 columns (AVX-512 2L = 32, narrow L = 16; AVX2 2L = 16, narrow 8)
for m in (5, 6, 7, 8, 9, 12, 13, 16, 17):
    for n in (15, 16, 17, 31, 32, 33):
        matmul(m, n, 19, 'n', 'n', 'tile edges')
for (m, n) in ((24, 40), (25, 40), (32, 48), (33, 48), (48, 64), (49, 65), (40, 128), (40, 129), (13, 160), (13, 161)):
    for la, lb in (('n', 'n'), ('t', 'n'), ('n', 't'), ('t', 't'), ('s', 'n'), ('n', 's')):
        matmul(m, n, 23, la, lb, 'PACK_REUSE: row panels 4/5 (6 and 8 rows), column panels 4/5 (16 and 32 columns)')
# MC: 120 rows (6-row tile), 160 (8-row tile)
for m in (119, 120, 121, 159, 160, 161):
    matmul(m, 20, 9, 'n', 'n', 'MC = 20 row panels')
    matmul(m, 20, 9, 't', 't', 'MC = 20 row panels, both operands by columns')
# NC = 2048 columns
for n in (2047, 2048, 2049):
    matmul(3, n, 5, 'n', 'n', 'NC = 2048')
    matmul(7, n, 3, 'n', 't', 'NC = 2048, B by columns')
# KC: kcL1 = 256 (C in L2), kcMax = 1088 (A's rows in place: few column panels; or C beyond half of L2)
for k in (255, 256, 257, 263, 264, 511, 512, 513):
    matmul(20, 70, k, 'n', 'n', 'KC boundaries (kcL1 256, evened blocks)')
    matmul(20, 70, k, 't', 'n', 'KC boundaries, A by columns')
for k in (1087, 1088, 1089, 1096, 2176, 2177):
    matmul(10, 40, k, 'n', 'n', 'KC boundaries (kcMax 1088 with A rows in place)')
    matmul(10, 40, k, 'n', 't', 'kcMax, B by columns')
# GEMV: one row or one column
for (m, n, k) in ((1, 1, 1), (1, 33, 255), (1, 33, 256), (1, 1030, 1024), (1, 1031, 1025), (33, 1, 256),
                  (1030, 1, 1024), (1, 1, 300)):
    for la, lb in (('n', 'n'), ('n', 't'), ('t', 'n'), ('t', 't'), ('s', 's')):
        matmul(m, n, k, la, lb, 'GEMV m = 1 or n = 1 (split over threads from n k >= 2^20)')
# dots (m n <= 512, k >= 256, A rows and B columns contiguous)
for (m, n, k) in ((16, 32, 255), (16, 32, 256), (16, 32, 257), (16, 33, 256), (17, 30, 300), (2, 256, 300),
                  (3, 170, 256), (9, 57, 4096), (16, 32, 16384)):
    matmul(m, n, k, 'n', 't', 'dots: m n <= 512, depth >= 256')
    matmul(m, n, k, 'n', 'n', 'dots: not taken (B by rows)')
# fewRows (m <= 4, k >= 256, A rows and B columns contiguous; columns split over threads from m n k >= 2^20)
for m in (1, 2, 3, 4, 5):
    for (n, k) in ((600, 255), (600, 256), (1030, 512), (1031, 513), (2049, 300)):
        matmul(m, n, k, 'n', 't', 'fewRows: m <= 4, depth >= 256, column split from m n k >= 2^20')
# the depth split: k >= 512, k >= 4 max(m, n), 4 m n <= L2 / 2, m n k >= 2^23
for (m, n, k) in ((64, 64, 2047), (64, 64, 2048), (64, 64, 2049), (32, 128, 2048), (33, 127, 2048), (16, 16, 32768),
                  (128, 128, 512), (130, 130, 520)):
    matmul(m, n, k, 'n', 'n', 'depth split')
    matmul(m, n, k, 't', 'n', 'depth split, A by columns (a weight gradient)')
# the narrow (8 x L) tile: x W^T at a batch of 8 to 16 (large products only), and the orientation choice
for m in (7, 8, 15, 16, 17, 23, 24, 25, 48, 96, 112, 113, 128):
    matmul(m, 100, 1024 if m < 100 else 300, 'n', 't', 'x W^T: narrow tile / orientation / transposing pack')
# batched and broadcast
add('matmul', 'broadcast batch dims [3,1,m,k] x [2,k,n]', [([3, 1, 9, 33], None), ([2, 33, 17], None)])
add('matmul', 'broadcast batch with an expanded operand (stride 0)', [([1, 7, 260], 'expand 4 7 260'),
                                                                       ([4, 260, 33], None)])
add('matmul', 'batch of transposed operands', [([5, 40, 17], 'transpose 1 2'), ([5, 40, 33], None)])
add('matmul', 'vector x batched matrix', [([300], None), ([3, 300, 65], None)])
add('matmul', 'batched matrix x vector', [([3, 65, 300], None), ([300], None)])
add('bmm', 'bmm with strided batches', [([4, 33, 64], 'slice 2 0 64 2'), ([4, 32, 49], None)])
add('bmm', 'bmm of transposed operands', [([3, 300, 7], 'transpose 1 2'), ([3, 40, 300], 'transpose 1 2')])
for (m, n, k) in ((8, 129, 256), (3, 1000, 512), (70, 70, 600)):
    add('addmm', 'addmm beta/alpha, broadcast bias row', [([n], None), ([m, k], None), ([n, k], 'transpose 0 1')],
        'beta=0.5 alpha=2')
    add('addmm', 'addmm beta 0', [([m, n], None), ([m, k], None), ([k, n], None)], 'beta=0 alpha=1')
for (b, i, o) in ((1, 1024, 1000), (2, 1024, 1000), (4, 512, 300), (5, 512, 300), (16, 1024, 64), (24, 256, 100),
                  (64, 2048, 64), (120, 300, 33)):
    add('linear', 'Linear x W^T + b (batch %d)' % b, [([b, i], None), ([o, i], None), ([o], None)])
add('linear', 'Linear with a 3-d input, no bias', [([2, 3, 300], None), ([17, 300], None)])

# ---- convolutions
def conv2d(note, n, c, o, hw, k, stride=1, pad=0, dil=1, groups=1, bias=True, x_recipe=None):
    h, w = hw
    kh, kw = k
    ins = [([n, c, h, w], x_recipe), ([o, c // groups, kh, kw], None)]
    if bias:
        ins.append(([o], None))
    add('conv2d', note, ins, 'stride=%d,%d padding=%d,%d dilation=%d,%d groups=%d' % (stride, stride, pad, pad, dil,
                                                                                         dil, groups))


# direct kernels: output channels per group a multiple of L (16 / 8), output pixels <= 400
for o in (8, 15, 16, 17, 32):
    conv2d('direct: output channels %d' % o, 2, 3, o, (8, 10), (3, 3))
for (h, w) in ((22, 22), (21, 23), (22, 23), (3, 403), (3, 402)):
    conv2d('direct: 400 output pixels (%dx%d input, 3x3)' % (h, w), 2, 4, 16, (h, w), (3, 3))
    conv2d('direct large image: 2L output channels', 1, 3, 32, (h, w), (3, 3))
# row kernels: kernel 3 or 5 wide, output rows of >= 8 pixels
for kw in (1, 2, 3, 4, 5, 7):
    for ow in (7, 8, 9, 16, 17):
        conv2d('row kernels: kernel width %d, output width %d' % (kw, ow), 2, 3, 16, (5, ow + kw - 1), (2, kw),
               pad=0)
for pad in (0, 1, 2, 3):
    conv2d('input gradient as a forward pass: padding %d vs kernel - 1 = 2' % pad, 2, 16, 16, (9, 9), (3, 3), pad=pad)
    conv2d('input gradient, 32 input channels, large image, padding %d' % pad, 1, 32, 16, (21, 21), (3, 3), pad=pad)
for stride, dil in ((2, 1), (1, 2), (3, 1), (2, 2)):
    conv2d('GEMM path: stride %d dilation %d' % (stride, dil), 3, 5, 16, (13, 14), (3, 3), stride, 1, dil)
for groups in (2, 4):
    conv2d('groups %d, 16 output channels per group' % groups, 2, 8, 16 * groups, (9, 9), (3, 3), groups=groups)
    conv2d('groups %d, 8 output channels per group' % groups, 2, 8, 8 * groups, (9, 9), (3, 3), groups=groups)
for n in (1, 2, 3, 5, 7):
    conv2d('GEMM path, batched samples (BATCH_COLUMNS 512 over 64 pixels), batch %d' % n, n, 6, 10, (10, 10), (3, 3),
           stride=1, pad=0, dil=1)
    conv2d('GEMM path, 256 pixels a sample, batch %d' % n, n, 3, 10, (18, 18), (3, 3))
conv2d('GEMM path, deep: ckk 9 x 40 = 360 > 256', 3, 40, 10, (8, 8), (3, 3), stride=2)
conv2d('GEMM path, ckk 1152 > kcMax', 2, 128, 12, (6, 6), (3, 3), stride=1, dil=2, pad=2)
conv2d('1x1 kernel, stride 2', 2, 20, 24, (9, 9), (1, 1), stride=2)
conv2d('one sample, ckk 2304 >= 4 x 64 pixels: its product splits the depth at two threads', 1, 256, 60, (10, 10),
       (3, 3), pad=0)
conv2d('two samples, ckk 2304: one product of both', 2, 256, 60, (10, 10), (3, 3), pad=0)
add('conv2d', 'channels-last input (direct)', [([2, 9, 11, 5], 'permute 0 3 1 2'), ([16, 5, 3, 3], None), ([16], None)],
    'stride=1,1 padding=1,1 dilation=1,1 groups=1')
add('conv2d', 'channels-last input (GEMM)', [([2, 9, 11, 5], 'permute 0 3 1 2'), ([10, 5, 3, 3], None)],
    'stride=2,2 padding=1,1 dilation=1,1 groups=1')
add('conv2d', 'stride larger than kernel', [([2, 3, 11, 11], None), ([8, 3, 2, 2], None)],
    'stride=3,3 padding=0,0 dilation=1,1 groups=1')
add('conv2d', 'kernel beyond the padded input', [([1, 3, 4, 4], None), ([8, 3, 7, 7], None)],
    'stride=1,1 padding=1,1 dilation=1,1 groups=1')
for (l, k, s, d, o) in ((50, 3, 1, 1, 16), (50, 3, 2, 1, 16), (400, 3, 1, 1, 16), (403, 5, 1, 1, 16),
                        (40, 5, 1, 3, 10), (9, 9, 1, 1, 32)):
    add('conv1d', 'conv1d L %d k %d stride %d dilation %d, %d outputs' % (l, k, s, d, o),
        [([2, 4, l], None), ([o, 4, k], None), ([o], None)], 'stride=%d padding=1 dilation=%d groups=1' % (s, d))
for (dhw, k, s, o) in (((5, 6, 7), 3, 1, 16), ((5, 6, 7), 3, 2, 8), ((4, 9, 9), 2, 1, 17), ((3, 8, 10), 3, 1, 32)):
    add('conv3d', 'conv3d %s k %d stride %d, %d outputs' % (dhw, k, s, o), [([2, 3] + list(dhw), None),
                                                                            ([o, 3, k, k, k], None), ([o], None)],
        'stride=%d,%d,%d padding=1,1,1 dilation=1,1,1 groups=1' % (s, s, s))
for (c, o, hw, k, s, p, op, g) in ((16, 16, (5, 6), 3, 1, 0, 0, 1), (16, 16, (5, 6), 3, 2, 1, 1, 1),
                                   (8, 17, (7, 7), 4, 2, 1, 0, 1), (32, 32, (9, 9), 3, 1, 1, 0, 2),
                                   (4, 16, (10, 12), 5, 3, 2, 2, 1)):
    add('convT2d', 'conv_transpose2d c %d o %d k %d stride %d padding %d outpad %d groups %d' % (c, o, k, s, p, op, g),
        [([2, c] + list(hw), None), ([c, o // g, k, k], None), ([o], None)],
        'stride=%d,%d padding=%d,%d outpad=%d,%d groups=%d dilation=1,1' % (s, s, p, p, op, op, g))
add('convT1d', 'conv_transpose1d stride 2 dilation 2', [([2, 16, 30], None), ([16, 16, 3], None), ([16], None)],
    'stride=2 padding=1 outpad=1 groups=1 dilation=2')
add('convT3d', 'conv_transpose3d stride 2', [([1, 8, 3, 4, 5], None), ([8, 16, 3, 3, 3], None), ([16], None)],
    'stride=2,2,2 padding=1,1,1 outpad=1,1,1 groups=1 dilation=1,1,1')

# ---- pooling
def pool(op, note, shape, kernel, stride, padding, dil=None, ceil=False, cip=True, div=0, recipe=None):
    nd = int(op[-2])
    rep = lambda v: ','.join(str(x) for x in (v if isinstance(v, (list, tuple)) else [v] * nd))
    args = 'kernel=%s stride=%s padding=%s ceil=%d' % (rep(kernel), rep(stride), rep(padding), int(ceil))
    if op.startswith('max'):
        args += ' dilation=%s' % rep(dil or 1)
    else:
        args += ' cip=%d div=%d' % (int(cip), div)
    add(op, note, [(shape, recipe)], args)


for (h, w) in ((8, 8), (9, 9), (8, 33), (6, 32), (6, 31), (7, 17), (2, 64), (4, 65)):
    for ceil in (False, True):
        pool('maxpool2d', '2x2 stride 2 (unrolled, vector rows), %dx%d ceil %s' % (h, w, ceil), [2, 3, h, w], 2, 2, 0,
             ceil=ceil)
pool('maxpool2d', '2x2 stride 2 with padding (generic path)', [2, 3, 9, 9], 2, 2, 1)
pool('maxpool2d', '2x2 stride 1 (overlapping)', [2, 3, 9, 9], 2, 1, 0)
pool('maxpool2d', '2x2 stride 2 dilation 2', [2, 3, 10, 10], 2, 2, 0, dil=2)
pool('maxpool2d', '2x2 stride 3 (disjoint, gaps)', [2, 3, 10, 10], 2, 3, 0)
pool('maxpool2d', 'window of 255 positions (uint8 codes)', [1, 2, 17, 20], (15, 17), (2, 3), (7, 8))
pool('maxpool2d', 'window of 256 positions (int64 indices)', [1, 2, 17, 20], (16, 16), (2, 3), (8, 8))
pool('maxpool2d', 'window of 256 positions, ceil mode', [1, 2, 18, 19], (16, 16), (3, 3), (8, 8), ceil=True)
pool('maxpool2d', '3x3 stride 2 padding 1 ceil mode', [2, 4, 10, 11], 3, 2, 1, ceil=True)
pool('maxpool2d', '3x3 stride 2 padding 1 dilation 2', [2, 4, 13, 11], 3, 2, 1, dil=2)
pool('maxpool2d', 'channels-last input 2x2', [2, 8, 8, 5], 2, 2, 0, recipe='permute 0 3 1 2')
pool('maxpool2d', 'transposed plane 3x3 stride 2', [2, 3, 11, 9], 3, 2, 1, recipe='transpose 2 3')
pool('maxpool2d', 'pad beyond half the kernel', [1, 1, 6, 6], 3, 2, 2)
pool('maxpool1d', 'max_pool1d k 2 stride 2', [2, 3, 33], 2, 2, 0)
pool('maxpool1d', 'max_pool1d k 3 stride 2 ceil', [2, 3, 34], 3, 2, 1, ceil=True)
pool('maxpool1d', 'max_pool1d k 4 dilation 3', [2, 3, 40], 4, 1, 2, dil=3)
pool('maxpool3d', 'max_pool3d 2 stride 2', [2, 2, 6, 7, 8], 2, 2, 0)
pool('maxpool3d', 'max_pool3d 3 stride 2 pad 1 ceil', [1, 2, 7, 7, 9], 3, 2, 1, ceil=True)
pool('maxpool3d', 'max_pool3d 7x6x6 = 252 positions', [1, 1, 9, 8, 8], (7, 6, 6), 2, 3)
pool('maxpool3d', 'max_pool3d 7x7x6 = 294 positions', [1, 1, 9, 8, 8], (7, 7, 6), 2, 3)
for ceil in (False, True):
    for cip in (False, True):
        for div in (0, 5):
            pool('avgpool2d', 'avg_pool2d 3x3 stride 2 pad 1 ceil %s cip %s div %d' % (ceil, cip, div), [2, 3, 10, 11],
                 3, 2, 1, ceil=ceil, cip=cip, div=div)
pool('avgpool2d', 'avg_pool2d 2x2 stride 2', [2, 3, 9, 33], 2, 2, 0)
pool('avgpool2d', 'avg_pool2d channels-last 2x2', [2, 8, 8, 5], 2, 2, 0, recipe='permute 0 3 1 2')
pool('avgpool2d', 'avg_pool2d 3x2 stride 1x3', [2, 3, 9, 13], (3, 2), (1, 3), (1, 1), ceil=True, cip=False)
pool('avgpool1d', 'avg_pool1d 3 stride 2 pad 1 ceil', [2, 3, 20], 3, 2, 1, ceil=True, cip=False)
pool('avgpool1d', 'avg_pool1d 4 stride 4', [2, 3, 33], 4, 4, 0)
pool('avgpool3d', 'avg_pool3d 3 stride 2 pad 1 ceil cip', [1, 2, 7, 7, 8], 3, 2, 1, ceil=True, cip=True, div=0)
pool('avgpool3d', 'avg_pool3d 2 stride 2 div 3', [1, 2, 6, 6, 7], 2, 2, 0, div=3)

# ---- reductions over every dim combination of non-contiguous inputs
RED_INPUTS = [
    ([5, 6, 7], None, 'contiguous'),
    ([7, 6, 5], 'permute 2 1 0', 'reversed dims'),
    ([5, 13, 7], 'slice 1 1 13 2', 'sliced middle dim'),
    ([6, 5, 14], 'slice 2 0 14 2 ; transpose 0 1', 'strided last dim, transposed'),
    ([5, 1, 7], 'expand 5 6 7', 'expanded (stride 0)'),
]
COMBOS = ['0', '1', '2', '0,1', '0,2', '1,2', '0,1,2', 'all']
for (shape, recipe, what) in RED_INPUTS:
    for dims in COMBOS:
        for op in ('sum', 'mean', 'amax', 'var'):
            add(op, '%s over %s of a %s input' % (op, dims, what), [(shape, recipe)],
                'dims=%s keepdim=%d' % (dims, int(dims in ('1', '0,2'))))
    for op in ('amin', 'std', 'logsumexp'):
        add(op, '%s over 0,2 of a %s input' % (op, what), [(shape, recipe)], 'dims=0,2 keepdim=0')
    add('prod', 'prod over 1 of a %s input' % what, [(shape, recipe)], 'dims=1 keepdim=1')
# ColumnReduce rows (>= 8 kept contiguous values), one contiguous run split over threads (long sums)
for (shape, dims) in (([3, 7], '0'), ([3, 8], '0'), ([3, 9], '0'), ([40, 1030], '0'), ([4, 5, 9], '0,1'),
                      ([262145], '0'), ([262143], '0'), ([600, 700], 'all'), ([3, 300001], '1')):
    for op in ('sum', 'amax', 'mean'):
        add(op, '%s over %s of %s (ColumnReduce / split run)' % (op, dims, shape), [(shape, None)],
            'dims=%s keepdim=0' % dims, grad=(shape[0] * (shape[1] if len(shape) > 1 else 1) < 100000))

# ---- FFT along each dim, odd, prime, power-of-two and Bluestein lengths, batches at the lanes' edges
for n in (1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 15, 16, 17, 25, 27, 31, 32, 49, 64, 97, 101, 121, 127, 128, 210, 243, 256, 257,
          1009, 1024, 2017):
    add('fft', 'complex fft length %d (radix / generic / Bluestein)' % n, [([3, n, 2], None, True)],
        'n=0 dim=1 norm=backward')
for batch in (1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 16, 17):
    add('fft', 'fft along the last dim, batch %d (SIMD lanes, padded last block)' % batch,
        [([batch, 12], None)], 'n=0 dim=1 norm=backward')
    add('fft', 'fft along dim 0 (interleaved sequences), batch %d' % batch, [([12, batch], None)],
        'n=0 dim=0 norm=ortho')
for (shape, dim) in (([5, 6, 7], 0), ([5, 6, 7], 1), ([5, 6, 7], 2), ([9, 10, 3], 1), ([4, 17, 9], 0)):
    for recipe in (None, 'permute 2 0 1'):
        s = shape if recipe is None else [shape[1], shape[2], shape[0]]
        add('fft', 'fft of a real %s input along dim %d%s' % (shape, dim, ', permuted' if recipe else ''),
            [(s, recipe)], 'n=0 dim=%d norm=forward' % dim)
        add('rfft', 'rfft along dim %d%s' % (dim, ', permuted' if recipe else ''), [(s, recipe)],
            'n=0 dim=%d norm=backward' % dim)
for n in (7, 8, 16, 17, 30, 31, 64, 97):
    add('rfft', 'rfft length %d (even: half-length complex transform)' % n, [([5, n], None)], 'n=0 dim=1 norm=backward')
    add('irfft', 'irfft to length %d' % n, [([5, n // 2 + 1, 2], None, True)], 'n=%d dim=1 norm=backward' % n)
    add('ifft', 'ifft length %d along dim 0' % n, [([n, 5, 2], None, True)], 'n=0 dim=0 norm=ortho')
    add('hfft', 'hfft to length %d' % n, [([3, n // 2 + 1, 2], None, True)], 'n=%d dim=1 norm=backward' % n)
    add('ihfft', 'ihfft length %d' % n, [([3, n], None)], 'n=0 dim=1 norm=backward')
for n in (16384, 16385, 16411):
    add('fft', 'fft length %d of 3 sequences: SIMD lanes up to 2^17 complex elements a buffer' % n,
        [([3, n], None)], 'n=0 dim=1 norm=backward', grad=False)
add('fft', 'fft padded (n > size)', [([4, 10], None)], 'n=17 dim=1 norm=backward')
add('fft', 'fft trimmed (n < size)', [([4, 10], None)], 'n=7 dim=1 norm=backward')
add('fftn', 'fftn over dims 0,2 of a permuted input', [([6, 5, 7], 'permute 1 0 2')], 's=none dims=0,2 norm=backward')
add('rfftn', 'rfftn over all dims', [([6, 5, 8], None)], 's=none dims=0,1,2 norm=ortho')
add('ifftn', 'ifftn over dims 1,0', [([6, 5, 7, 2], None, True)], 's=none dims=1,0 norm=forward')
add('irfftn', 'irfftn over dims 0,1 to 6x8', [([6, 5, 2], None, True)], 's=6,8 dims=0,1 norm=backward')

# ---- softmax, the normalization layers and resampling: rows, channels and planes shared out over the threads
# (CpuThreads.chunks: up to four tasks a thread of at least 2^15 elements), for the thread-count claim (their weight
# and bias gradients excepted) and against PyTorch
for (shape, dim) in (([300, 257], 1), ([300, 257], 0), ([7, 40, 300], 1), ([64, 1030], 1), ([3, 5, 4099], 2)):
    add('softmax', 'softmax over dim %d of %s' % (dim, shape), [(shape, None)], 'dim=%d' % dim)
    add('log_softmax', 'log_softmax over dim %d of %s' % (dim, shape), [(shape, None)], 'dim=%d' % dim)
for (shape, norm) in (([300, 257], [257]), ([16, 30, 150], [30, 150]), ([2, 70000], [70000])):
    add('layer_norm', 'layer_norm %s over %s' % (shape, norm), [(shape, None), (norm, None), (norm, None)],
        'shape=%s' % ','.join(map(str, norm)))
for (shape, groups) in (([8, 32, 20, 20], 4), ([3, 12, 33, 35], 3), ([1, 64, 40, 40], 32)):
    add('group_norm', 'group_norm %s groups %d' % (shape, groups), [(shape, None), ([shape[1]], None),
                                                                    ([shape[1]], None)], 'groups=%d' % groups)
for shape in ([64, 20, 9, 9], [7, 3, 40, 41], [300, 250]):
    add('batch_norm', 'batch_norm training %s' % shape, [(shape, None), ([shape[1]], None), ([shape[1]], None)])
for (shape, size, mode, align) in (([4, 3, 40, 50], '81,99', 'bilinear', '0'), ([4, 3, 40, 50], '81,99', 'bilinear', '1'),
                                   ([2, 3, 64, 64], '31,33', 'bicubic', '0'), ([2, 5, 60, 70], '120,141', 'nearest', 'none'),
                                   ([3, 4, 1000], '2047', 'linear', '1'), ([2, 3, 12, 20, 21], '25,39,40', 'trilinear', '0')):
    add('interpolate', 'interpolate %s %s to %s' % (mode, shape, size), [(shape, None)],
        'size=%s mode=%s align=%s' % (size, mode, align))

# ---- NaN and infinities through the paths that special-case them (the 2x2 max pool's NaN window, the scans of max
# pooling and of amax/amin, ColumnReduce and the split run), and empty operands
pool('maxpool2d', '2x2 stride 2, a NaN, two NaNs in one window, +-inf', [2, 3, 8, 34], 2, 2, 0)
CASES[-1]['args'] += ' special=0:nan,35:inf,70:nan,71:nan,104:-inf,105:nan,300:inf,301:inf'
pool('maxpool2d', '3x3 stride 2 padding 1, NaN and inf', [2, 3, 9, 9], 3, 2, 1)
CASES[-1]['args'] += ' special=0:nan,10:inf,11:nan,40:-inf,80:nan'
pool('maxpool1d', 'max_pool1d 3 stride 2, NaN', [2, 3, 33], 3, 2, 1)
CASES[-1]['args'] += ' special=4:nan,5:inf,60:nan,61:nan'
for (shape, dims) in (([7, 40], '0'), ([7, 40], '1'), ([262145], '0'), ([40, 1030], '0')):
    for op in ('amax', 'amin', 'sum'):
        add(op, '%s over %s of %s with NaN and inf' % (op, dims, shape), [(shape, None)],
            'dims=%s keepdim=0 special=3:inf,17:nan,100:-inf,250:nan' % dims, grad=(shape[0] < 1000))
for (m, n, k) in ((5, 40, 300), (2, 600, 300), (20, 70, 300)):
    add('matmul', 'matmul with inf and NaN (%dx%dx%d)' % (m, n, k), [([m, k], None), ([n, k], 'transpose 0 1')],
        'special=0:inf,301:nan,599:-inf', grad=False)
add('softmax', 'softmax with -inf', [([40, 300], None)], 'dim=1 special=0:-inf,1:-inf,350:-inf,700:inf')
for (sa, sb) in (([3, 0], [0, 4]), ([0, 5], [5, 3]), ([4, 6], [6, 0]), ([2, 0, 7], [2, 7, 3])):
    add('matmul', 'empty operands %s x %s' % (sa, sb), [(sa, None), (sb, None)])
add('conv2d', 'empty batch', [([0, 3, 8, 8], None), ([16, 3, 3, 3], None), ([16], None)],
    'stride=1,1 padding=1,1 dilation=1,1 groups=1')

# ---- refusals at the boundaries: PyTorch's words (2.x's where they differ)
add('conv2d', 'groups whose channels do not match the input', [([1, 4, 6, 6], None), ([6, 3, 3, 3], None)],
    'stride=1,1 padding=0,0 dilation=1,1 groups=2')
pool('avgpool2d', 'avg_pool2d pad beyond half the kernel', [1, 4, 6, 6], 3, 2, 2)
pool('maxpool2d', 'max_pool2d output too small', [1, 1, 1, 1], 3, 1, 0)
add('matmul', 'inner sizes that differ', [([3, 4], None), ([5, 6], None)])
add('convT2d', 'output padding not below the stride', [([1, 4, 6, 6], None), ([4, 2, 3, 3], None)],
    'stride=2,2 padding=1,1 outpad=2,2 groups=1 dilation=1,1')

# ---- quantized int8 GEMM at tile edges
for (m, k, n) in ((1, 3, 1), (3, 4, 15), (4, 5, 16), (5, 63, 17), (8, 64, 31), (9, 65, 32), (17, 255, 33),
                  (16, 256, 64), (3, 257, 65), (33, 100, 128), (2, 1024, 129)):
    add('qlinear_dynamic', 'dynamic quantized linear %dx%d -> %d' % (m, k, n),
        [([m, k], None), ([n, k], None), ([n], None)], 'wscale=0.0625', grad=False)
    add('qlinear', 'static quantized linear %dx%d -> %d' % (m, k, n), [([m, k], None), ([n, k], None), ([n], None)],
        'wscale=0.0625 xscale=0.03125 xzp=64 oscale=%s ozp=128' % (0.25 * math.sqrt(k) / 4), grad=False)
# the dynamic layer's Int8Dots below DOT_ROWS = 24 rows, float32 GEMM slices at and above; the slice length
# 2^24 / (max|qx - zx| max|qw - zw|) (at least CHUNK = 256) against the depth
for (m, k, n) in ((23, 1024, 33), (24, 1024, 33), (25, 1024, 33), (24, 2100, 17), (4, 8200, 5)):
    add('qlinear_dynamic', 'dynamic quantized linear %dx%d -> %d (DOT_ROWS 24)' % (m, k, n),
        [([m, k], None), ([n, k], None), ([n], None)], 'wscale=0.015625', grad=False)
for (m, k, n) in ((3, 1031, 20), (30, 1033, 40), (5, 2300, 9)):
    add('qlinear', 'static quantized linear %dx%d -> %d, depth over one exact slice' % (m, k, n),
        [([m, k], None), ([n, k], None), ([n], None)],
        'wscale=0.015625 xscale=0.015625 xzp=128 oscale=%s ozp=100' % (0.05 * math.sqrt(k)), grad=False)
add('qconv2d', 'quantized conv2d, kk = 2304 > 2^24 / (255 max|w|): the sliced path',
    [([1, 256, 5, 5], None), ([8, 256, 3, 3], None), ([8], None)],
    'wscale=0.015625 xscale=0.015625 xzp=128 oscale=2 ozp=100 stride=1,1 padding=1,1 dilation=1,1 groups=1',
    grad=False)
for (c, o, hw, kk, s, g) in ((3, 16, (8, 8), 3, 1, 1), (4, 17, (9, 10), 3, 2, 1), (8, 8, (6, 7), 1, 1, 2),
                             (16, 32, (5, 5), 3, 1, 4), (5, 33, (7, 7), 5, 1, 1)):
    add('qconv2d', 'quantized conv2d c %d o %d k %d stride %d groups %d' % (c, o, kk, s, g),
        [([2, c] + list(hw), None), ([o, c // g, kk, kk], None), ([o], None)],
        'wscale=0.0625 xscale=0.03125 xzp=64 oscale=0.5 ozp=128 stride=%d,%d padding=1,1 dilation=1,1 groups=%d'
        % (s, s, g), grad=False)


def main():
    out = sys.stdout
    for i, case in enumerate(CASES):
        run_case('r10-%04d' % i, case, out)


if __name__ == '__main__':
    main()
