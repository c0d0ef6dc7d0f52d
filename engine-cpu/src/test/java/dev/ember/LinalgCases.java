package dev.ember;

import org.junit.jupiter.api.DynamicTest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The cases {@code linalg/}, {@code linalgmore/} and {@code svd/make_expected.py} write, and their check (LinalgTest,
 * LinalgMoreTest and SvdTest each had a copy): inputs {@code in<i>} with {@code dtype<i>} and {@code shape<i>} (floating
 * ones require grad where the case has output gradients {@code w<j>} or a {@code requires} line), outputs with
 * {@code oshape<j>}, {@code otype<j>} (where printed), {@code out<j>} and {@code node<j>}, and the inputs' gradients
 * {@code grad<i>} ({@code None} where none reached the input). Tolerances: {@link LinalgTest#assertClose}.
 */
final class LinalgCases {
    /** Which printed nodes a test class does not compare ({@code strided}: the non-contiguous pass). */
    interface NodeFilter {
        boolean skip(String key, String node, boolean strided);
    }

    private final PyTorchCases torch;
    private final NodeFilter skipNode;

    LinalgCases(PyTorchCases torch, NodeFilter skipNode) {
        this.torch = torch;
        this.skipNode = skipNode;
    }

    static int[] shapeOf(String repr) {
        return Arrays.stream(PyTorchCases.numbers(repr)).mapToInt(d -> (int) d).toArray();
    }

    static DType dtypeOf(String torchName) {
        switch (torchName) {
            case "torch.float32": return DType.FLOAT32;
            case "torch.float64": return DType.FLOAT64;
            case "torch.int32": return DType.INT32;
            case "torch.int64": return DType.INT64;
            case "torch.bool": return DType.BOOL;
            default: throw new IllegalArgumentException("no case dtype " + torchName);
        }
    }

    /** A tensor of the given shape and type holding the printed values. */
    static Tensor tensorOf(String values, int[] shape, DType dtype) {
        return Tensor.tensor(PyTorchCases.numbers(values), DType.FLOAT64).to(dtype).reshape(shape).detach();
    }

    /** The case's inputs: leaves that require grad where floating (in the cases PyTorch differentiated). */
    Tensor[] inputs(String key) {
        List<Tensor> xs = new ArrayList<>();
        for (int i = 0; torch.fieldOrNull(key, "in" + i) != null; i++) {
            DType t = dtypeOf(torch.field(key, "dtype" + i));
            Tensor x = tensorOf(torch.field(key, "in" + i), shapeOf(torch.field(key, "shape" + i)), t);
            boolean grad = torch.fieldOrNull(key, "w0") != null || torch.fieldOrNull(key, "requires") != null;
            xs.add(t.isFloatingPoint() && grad ? x.requiresGrad_(true) : x);
        }
        return xs.toArray(new Tensor[0]);
    }

    /**
     * Runs {@code fn} on the case's inputs (and on non-contiguous copies of them, {@link LinalgTest#nonContiguous}):
     * each output's type, shape, values and node, then the inputs' gradients for the printed output gradients.
     */
    void check(String key, Function<Tensor[], Tensor[]> fn) {
        for (boolean strided : new boolean[] {false, true}) {
            Tensor[] xs = inputs(key);
            if (strided) {
                for (int i = 0; i < xs.length; i++) {
                    xs[i] = LinalgTest.nonContiguous(xs[i]);
                }
            }
            String how = key + (strided ? " (non-contiguous)" : "");
            Tensor[] outs = fn.apply(xs);
            List<Tensor> diff = new ArrayList<>();
            for (int j = 0; j < outs.length; j++) {
                Tensor o = outs[j];
                String otype = torch.fieldOrNull(key, "otype" + j);
                if (otype != null) {
                    assertEquals(dtypeOf(otype), o.dtype(), how + " type of output " + j);
                }
                assertArrayEquals(shapeOf(torch.field(key, "oshape" + j)), o.shape(), how + " shape of output " + j);
                LinalgTest.assertClose(how + " output " + j, PyTorchCases.numbers(torch.field(key, "out" + j)), o,
                        o.dtype() == DType.FLOAT32);
                String node = torch.field(key, "node" + j);
                if (!skipNode.skip(key, node, strided)) {
                    assertEquals(node, o.gradFn() == null ? "None" : o.gradFn().name(), how + " node of output " + j);
                }
                if (o.requiresGrad()) {
                    diff.add(o);
                }
            }
            if (torch.fieldOrNull(key, "w0") == null) {
                continue;
            }
            List<Tensor> ws = new ArrayList<>();
            for (int j = 0; j < diff.size(); j++) {
                ws.add(tensorOf(torch.field(key, "w" + j), diff.get(j).shape(), diff.get(j).dtype()));
            }
            List<Tensor> wanted = new ArrayList<>();
            List<Integer> index = new ArrayList<>();
            for (int i = 0; i < xs.length; i++) {
                if (xs[i].requiresGrad()) {
                    wanted.add(xs[i]);
                    index.add(i);
                }
            }
            List<Tensor> gs = Autograd.grad(diff, wanted, ws, false, false, true);
            for (int k = 0; k < gs.size(); k++) {
                int i = index.get(k);
                String expected = torch.field(key, "grad" + i);
                if (expected.equals("None")) {
                    assertNull(gs.get(k), how + " gradient of input " + i);
                } else {
                    LinalgTest.assertClose(how + " gradient of input " + i, PyTorchCases.numbers(expected), gs.get(k),
                            xs[i].dtype() == DType.FLOAT32);
                }
            }
        }
    }

    /** A test of a case with one output. */
    DynamicTest one(String key, Function<Tensor[], Tensor> fn) {
        return DynamicTest.dynamicTest(key, () -> check(key, x -> new Tensor[] {fn.apply(x)}));
    }

    /** A test of a case with several outputs. */
    DynamicTest many(String key, Function<Tensor[], Tensor[]> fn) {
        return DynamicTest.dynamicTest(key, () -> check(key, fn));
    }
}
