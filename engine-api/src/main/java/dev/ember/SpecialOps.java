package dev.ember;

import dev.ember.backend.Zeta;

import java.util.List;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Supplier;

/**
 * More pointwise math, {@code torch.special} among it: sinc, logit, xlog1py, logaddexp(2), the modified Bessel
 * functions i0, i0e, i1, i1e, ndtr, ndtri, erfcx, log_ndtr, entr, multigammaln, heaviside, addcmul and addcdiv,
 * deg2rad and rad2deg, ldexp, nextafter. Each records PyTorch's node with its derivatives.yaml formula in Tensor ops (so
 * double backward works). Forwards are PyTorch's kernels written step by step in existing elementwise ops under
 * no-grad, so they run on every backend; the series PyTorch evaluates per element (the Cephes i0, i0e, i1, i1e and
 * ndtri, in {@link Cephes}; erfcx, in {@link Erfcx}) and nextafter are computed on the host, element by element, in the
 * tensor's own precision (float32 in float arithmetic with PyTorch's float tables where it has them; erfcx in double,
 * rounded once), and a CUDA tensor is copied through the host for them.
 */
final class SpecialOps {
    private SpecialOps() {
    }

    /** The floating type a unary float op computes in: integers and bool give the default type, as PyTorch. */
    private static boolean floatingOrComplex(Tensor t) {
        return t.dtype.isFloatingPoint() || t.dtype.isComplex();
    }

    /**
     * The type a real special function computes in (integers: the default type); a complex tensor is its caller's to
     * refuse first ({@link #realType}).
     */
    private static DType floatType(Tensor a) {
        if (a.dtype.isComplex()) {
            throw new IllegalStateException("a complex tensor reached floatType: its op refuses complex tensors first");
        }
        if (a.dtype.isFloat8()) {
            throw Float8.refusal(a); // their kernels dispatch float, double, half and bfloat16 only
        }
        return a.dtype.isFloatingPoint() ? a.dtype : Ember.getDefaultDtype();
    }

    /**
     * {@link #floatType} of a real special function, refusing a complex tensor as PyTorch's kernel {@code kernel} does
     * (its name without the device suffix: "entr" names "entr_cpu" on the CPU, "entr_cuda" on CUDA), with the
     * {@link UnsupportedOperationException} Ember has always thrown for these.
     */
    private static DType realType(Tensor a, String kernel) {
        if (a.dtype.isComplex()) {
            throw Refusals.unsupported(kernel, a.device, a.dtype);
        }
        return floatType(a);
    }

    /** {@link #floatType}, refusing a complex tensor in the words of PyTorch's kernel {@code kernel} ("logit_cpu"). */
    private static DType floatType(Tensor a, String kernel) {
        if ((a.dtype.isComplex() || a.dtype.isFloat8()) && !a.device.isMeta()) { // a meta kernel checks no element type
            throw Refusals.notImplemented(kernel, a.device, a.dtype);
        }
        return floatType(a);
    }

    /** The type a kernel computes in: float16 and bfloat16 in float32, rounded once at the end (PyTorch's opmath). */
    private static DType opmath(DType t) {
        return t.isReducedFloatingPoint() ? DType.FLOAT32 : t;
    }

    private static Tensor noGrad(Supplier<Tensor> f) {
        try (GradMode off = Ember.noGrad()) {
            return f.get();
        }
    }

    private static Tensor zeroWhere(Tensor cond, Tensor g) {
        return Tensor.where(cond, Creation.wrap(0.0), g);
    }

    private static Tensor record1(Tensor out, String name, Tensor a,
                                  java.util.function.Function<Node, java.util.function.Function<Tensor, Tensor[]>> f) {
        return ArithmeticOps.record(out, name, new Tensor[] {a}, f);
    }

    // ------------------------------------------------------------------ C++ scalar arithmetic (ATen's own compositions)

    /** {@code a * s} for a C++ Scalar {@code s}, as ATen's compositions multiply: MulBackward1 ({@code grad * s}). */
    static Tensor mulScalar(Tensor a, double s) {
        Tensor out = noGrad(() -> a.mul(s));
        return record1(out, "MulBackward1", a, n -> g -> new Tensor[] {g.mul(s)});
    }

    /** {@code a + s} for a C++ Scalar {@code s} ({@code s + a} in C++ is the same op): AddBackward1 ({@code grad}). */
    static Tensor addScalar(Tensor a, double s) {
        Tensor out = noGrad(() -> a.add(s));
        return record1(out, "AddBackward1", a, n -> g -> new Tensor[] {g});
    }

    // ------------------------------------------------------------------ sinc, logit, entr

    /** PyTorch's sinc kernel: 1 at 0, else {@code sin(pi x) / (pi x)} with {@code pi x} rounded in the type. SincBackward0. */
    static Tensor sinc(Tensor a) {
        DType t = a.dtype.isComplex() ? a.dtype : floatType(a);
        Tensor out = noGrad(() -> {
            Tensor x = ArithmeticOps.cast(a, opmath(t));
            Tensor p = x.mul(Math.PI);
            return Tensor.where(x.eq(0L), Creation.wrap(1.0), p.sin().div(p)).to(t);
        });
        return record1(out, "SincBackward0", a, n -> {
            SavedTensor sx = n.save(a);
            return g -> {
                // sinc_backward: grad * ((self_pi * self_pi.cos()) - self_pi.sin()) / self_squared_pi, 0 where
                // self_squared_pi == 0
                Tensor x = sx.get();
                Tensor xpi = x.mul(Math.PI);
                Tensor x2pi = x.mul(x).mul(Math.PI);
                Tensor d = g.mul(ComplexMath.conjIfComplex(xpi.mul(xpi.cos()).sub(xpi.sin()).div(x2pi)));
                return new Tensor[] {zeroWhere(x2pi.eq(0L), d)};
            };
        });
    }

