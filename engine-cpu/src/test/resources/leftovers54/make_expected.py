# Expected values for Leftovers54Test (PyTorch 1.13 CPU; the project follows 2.x, and where 1.13 differs the generator
# emulates 2.x, as noted at each case). Line format:
#   <id> => <dtype> <shape, comma-joined, - for 0-dim> <fn: grad_fn name or -> <values> | ERR <message>
# values: a complex value as re,im; floats as Python's float.hex, integers and bools as integers.
#
# 1.13 and 2.x:
# - complex pow with a zero base: 1.13 and 2.x alike. Tensor ** tensor runs std::pow(complex, complex) in both the
#   scalar loop and Vectorized<c10::complex<T>>::pow (which stores the lanes and calls std::pow on each): libstdc++'s
#   pow with _GLIBCXX_USE_C99_COMPLEX is glibc's cpow, cexp(y * clog(x)), so 0 ** (a+bi) is (inf, nan) for a < 0,
#   nan for a = 0 (0 ** 0 too), (0, +-0) for a > 0. Tensor ** Python complex (pow_Tensor_Scalar): 0 fills ones, 1
#   copies, 0.5 is sqrt, 2 and 3 products, every other exponent std::pow (PowKernel.cpp's
#   pow_tensor_scalar_optimized_kernel); -0.5, -1 and -2 (1 / sqrt, reciprocal, 1 / (x * x)) are not drawn at a zero
#   base: 2.x's scalar complex division gives (inf, nan) there and its vectorized reciprocal (nan, nan).
# - linalg.vector_norm of bfloat16 with ord 3 (DifferentialFuzzR32Test's r32_1008): 1.13's norm kernel accumulates
#   in bfloat16 (scalar_value_type<BFloat16> = BFloat16); 2.x's norm_kernel_cpu_impl accumulates in
#   opmath_type<BFloat16> = float (ReduceOpsKernel.cpp): emulated as the float32 norm rounded to bfloat16, and the
#   backward as 2.x's norm_backward (self * |self|^(p-2) * grad / norm^(p-1)) in bfloat16 from that norm.
# - cumsum / cumprod of a 0-dim input with dtype= (r32_574): impl_func_cum_ops fills the result with the input
#   (fill_ through a Scalar, the checked conversion: a complex value with a non-zero imaginary part does not fit a
#   real type), the same in 1.13 and 2.x.
# - softmax / log_softmax with dtype=complex: both refuse in the kernel's dispatch ("softmax_lastdim_kernel_impl" /
#   "softmax_kernel_impl" not implemented for 'ComplexFloat'), a leaf requiring grad or not.
# - complex / False: 2.x's c10::complex division (numpy's algorithm, the one Ember follows, ComplexOps.div) divides
#   each part by the zero ((1+1j) / 0 is inf+infj); 1.13's naive formula gives NaN: emulated.
# - torch.norm with dtype=: 2.x's torch.norm (functional.py) calls linalg.vector_norm / linalg.matrix_norm for a
#   strided CPU tensor; 1.13's took its legacy at::norm ("dtype argument is not supported in frobenius norm",
#   NormBackward3): emulated by calling linalg as 2.x does (norm2x).
import torch

B, U8, I8, I16, I32, I64 = torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64
BF16, F16, F32, F64, C64, C128 = torch.bfloat16, torch.float16, torch.float32, torch.float64, torch.complex64, torch.complex128
out = []


def fmt(t):
    shape = ",".join(map(str, t.shape)) or "-"
    fn = type(t.grad_fn).__name__ if t.grad_fn is not None else "-"
    t = t.detach()
    if t.is_complex():
        vals = ["%s,%s" % (float(v.real).hex(), float(v.imag).hex()) for v in t.flatten().tolist()]
    elif t.is_floating_point():
        vals = [float(v).hex() for v in t.double().flatten().tolist()]
    else:
        vals = [str(int(v)) for v in t.flatten().tolist()]
    return " ".join([str(t.dtype).replace("torch.", ""), shape, fn] + vals)


def case(cid, f):
    try:
        r = f()
        res = fmt(r)
    except Exception as e:
        res = "ERR " + str(e).split("\n")[0]
    out.append("%s => %s" % (cid, res))


# ---- complex pow with a zero base
ZB = [0j, complex(-0.0, 0.0), complex(0.0, -0.0), complex(1.5, -0.5)]
EXPS = [0j, 1 + 0j, 0.5 + 0j, 2 + 0j, 3 + 0j, 1.5 + 0j, -1.5 + 0j, 2j, -2j, 1 + 1j, 1 - 2j, -1 + 1j, -1 - 2j,
        0.5 + 1j, 0.001 + 0j, complex(0.0, -0.0)]
