package dev.ember;

import dev.ember.OutsiderTraining.Container;
import dev.ember.nn.Conv1d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Dropout;
import dev.ember.nn.Embedding;
import dev.ember.nn.Functional;
import dev.ember.nn.GELU;
import dev.ember.nn.GroupNorm;
import dev.ember.nn.Identity;
import dev.ember.nn.Init;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleList;
import dev.ember.nn.Sequential;
import dev.ember.nn.SiLU;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.ember.OutsiderFixture.close;
import static dev.ember.OutsiderFixture.same;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 44's outsider pass, round 19: recipes no earlier round had ported, each ported line by line from its
 * reference code with Ember's public API, run in float64 from PyTorch's initial weights and fixed data and held to
 * PyTorch's outputs, losses, gradients after the first backward and parameters after the last step
 * ({@code resources/outsiderprograms19/make_expected.py} wrote {@code programs19.pt} with PyTorch 1.13). The initial
 * weights and the data are float32-representable and saved as float32; the test widens them to the very same float64
 * numbers. Every comparison is held to {@link LossesMoreTest#assertClose}'s tolerance (float64: 1e-12 relative to the
 * largest magnitude of the tensor compared) unless its line says otherwise; integer results (bin indices) are
 * PyTorch's exactly. To keep the file small, the larger models (Perceiver, PerceiverLM, the diffusion U-Net, the Set
 * Transformer) are saved packed: the initial state one flattened vector split by the names and shapes of
 * {@code names19.txt} and loaded strictly by name, the first gradients one vector in named_parameters' order, and the
 * parameters after training three summaries each (the sum, the sum of squares and a linspace(-1, 1)-weighted sum,
 * computed here the same way) plus the full values of those of at most 16 elements. Gradients that are rounding noise
 * in PyTorch (the Set Transformer's key biases, which the softmax removes) are held to absolute bounds, as round 18's.
 * <ol>
 * <li>Perceiver (lucidrains/perceiver-pytorch): fourier_encode with logspace scales, positions by linspace and
 * meshgrid, the einops rearranges and repeats written as reshape/permute/expand, PreNorm with a context norm,
 * cross-attention from latents repeated over the batch, GEGLU, weight_tie_layers (modules shared by layers 1 and 2);
 * PerceiverLM (PerceiverIO with a padding mask filled with -finfo.max, the decoder cross-attention from the
 * queries).</li>
 * <li>Stable-diffusion blocks (CompVis latent-diffusion): ResBlock with GroupNorm, SiLU and the timestep embedding
 * injected (added, and the scale-shift form), SpatialTransformer (proj_in a 1x1 Conv2d, self- and cross-attention,
 * GEGLU), Downsample by a strided conv, Upsample by nearest interpolation, the zero_module layers, a small UNetModel
 * forward and DDIM's classifier-free guidance.</li>
 * <li>Hyena (HazyResearch safari's standalone operator): the implicit filter (complex exponential positional
 * features, a shared trainable Sin, exponential modulation), fftconv by rfft / irfft with n = 2L, the order-3 gated
 * recurrence, AdamW with the param groups OptimModule's _optim asks for; H3's diagonal state-space kernel as
 * state-spaces/s4's S4D writes it (a complex64 parameter kept as its real view, the Vandermonde kernel by complex exp
 * and einsum, the FFT convolution, GLU).</li>
 * <li>RetNet's multi-scale retention (torchscale): decay masks by arange, tril, masked_fill and exp, the rotary
 * theta_shift, the per-head group norm, the swish gate; the parallel form trained, then the recurrent form token by
 * token against it.</li>
 * <li>nflows' rational-quadratic spline coupling (linear tails, masks, in-place writes into views of tensors autograd
 * records: the padded derivatives' ends, cumwidths' ends, the searchsorted eps, the widths' division), its inverse and
 * log-determinants.</li>
 * <li>SIREN (vsitzmann/siren): sine layers with their special init, the coordinates made to require grad in the
 * forward, gradient and laplacian by autograd.grad with create_graph, a loss on the gradient (a double backward).</li>
 * <li>Set Transformer (juho-lee/set_transformer: MAB, SAB, ISAB with inducing points, PMA with seeds) and Deep Sets on
 * the max-regression demo; permutation invariance.</li>
 * <li>RetNet as written in a float64 program (its decay a float32 buffer, the mask built in float32 and promoted), and
 * the first steps of Hyena, RetNet, the spline flow and SIREN in float32 as the reference code runs them, at float32's
 * tolerance (each looser bound says why on its line).</li>
 * <li>The recipes' misuses fail with PyTorch's messages and leave their tensors as they were.</li>
 * </ol>
 */
class OutsiderPrograms19Test {
    private static final OutsiderFixture PT = new OutsiderFixture("outsiderprograms19", "programs19.pt");
    private static final DType F64 = DType.FLOAT64;
    private static final DType F32 = DType.FLOAT32;

    /** The entry {@code name}, a float32 one (data, initial values) widened to float64. */
    private static Tensor e(String name) {
        Tensor t = PT.e(name);
        return t.dtype() == F32 ? t.to(F64) : t;
    }

    private static void exact(Tensor want, Tensor got, String what) {
        assertArrayEquals(want.shape(), got.shape(), what + " shape");
        assertEquals(want.dtype(), got.dtype(), what + " dtype");
        assertArrayEquals(want.toLongArray(), got.toLongArray(), what);
    }

    /** The packed entries: the models' initial states split by names19.txt, gradients and final summaries. */
    private static final OutsiderPacked PACKED = new OutsiderPacked(PT, "names19.txt");

    /** The generator's summary: the sum, the sum of squares and a linspace(-1, 1)-weighted sum of the values. */
    static Tensor summary(Tensor t) {
        return OutsiderPacked.summary(t);
    }

    /** {@link OutsiderPacked#assertSummaries}. */
    private static void assertSummaries(String key, Map<String, Tensor> values, Set<String> noise, double absNoise,
                                        String what) {
        PACKED.assertSummaries(key, values, noise, absNoise, what);
    }

    /** {@link OutsiderPacked#assertFinal} with no parameter held as noise. */
    private static void assertFinalSummarized(String prefix, Module m, String what) {
        PACKED.assertFinal(prefix, m, Set.of(), 0, what);
    }

    /** {@link OutsiderPacked#assertFinal}. */
    private static void assertFinalSummarized(String prefix, Module m, Set<String> noise, double absNoise,
                                              String what) {
        PACKED.assertFinal(prefix, m, noise, absNoise, what);
    }

    /**
     * The gradients against the entries under {@code prefix} where the generator saved only the non-zero ones: a
     * parameter without an entry must have a gradient of exact zeros.
     */
    private static void assertNonZeroGrads(String prefix, Module m, String what) {
        Map<String, Tensor> want = PT.under(prefix);
        int compared = 0;
        for (Map.Entry<String, Tensor> p : m.namedParameters().entrySet()) {
            Tensor g = p.getValue().grad();
            assertTrue(g != null, what + ": no gradient for " + p.getKey());
            Tensor w = want.get(p.getKey());
            if (w == null) {
                assertEquals(0.0, g.abs().max().item(), what + " " + p.getKey() + " (zero in PyTorch)");
            } else {
                same(w, g, what + " " + p.getKey());
                compared++;
            }
        }
        assertEquals(want.size(), compared, what + ": PyTorch's non-zero gradient names");
    }

    /** {@link OutsiderPacked#loaded}: {@code m} in float64 with the packed state under {@code prefix}. */
    private static <M extends Module> M loadedPacked(M m, String prefix) {
        return PACKED.loaded(m, prefix);
    }

    /** {@link OutsiderPacked#assertGrads} with no parameter held as noise. */
    private static void assertPackedGrads(String key, Module m, String what) {
        PACKED.assertGrads(key, m, Set.of(), what);
    }

    /** {@link OutsiderPacked#assertGrads}. */
    private static void assertPackedGrads(String key, Module m, Set<String> noise, String what) {
        PACKED.assertGrads(key, m, noise, what);
    }

    static Tensor lastDim(Tensor t, Integer start, Integer end) {
        return t.index(Index.ellipsis(), Index.slice(start, end, null));
    }

    // ------------------------------------------------------------------ 1. Perceiver and Perceiver IO

    static Tensor fourierEncode(Tensor x, double maxFreq, int numBands, double base) {
        x = x.unsqueeze(-1);
        Tensor origX = x;
        Tensor scales = Tensor.logspace(1.0, Math.log(maxFreq / 2) / Math.log(base), numBands, base, x.dtype());
        int[] shape = new int[x.dim()];
        java.util.Arrays.fill(shape, 1);
        shape[shape.length - 1] = numBands;
        scales = scales.reshape(shape); // scales[(None,) * (len(x.shape) - 1), ...]
        x = x.mul(scales).mul(Math.PI);
        x = Tensor.cat(List.of(x.sin(), x.cos()), -1);
        return Tensor.cat(List.of(x, origX), -1);
    }

    /** perceiver-pytorch's GEGLU (no projection of its own). */
    static final class PGeglu extends Module {
        @Override
        public Tensor forward(Tensor x) {
            List<Tensor> xg = x.chunk(2, -1);
            return xg.get(0).mul(Functional.gelu(xg.get(1)));
        }
    }

    /** perceiver-pytorch's FeedForward (withDropout: perceiver_pytorch.py's, whose net has a Dropout at 2). */
    static final class PFeedForward extends Module {
        final Sequential net;

        PFeedForward(int dim, boolean withDropout) {
            int mult = 4;
            net = registerModule("net", withDropout
                    ? new Sequential(new Linear(dim, dim * mult * 2), new PGeglu(), new Dropout(0.0),
                            new Linear(dim * mult, dim))
                    : new Sequential(new Linear(dim, dim * mult * 2), new PGeglu(), new Linear(dim * mult, dim)));
        }

        @Override
        public Tensor forward(Tensor x) {
            return net.apply(x);
        }
    }

    /** rearrange(t, 'b n (h d) -> (b h) n d', h=h). */
    static Tensor splitHeads(Tensor t, int h) {
        return t.reshape(t.size(0), t.size(1), h, -1).permute(0, 2, 1, 3).reshape(t.size(0) * h, t.size(1), -1);
    }

    /** rearrange(o, '(b h) n d -> b n (h d)', h=h). */
    static Tensor mergeHeads(Tensor o, int h) {
        return o.reshape(-1, h, o.size(1), o.size(2)).permute(0, 2, 1, 3).reshape(-1, o.size(1), h * o.size(2));
    }

    /** perceiver-pytorch's Attention (wrapped: perceiver_pytorch.py's to_out is Sequential(Linear, Dropout)). */
    static final class PAttention extends Container {
        final double scale;
        final int heads;
        final Linear toQ;
        final Linear toKv;
        final Module toOut;

        PAttention(int queryDim, Integer contextDim, int heads, int dimHead, boolean wrapped) {
            int innerDim = dimHead * heads;
            int cd = contextDim == null ? queryDim : contextDim;
            scale = Math.pow(dimHead, -0.5);
            this.heads = heads;
            toQ = registerModule("to_q", new Linear(queryDim, innerDim, false));
            toKv = registerModule("to_kv", new Linear(cd, innerDim * 2, false));
            toOut = registerModule("to_out", wrapped ? new Sequential(new Linear(innerDim, queryDim), new Dropout(0.0))
                    : new Linear(innerDim, queryDim));
        }

        Tensor forward(Tensor x, Tensor context, Tensor mask) {
            int h = heads;
            Tensor q = toQ.apply(x);
            context = context == null ? x : context;
            List<Tensor> kv = toKv.apply(context).chunk(2, -1);
            q = splitHeads(q, h);
            Tensor k = splitHeads(kv.get(0), h);
            Tensor v = splitHeads(kv.get(1), h);
            Tensor sim = Tensor.einsum("b i d, b j d -> b i j", q, k).mul(scale);
            if (mask != null) {
                mask = mask.reshape(mask.size(0), -1);
                double maxNegValue = -Double.MAX_VALUE; // -torch.finfo(sim.dtype).max, sim float64
                mask = mask.index(Index.all(), Index.newAxis(), Index.newAxis(), Index.all()).expand(-1, h, 1, -1)
                        .reshape(-1, 1, mask.size(-1));
                sim.maskedFill_(mask.bitwiseNot(), maxNegValue);
            }
            Tensor attn = sim.softmax(-1);
            Tensor o = Tensor.einsum("b i j, b j d -> b i d", attn, v);
            return toOut.apply(mergeHeads(o, h));
        }
    }

    static final class PreNorm extends Container {
        final Module fn;
        final LayerNorm norm;
        final LayerNorm normContext;

