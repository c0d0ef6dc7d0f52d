package dev.ember;

import dev.ember.nn.Conv2d;
import dev.ember.nn.Embedding;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PyTorch's CPU generator in Ember ({@link Generator.Algorithm#MT19937}): after the same seed, the same numbers as
 * PyTorch's CPU kernels, bit for bit ({@code mt19937/make_expected.py}: uniform of every floating type with bounds, normal
 * by both of its CPU paths and with the generator's cached sample, integers narrow and wide, randperm, Bernoulli with a
 * number and a tensor, dropout masks, exponential, Poisson, a strided in-place fill, complex draws, negative and 64-bit
 * seeds, a generator object, PyTorch's state bytes both ways, and the initial weights of Linear, Conv2d, Embedding and an
 * MLP). PyTorch's kernels are compiled per CPU capability and some values depend on it (fused multiply-adds, and the
 * float32 normal fill's log, sine and cosine): those cases are checked for each capability, AVX2 and AVX512 bit for
 * bit, DEFAULT (whose fill calls the C library's functions) within a few ulps; the public API draws with the machine's.
 */
class RandomMt19937Test {
    private static final Map<String, String[]> CASES = load();

    private static Map<String, String[]> load() {
        return NamedBlocks.load("/mt19937/expected.txt");
    }

    private Generator.Algorithm before;

    @BeforeEach
    void mt() {
        before = Ember.defaultGeneratorAlgorithm();
        Ember.setDefaultGeneratorAlgorithm(Generator.Algorithm.MT19937);
    }

    @AfterEach
    void restore() {
        Ember.setDefaultGeneratorAlgorithm(before);
    }

    /** The capability Ember's draws follow on this machine (as PyTorch's kernels would). */
    private static final String CAPABILITY = dev.ember.backend.CpuCapability.value();

    /** The case's values as doubles, after checking its dtype and shape against {@code t}. */
    private static double[] expected(String name, Tensor t) {
        String[] c = CASES.containsKey(name + "@" + CAPABILITY) ? CASES.get(name + "@" + CAPABILITY) : CASES.get(name);
        assertTrue(c != null, "no case " + name);
        String[] head = c[0].split(" ", -1);
        assertEquals(head[0], t.dtype().toString().replace("torch.", ""), name + ": dtype");
        assertEquals(head.length > 1 ? head[1] : "", String.join(",", Arrays.stream(t.shape()).mapToObj(String::valueOf)
                .toArray(String[]::new)), name + ": shape");
        double[] v = new double[c.length - 1];
        for (int i = 1; i < c.length; i++) {
            v[i - 1] = c[i].startsWith("0x") || c[i].startsWith("-0x") || c[i].equals("inf") || c[i].equals("-inf")
                    || c[i].equals("nan") ? Double.parseDouble(c[i].replace("inf", "Infinity").replace("nan", "NaN"))
                    : c[i].contains("p") ? Double.parseDouble(c[i]) : Long.parseLong(c[i]);
        }
        return v;
    }

    private static double[] values(Tensor t) {
        Tensor r = t.detach();
        if (r.dtype().isComplex()) {
            r = r.viewAsReal();
        }
        return r.contiguous().to(DType.FLOAT64).toDoubleArray();
    }

    /** Bit for bit. */
    private static void exact(String name, Tensor t) {
        double[] want = expected(name, t);
        double[] got = values(t);
        assertEquals(want.length, got.length, name);
        for (int i = 0; i < want.length; i++) {
            assertEquals(Double.doubleToLongBits(want[i]), Double.doubleToLongBits(got[i]),
                    name + "[" + i + "]: " + got[i] + ", PyTorch " + want[i]);
        }
    }

    private static void exact(String name, long seed, Supplier<Tensor> draw) {
        Ember.manualSeed(seed);
        exact(name, draw.get());
    }

    /** The float32 normal fill: bit for bit where it takes avx_mathfun's functions, else {@link #close}. */
    private static void fill32(String name, long seed, Supplier<Tensor> draw) {
        if (CAPABILITY.equals("DEFAULT")) {
            close(name, seed, 16, draw);
        } else {
            exact(name, seed, draw);
        }
    }

    /**
     * Within {@code ulps} float32 ulps of {@code max(1, |value|)}: for PyTorch's float32 normal fill on DEFAULT builds,
     * whose log, cosine and sine are the C library's; the uniform numbers under it are the same, so the values agree to
     * a few units in the last place (a probe of 1,000 draws here: at most 9 ulps of 1).
     */
    private static void close(String name, long seed, int ulps, Supplier<Tensor> draw) {
        Ember.manualSeed(seed);
        Tensor t = draw.get();
        close(name, t, ulps);
    }

    private static void close(String name, Tensor t, int ulps) {
        double[] want = expected(name, t);
        double[] got = values(t);
        assertEquals(want.length, got.length, name);
        int same = 0;
        for (int i = 0; i < want.length; i++) {
            double tol = ulps * Math.ulp((float) Math.max(1, Math.abs(want[i])));
            assertTrue(Math.abs(want[i] - got[i]) <= tol, name + "[" + i + "]: " + got[i] + ", PyTorch " + want[i]);
            same += want[i] == got[i] ? 1 : 0;
        }
        assertTrue(same * 3 >= want.length, name + ": only " + same + " of " + want.length + " equal");
    }

    @Test
    void uniformDrawsArePyTorchsBitForBit() {
        exact("rand_f32_5", 0, () -> Tensor.rand(5));
        exact("rand_f32_100", 1, () -> Tensor.rand(100));
        exact("rand_f64_7", 2, () -> Tensor.rand(DType.FLOAT64, 7));
        exact("rand_f16_40", 3, () -> Tensor.rand(DType.FLOAT16, 40));
        exact("rand_bf16_40", 4, () -> Tensor.rand(DType.BFLOAT16, 40));
        exact("uniform_f32_bounds", 5, () -> Tensor.empty(200).uniform_(-0.37, 0.81));
        exact("uniform_f64_bounds", 6, () -> Tensor.empty(DType.FLOAT64, 200).uniform_(-0.37, 0.81));
        exact("uniform_f16_bounds", 7, () -> Tensor.empty(DType.FLOAT16, 50).uniform_(-3.3, 1.7));
        exact("uniform_bf16_bounds", 8, () -> Tensor.empty(DType.BFLOAT16, 50).uniform_(-3.3, 1.7));
        exact("uniform_transposed", 9, () -> Tensor.empty(3, 4).t().uniform_(0, 1));
        exact("rand_c64_3", 10, () -> Tensor.rand(DType.COMPLEX64, 3));
    }

    @Test
    void normalDrawsArePyTorchs() {
        exact("randn_f64_1", 11, () -> Tensor.randn(DType.FLOAT64, 1));
        exact("randn_f64_7", 12, () -> Tensor.randn(DType.FLOAT64, 7));
        exact("randn_f64_16", 13, () -> Tensor.randn(DType.FLOAT64, 16));
        exact("randn_f64_37", 14, () -> Tensor.randn(DType.FLOAT64, 37));
        exact("randn_f64_200", 15, () -> Tensor.randn(DType.FLOAT64, 200));
        exact("normal_f64_mean_std", 16, () -> Tensor.empty(DType.FLOAT64, 100).normal_(2.0, 3.0));
        exact("randn_f32_5", 17, () -> Tensor.randn(5));
        fill32("randn_f32_16", 18, () -> Tensor.randn(16));
        fill32("randn_f32_37", 19, () -> Tensor.randn(37));
        fill32("randn_f32_300", 20, () -> Tensor.randn(300));
        fill32("normal_f32_mean_std", 21, () -> Tensor.empty(64).normal_(-1.5, 0.25));
        fill32("randn_f32_1200", 43, () -> Tensor.randn(1200));
        exact("normal_f64_small_mean_std", 42, () -> Tensor.empty(DType.FLOAT64, 7).normal_(2.0, 3.0));
        exact("randn_f16_40", 22, () -> Tensor.randn(DType.FLOAT16, 40));
        exact("randn_bf16_40", 23, () -> Tensor.randn(DType.BFLOAT16, 40));
        exact("randn_f16_5", 24, () -> Tensor.randn(DType.FLOAT16, 5));
        exact("normal_strided_f32", 25, () -> Tensor.empty(4, 8).t().normal_(0, 1));
        exact("randn_c128_3", 26, () -> Tensor.randn(DType.COMPLEX128, 3));
        exact("randn_f64_cached", 27, () -> Tensor.cat(List.of(Tensor.randn(DType.FLOAT64, 1),
                Tensor.randn(DType.FLOAT64, 3), Tensor.randn(DType.FLOAT64, 2)), 0));
    }

    /** Every capability's kernels, whatever this machine's: the draws PyTorch makes under ATEN_CPU_CAPABILITY. */
    @Test
    void eachCpuCapabilitysKernelsArePyTorchs() {
        Object[][] cases = {
            {"uniform_f32_bounds", 5L, dev.ember.backend.RandomKind.UNIFORM, DType.FLOAT32, 200, -0.37, 0.81},
            {"uniform_f64_bounds", 6L, dev.ember.backend.RandomKind.UNIFORM, DType.FLOAT64, 200, -0.37, 0.81},
            {"normal_f64_mean_std", 16L, dev.ember.backend.RandomKind.NORMAL, DType.FLOAT64, 100, 2.0, 3.0},
            {"normal_f64_small_mean_std", 42L, dev.ember.backend.RandomKind.NORMAL, DType.FLOAT64, 7, 2.0, 3.0},
            {"randn_f32_16", 18L, dev.ember.backend.RandomKind.NORMAL, DType.FLOAT32, 16, 0.0, 1.0},
            {"randn_f32_37", 19L, dev.ember.backend.RandomKind.NORMAL, DType.FLOAT32, 37, 0.0, 1.0},
            {"randn_f32_300", 20L, dev.ember.backend.RandomKind.NORMAL, DType.FLOAT32, 300, 0.0, 1.0},
            {"normal_f32_mean_std", 21L, dev.ember.backend.RandomKind.NORMAL, DType.FLOAT32, 64, -1.5, 0.25},
            {"randn_f32_1200", 43L, dev.ember.backend.RandomKind.NORMAL, DType.FLOAT32, 1200, 0.0, 1.0},
        };
        for (String capability : new String[] {"AVX2", "AVX512", "DEFAULT"}) {
            for (Object[] c : cases) {
                String name = c[0] + "@" + capability;
                Tensor t = TorchCpuRandom.random((dev.ember.backend.RandomKind) c[2], new int[] {(Integer) c[4]}, (DType) c[3],
                        (Double) c[5], (Double) c[6], new Mt19937((Long) c[1]), capability);
                boolean libm = capability.equals("DEFAULT") && c[3] == DType.FLOAT32 && c[2] == dev.ember.backend.RandomKind.NORMAL;
                if (libm) {
                    close(name, t, 16);
                } else {
                    exact(name, t);
                }
            }
        }
    }

    @Test
    void integersPermutationsAndBernoulliArePyTorchs() {
        exact("randint_10", 28, () -> Tensor.randint(0, 10, 8));
        exact("randint_wide", 29, () -> Tensor.randint(-5, 1L << 40, 6));
        exact("randint_i32", 30, () -> Tensor.empty(DType.INT32, 5).random_(3, 9));
        exact("random_float", 31, () -> Tensor.empty(5).random_(0, 100));
        exact("random_to", 32, () -> Tensor.empty(DType.INT64, 6).random_(1000));
        exact("randperm_10", 33, () -> Tensor.randperm(10));
        exact("randperm_100", 34, () -> Tensor.randperm(100));
        exact("bernoulli_scalar", 35, () -> Tensor.empty(50).bernoulli_(0.3));
        exact("bernoulli_tensor_f32", 36, () -> Tensor.linspace(0, 1, 20).bernoulli());
        exact("bernoulli_tensor_f64", 37, () -> Tensor.linspace(0, 1, 20, DType.FLOAT64).bernoulli());
        exact("dropout", 38, () -> Functional.dropout(Tensor.ones(30), 0.4, true));
        exact("exponential_f64", 39, () -> Tensor.empty(DType.FLOAT64, 20).exponential_(2.5));
        exact("exponential_f32", 40, () -> Tensor.empty(20).exponential_(2.5));
        exact("poisson_f64", 41, () -> Tensor.poisson(Tensor.tensor(new double[] {0.5, 3.0, 12.0, 40.0, 0.0, 7.5}, DType.FLOAT64, Device.CPU)));
    }

    @Test
    void seedsGeneratorsAndStatesArePyTorchs() {
        exact("seed_minus_1", -1, () -> Tensor.rand(3));
        exact("seed_wide", (1L << 40) + 7, () -> Tensor.rand(3));
        Generator g = new Generator(123, Generator.Algorithm.MT19937);
        exact("generator_object", Tensor.cat(List.of(Tensor.rand(g, DType.FLOAT32, 3), Tensor.randn(g, DType.FLOAT32, 2)), 0));

        Ember.manualSeed(5);
        Tensor.rand(3);
        assertEquals(CASES.get("state_after_rand3")[1], hex(Ember.getRngState().toByteArray()), "get_rng_state");
        // PyTorch's state with a cached normal sample, set here: the next draws are PyTorch's
        Ember.manualSeed(0);
        Ember.setRngState(Tensor.tensor(unhex(CASES.get("state_cached_normal")[1]), DType.UINT8, Device.CPU));
        exact("after_state_cached_normal", Tensor.randn(DType.FLOAT64, 3));
        assertEquals(9, Ember.initialSeed());
    }

    @Test
    void modulesStartFromPyTorchsWeights() {
        modules("linear", 0, () -> new Linear(5, 3));
        modules("conv2d", 1, () -> new Conv2d(2, 3, 3));
        modules("embedding", 2, () -> new Embedding(4, 3));
        modules("mlp", 3, () -> new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2)));
    }

    private static void modules(String name, long seed, Supplier<Module> make) {
        Ember.manualSeed(seed);
        Module m = make.get();
        for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
            exact(name + ":" + e.getKey(), e.getValue());
        }
    }

    @Test
    void badStatesAreRefusedAndChangeNothing() {
        Ember.manualSeed(4);
        byte[] before = Ember.getRngState().toByteArray();
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> Ember.setRngState(Tensor.tensor(new byte[10], DType.UINT8, Device.CPU)));
        assertEquals("Expected either a CPUGeneratorImplStateLegacy of size 5048 or a CPUGeneratorImplState of size 5056 "
                + "but found the input RNG state size to be 10", size.getMessage());
        assertEquals("Invalid mt19937 state", assertThrows(IllegalArgumentException.class,
                () -> Ember.setRngState(Tensor.tensor(new byte[5048], DType.UINT8, Device.CPU))).getMessage());
        byte[] badNext = before.clone();
        badNext[16] = (byte) 0xBC; // next = 700 > 624
        badNext[17] = 0x02;
        assertEquals("Invalid mt19937 state", assertThrows(IllegalArgumentException.class,
                () -> Ember.setRngState(Tensor.tensor(badNext, DType.UINT8, Device.CPU))).getMessage());
        assertEquals("RNG state must be a torch.ByteTensor", assertThrows(IllegalArgumentException.class,
                () -> Ember.setRngState(Tensor.zeros(5056))).getMessage());
        assertArrayEquals(before, Ember.getRngState().toByteArray(), "a refused state leaves the generator as it was");
    }

    @Test
    void otherDevicesDrawFromTheDefaultsPhiloxHalfAndACpuGeneratorRefusesThem() {
        Backends2.registerFakeCuda();
        Device cuda = Device.cuda(0);
        // the default generator: a device tensor draws Ember's Philox numbers (PyTorch's CUDA generator is Philox too,
        // seeded by the same manual_seed), and leaves the CPU stream where it was
        Ember.manualSeed(6);
        float[] onDevice = Tensor.rand(Ember.defaultGenerator(), DType.FLOAT32, cuda, 4).to(Device.CPU).toFloatArray();
        float[] cpuAfter = Tensor.rand(4).toFloatArray();
        Ember.manualSeed(6);
        float[] cpuFirst = Tensor.rand(4).toFloatArray();
        assertArrayEquals(cpuFirst, cpuAfter, "a device draw does not move the CPU generator");
        Generator philox = new Generator(6);
        assertArrayEquals(Tensor.rand(philox, DType.FLOAT32, cuda, 4).to(Device.CPU).toFloatArray(), onDevice);
        // a CPU generator of one's own refuses a device tensor, as PyTorch's does, and stays where it was
        Generator cpuGen = new Generator(1, Generator.Algorithm.MT19937);
        byte[] before = cpuGen.getState().toByteArray();
        assertEquals("Expected a 'cuda' device type for generator but found 'cpu'", assertThrows(
                IllegalArgumentException.class, () -> Tensor.rand(cpuGen, DType.FLOAT32, cuda, 2)).getMessage());
        assertArrayEquals(before, cpuGen.getState().toByteArray());
    }

    @Test
    void theStateRoundTripsAndVmapSameRandomnessRepeatsTheDraw() {
        Ember.manualSeed(17);
        Tensor.randn(DType.FLOAT64, 3); // leaves a cached sample
        Tensor state = Ember.getRngState();
        double[] a = Tensor.randn(DType.FLOAT64, 5).toDoubleArray();
        Ember.setRngState(state);
        assertArrayEquals(a, Tensor.randn(DType.FLOAT64, 5).toDoubleArray());
        // switching back to Philox keeps Ember's own numbers for a seed
        Ember.setDefaultGeneratorAlgorithm(Generator.Algorithm.PHILOX);
        Ember.manualSeed(3);
        float[] philox = Tensor.rand(4).toFloatArray();
        Ember.manualSeed(3);
        assertArrayEquals(philox, Tensor.rand(4).toFloatArray());
        assertEquals(16, Ember.getRngState().numel());
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x & 0xFF));
        }
        return s.toString();
    }

    private static byte[] unhex(String s) {
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }
}