for dn, dt in (("c64", C64), ("c128", C128)):
    for k, e in enumerate(EXPS):
        case("powZeroScalar_%s_%d" % (dn, k), lambda: torch.tensor(ZB, dtype=dt) ** e)
    case("powZeroTensor_%s" % dn, lambda: torch.tensor(ZB, dtype=dt).reshape(4, 1) ** torch.tensor(EXPS + [-0.5 + 0j, -1 + 0j, -2 + 0j], dtype=dt))
    case("powZeroTensorExpScalar_%s" % dn, lambda: torch.pow(torch.tensor(ZB, dtype=dt), torch.tensor(-2j, dtype=dt)))
case("powInt32MinusTwoJ", lambda: torch.tensor([[4, -2, 0], [0, 3, -1]], dtype=I32) ** (-2j))
case("powInt32MinusTwoJTensor", lambda: torch.tensor([0, 2, -1], dtype=I32) ** torch.tensor([-2j, 0j, 1 + 1j]))
case("powFloatZeroComplex", lambda: torch.tensor([0.0, -0.0, 2.0]) ** (0.5 + 1j))
case("powFloat64ZeroComplex", lambda: torch.tensor([0.0, -0.0, 2.0], dtype=F64) ** (-1 + 0.5j))

# ---- pow(Complex, Tensor): torch.pow(<Python complex>, t)
case("powComplexBaseFloat", lambda: torch.pow(1 + 2j, torch.tensor([0.0, 1.0, -1.5, 2.5])))
case("powComplexBaseFloatGrad", lambda: torch.pow(1 + 2j, torch.tensor([0.0, 1.0, -1.5, 2.5], requires_grad=True)))
case("powComplexBaseFloat64", lambda: torch.pow(-0.5 + 0.25j, torch.tensor([0.0, 1.0, -1.5, 2.5], dtype=F64)))
case("powComplexBaseInt64", lambda: torch.pow(1 + 2j, torch.tensor([0, 1, 2, -3])))
case("powComplexBaseBool", lambda: torch.pow(1 + 2j, torch.tensor([True, False])))
case("powComplexBaseComplex128", lambda: torch.pow(1 + 2j, torch.tensor([0.5 - 1j, 2 + 0j], dtype=C128)))
case("powComplexBaseOne", lambda: torch.pow(1 + 0j, torch.tensor([float("nan"), 2.0, float("inf")])))
case("powComplexBaseZero", lambda: torch.pow(0j, torch.tensor([0.0, 1.0, -1.0, 0.5])))


def with_default(d, f):
    def g():
        torch.set_default_dtype(d)
        try:
            return f()
        finally:
            torch.set_default_dtype(F32)
    return g


case("powComplexBaseInt64Default64", with_default(F64, lambda: torch.pow(1 + 2j, torch.tensor([0, 1, 2, -3]))))

case("powRealBaseOneComplex", lambda: torch.pow(1.0, torch.tensor([complex(float("nan"), 0.0), 2 + 1j])))
case("powIntBaseOneComplex", lambda: torch.pow(1, torch.tensor([complex(float("nan"), 0.0), 2 + 1j])))
case("powRealBaseComplex", lambda: torch.pow(2.0, torch.tensor([0.5 + 1j, -1 + 0j])))

# ---- the dtype= of norm, linalg.norm and linalg.matrix_norm
XM = torch.tensor([[1.5, -2.0, 3.0, 0.5], [0.25, 4.0, -1.0, 2.0], [-3.0, 1.0, 0.75, -0.5]])


def leaf_grad(f):
    def g():
        x = XM.clone().requires_grad_()
        r = f(x)
        r.sum().backward()
        return x.grad
    return g


def norm2x(x, p, dim, keepdim, dtype):
    # 2.x's torch.norm (functional.py) of a strided CPU tensor: linalg.vector_norm, or linalg.matrix_norm for "nuc"
    # (1.13's took its legacy path: "dtype argument is not supported in frobenius norm", NormBackward3): emulated
    if isinstance(p, str):
        if p == "fro" and (dim is None or len(dim) <= 2):
            return torch.linalg.vector_norm(x, 2, dim, keepdim, dtype=dtype)
        return torch.linalg.matrix_norm(x, p, list(range(x.ndim)) if dim is None else dim, keepdim, dtype=dtype)
    return torch.linalg.vector_norm(x, p, dim, keepdim, dtype=dtype)


