package dev.ember;

import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;

/**
 * The elementwise functions of complex tensors beyond {@link ComplexOps}' first ones (tanh, sigmoid, the hyperbolic and
 * inverse trigonometric functions, log1p, expm1, exp2, log2, log10, rsqrt), and complex reductions and products (prod,
 * dot, vdot).
 *
 * <p>Each function is computed from the real and imaginary parts with real kernels, by the formulas a careful C99
 * library uses: Kahan's for tanh, log1p-based inverse functions (so that tiny arguments keep their digits), the
 * asymptotic forms where a square would overflow, and C99's branch cuts, whose side the sign of a zero part picks. A
 * complex64 tensor is computed in float64 and rounded once (sigmoid
 * excepted: PyTorch's formula in float32, whose overflow PyTorch shows). The backward is PyTorch's (derivatives.yaml):
 * {@code grad * conj(f'(z))}, {@code f'} written with recorded complex ops so that it differentiates again.
 */
final class ComplexMath {
    private ComplexMath() {
    }

    private static final double LN2 = Math.log(2);
    private static final double LN10 = Math.log(10);
    /** Beyond this magnitude, {@code z^2} could overflow: the inverse functions take their asymptotic forms. */
    private static final double HUGE = 1e150;

    /** A complex value as its two real parts (tensors of one shape, without history): the formulas' working form. */
    private record P(Tensor re, Tensor im) {
        P add(P o) {
            return new P(re.add(o.re), im.add(o.im));
        }

        P sub(P o) {
            return new P(re.sub(o.re), im.sub(o.im));
        }

        P mul(P o) {
            return new P(re.mul(o.re).sub(im.mul(o.im)), re.mul(o.im).add(im.mul(o.re)));
        }

        P div(P o) {
            Tensor[] q = ComplexOps.quotientParts(re, im, o.re, o.im);
            return new P(q[0], q[1]);
        }

        P plus(double v) {
            return new P(re.add(v), im);
        }

        P neg() {
            return new P(re.neg(), im.neg());
        }

        P scale(double v) {
            return new P(re.mul(v), im.mul(v));
        }

        /** {@code i z}. */
        P timesI() {
            return new P(im.neg(), re);
        }

        /** {@code -i z}. */
        P timesMinusI() {
            return new P(im, re.neg());
        }

        P sqrt() {
            Tensor[] s = ComplexOps.sqrtParts(re, im);
            return new P(s[0], s[1]);
        }

        P exp() {
            Tensor m = re.exp();
            return new P(m.mul(im.cos()), m.mul(im.sin()));
        }

        P log() {
            return new P(re.hypot(im).log(), im.atan2(re));
        }

        /** {@code log(1 + z)}: {@code log1p} of {@code |1 + z|^2 - 1} while it cannot overflow, so small z keep their digits. */
        P log1p() {
            Tensor big = re.abs().maximum(im.abs()).gt(HUGE);
            Tensor onePlus = re.add(1.0);
            Tensor small = re.mul(re.add(2.0)).add(im.mul(im)).log1p().mul(0.5);
            return new P(ArithmeticOps.where(big, onePlus.hypot(im).log(), small), im.atan2(onePlus));
        }

        P where(Tensor cond, P other) {
            return new P(ArithmeticOps.where(cond, re, other.re), ArithmeticOps.where(cond, im, other.im));
        }
    }

    /**
     * {@code f} of a complex tensor's parts under no_grad: in float64 for complex64 (rounded once at the end), the
     * result a new complex tensor of the input's type.
     */
    private static Tensor apply(Tensor z, UnaryOperator<P> f) {
        return apply(z, f, true);
    }

    /** {@link #apply(Tensor, UnaryOperator)}, complex64 widened to float64 only where {@code widen}. */
    private static Tensor apply(Tensor z, UnaryOperator<P> f, boolean widen) {
        return ComplexOps.compute(() -> {
            Tensor p = ComplexOps.parts(z);
            Tensor x = p.select(-1, 0);
            Tensor y = p.select(-1, 1);
            boolean wide = widen && x.dtype == DType.FLOAT32;
            P r = f.apply(wide ? new P(x.toDouble(), y.toDouble()) : new P(x, y));
            Tensor out = ComplexOps.fromParts(r.re.expand(z.shape), r.im.expand(z.shape));
            return wide ? ArithmeticOps.cast(out, z.dtype) : out;
        });
    }

