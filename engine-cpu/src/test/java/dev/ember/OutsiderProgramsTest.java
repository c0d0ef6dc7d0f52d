package dev.ember;

import dev.ember.distributions.Independent;
import dev.ember.distributions.KL;
import dev.ember.distributions.Normal;
import dev.ember.nn.AdaptiveAvgPool2d;
import dev.ember.nn.BCEWithLogitsLoss;
import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Embedding;
import dev.ember.nn.Functional;
import dev.ember.nn.LSTM;
import dev.ember.nn.LeakyReLU;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.Module2;
import dev.ember.nn.GRU;
import dev.ember.nn.Init;
import dev.ember.nn.MultiheadAttention;
import dev.ember.nn.RNN;
import dev.ember.nn.TransformerDecoderLayer;
import dev.ember.nn.Module3;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Transformer;
import dev.ember.nn.utils.Parametrizations;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.TorchSerialization;
import dev.ember.nn.TransformerEncoder;
import dev.ember.nn.TransformerEncoderLayer;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.nn.utils.PackedRnnOutput;
import dev.ember.nn.utils.PackedSequence;
import dev.ember.nn.utils.Rnn;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import dev.ember.optim.CosineAnnealingLR;
import dev.ember.optim.LambdaLR;
import dev.ember.optim.LinearLR;
import dev.ember.optim.ReduceLROnPlateau;
import dev.ember.optim.SequentialLR;
import dev.ember.optim.MultiStepLR;
import dev.ember.optim.OneCycleLR;
import dev.ember.optim.SGD;
import dev.ember.optim.StepLR;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.ember.LossesMoreTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 24's third outsider pass: five programs written as a PyTorch user writes them, from README, Javadoc and the
 * public API only, trained for a few steps from PyTorch's initial weights and held to PyTorch's losses, gradients and
 * outputs ({@code resources/outsiderprograms/make_expected.py} wrote {@code programs.pt} and {@code lstm_ckpt.pt} with
 * PyTorch 1.13): a small ResNet (BasicBlocks with BatchNorm2d and 1x1 downsampling, AdaptiveAvgPool2d, SGD with nesterov
 * momentum and weight decay, MultiStepLR, eval outputs); a character LSTM language model (Embedding with a padding index,
 * packed sequences of different lengths, clip_grad_norm_, Adam, StepLR, a checkpoint of model, optimizer and scheduler
 * in the middle, Ember's own and PyTorch's); a VAE (Independent Normals, kl_divergence, log_prob, BCEWithLogits) and a
 * GAN (two optimizers, detach, zero_grad(set_to_none)); fine-tuning (a frozen layer, a BatchNorm kept in eval, AdamW
 * with two groups, OneCycleLR, gradient accumulation, no_grad evaluation); a TransformerEncoder classifier with a key
 * padding mask in training and in eval. The models of several inputs are {@link Module2}s.
 */
class OutsiderProgramsTest {
    private static final OutsiderFixture PT = new OutsiderFixture("outsiderprograms", "programs.pt");

    private static Path resource(String name) {
        return PT.resource(name);
    }

    private static Tensor e(String name) {
        return PT.e(name);
    }

    private static <M extends Module> M loaded(M m, String prefix, DType dtype) {
        return PT.loaded(m, prefix, dtype);
    }

    private static Tensor values(List<Double> xs, DType dtype) {
        return OutsiderFixture.values(xs, dtype);
    }

    // ------------------------------------------------------------------ 1. ResNet

    static final class BasicBlock extends Module {
        final Conv2d conv1;
        final BatchNorm2d bn1;
        final Conv2d conv2;
        final BatchNorm2d bn2;
        final Sequential downsample;

        /** torchvision's form: {@code out += identity; out = self.relu(out)} with {@code nn.ReLU(inplace=True)}. */
        boolean inplace;

        BasicBlock(int cin, int cout, int stride) {
            conv1 = registerModule("conv1", new Conv2d(cin, cout, 3, stride, 1, false));
            bn1 = registerModule("bn1", new BatchNorm2d(cout));
            conv2 = registerModule("conv2", new Conv2d(cout, cout, 3, 1, 1, false));
            bn2 = registerModule("bn2", new BatchNorm2d(cout));
            downsample = registerModule("downsample", stride != 1 || cin != cout
                    ? new Sequential(new Conv2d(cin, cout, 1, stride, 0, false), new BatchNorm2d(cout)) : null);
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor identity = downsample == null ? x : downsample.apply(x);
            if (inplace) {
                Tensor out = Functional.relu(bn1.apply(conv1.apply(x)), true);
                out = bn2.apply(conv2.apply(out));
                out.add_(identity);
                return Functional.relu(out, true);
            }
            Tensor out = Functional.relu(bn1.apply(conv1.apply(x)));
            out = bn2.apply(conv2.apply(out));
            return Functional.relu(out.add(identity));
        }
    }

    static final class ResNet extends Module {
        final Conv2d conv1 = registerModule("conv1", new Conv2d(3, 8, 3, 1, 1, false));
        final BatchNorm2d bn1 = registerModule("bn1", new BatchNorm2d(8));
        final BasicBlock layer1 = registerModule("layer1", new BasicBlock(8, 8, 1));
        final BasicBlock layer2 = registerModule("layer2", new BasicBlock(8, 16, 2));
        final AdaptiveAvgPool2d avgpool = registerModule("avgpool", new AdaptiveAvgPool2d(1));
        final Linear fc = registerModule("fc", new Linear(16, 5));

        @Override
        public Tensor forward(Tensor x) {
            x = Functional.relu(bn1.apply(conv1.apply(x)));
            x = layer2.apply(layer1.apply(x));
            return fc.apply(avgpool.apply(x).flatten(1));
        }
    }

    @Test
    void resnetWithNesterovSgdAndMultiStepLr() {
        resnet(false);
    }

    @Test
    void resnetTorchvisionStyleInPlace() {
        resnet(true);
    }

