package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Complex tensors (session 28's first slice): views, construction, conversions, arithmetic, reductions, matmul and
 * printouts against PyTorch 1.13's values, nodes, gradients (PyTorch's convention for complex inputs) and messages from
 * {@code complex/make_expected.py}; numerical gradchecks through the real views; the refusal of every other op.
 */
class ComplexTest {

    private static BinaryOperator<Tensor> binary(String op) {
        switch (op) {
            case "add": return Tensor::add;
            case "sub": return Tensor::sub;
            case "mul": return Tensor::mul;
            default: return Tensor::div;
        }
    }

    /** The number-first cases: a 0-dim float64 tensor {@code -1.5 op z}. */
    private static Tensor numberFirst(String op, Tensor z) {
        return binary(op).apply(Tensor.tensor(-1.5, DType.FLOAT64), z);
    }

    private static Function<Tensor[], Tensor> op(String name) {
        String[] w = name.split(" ");
        if (List.of("add", "sub", "mul", "div").contains(w[0]) && w.length > 1 && !name.contains("Complex")
                && !name.endsWith("1j") && !w[1].equals("alpha")
                && !w[1].equals("by") && !w[1].equals("large") && !w[1].equals("self")) {
            BinaryOperator<Tensor> f = binary(w[0]);
            if (name.endsWith("complex number")) {
                return a -> w[0].equals("div") ? a[0].div(2.5) : w[0].equals("sub") ? a[0].sub(2.5)
                        : w[0].equals("add") ? a[0].add(2.5) : a[0].mul(2.5);
            }
            if (name.endsWith("number complex")) {
                return a -> numberFirst(w[0], a[0]);
            }
            if (name.equals("div complex64 float64 0-dim")) {
                return a -> f.apply(a[0], a[1].detach());
            }
            return a -> f.apply(a[0], a[1]);
        }
        if (name.startsWith("view_as_real") && !name.contains("then") && !name.contains("transposed")) {
            return a -> a[0].viewAsReal();
        }
        if (name.startsWith("view_as_complex") && !name.contains("stride")) {
            return a -> a[0].viewAsComplex();
        }
        if (name.startsWith("real complex") || name.equals("real of real")) {
            return a -> a[0].real();
        }
        if (name.startsWith("imag complex")) {
            return a -> a[0].imag();
        }
        if (name.startsWith("complex ")) {
            return a -> Tensor.complex(a[0], a[1]);
        }
        if (name.startsWith("polar")) {
            return a -> Tensor.polar(a[0], a[1]);
        }
        if (name.startsWith("to ")) {
            DType t = dtype(w[1]);
            return a -> a[0].to(t);
        }
        if (name.startsWith("matmul")) {
            return a -> a[0].matmul(a[1]);
        }
        switch (name) {
            case "view_as_real transposed": return a -> a[0].t().viewAsReal();
            case "view_as_real then view_as_complex": return a -> a[0].viewAsReal().mul(2.0).viewAsComplex();
            case "view_as_complex stride": return a -> a[0].slice(1, 0, 4, 2).viewAsComplex();
            case "imag of real": return a -> a[0].imag();
            case "clone": return a -> a[0].clone();
            case "contiguous of transpose": return a -> a[0].t().contiguous();
            case "reshape of transpose": return a -> a[0].t().reshape(6);
            case "select narrow permute": return a -> a[0].permute(2, 0, 1).narrow(0, 1, 2).select(1, 1);
            case "expand": return a -> a[0].expand(3, 2).mul(1L);
            case "add alpha": return a -> a[0].add(a[1], 2.5);
            case "sub alpha": return a -> a[0].sub(a[1], -0.5);
            case "div by zero": case "div large": return a -> a[0].detach().div(a[1].detach());
            case "neg": return a -> a[0].neg();
            case "conj": return a -> a[0].conj();
            case "conj then mul": return a -> a[0].conj().mul(a[0]);
            case "conj_physical": return a -> a[0].conjPhysical();
            case "abs": case "abs complex64": case "abs at zero": return a -> a[0].abs();
            case "angle": case "angle at zero": return a -> a[0].angle();
            case "sgn": case "sgn at zero": return a -> a[0].sgn();
            case "exp": case "exp complex64": return a -> a[0].exp();
            case "mul self": return a -> a[0].mul(a[0]);
            case "abs of product": return a -> a[0].mul(a[1]).abs();
            case "real of product": return a -> a[0].mul(a[1]).real();
            case "imag of quotient": return a -> a[0].div(a[1]).imag();
            case "log": case "log negative real axis": return a -> a[0].log();
            case "sqrt": case "sqrt negative real axis": case "sqrt complex64": return a -> a[0].sqrt();
            case "reciprocal": return a -> a[0].reciprocal();
            case "sin": return a -> a[0].sin();
            case "cos": return a -> a[0].cos();
            case "pow 2": case "pow 2 complex64": return a -> a[0].pow(2L);
            case "pow 3": return a -> a[0].pow(3L);
            case "pow 0": return a -> a[0].pow(0L);
            case "pow 1": return a -> a[0].pow(1L);
            case "pow -1": return a -> a[0].pow(-1L);
            case "pow 0.5": return a -> a[0].pow(0.5);
            case "pow 2.5": return a -> a[0].pow(2.5);
            case "pow -0.75": return a -> a[0].pow(-0.75);
            case "cat": return a -> Tensor.cat(List.of(a[0], a[1]), 0);
            case "cat dim 1 mixed": return a -> Tensor.cat(List.of(a[0], a[1]), 1);
            case "stack": return a -> Tensor.stack(List.of(a[0], a[1]), 1);
            case "where": return a -> Tensor.where(a[0], a[1], a[2]);
            case "where complex real": return a -> Tensor.where(a[0], a[1], a[2].detach());
            case "flip": return a -> a[0].flip(1);
            case "roll": return a -> a[0].roll(1, 1);
            case "roll flat": return a -> a[0].roll(2);
            case "ones_like": return a -> a[0].onesLike();
            case "full_like": return a -> a[0].fullLike(2.5);
            case "eq": case "eq real": return a -> a[0].eq(a[1]);
            case "ne": return a -> a[0].ne(a[1]);
            case "fill_": return a -> a[0].clone().fill_(1.5);
            case "mul float32 by 1j": case "mul float64 by 1j": return a -> a[0].mul(Complex.I);
            case "add a Complex": return a -> a[0].add(Complex.of(0.5, -2));
            case "sub a Complex": return a -> a[0].sub(Complex.of(1.5, 0.25));
            case "div by a Complex": return a -> a[0].div(Complex.of(1, 2));
            case "exp of i theta": return a -> a[0].mul(Complex.I).exp();
            case "sum": return a -> a[0].sum();
            case "sum dim": return a -> a[0].sum(1);
            case "sum dims keepdim": return a -> a[0].sum(new int[] {0, -1}, true);
            case "sum complex64": return a -> a[0].sum(0);
            case "mean": return a -> a[0].mean();
            case "mean dim": return a -> a[0].mean(-1);
            case "mean dims keepdim": return a -> a[0].mean(new int[] {1}, true);
            case "sum dim out of range": return a -> a[0].sum(2);
            default: throw new IllegalArgumentException("no op for case " + name);
        }
    }

