package dev.ember;

import dev.ember.nn.ConvTranspose1d;
import dev.ember.nn.ConvTranspose2d;
import dev.ember.nn.ConvTranspose3d;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gaps in convolution and pooling against PyTorch ({@code convpoolgaps/make_expected.py}, read by
 * {@link ReferenceCases}): ConvTranspose1d/2d/3d's {@code forward(x, output_size)} with bad arguments (PyTorch's
 * errors, never an unchecked index exception; for a stride, padding or dilation of too few values the message the
 * convolution gives, where PyTorch's own is Python's "tuple index out of range"), conv1d/2d/3d with padding "same" and an
 * even kernel (values, gradients, and PyTorch's node chain ConvolutionBackward0 over ConstantPadNdBackward0), and
 * avg_pool2d of int64 (PyTorch's truncating integer division; avg_pool1d, lp_pool and local_response_norm over it), with
 * PyTorch's refusal of the other integer types.
 */
class ConvPoolGapsTest {
    private static final String RESOURCE = "/convpoolgaps/expected.txt";

    private static Function<Tensor[], Tensor> op(String name) {
        switch (name) {
            case "ct2 stride3 out of range":
                return a -> ct2(new int[] {1, 2, 3}, new int[] {0}, new int[] {1}).forward(a[0], new int[] {9, 9});
            case "ct2 stride3 in range":
                return a -> ct2(new int[] {1, 2, 3}, new int[] {0}, new int[] {1}).forward(a[0], new int[] {6, 9});
            case "ct2 padding3 in range":
                return a -> ct2(new int[] {1}, new int[] {1, 0, 0}, new int[] {1}).forward(a[0], new int[] {4, 6});
            case "ct2 dilation3 in range":
                return a -> ct2(new int[] {1}, new int[] {0}, new int[] {1, 2, 3}).forward(a[0], new int[] {6, 8});
            case "ct2 stride empty":
                return a -> ct2(new int[0], new int[] {0}, new int[] {1}).forward(a[0], new int[] {6, 6});
            case "ct2 padding empty":
                return a -> ct2(new int[] {1}, new int[0], new int[] {1}).forward(a[0], new int[] {6, 6});
            case "ct2 dilation empty":
                return a -> ct2(new int[] {1}, new int[] {0}, new int[0]).forward(a[0], new int[] {6, 6});
            case "ct3 stride2":
                return a -> ct3(new int[] {1, 2}, new int[] {0}, new int[] {1}).forward(a[0], new int[] {6, 6, 6});
            case "ct3 padding2":
                return a -> ct3(new int[] {1}, new int[] {1, 2}, new int[] {1}).forward(a[0], new int[] {6, 6, 6});
            case "ct3 dilation2":
                return a -> ct3(new int[] {1}, new int[] {0}, new int[] {1, 2}).forward(a[0], new int[] {6, 6, 6});
            case "ct2 input 2d":
                return a -> new ConvTranspose2d(2, 3, 3).forward(a[0], new int[] {6, 6});
            case "ct3 input 3d":
                return a -> new ConvTranspose3d(2, 3, 3).forward(a[0], new int[] {6, 6, 6});
            case "ct2 output_size 1":
                return a -> new ConvTranspose2d(2, 3, 3).forward(a[0], new int[] {6});
            case "ct2 output_size 4 unbatched": case "ct2 output_size range":
                return a -> ct2(new int[] {2}, new int[] {0}, new int[] {1}).forward(a[0], new int[] {1, 2, 20, 6});
            case "ct2 output_size 5d input":
                return a -> ct2(new int[] {2}, new int[] {0}, new int[] {1}).forward(a[0], new int[] {10, 10});
            case "ct2 huge stride":
                return a -> ct2(new int[] {1 << 30}, new int[] {0}, new int[] {1}).forward(a[0], new int[] {5, 5});
            case "ct3 output_size 2":
                return a -> new ConvTranspose3d(2, 3, 3).forward(a[0], new int[] {6, 6});
            case "ct3 output_size range":
                return a -> ct3(new int[] {2}, new int[] {0}, new int[] {1}).forward(a[0], new int[] {9, 10, 12});
            case "ct1 output_size range":
                return a -> ct1().forward(a[0], new int[] {12});
            case "ct1 input 4d": case "ct1 input 1d":
                return a -> ct1().forward(a[0], new int[] {10});
            case "ct1 output_size 2":
                return a -> ct1().forward(a[0], new int[] {10, 10});
            case "conv1d same even":
                return a -> Functional.conv1d(a[0], a[1], a[2], new int[] {1}, "same", new int[] {1}, 1);
            case "conv1d same even dilation 3":
                return a -> Functional.conv1d(a[0], a[1], null, new int[] {1}, "same", new int[] {3}, 1);
            case "conv1d same even unbatched float32":
                return a -> Functional.conv1d(a[0], a[1], null, new int[] {1}, "same", new int[] {1}, 1);
            case "conv2d same 2x2":
                return a -> Functional.conv2d(a[0], a[1], a[2], "same", new int[] {1}, 1);
            case "conv2d same 2x3": case "conv2d same 3x4 float32": case "conv2d same 2x2 unbatched":
            case "conv2d same 3x3 unbatched (no pad node)":
                return a -> Functional.conv2d(a[0], a[1], null, "same", new int[] {1}, 1);
            case "conv3d same 2x3x2": case "conv3d same 2x2x3 unbatched":
                return a -> Functional.conv3d(a[0], a[1], null, new int[] {1}, "same", new int[] {1}, 1);
            case "avg_pool2d int64": case "avg_pool2d int64 empty batch":
                return a -> Functional.avgPool2d(a[0], 2);
            case "avg_pool2d int64 stride 1":
                return a -> Functional.avgPool2d(a[0], new int[] {3}, new int[] {1}, new int[] {0}, false, true);
            case "avg_pool2d int64 padding":
                return a -> Functional.avgPool2d(a[0], new int[] {3}, new int[] {2}, new int[] {1}, false, true);
            case "avg_pool2d int64 padding exclude":
                return a -> Functional.avgPool2d(a[0], new int[] {3}, new int[] {2}, new int[] {1}, false, false);
            case "avg_pool2d int64 ceil":
                return a -> Functional.avgPool2d(a[0], new int[] {2}, new int[] {2}, new int[] {0}, true, true);
            case "avg_pool2d int64 ceil padding exclude":
                return a -> Functional.avgPool2d(a[0], new int[] {3, 2}, new int[] {2, 3}, new int[] {1, 1}, true, false);
            case "avg_pool2d int64 unbatched":
                return a -> Functional.avgPool2d(a[0], new int[] {2, 3}, new int[] {1, 2}, new int[] {0}, false, true);
            case "avg_pool2d int64 non-contiguous":
                return a -> Functional.avgPool2d(a[0].transpose(1, 2), new int[] {2}, new int[] {1}, new int[] {0}, false,
                        true);
            case "avg_pool2d int64 large":
                return a -> Functional.avgPool2d(a[0], new int[] {1, 2}, null, new int[] {0}, false, true);
            case "avg_pool1d int64":
                return a -> Functional.avgPool1d(a[0], 3, 2, 1, false, true);
            case "avg_pool1d int64 exclude":
                return a -> Functional.avgPool1d(a[0], 3, 2, 1, false, false);
            case "local_response_norm int64 3d":
                return a -> Functional.localResponseNorm(a[0], 3);
            case "local_response_norm int64 4d":
                return a -> Functional.localResponseNorm(a[0], 2);
            case "lp_pool2d int64 float norm":
                return a -> Functional.lpPool2d(a[0], 2.0, 2);
            case "lp_pool1d int64 float norm":
                return a -> Functional.lpPool1d(a[0], 2.0, 2);
            case "conv_transpose2d int64":
                return a -> Functional.convTranspose2d(a[0], a[1], a[2], new int[] {2, 1}, new int[] {1, 0}, new int[] {1, 0},
                        2, new int[] {1, 2});
            case "conv_transpose2d int64 unbatched": case "conv_transpose2d int64 empty batch":
                return a -> Functional.convTranspose2d(a[0], a[1], null);
            case "conv_transpose1d int64":
                return a -> Functional.convTranspose1d(a[0], a[1], a[2], 3, 1, 2, 1, 2);
            case "conv_transpose3d int64":
                return a -> Functional.convTranspose3d(a[0], a[1], a[2], new int[] {2}, new int[] {0, 1, 0}, new int[] {1}, 1,
                        new int[] {1});
            default:
                break;
        }
        if (name.startsWith("local_response_norm ")) {
            DType lt = narrowType(name.split(" ")[1]);
            return a -> Functional.localResponseNorm(a[0].to(lt), name.endsWith("3d") ? 3 : 2);
        }
        // the named type (PyTorchCases reads int32, int16, int8 and uint8 inputs as that type already)
        DType t = narrowType(name.substring(name.lastIndexOf(' ') + 1));
        if (name.startsWith("avg_pool2d ")) {
            return a -> Functional.avgPool2d(a[0].to(t), 2);
        }
        if (name.startsWith("avg_pool1d ")) {
            return a -> Functional.avgPool1d(a[0].to(t), 2);
        }
        if (name.startsWith("conv_transpose2d ")) {
            return a -> Functional.convTranspose2d(a[0].to(t), a[1].to(t), null);
        }
        if (name.startsWith("conv_transpose1d ")) {
            return a -> Functional.convTranspose1d(a[0].to(t), a[1].to(t), null);
        }
        if (name.startsWith("conv_transpose3d ")) {
            return a -> Functional.convTranspose3d(a[0].to(t), a[1].to(t), null);
        }
        throw new IllegalArgumentException("no op for case " + name);
    }

    private static DType narrowType(String name) {
        switch (name) {
            case "int32": return DType.INT32;
            case "int16": return DType.INT16;
            case "int8": return DType.INT8;
            case "uint8": return DType.UINT8;
            case "bool": return DType.BOOL;
            default: throw new IllegalArgumentException("no dtype " + name);
        }
    }

    private static ConvTranspose2d ct2(int[] stride, int[] padding, int[] dilation) {
        return new ConvTranspose2d(2, 3, new int[] {3}, stride, padding, new int[] {0}, 1, true, dilation);
    }

    private static ConvTranspose3d ct3(int[] stride, int[] padding, int[] dilation) {
        return new ConvTranspose3d(2, 3, new int[] {3}, stride, padding, new int[] {0}, 1, true, dilation);
    }

    private static ConvTranspose1d ct1() {
        return new ConvTranspose1d(2, 3, 3, 2, 0, 0, 1, true, 1);
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        return ReferenceCases.tests(RESOURCE, ConvPoolGapsTest::op, 2e-6);
    }

    /** The "same" convolutions' node chains, from grad_fn down the first input edges, as PyTorch's. */
    @TestFactory
    List<DynamicTest> sameConvolutionNodeChains() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ReferenceCases.Case c : ReferenceCases.byFirstWord(RESOURCE)) {
            String expected = c.get("chain");
            if (expected == null || !c.key().contains(" same ")) {
                continue;
            }
            tests.add(DynamicTest.dynamicTest(c.key(), () -> {
                List<Tensor> ins = new ArrayList<>();
                for (int i = 0; c.get("in" + i) != null; i++) {
                    ins.add(PyTorchCases.tensor(c.get("in" + i)).requiresGrad_(true));
                }
                Tensor out = op(c.key()).apply(ins.toArray(new Tensor[0]));
                StringBuilder chain = new StringBuilder();
                for (Node n = out.gradFn(); n != null; n = n.nextFunctions().isEmpty() ? null : n.nextFunctions().get(0)) {
                    chain.append(chain.length() == 0 ? "" : " ").append(n.name());
                }
                assertEquals(expected.replace("torch::autograd::AccumulateGrad", "AccumulateGrad"), chain.toString());
            }));
        }
        assertTrue(tests.size() >= 10);
        return tests;
    }

    @Test
    void sameConvolutionsAreTwiceDifferentiable() {
        Generator gen = new Generator(19);
        Tensor x1 = Tensor.randn(gen, DType.FLOAT64, 2, 2, 5).requiresGrad_(true);
        Tensor w1 = Tensor.randn(gen, DType.FLOAT64, 3, 2, 2).requiresGrad_(true);
        assertTrue(Autograd.gradgradcheck(p -> Functional.conv1d(p[0], p[1], null, new int[] {1}, "same", new int[] {1}, 1),
                x1, w1));
        Tensor x2 = Tensor.randn(gen, DType.FLOAT64, 1, 2, 4, 3).requiresGrad_(true);
        Tensor w2 = Tensor.randn(gen, DType.FLOAT64, 2, 2, 2, 3).requiresGrad_(true);
        assertTrue(Autograd.gradgradcheck(p -> Functional.conv2d(p[0], p[1], null, "same", new int[] {1}, 1), x2, w2));
    }

    /**
     * PyTorch's CPU computes conv_transpose1d/2d/3d of int64 exactly (wrapping on overflow); Ember computes it exactly in
     * float64 while {@code max|input| * max|weight| * taps} stays within 2^53, and past that refuses with a message
     * saying so (its own: PyTorch has none), before anything is computed.
     */
    @Test
    void transposedConvolutionOfLargeInt64IsRefusedClearly() {
        Tensor x = Tensor.tensor(new long[] {1L << 40, 3, 2, -9}).reshape(1, 1, 2, 2);
        Tensor w = Tensor.tensor(new long[] {1, 2, 3, -(1L << 20)}).reshape(1, 1, 2, 2);
        List<Function<Void, Tensor>> calls = List.of(
            v -> Functional.convTranspose2d(x, w, null),
            v -> Functional.convTranspose1d(x.view(1, 1, 4), w.view(1, 1, 4), null),
            v -> Functional.convTranspose3d(x.view(1, 1, 1, 2, 2), w.view(1, 1, 1, 2, 2), null));
        String[] names = {"conv_transpose2d", "conv_transpose1d", "conv_transpose3d"};
        for (int i = 0; i < calls.size(); i++) {
            Function<Void, Tensor> call = calls.get(i);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> call.apply(null));
            assertEquals(names[i] + ": Ember computes int64 transposed convolutions exactly (in float64) only while every sum "
                    + "stays within 2^53, and max|input| * max|weight| * 4 taps may reach 2^62; convert the "
                    + "input and weight to a floating type", e.getMessage());
        }
        assertArrayEquals(new long[] {1L << 40, 3, 2, -9}, x.toLongArray());
        // within the bound ((2^51 - 1) * 1 * 2 taps): exact, the sums worked out by hand in long arithmetic
        Tensor big = Tensor.tensor(new long[] {(1L << 51) - 1, -(1L << 51) + 3}).reshape(1, 1, 2);
        Tensor ones = Tensor.tensor(new long[] {1, 1}).reshape(1, 1, 2);
        assertArrayEquals(new long[] {(1L << 51) - 1, 2, -(1L << 51) + 3}, Functional.convTranspose1d(big, ones, null)
                .toLongArray());
    }

    /** The int64 pooling leaves no graph behind and its output is a fresh tensor (not a view of the input). */
    @Test
    void int64AveragePoolingIsAFreshTensorWithoutHistory() {
        Tensor x = Tensor.tensor(new long[] {-7, 3, 5, 2, -9, 4, 1, 1, -1}).reshape(1, 1, 3, 3);
        Tensor y = Functional.avgPool2d(x, new int[] {2}, new int[] {1}, new int[] {0}, false, true);
        assertEquals(DType.INT64, y.dtype());
        assertEquals(null, y.gradFn());
        assertNotNull(y);
        y.fill_(0);
        assertArrayEquals(new long[] {-7, 3, 5, 2, -9, 4, 1, 1, -1}, x.toLongArray());
    }
}