    /**
     * logit: {@code log(x / (1 - x))}, with {@code x} first clamped to {@code [eps, 1 - eps]} when {@code eps} is given
     * and not negative (PyTorch's kernel; {@code 1 - eps} rounded in the type). LogitBackward0 with PyTorch's two
     * backwards: under create_graph the infinitely differentiable one, {@code grad / (x (1 - x))} inside
     * {@code [eps, 1 - eps]} (0 outside, NaN outside [0, 1] without eps), else the kernel logit_backward, which also
     * lets a NaN x through and takes a negative eps as none.
     */
    static Tensor logit(Tensor a, Double eps) {
        DType t = floatType(a, "logit");
        Tensor out = noGrad(() -> {
            Tensor x = ArithmeticOps.cast(a, opmath(t));
            if (eps != null && eps >= 0) {
                x = x.clamp(inType(eps, opmath(t)), inType(1 - eps, opmath(t), eps));
            }
            return x.div(x.rsub(1L)).log().to(t);
        });
        return record1(out, "LogitBackward0", a, n -> {
            SavedTensor sx = n.save(a);
            return g -> {
                Tensor x = sx.get();
                Tensor d = g.div(x.mul(x.rsub(1.0)));
                if (GradMode.isEnabled()) {
                    // infinitely_differentiable_logit_backward
                    double lo = eps != null ? eps : 0;
                    double hi = eps != null ? 1.0 - eps : 1;
                    Tensor inside = x.ge(lo).logicalAnd(x.le(hi));
                    return new Tensor[] {Tensor.where(inside, d, Creation.wrap(eps != null ? 0.0 : Double.NaN))};
                }
                // logit_backward's kernel: (x < lo || x > hi) ? (eps < 0 ? NaN : 0) : dy / (x (1 - x)), lo and hi in
                // the type (0 and 1 for a negative or absent eps)
                boolean clamped = eps != null && eps >= 0;
                DType xt = x.dtype();
                double lo = clamped ? inType(eps, xt) : 0;
                double hi = clamped ? inType(1 - eps, xt, eps) : 1;
                Tensor outside = x.lt(lo).logicalOr(x.gt(hi));
                return new Tensor[] {Tensor.where(outside, Creation.wrap(clamped ? 0.0 : Double.NaN), d)};
            };
        });
    }

    /** {@code v} as the type holds it (float32 rounds). */
    private static double inType(double v, DType t) {
        return t == DType.FLOAT32 ? (float) v : v;
    }

    /** {@code 1 - eps} as PyTorch's kernels compute it in the type: {@code scalar_t(1) - eps}. */
    private static double inType(double oneMinusEps, DType t, double eps) {
        return t == DType.FLOAT32 ? 1f - (float) eps : oneMinusEps;
    }

    /** entr: {@code -x log x} for x > 0, 0 at 0, -inf below, NaN kept. SpecialEntrBackward0 ({@code grad * -(1 + log x)}). */
    static Tensor entr(Tensor a) {
        DType t = realType(a, "entr");
        Tensor out = noGrad(() -> {
            Tensor x = ArithmeticOps.cast(a, opmath(t));
            Tensor v = x.neg().mul(x.log());
            Tensor r = Tensor.where(x.gt(0L), v, Tensor.where(x.eq(0L), Creation.wrap(0.0),
                    Creation.wrap(Double.NEGATIVE_INFINITY)));
            return Tensor.where(x.isnan(), x, r).to(t);
        });
        return record1(out, "SpecialEntrBackward0", a, n -> {
            SavedTensor sx = n.save(a);
            return g -> new Tensor[] {g.mul(sx.get().log().add(1L).neg())};
        });
    }

    // ------------------------------------------------------------------ xlog1py