        PreNorm(int dim, Module fn, Integer contextDim) {
            this.fn = registerModule("fn", fn);
            norm = registerModule("norm", new LayerNorm(dim));
            normContext = contextDim == null ? null : registerModule("norm_context", new LayerNorm(contextDim));
        }

        Tensor forward(Tensor x, Tensor context, Tensor mask) {
            x = norm.apply(x);
            if (normContext != null) {
                context = normContext.apply(context);
            }
            return fn instanceof PAttention ? ((PAttention) fn).forward(x, context, mask) : fn.apply(x);
        }
    }

    /** cache_fn: with {@code cache}, the first module made is given again (weight_tie_layers). */
    static final class Cached {
        private final java.util.function.Supplier<PreNorm> make;
        private PreNorm cache;

        Cached(java.util.function.Supplier<PreNorm> make) {
            this.make = make;
        }

        PreNorm get(boolean useCache) {
            if (!useCache) {
                return make.get();
            }
            if (cache == null) {
                cache = make.get();
            }
            return cache;
        }
    }

    static final class Perceiver extends Container {
        final int inputAxis;
        final double maxFreq;
        final int numFreqBands;
        final double freqBase = 2;
        final ModuleList<ModuleList<PreNorm>> layers;
        final Sequential toLogits;

        Perceiver(int numFreqBands, int depth, double maxFreq, int inputChannels, int inputAxis, int numLatents,
                  int latentDim, int crossHeads, int latentHeads, int crossDimHead, int latentDimHead, int numClasses,
                  boolean weightTieLayers) {
            this.inputAxis = inputAxis;
            this.maxFreq = maxFreq;
            this.numFreqBands = numFreqBands;
            int inputDim = inputAxis * ((numFreqBands * 2) + 1) + inputChannels;
            registerParameter("latents", Tensor.zeros(numLatents, latentDim));
            Cached getCrossAttn = new Cached(() -> new PreNorm(latentDim,
                    new PAttention(latentDim, inputDim, crossHeads, crossDimHead, true), inputDim));
            Cached getCrossFf = new Cached(() -> new PreNorm(latentDim, new PFeedForward(latentDim, true), null));
            Cached getLatentAttn = new Cached(() -> new PreNorm(latentDim,
                    new PAttention(latentDim, null, latentHeads, latentDimHead, true), null));
            Cached getLatentFf = new Cached(() -> new PreNorm(latentDim, new PFeedForward(latentDim, true), null));
            layers = registerModule("layers", new ModuleList<>());
            for (int i = 0; i < depth; i++) {
                boolean shouldCache = i > 0 && weightTieLayers;
                layers.add(new ModuleList<>(getCrossAttn.get(shouldCache), getCrossFf.get(shouldCache),
                        getLatentAttn.get(shouldCache), getLatentFf.get(shouldCache)));
            }
            toLogits = registerModule("to_logits", new Sequential(new LayerNorm(latentDim),
                    new Linear(latentDim, numClasses)));
        }

        Tensor encodePositions(int b, int[] axis, DType dtype) {
            List<Tensor> axisPos = new ArrayList<>();
            for (int size : axis) {
                axisPos.add(Tensor.linspace(-1.0, 1.0, size, dtype));
            }
            Tensor pos = Tensor.stack(Tensor.meshgrid(axisPos, "ij"), -1);
            Tensor encPos = fourierEncode(pos, maxFreq, numFreqBands, freqBase);
            encPos = encPos.flatten(-2); // '... n d -> ... (n d)'
            int[] expand = new int[encPos.dim() + 1];
            java.util.Arrays.fill(expand, -1);
            expand[0] = b;
            return encPos.unsqueeze(0).expand(expand); // '... -> b ...'
        }

        @Override
        public Tensor forward(Tensor data) {
            int b = data.size(0);
            int[] axis = java.util.Arrays.copyOfRange(data.shape(), 1, data.dim() - 1);
            assertEquals(inputAxis, axis.length, "input data must have the right number of axis");
            Tensor encPos = encodePositions(b, axis, data.dtype());
            data = Tensor.cat(List.of(data, encPos), -1);
            data = data.reshape(b, -1, data.size(-1)); // 'b ... d -> b (...) d'
            Tensor x = param("latents").unsqueeze(0).expand(b, -1, -1); // repeat 'n d -> b n d'
            for (ModuleList<PreNorm> layer : layers) {
                x = layer.get(0).forward(x, data, null).add(x);
                x = layer.get(1).forward(x, null, null).add(x);
                x = layer.get(2).forward(x, null, null).add(x);
                x = layer.get(3).forward(x, null, null).add(x);
            }
            x = x.mean(-2);
            return toLogits.apply(x);
        }
    }

    @Test
    void perceiverWithFourierFeaturesAndTiedLayersTrains() {
        same(e("perc.fourier"), fourierEncode(Tensor.linspace(-1.0, 1.0, 5, F64), 6.0, 3, 2), "fourier_encode");
        same(e("perc.fourier3"), fourierEncode(Tensor.linspace(-1.0, 1.0, 4, F64), 10.0, 4, 3),
                "fourier_encode with base 3");
        Perceiver perc = new Perceiver(2, 3, 6.0, 2, 2, 3, 4, 1, 2, 4, 2, 3, true);
        assertSame(perc.layers.get(1).get(0), perc.layers.get(2).get(0), "cache_fn ties layers 1 and 2");
        assertTrue(perc.layers.get(0).get(0) != perc.layers.get(1).get(0), "layer 0 is its own");
        loadedPacked(perc, "perc.init"); // the state dict names layers.2.* too, loaded into the same tensors
        assertEquals(e("perc.nparams").item(), (double) perc.namedParameters().size(), "named_parameters once each");
        assertEquals(57 + 26, perc.stateDict().size(), "state_dict under every name (layers.2.* again, 26)");
        same(e("perc.encpos"), perc.encodePositions(2, new int[] {3, 4}, F64), "encoded positions repeated over b");
        Tensor x = e("perc.x");
        Tensor y = e("perc.y");
        new OutsiderTraining(PT, "perc.", perc, new Adam(perc.parameters(), 0.02), 3, step -> {
            Tensor o = perc.forward(x.select(0, step));
            return new Object[] {o, Functional.crossEntropy(o, y.select(0, step))};
        }).first(o -> {
            same(e("perc.out0"), (Tensor) o, "Perceiver logits");
            assertPackedGrads("perc.grad0flat", perc, "Perceiver gradient");
        }).checkGrads(false).checkFinal(false).run();
        assertFinalSummarized("perc.", perc, "Perceiver parameters after 3 steps");
        // the tied modules hold one tensor under both names
        assertSame(perc.stateDict().get("layers.1.fn.to_q.weight"), perc.stateDict().get("layers.2.fn.to_q.weight"));
    }

    static final class PerceiverIO extends Container {
        final ModuleList<Module> layers;
        final PreNorm decoderCrossAttn;
        final Module toLogits;

        PerceiverIO(int depth, int dim, int queriesDim, Integer logitsDim, int numLatents, int latentDim,
                    int crossHeads, int latentHeads, int crossDimHead, int latentDimHead, boolean weightTieLayers,
                    int selfPerCrossAttn) {
            registerParameter("latents", Tensor.zeros(numLatents, latentDim));
            Cached getCrossAttn = new Cached(() -> new PreNorm(latentDim,
                    new PAttention(latentDim, dim, crossHeads, crossDimHead, false), dim));
            Cached getCrossFf = new Cached(() -> new PreNorm(latentDim, new PFeedForward(latentDim, false), null));
            Cached getLatentAttn = new Cached(() -> new PreNorm(latentDim,
                    new PAttention(latentDim, null, latentHeads, latentDimHead, false), null));
            Cached getLatentFf = new Cached(() -> new PreNorm(latentDim, new PFeedForward(latentDim, false), null));
            layers = registerModule("layers", new ModuleList<>());
            for (int i = 0; i < depth; i++) {
                boolean cache = i > 0 && weightTieLayers;
                ModuleList<ModuleList<PreNorm>> selfAttns = new ModuleList<>();
                for (int j = 0; j < selfPerCrossAttn; j++) {
                    selfAttns.add(new ModuleList<>(getLatentAttn.get(cache), getLatentFf.get(cache)));
                }
                layers.add(new ModuleList<Module>(getCrossAttn.get(cache), getCrossFf.get(cache), selfAttns));
            }
            decoderCrossAttn = registerModule("decoder_cross_attn", new PreNorm(queriesDim,
                    new PAttention(queriesDim, latentDim, crossHeads, crossDimHead, false), latentDim));
            toLogits = registerModule("to_logits", logitsDim == null ? new Identity()
                    : new Linear(queriesDim, logitsDim));
        }

        @SuppressWarnings("unchecked")
        Tensor forward(Tensor data, Tensor mask, Tensor queries) {
            int b = data.size(0);
            Tensor x = param("latents").unsqueeze(0).expand(b, -1, -1);
            for (Module m : layers) {
                ModuleList<Module> layer = (ModuleList<Module>) m;
                x = ((PreNorm) layer.get(0)).forward(x, data, mask).add(x);
                x = ((PreNorm) layer.get(1)).forward(x, null, null).add(x);
                for (ModuleList<PreNorm> selfBlock : (ModuleList<ModuleList<PreNorm>>) layer.get(2)) {
                    x = selfBlock.get(0).forward(x, null, null).add(x);
                    x = selfBlock.get(1).forward(x, null, null).add(x);
                }
            }
            if (queries == null) {
                return x;
            }
            Tensor latents = decoderCrossAttn.forward(queries, x, null);
            return toLogits.apply(latents);
        }
    }

    static final class PerceiverLM extends Container {
        final Embedding tokenEmb;
        final Embedding posEmb;
        final PerceiverIO perceiverIo;

        PerceiverLM(int dim, int numTokens, int maxSeqLen) {
            tokenEmb = registerModule("token_emb", new Embedding(numTokens, dim));
            posEmb = registerModule("pos_emb", new Embedding(maxSeqLen, dim));
            perceiverIo = registerModule("perceiver_io", new PerceiverIO(1, dim, dim, numTokens, 2, 4, 1, 2, 4, 2,
                    false, 2));
        }

        Tensor forward(Tensor x, Tensor mask) {
            int n = x.size(1);
            x = tokenEmb.apply(x);
            Tensor pos = posEmb.apply(Tensor.arange(n));
            x = x.add(pos.unsqueeze(0)); // rearrange 'n d -> () n d'
            return perceiverIo.forward(x, mask, x);
        }
    }

    @Test
    void perceiverLmWithAPaddingMaskTrains() {
        Tensor idx = e("pio.idx");
        Tensor mask = e("pio.mask");
        PerceiverLM pio = loadedPacked(new PerceiverLM(4, 7, 6), "pio.init");
        new OutsiderTraining(PT, "pio.", pio, new Adam(pio.parameters(), 0.02), 3, step -> {
            Tensor seq = idx.select(0, step);
            Tensor logits = pio.forward(seq, mask.select(0, step));
            Tensor loss = Functional.crossEntropy(logits.index(Index.all(), Index.slice(null, -1, null)).reshape(-1, 7),
                    seq.index(Index.all(), Index.slice(1, null, null)).reshape(-1));
            return new Object[] {logits, loss};
        }).first(o -> {
            same(e("pio.out0"), (Tensor) o, "PerceiverLM logits");
            assertPackedGrads("pio.grad0flat", pio, "PerceiverLM gradient");
        }).checkGrads(false).checkFinal(false).run();
        assertFinalSummarized("pio.", pio, "PerceiverLM parameters after 3 steps");
        try (GradMode off = Ember.noGrad()) {
            // a sample masked whole: every logit -finfo.max, so its softmax is uniform over the tokens
            boolean[][] m = {{false, false, false, false, false, false}, {true, true, true, true, true, true}};
            same(e("pio.allmasked"), pio.forward(idx.select(0, 0), Tensor.tensor(m)), "a sample masked whole");
        }
    }

    // ------------------------------------------------------------------ 2. Stable-diffusion blocks

    static final int GROUPS = 2; // normalization()'s 32 groups, scaled down as the generator's

    static <M extends Module> M zeroModule(M module) {
        for (Tensor p : module.parameters()) {
            p.detach().zero_();
        }
        return module;
    }

    static GroupNorm normalization(int channels) {
        return new GroupNorm(GROUPS, channels);
    }

    static Tensor timestepEmbedding(Tensor timesteps, int dim, double maxPeriod) {
        int half = dim / 2;
        Tensor freqs = Tensor.arange(0, half, 1, F64).mul(-Math.log(maxPeriod)).div(half).exp();
        Tensor args = timesteps.index(Index.all(), Index.newAxis()).to(F64).mul(freqs.index(Index.newAxis()));
        Tensor embedding = Tensor.cat(List.of(args.cos(), args.sin()), -1);
        if (dim % 2 == 1) {
            embedding = Tensor.cat(List.of(embedding, lastDim(embedding, null, 1).zerosLike()), -1);
        }
        return embedding;
    }

