package dev.ember;

import dev.ember.OutsiderTraining.Container;
import dev.ember.distributions.Categorical;
import dev.ember.distributions.Independent;
import dev.ember.distributions.MixtureSameFamily;
import dev.ember.distributions.Normal;
import dev.ember.nn.Conv1d;
import dev.ember.nn.Dropout;
import dev.ember.nn.Embedding;
import dev.ember.nn.Functional;
import dev.ember.nn.GELU;
import dev.ember.nn.Identity;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleDict;
import dev.ember.nn.ModuleList;
import dev.ember.nn.Sequential;
import dev.ember.nn.Tanh;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import dev.ember.optim.Optimizer;
import dev.ember.optim.RMSprop;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntFunction;

import static dev.ember.OutsiderFixture.close;
import static dev.ember.OutsiderFixture.same;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 45's outsider pass, round 20: recipes no earlier round had ported, each ported line by line from its
 * reference code with Ember's public API, run in float64 from PyTorch's initial weights and fixed data and held to
 * PyTorch's outputs, losses, gradients after the first backward and parameters after the last step
 * ({@code resources/outsiderprograms20/make_expected.py} wrote {@code programs20.pt} with PyTorch 1.13). The initial
 * weights and the data are float32-representable and saved as float32; the test widens them to the very same float64
 * numbers. Every model is saved packed ({@link OutsiderPacked}: its initial state one vector split by
 * {@code names20.txt} and loaded strictly by name, its first gradients one vector in named_parameters' order, its
 * parameters after training three summaries each plus the values of the small ones). Every comparison is held to
 * {@link LossesMoreTest#assertClose}'s tolerance (float64: 1e-12 relative to the largest magnitude of the tensor
 * compared) unless its line says otherwise; integer and boolean results are PyTorch's exactly.
 * <ol>
 * <li>Whisper (openai/whisper): log_mel_spectrogram (stft with a Hann window, power, a mel filterbank given as data,
 * clamp / log10 / the max - 8 floor) and its gradient to the audio; AudioEncoder (two Conv1d + GELU, sinusoids,
 * a residual attention block) and TextDecoder (cross-attention, the -inf triu mask, logits by the tied
 * embedding); greedy decoding with install_kv_cache_hooks' forward hooks (outputs replaced by the cache); the
 * scaled_dot_product_attention path against the explicit one; the first step in float32 at float32's tolerance
 * (PyTorch 1.13's float32 gelu_backward of a non-contiguous gradient is wrong; the generator works around it, Ember
 * agrees with the corrected values).</li>
 * <li>GPT-2 as Hugging Face writes it (Conv1D by addmm, the causal bool buffer and torch.where with finfo.min, the
 * padding mask, NewGELU, the tied lm_head, position ids from the mask, the shifted loss), greedy decoding with
 * past_key_values against full recomputation, beam search with the cache reordered, top-p and top-k filtering, BLOOM's and MPT's ALiBi slopes and BLOOM's
 * baddbmm scores.</li>
 * <li>A graph attention network as PyG's GATConv computes it (self loops, LeakyReLU edge scores, the softmax over
 * each node's incoming edges by scatter_reduce amax / scatter_add_, index_add_ aggregation, concat and mean of
 * heads); scatter_reduce's amax and its gradient with and without include_self; the layer once more with torch.sparse
 * (sparse_coo_tensor, sparse.softmax, sparse.mm) and its gradients.</li>
 * <li>Exact GP regression (softplus-constrained hyperparameters, RBF from cdist, Cholesky, cholesky_solve, the
 * log-determinant from the factor's diagonal, Adam on the negative marginal log likelihood, the predictive mean and
 * variance by solve_triangular).</li>
 * <li>A mixture density network (MixtureSameFamily of Independent Normals under Categorical logits), its NLL and the
 * trained mixture's log_prob, mean, variance and (univariate) cdf; its samples are Ember's own draws, held to their
 * shape, reproducibility and finite log-probabilities.</li>
 * <li>FT-Transformer (rtdl: numerical and categorical feature tokenizers, the CLS token, ModuleDict blocks without the
 * first attention normalization, ReGLU, the last layer's query by a list index, AdamW with its param groups) and
 * EfficientNet's MBConv (torchvision: Conv2dNormActivation, depthwise conv, squeeze-excitation, stochastic depth with
 * a fixed mask, the residual added in place; BatchNorm running statistics, RMSprop, label smoothing).</li>
 * <li>The recipes' smaller tools: PyG's scatter for each reduce (sum by scatter_add_, mean / amax / amin / prod by
 * scatter_reduce_ with and without include_self, a node no edge reaches) and their gradients; GPyTorch's
 * psd_safe_cholesky (cholesky_ex's info per batch member, jitter added in place to the failing member's diagonal only)
 * and its gradient; Hugging Face's repetition penalty, min length, temperature, top-k and top-p chained, and whisper's
 * ApplyTimestampRules test; the filtered scores as a Categorical (-inf logits: probabilities, entropy, log_prob).</li>
 * <li>The first forward and backward of GPT-2, the GAT, the GP, the MDN, the FT-Transformer and the EfficientNet blocks
 * in float32, as the recipes run, at float32's tolerance.</li>
 * <li>The recipes' misuses fail with PyTorch's messages and leave their tensors as they were.</li>
 * </ol>
 */
class OutsiderPrograms20Test {
    private static final OutsiderFixture PT = new OutsiderFixture("outsiderprograms20", "programs20.pt");
    private static final OutsiderPacked PACKED = new OutsiderPacked(PT, "names20.txt");
    private static final DType F64 = DType.FLOAT64;
    private static final DType F32 = DType.FLOAT32;

    /** The entry {@code name}, a float32 one (data, initial values) widened to float64. */
    private static Tensor e(String name) {
        return PACKED.e(name);
    }

    private static void exact(Tensor want, Tensor got, String what) {
        assertArrayEquals(want.shape(), got.shape(), what + " shape");
        assertEquals(want.dtype(), got.dtype(), what + " dtype");
        assertTrue(want.equal(got), what);
    }

    /** {@link #train(String, Module, Optimizer, int, IntFunction, Consumer, String)} with Adam. */
    private static void train(String prefix, Module model, int steps, double lr, double weightDecay,
                              IntFunction<Object[]> forward, Consumer<Object> first, String what) {
        train(prefix, model, new Adam(model.parameters(), lr, 0.9, 0.999, 1e-8, weightDecay, false), steps, forward,
                first, what);
    }

    /** The training loop with the packed checks: first gradients by {@code grad0flat}, final parameters summarized. */
    private static void train(String prefix, Module model, Optimizer opt, int steps, IntFunction<Object[]> forward,
                              Consumer<Object> first, String what) {
        train(prefix, model, opt, steps, forward, first, Set.of(), what);
    }

    /**
     * {@link #train(String, Module, Optimizer, int, IntFunction, Consumer, String)} where the parameters named in
     * {@code noise} have a gradient that is rounding noise (an attention key's bias, which the softmax removes): their
     * gradients are held to 1e-15 and their final values to 1e-10 absolute (Adam turns noise into steps of ~lr * 1e-9
     * relative to eps).
     */
    private static void train(String prefix, Module model, Optimizer opt, int steps, IntFunction<Object[]> forward,
                              Consumer<Object> first, Set<String> noise, String what) {
        new OutsiderTraining(PT, prefix, model, opt, steps, forward).first(y -> {
            if (first != null) {
                first.accept(y);
            }
            PACKED.assertGrads(prefix + "grad0flat", model, noise, what + " gradient");
        }).checkGrads(false).checkFinal(false).what(what).run();
        PACKED.assertFinal(prefix, model, noise, 1e-10, what + " parameters after " + steps + " steps");
    }

    // ------------------------------------------------------------------ 1. Whisper

    static final int N_FFT = 16;
    static final int HOP_LENGTH = 4;

    /** audio.py's log_mel_spectrogram with the filterbank given (whisper's mel_filters(device, n_mels)). */
    static Tensor logMelSpectrogram(Tensor audio, Tensor filters, int padding) {
        if (padding > 0) {
            audio = Functional.pad(audio, new int[] {0, padding});
        }
        Tensor window = Tensor.hannWindow(N_FFT, true, audio.dtype(), audio.device());
        Tensor stft = Fft.stft(audio, N_FFT, HOP_LENGTH, null, window, true);
        Tensor magnitudes = stft.index(Index.ellipsis(), Index.slice(null, -1, null)).abs().pow(2);
        Tensor melSpec = filters.matmul(magnitudes);
        Tensor logSpec = melSpec.clamp(1e-10, null).log10();
        logSpec = logSpec.maximum(logSpec.max().sub(8.0));
        return logSpec.add(4.0).div(4.0);
    }

    /** model.py's sinusoids(length, channels), in float64 (the Python program's default type). */
    static Tensor sinusoids(int length, int channels, double maxTimescale) {
        double logTimescaleIncrement = Math.log(maxTimescale) / (channels / 2 - 1);
        Tensor invTimescales = Tensor.arange(0, channels / 2, 1, F64).mul(-logTimescaleIncrement).exp();
        Tensor scaledTime = Tensor.arange(0, length, 1, F64).unsqueeze(1).mul(invTimescales.unsqueeze(0));
        return Tensor.cat(List.of(scaledTime.sin(), scaledTime.cos()), 1);
    }

    static final class MultiHeadAttention extends Container {
        /** MultiHeadAttention.use_sdpa (a class attribute in whisper; per module here, set by the test). */
        boolean useSdpa;
        final int nHead;
        final Linear query;
        final Linear key;
        final Linear value;
        final Linear out;

        MultiHeadAttention(int nState, int nHead) {
            this.nHead = nHead;
            query = registerModule("query", new Linear(nState, nState));
            key = registerModule("key", new Linear(nState, nState, false));
            value = registerModule("value", new Linear(nState, nState));
            out = registerModule("out", new Linear(nState, nState));
        }

        /** {wv, qk}: the output and the detached scores (null on the SDPA path); kvCache null or the hooks' cache. */
        Tensor[] forward(Tensor x, Tensor xa, Tensor mask, Map<Module, Tensor> kvCache) {
            Tensor q = query.apply(x);
            Tensor k;
            Tensor v;
            if (kvCache == null || xa == null || !kvCache.containsKey(key)) {
                // hooks, if installed, prepend the cached kv tensors; otherwise the projections as usual
                k = key.apply(xa == null ? x : xa);
                v = value.apply(xa == null ? x : xa);
            } else {
                // cross-attention: the keys and values computed once and reused
                k = kvCache.get(key);
                v = kvCache.get(value);
            }
            Tensor[] wvqk = qkvAttention(q, k, v, mask);
            return new Tensor[] {out.apply(wvqk[0]), wvqk[1]};
        }

