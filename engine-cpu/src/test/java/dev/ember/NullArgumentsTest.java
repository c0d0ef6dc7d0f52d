package dev.ember;

import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every public method of the API, called with null for each of its object arguments in turn, either accepts null where
 * it documents a meaning for it or throws an {@link IllegalArgumentException} that names the argument; never a
 * {@link NullPointerException} (or another exception from deep inside an op).
 */
class NullArgumentsTest {
    /** Arguments whose null has a documented meaning: method name and parameter index. */
    private static final Set<String> NULLABLE = Set.of(
            "Tensor.setGrad#0", // clears the gradient
            "Tensor.setSparseGrad#0", // clears the gradient too
            "Tensor.backward#0", // the implicit gradient of a scalar
            "Tensor.backward#3", // backward(inputs=None): every leaf
            "Tensor.tensor#1", // infer the type from the data
            "Tensor.sum#0", "Tensor.mean#0", "Tensor.var#0", "Tensor.std#0", // every dimension
            "Tensor.conv2d#2", "Tensor.conv1d#2", "Tensor.convTranspose2d#2", // no bias
            "Tensor.convTranspose1d#2", // no bias
            "Tensor.lstmCell#5", "Tensor.lstmCell#6", "Tensor.gruCell#4", "Tensor.gruCell#5", // cells without biases
            "Tensor.linalgMatrixRank#0", "Tensor.linalgMatrixRank#1", // the default tolerances
            "Tensor.linalgPinv#0", "Tensor.linalgPinv#1",
            "Tensor.linalgLstsq#1", "Tensor.linalgLstsq#2", // lstsq's default rcond and driver
            // attention: no mask, the default scale, no generator
            "Tensor.scaledDotProductAttention#3", "Tensor.scaledDotProductAttention#6", "Tensor.scaledDotProductAttention#8",
            "Tensor.repeatInterleave#1", // repeat_interleave(dim=None): of the flattened tensor
            "Tensor.nllLoss#2", "Tensor.binaryCrossEntropy#2", "Tensor.binaryCrossEntropyWithLogits#2", // no class weight
            "Tensor.binaryCrossEntropyWithLogits#3", // no pos_weight
            // issue 14, math and reductions: every dimension; true division; the type's largest and lowest values
            "Tensor.amax#0", "Tensor.amin#0", "Tensor.any#0", "Tensor.all#0", "Tensor.varMean#0", "Tensor.stdMean#0",
            "Tensor.logsumexp#0", "Tensor.norm#1", "Tensor.vectorNorm#1", "Tensor.countNonzero#0", "Tensor.nansum#0",
            "Tensor.nanmean#0", "Tensor.matrixNorm#1", "Tensor.div#1", "Tensor.nanToNum#1", "Tensor.nanToNum#2",
            // issue 15, layers: no weight, bias, running statistics or per-sample weights; rms_norm's eps of the type
            "Tensor.layerNorm#2", "Tensor.layerNorm#3", "Tensor.nativeLayerNorm#2", "Tensor.nativeLayerNorm#3",
            "Tensor.rmsNorm#2", "Tensor.rmsNorm#3", "Tensor.groupNorm#2", "Tensor.groupNorm#3", "Tensor.nativeGroupNorm#1",
            "Tensor.nativeGroupNorm#2", "Tensor.batchNorm#1", "Tensor.batchNorm#2", "Tensor.batchNorm#3", "Tensor.batchNorm#4",
            "Tensor.nativeBatchNorm#1", "Tensor.nativeBatchNorm#2", "Tensor.nativeBatchNorm#3", "Tensor.nativeBatchNorm#4",
            "Tensor.instanceNorm#1", "Tensor.instanceNorm#2", "Tensor.instanceNorm#3", "Tensor.instanceNorm#4",
            "Tensor.embeddingBag#5",
            // session 18: cells without biases; quantiles and aminmax over every element
            "Tensor.rnnTanhCell#4", "Tensor.rnnTanhCell#5", "Tensor.rnnReluCell#4", "Tensor.rnnReluCell#5",
            "Tensor.quantile#1", "Tensor.nanquantile#1", "Tensor.aminmax#0",
            "Tensor.diff#2", "Tensor.diff#3", // no prepend, no append
            // session 45: segment_reduce's lengths or offsets (one of them), no initial
            "Tensor.segmentReduce#2", "Tensor.segmentReduce#3", "Tensor.segmentReduce#6",
            "Tensor.cov#1", "Tensor.cov#2", // no frequency weights, no analytic weights
            // linalg: vander's N (as many columns as elements), linalg.norm's ord (2) and dim (by the input's rank)
            "Tensor.vander#0", "Tensor.linalgVander#0", "Tensor.linalgNorm#0", "Tensor.linalgNorm#1",
            // ---- in-place variants and aliases (session 20): true division; the type's largest and lowest values
            "Tensor.divide#1", "Tensor.divide_#1", "Tensor.div_#1", "Tensor.nanToNum_#1", "Tensor.nanToNum_#2",
            // tensor functions (session 20, helper 2): histogram's range (the data's) and weight (each element 1)
            "Tensor.histogram#1", "Tensor.histogram#2",
            // session 23: searchsorted's side (right's) and sorter (none); vector_norm's dtype (the input's)
            "Tensor.searchsorted#4", "Tensor.searchsorted#5", "Tensor.vectorNorm#3",
            // session 54: the dtype= of norm, matrix_norm and linalg.norm (None: the input's)
            "Tensor.norm#3", "Tensor.matrixNorm#3", "Tensor.linalgNorm#3",
            "Tensor.clamp#0", "Tensor.clamp#1", // session 25: clamp's tensor bounds, one of them may be absent
            // session 27: svd_lowrank's M (none) and generator (the default), pca_lowrank's q (min(6, m, n)) and
            // generator; gradient's dims (every dimension); histogramdd's range (the data's) and weight (1 each);
            // tensorsolve's dims (none moved)
            "Tensor.svdLowrank#2", "Tensor.svdLowrank#3", "Tensor.pcaLowrank#0", "Tensor.pcaLowrank#3",
            "Tensor.gradient#2", "Tensor.histogramdd#2", "Tensor.histogramdd#3", "Tensor.linalgTensorsolve#1");

