package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite differences (float64, {@link Autograd#gradcheck} and {@link Autograd#gradgradcheck} with PyTorch's defaults)
 * against the analytic backward of the in-place activations whose node saves only the result (session 55 writes them
 * straight into self: leaky_relu_ LeakyReluBackward1, elu_ and selu_ EluBackward1, celu_ CeluBackward1), on a
 * non-leaf ({@code x * 1} then the op), on a transposed (dense, non-contiguous) self and on a view of the non-leaf
 * (CopySlices), each through the direct write and through the result-copying path kept behind
 * {@code -Dember.inplace.copyResult=true}. The second order goes through EluBackwardBackward0 (elu_double_backward with
 * is_result) and leaky_relu_backward's own derivative. The inputs keep clear of 0, where these functions have a kink
 * (leaky_relu) or a jump in the second derivative (elu with alpha other than 1). Session 56: the same for clamp_,
 * pow_, square_ and hardtanh_, written into self from a copy of the old values (their saved self).
 */
class InplaceActivationGradcheckTest {
    private static final String OLD_PATH = "ember.inplace.copyResult";

    /** The in-place ops, each with the node name PyTorch gives it. */
    private static Map<String, UnaryOperator<Tensor>> ops() {
        Map<String, UnaryOperator<Tensor>> m = new LinkedHashMap<>();
        m.put("LeakyReluBackward1 leaky_relu_(0.1)", y -> Functional.leakyRelu_(y, 0.1));
        m.put("LeakyReluBackward1 leaky_relu(0.3, inplace)", y -> Functional.leakyRelu(y, 0.3, true));
        m.put("EluBackward1 elu_(1.0)", y -> Functional.elu_(y, 1.0));
        m.put("EluBackward1 elu(0.7, inplace)", y -> Functional.elu(y, 0.7, true));
        m.put("EluBackward1 selu_", Functional::selu_);
        m.put("EluBackward1 selu(inplace)", y -> Functional.selu(y, true));
        m.put("CeluBackward1 celu_(1.3)", y -> Functional.celu_(y, 1.3));
        m.put("CeluBackward1 celu(0.6, inplace)", y -> Functional.celu(y, 0.6, true));
        return m;
    }

    /** float64 values in [-2, 2] at least 0.05 from 0, requiring grad. */
    private static Tensor input(int seed, int... shape) {
        Tensor g = SecondOrderSweepTest.gen(shape, -2, 2, seed);
        double[] v = g.toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            if (Math.abs(v[i]) < 0.05) {
                v[i] = v[i] < 0 ? -0.05 - v[i] : 0.05 + v[i];
            }
        }
        return Tensor.tensor(v, DType.FLOAT64).reshape(shape).requiresGrad_(true);
    }

    /** {@code op} on {@code x * 1} (a non-leaf), checking that the op returns that tensor with the node {@code node}. */
    private static Tensor onNonLeaf(UnaryOperator<Tensor> op, String node, Tensor x) {
        Tensor y = x.mul(1.0);
        Tensor r = op.apply(y);
        assertTrue(r == y, "the op returns self");
        assertEquals(node, y.gradFn().name(), "node");
        return y;
    }

    private static boolean both(java.util.function.BooleanSupplier check) {
        for (boolean old : new boolean[] {false, true}) {
            assertTrue(InplaceIntoSelfTest.withProperty(OLD_PATH, old, check::getAsBoolean), "copyResult " + old);
        }
        return true;
    }

    @TestFactory
    List<DynamicTest> firstAndSecondOrder() {
        List<DynamicTest> t = new ArrayList<>();
        int seed = 1;
        for (Map.Entry<String, UnaryOperator<Tensor>> e : ops().entrySet()) {
            String node = e.getKey().substring(0, e.getKey().indexOf(' '));
            UnaryOperator<Tensor> op = e.getValue();
            Tensor x = input(seed++, 3, 4);
            t.add(DynamicTest.dynamicTest(e.getKey() + " gradcheck", () -> both(() ->
                    Autograd.gradcheck(a -> onNonLeaf(op, node, a[0]), x))));
            t.add(DynamicTest.dynamicTest(e.getKey() + " gradgradcheck", () -> both(() ->
                    Autograd.gradgradcheck(a -> onNonLeaf(op, node, a[0]), x))));
            t.add(DynamicTest.dynamicTest(e.getKey() + " on a transposed self", () -> both(() -> {
                UnaryOperator<Tensor> transposed = y -> {
                    Tensor s = y.t().mul(1.0); // x.t()'s strides: dense, not contiguous, not a view
                    op.apply(s);
                    assertEquals(node, s.gradFn().name(), "node");
                    return s;
                };
                return Autograd.gradcheck(a -> transposed.apply(a[0]), x) && Autograd.gradgradcheck(a -> transposed.apply(a[0]), x);
            })));
            t.add(DynamicTest.dynamicTest(e.getKey() + " on a view of the non-leaf", () -> both(() -> {
                UnaryOperator<Tensor> onView = y -> {
                    Tensor base = y.mul(1.0);
                    op.apply(base.select(0, 1));
                    assertEquals("CopySlices", base.gradFn().name(), "node of the base");
                    return base;
                };
                return Autograd.gradcheck(a -> onView.apply(a[0]), x) && Autograd.gradgradcheck(a -> onView.apply(a[0]), x);
            })));
        }
        return t;
    }

    /**
     * A negative slope or alpha: the forward is allowed, the backward refused with PyTorch's message (is_result
     * cannot recover the input's sign), so gradcheck reports that refusal rather than a mismatch.
     */
    @Test
    void aNegativeSlopeOrAlphaRefusesTheBackward() {
        Tensor x = input(11, 2, 3);
        for (boolean old : new boolean[] {false, true}) {
            String leaky = InplaceIntoSelfTest.withProperty(OLD_PATH, old, () -> assertThrows(RuntimeException.class,
                    () -> Autograd.gradcheck(a -> Functional.leakyRelu_(a[0].mul(1.0), -0.1), x)).getMessage());
            assertEquals("In-place leakyReLu backward calculation is triggered with a negative slope which is not "
                    + "supported. This is caused by calling in-place forward function with a negative slope, please call "
                    + "out-of-place version instead. File an issue at https://github.com/pytorch/pytorch if you do "
                    + "require supporting in-place leakRelu backward calculation with negative slope", leaky, "old " + old);
            String elu = InplaceIntoSelfTest.withProperty(OLD_PATH, old, () -> assertThrows(RuntimeException.class,
                    () -> Autograd.gradcheck(a -> Functional.elu_(a[0].mul(1.0), -0.5), x)).getMessage());
            assertEquals("In-place elu backward calculation is triggered with a negative slope which is not supported. "
                    + "This is caused by calling in-place forward function with a negative slope, please call "
                    + "out-of-place version instead.", elu, "old " + old);
        }
    }
    /**
     * Session 56: clamp_, pow_ (by a number and by a tensor, both operands differentiated), square_ and hardtanh_, whose
     * node saves the original self, written into self from a copy of the old values: first and second order on a
     * non-leaf, both paths. The inputs keep clear of the clamp bounds; pow_'s bases are positive.
     */
    @TestFactory
    List<DynamicTest> theOpsSavingTheOriginalSelf() {
        Map<String, UnaryOperator<Tensor>> m = new LinkedHashMap<>();
        m.put("ClampBackward1 clamp_(-0.8, 0.9)", y -> y.clamp_(-0.8, 0.9));
        m.put("ClampBackward1 clamp_(max=0.5)", y -> y.clamp_(null, 0.5));
        m.put("ClampBackward1 clamp_(-1, 1)", y -> y.clamp_(-1L, 1L));
        m.put("HardtanhBackward0 hardtanh_(-0.5, 0.8)", y -> Functional.hardtanh_(y, -0.5, 0.8));
        m.put("HardtanhBackward0 relu6(inplace)", y -> Functional.relu6(y, true));
        m.put("PowBackward0 pow_(3)", y -> y.pow_(3L));
        m.put("PowBackward0 pow_(-0.5)", y -> y.pow_(-0.5));
        m.put("PowBackward0 pow_(1.75)", y -> y.pow_(1.75));
        m.put("PowBackward0 square_", Tensor::square_);
        List<DynamicTest> t = new ArrayList<>();
        int seed = 21;
        for (Map.Entry<String, UnaryOperator<Tensor>> e : m.entrySet()) {
            String node = e.getKey().substring(0, e.getKey().indexOf(' '));
            Tensor x = e.getKey().startsWith("Pow") ? SecondOrderSweepTest.gen(new int[] {3, 4}, 0.3, 2, seed++)
                    .requiresGrad_(true) : input(seed++, 3, 4);
            t.add(DynamicTest.dynamicTest(e.getKey(), () -> both(() ->
                    Autograd.gradcheck(a -> onNonLeaf(e.getValue(), node, a[0]), x)
                            && Autograd.gradgradcheck(a -> onNonLeaf(e.getValue(), node, a[0]), x))));
        }
        Tensor base = SecondOrderSweepTest.gen(new int[] {3, 4}, 0.3, 2, 31).requiresGrad_(true);
        Tensor exponent = SecondOrderSweepTest.gen(new int[] {4}, -1.5, 2.5, 32).requiresGrad_(true);
        t.add(DynamicTest.dynamicTest("PowBackward1 pow_(tensor), both differentiated", () -> both(() ->
                Autograd.gradcheck(a -> onNonLeaf(y -> y.pow_(a[1]), "PowBackward1", a[0]), base, exponent)
                        && Autograd.gradgradcheck(a -> onNonLeaf(y -> y.pow_(a[1]), "PowBackward1", a[0]), base, exponent))));
        return t;
    }
}