        Tensor[] qkvAttention(Tensor q, Tensor k, Tensor v, Tensor mask) {
            int nCtx = (int) q.size(1);
            int nState = (int) q.size(2);
            double scale = Math.pow(nState / nHead, -0.25);
            q = q.view((int) q.size(0), (int) q.size(1), nHead, -1).permute(0, 2, 1, 3);
            k = k.view((int) k.size(0), (int) k.size(1), nHead, -1).permute(0, 2, 1, 3);
            v = v.view((int) v.size(0), (int) v.size(1), nHead, -1).permute(0, 2, 1, 3);
            if (useSdpa) {
                Tensor a = Functional.scaledDotProductAttention(q, k, v, mask != null && nCtx > 1);
                return new Tensor[] {a.permute(0, 2, 1, 3).flatten(2), null};
            }
            Tensor qk = q.mul(scale).matmul(k.mul(scale).transpose(-1, -2));
            if (mask != null) {
                qk = qk.add(mask.index(Index.slice(null, nCtx, null), Index.slice(null, nCtx, null)));
            }
            Tensor w = qk.softmax(-1);
            Tensor out = w.matmul(v).permute(0, 2, 1, 3).flatten(2);
            return new Tensor[] {out, qk.detach()};
        }
    }

    static final class ResidualAttentionBlock extends Container {
        final MultiHeadAttention attn;
        final LayerNorm attnLn;
        final MultiHeadAttention crossAttn;
        final LayerNorm crossAttnLn;
        final Sequential mlp;
        final LayerNorm mlpLn;

        ResidualAttentionBlock(int nState, int nHead, boolean crossAttention) {
            attn = registerModule("attn", new MultiHeadAttention(nState, nHead));
            attnLn = registerModule("attn_ln", new LayerNorm(nState));
            crossAttn = crossAttention ? registerModule("cross_attn", new MultiHeadAttention(nState, nHead)) : null;
            crossAttnLn = crossAttention ? registerModule("cross_attn_ln", new LayerNorm(nState)) : null;
            int nMlp = nState * 4;
            mlp = registerModule("mlp", new Sequential(new Linear(nState, nMlp), new GELU(), new Linear(nMlp, nState)));
            mlpLn = registerModule("mlp_ln", new LayerNorm(nState));
        }

        Tensor forward(Tensor x, Tensor xa, Tensor mask, Map<Module, Tensor> kvCache) {
            x = x.add(attn.forward(attnLn.apply(x), null, mask, kvCache)[0]);
            if (crossAttn != null) {
                x = x.add(crossAttn.forward(crossAttnLn.apply(x), xa, null, kvCache)[0]);
            }
            return x.add(mlp.apply(mlpLn.apply(x)));
        }
    }

    static final class AudioEncoder extends Module {
        final Conv1d conv1;
        final Conv1d conv2;
        final ModuleList<ResidualAttentionBlock> blocks;
        final LayerNorm lnPost;

        AudioEncoder(int nMels, int nCtx, int nState, int nHead, int nLayer) {
            conv1 = registerModule("conv1", new Conv1d(nMels, nState, 3, 1, 1));
            conv2 = registerModule("conv2", new Conv1d(nState, nState, 3, 2, 1));
            registerBuffer("positional_embedding", sinusoids(nCtx, nState, 10000));
            blocks = registerModule("blocks", new ModuleList<>());
            for (int i = 0; i < nLayer; i++) {
                blocks.add(new ResidualAttentionBlock(nState, nHead, false));
            }
            lnPost = registerModule("ln_post", new LayerNorm(nState));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = Functional.gelu(conv1.apply(x));
            x = Functional.gelu(conv2.apply(x));
            x = x.permute(0, 2, 1);
            Tensor pos = getBuffer("positional_embedding");
            assertArrayEquals(pos.shape(), new int[] {(int) x.size(1), (int) x.size(2)}, "incorrect audio shape");
            x = x.add(pos).to(x.dtype());
            for (ResidualAttentionBlock block : blocks) {
                x = block.forward(x, null, null, null);
            }
            return lnPost.apply(x);
        }
    }

    static final class TextDecoder extends Container {
        final Embedding tokenEmbedding;
        final ModuleList<ResidualAttentionBlock> blocks;
        final LayerNorm ln;

        TextDecoder(int nVocab, int nCtx, int nState, int nHead, int nLayer) {
            tokenEmbedding = registerModule("token_embedding", new Embedding(nVocab, nState));
            registerParameter("positional_embedding", Tensor.empty(nCtx, nState));
            blocks = registerModule("blocks", new ModuleList<>());
            for (int i = 0; i < nLayer; i++) {
                blocks.add(new ResidualAttentionBlock(nState, nHead, true));
            }
            ln = registerModule("ln", new LayerNorm(nState));
            Tensor mask = Tensor.empty(nCtx, nCtx).fill_(Double.NEGATIVE_INFINITY).triu_(1);
            registerBuffer("mask", mask, false);
        }

        Tensor forward(Tensor x, Tensor xa, Map<Module, Tensor> kvCache) {
            int offset = kvCache != null && !kvCache.isEmpty() ? (int) kvCache.values().iterator().next().size(1) : 0;
            x = tokenEmbedding.apply(x).add(param("positional_embedding").narrow(0, offset, (int) x.size(-1)));
            x = x.to(xa.dtype());
            for (ResidualAttentionBlock block : blocks) {
                x = block.forward(x, xa, getBuffer("mask"), kvCache);
            }
            x = ln.apply(x);
            return x.matmul(tokenEmbedding.weight().to(x.dtype()).transpose(0, 1));
        }
    }

    static final class Whisper extends Container {
        final AudioEncoder encoder;
        final TextDecoder decoder;

        Whisper() {
            encoder = registerModule("encoder", new AudioEncoder(8, 8, 8, 2, 1));
            decoder = registerModule("decoder", new TextDecoder(11, 6, 8, 2, 1));
        }

        Tensor forward(Tensor mel, Tensor tokens) {
            return decoder.forward(tokens, encoder.apply(mel), null);
        }

        /**
         * Whisper.install_kv_cache_hooks: forward hooks on every MultiHeadAttention's key and value projections in the
         * decoder that append each call's output to {@code cache} (or start it) and return the cached tensor as the
         * projection's output.
         */
        List<RemovableHandle> installKvCacheHooks(Map<Module, Tensor> cache) {
            List<RemovableHandle> hooks = new ArrayList<>();
            Module.ForwardHook saveToCache = (module, inputs, outputs) -> {
                Tensor output = outputs.get(0);
                if (!cache.containsKey(module) || output.size(1) > 6) { // self.dims.n_text_ctx
                    cache.put(module, output); // as-is, for the first token or cross attention
                } else {
                    cache.put(module, Tensor.cat(List.of(cache.get(module), output), 1).detach());
                }
                return List.of(cache.get(module));
            };
            decoder.apply(layer -> {
                if (layer instanceof MultiHeadAttention mha) {
                    hooks.add(mha.key.registerForwardHook(saveToCache));
                    hooks.add(mha.value.registerForwardHook(saveToCache));
                }
            });
            return hooks;
        }
    }

    @Test
    void whispersLogMelFrontEndEncoderAndDecoderTrain() {
        Tensor filters = e("wh.filters");
        Tensor audio = e("wh.audio");
        Tensor mel = logMelSpectrogram(audio, filters, 4);
        same(e("wh.mel"), mel, "log-mel spectrogram");
        double floor = mel.max().item() - 2.0; // (max - 8 + 4) / 4: the floor the quiet tail sits on
        assertTrue(mel.eq(floor).sum().item() > 4, "the max - 8 floor bites: " + mel.min().item());
        Tensor audioG = audio.clone().requiresGrad_(true);
        logMelSpectrogram(audioG, filters, 4).mul(e("wh.mel_w")).sum().backward();
        same(e("wh.audio_grad"), audioG.grad(), "the spectrogram's gradient to the audio");

        Whisper whisper = PACKED.loaded(new Whisper(), "wh.init");
        // the buffer loaded is PyTorch's sinusoids rounded to float32; Ember's own agree to float32's rounding
        close(whisper.encoder.getBuffer("positional_embedding"), sinusoids(8, 8, 10000), "sinusoids", 1e5);
        Tensor tokens = PT.e("wh.tokens");
        Tensor input = tokens.index(Index.all(), Index.slice(null, -1, null));
        Tensor target = tokens.index(Index.all(), Index.slice(1, null, null)).reshape(-1);
        train("wh.", whisper, 3, 0.01, 0, step -> {
            Tensor logits = whisper.forward(mel, input);
            return new Object[] {logits, Functional.crossEntropy(logits.reshape(-1, 11), target)};
        }, y -> same(e("wh.out0"), (Tensor) y, "Whisper logits"), "Whisper");
        try (GradMode off = Ember.noGrad()) {
            Tensor enc = whisper.encoder.apply(mel);
            same(e("wh.enc"), enc, "the trained encoder");
            ResidualAttentionBlock block = whisper.decoder.blocks.get(0);
            Tensor x = whisper.decoder.tokenEmbedding.apply(tokens.narrow(1, 0, 3))
                    .add(whisper.decoder.param("positional_embedding").narrow(0, 0, 3));
            Tensor qk = block.crossAttn.forward(block.crossAttnLn.apply(x), enc, null, null)[1];
            same(e("wh.cross_qk"), qk, "cross-attention scores");

            // greedy decoding from two tokens with the hooks' cache
            Map<Module, Tensor> cache = new LinkedHashMap<>();
            List<RemovableHandle> hooks = whisper.installKvCacheHooks(cache);
            assertEquals(4, hooks.size(), "two hooks per attention module of the decoder");
            Tensor audioFeatures = whisper.encoder.apply(mel);
            Tensor toks = tokens.narrow(1, 0, 2);
            Tensor logits = whisper.decoder.forward(toks, audioFeatures, cache);
            for (int t = 0; t < 3; t++) {
                Tensor last = logits.select(1, -1);
                same(e("wh.dec" + t), last, "whisper's cached decoding, step " + t);
                toks = Tensor.cat(List.of(toks, last.argmax(-1).unsqueeze(1)), -1);
                logits = whisper.decoder.forward(toks.narrow(1, toks.size(1) - 1, 1), audioFeatures, cache);
            }
            same(e("wh.dec3"), logits.select(1, -1), "whisper's cached decoding, step 3");
            exact(PT.e("wh.dectoks"), toks, "whisper's greedy tokens");
            assertEquals(5, cache.get(block.attn.key).size(1), "the self-attention cache holds every token");
            assertEquals(8, cache.get(block.crossAttn.key).size(1), "the cross-attention cache, the audio's frames");
            hooks.forEach(RemovableHandle::remove);
            same(whisper.forward(mel, toks).select(1, -1), logits.select(1, -1), "the cache against recomputation");

            // the SDPA path (PyTorch 2.x's scaled_dot_product_attention, is_causal for the masked self-attention)
            // against the explicit one
            Tensor explicit = whisper.forward(mel, input);
            for (Module m : whisper.modules()) {
                if (m instanceof MultiHeadAttention mha) {
                    mha.useSdpa = true;
                }
            }
            same(explicit, whisper.forward(mel, input), "whisper's SDPA path");
        }

        // the first step in float32, as whisper runs
        Whisper whisper32 = PACKED.loaded(new Whisper(), "wh.init", F32);
        Tensor mel32 = logMelSpectrogram(audio.to(F32), filters.to(F32), 4);
        same(PT.e("f32.wh.mel"), mel32, "float32 log-mel spectrogram");
        Tensor logits32 = whisper32.forward(mel32, input);
        Functional.crossEntropy(logits32.reshape(-1, 11), target).backward();
        same(PT.e("f32.wh.out0"), logits32, "float32 whisper logits");
        assertFloat32Grads("f32.wh.grad0flat", whisper32, 1, "float32 whisper gradient");
    }

