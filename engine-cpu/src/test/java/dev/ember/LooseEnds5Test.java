package dev.ember;

import dev.ember.amp.GradScaler;
import dev.ember.nn.Functional;
import dev.ember.nn.Upsample;
import dev.ember.nn.UpsamplingBilinear2d;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Session 37's loose ends, round 5, against {@code resources/looseends5/make_expected.py} (PyTorch 1.13; 2.x where it
 * differs, said beside the case).
 * <ol>
 * <li>float32 and float64 bilinear upsampling ({@code interpolate(mode="bilinear")}, {@code Upsample},
 * {@code UpsamplingBilinear2d}) and its backward bit for bit: PyTorch's CPU kernels are compiled with FMA contraction,
 * so the source index {@code scale * (i + 0.5) - 0.5} and the sums {@code t0 * w0 + t1 * w1} are fused multiply-adds
 * and the backward's {@code g_in += h * w * g} is {@code fma(h * w, g, g_in)}; Ember rounded each product, up to an
 * ulp away. The cases are those where 1.13's results are 2.x's too (see the generator).</li>
 * <li>{@code GradScaler.step(optimizer, closure)}: PyTorch's {@code step(optimizer, closure=...)}, which a disabled
 * scaler passes to the optimizer and an enabled one refuses before anything else (there was no such method).</li>
 * <li>(4) bfloat16 {@code histc}: each element's bin in bfloat16 arithmetic as PyTorch 2.x's kernel
 * ({@code (x - min) * bins / (max - min)}, each operation rounded to bfloat16, between bfloat16 edges); Ember computed
 * it in double. 1.13 divides first, so the elements both orders bin alike are held to 1.13's histc, the others to 2.x's
 * formula evaluated by the generator in PyTorch's bfloat16 arithmetic.</li>
 * </ol>
 */
class LooseEnds5Test {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/looseends5/expected.txt");

    // ------------------------------------------------------------------ 1. bilinear upsampling bit for bit