    /** The modules TimestepEmbedSequential gives the embedding to. */
    interface TimestepBlock {
        Tensor forward(Tensor x, Tensor emb);
    }

    static final class TimestepEmbedSequential extends Container {
        final List<Module> layers = new ArrayList<>();

        TimestepEmbedSequential(Module... modules) {
            for (Module m : modules) {
                layers.add(registerModule(String.valueOf(layers.size()), m));
            }
        }

        Tensor forward(Tensor x, Tensor emb, Tensor context) {
            for (Module layer : layers) {
                if (layer instanceof TimestepBlock) {
                    x = ((TimestepBlock) layer).forward(x, emb);
                } else if (layer instanceof SpatialTransformer) {
                    x = ((SpatialTransformer) layer).forward(x, context);
                } else {
                    x = layer.apply(x);
                }
            }
            return x;
        }
    }

    static final class Upsample extends Module {
        final int channels;
        final boolean useConv;
        final Conv2d conv;

        Upsample(int channels, boolean useConv) {
            this.channels = channels;
            this.useConv = useConv;
            conv = useConv ? registerModule("conv", new Conv2d(channels, channels, 3, 1, 1)) : null;
        }

        @Override
        public Tensor forward(Tensor x) {
            assertEquals(channels, x.size(1));
            x = Functional.interpolate(x, 2.0, "nearest");
            if (useConv) {
                x = conv.apply(x);
            }
            return x;
        }
    }

    static final class Downsample extends Module {
        final int channels;
        final Conv2d op;

        Downsample(int channels) {
            this.channels = channels;
            op = registerModule("op", new Conv2d(channels, channels, 3, 2, 1));
        }

        @Override
        public Tensor forward(Tensor x) {
            assertEquals(channels, x.size(1));
            return op.apply(x);
        }
    }

    static final class ResBlock extends Container implements TimestepBlock {
        final boolean useScaleShiftNorm;
        final Sequential inLayers;
        final Sequential embLayers;
        final Sequential outLayers;
        final Module skipConnection;

        ResBlock(int channels, int embChannels, double dropout, Integer outChannels, boolean useConv,
                 boolean useScaleShiftNorm) {
            int out = outChannels == null ? channels : outChannels;
            this.useScaleShiftNorm = useScaleShiftNorm;
            inLayers = registerModule("in_layers", new Sequential(normalization(channels), new SiLU(),
                    new Conv2d(channels, out, 3, 1, 1)));
            registerModule("h_upd", new Identity());
            registerModule("x_upd", new Identity());
            embLayers = registerModule("emb_layers", new Sequential(new SiLU(),
                    new Linear(embChannels, useScaleShiftNorm ? 2 * out : out)));
            outLayers = registerModule("out_layers", new Sequential(normalization(out), new SiLU(),
                    new Dropout(dropout), zeroModule(new Conv2d(out, out, 3, 1, 1))));
            if (out == channels) {
                skipConnection = registerModule("skip_connection", new Identity());
            } else if (useConv) {
                skipConnection = registerModule("skip_connection", new Conv2d(channels, out, 3, 1, 1));
            } else {
                skipConnection = registerModule("skip_connection", new Conv2d(channels, out, 1));
            }
        }

        @Override
        public Tensor forward(Tensor x, Tensor emb) {
            Tensor h = inLayers.apply(x);
            Tensor embOut = embLayers.apply(emb).to(h.dtype());
            while (embOut.dim() < h.dim()) {
                embOut = embOut.unsqueeze(-1); // emb_out[..., None]
            }
            if (useScaleShiftNorm) {
                Module outNorm = outLayers.get(0);
                List<Tensor> scaleShift = embOut.chunk(2, 1);
                h = outNorm.apply(h).mul(scaleShift.get(0).add(1.0)).add(scaleShift.get(1));
                for (int i = 1; i < 4; i++) { // out_rest = self.out_layers[1:]
                    h = outLayers.get(i).apply(h);
                }
            } else {
                h = h.add(embOut);
                h = outLayers.apply(h);
            }
            return skipConnection.apply(x).add(h);
        }
    }

    static final class Geglu extends Module {
        final Linear proj;

        Geglu(int dimIn, int dimOut) {
            proj = registerModule("proj", new Linear(dimIn, dimOut * 2));
        }

        @Override
        public Tensor forward(Tensor x) {
            List<Tensor> xg = proj.apply(x).chunk(2, -1);
            return xg.get(0).mul(Functional.gelu(xg.get(1)));
        }
    }

    static final class FeedForward extends Module {
        final Sequential net;

        FeedForward(int dim, boolean glu, double dropout) {
            int innerDim = dim * 4;
            Module projectIn = glu ? new Geglu(dim, innerDim) : new Sequential(new Linear(dim, innerDim), new GELU());
            net = registerModule("net", new Sequential(projectIn, new Dropout(dropout), new Linear(innerDim, dim)));
        }

        @Override
        public Tensor forward(Tensor x) {
            return net.apply(x);
        }
    }

    static final class CrossAttention extends Container {
        final double scale;
        final int heads;
        final Linear toQ;
        final Linear toK;
        final Linear toV;
        final Sequential toOut;

        CrossAttention(int queryDim, Integer contextDim, int heads, int dimHead, double dropout) {
            int innerDim = dimHead * heads;
            int cd = contextDim == null ? queryDim : contextDim;
            scale = Math.pow(dimHead, -0.5);
            this.heads = heads;
            toQ = registerModule("to_q", new Linear(queryDim, innerDim, false));
            toK = registerModule("to_k", new Linear(cd, innerDim, false));
            toV = registerModule("to_v", new Linear(cd, innerDim, false));
            toOut = registerModule("to_out", new Sequential(new Linear(innerDim, queryDim), new Dropout(dropout)));
        }

        Tensor forward(Tensor x, Tensor context) {
            int h = heads;
            Tensor q = toQ.apply(x);
            context = context == null ? x : context;
            Tensor k = splitHeads(toK.apply(context), h);
            Tensor v = splitHeads(toV.apply(context), h);
            q = splitHeads(q, h);
            Tensor sim = Tensor.einsum("b i d, b j d -> b i j", q, k).mul(scale);
            Tensor attn = sim.softmax(-1);
            Tensor o = Tensor.einsum("b i j, b j d -> b i d", attn, v);
            return toOut.apply(mergeHeads(o, h));
        }
    }

    static final class BasicTransformerBlock extends Container {
        final CrossAttention attn1;
        final FeedForward ff;
        final CrossAttention attn2;
        final LayerNorm norm1;
        final LayerNorm norm2;
        final LayerNorm norm3;

        BasicTransformerBlock(int dim, int nHeads, int dHead, double dropout, Integer contextDim) {
            attn1 = registerModule("attn1", new CrossAttention(dim, null, nHeads, dHead, dropout));
            ff = registerModule("ff", new FeedForward(dim, true, dropout));
            attn2 = registerModule("attn2", new CrossAttention(dim, contextDim, nHeads, dHead, dropout));
            norm1 = registerModule("norm1", new LayerNorm(dim));
            norm2 = registerModule("norm2", new LayerNorm(dim));
            norm3 = registerModule("norm3", new LayerNorm(dim));
        }

        Tensor forward(Tensor x, Tensor context) {
            x = attn1.forward(norm1.apply(x), null).add(x);
            x = attn2.forward(norm2.apply(x), context).add(x);
            return ff.apply(norm3.apply(x)).add(x);
        }
    }

    static final class SpatialTransformer extends Container {
        final GroupNorm norm;
        final Conv2d projIn;
        final ModuleList<BasicTransformerBlock> transformerBlocks;
        final Conv2d projOut;

        SpatialTransformer(int inChannels, int nHeads, int dHead, Integer contextDim) {
            int innerDim = nHeads * dHead;
            norm = registerModule("norm", new GroupNorm(GROUPS, inChannels, 1e-6, true)); // Normalize
            projIn = registerModule("proj_in", new Conv2d(inChannels, innerDim, 1, 1, 0));
            transformerBlocks = registerModule("transformer_blocks",
                    new ModuleList<>(new BasicTransformerBlock(innerDim, nHeads, dHead, 0.0, contextDim)));
            projOut = registerModule("proj_out", zeroModule(new Conv2d(innerDim, inChannels, 1, 1, 0)));
        }

        Tensor forward(Tensor x, Tensor context) {
            int b = x.size(0);
            int h = x.size(2);
            int w = x.size(3);
            Tensor xIn = x;
            x = norm.apply(x);
            x = projIn.apply(x);
            x = x.permute(0, 2, 3, 1).reshape(b, h * w, -1); // 'b c h w -> b (h w) c'
            for (BasicTransformerBlock block : transformerBlocks) {
                x = block.forward(x, context);
            }
            x = x.reshape(b, h, w, -1).permute(0, 3, 1, 2); // 'b (h w) c -> b c h w'
            x = projOut.apply(x);
            return x.add(xIn);
        }
    }

    static final class MiniUNet extends Container {
        final int modelChannels = 4;
        final Sequential timeEmbed;
        final ModuleList<TimestepEmbedSequential> inputBlocks;
        final TimestepEmbedSequential middleBlock;
        final ModuleList<TimestepEmbedSequential> outputBlocks;
        final Sequential out;

        MiniUNet() {
            int mc = modelChannels;
            int ted = mc * 4;
            int heads = 2;
            int dHead = mc / heads;
            int ctx = 5;
            timeEmbed = registerModule("time_embed", new Sequential(new Linear(mc, ted), new SiLU(),
                    new Linear(ted, ted)));
            inputBlocks = registerModule("input_blocks", new ModuleList<>(
                    new TimestepEmbedSequential(new Conv2d(2, mc, 3, 1, 1)),
                    new TimestepEmbedSequential(new ResBlock(mc, ted, 0.0, mc, false, false),
                            new SpatialTransformer(mc, heads, dHead, ctx)),
                    new TimestepEmbedSequential(new Downsample(mc))));
            middleBlock = registerModule("middle_block", new TimestepEmbedSequential(
                    new ResBlock(mc, ted, 0.0, null, false, true),
                    new SpatialTransformer(mc, heads, dHead, ctx),
                    new ResBlock(mc, ted, 0.0, null, false, false)));
            outputBlocks = registerModule("output_blocks", new ModuleList<>(
                    new TimestepEmbedSequential(new ResBlock(2 * mc, ted, 0.0, mc, false, false),
                            new Upsample(mc, true)),
                    new TimestepEmbedSequential(new ResBlock(2 * mc, ted, 0.0, mc, false, false),
                            new SpatialTransformer(mc, heads, dHead, ctx)),
                    new TimestepEmbedSequential(new ResBlock(2 * mc, ted, 0.0, mc, true, false))));
            out = registerModule("out", new Sequential(normalization(mc), new SiLU(),
                    zeroModule(new Conv2d(mc, 2, 3, 1, 1))));
        }

        Tensor forward(Tensor x, Tensor timesteps, Tensor context) {
            java.util.ArrayDeque<Tensor> hs = new java.util.ArrayDeque<>();
            Tensor tEmb = timestepEmbedding(timesteps, modelChannels, 10000);
            Tensor emb = timeEmbed.apply(tEmb);
            Tensor h = x;
            for (TimestepEmbedSequential module : inputBlocks) {
                h = module.forward(h, emb, context);
                hs.push(h);
            }
            h = middleBlock.forward(h, emb, context);
            for (TimestepEmbedSequential module : outputBlocks) {
                h = Tensor.cat(List.of(h, hs.pop()), 1);
                h = module.forward(h, emb, context);
            }
            return out.apply(h);
        }
    }