    private static void resnet(boolean inplace) {
        ResNet net = loaded(new ResNet(), "resnet.", DType.FLOAT64);
        net.layer1.inplace = inplace;
        net.layer2.inplace = inplace;
        assertNull(net.layer1.downsample);
        Tensor x = e("resnet_x"), y = e("resnet_y");
        SGD opt = new SGD(net.parameters(), 0.1, 0.9, 0, 5e-4, true);
        MultiStepLR sched = new MultiStepLR(opt, List.of(2, 4), 0.1);
        List<Double> losses = new ArrayList<>(), lrs = new ArrayList<>();
        for (int step = 0; step < 5; step++) {
            opt.zeroGrad();
            Tensor loss = Functional.crossEntropy(net.apply(x), y);
            loss.backward();
            opt.step();
            sched.step();
            losses.add(loss.item());
            lrs.add(sched.getLastLr()[0]);
        }
        assertClose(e("resnet_loss"), values(losses, DType.FLOAT64), "loss", 100);
        assertClose(e("resnet_lr"), values(lrs, DType.FLOAT64), "lr");
        assertClose(e("resnet_fc_grad"), net.fc.weight().grad(), "fc grad", 1000);
        assertClose(e("resnet_conv1_grad"), net.layer2.downsample.get(0, Conv2d.class).weight().grad(), "downsample grad",
                1000);
        assertClose(e("resnet_bn_mean"), net.layer2.downsample.get(1, BatchNorm2d.class).runningMean(), "running mean", 100);
        assertClose(e("resnet_bn_var"), net.layer2.bn2.runningVar(), "running var", 100);
        net.eval();
        try (GradMode g = Ember.noGrad()) {
            assertClose(e("resnet_eval"), net.apply(x), "eval output", 1000);
        }
    }

    // ------------------------------------------------------------------ 2. LSTM language model with a checkpoint

    static final class CharLM extends Module2<Tensor> {
        final Embedding emb = registerModule("emb", new Embedding(10, 6, 0));
        final LSTM lstm = registerModule("lstm", new LSTM(6, 12, 2, true, true, 0.0, false));
        final Linear head = registerModule("head", new Linear(12, 10));

        @Override
        public Tensor forward(Tensor tokens, Tensor lengths) {
            PackedSequence packed = Rnn.packPaddedSequence(emb.apply(tokens), lengths, true, false);
            PackedSequence h = lstm.apply(packed).output();
            return head.apply(Rnn.padPackedSequence(h, true, 0.0, (int) tokens.size(1)).output());
        }
    }

    /** The LSTM program's state: the model, its optimizer and its scheduler. */
    private record Lm(CharLM model, Adam opt, StepLR sched) {
        static Lm fresh() {
            CharLM m = loaded(new CharLM(), "lm.", DType.FLOAT64);
            Adam opt = new Adam(m.parameters(), 0.02);
            return new Lm(m, opt, new StepLR(opt, 2, 0.5));
        }

        /** One training step; adds the loss and the gradient norm before clipping. */
        void step(List<Double> losses, List<Double> norms) {
            Tensor tokens = e("lm_tokens"), lengths = e("lm_lengths");
            Tensor inp = tokens.narrow(1, 0, 8), tgt = tokens.narrow(1, 1, 8);
            opt.zeroGrad();
            Tensor logits = model.apply(inp, lengths);
            Tensor loss = Functional.crossEntropy(logits.reshape(-1, 10), tgt.reshape(-1), 0);
            loss.backward();
            norms.add(ClipGrad.clipGradNorm_(model.parameters(), 0.5).item());
            opt.step();
            sched.step();
            losses.add(loss.item());
        }

        Map<String, Object> checkpoint() {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("model", model.stateDict());
            c.put("optimizer", opt.stateDict());
            c.put("scheduler", sched.stateDict());
            return c;
        }