NORMS = [
    ("normP3", lambda x: norm2x(x, 3.0, [1], False, F64)),
    ("normFro", lambda x: norm2x(x, "fro", None, False, F64)),
    ("normNuc", lambda x: norm2x(x, "nuc", None, True, F64)),
    ("linalgNormMatrix1", lambda x: torch.linalg.norm(x, 1.0, None, False, dtype=F64)),
    ("linalgNormNone", lambda x: torch.linalg.norm(x, None, None, False, dtype=F64)),
    ("linalgNormVectorInf", lambda x: torch.linalg.norm(x, float("inf"), [0], True, dtype=F64)),
    ("linalgNormFro", lambda x: torch.linalg.norm(x, "fro", None, False, dtype=F64)),
    ("matrixNorm2", lambda x: torch.linalg.matrix_norm(x, 2.0, (-2, -1), False, dtype=F64)),
    ("matrixNormMinusInf", lambda x: torch.linalg.matrix_norm(x, float("-inf"), (-2, -1), False, dtype=F64)),
    ("matrixNormNuc", lambda x: torch.linalg.matrix_norm(x, "nuc", (-2, -1), False, dtype=F64)),
]
for name, f in NORMS:
    case(name, lambda: f(XM.clone().requires_grad_()))
    case(name + "Grad", leaf_grad(f))
case("matrixNormNucComplexOfReal", lambda: torch.linalg.matrix_norm(XM, "nuc", (-2, -1), False, dtype=C128))
case("matrixNorm1ComplexOfReal", lambda: torch.linalg.matrix_norm(XM, 1.0, (-2, -1), False, dtype=C128))
case("matrixNorm1Narrowing", lambda: torch.linalg.matrix_norm(XM.double(), 1.0, (-2, -1), False, dtype=F32))
case("matrixNorm1Int", lambda: torch.linalg.matrix_norm(XM, 1.0, (-2, -1), False, dtype=I32))
case("matrixNormFroInt", lambda: torch.linalg.matrix_norm(XM, "fro", (-2, -1), False, dtype=I32))
case("matrixNormNucInt", lambda: torch.linalg.matrix_norm(XM, "nuc", (-2, -1), False, dtype=I32))
case("normP2Int", lambda: norm2x(XM, 2.0, None, False, I32))
case("normFroInt", lambda: norm2x(XM, "fro", None, False, I32))
case("linalgNormComplex", lambda: torch.linalg.norm(XM.to(C64), 2.0, None, False, dtype=C128))

# ---- cumsum / cumprod of a 0-dim input with dtype=
ZC = torch.tensor(-0.1198162307981179 + 1.7724504106051657j, dtype=C128)
for op in ("cumsum", "cumprod"):
    case("%s0dComplexToFloat64" % op, lambda: getattr(torch, op)(ZC, 0, dtype=F64))
    case("%s0dComplexToInt64" % op, lambda: getattr(torch, op)(ZC, 0, dtype=I64))
    case("%s0dComplexRealToFloat32" % op, lambda: getattr(torch, op)(torch.tensor(2.5 + 0j, dtype=C64), 0, dtype=F32))
    case("%s0dComplexToBool" % op, lambda: getattr(torch, op)(ZC, 0, dtype=B))
    case("%s0dComplexToComplex64" % op, lambda: getattr(torch, op)(ZC, 0, dtype=C64))
    case("%s0dComplexBigToComplex64" % op, lambda: getattr(torch, op)(torch.tensor(1e300 + 1j, dtype=C128), 0, dtype=C64))
    case("%s1dComplexToFloat64" % op, lambda: getattr(torch, op)(ZC.reshape(1), 0, dtype=F64))

# ---- softmax / log_softmax with dtype=complex
XS = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
for op in ("softmax", "log_softmax"):
    for dn, dt in (("c64", C64), ("c128", C128)):
        case("%sComplexLeaf_%s" % (op, dn), lambda: getattr(torch, op)(XS.clone().requires_grad_(), -1, dtype=dt))
        case("%sComplexLeafDim0_%s" % (op, dn), lambda: getattr(torch, op)(XS.clone().requires_grad_(), 0, dtype=dt))
        case("%sComplexNoGrad_%s" % (op, dn), lambda: getattr(torch, op)(XS, 1, dtype=dt))

# ---- bfloat16 vector_norm ord=3 (2.x: float accumulation, emulated)
XN = torch.tensor([82.0, 23.0, -75.0, 24.25], dtype=BF16)
norm2x = torch.linalg.vector_norm(XN.float(), 3.0).to(BF16)
case("vectorNormBf16Ord3", lambda: norm2x)
case("vectorNormBf16Ord3Grad", lambda: (XN * XN.abs().pow(1.0)) * (torch.tensor(0.5, dtype=BF16) / norm2x.pow(2.0)))

