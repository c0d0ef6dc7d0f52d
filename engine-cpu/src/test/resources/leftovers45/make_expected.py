# Writes expected.txt (and the small .pt files it names) for Leftovers45Test.java: session 45's leftovers (small known
# differences from PyTorch 2.x).
# Run: cd engine-cpu/src/test/resources/leftovers45 && /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU)
# Format: ReferenceCases.strings: "key<TAB>value" lines; a value is a space-separated list of numbers (repr) or of
# names, or a string (a message, a node name).
# Deterministic: every random draw is seeded; running it twice writes the same bytes (the .pt files too).
import io
import pickle
import sys

import torch

OUT = []


def put(key, value):
    OUT.append("%s\t%s" % (key, value))


def nums(t):
    t = t.detach()
    if t.is_complex():
        t = torch.view_as_real(t)
    return " ".join(repr(float(v)) for v in t.reshape(-1).tolist())


# ------------------------------------------------------------------------------------------- 1. dtype globals
# A checkpoint may hold dtypes as values ({"dtype": torch.complex64}); torch.save pickles a dtype as the global
# torch.<its name> (torch.float32.__reduce__() is 'float32'; an alias such as torch.cfloat pickles as complex64).
# 2.x's weights-only unpickler (torch/_weights_only_unpickler.py _get_allowed_globals) allows str(t) of every dtype of
# torch.storage._dtype_to_storage_type_map() and _new_dtypes() (float8s, bits*, complex32, uint16/32/64) and
# uint1..uint7, int1..int7; 1.13's list is shorter (complex32/64/128, float16/32/64, int8..int64: no bool, uint8 or
# bfloat16), Ember follows 2.x. A name that is not a dtype's str (torch.cfloat, torch.float) is refused by both.
DTYPES = [torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.int64, torch.int32, torch.int16,
          torch.int8, torch.uint8, torch.bool, torch.complex64, torch.complex128]
torch.save({"dtype": torch.complex64, "all": DTYPES, "pair": (torch.complex128, torch.cfloat),
            "z": torch.tensor([1 + 2j, -3.5j], dtype=torch.complex64)}, "dtypes.pt")
back = torch.load("dtypes.pt")  # (1.13's weights_only refuses bfloat16, bool and uint8, which 2.x's allows)
_buf = io.BytesIO()
torch.save({"dtype": torch.complex64, "other": torch.complex128}, _buf)
_buf.seek(0)
assert torch.load(_buf, weights_only=True)["dtype"] is torch.complex64  # 1.13 allows these two too
assert back["dtype"] is torch.complex64 and back["pair"] == (torch.complex128, torch.complex64)
put("dtypes.dtype", str(back["dtype"]))
put("dtypes.all", " ".join(str(t) for t in DTYPES))
put("dtypes.pair", " ".join(str(t) for t in back["pair"]))
put("dtypes.z", nums(back["z"]))
# complex32 (chalf) is allowed by both, but Ember has no complex32: refused by Ember where 1.13 and 2.x load it
torch.save({"dtype": torch.complex32}, "complex32.pt")
assert torch.load("complex32.pt", weights_only=True)["dtype"] is torch.complex32
# a GLOBAL torch.cfloat, written by hand (torch.save never writes an alias): refused by 1.13 ("Unsupported class
# torch.cfloat") and 2.x; 2.x's message, which Ember gives:
alias = b"\x80\x02}X\x05\x00\x00\x00dtypectorch\ncfloat\ns."
try:
    torch._weights_only_unpickler.load(io.BytesIO(alias))
    raise AssertionError("1.13 loaded torch.cfloat")
except RuntimeError as e:  # (1.13 raises RuntimeError here; torch.load wraps it in an UnpicklingError)
    put("alias.113", str(e))
put("alias.bytes", alias.hex())
put("alias.2x", "Unsupported global: GLOBAL torch.cfloat was not an allowed global by default. Please use "
    "`torch.serialization.add_safe_globals([torch.cfloat])` or the `torch.serialization.safe_globals([torch.cfloat])` "
    "context manager to allowlist this global if you trust this class/function.")

# ------------------------------------------------------------------------------ 2. add_safe_globals / safe_globals
# A checkpoint holding an instance of a user's class (protocol 2: GLOBAL leftovers45.Config, EMPTY_TUPLE, NEWOBJ, then
# its __dict__ and BUILD) and the result of a user's function (GLOBAL leftovers45.make_point, a tuple, REDUCE).
# 1.13's weights-only unpickler refuses the first ("Unsupported class leftovers45.Config"); 2.x (2.4+) refuses it with
# the message below (torch/_weights_only_unpickler.py, its f-string with full_path = "leftovers45.Config") unless it is
# allowlisted: with torch.serialization.add_safe_globals([Config, make_point]) (or the safe_globals context) it loads
# Config(lr=0.5, steps=3, tags=['a', 'b']) (cls.__new__, then __dict__.update(state)) and make_point(1, 2).
# Ember maps each full name to a Java factory (SafeGlobals); the test's factories make a map of the state and a list
# of the arguments, compared with the values below.
import sys
import types