        @SuppressWarnings("unchecked")
        void restore(Map<String, Object> c) {
            model.loadStateDict((Map<String, Tensor>) c.get("model"));
            opt.loadStateDict((Map<String, Object>) c.get("optimizer"));
            sched.loadStateDict((Map<String, Object>) c.get("scheduler"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void lstmLanguageModelWithCheckpointRoundTrip(@TempDir Path dir) throws Exception {
        Lm straight = Lm.fresh();
        List<Double> losses = new ArrayList<>(), norms = new ArrayList<>();
        for (int step = 0; step < 6; step++) {
            straight.step(losses, norms);
        }
        assertClose(e("lm_loss"), values(losses, DType.FLOAT64), "loss", 100);
        assertClose(e("lm_norm"), values(norms, DType.FLOAT64), "grad norm", 100);
        assertClose(e("lm_head_weight"), straight.model.head.weight(), "head weight", 1000);
        assertClose(e("lm_emb_weight"), straight.model.emb.weight(), "embedding", 1000);
        assertEquals(0.0, straight.model.emb.weight().select(0, 0).abs().sum().item(), "the padding row stays zero");
        assertClose(e("lm_lstm_grad"), straight.model.lstm.getParameter("weight_hh_l1").grad(), "lstm grad", 1000);

        // three steps, a checkpoint written by Ember, fresh objects loading it, three more: the same numbers
        Lm first = Lm.fresh();
        List<Double> l2 = new ArrayList<>(), n2 = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            first.step(l2, n2);
        }
        Path file = dir.resolve("ckpt.pt");
        TorchSerialization.save(first.checkpoint(), file);
        Lm resumed = Lm.fresh();
        resumed.restore((Map<String, Object>) TorchSerialization.load(file));
        for (int step = 3; step < 6; step++) {
            resumed.step(l2, n2);
        }
        assertEquals(losses, l2, "losses after Ember's checkpoint");
        assertEquals(norms, n2, "norms after Ember's checkpoint");
        assertTrue(straight.model.head.weight().equal(resumed.model.head.weight()), "weights after Ember's checkpoint");

        // PyTorch's own checkpoint after its third step, loaded into fresh objects: PyTorch's last three steps
        Lm fromTorch = Lm.fresh();
        fromTorch.restore((Map<String, Object>) TorchSerialization.load(resource("lstm_ckpt.pt")));
        List<Double> l3 = new ArrayList<>(), n3 = new ArrayList<>();
        for (int step = 3; step < 6; step++) {
            fromTorch.step(l3, n3);
        }
        assertClose(e("lm_loss").narrow(0, 3, 3), values(l3, DType.FLOAT64), "loss after PyTorch's checkpoint", 100);
        assertClose(e("lm_head_weight"), fromTorch.model.head.weight(), "head weight after PyTorch's checkpoint", 1000);
    }

    // ------------------------------------------------------------------ 2b. truncated BPTT

    /** The TBPTT model's result, as PyTorch's {@code logits, h, c = model(x, h, c)}. */
    record TbOut(Tensor logits, Tensor h, Tensor c) {
    }

    static final class Tbptt extends Module3<TbOut> {
        final Embedding emb = registerModule("emb", new Embedding(10, 5));
        final LSTM lstm = registerModule("lstm", new LSTM(5, 8, 2, true, true, 0.0, false, 4));
        final Linear head = registerModule("head", new Linear(4, 10));

        @Override
        public TbOut forward(Tensor tokens, Tensor h, Tensor c) {
            RnnOutput r = lstm.apply(emb.apply(tokens), new LstmState(h, c));
            return new TbOut(head.apply(r.output()), r.h(), r.c());
        }
    }

    @Test
    void truncatedBpttWithDetachedStateClipValueAndLambdaLr() {
        Tbptt tb = loaded(new Tbptt(), "tb.", DType.FLOAT64);
        Tensor stream = e("tb_stream");
        SGD opt = new SGD(tb.parameters(), 0.5, 0.8, 0.3, 0, false);
        LambdaLR sched = new LambdaLR(opt, k -> 1.0 / (1 + k));
        Tensor h = Tensor.zeros(DType.FLOAT64, 2, 3, 4), c = Tensor.zeros(DType.FLOAT64, 2, 3, 8);
        List<Double> losses = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            Tensor x = stream.narrow(1, 5 * k, 5), y = stream.narrow(1, 5 * k + 1, 5);
            h = h.detach();
            c = c.detach();
            opt.zeroGrad();
            TbOut o = tb.apply(x, h, c);
            h = o.h();
            c = o.c();
            Tensor loss = Functional.crossEntropy(o.logits().transpose(1, 2), y);
            loss.backward();
            ClipGrad.clipGradValue_(tb.parameters(), 0.05);
            opt.step();
            sched.step();
            losses.add(loss.item());
        }
        assertClose(e("tb_loss"), values(losses, DType.FLOAT64), "loss", 100);
        assertClose(e("tb_h"), h, "h", 1000);
        assertClose(e("tb_c"), c, "c", 1000);
        assertClose(e("tb_proj_weight"), tb.lstm.getParameter("weight_hr_l1"), "projection weight", 1000);
    }

    @Test
    void packedUnsortedEncodersWithInitialStates() {
        GRU gru = loaded(new GRU(3, 5, 2, true, true, 0.0, true), "pk_gru.", DType.FLOAT64);
        LSTM lstm = loaded(new LSTM(3, 6, 1, true, true, 0.0, true, 2), "pk_lstm.", DType.FLOAT64);
        Tensor h0 = e("pk_h0").clone().requiresGrad_(true);
        Tensor hl0 = e("pk_hl0").clone().requiresGrad_(true), cl0 = e("pk_cl0").clone().requiresGrad_(true);
        PackedSequence packed = Rnn.packPaddedSequence(e("pk_x"), e("pk_len"), true, false);
        PackedRnnOutput g = gru.apply(packed, h0);
        PackedRnnOutput l = lstm.apply(packed, new LstmState(hl0, cl0));
        Tensor og = Rnn.padPackedSequence(g.output(), true, 0.0, null).output();
        Tensor ol = Rnn.padPackedSequence(l.output(), true, 0.0, null).output();
        og.pow(2).sum().add(g.h().sum()).add(ol.pow(2).sum()).add(l.h().sum()).add(l.c().pow(2).sum()).backward();
        assertClose(e("pk_og"), og.detach(), "GRU output", 100);
        assertClose(e("pk_hg"), g.h().detach(), "GRU h_n", 100);
        assertClose(e("pk_ol"), ol.detach(), "LSTM output", 100);
        assertClose(e("pk_hl"), l.h().detach(), "LSTM h_n", 100);
        assertClose(e("pk_cl"), l.c().detach(), "LSTM c_n", 100);
        assertClose(e("pk_h0_grad"), h0.grad(), "GRU h0 grad", 1000);
        assertClose(e("pk_hl0_grad"), hl0.grad(), "LSTM h0 grad", 1000);
        assertClose(e("pk_cl0_grad"), cl0.grad(), "LSTM c0 grad", 1000);
    }

    // ------------------------------------------------------------------ 3. VAE and GAN

    /** The VAE's forward result, as PyTorch's tuple {@code (logits, mu, std, z)}. */
    record VaeOut(Tensor logits, Tensor mu, Tensor std, Tensor z) {
    }

    static final class Vae extends Module2<VaeOut> {
        final Sequential enc = registerModule("enc", new Sequential(new Linear(12, 16), new ReLU(), new Linear(16, 6)));
        final Sequential dec = registerModule("dec", new Sequential(new Linear(3, 16), new ReLU(), new Linear(16, 12)));

        @Override
        public VaeOut forward(Tensor x, Tensor eps) {
            List<Tensor> h = enc.apply(x).chunk(2, 1);
            Tensor mu = h.get(0), std = h.get(1).mul(0.5).exp();
            Tensor z = mu.add(std.mul(eps));
            return new VaeOut(dec.apply(z), mu, std, z);
        }
    }

    @Test
    void vaeWithIndependentNormalsInFloat32() {
        Vae vae = loaded(new Vae(), "vae.", DType.FLOAT32);
        Tensor x = e("vae_x"), eps = e("vae_eps");
        BCEWithLogitsLoss bce = new BCEWithLogitsLoss(null, "none", null);
        Adam opt = new Adam(vae.parameters(), 0.01);
        List<Double> rec = new ArrayList<>(), kl = new ArrayList<>(), mc = new ArrayList<>();
        for (int step = 0; step < 5; step++) {
            VaeOut o = vae.apply(x, eps.select(0, step));
            Independent q = new Independent(new Normal(o.mu(), o.std()), 1);
            Independent p = new Independent(new Normal(o.mu().zerosLike(), o.std().onesLike()), 1);
            Tensor r = bce.apply(o.logits(), x).sum(1).mean();
            Tensor k = KL.klDivergence(q, p).mean();
            Tensor m = q.logProb(o.z()).sub(p.logProb(o.z())).mean();
            opt.zeroGrad();
            r.add(k).backward();
            opt.step();
            rec.add(r.item());
            kl.add(k.item());
            mc.add(m.item());
        }
        assertClose(e("vae_rec"), values(rec, DType.FLOAT32), "reconstruction", 10);
        assertClose(e("vae_kl"), values(kl, DType.FLOAT32), "kl", 10);
        assertClose(e("vae_mc"), values(mc, DType.FLOAT32), "monte carlo kl", 10);
        assertClose(e("vae_enc_grad"), vae.enc.get(0, Linear.class).weight().grad(), "encoder grad", 30);
        assertClose(e("vae_dec_weight"), vae.dec.get(2, Linear.class).weight(), "decoder weight", 10);
    }

    @Test
    void ganWithTwoOptimizersDetachAndSetToNone() {
        Sequential g = loaded(new Sequential(new Linear(4, 16), new ReLU(), new Linear(16, 2)), "gan_g.", DType.FLOAT64);
        Sequential d = loaded(new Sequential(new Linear(2, 16), new LeakyReLU(0.2), new Linear(16, 1)), "gan_d.",
                DType.FLOAT64);
        Tensor real = e("gan_real"), noise = e("gan_noise");
        BCEWithLogitsLoss crit = new BCEWithLogitsLoss();
        Adam optG = new Adam(g.parameters(), 0.005, 0.5, 0.999, 1e-8, 0, false);
        Adam optD = new Adam(d.parameters(), 0.005, 0.5, 0.999, 1e-8, 0, false);
        Tensor ones = Tensor.ones(DType.FLOAT64, 8, 1), zeros = Tensor.zeros(DType.FLOAT64, 8, 1);
        List<Double> dl = new ArrayList<>(), gl = new ArrayList<>();
        for (int step = 0; step < 5; step++) {
            Tensor fake = g.apply(noise.select(0, step));
            optD.zeroGrad(true);
            assertNull(d.get(0, Linear.class).weight().grad(), "zero_grad(set_to_none=True)");
            Tensor gGrad = g.get(0, Linear.class).weight().grad();
            Tensor gGradBefore = gGrad == null ? null : gGrad.clone();
            Tensor lossD = crit.apply(d.apply(real), ones).add(crit.apply(d.apply(fake.detach()), zeros));
            lossD.backward();
            gGrad = g.get(0, Linear.class).weight().grad();
            assertTrue(gGradBefore == null ? gGrad == null : gGradBefore.equal(gGrad), "detach() kept G out of D's backward");
            optD.step();
            optG.zeroGrad(true);
            Tensor lossG = crit.apply(d.apply(fake), ones);
            lossG.backward();
            optG.step();
            dl.add(lossD.item());
            gl.add(lossG.item());
        }
        assertClose(e("gan_d_loss"), values(dl, DType.FLOAT64), "D loss", 100);
        assertClose(e("gan_g_loss"), values(gl, DType.FLOAT64), "G loss", 100);
        assertClose(e("gan_d_grad"), d.get(0, Linear.class).weight().grad(), "D grad", 1000);
        assertClose(e("gan_g_weight"), g.get(2, Linear.class).weight(), "G weight", 1000);
    }

    @Test
    void ganWithSpectralNormAndBatchNorm() {
        Sequential g = loaded(new Sequential(new Linear(4, 16), new BatchNorm1d(16), new ReLU(), new Linear(16, 2)),
                "sn_g.", DType.FLOAT64);
        Linear d0 = Parametrizations.spectralNorm(new Linear(2, 16));   // typed: the module itself, as PyTorch returns it
        Sequential d = new Sequential(d0, new LeakyReLU(0.2), Parametrizations.spectralNorm(new Linear(16, 1)));
        loaded(d, "sn_d.", DType.FLOAT64);
        Tensor real = e("gan_real"), noise = e("sn_noise");
        Adam optG = new Adam(g.parameters(), 0.005, 0.5, 0.999, 1e-8, 0, false);
        Adam optD = new Adam(d.parameters(), 0.005, 0.5, 0.999, 1e-8, 0, false);
        List<Double> dl = new ArrayList<>(), gl = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            Tensor fake = g.apply(noise.select(0, step));
            optD.zeroGrad();
            Tensor lossD = Functional.softplus(d.apply(real).neg()).mean()
                    .add(Functional.softplus(d.apply(fake.detach())).mean());
            lossD.backward();
            optD.step();
            optG.zeroGrad();
            Tensor lossG = Functional.softplus(d.apply(fake).neg()).mean();
            lossG.backward();
            optG.step();
            dl.add(lossD.item());
            gl.add(lossG.item());
        }
        assertClose(e("sn_d_loss"), values(dl, DType.FLOAT64), "D loss", 100);
        assertClose(e("sn_g_loss"), values(gl, DType.FLOAT64), "G loss", 100);
        d.eval();
        try (GradMode gm = Ember.noGrad()) {
            assertClose(e("sn_d_eval"), d.apply(real), "D eval", 1000);
            assertClose(e("sn_d_weight"), d0.weight(), "normalized weight", 1000);
        }
    }

