package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.distributions.GeneralizedPareto;
import dev.ember.distributions.InverseGamma;
import dev.ember.optim.Adafactor;
import dev.ember.optim.Muon;
import dev.ember.optim.Optimizer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Session 43's additions on CUDA against the CPU (written without a GPU, so never run yet): the optimizers Adafactor
 * (factored second moments over the last two dimensions) and Muon (its bfloat16 Newton-Schulz orthogonalization, held
 * to bfloat16's tolerance: the two devices sum the products in different orders), the distributions InverseGamma and
 * GeneralizedPareto (log_prob and its gradient), and pow's backward with a scalar exponent at zero.
 */
class CudaSession43Test {
    private static final Device GPU = Device.cuda(0);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    /** Three steps of the same optimizer on a CPU and a GPU copy of the same parameters and gradients. */
    private static void threeSteps(String what, Function<List<Tensor>, Optimizer> make, int[] shape, double tol) {
        Tensor cpu = Tensor.randn(new Generator(5), DType.FLOAT32, shape).requiresGrad_(true);
        Tensor gpu = cpu.detach().to(GPU).detach().requiresGrad_(true);
        Optimizer oc = make.apply(List.of(cpu));
        Optimizer og = make.apply(List.of(gpu));
        for (int step = 0; step < 3; step++) {
            Tensor g = Tensor.randn(new Generator(100 + step), DType.FLOAT32, shape);
            cpu.setGrad(g);
            gpu.setGrad(g.to(GPU));
            oc.step();
            og.step();
            assertEquals(GPU, gpu.device(), what);
            assertClose(what + " step " + step, cpu.detach(), gpu.detach().cpu(), tol);
        }
    }

    private static void assertClose(String what, Tensor expected, Tensor actual, double tol) {
        double[] e = expected.toDoubleArray();
        double[] x = actual.toDoubleArray();
        assertEquals(e.length, x.length, what);
        for (int i = 0; i < e.length; i++) {
            if (Double.isNaN(e[i]) || Double.isInfinite(e[i])) {
                assertEquals(e[i], x[i], what + " element " + i); // NaN matches NaN, an infinity its own sign
                continue;
            }
            assertEquals(e[i], x[i], tol * Math.max(1, Math.abs(e[i])), what + " element " + i);
        }
    }

    @Test
    void adafactorMatchesTheCpu() {
        threeSteps("Adafactor matrix", p -> new Adafactor(p), new int[] {4, 6}, 2e-5);
        threeSteps("Adafactor batch of matrices", p -> new Adafactor(p, 1e-2, -0.8, null, 1e-3, 1.0, 0.1, false),
                new int[] {2, 3, 5}, 2e-5);
        threeSteps("Adafactor vector", p -> new Adafactor(p), new int[] {7}, 2e-5);
    }

    @Test
    void muonMatchesTheCpuToBfloat16sTolerance() {
        threeSteps("Muon", p -> new Muon(p, 0.02), new int[] {8, 5}, 2e-2);
    }

    @Test
    void newDistributionsMatchTheCpu() {
        Tensor conc = Tensor.tensor(new double[] {0.7, 2.0, 3.5}, DType.FLOAT32);
        Tensor rate = Tensor.tensor(new double[] {1.5, 0.5, 2.0}, DType.FLOAT32);
        Tensor x = Tensor.tensor(new double[] {0.3, 1.2, 4.0}, DType.FLOAT32);
        Tensor cc = conc.detach().requiresGrad_(true);
        Tensor cg = conc.to(GPU).detach().requiresGrad_(true);
        Tensor lc = new InverseGamma(cc, rate).logProb(x);
        Tensor lg = new InverseGamma(cg, rate.to(GPU)).logProb(x.to(GPU));
        CudaParityTest.assertClose("InverseGamma log_prob", lc, lg.detach().cpu());
        lc.sum().backward();
        lg.sum().backward();
        CudaParityTest.assertClose("InverseGamma d/dconcentration", cc.grad(), cg.grad().cpu());

        Tensor scale = Tensor.tensor(new double[] {1.0, 2.0, 0.5}, DType.FLOAT32);
        Tensor shape = Tensor.tensor(new double[] {0.2, -0.1, 0.0}, DType.FLOAT32);
        Tensor pc = new GeneralizedPareto(Tensor.zeros(DType.FLOAT32, 3), scale, shape).logProb(x);
        Tensor pg = new GeneralizedPareto(Tensor.zeros(DType.FLOAT32, 3).to(GPU), scale.to(GPU), shape.to(GPU))
                .logProb(x.to(GPU));
        CudaParityTest.assertClose("GeneralizedPareto log_prob", pc, pg.cpu());
    }

    @Test
    void powBackwardAtZeroMatchesTheCpu() {
        Tensor base = Tensor.tensor(new double[] {0.0, 0.5, -1.5, 2.0}, DType.FLOAT32);
        for (double exponent : new double[] {0.0, 0.5, 1.0, 2.0, 3.0, -1.0}) {
            Tensor a = base.detach().requiresGrad_(true);
            Tensor b = base.to(GPU).detach().requiresGrad_(true);
            a.pow(exponent).sum().backward();
            b.pow(exponent).sum().backward();
            CudaParityTest.assertClose("pow " + exponent + " gradient", a.grad(), b.grad().cpu());
        }
    }
}
