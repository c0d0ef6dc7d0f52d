package dev.ember;

import dev.ember.nn.AvgPool2d;
import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.CELU;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Dropout;
import dev.ember.nn.ELU;
import dev.ember.nn.Embedding;
import dev.ember.nn.EmbeddingBag;
import dev.ember.nn.Flatten;
import dev.ember.nn.Functional;
import dev.ember.nn.GELU;
import dev.ember.nn.GroupNorm;
import dev.ember.nn.Hardswish;
import dev.ember.nn.Hardtanh;
import dev.ember.nn.Identity;
import dev.ember.nn.Init;
import dev.ember.nn.InstanceNorm2d;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.LeakyReLU;
import dev.ember.nn.Linear;
import dev.ember.nn.LogSoftmax;
import dev.ember.nn.MaxPool2d;
import dev.ember.nn.Mish;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleDict;
import dev.ember.nn.ModuleList;
import dev.ember.nn.ParameterList;
import dev.ember.nn.RMSNorm;
import dev.ember.nn.ReLU;
import dev.ember.nn.ReLU6;
import dev.ember.nn.SELU;
import dev.ember.nn.Sequential;
import dev.ember.nn.SiLU;
import dev.ember.nn.Sigmoid;
import dev.ember.nn.Softmax;
import dev.ember.nn.Softplus;
import dev.ember.nn.Tanh;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15's modules: their printouts and state-dict keys against PyTorch's (layers/make_expected.py: print(model) and
 * state_dict().keys()), that each forward is its functional form, running statistics, PyTorch's initializations, the
 * containers, hooks (values of a full backward hook against PyTorch's), apply, requiresGrad_ and namedModules, and the
 * init functions (seeded statistics that cannot flake: the same numbers every run).
 */
class LayerModulesTest {
    private static final PyTorchCases TORCH = LayersTest.TORCH;

    /** The block of the script's model: a layer norm and an MLP. */
    static final class Block extends Module {
        final LayerNorm ln = registerModule("ln", new LayerNorm(8));
        final Sequential mlp = registerModule("mlp", new Sequential(new Linear(8, 32), new GELU("tanh"), new Linear(32, 8),
                new Dropout(0.1)));

        @Override
        public Tensor forward(Tensor x) {
            return x.add(mlp.apply(ln.apply(x)));
        }
    }

    /** The script's model: every container kind, nested. */
    static final class Net extends Module {
        final Embedding emb = registerModule("emb", new Embedding(100, 8, 0L, null, 2.0, false));
        final ModuleList<Block> blocks = registerModule("blocks", new ModuleList<>(new Block(), new Block(), new Block()));
        final ModuleDict<Linear> heads = registerModule("heads", new ModuleDict<Linear>()
                .put("cls", new Linear(8, 2)).put("reg", new Linear(8, 1, false)));
        final ParameterList scales = registerModule("scales", new ParameterList(Tensor.ones(3, 4), Tensor.zeros(5)));
        final RMSNorm norm = registerModule("norm", new RMSNorm(8));

        @Override
        public Tensor forward(Tensor tokens) {
            Tensor x = emb.apply(tokens);
            for (Block b : blocks) {
                x = b.apply(x); // typed: no cast
            }
            return heads.get("cls").apply(norm.apply(x));
        }
    }

    static Map<String, Supplier<Module>> modules() {
        Map<String, Supplier<Module>> m = new LinkedHashMap<>();
        m.put("leaky_relu", LeakyReLU::new);
        m.put("leaky_relu_02", () -> new LeakyReLU(0.2));
        m.put("elu", ELU::new);
        m.put("elu_05", () -> new ELU(0.5));
        m.put("selu", SELU::new);
        m.put("celu", () -> new CELU(0.7));
        m.put("silu", SiLU::new);
        m.put("mish", Mish::new);
        m.put("softplus", Softplus::new);
        m.put("softplus_b2", () -> new Softplus(2.0, 5.0));
        m.put("hardtanh", Hardtanh::new);
        m.put("hardtanh_02", () -> new Hardtanh(-0.5, 2.0));
        m.put("relu6", ReLU6::new);
        m.put("hardswish", Hardswish::new);
        m.put("gelu", GELU::new);
        m.put("gelu_tanh", () -> new GELU("tanh"));
        m.put("softmax", () -> new Softmax(1));
        m.put("log_softmax", () -> new LogSoftmax(-1));
        m.put("identity", Identity::new);
        m.put("layer_norm", () -> new LayerNorm(8));
        m.put("layer_norm_2d", () -> new LayerNorm(new int[] {3, 4}, 1e-6, false, true));
        m.put("rms_norm", () -> new RMSNorm(8));
        m.put("rms_norm_eps", () -> new RMSNorm(new int[] {3, 4}, 1e-5, false));
        m.put("group_norm", () -> new GroupNorm(2, 6));
        m.put("group_norm_noaffine", () -> new GroupNorm(3, 6, 1e-3, false));
        m.put("batch_norm1d", () -> new BatchNorm1d(5));
        m.put("batch_norm1d_opts", () -> new BatchNorm1d(5, 1e-3, null, false, true));
        m.put("batch_norm1d_untracked", () -> new BatchNorm1d(4, 1e-5, 0.1, true, false));
        m.put("instance_norm2d", () -> new InstanceNorm2d(3));
        m.put("instance_norm2d_affine", () -> new InstanceNorm2d(3, 1e-5, 0.1, true, true));
        m.put("embedding", () -> new Embedding(10, 4));
        m.put("embedding_opts", () -> new Embedding(10, 4, 2L, 1.0, 1.0, true));
        m.put("embedding_bag", () -> new EmbeddingBag(10, 4));
        m.put("embedding_bag_opts", () -> new EmbeddingBag(10, 4, 2.0, 2.0, false, "max", false, 3L));
        m.put("conv2d_opts", () -> new Conv2d(2, 4, new int[] {3}, new int[] {2}, new int[] {1}, new int[] {2}, 2, false));
        m.put("max_pool", () -> new MaxPool2d(2));
        m.put("avg_pool", () -> new AvgPool2d(new int[] {3}, new int[] {2}, new int[] {1}, false, true));
        m.put("module_list_empty", ModuleList::new);
        m.put("module_list", () -> new ModuleList<Module>(new Linear(2, 2), new Linear(2, 2), new ReLU(), new Linear(2, 2)));
        m.put("module_dict", () -> new ModuleDict<>().put("a", new ReLU()).put("b", new Sequential(new Linear(1, 2),
                new Tanh())));
        m.put("parameter_list", () -> new ParameterList(Tensor.ones(3, 4), Tensor.zeros(DType.FLOAT64, 5)));
        m.put("sequential", () -> new Sequential(new Linear(4, 3), new ReLU(), new Dropout(0.5), new Sequential(new Linear(3, 3),
                new Sigmoid())));
        m.put("linear", () -> new Linear(4, 3));
        m.put("linear_nobias", () -> new Linear(4, 3, false));
        m.put("batch_norm2d", () -> new BatchNorm2d(3));
        m.put("flatten", Flatten::new);
        m.put("dropout", () -> new Dropout(1e-5));
        m.put("relu", ReLU::new);
        m.put("conv2d", () -> new Conv2d(1, 6, 5));
        m.put("conv2d_groups", () -> new Conv2d(2, 4, new int[] {3}, new int[] {2}, new int[] {1}, new int[] {1}, 2, false));
        m.put("net", Net::new);
        return m;
    }

    @TestFactory
    List<DynamicTest> printoutsAndStateDictKeysAsPyTorchs() {
        List<DynamicTest> t = new ArrayList<>();
        for (Map.Entry<String, Supplier<Module>> e : modules().entrySet()) {
            String key = "print_" + e.getKey();
            t.add(DynamicTest.dynamicTest(key, () -> {
                Module m = e.getValue().get();
                assertEquals(TORCH.field(key, "repr").replace("\\n", "\n"), m.toString(), key);
                assertEquals(TORCH.field(key, "keys"), String.join(",", m.stateDict().keySet()), key + " keys");
            }));
        }
        return t;
    }

    @Test
    void namedModulesAsPyTorchs() {
        Net net = new Net();
        assertEquals(TORCH.field("named_modules_net", "names"), String.join(",", net.namedModules().keySet()));
        assertSame(net, net.namedModules().get(""));
        assertEquals(net.namedModules().size(), net.modules().size());
        assertEquals(List.of(net.emb, net.blocks, net.heads, net.scales, net.norm), net.children());
        // a module registered twice is listed once, under its first name
        Linear shared = new Linear(2, 2);
        Sequential twice = new Sequential(shared, shared);
        assertEquals(List.of("", "0"), new ArrayList<>(twice.namedModules().keySet()));
    }

    @Test
    void modulesComputeTheirFunctionalForms() {
        Generator g = new Generator(11);
        Tensor x = Tensor.randn(g, DType.FLOAT32, 4, 6, 5);
        assertTrue(new GELU("tanh").forward(x).equal(Functional.gelu(x, "tanh")));
        assertTrue(new LeakyReLU(0.3).forward(x).equal(Functional.leakyRelu(x, 0.3)));
        assertTrue(new SELU().forward(x).equal(Functional.selu(x)));
        assertTrue(new Softmax(1).forward(x).equal(x.softmax(1)));
        assertTrue(new LogSoftmax(2).forward(x).equal(x.logSoftmax(2)));
        LayerNorm ln = new LayerNorm(5);
        assertTrue(ln.forward(x).equal(Functional.layerNorm(x, new int[] {5}, ln.weight, ln.bias, 1e-5)));
        assertEquals("NativeLayerNormBackward0", ln.forward(x).gradFn().name());
        RMSNorm rms = new RMSNorm(5);
        assertEquals("FusedRmsNormBackward0", rms.forward(x).gradFn().name());
        GroupNorm gn = new GroupNorm(3, 6);
        assertEquals("NativeGroupNormBackward0", gn.forward(x).gradFn().name());
        InstanceNorm2d in = new InstanceNorm2d(6, 1e-5, 0.1, true, false);
        Tensor img = Tensor.randn(g, DType.FLOAT32, 2, 6, 3, 3);
        assertEquals("ViewBackward0", in.forward(img).gradFn().name());
        // unbatched input: the batch dimension added and removed
        assertTrue(in.forward(img.select(0, 1)).allclose(in.forward(img).select(0, 1), 1e-5, 1e-6, false));
        assertThrows(IllegalArgumentException.class, () -> new InstanceNorm2d(5, 1e-5, 0.1, true, false).forward(img));
        new InstanceNorm2d(5).forward(img); // without affine the feature count is only a warning in PyTorch
    }

    @Test
    void batchNorm1dTracksRunningStatisticsAndCountsBatches() {
        BatchNorm1d bn = new BatchNorm1d(3);
        Tensor x = Tensor.randn(new Generator(3), DType.FLOAT32, 8, 3, 4);
        Tensor y = bn.forward(x);
        assertEquals("NativeBatchNormBackward0", y.gradFn().name());
        Map<String, Tensor> state = bn.stateDict();
        Tensor mean = x.mean(new int[] {0, 2}, false);
        Tensor var = x.var(new int[] {0, 2}, 1, false);
        assertTrue(state.get("running_mean").allclose(mean.mul(0.1), 1e-5, 1e-6, false));
        assertTrue(state.get("running_var").allclose(var.mul(0.1).add(0.9), 1e-5, 1e-6, false));
        assertEquals(1.0, state.get("num_batches_tracked").item());
        bn.forward(x.select(2, 0)); // 2-D input
        assertEquals(2.0, state.get("num_batches_tracked").item());
        bn.eval();
        Tensor before = state.get("running_mean").clone();
        Tensor z = bn.forward(x);
        assertTrue(state.get("running_mean").equal(before), "evaluation leaves the statistics");
        assertTrue(z.allclose(Functional.batchNorm(x, state.get("running_mean"), state.get("running_var"), bn.weight, bn.bias,
                false, 0.1, 1e-5), 0, 0, false));
        // momentum None: the cumulative average, 1 / num_batches_tracked
        BatchNorm1d cumulative = new BatchNorm1d(3, 1e-5, null, true, true);
        cumulative.forward(x);
        cumulative.forward(x.mul(3.0));
        assertTrue(cumulative.stateDict().get("running_mean").allclose(mean.mul(2.0), 1e-5, 1e-5, false));
        // a failed forward counts no batch and changes no statistic
        Tensor count = cumulative.stateDict().get("num_batches_tracked").clone();
        assertThrows(IllegalArgumentException.class, () -> cumulative.forward(Tensor.randn(8, 4)));
        assertTrue(cumulative.stateDict().get("num_batches_tracked").equal(count));
    }

    @Test
    void embeddingsInitializeAsPyTorch() {
        Ember.manualSeed(21);
        Embedding e = new Embedding(50, 6, -1L, null, 2.0, false);
        assertEquals(0.0, e.weight.select(0, 49).abs().sum().item(), "the padding row starts at zero");
        Tensor w = e.weight.detach();
        double mean = w.mean().item();
        double std = w.std().item();
        assertTrue(Math.abs(mean) < 0.2 && Math.abs(std - 1) < 0.15, "N(0, 1): mean " + mean + ", std " + std);
        Tensor out = e.forward(Tensor.tensor(new long[][] {{49, 3}}));
        assertArrayEquals(new int[] {1, 2, 6}, out.shape());
        out.sum().backward();
        assertEquals(0.0, e.weight.grad().select(0, 49).abs().sum().item(), "no gradient for the padding row");
        Embedding frozen = Embedding.fromPretrained(Tensor.ones(3, 2), true);
        assertFalse(frozen.weight.requiresGrad());
        assertEquals("Embedding(3, 2)", frozen.toString());
        EmbeddingBag bag = new EmbeddingBag(7, 3, "sum");
        Tensor idx = Tensor.tensor(new long[] {1, 2, 4, 4});
        Tensor off = Tensor.tensor(new long[] {0, 2});
        assertTrue(bag.apply(idx, off, null).equal(Functional.embeddingBag(idx, bag.weight, off, "sum")));
        assertTrue(bag.forward(idx.view(2, 2)).equal(bag.apply(idx, off, null)));
    }

    // ------------------------------------------------------------------ containers

    @Test
    void containers() {
        ModuleList<Linear> list = new ModuleList<>(new Linear(2, 3), new Linear(3, 4));
        Linear last = list.get(-1); // typed, no cast
        assertEquals(4, last.weight.size(0));
        list.add(new Linear(4, 1));
        assertEquals(3, list.size());
        assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"),
                new ArrayList<>(list.stateDict().keySet()));
        assertEquals("index 3 is out of range", assertThrows(IndexOutOfBoundsException.class, () -> list.get(3)).getMessage());
        assertThrows(UnsupportedOperationException.class, () -> list.forward(Tensor.ones(2)));
        Tensor x = Tensor.ones(5, 2);
        for (Linear l : list) {
            x = l.apply(x);
        }
        assertArrayEquals(new int[] {5, 1}, x.shape());

        ModuleDict<Module> dict = new ModuleDict<>().put("act", new ReLU()).put("proj", new Linear(2, 2));
        assertEquals(List.of("act", "proj"), new ArrayList<>(dict.keySet()));
        assertEquals("KeyError: 'x'", assertThrows(IllegalArgumentException.class, () -> dict.get("x")).getMessage());
        dict.put("act", new Tanh()); // replaces, in place, as PyTorch's dict[key] = module
        assertEquals(List.of("act", "proj"), new ArrayList<>(dict.keySet()));
        assertTrue(dict.get("act") instanceof Tanh);
        assertEquals("module name can't contain \".\", got: a.b", assertThrows(IllegalArgumentException.class,
                () -> dict.put("a.b", new Tanh())).getMessage());

        ParameterList params = new ParameterList(Tensor.zeros(2)).add(Tensor.ones(3, 3));
        assertEquals(2, params.parameters().size());
        assertTrue(params.get(1).isParameter() && params.get(1).requiresGrad());
        assertEquals(List.of("0", "1"), new ArrayList<>(params.namedParameters().keySet()));
        assertThrows(IllegalArgumentException.class, () -> params.add(Tensor.ones(DType.INT64, 2)));
        // module list of typed blocks: forward of several tensors without casts
        Net net = new Net();
        assertArrayEquals(new int[] {2, 5, 2}, net.forward(Tensor.tensor(new long[][] {{1, 2, 3, 4, 5}, {0, 0, 9, 9, 1}}))
                .shape());
    }

    // ------------------------------------------------------------------ module tools

    @Test
    void applyRequiresGradAndTrainMode() {
        Net net = new Net();
        List<String> visited = new ArrayList<>();
        assertSame(net, net.apply(m -> visited.add(m.getClass().getSimpleName())));
        // children first, then the module itself, as PyTorch's apply
        assertEquals("Embedding", visited.get(0));
        assertEquals("Net", visited.get(visited.size() - 1));
        assertEquals(net.namedModules().size(), visited.size());
        // apply to initialize weights
        net.apply(m -> {
            if (m instanceof Linear) {
                Init.zeros_(((Linear) m).weight);
            }
        });
        assertEquals(0.0, net.heads.get("cls").weight.abs().sum().item());
        // freezing
        net.requiresGrad_(false);
        assertTrue(net.parameters().stream().noneMatch(Tensor::requiresGrad));
        net.blocks.get(0).requiresGrad_(true);
        assertTrue(net.blocks.get(0).parameters().stream().allMatch(Tensor::requiresGrad));
        assertFalse(net.emb.weight.requiresGrad());
        // train and eval reach every submodule
        net.eval();
        assertTrue(net.modules().stream().noneMatch(Module::isTraining));
        net.train();
        assertTrue(net.modules().stream().allMatch(Module::isTraining));
        assertEquals(List.of(), new BatchNorm1d(2, 1e-5, 0.1, true, false).buffers());
        assertEquals(List.of("running_mean", "running_var", "num_batches_tracked"),
                new ArrayList<>(new BatchNorm1d(2).namedBuffers().keySet()));
    }

    /**
     * PyTorch's apply walks children(), which lists a module registered twice in one parent once: with
     * {@code self.a = lin; self.b = lin}, {@code apply(fn)} calls fn on lin once (PyTorch 1.13 and 2.x: ['Linear',
     * 'B'], children() of length 1), so an in-place init there runs once; a module in two parents (locuslab's TCN:
     * {@code self.conv1} and again inside {@code self.net}) is visited under each (['Linear', 'Linear', 'ReLU',
     * 'Sequential', 'B']). Ember visited the first case's lin twice, doubling such an init's effect.
     */
    @Test
    void applyVisitsAModuleRegisteredTwiceInOneParentOnce() {
        Linear lin = new Linear(2, 2);
        Module twice = new Module() {
            final Linear a = registerModule("a", lin);
            final Linear b = registerModule("b", lin);

            @Override
            public Tensor forward(Tensor x) {
                return b.apply(a.apply(x));
            }
        };
        List<String> calls = new ArrayList<>();
        twice.apply(m -> calls.add(m == lin ? "Linear" : "B"));
        assertEquals(List.of("Linear", "B"), calls);
        assertEquals(1, twice.children().size());
        // PyTorch's named_children lists a module registered twice once, under its first name (session 34: this said
        // ["a", "b"], which is _modules', not named_children's; the printout still shows both, as repr walks _modules)
        assertEquals(List.of("a"), new ArrayList<>(twice.namedChildren().keySet()));
        double before = lin.weight.detach().abs().sum().item();
        twice.apply(m -> {
            if (m instanceof Linear l) {
                try (GradMode off = Ember.noGrad()) {
                    l.weight.mul_(2.0);
                }
            }
        });
        assertEquals(2 * before, lin.weight.detach().abs().sum().item(), 1e-6 * before);
        Module nested = new Module() {
            final Linear conv1 = registerModule("conv1", lin);
            final Sequential net = registerModule("net", new Sequential(lin, new ReLU()));

            @Override
            public Tensor forward(Tensor x) {
                return net.apply(x);
            }
        };
        List<String> nestedCalls = new ArrayList<>();
        nested.apply(m -> nestedCalls.add(m == lin ? "Linear" : m instanceof ReLU ? "ReLU"
                : m instanceof Sequential ? "Sequential" : "B"));
        assertEquals(List.of("Linear", "Linear", "ReLU", "Sequential", "B"), nestedCalls);
    }

    @Test
    void forwardHooks() {
        Linear lin = new Linear(3, 2);
        Sequential seq = new Sequential(lin, new ReLU());
        List<String> calls = new ArrayList<>();
        RemovableHandle pre = lin.registerForwardPreHook((m, in) -> {
            calls.add("pre " + Arrays.toString(in.get(0).shape()));
            return List.of(in.get(0).mul(2.0));
        });
        RemovableHandle post = lin.registerForwardHook((m, in, out) -> {
            calls.add("post");
            return List.of(out.get(0).add(100.0));
        });
        Tensor x = Tensor.ones(1, 3);
        Tensor y = seq.forward(x);
        assertEquals(List.of("pre [1, 3]", "post"), calls);
        Tensor expected = Functional.linear(x.mul(2.0), lin.weight, lin.bias).add(100.0).relu();
        assertTrue(y.allclose(expected, 0, 0, false));
        // forward itself runs no hooks, as in PyTorch
        calls.clear();
        lin.forward(x);
        assertEquals(List.of(), calls);
        pre.remove();
        post.close();
        pre.remove(); // idempotent
        assertTrue(seq.forward(x).allclose(Functional.linear(x, lin.weight, lin.bias).relu(), 0, 0, false));
        assertEquals(List.of(), calls);
    }

    @Test
    void fullBackwardHookSeesPyTorchsGradients() {
        String key = "hook_linear";
        Linear lin = new Linear(3, 2);
        lin.to(DType.FLOAT64);
        try (GradMode off = Ember.noGrad()) {
            lin.weight.copy_(Tensor.tensor(new double[][] {{0.5, -1.0, 2.0}, {1.5, 0.25, -0.75}}, DType.FLOAT64));
            lin.bias.copy_(Tensor.tensor(new double[] {0.1, -0.2}, DType.FLOAT64));
        }
        Tensor[] seen = new Tensor[2];
        RemovableHandle h = lin.registerFullBackwardHook((m, gradInput, gradOutput) -> {
            seen[0] = gradInput.get(0);
            seen[1] = gradOutput.get(0);
            return List.of(gradInput.get(0).mul(2.0));
        });
        Tensor x = Tensor.tensor(new double[][] {{1, 2, 3}, {-1, 0.5, 0}}, DType.FLOAT64).requiresGrad_(true);
        Tensor y = lin.apply(x);
        assertEquals(TORCH.field(key, "node"), y.gradFn().name());
        y.backward(Tensor.tensor(new double[][] {{1, 2}, {3, 4}}, DType.FLOAT64));
        LayersTest.assertField(key, "grad_input", seen[0]);
        LayersTest.assertField(key, "grad_output", seen[1]);
        LayersTest.assertField(key, "x_grad", x.grad());
        LayersTest.assertField(key, "weight_grad", lin.weight.grad());
        // an input that needs no gradient: the hook still sees the output's gradient, with no input gradient
        Tensor[] none = new Tensor[1];
        h.remove();
        lin.registerFullBackwardHook((m, gradInput, gradOutput) -> {
            none[0] = gradOutput.get(0);
            assertNull(gradInput.get(0));
            return null;
        });
        lin.apply(Tensor.ones(DType.FLOAT64, 1, 3)).sum().backward();
        assertArrayEquals(new double[] {1, 1}, none[0].toDoubleArray());
        // outside grad mode no hook node is made
        try (GradMode off = Ember.noGrad()) {
            assertNull(lin.apply(x).gradFn());
        }
    }

    // ------------------------------------------------------------------ init

    @Test
    void initDistributions() {
        Generator g = new Generator(1234);
        Tensor w = Tensor.empty(300, 200);
        // xavier uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out))
        double a = Math.sqrt(6.0 / 500);
        Init.xavierUniform_(w, 1.0, g);
        assertTrue(w.abs().max().item() <= a);
        assertEquals(a / Math.sqrt(3), w.std().item(), 0.01 * a);
        Init.xavierNormal_(w, 2.0, g);
        assertEquals(2 * Math.sqrt(2.0 / 500), w.std().item(), 0.02 * Math.sqrt(2.0 / 500) * 2);
        // kaiming uniform, relu, fan_in 200: bound sqrt(3) sqrt(2) / sqrt(200)
        double bound = Math.sqrt(3.0) * Math.sqrt(2.0) / Math.sqrt(200);
        Init.kaimingUniform_(w, 0, "fan_in", "relu", g);
        assertTrue(w.abs().max().item() <= bound);
        assertTrue(w.abs().max().item() > 0.99 * bound);
        Init.kaimingNormal_(w, 0, "fan_out", "relu", g);
        assertEquals(Math.sqrt(2.0 / 300), w.std().item(), 0.02 * Math.sqrt(2.0 / 300));
        assertEquals(0.0, w.mean().item(), 0.002);
        // Linear's default is kaiming_uniform_(a=sqrt(5)): bound 1 / sqrt(fan_in)
        Tensor d = Init.kaimingUniform_(Tensor.empty(64, 25), Math.sqrt(5), "fan_in", "leaky_relu", g);
        assertTrue(d.abs().max().item() <= 1.0 / 5 && d.abs().max().item() > 0.19);
        // trunc normal: inside [a, b], the truncated distribution's spread
        Tensor t = Init.truncNormal_(Tensor.empty(200, 200), 1.0, 2.0, -1.0, 2.0, g);
        assertTrue(t.min().item() >= -1.0 && t.max().item() <= 2.0);
        assertEquals(0.5867, t.mean().item(), 0.02); // the mean of N(1, 4) truncated to [-1, 2]
        // orthogonal: Q^T Q = I (rows >= cols), Q Q^T = I (rows < cols), scaled by the gain
        Tensor q = Init.orthogonal_(Tensor.empty(DType.FLOAT64, 7, 4), 1.0, g);
        assertTrue(q.t().mm(q).allclose(Tensor.eye(4).to(DType.FLOAT64), 1e-10, 1e-10, false));
        Tensor wide = Init.orthogonal_(Tensor.empty(DType.FLOAT64, 3, 2, 4), 0.5, g);
        Tensor flat = wide.reshape(3, 8);
        assertTrue(flat.mm(flat.t()).allclose(Tensor.eye(3).to(DType.FLOAT64).mul(0.25), 1e-10, 1e-10, false));
        // constant, zeros, ones in place, leaving a parameter a leaf
        Tensor p = Tensor.empty(3).asParameter();
        assertSame(p, Init.constant_(p, 0.5));
        assertArrayEquals(new double[] {0.5, 0.5, 0.5}, p.toDoubleArray());
        assertArrayEquals(new double[] {1, 1, 1}, Init.ones_(p).toDoubleArray());
        assertArrayEquals(new double[] {0, 0, 0}, Init.zeros_(p).toDoubleArray());
        assertNull(p.gradFn());
        // the same generator state gives the same numbers
        assertTrue(Init.kaimingNormal_(Tensor.empty(5, 5), 0, "fan_in", "relu", new Generator(9))
                .equal(Init.kaimingNormal_(Tensor.empty(5, 5), 0, "fan_in", "relu", new Generator(9))));
        // zero elements: a no-op
        Tensor empty = Tensor.empty(0, 3);
        assertSame(empty, Init.kaimingUniform_(empty));
    }
}
