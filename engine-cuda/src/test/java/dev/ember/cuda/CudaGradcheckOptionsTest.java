package dev.ember.cuda;

import dev.ember.Autograd;
import dev.ember.AutogradFunction;
import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.GradcheckOptions;
import dev.ember.HistogramResult;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 21 (helper 3) on CUDA: gradcheck with {@link GradcheckOptions} (slow and fast mode) on float64 inputs on
 * the GPU, {@code squeeze_(dims)} against the CPU, and {@code histogram} with a tensor of bin edges on the GPU against
 * the CPU.
 */
@ExtendWith(CudaGate.class)
class CudaGradcheckOptionsTest {
    private static final Generator GEN = new Generator(2121);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    /** forward 2x, backward 3g: a wrong backward. */
    private static final class Wrong extends AutogradFunction {
        @Override
        protected Tensor[] forward(Context ctx, Tensor... in) {
            return new Tensor[] {in[0].mul(2.0)};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            return new Tensor[] {g[0].mul(3.0)};
        }
    }

    @Test
    void gradcheckOptionsOnTheGpu() {
        for (boolean fast : new boolean[] {false, true}) {
            GradcheckOptions o = GradcheckOptions.defaults().withFastMode(fast);
            Tensor a = Tensor.rand(GEN, DType.FLOAT64, 3, 4).to(GPU).requiresGrad_(true);
            Tensor b = Tensor.rand(GEN, DType.FLOAT64, 4).to(GPU).requiresGrad_(true);
            assertTrue(Autograd.gradcheck(x -> x[0].mul(x[1]).sin(), new Tensor[] {a, b}, o), "fast " + fast);
            assertTrue(Autograd.gradgradcheck(x -> x[0].mul(x[0]).tanh(), new Tensor[] {a}, null, o), "fast " + fast);
            Tensor c = Tensor.tensor(new double[] {1, 2}, DType.FLOAT64).to(GPU).requiresGrad_(true);
            assertFalse(Autograd.gradcheck(x -> new Wrong().apply(x[0]), new Tensor[] {c}, o.withRaiseException(false)));
        }
    }

    @TestFactory
    List<DynamicTest> squeezeInPlace() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("squeeze_ dims", a -> a[0].mul(1.0).squeeze_(0, 2), uniform(GEN, 1.0, 1, 5, 1, 3)));
        t.add(p("squeeze_ dims negative", a -> a[0].mul(1.0).squeeze_(-1, 1), uniform(GEN, 1.0, 4, 1, 1)));
        return t;
    }

    @Test
    void histogramWithEdges() {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x = Tensor.rand(GEN, dtype, 200).mul(3.0).sub(1.0);
            Tensor edges = Tensor.tensor(new double[] {-0.5, 0.0, 0.25, 1.0, 1.75}, DType.FLOAT64).to(dtype);
            Tensor w = Tensor.rand(GEN, dtype, 200);
            HistogramResult cpu = x.histogram(edges, w, true);
            HistogramResult gpu = x.to(GPU).histogram(edges.to(GPU), w.to(GPU), true);
            assertEquals(GPU, gpu.hist().device());
            assertArrayEquals(cpu.hist().toDoubleArray(), gpu.hist().toDoubleArray(), 1e-6);
            assertArrayEquals(cpu.binEdges().toDoubleArray(), gpu.binEdges().toDoubleArray());
        }
    }
}
