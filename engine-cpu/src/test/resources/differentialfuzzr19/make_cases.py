# Differential fuzz round 19 for DifferentialFuzzR19Test.java: seeded PROGRAMS OF RANDOM DRAWS on PyTorch's CPU
# generator (MT19937), run in PyTorch with everything recorded; FuzzR19Interpreter.java replays each in Ember with
# Ember.manualSeed and Generator.Algorithm.MT19937 generators.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr19 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU, Debian's build: capability AVX2, no MKL; the seed is fixed, so a second run writes the same bytes)
#
# A program: torch.manual_seed(s), then 3-10 statements drawn from: rand/randn/randint (float16, bfloat16, float32,
# float64; int8..int64, uint8 and the floating types for randint, wide ranges too)/randperm with shapes of 0, 1, 15, 16,
# 17, 31, 33 elements, 1-D, 2-D and 3-D; rand_like/randn_like/randint_like of contiguous, transposed, permuted, sliced
# (step 2) tensors; in-place uniform_, normal_, random_ (no bounds, to, from-to), bernoulli_ with a number and with a
# tensor p (float16, bfloat16, float32, float64; broadcast), exponential_, geometric_, cauchy_, log_normal_ into those
# targets and into expanded ones (refused); torch.bernoulli(p); multinomial with and without replacement;
# dropout/dropout2d/alpha_dropout/feature_alpha_dropout in training; nn.init functions; module constructions; explicit
# torch.Generator objects (g0, g1) mixed with the default one; get_rng_state/set_rng_state (default and generators) in
# the middle of a program; bad arguments (PyTorch's error, the generator untouched).
#
# Format: "=== <id> P <n>", then one statement a line, each followed by either "err <message>" (first line of PyTorch's
# message) or its result lines "= <dtype> <shape> <values>", then "st <hash of torch.get_rng_state()> [gK <hash of
# gK.get_state()>]..." after EVERY statement (a draw that consumes the wrong number of words changes the hash; the hash
# is the first 16 hex digits of SHA-256 over the 5056 state bytes with the cached normal sample zeroed, then "/" and
# the cached sample's bits, or "-" for none: see state_hash).
#   values: floating types as the IEEE bits of each element in row-major order, concatenated in hex (4 digits for
#   float16/bfloat16, 8 float32, 16 float64); integers comma separated; bool 0/1 digits; "-" for none
#   shape: comma separated, "-" for 0-d
# Statements (G is "-" for the default generator or gK):
#   seed S | gen gK S (torch.Generator().manual_seed(S)) | getstate sK G | setstate sK G
#   new vK DT SHAPE LAYOUT FILL    LAYOUT c contiguous, t (2-D) transposed, p (3-D) permuted (2, 0, 1), s step 2 on the
#                                  last dimension, u (2-D) transposed then step 2 on the last dimension (strides 1 and
#                                  2 * rows), e expanded from size 1 on the last dimension; FILL z zeros, o ones,
#                                  p ((7k) mod 17) / 16, w 0.5 + (3k) mod 7 over row-major k (exact in every type)
#   rand|randn vK DT SHAPE G | randint vK LO HI DT SHAPE G | randperm vK N G
#   randlike|randnlike vK vS | randintlike vK vS LO HI
#   ip vK uniform A B G | normal M S G | random G | randomto TO G | randomft FROM TO G | bernoullif P G |
#      bernoullit vP G | exponential L G | geometric P G | cauchy M S G | lognormal M S G      (result: vK)
#   bern vK vP G (torch.bernoulli) | multinomial vK vP N R G
#   tnormal vK tt vM vS G | tnormal vK tf vM STD G | tnormal vK ft MEAN vS G    torch.normal with tensor parameters
#   dropout vK KIND P vX           KIND dropout|dropout2d|alpha|featurealpha, training=True
#   init NAME vK A B               uniform A B, normal A B, xavieru A(gain), xaviern A, kaimingu A(a) B(mode), kaimingn
#                                  A B, trunc (mean 0 std A, [-2, 2]), sparse A(sparsity) B(std)
#   module NAME ARGS               linear I O B, conv1d I O K, conv2d I O K, embedding N D, bilinear I1 I2 O, gru I H,
#                                  lstm I H, rnn I H: one result line per state_dict entry, in order
#
# 1.13 vs 2.x (Ember follows 2.x; each emulated here from the same uniform numbers, and each emulation checked against
# 1.13 by running 1.13's own formula the same way and requiring its real output bit for bit):
#   - the serial normal (normal_distribution<double>: fewer than 16 elements, a non-contiguous target, log_normal_):
#     2.x takes r = sqrt(-2 log1p(-u2)), 1.13 log(1 - u2) (serial_normal below; the cached second sample in the state
#     bytes is 2.x's too);
#   - exponential_: 2.x -1 / lambda * log1p(-u), 1.13 log(1 - u); geometric_: 2.x ceil(log(u) / log1p(-p)), 1.13
#     log(1 - p).
# Tolerances (the test's): the state hashes are exact everywhere but for the cached normal sample (4 ulps); values bit
#   for bit, except where a double goes through the C library's log, log1p, exp, sin, cos or tan (the normal fills and
#   the serial normal, log_normal_, exponential_, cauchy_, torch.normal, and the inits and modules that draw normals):
#   4 ulps of max(1, |value|) in the result's type (RandomMt19937Test's measure), as Java's functions, faithfully rounded, differ from glibc's (nearly always correctly rounded) in the
#   last bit for about 0.1% to 0.2% of arguments (20,000 draws: Math.log 20, Math.log1p 14, Math.cos 43, Math.sin 37
#   differ), and one ulp of a radius or an angle becomes up to 4 of z * std + mean; trunc_normal_'s: 16 ulps (erfinv's
#   two Newton steps on erf and exp: Ember's erf is not glibc's; float64 values up to 10 ulps away were seen, float32
#   within 4; a reported difference).
# Not compared: the state after bernoulli_(p) refuses a p outside [0, 1] (PyTorch draws and writes the elements before
#   the first bad p; Ember refuses before drawing and leaves everything as it was): the state before it is recorded.
# Left out: orthogonal_ (QR's rounding, checked by RandomMt19937ParityTest with a tolerance); dropout2d of 3-D inputs
#   (1.13 and 2.x read them differently); multinomial of float16/bfloat16 weights (1.13's CPU kernel refuses them).
import ctypes
import hashlib
import math
import os
import random
import struct
import sys
import warnings
from fractions import Fraction

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.init as init

