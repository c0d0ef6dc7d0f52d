package dev.ember;

import dev.ember.nn.AlphaDropout;
import dev.ember.nn.Bilinear;
import dev.ember.nn.Conv1d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Dropout1d;
import dev.ember.nn.Dropout2d;
import dev.ember.nn.Dropout3d;
import dev.ember.nn.FeatureAlphaDropout;
import dev.ember.nn.Fold;
import dev.ember.nn.Functional;
import dev.ember.nn.MaxPool2d;
import dev.ember.nn.MaxUnpool2d;
import dev.ember.nn.Module;
import dev.ember.nn.Unflatten;
import dev.ember.nn.Unfold;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static dev.ember.Layers2Cases.assertClose;
import static dev.ember.Layers2Cases.nonContiguous;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * one_hot, unfold / fold, bilinear, max_unpool2d and MaxPool2d with indices, channel-wise and alpha dropout,
 * Unflatten and the convolution padding modes against PyTorch (layersmore/make_expected.py): values, gradients of every
 * input, nodes (PyTorch 2.x's names), on contiguous and non-contiguous inputs, float64 and float32, empty inputs; every
 * error's message with the inputs unchanged; printouts and state-dict keys; gradcheck and gradgradcheck; dropout's
 * properties (which elements are zeroed together, the scale, eval identity), which no random stream can match.
 */
class LayersMoreTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/layersmore/expected.txt");

    private interface Op {
        Tensor[] apply(Map<String, Tensor> in);
    }

    private static boolean has(String key, String name) {
        try {
            TORCH.field(key, name);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    private static Tensor tensor(String key, String name) {
        return PyTorchCases.tensor(TORCH.field(key, name));
    }

    private static Map<String, Tensor> inputs(String key) {
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (String n : TORCH.field(key, "inputs").split(" ")) {
            in.put(n, tensor(key, n));
        }
        return in;
    }

    private static String suffix(int k) {
        return k == 0 ? "" : String.valueOf(k);
    }

    /** A case's outputs, nodes and gradients, on contiguous and then non-contiguous floating inputs. */
    private static void run(String key, Op op) {
        for (int pass = 0; pass < 2; pass++) {
            Map<String, Tensor> leaves = inputs(key);
            Map<String, Tensor> used = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : leaves.entrySet()) {
                Tensor t = e.getValue();
                if (t.dtype().isFloatingPoint()) {
                    t.requiresGrad_(true);
                }
                used.put(e.getKey(), pass == 1 && t.dtype().isFloatingPoint() ? nonContiguous(t) : t);
            }
            String label = key + (pass == 1 ? " (non-contiguous)" : "");
            Tensor[] outs = op.apply(used);
            List<Tensor> gradOuts = new ArrayList<>();
            List<Tensor> gouts = new ArrayList<>();
            for (int k = 0; k < outs.length; k++) {
                String s = suffix(k);
                assertClose(label + " out" + s, tensor(key, "out" + s), outs[k]);
                if (has(key, "node" + s)) {
                    assertEquals(TORCH.field(key, "node" + s), outs[k].gradFn() == null ? "None" : outs[k].gradFn().name(),
                            label + " node" + s);
                }
                if (has(key, "gout" + s)) {
                    gradOuts.add(outs[k]);
                    gouts.add(tensor(key, "gout" + s));
                }
            }
            if (gradOuts.isEmpty()) {
                continue;
            }
            Autograd.backward(gradOuts, gouts, false, false);
            for (Map.Entry<String, Tensor> e : leaves.entrySet()) {
                String g = "grad_" + e.getKey();
                if (has(key, g)) {
                    assertTrue(e.getValue().grad() != null, label + " " + g + " missing");
                    assertClose(label + " " + g, tensor(key, g), e.getValue().grad());
                }
            }
        }
    }

    private static DynamicTest t(String key, Op op) {
        return DynamicTest.dynamicTest(key, () -> run(key, op));
    }

    private static Tensor[] one(Tensor t) {
        return new Tensor[] {t};
    }

    private static int[] ints(int... v) {
        return v;
    }

    private static Class<? extends Throwable> errorType(String key) {
        String l = TORCH.field(key, "error");
        return l.startsWith("IndexError") ? IndexOutOfBoundsException.class : IllegalArgumentException.class;
    }

    /** The call fails as PyTorch's did, with its message, and leaves {@code untouched} as they were. */
    private static DynamicTest fails(String key, Executable call, Tensor... untouched) {
        return DynamicTest.dynamicTest(key, () -> {
            double[][] before = new double[untouched.length][];
            int[] versions = new int[untouched.length];
            for (int i = 0; i < untouched.length; i++) {
                before[i] = untouched[i].toDoubleArray();
                versions[i] = untouched[i].version();
            }
            Throwable e = assertThrows(errorType(key), call, key);
            assertEquals(TORCH.error(key), e.getMessage(), key);
            for (int i = 0; i < untouched.length; i++) {
                assertArrayEquals(before[i], untouched[i].toDoubleArray(), key + ": input " + i + " changed");
                assertEquals(versions[i], untouched[i].version(), key + ": input " + i + " version");
            }
        });
    }

    private static Tensor randn(int... shape) {
        return Tensor.randn(shape);
    }

    // ------------------------------------------------------------------ values and gradients

    @TestFactory
    List<DynamicTest> oneHotUnfoldFold() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(t("oh", in -> one(Functional.oneHot(in.get("t")))));
        t.add(t("oh_classes", in -> one(Functional.oneHot(in.get("t"), 6))));
        t.add(t("oh_0dim", in -> one(Functional.oneHot(in.get("t"), 4))));
        t.add(t("oh_empty", in -> one(Functional.oneHot(in.get("t"), 3))));
        t.add(t("unfold", in -> one(Functional.unfold(in.get("x"), ints(2, 3)))));
        t.add(t("unfold_options", in -> one(Functional.unfold(in.get("x"), ints(2, 3), ints(2, 1), ints(1, 2), ints(2, 3)))));
        t.add(t("unfold_unbatched", in -> one(Functional.unfold(in.get("x"), ints(2), ints(1), ints(1), ints(2)))));
        t.add(t("unfold_empty_batch", in -> one(Functional.unfold(in.get("x"), ints(2)))));
        t.add(t("unfold_float32", in -> one(Functional.unfold(in.get("x"), ints(3), ints(1), ints(1), ints(1)))));
        t.add(t("unfold_1x1", in -> one(Functional.unfold(in.get("x"), ints(1)))));
        t.add(t("fold", in -> one(Functional.fold(in.get("x"), ints(4, 5), ints(2, 3)))));
        t.add(t("fold_options", in -> one(Functional.fold(in.get("x"), ints(5, 6), ints(2, 3), ints(2, 1), ints(1, 2),
                ints(2, 3)))));
        t.add(t("fold_unbatched", in -> one(Functional.fold(in.get("x"), ints(4, 4), ints(2), ints(1), ints(1), ints(2)))));
        t.add(t("fold_overlap", in -> one(Functional.fold(in.get("x"), ints(4, 4), ints(3), ints(1), ints(1), ints(1)))));
        t.add(t("fold_empty_batch", in -> one(Functional.fold(in.get("x"), ints(3, 3), ints(2)))));
        t.add(t("fold_float32", in -> one(Functional.fold(in.get("x"), ints(5, 4), ints(3), ints(1), ints(1), ints(1)))));
        t.add(t("unfold_module", in -> one(new Unfold(ints(2), ints(1, 2), ints(1), ints(2)).forward(in.get("x")))));
        t.add(t("fold_module", in -> one(new Fold(ints(4, 5), ints(2), ints(1), ints(1, 0), ints(2)).forward(in.get("x")))));
        t.add(t("unflatten", in -> one(new Unflatten(1, ints(2, 3)).forward(in.get("x")))));
        t.add(t("unflatten_infer", in -> one(new Unflatten(-1, ints(2, -1)).forward(in.get("x")))));
        return t;
    }

    @TestFactory
    List<DynamicTest> bilinearAndUnpooling() {
        List<DynamicTest> t = new ArrayList<>();
        for (String k : new String[] {"bilinear", "bilinear_3d", "bilinear_1d", "bilinear_empty", "bilinear_float32"}) {
            t.add(t(k, in -> one(Functional.bilinear(in.get("a"), in.get("b"), in.get("w"), in.get("bias")))));
        }
        t.add(t("bilinear_int64", in -> one(Functional.bilinear(in.get("a"), in.get("b"), in.get("w"), null))));
        t.add(t("bilinear_nobias", in -> one(Functional.bilinear(in.get("a"), in.get("b"), in.get("w"), null))));
        t.add(t("mp_indices", in -> {
            Tensor.ValuesIndices r = new MaxPool2d(ints(2), null, ints(0), ints(1), true, false).forwardWithIndices(in.get("x"));
            return new Tensor[] {r.values(), r.indices()};
        }));
        t.add(t("mp_indices_options", in -> {
            Tensor.ValuesIndices r = new MaxPool2d(ints(3, 2), ints(2, 1), ints(1), ints(1), true, false)
                    .applyWithIndices(in.get("x"));
            return new Tensor[] {r.values(), r.indices()};
        }));
        t.add(t("unpool", in -> one(Functional.maxUnpool2d(in.get("v"), in.get("i"), ints(2), null, ints(0), null))));
        t.add(t("unpool_size", in -> one(Functional.maxUnpool2d(in.get("v"), in.get("i"), ints(2), null, ints(0),
                ints(5, 7)))));
        t.add(t("unpool_size4", in -> one(new MaxUnpool2d(2).forward(in.get("v"), in.get("i"), ints(2, 3, 5, 6)))));
        t.add(t("unpool_options", in -> one(new MaxUnpool2d(ints(3, 2), ints(2, 1), ints(1)).apply(in.get("v"), in.get("i"),
                ints(5, 4)))));
        t.add(t("unpool_unbatched", in -> one(new MaxUnpool2d(2).forward(in.get("v"), in.get("i")))));
        t.add(t("unpool_empty_batch", in -> one(new MaxUnpool2d(2).forward(in.get("v"), in.get("i")))));
        t.add(t("unpool_float32", in -> one(new MaxUnpool2d(2).forward(in.get("v"), in.get("i")))));
        t.add(t("d2_p1", in -> one(Functional.dropout2d(in.get("x"), 1.0, true))));
        t.add(t("d1_p1", in -> one(Functional.dropout1d(in.get("x"), 1.0, true))));
        t.add(t("ad_p1", in -> one(Functional.alphaDropout(in.get("x"), 1.0, true))));
        t.add(t("fad_p1", in -> one(Functional.featureAlphaDropout(in.get("x"), 1.0, true))));
        return t;
    }

    /** PyTorch's {@code _reversed_padding_repeated_twice} of the script's layers. */
    private static int[] reversed2d(String pad) {
        switch (pad) {
            case "num": return ints(2, 2, 1, 1);
            case "same": return ints(3, 3, 1, 1); // dilation (1, 2), kernel (3, 4): totals 2 and 6
            default: return ints(0, 0, 0, 0);
        }
    }

    private static int[] reversed1d(String pad) {
        switch (pad) {
            case "num": return ints(2, 2);
            case "same": return ints(1, 2); // kernel 4: total 3, the odd one on the right
            default: return ints(0, 0);
        }
    }

    @TestFactory
    List<DynamicTest> convolutionPadding() {
        List<DynamicTest> t = new ArrayList<>();
        for (String mode : new String[] {"zeros", "reflect", "replicate", "circular"}) {
            for (String pad : new String[] {"num", "same", "valid"}) {
                String key2 = "c2_" + mode + "_" + pad;
                int[] dil = pad.equals("same") ? ints(1, 2) : ints(1);
                // the functional form PyTorch's module runs, its values and gradients
                t.add(t(key2, in -> {
                    Tensor x = in.get("x");
                    if (mode.equals("zeros")) {
                        return one(pad.equals("num") ? Functional.conv2d(x, in.get("w"), in.get("b"), ints(1), ints(1, 2),
                                ints(1), 1) : Functional.conv2d(x, in.get("w"), in.get("b"), pad, dil, 1));
                    }
                    return one(Functional.conv2d(Functional.pad(x, reversed2d(pad), mode), in.get("w"), in.get("b"), ints(1),
                            ints(0), dil, 1));
                }));
                // the module with the same parameters
                t.add(DynamicTest.dynamicTest(key2 + "_module", () -> {
                    Conv2d m = pad.equals("num")
                            ? new Conv2d(2, 3, ints(3, 4), ints(1), ints(1, 2), ints(1), 1, true, mode)
                            : new Conv2d(2, 3, ints(3, 4), ints(1), pad, dil, 1, true, mode);
                    assertEquals(TORCH.value(key2 + "_module"), m.toString());
                    assertEquals(mode, m.paddingMode());
                    checkModule(key2, m, m.weight, m.bias, m::forward);
                }));
                String key1 = "c1_" + mode + "_" + pad;
                t.add(t(key1, in -> {
                    Tensor x = in.get("x");
                    if (mode.equals("zeros")) {
                        return one(pad.equals("num") ? Functional.conv1d(x, in.get("w"), in.get("b"), ints(1), ints(2), ints(1),
                                1) : Functional.conv1d(x, in.get("w"), in.get("b"), ints(1), pad, ints(1), 1));
                    }
                    return one(Functional.conv1d(Functional.pad(x, reversed1d(pad), mode), in.get("w"), in.get("b"), ints(1),
                            ints(0), ints(1), 1));
                }));
                t.add(DynamicTest.dynamicTest(key1 + "_module", () -> {
                    Conv1d m = pad.equals("num")
                            ? new Conv1d(2, 3, ints(4), ints(1), ints(2), ints(1), 1, true, mode)
                            : new Conv1d(2, 3, ints(4), ints(1), pad, ints(1), 1, true, mode);
                    assertEquals(TORCH.value(key1 + "_module"), m.toString());
                    checkModule(key1, m, m.weight, m.bias, m::forward);
                }));
            }
        }
        t.add(t("c2_valid_strided", in -> one(Functional.conv2d(in.get("x"), in.get("w"), in.get("b"), ints(2, 1), "valid",
                ints(1), 1))));
        t.add(DynamicTest.dynamicTest("c2_valid_strided_module", () -> {
            Conv2d m = new Conv2d(2, 3, ints(3), ints(2, 1), "valid", ints(1), 1, true, "zeros");
            assertEquals(TORCH.value("c2_valid_strided_module"), m.toString());
            checkModule("c2_valid_strided", m, m.weight, m.bias, m::forward);
        }));
        t.add(t("f_c2_same_stride1", in -> one(Functional.conv2d(in.get("x"), in.get("w"), null, ints(1, 1), "same", ints(1),
                1))));
        t.add(t("c2_reflect_float32", in -> one(Functional.conv2d(Functional.pad(in.get("x"), ints(2, 2, 1, 1), "reflect"),
                in.get("w"), null))));
        return t;
    }

    /** A module given a case's parameters: its output, node and parameter gradients are the case's. */
    private static void checkModule(String key, Module m, Tensor weight, Tensor bias, Function<Tensor, Tensor> forward) {
        m.to(tensor(key, "x").dtype());
        try (GradMode off = Ember.noGrad()) {
            weight.copy_(tensor(key, "w"));
            bias.copy_(tensor(key, "b"));
        }
        Tensor x = tensor(key, "x").requiresGrad_(true);
        Tensor y = forward.apply(x);
        assertClose(key + " module out", tensor(key, "out"), y);
        assertEquals(TORCH.field(key, "node"), y.gradFn().name(), key + " module node");
        y.backward(tensor(key, "gout"));
        assertClose(key + " module grad_x", tensor(key, "grad_x"), x.grad());
        assertClose(key + " module grad_w", tensor(key, "grad_w"), weight.grad());
        assertClose(key + " module grad_b", tensor(key, "grad_b"), bias.grad());
    }

    // ------------------------------------------------------------------ errors

    @TestFactory
    List<DynamicTest> errors() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor idx = Tensor.tensor(new long[] {0, 3, 1}, DType.INT64, Device.CPU);
        t.add(fails("oh_err_int", () -> Functional.oneHot(idx.to(DType.INT32))));
        t.add(fails("oh_err_float", () -> Functional.oneHot(idx.to(DType.FLOAT32))));
        t.add(fails("oh_err_neg", () -> Functional.oneHot(Tensor.tensor(new long[] {-1, 2}, DType.INT64, Device.CPU))));
        t.add(fails("oh_err_big", () -> Functional.oneHot(idx, 3), idx));
        t.add(fails("oh_err_zero_classes", () -> Functional.oneHot(idx, 0), idx));
        t.add(fails("oh_err_empty_infer", () -> Functional.oneHot(Tensor.zeros(DType.INT64, 0))));
        t.add(fails("oh_err_empty_zero", () -> Functional.oneHot(Tensor.zeros(DType.INT64, 0), 0)));

        Tensor x4 = randn(2, 3, 5, 6);
        t.add(fails("unf_err_kernel0", () -> Functional.unfold(x4, ints(0, 2)), x4));
        t.add(fails("unf_err_dil0", () -> Functional.unfold(x4, ints(2), ints(0, 1), ints(0), ints(1)), x4));
        t.add(fails("unf_err_pad_neg", () -> Functional.unfold(x4, ints(2), ints(1), ints(-1, 0), ints(1)), x4));
        t.add(fails("unf_err_stride0", () -> Functional.unfold(x4, ints(2), ints(1), ints(0), ints(1, 0)), x4));
        t.add(fails("unf_err_order", () -> Functional.unfold(x4, ints(2), ints(0), ints(-1), ints(0)), x4));
        t.add(fails("unf_err_order2", () -> Functional.unfold(x4, ints(2), ints(1), ints(-1), ints(0)), x4));
        t.add(fails("unf_err_2d", () -> Functional.unfold(randn(3, 5), ints(2))));
        t.add(fails("unf_err_5d", () -> Functional.unfold(randn(1, 2, 3, 5, 5), ints(2))));
        t.add(fails("unf_err_zero_channels", () -> Functional.unfold(randn(2, 0, 5, 6), ints(2))));
        t.add(fails("unf_err_zero_unbatched", () -> Functional.unfold(randn(0, 5, 6), ints(2))));
        t.add(fails("unf_err_big_kernel", () -> Functional.unfold(x4, ints(7, 2)), x4));
        t.add(fails("unf_err_big_kernel_strided", () -> Functional.unfold(x4, ints(7, 2), ints(1), ints(0), ints(2)), x4));
        t.add(fails("unf_err_long", () -> Functional.unfold(x4.to(DType.INT64), ints(2))));
        t.add(fails("unf_err_len", () -> Functional.unfold(x4, ints(2, 2, 2)), x4));
        Tensor c3 = randn(2, 12, 20);
        t.add(fails("fold_err_kernel0", () -> Functional.fold(c3, ints(5, 6), ints(0, 2)), c3));
        t.add(fails("fold_err_dil0", () -> Functional.fold(c3, ints(5, 6), ints(2), ints(1, 0), ints(0), ints(1)), c3));
        t.add(fails("fold_err_pad_neg", () -> Functional.fold(c3, ints(5, 6), ints(2), ints(1), ints(0, -1), ints(1)), c3));
        t.add(fails("fold_err_stride0", () -> Functional.fold(c3, ints(5, 6), ints(2), ints(1), ints(0), ints(0, 1)), c3));
        t.add(fails("fold_err_order", () -> Functional.fold(c3, ints(5, 6), ints(2), ints(0), ints(-1), ints(0)), c3));
        t.add(fails("fold_err_order2", () -> Functional.fold(c3, ints(5, 6), ints(2), ints(0), ints(-1), ints(1)), c3));
        t.add(fails("fold_err_divisible", () -> Functional.fold(c3, ints(5, 6), ints(2, 5)), c3));
        t.add(fails("fold_err_blocks", () -> Functional.fold(c3, ints(5, 6), ints(2, 3)), c3));
        t.add(fails("fold_err_1d", () -> Functional.fold(randn(12), ints(5, 6), ints(2))));
        t.add(fails("fold_err_4d", () -> Functional.fold(randn(1, 2, 12, 20), ints(5, 6), ints(2))));
        t.add(fails("fold_err_small_output", () -> Functional.fold(c3, ints(1, 6), ints(2)), c3));
        t.add(fails("fold_err_zero_channels", () -> Functional.fold(randn(2, 0, 20), ints(5, 6), ints(2))));
        t.add(fails("fold_err_long", () -> Functional.fold(c3.to(DType.INT64), ints(5, 6), ints(2))));
        t.add(fails("fold_err_len", () -> Functional.fold(c3, ints(5, 6, 1), ints(2)), c3));
        t.add(fails("fold_err_negative_blocks", () -> Functional.fold(randn(1, 9, 1), ints(1, 1), ints(3))));
        t.add(fails("fold_err_output_zero", () -> Functional.fold(randn(1, 4, 6), ints(0, 5), ints(2), ints(1), ints(1),
                ints(1))));
        t.add(fails("fold_err_invalid_blocks", () -> Functional.fold(randn(1, 4, 0), ints(1, 1), ints(2))));

        Tensor w = randn(2, 3, 4);
        t.add(fails("bil_err_dims", () -> Functional.bilinear(randn(5, 3), randn(5, 4, 1), w, null), w));
        t.add(fails("bil_err_batch", () -> Functional.bilinear(randn(5, 3), randn(6, 4), w, null), w));
        t.add(fails("bil_err_in1", () -> Functional.bilinear(randn(5, 2), randn(5, 4), w, null), w));
        t.add(fails("bil_err_in2", () -> Functional.bilinear(randn(5, 3), randn(5, 5), w, null), w));
        t.add(fails("bil_err_bias", () -> Functional.bilinear(randn(5, 3), randn(5, 4), w, randn(3)), w));
        t.add(fails("bil_err_type1", () -> Functional.bilinear(randn(5, 3).to(DType.FLOAT64), randn(5, 4), w, null), w));
        t.add(fails("bil_err_typew", () -> Functional.bilinear(randn(5, 3), randn(5, 4), w.to(DType.FLOAT64), null), w));
        t.add(fails("bil_err_type_bias", () -> Functional.bilinear(randn(5, 3), randn(5, 4), w, randn(2).to(DType.FLOAT64)), w));
        t.add(fails("bil_err_w2d", () -> Functional.bilinear(randn(5, 3), randn(5, 4), randn(2, 3), null)));
        t.add(fails("bil_err_0dim", () -> Functional.bilinear(Tensor.scalar(1.0).to(DType.FLOAT32), Tensor.scalar(2.0).to(DType.FLOAT32), w, null), w));

        Tensor xu = randn(2, 3, 4, 6);
        Tensor.ValuesIndices vi = Tensor.maxPool2dWithIndices(xu, ints(2), ints(2), ints(0), ints(1), false);
        Tensor vu = vi.values();
        Tensor iu = vi.indices();
        t.add(fails("unp_err_int", () -> Functional.maxUnpool2d(vu, iu.to(DType.INT32), ints(2), null, ints(0), null), vu));
        t.add(fails("unp_err_size_len", () -> Functional.maxUnpool2d(vu, iu, ints(2), null, ints(0), ints(5, 5, 5)), vu, iu));
        t.add(fails("unp_err_size_range", () -> Functional.maxUnpool2d(vu, iu, ints(2), null, ints(0), ints(7, 6)), vu, iu));
        t.add(fails("unp_err_size_range1", () -> Functional.maxUnpool2d(vu, iu, ints(2), null, ints(0), ints(4, 10)), vu, iu));
        t.add(fails("unp_err_1d", () -> Functional.maxUnpool2d(vu.reshape(-1), iu.reshape(-1), ints(2), null, ints(0), null)));
        t.add(fails("unp_err_5d", () -> Functional.maxUnpool2d(vu.reshape(1, 2, 3, 2, 3), iu.reshape(1, 2, 3, 2, 3), ints(2),
                null, ints(0), null)));
        t.add(fails("unp_err_shape", () -> Functional.maxUnpool2d(vu, iu.narrow(2, 0, 1), ints(2), null, ints(0), null), vu));
        Tensor vs = vu.narrow(0, 0, 1).narrow(1, 0, 1).narrow(2, 0, 1).narrow(3, 0, 2);
        Tensor bad = iu.narrow(0, 0, 1).narrow(1, 0, 1).narrow(2, 0, 1).narrow(3, 0, 2).clone();
        bad.get(0, 0, 0).narrow(0, 1, 1).fill_(30);
        t.add(fails("unp_err_index_big", () -> Functional.maxUnpool2d(vs, bad, ints(2), null, ints(0), null), vs, bad));
        t.add(fails("unp_err_index_neg", () -> Functional.maxUnpool2d(vs, bad.sub(40L), ints(2), null, ints(0), null), vs));
        t.add(fails("unp_err_empty_channels", () -> Functional.maxUnpool2d(randn(1, 0, 2, 2), Tensor.zeros(DType.INT64, 1, 0,
                2, 2), ints(2), null, ints(0), null)));
        t.add(fails("unp_err_long", () -> Functional.maxUnpool2d(vu.to(DType.INT64), iu, ints(2), null, ints(0), null)));
        t.add(fails("unp_err_kernel_len", () -> Functional.maxUnpool2d(vu, iu, ints(2, 2, 2), null, ints(0), null), vu));

        Tensor x2 = randn(2, 3);
        t.add(fails("d1_err_1d", () -> Functional.dropout1d(randn(4), 0.5, true)));
        t.add(fails("d1_err_4d", () -> Functional.dropout1d(randn(2, 3, 4, 5), 0.5, true)));
        t.add(fails("d1_err_p", () -> Functional.dropout1d(x2, 1.5, true), x2));
        t.add(fails("d2_err_p", () -> Functional.dropout2d(x4, -0.5, true), x4));
        t.add(fails("d2_err_1d", () -> Functional.dropout2d(randn(3), 0.5, true)));
        t.add(fails("d3_err_p", () -> Functional.dropout3d(x4, 2.0, true), x4));
        t.add(fails("d_err_module_p", () -> new Dropout2d(-0.1)));
        t.add(fails("ad_err_p", () -> Functional.alphaDropout(randn(3), 1.5, true)));
        t.add(fails("fad_err_1d", () -> Functional.featureAlphaDropout(randn(3), 0.5, true)));
        t.add(fails("d2_err_long", () -> Functional.dropout2d(Tensor.ones(DType.INT64, 2, 3, 4, 5), 0.5, true)));
        t.add(fails("unflatten_err", () -> new Unflatten(1, ints(2, 3)).forward(randn(4, 5))));
        Tensor fx = randn(1, 2, 5, 5);
        Tensor fw = randn(3, 2, 3, 3);
        t.add(fails("f_c2_err_same_stride", () -> Functional.conv2d(fx, fw, null, ints(2), "same", ints(1), 1), fx, fw));
        t.add(fails("f_c2_err_same_stride_len", () -> Functional.conv2d(fx, fw, null, ints(1, 1, 1), "same", ints(1), 1), fx,
                fw));
        t.add(fails("c2_err_same_stride", () -> new Conv2d(2, 3, ints(3), ints(2), "same", ints(1), 1, true, "zeros")));
        t.add(fails("c2_err_pad_string", () -> new Conv2d(2, 3, ints(3), ints(1), "foo", ints(1), 1, true, "zeros")));
        t.add(fails("c2_err_mode", () -> new Conv2d(2, 3, ints(3), ints(1), ints(0), ints(1), 1, true, "foo")));
        t.add(fails("c1_err_same_stride", () -> new Conv1d(2, 3, ints(3), ints(2), "same", ints(1), 1, true, "zeros")));
        t.add(fails("c1_err_mode", () -> new Conv1d(2, 3, ints(3), ints(1), ints(0), ints(1), 1, true, "zero")));
        Tensor small = randn(1, 2, 1, 5);
        Conv2d reflect = new Conv2d(2, 3, ints(3), ints(1), ints(1), ints(1), 1, true, "reflect");
        t.add(fails("c2_err_reflect_small", () -> reflect.forward(small), small, reflect.weight));
        return t;
    }

    // ------------------------------------------------------------------ printouts, keys, nodes

    @Test
    void printoutsAndKeys() {
        assertEquals(TORCH.value("bil_repr"), new Bilinear(3, 4, 2).toString());
        assertEquals(TORCH.value("bil_repr_nobias"), new Bilinear(2, 3, 4, false).toString());
        Bilinear b = new Bilinear(3, 4, 2);
        assertEquals(TORCH.value("bil_keys"), String.join(" ", b.stateDict().keySet()));
        List<String> shapes = new ArrayList<>();
        for (Tensor v : b.stateDict().values()) {
            shapes.add(Arrays.toString(v.shape()));
        }
        assertEquals(TORCH.value("bil_shapes"), String.join(" ", shapes));
        assertEquals(TORCH.value("mp_repr"), new MaxPool2d(ints(2), null, ints(0), ints(1), true, false).toString());
        assertEquals(TORCH.value("unp_repr"), new MaxUnpool2d(ints(2, 3), ints(1), ints(1, 0)).toString());
        assertEquals(TORCH.value("unp_repr_default"), new MaxUnpool2d(2).toString());
        assertEquals(TORCH.value("d_repr"), String.join(" | ", new Dropout1d().toString(), new Dropout2d(0.3).toString(),
                new Dropout3d(0.25).toString(), new AlphaDropout(0.2).toString(), new FeatureAlphaDropout(0.1).toString()));
        assertEquals(TORCH.value("unflatten_repr"), new Unflatten(1, ints(2, 3)) + " | " + new Unflatten(0, ints(4)));
        assertEquals(TORCH.value("unfold_repr"), new Unfold(ints(2), ints(1, 2), ints(1), ints(2)) + " | "
                + new Unfold(ints(2, 3)));
        assertEquals(TORCH.value("fold_repr"), new Fold(ints(4), ints(2, 3)) + " | "
                + new Fold(ints(4, 5), ints(2), ints(1), ints(1, 0), ints(2)));
        assertEquals(TORCH.value("c2_keys"), String.join(" ", new Conv2d(2, 3, ints(3), ints(1), "same", ints(1), 1, true,
                "reflect").stateDict().keySet()));
    }

    @Test
    void dropoutNodes() {
        Tensor x = randn(2, 3, 4, 5).requiresGrad_(true);
        assertEquals(TORCH.value("node_d2"), Functional.dropout2d(x, 0.5, true).gradFn().name());
        assertEquals(TORCH.value("node_d1_unbatched"), Functional.dropout1d(randn(3, 4).requiresGrad_(true), 0.5, true)
                .gradFn().name());
        assertEquals(TORCH.value("node_ad"), Functional.alphaDropout(x, 0.5, true).gradFn().name());
        assertEquals(TORCH.value("node_fad"), Functional.featureAlphaDropout(x, 0.5, true).gradFn().name());
    }

    /** What {@code body} logs through the engine's loggers (PyTorch's UserWarnings), joined as the script joins them. */
    private static String logged(Runnable body) {
        List<String> out = new ArrayList<>();
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("dev.ember");
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                out.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(h);
        try {
            body.run();
        } finally {
            jul.removeHandler(h);
        }
        return out.isEmpty() ? "(none)" : String.join(" || ", out);
    }

    @Test
    void dropoutWarnings() {
        assertEquals(TORCH.value("warn_d2_2d"), logged(() -> Functional.dropout2d(randn(3, 4), 0.5, false)));
        assertEquals(TORCH.value("warn_d2_3d"), logged(() -> Functional.dropout2d(randn(2, 3, 4), 0.5, false)));
        assertEquals(TORCH.value("warn_d2_4d"), logged(() -> Functional.dropout2d(randn(2, 3, 4, 5), 0.5, false)));
        assertEquals(TORCH.value("warn_d3_3d"), logged(() -> Functional.dropout3d(randn(2, 3, 4), 0.5, false)));
        assertEquals(TORCH.value("warn_d3_5d"), logged(() -> Functional.dropout3d(randn(1, 2, 3, 4, 5), 0.5, false)));
    }

    // ------------------------------------------------------------------ properties

    /** Every channel (first two dimensions) is either all zero or exactly the input scaled by 1/(1-p). */
    private static void checkChannelwise(Tensor x, Tensor y, int channelDims, double p) {
        double[] xs = x.contiguous().toDoubleArray();
        double[] ys = y.contiguous().toDoubleArray();
        int channels = 1;
        for (int i = 0; i < channelDims; i++) {
            channels *= x.size(i);
        }
        int per = xs.length / channels;
        int dropped = 0;
        for (int c = 0; c < channels; c++) {
            boolean zero = ys[c * per] == 0;
            dropped += zero ? 1 : 0;
            for (int j = 0; j < per; j++) {
                double want = zero ? 0 : xs[c * per + j] / (1 - p);
                assertEquals(want, ys[c * per + j], 1e-6 * Math.abs(want), "channel " + c + " element " + j);
            }
        }
        assertTrue(dropped > 0 && dropped < channels, "some channels dropped and some kept: " + dropped + "/" + channels);
    }

    @Test
    void channelDropoutProperties() {
        Tensor x4 = Tensor.rand(16, 16, 3, 3).add(1.0); // nonzero elements
        checkChannelwise(x4, Functional.dropout2d(x4, 0.4, true), 2, 0.4);
        checkChannelwise(x4, new Dropout2d(0.4).forward(x4), 2, 0.4);
        Tensor x3 = Tensor.rand(16, 16, 5).add(1.0);
        checkChannelwise(x3, Functional.dropout1d(x3, 0.3, true), 2, 0.3);
        checkChannelwise(x3, Functional.dropout2d(x3, 0.3, true), 2, 0.3); // PyTorch's 3-D dropout2d: [N, C, L]
        Tensor x2 = Tensor.rand(64, 5).add(1.0);
        checkChannelwise(x2, Functional.dropout1d(x2, 0.5, true), 1, 0.5); // unbatched: channels are dimension 0
        Tensor x5 = Tensor.rand(8, 16, 2, 2, 2).add(1.0);
        checkChannelwise(x5, Functional.dropout3d(x5, 0.5, true), 2, 0.5);
        Tensor x4u = Tensor.rand(64, 2, 2, 2).add(1.0);
        checkChannelwise(x4u, Functional.dropout3d(x4u, 0.5, true), 1, 0.5);
        // outside training, p 0 and empty inputs: the input itself, as PyTorch
        assertSame(x4, Functional.dropout2d(x4, 0.4, false));
        assertSame(x4, Functional.dropout2d(x4, 0.0, true));
        Dropout2d m = new Dropout2d(0.4);
        m.eval();
        assertSame(x4, m.forward(x4));
        assertSame(x5, new Dropout3d().eval().forward(x5));
        assertSame(x4, Functional.alphaDropout(x4, 0.5, false));
        assertSame(x4, Functional.featureAlphaDropout(x4, 0.5, false));
        Tensor unbatched = Functional.dropout1d(x2, 0.5, false);
        assertNotSame(x2, unbatched); // unsqueeze then squeeze, a view with the same values
        assertArrayEquals(x2.toDoubleArray(), unbatched.toDoubleArray());
        // the gradient flows through the kept channels with the same scale
        Tensor leaf = Tensor.rand(8, 16, 3, 3).add(1.0).requiresGrad_(true);
        Tensor y = Functional.dropout2d(leaf, 0.25, true);
        y.sum().backward();
        double[] g = leaf.grad().toDoubleArray();
        double[] ys = y.detach().toDoubleArray();
        for (int i = 0; i < g.length; i++) {
            assertEquals(ys[i] == 0 ? 0 : 1 / 0.75, g[i], 1e-6);
        }
    }

    @Test
    void alphaDropoutProperties() {
        double alpha = 1.7580993408473766;
        for (boolean feature : new boolean[] {false, true}) {
            double p = 0.3;
            double a = 1 / Math.sqrt((alpha * alpha * p + 1) * (1 - p));
            Tensor x = Tensor.rand(DType.FLOAT64, 16, 16, 2, 2).add(1.0);
            Tensor y = feature ? Functional.featureAlphaDropout(x, p, true) : Functional.alphaDropout(x, p, true);
            double[] xs = x.toDoubleArray();
            double[] ys = y.toDoubleArray();
            double droppedValue = -alpha * a + alpha * a * p;
            int dropped = 0;
            for (int i = 0; i < xs.length; i++) {
                boolean isDropped = Math.abs(ys[i] - droppedValue) < 1e-12;
                if (!isDropped) {
                    assertEquals(xs[i] * a + alpha * a * p, ys[i], 1e-12, "kept element " + i);
                }
                dropped += isDropped ? 1 : 0;
                if (feature) {
                    int first = i - i % 4; // the channel's first element: dropped together
                    assertEquals(Math.abs(ys[first] - droppedValue) < 1e-12, isDropped, "element " + i);
                }
            }
            assertTrue(dropped > 0 && dropped < xs.length);
        }
    }

    // ------------------------------------------------------------------ modules, gradcheck

    @Test
    void bilinearModule() {
        Bilinear b = new Bilinear(16, 3, 200);
        double bound = 1 / Math.sqrt(16);
        for (double v : b.weight.toDoubleArray()) {
            assertTrue(v >= -bound && v <= bound);
        }
        for (double v : b.bias.toDoubleArray()) {
            assertTrue(v >= -bound && v <= bound);
        }
        assertTrue(b.weight.max().item() > bound * 0.9 && b.weight.min().item() < -bound * 0.9, "spread over the bound");
        Tensor x1 = randn(4, 16);
        Tensor x2 = randn(4, 3);
        assertClose("module", Functional.bilinear(x1, x2, b.weight, b.bias), b.apply(x1, x2));
        assertThrows(IllegalArgumentException.class, () -> b.forward(x1));
    }

    @Test
    void maxPoolRoundTrip() {
        Tensor x = Tensor.rand(2, 3, 4, 6).add(1.0); // positive, so that the zeros unpooling writes never win
        MaxPool2d pool = new MaxPool2d(ints(2), null, ints(0), ints(1), true, false);
        assertTrue(pool.returnIndices());
        Tensor.ValuesIndices r = pool.forwardWithIndices(x);
        assertClose("values", pool.forward(x), r.values());
        Tensor back = new MaxUnpool2d(2).forward(r.values(), r.indices());
        // each maximum back in its place: pooling the unpooled tensor again gives the same values and indices
        Tensor.ValuesIndices again = pool.forwardWithIndices(back);
        assertClose("values again", r.values(), again.values());
        assertClose("indices again", r.indices(), again.indices());
        assertThrows(IllegalArgumentException.class, () -> new MaxUnpool2d(2).forward(x));
    }

    private static final List<String> LINEAR = List.of("unfold", "fold", "max_unpool2d");
    private static final Map<String, String> BACKWARD_NODE = Map.of("unfold", "Col2ImBackward0", "fold", "Im2ColBackward0",
            "max_unpool2d", "ViewBackward0");

    @TestFactory
    List<DynamicTest> gradchecks() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor x = Tensor.rand(DType.FLOAT64, 2, 2, 4, 5);
        Tensor cols = Tensor.rand(DType.FLOAT64, 2, 8, 9);
        Tensor a = Tensor.rand(DType.FLOAT64, 3, 2);
        Tensor b = Tensor.rand(DType.FLOAT64, 3, 4);
        Tensor w = Tensor.rand(DType.FLOAT64, 2, 2, 4);
        Tensor bias = Tensor.rand(DType.FLOAT64, 2);
        Tensor.ValuesIndices vi = Tensor.maxPool2dWithIndices(Tensor.rand(DType.FLOAT64, 1, 2, 4, 4), ints(2), ints(2), ints(0), ints(1), false);
        Tensor vals = vi.values();
        Tensor idx = vi.indices();
        Tensor cx = Tensor.rand(DType.FLOAT64, 1, 2, 4, 5);
        Tensor cw = Tensor.rand(DType.FLOAT64, 2, 2, 3, 3);
        Map<String, Object[]> cases = new LinkedHashMap<>();
        cases.put("unfold", new Object[] {(Function<Tensor[], Tensor>) in -> Functional.unfold(in[0], ints(2, 3), ints(1, 2),
                ints(1), ints(2, 1)), new Tensor[] {x}});
        cases.put("fold", new Object[] {(Function<Tensor[], Tensor>) in -> Functional.fold(in[0], ints(4, 5), ints(2),
                ints(1), ints(1), ints(2)), new Tensor[] {cols}});
        cases.put("bilinear", new Object[] {(Function<Tensor[], Tensor>) in -> Functional.bilinear(in[0], in[1], in[2], in[3]),
            new Tensor[] {a, b, w, bias}});
        cases.put("max_unpool2d", new Object[] {(Function<Tensor[], Tensor>) in -> Functional.maxUnpool2d(in[0], idx, ints(2),
                null, ints(0), ints(5, 4)), new Tensor[] {vals}});
        for (String mode : new String[] {"reflect", "replicate", "circular"}) {
            cases.put("conv2d_" + mode, new Object[] {(Function<Tensor[], Tensor>) in -> Functional.conv2d(
                    Functional.pad(in[0], ints(1, 1, 1, 1), mode), in[1], null), new Tensor[] {cx, cw}});
        }
        for (Map.Entry<String, Object[]> e : cases.entrySet()) {
            @SuppressWarnings("unchecked")
            Function<Tensor[], Tensor> f = (Function<Tensor[], Tensor>) e.getValue()[0];
            Tensor[] inputs = (Tensor[]) e.getValue()[1];
            boolean linear = LINEAR.contains(e.getKey());
            t.add(DynamicTest.dynamicTest(e.getKey(), () -> {
                for (Tensor in : inputs) {
                    in.requiresGrad_(true);
                }
                assertTrue(Autograd.gradcheck(f, inputs));
            }));
            t.add(DynamicTest.dynamicTest(e.getKey() + " (second order)", () -> {
                for (Tensor in : inputs) {
                    in.requiresGrad_(true);
                }
                if (!linear) {
                    assertTrue(Autograd.gradgradcheck(f, inputs));
                    return;
                }
                // a linear op's gradient depends on the output gradient only (which Autograd.gradgradcheck does not
                // vary): check the recorded backward as a function of the output gradient
                Tensor out = f.apply(inputs);
                Tensor v = Tensor.rand(DType.FLOAT64, out.shape()).requiresGrad_(true);
                Function<Tensor[], Tensor> backward = vs -> Autograd.grad(List.of(f.apply(inputs)), List.of(inputs[0]),
                        List.of(vs[0]), true).get(0);
                assertTrue(Autograd.gradcheck(backward, v));
                assertEquals(BACKWARD_NODE.get(e.getKey()), backward.apply(new Tensor[] {v}).gradFn().name());
            }));
        }
        return t;
    }
}
