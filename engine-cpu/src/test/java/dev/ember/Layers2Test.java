package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.ember.Layers2Cases.fails;
import static dev.ember.Layers2Cases.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Issue 15's convolution and resampling ops against PyTorch (layers2/make_expected.py): conv1d, conv_transpose2d,
 * adaptive average and max pooling, interpolate (nearest, nearest-exact, bilinear, area) and pixel (un)shuffle:
 * values, gradients of every input, the nodes (PyTorch 2.x's names), on contiguous and non-contiguous inputs, float64
 * and float32, empty and odd sizes; every error case's message with the inputs unchanged.
 */
class Layers2Test {
    private static Tensor[] one(Tensor t) {
        return new Tensor[] {t};
    }

    private static int[] ints(int... v) {
        return v;
    }

    private static DynamicTest t(String key, Layers2Cases.Op op) {
        return DynamicTest.dynamicTest(key, () -> run(key, op, true));
    }

    @TestFactory
    List<DynamicTest> convolutions() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(t("conv1d", in -> one(Functional.conv1d(in.get("x"), in.get("w"), in.get("b")))));
        t.add(t("conv1d_options", in -> one(Functional.conv1d(in.get("x"), in.get("w"), null, ints(2), ints(2), ints(2), 2))));
        t.add(t("conv1d_unbatched", in -> one(Functional.conv1d(in.get("x"), in.get("w"), in.get("b"), ints(1), ints(1),
                ints(1), 1))));
        t.add(t("conv1d_empty_batch", in -> one(Functional.conv1d(in.get("x"), in.get("w"), in.get("b")))));
        t.add(t("conv1d_same", in -> one(Functional.conv1d(in.get("x"), in.get("w"), null, ints(1), "same", ints(1), 1))));
        t.add(t("conv1d_same_dilated", in -> one(Functional.conv1d(in.get("x"), in.get("w"), null, ints(1), "same", ints(2), 1))));
        t.add(t("conv1d_valid", in -> one(Functional.conv1d(in.get("x"), in.get("w"), null, ints(1), "valid", ints(1), 1))));
        t.add(t("conv1d_float32", in -> one(Functional.conv1d(in.get("x"), in.get("w"), in.get("b"), ints(3), ints(1), ints(1),
                1))));
        t.add(t("convt", in -> one(Functional.convTranspose2d(in.get("x"), in.get("w"), in.get("b")))));
        t.add(t("convt_options", in -> one(Functional.convTranspose2d(in.get("x"), in.get("w"), in.get("b"), ints(2, 1),
                ints(1, 0), ints(1, 0), 2, ints(1, 2)))));
        t.add(t("convt_outpad_dilation", in -> one(Functional.convTranspose2d(in.get("x"), in.get("w"), null, ints(1), ints(0),
                ints(1), 1, ints(2)))));
        t.add(t("convt_stride3", in -> one(Functional.convTranspose2d(in.get("x"), in.get("w"), null, ints(3), ints(1), ints(2),
                1, ints(1)))));
        t.add(t("convt_unbatched", in -> one(Functional.convTranspose2d(in.get("x"), in.get("w"), in.get("b"), ints(2), ints(0),
                ints(0), 1, ints(1)))));
        t.add(t("convt_empty_batch", in -> one(Functional.convTranspose2d(in.get("x"), in.get("w"), in.get("b"), ints(2),
                ints(0), ints(0), 1, ints(1)))));
        t.add(t("convt_float32", in -> one(Functional.convTranspose2d(in.get("x"), in.get("w"), in.get("b"), ints(2), ints(1),
                ints(1), 1, ints(1)))));
        return t;
    }

    @TestFactory
    List<DynamicTest> adaptivePooling() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(t("aap", in -> one(Functional.adaptiveAvgPool2d(in.get("x"), ints(3, 4)))));
        t.add(t("aap_3d", in -> one(Functional.adaptiveAvgPool2d(in.get("x"), ints(4, 2)))));
        t.add(t("aap_upsample", in -> one(Functional.adaptiveAvgPool2d(in.get("x"), ints(5, 7)))));
        t.add(t("aap_1x1", in -> one(Functional.adaptiveAvgPool2d(in.get("x"), 1))));
        t.add(t("aap_1x1_2d", in -> one(Functional.adaptiveAvgPool2d(in.get("x"), 1))));
        t.add(t("aap_zero", in -> one(Functional.adaptiveAvgPool2d(in.get("x"), ints(0, 2)))));
        t.add(t("aap_empty_batch", in -> one(Functional.adaptiveAvgPool2d(in.get("x"), ints(2, 2)))));
        t.add(t("aap_float32", in -> one(Functional.adaptiveAvgPool2d(in.get("x"), ints(5, 3)))));
        for (String[] c : new String[][] {{"amp", "3,4"}, {"amp_3d", "4,2"}, {"amp_upsample", "5,7"}, {"amp_ties", "2,2"},
            {"amp_nan", "2,3"}, {"amp_empty_batch", "2,3"}, {"amp_3d_no_channels", "2,3"}, {"amp_1x1", "1,1"}, {"amp_float32", "5,3"}}) {
            String[] s = c[1].split(",");
            int[] size = {Integer.parseInt(s[0]), Integer.parseInt(s[1])};
            t.add(t(c[0], in -> {
                Tensor.ValuesIndices r = Functional.adaptiveMaxPool2dWithIndices(in.get("x"), size);
                return new Tensor[] {r.values(), r.indices()};
            }));
        }
        return t;
    }

    @TestFactory
    List<DynamicTest> interpolation() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(t("up_nearest_scale2", in -> one(Functional.interpolate(in.get("x"), 2.0, "nearest"))));
        t.add(t("up_nearest_size", in -> one(Functional.interpolate(in.get("x"), ints(7, 5), "nearest"))));
        t.add(t("up_nearest_down", in -> one(Functional.interpolate(in.get("x"), ints(2, 3), "nearest"))));
        t.add(t("up_nearest_scale_frac", in -> one(Functional.interpolate(in.get("x"), null, new double[] {1.7, 0.6}, "nearest",
                null, null))));
        t.add(t("up_nearest_recompute", in -> one(Functional.interpolate(in.get("x"), null, new double[] {1.7, 0.6}, "nearest",
                null, true))));
        t.add(t("up_nearest_1d", in -> one(Functional.interpolate(in.get("x"), ints(7), "nearest"))));
        t.add(t("up_nearest_3d", in -> one(Functional.interpolate(in.get("x"), null, new double[] {2, 1, 1.5}, "nearest", null,
                null))));
        t.add(t("up_nearest_exact", in -> one(Functional.interpolate(in.get("x"), ints(7, 5), "nearest-exact"))));
        t.add(t("up_nearest_exact_scale", in -> one(Functional.interpolate(in.get("x"), 1.7, "nearest-exact"))));
        t.add(t("up_nearest_exact_1d", in -> one(Functional.interpolate(in.get("x"), ints(13), "nearest-exact"))));
        t.add(t("up_nearest_same", in -> one(Functional.interpolate(in.get("x"), ints(3, 4), "nearest"))));
        t.add(t("up_nearest_empty_batch", in -> one(Functional.interpolate(in.get("x"), ints(3), "nearest"))));
        t.add(t("up_nearest_float32", in -> one(Functional.interpolate(in.get("x"), ints(9, 11), "nearest"))));
        t.add(t("up_nearest_uint8", in -> one(Functional.interpolate(in.get("x"), null, new double[] {2, 1.5}, "nearest", null,
                null))));
        t.add(t("up_bilinear", in -> one(Functional.interpolate(in.get("x"), ints(7, 8), "bilinear"))));
        t.add(t("up_bilinear_align", in -> one(Functional.interpolate(in.get("x"), ints(7, 8), null, "bilinear", true, null))));
        t.add(t("up_bilinear_scale", in -> one(Functional.interpolate(in.get("x"), 2.0, "bilinear"))));
        t.add(t("up_bilinear_scale_frac", in -> one(Functional.interpolate(in.get("x"), null, new double[] {1.5, 2.3},
                "bilinear", null, null))));
        t.add(t("up_bilinear_down", in -> one(Functional.interpolate(in.get("x"), 0.6, "bilinear"))));
        t.add(t("up_bilinear_down_align", in -> one(Functional.interpolate(in.get("x"), ints(3, 4), null, "bilinear", true,
                null))));
        t.add(t("up_bilinear_same", in -> one(Functional.interpolate(in.get("x"), ints(3, 4), "bilinear"))));
        t.add(t("up_bilinear_one", in -> one(Functional.interpolate(in.get("x"), ints(1, 3), null, "bilinear", true, null))));
        t.add(t("up_bilinear_empty_batch", in -> one(Functional.interpolate(in.get("x"), ints(3), "bilinear"))));
        t.add(t("up_bilinear_float32", in -> one(Functional.interpolate(in.get("x"), ints(9, 13), "bilinear"))));
        t.add(t("up_bilinear_float32_align", in -> one(Functional.interpolate(in.get("x"), null, new double[] {2.5, 1.5},
                "bilinear", true, null))));
        t.add(t("up_area", in -> one(Functional.interpolate(in.get("x"), ints(3, 4), "area"))));
        t.add(t("up_area_scale", in -> one(Functional.interpolate(in.get("x"), 0.5, "area"))));
        return t;
    }

    @TestFactory
    List<DynamicTest> pixelShuffle() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(t("ps", in -> one(Functional.pixelShuffle(in.get("x"), 2))));
        t.add(t("ps_5d", in -> one(Functional.pixelShuffle(in.get("x"), 2))));
        t.add(t("ps_3", in -> one(Functional.pixelShuffle(in.get("x"), 3))));
        t.add(t("ps_1", in -> one(Functional.pixelShuffle(in.get("x"), 1))));
        t.add(t("ps_empty", in -> one(Functional.pixelShuffle(in.get("x"), 2))));
        t.add(t("ps_long", in -> one(Functional.pixelShuffle(in.get("x"), 2))));
        t.add(t("pu", in -> one(Functional.pixelUnshuffle(in.get("x"), 2))));
        t.add(t("pu_5d", in -> one(Functional.pixelUnshuffle(in.get("x"), 3))));
        t.add(t("pu_float32", in -> one(Functional.pixelUnshuffle(in.get("x"), 2))));
        return t;
    }

    // ------------------------------------------------------------------ errors

    private static Tensor randn(int... shape) {
        return Tensor.randn(shape);
    }

    private static DynamicTest e(String key, Executable call, Tensor... untouched) {
        return DynamicTest.dynamicTest(key, () -> fails(key, call, untouched));
    }

    @TestFactory
    List<DynamicTest> convolutionErrors() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor x = randn(2, 3, 7);
        Tensor w = randn(4, 3, 3);
        t.add(e("c1_err_1d", () -> Functional.conv1d(randn(7), w, null), w));
        t.add(e("c1_err_4d", () -> Functional.conv1d(randn(1, 2, 3, 7), w, null), w));
        t.add(e("c1_err_w2d", () -> Functional.conv1d(x, randn(4, 3), null), x));
        t.add(e("c1_err_w4d", () -> Functional.conv1d(x, randn(4, 3, 1, 1), null), x));
        t.add(e("c1_err_groups", () -> Functional.conv1d(x, w, null, ints(1), ints(0), ints(1), 2), x, w));
        t.add(e("c1_err_channels", () -> Functional.conv1d(x, randn(4, 2, 3), null), x));
        t.add(e("c1_err_bias", () -> Functional.conv1d(x, w, randn(3)), x, w));
        t.add(e("c1_err_bias_type", () -> Functional.conv1d(x, w, randn(4).to(DType.FLOAT64)), x, w));
        t.add(e("c1_err_type", () -> Functional.conv1d(x, w.to(DType.FLOAT64), null), x, w));
        t.add(e("c1_err_long", () -> Functional.conv1d(x.to(DType.INT64), w.to(DType.INT64), null), x, w));
        t.add(e("c1_err_big_kernel", () -> Functional.conv1d(x, randn(4, 3, 9), null), x));
        t.add(e("c1_err_stride0", () -> Functional.conv1d(x, w, null, ints(0), ints(0), ints(1), 1), x, w));
        t.add(e("c1_err_pad_neg", () -> Functional.conv1d(x, w, null, ints(1), ints(-1), ints(1), 1), x, w));
        t.add(e("c1_err_dil0", () -> Functional.conv1d(x, w, null, ints(1), ints(0), ints(0), 1), x, w));
        t.add(e("c1_err_stride_len", () -> Functional.conv1d(x, w, null, ints(1, 2), ints(0), ints(1), 1), x, w));
        t.add(e("c1_err_empty_length", () -> Functional.conv1d(randn(2, 3, 0), w, null, ints(1), ints(2), ints(1), 1), w));
        t.add(e("c1_err_k0", () -> Functional.conv1d(x, randn(4, 3, 0), null), x));
        t.add(e("c1_err_groups0", () -> Functional.conv1d(x, w, null, ints(1), ints(0), ints(1), 0), x, w));
        t.add(e("c1_err_same_stride", () -> Functional.conv1d(x, w, null, ints(2), "same", ints(1), 1), x, w));
        t.add(e("c1_err_bad_padding", () -> Functional.conv1d(x, w, null, ints(1), "foo", ints(1), 1), x, w));
        Tensor xt = randn(2, 4, 5, 5);
        Tensor wt = randn(4, 3, 3, 3);
        Map<String, Executable> ct = new LinkedHashMap<>();
        ct.put("ct_err_2d", () -> Functional.convTranspose2d(randn(5, 5), wt, null));
        ct.put("ct_err_5d", () -> Functional.convTranspose2d(randn(1, 2, 4, 5, 5), wt, null));
        ct.put("ct_err_channels", () -> Functional.convTranspose2d(randn(2, 3, 5, 5), wt, null));
        ct.put("ct_err_groups", () -> convT(xt, wt, null, 1, 0, 0, 3, 1));
        ct.put("ct_err_groups_big", () -> convT(xt, wt, null, 1, 0, 0, 8, 1));
        ct.put("ct_err_groups0", () -> convT(xt, wt, null, 1, 0, 0, 0, 1));
        ct.put("ct_err_bias", () -> Functional.convTranspose2d(xt, wt, randn(4)));
        ct.put("ct_err_bias_type", () -> Functional.convTranspose2d(xt, wt, randn(3).to(DType.FLOAT64)));
        ct.put("ct_err_type", () -> Functional.convTranspose2d(xt, wt.to(DType.FLOAT64), null));
        ct.put("ct_err_outpad", () -> convT(xt, wt, null, 1, 0, 1, 1, 1));
        ct.put("ct_err_outpad_neg", () -> convT(xt, wt, null, 1, 0, -1, 1, 1));
        ct.put("ct_err_stride0", () -> convT(xt, wt, null, 0, 0, 0, 1, 1));
        ct.put("ct_err_pad_neg", () -> convT(xt, wt, null, 1, -1, 0, 1, 1));
        ct.put("ct_err_dil0", () -> convT(xt, wt, null, 1, 0, 0, 1, 0));
        ct.put("ct_err_dilneg", () -> convT(xt, wt, null, 1, 0, 0, 1, -1));
        ct.put("ct_err_too_small", () -> convT(xt, wt, null, 1, 4, 0, 1, 1));
        ct.put("ct_err_empty_h", () -> Functional.convTranspose2d(randn(2, 4, 0, 5), wt, null));
        ct.put("ct_err_k0", () -> Functional.convTranspose2d(xt, randn(4, 3, 0, 3), null));
        ct.put("ct_err_w3d", () -> Functional.convTranspose2d(xt, randn(4, 3, 3), null, ints(1, 1), ints(0, 0), ints(0, 0), 1,
                ints(1, 1)));
        ct.put("ct_err_stride_len", () -> Functional.convTranspose2d(xt, wt, null, ints(1, 2, 3), ints(0), ints(0), 1, ints(1)));
        ct.put("ct_err_outpad_len", () -> Functional.convTranspose2d(xt, wt, null, ints(1), ints(0), ints(1, 2, 3), 1, ints(1)));
        ct.forEach((k, v) -> t.add(e(k, v, xt, wt)));
        return t;
    }

    private static Tensor convT(Tensor x, Tensor w, Tensor b, int stride, int padding, int outputPadding, int groups,
                                int dilation) {
        return Functional.convTranspose2d(x, w, b, ints(stride), ints(padding), ints(outputPadding), groups, ints(dilation));
    }

    @TestFactory
    List<DynamicTest> resamplingErrors() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor x = randn(2, 3, 5, 5);
        t.add(e("aap_err_2d", () -> Functional.adaptiveAvgPool2d(randn(3, 4), ints(2, 2))));
        t.add(e("aap_err_5d", () -> Functional.adaptiveAvgPool2d(randn(1, 2, 3, 4, 5), ints(2, 2))));
        t.add(e("aap_err_empty_h", () -> Functional.adaptiveAvgPool2d(randn(2, 3, 0, 4), ints(2, 2))));
        t.add(e("aap_err_neg", () -> Functional.adaptiveAvgPool2d(x, ints(-1, 2)), x));
        t.add(e("aap_err_long", () -> Functional.adaptiveAvgPool2d(x.to(DType.INT64), ints(2, 2)), x));
        t.add(e("aap_err_sizes", () -> Functional.adaptiveAvgPool2d(x, ints(2, 2, 2)), x));
        t.add(e("amp_err_2d", () -> Functional.adaptiveMaxPool2d(randn(3, 4), ints(2, 2))));
        t.add(e("amp_err_2d_int", () -> Functional.adaptiveMaxPool2d(randn(3, 4), 2)));
        t.add(e("amp_err_empty_h", () -> Functional.adaptiveMaxPool2d(randn(2, 3, 0, 4), ints(2, 2))));
        t.add(e("amp_err_empty_c", () -> Functional.adaptiveMaxPool2d(randn(2, 0, 4, 4), ints(2, 2))));
        t.add(e("amp_err_neg", () -> Functional.adaptiveMaxPool2d(x, ints(-1, 2)), x));
        t.add(e("amp_err_long", () -> Functional.adaptiveMaxPool2d(x.to(DType.INT64), ints(2, 2)), x));
        t.add(e("amp_err_sizes", () -> Functional.adaptiveMaxPool2d(x, ints(2, 2, 2)), x));
        t.add(e("up_err_both", () -> Functional.interpolate(x, ints(3), new double[] {2}, "nearest", null, null), x));
        t.add(e("up_err_none", () -> Functional.interpolate(x, null, null, "nearest", null, null), x));
        t.add(e("up_err_size_len", () -> Functional.interpolate(x, ints(3, 3, 3), "nearest"), x));
        t.add(e("up_err_scale_len", () -> Functional.interpolate(x, null, new double[] {3, 3, 3}, "nearest", null, null), x));
        t.add(e("up_err_recompute_size", () -> Functional.interpolate(x, ints(3), null, "nearest", null, true), x));
        t.add(e("up_err_align_nearest", () -> Functional.interpolate(x, ints(3), null, "nearest", true, null), x));
        t.add(e("up_err_bilinear_3d", () -> Functional.interpolate(randn(2, 3, 4), ints(3), "bilinear")));
        t.add(e("up_err_bilinear_5d", () -> Functional.interpolate(randn(2, 3, 4, 4, 4), ints(3), "bilinear")));
        t.add(e("up_err_nearest_2d", () -> Functional.interpolate(randn(2, 3), ints(3), "nearest")));
        t.add(e("up_err_nearest_6d", () -> Functional.interpolate(randn(1, 1, 1, 2, 3, 4), ints(3), "nearest")));
        t.add(e("up_err_bad_mode", () -> Functional.interpolate(x, ints(3), "foo"), x));
        t.add(e("up_err_zero_size", () -> Functional.interpolate(x, ints(0), "nearest"), x));
        t.add(e("up_err_zero_scale", () -> Functional.interpolate(x, 0.1, "nearest"), x));
        t.add(e("up_err_zero_scale_bilinear", () -> Functional.interpolate(x, 0.1, "bilinear"), x));
        t.add(e("up_err_neg_scale", () -> Functional.interpolate(x, -2.0, "nearest"), x));
        t.add(e("up_err_empty_h", () -> Functional.interpolate(randn(2, 3, 0, 4), ints(3), "nearest")));
        t.add(e("up_err_empty_c", () -> Functional.interpolate(randn(2, 0, 4, 4), ints(3), "nearest")));
        t.add(e("up_err_empty_c_1d", () -> Functional.interpolate(randn(2, 0, 4), ints(3), "nearest")));
        t.add(e("up_err_zero_1d", () -> Functional.interpolate(randn(2, 3, 4), ints(0), "nearest")));
        t.add(e("up_err_zero_3d", () -> Functional.interpolate(randn(1, 2, 2, 3, 2), ints(2, 0, 1), "nearest")));
        t.add(e("up_err_long_nearest", () -> Functional.interpolate(x.to(DType.INT64), ints(3), "nearest"), x));
        t.add(e("up_err_bool_nearest", () -> Functional.interpolate(x.gt(0.0), ints(3), "nearest"), x));
        t.add(e("up_err_long_exact", () -> Functional.interpolate(x.to(DType.INT64), ints(3), "nearest-exact"), x));
        t.add(e("up_err_long_bilinear", () -> Functional.interpolate(x.to(DType.INT64), ints(3), "bilinear"), x));
        t.add(e("ps_err_2d", () -> Functional.pixelShuffle(randn(4, 4), 2)));
        t.add(e("ps_err_factor", () -> Functional.pixelShuffle(randn(4, 4, 4), 0)));
        t.add(e("ps_err_channels", () -> Functional.pixelShuffle(randn(6, 4, 4), 2)));
        t.add(e("pu_err_2d", () -> Functional.pixelUnshuffle(randn(4, 4), 2)));
        t.add(e("pu_err_factor", () -> Functional.pixelUnshuffle(randn(4, 4, 4), -1)));
        t.add(e("pu_err_h", () -> Functional.pixelUnshuffle(randn(4, 3, 4), 2)));
        t.add(e("pu_err_w", () -> Functional.pixelUnshuffle(randn(4, 4, 3), 2)));
        return t;
    }

    // ------------------------------------------------------------------ behaviour beyond the values

    @Test
    void resultsAreNewTensorsNotViews() {
        Tensor x = Tensor.rand(new Generator(1), DType.FLOAT64, 1, 4, 2, 2).requiresGrad_(true);
        Tensor ps = Functional.pixelShuffle(x, 1);
        assertNotSame(x.storage(), ps.storage());
        Tensor up = Functional.interpolate(x, ints(2, 2), "nearest");
        assertNotSame(x.storage(), up.storage());
        assertEquals("UpsampleNearest2DBackward0", up.gradFn().name());
        // an in-place change of the result is an ordinary in-place op on a non-view
        up.mul_(2.0).sum().backward();
        assertArrayEquals(new double[] {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, x.grad().toDoubleArray());
    }

    @Test
    void noRecordingWithoutGradients() {
        Tensor x = Tensor.rand(new Generator(2), DType.FLOAT64, 2, 3, 5, 5);
        assertNull(Functional.adaptiveAvgPool2d(x, ints(2, 3)).gradFn());
        assertNull(Functional.interpolate(x, 2.0, "bilinear").gradFn());
        assertNull(Functional.convTranspose2d(x, Tensor.rand(new Generator(3), DType.FLOAT64, 3, 2, 2, 2), null).gradFn());
        try (GradMode off = Ember.noGrad()) {
            assertNull(Functional.pixelShuffle(x.requiresGrad_(true), 1).gradFn());
        }
    }

    @Test
    void bilinearOfAnExpandedInputReadsItsStrides() {
        Tensor row = Tensor.rand(new Generator(4), DType.FLOAT64, 1, 1, 1, 5);
        Tensor expanded = row.expand(2, 3, 4, 5);
        Tensor a = Functional.interpolate(expanded, ints(7, 9), null, "bilinear", true, null);
        Tensor b = Functional.interpolate(expanded.contiguous(), ints(7, 9), null, "bilinear", true, null);
        assertArrayEquals(b.toDoubleArray(), a.toDoubleArray());
        Tensor c = Functional.adaptiveAvgPool2d(expanded, ints(3, 2));
        assertArrayEquals(Functional.adaptiveAvgPool2d(expanded.contiguous(), ints(3, 2)).toDoubleArray(), c.toDoubleArray());
        Tensor.ValuesIndices m = Functional.adaptiveMaxPool2dWithIndices(expanded, ints(3, 2));
        Tensor.ValuesIndices mc = Functional.adaptiveMaxPool2dWithIndices(expanded.contiguous(), ints(3, 2));
        assertArrayEquals(mc.values().toDoubleArray(), m.values().toDoubleArray());
        assertArrayEquals(mc.indices().toLongArray(), m.indices().toLongArray());
    }

    @Test
    void convTransposeIsTheInputGradientOfConv() {
        // <conv2d(x, w), y> = <x, conv_transpose2d(y, w)>, for strides, padding, dilation and groups
        Generator g = new Generator(5);
        Tensor x = Tensor.rand(g, DType.FLOAT64, 2, 4, 9, 8);
        Tensor w = Tensor.rand(g, DType.FLOAT64, 6, 2, 3, 2);
        Tensor conv = Functional.conv2d(x, w, null, ints(2, 1), ints(1, 0), ints(1, 2), 2);
        Tensor y = Tensor.rand(g, DType.FLOAT64, conv.shape());
        int[] op = {(9 + 2 - 2 * 1 - 1) % 2 == 0 ? 0 : 1, 0};
        Tensor back = Functional.convTranspose2d(y, w, null, ints(2, 1), ints(1, 0), ints(op[0], op[1]), 2, ints(1, 2));
        assertArrayEquals(x.shape(), back.shape());
        assertEquals(conv.mul(y).sum().item(), x.mul(back).sum().item(), 1e-9);
    }

    @Test
    void nullArgumentsNameTheArgument() {
        Tensor x = Tensor.ones(1, 2, 4, 4);
        assertEquals("conv_transpose2d(): argument 'output_padding' (position 6) must be tuple of ints, not null",
                assertThrows(IllegalArgumentException.class, () -> Tensor.convTranspose2d(x, Tensor.ones(2, 2, 1, 1), null,
                        ints(1), ints(0), null, 1, ints(1))).getMessage());
        assertEquals("interpolate(): argument 'mode' (position 4) must be str, not null",
                assertThrows(IllegalArgumentException.class, () -> Functional.interpolate(x, ints(2), null)).getMessage());
        assertEquals("adaptive_max_pool2d(): argument 'output_size' (position 2) must be tuple of ints, not null",
                assertThrows(IllegalArgumentException.class, () -> ResampleFunctions.adaptiveMaxPool2d(x, null)).getMessage());
        assertFalse(x.requiresGrad());
    }
}