    private static DType dtype(String n) {
        for (DType t : DType.values()) {
            if (t.torchName().equals("torch." + n)) {
                return t;
            }
        }
        throw new IllegalArgumentException(n);
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        return ReferenceCases.tests("/complex/expected.txt", ComplexTest::op, 2e-6);
    }

    // ------------------------------------------------------------------ strings.txt


    private static final Map<String, String> S = ReferenceCases.strings("/complex/strings.txt");

    private static Tensor c(double[] re, double[] im, DType t) {
        return Tensor.complex(Tensor.tensor(re), Tensor.tensor(im)).to(t);
    }

    /** complex/make_expected.py's cseq: real parts seq(shift), imaginary parts seq(shift + 5). */
    private static Tensor cseq(DType t, int... shape) {
        return Tensor.complex(seq(0, shape), seq(5, shape)).to(t);
    }

    static Tensor seq(int shift, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            v[k] = ((7 * k + shift) % 19 - 9) * 0.25;
        }
        return Tensor.tensor(v).reshape(shape);
    }

    @Test
    void printouts() {
        assertEquals(S.get("vector"), Tensor.complex(Tensor.tensor(new float[] {1, -2, 3.5f}),
                Tensor.tensor(new float[] {0.5f, 2, -1})).toString());
        assertEquals(S.get("integral parts"), c(new double[] {1, -3, 5}, new double[] {2, -4, 0}, DType.COMPLEX64).toString());
        assertEquals(S.get("complex128"), c(new double[] {1, 0.25}, new double[] {2, -1}, DType.COMPLEX128).toString());
        assertEquals(S.get("matrix"), cseq(DType.COMPLEX64, 3, 4).toString());
        assertEquals(S.get("scalar"), c(new double[] {1.5}, new double[] {-2.25}, DType.COMPLEX64).reshape().toString());
        assertEquals(S.get("scalar negative zero imag"), Tensor.complex(Tensor.scalar(1.0).toFloat(),
                Tensor.scalar(-0.0).toFloat()).toString());
        assertEquals(S.get("scientific"), c(new double[] {1e-5, 2}, new double[] {1e5, 3}, DType.COMPLEX64).toString());
        assertEquals(S.get("mixed magnitudes"), c(new double[] {12345.678, -0.5}, new double[] {0.001, 100},
                DType.COMPLEX64).toString());
        assertEquals(S.get("nan inf"), c(new double[] {Double.NaN, Double.POSITIVE_INFINITY, 1},
                new double[] {1, Double.NEGATIVE_INFINITY, 1}, DType.COMPLEX64).toString());
        Tensor r = Tensor.arange(1500).toFloat();
        assertEquals(S.get("long"), Tensor.complex(r, r.neg()).toString());
        assertEquals(S.get("wide"), cseq(DType.COMPLEX128, 2, 12).mul(1000.5).toString());
        assertEquals(S.get("empty"), Tensor.zeros(DType.COMPLEX64, 0).toString());
        assertEquals(S.get("empty complex128"), Tensor.zeros(DType.COMPLEX128, 2, 0).toString());
        assertEquals(S.get("requires grad"), cseq(DType.COMPLEX64, 2).requiresGrad_(true).toString());
        assertEquals(S.get("grad_fn"), cseq(DType.COMPLEX64, 2).requiresGrad_(true).mul(2.0).toString());
    }

    @Test
    void complexNumbers() {
        assertEquals(S.get("item"), Tensor.complex(Tensor.scalar(1.5).toFloat(), Tensor.scalar(-2.0).toFloat()).itemComplex()
                .toString());
        double[][] parts = {{1, 2}, {0, 2}, {-0.0, 2}, {1, -0.0}, {1.5, 2.25}, {1e-5, -1e20}, {Double.NaN, Double.POSITIVE_INFINITY},
            {0.1, 0.2}, {123456.789, -0.001}, {0, 0}};
        String[] keys = {"1+2j", "2j", "-0+2j", "1-0j", "1.5+2.25j", "1e-05-1e+20j", "nan+infj", "0.1+0.2j",
            "123456.789-0.001j", "0j"};
        for (int i = 0; i < keys.length; i++) {
            assertEquals(S.get("repr " + keys[i]), Complex.of(parts[i][0], parts[i][1]).toString(), keys[i]);
        }
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(DType.COMPLEX64, 1).item());
        assertEquals(new Complex(3, 0), Tensor.scalar(3.0).itemComplex());
    }

    @Test
    void typesAndPromotion() {
        assertEquals(S.get("dtype name complex64"), DType.COMPLEX64.toString());
        assertEquals(S.get("dtype name complex128"), DType.COMPLEX128.toString());
        assertEquals(S.get("promote complex64 float64"), DType.promote(DType.COMPLEX64, DType.FLOAT64).toString());
        assertEquals(S.get("promote complex64 float16"), DType.promote(DType.COMPLEX64, DType.FLOAT16).toString());
        assertEquals(S.get("promote complex128 complex64"), DType.promote(DType.COMPLEX128, DType.COMPLEX64).toString());
        assertEquals(S.get("promote int64 complex64"), DType.promote(DType.INT64, DType.COMPLEX64).toString());
        assertEquals(S.get("promote bool complex128"), DType.promote(DType.BOOL, DType.COMPLEX128).toString());
        assertEquals(S.get("can_cast complex64 float64"), DTypeInfo.canCast(DType.COMPLEX64, DType.FLOAT64) ? "True" : "False");
        assertEquals(S.get("can_cast float64 complex64"), DTypeInfo.canCast(DType.FLOAT64, DType.COMPLEX64) ? "True" : "False");
        Tensor z64 = Tensor.zeros(DType.COMPLEX64, 1);
        assertEquals(S.get("element_size complex64"), String.valueOf(z64.elementSize()));
        assertEquals(S.get("element_size complex128"), String.valueOf(Tensor.zeros(DType.COMPLEX128, 1).elementSize()));
        assertEquals(S.get("is_floating_point complex64"), z64.isFloatingPoint() ? "True" : "False");
        assertEquals(S.get("is_complex complex64"), z64.isComplex() ? "True" : "False");
        assertEquals(S.get("type complex64"), z64.type());
        assertEquals(DType.FLOAT32, DType.COMPLEX64.toReal());
        assertEquals(DType.COMPLEX128, DType.FLOAT64.toComplex());
        assertThrows(IllegalArgumentException.class, DType.FLOAT16::toComplex);
    }

    @Test
    void realViewsShareMemory() {
        Tensor z = cseq(DType.COMPLEX128, 2, 3);
        Tensor r = z.viewAsReal();
        r.select(-1, 1).fill_(7.0);
        assertArrayEquals(new double[] {7, 7, 7, 7, 7, 7}, z.imag().toDoubleArray());
        z.real().zero_();
        assertArrayEquals(new double[] {0, 7, 0, 7}, r.narrow(0, 0, 1).narrow(1, 0, 2).reshape(-1).toDoubleArray());
        Tensor back = r.viewAsComplex();
        assertEquals(DType.COMPLEX128, back.dtype());
        assertTrue(back.equal(z));
        // copy_ between complex and real tensors: a real source sets the real parts and zeroes the imaginary ones
        z.copy_(Tensor.ones(2, 3));
        assertArrayEquals(new double[] {1, 0}, z.viewAsReal().narrow(0, 0, 1).narrow(1, 0, 1).reshape(-1).toDoubleArray());
    }

    /** A complex tensor of a gradcheck input's pairs (copied first: gradcheck's inputs may start at odd offsets). */
    static Tensor cz(Tensor pairs) {
        return pairs.clone().viewAsComplex();
    }

    @Test
    void gradcheckThroughRealViews() {
        // each differentiable op numerically, as a function of the real views of complex float64 inputs
        List<Function<Tensor[], Tensor>> fs = List.of(
            x -> cz(x[0]).mul(cz(x[1])).viewAsReal(),
            x -> cz(x[0]).div(cz(x[1])).viewAsReal(),
            x -> cz(x[0]).abs().add(cz(x[1]).angle()),
            x -> cz(x[0]).sgn().viewAsReal(),
            x -> cz(x[0]).exp().mul(cz(x[1]).conj()).viewAsReal(),
            x -> cz(x[0]).matmul(cz(x[1]).reshape(3, 1)).viewAsReal(),
            x -> cz(x[0]).sum().mul(cz(x[1]).mean()).viewAsReal(),
            x -> Tensor.polar(x[0].select(-1, 0).abs().add(0.5), x[1].select(-1, 1)).viewAsReal(),
            x -> cz(x[0]).log().add(cz(x[1]).sqrt()).viewAsReal(),
            x -> cz(x[0]).reciprocal().mul(cz(x[1]).sin()).add(cz(x[0]).cos()).viewAsReal(),
            x -> cz(x[0]).pow(2.5).add(cz(x[1]).pow(-0.75)).add(cz(x[0]).pow(3L)).viewAsReal(),
            x -> cz(x[0]).mul(Complex.of(0.5, -1.5)).div(Complex.of(2, 1)).sub(cz(x[1])).rsub(1.0).viewAsReal(),
            x -> Tensor.where(x[0].select(-1, 0).gt(0.0), cz(x[0]).flip(0), cz(x[1]).roll(1, 0)).viewAsReal(),
            x -> Tensor.cat(List.of(cz(x[0]), x[1].select(-1, 0)), 0).viewAsReal());
        gradchecks(fs);
    }

    /** Gradcheck and gradgradcheck of each function of two float64 [3, 2] inputs (the pairs of complex [3] tensors). */
    static void gradchecks(List<Function<Tensor[], Tensor>> fs) {
        for (Function<Tensor[], Tensor> f : fs) {
            Tensor a = seq(1, 3, 2).add(0.1).toDouble().requiresGrad_(true);
            Tensor b = seq(4, 3, 2).add(0.2).toDouble().requiresGrad_(true);
            assertTrue(Autograd.gradcheck(f::apply, a, b));
            assertTrue(Autograd.gradgradcheck(f::apply, a, b));
        }
    }

    @Test
    void otherOpsRefuseComplexTensors() {
        Tensor z = cseq(DType.COMPLEX64, 3);
        // PyTorch's words where it refuses complex tensors (ComplexIndexing.refuse; complexindexing/make_expected.py,
        // every refusal in ComplexRefusalNamesTest)
        assertEquals("clamp is not supported for complex types",
                assertThrows(UnsupportedOperationException.class, z::relu).getMessage());
        assertEquals("\"max_all\" not implemented for 'ComplexFloat'",
                assertThrows(UnsupportedOperationException.class, z::max).getMessage());
        assertEquals("\"erfinv_vml_cpu\" not implemented for 'ComplexDouble'",
                assertThrows(UnsupportedOperationException.class, () -> z.to(DType.COMPLEX128).erfinv()).getMessage());
        Throwable e = assertThrows(UnsupportedOperationException.class, z::storage);
        assertTrue(e.getMessage().startsWith("storage() of a complex tensor: Ember holds a ComplexFloat tensor's"),
            e.getMessage());
        // the refused op changes nothing
        Tensor before = z.viewAsReal().clone();
        assertThrows(UnsupportedOperationException.class, () -> z.clamp_(0, 1));
        assertTrue(before.equal(z.viewAsReal()));
        assertFalse(DType.COMPLEX64.isFloatingPoint());
    }

    @Test
    void backendsNeverAllocateComplexStorage() {
        dev.ember.backend.Backend cpu = dev.ember.backend.Backend.host();
        assertThrows(IllegalArgumentException.class, () -> cpu.allocate(DType.COMPLEX64, 4, 0));
        Tensor z = Tensor.zeros(DType.COMPLEX64, 3);
        assertEquals(DType.FLOAT32, z.viewAsReal().storage().dtype());
        assertEquals(6, z.viewAsReal().storage().numel());
    }
}