_mod = types.ModuleType("leftovers45")
sys.modules["leftovers45"] = _mod


class Config:
    def __init__(self, lr, steps, tags):
        self.lr, self.steps, self.tags = lr, steps, tags


def make_point(x, y):
    return ("point", x, y)


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __reduce__(self):
        return make_point, (self.x, self.y)


for _obj, _name in ((Config, "Config"), (make_point, "make_point")):
    _obj.__module__ = "leftovers45"
    _obj.__qualname__ = _name
    setattr(_mod, _name, _obj)
torch.save({"cfg": Config(0.5, 3, ["a", "b"]), "pt": Point(1, 2), "w": torch.tensor([1.5, -2.0])}, "safe_global.pt")
_back = torch.load("safe_global.pt")
assert vars(_back["cfg"]) == {"lr": 0.5, "steps": 3, "tags": ["a", "b"]} and _back["pt"] == ("point", 1, 2)
try:
    torch.load("safe_global.pt", weights_only=True)
    raise AssertionError("1.13 loaded leftovers45.Config")
except pickle.UnpicklingError as e:
    put("safe.113", str(e).split("WeightsUnpickler error: ")[-1])
put("safe.cfg", "lr=%r steps=%r tags=%s" % (_back["cfg"].lr, _back["cfg"].steps, ",".join(_back["cfg"].tags)))
put("safe.pt", "%d %d" % (_back["pt"][1], _back["pt"][2]))
put("safe.w", nums(_back["w"]))
put("safe.2x", "Unsupported global: GLOBAL leftovers45.Config was not an allowed global by default. Please use "
    "`torch.serialization.add_safe_globals([leftovers45.Config])` or the "
    "`torch.serialization.safe_globals([leftovers45.Config])` context manager to allowlist this global if you trust "
    "this class/function.")

# ------------------------------------------------------------------------------ 5. sparse COO @ dense: gradients
# S = sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [1., 2., 3.], (2, 3)) float64, D = arange(6).reshape(3, 2), x =
# arange(3), M = ones(2, 2); L = (out ** 2).sum(). For each op: the node, then each operand's gradient layout and
# values (a sparse gradient as its dense form), or the first line of the error. The dense operands' gradients are
# strided in every case, the sparse operand's sparse where PyTorch differentiates it (torch.sparse.mm/addmm);
# torch.mm/matmul/@ refuse a sparse self that requires grad in their forward, 1.13 and 2.x alike (2.x's
# derivatives.yaml: mm saves self.sym_strides(), generated as strides_or_error(self, "self"), whose check this is).
def sparse_case(key, f, watch_sparse, watch_dense, sparse_rg):
    S = torch.sparse_coo_tensor(torch.tensor([[0, 1, 1], [2, 0, 2]]), torch.tensor([1., 2., 3.], dtype=torch.float64),
                                (2, 3)).requires_grad_(sparse_rg)
    D = torch.arange(6, dtype=torch.float64).reshape(3, 2).requires_grad_("D" in watch_dense)
    x = torch.arange(3, dtype=torch.float64).requires_grad_("x" in watch_dense)
    M = torch.ones(2, 2, dtype=torch.float64).requires_grad_("M" in watch_dense)
    try:
        out = f(S, D, x, M)
    except RuntimeError as e:
        put("sparse." + key, "error " + str(e).split("\n")[0])
        return
    out.pow(2).sum().backward()
    parts = [out.grad_fn.name()]
    if watch_sparse:
        parts.append("S %s %s" % (S.grad.layout, nums(S.grad.to_dense())))
    for name in watch_dense:
        g = {"D": D, "x": x, "M": M}[name].grad
        parts.append("%s %s %s" % (name, g.layout, nums(g)))
    put("sparse." + key, " | ".join(parts))


sparse_case("mm", lambda S, D, x, M: torch.mm(S, D), False, "D", False)
sparse_case("matmul", lambda S, D, x, M: torch.matmul(S, D), False, "D", False)
sparse_case("at", lambda S, D, x, M: S @ D, False, "D", False)
sparse_case("mv", lambda S, D, x, M: torch.matmul(S, x), False, "x", False)
sparse_case("sparse_mm", lambda S, D, x, M: torch.sparse.mm(S, D), True, "D", True)
sparse_case("sparse_addmm", lambda S, D, x, M: torch.sparse.addmm(M, S, D), True, "MD", True)
sparse_case("mm_rg", lambda S, D, x, M: torch.mm(S, D), True, "D", True)
sparse_case("matmul_rg", lambda S, D, x, M: torch.matmul(S, D), True, "D", True)