    private static Object sample(Class<?> p) {
        if (p == Tensor.class) {
            return Tensor.ones(1, 1, 4, 4);
        }
        if (p == Tensor[].class) {
            return new Tensor[] {Tensor.ones(2)};
        }
        if (p == int[].class) {
            return new int[] {1};
        }
        if (p == DType.class) {
            return DType.FLOAT32;
        }
        if (p == Device.class) {
            return Device.CPU;
        }
        if (p == String.class) {
            return "mean";
        }
        if (p == List.class) {
            return List.of(Tensor.ones(2));
        }
        if (p == Object.class) {
            return 1.0;
        }
        if (p == Generator.class) {
            return new Generator(1);
        }
        if (p == Complex.class) {
            return Complex.of(1, 0);
        }
        if (p == Function.class) {
            return (Function<Tensor, Tensor>) g -> g;
        }
        if (p == java.util.Map.class) {
            return java.util.Map.of();
        }
        if (p == FuncTree.TreeFn.class) {
            return (FuncTree.TreeFn) a -> a[0];
        }
        if (p == Object[].class) {
            return new Object[] {Tensor.ones(2)};
        }
        if (p == Func.Randomness.class) {
            return Func.Randomness.ERROR;
        }
        if (p == java.nio.file.Path.class) {
            return java.nio.file.Path.of("/nonexistent/file");
        }
        if (p == dev.ember.nn.Module.class) {
            return new dev.ember.nn.ReLU();
        }
        if (p == int.class) {
            return 1;
        }
        if (p == long.class) {
            return 1L;
        }
        if (p == double.class) {
            return 1.0;
        }
        if (p == boolean.class) {
            return false;
        }
        return UNSAMPLED;
    }

    /** What {@link #sample} returns for a parameter type it has no value for: the method is not swept. */
    private static final Object UNSAMPLED = new Object();

    private static Object instance(Class<?> type) {
        if (type == Tensor.class) {
            return Tensor.ones(1, 1, 4, 4).requiresGrad_(true).mul(1.0);
        }
        if (type == TensorScope.class) {
            return Ember.scope();
        }
        if (type == Device.class) {
            return Device.CPU;
        }
        if (type == dev.ember.nn.Module.class) {
            return new dev.ember.nn.Linear(4, 4);
        }
        throw new IllegalStateException("no instance of " + type);
    }