    /** The float32 gradients against the generator's packed float32 ones, each parameter at {@code loose} times. */
    private static void assertFloat32Grads(String key, Module m, double loose, String what) {
        Tensor flat = PT.e(key);
        int at = 0;
        for (Map.Entry<String, Tensor> p : m.namedParameters().entrySet()) {
            Tensor g = p.getValue().grad();
            assertTrue(g != null, what + ": no gradient for " + p.getKey());
            int n = (int) g.numel();
            close(flat.narrow(0, at, n), g.reshape(-1), what + " " + p.getKey(), loose);
            at += n;
        }
        assertEquals(flat.size(0), at, what + ": PyTorch's and Ember's gradient sizes");
    }

    // ------------------------------------------------------------------ 2. GPT-2 (Hugging Face), top-p, ALiBi

    /** transformers' pytorch_utils.Conv1D: a linear layer with its weight stored [nx, nf]. */
    static final class Conv1D extends Container {
        final int nf;

        Conv1D(int nf, int nx) {
            this.nf = nf;
            registerParameter("weight", Tensor.randn(nx, nf).mul(0.02));
            registerParameter("bias", Tensor.zeros(nf));
        }

        @Override
        public Tensor forward(Tensor x) {
            int[] sizeOut = x.shape().clone();
            sizeOut[sizeOut.length - 1] = nf;
            x = param("bias").addmm(x.view(-1, (int) x.size(-1)), param("weight"));
            return x.view(sizeOut);
        }
    }

    static Tensor newGelu(Tensor input) {
        return input.mul(0.5).mul(input.add(input.pow(3.0).mul(0.044715)).mul(Math.sqrt(2.0 / Math.PI)).tanh()
                .add(1.0));
    }

    static final class GPT2Attention extends Container {
        final int numHeads;
        final int headDim;
        final int splitSize;
        final Conv1D cAttn;
        final Conv1D cProj;

        GPT2Attention(int nEmbd, int nHead, int maxPositions) {
            registerBuffer("bias", Tensor.ones(DType.BOOL, maxPositions, maxPositions).tril()
                    .view(1, 1, maxPositions, maxPositions), false);
            numHeads = nHead;
            headDim = nEmbd / nHead;
            splitSize = nEmbd;
            cAttn = registerModule("c_attn", new Conv1D(3 * nEmbd, nEmbd));
            cProj = registerModule("c_proj", new Conv1D(nEmbd, nEmbd));
        }

        Tensor attn(Tensor query, Tensor key, Tensor value, Tensor attentionMask) {
            Tensor attnWeights = query.matmul(key.transpose(-1, -2));
            attnWeights = attnWeights.div(Tensor.full(attnWeights.dtype(), Math.pow(value.size(-1), 0.5)));
            int queryLength = (int) query.size(-2);
            int keyLength = (int) key.size(-2);
            Tensor causalMask = getBuffer("bias").index(Index.all(), Index.all(),
                    Index.slice(keyLength - queryLength, keyLength, null), Index.slice(null, keyLength, null));
            Tensor maskValue = Tensor.full(attnWeights.dtype(), Tensor.finfo(attnWeights.dtype()).min());
            attnWeights = Tensor.where(causalMask, attnWeights.to(attnWeights.dtype()), maskValue);
            if (attentionMask != null) {
                attnWeights = attnWeights.add(attentionMask);
            }
            attnWeights = attnWeights.softmax(-1).type(value.dtype());
            return attnWeights.matmul(value);
        }

        Tensor splitHeads(Tensor t) {
            return t.view((int) t.size(0), (int) t.size(1), numHeads, headDim).permute(0, 2, 1, 3);
        }

        Tensor mergeHeads(Tensor t) {
            t = t.permute(0, 2, 1, 3).contiguous();
            return t.view((int) t.size(0), (int) t.size(1), numHeads * headDim);
        }

        /** {attn_output, key, value}: the keys and values with the past ones (the layer's present). */
        Tensor[] forward(Tensor hiddenStates, Tensor[] layerPast, Tensor attentionMask) {
            List<Tensor> qkv = cAttn.apply(hiddenStates).split(splitSize, 2);
            Tensor query = splitHeads(qkv.get(0));
            Tensor key = splitHeads(qkv.get(1));
            Tensor value = splitHeads(qkv.get(2));
            if (layerPast != null) {
                key = Tensor.cat(List.of(layerPast[0], key), -2);
                value = Tensor.cat(List.of(layerPast[1], value), -2);
            }
            Tensor attnOutput = mergeHeads(attn(query, key, value, attentionMask));
            return new Tensor[] {cProj.apply(attnOutput), key, value};
        }
    }

    static final class GPT2MLP extends Module {
        final Conv1D cFc;
        final Conv1D cProj;

        GPT2MLP(int intermediateSize, int embedDim) {
            cFc = registerModule("c_fc", new Conv1D(intermediateSize, embedDim));
            cProj = registerModule("c_proj", new Conv1D(embedDim, intermediateSize));
        }

        @Override
        public Tensor forward(Tensor hiddenStates) {
            return cProj.apply(newGelu(cFc.apply(hiddenStates)));
        }
    }

    static final class GPT2Block extends Container {
        final LayerNorm ln1;
        final GPT2Attention attn;
        final LayerNorm ln2;
        final GPT2MLP mlp;

        GPT2Block(int nEmbd, int nHead, int maxPositions) {
            ln1 = registerModule("ln_1", new LayerNorm(new int[] {nEmbd}, 1e-5, true, true));
            attn = registerModule("attn", new GPT2Attention(nEmbd, nHead, maxPositions));
            ln2 = registerModule("ln_2", new LayerNorm(new int[] {nEmbd}, 1e-5, true, true));
            mlp = registerModule("mlp", new GPT2MLP(4 * nEmbd, nEmbd));
        }

        Tensor[] forward(Tensor hiddenStates, Tensor[] layerPast, Tensor attentionMask) {
            Tensor residual = hiddenStates;
            Tensor[] attnOut = attn.forward(ln1.apply(hiddenStates), layerPast, attentionMask);
            hiddenStates = attnOut[0].add(residual);
            residual = hiddenStates;
            hiddenStates = residual.add(mlp.apply(ln2.apply(hiddenStates)));
            return new Tensor[] {hiddenStates, attnOut[1], attnOut[2]};
        }
    }

    static final class GPT2LMHeadModel extends Container {
        final Embedding wte;
        final Embedding wpe;
        final List<GPT2Block> h = new ArrayList<>();
        final LayerNorm lnF;
        final Linear lmHead;

        GPT2LMHeadModel(int vocab, int nPositions, int nEmbd, int nHead, int nLayer) {
            wte = registerModule("wte", new Embedding(vocab, nEmbd));
            wpe = registerModule("wpe", new Embedding(nPositions, nEmbd));
            ModuleList<GPT2Block> blocks = registerModule("h", new ModuleList<>());
            for (int i = 0; i < nLayer; i++) {
                GPT2Block block = new GPT2Block(nEmbd, nHead, nPositions);
                blocks.add(block);
                h.add(block);
            }
            lnF = registerModule("ln_f", new LayerNorm(nEmbd));
            lmHead = registerModule("lm_head", new Linear(nEmbd, vocab, false));
            lmHead.setParameter("weight", wte.weight()); // tie_weights
        }

        /**
         * {loss (null without labels), lm_logits, then the presents' keys and values, two per layer}; pastKeyValues
         * null or two per layer.
         */
        Tensor[] forward(Tensor inputIds, Tensor[] pastKeyValues, Tensor attentionMask, Tensor positionIds,
                         Tensor labels) {
            int batchSize = (int) inputIds.size(0);
            int pastLength = pastKeyValues == null ? 0 : (int) pastKeyValues[0].size(-2);
            if (positionIds == null) {
                positionIds = Tensor.arange(pastLength, inputIds.size(-1) + pastLength).unsqueeze(0);
            }
            if (attentionMask != null) {
                attentionMask = attentionMask.view(batchSize, -1);
                attentionMask = attentionMask.index(Index.all(), Index.newAxis(), Index.newAxis(), Index.all());
                attentionMask = attentionMask.to(wte.weight().dtype());
                attentionMask = attentionMask.rsub(1.0).mul(Tensor.finfo(wte.weight().dtype()).min());
            }
            Tensor hiddenStates = wte.apply(inputIds).add(wpe.apply(positionIds));
            Tensor[] result = new Tensor[2 + 2 * h.size()];
            for (int i = 0; i < h.size(); i++) {
                Tensor[] layerPast = pastKeyValues == null ? null
                        : new Tensor[] {pastKeyValues[2 * i], pastKeyValues[2 * i + 1]};
                Tensor[] out = h.get(i).forward(hiddenStates, layerPast, attentionMask);
                hiddenStates = out[0];
                result[2 + 2 * i] = out[1];
                result[3 + 2 * i] = out[2];
            }
            hiddenStates = lnF.apply(hiddenStates);
            Tensor lmLogits = lmHead.apply(hiddenStates);
            result[1] = lmLogits;
            if (labels != null) {
                Tensor shiftLogits = lmLogits.index(Index.ellipsis(), Index.slice(null, -1, null), Index.all())
                        .contiguous();
                Tensor shiftLabels = labels.index(Index.ellipsis(), Index.slice(1, null, null)).contiguous();
                result[0] = Functional.crossEntropy(shiftLogits.view(-1, (int) shiftLogits.size(-1)),
                        shiftLabels.view(-1));
            }
            return result;
        }
    }

    /** generate()'s position ids: attention_mask.long().cumsum(-1) - 1, masked_fill_(attention_mask == 0, 1). */
    static Tensor positionIds(Tensor mask) {
        Tensor pos = mask.to(DType.INT64).cumsum(-1).sub(1L);
        pos.maskedFill_(mask.eq(0L), 1L);
        return pos;
    }

    /** TopPLogitsWarper.__call__. */
    static Tensor topP(Tensor scores, double topP, int minTokensToKeep) {
        Tensor.ValuesIndices sorted = scores.sort(-1, false);
        Tensor cumulativeProbs = sorted.values().softmax(-1).cumsum(-1);
        Tensor sortedIndicesToRemove = cumulativeProbs.le(1 - topP);
        sortedIndicesToRemove.index(Index.ellipsis(), Index.slice(-minTokensToKeep, null, null)).fill_(0L);
        Tensor indicesToRemove = sortedIndicesToRemove.scatter(1, sorted.indices(), sortedIndicesToRemove);
        return scores.maskedFill(indicesToRemove, Double.NEGATIVE_INFINITY);
    }

    /** TopKLogitsWarper.__call__. */
    static Tensor topK(Tensor scores, int topK) {
        topK = Math.min(topK, (int) scores.size(-1));
        Tensor indicesToRemove = scores.lt(scores.topk(topK).values().index(Index.ellipsis(), Index.of(-1),
                Index.newAxis()));
        return scores.maskedFill(indicesToRemove, Double.NEGATIVE_INFINITY);
    }

