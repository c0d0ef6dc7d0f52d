package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Fft#stft} and {@link Fft#istft} against PyTorch 1.13's values, nodes, gradients (of the signal, the spectrum
 * and the window) and messages, with PyTorch 2.x's where they differ ({@code stft/make_expected.py}, whose case names
 * are the calls: {@code <op> key=value ... # note}, op stft, istft or roundtrip); a numerical gradcheck and
 * gradgradcheck of both; the round trip; errors leaving the inputs unchanged.
 */
class StftTest {

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        return ReferenceCases.tests("/stft/expected.txt", StftTest::call, 2e-5);
    }

    private static Integer integer(Map<String, String> kw, String key) {
        return kw.containsKey(key) ? Integer.valueOf(kw.get(key)) : null;
    }

    private static Boolean bool(Map<String, String> kw, String key) {
        return kw.containsKey(key) ? Boolean.valueOf(kw.get(key).toLowerCase(java.util.Locale.ROOT)) : null;
    }

    /** The Ember call a case's name spells (in0 the signal or spectrum, in1 the window when there is one). */
    static Function<Tensor[], Tensor> call(String name) {
        int hash = name.indexOf(" # ");
        String[] words = (hash < 0 ? name : name.substring(0, hash)).split(" ");
        String op = words[0];
        Map<String, String> kw = new HashMap<>();
        for (int i = 1; i < words.length; i++) {
            int eq = words[i].indexOf('=');
            kw.put(words[i].substring(0, eq), words[i].substring(eq + 1));
        }
        int nFft = Integer.parseInt(kw.get("n_fft"));
        Integer hop = integer(kw, "hop_length");
        Integer win = integer(kw, "win_length");
        boolean center = !"False".equals(kw.get("center"));
        String padMode = kw.getOrDefault("pad_mode", "reflect");
        boolean normalized = "True".equals(kw.get("normalized"));
        Boolean onesided = bool(kw, "onesided");
        Boolean returnComplex = bool(kw, "return_complex");
        Integer length = integer(kw, "length");
        boolean step = "step".equals(kw.get("view"));
        Function<Tensor[], Tensor> window = a -> a.length > 1 ? a[1] : null;
        Function<Tensor[], Tensor> signal = a -> step ? FftTest.viewOf(a[0], false) : a[0];
        switch (op) {
            case "stft":
                return a -> Fft.stft(signal.apply(a), nFft, hop, win, window.apply(a), center, padMode, normalized, onesided,
                        returnComplex);
            case "istft":
                return a -> Fft.istft(a[0], nFft, hop, win, window.apply(a), center, normalized, onesided, length,
                        Boolean.TRUE.equals(returnComplex));
            case "roundtrip":
                return a -> {
                    Tensor spec = Fft.stft(a[0], nFft, hop, win, window.apply(a), center, "reflect", normalized, null, true);
                    return Fft.istft(spec, nFft, hop, win, window.apply(a), center, normalized, onesided, length,
                            Boolean.TRUE.equals(returnComplex));
                };
            default:
                throw new IllegalArgumentException("no Ember call for case " + name);
        }
    }

    private static final Generator GEN = new Generator(2029);

    @Test
    void stftGradcheck() {
        Tensor hann = Tensor.hannWindow(6, true, DType.FLOAT64, Device.CPU);
        // the signal and the window, real (onesided) and two-sided, every pad mode
        for (String mode : new String[] {"reflect", "constant", "replicate", "circular"}) {
            FftTest.check(a -> Fft.stft(a[0], 6, 2, null, a[1], true, mode, false, null, true).viewAsReal(),
                    FftTest.leaf(11),
                    hann.detach().clone().requiresGrad_(true));
        }
        FftTest.check(a -> Fft.stft(a[0], 5, 2, 3, a[1], false, "reflect", true, false, true).viewAsReal(),
                FftTest.leaf(2, 9), FftTest.leaf(3));
        // a complex signal (framed and padded through its real view) and a complex window
        FftTest.check(a -> Fft.stft(a[0].viewAsComplex(), 4, 1, null, null, true, "reflect", false, null, true).viewAsReal(),
                FftTest.leaf(7, 2));
        FftTest.check(a -> Fft.stft(a[0], 4, 2, null, a[1].viewAsComplex(), false, "reflect", false, null, null).viewAsReal(),
                FftTest.leaf(2, 8), FftTest.leaf(4, 2));
    }

    @Test
    void istftGradcheck() {
        // the spectrum and the window: overlap-add and the envelope's division both carry gradients
        FftTest.check(a -> Fft.istft(a[0].viewAsComplex(), 6, 2, null, a[1], true, false, null, null, false),
                FftTest.leaf(4, 6, 2),
                FftTest.leaf(6).add(2.0).detach().requiresGrad_(true));
        FftTest.check(a -> Fft.istft(a[0].viewAsComplex(), 4, 2, 3, a[1], false, true, false, 9, false),
                FftTest.leaf(2, 4, 4, 2),
                FftTest.leaf(3).add(2.0).detach().requiresGrad_(true));
        FftTest.check(a -> Fft.istft(a[0].viewAsComplex(), 4, 1, null, null, true, false, null, 10, true).viewAsReal(),
                FftTest.leaf(4, 5, 2));
    }

    @Test
    void roundTrips() {
        for (DType dtype : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            Tensor x = Tensor.rand(GEN, dtype, 3, 50);
            Tensor w = Tensor.hannWindow(16, true, dtype, Device.CPU);
            Tensor spec = Fft.stft(x, 16, 4, null, w, true);
            assertArrayEquals(new int[] {3, 9, 13}, spec.shape());
            assertClose(x, Fft.istft(spec, 16, 4, null, w, true, false, null, 50, false), dtype == DType.FLOAT64 ? 1e-12 : 1e-5);
        }
        Tensor z = Tensor.complex(FftTest.leaf(40).detach(), FftTest.leaf(40).detach());
        Tensor w = Tensor.hammingWindow(12, true, 0.54, 0.46, DType.FLOAT64, Device.CPU);
        Tensor spec = Fft.stft(z, 12, 3, 10, w.narrow(0, 1, 10), true, "constant", true, null, null);
        Tensor back = Fft.istft(spec, 12, 3, 10, w.narrow(0, 1, 10), true, true, null, 40, true);
        assertClose(z.viewAsReal(), back.viewAsReal(), 1e-12);
    }

    private static void assertClose(Tensor expected, Tensor got, double tol) {
        assertArrayEquals(expected.shape(), got.shape());
        double[] e = expected.toDoubleArray();
        double[] g = got.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], g[i], tol, "element " + i);
        }
    }

    @Test
    void defaultsAndShortForms() {
        Tensor x = FftTest.leaf(33).detach();
        Tensor w = Tensor.hannWindow(8, true, DType.FLOAT64, Device.CPU);
        Tensor full = Fft.stft(x, 8, null, null, w, true, "reflect", false, null, true);
        // hop n_fft / 4, 1 + 33 / 2 frames of the padded signal, 5 frequencies
        assertArrayEquals(new int[] {5, 17}, full.shape());
        assertArrayEquals(full.viewAsReal().toDoubleArray(), Fft.stft(x, 8, null, null, w, true).viewAsReal().toDoubleArray());
        assertClose(x, Fft.istft(full, 8, null, null, w, true, false, null, 33, false), 1e-12);
        // without length, istft keeps (frames - 1) * hop samples
        assertArrayEquals(new int[] {32}, Fft.istft(full, 8, null, null, w).shape());
        // return_complex=false is the real view
        assertArrayEquals(full.viewAsReal().toDoubleArray(), Fft.stft(x, 8, null, null, w, false).toDoubleArray());
    }

    @Test
    void badArgumentsLeaveNothingBehind() {
        Tensor x = FftTest.leaf(16);
        Tensor w = Tensor.hannWindow(8, true, DType.FLOAT64, Device.CPU).requiresGrad_(true);
        double[] before = x.detach().toDoubleArray();
        assertEquals("stft(): argument 'input' (position 1) must be Tensor, not null",
                assertThrows(IllegalArgumentException.class, () -> Fft.stft(null, 8, null, null, w, true)).getMessage());
        assertEquals("stft(): argument 'pad_mode' (position 7) must be str, not null",
                assertThrows(IllegalArgumentException.class,
                        () -> Fft.stft(x, 8, null, null, w, true, null, false, null, true)).getMessage());
        assertEquals("istft(): argument 'input' (position 1) must be Tensor, not null",
                assertThrows(IllegalArgumentException.class, () -> Fft.istft(null, 8, null, null, w)).getMessage());
        // half and bfloat16 signals: PyTorch's CPU FFT has no half types (as Fft's functions refuse them)
        assertEquals("Unsupported dtype Half", assertThrows(IllegalArgumentException.class,
                () -> Fft.stft(x.detach().to(DType.FLOAT16), 4, null, null, null, false, "reflect", false, null, true))
                .getMessage());
        assertEquals("Unsupported dtype BFloat16", assertThrows(IllegalArgumentException.class,
                () -> Fft.stft(x.detach().to(DType.BFLOAT16), 4, null, null, null, false, "reflect", false, null, true))
                .getMessage());
        Tensor spec = Fft.stft(x.detach(), 8, null, null, w.detach(), true);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Fft.istft(spec, 8, null, null, w, false, false, null,
                null, false)).getMessage().endsWith("window overlap add min: 1"));
        assertArrayEquals(before, x.detach().toDoubleArray());
        assertNull(x.grad());
        assertNull(w.grad());
    }
}