    static List<String> sweep(Class<?> type, Set<String> nullable) throws IllegalAccessException {
        return sweep(type, nullable, true);
    }

    /**
     * Calls each public method of {@code type} with null in each object argument in turn; returns what went wrong.
     * With {@code many}, the type has enough such arguments that a sweep of fewer than 20 calls means it missed them.
     */
    static List<String> sweep(Class<?> type, Set<String> nullable, boolean many) throws IllegalAccessException {
        List<String> problems = new ArrayList<>();
        List<String> unsampled = new ArrayList<>();
        int calls = 0;
        for (Method m : type.getMethods()) {
            if (m.getDeclaringClass() != type) {
                continue;
            }
            Class<?>[] ps = m.getParameterTypes();
            for (int i = 0; i < ps.length; i++) {
                String id = type.getSimpleName() + "." + m.getName() + "#" + i;
                if (ps[i].isPrimitive() || nullable.contains(id)) {
                    continue;
                }
                Object[] args = new Object[ps.length];
                boolean sampled = true;
                for (int j = 0; j < ps.length; j++) {
                    args[j] = j == i ? null : sample(ps[j]);
                    sampled &= args[j] != UNSAMPLED;
                }
                if (!sampled) {
                    unsampled.add(id);
                    continue;
                }
                Object target = Modifier.isStatic(m.getModifiers()) ? null : instance(type);
                calls++;
                try {
                    m.invoke(target, args);
                    problems.add(id + " " + Arrays.toString(ps) + ": accepted null");
                } catch (InvocationTargetException e) {
                    Throwable t = e.getCause();
                    if (!(t instanceof IllegalArgumentException) || t.getMessage() == null || !t.getMessage().contains("null")) {
                        problems.add(id + " " + Arrays.toString(ps) + ": " + t);
                    }
                }
            }
        }
        assertTrue(calls > (many ? 20 : 0), "the sweep made only " + calls + " calls on " + type);
        // a method whose other parameters have no sample is not swept: say so, so the gap stays visible
        if (!unsampled.isEmpty()) {
            System.out.println("NullArgumentsTest: no sample value to sweep " + unsampled);
        }
        return problems;
    }

    @Test
    void autogradScopesDevicesAndTypes() throws IllegalAccessException {
        Set<String> nullable = Set.of(
                "Autograd.backward#1", "Autograd.grad#2", // the implicit gradient of scalar outputs
                "Autograd.backward#4", // backward(inputs=None): every leaf
                "Device.equals#0", // Object.equals(null) is false
                "Ember.autocast#1", // the device type's default autocast dtype
                // ---- gradgradcheck (session 20): no grad_outputs, random ones ----
                "Autograd.gradgradcheck#2", "Autograd.gradgradcheckMulti#2");
        for (Class<?> type : new Class<?>[] {Autograd.class, Ember.class, TensorScope.class, Device.class}) {
            assertEquals(List.of(), sweep(type, nullable, false), type.getName());
        }
    }

