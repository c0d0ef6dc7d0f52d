package dev.ember.cuda;

import dev.ember.DType;
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
 * {@code torch.fft} ({@link Fft}) on CUDA against the CPU, forward and backward: the three primitives (c2c, r2c, c2r)
 * through the public functions, on odd, even, prime and longer lengths, batched, strided and multi-dimensional
 * inputs. Complex inputs are made from real ones ({@code viewAsComplex} of a {@code [..., 2]} tensor) and complex
 * outputs compared through their real views, so the parity harness sees real tensors only.
 */
@ExtendWith(CudaGate.class)
class CudaFftTest {
    private static final Generator GEN = new Generator(4099);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(2.0).sub(1.0);
    }

    /** A real {@code [..., 2]} tensor whose complex view is the signal. */
    private static Tensor c(int... shape) {
        int[] s = java.util.Arrays.copyOf(shape, shape.length + 1);
        s[shape.length] = 2;
        return r(s);
    }

    @TestFactory
    List<DynamicTest> fft() {
        List<DynamicTest> t = new ArrayList<>();
        for (int n : new int[] {1, 2, 7, 16, 17, 60, 97, 1000}) {
            t.add(p("fft complex n=" + n, a -> Fft.fft(a[0].viewAsComplex()).viewAsReal(), c(3, n)));
            t.add(p("rfft n=" + n, a -> Fft.rfft(a[0]).viewAsReal(), r(3, n)));
            t.add(p("irfft n=" + n, a -> Fft.irfft(a[0].viewAsComplex(), n, -1, null), c(3, n / 2 + 1)));
        }
        t.add(p("ifft ortho along dim 0", a -> Fft.ifft(a[0].viewAsComplex(), 12, 0, "ortho").viewAsReal(), c(9, 5)));
        t.add(p("fft of a real input", a -> Fft.fft(a[0], null, 1, "forward").viewAsReal(), r(4, 13, 3)));
        t.add(p("hfft", a -> Fft.hfft(a[0].viewAsComplex(), 11, -1, null), c(5, 6)));
        t.add(p("ihfft", a -> Fft.ihfft(a[0]).viewAsReal(), r(5, 11)));
        t.add(p("fft of a transposed input", a -> Fft.fft(a[0].transpose(0, 1).viewAsComplex()).viewAsReal(), c(7, 5)));
        t.add(p("fft2", a -> Fft.fft2(a[0].viewAsComplex()).viewAsReal(), c(2, 9, 10)));
        t.add(p("rfftn padded", a -> Fft.rfftn(a[0], new int[] {8, 5, 9}, null, "ortho").viewAsReal(), r(6, 7, 9)));
        t.add(p("irfftn", a -> Fft.irfftn(a[0].viewAsComplex(), new int[] {5, 12}, null, null), c(3, 5, 7)));
        t.add(p("hfft2", a -> Fft.hfft2(a[0].viewAsComplex()), c(4, 6)));
        t.add(p("ihfftn", a -> Fft.ihfftn(a[0]).viewAsReal(), r(4, 5, 6)));
        t.add(p("fftshift complex", a -> Fft.fftshift(a[0].viewAsComplex()).viewAsReal(), c(5, 6)));
        t.add(p("fftfreq scaled", a -> a[0].mul(Fft.fftfreq(9, 0.1).to(a[0].device())), r(9)));
        return t;
    }
}