    /**
     * xlog1py(a, b) = {@code a * log1p(b)}, 0 where a is 0 and b is not NaN. SpecialXlog1PyBackward0 (tensors),
     * SpecialXlog1PyBackward1 (a Java-number a), SpecialXlog1PyBackward2 (a Java-number b).
     */
    static Tensor xlog1py(Tensor a, Tensor b) {
        Device device = ArithmeticOps.checkSameDevice(a, b);
        DType t = ArithmeticOps.resultType(a, b);
        if (t.isComplex()) {
            ArithmeticOps.refuseType("xlog1py", device, t);
        }
        DType ft = t.isFloatingPoint() ? t : Ember.getDefaultDtype();
        Tensor out = noGrad(() -> {
            Tensor x = ArithmeticOps.castOnDevice(a, opmath(ft), device);
            Tensor y = ArithmeticOps.castOnDevice(b, opmath(ft), device);
            Tensor v = x.mul(y.log1p());
            return Tensor.where(x.eq(0L).logicalAnd(y.isnan().logicalNot()), Creation.wrap(0.0), v).to(ft);
        });
        if (a.wrappedNumber) {
            return record1(out, "SpecialXlog1PyBackward1", b, n -> {
                SavedTensor sb = n.save(b);
                return g -> new Tensor[] {g.mul(a).div(sb.get().add(1L))};
            });
        }
        if (b.wrappedNumber) {
            double other = ArithmeticOps.wrappedDouble(b);
            return record1(out, "SpecialXlog1PyBackward2", a, n -> {
                SavedTensor sa = other > -1 ? null : n.save(a);
                return g -> {
                    Tensor d = xlog1py(g, b);
                    return new Tensor[] {sa == null ? d : zeroWhere(sa.get().eq(0L), d)};
                };
            });
        }
        return ArithmeticOps.record(out, "SpecialXlog1PyBackward0", new Tensor[] {a, b}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor sb = n.save(b);
            return g -> {
                Tensor x = sa.get();
                Tensor y = sb.get();
                return new Tensor[] {
                    n.needsInputGrad(0) ? zeroWhere(x.eq(0L).logicalAnd(y.le(-1L)), xlog1py(g, y)) : null,
                    n.needsInputGrad(1) ? g.mul(x).div(y.add(1L)) : null};
            };
        });
    }

    // ------------------------------------------------------------------ logaddexp, logaddexp2

    /**
     * {@code log(exp(a) + exp(b))} (base 2 with {@code two}), PyTorch's kernel: {@code a} where both are the same
     * infinity, else {@code max(a, b) + log1p(exp(-|a - b|))} ({@code log1p(exp2(-|a - b|)) / ln 2}). Floating types
     * only. LogaddexpBackward0 / Logaddexp2Backward0.
     */
    static Tensor logaddexp(Tensor a, Tensor b, boolean two) {
        Device device = ArithmeticOps.checkSameDevice(a, b);
        DType t = ArithmeticOps.resultType(a, b);
        if (!t.isFloatingPoint()) {
            ArithmeticOps.refuseType(two ? "logaddexp2" : "logaddexp", device, t);
        }
        Shapes.broadcast(a.shape, b.shape);
        Tensor out = noGrad(() -> {
            Tensor x = ArithmeticOps.castOnDevice(a, opmath(t), device);
            Tensor y = ArithmeticOps.castOnDevice(b, opmath(t), device);
            Tensor m = x.maximum(y);
            Tensor e = x.sub(y).abs().neg();
            Tensor r = two ? m.add(e.exp2().log1p().mul(1.0 / Math.log(2.0))) : m.add(e.exp().log1p());
            Tensor same = x.isinf().logicalAnd(x.eq(y));
            return Tensor.where(same, x, r).to(t);
        });
        return ArithmeticOps.record(out, two ? "Logaddexp2Backward0" : "LogaddexpBackward0", new Tensor[] {a, b}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor sb = n.save(b);
            return g -> {
                Tensor x = sa.get();
                Tensor y = sb.get();
                // grad / (1 + exp(other - self)), grad / (1 + pow(2, other - self)) for base 2
                java.util.function.Function<Tensor, Tensor> f = two ? d -> powTwo(d) : Tensor::exp;
                return new Tensor[] {
                    n.needsInputGrad(0) ? g.div(f.apply(y.sub(x)).add(1L)) : null,
                    n.needsInputGrad(1) ? g.div(f.apply(x.sub(y)).add(1L)) : null};
            };
        });
    }

    /** {@code pow(2, d)} (PyTorch's pow with a number base). */
    private static Tensor powTwo(Tensor d) {
        return ArithmeticOps.pow(Creation.wrap(2L), d);
    }

    // ------------------------------------------------------------------ heaviside, addcmul, addcdiv

    /**
     * heaviside: {@code values} where {@code a} is 0, else {@code a > 0}; one type for both (PyTorch's error otherwise).
     * Not differentiable: an input that requires grad gets PyTorch's NotImplemented node, whose backward fails.
     */
    static Tensor heaviside(Tensor a, Tensor values) {
        checkHeavisideTypes(a, values);
        ArithmeticOps.checkSameDevice(a, values);
        Shapes.broadcast(a.shape, values.shape);
        DType t = a.dtype;
        Tensor out = noGrad(() -> Tensor.where(a.eq(0L), values, a.gt(0L).to(t)).to(t));
        return ArithmeticOps.record(out, "NotImplemented", new Tensor[] {a, values}, n -> g -> {
            throw new IllegalStateException("derivative for aten::heaviside is not implemented");
        });
    }

    /**
     * heaviside's meta checks (before an in-place call's overlap check): no complex operand, then one dtype for both.
     */
    static void checkHeavisideTypes(Tensor a, Tensor values) {
        ComplexIndexing.refuse("heaviside", a, values); // heaviside's meta function checks this first
        if (a.dtype != values.dtype) {
            throw new IllegalArgumentException("heaviside is not yet implemented for tensors with different dtypes.");
        }
    }

    /**
     * mvlgamma_: mvlgamma's checks, then PyTorch's in-place composition builds its offsets with
     * {@code arange(-p/2 + 1/2, 1/2, 1/2)} in self's type, whose step truncates to 0 for an integer self.
     */
    static Tensor multigammaln_(Tensor self, int p) {
        InplaceOps.checkInplace(self, List.of(), false);
        if (self.dtype == DType.BOOL) {
            throw new IllegalArgumentException("The input tensor may not be a boolean tensor.");
        }
        if (p < 1) {
            throw new IllegalArgumentException("p has to be greater than or equal to 1");
        }
        if (!self.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("step must be nonzero");
        }
        return InplaceOps.inplace(self, List.of(), t -> multigammaln(t, p));
    }

    private static final String ADDCDIV_INTEGER = "Integer division with addcdiv is no longer supported, and in a future  "
            + "release addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be "
            + "implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as "
            + "(input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter "
            + "implementation: (input + value * tensor1 / tensor2), for all dtypes.";

    /**
     * {@code self + value * t1 * t2} ({@code mul}) or {@code self + value * t1 / t2}, broadcasting all three, in their
     * promoted type (PyTorch's kernel order: {@code self + ((value * t1) op t2)}; an integer type takes value truncated).
     * AddcmulBackward0 / AddcdivBackward0. addcdiv refuses two integer (or bool) divisor operands, as PyTorch.
     */
    static Tensor addcOp(Tensor self, Tensor t1, Tensor t2, double value, boolean mul) {
        Device device = ArithmeticOps.checkSameDevice(self, t1, t2);
        if (!mul && !floatingOrComplex(t1) && !floatingOrComplex(t2)) {
            throw new IllegalArgumentException(ADDCDIV_INTEGER);
        }
        DType t = ArithmeticOps.resultType(self, t1, t2);
        if (t == DType.BOOL && !device.isMeta()) { // a meta kernel checks no element type
            throw Refusals.notImplemented((mul ? "addcmul" : "addcdiv") + (device.isCpu() ? "_cpu_out" : "_cuda"),
                    DType.BOOL);
        }
        int[] shape = Shapes.broadcast(Shapes.broadcast(self.shape, t1.shape), t2.shape);
        // PyTorch's kernel converts value to the computation type with c10's overflow check (value.to<scalar_t>()):
        // -1.5 does not fit uint8; an integral value is taken as a Python int, as Ember's alpha is (uint8 takes -255..255)
        if (t.isComplex()) {
            ArithmeticOps.checkScalarFits(value, t); // c10::complex<float> holds float's range (complex128 any double)
        } else if (!t.isFloatingPoint() && value == Math.rint(value) && Math.abs(value) < 0x1p63) {
            ArithmeticOps.checkScalarFits((long) value, t);
        } else {
            ArithmeticOps.checkScalarFits(value, t == DType.FLOAT32 || t.isReducedFloatingPoint() ? DType.FLOAT32 : t);
        }
        Tensor out = noGrad(() -> {
            if (mul && device.isCpu() && (t == DType.FLOAT32 || t == DType.FLOAT64 || t.isReducedFloatingPoint())) {
                // PyTorch's x86 kernel: fma(value * t1, t2, self), the half types in float32 rounded once
                return OutputLayouts.allocate(shape, t, device, self, t1, t2).addcmul(ArithmeticOps.cast(self, t), value,
                        ArithmeticOps.cast(t1, t), ArithmeticOps.cast(t2, t));
            }
            Tensor a = ArithmeticOps.cast(t1, opmath(t));
            Tensor b = ArithmeticOps.cast(t2, opmath(t));
            Tensor scaled = t.isFloatingPoint() || t.isComplex() ? a.mul(value) : a.mul((long) value);
            Tensor r = mul ? scaled.mul(b) : scaled.div(b);
            return ArithmeticOps.cast(self, opmath(t)).add(r).to(t);
        });
        return ArithmeticOps.record(out, mul ? "AddcmulBackward0" : "AddcdivBackward0", new Tensor[] {self, t1, t2}, n -> {
            SavedTensor s1 = n.needsInputGrad(2) || !mul ? n.save(t1) : null;
            SavedTensor s2 = n.needsInputGrad(1) || n.needsInputGrad(2) ? n.save(t2) : null;
            return g -> {
                Tensor g1 = null;
                Tensor g2 = null;
                // each saved tensor read once (a saved-tensor unpack hook runs once per read)
                Tensor x1 = s1 == null ? null : s1.get();
                Tensor y = s2 == null ? null : s2.get();
                if (mul) {
                    // grad * (tensor2 * value), grad * (tensor1 * value)
                    g1 = n.needsInputGrad(1) ? g.mul(ComplexMath.conjIfComplex(y.mul(value))) : null;
                    g2 = n.needsInputGrad(2) ? g.mul(ComplexMath.conjIfComplex(x1.mul(value))) : null;
                } else {
                    // grad * (value / tensor2), -grad * (value * tensor1 / (tensor2 * tensor2))
                    if (n.needsInputGrad(1)) {
                        g1 = g.mul(ComplexMath.conjIfComplex(ArithmeticOps.div(Creation.wrap(value), y)));
                    }
                    if (n.needsInputGrad(2)) {
                        g2 = g.neg().mul(ComplexMath.conjIfComplex(x1.mul(value).div(y.mul(y))));
                    }
                }
                return new Tensor[] {n.needsInputGrad(0) ? g : null, g1, g2};
            };
        });
    }

    /** The in-place {@link #addcOp}: the result written into {@code self} (its type must hold the promoted one). */
    static Tensor addcOp_(Tensor self, Tensor t1, Tensor t2, double value, boolean mul) {
        InplaceOps.checkInplace(self, List.of(t1, t2), false);
        if (!mul && !floatingOrComplex(t1) && !floatingOrComplex(t2)) {
            throw new IllegalArgumentException(ADDCDIV_INTEGER); // addcdiv's meta check, before the iterator's overlap check
        }
        return InplaceOps.inplace(self, List.of(t1, t2), s -> addcOp(s, t1, t2, value, mul));
    }

    // ------------------------------------------------------------------ deg2rad, rad2deg, positive

    /** {@code x * (pi / 180)} or {@code x * (180 / pi)} in the floating type (integers and bool give the default type). */
    static Tensor angleConvert(Tensor a, boolean toRadians) {
        double c = toRadians ? Math.PI / 180 : 180 / Math.PI;
        if (a.dtype.isComplex()) {
            throw new IllegalArgumentException((toRadians ? "deg2rad" : "rad2deg") + " is not supported for complex tensors.");
        }
        DType t = floatType(a);
        Tensor out = noGrad(() -> ArithmeticOps.cast(ArithmeticOps.cast(a, opmath(t)).mul(c), t));
        return record1(out, toRadians ? "Deg2RadBackward0" : "Rad2DegBackward0", a, n -> g -> new Tensor[] {g.mul(c)});
    }

    /** {@code +a}: the tensor itself (PyTorch's positive), refused for bool. */
    static Tensor positive(Tensor a) {
        if (a.dtype == DType.BOOL) {
            throw new IllegalArgumentException("The `+` operator, on a bool tensor is not supported.");
        }
        return a;
    }

    // ------------------------------------------------------------------ ndtr, multigammaln, round

    /** special.ndtr, PyTorch's composition {@code (1 + erf(x * M_SQRT1_2)) * 0.5}: MulBackward1, AddBackward1, ErfBackward0. */
    static Tensor ndtr(Tensor a) {
        return mulScalar(addScalar(mulScalar(a, 0.70710678118654752440).erf(), 1), 0.5);
    }

    /**
     * mvlgamma / special.multigammaln: {@code sum_j lgamma(x - j/2) + p(p - 1)/4 log(pi)}, j = 0..p-1, as PyTorch's
     * composition (arange of the offsets, lgamma, sum over them, plus the constant). One node MvlgammaBackward0.
     */
    static Tensor multigammaln(Tensor a, int p) {
        if (a.dtype == DType.BOOL) {
            throw new IllegalArgumentException("The input tensor may not be a boolean tensor.");
        }
        DType t = realType(a, "arange"); // PyTorch builds the offsets with arange in self's type: "arange_cpu"
        // no check of the elements against (p - 1) / 2: PyTorch dropped it (1.13 and 2.x compute lgamma's poles and
        // negative arguments as they come: inf, or the value of the sum)
        if (p < 1) {
            throw new IllegalArgumentException("p has to be greater than or equal to 1");
        }
        Tensor out = noGrad(() -> {
            Tensor args = offsets(p, t, a.device).add(ArithmeticOps.cast(a, t).unsqueeze(-1));
            return args.lgamma().sum(-1).add((double) p * (p - 1) * Math.log(Math.PI) * 0.25).to(t);
        });
        return record1(out, "MvlgammaBackward0", a, n -> {
            SavedTensor sx = n.save(a);
            return g -> {
                // mvlgamma_backward: grad * (arange(-p/2 + 0.5, 0.5, 0.5) + self.unsqueeze(-1)).digamma().sum(-1)
                Tensor x = sx.get();
                Tensor args = offsets(p, floatType(x), x.device).add(x.unsqueeze(-1));
                return new Tensor[] {g.mul(args.digamma().sum(-1))};
            };
        });
    }

    private static Tensor offsets(int p, DType t, Device device) {
        return Tensor.arange(-p * 0.5 + 0.5, 0.5, 0.5, t).to(device);
    }

    /** special.round: round half to even under PyTorch's node for {@code round(decimals=0)}, RoundBackward1 (zero gradient). */
    static Tensor roundDecimals(Tensor a) {
        // round.decimals (special.round, round(decimals=0)) runs the round kernel, which has no integer entry: only
        // round() itself copies an integer tensor
        if (!a.dtype.isFloatingPoint() && !a.device.isMeta()) { // a meta kernel checks no element type
            throw Refusals.notImplemented("round_" + (a.device.isCpu() ? "vml_cpu" : "cuda"), a.dtype);
        }
        Tensor out = noGrad(a::round);
        return record1(out, "RoundBackward1", a, n -> g -> new Tensor[] {g.zerosLike()});
    }

    /**
     * {@code round(input, decimals)}, PyTorch's round_decimals kernel: {@code nearbyint(x * 10^d) / 10^d}, or for a
     * negative {@code d} {@code nearbyint(x / 10^-d) * 10^-d}, in the type's opmath (float32 for float16/bfloat16,
     * rounded once); RoundBackward1 (zero gradient). Integer and bool inputs are refused, as PyTorch's kernel does.
     */
    static Tensor roundDecimals(Tensor a, int decimals) {
        if (decimals == 0) {
            return roundDecimals(a);
        }
        if (!a.dtype.isFloatingPoint() && !a.device.isMeta()) { // a meta kernel checks no element type
            throw Refusals.notImplemented("round_" + a.device.type(), a.dtype);
        }
        DType op = opmath(a.dtype);
        double tenPow = Math.pow(10, Math.abs((double) decimals));
        Tensor out = noGrad(() -> {
            Tensor x = ArithmeticOps.cast(a, op);
            Tensor r = decimals < 0 ? x.div(tenPow).round().mul(tenPow) : x.mul(tenPow).round().div(tenPow);
            return ArithmeticOps.cast(r, a.dtype);
        });
        return record1(out, "RoundBackward1", a, n -> g -> new Tensor[] {g.zerosLike()});
    }

    // ------------------------------------------------------------------ Cephes series on the host

    /**
     * {@code f} elementwise on the host in {@code a}'s floating type (float32 through {@code f32}, in float
     * arithmetic; float16 and bfloat16 through float32, rounded once): the tensor is copied to the host and the result
     * back to its device.
     */
    private static Tensor hostMap(Tensor a, DoubleUnaryOperator f64, FloatOp f32) {
        DType t = floatType(a);
        if (a.device.isMeta()) {
            // the meta kernel: the result's shape and type, and the input's strides where they are dense (TensorIterator's)
            return Creation.emptyStrided(a.shape, ShapeOps.preservedStrides(a.shape, a.layout.strides()), t, a.device);
        }
        double[] v = a.detach().toDoubleArray();
        Tensor out;
        if (t == DType.FLOAT64) {
            double[] r = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                r[i] = f64.applyAsDouble(v[i]);
            }
            out = Creation.fromFlat(r, a.shape.clone(), DType.FLOAT64, a.device);
        } else {
            float[] r = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                r[i] = f32.apply((float) v[i]);
            }
            out = Creation.fromFlat(r, a.shape.clone(), DType.FLOAT32, a.device);
            if (t != DType.FLOAT32) {
                out = ArithmeticOps.cast(out, t);
            }
        }
        return out;
    }

    /** A float function (Java has no FloatUnaryOperator). */
    interface FloatOp {
        float apply(float x);
    }

    /** i0, I0Backward0 ({@code grad * i1(x)}). */
    static Tensor i0(Tensor a) {
        floatType(a, "i0_vml"); // PyTorch's kernel name for the refusal of complex
        Tensor out = hostMap(a, Cephes::i0, Cephes::i0);
        return record1(out, "I0Backward0", a, n -> {
            SavedTensor sx = n.save(a);
            return g -> new Tensor[] {g.mul(i1(sx.get()))};
        });
    }

    /** special.i0e, SpecialI0EBackward0 ({@code grad * (i1e(x) - sgn(x) * result)}). */
    static Tensor i0e(Tensor a) {
        realType(a, "i0e"); // PyTorch's kernel name for the refusal of complex
        Tensor out = hostMap(a, Cephes::i0e, Cephes::i0e);
        return record1(out, "SpecialI0EBackward0", a, n -> {
            SavedTensor sx = n.save(a);
            SavedTensor so = n.saveOutput(out);
            return g -> {
                Tensor x = sx.get();
                return new Tensor[] {g.mul(i1e(x).sub(x.sgn().mul(so.get())))};
            };
        });
    }

    /** special.i1, SpecialI1Backward0 (PyTorch's i1_backward). */
    static Tensor i1(Tensor a) {
        realType(a, "i1"); // PyTorch's kernel name for the refusal of complex
        Tensor out = hostMap(a, Cephes::i1, Cephes::i1);
        return record1(out, "SpecialI1Backward0", a, n -> {
            SavedTensor sx = n.save(a);
            SavedTensor so = n.saveOutput(out);
            return g -> new Tensor[] {i1Backward(g, sx.get(), so.get(), false)};
        });
    }

    /** special.i1e, SpecialI1EBackward0 (PyTorch's i1e_backward). */
    static Tensor i1e(Tensor a) {
        realType(a, "i1e"); // PyTorch's kernel name for the refusal of complex
        Tensor out = hostMap(a, Cephes::i1e, Cephes::i1e);
        return record1(out, "SpecialI1EBackward0", a, n -> {
            SavedTensor sx = n.save(a);
            SavedTensor so = n.saveOutput(out);
            return g -> new Tensor[] {i1Backward(g, sx.get(), so.get(), true)};
        });
    }

    /**
     * i1_backward / i1e_backward: {@code grad * where(|x| > eps, i0(s) - result / s, 0.5)} (i1e:
     * {@code i0e(s) - result * (sgn(s) + 1 / s)}) with {@code s = where(|x| > eps, x, eps)}, eps the type's epsilon.
     */
    private static Tensor i1Backward(Tensor g, Tensor x, Tensor result, boolean scaled) {
        double eps = x.dtype == DType.FLOAT64 ? Math.ulp(1.0) : Math.ulp(1.0f);
        Tensor notTiny = x.abs().gt(eps);
        Tensor safe = Tensor.where(notTiny, x, Creation.wrap(eps));
        Tensor gradx = scaled ? i0e(safe).sub(result.mul(safe.sgn().add(safe.reciprocal())))
                : i0(safe).sub(result.mul(safe.reciprocal()));
        return g.mul(Tensor.where(notTiny, gradx, Creation.wrap(0.5)));
    }

    /** special.ndtri, SpecialNdtriBackward0 ({@code grad * sqrt(2 pi) * exp(result^2 / 2)}). */
    static Tensor ndtri(Tensor a) {
        realType(a, "ndtri"); // PyTorch's kernel name for the refusal of complex
        Tensor out = hostMap(a, Cephes::ndtri, Cephes::ndtri);
        return record1(out, "SpecialNdtriBackward0", a, n -> {
            SavedTensor so = n.saveOutput(out);
            return g -> {
                Tensor y = so.get();
                return new Tensor[] {g.mul(Math.sqrt(2 * Math.PI)).mul(y.square().div(2L).exp())};
            };
        });
    }

    /** special.erfcx, {@code exp(x^2) erfc(x)} (PyTorch's algorithm, {@link Erfcx}), SpecialErfcxBackward0. */
    static Tensor erfcx(Tensor a) {
        realType(a, "erfcx"); // PyTorch's kernel name for the refusal of complex
        Tensor out = hostMap(a, Erfcx::erfcx, Erfcx::erfcx);
        return record1(out, "SpecialErfcxBackward0", a, n -> {
            SavedTensor sx = n.save(a);
            SavedTensor so = n.saveOutput(out);
            // (2.0 * self * result - 2.0 / sqrt(M_PI)) * grad
            return g -> new Tensor[] {sx.get().mul(2.0).mul(so.get()).sub(2.0 / Math.sqrt(Math.PI)).mul(g)};
        });
    }

    /**
     * special.log_ndtr, PyTorch's calc_log_ndtr: with {@code t = x / sqrt 2}, {@code log(erfcx(-t) / 2) - t^2} below
     * -1, else {@code log1p(-erfc(t) / 2)}. SpecialLogNdtrBackward0
     * ({@code grad / sqrt(2 pi) * exp(-(result + x^2 / 2))}).
     */
    static Tensor logNdtr(Tensor a) {
        DType t = realType(a, "log_ndtr");
        Tensor out = noGrad(() -> {
            Tensor x = ArithmeticOps.cast(a, t);
            // T t = x * M_SQRT1_2: a double product, rounded to T
            Tensor tt = t == DType.FLOAT32 ? x.to(DType.FLOAT64).mul(0.70710678118654752440).to(t)
                    : x.mul(0.70710678118654752440);
            // log(erfcx(-t) / 2) - t * t, the last step fused (PyTorch's kernels are compiled with FMA contraction)
            Tensor low = hostMap(tt, v -> Math.fma(-v, v, Math.log(Erfcx.erfcx(-v) / 2)),
                    v -> Math.fma(-v, v, (float) Math.log(Erfcx.erfcx(-v) / 2f)));
            Tensor high = tt.erfc().neg().div(2L).log1p();
            return Tensor.where(x.lt(-1L), low, high).to(t);
        });
        return record1(out, "SpecialLogNdtrBackward0", a, n -> {
            SavedTensor sx = n.save(a);
            SavedTensor so = n.saveOutput(out);
            return g -> {
                Tensor x = sx.get();
                return new Tensor[] {g.div(Math.sqrt(2 * Math.PI)).mul(so.get().add(x.pow(2L).div(2L)).neg().exp())};
            };
        });
    }

    // ------------------------------------------------------------------ ldexp, nextafter

    /** A float function of two floats (Java has no FloatBinaryOperator). */
    private interface FloatBinary {
        float apply(float x, float y);
    }

    /**
     * {@code f(a, b)} of a and b broadcast together, element by element on the host in {@code t} (float32 or float64:
     * float arithmetic for float32), without history, on {@code device}.
     */
    private static Tensor hostBinary(Tensor a, Tensor b, DType t, Device device, DoubleBinaryOperator f64,
            FloatBinary f32) {
        int[] shape = Shapes.broadcast(a.shape, b.shape);
        if (device.isMeta()) {
            return Creation.empty(shape.clone(), t, device);
        }
        double[] x = noGrad(() -> ArithmeticOps.cast(a, t).expand(shape)).toDoubleArray();
        double[] y = noGrad(() -> ArithmeticOps.cast(b, t).expand(shape)).toDoubleArray();
        Object r;
        if (t == DType.FLOAT64) {
            double[] d = new double[x.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = f64.applyAsDouble(x[i], y[i]);
            }
            r = d;
        } else {
            float[] f = new float[x.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = f32.apply((float) x[i], (float) y[i]);
            }
            r = f;
        }
        return Creation.fromFlat(r, shape.clone(), t, device);
    }

    /** ldexp, PyTorch's composition {@code self * pow(2, other)} (MulBackward0; integers give the default type). */
    static Tensor ldexp(Tensor a, Tensor other) {
        return a.mul(ArithmeticOps.pow(Creation.wrap(2.0), other));
    }

    /**
     * nextafter: the next representable value after {@code a} towards {@code b} (C's nextafter), in the promoted
     * type, float32, float64, bfloat16 and float16 (computed on the host; a CUDA tensor goes through it). The half
     * types take c10's {@code nextafter} template for reduced floating types (2.x's BinaryOpsKernel.cpp dispatches
     * both through AT_DISPATCH_REDUCED_FLOATING_TYPES; 1.13 and 2.1-2.2 refused float16). NextafterBackward0, whose
     * backward fails as PyTorch's.
     */
    static Tensor nextafter(Tensor a, Tensor b) {
        Device device = ArithmeticOps.checkSameDevice(a, b);
        DType t = ArithmeticOps.resultType(a, b);
        Tensor out;
        if (t.isReducedFloatingPoint()) {
            // c10's nextafter(T, T) for BFloat16 and Half: one step of the 16 bits, the operands cast to the type
            // first; the float32 result holds a value of the type exactly
            Tensor wide = hostBinary(ArithmeticOps.cast(a, t), ArithmeticOps.cast(b, t), DType.FLOAT32, device,
                    Math::nextAfter, t == DType.BFLOAT16 ? SpecialOps::nextafterBFloat16 : SpecialOps::nextafterHalf);
            out = ArithmeticOps.cast(wide, t);
        } else if (t != DType.FLOAT32 && t != DType.FLOAT64) {
            ArithmeticOps.refuseType("nextafter", device, t);
            out = Creation.empty(Shapes.broadcast(a.shape, b.shape), t, device); // the meta result, in the promoted type
        } else {
            out = hostBinary(a, b, t, device, Math::nextAfter, (x, y) -> Math.nextAfter(x, (double) y));
        }
        return ArithmeticOps.record(out, "NextafterBackward0", new Tensor[] {a, b}, n -> g -> {
            throw new IllegalStateException("the derivative for 'nextafter' is not implemented.");
        });
    }

    /**
     * c10's {@code nextafter(BFloat16 from, BFloat16 to)} of two bfloat16 values held in floats; see
     * {@link #nextafter16}.
     */
    static float nextafterBFloat16(float from, float to) {
        if (from != from || to != to) {
            return from + to;
        }
        int r = nextafter16(Float.floatToRawIntBits(from) >>> 16, Float.floatToRawIntBits(to) >>> 16);
        return r < 0 ? from : r == 0x10000 ? to : Float.intBitsToFloat(r << 16);
    }

    /** c10's {@code nextafter(Half from, Half to)} of two float16 values held in floats; see {@link #nextafter16}. */
    static float nextafterHalf(float from, float to) {
        if (from != from || to != to) {
            return from + to;
        }
        int r = nextafter16(Half.fromFloat(from) & 0xFFFF, Half.fromFloat(to) & 0xFFFF);
        return r < 0 ? from : r == 0x10000 ? to : Half.toFloat((short) r);
    }

    /**
     * c10's {@code nextafter} template for the 16-bit floating types (musl's algorithm on the bits) of two non-NaN
     * values' bits: -1 for equal bits (the result is {@code from}), 0x10000 for two zeros of different signs (the result
     * is {@code to}), else the result's bits: the smallest subnormal with {@code to}'s sign from a zero, or one step of
     * {@code from}'s bits towards {@code to}.
     */
    private static int nextafter16(int f, int t) {
        if (f == t) {
            return -1;
        }
        int absFrom = f & 0x7FFF;
        int absTo = t & 0x7FFF;
        if (absFrom == 0) {
            return absTo == 0 ? 0x10000 : (t & 0x8000) | 1;
        }
        return absFrom > absTo || ((f ^ t) & 0x8000) != 0 ? f - 1 : f + 1;
    }

    // ------------------------------------------------------------------ zeta

    /**
     * The Hurwitz zeta function {@code torch.special.zeta(x, q)} of x and q broadcast together in their promoted
     * floating type (integers and bool give the default type; float16 and bfloat16 are refused as PyTorch's CPU
     * kernel refuses them), computed per element on the host ({@link Zeta}, PyTorch's Cephes algorithm; a CUDA tensor
     * goes through it). derivatives.yaml: {@code other: grad * -self * zeta(self + 1, other)}, and
     * {@code not_implemented("zeta")} for {@code self}: SpecialZetaBackward0 (two tensors), 1 (a Java-number x), 2 (a
     * Java-number q), whose backward fails if x needs its gradient, as PyTorch's.
     */
    static Tensor zeta(Tensor x, Tensor q) {
        Device device = ArithmeticOps.checkSameDevice(x, q);
        DType promoted = ArithmeticOps.resultType(x, q);
        if (promoted.isComplex()) {
            ArithmeticOps.refuseType("zeta", device, promoted);
        }
        DType t = promoted.isFloatingPoint() ? promoted : Ember.getDefaultDtype();
        if (t != DType.FLOAT32 && t != DType.FLOAT64) {
            ArithmeticOps.refuseType("zeta", device, t);
        }
        Tensor out = hostBinary(x, q, t, device, Zeta::zeta, Zeta::zeta);
        if (x.wrappedNumber) {
            // self.toDouble() + 1.: in double, whatever q's type
            double xs = ArithmeticOps.wrappedDouble(x);
            return ArithmeticOps.record(out, "SpecialZetaBackward1", new Tensor[] {q}, n -> {
                SavedTensor sq = n.save(q);
                return g -> new Tensor[] {g.mul(-xs).mul(zeta(Creation.wrap(xs + 1.0), sq.get()))};
            });
        }
        boolean qNumber = q.wrappedNumber;
        return ArithmeticOps.record(out, qNumber ? "SpecialZetaBackward2" : "SpecialZetaBackward0",
                qNumber ? new Tensor[] {x} : new Tensor[] {x, q}, n -> {
                    SavedTensor sx = qNumber ? null : n.save(x);
                    SavedTensor sq = qNumber ? null : n.save(q);
                    return g -> {
                        if (qNumber || n.needsInputGrad(0)) {
                            throw new IllegalStateException("the derivative for 'zeta' is not implemented.");
                        }
                        return new Tensor[] {null, zetaGradQ(g, sx.get(), sq.get())};
                    };
                });
    }

    /** {@code grad * -x * zeta(x + 1, q)}. */
    private static Tensor zetaGradQ(Tensor g, Tensor x, Tensor q) {
        return g.mul(x.neg()).mul(zeta(x.add(1.0), q));
    }

    // ------------------------------------------------------------------ frexp

    /**
     * frexp, C's {@code std::frexp} per element on the host (a CUDA tensor goes through it): the
     * mantissa, magnitude in [0.5, 1), and the int32 exponent (0 for 0, infinities and NaN, which are their own
     * mantissa). The mantissa records FrexpBackward0 ({@code grad / exponent.exp2()}).
     */
    static FrexpResult frexp(Tensor a) {
        if (!a.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("torch.frexp() only supports floating-point dtypes");
        }
        if (a.dtype.isFloat8() && !a.device.isMeta()) {
            throw Refusals.unsupported("frexp_cpu", a.dtype);
        }
        if (a.device.isMeta()) {
            // 2.x's prims.frexp meta: the mantissa in the input's type, the exponent int32, of its shape
            Tensor mantissa = MetaOps.emptyLike(a, a.device);
            Tensor exponent = MetaOps.emptyLike(a, a.device).to(DType.INT32);
            record1(mantissa, "FrexpBackward0", a, n -> {
                SavedTensor se = n.save(exponent);
                return g -> new Tensor[] {g.div(se.get().exp2())};
            });
            return new FrexpResult(mantissa, exponent);
        }
        double[] v = a.detach().toDoubleArray();
        int[] e = new int[v.length];
        Object m;
        if (a.dtype == DType.FLOAT64) {
            double[] d = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                double x = v[i];
                if (x == 0 || Double.isNaN(x) || Double.isInfinite(x)) {
                    d[i] = x;
                    continue;
                }
                int k = Math.getExponent(x) == Double.MIN_EXPONENT - 1 ? Math.getExponent(x * 0x1p54) - 54 : Math.getExponent(x);
                e[i] = k + 1;
                d[i] = Math.scalb(x, -(k + 1));
            }
            m = d;
        } else {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                float x = (float) v[i];
                if (x == 0 || Float.isNaN(x) || Float.isInfinite(x)) {
                    f[i] = x;
                    continue;
                }
                int k = Math.getExponent(x) == Float.MIN_EXPONENT - 1 ? Math.getExponent(x * 0x1p25f) - 25 : Math.getExponent(x);
                e[i] = k + 1;
                f[i] = Math.scalb(x, -(k + 1));
            }
            m = f;
        }
        // float16 and bfloat16 through float32: their mantissas are exact in their own type
        Tensor mantissa = Creation.fromFlat(m, a.shape.clone(), a.dtype == DType.FLOAT64 ? DType.FLOAT64 : DType.FLOAT32, a.device);
        if (mantissa.dtype != a.dtype) {
            mantissa = ArithmeticOps.cast(mantissa, a.dtype);
        }
        Tensor exponent = Creation.fromFlat(e, a.shape.clone(), DType.INT32, a.device);
        record1(mantissa, "FrexpBackward0", a, n -> {
            SavedTensor se = n.save(exponent);
            return g -> new Tensor[] {g.div(se.get().exp2())};
        });
        return new FrexpResult(mantissa, exponent);
    }
}