    /** A holomorphic function: values by {@code f}, node {@code node}, backward {@code grad * conj(derivative(z, result))}. */
    private static Tensor holomorphic(Tensor z, String node, UnaryOperator<P> f, BinaryOperator<Tensor> derivative) {
        return ComplexOps.recordHolomorphic(z, apply(z, f), node, derivative);
    }

    // ------------------------------------------------------------------ the formulas, on parts

    /**
     * Kahan's tanh (as glibc's ctanh): with {@code t = tan y}, {@code b = 1 + t^2}, {@code s = sinh x},
     * {@code r = sqrt(1 + s^2)}: {@code (b r s + i t) / (1 + b s^2)}; for {@code |x| > 20},
     * {@code sign(x) + 2i sin(2y) e^(-2|x|)} (no overflow).
     */
    private static P tanh(P z) {
        Tensor t = z.im.tan();
        Tensor b = t.mul(t).add(1.0);
        Tensor s = z.re.sinh();
        Tensor s2 = s.mul(s);
        Tensor den = b.mul(s2).add(1.0);
        Tensor re = b.mul(s2.add(1.0).sqrt()).mul(s).div(den);
        Tensor im = t.div(den);
        Tensor far = z.re.abs().gt(20.0);
        Tensor farIm = z.im.mul(2.0).sin().mul(z.re.abs().mul(-2.0).exp()).mul(2.0);
        return new P(ArithmeticOps.where(far, z.re.sgn(), re), ArithmeticOps.where(far, farIm, im));
    }

    /**
     * PyTorch's {@code 1 / (1 + e^-z)} as written (aten's sigmoid kernel for complex types): {@code e^-z} as
     * {@code e^-x (cos y - i sin y)}, then one complex division (c10's, Smith's scaling). Where {@code e^-x} overflows
     * (x below about -709.78, -88.72 for complex64, computed in its own precision as PyTorch does) the result is NaN as
     * PyTorch's, not the limit 0.
     */
    private static P sigmoid(P z) {
        P up = z.neg().exp().plus(1.0);
        return new P(up.re.onesLike(), up.re.zerosLike()).div(up);
    }

    private static P sinh(P z) {
        return new P(z.re.sinh().mul(z.im.cos()), z.re.cosh().mul(z.im.sin()));
    }

    private static P cosh(P z) {
        return new P(z.re.cosh().mul(z.im.cos()), z.re.sinh().mul(z.im.sin()));
    }

    /**
     * {@code asinh z}, C99's: on {@code w = |x| + iy}, {@code log1p(w + w^2 / (1 + sqrt(1 + w^2)))} (exact for tiny w),
     * or {@code log(2w)} where {@code w^2} could overflow; the real part then takes the sign of x.
     */
    private static P asinh(P z) {
        P w = new P(z.re.abs(), z.im);
        P w2 = w.mul(w);
        P near = w.add(w2.div(w2.plus(1.0).sqrt().plus(1.0))).log1p();
        P far = w.log();
        far = new P(far.re.add(LN2), far.im);
        Tensor big = w.re.maximum(w.im.abs()).gt(HUGE);
        P r = far.where(big, near);
        return new P(r.re.copysign(z.re), r.im);
    }

    /** {@code asin z = -i asinh(i z)}. */
    private static P asin(P z) {
        return asinh(z.timesI()).timesMinusI();
    }

    /** {@code acos z = pi/2 - asin z} (C99's cacos, branch cuts included). */
    private static P acos(P z) {
        P s = asin(z);
        return new P(s.re.neg().add(Math.PI / 2), s.im.neg());
    }

    /** {@code atanh z = (log1p(z) - log1p(-z)) / 2}. */
    private static P atanh(P z) {
        return z.log1p().sub(z.neg().log1p()).scale(0.5);
    }

    /** {@code atan z = -i atanh(i z)}. */
    private static P atan(P z) {
        return atanh(z.timesI()).timesMinusI();
    }

    /** {@code acosh z = log1p((z - 1) + sqrt(z + 1) sqrt(z - 1))} (Kahan's form: the principal branch, exact near 1). */
    private static P acosh(P z) {
        return z.plus(-1.0).add(z.plus(1.0).sqrt().mul(z.plus(-1.0).sqrt())).log1p();
    }

    /** {@code tan z = -i tanh(i z)}. */
    private static P tan(P z) {
        return tanh(z.timesI()).timesMinusI();
    }

