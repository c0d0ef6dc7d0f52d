package dev.ember;

import dev.ember.nn.Dropout;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Safetensors;
import dev.ember.nn.Sequential;
import dev.ember.nn.utils.Checkpoint;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.optim.Adam;
import dev.ember.optim.CosineAnnealingLR;
import dev.ember.optim.LRScheduler;
import dev.ember.optim.LinearLR;
import dev.ember.optim.MultiStepLR;
import dev.ember.optim.Optimizer;
import dev.ember.optim.ReduceLROnPlateau;
import dev.ember.optim.SGD;
import dev.ember.optim.SequentialLR;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training checkpoints: 20 steps equal 10 steps, a save, a load into freshly made objects and 10 more, bit for bit on
 * the CPU (SGD with momentum; AdamW over two groups with a warmup-then-cosine schedule; a model with dropout, so the
 * generator's state matters); what the file holds; loads that fail change nothing. Also the generator's state and the
 * safetensors metadata the checkpoint is built on.
 */
class CheckpointTest {
    @TempDir
    Path dir;

    private static Module model() {
        return new Sequential(new Linear(6, 16), new ReLU(), new Dropout(0.3), new Linear(16, 16), new ReLU(), new Dropout(0.2),
                new Linear(16, 4));
    }

    /** A fixed data set, drawn from its own generator. */
    private static Tensor[] data() {
        Generator g = new Generator(123);
        return new Tensor[] {Tensor.randn(g, DType.FLOAT32, 32, 6), Tensor.rand(g, DType.FLOAT32, 32).mul(4).floor().toLong()};
    }

    private interface Setup {
        Optimizer optimizer(Module m);

        LRScheduler scheduler(Optimizer o);
    }

    private static final Setup SGD_MOMENTUM = new Setup() {
        @Override
        public Optimizer optimizer(Module m) {
            return new SGD(m.parameters(), 0.05, 0.9, 0, 1e-4, false);
        }

        @Override
        public LRScheduler scheduler(Optimizer o) {
            return new MultiStepLR(o, List.of(5, 12, 16), 0.5);
        }
    };

    /** AdamW with weight decay on matrices only (two groups), linear warmup then cosine, as nanoGPT trains. */
    private static final Setup ADAMW_COSINE = new Setup() {
        @Override
        public Optimizer optimizer(Module m) {
            List<Tensor> decay = new ArrayList<>();
            List<Tensor> noDecay = new ArrayList<>();
            for (Tensor p : m.parameters()) {
                (p.dim() >= 2 ? decay : noDecay).add(p);
            }
            Optimizer o = Adam.adamW(decay, 3e-3, 0.9, 0.95, 1e-8, 0.1);
            o.addParamGroup(noDecay, Map.of("weight_decay", 0.0));
            return o;
        }

        @Override
        public LRScheduler scheduler(Optimizer o) {
            return new SequentialLR(o, List.of(new LinearLR(o, 0.1, 1.0, 4), new CosineAnnealingLR(o, 16, 1e-4)), List.of(4));
        }
    };

    /** One training step: forward (dropout draws), backward, clip, step, schedule; returns the loss. */
    private static double step(Module m, Optimizer o, LRScheduler s, Tensor[] d, int k) {
        o.zeroGrad();
        Tensor x = d[0].narrow(0, (k % 4) * 8, 8);
        Tensor y = d[1].narrow(0, (k % 4) * 8, 8);
        Tensor loss = Functional.crossEntropy(m.forward(x), y);
        loss.backward();
        ClipGrad.clipGradNorm_(m.parameters(), 1.0);
        o.step();
        s.step();
        return loss.item();
    }

    private static List<float[]> weights(Module m) {
        List<float[]> out = new ArrayList<>();
        for (Tensor p : m.parameters()) {
            out.add(p.toFloatArray());
        }
        return out;
    }

    private void resumesBitForBit(Setup setup) throws IOException {
        Tensor[] d = data();
        // 20 steps without a stop
        Ember.manualSeed(0);
        Module a = model();
        Optimizer oa = setup.optimizer(a);
        LRScheduler sa = setup.scheduler(oa);
        double[] lossA = new double[20];
        for (int k = 0; k < 20; k++) {
            lossA[k] = step(a, oa, sa, d, k);
        }
        Tensor rngA = Ember.defaultGenerator().getState();
        // 10 steps, a checkpoint
        Ember.manualSeed(0);
        Module b = model();
        Optimizer ob = setup.optimizer(b);
        LRScheduler sb = setup.scheduler(ob);
        double[] lossB = new double[20];
        for (int k = 0; k < 10; k++) {
            lossB[k] = step(b, ob, sb, d, k);
        }
        Path file = dir.resolve("run.safetensors");
        Checkpoint.save(file, b, ob, sb, 10);
        // another process, in effect: other seed, fresh objects, the checkpoint loaded, 10 more steps
        Ember.manualSeed(987);
        Tensor.randn(100);
        Module c = model();
        Optimizer oc = setup.optimizer(c);
        LRScheduler sc = setup.scheduler(oc);
        assertEquals(10, Checkpoint.load(file, c, oc, sc));
        for (int k = 10; k < 20; k++) {
            lossB[k] = step(c, oc, sc, d, k);
        }
        assertArrayEquals(lossA, lossB);
        List<float[]> wa = weights(a);
        List<float[]> wc = weights(c);
        for (int i = 0; i < wa.size(); i++) {
            assertArrayEquals(wa.get(i), wc.get(i), "parameter " + i);
        }
        assertArrayEquals(oa.paramGroups().get(0).options().values().toArray(), oc.paramGroups().get(0).options().values().toArray());
        assertArrayEquals(sa.getLastLr(), sc.getLastLr());
        assertTrue(Ember.defaultGenerator().getState().equal(rngA), "the generator is where the uninterrupted run left it");
    }

    @Test
    void sgdWithMomentumResumesBitForBit() throws IOException {
        resumesBitForBit(SGD_MOMENTUM);
    }

    @Test
    void adamWWithWarmupAndCosineResumesBitForBit() throws IOException {
        resumesBitForBit(ADAMW_COSINE);
    }

    @Test
    void theFileHoldsTensorsAndJsonMetadata() throws IOException {
        Ember.manualSeed(1);
        Module m = model();
        Optimizer o = ADAMW_COSINE.optimizer(m);
        LRScheduler s = ADAMW_COSINE.scheduler(o);
        Tensor[] d = data();
        for (int k = 0; k < 3; k++) {
            step(m, o, s, d, k);
        }
        Path file = dir.resolve("c.safetensors");
        Checkpoint.save(file, m, o, s, 3);
        assertFalse(Files.exists(dir.resolve("c.safetensors.tmp")));
        Map<String, String> meta = Safetensors.loadMetadata(file);
        assertEquals(Checkpoint.FORMAT, meta.get("format"));
        String json = meta.get("ember.checkpoint");
        assertTrue(json.startsWith("{\"step\":3,\"optimizer\":{\"state\":{\"0\":{\"step\":{\"__tensor__\":\"optimizer.state.0.step\"},"),
                json);
        assertTrue(json.contains("\"param_groups\":[{\"lr\":"), json);
        assertTrue(json.contains("\"scheduler\":{\"_milestones\":[4],\"last_epoch\":3,"), json);
        Map<String, Tensor> tensors = Safetensors.load(file);
        assertTrue(tensors.containsKey("model.0.weight"));
        assertTrue(tensors.containsKey("optimizer.state.0.exp_avg"));
        assertTrue(tensors.containsKey("optimizer.state.5.exp_avg_sq"));
        assertEquals(DType.UINT8, tensors.get("rng_state").dtype());
        assertArrayEquals(new int[] {stateBytes()}, tensors.get("rng_state").shape());
        // a model-only checkpoint
        Path only = dir.resolve("m.safetensors");
        Checkpoint.save(only, m, null, null, 0);
        Module fresh = model();
        assertEquals(0, Checkpoint.load(only, fresh, null, null));
        assertArrayEquals(m.parameters().get(0).toFloatArray(), fresh.parameters().get(0).toFloatArray());
        assertEquals(only + ": the checkpoint has no optimizer state", assertThrows(IOException.class,
                () -> Checkpoint.load(only, fresh, ADAMW_COSINE.optimizer(fresh), null)).getMessage());
    }

    @Test
    void aFailedLoadChangesNothing() throws IOException {
        Ember.manualSeed(2);
        Module m = model();
        Optimizer o = SGD_MOMENTUM.optimizer(m);
        LRScheduler s = SGD_MOMENTUM.scheduler(o);
        Tensor[] d = data();
        for (int k = 0; k < 3; k++) {
            step(m, o, s, d, k);
        }
        Path file = dir.resolve("sgd.safetensors");
        Checkpoint.save(file, m, o, s, 3);
        // a model of another width: the optimizer's and the model's state do not fit
        Module other = new Sequential(new Linear(6, 8), new ReLU(), new Dropout(0.3), new Linear(8, 16), new ReLU(),
                new Dropout(0.2), new Linear(16, 4));
        Optimizer oo = SGD_MOMENTUM.optimizer(other);
        LRScheduler so = SGD_MOMENTUM.scheduler(oo);
        for (int k = 0; k < 2; k++) {
            step(other, oo, so, d, k);
        }
        Map<String, Object> optimizerBefore = values(oo.stateDict());
        Map<String, Object> schedulerBefore = so.stateDict();
        List<float[]> weightsBefore = weights(other);
        Tensor rngBefore = Ember.defaultGenerator().getState();
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(file, other, oo, so));
        assertEquals(optimizerBefore, values(oo.stateDict()));
        assertEquals(schedulerBefore, so.stateDict());
        List<float[]> weightsAfter = weights(other);
        for (int i = 0; i < weightsBefore.size(); i++) {
            assertArrayEquals(weightsBefore.get(i), weightsAfter.get(i));
        }
        assertTrue(rngBefore.equal(Ember.defaultGenerator().getState()));
        // the model fits but the scheduler is of another kind: the optimizer is put back
        Module same = model();
        Optimizer os = SGD_MOMENTUM.optimizer(same);
        ReduceLROnPlateau plateau = new ReduceLROnPlateau(os, "min", 0.5, 1, 1e-4, "rel", 0, new double[] {0}, 1e-8);
        Map<String, Object> before = values(os.stateDict());
        assertEquals("ReduceLROnPlateau has no state 'milestones' (is this the state of another kind of scheduler?)",
                assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(file, same, os, plateau)).getMessage());
        assertEquals(before, values(os.stateDict()));
        // files that are no checkpoint
        Path plain = dir.resolve("plain.safetensors");
        Safetensors.save(m.stateDict(), plain);
        assertEquals(plain + ": not an Ember checkpoint (its metadata has no format ember.checkpoint.v1)",
                assertThrows(IOException.class, () -> Checkpoint.load(plain, m, null, null)).getMessage());
        Path broken = dir.resolve("broken.safetensors");
        Safetensors.save(Map.of("rng_state", Ember.defaultGenerator().getState()),
                Map.of("format", Checkpoint.FORMAT, "ember.checkpoint", "{\"step\": 1, \"optimizer\": [1,}"), broken);
        assertTrue(assertThrows(IOException.class, () -> Checkpoint.load(broken, m, null, null)).getMessage()
                .contains("the checkpoint's state is not valid JSON"));
        Path badRng = dir.resolve("rng.safetensors");
        Safetensors.save(Map.of("rng_state", Tensor.zeros(DType.UINT8, 8)),
                Map.of("format", Checkpoint.FORMAT, "ember.checkpoint", "{\"step\": 1, \"optimizer\": null, \"scheduler\": null}"),
                badRng);
        assertEquals(badRng + ": rng_state is not a generator's state (" + stateBytes() + " bytes)", assertThrows(IOException.class,
                () -> Checkpoint.load(badRng, new Sequential(), null, null)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.save(null, m, null, null, 0));
    }

    /** The default generator's state size: 16 bytes for Philox, PyTorch's CPU state for MT19937. */
    private static int stateBytes() {
        return Ember.defaultGeneratorAlgorithm() == Generator.Algorithm.MT19937 ? 5056 : 16;
    }

    /** A state dict with every tensor replaced by its values. */
    private static Map<String, Object> values(Map<String, Object> sd) {
        return (Map<String, Object>) deep(sd);
    }

    private static Object deep(Object v) {
        if (v instanceof Tensor) {
            return Arrays.toString(((Tensor) v).toDoubleArray());
        }
        if (v instanceof Map) {
            Map<String, Object> m = new LinkedHashMap<>();
            ((Map<?, ?>) v).forEach((k, x) -> m.put(String.valueOf(k), deep(x)));
            return m;
        }
        if (v instanceof List) {
            List<Object> l = new ArrayList<>();
            ((List<?>) v).forEach(x -> l.add(deep(x)));
            return l;
        }
        return v;
    }

    @Test
    void generatorStateRoundTrips() {
        Generator g = new Generator(5);
        Tensor.rand(g, DType.FLOAT32, 10);
        Tensor state = g.getState();
        assertEquals(DType.UINT8, state.dtype());
        assertArrayEquals(new int[] {16}, state.shape());
        assertArrayEquals(new long[] {5, 0, 0, 0, 0, 0, 0, 0}, Arrays.copyOf(state.toLongArray(), 8));
        float[] next = Tensor.rand(g, DType.FLOAT32, 4).toFloatArray();
        g.setState(state);
        assertArrayEquals(next, Tensor.rand(g, DType.FLOAT32, 4).toFloatArray());
        state = g.getState();
        assertEquals("RNG state must be a torch.ByteTensor", assertThrows(IllegalArgumentException.class,
                () -> g.setState(Tensor.zeros(16))).getMessage());
        assertEquals("RNG state must be a torch.ByteTensor", assertThrows(IllegalArgumentException.class,
                () -> g.setState(null)).getMessage());
        assertEquals("RNG state is wrong size", assertThrows(IllegalArgumentException.class,
                () -> g.setState(Tensor.zeros(DType.UINT8, 8))).getMessage());
        assertArrayEquals(state.toLongArray(), g.getState().toLongArray(), "a refused state leaves the generator as it was");
    }

    @Test
    void safetensorsMetadataRoundTripsAndReadsPyTorchsFiles() throws IOException {
        Path file = dir.resolve("meta.safetensors");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("note", "caf\u00e9 \"quoted\" \\ \n\u0001 \ud83d\ude00");
        Safetensors.save(Map.of("w", Tensor.ones(2)), meta, file);
        assertEquals(meta, Safetensors.loadMetadata(file));
        assertArrayEquals(new float[] {1, 1}, Safetensors.load(file).get("w").toFloatArray());
        Safetensors.save(Map.of(), meta, file);
        assertEquals(meta, Safetensors.loadMetadata(file));
        assertTrue(Safetensors.load(file).isEmpty());
        Safetensors.save(Map.of("w", Tensor.ones(2)), file);
        assertTrue(Safetensors.loadMetadata(file).isEmpty());
        // files PyTorch's script wrote
        Path model = Path.of("src/test/resources/safetensors/model.safetensors");
        assertEquals(Map.of("format", "pt"), Safetensors.loadMetadata(model));
        Map<String, String> nulls = new LinkedHashMap<>();
        nulls.put("k", null);
        assertEquals("metadata \"k\" is null", assertThrows(IllegalArgumentException.class,
                () -> Safetensors.save(Map.of(), nulls, file)).getMessage());
        assertEquals("metadata \"k\" is not valid Unicode (unpaired surrogate)", assertThrows(IllegalArgumentException.class,
                () -> Safetensors.save(Map.of(), Map.of("k", "\ud800"), file)).getMessage());
    }
}
