package dev.ember;

import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Dropout;
import dev.ember.nn.Functional;
import dev.ember.nn.Init;
import dev.ember.nn.Linear;
import dev.ember.nn.MaxPool2d;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.optim.Adam;
import dev.ember.optim.SGD;
import dev.ember.optim.StepLR;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad arguments to nn, linear algebra, losses, layers, initialization, modules and optimizers get PyTorch's exception
 * and message (nnerrors/make_expected.py records them from PyTorch, with 2.x's wording where it differs), thrown before
 * anything is computed or changed; and conv2d and pooling give PyTorch's output size or error over a grid of
 * geometries (nnerrors/make_shapes.py).
 */
class NNErrorsTest {

    private static Map<String, String[]> load(String resource) throws IOException {
        Map<String, String[]> out = new LinkedHashMap<>();
        try (InputStream in = NNErrorsTest.class.getResourceAsStream(resource)) {
            assertNotNull(in, resource);
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    String[] f = line.split("\t", 3);
                    out.put(f[0], new String[] {f[1], unquote(f[2])});
                }
            }
        }
        return out;
    }

    /** A JSON string's text. */
    private static String unquote(String json) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i < json.length() - 1; i++) {
            char c = json.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = json.charAt(++i);
            switch (e) {
                case 'n': b.append('\n'); break;
                case 't': b.append('\t'); break;
                case 'u': b.append((char) Integer.parseInt(json.substring(i + 1, i + 5), 16)); i += 4; break;
                default: b.append(e);
            }
        }
        return b.toString();
    }

    /** The exception Ember throws for PyTorch's: IndexError is an index error, the rest are bad arguments. */
    private static Class<? extends Throwable> javaType(String pythonType) {
        return pythonType.equals("IndexError") ? IndexOutOfBoundsException.class : IllegalArgumentException.class;
    }

    /** Asserts the failure, and that the given tensors kept their values and versions. */
    static void fails(Class<? extends Throwable> type, String message, Executable call, Tensor... untouched) {
        double[][] before = new double[untouched.length][];
        int[] versions = new int[untouched.length];
        for (int i = 0; i < untouched.length; i++) {
            before[i] = untouched[i].toDoubleArray();
            versions[i] = untouched[i].version();
        }
        Throwable e = assertThrows(type, call);
        assertEquals(message, e.getMessage());
        for (int i = 0; i < untouched.length; i++) {
            assertArrayEquals(before[i], untouched[i].toDoubleArray());
            assertEquals(versions[i], untouched[i].version());
        }
    }

    private static Tensor o(int... shape) {
        return Tensor.ones(shape);
    }

    private static Tensor od(int... shape) {
        return Tensor.ones(DType.FLOAT64, shape);
    }

    private static int[] i(int... v) {
        return v;
    }

    /** A module that exposes registration, as a subclass would use it. */
    private static final class Open extends Module {
        @Override
        public Tensor forward(Tensor input) {
            return input;
        }

        Tensor param(String name, Tensor t) {
            return registerParameter(name, t);
        }

        Tensor buffer(String name, Tensor t) {
            return registerBuffer(name, t);
        }

        Module module(String name, Module m) {
            return registerModule(name, m);
        }
    }

    /** The same calls as make_expected.py, by case name. */
    private static Map<String, Executable> calls() {
        Map<String, Executable> c = new LinkedHashMap<>();
        // linear algebra
        c.put("mm_0d", () -> Tensor.scalar(1).mm(o(2, 3)));
        c.put("mm_mat2_1d", () -> o(2, 3).mm(o(3)));
        c.put("mm_shape", () -> o(2, 3).mm(o(4, 2)));
        c.put("mm_shape_before_dtype", () -> o(2, 3).mm(od(4, 2)));
        c.put("mm_dtype", () -> o(2, 3).mm(od(3, 2)));
        c.put("mm_bool", () -> o(2, 3).to(DType.BOOL).mm(o(3, 2).to(DType.BOOL)));
        c.put("bmm_2d", () -> o(2, 3).bmm(o(1, 3, 2)));
        c.put("bmm_mat2_2d", () -> o(1, 2, 3).bmm(o(3, 2)));
        c.put("bmm_batch", () -> o(2, 2, 3).bmm(o(3, 3, 2)));
        c.put("bmm_inner", () -> o(2, 2, 3).bmm(o(2, 4, 2)));
        c.put("bmm_dtype", () -> o(1, 2, 3).bmm(od(1, 3, 2)));
        c.put("bmm_bool", () -> o(1, 2, 2).to(DType.BOOL).bmm(o(1, 2, 2).to(DType.BOOL)));
        c.put("dot_2d", () -> o(2, 3).dot(o(3)));
        c.put("dot_0d", () -> Tensor.scalar(1).dot(o(3)));
        c.put("dot_dtype_before_size", () -> o(3).dot(od(4)));
        c.put("dot_size", () -> o(3).dot(o(4)));
        c.put("dot_bool", () -> o(3).to(DType.BOOL).dot(o(3).to(DType.BOOL)));
        c.put("matmul_0d_1d", () -> Tensor.scalar(1).matmul(o(3)));
        c.put("matmul_1d_0d", () -> o(3).matmul(Tensor.scalar(1)));
        c.put("matmul_0d_0d", () -> Tensor.scalar(1).matmul(Tensor.scalar(1)));
        c.put("matmul_1d1d", () -> o(3).matmul(o(4)));
        c.put("matmul_2d1d", () -> o(2, 3).matmul(o(4)));
        c.put("matmul_1d2d", () -> o(3).matmul(o(4, 2)));
        c.put("matmul_3d1d", () -> o(5, 2, 3).matmul(o(4)));
        c.put("matmul_1d3d", () -> o(3).matmul(o(5, 4, 2)));
        c.put("matmul_3d2d", () -> o(5, 2, 3).matmul(o(4, 2)));
        c.put("matmul_2d3d", () -> o(2, 3).matmul(o(5, 4, 2)));
        c.put("matmul_3d3d", () -> o(5, 2, 3).matmul(o(5, 4, 2)));
        c.put("matmul_broadcast_first", () -> o(2, 5, 2, 3).matmul(o(4, 4, 2)));
        c.put("matmul_2d2d_dtype", () -> o(2, 3).matmul(od(3, 2)));
        c.put("matmul_2d1d_dtype", () -> o(2, 3).matmul(od(3)));
        c.put("matmul_1d1d_dtype", () -> o(3).matmul(od(3)));
        c.put("matmul_3d3d_dtype", () -> o(5, 2, 3).matmul(od(5, 3, 2)));
        c.put("matmul_3d2d_dtype", () -> o(5, 2, 3).matmul(od(3, 2)));
        c.put("matmul_bool", () -> o(2, 3).to(DType.BOOL).matmul(o(3, 2).to(DType.BOOL)));
        c.put("linear_0d", () -> Functional.linear(Tensor.scalar(1), o(2, 3), null));
        c.put("linear_w0d", () -> Functional.linear(o(2, 3), Tensor.scalar(1), null));
        c.put("linear_w3d", () -> Functional.linear(o(2, 3), o(1, 2, 3), null));
        c.put("linear_mismatch", () -> Functional.linear(o(2, 3), o(4, 2), null));
        c.put("linear_mismatch_1d", () -> Functional.linear(o(3), o(4, 2), null));
        c.put("linear_mismatch_3d", () -> Functional.linear(o(5, 2, 3), o(4, 2), null));
        c.put("linear_bias", () -> Functional.linear(o(2, 3), o(4, 3), o(5)));
        c.put("linear_bias_3d", () -> Functional.linear(o(5, 2, 3), o(4, 3), o(5)));
        c.put("linear_bias_rows", () -> Functional.linear(o(2, 3), o(4, 3), o(3, 4)));
        c.put("linear_dtype", () -> Functional.linear(o(2, 3), od(4, 3), null));
        c.put("linear_bias_dtype", () -> Functional.linear(o(2, 3), o(4, 3), od(4)));
        c.put("linear_input_dtype", () -> Functional.linear(od(2, 3), o(4, 3), o(4)));
        // convolution
        Tensor x = o(2, 3, 5, 5);
        Tensor w = o(4, 3, 3, 3);
        Tensor b = o(4);
        c.put("conv_input_2d", () -> Functional.conv2d(o(5, 5), w, null));
        c.put("conv_input_5d", () -> Functional.conv2d(o(1, 1, 3, 5, 5), w, null));
        c.put("conv_input_0d", () -> Functional.conv2d(Tensor.scalar(1), w, null));
        c.put("conv_weight_2d", () -> Functional.conv2d(x, o(4, 3), null));
        c.put("conv_weight_3d", () -> Functional.conv2d(x, o(4, 3, 3), null));
        c.put("conv_weight_5d", () -> Functional.conv2d(x, o(4, 3, 3, 3, 1), null));
        c.put("conv_stride_0", () -> Functional.conv2d(x, w, b, i(0), i(0), i(1), 1));
        c.put("conv_stride_neg", () -> Functional.conv2d(x, w, b, i(1, -1), i(0), i(1), 1));
        c.put("conv_padding_neg", () -> Functional.conv2d(x, w, b, i(1), i(-1), i(1), 1));
        c.put("conv_dilation_0", () -> Functional.conv2d(x, w, b, i(1), i(0), i(0), 1));
        c.put("conv_dilation_neg", () -> Functional.conv2d(x, w, b, i(1), i(0), i(1, -1), 1));
        c.put("conv_groups_0", () -> Functional.conv2d(x, w, b, i(1), i(0), i(1), 0));
        c.put("conv_groups_neg", () -> Functional.conv2d(x, w, b, i(1), i(0), i(1), -1));
        c.put("conv_groups_weight", () -> Functional.conv2d(o(2, 6, 5, 5), o(3, 3, 3, 3), null, i(1), i(0), i(1), 2));
        c.put("conv_groups_channels", () -> Functional.conv2d(o(2, 4, 5, 5), o(3, 1, 3, 3), null, i(1), i(0), i(1), 3));
        c.put("conv_out_channels_0", () -> Functional.conv2d(x, o(0, 3, 3, 3), null));
        c.put("conv_channels", () -> Functional.conv2d(o(2, 4, 5, 5), w, null));
        c.put("conv_channels_unbatched", () -> Functional.conv2d(o(4, 5, 5), w, null));
        c.put("conv_bias_size", () -> Functional.conv2d(x, w, o(5)));
        c.put("conv_bias_2d", () -> Functional.conv2d(x, w, o(4, 1)));
        c.put("conv_bias_0d", () -> Functional.conv2d(x, w, Tensor.scalar(1)));
        c.put("conv_kernel_big", () -> Functional.conv2d(x, o(4, 3, 6, 6), null));
        c.put("conv_kernel_big_dilated", () -> Functional.conv2d(x, w, null, i(1), i(0), i(3), 1));
        c.put("conv_kernel_0", () -> Functional.conv2d(x, o(4, 3, 0, 3), null));
        c.put("conv_height_0", () -> Functional.conv2d(o(2, 3, 0, 5), w, null));
        c.put("conv_height_0_padded", () -> Functional.conv2d(o(2, 3, 0, 5), w, null, i(1), i(2), i(1), 1));
        c.put("conv_dtype", () -> Functional.conv2d(x, w.toDouble(), null));
        c.put("conv_bias_dtype", () -> Functional.conv2d(x, w, b.toDouble()));
        c.put("conv_bool", () -> Functional.conv2d(x.to(DType.BOOL), w.to(DType.BOOL), null));
        c.put("conv_stride_3", () -> Functional.conv2d(x, w, b, i(1, 1, 1), i(0), i(1), 1));
        c.put("conv_padding_3", () -> Functional.conv2d(x, w, b, i(1), i(1, 1, 1), i(1), 1));
        c.put("conv_dilation_3", () -> Functional.conv2d(x, w, b, i(1), i(0), i(1, 1, 1), 1));
        c.put("conv_stride_empty", () -> Functional.conv2d(x, w, b, i(), i(0), i(1), 1));
        c.put("conv_padding_string", () -> Functional.conv2d(x, w, b, "foo", i(1), 1));
        c.put("conv_same_weight_3d", () -> Functional.conv2d(o(1, 3, 5, 5), o(2, 3, 3), null, "same", i(1), 1));
        c.put("conv_same_input_2d", () -> Functional.conv2d(o(5, 5), w, null, "same", i(1), 1));
        c.put("conv_same_groups_0", () -> Functional.conv2d(o(1, 3, 5, 5), w, null, "same", i(1), 0));
        c.put("conv_same_dilation_3", () -> Functional.conv2d(o(1, 3, 5, 5), w, null, "same", i(1, 1, 1), 1));
        // pooling
        Tensor p = o(1, 3, 4, 4);
        c.put("maxpool_kernel_0", () -> Functional.maxPool2d(p, 0));
        c.put("maxpool_kernel_0_stride_1", () -> Tensor.maxPool2d(p, i(0), i(1), i(0), i(1), false));
        c.put("maxpool_kernel_neg", () -> Functional.maxPool2d(p, -1));
        c.put("maxpool_stride_0", () -> Tensor.maxPool2d(p, i(2), i(0), i(0), i(1), false));
        c.put("maxpool_stride_0_second", () -> Tensor.maxPool2d(p, i(2), i(1, 0), i(0), i(1), false));
        c.put("maxpool_stride_neg", () -> Tensor.maxPool2d(p, i(2), i(-1), i(0), i(1), false));
        c.put("maxpool_padding_neg", () -> Tensor.maxPool2d(p, i(2), i(2), i(-1), i(1), false));
        c.put("maxpool_padding_half", () -> Tensor.maxPool2d(p, i(3), i(1), i(2), i(1), false));
        c.put("maxpool_padding_half_w", () -> Tensor.maxPool2d(p, i(3), i(1), i(0, 2), i(1), false));
        c.put("maxpool_dilation_0", () -> Tensor.maxPool2d(p, i(2), i(2), i(0), i(0), false));
        c.put("maxpool_dilation_neg", () -> Tensor.maxPool2d(p, i(2), i(2), i(0), i(-1), false));
        c.put("maxpool_too_small", () -> Functional.maxPool2d(p, 5));
        c.put("maxpool_too_small_3d", () -> Functional.maxPool2d(o(3, 4, 4), 5));
        c.put("maxpool_huge_dilation", () -> Tensor.maxPool2d(p, i(2), i(1), i(0), i(1 << 30), false));
        c.put("maxpool_input_2d", () -> Functional.maxPool2d(o(4, 4), 2));
        c.put("maxpool_input_5d", () -> Functional.maxPool2d(o(1, 1, 1, 4, 4), 2));
        c.put("maxpool_channels_0", () -> Functional.maxPool2d(o(1, 0, 4, 4), 2));
        c.put("maxpool_height_0", () -> Functional.maxPool2d(o(1, 3, 0, 4), 2));
        c.put("maxpool_width_0", () -> Functional.maxPool2d(o(1, 3, 4, 0), 2));
        c.put("maxpool_unbatched_channels_0", () -> Functional.maxPool2d(o(0, 4, 4), 2));
        c.put("maxpool_long", () -> Functional.maxPool2d(o(1, 1, 4, 4).toLong(), 2));
        c.put("maxpool_kernel_len_3", () -> Tensor.maxPool2d(p, i(2, 2, 2), i(), i(0), i(1), false));
        c.put("maxpool_kernel_len_0", () -> Tensor.maxPool2d(p, i(), i(), i(0), i(1), false));
        c.put("maxpool_stride_len_3", () -> Tensor.maxPool2d(p, i(2), i(1, 1, 1), i(0), i(1), false));
        c.put("maxpool_padding_len_3", () -> Tensor.maxPool2d(p, i(2), i(2), i(0, 0, 0), i(1), false));
        c.put("maxpool_dilation_len_3", () -> Tensor.maxPool2d(p, i(2), i(2), i(0), i(1, 1, 1), false));
        c.put("maxpool_grad_stride_neg", () -> Tensor.maxPool2d(o(1, 3, 4, 4).requiresGrad_(true), i(2), i(-1), i(0), i(1), false));
        c.put("avgpool_kernel_0", () -> Functional.avgPool2d(p, 0));
        c.put("avgpool_stride_0", () -> Tensor.avgPool2d(p, i(2), i(0), i(0), false, true));
        c.put("avgpool_stride_neg", () -> Tensor.avgPool2d(p, i(2), i(-1), i(0), false, true));
        c.put("avgpool_padding_neg", () -> Tensor.avgPool2d(p, i(2), i(2), i(-1), false, true));
        c.put("avgpool_padding_half", () -> Tensor.avgPool2d(p, i(3), i(1), i(2), false, true));
        c.put("avgpool_too_small", () -> Functional.avgPool2d(p, 5));
        c.put("avgpool_input_0d", () -> Functional.avgPool2d(Tensor.scalar(1), 2));
        c.put("avgpool_input_1d", () -> Functional.avgPool2d(o(4), 2));
        c.put("avgpool_input_2d", () -> Functional.avgPool2d(o(4, 4), 2));
        c.put("avgpool_input_5d", () -> Functional.avgPool2d(o(1, 1, 1, 4, 4), 2));
        c.put("avgpool_channels_0", () -> Functional.avgPool2d(o(1, 0, 4, 4), 2));
        c.put("avgpool_bool", () -> Functional.avgPool2d(o(1, 1, 4, 4).to(DType.BOOL), 2));
        c.put("avgpool_kernel_len_3", () -> Tensor.avgPool2d(p, i(2, 2, 2), i(), i(0), false, true));
        c.put("avgpool_stride_len_3", () -> Tensor.avgPool2d(p, i(2), i(1, 1, 1), i(0), false, true));
        c.put("avgpool_padding_len_3", () -> Tensor.avgPool2d(p, i(2), i(2), i(0, 0, 0), false, true));
        // losses
        Tensor l = Tensor.randn(3, 5);
        Tensor y = Tensor.tensor(new long[] {1, 0, 4});
        c.put("ce_1d_input_1d_target", () -> Functional.crossEntropy(Tensor.randn(5), Tensor.tensor(new long[] {2})));
        c.put("ce_0d_input", () -> Functional.crossEntropy(Tensor.scalar(1), Tensor.tensor(0L)));
        c.put("ce_target_2d", () -> Functional.crossEntropy(l, y.view(3, 1)));
        c.put("ce_batch", () -> Functional.crossEntropy(l, Tensor.tensor(new long[] {1, 2})));
        c.put("ce_float_target", () -> Functional.crossEntropy(l, Tensor.rand(3)));
        c.put("ce_bool_target", () -> Functional.crossEntropy(l, y.to(DType.BOOL)));
        c.put("ce_weight_size", () -> Functional.crossEntropy(l, y, o(4), "mean", -100, 0));
        c.put("ce_weight_2d", () -> Functional.crossEntropy(l, y, o(1, 5), "mean", -100, 0));
        c.put("ce_weight_dtype", () -> Functional.crossEntropy(l, y, od(5), "mean", -100, 0));
        c.put("ce_weight_requires_grad", () -> Functional.crossEntropy(l, y, o(5).requiresGrad_(true), "mean", -100, 0));
        c.put("ce_smoothing_above_1", () -> Functional.crossEntropy(l, y, "mean", 1.1));
        c.put("ce_reduction", () -> Functional.crossEntropy(l, y, "avg", 0));
        c.put("ce_4d_target_size", () -> Functional.crossEntropy(Tensor.randn(2, 5, 3, 4), Tensor.zeros(DType.INT64, 2, 3, 5)));
        c.put("ce_4d_target_rank", () -> Functional.crossEntropy(Tensor.randn(2, 5, 3, 4), Tensor.zeros(DType.INT64, 2, 12)));
        c.put("ce_3d_target_rank", () -> Functional.crossEntropy(Tensor.randn(2, 5, 3), Tensor.zeros(DType.INT64, 2)));
        c.put("ce_4d_weight", () -> Functional.crossEntropy(Tensor.randn(2, 5, 3, 4), Tensor.zeros(DType.INT64, 2, 3, 4), o(4),
                "mean", -100, 0));
        c.put("ce_prob_long_target", () -> Functional.crossEntropy(l, Tensor.ones(DType.INT64, 3, 5)));
        c.put("ce_prob_ignore_index", () -> Functional.crossEntropy(l, Tensor.rand(3, 5), null, "mean", 1, 0));
        c.put("ce_prob_weight", () -> Functional.crossEntropy(l, Tensor.rand(3, 5), o(4), "mean", -100, 0));
        c.put("ce_prob_smoothing_above_1", () -> Functional.crossEntropy(l, Tensor.rand(3, 5), "mean", 1.5));
        c.put("ce_prob_wrong_shape", () -> Functional.crossEntropy(l, Tensor.rand(3, 4)));
        c.put("ce_out_of_bounds", () -> Functional.crossEntropy(l, Tensor.tensor(new long[] {1, 2, 7})));
        c.put("ce_negative", () -> Functional.crossEntropy(l, Tensor.tensor(new long[] {1, 2, -1})));
        c.put("ce_zero_classes", () -> Functional.nllLoss(Tensor.randn(3, 0), Tensor.zeros(DType.INT64, 3), "mean"));
        c.put("nll_0d", () -> Functional.nllLoss(Tensor.scalar(1), Tensor.tensor(0L), "mean"));
        c.put("nll_0d_target", () -> Functional.nllLoss(l, Tensor.tensor(1L), "mean"));
        c.put("nll_target_2d", () -> Functional.nllLoss(l, Tensor.zeros(DType.INT64, 3, 1), "mean"));
        c.put("nll_long_input", () -> Functional.nllLoss(l.toLong(), y, "mean"));
        c.put("nll_4d_long_input", () -> Functional.nllLoss(Tensor.ones(DType.INT64, 2, 5, 3, 4), Tensor.zeros(DType.INT64, 2, 3, 4),
                "mean"));
        c.put("nll_float_target", () -> Functional.nllLoss(l, Tensor.rand(3), "mean"));
        c.put("nll_zero_classes", () -> Functional.nllLoss(Tensor.randn(3, 0), Tensor.zeros(DType.INT64, 3), "mean"));
        c.put("nll_4d_float_target", () -> Functional.nllLoss(Tensor.randn(2, 5, 3, 4), Tensor.rand(2, 3, 4), "mean"));
        c.put("nll_4d_weight_dtype", () -> Functional.nllLoss(Tensor.randn(2, 5, 3, 4), Tensor.zeros(DType.INT64, 2, 3, 4), od(5),
                "mean", -100));
        c.put("nll_4d_weight_requires_grad", () -> Functional.nllLoss(Tensor.randn(3, 5, 2, 2), Tensor.zeros(DType.INT64, 3, 2, 2),
                o(5).requiresGrad_(true), "mean", -100));
        c.put("nll_3d_target", () -> Functional.nllLoss(Tensor.randn(2, 5, 3), Tensor.zeros(DType.INT64, 2, 4), "mean"));
        c.put("nll_4d_out_of_bounds", () -> Functional.nllLoss(Tensor.randn(2, 5, 3, 4), Tensor.full(DType.INT64, 7, 2, 3, 4), "mean"));
        Tensor pr = Tensor.rand(4);
        c.put("bce_above_1", () -> Functional.binaryCrossEntropy(Tensor.tensor(new double[] {0.5, 1.5}),
                Tensor.tensor(new double[] {0, 1}), "mean"));
        c.put("bce_below_0", () -> Functional.binaryCrossEntropy(Tensor.tensor(new double[] {0.5, -0.5}),
                Tensor.tensor(new double[] {0, 1}), "mean"));
        c.put("bce_nan", () -> Functional.binaryCrossEntropy(Tensor.tensor(new double[] {0.5, Double.NaN}),
                Tensor.tensor(new double[] {0, 1}), "mean"));
        c.put("bce_shape", () -> Functional.binaryCrossEntropy(pr, Tensor.rand(2, 2), "mean"));
        c.put("bce_weight_size", () -> Functional.binaryCrossEntropy(pr, pr, Tensor.rand(3), "mean"));
        c.put("bce_weight_grows", () -> Functional.binaryCrossEntropy(Tensor.rand(3), Tensor.rand(3), Tensor.rand(2, 3), "mean"));
        c.put("bce_long", () -> Functional.binaryCrossEntropy(pr.toLong(), pr.toLong(), "mean"));
        c.put("bce_target_long", () -> Functional.binaryCrossEntropy(pr, Tensor.tensor(new long[] {0, 1, 0, 1}), "mean"));
        c.put("bce_target_double", () -> Functional.binaryCrossEntropy(pr, pr.toDouble(), "mean"));
        c.put("bce_weight_requires_grad", () -> Functional.binaryCrossEntropy(pr, pr, Tensor.rand(4).requiresGrad_(true), "mean"));
        c.put("bce_reduction", () -> Functional.binaryCrossEntropy(pr, pr, "foo"));
        c.put("bcel_shape", () -> Functional.binaryCrossEntropyWithLogits(pr, Tensor.rand(2, 2), "mean"));
        c.put("bcel_weight_size", () -> Functional.binaryCrossEntropyWithLogits(pr, pr, Tensor.rand(3), null, "mean"));
        c.put("bcel_weight_grows", () -> Functional.binaryCrossEntropyWithLogits(Tensor.rand(3), Tensor.rand(3), Tensor.rand(2, 3),
                null, "mean"));
        c.put("bcel_pos_weight_size", () -> Functional.binaryCrossEntropyWithLogits(pr, pr, null, Tensor.rand(3), "mean"));
        c.put("bcel_target_long", () -> Functional.binaryCrossEntropyWithLogits(pr, Tensor.tensor(new long[] {0, 1, 0, 1}), "mean"));
        c.put("bcel_long", () -> Functional.binaryCrossEntropyWithLogits(pr.toLong(), pr.toLong(), "mean"));
        c.put("bcel_weight_requires_grad", () -> Functional.binaryCrossEntropyWithLogits(pr, pr, Tensor.rand(4).requiresGrad_(true),
                null, "mean"));
        c.put("bcel_pos_weight_requires_grad", () -> Functional.binaryCrossEntropyWithLogits(pr, pr, null,
                Tensor.rand(4).requiresGrad_(true), "mean"));
        c.put("mse_shape", () -> Functional.mseLoss(pr, Tensor.rand(2, 2)));
        c.put("mse_long", () -> Functional.mseLoss(pr.toLong(), pr.toLong()));
        c.put("mse_reduction", () -> Functional.mseLoss(pr, pr, "foo"));
        // dropout and batch norm
        c.put("dropout_above_1", () -> Functional.dropout(o(3), 1.5, true));
        c.put("dropout_below_0", () -> Functional.dropout(o(3), -0.5, true));
        c.put("dropout_nan", () -> Functional.dropout(o(3), Double.NaN, true));
        c.put("dropout_long", () -> Functional.dropout(o(3).toLong(), 0.5, true));
        c.put("Dropout_above_1", () -> new Dropout(2.0));
        c.put("bn_running_mean", () -> Functional.batchNorm(o(2, 3, 4, 4), o(4), o(3), null, null, true, 0.1, 1e-5));
        c.put("bn_running_var", () -> Functional.batchNorm(o(2, 3, 4, 4), o(3), o(4), null, null, true, 0.1, 1e-5));
        c.put("bn_weight", () -> Functional.batchNorm(o(2, 3, 4, 4), o(3), o(3), o(4), null, true, 0.1, 1e-5));
        c.put("bn_bias", () -> Functional.batchNorm(o(2, 3, 4, 4), o(3), o(3), null, o(4), true, 0.1, 1e-5));
        c.put("bn_eval_no_mean", () -> Functional.batchNorm(o(2, 3, 4, 4), null, null, null, null, false, 0.1, 1e-5));
        c.put("bn_eval_no_var", () -> Functional.batchNorm(o(2, 3, 4, 4), o(3), null, null, null, false, 0.1, 1e-5));
        c.put("bn_one_value", () -> Functional.batchNorm(o(1, 3, 1, 1), o(3), o(3), null, null, true, 0.1, 1e-5));
        c.put("bn_1d", () -> Functional.batchNorm(o(3), o(3), o(3), null, null, false, 0.1, 1e-5));
        c.put("bn_long", () -> Functional.batchNorm(o(2, 3, 4, 4).toLong(), o(3), o(3), null, null, true, 0.1, 1e-5));
        // layers, init, modules
        c.put("Conv2d_groups_0", () -> new Conv2d(4, 2, i(3), i(1), i(0), i(1), 0, true));
        c.put("Conv2d_in_groups", () -> new Conv2d(3, 4, i(3), i(1), i(0), i(1), 2, true));
        c.put("Conv2d_out_groups", () -> new Conv2d(4, 3, i(3), i(1), i(0), i(1), 2, true));
        c.put("Conv2d_kernel_neg", () -> new Conv2d(1, 2, -3));
        c.put("Conv2d_in_neg", () -> new Conv2d(-1, 2, 3));
        c.put("Linear_in_neg", () -> new Linear(-1, 2));
        c.put("Linear_out_neg", () -> new Linear(2, -1));
        c.put("BatchNorm2d_neg", () -> new BatchNorm2d(-1));
        c.put("init_fan_1d", () -> Init.defaultWeight_(o(3)));
        c.put("init_uniform_range", () -> Init.uniform_(o(3), 1, -1));
        c.put("init_uniform_long", () -> Init.uniform_(o(3).toLong(), -1, 1));
        c.put("init_uniform_inf", () -> Init.uniform_(o(3), Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY));
        Open m = new Open();
        m.buffer("buf", o(1));
        m.param("w", o(1));
        c.put("register_parameter_dot", () -> m.param("a.b", null));
        c.put("register_parameter_empty", () -> m.param("", null));
        c.put("register_parameter_taken", () -> m.param("buf", null));
        c.put("register_buffer_dot", () -> m.buffer("a.b", null));
        c.put("register_buffer_empty", () -> m.buffer("", null));
        c.put("register_buffer_taken", () -> m.buffer("w", o(1)));
        c.put("register_module_dot", () -> m.module("a.b", null));
        c.put("register_module_empty", () -> m.module("", null));
        c.put("register_module_taken", () -> m.module("buf", new ReLU()));
        c.put("module_to_long", () -> new Linear(2, 2).to(DType.INT64));
        // optimizers
        List<Tensor> q = List.of(o(2).requiresGrad_(true));
        c.put("sgd_lr", () -> new SGD(q, -0.1));
        c.put("sgd_momentum", () -> new SGD(q, 0.1, -1, 0, 0, false));
        c.put("sgd_weight_decay", () -> new SGD(q, 0.1, 0, 0, -1, false));
        c.put("sgd_nesterov", () -> new SGD(q, 0.1, 0, 0, 0, true));
        c.put("sgd_nesterov_dampening", () -> new SGD(q, 0.1, 0.9, 0.1, 0, true));
        c.put("sgd_empty", () -> new SGD(List.of(), 0.1));
        c.put("sgd_non_leaf", () -> new SGD(List.of(o(2).requiresGrad_(true).mul(2.0)), 0.1));
        c.put("sgd_lr_checked_before_params", () -> new SGD(List.of(), -0.1));
        c.put("adam_lr", () -> Adam.adam(q, -0.1));
        c.put("adam_lr_nan", () -> Adam.adam(q, Double.NaN));
        c.put("adam_eps", () -> Adam.adam(q, 0.1, 0.9, 0.999, -1e-8, 0));
        c.put("adam_beta0", () -> Adam.adam(q, 0.1, 1.0, 0.999, 1e-8, 0));
        c.put("adam_beta0_nan", () -> Adam.adam(q, 0.1, Double.NaN, 0.999, 1e-8, 0));
        c.put("adam_beta1", () -> Adam.adam(q, 0.1, 0.9, 1.0, 1e-8, 0));
        c.put("adam_beta1_neg", () -> Adam.adam(q, 0.1, 0.9, -0.5, 1e-8, 0));
        c.put("adam_weight_decay", () -> Adam.adam(q, 0.1, 0.9, 0.999, 1e-8, -1));
        c.put("adamw_weight_decay", () -> Adam.adamW(q, 0.1, 0.9, 0.999, 1e-8, -1));
        return c;
    }

    @TestFactory
    List<DynamicTest> pyTorchMessages() throws IOException {
        Map<String, String[]> expected = load("/nnerrors/expected.txt");
        Map<String, Executable> calls = calls();
        assertEquals(new TreeSet<>(expected.keySet()), new TreeSet<>(calls.keySet()), "every PyTorch case has its call");
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, String[]> e : expected.entrySet()) {
            String[] want = e.getValue();
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> fails(javaType(want[0]), want[1], calls.get(e.getKey()))));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> outputSizesOverAGrid() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        try (InputStream in = NNErrorsTest.class.getResourceAsStream("/nnerrors/shapes.txt")) {
            assertNotNull(in);
            List<String> lines = List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"));
            assertTrue(lines.size() > 1900, "grid cases: " + lines.size());
            // one dynamic test per op: a failure names its line
            for (String op : List.of("max_pool2d", "avg_pool2d", "conv2d")) {
                tests.add(DynamicTest.dynamicTest(op, () -> {
                    for (String line : lines) {
                        if (line.startsWith(op + " ")) {
                            sizeCase(line);
                        }
                    }
                }));
            }
        }
        return tests;
    }

    private static void sizeCase(String line) {
        String[] f = line.split(" ", 8);
        int h = Integer.parseInt(f[1]);
        int k = Integer.parseInt(f[2]);
        int s = Integer.parseInt(f[3]);
        int p = Integer.parseInt(f[4]);
        int d = Integer.parseInt(f[5]);
        boolean ceil = f[6].equals("1");
        String want = f[7];
        Tensor x = Tensor.ones(1, 1, h, h);
        Executable call;
        switch (f[0]) {
            case "max_pool2d": call = () -> check(want, Tensor.maxPool2d(x, i(k), i(s), i(p), i(d), ceil), line); break;
            case "avg_pool2d": call = () -> check(want, Tensor.avgPool2d(x, i(k), i(s), i(p), ceil, true), line); break;
            default: call = () -> check(want, Tensor.conv2d(x, Tensor.ones(1, 1, k, k), null, i(s), i(p), i(d), 1), line);
        }
        if (want.chars().allMatch(Character::isDigit)) {
            try {
                call.execute();
            } catch (Throwable t) {
                throw new AssertionError(line + ": " + t.getMessage(), t);
            }
        } else {
            Throwable t = assertThrows(IllegalArgumentException.class, call, line);
            assertEquals(want, t.getMessage(), line);
        }
    }

    private static void check(String want, Tensor out, String line) {
        int n = Integer.parseInt(want);
        assertArrayEquals(new int[] {1, 1, n, n}, out.shape(), line);
    }

    // ------------------------------------------------------------------ Ember's own words and stricter rules

    private static void iae(String message, Executable call, Tensor... untouched) {
        fails(IllegalArgumentException.class, message, call, untouched);
    }

    @Test
    void convLayersWithAPaddingOfTheWrongLengthReachTheConvolutionsMessage() {
        // PyTorch's _reverse_repeat_tuple takes a padding of any length; the convolution (or F.pad) refuses it (1.13's
        // words, checked with /usr/bin/python3: nn.Conv2d(3, 4, 3, padding=()), nn.Conv3d(3, 4, 3, padding=(1, 2)))
        for (String mode : new String[] {"zeros", "reflect"}) {
            String conv2 = mode.equals("zeros") ? "expected padding to be a single integer value or a list of 2 values to "
                    + "match the convolution dimensions, but got padding=[]"
                    : "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now";
            String conv3 = mode.equals("zeros") ? "expected padding to be a single integer value or a list of 3 values to "
                    + "match the convolution dimensions, but got padding=[1, 2]"
                    : "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now";
            dev.ember.nn.Conv2d c2 = new dev.ember.nn.Conv2d(3, 4, i(3), i(1), new int[0], i(1), 1, true, mode);
            Tensor x2 = Tensor.randn(1, 3, 5, 5);
            iae(conv2, () -> c2.forward(x2), x2);
            dev.ember.nn.Conv3d c3 = new dev.ember.nn.Conv3d(3, 4, i(3), i(1), i(1, 2), i(1), 1, true, mode);
            Tensor x3 = Tensor.randn(1, 3, 5, 5, 5);
            iae(conv3, () -> c3.forward(x3), x3);
        }
    }

    @Test
    void nullArgumentsAreArgumentErrorsNotNullPointers() {
        // PyTorch's argument parser says "not NoneType"; a Java caller passed null
        Tensor a = o(2, 2);
        iae("mm(): argument 'mat2' (position 1) must be Tensor, not null", () -> a.mm(null), a);
        iae("bmm(): argument 'mat2' (position 1) must be Tensor, not null", () -> o(1, 2, 2).bmm(null));
        iae("matmul(): argument 'other' (position 1) must be Tensor, not null", () -> a.matmul(null), a);
        iae("dot(): argument 'tensor' (position 1) must be Tensor, not null", () -> o(2).dot(null));
        iae("conv2d(): argument 'input' (position 1) must be Tensor, not null", () -> Functional.conv2d(null, o(1, 1, 1, 1), null));
        iae("conv2d(): argument 'weight' (position 2) must be Tensor, not null", () -> Functional.conv2d(o(1, 1, 2, 2), null, null));
        iae("conv2d(): argument 'stride' (position 4) must be tuple of ints, not null",
                () -> Tensor.conv2d(o(1, 1, 2, 2), o(1, 1, 1, 1), null, null, i(0), i(1), 1));
        iae("max_pool2d(): argument 'input' (position 1) must be Tensor, not null", () -> Functional.maxPool2d(null, 2));
        iae("max_pool2d(): argument 'dilation' (position 5) must be tuple of ints, not null",
                () -> Tensor.maxPool2d(o(1, 1, 2, 2), i(2), i(2), i(0), null, false));
        iae("avg_pool2d(): argument 'padding' (position 4) must be tuple of ints, not null",
                () -> Tensor.avgPool2d(o(1, 1, 2, 2), i(2), i(2), null, false, true));
        iae("linear(): argument 'input' (position 1) must be Tensor, not null", () -> Functional.linear(null, a, null));
        iae("linear(): argument 'weight' (position 2) must be Tensor, not null", () -> Functional.linear(a, null, null));
        iae("relu(): argument 'input' (position 1) must be Tensor, not null", () -> new ReLU().forward(null));
        iae("linear(): argument 'input' (position 1) must be Tensor, not null", () -> new Linear(2, 2).forward(null));
        iae("conv2d(): argument 'input' (position 1) must be Tensor, not null", () -> new Conv2d(1, 1, 1).forward(null));
        iae("batch_norm(): argument 'input' (position 1) must be Tensor, not null", () -> new BatchNorm2d(1).forward(null));
        iae("dropout(): argument 'input' (position 1) must be Tensor, not null", () -> new Dropout(0.5).forward(null));
        iae("cross_entropy_loss(): argument 'target' (position 2) must be Tensor, not null",
                () -> Functional.crossEntropy(a, null));
        iae("nll_loss_nd(): argument 'input' (position 1) must be Tensor, not null", () -> Functional.nllLoss(null, a, "mean"));
        iae("binary_cross_entropy(): argument 'target' (position 2) must be Tensor, not null",
                () -> Functional.binaryCrossEntropy(a, null, "mean"));
        iae("binary_cross_entropy_with_logits(): argument 'input' (position 1) must be Tensor, not null",
                () -> Functional.binaryCrossEntropyWithLogits(null, a, "mean"));
        iae("mse_loss(): argument 'target' (position 2) must be Tensor, not null", () -> Functional.mseLoss(a, null));
        iae("null is not a valid value for reduction", () -> Functional.mseLoss(a, a, null));
        iae("kernel_size must not be null", () -> new MaxPool2d(null, null, i(0), i(1), false));
        iae("stride must not be null", () -> new Conv2d(1, 1, i(1), null, i(0), i(1), 1, true));
        iae("Sequential: module 1 is null", () -> new Sequential(new ReLU(), null));
        iae("tensor must not be null", () -> Init.uniform_(null, -1, 1));
        iae("device must not be null", () -> new Linear(1, 1).to((Device) null));
        iae("params argument given to the optimizer should be an iterable of Tensors or dicts, but got null",
                () -> new SGD(null, 0.1));
        iae("optimizer can only optimize Tensors, but one of the params is null",
                () -> new SGD(java.util.Arrays.asList(o(1).requiresGrad_(true), null), 0.1));
        iae("StepLR needs the optimizer's lr getter and setter, got null", () -> new StepLR(null, v -> { }, 1, 0.5));
    }

    @Test
    void labelSmoothingAndProbabilitiesOutsideTheirRangeAreRefused() {
        // PyTorch ignores a negative or nan smoothing (no smoothing, silently); Ember refuses it with PyTorch's words
        Tensor l = Tensor.randn(3, 5);
        Tensor y = Tensor.tensor(new long[] {1, 0, 4});
        iae("label_smoothing must be between 0.0 and 1.0. Got: -0.1", () -> Functional.crossEntropy(l, y, "mean", -0.1), l);
        iae("label_smoothing must be between 0.0 and 1.0. Got: nan", () -> Functional.crossEntropy(l, y, "mean", Double.NaN), l);
        iae("label_smoothing must be between 0.0 and 1.0. Got: -1e-07", () -> Functional.crossEntropy(l, y, "mean", -1e-7));
        iae("label_smoothing must be between 0.0 and 1.0. Got: -0.5", () -> Functional.crossEntropy(l, Tensor.rand(3, 5), "mean", -0.5));
        // a dropout probability of nan fails at construction, not at the first forward
        iae("dropout probability has to be between 0 and 1, but got nan", () -> new Dropout(Double.NaN));
        iae("dropout probability has to be between 0 and 1, but got -1e-05", () -> new Dropout(-1e-5));
        assertEquals("Dropout(p=1e-05, inplace=False)", new Dropout(1e-5).toString());
    }

    @Test
    void aVectorInputTakesOneTarget() {
        // PyTorch takes a [C] input with a [C] target and reads only the first target; Ember refuses it
        iae("size mismatch (got input: [5], target: [5])",
                () -> Functional.nllLoss(Tensor.randn(5), Tensor.tensor(new long[] {0, 1, 2, 3, 4}), "mean"));
    }

    @Test
    void sizesBeyondIntAreRefusedBeforeAnyKernel() {
        Tensor x = o(1, 1, 4, 4);
        iae("conv2d's padded input would have size 4294967298; Ember's dimensions are at most 2147483647",
                () -> Tensor.conv2d(x, o(1, 1, 1, 1), null, i(1), i(Integer.MAX_VALUE), i(1), 1), x);
        // a window of 2^31 + 1 padded by 2^30 on each side: valid for PyTorch, beyond the kernels' int indexing here
        iae("max_pool2d's padded input would have size 2147483652; Ember's dimensions are at most 2147483647",
                () -> Tensor.maxPool2d(x, i(3), i(1), i(1 << 30), i(1 << 30), false), x);
        // a channel count times groups beyond int is compared exactly (the weight an expanded view: no storage that big)
        Tensor wide = Tensor.empty(1, 1, 1, 1).expand(2, 1 << 30, 1, 1);
        iae("Given groups=2, weight of size [2, 1073741824, 1, 1], expected input[1, 1, 4, 4] to have 2147483648 channels, "
                + "but got 1 channels instead", () -> Tensor.conv2d(x, wide, null, i(1), i(0), i(1), 2));
        // optimizers refuse nan and infinite hyper-parameters PyTorch's SGD lets through
        List<Tensor> q = List.of(o(2).requiresGrad_(true));
        iae("Invalid learning rate: nan", () -> new SGD(q, Double.NaN));
        iae("Invalid learning rate: inf", () -> Adam.adam(q, Double.POSITIVE_INFINITY));
        iae("Invalid momentum value: nan", () -> new SGD(q, 0.1, Double.NaN, 0, 0, false));
        iae("Invalid dampening value: nan", () -> new SGD(q, 0.1, 0.9, Double.NaN, 0, false));
        iae("gamma must be a finite non-negative number, got -0.5", () -> new StepLR(() -> 0.1, v -> { }, 1, -0.5));
        iae("step_size must be positive, got 0", () -> new StepLR(() -> 0.1, v -> { }, 0, 0.5));
    }

    @Test
    void layerConstructorsCheckWhatTheyBuild() {
        iae("expected kernel_size to be a single integer value or a list of 2 values to match the convolution dimensions, but "
                + "got kernel_size=[3, 3, 3]", () -> new Conv2d(1, 1, i(3, 3, 3), i(1), i(0), i(1), 1, true));
        // one int stands for both dimensions everywhere, as PyTorch's _pair
        Conv2d conv = new Conv2d(2, 4, i(3), i(2), i(1), i(1), 2, false);
        assertArrayEquals(new int[] {4, 1, 3, 3}, conv.weight.shape());
        assertArrayEquals(new int[] {1, 4, 3, 3}, conv.forward(Tensor.randn(1, 2, 5, 5)).shape());
        assertEquals("Conv2d(2, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), groups=2, bias=False)", conv.toString());
        // zero-size layers build (PyTorch initializes nothing in them)
        assertArrayEquals(new int[] {2, 1, 0, 0}, new Conv2d(1, 2, 0).weight.shape());
        assertArrayEquals(new int[] {3, 2}, new Linear(0, 2).forward(Tensor.zeros(3, 0)).shape());
        assertEquals("tensor([0., 0.])", new Linear(0, 2).bias.detach().toString());
        assertEquals("BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
                new BatchNorm2d(3).toString());
        // a module cannot contain itself: its traversals would never end
        Open a = new Open();
        Open b = new Open();
        a.module("b", b);
        iae("cannot register module 'a': it is this module or contains it, and a module cannot be its own submodule",
                () -> b.module("a", a));
        iae("cannot register module 'self': it is this module or contains it, and a module cannot be its own submodule",
                () -> a.module("self", a));
        iae("Cannot assign non-leaf Tensor to parameter 'p'. Model parameters must be created explicitly. To express 'p' as a "
                + "function of another Tensor, compute the value in the forward() method.",
                () -> a.param("p", o(1).requiresGrad_(true).mul(2.0)));
        iae("Only Tensors of floating point and complex dtype can require gradients", () -> a.param("p", Tensor.zeros(DType.INT64, 1)));
        iae("parameter name should be a string. Got null", () -> a.param(null, o(1)));
        assertTrue(a.namedParameters().isEmpty(), "failed registrations register nothing");
    }

    @Test
    void validInputsAreNotRejected() {
        // an empty batch convolves and pools; no input channels give no output channels, whatever the weight's count
        // (PyTorch 1.13: F.conv2d(torch.zeros(2, 0, 3, 3), torch.zeros(2, 0, 1, 1), bias).shape is [2, 0, 3, 3])
        assertArrayEquals(new int[] {0, 4, 3, 3}, Functional.conv2d(Tensor.zeros(0, 3, 5, 5), o(4, 3, 3, 3), o(4)).shape());
        Tensor bias = Tensor.tensor(new double[] {1, 2});
        Tensor noChannels = Functional.conv2d(Tensor.zeros(2, 0, 3, 3), Tensor.zeros(2, 0, 1, 1), bias);
        assertArrayEquals(new int[] {2, 0, 3, 3}, noChannels.shape());
        Tensor w = Tensor.randn(4, 3, 3, 3).requiresGrad_(true);
        Functional.conv2d(Tensor.zeros(0, 3, 5, 5), w, null).sum().backward();
        assertEquals("tensor(0.)", w.grad().abs().sum().toString());
        assertArrayEquals(new int[] {0, 3, 2, 2}, Functional.maxPool2d(Tensor.zeros(0, 3, 4, 4), 2).shape());
        assertArrayEquals(new int[] {0, 3, 2, 2}, Functional.avgPool2d(Tensor.zeros(0, 3, 4, 4), 2).shape());
        // an omitted (empty) pooling stride is the kernel size
        assertArrayEquals(new int[] {1, 1, 2, 2}, Tensor.maxPool2d(o(1, 1, 4, 4), i(2), i(), i(0), i(1), false).shape());
        assertArrayEquals(new int[] {1, 1, 2, 2}, new MaxPool2d(i(2), null, i(0), i(1), false).forward(o(1, 1, 4, 4)).shape());
        // a 1-D weight makes linear a product with a vector; a [rows, out] bias meets the flattened product
        assertArrayEquals(new int[] {2}, Functional.linear(o(2, 3), o(3), null).shape());
        Tensor rowsBias = Tensor.arange(0, 40, 1, DType.FLOAT32).reshape(10, 4);
        Tensor y = Functional.linear(o(5, 2, 3), o(4, 3), rowsBias);
        assertArrayEquals(new int[] {5, 2, 4}, y.shape());
        assertTrue(y.reshape(10, 4).equal(rowsBias.add(3.0)));
        // mse broadcasts shapes that differ, as PyTorch (which warns)
        assertEquals(1.0, Functional.mseLoss(o(2, 4), Tensor.zeros(4)).item(), 0);
        // dropout of an empty or integer tensor outside training is the identity; p = 1 keeps an integer type
        Tensor ints = Tensor.ones(DType.INT64, 3);
        assertTrue(Functional.dropout(ints, 0.5, false) == ints);
        assertEquals(DType.INT64, Functional.dropout(ints, 1.0, true).dtype());
        // batch norm of an empty batch is an empty copy, the statistics untouched
        Tensor rm = Tensor.zeros(3);
        assertArrayEquals(new int[] {0, 3, 2, 2}, Functional.batchNorm(Tensor.zeros(0, 3, 2, 2), rm, o(3), null, null, true, 0.1,
                1e-5).shape());
        assertEquals(0, rm.version());
    }

    @Test
    void integerProductsAreExact() {
        // PyTorch: torch.tensor([[2**40, 3]]).mm(torch.tensor([[2**20 + 1], [5]])) = 1152922604118474767, beyond the
        // 2^53 a float64 product is exact to
        Tensor a = Tensor.tensor(new long[][] {{1L << 40, 3}});
        Tensor b = Tensor.tensor(new long[][] {{(1L << 20) + 1}, {5}});
        assertEquals(1152922604118474767L, a.mm(b).longItem());
        assertEquals(1152922604118474767L, a.matmul(b).reshape(1).longItem());
        assertEquals(1152922604118474767L, a.reshape(2).dot(b.reshape(2)).longItem());
        assertEquals(1152922604118474767L, a.unsqueeze(0).bmm(b.unsqueeze(0)).longItem());
        // small ones keep the float64 kernel and are exact too
        assertEquals("tensor([[19, 22],\n        [43, 50]])",
                Tensor.tensor(new long[][] {{1, 2}, {3, 4}}).mm(Tensor.tensor(new long[][] {{5, 6}, {7, 8}})).toString());
    }
}