    /** {@code e^z - 1 = expm1(x) cos y - 2 sin^2(y/2) + i e^x sin y}. */
    private static P expm1(P z) {
        Tensor h = z.im.mul(0.5).sin();
        return new P(z.re.expm1().mul(z.im.cos()).sub(h.mul(h).mul(2.0)), z.re.exp().mul(z.im.sin()));
    }

    /** {@code 2^z = 2^x (cos(y ln 2) + i sin(y ln 2))}. */
    private static P exp2(P z) {
        Tensor m = z.re.exp2();
        Tensor a = z.im.mul(LN2);
        return new P(m.mul(a.cos()), m.mul(a.sin()));
    }

    // ------------------------------------------------------------------ the functions, with their nodes

    /** The complex case of the unary function {@code fn} (ArithmeticOps' table), or null where PyTorch has none. */
    static Tensor unary(Tensor z, ArithmeticOps.Fn fn) {
        switch (fn) {
            case TANH:
                return holomorphic(z, "TanhBackward0", ComplexMath::tanh, (x, r) -> r.mul(r).rsub(1.0));
            case SIGMOID:
                // in the input's own precision (complex64 in float32): its overflow to NaN is PyTorch's
                return ComplexOps.recordHolomorphic(z, apply(z, ComplexMath::sigmoid, false), "SigmoidBackward0",
                        (x, r) -> r.mul(r.rsub(1.0)));
            case SINH:
                return holomorphic(z, "SinhBackward0", ComplexMath::sinh, (x, r) -> x.cosh());
            case COSH:
                return holomorphic(z, "CoshBackward0", ComplexMath::cosh, (x, r) -> x.sinh());
            case TAN:
                return holomorphic(z, "TanBackward0", ComplexMath::tan, (x, r) -> r.mul(r).add(1.0));
            case ASIN:
                return holomorphic(z, "AsinBackward0", ComplexMath::asin, (x, r) -> x.mul(x).rsub(1.0).rsqrt());
            case ACOS:
                return holomorphic(z, "AcosBackward0", ComplexMath::acos, (x, r) -> x.mul(x).rsub(1.0).rsqrt().neg());
            case ATAN:
                return holomorphic(z, "AtanBackward0", ComplexMath::atan, (x, r) -> x.mul(x).add(1.0).reciprocal());
            case ASINH:
                return holomorphic(z, "AsinhBackward0", ComplexMath::asinh, (x, r) -> x.mul(x).add(1.0).rsqrt());
            case ACOSH:
                // (z + 1)^-1/2 (z - 1)^-1/2, not (z^2 - 1)^-1/2, whose sign is wrong for re z < 0
                return holomorphic(z, "AcoshBackward0", ComplexMath::acosh,
                        (x, r) -> x.add(1.0).rsqrt().mul(x.sub(1.0).rsqrt()));
            case ATANH:
                return holomorphic(z, "AtanhBackward0", ComplexMath::atanh, (x, r) -> x.mul(x).rsub(1.0).reciprocal());
            case LOG1P:
                return holomorphic(z, "Log1PBackward0", P::log1p, (x, r) -> x.add(1.0).reciprocal());
            case EXPM1:
                return holomorphic(z, "Expm1Backward0", ComplexMath::expm1, (x, r) -> r.add(1.0));
            case EXP2:
                return holomorphic(z, "Exp2Backward0", ComplexMath::exp2, (x, r) -> r.mul(LN2));
            case LOG2:
                return holomorphic(z, "Log2Backward0", v -> v.log().scale(1 / LN2), (x, r) -> x.mul(LN2).reciprocal());
            case LOG10:
                return holomorphic(z, "Log10Backward0", v -> v.log().scale(1 / LN10), (x, r) -> x.mul(LN10).reciprocal());
            case RSQRT:
                // 1 / sqrt(z) by complex division, as PyTorch's kernel (a zero gives inf + nan i)
                return holomorphic(z, "RsqrtBackward0", v -> new P(v.re.onesLike(), v.re.zerosLike()).div(v.sqrt()),
                        (x, r) -> r.mul(r).mul(r).mul(-0.5));
            default:
                return null;
        }
    }