warnings.filterwarnings('ignore')
SEED = int(os.environ.get('FUZZ_SEED', '1919'))
N_PROGRAMS = int(os.environ.get('FUZZ_N', '170'))
rng = random.Random(SEED)

DT = {'float16': torch.float16, 'bfloat16': torch.bfloat16, 'float32': torch.float32, 'float64': torch.float64,
      'int8': torch.int8, 'int16': torch.int16, 'int32': torch.int32, 'int64': torch.int64, 'uint8': torch.uint8,
      'bool': torch.bool}
NAME = {v: k for k, v in DT.items()}
FLOATS = ['float16', 'bfloat16', 'float32', 'float64']
INTS = ['int8', 'int16', 'int32', 'int64', 'uint8']
WIDTH = {'float16': 4, 'bfloat16': 4, 'float32': 8, 'float64': 16}
VIEW = {'float16': torch.int16, 'bfloat16': torch.int16, 'float32': torch.int32, 'float64': torch.int64}
SHAPES = [[0], [1], [15], [16], [17], [31], [33], [3, 5], [4, 4], [2, 8], [17, 1], [3, 11], [1, 15], [2, 3, 3],
          [2, 2, 4], [3, 1, 11], [2, 0, 3], []]


def fmt_vals(t):
    t = t.detach().contiguous()
    name = NAME[t.dtype]
    if t.numel() == 0:
        return '-'
    if name in WIDTH:
        w = WIDTH[name]
        bits = t.reshape(-1).view(VIEW[name]).tolist()
        return ''.join('%0*x' % (w, b & ((1 << (4 * w)) - 1)) for b in bits)
    if name == 'bool':
        return ''.join('1' if b else '0' for b in t.reshape(-1).tolist())
    return ','.join(str(v) for v in t.reshape(-1).tolist())


def fmt(t):
    shape = ','.join(str(s) for s in t.shape) if t.dim() > 0 else '-'
    return '= %s %s %s' % (NAME[t.dtype], shape, fmt_vals(t))


def shape_text(s):
    return ','.join(str(x) for x in s) if s else '-'


def state_hash(state):
    """The first 16 hex digits of SHA-256 over the state bytes with the cached normal sample (legacy_pod.normal_y) set
    to 0, then '/' and that sample's IEEE bits ('-' when none is cached): the sample is r sin(theta) of the C library's
    log1p and sin, which Java's functions may give an ulp or two away (compared within the test's tolerance)."""
    b = bytearray(state.tolist())
    y = b[5024:5032]
    b[5024:5032] = bytes(8)
    valid = struct.unpack_from('<i', b, 5040)[0] != 0
    return hashlib.sha256(bytes(b)).hexdigest()[:16] + '/' + ('%016x' % struct.unpack('<Q', bytes(y))[0] if valid else '-')


def two_x(msg):
    # 2.x refuses lambda 0 as well: "exponential_ expects lambda > 0.0, but found lambda=..."
    return msg.replace('exponential_ expects lambda >= 0.0', 'exponential_ expects lambda > 0.0')


def fma(a, b, c):
    return float(Fraction(a) * Fraction(b) + Fraction(c))


# --------------------------------------------------------------------------------------------- 2.x emulations
ND = 5016 + 8  # offset of legacy_pod.normal_y in the 5056 state bytes; normal_is_valid at 5040


def gen_of(g):
    return g if g is not None else torch.default_generator


def read_cache(g):
    s = bytes(gen_of(g).get_state().tolist())
    valid = struct.unpack_from('<i', s, 5040)[0] != 0
    return valid, struct.unpack_from('<d', s, ND)[0]


def write_cache(g, valid, value):
    s = bytearray(gen_of(g).get_state().tolist())
    struct.pack_into('<d', s, ND, value if valid else 0.0)
    struct.pack_into('<i', s, 5040, 1 if valid else 0)
    gen_of(g).set_state(torch.tensor(list(s), dtype=torch.uint8))


def uniforms(n, g):
    if n == 0:
        return []
    return torch.rand(n, dtype=torch.float64, generator=g).tolist()