    /** BLOOM's build_alibi_tensor. */
    static Tensor buildAlibiTensor(Tensor attentionMask, int numHeads, DType dtype) {
        int batchSize = (int) attentionMask.size(0);
        int seqLength = (int) attentionMask.size(1);
        int closestPowerOf2 = 1 << (31 - Integer.numberOfLeadingZeros(numHeads)); // 2 ** floor(log2(num_heads))
        Tensor base = Tensor.tensor(Math.pow(2, -Math.pow(2, -(log2(closestPowerOf2) - 3))), F32);
        Tensor powers = Tensor.arange(1, 1 + closestPowerOf2, 1, DType.INT32);
        Tensor slopes = base.pow(powers);
        if (closestPowerOf2 != numHeads) {
            Tensor extraBase = Tensor.tensor(Math.pow(2, -Math.pow(2, -(log2(2 * closestPowerOf2) - 3))), F32);
            int numRemainingHeads = Math.min(closestPowerOf2, numHeads - closestPowerOf2);
            Tensor extraPowers = Tensor.arange(1, 1 + 2 * numRemainingHeads, 2, DType.INT32);
            slopes = Tensor.cat(List.of(slopes, extraBase.pow(extraPowers)), 0);
        }
        Tensor arangeTensor = attentionMask.cumsum(-1).sub(1L).mul(attentionMask)
                .index(Index.all(), Index.newAxis(), Index.all());
        Tensor alibi = slopes.index(Index.ellipsis(), Index.newAxis()).mul(arangeTensor);
        return alibi.reshape(batchSize * numHeads, 1, seqLength).to(dtype);
    }

    static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    /** MPT's build_alibi_bias. */
    static Tensor buildAlibiBias(int numHeads, int sequenceLength, double alibiBiasMax) {
        Tensor alibi = Tensor.arange(1 - sequenceLength, 1, 1, DType.INT32).view(1, 1, 1, sequenceLength);
        int numHeadsPowerOf2 = Integer.highestOneBit(numHeads - 1) << 1; // 2 ** ceil(log2(num_heads)), num_heads > 1
        Tensor base = Tensor.arange(1, numHeadsPowerOf2 + 1, 1, DType.INT64).to(F32);
        base = base.mul(alibiBiasMax / numHeadsPowerOf2);
        Tensor slopes = Tensor.pow(2L, base).reciprocal(); // 1.0 / torch.pow(2, base)
        slopes = slopes.view(1, numHeadsPowerOf2, 1, 1);
        if (numHeadsPowerOf2 != numHeads) {
            slopes = Tensor.cat(List.of(slopes.index(Index.all(), Index.slice(1, null, 2), Index.ellipsis()),
                    slopes.index(Index.all(), Index.slice(null, null, 2), Index.ellipsis())), 1)
                    .index(Index.all(), Index.slice(null, numHeads, null), Index.ellipsis());
        }
        alibi = alibi.mul(slopes);
        return alibi.squeeze(0);
    }

    @Test
    void huggingFaceGpt2TrainsDecodesWithItsCacheAndFiltersTopP() {
        GPT2LMHeadModel gpt = PACKED.loaded(new GPT2LMHeadModel(13, 10, 8, 2, 2), "gpt.init");
        assertTrue(gpt.lmHead.weight() == gpt.wte.weight(), "the tie survives loading");
        assertFalse(gpt.namedParameters().containsKey("lm_head.weight"), "named_parameters lists the tie once");
        Tensor ids = PT.e("gpt.ids");
        Tensor mask = PT.e("gpt.mask");
        Tensor pos = positionIds(mask);
        Tensor labels = ids.maskedFill(mask.eq(0L), -100L);
        train("gpt.", gpt, 3, 0.01, 0, step -> {
            Tensor[] out = gpt.forward(ids, null, mask, pos, labels);
            return new Object[] {out[1], out[0]};
        }, y -> same(e("gpt.out0"), (Tensor) y, "GPT-2 logits"), "GPT-2");
        try (GradMode off = Ember.noGrad()) {
            Tensor cur = ids;
            Tensor curMask = mask;
            Tensor[] out = gpt.forward(cur, null, curMask, positionIds(curMask), null);
            for (int t = 0; t < 3; t++) {
                Tensor last = out[1].select(1, -1);
                same(e("gpt.dec" + t), last, "decoded logits, step " + t);
                Tensor nxt = last.argmax(-1);
                cur = Tensor.cat(List.of(cur, nxt.unsqueeze(1)), -1);
                curMask = Tensor.cat(List.of(curMask, curMask.newOnes((int) curMask.size(0), 1)), -1);
                Tensor[] past = java.util.Arrays.copyOfRange(out, 2, out.length);
                Tensor curPos = positionIds(curMask);
                out = gpt.forward(cur.narrow(1, cur.size(1) - 1, 1), past, curMask,
                        curPos.narrow(1, curPos.size(1) - 1, 1), null);
                // the cache's step against recomputing the whole sequence
                Tensor full = gpt.forward(cur, null, curMask, curPos, null)[1].select(1, -1);
                same(full, out[1].select(1, -1), "cached against recomputed logits, step " + t);
            }
            Tensor last = out[1].select(1, -1);
            same(e("gpt.dec3"), last, "decoded logits, step 3");
            exact(PT.e("gpt.decids"), cur, "greedy tokens");
            same(e("gpt.past_k"), out[4], "the last layer's cached keys");
            Tensor scores = e("gpt.scores");
            same(e("gpt.top_p"), topP(scores, 0.8, 1), "top-p 0.8");
            same(e("gpt.top_p_keep3"), topP(scores, 0.3, 3), "top-p 0.3 keeping 3");
            same(e("gpt.top_k"), topK(scores, 4), "top-k 4");
            same(e("gpt.top_p_dec"), topP(last, 0.9, 1), "top-p 0.9 of the decoded logits");

            // beam search as generate() runs it without an eos: 3 beams, 3 steps, the cache reordered
            int numBeams = 3;
            int vocabSize = 13;
            int batchSize = 1;
            Tensor inputIds = ids.narrow(0, 0, 1).repeatInterleave(numBeams, (Integer) 0);
            Tensor beamScores = Tensor.zeros(F64, batchSize, numBeams);
            beamScores.index(Index.all(), Index.slice(1, null, null)).fill_(-1e9);
            beamScores = beamScores.view(batchSize * numBeams);
            Tensor[] past = null;
            for (int step = 0; step < 3; step++) {
                Tensor[] o = gpt.forward(past == null ? inputIds : inputIds.narrow(1, inputIds.size(1) - 1, 1), past,
                        null, null, null);
                Tensor nextTokenScores = o[1].select(1, -1).logSoftmax(-1);
                nextTokenScores = nextTokenScores.add(beamScores.unsqueeze(1).expandAs(nextTokenScores));
                nextTokenScores = nextTokenScores.view(batchSize, numBeams * vocabSize);
                Tensor.ValuesIndices top = nextTokenScores.topk(2 * numBeams, 1, true, true);
                Tensor nextIndices = top.indices().div(vocabSize, "floor");
                Tensor nextTokens = top.indices().remainder(vocabSize);
                beamScores = top.values().narrow(1, 0, numBeams).reshape(-1);
                Tensor beamNextTokens = nextTokens.narrow(1, 0, numBeams).reshape(-1);
                Tensor beamIdx = nextIndices.narrow(1, 0, numBeams)
                        .add(Tensor.arange(batchSize).unsqueeze(1).mul(numBeams)).reshape(-1);
                inputIds = Tensor.cat(List.of(inputIds.index(Index.of(beamIdx), Index.all()),
                        beamNextTokens.unsqueeze(-1)), -1);
                past = java.util.Arrays.copyOfRange(o, 2, o.length);
                for (int i = 0; i < past.length; i++) {
                    past[i] = past[i].indexSelect(0, beamIdx); // _reorder_cache
                }
            }
            exact(PT.e("gpt.beam_ids"), inputIds, "beam search's sequences");
            same(e("gpt.beam_scores"), beamScores, "beam search's scores");
        }
    }

    @Test
    void bloomAndMptAlibiSlopesAndBloomsBaddbmmScores() {
        Tensor alibiMask = Tensor.tensor(new long[][] {{1, 1, 1, 1, 1}, {0, 0, 1, 1, 1}});
        Tensor alibi = buildAlibiTensor(alibiMask, 6, F64);
        exact(PT.e("gpt.alibi_bloom"), alibi, "BLOOM's alibi, 6 heads");
        exact(PT.e("gpt.alibi_bloom4"), buildAlibiTensor(alibiMask, 4, F32), "BLOOM's alibi, 4 heads");
        exact(PT.e("gpt.alibi_mpt"), buildAlibiBias(6, 5, 8), "MPT's alibi, 6 heads");
        exact(PT.e("gpt.alibi_mpt8"), buildAlibiBias(8, 5, 8), "MPT's alibi, 8 heads");
        Tensor bq = e("gpt.bq").requiresGrad_(true);
        Tensor bk = e("gpt.bk").requiresGrad_(true);
        Tensor scores = alibi.baddbmm(bq, bk, 1.0, 1 / Math.sqrt(4));
        Tensor causal = Tensor.ones(DType.BOOL, 5, 5).triu(1);
        Tensor bmask = causal.unsqueeze(0).logicalOr(alibiMask.eq(0L).unsqueeze(1));
        Tensor probs = scores.view(2, 6, 5, 5).maskedFill(bmask.unsqueeze(1), Tensor.finfo(F64).min()).softmax(-1);
        same(e("gpt.bloom_probs"), probs, "BLOOM's attention probabilities");
        probs.mul(Tensor.linspace(-1, 1, 25, F64).view(5, 5)).sum().backward();
        same(e("gpt.bq_grad"), bq.grad(), "gradient to the queries");
        same(e("gpt.bk_grad"), bk.grad(), "gradient to the keys");
    }

    // ------------------------------------------------------------------ 3. GAT (PyG's GATConv without PyG)

    static Tensor removeSelfLoops(Tensor edgeIndex) {
        Tensor mask = edgeIndex.select(0, 0).ne(edgeIndex.select(0, 1));
        return edgeIndex.index(Index.all(), Index.of(mask));
    }

    static Tensor addSelfLoops(Tensor edgeIndex, int numNodes) {
        Tensor loopIndex = Tensor.arange(0, numNodes).unsqueeze(0).repeat(2, 1);
        return Tensor.cat(List.of(edgeIndex, loopIndex), 1);
    }

    /** torch_geometric.utils.softmax (ptr None) over the edges into each node. */
    static Tensor pygSoftmax(Tensor src, Tensor index, int numNodes) {
        int[] size = new int[src.dim()];
        size[0] = numNodes;
        for (int d = 1; d < size.length; d++) {
            size[d] = (int) src.size(d);
        }
        int[] view = new int[src.dim()];
        java.util.Arrays.fill(view, 1);
        view[0] = -1;
        Tensor idx = index.view(view).expandAs(src); // torch_geometric.utils.scatter's broadcast
        Tensor srcMax = src.detach().newZeros(size).scatterReduce_(0, idx, src.detach(), "amax", false);
        Tensor out = src.sub(srcMax.indexSelect(0, index));
        out = out.exp();
        Tensor outSum = out.newZeros(size).scatterAdd_(0, idx, out).add(1e-16);
        outSum = outSum.indexSelect(0, index);
        return out.div(outSum);
    }

