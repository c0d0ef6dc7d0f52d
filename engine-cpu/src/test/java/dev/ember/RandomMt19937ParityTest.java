package dev.ember;

import dev.ember.ao.quantization.QConfig;
import dev.ember.data.DataLoader;
import dev.ember.data.Dataset;
import dev.ember.data.RandomSampler;
import dev.ember.data.Subset;
import dev.ember.data.SubsetRandomSampler;
import dev.ember.data.TensorDataset;
import dev.ember.data.WeightedRandomSampler;
import dev.ember.distributions.Bernoulli;
import dev.ember.distributions.Chi2;
import dev.ember.distributions.FisherSnedecor;
import dev.ember.distributions.HalfCauchy;
import dev.ember.distributions.Kumaraswamy;
import dev.ember.distributions.LKJCholesky;
import dev.ember.distributions.LogisticNormal;
import dev.ember.distributions.LowRankMultivariateNormal;
import dev.ember.distributions.Multinomial;
import dev.ember.distributions.NegativeBinomial;
import dev.ember.distributions.Pareto;
import dev.ember.distributions.RelaxedOneHotCategorical;
import dev.ember.distributions.VonMises;
import dev.ember.distributions.Weibull;
import dev.ember.distributions.Beta;
import dev.ember.distributions.Binomial;
import dev.ember.distributions.Categorical;
import dev.ember.distributions.Cauchy;
import dev.ember.distributions.ContinuousBernoulli;
import dev.ember.distributions.Dirichlet;
import dev.ember.distributions.Exponential;
import dev.ember.distributions.Gamma;
import dev.ember.distributions.Geometric;
import dev.ember.distributions.Gumbel;
import dev.ember.distributions.HalfNormal;
import dev.ember.distributions.Laplace;
import dev.ember.distributions.LogNormal;
import dev.ember.distributions.MultivariateNormal;
import dev.ember.distributions.Normal;
import dev.ember.distributions.OneHotCategorical;
import dev.ember.distributions.Poisson;
import dev.ember.distributions.RelaxedBernoulli;
import dev.ember.distributions.StudentT;
import dev.ember.distributions.Uniform;
import dev.ember.nn.AdaptiveLogSoftmaxWithLoss;
import dev.ember.nn.AlphaDropout;
import dev.ember.nn.Bilinear;
import dev.ember.nn.Conv1d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Conv3d;
import dev.ember.nn.ConvTranspose1d;
import dev.ember.nn.ConvTranspose2d;
import dev.ember.nn.ConvTranspose3d;
import dev.ember.nn.Dropout;
import dev.ember.nn.Embedding;
import dev.ember.nn.EmbeddingBag;
import dev.ember.nn.Dropout2d;
import dev.ember.nn.FeatureAlphaDropout;
import dev.ember.nn.FractionalMaxPool2d;
import dev.ember.nn.FractionalMaxPool3d;
import dev.ember.nn.Functional;
import dev.ember.nn.GRU;
import dev.ember.nn.GRUCell;
import dev.ember.nn.Init;
import dev.ember.nn.LSTM;
import dev.ember.nn.LSTMCell;
import dev.ember.nn.LazyConv2d;
import dev.ember.nn.LazyConv3d;
import dev.ember.nn.LazyConvTranspose1d;
import dev.ember.nn.LazyConvTranspose2d;
import dev.ember.nn.LazyLinear;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.MultiheadAttention;
import dev.ember.nn.PReLU;
import dev.ember.nn.RNN;
import dev.ember.nn.RNNCell;
import dev.ember.nn.RReLU;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.Transformer;
import dev.ember.nn.TransformerDecoder;
import dev.ember.nn.TransformerDecoderLayer;
import dev.ember.nn.TransformerEncoder;
import dev.ember.nn.TransformerEncoderLayer;
import dev.ember.nn.utils.Parametrizations;
import dev.ember.nn.utils.Prune;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PrimitiveIterator;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PyTorch's CPU generator everywhere a seed reaches ({@link Generator.Algorithm#MT19937}, {@code torch.manual_seed(s)}):
 * the initial state_dict of every module that draws (and where the generator stands after it), the {@code nn.init}
 * functions with and without a generator, the ops that draw (the {@code *_like} factories, {@code normal} with tensor
 * parameters, multinomial, geometric, Cauchy, log-normal, {@code random_()}, rrelu, the dropouts, gumbel_softmax, the
 * distributions' samples) and torch.utils.data's random_split, samplers and shuffling DataLoader, against
 * {@code mt19937parity/make_expected.py}. Bit for bit, but for float32 normal fills of 16 or more values (PyTorch's AVX2
 * build computes them with avx_mathfun's log, sine and cosine) and what goes through a QR factorization
 * ({@code orthogonal_}), compared within a few ulps. Each test gathers every mismatch of its family before failing.
 */
class RandomMt19937ParityTest {
    private static final Map<String, String[]> CASES = load();
    private static final Set<String> SEEN = new HashSet<>();
    private static final double[] X = {-1.0, 2.0, -3.0, 0.5, 0.0, -0.25, 4.0, -2.0};

    private final List<String> failures = new ArrayList<>();

    private static Map<String, String[]> load() {
        return NamedBlocks.load("/mt19937parity/expected.txt");
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

    @AfterAll
    static void everyCaseIsUsed() {
        // run as a whole class: every case of the resource file is compared by some test
        if (SEEN.size() > CASES.size() / 2) {
            Set<String> unused = new HashSet<>(CASES.keySet());
            unused.removeAll(SEEN);
            assertTrue(unused.isEmpty(), "cases never compared: " + unused);
        }
    }

    // ------------------------------------------------------------------ comparison

    private static Tensor f32(double[] v, int... shape) {
        return Tensor.tensor(v, DType.FLOAT32, Device.CPU).reshape(shape);
    }

    private static Tensor f64(double[] v, int... shape) {
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape);
    }

    /**
     * Compares {@code t} with case {@code name}, within {@code ulps} units in the last place of max(1, |value|) in
     * {@code t}'s type (float64's, else float32's; 0: bit for bit).
     */
    private void check(String name, Tensor t, int ulps) {
        String[] c = CASES.get(name);
        if (c == null) {
            failures.add(name + ": no such case");
            return;
        }
        SEEN.add(name);
        String[] head = c[0].split(" ", -1);
        String dtype = t.dtype().toString().replace("torch.", "");
        String shape = String.join(",", Arrays.stream(t.shape()).mapToObj(String::valueOf).toArray(String[]::new));
        if (!head[0].equals(dtype) || !(head.length > 1 ? head[1] : "").equals(shape)) {
            failures.add(name + ": " + dtype + " [" + shape + "], PyTorch " + c[0]);
            return;
        }
        double[] got = t.detach().contiguous().to(DType.FLOAT64).toDoubleArray();
        int bad = 0;
        StringBuilder first = new StringBuilder();
        for (int i = 1; i < c.length; i++) {
            double want = c[i].contains("p") || c[i].contains("inf") || c[i].contains("nan")
                    ? Double.parseDouble(c[i].replace("inf", "Infinity").replace("nan", "NaN")) : Long.parseLong(c[i]);
            double v = got[i - 1];
            double ulp = t.dtype() == DType.FLOAT64 ? Math.ulp(Math.max(1, Math.abs(want)))
                    : Math.ulp((float) Math.max(1, Math.abs(want)));
            boolean ok = ulps == 0 ? Double.doubleToLongBits(want) == Double.doubleToLongBits(v)
                    : Math.abs(want - v) <= ulps * ulp;
            if (!ok) {
                if (bad++ < 3) {
                    first.append(" [").append(i - 1).append("] ").append(v).append(" vs ").append(want);
                }
            }
        }
        if (bad > 0) {
            failures.add(name + ": " + bad + " of " + (c.length - 1) + " differ:" + first);
        }
    }

    private void seeded(String name, long seed, Supplier<Tensor> draw) {
        seeded(name, seed, 0, draw);
    }

    private void seeded(String name, long seed, int ulps, Supplier<Tensor> draw) {
        Ember.manualSeed(seed);
        Tensor t;
        try {
            t = draw.get();
        } catch (RuntimeException e) {
            failures.add(name + ": " + e);
            return;
        }
        check(name, t, ulps);
    }

    private void done() {
        assertTrue(failures.isEmpty(), failures.size() + " mismatches:\n" + String.join("\n", failures));
    }

    // ------------------------------------------------------------------ 1. modules

    private void module(String name, long seed, Supplier<Module> make) {
        module(name, seed, 0, make, null);
    }

    private void module(String name, long seed, Supplier<Module> make, Consumer<Module> after) {
        module(name, seed, 0, make, after);
    }

    /**
     * Every floating state_dict entry PyTorch emitted for {@code name} (within {@code ulps}: a float32 normal init of 16
     * or more values), then the generator's next two doubles, bit for bit: the module drew as many numbers as PyTorch's.
     */
    private void module(String name, long seed, int ulps, Supplier<Module> make, Consumer<Module> after) {
        Ember.manualSeed(seed);
        Module m;
        try {
            m = make.get();
            if (after != null) {
                after.accept(m);
            }
        } catch (RuntimeException e) {
            failures.add(name + ": " + e);
            return;
        }
        Map<String, Tensor> state = m.stateDict();
        for (String key : CASES.keySet()) {
            if (key.startsWith(name + ":") && !key.equals(name + ":next")) {
                Tensor t = state.get(key.substring(name.length() + 1));
                if (t == null) {
                    failures.add(key + ": not in Ember's state_dict " + state.keySet());
                    SEEN.add(key);
                } else {
                    check(key, t, ulps);
                }
            }
        }
        check(name + ":next", Tensor.rand(DType.FLOAT64, 2), 0);
    }

    private static int[] a(int... v) {
        return v;
    }

    @Test
    void modulesStartFromPyTorchsWeightsAndDrawAsManyNumbers() {
        module("conv1d", 100, () -> new Conv1d(2, 4, 3));
        module("conv1d_groups", 101, () -> new Conv1d(4, 6, a(3), a(1), a(0), a(1), 2, false));
        module("conv3d", 102, () -> new Conv3d(2, 3, 2));
        module("convt1d", 103, () -> new ConvTranspose1d(2, 3, 3));
        module("convt2d", 104, () -> new ConvTranspose2d(2, 3, 3));
        module("convt2d_groups", 105, () -> new ConvTranspose2d(4, 6, a(3), a(1), a(0), a(0), 2, true, a(1)));
        module("convt3d", 106, () -> new ConvTranspose3d(2, 3, 2));
        module("bilinear", 107, () -> new Bilinear(3, 4, 2));
        module("bilinear_nobias", 108, () -> new Bilinear(3, 4, 2, false));
        module("lstm", 109, () -> new LSTM(3, 4));
        module("lstm_2l_bidir", 110, () -> new LSTM(3, 4, 2, true, false, 0, true, 0));
        module("lstm_proj", 111, () -> new LSTM(3, 5, 1, true, false, 0, false, 2));
        module("lstm_proj_bidir_2l", 112, () -> new LSTM(3, 5, 2, true, false, 0, true, 2));
        module("lstm_nobias", 113, () -> new LSTM(3, 4, 1, false, false, 0, false, 0));
        module("gru", 114, () -> new GRU(3, 4));
        module("gru_2l_bidir", 115, () -> new GRU(3, 4, 2, true, false, 0, true));
        module("rnn", 116, () -> new RNN(3, 4));
        module("rnn_relu_2l_bidir", 117, () -> new RNN(3, 4, 2, "relu", true, false, 0, true));
        module("lstmcell", 118, () -> new LSTMCell(3, 4));
        module("grucell", 119, () -> new GRUCell(3, 4));
        module("rnncell", 120, () -> new RNNCell(3, 4));
        module("rnncell_nobias", 121, () -> new RNNCell(3, 4, false));
        module("mha", 122, () -> new MultiheadAttention(4, 2));
        module("mha_kdim", 123, () -> new MultiheadAttention(4, 2, 0.0, true, 3, 5, false));
        module("mha_bias_kv", 124, () -> new MultiheadAttention(4, 2, 0.0, true, true, false, null, null, false));
        module("mha_nobias", 125, () -> new MultiheadAttention(4, 2, 0.0, false, null, null, false));
        module("tel", 126, () -> new TransformerEncoderLayer(4, 2, 8, 0.1, "relu", 1e-5, false, false, true));
        module("tdl", 127, () -> new TransformerDecoderLayer(4, 2, 8, 0.1, "relu", 1e-5, false, false, true));
        module("encoder", 128, () -> new TransformerEncoder(
                new TransformerEncoderLayer(4, 2, 8, 0.1, "relu", 1e-5, false, false, true), 2));
        module("transformer", 129, () -> new Transformer(4, 2, 1, 1, 8, 0.1, "relu", 1e-5, false, false, true));
        module("prelu", 130, () -> new PReLU(3));
        // normal_ of 18 float32 values: PyTorch's AVX2 fill, a few ulps (the draws under it and their count are the same)
        module("embedding_bag", 131, 16, () -> new EmbeddingBag(6, 3), null);
        module("embedding_pad", 132, 16, () -> new Embedding(6, 3, 1L, null, 2.0, false), null);
        module("lazy_linear", 133, () -> new LazyLinear(3), m -> m.forward(Tensor.ones(2, 4)));
        module("lazy_conv2d", 134, () -> new LazyConv2d(3, 2), m -> m.forward(Tensor.ones(1, 2, 4, 4)));
        module("lazy_convt1d", 135, () -> new LazyConvTranspose1d(3, 2), m -> m.forward(Tensor.ones(1, 2, 4)));
        module("linear_nobias", 136, () -> new Linear(5, 3, false));
        QConfig qat = QConfig.getDefaultQatQconfig("fbgemm");
        module("qat_linear", 137, () -> new dev.ember.ao.nn.qat.Linear(4, 3, true, qat));
        module("qat_conv2d", 138, () -> new dev.ember.ao.nn.qat.Conv2d(2, 3, 2, qat));
        module("adaptive_log_softmax", 140, () -> new AdaptiveLogSoftmaxWithLoss(8, 10, 4, 8));
        module("lstm_batch_first_hidden8", 141, () -> new LSTM(5, 8, true));
        done();
    }

    // ------------------------------------------------------------------ 2. nn.init

    @Test
    void initFunctionsDrawPyTorchsNumbers() {
        seeded("init_uniform", 200, () -> Init.uniform_(Tensor.empty(5, 7), -0.5, 0.7));
        seeded("init_uniform_default", 201, () -> Init.uniform_(Tensor.empty(DType.FLOAT64, 5)));
        seeded("init_normal_f64", 202, () -> Init.normal_(Tensor.empty(DType.FLOAT64, 5, 7), 0.3, 2.0));
        seeded("init_normal_f32_small", 203, () -> Init.normal_(Tensor.empty(3, 4), 0.3, 2.0));
        seeded("init_normal_f32", 204, 16, () -> Init.normal_(Tensor.empty(5, 7), 0.3, 2.0));
        // float32 erfinv: PyTorch's calc_erfinv(float) calls glibc's erff (fdlibm's float polynomial), Ember's erf rounded
        // from double; they differ in the last bit of some values (the uniform draws under them are the same)
        seeded("init_trunc_normal", 205, () -> Init.truncNormal_(Tensor.empty(6, 5)));
        seeded("init_trunc_normal_std", 206, () -> Init.truncNormal_(Tensor.empty(6, 5), 0.02));
        // float64 erfinv within a few ulps: see init_trunc_normal_gen
        seeded("init_trunc_normal_f64", 207, 4, () -> Init.truncNormal_(Tensor.empty(DType.FLOAT64, 6, 5), 1.0, 2.0, -1.0, 3.0));
        seeded("init_xavier_uniform", 208, () -> Init.xavierUniform_(Tensor.empty(4, 6)));
        seeded("init_xavier_uniform_gain", 209, () -> Init.xavierUniform_(Tensor.empty(3, 2, 3), 2.0));
        seeded("init_xavier_normal_f64", 210, () -> Init.xavierNormal_(Tensor.empty(DType.FLOAT64, 4, 6)));
        seeded("init_xavier_normal_small", 211, () -> Init.xavierNormal_(Tensor.empty(3, 3)));
        seeded("init_kaiming_uniform", 212, () -> Init.kaimingUniform_(Tensor.empty(4, 6)));
        seeded("init_kaiming_uniform_fanout_relu", 213, () -> Init.kaimingUniform_(Tensor.empty(4, 3, 2), 0, "fan_out", "relu"));
        seeded("init_kaiming_uniform_a", 214, () -> Init.kaimingUniform_(Tensor.empty(5, 3), 0.1, "fan_in", "leaky_relu"));
        seeded("init_kaiming_normal_f64", 215, () -> Init.kaimingNormal_(Tensor.empty(DType.FLOAT64, 4, 6), 0, "fan_out", "relu"));
        seeded("init_kaiming_normal_small", 216, () -> Init.kaimingNormal_(Tensor.empty(2, 5)));
        seeded("init_orthogonal_wide", 217, 4, () -> Init.orthogonal_(Tensor.empty(DType.FLOAT64, 3, 5)));
        seeded("init_orthogonal_tall", 218, 4, () -> Init.orthogonal_(Tensor.empty(DType.FLOAT64, 5, 3), 2.0));
        seeded("init_orthogonal_f32", 219, 16, () -> Init.orthogonal_(Tensor.empty(4, 2, 2)));
        seeded("init_sparse", 220, () -> Init.sparse_(Tensor.empty(DType.FLOAT64, 6, 5), 0.3));
        seeded("init_sparse_std", 221, () -> Init.sparse_(Tensor.empty(DType.FLOAT64, 4, 3), 0.5, 1.5, Ember.defaultGenerator()));
        seeded("init_eye_then_rand", 222, () -> {
            Init.eye_(Tensor.empty(2, 3));
            return Tensor.rand(3);
        });
        seeded("init_dirac_then_rand", 223, () -> {
            Init.dirac_(Tensor.empty(2, 2, 3));
            return Tensor.rand(3);
        });
        withGenerator("init_uniform_gen", g -> Init.uniform_(Tensor.empty(3, 4), -0.5, 0.7, g));
        withGenerator("init_normal_gen", g -> Init.normal_(Tensor.empty(DType.FLOAT64, 3, 4), 0.3, 2.0, g));
        withGenerator("init_xavier_uniform_gen", g -> Init.xavierUniform_(Tensor.empty(4, 6), 1.0, g));
        withGenerator("init_kaiming_uniform_gen", g -> Init.kaimingUniform_(Tensor.empty(4, 6), 0, "fan_in", "leaky_relu", g));
        done();
    }

    @Test
    void initGainsThatAreNotPowersOfTwoGivePyTorchsBounds() {
        seeded("init_xavier_uniform_tanh", 1000, () -> Init.xavierUniform_(Tensor.empty(DType.FLOAT64, 4, 6), Init.calculateGain("tanh")));
        seeded("init_xavier_normal_selu", 1001, () -> Init.xavierNormal_(Tensor.empty(DType.FLOAT64, 3, 5), Init.calculateGain("selu")));
        seeded("init_kaiming_uniform_tanh", 1002, () -> Init.kaimingUniform_(Tensor.empty(DType.FLOAT64, 4, 6), 0, "fan_in", "tanh"));
        seeded("init_kaiming_uniform_leaky02_fanout", 1003, () -> Init.kaimingUniform_(Tensor.empty(DType.FLOAT64, 4, 3, 3), 0.2,
                "fan_out", "leaky_relu"));
        seeded("init_kaiming_normal_selu", 1004, () -> Init.kaimingNormal_(Tensor.empty(DType.FLOAT64, 5, 3), 0, "fan_in", "selu"));
        seeded("init_kaiming_uniform_sigmoid_f32", 1005, () -> Init.kaimingUniform_(Tensor.empty(7, 3), 0, "fan_in", "sigmoid"));
        seeded("init_uniform_f16", 1006, () -> Init.uniform_(Tensor.empty(DType.FLOAT16, 9), -0.3, 0.9));
        seeded("init_normal_bf16", 1007, () -> Init.normal_(Tensor.empty(DType.BFLOAT16, 20), 0.5, 1.5));
        done();
    }

    /** A draw from {@code torch.Generator().manual_seed(77)}, then two from the default generator seeded 5 (untouched). */
    private void withGenerator(String name, Function<Generator, Tensor> draw) {
        seeded(name, 5, () -> {
            Generator g = new Generator(77, Generator.Algorithm.MT19937);
            Tensor t = draw.apply(g).reshape(-1);
            return Tensor.cat(List.of(t, Tensor.rand(2).to(t.dtype())), 0);
        });
    }

    // ------------------------------------------------------------------ 3. ops

    @Test
    void opsThatDrawArePyTorchs() {
        seeded("rand_like", 300, () -> Tensor.ones(3, 4).randLike());
        seeded("randn_like_f64", 301, () -> Tensor.ones(DType.FLOAT64, 2, 3).randnLike());
        seeded("randint_like", 302, () -> Tensor.zeros(5).randintLike(3, 10));
        seeded("normal_tensor_tensor", 303, () -> Tensor.normal(Tensor.arange(6, DType.FLOAT64),
                Tensor.linspace(0.5, 2, 6, DType.FLOAT64, Device.CPU)));
        seeded("normal_tensor_float", 304, () -> Tensor.normal(Tensor.arange(5, DType.FLOAT64), 2.0));
        seeded("normal_float_tensor", 305, () -> Tensor.normal(1.0, Tensor.linspace(0.5, 2, 5, DType.FLOAT64, Device.CPU)));
        seeded("normal_tensor_tensor_f32_16", 306, 16, () -> Tensor.normal(Tensor.arange(20.0), Tensor.ones(20)));
        Tensor p = f32(new double[] {0.1, 0.2, 0.3, 0.4, 0.5, 0.0, 0.25, 0.25}, 2, 4);
        seeded("multinomial_replacement", 307, () -> p.multinomial(6, true));
        seeded("multinomial_no_replacement", 308, () -> p.multinomial(3, false));
        seeded("multinomial_1d_one", 309, () -> f32(new double[] {1, 2, 3, 4}, 4).multinomial(1, false));
        seeded("multinomial_f64_replacement", 310, () -> f64(new double[] {0.2, 0.3, 0.5}, 3).multinomial(10, true));
        seeded("geometric_f64", 311, () -> Tensor.empty(DType.FLOAT64, 10).geometric_(0.3));
        seeded("geometric_f32", 312, () -> Tensor.empty(10).geometric_(0.3));
        seeded("cauchy_f64", 313, () -> Tensor.empty(DType.FLOAT64, 10).cauchy_(1.0, 2.0));
        seeded("cauchy_f32", 314, () -> Tensor.empty(10).cauchy_(0, 1));
        seeded("log_normal_f64", 315, () -> Tensor.empty(DType.FLOAT64, 20).logNormal_(1.0, 0.5));
        seeded("log_normal_f32", 316, () -> Tensor.empty(7).logNormal_(1.0, 2.0));
        seeded("random_int64", 317, () -> Tensor.empty(DType.INT64, 5).random_());
        seeded("random_int32", 318, () -> Tensor.empty(DType.INT32, 5).random_());
        seeded("random_f32", 319, () -> Tensor.empty(5).random_());
        seeded("random_f64", 320, () -> Tensor.empty(DType.FLOAT64, 5).random_());
        seeded("random_uint8", 321, () -> Tensor.empty(DType.UINT8, 5).random_());
        seeded("random_bool", 322, () -> Tensor.empty(DType.BOOL, 8).random_());
        seeded("rrelu_train", 323, () -> Functional.rrelu(f32(X, 2, 4), 1.0 / 8, 1.0 / 3, true));
        seeded("rrelu_train_f64", 324, () -> Functional.rrelu(f64(X, 2, 4), 0.1, 0.4, true));
        seeded("alpha_dropout", 325, () -> Functional.alphaDropout(Tensor.arange(12.0).reshape(3, 4), 0.4, true));
        seeded("feature_alpha_dropout", 326, () -> Functional.featureAlphaDropout(Tensor.arange(24.0).reshape(2, 3, 4), 0.5, true));
        seeded("dropout1d", 327, () -> Functional.dropout1d(Tensor.ones(2, 3, 4), 0.5, true));
        seeded("dropout2d", 328, () -> Functional.dropout2d(Tensor.ones(2, 3, 2, 2), 0.5, true));
        seeded("dropout3d", 329, () -> Functional.dropout3d(Tensor.ones(2, 3, 2, 1, 2), 0.5, true));
        seeded("dropout_module_f64", 330, () -> new Dropout(0.3).forward(Tensor.ones(DType.FLOAT64, 4, 5)));
        Tensor logits = f32(new double[] {1.0, 2.0, 0.5, 0.0, -1.0, 3.0}, 2, 3);
        seeded("gumbel_softmax", 331, 4, () -> Functional.gumbelSoftmax(logits, 0.5, false, -1));
        seeded("gumbel_softmax_hard", 332, () -> Functional.gumbelSoftmax(logits, 1.0, true, -1));
        seeded("rrelu_module_train", 333, () -> new RReLU().forward(f32(X, 2, 4)));
        seeded("alpha_dropout_module", 334, () -> new AlphaDropout(0.2).forward(Tensor.ones(2, 5)));
        Tensor loc = f64(new double[] {0.0, 1.0}, 2);
        Tensor scale = f64(new double[] {1.0, 2.0}, 2);
        seeded("dist_normal_sample", 340, () -> new Normal(loc, scale).sample(3));
        seeded("dist_normal_rsample", 341, () -> new Normal(loc, scale).rsample(3));
        seeded("dist_uniform_rsample", 342, () -> new Uniform(f32(new double[] {0, -1}, 2), f32(new double[] {1, 3}, 2)).rsample(3));
        seeded("dist_bernoulli_sample", 343, () -> new Bernoulli(f32(new double[] {0.2, 0.7, 0.5}, 3), null, null).sample(4));
        seeded("dist_categorical_sample", 344, () -> Categorical.ofProbs(
                f32(new double[] {0.1, 0.6, 0.3, 0.5, 0.25, 0.25}, 2, 3)).sample(5));
        seeded("dist_exponential_rsample", 345, () -> new Exponential(f32(new double[] {0.5, 2.0}, 2)).rsample(3));
        seeded("dist_normal_scalar_rsample", 346, () -> new Normal(0.5, 2.0).rsample(4));
        done();
    }

    // ------------------------------------------------------------------ 5. more of each family

    @Test
    void moreModulesStartFromPyTorchsWeights() {
        module("decoder", 500, () -> new TransformerDecoder(
                new TransformerDecoderLayer(4, 2, 8, 0.1, "relu", 1e-5, false, false, true), 2));
        module("tel_norm_first_batch_first", 501, () -> new TransformerEncoderLayer(6, 3, 5, 0.1, "relu", 1e-5, true, true, true));
        module("transformer_2_2", 502, () -> new Transformer(4, 2, 2, 2, 6, 0.1, "relu", 1e-5, false, false, true));
        module("mha_batch_first_kdim", 503, () -> new MultiheadAttention(6, 3, 0.0, true, 4, 4, true));
        module("lstm_proj_nobias", 504, () -> new LSTM(3, 5, 1, false, false, 0, false, 3));
        module("grucell_nobias", 505, () -> new GRUCell(3, 4, false));
        module("lstmcell_nobias", 506, () -> new LSTMCell(3, 4, false));
        module("conv2d_circular", 507, () -> new Conv2d(2, 3, a(3, 3), a(1, 1), a(1, 1), a(1, 1), 1, true, "circular"));
        module("conv3d_groups", 508, () -> new Conv3d(4, 2, a(1, 2, 2), a(1, 1, 1), a(0, 0, 0), a(1, 1, 1), 2, true));
        module("convt3d_groups", 509, () -> new ConvTranspose3d(4, 6, a(2, 2, 2), a(1, 1, 1), a(0, 0, 0), a(0, 0, 0), 2, false,
                a(1, 1, 1)));
        module("lazy_conv3d", 510, () -> new LazyConv3d(2, 2), m -> m.forward(Tensor.ones(1, 3, 3, 3, 3)));
        module("lazy_convt2d", 511, () -> new LazyConvTranspose2d(2, 2), m -> m.forward(Tensor.ones(1, 3, 3, 3)));
        module("lazy_linear_nobias", 512, () -> new LazyLinear(2, false), m -> m.forward(Tensor.ones(3, 5)));
        QConfig qat = QConfig.getDefaultQatQconfig("fbgemm");
        module("qat_conv1d", 513, () -> new dev.ember.ao.nn.qat.Conv1d(2, 3, 2, qat));
        module("qat_conv3d", 514, () -> new dev.ember.ao.nn.qat.Conv3d(2, 3, 2, qat));
        module("bilinear_big", 515, () -> new Bilinear(5, 3, 4));
        module("rnn_2l_dropout", 516, () -> new RNN(3, 4, 2, "tanh", true, false, 0.5, false));
        done();
    }

    /** A draw from {@code g} ({@code torch.Generator().manual_seed(77)}) as doubles, then two of the default generator seeded 5. */
    private void withGenerator64(String name, int ulps, Function<Generator, Tensor> draw) {
        seeded(name, 5, ulps, () -> {
            Generator g = new Generator(77, Generator.Algorithm.MT19937);
            Tensor t = draw.apply(g).reshape(-1).to(DType.FLOAT64);
            return Tensor.cat(List.of(t, Tensor.rand(DType.FLOAT64, 2)), 0);
        });
    }

    @Test
    void initFunctionsWithAGeneratorDrawFromItAsPyTorch2() {
        withGenerator64("init_sparse_gen", 0, g -> Init.sparse_(Tensor.empty(DType.FLOAT64, 5, 3), 0.4, 0.01, g));
        withGenerator64("init_orthogonal_gen", 4, g -> Init.orthogonal_(Tensor.empty(DType.FLOAT64, 3, 4), 1.5, g));
        // float64 erfinv: PyTorch's calc_erfinv(double) calls glibc's erf in its Newton steps, Ember its own erf (the
        // torch.erf it matches); their last bits differ for about 7% of arguments, so a few results differ by an ulp or two
        withGenerator64("init_trunc_normal_gen", 4, g -> Init.truncNormal_(Tensor.empty(DType.FLOAT64, 4, 3), 0, 1, -2, 2, g));
        withGenerator64("init_kaiming_normal_gen", 0, g -> Init.kaimingNormal_(Tensor.empty(DType.FLOAT64, 4, 6), 0, "fan_in", "relu", g));
        withGenerator64("init_xavier_normal_gen", 0, g -> Init.xavierNormal_(Tensor.empty(DType.FLOAT64, 4, 6), 1.0, g));
        done();
    }

    @Test
    void moreOpsAndDistributionsArePyTorchs() {
        seeded("randint_like_i32", 520, () -> Tensor.zeros(DType.INT32, 6).randintLike(100));
        seeded("randn_like_f32_small", 521, () -> Tensor.ones(3, 2).randnLike());
        seeded("rand_like_transposed", 522, () -> Tensor.ones(3, 4).t().randLike());
        Tensor p = f32(new double[] {0.1, 0.2, 0.3, 0.4, 0.5, 0.0, 0.25, 0.25}, 2, 4);
        seeded("multinomial_gen", 523, () -> p.multinomial(2, false, new Generator(4, Generator.Algorithm.MT19937)));
        seeded("multinomial_f64_no_replacement_2d", 524, () -> p.to(DType.FLOAT64).multinomial(4, false));
        seeded("bernoulli_p_tensor_gen", 525, () -> Tensor.linspace(0, 1, 7).bernoulli(new Generator(8, Generator.Algorithm.MT19937)));
        seeded("rrelu_inplace", 526, () -> Functional.rrelu_(f32(X, 2, 4), 0.2, 0.5, true));
        seeded("fractional_max_pool2d", 527, () -> Functional.fractionalMaxPool2d(Tensor.arange(50.0).reshape(2, 1, 5, 5),
                a(2), a(3), null, null));
        seeded("random_int16", 528, () -> Tensor.empty(DType.INT16, 5).random_());
        seeded("random_int8", 529, () -> Tensor.empty(DType.INT8, 5).random_());
        seeded("random_f16", 530, () -> Tensor.empty(DType.FLOAT16, 5).random_());
        seeded("random_bf16", 531, () -> Tensor.empty(DType.BFLOAT16, 5).random_());
        seeded("random_gen", 532, () -> Tensor.empty(DType.INT64, 4).random_(new Generator(6, Generator.Algorithm.MT19937)));
        seeded("log_normal_strided", 533, () -> Tensor.empty(DType.FLOAT64, 3, 4).t().logNormal_(0.5, 0.3));
        // the masks are drawn after the weights; the float32 products are compared within a few ulps
        seeded("dropout_train_mlp", 534, 4, () -> new Sequential(new Linear(4, 6), new ReLU(), new Dropout(0.5), new Linear(6, 2))
                .forward(Tensor.ones(3, 4)));
        Tensor two = f32(new double[] {0.0, 1.0}, 2);
        Tensor twoScale = f32(new double[] {1.0, 0.5}, 2);
        Tensor loc = f64(new double[] {0.0, 1.0}, 2);
        seeded("dist_laplace_rsample", 540, () -> new Laplace(two, twoScale).rsample(3));
        seeded("dist_cauchy_rsample", 541, () -> new Cauchy(loc, f64(new double[] {1.0, 0.5}, 2)).rsample(3));
        seeded("dist_geometric_sample", 542, () -> new Geometric(f32(new double[] {0.3, 0.7}, 2), null, null).sample(4));
        // exp and the continuous Bernoulli's icdf (log1p, exp) are elementwise ops whose last bit is PyTorch's vectorized
        // (Sleef) or glibc's; the draws under them are the same
        seeded("dist_lognormal_rsample", 543, 2, () -> new LogNormal(loc, f64(new double[] {1.0, 0.5}, 2)).rsample(3));
        seeded("dist_gamma_rsample", 544, () -> new Gamma(f64(new double[] {0.5, 2.0, 5.0}, 3), f64(new double[] {1.0, 2.0, 0.5}, 3))
                .rsample(2));
        seeded("dist_poisson_sample", 545, () -> new Poisson(f64(new double[] {0.5, 4.0, 20.0}, 3)).sample(2));
        seeded("dist_halfnormal_rsample", 546, () -> new HalfNormal(f64(new double[] {1.0, 2.0}, 2)).rsample(3));
        seeded("dist_gumbel_rsample", 547, () -> new Gumbel(loc, f64(new double[] {1.0, 2.0}, 2)).rsample(3));
        seeded("dist_relaxed_bernoulli_rsample", 548, () -> RelaxedBernoulli.ofProbs(Tensor.tensor(new double[] {0.5}, DType.FLOAT64,
                Device.CPU).reshape(), f64(new double[] {0.2, 0.7}, 2)).rsample(3));
        seeded("dist_one_hot_categorical_sample", 549, () -> new OneHotCategorical(f32(new double[] {0.1, 0.6, 0.3}, 3), null, null)
                .sample(4));
        seeded("dist_continuous_bernoulli_rsample", 550, 2, () -> new ContinuousBernoulli(f64(new double[] {0.2, 0.7}, 2), null, null)
                .rsample(3));
        seeded("dist_studentt_rsample", 551, () -> new StudentT(f64(new double[] {3.0, 10.0}, 2)).rsample(2));
        seeded("dist_dirichlet_sample", 552, () -> new Dirichlet(f64(new double[] {0.5, 1.0, 2.0}, 3)).sample(2));
        seeded("dist_beta_sample", 553, () -> new Beta(f64(new double[] {0.5, 2.0}, 2), f64(new double[] {1.5, 3.0}, 2)).sample(2));
        seeded("dist_binomial_sample", 554, () -> new Binomial(f64(new double[] {5.0, 20.0}, 2), f64(new double[] {0.3, 0.6}, 2), null,
                null).sample(3));
        seeded("dist_mvn_rsample", 555, 4, () -> MultivariateNormal.ofCovariance(loc, f64(new double[] {2.0, 0.5, 0.5, 1.0}, 2, 2))
                .rsample(3));
        seeded("dist_normal_sample_gen", 556, () -> new Normal(Tensor.zeros(DType.FLOAT64, 2), Tensor.ones(DType.FLOAT64, 2)).sample(2));
        done();
    }

    @Test
    void moreSamplersWithGeneratorsArePyTorchs() {
        seeded("random_sampler_replacement_gen", 560, () -> longs(all(new RandomSampler(range(7), true, 5,
                new Generator(2, Generator.Algorithm.MT19937)))));
        seeded("subset_random_sampler_gen", 561, () -> longs(all(new SubsetRandomSampler(a(3, 5, 7, 9),
                new Generator(2, Generator.Algorithm.MT19937)))));
        seeded("weighted_sampler_gen", 562, () -> longs(all(new WeightedRandomSampler(new double[] {0.1, 0.9, 0.4}, 6, true,
                new Generator(2, Generator.Algorithm.MT19937)))));
        seeded("samplers_draw_at_first_index", 1201, () -> {
            List<PrimitiveIterator.OfInt> its = List.of(new RandomSampler(range(5)).iterator(),
                    new SubsetRandomSampler(a(2, 4, 6), null).iterator(),
                    new WeightedRandomSampler(new double[] {0.3, 0.7}, 3, true, null).iterator());
            Tensor before = Tensor.rand(DType.FLOAT64, 2);
            List<Integer> idx = new ArrayList<>();
            for (PrimitiveIterator.OfInt it : its) {
                it.forEachRemaining((int i) -> idx.add(i));
            }
            return Tensor.cat(List.of(before, longs(idx).to(DType.FLOAT64), Tensor.rand(DType.FLOAT64, 1)), 0);
        });
        seeded("sampler_with_generator_two_epochs", 1202, () -> {
            Generator g = new Generator(5, Generator.Algorithm.MT19937);
            RandomSampler s = new RandomSampler(range(6), g);
            List<Integer> v = all(s);
            v.addAll(all(s));
            v.add((int) Tensor.randint(g, 0, 1000, 1).toLongArray()[0]);
            return longs(v);
        });
        seeded("dataloader_draws_at_first_batch", 1203, () -> {
            DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(new TensorDataset(Tensor.arange(6L))).batchSize(4)
                    .shuffle(true).build();
            java.util.Iterator<List<Tensor>> it = loader.iterator();
            Tensor before = Tensor.rand(DType.FLOAT64, 2);
            List<Integer> idx = new ArrayList<>();
            while (it.hasNext()) {
                for (long v : it.next().get(0).toLongArray()) {
                    idx.add((int) v);
                }
            }
            return Tensor.cat(List.of(before, longs(idx).to(DType.FLOAT64), Tensor.rand(DType.FLOAT64, 1)), 0);
        });
        seeded("dataloader_of_seed", 1200, () -> {
            List<Integer> out = new ArrayList<>();
            DataLoader<List<Tensor>, DataLoader.Batch> loader = DataLoader.of(Tensor.arange(8L), Tensor.arange(8L).mul(10L), 3, true,
                    21, Device.CPU);
            for (int e = 0; e < 2; e++) {
                for (DataLoader.Batch b : loader) {
                    for (long v : b.inputs().toLongArray()) {
                        out.add((int) v);
                    }
                }
            }
            out.add((int) Tensor.randint(0, 1000, 1).toLongArray()[0]);
            return longs(out);
        });
        seeded("dataloader_no_shuffle_next", 563, () -> {
            DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(new TensorDataset(Tensor.arange(4L))).batchSize(2).build();
            for (int e = 0; e < 2; e++) {
                for (List<Tensor> b : loader) {
                    assertEquals(2, b.get(0).numel());
                }
            }
            return Tensor.rand(DType.FLOAT64, 2);
        });
        done();
    }

    // ------------------------------------------------------------------ 6. QAT embeddings, modules that draw in forward

    private static final double[] SEQ = Tensor.linspace(-1, 1, 30, DType.FLOAT64, Device.CPU).toDoubleArray();

    @Test
    void qatEmbeddingsAndForwardsThatDrawArePyTorchs() {
        // normal_ of 18 float32 values: PyTorch's AVX2 fill, a few ulps
        module("qat_embedding", 600, 16, () -> new dev.ember.ao.nn.qat.Embedding(6, 3, QConfig.DEFAULT_EMBEDDING_QAT), null);
        module("qat_embedding_bag", 601, 16, () -> new dev.ember.ao.nn.qat.EmbeddingBag(6, 3, "sum", QConfig.DEFAULT_EMBEDDING_QAT),
                null);
        seeded("fractional_max_pool2d_module", 602, () -> new FractionalMaxPool2d(2, 0.5).forward(Tensor.arange(72.0).reshape(2, 1, 6, 6)));
        seeded("fractional_max_pool3d_module", 603, () -> new FractionalMaxPool3d(2, 2).forward(Tensor.arange(128.0).reshape(1, 2, 4, 4, 4)));
        seeded("dropout2d_module", 604, () -> new Dropout2d(0.5).forward(Tensor.ones(2, 3, 2, 2)));
        seeded("feature_alpha_dropout_module", 605, () -> new FeatureAlphaDropout(0.3).forward(Tensor.arange(24.0).reshape(2, 3, 4)));
        // float64 forwards in training: the dropout masks (drawn after the weights, layer by layer) are PyTorch's; the
        // arithmetic around them agrees to rounding
        Tensor seq = f64(SEQ, 5, 2, 3);
        seeded("lstm_train_dropout", 606, 64, () -> {
            LSTM m = new LSTM(3, 4, 2, true, false, 0.5, false, 0);
            m.to(DType.FLOAT64);
            RnnOutput r = m.forward(seq, null);
            return Tensor.cat(List.of(r.output().reshape(-1), r.h().reshape(-1), r.c().reshape(-1)), 0);
        });
        seeded("gru_train_dropout_bidir", 607, 64, () -> {
            GRU m = new GRU(3, 4, 3, true, false, 0.4, true);
            m.to(DType.FLOAT64);
            RnnOutput r = m.forward(seq, (Tensor) null);
            return Tensor.cat(List.of(r.output().reshape(-1), r.h().reshape(-1)), 0);
        });
        seeded("mha_train_dropout_weights", 608, 64, () -> {
            MultiheadAttention m = new MultiheadAttention(4, 2, 0.5, true, null, null, false);
            m.to(DType.FLOAT64);
            Tensor q = Tensor.linspace(-1, 1, 24, DType.FLOAT64, Device.CPU).reshape(3, 2, 4);
            MultiheadAttention.Output o = m.forward(q, q, q);
            return Tensor.cat(List.of(o.output().reshape(-1), o.weights().reshape(-1)), 0);
        });
        done();
    }

    @Test
    void scaledDotProductAttentionDropoutOnTheCpuIsTheMathPathsMask() {
        // PyTorch 2.x's CPU dispatch sends dropout to the math composition: at::dropout over the [N, H, L, S] weights
        seeded("sdpa_math_dropout", 900, 64, () -> Functional.scaledDotProductAttention(
                Tensor.linspace(-1, 1, 24, DType.FLOAT64, Device.CPU).reshape(1, 2, 3, 4),
                Tensor.linspace(1, -0.5, 32, DType.FLOAT64, Device.CPU).reshape(1, 2, 4, 4),
                Tensor.linspace(0, 2, 32, DType.FLOAT64, Device.CPU).reshape(1, 2, 4, 4), null, 0.4, false, null));
        done();
    }

    @Test
    void aLoaderWorkerDrawsFromItsGeneratorSeededWithTheBaseSeed() {
        // PyTorch's worker: torch.manual_seed(base_seed + id), then the items draw from it; Ember's worker thread draws
        // from WorkerInfo.currentGenerator(), which under MT19937 is PyTorch's generator of that seed
        Dataset<Tensor> draws = new Dataset<>() {
            @Override
            public int size() {
                return 6;
            }

            @Override
            public Tensor get(int index) {
                return Tensor.rand(dev.ember.data.WorkerInfo.currentGenerator(), DType.FLOAT64, 1).reshape();
            }
        };
        seeded("dataloader_worker_draws", 609, () -> {
            List<Tensor> out = new ArrayList<>();
            try (DataLoader<Tensor, Tensor> loader = DataLoader.builder(draws).batchSize(2).numWorkers(1).build()) {
                for (Tensor b : loader) {
                    out.add(b);
                }
            }
            out.add(Tensor.rand(DType.FLOAT64, 1));
            return Tensor.cat(out, 0);
        });
        done();
    }

    // ------------------------------------------------------------------ 7. utilities that draw

    @Test
    void spectralNormAndRandomPruningArePyTorchs() {
        // u and v: two serial normal draws after the Linear's init; then 15 float32 power iterations, within rounding
        module("spectral_norm_linear", 700, 64, () -> Parametrizations.spectralNorm(new Linear(5, 4)), null);
        module("prune_random_unstructured", 701, () -> Prune.randomUnstructured(new Linear(5, 4), "weight", 0.3));
        module("prune_random_structured", 702, () -> Prune.randomStructured(new Linear(5, 4), "weight", 0.5, 0));
        module("prune_random_unstructured_count", 703, () -> Prune.randomUnstructured(new Conv2d(2, 3, 2), "bias", 2L));
        done();
    }

    // ------------------------------------------------------------------ 8. float64 as the default type

    @Test
    void modulesBuiltWithFloat64AsTheDefaultTypeDrawDoubles() {
        DType before = Ember.getDefaultDtype();
        Ember.setDefaultDtype(DType.FLOAT64);
        try {
            module("f64_linear", 800, () -> new Linear(5, 3));
            module("f64_embedding", 801, () -> new Embedding(6, 3));
            module("f64_lstm", 802, () -> new LSTM(3, 4, false, true));
            module("f64_mha", 803, () -> new MultiheadAttention(4, 2));
            module("f64_conv2d", 804, () -> new Conv2d(2, 3, 2));
            module("f64_transformer_layer", 805, () -> new TransformerEncoderLayer(4, 2, 6, 0.1, "relu", 1e-5, false, false, true));
        } finally {
            Ember.setDefaultDtype(before);
        }
        done();
    }

    // ------------------------------------------------------------------ 11. more distributions

    private static Tensor t64(double... v) {
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU);
    }

    @Test
    void moreDistributionsSampleAsPyTorch() {
        // float64 throughout; their transforms (log, exp, pow, matrix products) may differ from PyTorch's in the last
        // bits, so within 8 ulps: a sample drawn in another order or from other draws differs entirely
        seeded("dist_relaxed_one_hot_rsample", 1100, 8, () -> RelaxedOneHotCategorical.ofProbs(t64(0.7).reshape(), t64(0.2, 0.5, 0.3))
                .rsample(3));
        seeded("dist_multinomial_sample", 1101, () -> Multinomial.ofProbs(7, t64(0.2, 0.5, 0.3)).sample(4));
        seeded("dist_negative_binomial_sample", 1102, () -> NegativeBinomial.ofProbs(t64(3.0, 7.5), t64(0.4, 0.6)).sample(3));
        seeded("dist_pareto_rsample", 1103, 8, () -> new Pareto(t64(1.0, 2.0), t64(1.5, 3.0)).rsample(3));
        seeded("dist_weibull_rsample", 1104, 8, () -> new Weibull(t64(1.0, 2.0), t64(0.5, 3.0)).rsample(3));
        seeded("dist_kumaraswamy_rsample", 1105, 8, () -> new Kumaraswamy(t64(0.5, 2.0), t64(1.5, 3.0)).rsample(3));
        seeded("dist_von_mises_sample", 1106, 8, () -> new VonMises(t64(0.0, 1.0), t64(0.5, 4.0)).sample(3));
        seeded("dist_low_rank_mvn_rsample", 1107, 8, () -> new LowRankMultivariateNormal(t64(0.0, 1.0, 2.0),
                Tensor.linspace(0.1, 0.6, 6, DType.FLOAT64, Device.CPU).reshape(3, 2), t64(1.0, 0.5, 2.0)).rsample(2));
        seeded("dist_half_cauchy_rsample", 1108, 8, () -> new HalfCauchy(t64(1.0, 2.0)).rsample(3));
        seeded("dist_fisher_snedecor_rsample", 1109, 8, () -> new FisherSnedecor(t64(3.0, 6.0), t64(4.0, 9.0)).rsample(2));
        seeded("dist_chi2_rsample", 1110, 8, () -> new Chi2(t64(1.5, 4.0)).rsample(3));
        seeded("dist_logistic_normal_rsample", 1111, 8, () -> new LogisticNormal(t64(0.0, 1.0), t64(1.0, 0.5)).rsample(2));
        seeded("dist_lkj_cholesky_sample", 1113, 8, () -> new LKJCholesky(3, t64(1.5), null).sample(2));
        seeded("dist_categorical_logits_sample", 1114, () -> Categorical.ofLogits(t64(0.1, -1.0, 2.0, 0.5)).sample(6));
        done();
    }

    // ------------------------------------------------------------------ 4. data

    private static Tensor longs(List<Integer> v) {
        long[] out = new long[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return Tensor.tensor(out, DType.INT64, Device.CPU);
    }

    private static List<Integer> all(Iterable<Integer> sampler) {
        List<Integer> out = new ArrayList<>();
        sampler.forEach(out::add);
        return out;
    }

    private static List<Integer> indices(List<? extends Subset<?>> parts) {
        List<Integer> out = new ArrayList<>();
        for (Subset<?> s : parts) {
            for (int i : s.indices()) {
                out.add(i);
            }
        }
        return out;
    }

    private static Dataset<Integer> range(int n) {
        List<Integer> v = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            v.add(i);
        }
        return Dataset.of(v);
    }

    @Test
    void dataSplitsSamplersAndShufflingArePyTorchs() {
        seeded("random_split", 400, () -> longs(indices(Dataset.randomSplit(range(10), 4, 6))));
        seeded("random_split_gen", 401, () -> longs(indices(Dataset.randomSplit(range(10), a(3, 7),
                new Generator(42, Generator.Algorithm.MT19937)))));
        seeded("random_split_fractions", 402, () -> longs(indices(Dataset.randomSplit(range(10), new double[] {0.3, 0.7},
                Ember.defaultGenerator()))));
        seeded("random_sampler", 403, () -> {
            List<Integer> v = all(new RandomSampler(range(10)));
            v.addAll(all(new RandomSampler(range(10))));
            return longs(v);
        });
        seeded("random_sampler_gen", 404, () -> longs(all(new RandomSampler(range(10), new Generator(3, Generator.Algorithm.MT19937)))));
        seeded("random_sampler_replacement", 405, () -> longs(all(new RandomSampler(range(10), true, 40, null))));
        seeded("random_sampler_num_samples", 406, () -> longs(all(new RandomSampler(range(4), false, 10, null))));
        seeded("subset_random_sampler", 407, () -> longs(all(new SubsetRandomSampler(a(3, 5, 7, 9, 11), null))));
        seeded("weighted_sampler", 408, () -> longs(all(new WeightedRandomSampler(new double[] {0.1, 0.9, 0.4, 0.6}, 8, true, null))));
        seeded("weighted_sampler_no_replacement", 409, () -> longs(all(
                new WeightedRandomSampler(new double[] {0.1, 0.9, 0.4, 0.6}, 3, false, null))));
        seeded("dataloader_shuffle", 410, () -> loaderEpochs(null, 4, 2));
        seeded("dataloader_shuffle_gen", 411, () -> loaderEpochs(new Generator(9, Generator.Algorithm.MT19937), 3, 1));
        done();
    }

    /** The indices a shuffling loader of arange(10) gives over {@code epochs}, then one randint(0, 1000) of the default generator. */
    private static Tensor loaderEpochs(Generator generator, int batch, int epochs) {
        DataLoader.Builder<List<Tensor>, List<Tensor>> b = DataLoader.builder(new TensorDataset(Tensor.arange(10L)))
                .batchSize(batch).shuffle(true);
        if (generator != null) {
            b = b.generator(generator);
        }
        DataLoader<List<Tensor>, List<Tensor>> loader = b.build();
        List<Integer> out = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
            for (List<Tensor> x : loader) {
                for (long v : x.get(0).toLongArray()) {
                    out.add((int) v);
                }
            }
        }
        out.add((int) Tensor.randint(0, 1000, 1).toLongArray()[0]);
        return longs(out);
    }
}
