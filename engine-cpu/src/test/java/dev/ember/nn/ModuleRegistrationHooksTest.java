package dev.ember.nn;

import dev.ember.DType;
import dev.ember.RemovableHandle;
import dev.ember.Tensor;
import dev.ember.nn.utils.Parametrize;
import dev.ember.nn.utils.Prune;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The global registration hooks of PyTorch 2.x ({@link ModuleRegistrationHooks}) against the traces of
 * {@code moduleextras/make_registration_hooks.py}: PyTorch 1.13 has no such hooks, so the script adds them to 1.13's
 * {@code add_module}, {@code register_parameter}, {@code register_buffer} and {@code __setattr__} by 2.x's rules
 * (module hooks in {@code add_module} and in the setattr of a Module, or of None for a submodule's name; parameter
 * hooks in {@code register_parameter}, not for None; buffer hooks in {@code register_buffer} and in the setattr of a
 * buffer, None included; a hook's non-None output replaces the value), and 1.13's own containers, parametrizations,
 * pruning and lazy modules make the registrations. Each trace is every hook call of one construction or operation, as
 * {@code kind Owner.name value}. By Ember's rules: a hook's output checked as a given value is, a refused one leaving
 * the module unchanged, a replacement of another class forwarding from the given module, and the paths 2.x runs no
 * hooks on (copying loads, {@code to}).
 */
class ModuleRegistrationHooksTest {
    private final List<String> trace = new ArrayList<>();
    private final List<RemovableHandle> handles = new ArrayList<>();
    private final Thread testThread = Thread.currentThread();

    private static Map<String, String> expected() {
        Map<String, String> out = new LinkedHashMap<>();
        try (InputStream in = ModuleRegistrationHooksTest.class.getResourceAsStream("/moduleextras/registration_hooks.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                int tab = line.indexOf('\t');
                out.put(line.substring(0, tab), line.substring(tab + 1));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private static String desc(Tensor t) {
        if (t == null) {
            return "None";
        }
        if (t.isUninitialized()) {
            return t.isParameter() ? "UninitializedParameter" : "UninitializedBuffer";
        }
        return (t.isParameter() ? "Parameter" : "Tensor") + Arrays.toString(t.shape());
    }

    private static String desc(Module m) {
        return m == null ? "None" : m.moduleName();
    }

    @BeforeEach
    void record() {
        handles.add(ModuleRegistrationHooks.registerModuleModuleRegistrationHook((m, name, v) -> {
            log("module " + m.moduleName() + "." + name + " " + desc(v));
            return null;
        }));
        handles.add(ModuleRegistrationHooks.registerModuleParameterRegistrationHook((m, name, v) -> {
            log("parameter " + m.moduleName() + "." + name + " " + desc(v));
            return null;
        }));
        handles.add(ModuleRegistrationHooks.registerModuleBufferRegistrationHook((m, name, v) -> {
            log("buffer " + m.moduleName() + "." + name + " " + desc(v));
            return null;
        }));
    }

    private void log(String call) {
        if (Thread.currentThread() == testThread) {
            trace.add(call);
        }
    }

    @AfterEach
    void removeHooks() {
        handles.forEach(RemovableHandle::remove);
    }

    /** The hook calls {@code r} makes. */
    private String traced(Runnable r) {
        trace.clear();
        r.run();
        return String.join(" | ", trace);
    }

    static final class Net extends Module {
        Net() {
            registerModule("fc", new Linear(2, 3));
            registerModule("act", new ReLU());
            registerBuffer("steps", Tensor.zeros(1));
            registerBuffer("mask", null, false);
            registerParameter("scale", Tensor.ones(3));
            registerParameter("shift", null);
        }

        @Override
        public Tensor forward(Tensor input) {
            return input;
        }
    }

    static final class Holder extends Module {
        @Override
        public Tensor forward(Tensor input) {
            return input;
        }
    }

    static final class Twice extends Module {
        @Override
        public Tensor forward(Tensor input) {
            return input.mul(2);
        }
    }

    @Test
    void layersAndModulesOfOnesOwnRegisterInPyTorchsOrder() {
        Map<String, String> e = expected();
        assertEquals(e.get("net"), traced(Net::new));
        assertEquals(e.get("linear.nobias"), traced(() -> new Linear(2, 2, false)));
        assertEquals(e.get("batchnorm"), traced(() -> new BatchNorm1d(3)));
        assertEquals(e.get("batchnorm.untracked"), traced(() -> new BatchNorm1d(3, 1e-5, 0.1, false, false)));
    }

    @Test
    void libraryLayersRegisterInPyTorchsOrder() {
        Map<String, String> e = expected();
        assertEquals(e.get("lstm"), traced(() -> new LSTM(2, 3, 2, true, false, 0.0, true)));
        assertEquals(e.get("gru.nobias"), traced(() -> new GRU(2, 3, 1, false, false, 0.0, false)));
        assertEquals(e.get("embedding"), traced(() -> new Embedding(4, 2)));
        assertEquals(e.get("conv2d"), traced(() -> new Conv2d(1, 2, 3)));
        assertEquals(e.get("layernorm"), traced(() -> new LayerNorm(3)));
        assertEquals(e.get("mha"), traced(() -> new MultiheadAttention(4, 2)));
        assertEquals(e.get("mha.kdim"), traced(() -> new MultiheadAttention(4, 2, 0.0, false, 3, 5, false)));
        assertEquals(e.get("encoderlayer"), traced(() -> new TransformerEncoderLayer(4, 2, 8, 0.1, false)));
    }

    @Test
    void containersRegisterEachElementThroughTheHooks() {
        Map<String, String> e = expected();
        assertEquals(e.get("modulelist"), traced(() -> new ModuleList<Module>(new ReLU(), new Tanh()).add(new Sigmoid())
                .addAll(List.of(new ReLU()))));
        assertEquals(e.get("moduledict"), traced(() -> new ModuleDict<Module>(Map.of("a", new ReLU())).put("b", new Tanh())));
        assertEquals(e.get("sequential"), traced(() -> new Sequential(new ReLU(), new Tanh()).append(new Sigmoid())));
        Sequential seq = new Sequential(new ReLU(), new Tanh(), new Sigmoid());
        assertEquals(e.get("sequential.slice"), traced(() -> seq.slice(1, 3)));
        assertEquals(e.get("parameterlist"), traced(() -> new ParameterList(Tensor.zeros(2), Tensor.zeros(3))
                .add(Tensor.zeros(1))));
        assertEquals(e.get("parameterdict"), traced(() -> new ParameterDict(Map.of("a", Tensor.zeros(2)))
                .put("b", Tensor.zeros(1))));
    }

    @Test
    void addModuleAndSetSubmoduleRunTheModuleHooksNoneIncluded() {
        Map<String, String> e = expected();
        assertEquals(e.get("addmodule"), traced(() -> {
            Holder m = new Holder();
            m.addModule("x", new ReLU());
            m.addModule("y", null);
            m.setSubmodule("x", new Tanh()); // 2.x's set_submodule: setattr of the existing submodule
            m.addModule("y", null); // m.y = None: 2.x's set_submodule refuses None (Leftovers46Test)
        }));
    }

    @Test
    void parametrizationsPruningAndLazyModulesRegisterAsPyTorchsDo() {
        Map<String, String> e = expected();
        Linear lin = new Linear(2, 2);
        assertEquals(e.get("parametrize"), traced(() -> Parametrize.registerParametrization(lin, "weight", new Twice())));
        assertEquals(e.get("parametrize.append"), traced(() -> Parametrize.registerParametrization(lin, "weight", new Twice())));
        assertEquals(e.get("parametrize.remove"), traced(() -> Parametrize.removeParametrizations(lin, "weight")));
        Linear pl = new Linear(2, 2);
        assertEquals(e.get("prune"), traced(() -> Prune.l1Unstructured(pl, "weight", 2L)));
        assertEquals(e.get("prune.remove"), traced(() -> Prune.remove(pl, "weight")));
        // PyTorch's LazyLinear first builds a Linear(0, 0, bias=False), whose Parameter[0, 0] weight it then replaces
        // with an uninitialized one; Ember registers the uninitialized ones directly: the rest of the trace
        String lazy = e.get("lazy.construct");
        assertEquals(lazy.substring(lazy.indexOf(" | ") + 3), traced(() -> new LazyLinear(3)));
        LazyLinear l = new LazyLinear(3);
        assertEquals(e.get("lazy.materialize"), traced(() -> l.apply(Tensor.zeros(1, 2))));
        assertArrayEquals(new int[] {3, 2}, l.parameter("weight").shape());
    }

    /**
     * Spectral norm: its {@code _u} and {@code _v} buffers run the buffer hooks as it registers them and at every
     * step of its power iteration, as 2.x's {@code self._u = F.normalize(..., out=self._u)} does: 15 steps at
     * construction, one more in the parametrization's consistency check.
     */
    @Test
    void spectralNormRunsTheBufferHooksAtEveryPowerIteration() {
        assertEquals(expected().get("spectralnorm.registrations"),
                traced(() -> dev.ember.nn.utils.Parametrizations.spectralNorm(new Linear(2, 2))));
    }

    @Test
    void batchNormWithoutRunningStatsSetsItsBuffersToNoneThroughTheHooks() {
        Map<String, String> e = expected();
        BatchNorm1d bn = new BatchNorm1d(2);
        assertEquals(e.get("untrack"), traced(() -> ModuleInternals.batchNormWithoutRunningStats(bn)));
    }

    @Test
    void aHookReplacesTheValueForTheHooksAfterItAndTheModule() {
        Map<String, String> e = expected();
        List<String> seen = new ArrayList<>();
        Tensor half = Tensor.full(new int[] {3}, 0.5);
        Tensor ones = Tensor.ones(2);
        handles.add(ModuleRegistrationHooks.registerModuleModuleRegistrationHook(
                (m, name, v) -> v instanceof ReLU ? new Identity() : null));
        handles.add(ModuleRegistrationHooks.registerModuleModuleRegistrationHook((m, name, v) -> {
            if (m instanceof Net) {
                seen.add(name + " " + desc(v));
            }
            return null;
        }));
        handles.add(ModuleRegistrationHooks.registerModuleParameterRegistrationHook(
                (m, name, v) -> name.equals("scale") ? half : null));
        handles.add(ModuleRegistrationHooks.registerModuleBufferRegistrationHook(
                (m, name, v) -> name.equals("steps") ? ones : null));
        Net net = new Net();
        assertEquals(e.get("replace.seen"), String.join(" | ", seen));
        assertEquals(e.get("replace.act"), net.registeredModules().get("act").moduleName());
        assertEquals(e.get("replace.scale"), Arrays.toString(net.parameter("scale").toDoubleArray()));
        assertSame(half, net.parameter("scale"));
        assertTrue(half.isParameter() && half.requiresGrad(), "the hook's tensor became the parameter");
        assertEquals(e.get("replace.steps"), Arrays.toString(net.getBuffer("steps").toDoubleArray()));
        assertSame(ones, net.getBuffer("steps"));
        assertEquals(e.get("replace.keys"), String.join(",", net.stateDict().keySet()));
    }

    @Test
    void removedHooksRunNoMore() {
        Map<String, String> e = expected();
        handles.forEach(RemovableHandle::remove);
        assertEquals(e.get("removed"), traced(Net::new));
        handles.get(0).remove(); // removing twice is a no-op
    }

    @Test
    void setParameterAndAnAssignLoadRunTheParameterAndBufferHooks() {
        Linear lin = new Linear(2, 2);
        assertEquals("parameter Linear.weight Parameter[2, 2]", traced(() -> lin.setParameter("weight", Tensor.ones(2, 2))));
        assertEquals("", traced(() -> lin.setParameter("bias", null)), "no hooks for None, as register_parameter");
        BatchNorm1d bn = new BatchNorm1d(2);
        Map<String, Tensor> sd = new BatchNorm1d(2).stateDict();
        // 2.x's assign=True: setattr of each parameter (the hooks see a Parameter) and each buffer
        assertEquals("parameter BatchNorm1d.weight Parameter[2] | parameter BatchNorm1d.bias Parameter[2]"
                        + " | buffer BatchNorm1d.running_mean Tensor[2] | buffer BatchNorm1d.running_var Tensor[2]"
                        + " | buffer BatchNorm1d.num_batches_tracked Tensor[]",
                traced(() -> bn.loadStateDict(sd, true, true)));
        // a load that copies values, and a move, register nothing
        Map<String, Tensor> other = new BatchNorm1d(2).stateDict();
        assertEquals("", traced(() -> bn.loadStateDict(other)));
        assertEquals("", traced(() -> bn.to(DType.FLOAT64)));
        // functional_call: 2.x's swap_tensor writes module._parameters / _buffers directly, no hooks
        Linear f = new Linear(2, 2);
        Map<String, Tensor> swapped = Map.of("weight", Tensor.ones(2, 2), "bias", Tensor.zeros(2));
        Tensor x = Tensor.ones(1, 2);
        assertEquals("", traced(() -> Stateless.functionalCall(f, swapped, x)));
    }

    /**
     * PyTorch's observers and fake quantizers resize their statistics in place ({@code min_val.resize_(shape)},
     * {@code scale.resize_(shape)} then {@code copy_}): no registration hook runs as a per-channel one first sees
     * its channels.
     */
    @Test
    void observersResizingTheirStatisticsRunNoHooks() {
        dev.ember.ao.quantization.PerChannelMinMaxObserver obs = new dev.ember.ao.quantization.PerChannelMinMaxObserver();
        dev.ember.ao.quantization.FakeQuantize fq = dev.ember.ao.quantization.FakeQuantize.defaultPerChannelWeightFakeQuant();
        Tensor x = Tensor.arange(6).to(DType.FLOAT32).reshape(3, 2);
        assertEquals("", traced(() -> obs.forward(x)));
        assertArrayEquals(new int[] {3}, obs.getBuffer("min_val").shape());
        assertEquals("", traced(() -> fq.forward(x)));
        assertArrayEquals(new int[] {3}, fq.getBuffer("scale").shape());
    }

    /**
     * PyTorch's quantization {@code convert} ({@code quantize_dynamic}'s too) swaps modules by
     * {@code module._modules[key] = value}: the swap runs no module hook (the new module's own registrations run
     * theirs), where {@code fuse_modules}' {@code setattr} does.
     */
    @Test
    void quantizationSwapsRunNoModuleHookFusionDoes() {
        Sequential model = new Sequential(new Linear(4, 4), new ReLU());
        String swap = traced(() -> dev.ember.ao.quantization.Quantization.quantizeDynamic(model, true));
        assertFalse(swap.contains("module Sequential."), swap);
        assertEquals("Linear", model.get(0).getClass().getSimpleName());
        assertTrue(model.get(0).getClass().getName().contains(".ao."), "swapped for the dynamically quantized Linear");
        Sequential fused = new Sequential(new Conv2d(1, 1, 1), new BatchNorm2d(1), new ReLU());
        fused.eval();
        String fuse = traced(() -> dev.ember.ao.quantization.Quantization.fuseModules(fused, List.of(List.of("0", "1", "2")), true));
        assertTrue(fuse.contains("module Sequential.0 ") && fuse.contains("module Sequential.1 Identity")
                && fuse.contains("module Sequential.2 Identity"), fuse);
    }

    @Test
    void aHooksOutputIsCheckedAsAGivenValueAndARefusedOneChangesNothing() {
        handles.add(ModuleRegistrationHooks.registerModuleParameterRegistrationHook(
                (m, name, v) -> name.equals("bad") ? v.mul(2) : name.equals("int") ? Tensor.zeros(DType.INT64, 2) : null));
        Holder h = new Holder();
        IllegalArgumentException nonLeaf = assertThrows(IllegalArgumentException.class,
                () -> h.registerParameter("bad", Tensor.ones(2)));
        assertEquals("Cannot assign non-leaf Tensor to parameter 'bad'. Model parameters must be created explicitly. To "
                + "express 'bad' as a function of another Tensor, compute the value in the forward() method.",
                nonLeaf.getMessage());
        assertEquals("cannot assign 'torch.FloatTensor' object to parameter 'bad' (torch.nn.Parameter or None required)",
                assertThrows(IllegalArgumentException.class, () -> h.setParameter("bad", Tensor.ones(2))).getMessage());
        assertEquals("Only Tensors of floating point and complex dtype can require gradients",
                assertThrows(IllegalArgumentException.class, () -> h.registerParameter("int", Tensor.ones(2))).getMessage());
        assertTrue(h.namedParameters().isEmpty(), "nothing registered");

        // a module hook returning the parent itself, or a hook that throws: nothing registered
        Holder parent = new Holder();
        RemovableHandle self = ModuleRegistrationHooks.registerModuleModuleRegistrationHook((m, name, v) -> m);
        try {
            assertThrows(IllegalArgumentException.class, () -> parent.addModule("x", new ReLU()));
        } finally {
            self.remove();
        }
        RemovableHandle throwing = ModuleRegistrationHooks.registerModuleBufferRegistrationHook((m, name, v) -> {
            throw new IllegalStateException("refused by hook");
        });
        try {
            assertEquals("refused by hook", assertThrows(IllegalStateException.class,
                    () -> new BatchNorm1d(2)).getMessage());
        } finally {
            throwing.remove();
        }
        assertTrue(parent.registeredModules().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> ModuleRegistrationHooks.registerModuleModuleRegistrationHook(null));
        assertThrows(IllegalArgumentException.class, () -> ModuleRegistrationHooks.registerModuleParameterRegistrationHook(null));
        assertThrows(IllegalArgumentException.class, () -> ModuleRegistrationHooks.registerModuleBufferRegistrationHook(null));
    }

    /**
     * A list element replaced by a hook with a module of another class: the list's typed element forwards to it, and
     * the list prints, saves and walks the registered one (PyTorch's {@code ml[0]} is the hook's module).
     */
    @Test
    void aListElementReplacedByAHookOfAnotherClass() {
        handles.add(ModuleRegistrationHooks.registerModuleModuleRegistrationHook(
                (m, name, v) -> v instanceof ReLU ? new Identity() : null));
        ModuleList<Module> list = new ModuleList<>(new ReLU(), new Linear(1, 1));
        assertEquals("ModuleList(\n  (0): Identity()\n  (1): Linear(in_features=1, out_features=1, bias=True)\n)",
                list.toString());
        assertTrue(list.registeredModules().get("0") instanceof Identity);
        Tensor x = Tensor.tensor(new double[] {-1, 2});
        assertEquals("[-1.0, 2.0]", Arrays.toString(list.get(0).apply(x).toDoubleArray()), "forwarded to the Identity");
    }

    /** Regression: a ModuleList printed the element first given after setSubmodule replaced it (PyTorch prints the new one). */
    @Test
    void aListElementReplacedBySetSubmodulePrintsAsTheNewOne() {
        ModuleList<Module> list = new ModuleList<>(new ReLU(), new ReLU());
        list.setSubmodule("1", new Tanh());
        assertEquals("ModuleList(\n  (0): ReLU()\n  (1): Tanh()\n)", list.toString());
    }

    /** A wrapper of another class than the module given: the given module (held by a field) forwards to it. */
    @Test
    void aReplacementOfAnotherClassIsWhatTheGivenModuleForwardsTo() {
        handles.add(ModuleRegistrationHooks.registerModuleModuleRegistrationHook(
                (m, name, v) -> v instanceof Linear lin && name.equals("fc") ? new Sequential(lin, new Tanh()) : null));
        Linear[] field = new Linear[1];
        Holder model = new Holder();
        field[0] = model.registerModule("fc", new Linear(2, 2));
        assertTrue(model.registeredModules().get("fc") instanceof Sequential, "the hook's module is registered");
        assertEquals(List.of("fc.0.weight", "fc.0.bias"), new ArrayList<>(model.stateDict().keySet()));
        Tensor x = Tensor.ones(1, 2);
        Tensor viaField = field[0].apply(x);
        Tensor direct = model.registeredModules().get("fc").apply(x);
        assertArrayEquals(direct.toDoubleArray(), viaField.toDoubleArray(), 0);
        double[] raw = Functional.linear(x, field[0].parameter("weight"), field[0].parameter("bias")).toDoubleArray();
        assertFalse(Arrays.equals(raw, viaField.toDoubleArray()), "the field's call went through the Tanh");
    }
}