    static final class GATConv extends Container {
        final int heads;
        final int outChannels;
        final boolean concat;
        final double negativeSlope;
        final double dropout;
        final Linear lin;

        GATConv(int inChannels, int outChannels, int heads, boolean concat, double negativeSlope, double dropout) {
            this.heads = heads;
            this.outChannels = outChannels;
            this.concat = concat;
            this.negativeSlope = negativeSlope;
            this.dropout = dropout;
            lin = registerModule("lin", new Linear(inChannels, heads * outChannels, false));
            registerParameter("att_src", Tensor.empty(1, heads, outChannels));
            registerParameter("att_dst", Tensor.empty(1, heads, outChannels));
            registerParameter("bias", Tensor.empty(concat ? heads * outChannels : outChannels));
        }

        /** {out, alpha}. */
        Tensor[] forward(Tensor x, Tensor edgeIndex) {
            int numNodes = (int) x.size(0);
            x = lin.apply(x).view(-1, heads, outChannels);
            Tensor alphaSrc = x.mul(param("att_src")).sum(-1);
            Tensor alphaDst = x.mul(param("att_dst")).sum(-1);
            edgeIndex = addSelfLoops(removeSelfLoops(edgeIndex), numNodes);
            Tensor src = edgeIndex.select(0, 0);
            Tensor dst = edgeIndex.select(0, 1);
            Tensor alpha = alphaSrc.indexSelect(0, src).add(alphaDst.indexSelect(0, dst));
            alpha = Functional.leakyRelu(alpha, negativeSlope);
            alpha = pygSoftmax(alpha, dst, numNodes);
            alpha = Functional.dropout(alpha, dropout, isTraining());
            Tensor msg = x.indexSelect(0, src).mul(alpha.unsqueeze(-1));
            Tensor out = Tensor.zeros(x.dtype(), numNodes, heads, outChannels).indexAdd_(0, dst, msg);
            out = concat ? out.view(-1, heads * outChannels) : out.mean(1);
            return new Tensor[] {out.add(param("bias")), alpha};
        }
    }

    static final class GAT extends Container {
        final GATConv conv1;
        final GATConv conv2;

        GAT(int inChannels, int hidden, int heads, int classes) {
            conv1 = registerModule("conv1", new GATConv(inChannels, hidden, heads, true, 0.2, 0.0));
            conv2 = registerModule("conv2", new GATConv(hidden * heads, classes, 1, false, 0.2, 0.0));
        }

        Tensor[] forward(Tensor x, Tensor edgeIndex) {
            x = Functional.dropout(x, 0.0, isTraining());
            x = Functional.elu(conv1.forward(x, edgeIndex)[0]);
            x = Functional.dropout(x, 0.0, isTraining());
            return conv2.forward(x, edgeIndex);
        }
    }

    /**
     * The GAT layer with torch.sparse, per head: the edge scores as a sparse COO adjacency (rows the destinations),
     * torch.sparse.softmax over each row, torch.sparse.mm with the head's features.
     */
    static Tensor sparseGatConv(GATConv conv, Tensor x, Tensor edgeIndex) {
        int h = conv.heads;
        int c = conv.outChannels;
        int n = (int) x.size(0);
        Tensor xh = conv.lin.apply(x).view(-1, h, c);
        Tensor aSrc = xh.mul(conv.param("att_src")).sum(-1);
        Tensor aDst = xh.mul(conv.param("att_dst")).sum(-1);
        Tensor ei = addSelfLoops(removeSelfLoops(edgeIndex), n);
        Tensor src = ei.select(0, 0);
        Tensor dst = ei.select(0, 1);
        Tensor e = Functional.leakyRelu(aSrc.index(Index.of(src)).add(aDst.index(Index.of(dst))), 0.2);
        List<Tensor> outs = new ArrayList<>();
        for (int head = 0; head < h; head++) {
            dev.ember.sparse.SparseTensor adj = dev.ember.sparse.Sparse.cooTensor(Tensor.stack(List.of(dst, src), 0),
                    e.select(1, head), n, n);
            dev.ember.sparse.SparseTensor att = dev.ember.sparse.Sparse.softmax(adj, 1);
            outs.add(dev.ember.sparse.Sparse.mm(att, xh.select(1, head)));
        }
        return Tensor.cat(outs, 1).add(conv.param("bias"));
    }

    @Test
    void graphAttentionLayerWithTorchSparseSoftmaxAndMm() {
        GAT gat = PACKED.loaded(new GAT(5, 4, 2, 3), "gat.init");
        Tensor out = sparseGatConv(gat.conv1, e("gat.x"), PT.e("gat.edges"));
        same(e("sg.out"), out, "the sparse GAT layer's output");
        out.mul(e("sg.w")).sum().backward();
        PACKED.assertGrads("sg.grad0flat", gat.conv1, Set.of(), "the sparse GAT layer's gradient");
    }

    @Test
    void graphAttentionNetworkSoftmaxesOverIncomingEdgesByScatter() {
        GAT gat = PACKED.loaded(new GAT(5, 4, 2, 3), "gat.init");
        Tensor x = e("gat.x");
        Tensor edges = PT.e("gat.edges");
        Tensor y = PT.e("gat.y");
        Tensor trainMask = Tensor.tensor(new boolean[] {true, true, false, true, true, false, true});
        train("gat.", gat, 3, 0.005, 5e-4, step -> {
            Tensor[] out = gat.forward(x, edges);
            if (step == 0) {
                same(e("gat.alpha0"), out[1], "the last layer's attention coefficients");
                // each node's incoming coefficients sum to one (the 1e-16 aside)
                Tensor dst = addSelfLoops(removeSelfLoops(edges), 7).select(0, 1);
                Tensor sums = Tensor.zeros(F64, 7, 1).indexAdd_(0, dst, out[1].detach());
                close(Tensor.ones(F64, 7, 1), sums, "coefficients per node", 10);
            }
            Tensor logits = out[0];
            return new Object[] {logits, Functional.crossEntropy(logits.index(Index.of(trainMask)),
                    y.index(Index.of(trainMask)))};
        }, o -> same(e("gat.out0"), (Tensor) o, "GAT logits"), "GAT");

        // scatter_reduce's amax with and without include_self, and its gradient (ties share it evenly)
        Tensor src = Tensor.tensor(new double[][] {{1, 2}, {3, 2}, {3, -1}, {0.5, 4}}, F64).requiresGrad_(true);
        Tensor idx = Tensor.tensor(new long[][] {{0, 0}, {0, 0}, {0, 1}, {2, 1}});
        Tensor self = Tensor.tensor(new double[][] {{2, 5}, {-3, -2}, {0, 0}}, F64).requiresGrad_(true);
        Tensor a = self.scatterReduce(0, idx, src, "amax", false);
        Tensor b = self.scatterReduce(0, idx, src, "amax", true);
        same(e("gat.sr_a"), a, "scatter_reduce amax, include_self=False");
        same(e("gat.sr_b"), b, "scatter_reduce amax, include_self=True");
        a.mul(Tensor.tensor(new double[][] {{1, 2}, {3, 4}, {5, 6}}, F64)).add(b.mul(10)).sum().backward();
        same(e("gat.sr_src_grad"), src.grad(), "scatter_reduce amax: gradient to src");
        same(e("gat.sr_self_grad"), self.grad(), "scatter_reduce amax: gradient to self");
    }

    // ------------------------------------------------------------------ 4. exact GP regression

    static final class ExactGP extends Container {
        ExactGP(int d) {
            registerParameter("raw_lengthscale", Tensor.zeros(1, d));
            registerParameter("raw_outputscale", Tensor.scalar(0.0));
            registerParameter("raw_noise", Tensor.zeros(1));
            registerParameter("constant", Tensor.scalar(0.0));
        }

        Tensor kernel(Tensor x1, Tensor x2) {
            Tensor ls = Functional.softplus(param("raw_lengthscale"));
            Tensor d = x1.div(ls).cdist(x2.div(ls), 2.0);
            return Functional.softplus(param("raw_outputscale")).mul(d.pow(2).mul(-0.5).exp());
        }

        Tensor noise() {
            return Functional.softplus(param("raw_noise")).add(1e-4);
        }

        /** {the negative marginal log likelihood over n, L, alpha}. */
        Tensor[] nmll(Tensor x, Tensor y) {
            int n = (int) x.size(0);
            Tensor k = kernel(x, x).add(noise().mul(Tensor.eye(n, n, x.dtype()))); // torch.eye(n): the default type
            Tensor l = k.linalgCholesky();
            Tensor r = y.sub(param("constant")).unsqueeze(-1);
            Tensor alpha = r.choleskySolve(l, false);
            Tensor logdet = l.diagonal(0, -2, -1).log().sum().mul(2);
            Tensor mll = r.transpose(-1, -2).matmul(alpha).squeeze().mul(-0.5).sub(logdet.mul(0.5))
                    .sub(0.5 * n * Math.log(2 * Math.PI));
            return new Tensor[] {mll.neg().div(n), l, alpha};
        }

        /** {mean, variance} of the latent function plus the noise at xs. */
        Tensor[] predict(Tensor x, Tensor y, Tensor xs) {
            Tensor[] f = nmll(x, y);
            Tensor ks = kernel(xs, x);
            Tensor mean = param("constant").add(ks.matmul(f[2]).squeeze(-1));
            Tensor v = f[1].linalgSolveTriangular(ks.transpose(-1, -2), false);
            Tensor var = Functional.softplus(param("raw_outputscale")).sub(v.pow(2).sum(0)).add(noise());
            return new Tensor[] {mean, var};
        }
    }

    @Test
    void exactGaussianProcessMinimizesItsNegativeMarginalLikelihood() {
        ExactGP gp = PACKED.loaded(new ExactGP(2), "gp.init");
        Tensor x = e("gp.x");
        Tensor y = e("gp.y");
        train("gp.", gp, 5, 0.1, 0, step -> new Object[] {null, gp.nmll(x, y)[0]}, null, "GP");
        try (GradMode off = Ember.noGrad()) {
            Tensor[] p = gp.predict(x, y, e("gp.xs"));
            same(e("gp.mean"), p[0], "predictive mean");
            same(e("gp.var"), p[1], "predictive variance");
            same(e("gp.L"), gp.nmll(x, y)[1], "the trained kernel's Cholesky factor");
        }
    }

    // ------------------------------------------------------------------ 5. mixture density network

    static final class MDN extends Container {
        final int k;
        final int d;
        final Sequential net;
        final Linear pi;
        final Linear mu;
        final Linear sigma;

        MDN(int inDim, int outDim, int nComp, int hidden) {
            k = nComp;
            d = outDim;
            net = registerModule("net", new Sequential(new Linear(inDim, hidden), new Tanh()));
            pi = registerModule("pi", new Linear(hidden, nComp));
            mu = registerModule("mu", new Linear(hidden, nComp * outDim));
            sigma = registerModule("sigma", new Linear(hidden, nComp * outDim));
        }

