package dev.ember;

import dev.ember.nn.Embedding;
import dev.ember.nn.Functional;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleInternals;
import dev.ember.nn.ReLU;
import dev.ember.nn.Safetensors;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.nn.utils.Parametrization;
import dev.ember.nn.utils.Parametrize;
import dev.ember.nn.utils.Prune;
import dev.ember.optim.Adam;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Weight tying through {@link Module#setParameter} against PyTorch ({@code weighttying/make_expected.py}): a tiny
 * GPT-like model whose token embedding takes the output head's weight (nanoGPT's {@code self.transformer.wte.weight =
 * self.lm_head.weight}) trained 5 steps with AdamW and clip_grad_norm_ (loss, clipped norm, every parameter's sum and sum
 * of squares, the tied gradient of both paths, the final state dict under both names, AdamW's state of the tied
 * weight, one state per tensor), {@code named_parameters()} and {@code state_dict()} keys, {@code print(model)}, a state
 * dict whose two names disagree, pruning and a parametrization on the tied name; then what PyTorch does that needs no
 * values (the tie surviving load_state_dict, safetensors round trips, {@code .to(dtype)}, the optimizer's duplicate
 * group error, zero_grad and requires_grad_, save_model/load_model grouping shared memory as safetensors' source does)
 * and setParameter's errors with PyTorch's messages, each leaving the module as it was.
 */
class WeightTyingTest {
    private static final PyTorchCases C = new PyTorchCases("/weighttying/expected.txt");
    private static final double TOL = 1e-10;
    private static final int V = 11;
    private static final int D = 6;
    private static final int T = 5;

    /** The script's TinyGPT: emb, pos, ln, fc, head; the embedding takes the head's weight, as nanoGPT ties. */
    static final class TinyGPT extends Module {
        final Embedding emb = registerModule("emb", new Embedding(V, D));
        final Embedding pos = registerModule("pos", new Embedding(T, D));
        final LayerNorm ln = registerModule("ln", new LayerNorm(D));
        final Linear fc = registerModule("fc", new Linear(D, D));
        final Linear head = registerModule("head", new Linear(D, V, false));

        TinyGPT() {
            emb.setParameter("weight", head.weight);
        }

        /** The weight both layers read. */
        Tensor tied() {
            return head.weight;
        }

        @Override
        public Tensor forward(Tensor idx) {
            Tensor x = emb.apply(idx).add(pos.apply(Tensor.arange(idx.size(1))));
            x = x.add(fc.apply(ln.apply(x)).tanh());
            return head.apply(x);
        }
    }

    private static TinyGPT model(String key) {
        TinyGPT m = new TinyGPT();
        Map<String, Tensor> init = new LinkedHashMap<>();
        C.named(key, "init_keys").forEach((k, v) -> init.put(k.substring("init.".length()), v));
        m.to(DType.FLOAT64);
        m.loadStateDict(init);
        return m;
    }

    private static void close(String what, double expected, double actual) {
        if (!(Math.abs(expected - actual) <= TOL * Math.max(Math.abs(expected), 1e-3))) {
            fail(what + ": expected " + expected + " but was " + actual);
        }
    }

    private static void close(String what, Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] e = expected.toDoubleArray();
        double[] a = actual.detach().to(DType.FLOAT64).contiguous().toDoubleArray();
        double scale = 1e-6;
        for (double v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < e.length; i++) {
            if (!(Math.abs(e[i] - a[i]) <= TOL * scale)) {
                fail(what + "[" + i + "]: expected " + e[i] + " but was " + a[i]);
            }
        }
    }

    private static List<String> words(String key, String field) {
        return List.of(C.field(key, field).split(" "));
    }

    private static void assertTied(TinyGPT m) {
        assertSame(m.tied(), m.getParameter("emb.weight"));
        assertSame(m.tied(), m.getParameter("head.weight"));
    }

    // ------------------------------------------------------------------ against PyTorch

    @Test
    void trainsAsPyTorchWithAdamWAndClipping() {
        String k = "train";
        TinyGPT m = model(k);
        assertEquals(words(k, "named_parameters"), new ArrayList<>(m.namedParameters().keySet()));
        assertEquals(words(k, "state_dict_keys"), new ArrayList<>(m.stateDict().keySet()));
        // PyTorch 2's named_parameters(remove_duplicate=False): every name, in the state dict's order (no buffers here)
        assertEquals(words(k, "state_dict_keys"), new ArrayList<>(m.namedParameters(false).keySet()));
        assertEquals(C.field(k, "repr").replace('|', '\n'), m.toString());
        assertTied(m);
        Tensor idx = C.tensor(k, "idx");
        Tensor tgt = C.tensor(k, "tgt");
        Optimizer opt = Adam.adamW(m.parameters(), 0.05, 0.9, 0.95, 1e-8, 0.1);
        for (int s = 0; s < 5; s++) {
            opt.zeroGrad(true);
            Tensor loss = Functional.crossEntropy(m.apply(idx).view(-1, V), tgt.view(-1));
            loss.backward();
            if (s == 0) {
                close("tied gradient (embedding rows plus head)", C.tensor(k, "grad0.tied"), m.tied().grad());
            }
            Tensor n = ClipGrad.clipGradNorm_(m.parameters(), 0.5);
            opt.step();
            close("step " + s + " loss", Double.parseDouble(C.field(k, "step" + s + ".loss")), loss.item());
            close("step " + s + " clipped norm (the tied gradient counted once)",
                    Double.parseDouble(C.field(k, "step" + s + ".norm")), n.item());
            double[] sum = PyTorchCases.numbers(C.field(k, "step" + s + ".psum"));
            double[] sq = PyTorchCases.numbers(C.field(k, "step" + s + ".psq"));
            List<Tensor> ps = m.parameters();
            assertEquals(sum.length, ps.size());
            for (int i = 0; i < ps.size(); i++) {
                Tensor p = ps.get(i).detach();
                close("step " + s + " sum of parameter " + i, sum[i], p.sum().item());
                close("step " + s + " sum of squares of parameter " + i, sq[i], p.mul(p).sum().item());
            }
        }
        Map<String, Tensor> sd = m.stateDict();
        assertEquals(words(k, "final_keys"), prefixed("final.", sd.keySet()));
        sd.forEach((name, v) -> close("final " + name, C.tensor(k, "final." + name), v));
        assertTied(m);
        @SuppressWarnings("unchecked")
        Map<Integer, Map<String, Object>> state = (Map<Integer, Map<String, Object>>) opt.stateDict().get("state");
        assertEquals((int) Double.parseDouble(C.field(k, "opt.state_count")), state.size());
        close("AdamW exp_avg of the tied weight", C.tensor(k, "opt.tied.exp_avg"), (Tensor) state.get(0).get("exp_avg"));
        close("AdamW exp_avg_sq of the tied weight", C.tensor(k, "opt.tied.exp_avg_sq"),
                (Tensor) state.get(0).get("exp_avg_sq"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> groups = (List<Map<String, Object>>) opt.stateDict().get("param_groups");
        assertEquals(C.field(k, "opt.params"), groups.get(0).get("params").toString());
        try (GradMode g = Ember.noGrad()) {
            close("logits after training", C.tensor(k, "final.logits"), m.apply(idx));
        }
    }

    private static List<String> prefixed(String prefix, Iterable<String> names) {
        List<String> out = new ArrayList<>();
        names.forEach(n -> out.add(prefix + n));
        return out;
    }

    @Test
    void stateDictKeepsBothNamesAndLoadingCopiesIntoTheOneTensor() {
        TinyGPT m = model("train");
        Map<String, Tensor> sd = m.stateDict();
        // two detached tensors over the one weight's storage, as PyTorch's param.detach() per name
        try (GradMode g = Ember.noGrad()) {
            sd.get("emb.weight").fill_(0.25);
        }
        assertEquals(0.25, sd.get("head.weight").select(0, 0).select(0, 0).item(), 0.0);
        assertEquals(0.25, m.tied().select(0, 0).select(0, 0).item(), 0.0);
        Map<String, Tensor> given = new LinkedHashMap<>();
        sd.forEach((name, v) -> given.put(name, v.clone()));
        given.put("emb.weight", Tensor.full(DType.FLOAT64, 1.0, V, D));
        given.put("head.weight", Tensor.full(DType.FLOAT64, 2.0, V, D));
        Tensor before = m.tied();
        m.loadStateDict(given);
        assertSame(before, m.tied());
        assertTied(m);
        close("the later name's value", C.tensor("load_two_values", "tied"), m.tied());
        // a state dict without one of the names is missing it, as PyTorch's
        given.remove("head.weight");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(given));
        assertEquals("Error(s) in loading state_dict for TinyGPT:\n\tMissing key(s) in state_dict: \"head.weight\". ",
                e.getMessage());
        assertEquals(2.0, m.tied().select(0, 0).select(0, 0).item(), 0.0);
    }

    /** The script's identity-free parametrization: forward 2x, right inverse x / 2. */
    static final class Scale extends Parametrization {
        @Override
        public Tensor forward(Tensor x) {
            return x.mul(2.0);
        }

        @Override
        public List<Tensor> rightInverse(Tensor x) {
            return List.of(x.div(2.0));
        }
    }

    @Test
    void pruningTheTiedHeadAsPyTorch() {
        String k = "prune";
        TinyGPT m = model(k);
        Tensor tied = m.tied();
        Prune.L1Unstructured.apply(m.head, "weight", 0.3, null);
        assertEquals(words(k, "named_parameters"), new ArrayList<>(m.namedParameters().keySet()));
        assertEquals(words(k, "state_dict_keys"), new ArrayList<>(m.stateDict().keySet()));
        assertSame(tied, m.getParameter("head.weight_orig")); // still the embedding's weight
        assertSame(tied, m.getParameter("emb.weight"));
        close("the head's pruned weight", C.tensor(k, "head.weight"), m.head.parametrizedValue("weight"));
        close("the embedding's weight, unpruned", C.tensor(k, "emb.weight"), m.emb.parametrizedValue("weight"));
        // prune.remove: the pruned value into the same tensor, the head's weight again; the embedding reads it too
        Prune.remove(m.head, "weight");
        assertEquals(words(k, "removed.state_dict_keys"), new ArrayList<>(m.stateDict().keySet()));
        assertEquals("True", C.field(k, "removed.same"));
        assertSame(tied, m.getParameter("head.weight"));
        assertSame(tied, m.getParameter("emb.weight"));
        close("pruned weight after remove", C.tensor(k, "removed.weight"), m.emb.parametrizedValue("weight"));
    }

    @Test
    void pruningAFrozenTiedWeightKeepsItFrozen() {
        // PyTorch 1.13: register_parameter(name + "_orig", orig) and prune.remove leave requires_grad as it was (False)
        TinyGPT m = model("train");
        Tensor tied = m.tied();
        m.emb.requiresGrad_(false);
        Prune.Identity.apply(m.head, "weight");
        assertFalse(m.getParameter("head.weight_orig").requiresGrad());
        Prune.remove(m.head, "weight");
        assertSame(tied, m.getParameter("head.weight"));
        assertFalse(tied.requiresGrad());
        assertFalse(m.getParameter("emb.weight").requiresGrad());
    }

    @Test
    void parametrizingTheTiedHeadAsPyTorch() {
        String k = "parametrize";
        TinyGPT m = model(k);
        Tensor tied = m.tied();
        Parametrize.registerParametrization(m.head, "weight", new Scale());
        assertEquals(words(k, "named_parameters"), new ArrayList<>(m.namedParameters().keySet()));
        assertEquals(words(k, "state_dict_keys"), new ArrayList<>(m.stateDict().keySet()));
        // the right inverse is set into the original in place: the embedding reads the halved tensor, as in PyTorch
        assertSame(tied, m.getParameter("head.parametrizations.weight.original"));
        assertSame(tied, m.getParameter("emb.weight"));
        close("original", C.tensor(k, "original"), tied);
        try (GradMode g = Ember.noGrad()) {
            close("logits", C.tensor(k, "logits"), m.apply(C.tensor(k, "idx")));
        }
        // remove_parametrizations(leave_parametrized=True): the value set into the same tensor, the weight again
        Parametrize.removeParametrizations(m.head, "weight");
        assertEquals(words(k, "removed.state_dict_keys"), new ArrayList<>(m.stateDict().keySet()));
        assertEquals("True", C.field(k, "removed.same"));
        assertSame(tied, m.getParameter("head.weight"));
        assertSame(tied, m.getParameter("emb.weight"));
        close("weight after removal", C.tensor(k, "removed.weight"), tied);
    }

    // ------------------------------------------------------------------ walks that see the tensor once

    @Test
    void moduleWalksCountTheTiedWeightOnce() {
        TinyGPT m = model("train");
        List<Tensor> ps = m.parameters();
        assertEquals(6, ps.size());
        assertEquals(7, m.namedParameters(false).size());
        Tensor idx = C.tensor("train", "idx");
        m.apply(idx).sum().backward();
        double[] grad = m.tied().grad().to(DType.FLOAT32).to(DType.FLOAT64).toDoubleArray();
        m.to(DType.FLOAT32);
        assertTied(m);
        assertEquals(DType.FLOAT32, m.tied().dtype());
        assertEquals(DType.FLOAT32, m.tied().grad().dtype());
        assertArrayEquals(grad, m.tied().grad().to(DType.FLOAT64).toDoubleArray(), "the gradient converted once");
        m.to(DType.FLOAT64);
        assertTied(m);
        m.zeroGrad(false);
        assertEquals(0.0, m.tied().grad().abs().sum().item(), 0.0);
        m.zeroGrad();
        assertNull(m.tied().grad());
        m.requiresGrad_(false);
        assertFalse(m.tied().requiresGrad());
        m.requiresGrad_(true);
        assertTrue(m.tied().requiresGrad());
        // one SGD step from model.parameters() moves the tied weight once: p - lr * g
        m.apply(idx).sum().backward();
        Tensor expected = m.tied().detach().sub(m.tied().grad().mul(0.1));
        new SGD(m.parameters(), 0.1).step();
        close("one SGD step", expected, m.tied());
    }

    @Test
    void tiedWeightInTwoParamGroupsIsPyTorchsError() {
        TinyGPT m = model("train");
        Map<String, Tensor> all = m.namedParameters(false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            Optimizer opt = new SGD(List.of(all.get("emb.weight")), 0.1);
            opt.addParamGroup(List.of(all.get("head.weight")), Map.of());
        });
        assertEquals("some parameters appear in more than one parameter group", e.getMessage());
    }

    // ------------------------------------------------------------------ safetensors

    @Test
    void safetensorsRoundTrips(@TempDir Path dir) throws IOException {
        TinyGPT m = model("train");
        // save: every name written (PyTorch's save_file refuses tensors that share memory; Ember's writes each)
        Path all = dir.resolve("all.safetensors");
        Safetensors.save(m.stateDict(), all);
        Map<String, Tensor> read = Safetensors.load(all);
        assertEquals(new ArrayList<>(m.stateDict().keySet()).stream().sorted().toList(),
                read.keySet().stream().sorted().toList());
        TinyGPT back = model("train");
        back.loadStateDict(read);
        assertTied(back);
        m.stateDict().forEach((name, v) -> close("reloaded " + name, v, back.stateDict().get(name)));

        // saveModel: as safetensors.torch.save_model, the tied tensor once, under its first name in sorted order, and
        // the dropped name in the metadata
        Path model = dir.resolve("model.safetensors");
        Safetensors.saveModel(m, Map.of("format", "pt"), model);
        Map<String, Tensor> once = Safetensors.load(model);
        assertEquals(List.of("emb.weight", "fc.bias", "fc.weight", "ln.bias", "ln.weight", "pos.weight"),
                once.keySet().stream().sorted().toList());
        assertEquals(Map.of("format", "pt", "head.weight", "emb.weight"), Safetensors.loadMetadata(model));
        TinyGPT back2 = model("train");
        Module.IncompatibleKeys keys = Safetensors.loadModel(back2, model);
        assertEquals(List.of(), keys.missingKeys());
        assertEquals(List.of(), keys.unexpectedKeys());
        assertTied(back2);
        m.stateDict().forEach((name, v) -> close("loadModel " + name, v, back2.stateDict().get(name)));

        // loadModel of a file with both names: the reference counts the dropped one as unexpected (strict: an error,
        // here before anything is loaded)
        TinyGPT back3 = model("train");
        Tensor before = back3.tied().clone();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Safetensors.loadModel(back3, all));
        assertEquals("Error(s) in loading state_dict for TinyGPT:\n    Unexpected key(s) in state_dict: \"head.weight\"",
                e.getMessage());
        close("unchanged by the refused load", before, back3.tied());
        keys = Safetensors.loadModel(back3, all, false);
        assertEquals(List.of(), keys.missingKeys());
        assertEquals(List.of("head.weight"), keys.unexpectedKeys());
        close("loaded anyway", m.tied(), back3.tied());
    }

    /** A module whose buffers view its weight's storage: one overlapping the weight, two overlapping each other only. */
    static final class Views extends Module {
        Views(boolean withWeight) {
            Tensor base = Tensor.arange(12).to(DType.FLOAT32);
            if (withWeight) {
                registerParameter("weight", base);
                registerBuffer("head", base.detach().narrow(0, 0, 4)); // inside the weight
            } else {
                registerBuffer("a", base.narrow(0, 0, 8));
                registerBuffer("b", base.narrow(0, 4, 8)); // overlaps a; neither covers the whole storage
            }
        }

        @Override
        public Tensor forward(Tensor x) {
            return x;
        }
    }

    @Test
    void saveModelGroupsBySharedMemoryAsTheReference(@TempDir Path dir) throws IOException {
        // safetensors.torch._remove_duplicate_names (read from its source): a tensor inside another one's storage is
        // dropped in favour of the one covering it all, and loads back through it
        Path file = dir.resolve("views.safetensors");
        Safetensors.saveModel(new Views(true), file);
        assertEquals(List.of("weight"), List.copyOf(Safetensors.load(file).keySet()));
        assertEquals(Map.of("head", "weight"), Safetensors.loadMetadata(file));
        Views back = new Views(true);
        try (GradMode g = Ember.noGrad()) {
            back.getParameter("weight").zero_();
        }
        Module.IncompatibleKeys keys = Safetensors.loadModel(back, file);
        assertEquals(List.of(), keys.missingKeys());
        assertEquals(List.of(), keys.unexpectedKeys());
        close("weight", Tensor.arange(12).to(DType.FLOAT64), back.getParameter("weight"));
        close("the view", Tensor.arange(4).to(DType.FLOAT64), back.getBuffer("head"));
        // overlapping views of which none covers the storage: the reference's refusal, before the file is written
        Path none = dir.resolve("none.safetensors");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.saveModel(new Views(false), none));
        assertTrue(e.getMessage().startsWith("Error while trying to find names to remove to save state dict, but found no "
                + "suitable name to keep for saving amongst: [a, b]. None is covering the entire storage."), e.getMessage());
        assertFalse(java.nio.file.Files.exists(none));
    }

    // ------------------------------------------------------------------ setParameter's checks

    /** The module's registry as it stands: names to tensor objects and their requires_grad. */
    private static Map<String, Object> snapshot(Module m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.namedParameters(false).forEach((n, p) -> out.put(n, List.of(System.identityHashCode(p), p.requiresGrad())));
        m.namedBuffers().forEach((n, b) -> out.put("buffer " + n, System.identityHashCode(b)));
        out.put("modules", new ArrayList<>(m.namedModules().keySet()));
        return out;
    }

    private static void refused(Module m, String message, Consumer<Module> call) {
        Map<String, Object> before = snapshot(m);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> call.accept(m));
        assertEquals(message, e.getMessage());
        assertEquals(before, snapshot(m), "nothing changed by the refused call");
    }

    /** A layer with a buffer and a submodule, as the messages were checked with PyTorch 1.13 (see the script's notes). */
    static final class WithBuffer extends Module {
        final Linear lin = registerModule("lin", new Linear(3, 2));

        WithBuffer() {
            registerBuffer("buf", Tensor.zeros(2));
            registerModule("sub", new ReLU());
            registerParameter("w", Tensor.zeros(2));
        }

        @Override
        public Tensor forward(Tensor x) {
            return lin.apply(x);
        }
    }

    @Test
    void setParameterRefusesAsPyTorch() {
        WithBuffer m = new WithBuffer();
        Tensor leaf = Tensor.zeros(2);
        refused(m, "attribute 'buf' already exists", x -> x.setParameter("buf", leaf));
        refused(m, "attribute 'sub' already exists", x -> x.setParameter("sub", leaf));
        refused(m, "attribute 'lin' already exists", x -> x.setParameter("lin", leaf));
        refused(m, "parameter name can't contain \".\"", x -> x.setParameter("lin.weight", leaf));
        refused(m, "parameter name can't be empty string \"\"", x -> x.setParameter("", leaf));
        refused(m, "parameter name should be a string. Got null", x -> x.setParameter(null, leaf));
        Tensor src = Tensor.zeros(2).requiresGrad_(true);
        refused(m, "cannot assign 'torch.FloatTensor' object to parameter 'w' (torch.nn.Parameter or None required)",
                x -> x.setParameter("w", src.mul(2.0)));
        Tensor src64 = Tensor.zeros(DType.FLOAT64, 2).requiresGrad_(true);
        refused(m, "cannot assign 'torch.DoubleTensor' object to parameter 'w' (torch.nn.Parameter or None required)",
                x -> x.setParameter("w", src64.mul(2.0)));
        refused(m, "Only Tensors of floating point and complex dtype can require gradients",
                x -> x.setParameter("w", Tensor.zeros(DType.INT64, 2)));
        Tensor closed = Tensor.zeros(2);
        closed.close();
        refused(m, "cannot assign a closed tensor to parameter 'w'", x -> x.setParameter("w", closed));
        assertFalse(leaf.isParameter()); // not marked by a refused call

        // a parametrized name and a pruned one: PyTorch's register_parameter finds the attribute (KeyError)
        Linear p = new Linear(3, 2);
        Parametrize.registerParametrization(p, "weight", new Scale());
        refused(p, "attribute 'weight' already exists", x -> x.setParameter("weight", Tensor.zeros(2, 3)));
        Linear q = new Linear(3, 2);
        Prune.Identity.apply(q, "weight");
        refused(q, "attribute 'weight' already exists", x -> x.setParameter("weight", Tensor.zeros(2, 3)));
    }

    @Test
    void setParameterReplacesInPlaceAndKeepsRequiresGrad() {
        WithBuffer m = new WithBuffer();
        Linear lin = m.lin;
        // a leaf becomes a parameter (nn.Parameter(t): it requires grad), in the name's place
        Tensor w = Tensor.ones(2, 3);
        lin.setParameter("weight", w);
        assertTrue(w.isParameter());
        assertTrue(w.requiresGrad());
        assertEquals(List.of("w", "lin.weight", "lin.bias"), new ArrayList<>(m.namedParameters().keySet()));
        assertSame(w, m.getParameter("lin.weight"));
        assertTrue(lin.weight != w); // the final field keeps the tensor registered at construction
        assertSame(w, lin.parametrizedValue("weight"));
        close("forward reads the new weight", Tensor.ones(DType.FLOAT32, 1, 2).mul(3.0).add(lin.bias),
                lin.apply(Tensor.ones(1, 3)));
        // a frozen parameter tied elsewhere stays frozen
        Tensor frozen = new Linear(3, 2).weight.requiresGrad_(false);
        lin.setParameter("weight", frozen);
        assertFalse(frozen.requiresGrad());
        // null: an absent parameter, out of parameters() and the state dict, as PyTorch's None
        lin.setParameter("bias", null);
        assertEquals(List.of("w", "lin.weight"), new ArrayList<>(m.namedParameters().keySet()));
        assertFalse(m.stateDict().containsKey("lin.bias"));
        assertTrue(ModuleInternals.hasParameter(lin, "bias")); // registered as absent, in its place
        // a new name is appended after the others
        lin.setParameter("extra", Tensor.zeros(1));
        assertEquals(List.of("weight", "extra"), new ArrayList<>(lin.namedParameters(false).keySet()));
    }

    @Test
    void tyingTheOtherWayKeepsTheEmbeddingFieldTruthful() {
        Module m = new Module() {
            final Embedding emb = registerModule("emb", new Embedding(V, D));
            final Linear head = registerModule("head", new Linear(D, V, false));

            {
                head.setParameter("weight", emb.weight);
            }

            @Override
            public Tensor forward(Tensor idx) {
                return head.apply(emb.apply(idx));
            }
        };
        Map<Tensor, String> names = new IdentityHashMap<>();
        m.namedParameters().forEach((n, p) -> names.put(p, n));
        assertEquals(1, names.size());
        assertEquals("emb.weight", names.values().iterator().next());
        assertSame(m.getParameter("emb.weight"), m.getParameter("head.weight"));
        assertEquals(List.of("emb.weight", "head.weight"), new ArrayList<>(m.stateDict().keySet()));
    }
}