def serial_normals(n, mean, std, g, two_x):
    """n values of normal_distribution<double>(mean, std), the generator's cached sample first; 2.x's log1p or 1.13's
    log(1 - u2). Leaves the generator as the op leaves it (words consumed and the cached sample)."""
    valid, cached = read_cache(g)
    fresh = n - (1 if valid and n > 0 else 0)
    pairs = (fresh + 1) // 2
    u = uniforms(2 * pairs, g)
    out = []
    k = 0
    for _ in range(n):
        if valid:
            z = cached
            valid = False
        else:
            u1, u2 = u[k], u[k + 1]
            k += 2
            r = math.sqrt(-2.0 * (math.log1p(-u2) if two_x else math.log(1.0 - u2)))
            theta = 2.0 * math.pi * u1
            cached = r * math.sin(theta)
            valid = True
            z = r * math.cos(theta)
        out.append(fma(z, std, mean))
    write_cache(g, valid, cached)
    return out


def memory_order_view(t):
    order = sorted(range(t.dim()), key=lambda d: -t.stride(d))
    return t.permute(order)


def write_memory_order(t, vals):
    v = memory_order_view(t)
    with torch.no_grad():
        v.copy_(torch.tensor(vals, dtype=torch.float64).reshape(v.shape))


def emulate(t, g, make_vals, real_op, check=True):
    """Runs 1.13's op on a clone from the same state (the real numbers), then the emulation of 1.13 (must give them
    bit for bit, and the same state), then the emulation of 2.x, which is written into t."""
    gen = gen_of(g)
    s0 = gen.get_state()
    if not check:  # 1.13 refuses what 2.x draws: the emulation alone (checked on the other types by the same code)
        write_memory_order(t, make_vals(True))
        return
    real = torch.empty_strided(t.size(), t.stride(), dtype=t.dtype).fill_(0)  # clone() would make it contiguous
    real_op(real)
    s_real = gen.get_state()
    gen.set_state(s0)
    v13 = make_vals(False)
    s13 = gen.get_state()
    emu = t.clone()
    write_memory_order(emu, v13)
    assert torch.equal(s13, s_real), ('state of the 1.13 emulation', t.dtype, t.shape, t.stride(), (s13 != s_real).nonzero().reshape(-1)[:10].tolist(), s13[5016:5056].tolist(), s_real[5016:5056].tolist())
    assert fmt_vals(emu) == fmt_vals(real), 'values of the 1.13 emulation'
    gen.set_state(s0)
    v2 = make_vals(True)
    write_memory_order(t, v2)


_libm = ctypes.CDLL('libm.so.6')
for _f in ('logf', 'sqrtf', 'cosf', 'sinf'):
    getattr(_libm, _f).restype = ctypes.c_float
    getattr(_libm, _f).argtypes = [ctypes.c_float]


def r32(x):
    return struct.unpack('<f', struct.pack('<f', x))[0]


def reduce(x, half):
    """A double rounded to float, then to float16 or bfloat16 (round to nearest even), as static_cast<Half>(double)."""
    x = r32(x)
    if half:
        return struct.unpack('<e', struct.pack('<e', x))[0]
    b = struct.unpack('<I', struct.pack('<f', x))[0]
    b = ((b + 0x7fff + ((b >> 16) & 1)) >> 16) << 16
    return struct.unpack('<f', struct.pack('<I', b & 0xffffffff))[0]


def reduced_normals(n, mean, std, dtype, g):
    half = dtype == torch.float16
    d = torch.rand(n, dtype=dtype, generator=g).double().tolist()
    m = reduce(mean, half)
    s = reduce(std, half)

    def block(at):
        for j in range(8):
            u1 = reduce(1 - d[at + j], half)
            u2 = d[at + j + 8]
            lg = reduce(_libm.logf(u1), half)
            radius = reduce(_libm.sqrtf(reduce(-2 * lg, half)), half)
            theta = reduce(2.0 * math.pi * u2, half)
            c = reduce(_libm.cosf(theta), half)
            sn = reduce(_libm.sinf(theta), half)
            d[at + j] = reduce(reduce(reduce(radius * c, half) * s, half) + m, half)
            d[at + j + 8] = reduce(reduce(reduce(radius * sn, half) * s, half) + m, half)
    for at in range(0, n - 15, 16):
        block(at)
    if n % 16:
        d[n - 16:] = torch.rand(16, dtype=dtype, generator=g).double().tolist()
        block(n - 16)
    return d


def normal_into(t, mean, std, g):
    serial = t.numel() < 16 or not t.is_contiguous()
    if not serial and t.dtype in (torch.float16, torch.bfloat16):
        emulate(t, g, lambda two: reduced_normals(t.numel(), mean, std, t.dtype, g),
                lambda r: r.normal_(mean, std, generator=g), check=t.dtype == torch.bfloat16)
        return
    if not serial:
        t.normal_(mean, std, generator=g)
        return
    emulate(t, g, lambda two: serial_normals(t.numel(), mean, std, g, two), lambda r: r.normal_(mean, std, generator=g))


def log_normal_into(t, mean, std, g):
    emulate(t, g, lambda two: [math.exp(v) for v in serial_normals(t.numel(), mean, std, g, two)],
            lambda r: r.log_normal_(mean, std, generator=g))