    @Test
    void stableDiffusionBlocksTrainFromTheirZeroModules() {
        Tensor x = e("sd.x");
        Tensor t = e("sd.t");
        Tensor c = e("sd.c");
        Tensor noise = e("sd.noise");
        same(e("sd.up"), Functional.interpolate(x.select(0, 0).index(Index.all(), Index.all(),
                Index.slice(null, 3, null)), 2.0, "nearest"), "nearest upsampling of a 3x4 map");
        MiniUNet fresh = new MiniUNet();
        for (String zeroed : List.of("out.2.weight", "input_blocks.1.0.out_layers.3.bias",
                "input_blocks.1.1.proj_out.weight")) {
            assertEquals(0.0, fresh.namedParameters().get(zeroed).abs().max().item(), "zero_module " + zeroed);
        }
        MiniUNet sd = loadedPacked(fresh, "sd.init");
        int[] stepNow = {0};
        new OutsiderTraining(PT, "sd.", sd, new Adam(sd.parameters(), 0.02), 3, step -> {
            stepNow[0] = step;
            Tensor o = sd.forward(x.select(0, step), t.select(0, step), c.select(0, step));
            return new Object[] {o, Functional.mseLoss(o, noise.select(0, step))};
        }).checkGrads(false).checkFinal(false)
                // the zeroed out conv hides every other layer: only its own gradient is not zero, the others exactly
                .first(o -> {
                    same(e("sd.out0"), (Tensor) o, "U-Net output (zero: the out conv is zeroed)");
                    assertNonZeroGrads("sd.grad0.", sd, "U-Net first gradient");
                })
                .afterBackward(() -> {
                    if (stepNow[0] == 2) {
                        Map<String, Tensor> grads = new java.util.LinkedHashMap<>();
                        sd.namedParameters().forEach((k, p) -> grads.put(k, p.grad()));
                        assertSummaries("sd.gradlastsum", grads, Set.of(), 0, "U-Net gradient at step 3");
                    }
                }).run();
        assertFinalSummarized("sd.", sd, "U-Net parameters after 3 steps");
        sd.eval();
        try (GradMode off = Ember.noGrad()) {
            // DDIMSampler.p_sample_ddim's classifier-free guidance
            Tensor x1 = x.select(0, 1);
            Tensor t1 = t.select(0, 1);
            Tensor c1 = c.select(0, 1);
            Tensor unconditionalConditioning = c1.zerosLike();
            Tensor xIn = Tensor.cat(List.of(x1, x1), 0);
            Tensor tIn = Tensor.cat(List.of(t1, t1), 0);
            Tensor cIn = Tensor.cat(List.of(unconditionalConditioning, c1), 0);
            List<Tensor> et = sd.forward(xIn, tIn, cIn).chunk(2, 0);
            Tensor eTUncond = et.get(0);
            same(e("sd.cfg"), eTUncond.add(et.get(1).sub(eTUncond).mul(7.5)), "classifier-free guidance");
            SpatialTransformer st = (SpatialTransformer) sd.inputBlocks.get(1).layers.get(1);
            Tensor x2 = x.select(0, 2).index(Index.all(), Index.slice(null, 1, null)).expand(-1, 4, -1, -1).mul(1.5);
            same(e("sd.st"), st.forward(x2, c.select(0, 2)), "a trained SpatialTransformer");
        }
    }

    // ------------------------------------------------------------------ 3. Hyena

    static Tensor fftconv(Tensor u, Tensor k, Tensor d) {
        int seqlen = u.size(-1);
        int fftSize = 2 * seqlen;
        Tensor kF = Fft.rfft(k, fftSize, -1, null).div(fftSize);
        Tensor uF = Fft.rfft(u.to(k.dtype()), fftSize, -1, null);
        if (u.dim() > 3) {
            kF = kF.unsqueeze(1);
        }
        Tensor y = lastDim(Fft.irfft(uF.mul(kF), fftSize, -1, "forward"), null, seqlen);
        Tensor out = y.add(u.mul(d.unsqueeze(-1)));
        return out.to(u.dtype());
    }

    /** safari's Sin: sin(freq * x) with a trainable frequency. */
    static final class Sin extends Module {
        Sin(int dim, double w) {
            registerParameter("freq", Tensor.ones(1, dim).mul(w));
        }

        @Override
        public Tensor forward(Tensor x) {
            return parameter("freq").mul(x).sin();
        }
    }

    /** safari's PositionalEmbedding: z (complex exponential features; a parameter, lr != 0) and t (a buffer). */
    static final class PositionalEmbedding extends Container {
        PositionalEmbedding(int embDim, int seqLen, DType dtype) {
            Tensor t = Tensor.linspace(0, 1, seqLen, dtype).index(Index.newAxis(), Index.all(), Index.newAxis());
            int bands = (embDim - 1) / 2;
            Tensor tRescaled = Tensor.linspace(0, seqLen - 1, seqLen, dtype)
                    .index(Index.newAxis(), Index.all(), Index.newAxis());
            Tensor w = tRescaled.mul(2 * Math.PI).div(seqLen);
            Tensor f = Tensor.linspace(1e-4, bands - 1, bands, dtype).index(Index.newAxis(), Index.newAxis());
            Tensor z = f.mul(Complex.of(-0.0, -1.0)).mul(w).exp(); // torch.exp(-1j * f * w)
            z = Tensor.cat(List.of(t, z.real(), z.imag()), -1);
            registerParameter("z", z);
            registerBuffer("t", t);
        }

        Tensor[] forward(int l) {
            return new Tensor[] {parameter("z").index(Index.all(), Index.slice(null, l, null)),
                    getBuffer("t").index(Index.all(), Index.slice(null, l, null))};
        }
    }

    static final class ExponentialModulation extends Container {
        final double shift = 0.0;

        ExponentialModulation(int dModel, DType dtype) {
            double fastDecayPct = 0.3;
            double slowDecayPct = 1.5;
            double target = 1e-2;
            double maxDecay = Math.log(target) / fastDecayPct;
            double minDecay = Math.log(target) / slowDecayPct;
            registerBuffer("deltas", Tensor.linspace(minDecay, maxDecay, dModel, dtype)
                    .index(Index.newAxis(), Index.newAxis()));
        }

        Tensor forward(Tensor t, Tensor x) {
            Tensor decay = t.neg().mul(getBuffer("deltas").abs()).exp();
            return x.mul(decay.add(shift));
        }
    }

    static final class HyenaFilter extends Container {
        final Dropout dropout;
        final PositionalEmbedding posEmb;
        final Sequential implicitFilter;
        final ExponentialModulation modulation;

        HyenaFilter(int dModel, int embDim, int order, int seqLen, double w, int numInnerMlps) {
            registerParameter("bias", Tensor.zeros(dModel));
            dropout = registerModule("dropout", new Dropout(0.0));
            Sin act = new Sin(order, w);
            assertTrue(embDim % 2 != 0 && embDim >= 3);
            posEmb = registerModule("pos_emb", new PositionalEmbedding(embDim, seqLen, F64));
            implicitFilter = registerModule("implicit_filter", new Sequential(new Linear(embDim, order), act));
            for (int i = 0; i < numInnerMlps; i++) {
                implicitFilter.append(new Linear(order, order));
                implicitFilter.append(act);
            }
            implicitFilter.append(new Linear(order, dModel, false));
            modulation = registerModule("modulation", new ExponentialModulation(dModel, F64));
        }

        Tensor filter(int l) {
            Tensor[] zt = posEmb.forward(l);
            Tensor h = implicitFilter.apply(zt[0]);
            return modulation.forward(zt[1], h);
        }

        Tensor forward(Tensor x, int l, Tensor k, Tensor bias) {
            if (k == null) {
                k = filter(l);
            }
            return fftconv(x, k, bias);
        }
    }

    static final class HyenaOperator extends Module {
        final int dModel;
        final int lMax;
        final int order;
        final Dropout dropout;
        final Linear inProj;
        final Linear outProj;
        final Conv1d shortFilter;
        final HyenaFilter filterFn;

        HyenaOperator(int dModel, int lMax, int order, int filterOrder, int embDim) {
            this.dModel = dModel;
            this.lMax = lMax;
            this.order = order;
            int innerWidth = dModel * (order + 1);
            dropout = registerModule("dropout", new Dropout(0.0));
            inProj = registerModule("in_proj", new Linear(dModel, innerWidth));
            outProj = registerModule("out_proj", new Linear(dModel, dModel));
            shortFilter = registerModule("short_filter", new Conv1d(innerWidth, innerWidth, 3, 1, 2, 1, innerWidth,
                    true));
            filterFn = registerModule("filter_fn", new HyenaFilter(dModel * (order - 1), embDim, filterOrder, lMax, 1,
                    2));
        }

        @Override
        public Tensor forward(Tensor u) {
            int l = u.size(-2);
            int lFilter = Math.min(l, lMax);
            u = inProj.apply(u);
            u = u.transpose(1, 2); // 'b l d -> b d l'
            Tensor uc = lastDim(shortFilter.apply(u), null, lFilter);
            List<Tensor> parts = uc.split(dModel, 1);
            List<Tensor> x = parts.subList(0, parts.size() - 1);
            Tensor v = parts.get(parts.size() - 1);
            Tensor k = filterFn.filter(lFilter).select(0, 0);
            k = k.reshape(lFilter, order - 1, dModel).permute(1, 2, 0); // 'l (o d) -> o d l'
            Tensor bias = filterFn.getParameter("bias").reshape(order - 1, dModel); // '(o d) -> o d'
            List<Tensor> rest = new ArrayList<>(x.subList(1, x.size()));
            java.util.Collections.reverse(rest);
            for (int o = 0; o < rest.size(); o++) {
                v = dropout.apply(v.mul(rest.get(o)));
                v = filterFn.forward(v, lFilter, k.select(0, o), bias.select(0, o));
            }
            Tensor y = v.mul(x.get(0)).transpose(1, 2); // 'b d l -> b l d'
            return outProj.apply(y);
        }
    }

    static final class HyenaLM extends Module {
        final Embedding emb = registerModule("emb", new Embedding(9, 4));
        final LayerNorm ln1 = registerModule("ln1", new LayerNorm(4));
        final HyenaOperator mixer = registerModule("mixer", new HyenaOperator(4, 8, 3, 6, 5));
        final LayerNorm lnF = registerModule("ln_f", new LayerNorm(4));
        final Linear head = registerModule("head", new Linear(4, 9));

        @Override
        public Tensor forward(Tensor idx) {
            Tensor x = emb.apply(idx);
            x = x.add(mixer.apply(ln1.apply(x)));
            return head.apply(lnF.apply(x));
        }
    }