        MixtureSameFamily mixture(Tensor x) {
            Tensor h = net.apply(x);
            Tensor logits = pi.apply(h);
            Tensor m = mu.apply(h).view(-1, k, d);
            Tensor s = Functional.softplus(sigma.apply(h)).add(1e-3).view(-1, k, d);
            Categorical mix = Categorical.ofLogits(logits);
            Independent comp = new Independent(new Normal(m, s), 1);
            return new MixtureSameFamily(mix, comp);
        }
    }

    @Test
    void mixtureDensityNetworkFitsByItsMixturesLogProb() {
        MDN mdn = PACKED.loaded(new MDN(1, 2, 3, 8), "mdn.init");
        Tensor x = e("mdn.x");
        Tensor y = e("mdn.y");
        train("mdn.", mdn, 3, 0.01, 0, step -> {
            MixtureSameFamily gmm = mdn.mixture(x);
            return new Object[] {gmm, gmm.logProb(y).mean().neg()};
        }, g -> same(e("mdn.lp0"), ((MixtureSameFamily) g).logProb(y), "log-likelihoods"), "MDN");
        try (GradMode off = Ember.noGrad()) {
            Tensor xt = e("mdn.xt");
            MixtureSameFamily g = mdn.mixture(xt);
            Tensor yt = y.narrow(0, 0, 4);
            same(e("mdn.t_lp"), g.logProb(yt), "trained log_prob");
            same(e("mdn.t_mean"), g.mean(), "trained mixture mean");
            same(e("mdn.t_var"), g.variance(), "trained mixture variance");
            Tensor h = mdn.net.apply(xt);
            MixtureSameFamily g1 = new MixtureSameFamily(Categorical.ofLogits(mdn.pi.apply(h)),
                    new Normal(mdn.mu.apply(h).view(-1, 3, 2).select(-1, 0),
                            Functional.softplus(mdn.sigma.apply(h)).add(1e-3).view(-1, 3, 2).select(-1, 0)));
            Tensor y0 = yt.select(1, 0);
            same(e("mdn.u_lp"), g1.logProb(y0), "univariate mixture log_prob");
            same(e("mdn.u_cdf"), g1.cdf(y0), "univariate mixture cdf");
            same(e("mdn.u_mean"), g1.mean(), "univariate mixture mean");
            same(e("mdn.u_var"), g1.variance(), "univariate mixture variance");
            // samples: Ember's own streams (not PyTorch's), so their shape, reproducibility and support
            Tensor s1 = g.sample(new Generator(7), 5);
            Tensor s2 = g.sample(new Generator(7), 5);
            assertArrayEquals(new int[] {5, 4, 2}, s1.shape(), "sample shape");
            assertTrue(s1.equal(s2), "the same seed, the same draws");
            assertTrue(g.logProb(s1).isfinite().all(), "the draws' log-probabilities are finite");
        }
    }

    // ------------------------------------------------------------------ 6. FT-Transformer and EfficientNet's MBConv

    /** rtdl's NumericalFeatureTokenizer (bias=True). */
    static final class NumericalFeatureTokenizer extends Container {
        NumericalFeatureTokenizer(int nFeatures, int dToken) {
            double dSqrtInv = 1 / Math.sqrt(dToken);
            registerParameter("weight", Tensor.empty(nFeatures, dToken).uniform_(-dSqrtInv, dSqrtInv));
            registerParameter("bias", Tensor.empty(nFeatures, dToken).uniform_(-dSqrtInv, dSqrtInv));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = param("weight").unsqueeze(0).mul(x.unsqueeze(-1)); // self.weight[None] * x[..., None]
            return x.add(param("bias").unsqueeze(0));
        }
    }

    /** rtdl's CategoricalFeatureTokenizer (bias=True): one embedding table, each feature's rows from its offset. */
    static final class CategoricalFeatureTokenizer extends Container {
        final Embedding embeddings;

        CategoricalFeatureTokenizer(int[] cardinalities, int dToken) {
            long[] starts = new long[cardinalities.length];
            for (int i = 1; i < starts.length; i++) {
                starts[i] = cardinalities[i - 1];
            }
            registerBuffer("category_offsets", Tensor.tensor(starts).cumsum(0), false);
            embeddings = registerModule("embeddings",
                    new Embedding(java.util.Arrays.stream(cardinalities).sum(), dToken));
            registerParameter("bias", Tensor.empty(cardinalities.length, dToken));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = embeddings.apply(x.add(getBuffer("category_offsets").unsqueeze(0)));
            return x.add(param("bias").unsqueeze(0));
        }
    }

    static final class RtdlMultiheadAttention extends Container {
        final int nHeads;
        final Linear wQ;
        final Linear wK;
        final Linear wV;
        final Linear wOut;

        RtdlMultiheadAttention(int dToken, int nHeads) {
            wQ = registerModule("W_q", new Linear(dToken, dToken));
            wK = registerModule("W_k", new Linear(dToken, dToken));
            wV = registerModule("W_v", new Linear(dToken, dToken));
            wOut = nHeads > 1 ? registerModule("W_out", new Linear(dToken, dToken)) : null;
            this.nHeads = nHeads;
        }

        Tensor reshape(Tensor x) {
            int batchSize = (int) x.size(0);
            int nTokens = (int) x.size(1);
            int dHead = (int) x.size(2) / nHeads;
            return x.reshape(batchSize, nTokens, nHeads, dHead).transpose(1, 2)
                    .reshape(batchSize * nHeads, nTokens, dHead);
        }

        Tensor forward(Tensor xQ, Tensor xKv) {
            Tensor q = wQ.apply(xQ);
            Tensor k = wK.apply(xKv);
            Tensor v = wV.apply(xKv);
            int batchSize = (int) q.size(0);
            int dHeadKey = (int) k.size(-1) / nHeads;
            int dHeadValue = (int) v.size(-1) / nHeads;
            int nQTokens = (int) q.size(1);
            q = reshape(q);
            k = reshape(k);
            Tensor attentionLogits = q.matmul(k.transpose(1, 2)).div(Math.sqrt(dHeadKey));
            Tensor attentionProbs = attentionLogits.softmax(-1);
            Tensor x = attentionProbs.matmul(reshape(v));
            x = x.reshape(batchSize, nHeads, nQTokens, dHeadValue).transpose(1, 2)
                    .reshape(batchSize, nQTokens, nHeads * dHeadValue);
            return wOut == null ? x : wOut.apply(x);
        }
    }

    static final class Ffn extends Module {
        final Linear linearFirst;
        final Dropout dropout;
        final Linear linearSecond;

        Ffn(int dToken, int dHidden) {
            linearFirst = registerModule("linear_first", new Linear(dToken, dHidden * 2));
            dropout = registerModule("dropout", new Dropout(0.0));
            linearSecond = registerModule("linear_second", new Linear(dHidden, dToken));
        }

        @Override
        public Tensor forward(Tensor x) {
            List<Tensor> ab = linearFirst.apply(x).chunk(2, -1); // ReGLU
            return linearSecond.apply(dropout.apply(ab.get(0).mul(Functional.relu(ab.get(1)))));
        }
    }

    static final class RtdlTransformer extends Container {
        final ModuleList<ModuleDict<Module>> blocks;
        final ModuleDict<Module> head;
        final int[] lastLayerQueryIdx = {-1};

        RtdlTransformer(int dToken, int nBlocks, int nHeads, int dHidden, int dOut) {
            blocks = registerModule("blocks", new ModuleList<>());
            for (int layerIdx = 0; layerIdx < nBlocks; layerIdx++) {
                ModuleDict<Module> layer = new ModuleDict<>();
                layer.put("attention", new RtdlMultiheadAttention(dToken, nHeads));
                layer.put("ffn", new Ffn(dToken, dHidden));
                layer.put("attention_residual_dropout", new Dropout(0.0));
                layer.put("ffn_residual_dropout", new Dropout(0.0));
                layer.put("output", new Identity());
                if (layerIdx > 0) { // first_prenormalization=False
                    layer.put("attention_normalization", new LayerNorm(dToken));
                }
                layer.put("ffn_normalization", new LayerNorm(dToken));
                blocks.add(layer);
            }
            head = registerModule("head", new ModuleDict<>());
            head.put("normalization", new LayerNorm(dToken));
            head.put("activation", new dev.ember.nn.ReLU());
            head.put("linear", new Linear(dToken, dOut));
        }

        static Tensor startResidual(ModuleDict<Module> layer, String stage, Tensor x) {
            Tensor xResidual = x;
            String normKey = stage + "_normalization"; // prenormalization
            if (layer.containsKey(normKey)) {
                xResidual = layer.get(normKey).apply(xResidual);
            }
            return xResidual;
        }

        static Tensor endResidual(ModuleDict<Module> layer, String stage, Tensor x, Tensor xResidual) {
            xResidual = layer.get(stage + "_residual_dropout").apply(xResidual);
            return x.add(xResidual);
        }

        @Override
        public Tensor forward(Tensor x) {
            int layerIdx = 0;
            for (ModuleDict<Module> layer : blocks) {
                Tensor queryIdx = ++layerIdx == blocks.size() ? Tensor.tensor(new long[] {lastLayerQueryIdx[0]}) : null;
                Tensor xResidual = startResidual(layer, "attention", x);
                xResidual = ((RtdlMultiheadAttention) layer.get("attention")).forward(
                        queryIdx == null ? xResidual : xResidual.index(Index.all(), Index.of(queryIdx)), xResidual);
                if (queryIdx != null) {
                    x = x.index(Index.all(), Index.of(queryIdx));
                }
                x = endResidual(layer, "attention", x, xResidual);
                xResidual = startResidual(layer, "ffn", x);
                xResidual = layer.get("ffn").apply(xResidual);
                x = endResidual(layer, "ffn", x, xResidual);
                x = layer.get("output").apply(x);
            }
            x = x.select(1, -1); // Transformer.Head: x[:, -1]
            x = head.get("normalization").apply(x);
            x = head.get("activation").apply(x);
            return head.get("linear").apply(x);
        }
    }

    static final class FTTransformer extends Container {
        final NumericalFeatureTokenizer numTokenizer;
        final CategoricalFeatureTokenizer catTokenizer;
        final RtdlTransformer transformer;

        FTTransformer() {
            Module featureTokenizer = registerModule("feature_tokenizer", new Container() { });
            numTokenizer = new NumericalFeatureTokenizer(3, 8);
            catTokenizer = new CategoricalFeatureTokenizer(new int[] {3, 4}, 8);
            featureTokenizer.addModule("num_tokenizer", numTokenizer);
            featureTokenizer.addModule("cat_tokenizer", catTokenizer);
            Container clsToken = registerModule("cls_token", new Container() { });
            clsToken.setParameter("weight", Tensor.empty(8).uniform_(-1 / Math.sqrt(8), 1 / Math.sqrt(8)));
            transformer = registerModule("transformer", new RtdlTransformer(8, 2, 2, 6, 1));
        }

