package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Fft;
import dev.ember.Generator;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParityTest.p;

/**
 * {@link Fft#stft} and {@link Fft#istft} on CUDA against the CPU, forward and backward (the signal's, the spectrum's
 * and the window's gradients): real and complex signals, every pad mode, center on and off, onesided and two-sided,
 * normalized, batched, windows shorter than {@code n_fft}, and the round trip. Complex tensors are made from real ones
 * ({@code viewAsComplex} of a {@code [..., 2]} tensor) and complex outputs compared through their real views.
 */
@ExtendWith(CudaGate.class)
class CudaStftTest {
    private static final Generator GEN = new Generator(4111);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(2.0).sub(1.0);
    }

    private static Tensor hann(int n) {
        return Tensor.hannWindow(n, true, DType.FLOAT32, Device.CPU);
    }

    @TestFactory
    List<DynamicTest> stft() {
        List<DynamicTest> t = new ArrayList<>();
        for (String mode : new String[] {"reflect", "constant", "replicate", "circular"}) {
            t.add(p("stft " + mode, a -> Fft.stft(a[0], 64, 16, null, a[1], true, mode, false, null, true).viewAsReal(),
                    r(500), hann(64)));
        }
        t.add(p("stft batched, no center, two-sided, normalized",
                a -> Fft.stft(a[0], 32, 8, 20, a[1], false, "reflect", true, false, true).viewAsReal(), r(3, 300), hann(20)));
        t.add(p("stft complex signal", a -> Fft.stft(a[0].viewAsComplex(), 16, 4, null, a[1], true, "reflect", false, null,
                true).viewAsReal(), r(2, 120, 2), hann(16)));
        t.add(p("stft real output", a -> Fft.stft(a[0], 12, 3, null, a[1], false), r(97), hann(12)));
        t.add(p("istft", a -> Fft.istft(a[0].viewAsComplex(), 64, 16, null, a[1]), r(33, 20, 2), hann(64).add(0.1)));
        t.add(p("istft batched, length, two-sided complex", a -> Fft.istft(a[0].viewAsComplex(), 16, 4, 12, a[1], true,
                true, false, 70, true).viewAsReal(), r(2, 16, 18, 2), hann(12).add(0.1)));
        t.add(p("round trip", a -> Fft.istft(Fft.stft(a[0], 128, 32, null, a[1], true), 128, 32, null, a[1], true, false,
                null, 1000, false), r(2, 1000), hann(128)));
        return t;
    }
}