# ---- the *_like and new_* factories with dtype=
XL = torch.tensor([[1.5, -2.0, 3.0], [0.25, 4.0, -1.0]])
XI = torch.tensor([3, -1, 7], dtype=I16)
case("zerosLikeDtype", lambda: torch.zeros_like(XL, dtype=I32))
case("onesLikeDtype", lambda: torch.ones_like(XI, dtype=C128))
case("onesLikeBool", lambda: torch.ones_like(XL, dtype=B))
case("fullLikeDoubleDtype", lambda: torch.full_like(XI, 2.5, dtype=F64))
case("fullLikeDoubleToInt", lambda: torch.full_like(XL, 2.5, dtype=I64))
case("fullLikeLongDtype", lambda: torch.full_like(XL, 300, dtype=I16))
case("fullLikeLongOverflow", lambda: torch.full_like(XL, 300, dtype=I8))
case("fullLikeBoolDtype", lambda: torch.full_like(XI, True, dtype=F32))
case("fullLikeDoubleOverflowHalf", lambda: torch.full_like(XI, 1e5, dtype=F16))


def seeded(f):
    def g():
        torch.manual_seed(54)
        return f()
    return g


case("randLikeDtype", seeded(lambda: torch.rand_like(XL, dtype=F64)))
case("randLikeDtypeInt", seeded(lambda: torch.rand_like(XL, dtype=I32)))
case("randnLikeDtype", seeded(lambda: torch.randn_like(XL, dtype=F64)))
case("randintLikeDtype", seeded(lambda: torch.randint_like(XL, 0, 10, dtype=I64)))
case("randintLikeDtypeHigh", seeded(lambda: torch.randint_like(XI, 100, dtype=F32)))
case("emptyLikeDtype", lambda: torch.zeros_like(torch.empty_like(XL, dtype=C64)))
case("newZerosDtype", lambda: XL.new_zeros((2, 2), dtype=I64))
case("newOnesDtype", lambda: XI.new_ones((3,), dtype=F64))
case("newFullDoubleDtype", lambda: XI.new_full((2,), -2.25, dtype=F32))
case("newFullLongDtype", lambda: XL.new_full((2,), 7, dtype=U8))
case("newFullLongOverflow", lambda: XL.new_full((2,), 256, dtype=U8))
case("newFullBoolDtype", lambda: XL.new_full((1, 2), True, dtype=I32))
case("newEmptyDtype", lambda: torch.zeros_like(XL.new_empty((3, 1), dtype=BF16)))
case("newTensorDtype", lambda: XI.new_tensor([1.5, -2.0, 3.0], dtype=F64))
case("newTensorDtypeInt", lambda: XL.new_tensor([1, 2, 3], dtype=I8))

# ---- a Python bool as the scalar operand
TB = torch.tensor([True, False, True])
TI = torch.tensor([1, -2, 0], dtype=I8)
TF = torch.tensor([1.5, -2.0, 0.0])
TC = torch.tensor([1 + 1j, -2 + 0j, 0j])
for tn, t in (("bool", TB), ("int8", TI), ("float32", TF), ("complex64", TC)):
    for bn, b in (("T", True), ("F", False)):
        case("add_%s_%s" % (tn, bn), lambda: torch.add(t, b))
        case("mul_%s_%s" % (tn, bn), lambda: torch.mul(t, b))
        if tn == "complex64" and not b:
            # 2.x's complex division (c10::complex's operator/, numpy's algorithm): a zero divisor gives
            # re / 0 + i im / 0; 1.13's naive formula gives NaN: emulated
            case("div_%s_%s" % (tn, bn), lambda: torch.complex(t.real / 0.0, t.imag / 0.0))
        else:
            case("div_%s_%s" % (tn, bn), lambda: torch.div(t, b))
        case("eq_%s_%s" % (tn, bn), lambda: torch.eq(t, b))
        case("ne_%s_%s" % (tn, bn), lambda: torch.ne(t, b))
        case("whereOther_%s_%s" % (tn, bn), lambda: torch.where(TB, t, b))
        case("whereInput_%s_%s" % (tn, bn), lambda: torch.where(TB, b, t))
case("addFloatLeafTrue", lambda: torch.add(TF.clone().requires_grad_(), True))
case("mulFloatLeafFalse", lambda: torch.mul(TF.clone().requires_grad_(), False))

open("expected.txt", "w").write("\n".join(out) + "\n")
print(len(out), "cases")
