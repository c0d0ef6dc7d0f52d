package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Tensor;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.Sequential;
import dev.ember.optim.ASGD;
import dev.ember.optim.AveragedModel;
import dev.ember.optim.SwaUtils;
import dev.ember.optim.Adadelta;
import dev.ember.optim.LBFGS;
import dev.ember.optim.Optimizer;
import dev.ember.optim.Rprop;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static dev.ember.cuda.CudaParity.GPU;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Adadelta, Rprop, ASGD and LBFGS (fixed step and strong Wolfe) on CUDA against the CPU: a float64 least squares with two
 * parameter groups, the parameters after each step within 1e-9 relative (the CUDA reductions sum in another order), and
 * the state tensors left on the parameters' device; AveragedModel kept on the GPU ({@code device}) against one on the CPU,
 * and update_bn moving each batch to the GPU.
 */
class CudaOptimExtraTest {
    private static final double[][] X = {{0.5, -1.0, 2.0}, {1.5, 0.3, -0.7}, {-0.2, 0.8, 1.1}, {2.0, -1.5, 0.4},
        {0.9, 1.2, -1.3}, {-1.1, 0.1, 0.6}};
    private static final double[][] Y = {{1.0, -0.5}, {0.2, 0.7}, {-1.3, 0.4}, {0.8, 1.9}, {-0.6, -1.1}, {1.4, 0.3}};

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static List<Tensor> params(Device device) {
        return List.of(Tensor.tensor(new double[][] {{0.1, -0.2, 0.3}, {0.4, 0.0, -0.5}}, DType.FLOAT64).to(device)
                .requiresGrad_(true), Tensor.tensor(new double[] {0.05, -0.1}, DType.FLOAT64).to(device).requiresGrad_(true));
    }

    private static Tensor loss(List<Tensor> ps) {
        Device dev = ps.get(0).device();
        Tensor x = Tensor.tensor(X, DType.FLOAT64).to(dev);
        Tensor y = Tensor.tensor(Y, DType.FLOAT64).to(dev);
        return x.matmul(ps.get(0).t()).add(ps.get(1)).sub(y).pow(2).mean();
    }

    private static void step(Optimizer opt, List<Tensor> ps) {
        if (opt instanceof LBFGS) {
            ((LBFGS) opt).step(() -> {
                opt.zeroGrad();
                Tensor l = loss(ps);
                l.backward();
                return l;
            });
        } else {
            opt.zeroGrad();
            loss(ps).backward();
            opt.step();
        }
    }

    private static void parity(String name, Function<List<Tensor>, Optimizer> make, int steps) {
        List<Tensor> cpu = params(Device.CPU);
        List<Tensor> gpu = params(GPU);
        Optimizer a = make.apply(cpu);
        Optimizer b = make.apply(gpu);
        for (int k = 0; k < steps; k++) {
            step(a, cpu);
            step(b, gpu);
            for (int i = 0; i < cpu.size(); i++) {
                double[] e = cpu.get(i).detach().toDoubleArray();
                double[] g = gpu.get(i).detach().to(Device.CPU).toDoubleArray();
                for (int j = 0; j < e.length; j++) {
                    assertEquals(e[j], g[j], 1e-9 * Math.abs(e[j]) + 1e-12, name + " step " + k + " parameter " + i);
                }
            }
        }
        Map<?, ?> st = (Map<?, ?>) ((Map<?, ?>) b.stateDict().get("state")).get(0);
        for (Object v : st.values()) {
            if (v instanceof Tensor && ((Tensor) v).dim() > 0) {
                assertEquals(GPU, ((Tensor) v).device(), name + " state on the parameters' device");
            }
        }
    }

    private static Function<List<Tensor>, Optimizer> twoGroups(Function<List<Tensor>, Optimizer> make,
                                                               Map<String, ?> second) {
        return ps -> {
            Optimizer o = make.apply(List.of(ps.get(0)));
            o.addParamGroup(List.of(ps.get(1)), second);
            return o;
        };
    }

    @Test
    void adadelta() {
        parity("adadelta", twoGroups(p -> new Adadelta(p, 1.0, 0.9, 1e-6, 0.01), Map.of("lr", 2.0)), 10);
    }

    @Test
    void rprop() {
        parity("rprop", twoGroups(p -> new Rprop(p, 0.01), Map.of("etas", List.of(0.4, 2.0))), 10);
    }

    @Test
    void asgd() {
        parity("asgd", twoGroups(p -> new ASGD(p, 0.05, 1e-3, 0.75, 3, 0.1), Map.of("t0", 0)), 10);
    }

    @Test
    void lbfgs() {
        parity("lbfgs", p -> new LBFGS(p, 0.5, 4, null, 1e-7, 1e-9, 3, null), 5);
        parity("lbfgs strong_wolfe", p -> new LBFGS(p, 1, 5, null, 1e-7, 1e-9, 100, "strong_wolfe"), 3);
    }

    private static Module bnModel() {
        return new Sequential(new Linear(3, 4), new BatchNorm1d(4), new Linear(4, 2));
    }

    @Test
    void averagedModelAndUpdateBn() {
        Module model = bnModel().to(DType.FLOAT64);
        AveragedModel onCpu = new AveragedModel(model, CudaOptimExtraTest::bnModel, null, null, null, true);
        AveragedModel onGpu = new AveragedModel(model, CudaOptimExtraTest::bnModel, GPU, null, null, true);
        Tensor x = Tensor.tensor(X, DType.FLOAT64);
        for (int k = 0; k < 4; k++) {
            try (GradMode off = Ember.noGrad()) {
                for (Tensor p : model.parameters()) {
                    p.mul_(1.1).add_(0.01 * k);
                }
            }
            model.apply(x); // moves the running statistics
            onCpu.updateParameters(model);
            onGpu.updateParameters(model);
        }
        assertEquals(GPU, onGpu.stateDict().get("n_averaged").device());
        for (Map.Entry<String, Tensor> e : onCpu.stateDict().entrySet()) {
            double[] c = e.getValue().to(DType.FLOAT64).toDoubleArray();
            double[] g = onGpu.stateDict().get(e.getKey()).to(Device.CPU).to(DType.FLOAT64).toDoubleArray();
            for (int j = 0; j < c.length; j++) {
                assertEquals(c[j], g[j], 1e-12 * Math.abs(c[j]) + 1e-14, e.getKey());
            }
        }
        SwaUtils.updateBn(List.of(x.narrow(0, 0, 3), x.narrow(0, 3, 3)), onCpu);
        SwaUtils.updateBn(List.of(x.narrow(0, 0, 3), x.narrow(0, 3, 3)), onGpu, GPU);
        double[] c = onCpu.stateDict().get("module.1.running_var").toDoubleArray();
        double[] g = onGpu.stateDict().get("module.1.running_var").to(Device.CPU).toDoubleArray();
        for (int j = 0; j < c.length; j++) {
            assertEquals(c[j], g[j], 1e-9 * Math.abs(c[j]), "running_var after update_bn");
        }
    }
}
