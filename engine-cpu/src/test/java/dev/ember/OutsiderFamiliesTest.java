package dev.ember;

import dev.ember.distributions.KL;
import dev.ember.distributions.Normal;
import dev.ember.nn.BCEWithLogitsLoss;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.ConvTranspose2d;
import dev.ember.nn.Embedding;
import dev.ember.nn.Flatten;
import dev.ember.nn.Functional;
import dev.ember.nn.GRU;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.LeakyReLU;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.Tanh;
import dev.ember.nn.TransformerEncoderLayer;
import dev.ember.nn.utils.Rnn;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.LossesMoreTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 23's second outsider pass: four model families written as a PyTorch user writes them, trained for a few
 * steps from PyTorch's initial weights and held to PyTorch's losses, gradients and statistics
 * ({@code resources/outsiderfamilies/make_families.py} wrote {@code families.pt} with PyTorch 1.13): a VAE (the
 * reparameterization, {@code kl_divergence(Normal, Normal)} and its closed form, BCE with logits, Adam), a DCGAN pair
 * (ConvTranspose2d, BatchNorm2d, two optimizers, {@code detach()}, a frozen discriminator), a ViT block (patches by
 * Conv2d and by unfold, class token and positions as Parameters, a pre-norm GELU encoder layer, CLS pooling) and a GRU
 * seq2seq (packed padded encoder, teacher forcing, hand-written masked dot-product attention, greedy argmax decoding);
 * and BatchNorm2d's full constructor, which BatchNorm1d and BatchNorm3d had.
 */
class OutsiderFamiliesTest {
    private static final OutsiderFixture PT = new OutsiderFixture("outsiderfamilies", "families.pt");

    private static Tensor e(String name) {
        return PT.e(name);
    }

    private static <M extends Module> M loaded(M m, String prefix) {
        return PT.loaded(m, prefix);
    }

    private static Tensor values(List<Double> xs) {
        return OutsiderFixture.values(xs, DType.FLOAT32);
    }

    static final class Vae extends Module {
        final Sequential enc = registerModule("enc", new Sequential(new Linear(6, 8), new ReLU()));
        final Linear mu = registerModule("mu", new Linear(8, 2));
        final Linear logvar = registerModule("logvar", new Linear(8, 2));
        final Sequential dec = registerModule("dec", new Sequential(new Linear(2, 8), new Tanh(), new Linear(8, 6)));

        @Override
        public Tensor forward(Tensor x) {
            throw new UnsupportedOperationException("the steps call the parts");
        }
    }

    @Test
    void vaeWithKlDivergenceAndAdam() {
        Vae m = loaded(new Vae(), "vae.");
        Tensor x = e("vae_x"), eps = e("vae_eps");
        Adam opt = new Adam(m.parameters(), 0.01);
        List<Double> rec = new ArrayList<>(), kl = new ArrayList<>(), klc = new ArrayList<>();
        for (int step = 0; step < 4; step++) {
            Tensor h = m.enc.apply(x), mu = m.mu.apply(h), lv = m.logvar.apply(h), std = lv.mul(0.5).exp();
            Normal q = new Normal(mu, std), p = new Normal(mu.zerosLike(), std.onesLike());
            Tensor z = mu.add(std.mul(eps.select(0, step)));
            Tensor r = Functional.binaryCrossEntropyWithLogits(m.dec.apply(z), x, "sum").div(x.size(0));
            Tensor k = KL.klDivergence(q, p).sum(1).mean();
            Tensor kc = lv.add(1).sub(mu.pow(2)).sub(lv.exp()).sum(1).mul(-0.5).mean();
            opt.zeroGrad();
            r.add(k).backward();
            opt.step();
            rec.add(r.item());
            kl.add(k.item());
            klc.add(kc.item());
        }
        assertClose(e("vae_rec"), values(rec), "reconstruction", 10);
        assertClose(e("vae_kl"), values(kl), "kl_divergence", 10);
        assertClose(e("vae_klc"), values(klc), "closed-form KL", 10);
        assertClose(e("vae_mu_weight"), m.mu.weight().detach(), "mu weight after 4 steps", 10);
    }

