package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Fft;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.optim.Adam;
import dev.ember.optim.NAdam;
import dev.ember.optim.Optimizer;
import dev.ember.optim.RMSprop;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static dev.ember.cuda.CudaComplexTest.pairs;
import static dev.ember.cuda.CudaComplexTest.z;
import static dev.ember.cuda.CudaParityTest.p;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training with complex parameters on CUDA against the CPU (session 29): einsum with complex operands, the FNO's spectral
 * layer (rfft2, einsum into corner slices of complex zeros, irfft2), complex random creation, and the optimizers'
 * updates of complex parameters (real views of parameter, gradient and state, the fused kernels where they apply).
 */
@ExtendWith(CudaGate.class)
class CudaComplexTrainingTest {
    private static final Device GPU = Device.cuda(0);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor spectral(Tensor x, Tensor w1, Tensor w2) {
        int b = x.shape()[0];
        int h = x.shape()[2];
        int w = x.shape()[3];
        int m = w1.shape()[2];
        Tensor xFt = Fft.rfft2(x);
        Tensor out = Tensor.zeros(DType.COMPLEX64, b, w1.shape()[1], h, w / 2 + 1).to(x.device());
        out.narrow(2, 0, m).narrow(3, 0, m).copy_(Tensor.einsum("bixy,ioxy->boxy", xFt.narrow(2, 0, m).narrow(3, 0, m), w1));
        out.narrow(2, h - m, m).narrow(3, 0, m)
                .copy_(Tensor.einsum("bixy,ioxy->boxy", xFt.narrow(2, h - m, m).narrow(3, 0, m), w2));
        return Fft.irfft2(out, new int[] {h, w}, new int[] {-2, -1}, null);
    }

    @TestFactory
    List<DynamicTest> einsumAndSpectralLayer() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("einsum bixy,ioxy->boxy", a -> Tensor.einsum("bixy,ioxy->boxy", z(a[0]), z(a[1])).viewAsReal(),
                pairs(2, 3, 2, 2), pairs(3, 4, 2, 2)));
        t.add(p("einsum trace and outer", a -> Tensor.einsum("ii->", z(a[0])).add(Tensor.einsum("i,j->ij", z(a[1]), z(a[2]))
                .sum()).viewAsReal(), pairs(3, 3), pairs(3), pairs(4)));
        t.add(p("spectral conv", a -> spectral(a[0], z(a[1]), z(a[2])), Tensor.rand(new Generator(2913), DType.FLOAT32, 2, 2, 8, 8),
                pairs(2, 3, 3, 3), pairs(2, 3, 3, 3)));
        return t;
    }

    @Test
    void randomComplexOnTheGpu() {
        Tensor u = Tensor.rand(DType.COMPLEX64, 64, 64).to(GPU);
        assertEquals(DType.COMPLEX64, u.dtype());
        Tensor g = Tensor.zeros(DType.COMPLEX64, 128, 64).to(GPU).uniform_(2, 3, new Generator(4));
        Tensor parts = g.viewAsReal().cpu();
        assertTrue(parts.ge(2.0).all() && parts.lt(3.0).all());
        Tensor n = Tensor.zeros(DType.COMPLEX128, 256, 64).to(GPU).normal_(0, 1, new Generator(5));
        assertEquals(1.0, n.abs().pow(2).mean().cpu().item(), 0.05);
    }

    private static void optimizerParity(String name, Function<List<Tensor>, Optimizer> make) {
        Tensor p0 = z(pairs(3, 5)).to(DType.COMPLEX64);
        Tensor a = p0.clone().requiresGrad_(true);
        Tensor b = p0.to(GPU).requiresGrad_(true);
        Optimizer oa = make.apply(List.of(a));
        Optimizer ob = make.apply(List.of(b));
        for (int i = 0; i < 4; i++) {
            Tensor g = z(pairs(3, 5));
            a.setGrad(g.clone());
            b.setGrad(g.to(GPU));
            oa.step();
            ob.step();
        }
        assertEquals(DType.COMPLEX64, b.dtype());
        assertArrayEquals(a.detach().viewAsReal().reshape(-1).toDoubleArray(),
                b.detach().cpu().viewAsReal().reshape(-1).toDoubleArray(), 1e-5, name);
    }

    @Test
    void optimizersOnComplexParameters() {
        optimizerParity("sgd momentum", ps -> new SGD(ps, 0.1, 0.9, 0, 0.01, true));
        optimizerParity("adam", ps -> new Adam(ps, 0.01, 0.9, 0.999, 1e-8, 0.1, true));
        optimizerParity("rmsprop", ps -> new RMSprop(ps, 0.01, 0.99, 1e-8, 0.1, 0.9, true));
        optimizerParity("nadam", ps -> new NAdam(ps, 0.1));
    }
}