    // ------------------------------------------------------------------ 4. fine-tuning

    static final class Finetune extends Module {
        final Sequential backbone = registerModule("backbone", new Sequential(new Linear(6, 16), new BatchNorm1d(16),
                new ReLU(), new Linear(16, 16), new ReLU()));
        final Linear head = registerModule("head", new Linear(16, 3));

        @Override
        public Tensor forward(Tensor x) {
            return head.apply(backbone.apply(x));
        }
    }

    @Test
    void fineTuningWithFrozenLayerTwoGroupsOneCycleAndAccumulation() {
        Finetune ft = loaded(new Finetune(), "ft.", DType.FLOAT64);
        Tensor frozen = ft.backbone.get(0, Linear.class).weight().clone();
        ft.backbone.get(0).requiresGrad_(false);
        Tensor xs = e("ft_x"), ys = e("ft_y"), xv = e("ft_xv");
        AdamW opt = new AdamW(ft.backbone.get(3).parameters(), 1e-3, 0.9, 0.999, 1e-8, 0.05, false);
        opt.addParamGroup(ft.head.parameters(), Map.of("lr", 1e-2));
        OneCycleLR sched = new OneCycleLR(opt, new double[] {0.004, 0.04}, 4, 0.3, "cos", true, 0.85, 0.95, 25.0, 1e4,
                false);
        List<Double> losses = new ArrayList<>(), lr0 = new ArrayList<>(), lr1 = new ArrayList<>(), beta = new ArrayList<>();
        for (int step = 0; step < 4; step++) {
            ft.train();
            ft.backbone.get(1).eval();
            double total = 0;
            for (int micro = 0; micro < 2; micro++) {
                Tensor loss = Functional.crossEntropy(ft.apply(xs.select(0, step).select(0, micro)),
                        ys.select(0, step).select(0, micro)).div(2);
                loss.backward();
                total += loss.item();
            }
            opt.step();
            sched.step();
            opt.zeroGrad();
            losses.add(total);
            lr0.add(opt.paramGroups().get(0).lr());
            lr1.add(opt.paramGroups().get(1).lr());
            beta.add((Double) ((List<?>) opt.paramGroups().get(1).get("betas")).get(0));
            ft.eval();
            try (GradMode g = Ember.noGrad()) {
                assertClose(e("ft_eval" + step), ft.apply(xv), "eval after step " + step, 100);
            }
        }
        assertClose(e("ft_loss"), values(losses, DType.FLOAT64), "loss", 100);
        assertClose(e("ft_lr0"), values(lr0, DType.FLOAT64), "group 0 lr");
        assertClose(e("ft_lr1"), values(lr1, DType.FLOAT64), "group 1 lr");
        assertClose(e("ft_beta1"), values(beta, DType.FLOAT64), "group 1 beta1");
        assertClose(e("ft_backbone3_weight"), ft.backbone.get(3, Linear.class).weight(), "backbone weight", 1000);
        assertClose(e("ft_head_weight"), ft.head.weight(), "head weight", 1000);
        assertTrue(frozen.equal(ft.backbone.get(0, Linear.class).weight()), "the frozen layer did not move");
        assertNull(ft.backbone.get(0, Linear.class).weight().grad(), "the frozen layer has no gradient");
    }