    @Test
    void functional() throws IllegalAccessException {
        Set<String> nullable = Set.of(
                "Functional.conv2d#2", "Functional.linear#2", "Functional.conv1d#2", "Functional.convTranspose2d#2", // no bias
                // attention: no mask, the default scale, no generator; multi-head attention's optional tensors
                "Functional.scaledDotProductAttention#3", "Functional.scaledDotProductAttention#6",
                "Functional.scaledDotProductAttention#8", "Functional.multiHeadAttentionForward#5",
                "Functional.multiHeadAttentionForward#6", "Functional.multiHeadAttentionForward#9",
                "Functional.multiHeadAttentionForward#11", "Functional.multiHeadAttentionForward#13",
                "Functional.multiHeadAttentionForward#14", "Functional.multiHeadAttentionForward#15",
                "Functional.multiHeadAttentionForward#16",
                "Functional.maxPool2d#2", "Functional.maxPool2dWithIndices#2", "Functional.avgPool2d#2", // the stride is the kernel
                "Functional.batchNorm#1", "Functional.batchNorm#2", "Functional.batchNorm#3", "Functional.batchNorm#4",
                "Functional.nllLoss#2", "Functional.crossEntropy#2", "Functional.binaryCrossEntropy#2", // no class weight
                "Functional.binaryCrossEntropyWithLogits#2", "Functional.binaryCrossEntropyWithLogits#3",
                // issue 15, layers: no weight, bias or running statistics; no padding row, max norm, offsets (2-D input)
                // or per-sample weights; rms_norm's eps of the type
                "Functional.layerNorm#2", "Functional.layerNorm#3", "Functional.rmsNorm#2", "Functional.rmsNorm#3",
                "Functional.groupNorm#2", "Functional.groupNorm#3", "Functional.instanceNorm#1", "Functional.instanceNorm#2",
                "Functional.instanceNorm#3", "Functional.instanceNorm#4", "Functional.embedding#2", "Functional.embedding#3",
                "Functional.embeddingBag#2", "Functional.embeddingBag#3", "Functional.embeddingBag#7",
                "Functional.embeddingBag#9",
                "Functional.bilinear#3", "Functional.maxUnpool2d#3", "Functional.maxUnpool2d#5", // no bias, default stride and size
                "Functional.multilabelSoftMarginLoss#2", "Functional.multiMarginLoss#4", // no class weight
                "Functional.rrelu#4", "Functional.rrelu_#4", // the default generator
                // session 19: no bias, the default output size, the stride is the kernel, no divisor override
                "Functional.convTranspose1d#2", "Functional.maxUnpool1d#5", "Functional.lpPool2d#3",
                "Functional.conv3d#2", "Functional.convTranspose3d#2", "Functional.maxPool3d#2", "Functional.maxPool3dWithIndices#2",
                "Functional.avgPool3d#2", "Functional.avgPool3d#6",
                // ---- nn.functional gaps (session 20, helper 4): no divisor override, the default stride and size,
                // the default distance, output size or ratio, drawn random samples, lp_pool3d's stride
                "Functional.avgPool2d#6", "Functional.maxUnpool3d#3", "Functional.maxUnpool3d#5",
                "Functional.tripletMarginWithDistanceLoss#3", "Functional.fractionalMaxPool2d#2",
                "Functional.fractionalMaxPool2d#3", "Functional.fractionalMaxPool2d#4",
                "Functional.fractionalMaxPool2dWithIndices#2", "Functional.fractionalMaxPool2dWithIndices#3",
                "Functional.fractionalMaxPool2dWithIndices#4", "Functional.fractionalMaxPool3d#2",
                "Functional.fractionalMaxPool3d#3", "Functional.fractionalMaxPool3d#4",
                "Functional.fractionalMaxPool3dWithIndices#2", "Functional.fractionalMaxPool3dWithIndices#3",
                "Functional.fractionalMaxPool3dWithIndices#4", "Functional.lpPool3d#3",
                // session 27: upsample's size or scale factor (one of them given), its align_corners (the mode's)
                "Functional.upsample#1", "Functional.upsample#2", "Functional.upsample#4",
                "Functional.upsampleBilinear#1", "Functional.upsampleBilinear#2", "Functional.upsampleNearest#1",
                "Functional.upsampleNearest#2");
        assertEquals(List.of(), sweep(dev.ember.nn.Functional.class, nullable));
    }

    @Test
    void fileReaders() throws IllegalAccessException {
        assertEquals(List.of(), sweep(dev.ember.nn.Safetensors.class, Set.of(), false));
        assertEquals(List.of(), sweep(dev.ember.data.Idx.class, Set.of(), false));
    }

    @Test
    void moduleMethods() throws IllegalAccessException {
        assertEquals(List.of(), sweep(dev.ember.nn.Module.class,
                // ---- weight tying (session 22): setParameter(name, null) registers an absent parameter (None) ----
                Set.of("Module.setParameter#1",
                        // session 46: set_submodule(target, None) is refused in 2.x's words, which name NoneType
                        // ("`module` is not an nn.Module, found <class 'NoneType'>"; Leftovers46Test), not null
                        "Module.setSubmodule#1",
                        // session 36: add_module(name, None) registers an absent submodule
                        "Module.addModule#1",
                        // session 42: set_extra_state(None) (a None entry); the default refuses any value alike
                        "Module.setExtraState#0"), false));
    }