def exponential_into(t, lam, g):
    emulate(t, g, lambda two: [(-1.0 / lam) * (math.log1p(-u) if two else math.log(1.0 - u))
                               for u in uniforms(t.numel(), g)], lambda r: r.exponential_(lam, generator=g))


def geometric_into(t, p, g):
    emulate(t, g, lambda two: [float(math.ceil(math.log(u) / (math.log1p(-p) if two else math.log(1.0 - p))))
                               for u in uniforms(t.numel(), g)], lambda r: r.geometric_(p, generator=g))


def float_uniforms(n, g):
    if n == 0:
        return []
    return torch.rand(n, dtype=torch.float32, generator=g).tolist()


HALF = (torch.float16,)


def bernoulli_scalar_into(t, p, g):
    """bernoulli_(p): bernoulli_distribution<double>, u < p per element in memory order. 2.x dispatches float16 too
    (1.13: "bernoulli_scalar_cpu_" not implemented for 'Half')."""
    emulate(t, g, lambda two: [1.0 if u < p else 0.0 for u in uniforms(t.numel(), g)],
            lambda r: r.bernoulli_(p, generator=g), check=t.dtype not in HALF)


def bernoulli_tensor_into(t, P, g):
    """bernoulli_(P): per element of t in memory order, P's value broadcast there; bernoulli_distribution<double> for a
    float64 P, <float> (24-bit uniform floats) for the others. 2.x dispatches float16 self and p too (1.13 refuses)."""
    order = sorted(range(t.dim()), key=lambda d: -t.stride(d))
    pv = P.expand(t.shape).permute(order).reshape(-1).double().tolist()
    wide = P.dtype == torch.float64

    def vals(two):
        u = uniforms(len(pv), g) if wide else float_uniforms(len(pv), g)
        return [1.0 if a < b else 0.0 for a, b in zip(u, pv)]
    emulate(t, g, vals, lambda r: r.bernoulli_(P, generator=g), check=t.dtype not in HALF and P.dtype not in HALF)


# --------------------------------------------------------------------------------------------- programs
def fill_values(shape, fill):
    n = math.prod(shape)
    if fill == 'z':
        v = [0.0] * n
    elif fill == 'o':
        v = [1.0] * n
    elif fill == 'p':
        v = [((7 * k) % 17) / 16 for k in range(n)]
    else:
        v = [0.5 + (3 * k) % 7 for k in range(n)]
    return torch.tensor(v, dtype=torch.float64).reshape(shape)


def make_new(dt, shape, layout, fill):
    vals = fill_values(shape, fill)
    if layout == 'c':
        t = torch.zeros(shape, dtype=DT[dt])
    elif layout == 't':
        t = torch.zeros(shape[::-1], dtype=DT[dt]).t()
    elif layout == 'p':
        t = torch.zeros([shape[1], shape[2], shape[0]], dtype=DT[dt]).permute(2, 0, 1)
    elif layout == 's':
        t = torch.zeros(shape[:-1] + [2 * shape[-1]], dtype=DT[dt])[..., ::2]
    elif layout == 'u':
        t = torch.zeros([2 * shape[1], shape[0]], dtype=DT[dt]).t()[:, ::2]
    else:
        base = torch.zeros(shape[:-1] + [1], dtype=DT[dt])
        base.copy_(vals[..., :1])
        return base.expand(shape)
    t.copy_(vals)
    return t


class Program:
    def __init__(self, pid):
        self.pid = pid
        self.lines = []
        self.vars = {}
        self.gens = {}
        self.states = {}

    def G(self, name):
        return None if name == '-' else self.gens[name]

    def hashes(self):
        out = 'st ' + state_hash(torch.get_rng_state())
        for k in sorted(self.gens):
            out += ' %s:%s' % (k, state_hash(self.gens[k].get_state()))
        return out

    def run(self, line, fn):
        self.lines.append(line)
        try:
            res = fn()
        except (RuntimeError, ValueError, IndexError, TypeError) as e:
            self.lines.append('err ' + two_x(str(e).split('\n')[0]))
            res = None
        for t in res or []:
            self.lines.append(fmt(t))
        self.lines.append(self.hashes())


def pick_gen(p):
    if p.gens and rng.random() < 0.35:
        return rng.choice(sorted(p.gens))
    return '-'


def pick_shape():
    return list(rng.choice(SHAPES))


def pick_layout(shape):
    if not shape:
        return 'c'
    opts = ['c', 'c', 's']
    if len(shape) == 2:
        opts += ['t', 't', 'u']
    if len(shape) == 3:
        opts += ['p', 'p']
    if shape and shape[-1] > 1 and math.prod(shape) > 1 and rng.random() < 0.06:
        opts = ['e']
    return rng.choice(opts)


def new_var(p, dt, fill, shape=None, layout=None):
    k = 'v%d' % len(p.vars)
    shape = shape if shape is not None else pick_shape()
    layout = layout or pick_layout(shape)
    line = 'new %s %s %s %s %s' % (k, dt, shape_text(shape), layout, fill)
    p.vars[k] = make_new(dt, shape, layout, fill)
    p.lines.append(line)
    return k


def num(x):
    return repr(float(x))


