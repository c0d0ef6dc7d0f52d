package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Flatten;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.MaxPool2d;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.optim.Adam;
import dev.ember.optim.LRScheduler;
import dev.ember.optim.OneCycleLR;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import dev.ember.optim.StepLR;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

import static dev.ember.cuda.CudaParity.GPU;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TrainingTwinTest's compositions on CUDA against the CPU, step for step in float64 (the CPU runs match PyTorch there):
 * the MLP with AdamW (amsgrad), OneCycleLR and clip_grad_norm_; the CNN with BatchNorm2d (running statistics and
 * num_batches_tracked, then eval), SGD with nesterov momentum and StepLR; and a branch kept alive by
 * {@code zeroGrad(false)} with Adam. Every step's loss and every parameter, then the state dicts, to 1e-9 relative
 * (the device's reductions add in another order).
 */
class CudaTrainingTwinTest {
    private static final int STEPS = 6;

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    /** The same initial state on both devices: a CPU model's float64 state dict, copied to the device model. */
    private static Module[] twins(Supplier<Module> make) {
        Module cpu = make.get().to(DType.FLOAT64);
        Module dev = make.get().to(DType.FLOAT64);
        dev.loadStateDict(cpu.stateDict());
        dev.to(GPU);
        return new Module[] {cpu, dev};
    }

    private static void close(String what, Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        double[] e = expected.detach().to(Device.CPU).to(DType.FLOAT64).contiguous().toDoubleArray();
        double[] a = actual.detach().to(Device.CPU).to(DType.FLOAT64).contiguous().toDoubleArray();
        double scale = 1e-6;
        for (double v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], 1e-9 * scale, what + "[" + i + "]");
        }
    }

    private static void sameState(String what, Module cpu, Module dev) {
        Map<String, Tensor> c = cpu.stateDict();
        Map<String, Tensor> d = dev.stateDict();
        assertEquals(new ArrayList<>(c.keySet()), new ArrayList<>(d.keySet()), what);
        for (String k : c.keySet()) {
            assertTrue(d.get(k).device().equals(GPU), what + " " + k + " on the device");
            close(what + " " + k, c.get(k), d.get(k));
        }
    }

    /** Runs {@code step} on both devices and compares the losses and the states after every step. */
    private static void run(String what, Module[] m, Function<Module, Optimizer> opt,
                            Function<Optimizer, LRScheduler> sched, StepFn step, Tensor[] data) {
        Optimizer[] o = {opt.apply(m[0]), opt.apply(m[1])};
        LRScheduler[] s = {sched == null ? null : sched.apply(o[0]), sched == null ? null : sched.apply(o[1])};
        Tensor[] onDevice = new Tensor[data.length];
        for (int i = 0; i < data.length; i++) {
            onDevice[i] = data[i].to(GPU);
        }
        for (int k = 0; k < STEPS; k++) {
            Tensor lc = step.run(k, m[0], o[0], data);
            Tensor ld = step.run(k, m[1], o[1], onDevice);
            if (s[0] != null) {
                s[0].step();
                s[1].step();
                assertArrayEquals(s[0].getLastLr(), s[1].getLastLr(), what + " lr");
            }
            close(what + " step " + k + " loss", lc, ld);
            sameState(what + " step " + k, m[0], m[1]);
        }
    }

    @FunctionalInterface
    interface StepFn {
        Tensor run(int step, Module model, Optimizer opt, Tensor[] data);
    }

    @Test
    void mlpAdamWAmsgradOneCycleClipNorm() {
        Generator gen = new Generator(31);
        Module[] m = twins(() -> new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3)));
        Tensor x = Tensor.randn(gen, DType.FLOAT64, 6, 4);
        Tensor y = Tensor.tensor(new long[] {0, 2, 1, 1, 0, 2}, DType.INT64, Device.CPU);
        run("mlp", m, model -> Adam.adamW(model.parameters(), 0.01, 0.9, 0.99, 1e-8, 0.05, true),
                opt -> new OneCycleLR(opt, 0.05, STEPS + 2), (k, model, opt, d) -> {
                    opt.zeroGrad();
                    Tensor loss = Functional.crossEntropy(model.forward(d[0]), d[1], "mean", 0.1);
                    loss.backward();
                    ClipGrad.clipGradNorm_(model.parameters(), 0.5);
                    opt.step();
                    return loss.detach();
                }, new Tensor[] {x, y});
    }

    @Test
    void cnnBatchNormSgdNesterovStepLR() {
        Generator gen = new Generator(32);
        Module[] m = twins(() -> new Sequential(
                new Conv2d(1, 3, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, true),
                new BatchNorm2d(3), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(12, 2)));
        Tensor x = Tensor.randn(gen, DType.FLOAT64, 4, 1, 4, 4);
        Tensor y = Tensor.tensor(new long[] {1, 0, 0, 1}, DType.INT64, Device.CPU);
        run("cnn", m, model -> new SGD(model.parameters(), 0.1, 0.9, 0, 1e-3, true), opt -> new StepLR(opt, 2, 0.5),
                (k, model, opt, d) -> {
                    opt.zeroGrad();
                    Tensor loss = Functional.crossEntropy(model.forward(d[0]), d[1]);
                    loss.backward();
                    opt.step();
                    return loss.detach();
                }, new Tensor[] {x, y});
        m[0].eval();
        m[1].eval();
        close("cnn eval", m[0].forward(x), m[1].forward(x.to(GPU)));
    }

    @Test
    void zeroGradFalseKeepsAnUnusedBranchMovingWithAdam() {
        Generator gen = new Generator(33);
        Module[] m = twins(() -> new Sequential(new Linear(3, 4), new Linear(4, 1)));
        Tensor x = Tensor.randn(gen, DType.FLOAT64, 5, 3);
        run("zero_grad(false)", m, model -> Adam.adam(model.parameters(), 0.02, 0.8, 0.9, 1e-8, 0), null,
                (k, model, opt, d) -> {
                    opt.zeroGrad(false);
                    Sequential s = (Sequential) model;
                    Tensor h = s.get(0).forward(d[0]);
                    Tensor loss = h.pow(2L).mean();
                    if (k % 2 == 0) {
                        loss = loss.add(s.get(1).forward(h).pow(2L).mean());
                    }
                    loss.backward();
                    opt.step();
                    return loss.detach();
                }, new Tensor[] {x});
        List<Tensor> ps = m[1].parameters();
        assertTrue(ps.get(2).grad() != null && ps.get(2).grad().abs().sum().item() == 0,
                "the unused branch keeps a zero gradient on the device");
    }
}