    @Test
    void fineTuningWithEveryParameterGivenAndLambdaPerGroup() {
        Finetune ft = loaded(new Finetune(), "ft2.", DType.FLOAT64);
        ft.backbone.requiresGrad_(false);
        ft.backbone.get(3).requiresGrad_(true);
        Tensor xs = e("ft_x"), ys = e("ft_y");
        AdamW opt = new AdamW(ft.backbone.parameters(), 1e-3, 0.9, 0.999, 1e-8, 0.1, false);
        opt.addParamGroup(ft.head.parameters(), Map.of("lr", 1e-2));
        LambdaLR sched = new LambdaLR(opt, List.of(k -> Math.pow(0.5, k), k -> 1.0 / (1 + k)));
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            ft.train();
            opt.zeroGrad();
            Tensor loss = Functional.crossEntropy(ft.apply(xs.select(0, step).select(0, 0)), ys.select(0, step).select(0, 0));
            loss.backward();
            opt.step();
            sched.step();
            losses.add(loss.item());
        }
        assertClose(e("ft2_loss"), values(losses, DType.FLOAT64), "loss", 100);
        assertClose(e("ft2_bn_mean"), ft.backbone.get(1, BatchNorm1d.class).runningMean(), "running mean", 100);
        assertClose(e("ft2_w0"), ft.backbone.get(0, Linear.class).weight(), "frozen weight (no decay)");
        assertClose(e("ft2_w3"), ft.backbone.get(3, Linear.class).weight(), "backbone weight", 1000);
        assertClose(e("ft2_head"), ft.head.weight(), "head weight", 1000);
    }

    @Test
    @SuppressWarnings("unchecked")
    void fineTuningCheckpointMidOneCycle(@TempDir Path dir) throws Exception {
        // the fine-tuning run with a checkpoint (model, AdamW with betas cycled by OneCycleLR, the schedule) after two of
        // its four steps, restored into fresh objects: PyTorch's numbers, as the run that never stopped
        Finetune ft = null;
        AdamW opt = null;
        OneCycleLR sched = null;
        List<Double> losses = new ArrayList<>(), beta = new ArrayList<>();
        Tensor xs = e("ft_x"), ys = e("ft_y");
        for (int step = 0; step < 4; step++) {
            if (step == 0 || step == 2) {
                Map<String, Object> saved = null;
                if (step == 2) {
                    Map<String, Object> c = new LinkedHashMap<>();
                    c.put("model", ft.stateDict());
                    c.put("optimizer", opt.stateDict());
                    c.put("scheduler", sched.stateDict());
                    TorchSerialization.save(c, dir.resolve("ft.pt"));
                    saved = (Map<String, Object>) TorchSerialization.load(dir.resolve("ft.pt"));
                }
                ft = loaded(new Finetune(), "ft.", DType.FLOAT64);
                ft.backbone.get(0).requiresGrad_(false);
                opt = new AdamW(ft.backbone.get(3).parameters(), 1e-3, 0.9, 0.999, 1e-8, 0.05, false);
                opt.addParamGroup(ft.head.parameters(), Map.of("lr", 1e-2));
                sched = new OneCycleLR(opt, new double[] {0.004, 0.04}, 4, 0.3, "cos", true, 0.85, 0.95, 25.0, 1e4, false);
                if (saved != null) {
                    ft.loadStateDict((Map<String, Tensor>) saved.get("model"));
                    opt.loadStateDict((Map<String, Object>) saved.get("optimizer"));
                    sched.loadStateDict((Map<String, Object>) saved.get("scheduler"));
                }
            }
            ft.train();
            ft.backbone.get(1).eval();
            double total = 0;
            for (int micro = 0; micro < 2; micro++) {
                Tensor loss = Functional.crossEntropy(ft.apply(xs.select(0, step).select(0, micro)),
                        ys.select(0, step).select(0, micro)).div(2);
                loss.backward();
                total += loss.item();
            }
            opt.step();
            sched.step();
            opt.zeroGrad();
            losses.add(total);
            beta.add((Double) ((List<?>) opt.paramGroups().get(1).get("betas")).get(0));
        }
        assertClose(e("ft_loss"), values(losses, DType.FLOAT64), "loss", 100);
        assertClose(e("ft_beta1"), values(beta, DType.FLOAT64), "group 1 beta1");
        assertClose(e("ft_head_weight"), ft.head.weight(), "head weight", 1000);
    }

    // ------------------------------------------------------------------ 5. TransformerEncoder classifier

    static final class Classifier extends Module {
        final Embedding emb = registerModule("emb", new Embedding(12, 16, 0));
        final Tensor pos = registerParameter("pos", Tensor.empty(1, 7, 16));
        final TransformerEncoder encoder = registerModule("encoder",
                new TransformerEncoder(new TransformerEncoderLayer(16, 4, 32, 0.0, true), 2));
        final Linear head = registerModule("head", new Linear(16, 3));

        Classifier() {
            Init.truncNormal_(pos, 0.02);
        }