# ------------------------------------------------------------------------------ 6. float16/bfloat16 add/sub with alpha
# 2.x's CPU add (ufunc/add.h through cpu_kernel_vec, UfuncCPUKernel_add.cpp): alpha.to<scalar_t>() (sub: -alpha), then
# for a contiguous row the vector loop over whole passes of 2 * Vectorized<T>::size() elements computes
# vec::fmadd(other, alpha, self) in float (the product exact for 8/11-bit significands, one float rounding, one
# rounding to the type), and the scalar tail self + alpha * other in c10::Half/BFloat16 arithmetic (the product rounded
# to the type, then the sum). A pass is 32 elements on AVX2/DEFAULT builds and 64 on AVX512, which 2.x dispatches to on
# a CPU with AVX-512 VL/BW/DQ and FMA (DispatchStub.cpp compute_cpu_capability); 1.13 makes AVX512 opt-in
# (ATEN_CPU_CAPABILITY=avx512). Written: one row of 200 values per operand and type (a, b), and for each alpha and op
# the rows "vec" (every element by the vector path) and "scal" (every element by the scalar path); the result for the
# first n values on a machine of pass p is vec[:n // p * p] followed by scal[n // p * p:n]. Checked here against 1.13 for
# every n in 1..200 on both capabilities (subprocesses): bfloat16 exactly so (1.13's Vectorized<BFloat16> fmadd is
# 2.x's); float16 equals scal everywhere in 1.13, which has no Vectorized<Half> (2.x's vec256/vec512_half fmadd is the
# bfloat16 one), so its vec row is the rule's.
import json
import os
import subprocess

_g = torch.Generator().manual_seed(4506)
ALPHAS = (0.3, -1.7, 3.1)
half_rows = {}
for dt in (torch.bfloat16, torch.float16):
    name = str(dt)[6:]
    a = (torch.randn(200, generator=_g) * 3).to(dt)
    b = (torch.randn(200, generator=_g) * 3).to(dt)
    half_rows[name] = (a, b)
    put("half.%s.a" % name, nums(a))
    put("half.%s.b" % name, nums(b))
    for alpha in ALPHAS:
        for op, eff in (("add", alpha), ("sub", -alpha)):
            al = torch.tensor(eff).to(dt).float()
            vec = (a.float() + al * b.float()).to(dt)
            scal = (a.float() + (al * b.float()).to(dt).float()).to(dt)
            half_rows[(name, alpha, op)] = (vec, scal)
            put("half.%s.%s.%r.vec" % (name, op, alpha), nums(vec))
            put("half.%s.%s.%r.scal" % (name, op, alpha), nums(scal))

_child = """
import json, sys, torch
d = json.load(sys.stdin)
out = {}
for name, (a, b) in d["rows"].items():
    dt = getattr(torch, name)
    a = torch.tensor(a, dtype=torch.float32).to(dt)
    b = torch.tensor(b, dtype=torch.float32).to(dt)
    for alpha in d["alphas"]:
        for n in range(1, 201):
            out["%s add %r %d" % (name, alpha, n)] = torch.add(a[:n], b[:n], alpha=alpha).float().tolist()
            out["%s sub %r %d" % (name, alpha, n)] = torch.sub(a[:n], b[:n], alpha=alpha).float().tolist()
print(json.dumps(out))
"""
_payload = json.dumps({"alphas": ALPHAS, "rows": {k: (v[0].float().tolist(), v[1].float().tolist())
                                                   for k, v in half_rows.items() if isinstance(k, str)}})
for cap, width in (("avx2", 32), ("avx512", 64)):
    env = dict(os.environ, ATEN_CPU_CAPABILITY=cap)
    got = json.loads(subprocess.run([sys.executable, "-c", _child], input=_payload, env=env, capture_output=True,
                                    text=True, check=True).stdout)
    for name in ("bfloat16", "float16"):
        for alpha in ALPHAS:
            for op in ("add", "sub"):
                vec, scal = half_rows[(name, alpha, op)]
                for n in range(1, 201):
                    k = n // width * width
                    rule = torch.cat([vec[:k], scal[k:n]]).float().tolist()
                    r113 = got["%s %s %r %d" % (name, op, alpha, n)]
                    if name == "bfloat16":
                        assert r113 == rule, (cap, name, op, alpha, n)
                    else:
                        assert r113 == scal[:n].float().tolist(), (cap, name, op, alpha, n)

with open("expected.txt", "w") as f:
    f.write("\n".join(OUT) + "\n")