        /** CLSToken.expand(*leading_dimensions). */
        Tensor expandCls(int... leadingDimensions) {
            Tensor weight = getParameter("cls_token.weight");
            int[] view = new int[leadingDimensions.length];
            java.util.Arrays.fill(view, 1);
            view[view.length - 1] = -1;
            int[] expand = java.util.Arrays.copyOf(leadingDimensions, leadingDimensions.length + 1);
            expand[leadingDimensions.length] = -1;
            return weight.view(view).expand(expand);
        }

        Tensor forward(Tensor xNum, Tensor xCat) {
            Tensor x = Tensor.cat(List.of(numTokenizer.apply(xNum), catTokenizer.apply(xCat)), 1);
            x = Tensor.cat(List.of(x, expandCls((int) x.size(0), 1)), 1); // CLSToken.forward
            return transformer.apply(x);
        }

        /** optimization_param_groups: no weight decay for the tokenizers, the normalizations and the biases. */
        List<List<Tensor>> optimizationParamGroups() {
            List<Tensor> wd = new ArrayList<>();
            List<Tensor> noWd = new ArrayList<>();
            for (Map.Entry<String, Tensor> p : namedParameters().entrySet()) {
                String k = p.getKey();
                boolean needsWd = !k.contains("feature_tokenizer") && !k.contains("normalization")
                        && !k.contains(".bias");
                (needsWd ? wd : noWd).add(p.getValue());
            }
            return List.of(wd, noWd);
        }
    }

    @Test
    void ftTransformerTokenizesFeaturesAndTrainsWithItsParamGroups() {
        FTTransformer ft = PACKED.loaded(new FTTransformer(), "ft.init");
        Tensor xNum = e("ft.num");
        Tensor xCat = PT.e("ft.cat");
        Tensor y = e("ft.y");
        List<List<Tensor>> groups = ft.optimizationParamGroups();
        exact(PT.e("ft.groups"), Tensor.tensor(new long[] {groups.get(0).size(), groups.get(1).size()}),
                "the param groups' sizes");
        AdamW opt = new AdamW(groups.get(0), 0.01, 0.9, 0.999, 1e-8, 0.1, false);
        opt.addParamGroup(groups.get(1), Map.of("weight_decay", 0.0));
        // W_k's bias adds q . b to all of a query's logits, which the softmax removes: its gradient is rounding noise
        Set<String> keyBiases = Set.of("transformer.blocks.0.attention.W_k.bias",
                "transformer.blocks.1.attention.W_k.bias");
        train("ft.", ft, opt, 3, step -> {
            Tensor out = ft.forward(xNum, xCat);
            return new Object[] {out, Functional.mseLoss(out.squeeze(-1), y)};
        }, o -> same(e("ft.out0"), (Tensor) o, "FT-Transformer output"), keyBiases, "FT-Transformer");
    }

    /** torchvision's Conv2dNormActivation: conv (bias only without a norm), the norm, the activation. */
    static Sequential conv2dNormActivation(int in, int out, int kernel, int stride, int groups, boolean norm,
                                           boolean silu) {
        int padding = (kernel - 1) / 2;
        List<Module> layers = new ArrayList<>();
        layers.add(new dev.ember.nn.Conv2d(in, out, new int[] {kernel, kernel}, new int[] {stride, stride},
                new int[] {padding, padding}, new int[] {1, 1}, groups, !norm));
        if (norm) {
            // norm_layer = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
            layers.add(new dev.ember.nn.BatchNorm2d(out, 0.001, 0.01));
        }
        if (silu) {
            layers.add(new dev.ember.nn.SiLU());
        }
        return new Sequential(layers.toArray(new Module[0]));
    }

    static final class SqueezeExcitation extends Module {
        final dev.ember.nn.AdaptiveAvgPool2d avgpool;
        final dev.ember.nn.Conv2d fc1;
        final dev.ember.nn.Conv2d fc2;
        final Module activation;
        final Module scaleActivation;

        SqueezeExcitation(int inputChannels, int squeezeChannels) {
            avgpool = registerModule("avgpool", new dev.ember.nn.AdaptiveAvgPool2d(1));
            fc1 = registerModule("fc1", new dev.ember.nn.Conv2d(inputChannels, squeezeChannels, 1));
            fc2 = registerModule("fc2", new dev.ember.nn.Conv2d(squeezeChannels, inputChannels, 1));
            activation = registerModule("activation", new dev.ember.nn.SiLU());
            scaleActivation = registerModule("scale_activation", new dev.ember.nn.Sigmoid());
        }

        Tensor scale(Tensor input) {
            Tensor scale = avgpool.apply(input);
            scale = fc1.apply(scale);
            scale = activation.apply(scale);
            scale = fc2.apply(scale);
            return scaleActivation.apply(scale);
        }

        @Override
        public Tensor forward(Tensor input) {
            return scale(input).mul(input);
        }
    }

    /** torchvision's stochastic_depth in "row" mode, its Bernoulli draw the generator's fixed mask. */
    static Tensor stochasticDepth(Tensor input, double p, Tensor mask, boolean training) {
        if (!training || p == 0.0) {
            return input;
        }
        double survivalRate = 1.0 - p;
        int[] size = new int[input.dim()];
        java.util.Arrays.fill(size, 1);
        size[0] = (int) input.size(0);
        Tensor noise = mask.view(size).clone(); // torch.empty(size).bernoulli_(survival_rate)
        if (survivalRate > 0.0) {
            noise.div_(survivalRate);
        }
        return input.mul(noise);
    }

    static final class MBConv extends Module {
        final boolean useResConnect;
        final Sequential block;
        final double stochasticDepthProb;
        final Tensor mask;

        MBConv(int expandRatio, int kernel, int stride, int inputChannels, int outChannels, double stochasticDepthProb,
               Tensor mask) {
            useResConnect = stride == 1 && inputChannels == outChannels;
            List<Module> layers = new ArrayList<>();
            int expandedChannels = makeDivisible(inputChannels * expandRatio, 8);
            if (expandedChannels != inputChannels) {
                layers.add(conv2dNormActivation(inputChannels, expandedChannels, 1, 1, 1, true, true));
            }
            layers.add(conv2dNormActivation(expandedChannels, expandedChannels, kernel, stride, expandedChannels, true,
                    true));
            int squeezeChannels = Math.max(1, inputChannels / 4);
            layers.add(new SqueezeExcitation(expandedChannels, squeezeChannels));
            layers.add(conv2dNormActivation(expandedChannels, outChannels, 1, 1, 1, true, false));
            block = registerModule("block", new Sequential(layers.toArray(new Module[0])));
            this.stochasticDepthProb = stochasticDepthProb;
            this.mask = mask;
        }

        static int makeDivisible(double v, int divisor) {
            int newV = Math.max(divisor, (int) (v + divisor / 2.0) / divisor * divisor);
            return newV < 0.9 * v ? newV + divisor : newV;
        }

        @Override
        public Tensor forward(Tensor input) {
            Tensor result = block.apply(input);
            if (useResConnect) {
                result = stochasticDepth(result, stochasticDepthProb, mask, isTraining());
                result.add_(input); // result += input
            }
            return result;
        }
    }

    static final class TinyEfficientNet extends Module {
        final Sequential features;
        final dev.ember.nn.AdaptiveAvgPool2d avgpool;
        final Sequential classifier;

        TinyEfficientNet(Tensor mask) {
            features = registerModule("features", new Sequential(conv2dNormActivation(3, 8, 3, 2, 1, true, true),
                    new MBConv(1, 3, 1, 8, 8, 0.5, mask), new MBConv(6, 5, 2, 8, 12, 0.0, mask)));
            avgpool = registerModule("avgpool", new dev.ember.nn.AdaptiveAvgPool2d(1));
            classifier = registerModule("classifier", new Sequential(new Dropout(0.0), new Linear(12, 3)));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = features.apply(x);
            x = avgpool.apply(x);
            x = x.flatten(1);
            return classifier.apply(x);
        }
    }

    @Test
    void efficientNetMbConvWithSqueezeExciteAndStochasticDepthTrains() {
        Tensor mask = e("mb.mask");
        TinyEfficientNet mb = PACKED.loaded(new TinyEfficientNet(mask), "mb.init");
        Tensor x = e("mb.x");
        Tensor y = Tensor.tensor(new long[] {0, 2, 1});
        RMSprop opt = new RMSprop(mb.parameters(), 0.01, 0.9, 0.0316, 1e-5, 0.9, false);
        train("mb.", mb, opt, 3, step -> {
            Tensor out = mb.apply(x);
            return new Object[] {out, Functional.crossEntropy(out, y, "mean", 0.1)};
        }, o -> same(e("mb.out0"), (Tensor) o, "EfficientNet logits"), "EfficientNet");
        List<Tensor> buffers = new ArrayList<>();
        for (Map.Entry<String, Tensor> b : mb.namedBuffers().entrySet()) {
            if (b.getValue().isFloatingPoint()) {
                buffers.add(b.getValue().reshape(-1));
            } else {
                assertEquals(3.0, b.getValue().item(), b.getKey() + " after 3 steps");
            }
        }
        same(e("mb.final_buffers"), Tensor.cat(buffers, 0), "BatchNorms' running statistics after 3 steps");
        mb.eval();
        try (GradMode off = Ember.noGrad()) {
            same(e("mb.eval"), mb.apply(x), "EfficientNet in eval (running statistics, no stochastic depth)");
        }
    }

    // ------------------------------------------------------------------ 6b. the recipes' smaller tools

    @Test
    void pygScatterReducesAndTheirGradients() {
        Tensor src = Tensor.tensor(new double[][] {{1, 0}, {3, 2}, {3, -1}, {0.5, 4}, {-2, 0}, {2, 2}}, F64)
                .requiresGrad_(true);
        Tensor index = Tensor.tensor(new long[] {0, 0, 2, 3, 3, 0}); // node 1 gets nothing
        Tensor w = e("sc.w");
        for (String reduce : List.of("sum", "mean", "amax", "amin", "prod")) {
            Tensor idx = index.view(-1, 1).expandAs(src);
            Tensor r = reduce.equals("sum") ? src.newZeros(4, 2).scatterAdd_(0, idx, src)
                    : src.newZeros(4, 2).scatterReduce_(0, idx, src, reduce, false);
            Tensor g = Autograd.grad(List.of(r.mul(w).sum()), List.of(src)).get(0);
            same(e("sc." + reduce), r, "PyG's scatter " + reduce);
            same(e("sc." + reduce + "_grad"), g, "PyG's scatter " + reduce + ": gradient");
            if (!reduce.equals("sum")) {
                Tensor base = Tensor.tensor(new double[][] {{1, -1}, {2, 0.5}, {3, 3}, {0, 4}}, F64)
                        .requiresGrad_(true);
                Tensor r2 = base.scatterReduce(0, idx, src, reduce, true);
                List<Tensor> gs = Autograd.grad(List.of(r2.mul(w).sum()), List.of(src, base));
                same(e("sc." + reduce + "_self"), r2, "scatter_reduce " + reduce + ", include_self");
                same(e("sc." + reduce + "_self_grad"), Tensor.cat(gs, 0),
                        "scatter_reduce " + reduce + ", include_self: gradients to src and self");
            }
        }
    }