def stmt(p):
    kind = rng.choice(['rand', 'randn', 'randn', 'randint', 'randperm', 'like', 'like', 'ip', 'ip', 'ip', 'ip', 'ip',
                       'bern', 'multinomial', 'dropout', 'init', 'init', 'module', 'gen', 'state', 'state', 'bad',
                       'tnormal'])
    k = 'v%d' % len(p.vars)
    if kind == 'gen' and len(p.gens) < 2:
        name = 'g%d' % len(p.gens)
        s = rng.choice([0, 1, 7, 42, 2 ** 32 + 5, 123456789])
        p.gens[name] = torch.Generator().manual_seed(s)
        p.lines.append('gen %s %d' % (name, s))
        p.lines.append(p.hashes())
        return
    if kind in ('rand', 'randn') or kind == 'gen':
        kind = 'randn' if kind == 'gen' else kind
        dt = rng.choice(FLOATS)
        shape = pick_shape()
        g = pick_gen(p)
        fn = torch.rand if kind == 'rand' else torch.randn

        def go():
            if kind == 'randn':
                t = torch.empty(shape, dtype=DT[dt])
                normal_into(t, 0.0, 1.0, p.G(g))
            else:
                t = fn(shape, dtype=DT[dt], generator=p.G(g))
            p.vars[k] = t
            return [t]
        p.run('%s %s %s %s %s' % (kind, k, dt, shape_text(shape), g), go)
    elif kind == 'randint':
        g = pick_gen(p)
        dt = 'int64' if g != '-' else rng.choice(INTS + FLOATS + ['int64', 'int64'])
        lo, hi = rng.choice([(0, 10), (-5, 5), (3, 4), (0, 2 ** 31), (-2 ** 40, 2 ** 40), (0, 2 ** 32), (-100, 100),
                             (0, 256), (0, 1 << 62)])
        shape = pick_shape()

        def go():
            t = torch.randint(lo, hi, shape, dtype=DT[dt], generator=p.G(g))
            p.vars[k] = t
            return [t]
        p.run('randint %s %d %d %s %s %s' % (k, lo, hi, dt, shape_text(shape), g), go)
    elif kind == 'randperm':
        n = rng.choice([0, 1, 2, 15, 16, 17, 33, 100])
        g = pick_gen(p)

        def go():
            t = torch.randperm(n, generator=p.G(g))
            p.vars[k] = t
            return [t]
        p.run('randperm %s %d %s' % (k, n, g), go)
    elif kind == 'like':
        what = rng.choice(['randlike', 'randnlike', 'randintlike'])
        dt = rng.choice(FLOATS + (INTS if what == 'randintlike' else []))
        shape = [s for s in rng.choice(SHAPES) if True]
        src = new_var(p, dt, 'z', shape, rng.choice(['c'] + (['s'] if shape else []) + (['t', 'u'] if len(shape) == 2 else [])
                                                    + (['p'] if len(shape) == 3 else [])
                                                    + (['e'] if shape and shape[-1] > 1 and math.prod(shape) > 1 else [])))
        k = 'v%d' % len(p.vars)
        S = p.vars[src]
        lo, hi = rng.choice([(0, 10), (-3, 3), (0, 100), (0, 2 ** 32), (-2 ** 40, 2 ** 40)])

        def go():
            if what == 'randlike':
                t = torch.rand_like(S)
            elif what == 'randintlike':
                t = torch.randint_like(S, lo, hi)
            else:
                t = torch.empty_like(S)
                normal_into(t, 0.0, 1.0, None)
            p.vars[k] = t
            return [t]
        p.run('%s %s %s' % (what, k, src) + (' %d %d' % (lo, hi) if what == 'randintlike' else ''), go)
    elif kind == 'ip':
        op = rng.choice(['uniform', 'normal', 'normal', 'random', 'randomto', 'randomft', 'bernoullif', 'bernoullit',
                         'bernoullit', 'exponential', 'geometric', 'cauchy', 'lognormal'])
        if op in ('random', 'randomto', 'randomft', 'bernoullif', 'bernoullit', 'geometric'):
            dt = rng.choice(FLOATS + INTS + ['bool'] * (op != 'randomft'))
        else:
            dt = rng.choice(FLOATS)
        tgt = new_var(p, dt, 'z')
        T = p.vars[tgt]
        g = pick_gen(p)
        G = p.G(g)
        args = ''
        extra = None
        if op == 'uniform':
            a, b = rng.choice([(0.0, 1.0), (-0.37, 0.81), (-3.3, 1.7), (2.0, 2.0), (1.0, -1.0)])
            args = '%s %s' % (num(a), num(b))
            f = real = lambda: T.uniform_(a, b, generator=G)
        elif op == 'normal':
            m, s = rng.choice([(0.0, 1.0), (2.0, 3.0), (-1.5, 0.25), (0.5, 0.0), (0.0, -1.0)])
            args = '%s %s' % (num(m), num(s))
            real = lambda: T.normal_(m, s, generator=G)
            f = lambda: normal_into(T, m, s, G) if s >= 0 else real()
        elif op == 'random':
            f = real = lambda: T.random_(generator=G)
        elif op == 'randomto':
            to = rng.choice([1, 2, 10, 100, 1000, 2 ** 33, 0])
            args = str(to)
            f = real = lambda: T.random_(to, generator=G)
        elif op == 'randomft':
            a, b = rng.choice([(0, 10), (-5, 5), (3, 9), (0, 2 ** 33), (5, 5), (-100, 100), (-2 ** 60 - 1, 2 ** 60 + 1),
                               (0, 2 ** 53 + 3), (-2048, 2049)])
            args = '%d %d' % (a, b)
            f = real = lambda: T.random_(a, b, generator=G)
        elif op == 'bernoullif':
            pp = rng.choice([0.0, 0.3, 0.5, 1.0, 0.77, 1.5])
            args = num(pp)
            real = lambda: T.bernoulli_(pp, generator=G)
            f = lambda: bernoulli_scalar_into(T, pp, G) if 0 <= pp <= 1 else real()
        elif op == 'bernoullit':
            pdt = rng.choice(FLOATS)
            shp = list(T.shape)
            if shp and rng.random() < 0.3:
                shp = [1] * (len(shp) - 1) + [shp[-1]]
            extra = new_var(p, pdt, 'p', shp, 'c' if rng.random() < 0.7 else None)
            P = p.vars[extra]
            args = extra
            real = lambda: T.bernoulli_(P, generator=G)
            f = lambda: bernoulli_tensor_into(T, P, G)
        elif op == 'exponential':
            lam = rng.choice([1.0, 2.5, 0.5, -1.0])  # lambda 0: 1.13 draws (inf), 2.x refuses; left out
            args = num(lam)
            real = lambda: T.exponential_(lam, generator=G)
            f = lambda: exponential_into(T, lam, G) if lam > 0 else real()
        elif op == 'geometric':
            pp = rng.choice([0.3, 0.5, 0.9, 1.0, 0.0, 1.2])
            args = num(pp)
            real = lambda: T.geometric_(pp, generator=G)
            f = lambda: geometric_into(T, pp, G) if 0 < pp < 1 else real()
        elif op == 'cauchy':
            m, s = rng.choice([(0.0, 1.0), (1.0, 2.0), (-0.5, 0.1)])
            args = '%s %s' % (num(m), num(s))
            f = real = lambda: T.cauchy_(m, s, generator=G)
        else:
            m, s = rng.choice([(0.0, 1.0), (1.0, 0.5), (-0.5, 0.25), (0.0, -1.0)])
            args = '%s %s' % (num(m), num(s))
            real = lambda: T.log_normal_(m, s, generator=G)
            f = lambda: log_normal_into(T, m, s, G) if s > 0 else real()

        def go():
            if 0 in T.stride():
                real()  # an expanded target: 1.13's own op must refuse it (the 2.x emulations write with copy_)
                raise AssertionError('an expanded target was written: %s %s %s' % (op, T.shape, T.stride()))
            f()
            return [T]
        p.run('ip %s %s %s %s' % (tgt, op, args, g) if args else 'ip %s %s %s' % (tgt, op, g), go)
    elif kind == 'tnormal':
        # torch.normal with tensor parameters: a contiguous output of the broadcast shape (the mean's type, or the
        # std's), normal_(0, 1) into it (std_ for a number std), then mul_(std) and add_(mean), as 1.13 and 2.x do
        mode = rng.choice(['tt', 'tf', 'ft'])
        dt = rng.choice(['float32', 'float64'])
        shape = rng.choice([[5], [16], [3, 6], [17], [2, 1, 8]])
        g = pick_gen(p)
        M = S = None
        if mode != 'ft':
            m = new_var(p, dt, 'w', shape, 'c' if rng.random() < 0.7 else None)
            M = p.vars[m]
        if mode != 'tf':
            sshape = shape if rng.random() < 0.7 else shape[-1:]
            sd = new_var(p, dt, 'p', sshape, 'c')
            S = p.vars[sd]
        k = 'v%d' % len(p.vars)
        mf, sf = 0.5, 2.0

        def go():
            G = p.G(g)
            s0 = gen_of(G).get_state()
            real = {'tt': lambda: torch.normal(M, S, generator=G), 'tf': lambda: torch.normal(M, sf, generator=G),
                    'ft': lambda: torch.normal(mf, S, generator=G)}[mode]()
            s_real = gen_of(G).get_state()
            gen_of(G).set_state(s0)
            if mode == 'tt':
                out = torch.empty(torch.broadcast_shapes(M.shape, S.shape), dtype=M.dtype)
                normal_into(out, 0.0, 1.0, G)
                out.mul_(S).add_(M)
            elif mode == 'tf':
                out = torch.empty(M.shape, dtype=M.dtype)
                normal_into(out, 0.0, sf, G)
                out.add_(M)
            else:
                out = torch.empty(S.shape, dtype=S.dtype)
                normal_into(out, 0.0, 1.0, G)
                out.mul_(S).add_(mf)
            if out.numel() >= 16:  # the fill path, the same in 1.13: the composition is 1.13's own op
                assert fmt_vals(out) == fmt_vals(real) and torch.equal(gen_of(G).get_state(), s_real), 'torch.normal'
            p.vars[k] = out
            return [out]
        args = {'tt': '%s %s' % (m, sd) if mode == 'tt' else '', 'tf': '', 'ft': ''}[mode]
        if mode == 'tf':
            args = '%s %s' % (m, num(sf))
        if mode == 'ft':
            args = '%s %s' % (num(mf), sd)
        p.run('tnormal %s %s %s %s' % (k, mode, args, g), go)
    elif kind == 'bern':
        pdt = rng.choice(FLOATS)
        src = new_var(p, pdt, 'p')
        k = 'v%d' % len(p.vars)
        g = pick_gen(p)
        P = p.vars[src]

        def go():
            t = torch.empty(P.shape, dtype=P.dtype)  # torch.bernoulli: empty_like(LEGACY_CONTIGUOUS_MEMORY_FORMAT)
            bernoulli_tensor_into(t, P, p.G(g))
            p.vars[k] = t
            return [t]
        p.run('bern %s %s %s' % (k, src, g), go)
    elif kind == 'multinomial':
        pdt = rng.choice(['float32', 'float64'])
        shape = rng.choice([[5], [7], [2, 4], [3, 6], [1, 17], [16]])
        src = new_var(p, pdt, rng.choice(['w', 'w', 'p']), shape, 'c')
        k = 'v%d' % len(p.vars)
        n = rng.choice([1, 2, 3, 5, 8])
        rep = rng.random() < 0.5
        g = pick_gen(p)
        P = p.vars[src]

        def go():
            G = p.G(g)
            if rep and n > 1:
                t = torch.multinomial(P, n, rep, generator=G)
            else:
                # 2.x's fast path (no replacement, or one sample: 1.13 took the cumulative path for one sample with
                # replacement): q = exponential_(1) over an empty_like of the input (2.x's log1p), then the argmax
                # (keepdim) or the top n of p / q; 1.13's own call, from the same state, only for its checks
                s0 = gen_of(G).get_state()
                torch.multinomial(P, n, rep, generator=G)
                gen_of(G).set_state(s0)
                q = torch.empty_like(P)
                exponential_into(q, 1.0, G)
                q = P / q
                t = q.argmax(-1, keepdim=True) if n == 1 else q.topk(n).indices
            p.vars[k] = t
            return [t]
        p.run('multinomial %s %s %d %d %s' % (k, src, n, 1 if rep else 0, g), go)
    elif kind == 'dropout':
        what = rng.choice(['dropout', 'dropout2d', 'alpha', 'featurealpha'])
        dt = rng.choice(['float32', 'float64', 'float32', 'bfloat16'])
        shape = rng.choice([[2, 3, 2, 2], [3, 4, 1, 2], [2, 1, 4, 4]]) if what == 'dropout2d' else \
            rng.choice([[4, 5], [2, 3, 4], [17], [2, 8], [3, 2, 2]])
        src = new_var(p, dt, rng.choice(['o', 'w']), shape, 'c')
        k = 'v%d' % len(p.vars)
        pr = rng.choice([0.0, 0.2, 0.5, 0.9, 1.0])
        X = p.vars[src]
        fn = {'dropout': F.dropout, 'dropout2d': F.dropout2d, 'alpha': F.alpha_dropout,
              'featurealpha': F.feature_alpha_dropout}[what]

        def go():
            t = fn(X, pr, True)
            p.vars[k] = t
            return [t]
        p.run('dropout %s %s %s %s' % (k, what, num(pr), src), go)
    elif kind == 'init':
        name = rng.choice(['uniform', 'normal', 'xavieru', 'xaviern', 'kaimingu', 'kaimingn', 'trunc', 'sparse'])
        dt = rng.choice(['float32', 'float32', 'float64'])
        shape = rng.choice([[3, 5], [4, 4], [2, 8], [5, 3, 2], [16, 2], [1, 15]])
        if name != 'sparse':
            shape = shape if name in ('uniform', 'normal') or len(shape) > 1 else shape
        tgt = new_var(p, dt, 'z', shape, 'c')
        T = p.vars[tgt]
        a, b = 0.0, 0.0
        if name == 'uniform':
            a, b = rng.choice([(-0.5, 0.7), (0.0, 1.0)])
            f = lambda: init.uniform_(T, a, b)
        elif name == 'normal':
            a, b = rng.choice([(0.0, 1.0), (0.3, 2.0)])
            f = lambda: normal_into(T, a, b, None)
        elif name == 'xavieru':
            a = rng.choice([1.0, 2.0, 0.5])
            f = lambda: init.xavier_uniform_(T, gain=a)
        elif name == 'xaviern':
            a = rng.choice([1.0, 2.0])
            fi, fo = init._calculate_fan_in_and_fan_out(T)
            f = lambda: normal_into(T, 0.0, a * math.sqrt(2.0 / float(fi + fo)), None)
        elif name == 'kaimingu':
            a, b = rng.choice([(0.0, 0), (math.sqrt(5), 0), (0.1, 1)])
            f = lambda: init.kaiming_uniform_(T, a=a, mode='fan_in' if b == 0 else 'fan_out')
        elif name == 'kaimingn':
            a, b = rng.choice([(0.0, 0), (0.2, 1)])
            fan = init._calculate_correct_fan(T, 'fan_in' if b == 0 else 'fan_out')
            std = init.calculate_gain('leaky_relu', a) / math.sqrt(fan)
            f = lambda: normal_into(T, 0.0, std, None)
        elif name == 'trunc':
            a = rng.choice([1.0, 0.02, 0.5])
            f = lambda: init.trunc_normal_(T, 0.0, a, -2.0, 2.0)
        else:
            if len(shape) != 2:
                shape = [4, 3]
                tgt = new_var(p, dt, 'z', shape, 'c')
                T = p.vars[tgt]
            a, b = rng.choice([(0.3, 0.01), (0.5, 1.5)])

            def f():
                rows, cols = T.shape
                nz = int(math.ceil(a * rows))
                with torch.no_grad():
                    normal_into(T, 0.0, b, None)
                    for c in range(cols):
                        T[torch.randperm(rows)[:nz], c] = 0

        def go():
            with torch.no_grad():
                f()
            return [T]
        p.run('init %s %s %s %s' % (name, tgt, num(a), num(b)), go)
    elif kind == 'module':
        name = rng.choice(['linear', 'conv1d', 'conv2d', 'embedding', 'bilinear', 'gru', 'lstm', 'rnn'])
        args = {'linear': rng.choice([(4, 3, 1), (5, 2, 0), (16, 1, 1)]), 'conv1d': rng.choice([(2, 3, 3), (1, 4, 2)]),
                'conv2d': rng.choice([(2, 3, 2), (1, 2, 3)]), 'embedding': rng.choice([(6, 3), (4, 4), (2, 7)]),
                'bilinear': rng.choice([(3, 4, 2), (2, 2, 1)]), 'gru': rng.choice([(3, 4), (2, 2)]),
                'lstm': rng.choice([(3, 2), (2, 3)]), 'rnn': rng.choice([(3, 4), (1, 2)])}[name]

        def go():
            if name == 'embedding':
                w = torch.empty(args[0], args[1])
                normal_into(w, 0.0, 1.0, None)  # Embedding's reset_parameters: init.normal_(weight)
                return [w]
            m = {'linear': lambda: nn.Linear(args[0], args[1], bool(args[2])),
                 'conv1d': lambda: nn.Conv1d(*args), 'conv2d': lambda: nn.Conv2d(*args),
                 'bilinear': lambda: nn.Bilinear(*args), 'gru': lambda: nn.GRU(*args),
                 'lstm': lambda: nn.LSTM(*args), 'rnn': lambda: nn.RNN(*args)}[name]()
            return [v.detach() for v in m.state_dict().values()]
        p.run('module %s %s' % (name, ' '.join(str(x) for x in args)), go)
    elif kind == 'state':
        if p.states and rng.random() < 0.5:
            s = rng.choice(sorted(p.states))
            g = rng.choice(['-'] + sorted(p.gens))
            St = p.states[s]
            p.run('setstate %s %s' % (s, g), lambda: gen_of(p.G(g)).set_state(St) and None)
        else:
            s = 's%d' % len(p.states)
            g = rng.choice(['-'] + sorted(p.gens))
            p.states[s] = gen_of(p.G(g)).get_state()
            p.lines.append('getstate %s %s' % (s, g))
            p.lines.append(p.hashes())
    else:  # bad arguments
        what = rng.choice(['randint', 'randperm', 'multinomial', 'multinomial0', 'bernoullit', 'dropout', 'randn_int'])
        if what == 'randint':
            p.run('randint %s 5 5 int64 3 -' % k, lambda: [torch.randint(5, 5, (3,))])
        elif what == 'randperm':
            p.run('randperm %s -3 -' % k, lambda: [torch.randperm(-3)])
        elif what == 'multinomial':
            src = new_var(p, 'float32', 'w', [4], 'c')
            P = p.vars[src]
            p.run('multinomial %s %s 6 0 -' % (k, src), lambda: [torch.multinomial(P, 6, False)])
        elif what == 'multinomial0':
            src = new_var(p, 'float32', 'z', [4], 'c')
            P = p.vars[src]
            p.run('multinomial %s %s 2 1 -' % (k, src), lambda: [torch.multinomial(P, 2, True)])
        elif what == 'bernoullit':
            tgt = new_var(p, 'float32', 'z', [3, 4], 'c')
            src = new_var(p, 'float32', 'w', [3, 4], 'c')
            T, P = p.vars[tgt], p.vars[src]
            s0 = torch.get_rng_state()

            def refuse():
                try:
                    T.bernoulli_(P)
                finally:
                    # PyTorch checks each p as it draws it (bernoulli_distribution's constructor): the elements before
                    # the first p > 1 are drawn and written; Ember refuses before drawing, leaving the target and the
                    # generator as they were (a reported difference): the state compared is the one before
                    torch.set_rng_state(s0)
                    T.zero_()
            p.run('ip %s bernoullit %s -' % (tgt, src), refuse)
        elif what == 'dropout':
            src = new_var(p, 'float32', 'o', [4], 'c')
            X = p.vars[src]
            p.run('dropout %s dropout 1.5 %s' % (k, src), lambda: [F.dropout(X, 1.5, True)])
        else:
            p.run('randn %s int64 3 -' % k, lambda: [torch.randn(3, dtype=torch.int64)])


def program(pid):
    p = Program(pid)
    s = rng.choice([0, 1, 2, 3, 7, 42, 1234, 2 ** 31 - 1, 2 ** 33 + 1, rng.randrange(10 ** 6)])
    torch.manual_seed(s)
    p.lines.append('seed %d' % s)
    p.lines.append(p.hashes())
    for _ in range(rng.randint(3, 10)):
        stmt(p)
    return p


def main():
    out = []
    for i in range(N_PROGRAMS):
        p = program(i)
        out.append('=== r19_%03d P %d' % (i, len(p.lines)))
        out.extend(p.lines)
    sys.stdout.write('\n'.join(out) + '\n')


main()
