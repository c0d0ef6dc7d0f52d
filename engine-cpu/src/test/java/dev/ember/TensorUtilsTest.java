package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cov}, {@code corrcoef}, {@code logdet}, {@code linalg.matrix_power}, {@code isin}, {@code logspace},
 * {@code type_as} and the {@code new_*} factories against PyTorch ({@code tensorutils/make_expected.py}): the inputs
 * are read from the expected file ({@link ReferenceCases}), and each case compares the result's type, shape and values,
 * its node, and the gradients of {@code sum(out * w)}, or PyTorch's error message (with every input unchanged).
 */
class TensorUtilsTest {
    private static Function<Tensor[], Tensor> op(String name) {
        if (name.startsWith("matrix_power ")) {
            String[] w = name.split(" ");
            int n = w[w.length - 1].matches("-?\\d+") ? Integer.parseInt(w[w.length - 1]) : 2;
            return a -> a[0].linalgMatrixPower(n);
        }
        switch (name) {
            case "cov correction 0": return a -> a[0].cov(0, null, null);
            case "cov correction 2": return a -> a[0].cov(2, null, null);
            case "cov fweights": case "cov fweights float": case "cov fweights 2d": case "cov fweights count":
            case "cov fweights negative":
                return a -> a[0].cov(1, a[1], null);
            case "cov aweights": case "cov aweights int": case "cov aweights negative": case "cov aweights zero":
                return a -> a[0].cov(1, null, a[1]);
            case "cov both weights": return a -> a[0].cov(1, a[1], a[2]);
            case "cov both weights correction 0": return a -> a[0].cov(0, a[1], a[2]);
            case "isin invert": case "isin sorted path invert": return a -> a[0].isin(a[1], true);
            case "logspace": return a -> Tensor.logspace(0, 2, 5);
            case "logspace one step": return a -> Tensor.logspace(0.5, 2, 1);
            case "logspace no steps": return a -> Tensor.logspace(0, 2, 0);
            case "logspace base 2 float64": return a -> Tensor.logspace(-1, 3, 7, 2, DType.FLOAT64);
            case "logspace base 3 float32 descending": return a -> Tensor.logspace(1.5, -2.5, 9, 3, DType.FLOAT32);
            case "logspace int64": return a -> Tensor.logspace(0, 2, 5, 2, DType.INT64);
            case "logspace float32 many": return a -> Tensor.logspace(-3, 3, 101);
            case "logspace negative steps": return a -> Tensor.logspace(0, 2, -1);
            case "type_as": case "type_as same": return a -> a[0].typeAs(a[1]);
            case "new_zeros": return a -> a[0].newZeros(3, 1);
            case "new_ones int64": return a -> a[0].newOnes(2, 2);
            case "new_full": return a -> a[0].newFull(new int[] {2, 3}, -1.5);
            case "new_tensor": return a -> a[0].newTensor(new long[][] {{1, 2}, {3, 4}});
            default:
                break;
        }
        String family = name.split(" ")[0];
        switch (family) {
            case "cov": return a -> a[0].cov();
            case "corrcoef": return a -> a[0].corrcoef();
            case "logdet": return a -> a[0].logdet();
            case "isin": return a -> a[0].isin(a[1]);
            default: throw new IllegalArgumentException("no op for case " + name);
        }
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        return ReferenceCases.tests("/tensorutils/expected.txt", TensorUtilsTest::op, 2e-6);
    }

    @TestFactory
    List<DynamicTest> gradchecks() {
        Generator gen = new Generator(18);
        Tensor x = Tensor.rand(gen, DType.FLOAT64, 3, 6).requiresGrad_(true);
        Tensor aw = Tensor.rand(gen, DType.FLOAT64, 6).add(0.5).requiresGrad_(true);
        Tensor fw = Tensor.tensor(new long[] {1, 2, 1, 3, 1, 2});
        Tensor m = Tensor.rand(gen, DType.FLOAT64, 2, 3, 3).mul(0.25).add(Tensor.eye(3, 3, DType.FLOAT64).mul(2.0))
                .requiresGrad_(true);
        List<DynamicTest> t = new ArrayList<>();
        t.add(DynamicTest.dynamicTest("cov", () -> assertTrue(Autograd.gradgradcheck(p -> p[0].cov(), x))));
        t.add(DynamicTest.dynamicTest("cov weighted", () -> assertTrue(Autograd.gradcheck(p -> p[0].cov(1, fw, p[1]), x,
                aw))));
        t.add(DynamicTest.dynamicTest("corrcoef", () -> assertTrue(Autograd.gradgradcheck(p -> p[0].corrcoef(), x))));
        t.add(DynamicTest.dynamicTest("logdet", () -> assertTrue(Autograd.gradgradcheck(p -> p[0].logdet(), m))));
        for (int n : new int[] {-2, 0, 3, 6}) {
            t.add(DynamicTest.dynamicTest("matrix_power " + n, () -> assertTrue(Autograd.gradcheck(
                    p -> p[0].linalgMatrixPower(n), m))));
        }
        return t;
    }
}
