package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * silu's fused float32 CPU kernels (Backend.siluFloat: the forward and silu_backward in one pass each) on the old path
 * ({@code -Dember.cpu.exactTranscendentals=true}) against the composed ops they replace there (sigmoid, the products
 * and addcmul's contraction; {@code -Dember.silu.composed=true}), bit for bit: random values over several kernel
 * blocks with a ragged tail, the specials (zeros, infinities, NaN, the exp range's ends, subnormals), the paths the
 * old kernel leaves to the composed ops (an offset view, a transposed view, create_graph) and an empty tensor. The
 * default path computes PyTorch's kernels instead ({@code x / (1 + exp(-x))} and silu_backward with Sleef's exp over
 * a contiguous run's vector part, the C library's elsewhere, on every layout), which differ from the composed ops by
 * an ulp on about a quarter of the elements: SiluBitsTest holds those to PyTorch 1.13's bits
 * (silubits/make_expected.py: the same kinds of sizes, views and specials).
 */
class SiluFusedKernelTest {
    private static final String COMPOSED = "ember.silu.composed";
    private static final String EXACT = "ember.cpu.exactTranscendentals";

    private String savedExact;

    @BeforeEach
    void setExact() {
        savedExact = System.getProperty(EXACT);
        System.setProperty(EXACT, "true");
    }

    @AfterEach
    void clear() {
        System.clearProperty(COMPOSED);
        if (savedExact == null) {
            System.clearProperty(EXACT);
        } else {
            System.setProperty(EXACT, savedExact);
        }
    }

    /** The same computation with the fused kernels and with the composed ops (both on the old path), as float bits. */
    private static void assertSameBits(Supplier<Tensor> f) {
        System.clearProperty(COMPOSED);
        float[] fused = f.get().toFloatArray();
        System.setProperty(COMPOSED, "true");
        float[] composed = f.get().toFloatArray();
        System.clearProperty(COMPOSED);
        assertEquals(composed.length, fused.length);
        for (int i = 0; i < fused.length; i++) {
            assertEquals(Float.floatToRawIntBits(composed[i]), Float.floatToRawIntBits(fused[i]),
                    "element " + i + ": composed " + composed[i] + ", fused " + fused[i]);
        }
    }

    /** Random values (scaled to reach the sigmoid's flat ends) followed by the specials, as one float32 tensor. */
    private static Tensor inputs(int n) {
        Ember.manualSeed(3);
        float[] r = Tensor.randn(n).mul(Tensor.tensor(12.0f)).toFloatArray();
        float[] specials = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 88.7f, -88.7f,
            103.9f, -103.9f, 200f, -200f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 1e-30f, -1e-30f,
            Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f, 0.5f, -0.5f, 16.6f, -16.6f, 17.4f, -17.4f};
        float[] all = new float[n + specials.length];
        System.arraycopy(r, 0, all, 0, n);
        System.arraycopy(specials, 0, all, n, specials.length);
        return Tensor.fromArray(all);
    }

    @Test
    void forwardMatchesTheComposedOps() {
        Tensor x = inputs(3 * 4096 + 1000).reshape(2, -1);
        assertSameBits(() -> Functional.silu(x));
    }

    @Test
    void backwardMatchesTheComposedOps() {
        Tensor x0 = inputs(2 * 4096 + 77);
        Ember.manualSeed(4);
        Tensor g = Tensor.randn((int) x0.numel());
        assertSameBits(() -> {
            Tensor x = x0.clone().requiresGrad_(true);
            Functional.silu(x).backward(g);
            return x.grad();
        });
    }

    @Test
    void viewsAndTheBackwardsGradientTakeTheComposedPathWithTheSameBits() {
        Tensor x = inputs(6000 - 26).reshape(60, 100);
        assertSameBits(() -> Functional.silu(x.narrow(0, 1, 59)));
        assertSameBits(() -> Functional.silu(x.t()));
        Tensor g = Tensor.randn(100, 60).t(); // a transposed upstream gradient
        assertSameBits(() -> {
            Tensor leaf = x.clone().requiresGrad_(true);
            Functional.silu(leaf).backward(g);
            return leaf.grad();
        });
    }

    @Test
    void createGraphKeepsADifferentiableGradient() {
        Tensor x0 = inputs(5000);
        Tensor g = Tensor.randn((int) x0.numel());
        assertSameBits(() -> {
            Tensor x = x0.clone().requiresGrad_(true);
            Functional.silu(x).backward(g, true, true);
            Tensor gx = x.grad();
            assertTrue(gx.requiresGrad(), "under create_graph silu's gradient records its ops");
            return Autograd.grad(java.util.List.of(gx.sum()), java.util.List.of(x)).get(0);
        });
    }

    @Test
    void emptyAndScalarInputs() {
        assertSameBits(() -> Functional.silu(Tensor.empty(0, 3)));
        assertSameBits(() -> Functional.silu(Tensor.tensor(-2.5f)));
        assertEquals(0, Functional.silu(Tensor.empty(0, 3)).numel());
    }
}