    /** GPyTorch's psd_safe_cholesky: {the factor, the number of jitter tries}. */
    static Object[] psdSafeCholesky(Tensor a, Double jitter, int maxTries) {
        CholeskyExResult r = a.linalgCholeskyEx(false, false);
        if (!r.info().any()) {
            return new Object[] {r.L(), 0};
        }
        if (a.isnan().any()) {
            throw new IllegalArgumentException("cholesky_cpu: " + (long) a.isnan().sum().item() + " of " + a.numel()
                    + " elements of the tensor are NaN.");
        }
        double j = jitter != null ? jitter : a.dtype() == F32 ? 1e-6 : 1e-8;
        Tensor aprime = a.clone();
        double jitterPrev = 0;
        double jitterNew = j;
        for (int i = 0; i < maxTries; i++) {
            jitterNew = j * Math.pow(10, i);
            int[] shape = aprime.shape();
            // (info > 0) * (jitter_new - jitter_prev): a bool tensor times a Python float has the default type,
            // float64 in the Python program (Ember's default is float32: the port names it)
            Tensor diagAdd = r.info().gt(0L).to(a.dtype()).mul(jitterNew - jitterPrev).unsqueeze(-1)
                    .expand(java.util.Arrays.copyOf(shape, shape.length - 1));
            aprime.diagonal(0, -1, -2).add_(diagAdd);
            jitterPrev = jitterNew;
            r = aprime.linalgCholeskyEx(false, false);
            if (!r.info().any()) {
                return new Object[] {r.L(), i + 1};
            }
        }
        throw new IllegalStateException("Matrix not positive definite after repeatedly adding jitter up to "
                + jitterNew + ".");
    }

    @Test
    void gpytorchsPsdSafeCholeskyJittersOnlyTheFailingBatchMember() {
        Tensor x = e("ch.x").requiresGrad_(true);
        Tensor k = x.cdist(x, 2.0).pow(2).mul(-0.5).exp().sub(Tensor.eye(5, 5, F64).mul(3e-6));
        exact(PT.e("ch.info"), k.linalgCholeskyEx(false, false).info(), "cholesky_ex's info per batch member");
        Object[] lt = psdSafeCholesky(k, 1e-6, 3);
        Tensor l = (Tensor) lt[0];
        assertEquals(PT.e("ch.tries").item(), ((Integer) lt[1]).doubleValue(), "jitter tries");
        same(e("ch.L"), l, "the jittered batch's factor");
        // the jittered member's smallest pivot is 1.4e-5 (condition number ~1e5): its rounding reaches the gradient
        // through 1 / L twice, so the gradient is held to 1e-10 relative, not 1e-12
        close(e("ch.x_grad"), Autograd.grad(List.of(l.mul(e("ch.w")).sum()), List.of(x)).get(0),
                "the factor's gradient to the inputs (through the in-place jitter on the clone's diagonal)", 100);
    }

    @Test
    void huggingFaceLogitsProcessorsAndWhispersTimestampRule() {
        Tensor ids = PT.e("lp.ids");
        Tensor scores = e("lp.scores");
        Tensor score = scores.gather(1, ids);
        score = Tensor.where(score.lt(0.0), score.mul(1.3), score.div(1.3));
        Tensor lp = scores.clone().scatter_(1, ids, score);
        same(e("lp.rep"), lp, "repetition penalty (ids repeated)");
        lp.index(Index.all(), Index.of(11)).fill_(Double.NEGATIVE_INFINITY); // min_length: eos_token_id 11
        lp = lp.div(0.7);
        lp = topK(lp, 6);
        lp = topP(lp, 0.9, 1);
        same(e("lp.chain"), lp, "repetition penalty, min length, temperature, top-k, top-p");
        Categorical cat = Categorical.ofLogits(lp);
        same(e("lp.cat_logits"), cat.logits(), "the filtered Categorical's normalized logits");
        same(e("lp.cat_probs"), cat.probs(), "the filtered Categorical's probabilities");
        same(e("lp.cat_entropy"), cat.entropy(), "the filtered Categorical's entropy (no nan from -inf * 0)");
        same(e("lp.cat_lp"), cat.logProb(Tensor.tensor(new long[][] {{0, 5}, {11, 2}})),
                "the filtered Categorical's log_prob, filtered tokens -inf");

        Tensor tsLogits = e("lp.ts_logits");
        int timestampBegin = 8;
        Tensor logprobs = tsLogits.logSoftmax(-1);
        same(e("lp.ts_logprobs"), logprobs, "log_softmax");
        Tensor tsOut = tsLogits.clone();
        for (int k = 0; k < tsLogits.size(0); k++) {
            Tensor timestampLogprob = logprobs.select(0, k).narrow(0, timestampBegin, 12 - timestampBegin)
                    .logsumexp(-1);
            Tensor maxTextTokenLogprob = logprobs.select(0, k).narrow(0, 0, timestampBegin).max();
            if (timestampLogprob.gt(maxTextTokenLogprob).item() != 0) {
                tsOut.index(Index.of(k), Index.slice(null, timestampBegin, null)).fill_(Double.NEGATIVE_INFINITY);
            }
        }
        same(e("lp.ts"), tsOut, "ApplyTimestampRules' test");
    }

    // ------------------------------------------------------------------ 6c. the first steps in float32

    /**
     * {@code model} in float32 with the packed initial values under {@code init}, one forward ({output or null, loss})
     * and backward, held to PyTorch's float32 run ({@code f32.<prefix>*}) at float32's tolerance times {@code loose}.
     */
    private static <M extends Module> void firstStep32(String prefix, M model, String init,
                                                       java.util.function.Function<M, Object[]> forward, double loose,
                                                       String what) {
        PACKED.loaded(model, init, F32);
        Object[] yl = forward.apply(model);
        Tensor loss = (Tensor) yl[1];
        loss.backward();
        if (yl[0] != null) {
            close(PT.e("f32." + prefix + "out0"), (Tensor) yl[0], what + " output", loose);
        }
        close(PT.e("f32." + prefix + "loss"), loss, what + " loss", loose);
        assertFloat32Grads("f32." + prefix + "grad0flat", model, loose, what + " gradient");
    }

    @Test
    void firstStepsInFloat32MatchPyTorchsFloat32() {
        Tensor ids = PT.e("gpt.ids");
        Tensor mask = PT.e("gpt.mask");
        firstStep32("gpt.", new GPT2LMHeadModel(13, 10, 8, 2, 2), "gpt.init", m -> {
            Tensor[] out = m.forward(ids, null, mask, positionIds(mask), ids.maskedFill(mask.eq(0L), -100L));
            return new Object[] {out[1], out[0]};
        }, 1, "float32 GPT-2");
        Tensor trainMask = Tensor.tensor(new boolean[] {true, true, false, true, true, false, true});
        Tensor gatY = PT.e("gat.y");
        firstStep32("gat.", new GAT(5, 4, 2, 3), "gat.init", m -> {
            Tensor logits = m.forward(PT.e("gat.x"), PT.e("gat.edges"))[0];
            return new Object[] {logits, Functional.crossEntropy(logits.index(Index.of(trainMask)),
                    gatY.index(Index.of(trainMask)))};
        }, 1, "float32 GAT");
        firstStep32("gp.", new ExactGP(2), "gp.init", m -> new Object[] {null, m.nmll(PT.e("gp.x"), PT.e("gp.y"))[0]},
                1, "float32 GP");
        firstStep32("mdn.", new MDN(1, 2, 3, 8), "mdn.init", m -> {
            Tensor lp = m.mixture(PT.e("mdn.x")).logProb(PT.e("mdn.y"));
            return new Object[] {lp, lp.mean().neg()};
        }, 1, "float32 MDN");
        firstStep32("ft.", new FTTransformer(), "ft.init", m -> {
            Tensor out = m.forward(PT.e("ft.num"), PT.e("ft.cat"));
            return new Object[] {out, Functional.mseLoss(out.squeeze(-1), PT.e("ft.y"))};
        }, 1, "float32 FT-Transformer");
        firstStep32("mb.", new TinyEfficientNet(PT.e("mb.mask")), "mb.init", m -> {
            Tensor out = m.apply(PT.e("mb.x"));
            return new Object[] {out, Functional.crossEntropy(out, Tensor.tensor(new long[] {0, 2, 1}), "mean", 0.1)};
        }, 1, "float32 EfficientNet");
    }

    // ------------------------------------------------------------------ 7. the recipes' misuses

    /** The line {@code key} of texts20.txt (key, a tab, PyTorch's message). */
    private static String text(String key) {
        try {
            for (String line : java.nio.file.Files.readAllLines(PT.resource("texts20.txt"))) {
                int tab = line.indexOf('\t');
                if (line.substring(0, tab).equals(key)) {
                    return line.substring(tab + 1);
                }
            }
        } catch (java.io.IOException ex) {
            throw new IllegalStateException(ex);
        }
        throw new AssertionError("no " + key + " in texts20.txt");
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
        Tensor singular = Tensor.tensor(new double[][] {{1, 1, 0.5}, {1, 1, 0.5}, {0.5, 0.5, 1}}, F64);
        refused("cholesky", singular, singular::linalgCholesky);
        Tensor bias = Tensor.zeros(F64, 24);
        refused("addmm", bias, () -> bias.addmm(Tensor.zeros(F64, 12, 7), Tensor.zeros(F64, 8, 24)));
        Tensor scattered = Tensor.zeros(F64, 3, 2);
        refused("scatter_reduce", scattered, () -> scattered.scatterReduce(0, Tensor.zeros(DType.INT64, 2, 2),
                Tensor.ones(F64, 2, 2), "max"));
        refused("mixture", null, () -> new MixtureSameFamily(Categorical.ofLogits(Tensor.zeros(F64, 4, 4)),
                new Independent(new Normal(Tensor.zeros(F64, 4, 3, 2), Tensor.ones(F64, 4, 3, 2)), 1)));
        refused("stft", null, () -> Fft.stft(Tensor.zeros(F64, 2, 64), 16, 4, null,
                Tensor.hannWindow(12, true, F64, Device.CPU), true));
        refused("mixture_type", null, () -> new MixtureSameFamily(new Normal(Tensor.zeros(F64, 4, 3),
                Tensor.ones(F64, 4, 3)), new Normal(Tensor.zeros(F64, 4, 3), Tensor.ones(F64, 4, 3))));
        refused("independent", null, () -> new Independent(new Normal(Tensor.zeros(F64, 4, 3),
                Tensor.ones(F64, 4, 3)), 3));
        refused("cdist", null, () -> Tensor.zeros(F64, 5, 2).cdist(Tensor.zeros(F64, 12, 3), 2.0));
        refused("cholesky_solve", null, () -> Tensor.zeros(F64, 3, 1).choleskySolve(Tensor.eye(4, 4, F64), false));
        Tensor scores = Tensor.zeros(F64, 7, 2);
        refused("index_select", scores, () -> scores.indexSelect(0, Tensor.tensor(new long[] {0, 9})));
        Tensor aggregated = Tensor.zeros(F64, 7, 2, 4);
        refused("index_add", aggregated, () -> aggregated.indexAdd_(0, Tensor.zeros(DType.INT64, 5),
                Tensor.ones(F64, 4, 2, 4)));
    }
}