    /**
     * {@code a ** b} with a complex operand: {@code exp(b log a)}, at {@code a = 0} as glibc's cpow that libstdc++'s
     * complex pow and PyTorch's kernels (the vectorized one lane by lane) call ({@link #atZeroBase}); a Java complex
     * exponent with a zero imaginary part takes {@link ComplexOps#powForward} (PyTorch's pow_Tensor_Scalar shortcuts),
     * a Java complex base of exactly 1 gives ones. Nodes as PyTorch's: PowBackward1 for two tensors,
     * PowBackward0 for a Java number exponent (a wrapped number), PowBackward2 for a number base; the backward is
     * pow_backward_self ({@code grad * conj(b a^(b-1))}, 0 where {@code b = 0}) and pow_backward_exponent
     * ({@code grad * conj(result log a)} with {@code a} in the complex type, 0 where {@code a = 0} and {@code b} is real
     * and {@code >= 0}).
     */
    static Tensor pow(Tensor a, Tensor b) {
        DType t = DType.promote(ArithmeticOps.resultType(a, b), DType.COMPLEX64);
        Tensor out = ComplexOps.compute(() -> {
            Tensor x = ArithmeticOps.cast(a, t);
            if (b.wrappedNumber && b.dtype.isComplex() && ComplexOps.imag(b).item() == 0) {
                // pow_Tensor_Scalar: a Python complex with a zero imaginary part takes the real exponent's shortcuts
                // (0 fills ones, 1 copies, 2 and 3 multiply, 0.5 the square root) and cpow with that exponent
                return ComplexOps.powForward(x, b.wrappedValue);
            }
            if (a.wrappedNumber && (a.dtype.isComplex() ? a.wrappedValue == 1 && ComplexOps.imag(a).item() == 0
                    : ArithmeticOps.wrappedDouble(a) == 1)) {
                // pow_Scalar: a base equal to 1 fills ones (1 ** nan is 1)
                return ViewOps.cloneContiguous(ArithmeticOps.cast(b, t).expand(Shapes.broadcast(a.shape, b.shape)))
                        .fill_(1.0);
            }
            Tensor y = ArithmeticOps.cast(b, t);
            Tensor r = y.mul(x.log()).exp();
            // in t (Java numbers are of the default type, wider than t under the float64 default)
            return ArithmeticOps.cast(ArithmeticOps.where(x.eq(0L), atZeroBase(y, t), r), t);
        });
        String node = a.wrappedNumber ? "PowBackward2" : b.wrappedNumber ? "PowBackward0" : "PowBackward1";
        Tensor[] inputs = a.wrappedNumber ? new Tensor[] {b} : b.wrappedNumber ? new Tensor[] {a} : new Tensor[] {a, b};
        return ArithmeticOps.record(out, node, inputs, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor sb = n.save(b);
            SavedTensor so = n.saveOutput(out);
            return g -> {
                Tensor x = ArithmeticOps.cast(sa.get(), t);
                Tensor y = ArithmeticOps.cast(sb.get(), t);
                Tensor ga = null;
                Tensor gb = null;
                boolean wantA = !a.wrappedNumber && n.needsInputGrad(0);
                boolean wantB = !b.wrappedNumber && n.needsInputGrad(a.wrappedNumber ? 0 : 1);
                if (wantA) {
                    Tensor d = y.mul(x.pow(y.sub(1L)));
                    ga = ArithmeticOps.where(y.eq(0L), Creation.wrap(0.0), g.mul(conjIfComplex(d)));
                }
                if (wantB) {
                    // 0 where a = 0 and b is real and >= 0; log of a in the promoted (complex) type, so a negative
                    // real base has a finite log, as 2.x's pow_backward_exponent (1.13 took the real log: NaN)
                    Tensor skip = x.eq(0L).logicalAnd(ComplexOps.real(y).ge(0.0)).logicalAnd(ComplexOps.imag(y).eq(0.0));
                    // grad * where(cond, 0, conj(result log a)): the zero is not conjugated (2.x's order), so its
                    // product with the grad keeps the signs of PyTorch's zeros
                    gb = g.mul(ArithmeticOps.where(skip, Creation.wrap(0.0), conjIfComplex(so.get().mul(x.log()))));
                }
                if (a.wrappedNumber) {
                    return new Tensor[] {gb};
                }
                return b.wrappedNumber ? new Tensor[] {ga} : new Tensor[] {ga, gb};
            };
        });
    }

    /**
     * {@code 0 ** y} as glibc's cpow, {@code cexp(y * clog(0))} with {@code clog(0) = -inf + i arg} and C99's complex
     * product: {@code (0, -0)} for a positive real part (+0 imaginary for a negative imaginary part), {@code (inf, nan)}
     * for a negative one, NaN for a zero (0 ** 0 of two tensors, 0 ** 2j) or NaN one.
     */
    private static Tensor atZeroBase(Tensor y, DType t) {
        DType r = t.toReal();
        Tensor re = ComplexOps.real(y);
        Tensor im = ComplexOps.imag(y);
        Tensor pos = re.gt(0.0);
        Tensor realPart = ArithmeticOps.cast(ArithmeticOps.where(pos, Creation.wrap(0.0),
                ArithmeticOps.where(re.lt(0.0), Creation.wrap(Double.POSITIVE_INFINITY), Creation.wrap(Double.NaN))), r);
        Tensor imagPart = ArithmeticOps.cast(ArithmeticOps.where(pos,
                ArithmeticOps.where(im.lt(0.0), Creation.wrap(0.0), Creation.wrap(-0.0)), Creation.wrap(Double.NaN)), r);
        return ComplexOps.fromParts(realPart, imagPart);
    }

    // ------------------------------------------------------------------ reductions and products

    /**
     * The product of a complex tensor's elements over {@code dim} (null: all, flattened), in a tree of complex
     * multiplications (log2 n rounds of pairwise products), without history.
     */
    static Tensor product(Tensor z, Integer dim, boolean keepdim) {
        return ComplexOps.compute(() -> {
            Tensor t = dim == null ? z.reshape(-1) : z;
            int d = dim == null ? 0 : Shapes.wrapDim(dim, z.dim());
            if (t.dim() == 0) {
                return t.clone();
            }
            int[] kept = t.shape().clone();
            kept[d] = 1;
            if (t.size(d) == 0) {
                t = Creation.zeros(kept, z.dtype, z.device);
                ComplexOps.fill(t, 1.0);
            }
            // PyTorch's reduction starts from the identity (1+0j): the first factor is multiplied by it, which sums its
            // signed zeros and makes a part NaN beside an infinite one ((1+0j) * (0-0j) is 0+0j)
            if (t.size(d) > 0) {
                Tensor first = t.narrow(d, 0, 1).mul(Creation.wrap(new Complex(1, 0)));
                t = t.size(d) == 1 ? first : Tensor.cat(List.of(first, t.narrow(d, 1, t.size(d) - 1)), d);
            }
            while (t.size(d) > 1) {
                int n = t.size(d);
                if (n % 2 == 1) {
                    Tensor one = t.narrow(d, 0, 1).onesLike();
                    t = Tensor.cat(List.of(t, one), d);
                    n++;
                }
                t = t.narrow(d, 0, n / 2).mul(t.narrow(d, n / 2, n / 2));
            }
            if (dim == null) {
                return t.reshape();
            }
            return keepdim ? t.contiguous() : t.squeeze(d).contiguous();
        });
    }

    /**
     * {@code lerp(self, end, weight)} of complex tensors (a Java number weight comes wrapped): PyTorch's kernel formula,
     * {@code self + w (end - self)} where {@code |w| < 0.5}, else {@code end - (end - self)(1 - w)}; node LerpBackward0
     * for a number weight, LerpBackward1 for a tensor one, with derivatives.yaml's conjugates ({@code grad * conj(1 - w)},
     * {@code grad * conj(w)}, {@code grad * conj(end - self)}).
     */
    static Tensor lerp(Tensor self, Tensor end, Tensor weight) {
        java.util.function.Function<Tensor[], Tensor> f = x -> {
            Tensor diff = x[1].sub(x[0]);
            Tensor w = x.length > 2 ? x[2] : weight;
            Tensor near = x[0].add(w.mul(diff));
            Tensor far = x[1].sub(diff.mul(w.rsub(1L)));
            return ArithmeticOps.where(w.abs().lt(0.5), near, far);
        };
        boolean number = weight.wrappedNumber;
        Tensor[] inputs = number ? new Tensor[] {self, end} : new Tensor[] {self, end, weight};
        Tensor out = ComplexOps.compute(() -> f.apply(inputs));
        return LinalgCompat.recordRecomputed(out, number ? "LerpBackward0" : "LerpBackward1", inputs, f);
    }

    /**
     * {@code logsumexp} of a complex tensor over {@code dims} (null or empty: all), as PyTorch 2.x: the maximum of the
     * real parts (0 where infinite) taken out before exp, {@code log(sum(exp(z - m))) + m}; node LogsumexpBackward0,
     * {@code grad * conj(exp(z - result))}.
     */
    static Tensor logsumexp(Tensor z, int[] dims, boolean keepdim) {
        boolean[] mask = ReductionOps.reducedMask(z.dim(), dims);
        int[] kept = ReductionOps.keptShape(z.shape, mask);
        int[] over = java.util.stream.IntStream.range(0, z.dim()).filter(i -> mask[i]).toArray();
        Tensor out = ComplexOps.compute(() -> {
            if (z.numel() == 0) {
                return z.exp().sum(over, keepdim).log();
            }
            Tensor m = ComplexOps.real(z).amax(over, true);
            m = ArithmeticOps.where(m.abs().eq(Double.POSITIVE_INFINITY), Creation.wrap(0.0), m);
            Tensor s = z.sub(m).exp().sum(over, true).log().add(m);
            return keepdim ? s : s.reshape(squeezed(z.shape, mask));
        });
        return ArithmeticOps.record(out, "LogsumexpBackward0", new Tensor[] {z}, n -> {
            SavedTensor sz = n.save(z);
            SavedTensor so = n.saveOutput(out);
            return g -> new Tensor[] {g.reshape(kept).mul(conjIfComplex(sz.get().sub(so.get().reshape(kept)).exp()))};
        });
    }

    /** {@code shape} without the dimensions {@code mask} marks. */
    private static int[] squeezed(int[] shape, boolean[] mask) {
        return java.util.stream.IntStream.range(0, shape.length).filter(i -> !mask[i]).map(i -> shape[i]).toArray();
    }

    /** A real convolution of (input, weight, bias), its parameters bound. */
    interface RealConvolution {
        Tensor apply(Tensor x, Tensor w, Tensor b);
    }

    /**
     * A convolution of complex tensors, as PyTorch's {@code complex_convolution}, by Gauss's trick of three real
     * convolutions: {@code a = conv(xr, wr, br)}, {@code b = conv(xi, wi)}, {@code c = conv(xr + xi, wr + wi, br + bi)},
     * the result {@code a - b + i (c - a - b)}, recorded op by op as PyTorch's is (its node is AddBackward0). An unbatched
     * input (one dimension fewer than the weight) is batched first and its result squeezed, as PyTorch 2.x's conv and
     * conv_transpose functions batchify around complex_convolution (node SqueezeBackward1).
     */
    static Tensor convolution(Tensor input, Tensor weight, Tensor bias, RealConvolution conv) {
        if (bias != null && bias.dtype != input.dtype) {
            throw new IllegalArgumentException("Input type (" + input.typeName() + ") and bias type (" + bias.typeName()
                    + ") should be the same");
        }
        if (input.dim() == weight.dim() - 1 && weight.dim() >= 3) {
            return convolution(input.unsqueeze(0), weight, bias, conv).squeeze(0);
        }
        Tensor xr = input.real();
        Tensor xi = input.imag();
        Tensor wr = weight.real();
        Tensor wi = weight.imag();
        Tensor a = conv.apply(xr, wr, bias == null ? null : bias.real());
        Tensor b = conv.apply(xi, wi, null);
        Tensor c = conv.apply(xr.add(xi), wr.add(wi), bias == null ? null : bias.real().add(bias.imag()));
        return a.sub(b).add(c.sub(a).sub(b).mul(Complex.I));
    }

    /** {@code t.conj()} for a complex tensor, {@code t} itself for a real one (the conjugates of backward formulas). */
    static Tensor conjIfComplex(Tensor t) {
        return t.dtype.isComplex() ? t.conj() : t;
    }

    /**
     * {@code torch.dot} ({@code conj = false}) or {@code torch.vdot} of complex 1-D tensors: {@code sum(a b)} or
     * {@code sum(conj(a) b)}, one node (DotBackward0 / VdotBackward0) whose backward is the product's, recomputed.
     */
    static Tensor dot(Tensor a, Tensor b, boolean conj) {
        java.util.function.Function<Tensor[], Tensor> f = x -> (conj ? x[0].conj() : x[0]).mul(x[1]).sum();
        Tensor out = ComplexOps.compute(() -> f.apply(new Tensor[] {a, b}));
        return LinalgCompat.recordRecomputed(out, conj ? "VdotBackward0" : "DotBackward0", new Tensor[] {a, b}, f);
    }
}