        Tensor features(Tensor tokens, Tensor pad) {
            return encoder.apply(emb.apply(tokens).add(pos.narrow(1, 0, (int) tokens.size(1))), null, pad);
        }

        @Override
        public Tensor forward(Tensor tokens) {
            Tensor pad = tokens.eq(0);
            Tensor h = features(tokens, pad);
            Tensor keep = pad.logicalNot().unsqueeze(-1).to(h.dtype());
            return head.apply(h.mul(keep).sum(1).div(keep.sum(1)));
        }
    }

    private static void transformerClassifier(String name, DType dtype, double loose) {
        Classifier clf = loaded(new Classifier(), name + ".", dtype);
        Tensor tokens = e(name + "_tokens"), labels = e(name + "_labels");
        Adam opt = new Adam(clf.parameters(), 0.01);
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            opt.zeroGrad();
            Tensor loss = Functional.crossEntropy(clf.apply(tokens), labels);
            loss.backward();
            opt.step();
            losses.add(loss.item());
        }
        assertClose(e(name + "_loss").to(dtype), values(losses, dtype), name + " loss", loose * 100);
        assertClose(e(name + "_pos_grad"), clf.pos.grad(), name + " pos grad", loose * 1000);
        clf.eval();
        assertClose(e(name + "_eval_logits"), clf.apply(tokens).detach(), name + " eval logits", loose * 100);
        // Ember has one path: at padded positions the values of PyTorch's general path (its fast path gives zeros)
        assertClose(e(name + "_eval_features"), clf.features(tokens, tokens.eq(0)).detach(), name + " eval features",
                loose * 100);
        try (GradMode g = Ember.noGrad()) {
            assertClose(e(name + "_eval_logits_nograd"), clf.apply(tokens), name + " no-grad eval logits", loose * 100);
        }
    }

    @Test
    void transformerClassifierWithKeyPaddingMaskFloat64() {
        transformerClassifier("tf64", DType.FLOAT64, 1);
    }

    @Test
    void transformerClassifierWithKeyPaddingMaskFloat32() {
        transformerClassifier("tf32", DType.FLOAT32, 10);
    }
    @Test
    void preNormGeluEncoderWithCausalAndPaddingMasks() {
        TransformerEncoder enc = loaded(new TransformerEncoder(new TransformerEncoderLayer(8, 2, 16, 0.0, "gelu", 1e-5,
                true, true, true), 2, new LayerNorm(8)), "pre.", DType.FLOAT64);
        Tensor src = e("pre_src"), pad = e("pre_pad");
        Tensor causal = Transformer.generateSquareSubsequentMask(5).to(DType.FLOAT64);
        Tensor keep = pad.logicalNot().unsqueeze(-1);
        Adam opt = new Adam(enc.parameters(), 0.01);
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < 2; step++) {
            opt.zeroGrad();
            Tensor y = enc.apply(src, causal, pad);
            Tensor loss = y.mul(keep).pow(2).sum();
            loss.backward();
            opt.step();
            losses.add(loss.item());
        }
        assertClose(e("pre_loss"), values(losses, DType.FLOAT64), "loss", 100);
        assertClose(e("pre_grad"), enc.layers.get(0).selfAttn.getParameter("in_proj_weight").grad(), "in_proj grad", 1000);
        enc.eval();
        assertClose(e("pre_eval"), enc.apply(src, causal, pad).detach(), "eval output", 1000);
    }
    @Test
    void encoderLayerWithAFullyPaddedSequence() {
        // PyTorch 2.5+'s answer (the script computes the padded row as its _safe_softmax does; 1.13 gives NaN there)
        TransformerEncoderLayer layer = loaded(new TransformerEncoderLayer(4, 2, 8, 0.0, true), "fullpad.", DType.FLOAT64);
        Tensor y = layer.apply(e("fullpad_x"), null, e("fullpad_pad"));
        assertClose(e("fullpad_y"), y.detach(), "encoder layer output", 100);
        y.sum().backward();
        assertTrue(layer.selfAttn.getParameter("in_proj_weight").grad().isfinite().all(),
                "finite gradients through the fully masked rows");
    }

    // ------------------------------------------------------------------ 6. a nanoGPT-style recipe

    /** The tiny model's result, as PyTorch's {@code logits, weights = model(tokens, pad)}. */
    record TinyOut(Tensor logits, Tensor weights) {
    }

    static final class Tiny extends Module2<TinyOut> {
        final Embedding emb = registerModule("emb", new Embedding(11, 8, null, 1.0, 2.0, false));
        final MultiheadAttention attn = registerModule("attn", new MultiheadAttention(8, 2, true));
        final LayerNorm ln = registerModule("ln", new LayerNorm(8));
        final Linear head = registerModule("head", new Linear(8, 11));

        @Override
        public TinyOut forward(Tensor tokens, Tensor pad) {
            Tensor x = emb.apply(tokens);
            MultiheadAttention.Output a = attn.apply(x, x, x, pad);
            return new TinyOut(head.apply(ln.apply(x.add(a.output()))), a.weights());
        }
    }

    /** The nanoGPT-style run's state: model, EMA copy, AdamW, its schedule, and a plateau schedule on a second SGD. */
    private record Gpt(Tiny tiny, Tiny ema, AdamW opt, SequentialLR sched, SGD plateauOpt, ReduceLROnPlateau plateau) {
        static final double[] METRICS = {3.0, 2.5, 2.6, 2.7, 2.4, 2.5};

        static Gpt fresh() {
            Tiny tiny = loaded(new Tiny(), "gpt.", DType.FLOAT64);
            Tiny ema = loaded(new Tiny(), "gpt.", DType.FLOAT64);
            List<Tensor> decay = new ArrayList<>(), noDecay = new ArrayList<>();
            tiny.namedParameters().forEach((n, p) -> (p.dim() >= 2 ? decay : noDecay).add(p));
            AdamW opt = new AdamW(decay, 0.01, 0.9, 0.95, 1e-8, 0.1, false);
            opt.addParamGroup(noDecay, Map.of("weight_decay", 0.0));
            LinearLR warm = new LinearLR(opt, 0.1, 1.0, 2);
            CosineAnnealingLR cos = new CosineAnnealingLR(opt, 4, 1e-4);
            SequentialLR sched = new SequentialLR(opt, List.of(warm, cos), List.of(2));
            SGD plateauOpt = new SGD(List.of(Tensor.zeros(DType.FLOAT64, 1).requiresGrad_(true)), 1.0);
            return new Gpt(tiny, ema, opt, sched, plateauOpt, new ReduceLROnPlateau(plateauOpt, "min", 0.5, 1));
        }

        TinyOut step(int step, List<Double> losses, List<Double> lrs, List<Double> plr) {
            Tensor toks = e("gpt_tokens"), pad = toks.eq(0);
            opt.zeroGrad();
            TinyOut o = tiny.apply(toks.narrow(1, 0, 5), pad.narrow(1, 0, 5));
            Tensor loss = Functional.crossEntropy(o.logits().reshape(-1, 11), toks.narrow(1, 1, 5).reshape(-1), 0);
            loss.backward();
            opt.step();
            sched.step();
            plateau.step(METRICS[step]);
            try (GradMode g = Ember.noGrad()) {
                List<Tensor> pe = ema.parameters(), p = tiny.parameters();
                for (int i = 0; i < pe.size(); i++) {
                    pe.get(i).mul_(0.9).add_(p.get(i), 0.1);
                }
            }
            losses.add(loss.item());
            lrs.add(opt.paramGroups().get(0).lr());
            plr.add(plateauOpt.paramGroups().get(0).lr());
            return o;
        }

        Map<String, Object> checkpoint() {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("model", tiny.stateDict());
            c.put("ema", ema.stateDict());
            c.put("optimizer", opt.stateDict());
            c.put("scheduler", sched.stateDict());
            c.put("plateau", plateau.stateDict());
            c.put("plateau_optimizer", plateauOpt.stateDict());
            return c;
        }

        @SuppressWarnings("unchecked")
        void restore(Map<String, Object> c) {
            tiny.loadStateDict((Map<String, Tensor>) c.get("model"));
            ema.loadStateDict((Map<String, Tensor>) c.get("ema"));
            opt.loadStateDict((Map<String, Object>) c.get("optimizer"));
            sched.loadStateDict((Map<String, Object>) c.get("scheduler"));
            plateauOpt.loadStateDict((Map<String, Object>) c.get("plateau_optimizer"));
            plateau.loadStateDict((Map<String, Object>) c.get("plateau"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void nanoGptRecipeWithDecayGroupsSequentialLrEmaAndPlateau(@TempDir Path dir) throws Exception {
        Gpt run = Gpt.fresh();
        List<Double> losses = new ArrayList<>(), lrs = new ArrayList<>(), plr = new ArrayList<>();
        TinyOut o = null;
        for (int step = 0; step < 6; step++) {
            o = run.step(step, losses, lrs, plr);
        }
        assertClose(e("gpt_loss"), values(losses, DType.FLOAT64), "loss", 100);
        assertClose(e("gpt_lr"), values(lrs, DType.FLOAT64), "lr");
        assertClose(e("gpt_plateau_lr"), values(plr, DType.FLOAT64), "plateau lr");
        assertClose(e("gpt_attn_weights"), o.weights(), "attention weights", 1000);
        assertClose(e("gpt_emb"), run.tiny.emb.weight(), "embedding (max_norm renormalized)", 1000);
        assertClose(e("gpt_ema_head"), run.ema.head.weight(), "ema head", 1000);
        assertClose(e("gpt_ema_emb"), run.ema.emb.weight(), "ema embedding", 1000);

        // Ember's checkpoint after three steps, into fresh objects: the same numbers as the run that never stopped
        Gpt first = Gpt.fresh();
        List<Double> l2 = new ArrayList<>(), r2 = new ArrayList<>(), p2 = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            first.step(step, l2, r2, p2);
        }
        Path file = dir.resolve("gpt.pt");
        TorchSerialization.save(first.checkpoint(), file);
        Gpt resumed = Gpt.fresh();
        resumed.restore((Map<String, Object>) TorchSerialization.load(file));
        for (int step = 3; step < 6; step++) {
            resumed.step(step, l2, r2, p2);
        }
        assertEquals(losses, l2, "losses after Ember's checkpoint");
        assertEquals(lrs, r2, "lrs after Ember's checkpoint");
        assertEquals(plr, p2, "plateau lrs after Ember's checkpoint");
        assertTrue(run.ema.head.weight().equal(resumed.ema.head.weight()), "ema after Ember's checkpoint");

        // PyTorch's checkpoint after its third step
        Gpt fromTorch = Gpt.fresh();
        fromTorch.restore((Map<String, Object>) TorchSerialization.load(resource("gpt_ckpt.pt")));
        List<Double> l3 = new ArrayList<>(), r3 = new ArrayList<>(), p3 = new ArrayList<>();
        for (int step = 3; step < 6; step++) {
            fromTorch.step(step, l3, r3, p3);
        }
        assertClose(e("gpt_loss").narrow(0, 3, 3), values(l3, DType.FLOAT64), "loss after PyTorch's checkpoint", 100);
        assertClose(e("gpt_lr").narrow(0, 3, 3), values(r3, DType.FLOAT64), "lr after PyTorch's checkpoint");
        assertClose(e("gpt_plateau_lr").narrow(0, 3, 3), values(p3, DType.FLOAT64), "plateau lr after PyTorch's checkpoint");
        assertClose(e("gpt_ema_head"), fromTorch.ema.head.weight(), "ema head after PyTorch's checkpoint", 1000);
    }

    // ------------------------------------------------------------------ the API this pass added

    @Test
    void batchFirstShortForms() {
        // PyTorch's printouts, from make_expected.py's last lines
        assertEquals("LSTM(6, 12, batch_first=True)", new LSTM(6, 12, true).toString());
        assertEquals("GRU(6, 12, batch_first=True, bidirectional=True)", new GRU(6, 12, true, true).toString());
        assertEquals("RNN(6, 12, batch_first=True)", new RNN(6, 12, true).toString());
        assertEquals("LSTM(6, 12)", new LSTM(6, 12, false).toString());
        TransformerEncoderLayer enc = new TransformerEncoderLayer(16, 4, true);
        assertEquals("Linear(in_features=16, out_features=2048, bias=True) Dropout(p=0.1, inplace=False) true",
                enc.linear1 + " " + enc.dropout + " " + enc.selfAttn.batchFirst());
        TransformerDecoderLayer dec = new TransformerDecoderLayer(16, 4, 32, 0.0, true);
        assertEquals("Linear(in_features=16, out_features=32, bias=True) Dropout(p=0.0, inplace=False) true",
                dec.linear1 + " " + dec.dropout + " " + dec.multiheadAttn.batchFirst());
        assertEquals(new TransformerEncoderLayer(16, 4, 32, 0.0, "relu", 1e-5, true, false, true).toString(),
                new TransformerEncoderLayer(16, 4, 32, 0.0, true).toString());
        assertTrue(new MultiheadAttention(16, 4, true).batchFirst());
        assertTrue(!new MultiheadAttention(16, 4, false).batchFirst());
    }

    @Test
    void truncNormalWithStdOnly() {
        Ember.manualSeed(11);
        Tensor a = Init.truncNormal_(Tensor.empty(20000), 0.02);
        Ember.manualSeed(11);
        Tensor b = Init.truncNormal_(Tensor.empty(20000), 0.0, 0.02, -2.0, 2.0);
        assertTrue(a.equal(b), "truncNormal_(t, std) is truncNormal_(t, 0, std, -2, 2)");
        assertEquals(0.0, a.mean().item(), 1e-3);
        assertEquals(0.02, a.std().item(), 1e-3);
        Ember.manualSeed(11);
        Tensor c = Init.truncNormal_(Tensor.empty(20000), 0.5);
        assertEquals(0.0, c.mean().item(), 2e-2, "the one number is std, not PyTorch's positional mean");
        assertEquals(0.5, c.std().item(), 2e-2);
    }

    @Test
    void linspaceWithDtype() {
        // PyTorch: repr(torch.linspace(0, 1, 6, dtype=torch.float64)), its values 0.0, 0.2, 0.4, 0.6, 0.8, 1.0
        Tensor t = Tensor.linspace(0, 1, 6, DType.FLOAT64);
        assertEquals("tensor([0.0000, 0.2000, 0.4000, 0.6000, 0.8000, 1.0000], dtype=torch.float64)", t.toString());
        assertArrayEquals(new double[] {0.0, 0.2, 0.4, 0.6, 0.8, 1.0}, t.toDoubleArray());
        assertEquals("linspace(): argument 'dtype' (position 4) must be torch.dtype, not null",
                assertThrows(IllegalArgumentException.class, () -> Tensor.linspace(0, 1, 6, null)).getMessage());
    }

    @Test
    void aGradientKeptPastZeroGradSaysWhyItIsClosed() {
        // PyTorch's zero_grad() drops its reference and a kept gradient stays valid; Ember closes the gradients autograd
        // made (their memory goes to the next backward), and the error now says that rather than blaming a scope
        Tensor w = Tensor.ones(3).requiresGrad_(true);
        SGD opt = new SGD(List.of(w), 0.1);
        w.mul(2).sum().backward();
        Tensor kept = w.grad(), copy = w.grad().clone();
        opt.zeroGrad();
        IllegalStateException err = assertThrows(IllegalStateException.class, () -> kept.sum());
        assertEquals("This tensor ([3], torch.float32, cpu) was a gradient that zeroGrad() (or releaseGrad()) set to None "
                + "and closed, so its memory went to the next backward pass; clone a gradient to keep it past zeroGrad().",
                err.getMessage());
        assertEquals("tensor([2., 2., 2.])", copy.toString());
        Tensor t = Tensor.ones(2);
        t.close();
        assertTrue(assertThrows(IllegalStateException.class, () -> t.sum()).getMessage().contains("Ember.scope()"));
    }

    /** A two-input module returning a record, for the hooks. */
    static final class Affine2 extends Module2<VaeOut> {
        final Linear lin = registerModule("lin", new Linear(3, 3));

        @Override
        public VaeOut forward(Tensor x, Tensor scale) {
            Tensor y = lin.apply(x);
            return new VaeOut(y, y.mul(scale), scale, x);
        }
    }

    static final class Sum3 extends Module3<List<Tensor>> {
        @Override
        public List<Tensor> forward(Tensor a, Tensor b, Tensor c) {
            return List.of(a.add(b), b.add(c));
        }
    }

    @Test
    void module2AndModule3RunHooksAndKeepTypes() {
        Affine2 m = new Affine2();
        Tensor x = Tensor.ones(2, 3), s = Tensor.full(new int[] {2, 3}, 2.0);
        VaeOut plain = m.apply(x, s);
        assertTrue(plain.std() == s && plain.z() == x, "no hooks: the forward's own record");
        List<String> seen = new ArrayList<>();
        m.registerForwardPreHook((mod, in) -> {
            seen.add("pre " + in.size());
            return List.of(in.get(0), in.get(1).mul(3));
        });
        m.registerForwardHook((mod, in, out) -> {
            seen.add("post " + out.size());
            List<Tensor> r = new ArrayList<>(out);
            r.set(3, out.get(3).neg());
            return r;
        });
        VaeOut hooked = m.apply(x, s);
        assertEquals(List.of("pre 2", "post 4"), seen);
        assertTrue(hooked.std().equal(s.mul(3)), "the pre-hook's replaced input reached forward");
        assertTrue(hooked.z().equal(x.neg()), "the forward hook's replaced output is in the rebuilt record");
        assertTrue(hooked.mu().equal(plain.logits().mul(6)), "mu = lin(x) * 6");

        Tensor w = Tensor.ones(3).requiresGrad_(true);
        Affine2 b = new Affine2();
        List<Integer> grads = new ArrayList<>();
        b.registerFullBackwardHook((mod, gin, gout) -> {
            grads.add(gout.size());
            return null;
        });
        VaeOut o = b.apply(x.mul(w), s);
        o.mu().sum().backward();
        assertEquals(List.of(4), grads, "the full backward hook saw the record's four outputs");
        assertTrue(w.grad() != null);

        IllegalArgumentException err = assertThrows(IllegalArgumentException.class, () -> m.apply(x));
        assertEquals("Affine2.forward() missing required positional arguments: it takes two tensors (a, b); call "
                + "apply(a, b)", err.getMessage());
        Sum3 sum = new Sum3();
        List<Tensor> r = sum.apply(Tensor.ones(2), Tensor.ones(2), Tensor.ones(2));
        assertEquals("[tensor([2., 2.]), tensor([2., 2.])]", r.toString());
        sum.registerForwardHook((mod, in, out) -> List.of(out.get(1)));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> sum.apply(Tensor.ones(2), Tensor.ones(2), Tensor.ones(2)));
        assertEquals("Sum3: a hook returned 1 outputs for a forward result of 2", bad.getMessage());
    }
}