    @Test
    void tensorMethods() throws IllegalAccessException {
        assertEquals(List.of(), sweep(Tensor.class, NULLABLE));
        assertEquals("add(): argument 'other' (position 1) must be Tensor, not null",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> Tensor.ones(2).add((Tensor) null)).getMessage());
    }

    // ---- session 42: torch.func over pytrees, the hook-based weight_norm ----
    @Test
    void funcTreeAndWeightNorm() throws IllegalAccessException {
        // vmap's in_dims and out_dims: refused when the function is called, with torch.func's messages (FuncTreeTest)
        // (session 44) jacrev's chunk_size None: all rows at once
        assertEquals(List.of(), sweep(FuncTree.class, Set.of("FuncTree.vmap#1", "FuncTree.vmap#2", "FuncTree.jacrev#3"),
                false));
        // SDPBackend's only object argument is sdpa_kernel's backends, refused in PyTorch's words (SdpaKernelTest)
        // weight_norm's dim None: the norm over the whole tensor
        assertEquals(List.of(), sweep(dev.ember.nn.utils.WeightNorm.class, Set.of("WeightNorm.weightNorm#2"), false));
    }

    // ---- torch.nn.utils.prune (session 21, helper 2): no importance scores (the tensor itself); register_parameter
    // and register_buffer of None (an absent tensor, as PyTorch's) ----
    @Test
    void pruneFunctions() throws IllegalAccessException {
        Set<String> nullable = Set.of("Prune.l1Unstructured#3", "Prune.lnStructured#5", "Prune.globalUnstructured#2");
        assertEquals(List.of(), sweep(dev.ember.nn.utils.Prune.class, nullable, false));
        assertEquals(List.of(), sweep(dev.ember.nn.ModuleInternals.class,
                Set.of("ModuleInternals.registerParameter#2", "ModuleInternals.registerBuffer#2",
                        // session 42: quantization's module._modules[key] = None, as setSubmodule(target, null)
                        "ModuleInternals.swapModule#2"), false));
    }

    // ---- distributions (session 21, helper 4): every public constructor, static factory and method of
    // dev.ember.distributions, with PyTorch's None parameters listed as nullable ----

    /** Parameters of the distributions package that take null for PyTorch's None (Boolean validateArgs always does). */
    private static final Set<String> DISTRIBUTIONS_NULLABLE = Set.of(
            "StudentT.<init>#1", "StudentT.<init>#2", // loc 0 and scale 1
            "Bernoulli.<init>#0", "Bernoulli.<init>#1", "ContinuousBernoulli.<init>#0", "ContinuousBernoulli.<init>#1",
            "Geometric.<init>#0", "Geometric.<init>#1", "Binomial.<init>#1", "Binomial.<init>#2", // probs or logits
            "Categorical.<init>#0", "Categorical.<init>#1", "OneHotCategorical.<init>#0", "OneHotCategorical.<init>#1",
            // exactly one of covariance_matrix, precision_matrix and scale_tril
            "MultivariateNormal.<init>#1", "MultivariateNormal.<init>#2", "MultivariateNormal.<init>#3",
            // transforms=None: PyTorch's own message, "transforms must be a Transform or list, but was None"
            "TransformedDistribution.<init>#1",
            // session 21 discrete and multivariate families (helper 5): probs=None or logits=None
            "Multinomial.<init>#1", "Multinomial.<init>#2", "NegativeBinomial.<init>#1", "NegativeBinomial.<init>#2",
            "LogitRelaxedBernoulli.<init>#1", "LogitRelaxedBernoulli.<init>#2", "RelaxedBernoulli.<init>#1",
            "RelaxedBernoulli.<init>#2", "ExpRelaxedCategorical.<init>#1", "ExpRelaxedCategorical.<init>#2",
            "RelaxedOneHotCategorical.<init>#1", "RelaxedOneHotCategorical.<init>#2",
            "OneHotCategoricalStraightThrough.<init>#0", "OneHotCategoricalStraightThrough.<init>#1",
            // Wishart: exactly one of covariance_matrix, precision_matrix and scale_tril (df is required)
            "Wishart.<init>#1", "Wishart.<init>#2", "Wishart.<init>#3",
            // lengths=None: one element per transform or constraint
            "CatTransform.<init>#2", "Constraint.cat#2");

    /**
     * Parameters whose None PyTorch itself rejects with a message of its own (not a type error), with that message
     * (checked with PyTorch 1.13): MixtureSameFamily's isinstance checks.
     */
    private static final java.util.Map<String, String> DISTRIBUTIONS_NONE_MESSAGES = java.util.Map.of(
            "MixtureSameFamily.<init>#0",
            " The Mixture distribution needs to be an  instance of torch.distributions.Categorical",
            "MixtureSameFamily.<init>#1",
            "The Component distribution need to be an instance of torch.distributions.Distribution");

    private static Object distributionSample(Class<?> p) {
        if (p == Tensor.class) {
            return Tensor.full(new int[] {2}, 0.5);
        }
        if (p == dev.ember.distributions.Distribution.class) {
            return new dev.ember.distributions.Normal(Tensor.zeros(2), Tensor.ones(2));
        }
        if (p == dev.ember.distributions.Transform.class) {
            return new dev.ember.distributions.ExpTransform();
        }
        if (p == dev.ember.distributions.Transform[].class) {
            return new dev.ember.distributions.Transform[] {new dev.ember.distributions.ExpTransform()};
        }
        if (p == List.class) {
            return List.of(new dev.ember.distributions.ExpTransform());
        }
        if (p == Boolean.class) {
            return Boolean.TRUE;
        }
        if (p == int[].class) {
            return new int[] {2};
        }
        if (p == double.class) {
            return 0.5;
        }
        return sample(p);
    }

    /** The public classes of {@code dev.ember.distributions}, read from where its classes were loaded. */
    private static List<Class<?>> distributionClasses() throws Exception {
        java.net.URL where = dev.ember.distributions.Distribution.class.getProtectionDomain().getCodeSource().getLocation();
        java.nio.file.Path root = java.nio.file.Path.of(where.toURI());
        List<String> names = new ArrayList<>();
        if (java.nio.file.Files.isDirectory(root)) {
            try (java.util.stream.Stream<java.nio.file.Path> files =
                    java.nio.file.Files.list(root.resolve("dev/ember/distributions"))) {
                files.forEach(f -> names.add(f.getFileName().toString()));
            }
        } else {
            try (java.util.jar.JarFile jar = new java.util.jar.JarFile(root.toFile())) {
                jar.stream().map(java.util.jar.JarEntry::getName).filter(n -> n.startsWith("dev/ember/distributions/"))
                        .forEach(n -> names.add(n.substring("dev/ember/distributions/".length())));
            }
        }
        List<Class<?>> out = new ArrayList<>();
        for (String n : names) {
            if (n.endsWith(".class") && !n.contains("$") && !n.contains("/")) {
                Class<?> c = Class.forName("dev.ember.distributions." + n.substring(0, n.length() - 6));
                if (Modifier.isPublic(c.getModifiers())) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    private static Object[] distributionArgs(Class<?>[] ps, int nullAt) {
        return distributionArgs(null, ps, nullAt);
    }

    /** The samples for {@code ps}, null at {@code nullAt}; MixtureSameFamily's mixture a Categorical over the Normal's 2. */
    private static Object[] distributionArgs(Class<?> type, Class<?>[] ps, int nullAt) {
        Object[] args = new Object[ps.length];
        for (int j = 0; j < ps.length; j++) {
            args[j] = j == nullAt ? null
                    : type == dev.ember.distributions.MixtureSameFamily.class && j == 0
                            && ps[0] == dev.ember.distributions.Distribution.class
                    ? dev.ember.distributions.Categorical.ofProbs(Tensor.ones(2))
                    : distributionSample(ps[j]);
            if (args[j] == UNSAMPLED) {
                return null;
            }
        }
        return args;
    }

    /** An instance of {@code type} (a concrete one of its package for an abstract class), from its first constructor that takes the samples. */
    private static Object distributionInstance(Class<?> type) {
        if (type == dev.ember.distributions.Distribution.class || type == dev.ember.distributions.ExponentialFamily.class) {
            return distributionSample(dev.ember.distributions.Distribution.class);
        }
        if (type == dev.ember.distributions.Transform.class) {
            return distributionSample(dev.ember.distributions.Transform.class);
        }
        if (type == dev.ember.distributions.TransformedDistribution.class) {
            return new dev.ember.distributions.LogNormal(0, 1);
        }
        if (type == dev.ember.distributions.Constraint.class) {
            return dev.ember.distributions.Constraint.REAL;
        }
        if (type == dev.ember.distributions.Uniform.class) {
            return new dev.ember.distributions.Uniform(0, 1);
        }
        if (type == dev.ember.distributions.Binomial.class) {
            return dev.ember.distributions.Binomial.ofProbs(Tensor.full(new int[] {2}, 5.0), Tensor.full(new int[] {2}, 0.5));
        }
        if (type == dev.ember.distributions.Categorical.class) {
            return dev.ember.distributions.Categorical.ofProbs(Tensor.ones(2));
        }
        if (type == dev.ember.distributions.OneHotCategorical.class) {
            return dev.ember.distributions.OneHotCategorical.ofProbs(Tensor.ones(2));
        }
        if (type == dev.ember.distributions.MultivariateNormal.class) {
            return dev.ember.distributions.MultivariateNormal.ofCovariance(Tensor.zeros(2), Tensor.eye(2));
        }
        if (type == dev.ember.distributions.Independent.class) {
            return new dev.ember.distributions.Independent(new dev.ember.distributions.Normal(Tensor.zeros(2), Tensor.ones(2)), 1);
        }
        // session 21 discrete and multivariate families (helper 5)
        Tensor half = Tensor.full(new int[] {2}, 0.5);
        if (type == dev.ember.distributions.Multinomial.class) {
            return dev.ember.distributions.Multinomial.ofProbs(3, Tensor.ones(2));
        }
        if (type == dev.ember.distributions.NegativeBinomial.class) {
            return dev.ember.distributions.NegativeBinomial.ofProbs(Tensor.full(new int[] {2}, 3.0), half);
        }
        if (type == dev.ember.distributions.MixtureSameFamily.class) {
            return new dev.ember.distributions.MixtureSameFamily(dev.ember.distributions.Categorical.ofProbs(Tensor.ones(2)),
                    new dev.ember.distributions.Normal(Tensor.zeros(2), Tensor.ones(2)));
        }
        if (type == dev.ember.distributions.LogitRelaxedBernoulli.class) {
            return new dev.ember.distributions.LogitRelaxedBernoulli(half, half, null, null);
        }
        if (type == dev.ember.distributions.RelaxedBernoulli.class) {
            return dev.ember.distributions.RelaxedBernoulli.ofProbs(half, half);
        }
        if (type == dev.ember.distributions.ExpRelaxedCategorical.class) {
            return new dev.ember.distributions.ExpRelaxedCategorical(half, Tensor.ones(2), null, null);
        }
        if (type == dev.ember.distributions.RelaxedOneHotCategorical.class) {
            return dev.ember.distributions.RelaxedOneHotCategorical.ofProbs(half, Tensor.ones(2));
        }
        if (type == dev.ember.distributions.OneHotCategoricalStraightThrough.class) {
            return dev.ember.distributions.OneHotCategoricalStraightThrough.ofProbs(Tensor.ones(2));
        }
        if (type == dev.ember.distributions.LowRankMultivariateNormal.class) {
            return new dev.ember.distributions.LowRankMultivariateNormal(Tensor.zeros(2), Tensor.ones(2, 1), Tensor.ones(2));
        }
        if (type == dev.ember.distributions.LKJCholesky.class) {
            return new dev.ember.distributions.LKJCholesky(2, 1.0);
        }
        if (type == dev.ember.distributions.Wishart.class) {
            return dev.ember.distributions.Wishart.ofCovariance(Tensor.full(new int[0], 3.0), Tensor.eye(2));
        }
        for (java.lang.reflect.Constructor<?> c : type.getConstructors()) {
            Object[] args = distributionArgs(c.getParameterTypes(), -1);
            if (args == null) {
                continue;
            }
            try {
                return c.newInstance(args);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // another constructor
            }
        }
        return null;
    }

    @Test
    void distributions() throws Exception {
        List<String> problems = new ArrayList<>();
        int calls = 0;
        List<Class<?>> classes = distributionClasses();
        assertTrue(classes.size() > 40, "found " + classes);
        for (Class<?> type : classes) {
            List<java.lang.reflect.Executable> members = new ArrayList<>();
            if (!Modifier.isAbstract(type.getModifiers())) {
                members.addAll(Arrays.asList(type.getConstructors()));
            }
            for (Method m : type.getMethods()) {
                if (m.getDeclaringClass() == type) {
                    members.add(m);
                }
            }
            for (java.lang.reflect.Executable m : members) {
                Class<?>[] ps = m.getParameterTypes();
                String name = m instanceof Method ? m.getName() : "<init>";
                for (int i = 0; i < ps.length; i++) {
                    String id = type.getSimpleName() + "." + name + "#" + i;
                    // Object.equals(null) is false
                    if (ps[i].isPrimitive() || ps[i] == Boolean.class || DISTRIBUTIONS_NULLABLE.contains(id)
                            || name.equals("equals")) {
                        continue;
                    }
                    Object[] args = distributionArgs(type, ps, i);
                    if (args == null) {
                        problems.add(id + ": no sample for " + Arrays.toString(ps));
                        continue;
                    }
                    Object target = null;
                    if (m instanceof Method && !Modifier.isStatic(m.getModifiers())) {
                        target = distributionInstance(type);
                        if (target == null) {
                            problems.add(id + ": no instance of " + type.getSimpleName());
                            continue;
                        }
                    }
                    calls++;
                    try {
                        if (m instanceof Method) {
                            ((Method) m).invoke(target, args);
                        } else {
                            ((java.lang.reflect.Constructor<?>) m).newInstance(args);
                        }
                        problems.add(id + " " + Arrays.toString(ps) + ": accepted null");
                    } catch (InvocationTargetException e) {
                        Throwable t = e.getCause();
                        String none = DISTRIBUTIONS_NONE_MESSAGES.get(id);
                        if (none != null) {
                            if (!(t instanceof IllegalArgumentException) || !none.equals(t.getMessage())) {
                                problems.add(id + " " + Arrays.toString(ps) + ": " + t + " (PyTorch: " + none + ")");
                            }
                        } else if (!(t instanceof IllegalArgumentException) || t.getMessage() == null
                                || !t.getMessage().contains("null")) {
                            problems.add(id + " " + Arrays.toString(ps) + ": " + t);
                        }
                    }
                }
            }
        }
        assertTrue(calls > 100, "the sweep made only " + calls + " calls");
        assertEquals(List.of(), problems);
        assertEquals("sample(): argument 'generator' must be torch.Generator, not null",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> new dev.ember.distributions.Normal(0, 1).sample((Generator) null, 2)).getMessage());
        assertEquals("expand(): argument 'batch_shape' must be tuple of ints, not null",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> new dev.ember.distributions.Normal(0, 1).expand((int[]) null)).getMessage());
    }

    /** The null fixes of session 21's discrete and multivariate families (helper 5): messages checked with PyTorch's rules. */
    @Test
    void distributionsDiscreteNulls() {
        Tensor cov = Tensor.eye(2);
        // df is required: its null is reported before the one-of-three check and the matrix's shape check
        assertEquals("Wishart(): argument 'df' must be Tensor, not null",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> new dev.ember.distributions.Wishart((Tensor) null, cov, cov, null, null)).getMessage());
        assertEquals("Wishart(): argument 'df' must be Tensor, not null",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> dev.ember.distributions.Wishart.ofCovariance(null, Tensor.ones(2))).getMessage());
        // constraints.cat(cseq, dim, lengths=None): one element each, as lengths [1, 1]
        List<dev.ember.distributions.Constraint> cs =
                List.of(dev.ember.distributions.Constraint.REAL, dev.ember.distributions.Constraint.POSITIVE);
        Tensor x = Tensor.full(new int[] {2}, -1.0);
        assertEquals(dev.ember.distributions.Constraint.cat(cs, 0, new int[] {1, 1}).check(x).toString(),
                dev.ember.distributions.Constraint.cat(cs, 0, null).check(x).toString());
        // PyTorch asserts len(lengths) == len(cseq) and that every element is a Constraint (bare AssertionErrors)
        assertEquals("cat: len(lengths) must equal len(cseq)",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> dev.ember.distributions.Constraint.cat(cs, 0, new int[] {1, 2, 3})).getMessage());
        java.util.List<dev.ember.distributions.Constraint> withNull = new ArrayList<>(cs);
        withNull.add(null);
        assertEquals("stack: every element of cseq must be a Constraint, not null",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> dev.ember.distributions.Constraint.stack(withNull, 0)).getMessage());
        assertEquals("cat(): argument 'cseq' must be list of Constraints, not null",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> dev.ember.distributions.Constraint.cat(null, 0, null)).getMessage());
    }
}
