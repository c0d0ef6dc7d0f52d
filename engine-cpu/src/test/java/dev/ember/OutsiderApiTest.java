package dev.ember;

import dev.ember.nn.AvgPool2d;
import dev.ember.nn.BCELoss;
import dev.ember.nn.BCEWithLogitsLoss;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv1d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Conv3d;
import dev.ember.nn.CrossEntropyLoss;
import dev.ember.nn.Embedding;
import dev.ember.nn.Functional;
import dev.ember.nn.HuberLoss;
import dev.ember.nn.Init;
import dev.ember.nn.KLDivLoss;
import dev.ember.nn.L1Loss;
import dev.ember.nn.LSTM;
import dev.ember.nn.Linear;
import dev.ember.nn.MSELoss;
import dev.ember.nn.MaxPool2d;
import dev.ember.nn.Module;
import dev.ember.nn.MultiheadAttention;
import dev.ember.nn.NLLLoss;
import dev.ember.nn.SmoothL1Loss;
import dev.ember.nn.utils.Parametrization;
import dev.ember.nn.utils.Parametrize;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import dev.ember.optim.Optimizer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

import static dev.ember.LossesMoreTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 23's outsider pass: what a PyTorch user reached for while porting programs and did not find, now there, each
 * held to PyTorch's answers ({@code resources/outsider/make_expected.py} wrote {@code outsider.pt} with PyTorch 1.13):
 * the one-dimension overloads of the reductions ({@code x.sum(1, true)}, {@code x.max(1)}, {@code x.argmax(1)},
 * {@code x.std(1)}, {@code torch.flatten(x, 1)}), the losses' default forms and their modules
 * ({@code nn.CrossEntropyLoss()} ...), {@code new Adam(params, lr)} and {@code new AdamW(...)}, the convolutions' and
 * poolings' int constructors, LSTM's seven-argument constructor, {@code Embedding(n, d, paddingIdx)}, attention with a
 * key padding mask only, and the accessors that read a layer's current weight and a batch norm's running statistics.
 * {@code Init.uniform_(t, bound)}, which drew U(-bound, bound) where PyTorch's {@code uniform_(t, a)} draws U(a, 1), is
 * gone from the public API; its PyTorch forms are checked here by their ranges (Ember's random numbers are not
 * PyTorch's).
 */
class OutsiderApiTest {
    private static final OutsiderFixture PT = new OutsiderFixture("outsider", "outsider.pt");

    private static Tensor e(String name) {
        return PT.e(name);
    }

    @Test
    void oneDimensionReductionsAndFlatten() {
        Tensor x = e("x");
        assertClose(e("sum1k"), x.sum(1, true), "x.sum(1, keepdim=True)");
        assertClose(e("meanm1k"), x.mean(-1, true), "x.mean(-1, keepdim=True)");
        assertClose(e("max1_values"), x.max(1).values(), "x.max(1).values");
        assertClose(e("max1_indices"), x.max(1).indices(), "x.max(1).indices");
        assertClose(e("min2_values"), x.min(2).values(), "x.min(2).values");
        assertClose(e("min2_indices"), x.min(2).indices(), "x.min(2).indices");
        assertClose(e("argmax1"), x.argmax(1), "x.argmax(1)");
        assertClose(e("argminm1"), x.argmin(-1), "x.argmin(-1)");
        assertClose(e("std1"), x.std(1), "x.std(1)");
        assertClose(e("var2k"), x.var(2, true), "x.var(2, keepdim=True)");
        assertClose(e("std0k"), x.std(0, true), "x.std(0, keepdim=True)");
        assertClose(e("var0"), x.var(0), "x.var(0)");
        assertClose(e("flatten1"), x.flatten(1), "torch.flatten(x, 1)");
        assertEquals("Dimension out of range (expected to be in range of [-3, 2], but got 3)",
                assertThrows(IndexOutOfBoundsException.class, () -> x.sum(3, true)).getMessage());
    }

    @Test
    void boolConversionAndSeededRandint() {
        assertEquals("tensor([False,  True,  True,  True])",
                Tensor.tensor(new float[] {0f, 2f, -0.5f, Float.NaN}).toBool().toString()); // x.bool(), PyTorch's printout
        Tensor a = Tensor.randint(new Generator(5), 3, 9, 4, 50);
        Tensor b = Tensor.randint(new Generator(5), 3, 9, 4, 50);
        assertEquals(DType.INT64, a.dtype());
        assertEquals(List.of(4, 50), java.util.Arrays.stream(a.shape()).boxed().toList());
        assertTrue(a.equal(b), "the same seed draws the same integers");
        assertTrue(a.min().item() == 3 && a.max().item() == 8, "every value of [3, 9) drawn, none outside");
        assertEquals("random_ expects 'from' to be less than 'to', but got from=2 >= to=2",
                assertThrows(IllegalArgumentException.class, () -> Tensor.randint(new Generator(5), 2, 2, 3)).getMessage());
        assertEquals("randint(): argument 'generator' (position 4) must be torch.Generator, not null",
                assertThrows(IllegalArgumentException.class, () -> Tensor.randint((Generator) null, 0, 2, 3)).getMessage());
    }

    @Test
    void lossesWithPyTorchsDefaults() {
        Tensor logits = e("logits");
        assertClose(e("nll"), Functional.nllLoss(logits.logSoftmax(1), e("target")), "F.nll_loss(log_probs, target)");
        assertClose(e("bce"), Functional.binaryCrossEntropy(e("p"), e("y")), "F.binary_cross_entropy(p, y)");
        assertClose(e("bcelogits"), Functional.binaryCrossEntropyWithLogits(logits, e("y")),
                "F.binary_cross_entropy_with_logits(z, y)");
    }

    /** Each loss module's value and its input's gradient against PyTorch's module. */
    private static void lossModule(String name, BiFunction<Tensor, Tensor, Tensor> criterion, Tensor input, Tensor target,
                                   Function<Tensor, Tensor> before) {
        Tensor in = input.detach().clone().requiresGrad_(true);
        Tensor value = criterion.apply(before.apply(in), target);
        value.backward();
        assertClose(e(name), value.detach(), name);
        assertClose(e(name + "_grad"), in.grad(), name + " gradient");
    }

    @Test
    void lossModulesMatchPyTorchs() {
        Tensor logits = e("logits");
        Tensor target = e("target");
        Tensor tgt = e("tgt");
        Function<Tensor, Tensor> same = t -> t;
        CrossEntropyLoss ce = new CrossEntropyLoss(e("w"), 1, "mean", 0.1);
        lossModule("ce", ce::apply, logits, target, same);
        lossModule("nllmod", new NLLLoss(e("w"), 3, "sum")::apply, logits, target, t -> t.logSoftmax(1));
        lossModule("mse", new MSELoss("sum")::apply, logits, tgt, same);
        lossModule("l1", new L1Loss()::apply, logits, tgt, same);
        lossModule("bcemod", new BCELoss(e("w"), "mean")::apply, e("p"), e("y"), same);
        lossModule("bcewl", new BCEWithLogitsLoss(null, "mean", e("pw"))::apply, logits, e("y"), same);
        lossModule("smoothl1", new SmoothL1Loss("mean", 0.5)::apply, logits, tgt, same);
        lossModule("huber", new HuberLoss("mean", 0.7)::apply, logits, tgt, same);
        lossModule("kldiv", new KLDivLoss("batchmean", true)::apply, logits, tgt.logSoftmax(1), same);
        // PyTorch's buffers, printout and refusal of a forward without a target
        assertEquals(List.of("weight"), List.copyOf(ce.stateDict().keySet()));
        assertEquals(List.of(), List.copyOf(new CrossEntropyLoss().stateDict().keySet()));
        assertEquals(List.of("pos_weight"), List.copyOf(new BCEWithLogitsLoss(null, "mean", e("pw")).stateDict().keySet()));
        assertEquals("MSELoss()", new MSELoss().toString());
        assertEquals("MSELoss.forward() missing 1 required positional argument: 'target'",
                assertThrows(IllegalArgumentException.class, () -> new MSELoss().forward(logits)).getMessage());
        // hooks run around apply, as around PyTorch's criterion(input, target)
        MSELoss mse = new MSELoss();
        mse.registerForwardHook((m, in, out) -> List.of(out.get(0).mul(2)));
        assertClose(Functional.mseLoss(logits, tgt).mul(2), mse.apply(logits, tgt), "a forward hook on MSELoss");
        // the older two-tensor losses share the same base: apply(input, target) and the same refusal
        Tensor sign = tgt.sign();
        assertClose(Functional.softMarginLoss(logits, sign, "mean"), new dev.ember.nn.SoftMarginLoss().apply(logits, sign),
                "SoftMarginLoss.apply");
        assertClose(Functional.hingeEmbeddingLoss(logits, sign, 1.0, "sum"),
                new dev.ember.nn.HingeEmbeddingLoss(1.0, "sum").apply(logits, sign), "HingeEmbeddingLoss.apply");
        assertEquals("PoissonNLLLoss.forward() missing 1 required positional argument: 'target'",
                assertThrows(IllegalArgumentException.class, () -> new dev.ember.nn.PoissonNLLLoss().forward(logits)).getMessage());
        // the losses and distances of three and four tensors are called through apply too, with the hooks
        dev.ember.nn.TripletMarginLoss triplet = new dev.ember.nn.TripletMarginLoss();
        triplet.registerForwardHook((m, in, out) -> List.of(out.get(0).mul(3)));
        Tensor a = logits.narrow(0, 0, 2);
        Tensor p = logits.narrow(0, 2, 2);
        Tensor n = logits.narrow(0, 4, 2);
        assertClose(Functional.tripletMarginLoss(a, p, n).mul(3), triplet.apply(a, p, n), "a forward hook on TripletMarginLoss");
        dev.ember.nn.CosineSimilarity cos = new dev.ember.nn.CosineSimilarity();
        List<Integer> seen = new java.util.ArrayList<>();
        cos.registerForwardPreHook((m, in) -> {
            seen.add(in.size());
            return null;
        });
        assertClose(cos.forward(a, p), cos.apply(a, p), "CosineSimilarity.apply");
        assertEquals(List.of(2), seen);
        assertEquals("nonsense is not a valid value for reduction",
                assertThrows(IllegalArgumentException.class, () -> new L1Loss("nonsense").apply(logits, tgt)).getMessage());
    }

    private static void threeSteps(String name, Function<List<Tensor>, Optimizer> make, String repr) {
        Linear lin = new Linear(4, 3);
        lin.loadStateDict(Map.of("weight", e("lw"), "bias", e("lb")));
        Optimizer opt = make.apply(lin.parameters());
        for (int i = 0; i < 3; i++) {
            opt.zeroGrad();
            Functional.mseLoss(lin.apply(e("xa")), e("ya")).backward();
            opt.step();
        }
        assertClose(e(name + "_weight"), lin.weight().detach(), name + " weight");
        assertClose(e(name + "_bias"), lin.bias().detach(), name + " bias");
        assertEquals(repr, opt.toString().lines().findFirst().orElseThrow(), name + " repr");
    }

    @Test
    void adamAndAdamWConstructorsTrainAsPyTorchs() {
        threeSteps("adamw", ps -> new AdamW(ps, 0.1, 0.9, 0.999, 1e-8, 0.1, false), "AdamW (");
        threeSteps("adamwams", ps -> new AdamW(ps, 0.05, 0.8, 0.9, 1e-6, 0.2, true), "AdamW (");
        threeSteps("adam", ps -> new Adam(ps, 0.1), "Adam (");
        threeSteps("adamfull", ps -> new Adam(ps, 0.05, 0.8, 0.9, 1e-6, 0.2, true), "Adam (");
        // the factories give the same classes
        Tensor p = Tensor.zeros(2).requiresGrad_(true);
        assertTrue(Adam.adamW(List.of(p), 0.1) instanceof AdamW);
        assertEquals(0.01, new AdamW(List.of(p), 0.1).paramGroups().get(0).get("weight_decay"));
        assertEquals(true, new AdamW(List.of(p), 0.1).paramGroups().get(0).get("decoupled_weight_decay"));
        assertEquals("Invalid learning rate: -1.0",
                assertThrows(IllegalArgumentException.class, () -> new AdamW(List.of(p), -1)).getMessage());
    }

    private static <M extends Module> M loaded(M m, String prefix, boolean bias) {
        m.loadStateDict(bias ? Map.of("weight", e(prefix + "_w"), "bias", e(prefix + "_b")) : Map.of("weight", e(prefix + "_w")));
        return m;
    }

    @Test
    void convolutionsAndPoolingsFromInts() {
        Tensor img = e("img");
        Conv2d c = loaded(new Conv2d(3, 4, 3, 2, 1, false), "conv2d", false);
        assertNull(c.bias());
        assertClose(e("conv2d_out"), c.apply(img).detach(), "Conv2d(3, 4, 3, 2, 1, bias=False)");
        assertClose(e("conv2db_out"), loaded(new Conv2d(3, 4, 3, 2, 1), "conv2db", true).apply(img).detach(),
                "Conv2d(3, 4, 3, 2, 1)");
        assertClose(e("conv1d_out"), loaded(new Conv1d(3, 2, 3, 2, 1), "conv1d", true).apply(e("seq")).detach(),
                "Conv1d(3, 2, 3, 2, 1)");
        assertClose(e("conv3d_out"), loaded(new Conv3d(2, 3, 3, 2, 1, false), "conv3d", false).apply(e("vol")).detach(),
                "Conv3d(2, 3, 3, 2, 1, bias=False)");
        assertEquals("Conv2d(3, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)", c.toString());
        assertClose(e("maxpool_3_2_1"), new MaxPool2d(3, 2, 1).apply(img), "MaxPool2d(3, 2, 1)");
        assertClose(e("maxpool_2_1"), new MaxPool2d(2, 1).apply(img), "MaxPool2d(2, 1)");
        assertClose(e("avgpool_3_2_1"), new AvgPool2d(3, 2, 1).apply(img), "AvgPool2d(3, 2, 1)");
        assertClose(e("avgpool_3_2"), new AvgPool2d(3, 2).apply(img), "AvgPool2d(3, 2)");
    }

    @Test
    void lstmSevenArgumentConstructor() {
        LSTM lstm = new LSTM(3, 4, 2, true, true, 0.0, true);
        Map<String, Tensor> state = PT.under("lstm.");
        assertEquals(List.copyOf(state.keySet()), List.copyOf(lstm.stateDict().keySet()));
        lstm.loadStateDict(state);
        RnnOutput out = lstm.apply(e("lstm_in"), null);
        assertClose(e("lstm_out"), out.output().detach(), "LSTM output");
        assertClose(e("lstm_h"), out.h().detach(), "LSTM h");
        assertClose(e("lstm_c"), out.c().detach(), "LSTM c");
    }

    @Test
    void embeddingWithAPaddingIndex() {
        Embedding emb = new Embedding(6, 3, 2);
        assertClose(e("emb_row2"), emb.weight().select(0, 2).detach(), "the padding row at construction");
        emb.loadStateDict(Map.of("weight", e("emb_w")));
        emb.apply(e("emb_idx")).mul(Tensor.arange(1.0, 4.0, 1.0)).sum().backward();
        assertClose(e("emb_grad"), emb.weight().grad(), "the gradient, none in the padding row");
        assertEquals("Embedding(6, 3, padding_idx=2)", emb.toString());
        assertEquals("Padding_idx must be within num_embeddings",
                assertThrows(IllegalArgumentException.class, () -> new Embedding(6, 3, 6)).getMessage());
    }

    @Test
    void attentionWithAKeyPaddingMaskOnly() {
        MultiheadAttention mha = new MultiheadAttention(8, 2, 0.0, true, false, false, null, null, true);
        Map<String, Tensor> state = PT.under("mha.");
        mha.loadStateDict(state);
        MultiheadAttention.Output out = mha.apply(e("mha_q"), e("mha_kv"), e("mha_kv"), e("mha_mask"));
        assertClose(e("mha_out"), out.output().detach(), "attention output");
        assertClose(e("mha_weights"), out.weights().detach(), "attention weights averaged over heads");
        MultiheadAttention.Output direct = mha.forward(e("mha_q"), e("mha_kv"), e("mha_kv"), e("mha_mask"));
        assertClose(e("mha_out"), direct.output().detach(), "attention output without hooks");
    }

    @Test
    void transformerEncoderWithPositionalMasks() {
        dev.ember.nn.TransformerEncoder enc = new dev.ember.nn.TransformerEncoder(
                new dev.ember.nn.TransformerEncoderLayer(8, 2, 16, 0.0, "relu", 1e-5, true, false, true), 2);
        Map<String, Tensor> state = PT.under("enc.");
        enc.loadStateDict(state);
        assertClose(e("enc_out"), enc.apply(e("enc_src"), null, e("enc_pad")).detach(), "encoder(src, None, pad)");
        assertClose(e("enc_layer0_out"), enc.layers.get(0).apply(e("enc_src"), null, e("enc_pad")).detach(),
                "layer(src, None, pad)");
    }

    @Test
    void aListAsADataSet() {
        List<List<Object>> samples = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            samples.add(List.of(Tensor.full(new int[] {2}, (double) i), (long) i));
        }
        dev.ember.data.Dataset<List<Object>> ds = dev.ember.data.Dataset.of(samples);
        int b = 0;
        for (List<Object> batch : dev.ember.data.DataLoader.builder(ds).batchSize(2).build()) {
            assertClose(e("list_batch" + b + "_x"), (Tensor) batch.get(0), "batch " + b + " inputs");
            assertClose(e("list_batch" + b + "_y"), (Tensor) batch.get(1), "batch " + b + " labels");
            b++;
        }
        assertEquals(3, b);
        assertEquals("list index out of range", assertThrows(IndexOutOfBoundsException.class, () -> ds.get(5)).getMessage());
        assertEquals("of(): argument 'samples' must not be null",
                assertThrows(IllegalArgumentException.class, () -> dev.ember.data.Dataset.of(null)).getMessage());
    }

    @Test
    void gradientPenaltyWithParameterHooks() {
        dev.ember.nn.Sequential d = new dev.ember.nn.Sequential(new Linear(3, 8), new dev.ember.nn.Tanh(), new Linear(8, 1));
        Map<String, Tensor> state = PT.under("gp_D.");
        d.loadStateDict(state);
        Tensor x = e("gp_x").clone().requiresGrad_(true);
        List<Boolean> calls = new java.util.ArrayList<>();
        for (Tensor p : d.parameters()) {
            p.registerHook(g -> {
                calls.add(g == null);
                return g.clamp(-0.5, 0.5);
            });
        }
        Tensor out = d.apply(x);
        Tensor g = Autograd.grad(List.of(out.sum()), List.of(x), null, true).get(0);
        // autograd.grad(out, x) does not reach the parameters: their hooks are not called (they were, with null)
        assertEquals(List.of(), calls);
        Tensor gp = g.norm(2, new int[] {1}, false).sub(1).pow(2).mean();
        out.mean().add(gp.mul(10)).backward();
        assertEquals(List.of(false, false, false, false), calls);
        assertClose(e("gp_value"), gp.detach(), "gradient penalty");
        assertClose(e("gp_w0_grad"), ((Linear) d.get(0)).weight().grad(), "first weight's clamped gradient");
        assertClose(e("gp_x_grad"), x.grad(), "the input's gradient");
    }

    /** PyTorch's tutorial parametrization: a symmetric matrix from the upper triangle. */
    static final class Symmetric extends Parametrization {
        @Override
        public Tensor forward(Tensor x) {
            return x.triu(0).add(x.triu(1).transpose(0, 1));
        }
    }

    @Test
    void accessorsReadTheCurrentWeightWhereTheFieldsGoStale() {
        Linear lin = new Linear(3, 3);
        Tensor registered = lin.weight;
        assertSame(registered, lin.weight());
        Tensor replacement = Tensor.ones(3, 3);
        lin.setParameter("weight", replacement);
        assertSame(replacement, lin.weight(), "after setParameter the accessor reads the new weight");
        assertSame(registered, lin.weight, "and the final field keeps the old one, as documented");
        lin.setParameter("bias", null);
        assertNull(lin.bias());

        Linear sym = new Linear(3, 3);
        sym.loadStateDict(Map.of("weight", e("sym_orig"), "bias", Tensor.zeros(3)));
        Parametrize.registerParametrization(sym, "weight", new Symmetric());
        assertClose(e("sym_weight"), sym.weight().detach(), "a parametrized weight");
        assertNotSame(sym.weight, sym.weight());

        BatchNorm2d bn = new BatchNorm2d(3, 1e-5, 0.3);
        bn.apply(e("bn_b1"));
        bn.apply(e("bn_b2"));
        assertClose(e("bn_running_mean"), bn.runningMean(), "running_mean");
        assertClose(e("bn_running_var"), bn.runningVar(), "running_var");
        assertClose(e("bn_num_batches"), bn.numBatchesTracked(), "num_batches_tracked");
        assertSame(bn.getBuffer("running_mean"), bn.runningMean());
        assertNull(new dev.ember.nn.BatchNorm1d(3, 1e-5, 0.1, true, false).runningMean());
    }

    @Test
    void initFormsFillPyTorchsRanges() {
        Ember.manualSeed(23);
        double[] u = Init.uniform_(Tensor.empty(10000), 0.1, 1.0).toDoubleArray();
        double lo = 1;
        double hi = 0;
        for (double v : u) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        // nn.init.uniform_(t, 0.1, 1.0): U(0.1, 1), where the removed uniform_(t, 0.1) drew U(-0.1, 0.1)
        assertTrue(lo >= 0.1 && lo < 0.11 && hi < 1.0 && hi > 0.99, "U(0.1, 1): min " + lo + " max " + hi);
        Tensor unit = Init.uniform_(Tensor.empty(10000));
        assertTrue(unit.min().item() >= 0 && unit.max().item() < 1 && Math.abs(unit.mean().item() - 0.5) < 0.02);
        Tensor n = Init.normal_(Tensor.empty(20000));
        assertTrue(Math.abs(n.mean().item()) < 0.03 && Math.abs(n.std().item() - 1) < 0.03, "N(0, 1)");
        // kaiming_normal_(w, mode="fan_out", nonlinearity="relu"): std sqrt(2 / fan_out), fan_out = 64 * 3 * 3
        Tensor w = Init.kaimingNormal_(Tensor.empty(64, 32, 3, 3), 0, "fan_out", "relu");
        assertEquals(Math.sqrt(2.0 / (64 * 9)), w.std().item(), 0.03 * Math.sqrt(2.0 / (64 * 9)));
        Tensor k = Init.kaimingUniform_(Tensor.empty(64, 32), 0, "fan_in", "relu");
        double bound = Math.sqrt(6.0 / 32);
        assertTrue(k.abs().max().item() <= bound && k.abs().max().item() > 0.95 * bound, "kaiming_uniform_ bound");
        Tensor x = Init.xavierUniform_(Tensor.empty(30, 20), 2.0);
        double xb = 2.0 * Math.sqrt(6.0 / 50);
        assertTrue(x.abs().max().item() <= xb && x.abs().max().item() > 0.9 * xb, "xavier_uniform_ with gain 2");
        Tensor xn = Init.xavierNormal_(Tensor.empty(300, 200), 0.5);
        assertEquals(0.5 * Math.sqrt(2.0 / 500), xn.std().item(), 0.03 * 0.5 * Math.sqrt(2.0 / 500));
        Tensor tn = Init.truncNormal_(Tensor.empty(20000), 0, 0.02);
        assertTrue(tn.abs().max().item() < 0.2 && Math.abs(tn.std().item() - 0.02) < 0.001, "trunc_normal_(std=0.02)");
        Tensor tb = Init.truncNormal_(Tensor.empty(20000), 0, 1, -0.5, 0.5);
        assertTrue(tb.abs().max().item() <= 0.5 && tb.abs().max().item() > 0.49, "trunc_normal_ to [-0.5, 0.5]");
        Tensor frozen = Tensor.zeros(3).requiresGrad_(true);
        Init.uniform_(frozen, -1, 1);
        assertNull(frozen.gradFn(), "no history on a parameter");
        assertEquals("uniform_ expects to return a [from, to) range, but found from=1 > to=-1",
                assertThrows(IllegalArgumentException.class, () -> Init.uniform_(Tensor.zeros(3), 1, -1)).getMessage());
    }
}