    @Test
    void rsampleIsReparameterized() {
        Tensor loc = Tensor.tensor(new float[] {0.5f, -1f}).requiresGrad_(true);
        Tensor scale = Tensor.tensor(new float[] {2f, 0.5f}).requiresGrad_(true);
        Tensor z = new Normal(loc, scale).rsample(new Generator(1), 3);
        assertArrayEquals(new int[] {3, 2}, z.shape());
        z.sum().backward();
        // z = loc + eps * scale: d/dloc of the sum counts the draws, d/dscale sums their eps
        assertClose(Tensor.tensor(new float[] {3f, 3f}), loc.grad(), "loc.grad");
        assertClose(z.detach().sub(loc.detach()).div(scale.detach()).sum(0), scale.grad(), "scale.grad");
    }

    @Test
    void dcganAlternatingSteps() {
        Sequential g = loaded(new Sequential(new ConvTranspose2d(4, 8, 4, 1, 0, false), new BatchNorm2d(8), new ReLU(true),
                new ConvTranspose2d(8, 1, 4, 2, 1, false), new Tanh()), "gan_G.");
        Sequential d = loaded(new Sequential(new Conv2d(1, 8, 4, 2, 1, false), new LeakyReLU(0.2, true),
                new Conv2d(8, 1, 4, 1, 0, false), new Flatten()), "gan_D.");
        Tensor real = e("gan_real"), noise = e("gan_noise");
        Adam oG = new Adam(g.parameters(), 2e-3, 0.5, 0.999, 1e-8, 0, false);
        Adam oD = new Adam(d.parameters(), 2e-3, 0.5, 0.999, 1e-8, 0, false);
        BCEWithLogitsLoss crit = new BCEWithLogitsLoss();
        Tensor ones = Tensor.ones(6, 1), zeros = Tensor.zeros(6, 1);
        Conv2d d0 = d.get(0, Conv2d.class);
        List<Double> ld = new ArrayList<>(), lg = new ArrayList<>(), dg = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            Tensor fake = g.apply(noise.select(0, step));
            d.zeroGrad();
            Tensor lossD = crit.apply(d.apply(real), ones).add(crit.apply(d.apply(fake.detach()), zeros));
            lossD.backward();
            oD.step();
            Tensor dGrad = d0.weight().grad();
            for (Tensor p : d.parameters()) {
                p.requiresGrad_(false);
            }
            g.zeroGrad();
            Tensor lossG = crit.apply(d.apply(fake), ones);
            lossG.backward();
            oG.step();
            for (Tensor p : d.parameters()) {
                p.requiresGrad_(true);
            }
            assertSame(dGrad, d0.weight().grad(), "the G step leaves the frozen D's gradient alone");
            ld.add(lossD.item());
            lg.add(lossG.item());
            dg.add(dGrad.abs().sum().item());
        }
        assertClose(e("gan_lossD"), values(ld), "lossD", 10);
        assertClose(e("gan_lossG"), values(lg), "lossG", 10);
        assertClose(e("gan_D0_grad_abs_sum"), values(dg), "D[0].weight.grad.abs().sum()", 10);
        ConvTranspose2d withBias = new ConvTranspose2d(8, 3, 4, 2, 1);
        assertEquals("ConvTranspose2d(8, 3, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))", withBias.toString());
        assertArrayEquals(new int[] {3}, withBias.bias().shape());
        assertEquals("ConvTranspose2d(4, 8, kernel_size=(4, 4), stride=(1, 1), bias=False)", g.get(0).toString());
        BatchNorm2d bn = g.get(1, BatchNorm2d.class);
        assertClose(e("gan_running_mean"), bn.runningMean(), "running_mean", 10);
        assertClose(e("gan_running_var"), bn.runningVar(), "running_var", 10);
        assertClose(e("gan_D0_weight"), d0.weight().detach(), "D[0].weight", 10);
    }

    @Test
    void batchNorm2dWithEveryOption() {
        Tensor x = e("bn_x");
        BatchNorm2d bn = new BatchNorm2d(3, 1e-5, null, true, true);
        for (int i = 0; i < 3; i++) {
            bn.apply(x.select(0, i));
        }
        assertClose(e("bn_cum_mean"), bn.runningMean(), "cumulative running_mean");
        assertClose(e("bn_cum_var"), bn.runningVar(), "cumulative running_var");
        assertEquals(3L, bn.numBatchesTracked().item(), 0.0);
        bn.eval();
        assertClose(e("bn_cum_eval"), bn.apply(x.select(0, 0)), "eval with the cumulative statistics");
        BatchNorm2d bare = new BatchNorm2d(3, 1e-3, 0.1, false, false);
        bare.eval();
        assertTrue(bare.stateDict().isEmpty(), "no weight, bias or buffers: " + bare.stateDict().keySet());
        assertNull(bare.runningMean());
        assertClose(e("bn_bare_eval"), bare.apply(x.select(0, 1)), "eval with batch statistics");
    }

    static final class Vit extends Module {
        final Conv2d patch = registerModule("patch", new Conv2d(3, 16, 4, 4, 0));
        final Tensor cls = registerParameter("cls", Tensor.zeros(1, 1, 16));
        final Tensor pos = registerParameter("pos", Tensor.zeros(1, 5, 16));
        final TransformerEncoderLayer block = registerModule("block",
                new TransformerEncoderLayer(16, 4, 32, 0.0, "gelu", 1e-5, true, true, true));
        final LayerNorm norm = registerModule("norm", new LayerNorm(16));
        final Linear head = registerModule("head", new Linear(16, 3));

        @Override
        public Tensor forward(Tensor x) {
            Tensor t = patch.apply(x).flatten(2).transpose(1, 2);
            t = Tensor.cat(List.of(cls.expand((int) x.size(0), -1, -1), t), 1).add(pos);
            return head.apply(norm.apply(block.apply(t).select(1, 0)));
        }
    }

    @Test
    void vitBlockTrainingStep() {
        Vit m = loaded(new Vit(), "vit.");
        Tensor x = e("vit_x"), y = e("vit_y");
        Tensor patches = Functional.unfold(x, new int[] {4}, new int[] {1}, new int[] {0}, new int[] {4}).transpose(1, 2)
                .matmul(m.patch.weight().flatten(1).t()).add(m.patch.bias());
        assertClose(e("vit_unfold_patches"), patches.detach(), "unfold patches");
        assertClose(e("vit_unfold_patches"), m.patch.apply(x).flatten(2).transpose(1, 2).detach(), "conv patches");
        AdamW opt = new AdamW(m.parameters(), 1e-3);
        Tensor loss = Functional.crossEntropy(m.apply(x), y);
        loss.backward();
        assertClose(e("vit_loss"), loss.detach(), "loss");
        assertClose(e("vit_cls_grad"), m.cls.grad(), "cls.grad", 10);
        assertClose(e("vit_pos_grad"), m.pos.grad(), "pos.grad", 10);
        opt.step();
        assertClose(e("vit_loss2"), Functional.crossEntropy(m.apply(x), y).detach(), "loss after the step", 10);
    }

    static final class Seq2seq extends Module {
        final Embedding emb = registerModule("emb", new Embedding(7, 5, 0L));
        final GRU enc = registerModule("enc", new GRU(5, 6, 1, true, true, 0.0, false));
        final GRU dec = registerModule("dec", new GRU(5, 6, 1, true, true, 0.0, false));
        final Linear out = registerModule("out", new Linear(12, 7));
        Tensor src;
        Tensor lengths;
        Tensor mask;

        @Override
        public Tensor forward(Tensor x) {
            throw new UnsupportedOperationException("the steps call the parts");
        }

        /** The encoder's padded outputs and last state. */
        Tensor[] encode() {
            var r = enc.apply(Rnn.packPaddedSequence(emb.apply(src), lengths, true, false), null);
            return new Tensor[] {Rnn.padPackedSequence(r.output(), true, 0.0, null).output(), r.h()};
        }

        /** The decoder outputs joined with their attention contexts, and the attention weights. */
        Tensor[] attend(Tensor decoded, Tensor encoded) {
            Tensor scores = decoded.bmm(encoded.transpose(1, 2)).maskedFill(mask.unsqueeze(1), Double.NEGATIVE_INFINITY);
            Tensor a = Functional.softmax(scores, -1);
            return new Tensor[] {Tensor.cat(List.of(decoded, a.bmm(encoded)), -1), a};
        }
    }

    @Test
    void seq2seqWithAttentionAndGreedyDecoding() {
        Seq2seq m = loaded(new Seq2seq(), "s2s.");
        List<Tensor> srcs = List.of(Tensor.tensor(new long[] {3, 4, 5, 6}), Tensor.tensor(new long[] {2, 3}),
                Tensor.tensor(new long[] {6, 5, 4}));
        List<Tensor> tgts = List.of(Tensor.tensor(new long[] {1, 3, 4, 2}), Tensor.tensor(new long[] {1, 5, 2}),
                Tensor.tensor(new long[] {1, 6, 6, 2}));
        m.src = Rnn.padSequence(srcs, true, 0.0);
        Tensor tgt = Rnn.padSequence(tgts, true, 0.0);
        assertEquals(e("s2s_src").toString(), m.src.toString(), "pad_sequence(srcs)");
        assertEquals(e("s2s_tgt").toString(), tgt.toString(), "pad_sequence(tgts)");
        m.lengths = Tensor.tensor(new long[] {4, 2, 3});
        m.mask = Tensor.arange(m.src.size(1)).unsqueeze(0).ge(m.lengths.unsqueeze(1));
        Adam opt = new Adam(m.parameters(), 0.01);
        int t = (int) tgt.size(1) - 1;
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            Tensor[] enc = m.encode();
            RnnOutput d = m.dec.apply(m.emb.apply(tgt.narrow(1, 0, t)), enc[1]);
            Tensor logits = m.out.apply(m.attend(d.output(), enc[0])[0]);
            Tensor loss = Functional.crossEntropy(logits.reshape(-1, 7), tgt.narrow(1, 1, t).reshape(-1), null, "mean",
                    0, 0.0);
            opt.zeroGrad();
            loss.backward();
            opt.step();
            losses.add(loss.item());
        }
        assertClose(e("s2s_loss"), values(losses), "teacher-forced loss", 10);
        try (var g = Ember.noGrad()) {
            Tensor[] enc = m.encode();
            Tensor h = enc[1];
            Tensor tok = Tensor.ones(DType.INT64, 3, 1);
            List<Tensor> toks = new ArrayList<>(), atts = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                RnnOutput d = m.dec.apply(m.emb.apply(tok), h);
                h = d.h();
                Tensor[] fa = m.attend(d.output(), enc[0]);
                tok = m.out.apply(fa[0]).argmax(-1);
                toks.add(tok);
                atts.add(fa[1]);
            }
            assertEquals(e("s2s_greedy").toString(), Tensor.cat(toks, 1).toString(), "greedy tokens");
            assertClose(e("s2s_attn"), Tensor.cat(atts, 1), "attention weights", 10);
        }
    }

    @Test
    void sequentialTypedGet() {
        Sequential s = new Sequential(new Linear(2, 3), new Tanh());
        Linear first = s.get(0, Linear.class);
        assertSame(s.get(0), first);
        assertSame(s.get(1), s.get(-1, Tanh.class));
        assertSame(s.get(1), s.get(1, Module.class), "a superclass is fine");
        assertEquals("Sequential: layer 1 is a Tanh, not a Linear",
                assertThrows(IllegalArgumentException.class, () -> s.get(1, Linear.class)).getMessage());
        assertEquals("type must not be null",
                assertThrows(IllegalArgumentException.class, () -> s.get(0, (Class<Linear>) null)).getMessage());
        assertEquals("index 2 is out of range",
                assertThrows(IndexOutOfBoundsException.class, () -> s.get(2, Linear.class)).getMessage());
    }

    @Test
    void randpermWithTheGeneratorFirst() {
        assertEquals(Tensor.randperm(20, new Generator(4)).toString(), Tensor.randperm(new Generator(4), 20).toString());
        assertEquals(Tensor.randperm(9, DType.FLOAT32, new Generator(5)).toString(),
                Tensor.randperm(new Generator(5), DType.FLOAT32, 9).toString());
        Tensor p = Tensor.randperm(new Generator(6), 50);
        assertEquals(DType.INT64, p.dtype());
        assertEquals(Tensor.arange(50).toString(), p.sort(0, false).values().toString(), "a permutation of 0..49");
        assertEquals("randperm(): argument 'generator' (position 1) must be torch.Generator, not null",
                assertThrows(IllegalArgumentException.class, () -> Tensor.randperm((Generator) null, 3)).getMessage());
    }
}
