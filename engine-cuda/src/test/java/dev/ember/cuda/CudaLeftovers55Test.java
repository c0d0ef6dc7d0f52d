package dev.ember.cuda;

import dev.ember.Complex;
import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.inputGradient;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 55's leftovers on CUDA against the CPU backend (Leftovers55Test, InplaceIntoSelfTest and
 * InplaceActivationGradcheckTest check the CPU against PyTorch and finite differences): 2.x's {@code pow} by a Java
 * boolean (True copies, False fills ones, in the tensor's own type; {@code x ** False}'s gradient NaN at 0) of bool,
 * integer, floating and complex tensors; {@code sub} / {@code rsub} refusing a boolean operand with sub_check's
 * messages and leaving the tensor as it was; and {@code F.selu(x, inplace=True)} / {@code F.celu(x, alpha, inplace=True)}
 * on a non-leaf (written into self by the where kernel): values, the node (EluBackward1, CeluBackward1), the version
 * counter, the gradient and the second order through EluBackwardBackward0, in float32, float64, float16 and bfloat16,
 * on a transposed self and on a view (CopySlices); and session 56's clamp_ / pow_ / square_ / hardtanh_ written into
 * self from a copy of the old values (InplaceIntoSelfTest checks the CPU).
 */
@ExtendWith(CudaGate.class)
class CudaLeftovers55Test {
    private static final Generator GEN = new Generator(5505);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static DynamicTest p(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name, () -> CudaParity.parityOfEveryInput(name, f, true, true, in));
    }

    @TestFactory
    List<DynamicTest> powByABoolean() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor[] bases = {Tensor.tensor(new boolean[] {true, false, true}), Tensor.tensor(new long[] {3, -2, 0}, DType.INT8),
            Tensor.tensor(new long[] {3, -2, 0}), Tensor.tensor(new double[] {1.5, -2.0, 0.0, 0.25}),
            Tensor.tensor(new double[] {1.5, -2.0, 0.0, 0.25}, DType.FLOAT64),
            Tensor.tensor(new double[] {1.5, -2.0, 0.0}).to(DType.BFLOAT16),
            Tensor.tensor(new Complex[] {Complex.of(1, 1), Complex.of(-2, 0), Complex.of(0, 0)}),
            Tensor.tensor(new Complex[] {Complex.of(1.5, -0.5), Complex.of(0, 0), Complex.of(0, 0.25)}, DType.COMPLEX128)};
        for (Tensor x : bases) {
            for (boolean e : new boolean[] {true, false}) {
                // the floating and complex ones with their gradient (x ** False: NaN at 0, as 2.x's pow_backward)
                t.add(p(x.dtype() + " ** " + e, a -> a[0].pow(e), x));
                t.add(p(x.dtype() + " ** " + e + " non-contiguous", a -> a[0].unsqueeze(1).expand(x.shape()[0], 2)
                        .t().pow(e), x));
            }
        }
        return t;
    }

    /** The CPU's refusal and the GPU's: the same exception type and message, and the operand unchanged on both. */
    private static void sameRefusal(String name, UnaryOperator<Tensor> f, Tensor x) {
        Tensor a = x.clone();
        Tensor b = x.to(GPU);
        RuntimeException onCpu = assertThrows(RuntimeException.class, () -> f.apply(a), name + " on the CPU");
        RuntimeException onGpu = assertThrows(RuntimeException.class, () -> f.apply(b), name + " on CUDA");
        assertEquals(onCpu.getClass(), onGpu.getClass(), name);
        assertEquals(onCpu.getMessage(), onGpu.getMessage(), name);
        assertTrue(onCpu.getMessage().startsWith("Subtraction, the `-` operator, with "), name + ": " + onCpu.getMessage());
        assertArrayEquals(CudaParity.real(x).toDoubleArray(), CudaParity.real(b.cpu()).toDoubleArray(), name + " unchanged");
        assertEquals(0, b.version(), name + " version");
    }

    @TestFactory
    List<DynamicTest> subRefusesABoolean() {
        List<DynamicTest> t = new ArrayList<>();
        List<Supplier<Tensor>> operands = List.of(() -> Tensor.tensor(new boolean[] {true, false, true}),
                () -> Tensor.tensor(new long[] {3, -2, 0}), () -> Tensor.tensor(new double[] {1.5, -2.0, 0.0}),
                () -> Tensor.tensor(new Complex[] {Complex.of(1, 1), Complex.of(-2, 0), Complex.of(0, 0)}));
        for (Supplier<Tensor> o : operands) {
            Tensor x = o.get();
            for (boolean s : new boolean[] {true, false}) {
                t.add(DynamicTest.dynamicTest("sub " + x.dtype() + " " + s, () -> sameRefusal("sub", y -> y.sub(s), x)));
                t.add(DynamicTest.dynamicTest("rsub " + x.dtype() + " " + s, () -> sameRefusal("rsub", y -> y.rsub(s), x)));
            }
            t.add(DynamicTest.dynamicTest("sub_ " + x.dtype() + " by a bool tensor", () -> sameRefusal("sub_",
                    y -> y.sub_(Tensor.tensor(new boolean[] {true, false, false}).to(y.device())), x)));
        }
        Tensor mask = Tensor.tensor(new boolean[] {true, false, true});
        t.add(DynamicTest.dynamicTest("two bool tensors", () -> sameRefusal("bool - bool",
                y -> y.sub(y.logicalNot()), mask)));
        return t;
    }

    /**
     * {@code op} (returning self) on a non-leaf {@code x * 1}, on a transposed self (where {@code transposed}), on a
     * view of the non-leaf (CopySlices), and for float32 and float64 the second order through its node.
     */
    private static void inPlaceVariants(List<DynamicTest> t, String s, UnaryOperator<Tensor> op, Tensor x,
                                        boolean transposed) {
        t.add(p(s, a -> {
            Tensor y = a[0].mul(1L);
            assertTrue(op.apply(y) == y, "returns self");
            return y;
        }, x));
        if (transposed) {
            t.add(p(s + " on a transposed self", a -> {
                Tensor y = a[0].t().mul(1L);
                op.apply(y);
                return y;
            }, x));
        }
        t.add(p(s + " on a view", a -> {
            Tensor y = a[0].mul(1L);
            op.apply(y.select(0, 2));
            return y;
        }, x));
        if (x.dtype() == DType.FLOAT32 || x.dtype() == DType.FLOAT64) {
            t.add(p(s + " second order", a -> inputGradient(op.apply(a[0].mul(1L)), a[0]), x));
        }
    }

    @TestFactory
    List<DynamicTest> seluAndCeluInPlace() {
        List<DynamicTest> t = new ArrayList<>();
        List<String> names = List.of("selu(inplace)", "celu(0.7, inplace)", "celu(1.3, inplace)", "selu_", "celu_(0.7)");
        List<UnaryOperator<Tensor>> ops = List.of(y -> Functional.selu(y, true), y -> Functional.celu(y, 0.7, true),
                y -> Functional.celu(y, 1.3, true), Functional::selu_, y -> Functional.celu_(y, 0.7));
        for (DType type : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.FLOAT16, DType.BFLOAT16}) {
            Tensor x = uniform(GEN, 3.0, 4, 5).to(type);
            for (int i = 0; i < ops.size(); i++) {
                inPlaceVariants(t, names.get(i) + " " + type, ops.get(i), x, true);
            }
        }
        return t;
    }

    /**
     * Session 56's direct writes of the ops whose node saves the original self (clamp_ ClampBackward1, pow_
     * PowBackward0 / PowBackward1, square_, hardtanh_ HardtanhBackward0), from a copy of the old values: values, node,
     * version and gradients against the CPU's, on a non-leaf, a transposed self and a view, and the second order.
     */
    @TestFactory
    List<DynamicTest> opsSavingSelfInPlace() {
        List<DynamicTest> t = new ArrayList<>();
        List<String> names = List.of("clamp_", "clamp_(max)", "pow_(2)", "pow_(3)", "pow_(0)", "pow_(-0.5)", "pow_(1.75)",
                "pow_(tensor)", "square_", "hardtanh_", "relu6(inplace)");
        Tensor e = uniform(GEN, 1.5, 5);
        List<UnaryOperator<Tensor>> ops = List.of(y -> y.clamp_(-0.8, 0.9), y -> y.clamp_(null, 0.5), y -> y.pow_(2.0),
                y -> y.pow_(3L), y -> y.pow_(0.0), y -> y.abs_().add_(0.1).pow_(-0.5), y -> y.abs_().pow_(1.75),
                y -> y.abs_().add_(0.1).pow_(e.to(y.device()).to(y.dtype())), Tensor::square_,
                y -> Functional.hardtanh_(y, -0.5, 0.8), y -> Functional.relu6(y.mul_(3.0), true));
        for (DType type : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.FLOAT16, DType.BFLOAT16}) {
            Tensor x = uniform(GEN, 2.0, 4, 5).to(type);
            for (int i = 0; i < ops.size(); i++) {
                // (the tensor exponent, [5], does not broadcast to the transposed [5, 4])
                inPlaceVariants(t, names.get(i) + " " + type, ops.get(i), x, i != 7);
            }
        }
        return t;
    }
}
