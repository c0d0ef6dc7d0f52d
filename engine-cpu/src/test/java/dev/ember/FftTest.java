package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Fft} ({@code torch.fft}) against PyTorch 1.13's values, nodes, gradients and messages
 * ({@code torchfft/make_expected.py}, whose case names are the calls: {@code <function> key=value ... # note}), and a
 * numerical gradcheck and gradgradcheck of each of the three primitives, complex inputs and outputs seen through their
 * real views.
 */
class FftTest {

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        return ReferenceCases.tests("/torchfft/expected.txt", FftTest::call, 2e-5);
    }

    /** A 1-D transform's full signature. */
    private interface OneD {
        Tensor apply(Tensor x, Integer n, int dim, String norm);
    }

    /** A 2-D or n-D transform's full signature. */
    private interface ND {
        Tensor apply(Tensor x, int[] s, int[] dim, String norm);
    }

    private static final Map<String, OneD> ONE_D = Map.of("fft", Fft::fft, "ifft", Fft::ifft, "rfft", Fft::rfft,
            "irfft", Fft::irfft, "hfft", Fft::hfft, "ihfft", Fft::ihfft);

    private static final Map<String, ND> N_D = Map.ofEntries(Map.entry("fft2", Fft::fft2), Map.entry("ifft2", Fft::ifft2),
            Map.entry("rfft2", Fft::rfft2), Map.entry("irfft2", Fft::irfft2), Map.entry("hfft2", Fft::hfft2),
            Map.entry("ihfft2", Fft::ihfft2), Map.entry("fftn", Fft::fftn), Map.entry("ifftn", Fft::ifftn),
            Map.entry("rfftn", Fft::rfftn), Map.entry("irfftn", Fft::irfftn), Map.entry("hfftn", Fft::hfftn),
            Map.entry("ihfftn", Fft::ihfftn));

    private static int[] ints(String tuple) {
        String body = tuple.substring(1, tuple.length() - 1).trim();
        if (body.isEmpty()) {
            return new int[0];
        }
        String[] parts = body.split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Integer.parseInt(parts[i].trim());
        }
        return out;
    }

    /** The Ember call a case's name spells. */
    static Function<Tensor[], Tensor> call(String name) {
        int hash = name.indexOf(" # ");
        String[] words = (hash < 0 ? name : name.substring(0, hash)).split(" ");
        String fn = words[0];
        Map<String, String> kw = new HashMap<>();
        for (int i = 1; i < words.length; i++) {
            int eq = words[i].indexOf('=');
            kw.put(words[i].substring(0, eq), words[i].substring(eq + 1));
        }
        String norm = kw.get("norm");
        if (fn.endsWith("freq")) {
            int n = Integer.parseInt(kw.get("n"));
            double d = kw.containsKey("d") ? Double.parseDouble(kw.get("d")) : 1.0;
            DType dtype = kw.containsKey("dtype") ? DType.valueOf(kw.get("dtype").toUpperCase(Locale.ROOT)) : null;
            return a -> fn.equals("fftfreq") ? Fft.fftfreq(n, d, dtype, Device.CPU) : Fft.rfftfreq(n, d, dtype, Device.CPU);
        }
        String view = kw.get("view");
        Function<Tensor, Tensor> seen = view == null ? x -> x
                : view.equals("mT") ? x -> viewOf(x, true) : x -> viewOf(x, false);
        if (fn.endsWith("shift")) {
            int[] dims = kw.containsKey("dim") ? kw.get("dim").startsWith("(") ? ints(kw.get("dim"))
                    : new int[] {Integer.parseInt(kw.get("dim"))} : null;
            return a -> fn.equals("fftshift") ? Fft.fftshift(seen.apply(a[0]), dims) : Fft.ifftshift(seen.apply(a[0]), dims);
        }
        if (N_D.containsKey(fn)) {
            int[] s = kw.containsKey("s") ? ints(kw.get("s")) : null;
            int[] dim = kw.containsKey("dim") ? ints(kw.get("dim")) : null;
            return a -> N_D.get(fn).apply(seen.apply(a[0]), s, dim, norm);
        }
        Integer n = kw.containsKey("n") ? Integer.valueOf(kw.get("n")) : null;
        int dim = kw.containsKey("dim") ? Integer.parseInt(kw.get("dim")) : -1;
        if (!ONE_D.containsKey(fn)) {
            throw new IllegalArgumentException("no Ember call for case " + name);
        }
        return a -> ONE_D.get(fn).apply(seen.apply(a[0]), n, dim, norm);
    }

    /** {@code x.mT} or {@code x[..., ::2]}, through the real view for a complex tensor (StftTest's too). */
    static Tensor viewOf(Tensor x, boolean transpose) {
        boolean complex = x.dtype().isComplex();
        Tensor t = complex ? x.viewAsReal() : x;
        int last = complex ? t.dim() - 2 : t.dim() - 1;
        Tensor v = transpose ? t.transpose(last - 1, last) : t.slice(last, 0, t.size(last), 2);
        return complex ? v.viewAsComplex() : v;
    }

    private static final Generator GEN = new Generator(1913);

    /** A float64 leaf of uniform values in [-1, 1). */
    static Tensor leaf(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(2.0).sub(1.0).requiresGrad_(true);
    }

    /** gradcheck and gradgradcheck of {@code f} (real in, real out: complex ones through their real views). */
    static void check(Function<Tensor[], Tensor> f, Tensor... in) {
        assertTrue(Autograd.gradcheck(f, in));
        assertTrue(Autograd.gradgradcheck(f, in));
    }

    @Test
    void c2cGradcheck() {
        // FftC2CBackward0: the adjoint is the transform the other way with the same scaling
        for (String norm : new String[] {null, "ortho", "forward"}) {
            check(a -> Fft.fft(a[0].viewAsComplex(), null, -1, norm).viewAsReal(), leaf(3, 5, 2));
            check(a -> Fft.ifft(a[0].viewAsComplex(), 4, 0, norm).viewAsReal(), leaf(3, 2, 2));
        }
        check(a -> Fft.fftn(a[0].viewAsComplex(), new int[] {4, 3}, new int[] {0, 2}, "ortho").viewAsReal(), leaf(3, 2, 4, 2));
    }

    @Test
    void r2cGradcheck() {
        // FftR2CBackward0: onesided (odd and even lengths, the missing half zero-filled) and two-sided
        for (int n : new int[] {1, 2, 5, 6}) {
            check(a -> Fft.rfft(a[0]).viewAsReal(), leaf(2, n));
        }
        check(a -> Fft.fft(a[0], null, 0, "ortho").viewAsReal(), leaf(5, 2));
        check(a -> Fft.rfftn(a[0], new int[] {3, 4}, null, "forward").viewAsReal(), leaf(2, 3, 5));
        check(a -> Fft.ihfft2(a[0]).viewAsReal(), leaf(3, 4));
    }

    @Test
    void c2rGradcheck() {
        // FftC2RBackward0: r2c of the gradient with the entries whose reflection is outside the half doubled
        for (int n : new int[] {1, 2, 5, 6}) {
            check(a -> Fft.irfft(a[0].viewAsComplex(), n, -1, null), leaf(2, n / 2 + 1, 2));
        }
        check(a -> Fft.hfft(a[0].viewAsComplex(), 7, 0, "ortho"), leaf(3, 2, 2));
        check(a -> Fft.irfftn(a[0].viewAsComplex(), new int[] {3, 6}, null, "forward"), leaf(2, 3, 4, 2));
        check(a -> Fft.hfft2(a[0].viewAsComplex()), leaf(3, 3, 2));
    }

    @Test
    void shiftGradcheck() {
        check(a -> Fft.fftshift(a[0].viewAsComplex(), 0, 1).viewAsReal(), leaf(3, 4, 2));
        check(a -> Fft.ifftshift(a[0]), leaf(5, 4));
    }

    @Test
    void roundTrips() {
        Tensor x = leaf(4, 7).detach();
        assertClose(x, Fft.irfft(Fft.rfft(x), 7, -1, null));
        assertClose(x, Fft.ifft(Fft.fft(x)).real());
        assertClose(x, Fft.hfft(Fft.ihfft(x), 7, -1, null));
        assertClose(x, Fft.irfftn(Fft.rfftn(x, null, null, "ortho"), new int[] {4, 7}, null, "ortho"));
        assertClose(x, Fft.ifftshift(Fft.fftshift(x)));
        // Parseval with norm="ortho": the energy is unchanged
        double energy = x.mul(x).sum().item();
        Tensor f = Fft.fft2(x, null, null, "ortho").viewAsReal();
        assertEquals(energy, f.mul(f).sum().item(), 1e-12 * energy);
    }

    private static void assertClose(Tensor expected, Tensor got) {
        assertArrayEquals(expected.shape(), got.shape());
        double[] e = expected.toDoubleArray();
        double[] g = got.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], g[i], 1e-12, "element " + i);
        }
    }

    @Test
    void badArgumentsLeaveNothingBehind() {
        Tensor x = leaf(3, 4);
        Tensor before = x.detach().clone();
        assertEquals("Invalid normalization mode: \"Ortho\"",
                assertThrows(IllegalArgumentException.class, () -> Fft.fft(x, null, -1, "Ortho")).getMessage());
        assertEquals("fft_fft(): argument 'input' (position 1) must be Tensor, not null",
                assertThrows(IllegalArgumentException.class, () -> Fft.fft(null)).getMessage());
        assertEquals("Invalid number of data points (0) specified",
                assertThrows(IllegalArgumentException.class, () -> Fft.rfftn(x, new int[] {0, 4}, null, null)).getMessage());
        assertEquals("fftfreq requires a floating point or complex dtype",
                assertThrows(IllegalArgumentException.class, () -> Fft.fftfreq(4, 1.0, DType.INT32, Device.CPU)).getMessage());
        assertArrayEquals(before.toDoubleArray(), x.toDoubleArray());
        assertEquals(null, x.grad());
    }

    @Test
    void nullArguments() throws IllegalAccessException {
        // None-able in Python: n and norm of the 1-D transforms, s, dim and norm of the others, fftfreq's dtype, the
        // shifts' dim; a null input or device is refused with PyTorch's missing-argument message
        Set<String> nullable = new HashSet<>(Set.of("Fft.fftfreq#2", "Fft.rfftfreq#2", "Fft.fftshift#1", "Fft.ifftshift#1"));
        for (String f : ONE_D.keySet()) {
            nullable.addAll(List.of("Fft." + f + "#1", "Fft." + f + "#3"));
        }
        for (String f : N_D.keySet()) {
            nullable.addAll(List.of("Fft." + f + "#1", "Fft." + f + "#2", "Fft." + f + "#3"));
        }
        assertEquals(List.of(), NullArgumentsTest.sweep(Fft.class, nullable));
    }
}
