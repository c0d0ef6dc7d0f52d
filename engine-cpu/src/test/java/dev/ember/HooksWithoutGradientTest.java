package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Tensor hooks on outputs the backward pass reaches without a gradient, against PyTorch (hooksnograd/make_expected.py):
 * called with null (PyTorch's None) on an output of a multi-output node whose sibling got a gradient, on the outputs of
 * a node none of whose outputs got one, and on a single-output node reached through an edge that carried none; in the
 * order of each tensor's first registration; a hook returning a tensor for a null gradient is an error (PyTorch's
 * words); and, as PyTorch 2.x (not 1.13), a leaf's hooks too. Each case's call sequence and gradient are PyTorch's.
 */
class HooksWithoutGradientTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/hooksnograd/expected.txt");
    private static final DType D = DType.FLOAT64;

    /** a + b whose backward gives b no gradient (the script's Drop). */
    static final class Drop extends AutogradFunction {
        @Override
        protected Tensor[] forward(Context ctx, Tensor... in) {
            return new Tensor[] {in[0].add(in[1])};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            return new Tensor[] {g[0], null};
        }
    }

    private static Tensor x(String key, int... shape) {
        return Tensor.tensor(PyTorchCases.numbers(TORCH.field(key, "x")), D).reshape(shape).requiresGrad_(true);
    }

    /** A hook recording "name=None" or "name=[values]" as the script prints them. */
    private static Function<Tensor, Tensor> recorder(List<String> calls, String name) {
        return g -> {
            calls.add(name + "=" + (g == null ? "None" : Arrays.toString(g.toDoubleArray())));
            return null;
        };
    }

    /** The script's call list, each entry's numbers compared within 1e-12 (Java and Python print doubles apart). */
    private static void assertCalls(String key, List<String> calls) {
        String[] want = TORCH.field(key, "calls").split(" \\| ");
        assertEquals(want.length, calls.size(), key + ": " + calls);
        for (int i = 0; i < want.length; i++) {
            String[] w = want[i].split("=", 2);
            String[] g = calls.get(i).split("=", 2);
            assertEquals(w[0], g[0], key + " call " + i);
            if (w[1].equals("None")) {
                assertEquals("None", g[1], key + " call " + i);
            } else {
                assertArrayEquals(PyTorchCases.numbers(w[1]), PyTorchCases.numbers(g[1]), 1e-12, key + " call " + i);
            }
        }
    }

    private static void assertGrad(String key, Tensor x) {
        assertArrayEquals(PyTorchCases.numbers(TORCH.field(key, "grad")), x.grad().toDoubleArray(), 1e-12, key);
    }

    @Test
    void aSiblingWithoutGradientCallsItsHooksWithNull() {
        Tensor x = x("sibling", 5);
        List<String> calls = new ArrayList<>();
        Tensor.VarMean vm = x.varMean();
        assertEquals(TORCH.field("sibling", "node"), vm.var().gradFn().name());
        vm.var().registerHook(recorder(calls, "var"));
        vm.mean().registerHook(recorder(calls, "mean"));
        vm.mean().mul(3).backward();
        assertCalls("sibling", calls);
        assertGrad("sibling", x);
    }

    @Test
    void hooksRunInTheOrderOfEachTensorsFirstRegistration() {
        Tensor x = x("order", 5);
        List<String> calls = new ArrayList<>();
        Tensor.VarMean vm = x.varMean();
        vm.mean().registerHook(recorder(calls, "mean"));
        vm.var().registerHook(recorder(calls, "var"));
        vm.mean().registerHook(recorder(calls, "mean2"));
        vm.mean().add(vm.var()).backward();
        assertCalls("order", calls);
        assertGrad("order", x);
    }

    @Test
    void svdWithOnlyTheSingularValuesUsed() {
        Tensor a = x("svd", 3, 3);
        List<String> calls = new ArrayList<>();
        SvdResult usv = a.linalgSvd();
        usv.U().registerHook(recorder(calls, "U"));
        usv.S().registerHook(recorder(calls, "S"));
        usv.Vh().registerHook(recorder(calls, "Vh"));
        usv.S().sum().backward();
        assertCalls("svd", calls);
        assertGrad("svd", a);
    }

    @Test
    void aSingleOutputNodeReachedWithoutGradient() {
        Tensor x = x("single", 5);
        List<String> calls = new ArrayList<>();
        Tensor b = x.exp();
        b.registerHook(recorder(calls, "exp"));
        Tensor c = x.sin();
        c.registerHook(recorder(calls, "sin"));
        new Drop().apply(c, b).sum().backward();
        assertCalls("single", calls);
        assertGrad("single", x);
    }

    @Test
    void aMultiOutputNodeNoneOfWhoseOutputsGotAGradient() {
        Tensor x = x("none_reached", 5);
        List<String> calls = new ArrayList<>();
        Tensor.VarMean vm = x.varMean();
        vm.var().registerHook(recorder(calls, "var"));
        vm.mean().registerHook(recorder(calls, "mean"));
        new Drop().apply(x.sum(), vm.mean().add(vm.var())).backward();
        assertCalls("none_reached", calls);
        assertGrad("none_reached", x);
    }

    @Test
    void aHookCannotReplaceANullGradient() {
        Tensor x = x("sibling", 5);
        Tensor.VarMean vm = x.varMean();
        vm.var().registerHook(g -> Tensor.zeros(D));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> vm.mean().backward());
        assertEquals(TORCH.error("replace_none"), e.getMessage());
        // returning null (keep) is fine, and retain_grad leaves the output's .grad null (PyTorch 2.x)
        Tensor y = x("sibling", 5);
        Tensor.VarMean vm2 = y.varMean();
        vm2.var().registerHook(g -> null);
        vm2.var().retainGrad();
        vm2.mean().backward();
        assertNull(vm2.var().grad());
        assertArrayEquals(new double[] {0.2, 0.2, 0.2, 0.2, 0.2}, y.grad().toDoubleArray(), 1e-15);
    }

    @Test
    void aLeafReachedWithoutGradientCallsItsHooksWithNullAsPyTorch2() {
        // 2.x: a leaf's hooks are its AccumulateGrad's tensor pre-hooks, called by the engine with the undefined
        // gradient; 1.13 (the script's leaf_1_13) called none and is not followed here
        assertEquals("", TORCH.field("leaf_1_13", "calls").trim());
        Tensor x = x("leaf_1_13", 5);
        Tensor y = Tensor.randn(D, 3).requiresGrad_(true);
        List<String> calls = new ArrayList<>();
        y.registerHook(recorder(calls, "leaf"));
        new Drop().apply(x.sum(), y.sum()).backward();
        assertEquals(List.of("leaf=None"), calls);
        assertNull(y.grad());
        assertGrad("leaf_1_13", x);
    }
}