    /** The generator's inputs: ((k * 7919 + shift) mod 10007) / 10007 - 0.5 in double, rounded to {@code dtype}. */
    private static Tensor rational(int[] shape, DType dtype, int shift) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            v[k] = ((k * 7919L + shift) % 10007) / 10007.0 - 0.5;
        }
        return Tensor.tensor(v, DType.FLOAT64).reshape(shape).to(dtype);
    }

    /** The same bits (float32 values widen exactly to the doubles the file holds). */
    private static void assertSameBits(String key, Tensor got) {
        Tensor want = EXPECTED.tensor(key);
        assertEquals(want.dtype(), got.dtype(), key);
        assertArrayEquals(want.shape(), got.shape(), key);
        double[] e = want.toDoubleArray();
        double[] g = got.detach().toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            assertEquals(Double.doubleToRawLongBits(e[i]), Double.doubleToRawLongBits(g[i]),
                    () -> key + " differs from PyTorch's bits");
        }
    }

    private static void bilinearCase(String key, DType dtype, int[] shape, int[] size, double[] scale, boolean ac) {
        Tensor x = rational(shape, dtype, 0).requiresGrad_(true);
        Tensor y;
        if (key.equals("f32.ac.half_quarter")) {
            y = new UpsamplingBilinear2d(size, null).apply(x);
        } else if (key.equals("f64.odd")) {
            y = new Upsample(size, null, "bilinear", false, null).apply(x);
        } else {
            y = Functional.interpolate(x, size, scale, "bilinear", ac, null);
        }
        y.backward(rational(y.shape(), dtype, 3));
        assertSameBits("bilinear." + key + ".out", y);
        assertSameBits("bilinear." + key + ".grad", x.grad());
    }

    @Test
    void bilinearUpsamplingIsPyTorchsBitForBit() {
        DType f = DType.FLOAT32;
        DType d = DType.FLOAT64;
        bilinearCase("f32.ac.half_quarter", f, new int[] {1, 2, 3, 33}, new int[] {5, 129}, null, true);
        bilinearCase("f32.up2", f, new int[] {1, 2, 3, 65}, new int[] {6, 130}, null, false);
        bilinearCase("f32.up2.scale", f, new int[] {1, 2, 3, 65}, null, new double[] {2.0, 2.0}, false);
        bilinearCase("f32.up4", f, new int[] {1, 2, 2, 33}, new int[] {8, 132}, null, false);
        bilinearCase("f32.down2", f, new int[] {1, 2, 4, 260}, new int[] {2, 130}, null, false);
        bilinearCase("f64.odd", d, new int[] {1, 2, 4, 37}, new int[] {7, 125}, null, false);
        bilinearCase("f64.odd.ac", d, new int[] {1, 2, 5, 41}, new int[] {9, 123}, null, true);
        bilinearCase("f64.scale", d, new int[] {1, 2, 3, 29}, null, new double[] {2.3, 4.7}, false);
        bilinearCase("f64.down", d, new int[] {1, 2, 7, 263}, new int[] {3, 131}, null, false);
    }

    /** The distinct values of {@code t}, printed as Python prints a sorted list of floats. */
    private static String distinct(Tensor t) {
        TreeSet<Double> s = new TreeSet<>();
        for (double v : t.toDoubleArray()) {
            s.add(v);
        }
        StringBuilder b = new StringBuilder("[");
        for (double v : s) {
            b.append(b.length() > 1 ? ", " : "").append(Format.repr(v));
        }
        return b.append("]").toString();
    }

    @Test
    void aConstantMapUpsampledIsPyTorchs() {
        // PyTorch's constant maps stay constant at these sizes (fma(c, l0, c * l1) rounds back to c); not a property of
        // bilinear upsampling in float arithmetic in general, so the test holds Ember to PyTorch's values
        Map<String, Tensor> maps = Map.of(
                "bilinear.constant.distinct", Functional.interpolate(Tensor.full(DType.FLOAT32, 0.7, 1, 2, 3, 65),
                        new int[] {6, 130}, null, "bilinear", false, null),
                "bilinear.constant64.distinct", Functional.interpolate(Tensor.full(DType.FLOAT64, 0.7, 1, 2, 4, 37),
                        new int[] {7, 125}, null, "bilinear", false, null));
        maps.forEach((key, y) -> assertEquals(EXPECTED.get(key), distinct(y), key));
    }

    // ------------------------------------------------------------------ 2. GradScaler.step(optimizer, closure)

    @Test
    void gradScalerStepWithAClosure() {
        Tensor w = Tensor.tensor(new double[] {1.5, -0.5}, DType.FLOAT64).requiresGrad_(true);
        SGD opt = new SGD(java.util.List.of(w), 0.1);
        Optimizer.Closure closure = () -> {
            opt.zeroGrad();
            Tensor loss = w.mul(w).sum().mul(3);
            loss.backward();
            return loss;
        };
        GradScaler off = new GradScaler("cpu", 8.0, 2.0, 0.5, 2000, false);
        assertSameBits("scaler.disabled.loss", off.step(opt, closure));
        assertSameBits("scaler.disabled.w", w);

        GradScaler on = new GradScaler("cpu", 8.0, 2.0, 0.5, 2000, true);
        String before = on.stateDict().toString();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> on.step(opt, closure));
        assertEquals(EXPECTED.get("scaler.enabled.closure"), "RuntimeError: " + e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> on.step(opt, null));
        assertEquals(EXPECTED.get("scaler.enabled.closureNone"), "RuntimeError: " + e.getMessage());
        assertSameBits("scaler.enabled.w", w);
        assertEquals(before, on.stateDict().toString(), "the scaler unchanged");
        // the scaler still works: scale, step without a closure, update
        opt.zeroGrad();
        on.scale(w.mul(w).sum()).backward();
        assertEquals(true, on.step(opt));
        on.update();
    }

    // ------------------------------------------------------------------ 4. bfloat16 histc

    @Test
    void bfloat16HistcBinsEachElementInBfloat16AsPyTorch2() {
        Tensor x = EXPECTED.tensor("histc.x");
        for (String key : EXPECTED.keys("histc.")) {
            if (!key.endsWith(".range")) {
                continue;
            }
            String k = "histc." + key.substring(0, key.length() - ".range".length());
            String[] range = EXPECTED.get(k + ".range").split(" ");
            double lo = Double.parseDouble(range[0]);
            double hi = Double.parseDouble(range[1]);
            int bins = Integer.parseInt(k.split("\\.")[1]);
            Tensor same = x.maskedSelect(EXPECTED.tensor(k + ".same"));
            assertSameBits(k + ".hist", same.histc(bins, lo, hi));
            Tensor differ = x.maskedSelect(EXPECTED.tensor(k + ".differ"));
            assertSameBits(k + ".hist2x", differ.histc(bins, lo, hi));
            if (k.endsWith(".0.0.0.0")) {
                // min == max: the data's range, every element inside, in one bin or the other of the two lists
                Tensor want = EXPECTED.tensor(k + ".hist").add(EXPECTED.tensor(k + ".hist2x"));
                assertEquals(want.toList(), x.histc(bins).toList(), k + " over the data's range");
            }
        }
    }
}