    @Test
    void hyenaImplicitLongConvolutionByFftTrains() {
        Tensor u = e("hy.u");
        Tensor k = e("hy.k");
        Tensor d = e("hy.D");
        same(e("hy.fftconv"), fftconv(u, k, d), "fftconv by rfft / irfft with n = 2L");
        // the very same causal convolution written out
        List<Tensor> direct = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Tensor acc = u.select(-1, 0).mul(k.select(1, i));
            for (int j = 1; j <= i; j++) {
                acc = acc.add(u.select(-1, j).mul(k.select(1, i - j)));
            }
            direct.add(acc);
        }
        same(e("hy.fftconv"), Tensor.stack(direct, -1).add(u.mul(d.unsqueeze(-1))), "direct causal convolution");
        HyenaLM fresh = new HyenaLM();
        fresh.to(F64);
        HyenaFilter ff = fresh.mixer.filterFn;
        // z and the deltas as the constructor computes them, before the generator rounded the initial state
        close(e("hy.init.mixer.filter_fn.pos_emb.z"), ff.posEmb.getParameter("z"), "the complex exponential z",
                1e5);
        close(e("hy.init.mixer.filter_fn.modulation.deltas"), ff.modulation.getBuffer("deltas"), "deltas", 1e5);
        assertSame(ff.implicitFilter.get(1), ff.implicitFilter.get(5), "one Sin three times in the filter");
        HyenaLM hy = PT.loaded(fresh, "hy.init.", F64);
        assertNull(hy.namedParameters().get("mixer.filter_fn.implicit_filter.3.freq"), "the shared Sin listed once");
        assertTrue(hy.stateDict().containsKey("mixer.filter_fn.implicit_filter.5.freq"), "and saved under each name");
        same(e("hy.filter"), ff.filter(8), "the implicit filter");
        Tensor idx = e("hy.idx");
        // OptimModule's _optim as the training script groups it: the filter MLP, z, the rest
        List<Tensor> filt = ff.implicitFilter.parameters();
        Tensor z = ff.posEmb.getParameter("z");
        List<Tensor> others = new ArrayList<>();
        for (Tensor p : hy.parameters()) {
            if (filt.stream().noneMatch(q -> q == p) && p != z) {
                others.add(p);
            }
        }
        AdamW opt = new AdamW(filt, 0.02, 0.9, 0.999, 1e-8, 0.01, false);
        opt.paramGroups().get(0).setLr(0.01).set("weight_decay", 0.0);
        opt.addParamGroup(List.of(z), Map.of("lr", 0.005, "weight_decay", 0.0));
        opt.addParamGroup(others, Map.of());
        assertEquals(0.02, opt.paramGroups().get(2).lr());
        new OutsiderTraining(PT, "hy.", hy, opt, 3, step -> {
            Tensor seq = idx.select(0, step);
            Tensor logits = hy.apply(seq.index(Index.all(), Index.slice(null, -1, null)));
            Tensor loss = Functional.crossEntropy(logits.reshape(-1, 9),
                    seq.index(Index.all(), Index.slice(1, null, null)).reshape(-1));
            return new Object[] {logits, loss};
        }).first(o -> same(e("hy.logits0"), (Tensor) o, "Hyena LM logits")).run();
    }

    // ------------------------------------------------------------------ 4. RetNet retention

    static Tensor rotateEveryTwo(Tensor x) {
        Tensor x1 = x.index(Index.all(), Index.all(), Index.all(), Index.slice(null, null, 2));
        Tensor x2 = x.index(Index.all(), Index.all(), Index.all(), Index.slice(1, null, 2));
        return Tensor.stack(List.of(x2.neg(), x1), -1).flatten(-2);
    }

    static Tensor thetaShift(Tensor x, Tensor sin, Tensor cos) {
        return x.mul(cos).add(rotateEveryTwo(x).mul(sin));
    }

    /** RetNetRelPos: ((sin, cos), the decay mask or, recurrent, the decays). */
    static final class RetNetRelPos extends Container {
        RetNetRelPos(int embedDim, int heads) {
            Tensor angle = Tensor.linspace(0, 1, embedDim / heads / 2, F64).mul(Math.log(10000)).exp().reciprocal();
            angle = angle.unsqueeze(-1).repeat(1, 2).flatten();
            Tensor decay = Tensor.arange(heads, DType.FLOAT32).neg().sub(5).mul(Math.log(2)).exp().rsub(1).log();
            registerBuffer("angle", angle);
            registerBuffer("decay", decay);
        }

        Tensor[] forward(int slen, boolean activateRecurrent) {
            Tensor angle = getBuffer("angle");
            Tensor decay = getBuffer("decay");
            if (activateRecurrent) {
                return new Tensor[] {angle.mul(slen - 1).sin(), angle.mul(slen - 1).cos(), decay.exp()};
            }
            Tensor index = Tensor.arange(slen).to(decay.dtype());
            Tensor sin = index.index(Index.all(), Index.newAxis()).mul(angle.index(Index.newAxis(), Index.all())).sin();
            Tensor cos = index.index(Index.all(), Index.newAxis()).mul(angle.index(Index.newAxis(), Index.all())).cos();
            Tensor mask = Tensor.ones(F64, slen, slen).to(decay.dtype()).tril();
            mask = index.index(Index.all(), Index.newAxis()).sub(index.index(Index.newAxis(), Index.all()))
                    .maskedFill(mask.to(DType.BOOL).bitwiseNot(), Double.POSITIVE_INFINITY);
            mask = mask.mul(decay.index(Index.all(), Index.newAxis(), Index.newAxis())).exp();
            mask = mask.nanToNum();
            mask = mask.div(mask.sum(-1, true).sqrt());
            return new Tensor[] {sin, cos, mask};
        }
    }

    static final class MultiScaleRetention extends Container {
        final int numHeads;
        final int headDim;
        final int keyDim;
        final double scaling;
        final Linear qProj;
        final Linear kProj;
        final Linear vProj;
        final Linear gProj;
        final Linear outProj;
        final LayerNorm groupNorm;

        MultiScaleRetention(int embedDim, int valueDim, int numHeads) {
            this.numHeads = numHeads;
            headDim = valueDim / numHeads;
            keyDim = embedDim / numHeads;
            scaling = Math.pow(keyDim, -0.5);
            qProj = registerModule("q_proj", new Linear(embedDim, embedDim, false));
            kProj = registerModule("k_proj", new Linear(embedDim, embedDim, false));
            vProj = registerModule("v_proj", new Linear(embedDim, valueDim, false));
            gProj = registerModule("g_proj", new Linear(embedDim, valueDim, false));
            outProj = registerModule("out_proj", new Linear(valueDim, embedDim, false));
            groupNorm = registerModule("group_norm", new LayerNorm(new int[] {headDim}, 1e-6, false, true));
        }

        Tensor parallelForward(Tensor qr, Tensor kr, Tensor v, Tensor mask) {
            int bsz = v.size(0);
            int tgtLen = v.size(1);
            Tensor vr = v.view(bsz, tgtLen, numHeads, headDim).transpose(1, 2);
            Tensor qkMat = qr.matmul(kr.transpose(-1, -2));
            qkMat = qkMat.mul(mask);
            qkMat = qkMat.div(qkMat.detach().abs().sum(-1, true).clamp(1.0, 5e4));
            Tensor output = qkMat.matmul(vr);
            return output.transpose(1, 2);
        }

        Tensor recurrentForward(Tensor qr, Tensor kr, Tensor v, Tensor decay, Map<String, Tensor> incrementalState) {
            int bsz = v.size(0);
            v = v.view(bsz, numHeads, headDim, 1);
            Tensor kv = kr.mul(v);
            Tensor scale;
            if (incrementalState.containsKey("prev_key_value")) {
                Tensor prevKv = incrementalState.get("prev_key_value");
                Tensor prevScale = incrementalState.get("scale");
                scale = prevScale.mul(decay).add(1);
                kv = prevKv.mul(prevScale.sqrt().mul(decay).div(scale.sqrt()).view(numHeads, 1, 1))
                        .add(kv.div(scale.sqrt().view(numHeads, 1, 1)));
            } else {
                scale = decay.onesLike();
            }
            incrementalState.put("prev_key_value", kv);
            incrementalState.put("scale", scale);
            return qr.mul(kv).sum(3);
        }

        Tensor forward(Tensor x, Tensor[] relPos, Map<String, Tensor> incrementalState) {
            int bsz = x.size(0);
            int tgtLen = x.size(1);
            Tensor q = qProj.apply(x);
            Tensor k = kProj.apply(x);
            Tensor v = vProj.apply(x);
            Tensor g = gProj.apply(x);
            k.mul_(scaling);
            q = q.view(bsz, tgtLen, numHeads, keyDim).transpose(1, 2);
            k = k.view(bsz, tgtLen, numHeads, keyDim).transpose(1, 2);
            Tensor qr = thetaShift(q, relPos[0], relPos[1]);
            Tensor kr = thetaShift(k, relPos[0], relPos[1]);
            Tensor output = incrementalState != null ? recurrentForward(qr, kr, v, relPos[2], incrementalState)
                    : parallelForward(qr, kr, v, relPos[2]);
            output = groupNorm.apply(output).reshape(bsz, tgtLen, headDim * numHeads);
            output = Functional.silu(g).mul(output);
            return outProj.apply(output);
        }
    }

    static final class RetNetLM extends Module {
        final Embedding embedTokens = registerModule("embed_tokens", new Embedding(10, 8));
        final RetNetRelPos retnetRelPos = registerModule("retnet_rel_pos", new RetNetRelPos(8, 2));
        final LayerNorm retentionLayerNorm = registerModule("retention_layer_norm", new LayerNorm(8));
        final MultiScaleRetention retention = registerModule("retention", new MultiScaleRetention(8, 16, 2));
        final LayerNorm finalLayerNorm = registerModule("final_layer_norm", new LayerNorm(8));
        final Sequential ffn = registerModule("ffn", new Sequential(new Linear(8, 16), new GELU(), new Linear(16, 8)));
        final LayerNorm layerNorm = registerModule("layer_norm", new LayerNorm(8));
        final Linear outputProjection = registerModule("output_projection", new Linear(8, 10, false));

        Tensor block(Tensor x, Tensor[] relPos, Map<String, Tensor> incrementalState) {
            x = x.add(retention.forward(retentionLayerNorm.apply(x), relPos, incrementalState));
            return x.add(ffn.apply(finalLayerNorm.apply(x)));
        }

        @Override
        public Tensor forward(Tensor tokens) {
            Tensor x = embedTokens.apply(tokens);
            x = block(x, retnetRelPos.forward(tokens.size(1), false), null);
            return outputProjection.apply(layerNorm.apply(x));
        }

        Tensor recurrent(Tensor tokens) {
            Map<String, Tensor> state = new HashMap<>();
            List<Tensor> outs = new ArrayList<>();
            for (int i = 0; i < tokens.size(1); i++) {
                Tensor x = embedTokens.apply(tokens.index(Index.all(), Index.slice(i, i + 1, null)));
                x = block(x, retnetRelPos.forward(i + 1, true), state);
                outs.add(outputProjection.apply(layerNorm.apply(x)));
            }
            return Tensor.cat(outs, 1);
        }
    }

    @Test
    void retNetRetentionParallelTrainsAndMatchesItsRecurrentForm() {
        RetNetLM fresh = new RetNetLM();
        assertEquals(F32, fresh.retnetRelPos.getBuffer("decay").dtype(), "decay made with dtype=torch.float");
        fresh.to(F64); // the generator's .double()
        Tensor[] rp = fresh.retnetRelPos.forward(5, false);
        RetNetLM ret = PT.loaded(fresh, "ret.init.", F64);
        rp = ret.retnetRelPos.forward(5, false);
        same(e("ret.sin"), rp[0], "rotary sin");
        same(e("ret.cos"), rp[1], "rotary cos");
        same(e("ret.mask"), rp[2], "the multi-scale decay mask");
        same(e("ret.rot"), rotateEveryTwo(Tensor.arange(0, 24, 1, F64).reshape(1, 2, 3, 4)), "rotate_every_two");
        Tensor idx = e("ret.idx");
        new OutsiderTraining(PT, "ret.", ret, new Adam(ret.parameters(), 0.02), 3, step -> {
            Tensor seq = idx.select(0, step);
            Tensor logits = ret.apply(seq.index(Index.all(), Index.slice(null, -1, null)));
            Tensor loss = Functional.crossEntropy(logits.reshape(-1, 10),
                    seq.index(Index.all(), Index.slice(1, null, null)).reshape(-1));
            return new Object[] {logits, loss};
        }).first(o -> same(e("ret.logits0"), (Tensor) o, "RetNet logits")).run();
        try (GradMode off = Ember.noGrad()) {
            Tensor parallel = ret.apply(idx.select(0, 0));
            Tensor recurrent = ret.recurrent(idx.select(0, 0));
            same(e("ret.parallel"), parallel, "the parallel form");
            same(e("ret.recurrent"), recurrent, "the recurrent form");
            // the two forms differ by the parallel form's abs-sum normalisation, which the group norm removes but
            // for its eps
            assertTrue(parallel.sub(recurrent).abs().max().item() < 1e-4, "parallel and recurrent agree");
        }
    }

    // ------------------------------------------------------------------ 5. Neural spline flow (nflows)

    static final double MIN_BIN_WIDTH = 1e-3;
    static final double MIN_BIN_HEIGHT = 1e-3;
    static final double MIN_DERIVATIVE = 1e-3;

    /** nflows' torchutils.searchsorted, as written: the last location raised by eps in place. */
    static Tensor searchsorted(Tensor binLocations, Tensor inputs, double eps) {
        Index[] last = {Index.ellipsis(), Index.of(-1)};
        Tensor v = binLocations.index(last); // bin_locations[..., -1] += eps
        v.add_(eps);
        binLocations.indexPut_(last, v, false);
        return inputs.unsqueeze(-1).ge(binLocations).sum(-1).sub(1);
    }

    static Tensor[] unconstrainedRationalQuadraticSpline(Tensor inputs, Tensor unnormalizedWidths,
                                                          Tensor unnormalizedHeights, Tensor unnormalizedDerivatives,
                                                          boolean inverse, double tailBound) {
        Tensor insideIntervalMask = inputs.ge(-tailBound).bitwiseAnd(inputs.le(tailBound));
        Tensor outsideIntervalMask = insideIntervalMask.bitwiseNot();
        Tensor outputs = inputs.zerosLike();
        Tensor logabsdet = inputs.zerosLike();
        unnormalizedDerivatives = Functional.pad(unnormalizedDerivatives, new int[] {1, 1});
        double constant = Math.log(Math.exp(1 - MIN_DERIVATIVE) - 1);
        unnormalizedDerivatives.indexPut_(new Index[] {Index.ellipsis(), Index.of(0)}, constant, false);
        unnormalizedDerivatives.indexPut_(new Index[] {Index.ellipsis(), Index.of(-1)}, constant, false);
        outputs.indexPut_(new Index[] {Index.of(outsideIntervalMask)}, inputs.index(Index.of(outsideIntervalMask)),
                false);
        logabsdet.indexPut_(new Index[] {Index.of(outsideIntervalMask)}, 0.0, false);
        if (insideIntervalMask.any()) {
            Index inside = Index.of(insideIntervalMask);
            Tensor[] ol = rationalQuadraticSpline(inputs.index(inside),
                    unnormalizedWidths.index(inside, Index.all()), unnormalizedHeights.index(inside, Index.all()),
                    unnormalizedDerivatives.index(inside, Index.all()), inverse, -tailBound, tailBound, -tailBound,
                    tailBound);
            outputs.indexPut_(new Index[] {inside}, ol[0], false);
            logabsdet.indexPut_(new Index[] {inside}, ol[1], false);
        }
        return new Tensor[] {outputs, logabsdet};
    }

    static Tensor gathered(Tensor t, Tensor binIdx) {
        return t.gather(-1, binIdx).select(-1, 0);
    }

    static Tensor[] rationalQuadraticSpline(Tensor inputs, Tensor unnormalizedWidths, Tensor unnormalizedHeights,
                                            Tensor unnormalizedDerivatives, boolean inverse, double left, double right,
                                            double bottom, double top) {
        if (inputs.min().item() < left || inputs.max().item() > right) {
            throw new IllegalArgumentException("InputOutsideDomain");
        }
        int numBins = unnormalizedWidths.size(-1);
        Index[] first = {Index.ellipsis(), Index.of(0)};
        Index[] last = {Index.ellipsis(), Index.of(-1)};
        Tensor widths = Functional.softmax(unnormalizedWidths, -1);
        widths = widths.mul(1 - MIN_BIN_WIDTH * numBins).add(MIN_BIN_WIDTH);
        Tensor cumwidths = widths.cumsum(-1);
        cumwidths = Functional.pad(cumwidths, new int[] {1, 0}, "constant", 0.0);
        cumwidths = cumwidths.mul(right - left).add(left);
        cumwidths.indexPut_(first, left, false);
        cumwidths.indexPut_(last, right, false);
        widths = lastDim(cumwidths, 1, null).sub(lastDim(cumwidths, null, -1));
        Tensor derivatives = Functional.softplus(unnormalizedDerivatives).add(MIN_DERIVATIVE);
        Tensor heights = Functional.softmax(unnormalizedHeights, -1);
        heights = heights.mul(1 - MIN_BIN_HEIGHT * numBins).add(MIN_BIN_HEIGHT);
        Tensor cumheights = heights.cumsum(-1);
        cumheights = Functional.pad(cumheights, new int[] {1, 0}, "constant", 0.0);
        cumheights = cumheights.mul(top - bottom).add(bottom);
        cumheights.indexPut_(first, bottom, false);
        cumheights.indexPut_(last, top, false);
        heights = lastDim(cumheights, 1, null).sub(lastDim(cumheights, null, -1));
        Tensor binIdx = (inverse ? searchsorted(cumheights, inputs, 1e-6) : searchsorted(cumwidths, inputs, 1e-6))
                .unsqueeze(-1);
        Tensor inputCumwidths = gathered(cumwidths, binIdx);
        Tensor inputBinWidths = gathered(widths, binIdx);
        Tensor inputCumheights = gathered(cumheights, binIdx);
        Tensor delta = heights.div(widths);
        Tensor inputDelta = gathered(delta, binIdx);
        Tensor inputDerivatives = gathered(derivatives, binIdx);
        Tensor inputDerivativesPlusOne = gathered(lastDim(derivatives, 1, null), binIdx);
        Tensor inputHeights = gathered(heights, binIdx);
        Tensor slopeSum = inputDerivatives.add(inputDerivativesPlusOne).sub(inputDelta.mul(2));
        if (inverse) {
            Tensor a = inputs.sub(inputCumheights).mul(slopeSum).add(inputHeights.mul(inputDelta.sub(inputDerivatives)));
            Tensor b = inputHeights.mul(inputDerivatives).sub(inputs.sub(inputCumheights).mul(slopeSum));
            Tensor c = inputDelta.neg().mul(inputs.sub(inputCumheights));
            Tensor discriminant = b.pow(2).sub(a.mul(4).mul(c));
            assertTrue(discriminant.ge(0.0).all());
            Tensor root = c.mul(2).div(b.neg().sub(discriminant.sqrt()));
            Tensor outputs = root.mul(inputBinWidths).add(inputCumwidths);
            Tensor thetaOneMinusTheta = root.mul(root.rsub(1));
            Tensor denominator = inputDelta.add(slopeSum.mul(thetaOneMinusTheta));
            Tensor derivativeNumerator = inputDelta.pow(2).mul(inputDerivativesPlusOne.mul(root.pow(2))
                    .add(inputDelta.mul(2).mul(thetaOneMinusTheta)).add(inputDerivatives.mul(root.rsub(1).pow(2))));
            Tensor logabsdet = derivativeNumerator.log().sub(denominator.log().mul(2));
            return new Tensor[] {outputs, logabsdet.neg()};
        }
        Tensor theta = inputs.sub(inputCumwidths).div(inputBinWidths);
        Tensor thetaOneMinusTheta = theta.mul(theta.rsub(1));
        Tensor numerator = inputHeights.mul(inputDelta.mul(theta.pow(2)).add(inputDerivatives.mul(thetaOneMinusTheta)));
        Tensor denominator = inputDelta.add(slopeSum.mul(thetaOneMinusTheta));
        Tensor outputs = inputCumheights.add(numerator.div(denominator));
        Tensor derivativeNumerator = inputDelta.pow(2).mul(inputDerivativesPlusOne.mul(theta.pow(2))
                .add(inputDelta.mul(2).mul(thetaOneMinusTheta)).add(inputDerivatives.mul(theta.rsub(1).pow(2))));
        Tensor logabsdet = derivativeNumerator.log().sub(denominator.log().mul(2));
        return new Tensor[] {outputs, logabsdet};
    }

    /** A small stand-in for nflows' ResidualNet, with its hidden_features. */
    static final class TransformNet extends Module {
        final int hiddenFeatures;
        final Linear initialLayer;
        final Linear finalLayer;

        TransformNet(int inFeatures, int outFeatures, int hiddenFeatures) {
            this.hiddenFeatures = hiddenFeatures;
            initialLayer = registerModule("initial_layer", new Linear(inFeatures, hiddenFeatures));
            finalLayer = registerModule("final_layer", new Linear(hiddenFeatures, outFeatures));
        }

        @Override
        public Tensor forward(Tensor inputs) {
            return finalLayer.apply(Functional.relu(initialLayer.apply(inputs)));
        }
    }

    static final class PiecewiseRqCoupling extends Container {
        final int numBins = 4;
        final double tailBound = 3.0;
        final TransformNet transformNet;

        PiecewiseRqCoupling(long... mask) {
            Tensor m = Tensor.tensor(mask);
            Tensor featuresVector = Tensor.arange(m.numel());
            registerBuffer("identity_features", featuresVector.maskedSelect(m.le(0L)));
            registerBuffer("transform_features", featuresVector.maskedSelect(m.gt(0L)));
            transformNet = registerModule("transform_net", new TransformNet(getBuffer("identity_features").size(0),
                    getBuffer("transform_features").size(0) * (numBins * 3 - 1), 8));
        }

        Tensor[] couplingTransform(Tensor inputs, Tensor transformParams, boolean inverse) {
            int b = inputs.size(0);
            int d = inputs.size(1);
            transformParams = transformParams.reshape(b, d, -1);
            Tensor[] ol = piecewiseCdf(inputs, transformParams, inverse);
            return new Tensor[] {ol[0], ol[1].reshape(b, -1).sum(1)}; // torchutils.sum_except_batch
        }

        Tensor[] piecewiseCdf(Tensor inputs, Tensor transformParams, boolean inverse) {
            Tensor unnormalizedWidths = lastDim(transformParams, null, numBins);
            Tensor unnormalizedHeights = lastDim(transformParams, numBins, 2 * numBins);
            Tensor unnormalizedDerivatives = lastDim(transformParams, 2 * numBins, null);
            // hasattr(self.transform_net, "hidden_features"): in place, on views of the net's output
            unnormalizedWidths.div_(Math.sqrt(transformNet.hiddenFeatures));
            unnormalizedHeights.div_(Math.sqrt(transformNet.hiddenFeatures));
            return unconstrainedRationalQuadraticSpline(inputs, unnormalizedWidths, unnormalizedHeights,
                    unnormalizedDerivatives, inverse, tailBound);
        }

        Tensor[] forward(Tensor inputs, boolean inverse) {
            Index idf = Index.of(getBuffer("identity_features"));
            Index tf = Index.of(getBuffer("transform_features"));
            Tensor identitySplit = inputs.index(Index.all(), idf, Index.ellipsis());
            Tensor transformSplit = inputs.index(Index.all(), tf, Index.ellipsis());
            Tensor transformParams = transformNet.apply(identitySplit);
            Tensor[] tl = couplingTransform(transformSplit, transformParams, inverse);
            Tensor outputs = inputs.emptyLike();
            outputs.indexPut_(new Index[] {Index.all(), idf, Index.ellipsis()}, identitySplit, false);
            outputs.indexPut_(new Index[] {Index.all(), tf, Index.ellipsis()}, tl[0], false);
            return new Tensor[] {outputs, tl[1]};
        }
    }

    static final class SplineFlow extends Container {
        final ModuleList<PiecewiseRqCoupling> transforms = registerModule("transforms",
                new ModuleList<>(new PiecewiseRqCoupling(1, 0, 1), new PiecewiseRqCoupling(0, 1, 0)));

        Tensor[] forward(Tensor x, boolean inverse) {
            Tensor total = Tensor.zeros(x.dtype(), x.size(0));
            List<PiecewiseRqCoupling> order = new ArrayList<>();
            transforms.forEach(order::add);
            if (inverse) {
                java.util.Collections.reverse(order);
            }
            for (PiecewiseRqCoupling t : order) {
                Tensor[] xl = t.forward(x, inverse);
                x = xl[0];
                total = total.add(xl[1]);
            }
            return new Tensor[] {x, total};
        }

        Tensor logProb(Tensor x) {
            Tensor[] zl = forward(x, false);
            Tensor z = zl[0];
            Tensor logZ = z.pow(2).sum(1).mul(-0.5).sub(0.5 * z.size(1) * Math.log(2 * Math.PI)); // StandardNormal
            return logZ.add(zl[1]);
        }
    }

    @Test
    void neuralSplineFlowCouplingTrainsAndInverts() {
        Tensor bins = e("nsf.bins");
        Tensor vals = e("nsf.vals");
        Tensor binsBefore = bins.clone();
        Tensor idx = searchsorted(bins, vals, 1e-6);
        exact(e("nsf.searchsorted"), idx, "nflows' searchsorted");
        assertEquals(binsBefore.index(Index.ellipsis(), Index.of(-1)).add(1e-6).sub(bins.index(Index.ellipsis(),
                Index.of(-1))).abs().max().item(), 0.0, "the last bin location raised in place");
        exact(e("nsf.searchsorted"), Tensor.searchsorted(binsBefore.add(Tensor.tensor(new double[] {0, 0, 0, 0, 1e-6})),
                vals.unsqueeze(-1), true).select(-1, 0).sub(1), "torch.searchsorted(right=True) - 1");
        SplineFlow nsf = PT.loaded(new SplineFlow(), "nsf.init.", F64);
        exact(Tensor.tensor(new long[] {1}), nsf.transforms.get(0).getBuffer("identity_features"), "identity features");
        Tensor x = e("nsf.x");
        new OutsiderTraining(PT, "nsf.", nsf, new Adam(nsf.parameters(), 0.02), 3, step -> {
            Tensor lp = nsf.logProb(x.select(0, step));
            return new Object[] {lp, lp.mean().neg()};
        }).first(o -> same(e("nsf.logprob0"), (Tensor) o, "log_prob")).run();
        try (GradMode off = Ember.noGrad()) {
            Tensor[] zl = nsf.forward(x.select(0, 0), false);
            same(e("nsf.z"), zl[0], "the flow's forward");
            same(e("nsf.logdet"), zl[1], "its log-determinant");
            Tensor[] xl = nsf.forward(zl[0], true);
            same(e("nsf.xinv"), xl[0], "the inverse");
            same(e("nsf.logdetinv"), xl[1], "the inverse's log-determinant");
            assertTrue(xl[0].sub(x.select(0, 0)).abs().max().item() < 1e-9, "the inverse inverts");
        }
        // the inverse's gradients (the quadratic's root: sqrt of the discriminant, the divisions), as summaries
        nsf.zeroGrad();
        Tensor[] xl = nsf.forward(e("nsf.z"), true);
        xl[0].pow(2).sum().add(xl[1].sum()).backward();
        Map<String, Tensor> grads = new java.util.LinkedHashMap<>();
        nsf.namedParameters().forEach((k, p) -> grads.put(k, p.grad()));
        assertSummaries("nsf.invgradsum", grads, Set.of(), 0, "the inverse's gradient");
    }


    // ------------------------------------------------------------------ 6. SIREN

    static final class SineLayer extends Module {
        final double omega0;
        final boolean isFirst;
        final int inFeatures;
        final Linear linear;

        SineLayer(int inFeatures, int outFeatures, boolean bias, boolean isFirst, double omega0) {
            this.omega0 = omega0;
            this.isFirst = isFirst;
            this.inFeatures = inFeatures;
            linear = registerModule("linear", new Linear(inFeatures, outFeatures, bias));
            initWeights();
        }

        void initWeights() {
            try (GradMode off = Ember.noGrad()) {
                if (isFirst) {
                    linear.weight().uniform_(-1.0 / inFeatures, 1.0 / inFeatures);
                } else {
                    linear.weight().uniform_(-Math.sqrt(6.0 / inFeatures) / omega0, Math.sqrt(6.0 / inFeatures) / omega0);
                }
            }
        }

        @Override
        public Tensor forward(Tensor input) {
            return linear.apply(input).mul(omega0).sin();
        }
    }

    static final class Siren extends Container {
        final Sequential net;

        Siren(int inFeatures, int hiddenFeatures, int hiddenLayers, int outFeatures, boolean outermostLinear,
              double firstOmega0, double hiddenOmega0) {
            List<Module> layers = new ArrayList<>();
            layers.add(new SineLayer(inFeatures, hiddenFeatures, true, true, firstOmega0));
            for (int i = 0; i < hiddenLayers; i++) {
                layers.add(new SineLayer(hiddenFeatures, hiddenFeatures, true, false, hiddenOmega0));
            }
            if (outermostLinear) {
                Linear finalLinear = new Linear(hiddenFeatures, outFeatures);
                try (GradMode off = Ember.noGrad()) {
                    finalLinear.weight().uniform_(-Math.sqrt(6.0 / hiddenFeatures) / hiddenOmega0,
                            Math.sqrt(6.0 / hiddenFeatures) / hiddenOmega0);
                }
                layers.add(finalLinear);
            } else {
                layers.add(new SineLayer(hiddenFeatures, outFeatures, true, false, hiddenOmega0));
            }
            net = registerModule("net", new Sequential(layers.toArray(new Module[0])));
        }

        /** (output, coords): the coordinates cloned, detached and made to require grad. */
        Tensor[] forward2(Tensor coords) {
            coords = coords.clone().detach().requiresGrad_(true);
            return new Tensor[] {net.apply(coords), coords};
        }
    }

    static Tensor getMgrid(int sidelen, int dim, DType dtype) {
        List<Tensor> tensors = new ArrayList<>();
        for (int i = 0; i < dim; i++) {
            tensors.add(Tensor.linspace(-1, 1, sidelen, dtype));
        }
        Tensor mgrid = Tensor.stack(Tensor.meshgrid(tensors, "ij"), -1);
        return mgrid.reshape(-1, dim);
    }

    static Tensor gradient(Tensor y, Tensor x) {
        return Autograd.grad(List.of(y), List.of(x), List.of(y.onesLike()), true).get(0);
    }

    static Tensor divergence(Tensor y, Tensor x) {
        Tensor div = null; // div = 0.; div += ...: 0. + t is t
        for (int i = 0; i < y.size(-1); i++) {
            Tensor yi = y.select(-1, i);
            Tensor g = lastDim(Autograd.grad(List.of(yi), List.of(x), List.of(yi.onesLike()), true).get(0), i, i + 1);
            div = div == null ? g : div.add(g);
        }
        return div;
    }

    static Tensor laplace(Tensor y, Tensor x) {
        return divergence(gradient(y, x), x);
    }

    @Test
    void sirenFitsValuesAndGradientsThroughADoubleBackward() {
        Ember.manualSeed(44);
        Siren fresh = new Siren(2, 12, 2, 1, true, 30, 30);
        // the special init: the first layer within 1 / in_features, the others within sqrt(6 / in) / omega_0
        Map<String, Tensor> named = fresh.namedParameters();
        assertTrue(named.get("net.0.linear.weight").abs().max().item() <= 0.5, "first layer's bound");
        for (String k : List.of("net.1.linear.weight", "net.2.linear.weight", "net.3.weight")) {
            double bound = Math.sqrt(6.0 / 12) / 30;
            double worst = named.get(k).abs().max().item();
            assertTrue(worst <= bound && worst > bound / 2, k + " within sqrt(6 / 12) / 30: " + worst);
        }
        Siren siren = PT.loaded(fresh, "siren.init.", F64);
        Tensor coords = getMgrid(4, 2, F64);
        same(e("siren.mgrid"), coords, "get_mgrid");
        Tensor gt = e("siren.gt");
        Tensor gtGrad = e("siren.gtgrad");
        new OutsiderTraining(PT, "siren.", siren, new Adam(siren.parameters(), 1e-3), 3, step -> {
            Tensor[] oc = siren.forward2(coords);
            Tensor grad = gradient(oc[0], oc[1]);
            Tensor loss = oc[0].sub(gt).pow(2).mean().add(grad.sub(gtGrad).pow(2).mean().mul(0.01));
            if (step == 0) {
                same(e("siren.grad0x"), grad, "the output's gradient in the coordinates");
                same(e("siren.laplace0"), laplace(oc[0], oc[1]), "its laplacian");
            }
            return new Object[] {oc[0], loss};
        }).first(o -> same(e("siren.out0"), (Tensor) o, "SIREN output")).run();
    }

    // ------------------------------------------------------------------ 7. Set Transformer and Deep Sets

    static final class MAB extends Container {
        final int dimV;
        final int numHeads;
        final Linear fcQ;
        final Linear fcK;
        final Linear fcV;
        final LayerNorm ln0;
        final LayerNorm ln1;
        final Linear fcO;

        MAB(int dimQ, int dimK, int dimV, int numHeads, boolean ln) {
            this.dimV = dimV;
            this.numHeads = numHeads;
            fcQ = registerModule("fc_q", new Linear(dimQ, dimV));
            fcK = registerModule("fc_k", new Linear(dimK, dimV));
            fcV = registerModule("fc_v", new Linear(dimK, dimV));
            ln0 = ln ? registerModule("ln0", new LayerNorm(dimV)) : null;
            ln1 = ln ? registerModule("ln1", new LayerNorm(dimV)) : null;
            fcO = registerModule("fc_o", new Linear(dimV, dimV));
        }

        Tensor forward(Tensor q, Tensor k) {
            q = fcQ.apply(q);
            Tensor v = fcV.apply(k);
            k = fcK.apply(k);
            int dimSplit = dimV / numHeads;
            Tensor q_ = Tensor.cat(q.split(dimSplit, 2), 0);
            Tensor k_ = Tensor.cat(k.split(dimSplit, 2), 0);
            Tensor v_ = Tensor.cat(v.split(dimSplit, 2), 0);
            Tensor a = q_.bmm(k_.transpose(1, 2)).div(Math.sqrt(dimV)).softmax(2);
            Tensor o = Tensor.cat(q_.add(a.bmm(v_)).split(q.size(0), 0), 2);
            o = ln0 == null ? o : ln0.apply(o);
            o = o.add(Functional.relu(fcO.apply(o)));
            return ln1 == null ? o : ln1.apply(o);
        }
    }

    static final class SAB extends Module {
        final MAB mab;

        SAB(int dimIn, int dimOut, int numHeads, boolean ln) {
            mab = registerModule("mab", new MAB(dimIn, dimIn, dimOut, numHeads, ln));
        }

        @Override
        public Tensor forward(Tensor x) {
            return mab.forward(x, x);
        }
    }

    static final class ISAB extends Module {
        final MAB mab0;
        final MAB mab1;

        ISAB(int dimIn, int dimOut, int numHeads, int numInds, boolean ln) {
            Init.xavierUniform_(registerParameter("I", Tensor.empty(1, numInds, dimOut)));
            mab0 = registerModule("mab0", new MAB(dimOut, dimIn, dimOut, numHeads, ln));
            mab1 = registerModule("mab1", new MAB(dimIn, dimOut, dimOut, numHeads, ln));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor h = mab0.forward(parameter("I").repeat(x.size(0), 1, 1), x);
            return mab1.forward(x, h);
        }
    }

    static final class PMA extends Module {
        final MAB mab;

        PMA(int dim, int numHeads, int numSeeds, boolean ln) {
            Init.xavierUniform_(registerParameter("S", Tensor.empty(1, numSeeds, dim)));
            mab = registerModule("mab", new MAB(dim, dim, dim, numHeads, ln));
        }

        @Override
        public Tensor forward(Tensor x) {
            return mab.forward(parameter("S").repeat(x.size(0), 1, 1), x);
        }
    }

    static final class SetTransformer extends Module {
        final Sequential enc;
        final Sequential dec;

        SetTransformer(int dimInput, int numOutputs, int dimOutput, int numInds, int dimHidden, int numHeads,
                       boolean ln) {
            enc = registerModule("enc", new Sequential(new ISAB(dimInput, dimHidden, numHeads, numInds, ln),
                    new ISAB(dimHidden, dimHidden, numHeads, numInds, ln)));
            dec = registerModule("dec", new Sequential(new PMA(dimHidden, numHeads, numOutputs, ln),
                    new SAB(dimHidden, dimHidden, numHeads, ln), new SAB(dimHidden, dimHidden, numHeads, ln),
                    new Linear(dimHidden, dimOutput)));
        }

        @Override
        public Tensor forward(Tensor x) {
            return dec.apply(enc.apply(x));
        }
    }

    static final class DeepSet extends Module {
        final int numOutputs;
        final int dimOutput;
        final Sequential enc;
        final Sequential dec;

        DeepSet(int dimInput, int numOutputs, int dimOutput, int dimHidden) {
            this.numOutputs = numOutputs;
            this.dimOutput = dimOutput;
            enc = registerModule("enc", new Sequential(new Linear(dimInput, dimHidden), new dev.ember.nn.ReLU(),
                    new Linear(dimHidden, dimHidden), new dev.ember.nn.ReLU(), new Linear(dimHidden, dimHidden),
                    new dev.ember.nn.ReLU(), new Linear(dimHidden, dimHidden)));
            dec = registerModule("dec", new Sequential(new Linear(dimHidden, dimHidden), new dev.ember.nn.ReLU(),
                    new Linear(dimHidden, dimHidden), new dev.ember.nn.ReLU(), new Linear(dimHidden, dimHidden),
                    new dev.ember.nn.ReLU(), new Linear(dimHidden, numOutputs * dimOutput)));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = enc.apply(x).mean(-2);
            return dec.apply(x).reshape(-1, numOutputs, dimOutput);
        }
    }

    /** The repository's max-regression demo: the largest element per coordinate, an L1 loss. */
    static java.util.function.IntFunction<Object[]> maxRegression(Module model, Tensor x) {
        return step -> {
            Tensor o = model.apply(x.select(0, step)).squeeze(1);
            return new Object[] {o, Functional.l1Loss(o, x.select(0, step).amax(new int[] {1}, false))};
        };
    }

    @Test
    void setTransformerAndDeepSetsLearnTheMaxOfASet() {
        Tensor x = e("set.x");
        SetTransformer settr = loadedPacked(new SetTransformer(2, 1, 2, 3, 8, 2, true), "set.init");
        // every MAB's fc_k bias adds q . b to all of a query's logits, which the softmax removes: its gradient is
        // rounding noise (~1e-18), which Adam's first steps turn into moves of ~lr * 1e-10
        Set<String> keyBiases = new java.util.HashSet<>();
        for (String k : settr.namedParameters().keySet()) {
            if (k.endsWith("fc_k.bias")) {
                keyBiases.add(k);
            }
        }
        assertEquals(7, keyBiases.size());
        new OutsiderTraining(PT, "set.", settr, new Adam(settr.parameters(), 0.01), 3, maxRegression(settr, x))
                .first(o -> {
                    same(e("set.out0"), (Tensor) o, "Set Transformer output");
                    assertPackedGrads("set.grad0flat", settr, keyBiases, "Set Transformer gradient");
                }).checkGrads(false).checkFinal(false).run();
        assertFinalSummarized("set.", settr, keyBiases, 1e-10, "Set Transformer parameters after 3 steps");
        try (GradMode off = Ember.noGrad()) {
            Tensor out = settr.apply(x.select(0, 0));
            same(e("set.eval"), out, "the trained Set Transformer");
            Tensor permuted = settr.apply(x.select(0, 0).index(Index.all(), Index.of(e("set.perm"))));
            same(e("set.perm_out"), permuted, "on the permuted sets");
            same(out, permuted, "permutation invariance");
        }
        DeepSet deepset = PT.loaded(new DeepSet(2, 1, 2, 6), "dset.init.", F64);
        new OutsiderTraining(PT, "dset.", deepset, new Adam(deepset.parameters(), 0.01), 3, maxRegression(deepset, x))
                .first(o -> same(e("dset.out0"), (Tensor) o, "Deep Sets output")).run();
    }

    // ------------------------------------------------------------------ 7b. S4D (H3's diagonal state-space kernel)

    static final class S4DKernel extends Container {
        S4DKernel(int dModel, int n, double dtMin, double dtMax) {
            int h = dModel;
            Tensor logDt = Tensor.rand(h).mul(Math.log(dtMax) - Math.log(dtMin)).add(Math.log(dtMin));
            Tensor c = Tensor.randn(DType.COMPLEX64, h, n / 2);
            registerParameter("C", c.viewAsReal().clone()); // nn.Parameter(torch.view_as_real(C)): float32
            registerParameter("log_dt", logDt); // register(.., lr): a parameter
            registerParameter("log_A_real", Tensor.ones(h, n / 2).mul(0.5).log());
            registerParameter("A_imag", Tensor.arange(n / 2).unsqueeze(0).expand(h, -1).mul(Math.PI));
        }

        Tensor forward(int l) {
            Tensor dt = parameter("log_dt").exp();
            Tensor c = parameter("C").viewAsComplex();
            Tensor a = parameter("log_A_real").exp().neg().add(parameter("A_imag").mul(Complex.I));
            Tensor dtA = a.mul(dt.unsqueeze(-1));
            Tensor k = dtA.unsqueeze(-1).mul(Tensor.arange(l));
            c = c.mul(dtA.exp().sub(1.0)).div(a);
            return Tensor.einsum("hn, hnl -> hl", c, k.exp()).real().mul(2);
        }
    }

    static final class S4D extends Container {
        final int h;
        final boolean transposed;
        final S4DKernel kernel;
        final GELU activation;
        final Identity dropout;
        final Sequential outputLinear;

        S4D(int dModel, int dState, boolean transposed) {
            h = dModel;
            this.transposed = transposed;
            registerParameter("D", Tensor.randn(h));
            kernel = registerModule("kernel", new S4DKernel(h, dState, 0.001, 0.1));
            activation = registerModule("activation", new GELU());
            dropout = registerModule("dropout", new Identity());
            outputLinear = registerModule("output_linear", new Sequential(new Conv1d(h, 2 * h, 1),
                    new dev.ember.nn.GLU(-2)));
        }

        @Override
        public Tensor forward(Tensor u) {
            if (!transposed) {
                u = u.transpose(-1, -2);
            }
            int l = u.size(-1);
            Tensor k = kernel.forward(l);
            Tensor kF = Fft.rfft(k, 2 * l, -1, null);
            Tensor uF = Fft.rfft(u, 2 * l, -1, null);
            Tensor y = lastDim(Fft.irfft(uF.mul(kF), 2 * l, -1, null), null, l);
            y = y.add(u.mul(parameter("D").unsqueeze(-1)));
            y = dropout.apply(activation.apply(y));
            y = outputLinear.apply(y);
            if (!transposed) {
                y = y.transpose(-1, -2);
            }
            return y;
        }
    }

    static final class S4DLM extends Module {
        final Embedding emb = registerModule("emb", new Embedding(6, 4));
        final S4D s4d = registerModule("s4d", new S4D(4, 8, false));
        final Linear head = registerModule("head", new Linear(4, 6));

        @Override
        public Tensor forward(Tensor idx) {
            Tensor x = emb.apply(idx);
            return head.apply(s4d.apply(x).add(x));
        }
    }

    @Test
    void s4dComplexDiagonalKernelTrainsThroughItsRealView() {
        DType before = Ember.getDefaultDtype();
        Ember.setDefaultDtype(F64); // as the generator: the model float64 but C, a torch.cfloat draw viewed as real
        try {
            S4DLM s4d = PT.loaded(new S4DLM(), "s4d.init.");
            S4DKernel kernel = s4d.s4d.kernel;
            assertEquals(F32, kernel.getParameter("C").dtype(), "C: view_as_real of a complex64 draw");
            assertEquals(F64, kernel.getParameter("log_dt").dtype());
            same(e("s4d.kernel"), kernel.forward(7), "the Vandermonde kernel (complex64 C promoted)");
            Tensor idx = e("s4d.idx");
            // the s4 example's setup_optimizer: AdamW for those without _optim, one group for the kernel's
            List<Tensor> own = List.of(kernel.getParameter("log_dt"), kernel.getParameter("log_A_real"),
                    kernel.getParameter("A_imag"));
            List<Tensor> rest = new ArrayList<>();
            for (Tensor p : s4d.parameters()) {
                if (own.stream().noneMatch(q -> q == p)) {
                    rest.add(p);
                }
            }
            AdamW opt = new AdamW(rest, 0.02, 0.9, 0.999, 1e-8, 0.01, false);
            opt.addParamGroup(own, Map.of("lr", 0.01, "weight_decay", 0.0));
            new OutsiderTraining(PT, "s4d.", s4d, opt, 3, step -> {
                Tensor seq = idx.select(0, step);
                Tensor logits = s4d.apply(seq.index(Index.all(), Index.slice(null, -1, null)));
                Tensor loss = Functional.crossEntropy(logits.reshape(-1, 6),
                        seq.index(Index.all(), Index.slice(1, null, null)).reshape(-1));
                return new Object[] {logits, loss};
            })
                    // C is a float32 parameter (as written), and Ember's float32 Adam kernel rounds differently from
                    // PyTorch's single-tensor Adam (fma(1 - beta1, g, beta1 * m) where 1.13 has mul_ then add_ and
                    // 2.x lerp_; fma for v where both have mul_ then addcmul_): C lands an ulp (6e-8 relative) away
                    // at times.
                    // Emulating Ember's kernel for C in PyTorch gives Ember's third loss bit for bit; C itself is
                    // held to float32's tolerance (its type), the later losses and float64 parameters it moves by
                    // ~1e-11 to 1e-8 relative
                    .first(o -> same(e("s4d.logits0"), (Tensor) o, "S4D LM logits")).lossLoose(1e4).loose(1, 1e4)
                    .run();
        } finally {
            Ember.setDefaultDtype(before);
        }
    }

    // ------------------------------------------------------------------ 8. float32, and RetNet's float32 decay

    /**
     * The first forward and backward of {@code model} (loaded already) against the generator's first_packed entries
     * under {@code prefix}: output, loss and the gradients packed in named_parameters' order, in their own types.
     */
    private static void firstPacked(String prefix, Module model, java.util.function.Function<Module, Tensor[]> forward) {
        firstPacked(prefix, model, 1, forward);
    }

    /** {@link #firstPacked(String, Module, java.util.function.Function)} with the tolerances times {@code loose}. */
    private static void firstPacked(String prefix, Module model, double loose,
                                    java.util.function.Function<Module, Tensor[]> forward) {
        Tensor[] ol = forward.apply(model);
        ol[1].backward();
        close(PT.e(prefix + "out"), ol[0], prefix + " output", loose);
        close(PT.e(prefix + "loss"), ol[1], prefix + " loss", loose);
        Tensor flat = PT.e(prefix + "grad");
        int at = 0;
        for (Map.Entry<String, Tensor> p : model.namedParameters().entrySet()) {
            Tensor g = p.getValue().grad();
            assertTrue(g != null, prefix + ": no gradient for " + p.getKey());
            int n = (int) g.numel();
            close(flat.narrow(0, at, n), g.reshape(-1), prefix + " gradient " + p.getKey(), loose);
            at += n;
        }
        assertEquals(flat.size(0), at, prefix + ": PyTorch's and Ember's gradient sizes");
    }

    static Tensor[] retLmForward(Module m, Tensor seq) {
        Tensor logits = m.apply(seq.index(Index.all(), Index.slice(null, -1, null)));
        return new Tensor[] {logits, Functional.crossEntropy(logits.reshape(-1, 10),
                seq.index(Index.all(), Index.slice(1, null, null)).reshape(-1))};
    }

    @Test
    void retNetAsWrittenInAFloat64ProgramKeepsItsFloat32Decay() {
        DType before = Ember.getDefaultDtype();
        Ember.setDefaultDtype(F64);
        try {
            RetNetLM ret = PT.loaded(new RetNetLM(), "ret.init."); // no .double(): decay stays float32
            assertEquals(F32, ret.retnetRelPos.getBuffer("decay").dtype(), "decay after the load");
            assertEquals(F64, ret.retnetRelPos.getBuffer("angle").dtype(), "angle in the default type");
            Tensor[] rp = ret.retnetRelPos.forward(5, false);
            same(PT.e("mix.ret.mask"), rp[2], "the mask built in float32");
            assertEquals(F64, rp[0].dtype(), "sin: float32 index times float64 angle");
            // the float32 mask of 6 positions differs from PyTorch's by one ulp in one row: PyTorch's float32 sum of
            // that row is not the correctly rounded one (its exp values all are); a one-ulp (6e-8) change of a mask
            // entry moves the float64 outputs by ~3e-10 and the gradients by ~6e-8 relative, so these are held to
            // 1e-7 relative (float32's rounding of the mask, which both programs share)
            firstPacked("mix.ret.", ret, 1e5, m -> retLmForward(m, PT.e("ret.idx").select(0, 0)));
        } finally {
            Ember.setDefaultDtype(before);
        }
    }

    @Test
    void hyenaRetNetSplineFlowAndSirenInFloat32() {
        Tensor hyIdx = PT.e("hy.idx").select(0, 0);
        firstPacked("f32.hy.", PT.loaded(new HyenaLM(), "hy.init.", F32), m -> {
            Tensor logits = m.apply(hyIdx.index(Index.all(), Index.slice(null, -1, null)));
            return new Tensor[] {logits, Functional.crossEntropy(logits.reshape(-1, 9),
                    hyIdx.index(Index.all(), Index.slice(1, null, null)).reshape(-1))};
        });
        firstPacked("f32.ret.", PT.loaded(new RetNetLM(), "ret.init.", F32),
                m -> retLmForward(m, PT.e("ret.idx").select(0, 0)));
        Tensor nsfX = PT.e("nsf.x").select(0, 0);
        firstPacked("f32.nsf.", PT.loaded(new SplineFlow(), "nsf.init.", F32), m -> {
            Tensor lp = ((SplineFlow) m).logProb(nsfX);
            return new Tensor[] {lp, lp.mean().neg()};
        });
        Tensor gt = PT.e("siren.gt");
        Tensor gtGrad = PT.e("siren.gtgrad");
        // sin(30 * ...) and its double backward amplify float32 rounding: PyTorch's own float32 gradients are up to
        // 1.3e-6 (relative to each tensor's largest) from its float64 ones, so these are held to 4 times float32's
        // tolerance
        firstPacked("f32.siren.", PT.loaded(new Siren(2, 12, 2, 1, true, 30, 30), "siren.init.", F32), 4, m -> {
            Tensor[] oc = ((Siren) m).forward2(getMgrid(4, 2, F32));
            Tensor grad = gradient(oc[0], oc[1]);
            return new Tensor[] {oc[0], oc[0].sub(gt).pow(2).mean().add(grad.sub(gtGrad).pow(2).mean().mul(0.01))};
        });
    }
    // ------------------------------------------------------------------ 8. the recipes' misuses

    /** The line {@code key} of texts19.txt (key, a tab, PyTorch's message). */
    private static String text(String key) {
        try {
            for (String line : java.nio.file.Files.readAllLines(PT.resource("texts19.txt"))) {
                int tab = line.indexOf('\t');
                if (line.substring(0, tab).equals(key)) {
                    return line.substring(tab + 1);
                }
            }
        } catch (java.io.IOException ex) {
            throw new IllegalStateException(ex);
        }
        throw new AssertionError("no " + key + " in texts19.txt");
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
        refused("irfft", null, () -> Fft.irfft(Tensor.zeros(DType.COMPLEX128, 2, 3), 0, -1, null));
        Tensor widths = Tensor.rand(F64, 4, 5);
        refused("gather", widths, () -> widths.gather(-1, Tensor.tensor(new long[][] {{5}, {0}, {1}, {2}})));
        refused("group_norm", null, () -> Functional.groupNorm(Tensor.zeros(F64, 2, 6, 4, 4), 4));
        Conv1d shortFilter = new Conv1d(12, 12, 3, 1, 2, 1, 12, true);
        refused("conv1d", shortFilter.weight(), () -> shortFilter.apply(Tensor.zeros(2, 8, 8)));
        refused("chunk", null, () -> Tensor.zeros(F64, 2, 8).chunk(0, -1));
        refused("invert", null, () -> Tensor.ones(F64, 2, 4).bitwiseNot());
        refused("bmm", null, () -> Tensor.zeros(F64, 4, 3, 4).bmm(Tensor.zeros(F64, 4, 3, 5).transpose(1, 2)));
        refused("grad", null, () -> Autograd.grad(List.of(Tensor.ones(F64, 3).requiresGrad_(true).sum()),
                List.of(Tensor.zeros(F64, 3))));
    }
}
