package dev.ember;

import dev.ember.nn.Functional;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code F.interpolate(..., antialias=True)} against PyTorch ({@code antialias/make_expected.py}): bilinear and
 * bicubic, float64 and float32, shrinking, enlarging and mixed, align_corners, scale factors with and without
 * recompute_scale_factor, one-sample outputs, wide windows, an empty batch, an infinite input, the refused types and
 * modes; values, node names and float64 gradients (1e-12 relative), float32 to 2e-6. Then gradcheck and gradgradcheck.
 */
class AntialiasTest {

    /**
     * The Ember call a case's name describes: {@code <mode> size=h,w|scale=sh,sw align=.. recompute=.. [as=dtype] #k}
     * ({@code as}: the input cast to that half type first, as ReferenceCases reads half values as float64).
     */
    private static Function<Tensor[], Tensor> call(String name) {
        String[] p = name.split(" ");
        String mode = p[0];
        String[] kv = p[1].split("=");
        String[] vals = kv[1].split(",");
        int[] size = null;
        double[] scale = null;
        if (kv[0].equals("size")) {
            size = Arrays.stream(vals).mapToInt(Integer::parseInt).toArray();
        } else {
            scale = Arrays.stream(vals).mapToDouble(Double::parseDouble).toArray();
        }
        Boolean align = option(p[2]);
        Boolean recompute = option(p[3]);
        DType as = p[4].startsWith("as=") ? DType.valueOf(p[4].substring(3).toUpperCase()) : null;
        int[] s = size;
        double[] sf = scale;
        return a -> Functional.interpolate(as == null ? a[0] : a[0].detach().to(as), s, sf, mode, align, recompute, true);
    }

    private static Boolean option(String kv) {
        String v = kv.substring(kv.indexOf('=') + 1);
        return v.equals("none") ? null : Boolean.valueOf(v);
    }

    @TestFactory
    List<DynamicTest> matchesPyTorch() {
        List<DynamicTest> tests = ReferenceCases.tests("/antialias/expected.txt", AntialiasTest::call, 2e-6);
        assertEquals(76, tests.size());
        return tests;
    }

    @Test
    void gradcheckAndGradgradcheck() {
        Generator g = new Generator(7);
        for (String mode : List.of("bilinear", "bicubic")) {
            Tensor x = Tensor.randn(g, DType.FLOAT64, 1, 2, 7, 9).requiresGrad_(true);
            for (int[] size : List.of(new int[] {3, 4}, new int[] {7, 2}, new int[] {10, 5})) {
                Function<Tensor[], Tensor> f = a -> Functional.interpolate(a[0], size, null, mode, false, null, true);
                assertTrue(Autograd.gradcheck(f, x), mode + " " + Arrays.toString(size));
                assertTrue(Autograd.gradgradcheck(f, x), mode + " " + Arrays.toString(size));
            }
        }
    }

    @Test
    void stridedInputGivesTheSameBits() {
        Generator g = new Generator(11);
        for (String mode : List.of("bilinear", "bicubic")) {
            Tensor x = Tensor.randn(g, DType.FLOAT32, 2, 3, 11, 9);
            Tensor strided = x.transpose(2, 3).contiguous().transpose(2, 3); // same values, column-major planes
            Tensor sliced = Tensor.randn(g, DType.FLOAT32, 2, 3, 22, 9).narrow(2, 0, 22).slice(2, 0, 22, 2);
            for (Tensor in : List.of(strided, sliced)) {
                Tensor want = Functional.interpolate(in.contiguous(), new int[] {4, 5}, null, mode, false, null, true);
                Tensor got = Functional.interpolate(in, new int[] {4, 5}, null, mode, false, null, true);
                assertTrue(Arrays.equals(want.toFloatArray(), got.toFloatArray()), mode);
            }
        }
    }

    @Test
    void aScaleThatKeepsASizeLeavesThatAxisAlone() {
        // 7 * 1.1 -> 7: PyTorch 2.x copies that axis; the other is resampled with 1 / 0.5
        Tensor x = Tensor.randn(new Generator(3), DType.FLOAT64, 1, 1, 7, 8);
        Tensor kept = Functional.interpolate(x, null, new double[] {1.1, 0.5}, "bilinear", false, null, true);
        Tensor unit = Functional.interpolate(x, null, new double[] {1.0, 0.5}, "bilinear", false, null, true);
        assertTrue(Arrays.equals(unit.toDoubleArray(), kept.toDoubleArray()));
        Tensor same = Functional.interpolate(x, new int[] {7, 8}, null, "bicubic", false, null, true);
        assertTrue(Arrays.equals(x.toDoubleArray(), same.toDoubleArray()));
    }
}
