package dev.ember;

import dev.ember.OutsiderTraining.Container;
import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Conv1d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Dropout;
import dev.ember.nn.Embedding;
import dev.ember.nn.Flatten;
import dev.ember.nn.Functional;
import dev.ember.nn.GELU;
import dev.ember.nn.Identity;
import dev.ember.nn.Init;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleDict;
import dev.ember.nn.ModuleList;
import dev.ember.nn.ReLU;
import dev.ember.nn.ReplicationPad1d;
import dev.ember.nn.Sequential;
import dev.ember.nn.SiLU;
import dev.ember.nn.Tanh;
import dev.ember.nn.ZeroPad2d;
import dev.ember.optim.Adam;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.ember.OutsiderFixture.close;
import static dev.ember.OutsiderFixture.same;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 43's outsider pass, round 18: recipes no earlier round had ported, each ported line by line from its
 * reference code with Ember's public API, run in float64 from PyTorch's initial weights and fixed data and held to
 * PyTorch's outputs, losses, gradients after the first backward and parameters after the last step
 * ({@code resources/outsiderprograms18/make_expected.py} wrote {@code programs18.pt} with PyTorch 1.13). The initial
 * weights and the data are float32-representable and saved as float32 (the file stays small); the test widens them
 * to the very same float64 numbers. Every comparison is held to {@link LossesMoreTest#assertClose}'s tolerance
 * (float64: 1e-12 relative to the largest magnitude of the tensor compared) unless its line says otherwise; integer and
 * boolean results (indices kept by NMS, counters) are PyTorch's exactly. Gradients that are rounding noise in PyTorch
 * (biases that a softmax or a BatchNorm removes) are held to an absolute bound, as round 17 did; PatchTST and BYOL
 * train with SGD rather than their repositories' Adam, which would scale that noise up into differences of ~1e-10 that
 * BatchNorm's running means and BYOL's target record (the generator says so). The float32 steps (DiT, KAN, xDeepFM,
 * RWKV) are held to float32's tolerance, update_grid's refit to float32's (LAPACK's lstsq is not bitwise reproducible).
 * <ol>
 * <li>DiT (facebookresearch/DiT): adaLN-Zero blocks (the modulation MLP zero-initialised, chunk(6), modulate, gates),
 * the sinusoidal TimestepEmbedder, the LabelEmbedder's class dropout from a fixed mask, timm's PatchEmbed (a strided
 * Conv2d), the frozen 2-D sin-cos position embedding, timm's Attention (the fused call where PyTorch 1.13 wrote it
 * out), the FinalLayer, unpatchify by einsum; the first step's gradients are zero but for the zeroed output layer,
 * exactly; classifier-free guidance.</li>
 * <li>efficient-kan's KANLinear: B-spline bases by broadcast comparisons and the Cox-de Boor recursion, the base and
 * spline branches, the regularization loss; update_grid (sort, integer linspace indices, lstsq).</li>
 * <li>PatchTST (supervised): RevIN, patching by ReplicationPad1d and unfold, the channel-independent encoder with
 * residual attention scores and BatchNorm1d between transposes, a frozen scale parameter, the flatten head.</li>
 * <li>MoCo v2 (the MLP head swapped in for the encoder's fc, the key encoder's momentum update by param.data =,
 * the queue a buffer written by slices, the single-process batch shuffle) and BYOL's loss with the target encoder a
 * frozen copy made on the first forward and updated by an EMA through .data.</li>
 * <li>torchvision.ops' box_convert, box_iou, a hand-written NMS and batched_nms (the coordinate trick and the per-class
 * loop), generalized and complete IoU losses on a tiny box regressor.</li>
 * <li>xDeepFM (DeepCTR-Torch's FM and CIN) and an RWKV-4 block with the WKV kernel written as its loop.</li>
 * <li>The recipes' misuses fail with PyTorch's messages and leave their tensors as they were.</li>
 * </ol>
 */
class OutsiderPrograms18Test {
    private static final OutsiderFixture PT = new OutsiderFixture("outsiderprograms18", "programs18.pt");
    private static final DType F64 = DType.FLOAT64;
    private static final DType F32 = DType.FLOAT32;

    /** The entry {@code name}, a float32 one (data, initial values) widened to float64. */
    private static Tensor e(String name) {
        Tensor t = PT.e(name);
        return t.dtype() == F32 ? t.to(F64) : t;
    }

    private static void exact(Tensor want, Tensor got, String what) {
        assertArrayEquals(want.shape(), got.shape(), what + " shape");
        if (want.dtype() == DType.BOOL) {
            assertArrayEquals(want.toBooleanArray(), got.toBooleanArray(), what);
        } else {
            assertArrayEquals(want.toLongArray(), got.toLongArray(), what);
        }
    }

    /**
     * The gradients of the parameters that have one against the entries under {@code prefix}; with {@code zeroElse},
     * a parameter the file has no entry for must have a gradient of exact zeros (the generator saved only the non-zero
     * ones), and a parameter without a gradient in Ember (a frozen one) must have none in the file either.
     */
    private static void assertGrads(String prefix, Module m, boolean zeroElse, String what) {
        assertGrads(prefix, m, zeroElse, Set.of(), what);
    }

    /**
     * {@link #assertGrads(String, Module, boolean, String)} where the parameters named in {@code noise} have a gradient
     * that is zero but for rounding (a bias before a BatchNorm, which removes it; a softmax's key bias): those are held
     * to {@code |g| <= 1e-13} in PyTorch and in Ember instead of to each other.
     */
    private static void assertGrads(String prefix, Module m, boolean zeroElse, Set<String> noise, String what) {
        Map<String, Tensor> want = PT.under(prefix);
        int compared = 0;
        for (Map.Entry<String, Tensor> p : m.namedParameters().entrySet()) {
            Tensor g = p.getValue().grad();
            Tensor w = want.get(p.getKey());
            if (g == null) {
                assertNull(w, what + ": no gradient for " + p.getKey());
                continue;
            }
            if (w == null) {
                assertTrue(zeroElse, what + ": PyTorch has no gradient for " + p.getKey());
                assertEquals(0.0, g.abs().max().item(), what + " " + p.getKey() + " (zero in PyTorch)");
                continue;
            }
            if (noise.contains(p.getKey())) {
                assertTrue(w.abs().max().item() <= 1e-13, what + " " + p.getKey() + ": PyTorch's is not rounding noise");
                double worst = g.abs().max().item();
                assertTrue(worst <= 1e-13, what + " " + p.getKey() + ": " + worst);
            } else {
                same(w, g, what + " " + p.getKey());
            }
            compared++;
        }
        assertEquals(want.size(), compared, what + ": PyTorch's and Ember's gradient names");
    }

    /**
     * The parameters after training against the entries under {@code prefix}; those named in {@code noise} (their
     * gradients rounding noise, which changes no output) are held to an absolute bound {@code absFinal}, the others to
     * the base tolerance.
     */
    private static void assertFinalNoise(String prefix, Module m, Set<String> noise, double absFinal, String what) {
        Map<String, Tensor> named = m.namedParameters();
        for (Map.Entry<String, Tensor> p : named.entrySet()) {
            Tensor want = e(prefix + p.getKey());
            if (noise.contains(p.getKey())) {
                double worst = want.sub(p.getValue().detach()).abs().max().item();
                assertTrue(worst <= absFinal, what + " " + p.getKey() + ": " + worst);
            } else {
                same(want, p.getValue(), what + " " + p.getKey());
            }
        }
        assertEquals(PT.under(prefix).size(), named.size(), what + ": PyTorch's and Ember's parameter names");
    }

    /** A module's whole state (parameters and buffers) against the entries under {@code prefix}. */
    private static void assertState(String prefix, Module m, String what) {
        Map<String, Tensor> state = m.stateDict();
        for (Map.Entry<String, Tensor> s : state.entrySet()) {
            Tensor want = e(prefix + s.getKey());
            if (want.dtype() == DType.INT64) {
                exact(want, s.getValue(), what + " " + s.getKey());
            } else {
                same(want, s.getValue(), what + " " + s.getKey());
            }
        }
        assertEquals(PT.under(prefix).size(), state.size(), what + ": PyTorch's and Ember's state names");
    }

    // ------------------------------------------------------------------ 1. DiT

    static Tensor modulate(Tensor x, Tensor shift, Tensor scale) {
        return x.mul(scale.unsqueeze(1).add(1.0)).add(shift.unsqueeze(1));
    }

    /** timm's PatchEmbed: a Conv2d with stride p, then flatten(2).transpose(1, 2). */
    static final class PatchEmbed extends Module {
        final int[] patchSize;
        final int numPatches;
        final Conv2d proj;
        final Identity norm;

        PatchEmbed(int imgSize, int patchSize, int inChans, int embedDim) {
            this.patchSize = new int[] {patchSize, patchSize};
            int grid = imgSize / patchSize;
            numPatches = grid * grid;
            proj = registerModule("proj", new Conv2d(inChans, embedDim, patchSize, patchSize, 0));
            norm = registerModule("norm", new Identity());
        }

        @Override
        public Tensor forward(Tensor x) {
            x = proj.apply(x);
            x = x.flatten(2).transpose(1, 2);
            return norm.apply(x);
        }
    }

    /** timm's Attention, on its fused path (F.scaled_dot_product_attention), as timm runs on PyTorch 2.x. */
    static final class Attention extends Module {
        final int numHeads;
        final int headDim;
        final Linear qkv;
        final Identity qNorm;
        final Identity kNorm;
        final Linear proj;
        final Dropout projDrop;

        Attention(int dim, int numHeads, boolean qkvBias) {
            this.numHeads = numHeads;
            headDim = dim / numHeads;
            qkv = registerModule("qkv", new Linear(dim, dim * 3, qkvBias));
            qNorm = registerModule("q_norm", new Identity());
            kNorm = registerModule("k_norm", new Identity());
            registerModule("attn_drop", new Dropout(0.0));
            proj = registerModule("proj", new Linear(dim, dim));
            projDrop = registerModule("proj_drop", new Dropout(0.0));
        }

        @Override
        public Tensor forward(Tensor x) {
            int b = x.size(0);
            int n = x.size(1);
            int c = x.size(2);
            Tensor qkvT = qkv.apply(x).reshape(b, n, 3, numHeads, headDim).permute(2, 0, 3, 1, 4);
            List<Tensor> u = qkvT.unbind(0);
            Tensor q = qNorm.apply(u.get(0));
            Tensor k = kNorm.apply(u.get(1));
            x = Functional.scaledDotProductAttention(q, k, u.get(2));
            x = x.transpose(1, 2).reshape(b, n, c);
            x = proj.apply(x);
            return projDrop.apply(x);
        }
    }

    /** timm's Mlp. */
    static final class Mlp extends Module {
        final Linear fc1;
        final Module act;
        final Linear fc2;

        Mlp(int inFeatures, int hiddenFeatures, Module act) {
            fc1 = registerModule("fc1", new Linear(inFeatures, hiddenFeatures));
            this.act = registerModule("act", act);
            registerModule("drop1", new Dropout(0.0));
            registerModule("norm", new Identity());
            fc2 = registerModule("fc2", new Linear(hiddenFeatures, inFeatures));
            registerModule("drop2", new Dropout(0.0));
        }

        @Override
        public Tensor forward(Tensor x) {
            return fc2.apply(act.apply(fc1.apply(x)));
        }
    }

    static final class TimestepEmbedder extends Module {
        final Sequential mlp;
        final int frequencyEmbeddingSize;

        TimestepEmbedder(int hiddenSize, int frequencyEmbeddingSize) {
            mlp = registerModule("mlp", new Sequential(new Linear(frequencyEmbeddingSize, hiddenSize), new SiLU(),
                    new Linear(hiddenSize, hiddenSize)));
            this.frequencyEmbeddingSize = frequencyEmbeddingSize;
        }

        /** GLIDE's timestep_embedding with its frequencies in {@code ftype} (float32 in the reference). */
        static Tensor timestepEmbedding(Tensor t, int dim, double maxPeriod, DType ftype) {
            int half = dim / 2;
            Tensor freqs = Tensor.arange(0, half, 1, ftype).mul(-Math.log(maxPeriod)).div(half).exp();
            Tensor args = t.index(Index.all(), Index.newAxis()).to(ftype).mul(freqs.index(Index.newAxis()));
            Tensor embedding = Tensor.cat(List.of(args.cos(), args.sin()), -1);
            if (dim % 2 != 0) {
                embedding = Tensor.cat(List.of(embedding,
                        embedding.index(Index.all(), Index.slice(null, 1, null)).zerosLike()), -1);
            }
            return embedding;
        }

        @Override
        public Tensor forward(Tensor t) {
            // the reference's float32 frequencies; a float64 model (which could not take them) builds them in float64
            DType ftype = ((Linear) mlp.get(0)).weight().dtype() == F64 ? F64 : F32;
            Tensor tFreq = timestepEmbedding(t, frequencyEmbeddingSize, 10000, ftype);
            return mlp.apply(tFreq);
        }
    }

    static final class LabelEmbedder extends Module {
        final Embedding embeddingTable;
        final int numClasses;
        final double dropoutProb;

        LabelEmbedder(int numClasses, int hiddenSize, double dropoutProb) {
            int useCfgEmbedding = dropoutProb > 0 ? 1 : 0;
            embeddingTable = registerModule("embedding_table", new Embedding(numClasses + useCfgEmbedding, hiddenSize));
            this.numClasses = numClasses;
            this.dropoutProb = dropoutProb;
        }

        Tensor tokenDrop(Tensor labels, Tensor forceDropIds) {
            Tensor dropIds = forceDropIds == null ? Tensor.rand(labels.size(0)).lt(dropoutProb) : forceDropIds.eq(1);
            return Tensor.where(dropIds, (long) numClasses, labels);
        }

        Tensor forward(Tensor labels, boolean train, Tensor forceDropIds) {
            boolean useDropout = dropoutProb > 0;
            if ((train && useDropout) || forceDropIds != null) {
                labels = tokenDrop(labels, forceDropIds);
            }
            return embeddingTable.apply(labels);
        }

        @Override
        public Tensor forward(Tensor labels) {
            throw new UnsupportedOperationException("called through forward(labels, train, forceDropIds)");
        }
    }

    static final class DiTBlock extends Container {
        final LayerNorm norm1;
        final Attention attn;
        final LayerNorm norm2;
        final Mlp mlp;
        final Sequential adaLNModulation;

        DiTBlock(int hiddenSize, int numHeads, double mlpRatio) {
            norm1 = registerModule("norm1", new LayerNorm(new int[] {hiddenSize}, 1e-6, false, true));
            attn = registerModule("attn", new Attention(hiddenSize, numHeads, true));
            norm2 = registerModule("norm2", new LayerNorm(new int[] {hiddenSize}, 1e-6, false, true));
            int mlpHiddenDim = (int) (hiddenSize * mlpRatio);
            mlp = registerModule("mlp", new Mlp(hiddenSize, mlpHiddenDim, new GELU("tanh")));
            adaLNModulation = registerModule("adaLN_modulation",
                    new Sequential(new SiLU(), new Linear(hiddenSize, 6 * hiddenSize)));
        }

        Tensor forward(Tensor x, Tensor c) {
            List<Tensor> m = adaLNModulation.apply(c).chunk(6, 1);
            Tensor shiftMsa = m.get(0);
            Tensor scaleMsa = m.get(1);
            Tensor gateMsa = m.get(2);
            Tensor shiftMlp = m.get(3);
            Tensor scaleMlp = m.get(4);
            Tensor gateMlp = m.get(5);
            x = x.add(gateMsa.unsqueeze(1).mul(attn.apply(modulate(norm1.apply(x), shiftMsa, scaleMsa))));
            x = x.add(gateMlp.unsqueeze(1).mul(mlp.apply(modulate(norm2.apply(x), shiftMlp, scaleMlp))));
            return x;
        }
    }

    static final class FinalLayer extends Container {
        final LayerNorm normFinal;
        final Linear linear;
        final Sequential adaLNModulation;

        FinalLayer(int hiddenSize, int patchSize, int outChannels) {
            normFinal = registerModule("norm_final", new LayerNorm(new int[] {hiddenSize}, 1e-6, false, true));
            linear = registerModule("linear", new Linear(hiddenSize, patchSize * patchSize * outChannels));
            adaLNModulation = registerModule("adaLN_modulation",
                    new Sequential(new SiLU(), new Linear(hiddenSize, 2 * hiddenSize)));
        }

        Tensor forward(Tensor x, Tensor c) {
            List<Tensor> ss = adaLNModulation.apply(c).chunk(2, 1);
            x = modulate(normFinal.apply(x), ss.get(0), ss.get(1));
            return linear.apply(x);
        }
    }

    /** MAE's get_1d_sincos_pos_embed_from_grid (numpy in float64). */
    static Tensor sincos1d(int embedDim, Tensor pos) {
        Tensor omega = Tensor.arange(0, embedDim / 2, 1, F64);
        omega = omega.div(embedDim / 2.0);
        omega = Tensor.pow(10000.0, omega).reciprocal();
        pos = pos.reshape(-1);
        Tensor o = Tensor.einsum("m,d->md", pos, omega);
        return Tensor.cat(List.of(o.sin(), o.cos()), 1);
    }

    /** MAE's get_2d_sincos_pos_embed: the grid from float32 aranges, w first. */
    static Tensor sincos2d(int embedDim, int gridSize) {
        Tensor gridH = Tensor.arange(0, gridSize, 1, F32);
        Tensor gridW = Tensor.arange(0, gridSize, 1, F32);
        List<Tensor> grid = Tensor.meshgrid(List.of(gridW, gridH), "xy");
        Tensor g = Tensor.stack(grid, 0).reshape(2, 1, gridSize, gridSize).to(F64);
        Tensor embH = sincos1d(embedDim / 2, g.select(0, 0));
        Tensor embW = sincos1d(embedDim / 2, g.select(0, 1));
        return Tensor.cat(List.of(embH, embW), 1);
    }

    static final class DiT extends Container {
        final int inChannels;
        final int outChannels;
        final PatchEmbed xEmbedder;
        final TimestepEmbedder tEmbedder;
        final LabelEmbedder yEmbedder;
        final ModuleList<DiTBlock> blocks;
        final FinalLayer finalLayer;

        DiT() {
            int inputSize = 4;
            int patchSize = 2;
            int hiddenSize = 8;
            inChannels = 2;
            outChannels = inChannels * 2; // learn_sigma
            xEmbedder = registerModule("x_embedder", new PatchEmbed(inputSize, patchSize, inChannels, hiddenSize));
            tEmbedder = registerModule("t_embedder", new TimestepEmbedder(hiddenSize, 16));
            yEmbedder = registerModule("y_embedder", new LabelEmbedder(3, hiddenSize, 0.25));
            int numPatches = xEmbedder.numPatches;
            registerParameter("pos_embed", Tensor.zeros(1, numPatches, hiddenSize)).requiresGrad_(false);
            blocks = registerModule("blocks", new ModuleList<>());
            for (int i = 0; i < 2; i++) {
                blocks.add(new DiTBlock(hiddenSize, 2, 2.0));
            }
            finalLayer = registerModule("final_layer", new FinalLayer(hiddenSize, patchSize, outChannels));
        }

        /** DiT.initialize_weights as written. */
        void initializeWeights() {
            apply(module -> {
                if (module instanceof Linear) {
                    Linear linear = (Linear) module;
                    Init.xavierUniform_(linear.weight());
                    if (linear.bias() != null) {
                        Init.constant_(linear.bias(), 0);
                    }
                }
            });
            Tensor posEmbed = sincos2d(param("pos_embed").size(-1), (int) Math.sqrt(xEmbedder.numPatches));
            param("pos_embed").data().copy_(posEmbed.to(F32).unsqueeze(0));
            Tensor w = xEmbedder.proj.weight().data();
            Init.xavierUniform_(w.view(w.size(0), -1));
            Init.normal_(yEmbedder.embeddingTable.weight(), 0, 0.02);
            Init.normal_(((Linear) tEmbedder.mlp.get(0)).weight(), 0, 0.02);
            Init.normal_(((Linear) tEmbedder.mlp.get(2)).weight(), 0, 0.02);
            for (DiTBlock block : blocks) {
                Linear last = (Linear) block.adaLNModulation.get(1);
                Init.constant_(last.weight(), 0);
                Init.constant_(last.bias(), 0);
            }
            Linear finalAda = (Linear) finalLayer.adaLNModulation.get(1);
            Init.constant_(finalAda.weight(), 0);
            Init.constant_(finalAda.bias(), 0);
            Init.constant_(finalLayer.linear.weight(), 0);
            Init.constant_(finalLayer.linear.bias(), 0);
        }

        Tensor unpatchify(Tensor x) {
            int c = outChannels;
            int p = xEmbedder.patchSize[0];
            int h = (int) Math.sqrt(x.size(1));
            int w = h;
            assertEquals(x.size(1), h * w);
            x = x.reshape(x.size(0), h, w, p, p, c);
            x = Tensor.einsum("nhwpqc->nchpwq", x);
            return x.reshape(x.size(0), c, h * p, h * p);
        }

        Tensor forward(Tensor x, Tensor t, Tensor y, Tensor forceDropIds) {
            x = xEmbedder.apply(x).add(param("pos_embed"));
            Tensor te = tEmbedder.apply(t);
            Tensor ye = yEmbedder.forward(y, isTraining(), forceDropIds);
            Tensor c = te.add(ye);
            for (DiTBlock block : blocks) {
                x = block.forward(x, c);
            }
            x = finalLayer.forward(x, c);
            return unpatchify(x);
        }

        Tensor forwardWithCfg(Tensor x, Tensor t, Tensor y, double cfgScale) {
            Tensor half = x.index(Index.slice(null, x.size(0) / 2, null));
            Tensor combined = Tensor.cat(List.of(half, half), 0);
            Tensor modelOut = forward(combined, t, y, null);
            Tensor eps = modelOut.index(Index.all(), Index.slice(null, 3, null));
            Tensor rest = modelOut.index(Index.all(), Index.slice(3, null, null));
            List<Tensor> condUncond = eps.split(eps.size(0) / 2, 0);
            Tensor condEps = condUncond.get(0);
            Tensor uncondEps = condUncond.get(1);
            Tensor halfEps = uncondEps.add(condEps.sub(uncondEps).mul(cfgScale));
            eps = Tensor.cat(List.of(halfEps, halfEps), 0);
            return Tensor.cat(List.of(eps, rest), 1);
        }
    }

    @Test
    void ditAdaLnZeroBlocksTrainFromTheirZeroInit() {
        Tensor x = e("dit.x");
        Tensor t = e("dit.t");
        Tensor y = e("dit.y");
        Tensor drop = e("dit.drop");
        Tensor noise = e("dit.noise");
        // the fixed 2-D sin-cos embedding (numpy's float64, then .float() into the frozen parameter)
        Tensor posNp = sincos2d(8, 2);
        same(e("dit.posembed_np"), posNp, "2-D sin-cos position embedding");
        // timestep_embedding as written (float32) at float32's tolerance, and the float64 programs' one
        same(PT.e("dit.tfreq32"), TimestepEmbedder.timestepEmbedding(t.select(0, 0), 16, 10000, F32),
                "float32 timestep embedding");
        same(e("dit.tfreq"), TimestepEmbedder.timestepEmbedding(t.select(0, 0), 16, 10000, F64),
                "float64 timestep embedding");
        DiT dit = PT.loaded(new DiT(), "dit.init.", F64);
        assertTrue(dit.param("pos_embed").equal(posNp.to(F32).to(F64).unsqueeze(0)), "pos_embed is numpy's, rounded");
        assertTrue(!dit.param("pos_embed").requiresGrad(), "pos_embed stays frozen after the load");
        exact(e("dit.labels_dropped"), dit.yEmbedder.tokenDrop(y.select(0, 0), drop.select(0, 0)), "token_drop");
        dit.train();
        int[] stepNow = {0};
        new OutsiderTraining(PT, "dit.", dit, new Adam(dit.parameters(), 1e-2), 4, step -> {
            stepNow[0] = step;
            Tensor o = dit.forward(x.select(0, step), t.select(0, step), y.select(0, step), drop.select(0, step));
            Tensor loss = Functional.mseLoss(o.index(Index.all(), Index.slice(null, 2, null)), noise.select(0, step))
                    .add(o.index(Index.all(), Index.slice(2, null, null)).pow(2).mean().mul(0.1));
            return new Object[] {o, loss};
        }).checkGrads(false)
                // adaLN-Zero: every gate is zero, so only the zeroed output layer gets a gradient, all others exactly 0
                .first(o -> assertGrads("dit.grad0.", dit, true, "DiT first gradient"))
                .afterBackward(() -> {
                    if (stepNow[0] == 3) {
                        assertGrads("dit.gradlast.", dit, false, "DiT gradient at step 4");
                    }
                }).run();
        dit.eval();
        try (GradMode off = Ember.noGrad()) {
            same(e("dit.eval"), dit.forward(x.select(0, 0), t.select(0, 0), y.select(0, 0), null), "DiT eval forward");
            Tensor cfgX = x.select(0, 1).index(Index.slice(null, 2, null)).repeat(2, 1, 1, 1);
            Tensor cfgT = t.select(0, 1).index(Index.slice(null, 2, null)).repeat(2);
            Tensor cfgY = Tensor.tensor(new long[] {0, 2, 3, 3});
            same(e("dit.cfg"), dit.forwardWithCfg(cfgX, cfgT, cfgY, 4.0), "forward_with_cfg");
        }
    }

    @Test
    void ditInitializeWeightsAsWritten() {
        Ember.manualSeed(43);
        DiT dit = new DiT();
        dit.initializeWeights();
        // the frozen sin-cos embedding is numpy's, rounded to float32 by the copy
        assertTrue(dit.param("pos_embed").equal(sincos2d(8, 2).to(F32).unsqueeze(0)), "pos_embed");
        assertTrue(!dit.param("pos_embed").requiresGrad(), "pos_embed frozen");
        // adaLN-Zero: every modulation's last Linear and the output layer are zero
        for (Map.Entry<String, Tensor> p : dit.namedParameters().entrySet()) {
            String k = p.getKey();
            boolean zeroed = k.contains("adaLN_modulation.1.") || k.startsWith("final_layer.linear.");
            boolean bias = k.endsWith(".bias");
            if (zeroed || (bias && !k.startsWith("x_embedder."))) {
                assertEquals(0.0, p.getValue().abs().max().item(), k + " is zero");
            } else if (k.endsWith(".weight") && !k.startsWith("x_embedder.") && !k.startsWith("t_embedder.")
                    && !k.startsWith("y_embedder.")) {
                // xavier_uniform_ of every other Linear: |w| <= sqrt(6 / (fan_in + fan_out))
                Tensor w = p.getValue();
                double bound = Math.sqrt(6.0 / (w.size(0) + w.size(1)));
                assertTrue(w.abs().max().item() <= bound && w.abs().max().item() > 0, k + " xavier bound " + bound);
            }
        }
        // the patch embedding initialised like a Linear through a view of its weight: the bound is the view's
        // sqrt(6 / (8 + 8)), not the Conv2d's sqrt(6 / (8 + 32)), and the draws went into the weight itself
        Tensor conv = dit.xEmbedder.proj.weight();
        double viewBound = Math.sqrt(6.0 / (8 + 8));
        assertTrue(conv.abs().max().item() <= viewBound, "patch embedding within the view's bound");
        assertTrue(conv.abs().max().item() > Math.sqrt(6.0 / (8 + 32)), "patch embedding past the Conv2d's bound");
        double std = ((Linear) dit.tEmbedder.mlp.get(0)).weight().std().item();
        assertTrue(std > 0.01 && std < 0.03, "the timestep MLP's normal(0, 0.02): " + std);
    }

    @Test
    void ditFloat32StepAsTheReferenceRunsIt() {
        DiT dit = PT.loaded(new DiT(), "dit.final.", F32);
        dit.train();
        Tensor o = dit.forward(PT.e("dit.x").select(0, 1), PT.e("dit.t").select(0, 1), PT.e("dit.y").select(0, 1),
                PT.e("dit.drop").select(0, 1));
        Tensor loss = Functional.mseLoss(o.index(Index.all(), Index.slice(null, 2, null)), PT.e("dit.noise").select(0, 1))
                .add(o.index(Index.all(), Index.slice(2, null, null)).pow(2).mean().mul(0.1));
        loss.backward();
        same(PT.e("f32.dit.out"), o, "float32 DiT output");
        same(PT.e("f32.dit.loss"), loss, "float32 DiT loss");
        assertGrads("f32.dit.grad.", dit, false, "float32 DiT gradient");
    }

    // ------------------------------------------------------------------ 2. efficient-kan

    static final class KANLinear extends Module {
        final int inFeatures;
        final int outFeatures;
        final int gridSize;
        final int splineOrder;
        final SiLU baseActivation;
        final double gridEps = 0.02;

        KANLinear(int inFeatures, int outFeatures, int gridSize, int splineOrder) {
            this.inFeatures = inFeatures;
            this.outFeatures = outFeatures;
            this.gridSize = gridSize;
            this.splineOrder = splineOrder;
            double[] gridRange = {-1, 1};
            double h = (gridRange[1] - gridRange[0]) / gridSize;
            Tensor grid = Tensor.arange(-splineOrder, gridSize + splineOrder + 1).mul(h).add(gridRange[0])
                    .expand(inFeatures, -1).contiguous();
            registerBuffer("grid", grid);
            // reset_parameters draws them (kaiming, lstsq of noise); the test loads PyTorch's
            registerParameter("base_weight", Tensor.zeros(outFeatures, inFeatures));
            registerParameter("spline_weight", Tensor.zeros(outFeatures, inFeatures, gridSize + splineOrder));
            registerParameter("spline_scaler", Tensor.zeros(outFeatures, inFeatures));
            baseActivation = registerModule("base_activation", new SiLU());
        }

        Tensor grid() {
            return getBuffer("grid");
        }

        Tensor bSplines(Tensor x) {
            assertTrue(x.dim() == 2 && x.size(1) == inFeatures);
            Tensor grid = grid();
            x = x.unsqueeze(-1);
            Tensor bases = x.ge(grid.index(Index.all(), Index.slice(null, -1, null)))
                    .bitwiseAnd(x.lt(grid.index(Index.all(), Index.slice(1, null, null)))).to(x.dtype());
            for (int k = 1; k <= splineOrder; k++) {
                Tensor g0 = grid.index(Index.all(), Index.slice(null, -(k + 1), null));
                Tensor gk = grid.index(Index.all(), Index.slice(k, -1, null));
                Tensor gk1 = grid.index(Index.all(), Index.slice(k + 1, null, null));
                Tensor g1 = grid.index(Index.all(), Index.slice(1, -k, null));
                bases = x.sub(g0).div(gk.sub(g0)).mul(bases.index(Index.all(), Index.all(), Index.slice(null, -1, null)))
                        .add(gk1.sub(x).div(gk1.sub(g1))
                                .mul(bases.index(Index.all(), Index.all(), Index.slice(1, null, null))));
            }
            assertArrayEquals(new int[] {x.size(0), inFeatures, gridSize + splineOrder}, bases.shape());
            return bases.contiguous();
        }

        Tensor curve2coeff(Tensor x, Tensor y) {
            Tensor a = bSplines(x).transpose(0, 1);
            Tensor b = y.transpose(0, 1);
            Tensor solution = a.linalgLstsq(b);
            return solution.permute(2, 0, 1).contiguous();
        }

        Tensor scaledSplineWeight() {
            return parameter("spline_weight").mul(parameter("spline_scaler").unsqueeze(-1));
        }

        @Override
        public Tensor forward(Tensor x) {
            assertEquals(inFeatures, x.size(-1));
            int[] originalShape = x.shape();
            x = x.reshape(-1, inFeatures);
            Tensor baseOutput = Functional.linear(baseActivation.apply(x), parameter("base_weight"), null);
            Tensor splineOutput = Functional.linear(bSplines(x).view(x.size(0), -1),
                    scaledSplineWeight().view(outFeatures, -1), null);
            Tensor output = baseOutput.add(splineOutput);
            int[] shape = java.util.Arrays.copyOf(originalShape, originalShape.length);
            shape[shape.length - 1] = outFeatures;
            return output.reshape(shape);
        }

        void updateGrid(Tensor x, double margin) {
            try (GradMode off = Ember.noGrad()) {
                int batch = x.size(0);
                Tensor splines = bSplines(x).permute(1, 0, 2);
                Tensor origCoeff = scaledSplineWeight().permute(1, 2, 0);
                Tensor unreducedSplineOutput = splines.bmm(origCoeff).permute(1, 0, 2);
                Tensor xSorted = x.sort(0, false).values();
                Tensor gridAdaptive = xSorted.index(Index.of(Tensor.linspace(0, batch - 1, gridSize + 1, DType.INT64)));
                Tensor uniformStep = xSorted.select(0, -1).sub(xSorted.select(0, 0)).add(2 * margin).div(gridSize);
                Tensor gridUniform = Tensor.arange(0, gridSize + 1, 1, F32).unsqueeze(1).mul(uniformStep)
                        .add(xSorted.select(0, 0)).sub(margin);
                Tensor grid = gridUniform.mul(gridEps).add(gridAdaptive.mul(1 - gridEps));
                grid = Tensor.cat(List.of(
                        grid.index(Index.slice(null, 1, null))
                                .sub(uniformStep.mul(Tensor.arange(splineOrder, 0, -1).unsqueeze(1))),
                        grid,
                        grid.index(Index.slice(-1, null, null))
                                .add(uniformStep.mul(Tensor.arange(1, splineOrder + 1).unsqueeze(1)))), 0);
                grid().copy_(grid.t());
                parameter("spline_weight").data().copy_(curve2coeff(x, unreducedSplineOutput));
            }
        }

        Tensor regularizationLoss(double regularizeActivation, double regularizeEntropy) {
            Tensor l1Fake = parameter("spline_weight").abs().mean(-1);
            Tensor regularizationLossActivation = l1Fake.sum();
            Tensor p = l1Fake.div(regularizationLossActivation);
            Tensor regularizationLossEntropy = p.mul(p.log()).sum().neg();
            return regularizationLossActivation.mul(regularizeActivation)
                    .add(regularizationLossEntropy.mul(regularizeEntropy));
        }
    }

    static final class KAN extends Module {
        final ModuleList<KANLinear> layers = registerModule("layers", new ModuleList<>());

        KAN(int... layersHidden) {
            for (int i = 0; i + 1 < layersHidden.length; i++) {
                layers.add(new KANLinear(layersHidden[i], layersHidden[i + 1], 5, 3));
            }
        }

        Tensor forward(Tensor x, boolean updateGrid) {
            for (KANLinear layer : layers) {
                if (updateGrid) {
                    layer.updateGrid(x, 0.01);
                }
                x = layer.apply(x);
            }
            return x;
        }

        @Override
        public Tensor forward(Tensor x) {
            return forward(x, false);
        }

        Tensor regularizationLoss() {
            Tensor sum = null;
            for (KANLinear layer : layers) {
                Tensor r = layer.regularizationLoss(1.0, 1.0);
                sum = sum == null ? r : sum.add(r);
            }
            return sum;
        }
    }

    @Test
    void efficientKanTrainsAndUpdatesItsGrid() {
        Tensor x = e("kan.x");
        Tensor y = e("kan.y");
        KAN kan = PT.loaded(new KAN(3, 5, 2), "kan.init.", F64);
        try (GradMode off = Ember.noGrad()) {
            same(e("kan.bases0"), kan.layers.get(0).bSplines(x.select(0, 0)), "B-spline bases");
        }
        new OutsiderTraining(PT, "kan.", kan, new Adam(kan.parameters(), 1e-2), 3, step -> {
            Tensor o = kan.apply(x.select(0, step));
            return new Object[] {o, Functional.mseLoss(o, y.select(0, step)).add(kan.regularizationLoss().mul(1e-3))};
        }).first(o -> same(e("kan.out0"), (Tensor) o, "KAN output")).run();
        // update_grid's lstsq is not bitwise reproducible in PyTorch: its results are saved float32, compared so
        Tensor ux = e("kan.ux");
        Tensor updated;
        try (GradMode off = Ember.noGrad()) {
            updated = kan.forward(ux, true);
        }
        same(PT.e("kan.updated_out"), updated.to(F32), "forward with update_grid");
        for (int i = 0; i < 2; i++) {
            KANLinear layer = kan.layers.get(i);
            same(PT.e("kan.updated.layers." + i + ".grid"), layer.grid().to(F32), "updated grid " + i);
            same(PT.e("kan.updated.layers." + i + ".spline_weight"), layer.getParameter("spline_weight").to(F32),
                    "refitted spline_weight " + i);
        }
    }

    // ------------------------------------------------------------------ 3. PatchTST

    static final class RevIN extends Module {
        final int numFeatures;
        final double eps;
        final boolean affine;
        final boolean subtractLast;
        Tensor mean;
        Tensor stdev;
        Tensor last;

        RevIN(int numFeatures, double eps, boolean affine, boolean subtractLast) {
            this.numFeatures = numFeatures;
            this.eps = eps;
            this.affine = affine;
            this.subtractLast = subtractLast;
            if (affine) {
                registerParameter("affine_weight", Tensor.ones(numFeatures));
                registerParameter("affine_bias", Tensor.zeros(numFeatures));
            }
        }

        Tensor forward(Tensor x, String mode) {
            if (mode.equals("norm")) {
                getStatistics(x);
                return normalize(x);
            } else if (mode.equals("denorm")) {
                return denormalize(x);
            }
            throw new UnsupportedOperationException(mode);
        }

        @Override
        public Tensor forward(Tensor x) {
            throw new UnsupportedOperationException("called with a mode");
        }

        void getStatistics(Tensor x) {
            int[] dim2reduce = new int[x.dim() - 2];
            for (int i = 0; i < dim2reduce.length; i++) {
                dim2reduce[i] = i + 1;
            }
            if (subtractLast) {
                last = x.index(Index.all(), Index.of(-1), Index.all()).unsqueeze(1);
            } else {
                mean = x.mean(dim2reduce, true).detach();
            }
            stdev = x.var(dim2reduce, 0, true).add(eps).sqrt().detach();
        }

        Tensor normalize(Tensor x) {
            x = subtractLast ? x.sub(last) : x.sub(mean);
            x = x.div(stdev);
            if (affine) {
                x = x.mul(parameter("affine_weight"));
                x = x.add(parameter("affine_bias"));
            }
            return x;
        }

        Tensor denormalize(Tensor x) {
            if (affine) {
                x = x.sub(parameter("affine_bias"));
                x = x.div(parameter("affine_weight").add(eps * eps));
            }
            x = x.mul(stdev);
            return subtractLast ? x.add(last) : x.add(mean);
        }
    }

    static final class Transpose extends Module {
        final int d0;
        final int d1;

        Transpose(int d0, int d1) {
            this.d0 = d0;
            this.d1 = d1;
        }

        @Override
        public Tensor forward(Tensor x) {
            return x.transpose(d0, d1);
        }
    }

    static final class ScaledDotProductAttention extends Module {
        final boolean resAttention;

        ScaledDotProductAttention(int dModel, int nHeads, boolean resAttention) {
            this.resAttention = resAttention;
            registerModule("attn_dropout", new Dropout(0.0));
            int headDim = dModel / nHeads;
            // nn.Parameter(torch.tensor(head_dim ** -0.5), requires_grad=lsa) with lsa False
            registerParameter("scale", Tensor.scalar(Math.pow(headDim, -0.5))).requiresGrad_(false);
        }

        /** output, attn_weights, attn_scores. */
        Tensor[] forward(Tensor q, Tensor k, Tensor v, Tensor prev) {
            Tensor attnScores = q.matmul(k).mul(parameter("scale"));
            if (prev != null) {
                attnScores = attnScores.add(prev);
            }
            Tensor attnWeights = attnScores.softmax(-1);
            Tensor output = attnWeights.matmul(v);
            return new Tensor[] {output, attnWeights, attnScores};
        }

        @Override
        public Tensor forward(Tensor x) {
            throw new UnsupportedOperationException("called with q, k, v");
        }
    }

    static final class MultiheadAttention extends Container {
        final int nHeads;
        final int dK;
        final int dV;
        final Linear wQ;
        final Linear wK;
        final Linear wV;
        final ScaledDotProductAttention sdpAttn;
        final Sequential toOut;

        MultiheadAttention(int dModel, int nHeads, boolean resAttention) {
            this.nHeads = nHeads;
            dK = dModel / nHeads;
            dV = dModel / nHeads;
            wQ = registerModule("W_Q", new Linear(dModel, dK * nHeads));
            wK = registerModule("W_K", new Linear(dModel, dK * nHeads));
            wV = registerModule("W_V", new Linear(dModel, dV * nHeads));
            sdpAttn = registerModule("sdp_attn", new ScaledDotProductAttention(dModel, nHeads, resAttention));
            toOut = registerModule("to_out", new Sequential(new Linear(nHeads * dV, dModel), new Dropout(0.0)));
        }

        /** output, attn_weights, attn_scores (self-attention: K and V are Q). */
        Tensor[] forward(Tensor q, Tensor prev) {
            int bs = q.size(0);
            Tensor qS = wQ.apply(q).view(bs, -1, nHeads, dK).transpose(1, 2);
            Tensor kS = wK.apply(q).view(bs, -1, nHeads, dK).permute(0, 2, 3, 1);
            Tensor vS = wV.apply(q).view(bs, -1, nHeads, dV).transpose(1, 2);
            Tensor[] r = sdpAttn.forward(qS, kS, vS, prev);
            Tensor output = r[0].transpose(1, 2).contiguous().view(bs, -1, nHeads * dV);
            output = toOut.apply(output);
            return new Tensor[] {output, r[1], r[2]};
        }
    }

    static Sequential batchNormBetweenTransposes(int dModel) {
        return new Sequential(new Transpose(1, 2), new BatchNorm1d(dModel), new Transpose(1, 2));
    }

    static final class TSTEncoderLayer extends Container {
        final MultiheadAttention selfAttn;
        final Sequential normAttn;
        final Sequential ff;
        final Sequential normFfn;

        TSTEncoderLayer(int dModel, int nHeads, int dFf) {
            selfAttn = registerModule("self_attn", new MultiheadAttention(dModel, nHeads, true));
            registerModule("dropout_attn", new Dropout(0.0));
            normAttn = registerModule("norm_attn", batchNormBetweenTransposes(dModel));
            ff = registerModule("ff", new Sequential(new Linear(dModel, dFf), new GELU(), new Dropout(0.0),
                    new Linear(dFf, dModel)));
            registerModule("dropout_ffn", new Dropout(0.0));
            normFfn = registerModule("norm_ffn", batchNormBetweenTransposes(dModel));
        }

        /** src, scores (post-norm, residual attention). */
        Tensor[] forward(Tensor src, Tensor prev) {
            Tensor[] a = selfAttn.forward(src, prev);
            src = src.add(a[0]);
            src = normAttn.apply(src);
            Tensor src2 = ff.apply(src);
            src = src.add(src2);
            src = normFfn.apply(src);
            return new Tensor[] {src, a[2]};
        }
    }

    static final class TSTiEncoder extends Container {
        final Linear wP;
        final ModuleList<TSTEncoderLayer> layers;

        TSTiEncoder(int patchNum, int patchLen, int nLayers, int dModel, int nHeads, int dFf) {
            wP = registerModule("W_P", new Linear(patchLen, dModel));
            registerParameter("W_pos", Tensor.zeros(patchNum, dModel)); // 'zeros': uniform(-0.02, 0.02), loaded
            registerModule("dropout", new Dropout(0.0));
            Container encoder = registerModule("encoder", new Container() { });
            layers = new ModuleList<>();
            for (int i = 0; i < nLayers; i++) {
                layers.add(new TSTEncoderLayer(dModel, nHeads, dFf));
            }
            encoder.addModule("layers", layers);
        }

        @Override
        public Tensor forward(Tensor x) {
            int nVars = x.size(1);
            x = x.permute(0, 1, 3, 2);
            x = wP.apply(x);
            Tensor u = x.reshape(x.size(0) * x.size(1), x.size(2), x.size(3));
            u = u.add(param("W_pos"));
            // TSTEncoder with res_attention: each layer gets the previous layer's scores
            Tensor output = u;
            Tensor scores = null;
            for (TSTEncoderLayer mod : layers) {
                Tensor[] r = mod.forward(output, scores);
                output = r[0];
                scores = r[1];
            }
            Tensor z = output.reshape(-1, nVars, output.size(-2), output.size(-1));
            return z.permute(0, 1, 3, 2);
        }
    }

    static final class PatchTSTBackbone extends Module {
        final RevIN revinLayer;
        final int patchLen;
        final int stride;
        final ReplicationPad1d paddingPatchLayer;
        final TSTiEncoder backbone;
        final Sequential head;

        PatchTSTBackbone(boolean subtractLast) {
            int cIn = 2;
            int contextWindow = 16;
            int targetWindow = 4;
            patchLen = 4;
            stride = 2;
            int dModel = 8;
            revinLayer = registerModule("revin_layer", new RevIN(cIn, 1e-5, true, subtractLast));
            int patchNum = (contextWindow - patchLen) / stride + 1;
            paddingPatchLayer = registerModule("padding_patch_layer", new ReplicationPad1d(new int[] {0, stride}));
            patchNum += 1;
            backbone = registerModule("backbone", new TSTiEncoder(patchNum, patchLen, 2, dModel, 2, 16));
            int headNf = dModel * patchNum;
            // Flatten_Head (individual=False): flatten(start_dim=-2), linear, dropout
            head = registerModule("head", new Sequential(Map.of()));
            head.addModule("flatten", new Flatten(-2, -1));
            head.addModule("linear", new Linear(headNf, targetWindow));
            head.addModule("dropout", new Dropout(0.0));
        }

        @Override
        public Tensor forward(Tensor z) {
            z = z.permute(0, 2, 1);
            z = revinLayer.forward(z, "norm");
            z = z.permute(0, 2, 1);
            z = paddingPatchLayer.apply(z);
            z = z.unfold(-1, patchLen, stride);
            z = z.permute(0, 1, 3, 2);
            z = backbone.apply(z);
            z = head.apply(z);
            z = z.permute(0, 2, 1);
            z = revinLayer.forward(z, "denorm");
            return z.permute(0, 2, 1);
        }
    }

    static final class PatchTST extends Module {
        final PatchTSTBackbone model;

        PatchTST(boolean subtractLast) {
            model = registerModule("model", new PatchTSTBackbone(subtractLast));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = x.permute(0, 2, 1);
            x = model.apply(x);
            return x.permute(0, 2, 1);
        }
    }

    /**
     * PatchTST's parameters whose gradients are rounding noise: the key bias (softmax is invariant to it), and the
     * value, output-projection and second feed-forward biases (per-channel constants added before a BatchNorm over the
     * batch and patches, which removes them).
     */
    static final Set<String> PTST_NOISE = ptstNoise();

    private static Set<String> ptstNoise() {
        Set<String> noise = new java.util.HashSet<>();
        for (int l = 0; l < 2; l++) {
            String layer = "model.backbone.encoder.layers." + l + ".";
            for (String b : new String[] {"self_attn.W_K.bias", "self_attn.W_V.bias", "self_attn.to_out.0.bias",
                "ff.3.bias"}) {
                noise.add(layer + b);
            }
        }
        return noise;
    }

    @Test
    void patchTstForecastsWithRevinAndResidualAttention() {
        Tensor series = e("ptst.series");
        Tensor xs = series.index(Index.all(), Index.all(), Index.slice(null, 16, null));
        Tensor ys = series.index(Index.all(), Index.all(), Index.slice(16, null, null));
        PatchTST ptst = PT.loaded(new PatchTST(false), "ptst.init.", F64);
        same(e("ptst.patches0"), ptst.model.paddingPatchLayer.apply(xs.select(0, 0).permute(0, 2, 1)).unfold(-1, 4, 2),
                "patches");
        ptst.train();
        new OutsiderTraining(PT, "ptst.", ptst, new SGD(ptst.parameters(), 0.05, 0.9, 0, 0, false), 3, step -> {
            Tensor o = ptst.apply(xs.select(0, step));
            return new Object[] {o, Functional.mseLoss(o, ys.select(0, step))};
        }).checkGrads(false).checkFinal(false).first(o -> {
            same(e("ptst.out0"), (Tensor) o, "PatchTST forecast");
            assertGrads("ptst.grad0.", ptst, false, PTST_NOISE, "PatchTST first gradient");
        }).run();
        // SGD moves the noise biases by lr times rounding noise: far below 1e-13
        assertFinalNoise("ptst.final.", ptst, PTST_NOISE, 1e-13, "PatchTST after 3 steps");
        Map<String, Tensor> buffers = ptst.namedBuffers();
        for (Map.Entry<String, Tensor> b : buffers.entrySet()) {
            Tensor want = e("ptst.buffers." + b.getKey());
            if (want.dtype() == DType.INT64) {
                exact(want, b.getValue(), "buffer " + b.getKey());
            } else {
                same(want, b.getValue(), "buffer " + b.getKey());
            }
        }
        assertEquals(PT.under("ptst.buffers.").size(), buffers.size(), "PatchTST buffer names");
        ptst.eval();
        try (GradMode off = Ember.noGrad()) {
            same(e("ptst.eval"), ptst.apply(xs.select(0, 0)), "PatchTST eval forecast");
        }
        PatchTST last = PT.loaded(new PatchTST(true), "ptst.init.", F64);
        last.train();
        Tensor o = last.apply(xs.select(0, 1));
        Functional.mseLoss(o, ys.select(0, 1)).backward();
        same(e("ptst.last.out"), o, "RevIN subtract_last forecast");
        same(e("ptst.last.grad.model.revin_layer.affine_weight"),
                last.model.revinLayer.getParameter("affine_weight").grad(), "subtract_last affine_weight gradient");
        same(e("ptst.last.grad.model.backbone.W_P.weight"), last.model.backbone.wP.weight().grad(),
                "subtract_last W_P gradient");
    }

    // ------------------------------------------------------------------ 4. MoCo v2 and BYOL

    /** The base_encoder(num_classes=dim) MoCo builds: a body and an fc (replaced by the MLP head). */
    static final class TinyEncoder extends Module {
        final Linear fc1;
        final BatchNorm1d bn;
        final ReLU relu;
        Module fc;

        TinyEncoder(int numClasses) {
            fc1 = registerModule("fc1", new Linear(6, 8));
            bn = registerModule("bn", new BatchNorm1d(8));
            relu = registerModule("relu", new ReLU());
            fc = registerModule("fc", new Linear(8, numClasses));
        }

        /** {@code self.fc = module}. */
        void setFc(Module module) {
            setSubmodule("fc", module);
            fc = module;
        }

        @Override
        public Tensor forward(Tensor x) {
            return fc.apply(relu.apply(bn.apply(fc1.apply(x))));
        }
    }

    static final class MoCo extends Module {
        final int bigK;
        final double m;
        final double bigT;
        final TinyEncoder encoderQ;
        final TinyEncoder encoderK;

        MoCo(int dim, int bigK, double m, double bigT, boolean mlp) {
            this.bigK = bigK;
            this.m = m;
            this.bigT = bigT;
            encoderQ = registerModule("encoder_q", new TinyEncoder(dim));
            encoderK = registerModule("encoder_k", new TinyEncoder(dim));
            if (mlp) {
                int dimMlp = ((Linear) encoderQ.fc).weight().size(1);
                encoderQ.setFc(new Sequential(new Linear(dimMlp, dimMlp), new ReLU(), encoderQ.fc));
                encoderK.setFc(new Sequential(new Linear(dimMlp, dimMlp), new ReLU(), encoderK.fc));
            }
            List<Tensor> qs = encoderQ.parameters();
            List<Tensor> ks = encoderK.parameters();
            for (int i = 0; i < qs.size(); i++) {
                ks.get(i).data().copy_(qs.get(i).data());
                ks.get(i).requiresGrad_(false);
            }
            registerBuffer("queue", Tensor.randn(dim, bigK));
            registerBuffer("queue", Functional.normalize(getBuffer("queue"), 2, 0, 1e-12)); // self.queue = normalize
            registerBuffer("queue_ptr", Tensor.zeros(DType.INT64, 1));
        }

        void momentumUpdateKeyEncoder() {
            try (GradMode off = Ember.noGrad()) {
                List<Tensor> qs = encoderQ.parameters();
                List<Tensor> ks = encoderK.parameters();
                for (int i = 0; i < qs.size(); i++) {
                    Tensor paramK = ks.get(i);
                    paramK.setData(paramK.data().mul(m).add(qs.get(i).data().mul(1. - m)));
                }
            }
        }

        void dequeueAndEnqueue(Tensor keys) {
            try (GradMode off = Ember.noGrad()) {
                int batchSize = keys.size(0);
                int ptr = (int) getBuffer("queue_ptr").item();
                assertEquals(0, bigK % batchSize);
                getBuffer("queue").index(Index.all(), Index.slice(ptr, ptr + batchSize, null)).copy_(keys.t());
                ptr = (ptr + batchSize) % bigK;
                getBuffer("queue_ptr").indexPut_(new Index[] {Index.of(0)}, (long) ptr, false);
            }
        }

        /** logits, labels. */
        Tensor[] forward(Tensor imQ, Tensor imK, Tensor idxShuffle) {
            Tensor q = encoderQ.apply(imQ);
            q = Functional.normalize(q, 2, 1, 1e-12);
            Tensor k;
            try (GradMode off = Ember.noGrad()) {
                momentumUpdateKeyEncoder();
                Tensor idxUnshuffle = idxShuffle.argsort(); // _batch_shuffle_ddp on one process
                imK = imK.index(Index.of(idxShuffle));
                k = encoderK.apply(imK);
                k = Functional.normalize(k, 2, 1, 1e-12);
                k = k.index(Index.of(idxUnshuffle));
            }
            // builder.py's list form, einsum('nc,nc->n', [q, k])
            Tensor lPos = Tensor.einsum("nc,nc->n", List.of(q, k)).unsqueeze(-1);
            Tensor lNeg = Tensor.einsum("nc,ck->nk", List.of(q, getBuffer("queue").clone().detach()));
            Tensor logits = Tensor.cat(List.of(lPos, lNeg), 1);
            logits.div_(bigT);
            Tensor labels = Tensor.zeros(DType.INT64, logits.size(0));
            dequeueAndEnqueue(k);
            return new Tensor[] {logits, labels};
        }

        @Override
        public Tensor forward(Tensor x) {
            throw new UnsupportedOperationException("called with both views");
        }
    }

    @Test
    void mocoV2MomentumEncoderAndQueue() {
        Tensor x = e("moco.x");
        Tensor perm = e("moco.perm");
        MoCo moco = PT.loaded(new MoCo(4, 8, 0.9, 0.2, true), "moco.init.", F64);
        for (Tensor p : moco.encoderK.parameters()) {
            assertTrue(!p.requiresGrad(), "the key encoder stays frozen after the load");
        }
        moco.train();
        SGD opt = new SGD(moco.encoderQ.parameters(), 0.5, 0.9, 0, 0, false);
        List<Double> losses = new ArrayList<>();
        Tensor ar = Tensor.arange(6.0).to(F64).mul(0.1);
        for (int step = 0; step < 3; step++) {
            Tensor xq = x.select(0, step).add(ar);
            Tensor xk = x.select(0, step).sub(ar);
            Tensor[] ll = moco.forward(xq, xk, perm.select(0, step));
            Tensor loss = Functional.crossEntropy(ll[0], ll[1]);
            opt.zeroGrad();
            loss.backward();
            if (step == 0) {
                same(e("moco.logits0"), ll[0], "MoCo logits");
                // fc1's bias comes before a BatchNorm, which removes it: its gradient is rounding noise
                assertGrads("moco.grad0.", moco.encoderQ, false, Set.of("fc1.bias"), "MoCo query encoder gradient");
                for (Tensor p : moco.encoderK.parameters()) {
                    assertNull(p.grad(), "no gradient reaches the key encoder");
                }
            }
            opt.step();
            losses.add(loss.item());
        }
        OutsiderFixture.assertCloseAny(e("moco.loss"), OutsiderFixture.values(losses, F64), "MoCo losses", 10);
        assertState("moco.final.", moco, "MoCo after 3 steps");
    }

    static Sequential byolMlp(int dim, int projectionSize, int hiddenSize) {
        return new Sequential(new Linear(dim, hiddenSize), new BatchNorm1d(hiddenSize), new ReLU(true),
                new Linear(hiddenSize, projectionSize));
    }

    static Tensor byolLossFn(Tensor x, Tensor y) {
        x = Functional.normalize(x, 2, -1, 1e-12);
        y = Functional.normalize(y, 2, -1, 1e-12);
        return x.mul(y).sum(-1).mul(2).rsub(2);
    }

    /** byol-pytorch's NetWrapper reduced to its use: the representation, then the projector. */
    static final class NetWrapper extends Module {
        final Sequential net;
        final Sequential projector;

        NetWrapper() {
            net = registerModule("net", new Sequential(new Linear(6, 8), new ReLU()));
            projector = registerModule("projector", byolMlp(8, 4, 16));
        }

        @Override
        public Tensor forward(Tensor x) {
            return projector.apply(net.apply(x));
        }
    }

    static final class BYOL extends Module {
        final NetWrapper onlineEncoder;
        NetWrapper targetEncoder;
        final double beta;
        final Sequential onlinePredictor;

        BYOL(double movingAverageDecay) {
            onlineEncoder = registerModule("online_encoder", new NetWrapper());
            beta = movingAverageDecay;
            onlinePredictor = registerModule("online_predictor", byolMlp(4, 4, 16));
        }

        /** copy.deepcopy(online_encoder) with its parameters frozen, made on the first call. */
        NetWrapper getTargetEncoder() {
            if (targetEncoder != null) {
                return targetEncoder;
            }
            NetWrapper target = new NetWrapper();
            target.to(F64);
            target.loadStateDict(onlineEncoder.stateDict());
            target.train(onlineEncoder.isTraining());
            for (Tensor p : target.parameters()) {
                p.requiresGrad_(false);
            }
            addModule("target_encoder", target); // self.target_encoder = target_encoder registers it
            targetEncoder = target;
            return target;
        }

        void updateMovingAverage() {
            List<Tensor> current = onlineEncoder.parameters();
            List<Tensor> ma = targetEncoder.parameters();
            for (int i = 0; i < current.size(); i++) {
                Tensor oldWeight = ma.get(i).data();
                Tensor upWeight = current.get(i).data();
                ma.get(i).setData(oldWeight.mul(beta).add(upWeight.mul(1 - beta)));
            }
        }

        Tensor forward(Tensor imageOne, Tensor imageTwo) {
            Tensor images = Tensor.cat(List.of(imageOne, imageTwo), 0);
            Tensor onlineProjections = onlineEncoder.apply(images);
            Tensor onlinePredictions = onlinePredictor.apply(onlineProjections);
            List<Tensor> pred = onlinePredictions.chunk(2, 0);
            List<Tensor> target;
            try (GradMode off = Ember.noGrad()) {
                NetWrapper targetEnc = getTargetEncoder();
                Tensor targetProjections = targetEnc.apply(images).detach();
                target = targetProjections.chunk(2, 0);
            }
            Tensor lossOne = byolLossFn(pred.get(0), target.get(1).detach());
            Tensor lossTwo = byolLossFn(pred.get(1), target.get(0).detach());
            return lossOne.add(lossTwo).mean();
        }

        @Override
        public Tensor forward(Tensor x) {
            throw new UnsupportedOperationException("called with both views");
        }
    }

    @Test
    void byolTargetEncoderIsAFrozenCopyUpdatedByEma() {
        Tensor x = e("byol.x");
        BYOL byol = PT.loaded(new BYOL(0.9), "byol.init.", F64);
        byol.train();
        SGD opt = new SGD(byol.parameters(), 0.05, 0.9, 0, 0, false);
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            Tensor loss = byol.forward(x.select(0, step).select(0, 0), x.select(0, step).select(0, 1));
            opt.zeroGrad();
            loss.backward();
            if (step == 0) {
                // the biases before a BatchNorm (the predictor's BatchNorm removes the projector's last bias in the
                // online branch) get gradients that are rounding noise
                assertGrads("byol.grad0.", byol, false, Set.of("online_encoder.projector.0.bias",
                        "online_encoder.projector.3.bias", "online_predictor.0.bias"), "BYOL gradient");
            }
            opt.step();
            byol.updateMovingAverage();
            losses.add(loss.item());
        }
        OutsiderFixture.assertCloseAny(e("byol.loss"), OutsiderFixture.values(losses, F64), "BYOL losses", 10);
        PT.assertNamed("byol.final.online.", byol.onlineEncoder, false, 1, "BYOL online encoder");
        PT.assertNamed("byol.final.pred.", byol.onlinePredictor, false, 1, "BYOL predictor");
        assertState("byol.final.target.", byol.targetEncoder, "BYOL target encoder");
    }

    // ------------------------------------------------------------------ 5. torchvision.ops boxes

    static Tensor boxCxcywhToXyxy(Tensor boxes) {
        List<Tensor> u = boxes.unbind(-1);
        Tensor cx = u.get(0);
        Tensor cy = u.get(1);
        Tensor w = u.get(2);
        Tensor h = u.get(3);
        Tensor x1 = cx.sub(w.mul(0.5));
        Tensor y1 = cy.sub(h.mul(0.5));
        Tensor x2 = cx.add(w.mul(0.5));
        Tensor y2 = cy.add(h.mul(0.5));
        return Tensor.stack(List.of(x1, y1, x2, y2), -1);
    }

    static Tensor boxXyxyToCxcywh(Tensor boxes) {
        List<Tensor> u = boxes.unbind(-1);
        Tensor cx = u.get(0).add(u.get(2)).div(2);
        Tensor cy = u.get(1).add(u.get(3)).div(2);
        Tensor w = u.get(2).sub(u.get(0));
        Tensor h = u.get(3).sub(u.get(1));
        return Tensor.stack(List.of(cx, cy, w, h), -1);
    }

    static Tensor boxXywhToXyxy(Tensor boxes) {
        List<Tensor> u = boxes.unbind(-1);
        return Tensor.stack(List.of(u.get(0), u.get(1), u.get(0).add(u.get(2)), u.get(1).add(u.get(3))), -1);
    }

    static Tensor boxXyxyToXywh(Tensor boxes) {
        List<Tensor> u = boxes.unbind(-1);
        Tensor w = u.get(2).sub(u.get(0));
        Tensor h = u.get(3).sub(u.get(1));
        return Tensor.stack(List.of(u.get(0), u.get(1), w, h), -1);
    }

    static Tensor boxConvert(Tensor boxes, String inFmt, String outFmt) {
        if (inFmt.equals(outFmt)) {
            return boxes.clone();
        }
        if (!inFmt.equals("xyxy") && !outFmt.equals("xyxy")) {
            boxes = inFmt.equals("xywh") ? boxXywhToXyxy(boxes) : boxCxcywhToXyxy(boxes);
            inFmt = "xyxy";
        }
        if (inFmt.equals("xyxy")) {
            boxes = outFmt.equals("xywh") ? boxXyxyToXywh(boxes) : boxXyxyToCxcywh(boxes);
        } else {
            boxes = inFmt.equals("xywh") ? boxXywhToXyxy(boxes) : boxCxcywhToXyxy(boxes);
        }
        return boxes;
    }

    static Tensor boxArea(Tensor boxes) {
        return boxes.select(1, 2).sub(boxes.select(1, 0)).mul(boxes.select(1, 3).sub(boxes.select(1, 1)));
    }

    static Tensor boxIou(Tensor boxes1, Tensor boxes2) {
        Tensor area1 = boxArea(boxes1);
        Tensor area2 = boxArea(boxes2);
        Tensor lt = boxes1.index(Index.all(), Index.newAxis(), Index.slice(null, 2, null))
                .maximum(boxes2.index(Index.all(), Index.slice(null, 2, null)));
        Tensor rb = boxes1.index(Index.all(), Index.newAxis(), Index.slice(2, null, null))
                .minimum(boxes2.index(Index.all(), Index.slice(2, null, null)));
        Tensor wh = rb.sub(lt).clampMin(0.0);
        Tensor inter = wh.select(2, 0).mul(wh.select(2, 1));
        Tensor union = area1.index(Index.all(), Index.newAxis()).add(area2).sub(inter);
        return inter.div(union);
    }

    /** The hand-written NMS: scores sorted descending, the IoU matrix, the suppression loop. */
    static Tensor nms(Tensor boxes, Tensor scores, double iouThreshold) {
        Tensor order = scores.argsort(0, true);
        Tensor iou = boxIou(boxes, boxes);
        Tensor suppressed = Tensor.zeros(DType.BOOL, boxes.size(0));
        List<Long> keep = new ArrayList<>();
        for (long i : order.toLongArray()) {
            if (suppressed.index(Index.of((int) i)).toBooleanArray()[0]) {
                continue;
            }
            keep.add(i);
            suppressed.bitwiseOr_(iou.select(0, (int) i).gt(iouThreshold));
        }
        return Tensor.tensor(keep.stream().mapToLong(Long::longValue).toArray());
    }

    static Tensor batchedNmsCoordinateTrick(Tensor boxes, Tensor scores, Tensor idxs, double iouThreshold) {
        if (boxes.numel() == 0) {
            return Tensor.zeros(DType.INT64, 0);
        }
        Tensor maxCoordinate = boxes.max();
        Tensor offsets = idxs.to(boxes.dtype()).mul(maxCoordinate.add(Tensor.tensor(1L).to(boxes.dtype())));
        Tensor boxesForNms = boxes.add(offsets.index(Index.all(), Index.newAxis()));
        return nms(boxesForNms, scores, iouThreshold);
    }

    static Tensor batchedNmsVanilla(Tensor boxes, Tensor scores, Tensor idxs, double iouThreshold) {
        Tensor keepMask = Tensor.zeros(DType.BOOL, scores.size(0));
        for (long classId : idxs.unique().toLongArray()) {
            Tensor currIndices = Tensor.where(idxs.eq(classId)).get(0);
            Tensor currKeepIndices = nms(boxes.index(Index.of(currIndices)), scores.index(Index.of(currIndices)),
                    iouThreshold);
            keepMask.indexPut_(new Index[] {Index.of(currIndices.index(Index.of(currKeepIndices)))}, 1L, false);
        }
        Tensor keepIndices = Tensor.where(keepMask).get(0);
        return keepIndices.index(Index.of(scores.index(Index.of(keepIndices)).sort(0, true).indices()));
    }

    /** torchvision's _loss_inter_union (the intersection written by a boolean mask). */
    static Tensor[] lossInterUnion(Tensor boxes1, Tensor boxes2) {
        List<Tensor> b1 = boxes1.unbind(-1);
        List<Tensor> b2 = boxes2.unbind(-1);
        Tensor x1 = b1.get(0);
        Tensor y1 = b1.get(1);
        Tensor x2 = b1.get(2);
        Tensor y2 = b1.get(3);
        Tensor x1g = b2.get(0);
        Tensor y1g = b2.get(1);
        Tensor x2g = b2.get(2);
        Tensor y2g = b2.get(3);
        Tensor xkis1 = x1.maximum(x1g);
        Tensor ykis1 = y1.maximum(y1g);
        Tensor xkis2 = x2.minimum(x2g);
        Tensor ykis2 = y2.minimum(y2g);
        Tensor intsctk = x1.zerosLike();
        Tensor mask = ykis2.gt(ykis1).bitwiseAnd(xkis2.gt(xkis1));
        Index[] m = {Index.of(mask)};
        intsctk.indexPut_(m, xkis2.index(m).sub(xkis1.index(m)).mul(ykis2.index(m).sub(ykis1.index(m))), false);
        Tensor unionk = x2.sub(x1).mul(y2.sub(y1)).add(x2g.sub(x1g).mul(y2g.sub(y1g))).sub(intsctk);
        return new Tensor[] {intsctk, unionk};
    }

    static Tensor reduce(Tensor loss, String reduction) {
        if (reduction.equals("mean")) {
            return loss.numel() > 0 ? loss.mean() : loss.sum().mul(0.0);
        }
        return reduction.equals("sum") ? loss.sum() : loss;
    }

    static Tensor generalizedBoxIouLoss(Tensor boxes1, Tensor boxes2, String reduction, double eps) {
        Tensor[] iu = lossInterUnion(boxes1, boxes2);
        Tensor iouk = iu[0].div(iu[1].add(eps));
        List<Tensor> b1 = boxes1.unbind(-1);
        List<Tensor> b2 = boxes2.unbind(-1);
        Tensor xc1 = b1.get(0).minimum(b2.get(0));
        Tensor yc1 = b1.get(1).minimum(b2.get(1));
        Tensor xc2 = b1.get(2).maximum(b2.get(2));
        Tensor yc2 = b1.get(3).maximum(b2.get(3));
        Tensor areaC = xc2.sub(xc1).mul(yc2.sub(yc1));
        Tensor miouk = iouk.sub(areaC.sub(iu[1]).div(areaC.add(eps)));
        return reduce(miouk.rsub(1), reduction);
    }

    /** torchvision's _diou_iou_loss: the loss and the IoU. */
    static Tensor[] diouIouLoss(Tensor boxes1, Tensor boxes2, double eps) {
        Tensor[] iu = lossInterUnion(boxes1, boxes2);
        Tensor iou = iu[0].div(iu[1].add(eps));
        List<Tensor> b1 = boxes1.unbind(-1);
        List<Tensor> b2 = boxes2.unbind(-1);
        Tensor xc1 = b1.get(0).minimum(b2.get(0));
        Tensor yc1 = b1.get(1).minimum(b2.get(1));
        Tensor xc2 = b1.get(2).maximum(b2.get(2));
        Tensor yc2 = b1.get(3).maximum(b2.get(3));
        Tensor diagonalDistanceSquared = xc2.sub(xc1).pow(2).add(yc2.sub(yc1).pow(2)).add(eps);
        Tensor xP = b1.get(2).add(b1.get(0)).div(2);
        Tensor yP = b1.get(3).add(b1.get(1)).div(2);
        Tensor xG = b2.get(0).add(b2.get(2)).div(2);
        Tensor yG = b2.get(1).add(b2.get(3)).div(2);
        Tensor centersDistanceSquared = xP.sub(xG).pow(2).add(yP.sub(yG).pow(2));
        Tensor loss = iou.rsub(1).add(centersDistanceSquared.div(diagonalDistanceSquared));
        return new Tensor[] {loss, iou};
    }

    static Tensor completeBoxIouLoss(Tensor boxes1, Tensor boxes2, String reduction, double eps) {
        Tensor[] di = diouIouLoss(boxes1, boxes2, eps);
        List<Tensor> b1 = boxes1.unbind(-1);
        List<Tensor> b2 = boxes2.unbind(-1);
        Tensor wPred = b1.get(2).sub(b1.get(0));
        Tensor hPred = b1.get(3).sub(b1.get(1));
        Tensor wGt = b2.get(2).sub(b2.get(0));
        Tensor hGt = b2.get(3).sub(b2.get(1));
        Tensor v = wGt.div(hGt).atan().sub(wPred.div(hPred).atan()).pow(2).mul(4 / (Math.PI * Math.PI));
        Tensor alpha;
        try (GradMode off = Ember.noGrad()) {
            alpha = v.div(di[1].rsub(1).add(v).add(eps));
        }
        Tensor loss = di[0].add(alpha.mul(v));
        return reduce(loss, reduction);
    }

    @Test
    void torchvisionBoxOpsNmsAndIouLosses() {
        Tensor boxes = e("box.boxes");
        Tensor scores = e("box.scores");
        Tensor idxs = e("box.idxs");
        for (String fmt : new String[] {"xywh", "cxcywh"}) {
            Tensor to = boxConvert(boxes, "xyxy", fmt);
            same(e("box.to_" + fmt), to, "box_convert to " + fmt);
            same(e("box.from_" + fmt), boxConvert(e("box.to_" + fmt), fmt, "xyxy"), "box_convert from " + fmt);
        }
        same(e("box.xywh_to_cxcywh"), boxConvert(e("box.to_xywh"), "xywh", "cxcywh"), "box_convert xywh to cxcywh");
        same(e("box.iou"), boxIou(boxes, boxes.index(Index.slice(null, 4, null))), "box_iou");
        exact(e("box.nms"), nms(boxes, scores, 0.5), "nms");
        exact(e("box.bnms_trick"), batchedNmsCoordinateTrick(boxes, scores, idxs, 0.5),
                "batched_nms by the coordinate trick");
        exact(e("box.bnms_vanilla"), batchedNmsVanilla(boxes, scores, idxs, 0.5), "batched_nms by the class loop");
        assertTrue(e("box.nms").size(0) < 10 && e("box.bnms_trick").size(0) > e("box.nms").size(0),
                "the data make NMS suppress, and the classes keep more");

        Tensor x = e("box.x");
        Tensor gt = e("box.gt");
        Sequential breg = PT.loaded(new Sequential(new Linear(5, 12), new Tanh(), new Linear(12, 4)), "box.init.", F64);
        new OutsiderTraining(PT, "box.", breg, new Adam(breg.parameters(), 0.05), 3, step -> {
            Tensor raw = breg.apply(x.select(0, step));
            Tensor pred = boxConvert(Tensor.cat(List.of(raw.index(Index.all(), Index.slice(null, 2, null)),
                    Functional.softplus(raw.index(Index.all(), Index.slice(2, null, null)))), 1), "cxcywh", "xyxy");
            Tensor loss = generalizedBoxIouLoss(pred, gt.select(0, step), "mean", 1e-7)
                    .add(completeBoxIouLoss(pred, gt.select(0, step), "sum", 1e-7).div(6));
            return new Object[] {pred, loss};
        }).first(p -> same(e("box.pred0"), (Tensor) p, "predicted boxes")).run();
    }

    // ------------------------------------------------------------------ 6. xDeepFM and RWKV-4

    /** DeepCTR-Torch's FM. */
    static Tensor fm(Tensor inputs) {
        Tensor squareOfSum = inputs.sum(1, true).pow(2);
        Tensor sumOfSquare = inputs.mul(inputs).sum(1, true);
        Tensor crossTerm = squareOfSum.sub(sumOfSquare);
        return crossTerm.sum(2, false).mul(0.5);
    }

    /** DeepCTR-Torch's CIN (split_half, ReLU). */
    static final class CIN extends Module {
        final int[] layerSize;
        final ModuleList<Conv1d> conv1ds = registerModule("conv1ds", new ModuleList<>());
        final ReLU activation = registerModule("activation", new ReLU());

        CIN(int fieldSize, int... layerSize) {
            this.layerSize = layerSize;
            List<Integer> fieldNums = new ArrayList<>(List.of(fieldSize));
            for (int size : layerSize) {
                conv1ds.add(new Conv1d(fieldNums.get(fieldNums.size() - 1) * fieldNums.get(0), size, 1));
                fieldNums.add(size / 2);
            }
        }

        @Override
        public Tensor forward(Tensor inputs) {
            int batchSize = inputs.size(0);
            int dim = inputs.size(-1);
            List<Tensor> hiddenNnLayers = new ArrayList<>(List.of(inputs));
            List<Tensor> finalResult = new ArrayList<>();
            for (int i = 0; i < layerSize.length; i++) {
                int size = layerSize[i];
                Tensor last = hiddenNnLayers.get(hiddenNnLayers.size() - 1);
                Tensor x = Tensor.einsum("bhd,bmd->bhmd", last, hiddenNnLayers.get(0));
                x = x.reshape(batchSize, last.size(1) * hiddenNnLayers.get(0).size(1), dim);
                x = conv1ds.get(i).apply(x);
                Tensor currOut = activation.apply(x);
                Tensor nextHidden;
                Tensor directConnect;
                if (i != layerSize.length - 1) {
                    List<Tensor> parts = currOut.split(new int[] {size / 2, size / 2}, 1);
                    nextHidden = parts.get(0);
                    directConnect = parts.get(1);
                } else {
                    directConnect = currOut;
                    nextHidden = null;
                }
                finalResult.add(directConnect);
                hiddenNnLayers.add(nextHidden);
            }
            Tensor result = Tensor.cat(finalResult, 1);
            return result.sum(-1);
        }
    }

    static final int[] XDFM_VOCAB = {5, 7, 4};

    static final class XDeepFM extends Module {
        final ModuleDict<Embedding> embeddingDict = registerModule("embedding_dict", new ModuleDict<>());
        final ModuleDict<Embedding> linearDict = registerModule("linear_dict", new ModuleDict<>());
        final CIN cin;
        final Linear cinLinear;
        final Sequential dnn;

        XDeepFM(int emb) {
            for (int i = 0; i < XDFM_VOCAB.length; i++) {
                embeddingDict.put("f" + i, new Embedding(XDFM_VOCAB[i], emb));
                linearDict.put("f" + i, new Embedding(XDFM_VOCAB[i], 1));
            }
            cin = registerModule("cin", new CIN(XDFM_VOCAB.length, 4, 4));
            cinLinear = registerModule("cin_linear", new Linear(4 / 2 + 4, 1, false));
            dnn = registerModule("dnn", new Sequential(new Linear(XDFM_VOCAB.length * emb, 8), new ReLU(),
                    new Linear(8, 1, false)));
            registerParameter("bias", Tensor.zeros(1));
        }

        Tensor embed(Tensor bigX) {
            List<Tensor> embList = new ArrayList<>();
            for (int i = 0; i < XDFM_VOCAB.length; i++) {
                embList.add(embeddingDict.get("f" + i).apply(bigX.index(Index.all(), Index.slice(i, i + 1, null))));
            }
            return Tensor.cat(embList, 1);
        }

        @Override
        public Tensor forward(Tensor bigX) {
            List<Tensor> linList = new ArrayList<>();
            for (int i = 0; i < XDFM_VOCAB.length; i++) {
                linList.add(linearDict.get("f" + i).apply(bigX.index(Index.all(), Index.slice(i, i + 1, null))));
            }
            Tensor linearLogit = Tensor.cat(linList, -1).sum(-1, false);
            Tensor fmInput = embed(bigX);
            Tensor logit = linearLogit.add(fm(fmInput));
            logit = logit.add(cinLinear.apply(cin.apply(fmInput)));
            Tensor dnnInput = fmInput.flatten(1);
            logit = logit.add(dnn.apply(dnnInput));
            return logit.add(parameter("bias"));
        }
    }

    @Test
    void xDeepFmWithFmAndCinTrains() {
        Tensor bigX = e("xdfm.X");
        Tensor y = e("xdfm.y");
        XDeepFM xdfm = PT.loaded(new XDeepFM(4), "xdfm.init.", F64);
        try (GradMode off = Ember.noGrad()) {
            Tensor e0 = xdfm.embed(bigX.select(0, 0));
            same(e("xdfm.fm0"), fm(e0), "FM second-order term");
            same(e("xdfm.cin0"), xdfm.cin.apply(e0), "CIN");
        }
        new OutsiderTraining(PT, "xdfm.", xdfm, new Adam(xdfm.parameters(), 0.02), 3, step -> {
            Tensor o = xdfm.apply(bigX.select(0, step));
            return new Object[] {o, Functional.binaryCrossEntropyWithLogits(o, y.select(0, step))};
        }).first(o -> same(e("xdfm.out0"), (Tensor) o, "xDeepFM logits")).run();
    }

    /** The WKV CUDA kernel's forward as a loop (aa, bb, pp; exp and maximum keep it finite). */
    static Tensor wkvLoop(Tensor w, Tensor u, Tensor k, Tensor v) {
        int b = k.size(0);
        int bigT = k.size(1);
        int c = k.size(2);
        // torch.zeros(B, C) and torch.full(..., -1e38): the default type, which is the model's in both programs
        Tensor aa = Tensor.zeros(k.dtype(), b, c);
        Tensor bb = Tensor.zeros(k.dtype(), b, c);
        Tensor pp = Tensor.full(k.dtype(), Device.CPU, -1e38, b, c);
        List<Tensor> y = new ArrayList<>();
        for (int t = 0; t < bigT; t++) {
            Tensor kk = k.select(1, t);
            Tensor vv = v.select(1, t);
            Tensor ww = u.add(kk);
            Tensor p = pp.maximum(ww);
            Tensor e1 = pp.sub(p).exp();
            Tensor e2 = ww.sub(p).exp();
            y.add(e1.mul(aa).add(e2.mul(vv)).div(e1.mul(bb).add(e2)));
            ww = w.add(pp);
            p = ww.maximum(kk);
            e1 = ww.sub(p).exp();
            e2 = kk.sub(p).exp();
            aa = e1.mul(aa).add(e2.mul(vv));
            bb = e1.mul(bb).add(e2);
            pp = p;
        }
        return Tensor.stack(y, 1);
    }

    static final class RwkvTimeMix extends Module {
        final ZeroPad2d timeShift;
        final Linear key;
        final Linear value;
        final Linear receptance;
        final Linear output;

        RwkvTimeMix(int nEmbd) {
            registerParameter("time_decay", Tensor.zeros(nEmbd));
            registerParameter("time_first", Tensor.zeros(nEmbd));
            registerParameter("time_mix_k", Tensor.zeros(1, 1, nEmbd));
            registerParameter("time_mix_v", Tensor.zeros(1, 1, nEmbd));
            registerParameter("time_mix_r", Tensor.zeros(1, 1, nEmbd));
            timeShift = registerModule("time_shift", new ZeroPad2d(new int[] {0, 0, 1, -1}));
            key = registerModule("key", new Linear(nEmbd, nEmbd, false));
            value = registerModule("value", new Linear(nEmbd, nEmbd, false));
            receptance = registerModule("receptance", new Linear(nEmbd, nEmbd, false));
            output = registerModule("output", new Linear(nEmbd, nEmbd, false));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor xx = timeShift.apply(x);
            Tensor mk = parameter("time_mix_k");
            Tensor mv = parameter("time_mix_v");
            Tensor mr = parameter("time_mix_r");
            Tensor xk = x.mul(mk).add(xx.mul(mk.rsub(1)));
            Tensor xv = x.mul(mv).add(xx.mul(mv.rsub(1)));
            Tensor xr = x.mul(mr).add(xx.mul(mr.rsub(1)));
            Tensor k = key.apply(xk);
            Tensor v = value.apply(xv);
            Tensor r = receptance.apply(xr);
            Tensor sr = r.sigmoid();
            Tensor rwkv = sr.mul(wkvLoop(parameter("time_decay").exp().neg(), parameter("time_first"), k, v));
            return output.apply(rwkv);
        }
    }

    static final class RwkvChannelMix extends Module {
        final ZeroPad2d timeShift;
        final Linear key;
        final Linear receptance;
        final Linear value;

        RwkvChannelMix(int nEmbd) {
            timeShift = registerModule("time_shift", new ZeroPad2d(new int[] {0, 0, 1, -1}));
            registerParameter("time_mix_k", Tensor.zeros(1, 1, nEmbd));
            registerParameter("time_mix_r", Tensor.zeros(1, 1, nEmbd));
            key = registerModule("key", new Linear(nEmbd, 2 * nEmbd, false));
            receptance = registerModule("receptance", new Linear(nEmbd, nEmbd, false));
            value = registerModule("value", new Linear(2 * nEmbd, nEmbd, false));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor xx = timeShift.apply(x);
            Tensor mk = parameter("time_mix_k");
            Tensor mr = parameter("time_mix_r");
            Tensor xk = x.mul(mk).add(xx.mul(mk.rsub(1)));
            Tensor xr = x.mul(mr).add(xx.mul(mr.rsub(1)));
            Tensor k = key.apply(xk);
            k = k.relu().square();
            Tensor kv = value.apply(k);
            return receptance.apply(xr).sigmoid().mul(kv);
        }
    }

    static final class Rwkv extends Module {
        final Embedding emb = registerModule("emb", new Embedding(10, 8));
        final LayerNorm ln0 = registerModule("ln0", new LayerNorm(8));
        final LayerNorm ln1 = registerModule("ln1", new LayerNorm(8));
        final LayerNorm ln2 = registerModule("ln2", new LayerNorm(8));
        final RwkvTimeMix att = registerModule("att", new RwkvTimeMix(8));
        final RwkvChannelMix ffn = registerModule("ffn", new RwkvChannelMix(8));
        final LayerNorm lnOut = registerModule("ln_out", new LayerNorm(8));
        final Linear head = registerModule("head", new Linear(8, 10, false));

        @Override
        public Tensor forward(Tensor idx) {
            Tensor x = ln0.apply(emb.apply(idx));
            x = x.add(att.apply(ln1.apply(x)));
            x = x.add(ffn.apply(ln2.apply(x)));
            return head.apply(lnOut.apply(x));
        }
    }

    @Test
    void rwkv4TimeMixWithTheWkvLoopTrains() {
        Tensor idx = e("rwkv.idx");
        Rwkv rwkv = PT.loaded(new Rwkv(), "rwkv.init.", F64);
        try (GradMode off = Ember.noGrad()) {
            Tensor k = e("rwkv.wkv.k");
            same(e("rwkv.shift"), rwkv.att.timeShift.apply(k), "time shift by ZeroPad2d((0, 0, 1, -1))");
            same(e("rwkv.wkv.y"), wkvLoop(rwkv.att.getParameter("time_decay").exp().neg(),
                    rwkv.att.getParameter("time_first"), k, e("rwkv.wkv.v")), "WKV loop");
        }
        new OutsiderTraining(PT, "rwkv.", rwkv, new Adam(rwkv.parameters(), 0.02), 3, step -> {
            Tensor seq = idx.select(0, step);
            Tensor logits = rwkv.apply(seq.index(Index.all(), Index.slice(null, -1, null)));
            Tensor loss = Functional.crossEntropy(logits.reshape(-1, 10),
                    seq.index(Index.all(), Index.slice(1, null, null)).reshape(-1));
            return new Object[] {logits, loss};
        }).first(o -> same(e("rwkv.logits0"), (Tensor) o, "RWKV logits")).run();
    }

    /** The first forward and backward of {@code model} (loaded in float32) against PyTorch's float32 run. */
    private static void float32First(String prefix, Module model, java.util.function.Function<Module, Tensor[]> forward) {
        Tensor[] ol = forward.apply(model);
        ol[1].backward();
        same(PT.e(prefix + "out"), ol[0], prefix + " output");
        same(PT.e(prefix + "loss"), ol[1], prefix + " loss");
        assertGrads(prefix + "grad.", model, false, prefix + " gradient");
    }

    @Test
    void kanXDeepFmAndRwkvInFloat32() {
        Tensor kanX = PT.e("kan.x").select(0, 0);
        Tensor kanY = PT.e("kan.y").select(0, 0).to(F32);
        float32First("f32.kan.", PT.loaded(new KAN(3, 5, 2), "kan.init.", F32), m -> {
            Tensor o = m.apply(kanX);
            return new Tensor[] {o, Functional.mseLoss(o, kanY).add(((KAN) m).regularizationLoss().mul(1e-3))};
        });
        Tensor bigX = PT.e("xdfm.X").select(0, 0);
        Tensor y = PT.e("xdfm.y").select(0, 0).to(F32);
        float32First("f32.xdfm.", PT.loaded(new XDeepFM(4), "xdfm.init.", F32), m -> {
            Tensor o = m.apply(bigX);
            return new Tensor[] {o, Functional.binaryCrossEntropyWithLogits(o, y)};
        });
        Tensor seq = PT.e("rwkv.idx").select(0, 0);
        float32First("f32.rwkv.", PT.loaded(new Rwkv(), "rwkv.init.", F32), m -> {
            Tensor logits = m.apply(seq.index(Index.all(), Index.slice(null, -1, null)));
            return new Tensor[] {logits, Functional.crossEntropy(logits.reshape(-1, 10),
                    seq.index(Index.all(), Index.slice(1, null, null)).reshape(-1))};
        });
    }

    // ------------------------------------------------------------------ 7. the recipes' misuses

    /** The line {@code key} of texts18.txt (key, a tab, PyTorch's message). */
    private static String text(String key) {
        try {
            for (String line : java.nio.file.Files.readAllLines(PT.resource("texts18.txt"))) {
                int tab = line.indexOf('\t');
                if (line.substring(0, tab).equals(key)) {
                    return line.substring(tab + 1);
                }
            }
        } catch (java.io.IOException ex) {
            throw new IllegalStateException(ex);
        }
        throw new AssertionError("no " + key + " in texts18.txt");
    }

    /** {@code op} fails with PyTorch's message {@code key}, leaving {@code target} (null: none) as it was. */
    private static void refused(String key, Tensor target, org.junit.jupiter.api.function.Executable op) {
        Tensor before = target == null ? null : target.detach().clone();
        RuntimeException ex = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, op, key);
        assertEquals(text(key), ex.getMessage(), key);
        if (target != null) {
            assertArrayEquals(before.shape(), target.shape(), key + ": shape unchanged");
            assertTrue(before.equal(target.detach()), key + ": values unchanged");
        }
    }

    @Test
    void recipeMisusesFailWithPyTorchsMessagesAndChangeNothing() {
        refused("chunk", null, () -> Tensor.zeros(F64, 3, 48).chunk(0, 1));
        refused("unfold", null, () -> Tensor.zeros(F64, 4, 2, 18).unfold(-1, 20, 2));
        refused("einsum", null, () -> Tensor.einsum("nhwpqc->nchpwq", Tensor.zeros(F64, 2, 2, 2, 2, 2)));
        Tensor grid = Tensor.rand(F64, 3, 12);
        refused("copy", grid, () -> grid.copy_(Tensor.zeros(F64, 12, 4)));
        Tensor queue = Tensor.rand(F64, 4, 8);
        refused("enqueue", queue, () -> queue.index(Index.all(), Index.slice(6, 10, null))
                .copy_(Tensor.zeros(F64, 4, 4)));
        refused("split", null, () -> Tensor.zeros(F64, 8, 4, 4).split(new int[] {2, 3}, 1));
        refused("offsets", null, () -> Tensor.zeros(F64, 10, 4)
                .add(Tensor.zeros(F64, 9).index(Index.all(), Index.newAxis())));
        Tensor logits = Tensor.rand(F64, 4, 9);
        refused("div_", logits, () -> logits.div_(Tensor.ones(F64, 2, 4, 9)));
        Tensor ptr = Tensor.zeros(DType.INT64, 1);
        refused("ptr", ptr, () -> ptr.indexPut_(new Index[] {Index.of(1)}, 5L, false));
        refused("gather", null, () -> Tensor.arange(12.0).index(Index.of(Tensor.tensor(new long[] {0, 12}))));
        refused("linspace", null, () -> Tensor.linspace(0, 11, -1, DType.INT64));
        Tensor param = new Linear(2, 2).weight();
        refused("set_data", param, () -> param.setData(Tensor.zeros(DType.INT64, 3)));
        assertEquals(F32, param.dtype(), "the parameter keeps its type");
    }
}
