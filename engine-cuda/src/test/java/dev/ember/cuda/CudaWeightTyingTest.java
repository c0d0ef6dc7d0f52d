package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.nn.Embedding;
import dev.ember.nn.Functional;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.Safetensors;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.optim.Adam;
import dev.ember.optim.Optimizer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.ember.cuda.CudaParity.GPU;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tied embedding and output head ({@link Module#setParameter}, as WeightTyingTest's TinyGPT) on CUDA against the CPU:
 * {@code to(cuda)} keeps the tie (one tensor, moved once, its gradient too), five AdamW steps with clip_grad_norm_ give
 * the CPU's losses, clipped norms, tied gradient and final state dict (float64, to 1e-9 of each tensor's largest
 * magnitude), {@code to(FLOAT32)} on the device keeps the tie, and a safetensors {@code saveModel} of the CUDA model
 * loads into a CPU model with the tie intact.
 */
class CudaWeightTyingTest {
    private static final int V = 11;
    private static final int D = 6;
    private static final int T = 5;
    private static final double TOL = 1e-9;

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    static final class TinyGPT extends Module {
        final Embedding emb = registerModule("emb", new Embedding(V, D));
        final Embedding pos = registerModule("pos", new Embedding(T, D));
        final LayerNorm ln = registerModule("ln", new LayerNorm(D));
        final Linear fc = registerModule("fc", new Linear(D, D));
        final Linear head = registerModule("head", new Linear(D, V, false));

        TinyGPT() {
            emb.setParameter("weight", head.weight);
        }

        @Override
        public Tensor forward(Tensor idx) {
            Tensor x = emb.apply(idx).add(pos.apply(Tensor.arange(idx.size(1)).to(idx.device())));
            x = x.add(fc.apply(ln.apply(x)).tanh());
            return head.apply(x);
        }
    }

    private static void assertTied(Module m, Device device) {
        Tensor w = m.getParameter("head.weight");
        assertSame(w, m.getParameter("emb.weight"));
        assertEquals(device, w.device());
        assertEquals(6, m.parameters().size());
    }

    private static void close(String what, Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] e = expected.detach().to(Device.CPU).to(DType.FLOAT64).contiguous().toDoubleArray();
        double[] a = actual.detach().to(Device.CPU).to(DType.FLOAT64).contiguous().toDoubleArray();
        double scale = 1e-6;
        for (double v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < e.length; i++) {
            assertTrue(Math.abs(e[i] - a[i]) <= TOL * scale, what + "[" + i + "]: expected " + e[i] + " but was " + a[i]);
        }
    }

    /** A pair of equal float64 models, the second moved to {@code device}. */
    private static TinyGPT[] pair(Device device) {
        Ember.manualSeed(11);
        TinyGPT cpu = new TinyGPT();
        cpu.to(DType.FLOAT64);
        TinyGPT dev = new TinyGPT();
        dev.to(DType.FLOAT64);
        dev.loadStateDict(cpu.stateDict());
        dev.to(device);
        return new TinyGPT[] {cpu, dev};
    }

    @Test
    void trainsOnCudaAsOnTheCpu() {
        TinyGPT[] m = pair(GPU);
        assertTied(m[0], Device.CPU);
        assertTied(m[1], GPU);
        Tensor idx = Tensor.tensor(new long[][] {{1, 3, 9, 10, 8}, {5, 9, 2, 3, 10}, {1, 8, 0, 10, 10}}, DType.INT64, Device.CPU);
        Tensor tgt = Tensor.tensor(new long[][] {{9, 5, 1, 10, 7}, {5, 0, 6, 2, 7}, {6, 6, 1, 3, 9}}, DType.INT64, Device.CPU);
        Optimizer[] opt = new Optimizer[2];
        for (int j = 0; j < 2; j++) {
            opt[j] = Adam.adamW(m[j].parameters(), 0.05, 0.9, 0.95, 1e-8, 0.1);
        }
        for (int s = 0; s < 5; s++) {
            Tensor[] loss = new Tensor[2];
            Tensor[] norm = new Tensor[2];
            for (int j = 0; j < 2; j++) {
                Device d = j == 0 ? Device.CPU : GPU;
                opt[j].zeroGrad(true);
                loss[j] = Functional.crossEntropy(m[j].apply(idx.to(d)).view(-1, V), tgt.to(d).view(-1));
                loss[j].backward();
                norm[j] = ClipGrad.clipGradNorm_(m[j].parameters(), 0.5);
            }
            close("step " + s + " tied gradient", m[0].head.weight.grad(), m[1].getParameter("head.weight").grad());
            for (int j = 0; j < 2; j++) {
                opt[j].step();
            }
            close("step " + s + " loss", loss[0], loss[1]);
            close("step " + s + " clipped norm", norm[0], norm[1]);
        }
        Map<String, Tensor> a = m[0].stateDict();
        Map<String, Tensor> b = m[1].stateDict();
        assertEquals(List.copyOf(a.keySet()), List.copyOf(b.keySet()));
        a.forEach((k, v) -> close("final " + k, v, b.get(k)));
        assertTied(m[1], GPU);
        try (GradMode g = Ember.noGrad()) {
            close("logits", m[0].apply(idx), m[1].apply(idx.to(GPU)));
        }
    }

    @Test
    void movesAndSavesKeepTheTie(@TempDir Path dir) throws IOException {
        TinyGPT[] m = pair(GPU);
        Tensor idx = Tensor.tensor(new long[][] {{1, 3, 9}}, DType.INT64, GPU);
        m[1].apply(idx).sum().backward();
        Tensor w = m[1].getParameter("head.weight");
        m[1].to(DType.FLOAT32);
        assertTied(m[1], GPU);
        assertSame(w, m[1].getParameter("emb.weight"));
        assertEquals(DType.FLOAT32, w.dtype());
        assertEquals(DType.FLOAT32, w.grad().dtype());
        m[1].to(Device.CPU);
        assertTied(m[1], Device.CPU);
        m[1].to(GPU);
        Path file = dir.resolve("tied.safetensors");
        Safetensors.saveModel(m[1], file);
        assertEquals(Map.of("head.weight", "emb.weight"), Safetensors.loadMetadata(file));
        TinyGPT back = new TinyGPT();
        Module.IncompatibleKeys keys = Safetensors.loadModel(back, file);
        assertEquals(List.of(), keys.missingKeys());
        assertEquals(List.of(), keys.unexpectedKeys());
        assertTied(back, Device.CPU);
        m[1].stateDict().forEach((k, v) -> close("reloaded " + k, v, back.stateDict().get(k)));
    }
}
