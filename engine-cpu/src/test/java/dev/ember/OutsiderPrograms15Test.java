package dev.ember;

import dev.ember.OutsiderTraining.Container;
import dev.ember.nn.Embedding;
import dev.ember.nn.Functional;
import dev.ember.nn.Identity;
import dev.ember.nn.Init;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleList;
import dev.ember.nn.SiLU;
import dev.ember.nn.utils.Checkpoint;
import dev.ember.optim.AdamW;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.ember.OutsiderFixture.close;
import static dev.ember.OutsiderFixture.same;
import static dev.ember.OutsiderFixture.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 40's outsider pass, round 15: the recipes people build on small language models today, each written as its
 * reference code writes it and ported line by line with Ember's public API, run in float64 from PyTorch's initial
 * weights and fixed data and held to PyTorch's outputs, losses, gradients of every named (trainable) parameter after
 * the first backward and parameters after the last step ({@code resources/outsiderprograms15/make_expected.py} wrote
 * {@code programs15.pt} with PyTorch 1.13; the references' float32 casts are dropped in the float64 programs, as the
 * generator says). Every comparison is held to {@link LossesMoreTest#assertClose}'s tolerance (float64: 1e-12 relative
 * to the largest magnitude of the tensor compared), not loosened: Ember's worst element measured 0.06 of it (the DPO
 * policy's parameters after 3 AdamW steps), the others 0.03 or less. Token ids and accepted-draft counts are PyTorch's
 * exactly. Earlier rounds ported Meta's Llama (round 5), Mamba's selective_scan_ref and block (round 11), a dense
 * top-k router (round 3) and sampling with logits warpers (round 10); this round takes the other references.
 * <ol>
 * <li>Hugging Face transformers' Llama: the Llama 3.1 rope scaling, cos/sin and rotate_half, repeat_kv by expand and
 * reshape, the 4-d mask of finfo.min built from cache positions and a padding mask, SwiGLU; trained with AdamW; then
 * generate()'s greedy loop with a left-padded prompt and a StaticCache written by index_copy_ and by index assignment,
 * whose every step's logits equal the full forward's; assisted (speculative) greedy decoding with DynamicCaches cropped
 * after each verification, equal to the target's greedy decoding; transformers' min-p, typical, epsilon and eta
 * warpers' masks on its logits. Mistral's one_file_ref.py with its rotating buffer
 * cache (scatter_ at positions modulo the sliding window) and its generate(), past the window, equal to the banded full
 * forward.</li>
 * <li>peft's LoRA injected into that Llama's q_proj and v_proj by {@link Module#setSubmodule}, the base frozen, AdamW
 * over the adapters; merge, unmerge and merge_and_unload; with gradient checkpointing of the decoder layers
 * (use_reentrant true needs peft's enable_input_require_grads hook, false does not); DoRA's magnitude vectors trained
 * and merged.</li>
 * <li>A sparse mixture of experts as mistral-src's MoeLayer (softmax over the top-2 logits, {@code results[batch_idx]
 * += ...}), transformers' load-balancing loss and ST-MoE's z-loss, trained; Mixtral's dispatch by one_hot, where and
 * index_add_; one token (experts without a token); Switch Transformers' top-1 router with an expert capacity (tokens
 * past it dropped, written back by boolean-mask assignment).</li>
 * <li>TRL's DPO step: concatenated chosen and rejected sequences, log-probabilities by gather of log_softmax, the
 * sigmoid loss with label smoothing (ipo and hinge too), rewards, a frozen reference model.</li>
 * <li>Mamba-2's SSD: ssd_minimal.py's chunked scan in a Mamba2Simple-style block, trained, equal to the loop over
 * time.</li>
 * </ol>
 * One difference from PyTorch was found and fixed: a module set by {@code setSubmodule} in the place of the module it
 * wraps (peft's injection) did not run for the parent reading its old field, so the adapters never ran
 * ({@link WrapperReplacementTest}).
 */
class OutsiderPrograms15Test {
    private static final OutsiderFixture PT = new OutsiderFixture("outsiderprograms15", "programs15.pt");
    private static final DType F64 = DType.FLOAT64;

    private static Tensor e(String name) {
        return PT.e(name);
    }

    private static void assertSameTokens(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        assertArrayEquals(expected.toLongArray(), actual.toLongArray(), what);
    }

    // ------------------------------------------------------------------ 1. Llama as transformers writes it

    static final int VOCAB = 19;
    static final int DIM = 16;
    static final int N_HEADS = 2;
    static final int N_KV = 1;
    static final int HEAD_DIM = 8;
    static final int INTER = 24;
    static final int LAYERS = 2;
    static final double THETA = 500000.0;
    static final int MAX_LEN = 16;

    /** _compute_default_rope_parameters, then _compute_llama3_parameters (factor 8, low 1, high 4, 8192 tokens). */
    static Tensor llama3InvFreq(int dim, double base) {
        // Python's 1.0 / t and 2 * math.pi / t are t.reciprocal() * scalar (Tensor.__rtruediv__)
        Tensor invFreq = Tensor.full(F64, base, 1).pow(Tensor.arange(0, dim, 2).to(F64).div(dim)).reciprocal();
        double factor = 8.0;
        double lowFreqFactor = 1.0;
        double highFreqFactor = 4.0;
        int oldContextLen = 8192;
        double lowFreqWavelen = oldContextLen / lowFreqFactor;
        double highFreqWavelen = oldContextLen / highFreqFactor;
        Tensor wavelen = invFreq.reciprocal().mul(2 * Math.PI);
        Tensor invFreqLlama = Tensor.where(wavelen.gt(lowFreqWavelen), invFreq.div(factor), invFreq);
        Tensor smoothFactor = wavelen.reciprocal().mul(oldContextLen).sub(lowFreqFactor)
                .div(highFreqFactor - lowFreqFactor);
        Tensor smoothed = smoothFactor.rsub(1).mul(invFreqLlama).div(factor).add(smoothFactor.mul(invFreqLlama));
        Tensor isMediumFreq = wavelen.lt(highFreqWavelen).logicalNot()
                .logicalAnd(wavelen.gt(lowFreqWavelen).logicalNot());
        return Tensor.where(isMediumFreq, smoothed, invFreqLlama);
    }

    /** LlamaRMSNorm (its float32 round trip dropped in float64). */
    static final class LlamaRmsNorm extends Module {
        final double varianceEpsilon;

        LlamaRmsNorm(int hiddenSize, double eps) {
            registerParameter("weight", Tensor.ones(F64, hiddenSize));
            varianceEpsilon = eps;
        }

        @Override
        public Tensor forward(Tensor hiddenStates) {
            Tensor variance = hiddenStates.pow(2).mean(-1, true);
            hiddenStates = hiddenStates.mul(variance.add(varianceEpsilon).rsqrt());
            return parameter("weight").mul(hiddenStates);
        }
    }

    static Tensor rotateHalf(Tensor x) {
        int half = x.size(-1) / 2;
        Tensor x1 = x.index(Index.ellipsis(), Index.slice(null, half, null));
        Tensor x2 = x.index(Index.ellipsis(), Index.slice(half, null, null));
        return Tensor.cat(List.of(x2.neg(), x1), -1);
    }

    static Tensor repeatKv(Tensor hiddenStates, int nRep) {
        int batch = hiddenStates.size(0);
        int numKeyValueHeads = hiddenStates.size(1);
        int slen = hiddenStates.size(2);
        int headDim = hiddenStates.size(3);
        if (nRep == 1) {
            return hiddenStates;
        }
        hiddenStates = hiddenStates.index(Index.all(), Index.all(), Index.newAxis(), Index.all(), Index.all())
                .expand(batch, numKeyValueHeads, nRep, slen, headDim);
        return hiddenStates.reshape(batch, numKeyValueHeads * nRep, slen, headDim);
    }

    /** transformers' Cache: a layer's keys and values updated with the new ones, and the tokens it has seen. */
    interface KvCache {
        Tensor[] update(Tensor keyStates, Tensor valueStates, int layerIdx, Tensor cachePosition);

        int getSeqLength();
    }

    /** transformers' DynamicCache: torch.cat along the sequence; crop by slicing. */
    static final class DynamicCache implements KvCache {
        final List<Tensor> keyCache = new ArrayList<>();
        final List<Tensor> valueCache = new ArrayList<>();

        @Override
        public int getSeqLength() {
            return keyCache.isEmpty() ? 0 : keyCache.get(0).size(-2);
        }

        @Override
        public Tensor[] update(Tensor keyStates, Tensor valueStates, int layerIdx, Tensor cachePosition) {
            if (keyCache.size() <= layerIdx) {
                keyCache.add(keyStates);
                valueCache.add(valueStates);
            } else {
                keyCache.set(layerIdx, Tensor.cat(List.of(keyCache.get(layerIdx), keyStates), -2));
                valueCache.set(layerIdx, Tensor.cat(List.of(valueCache.get(layerIdx), valueStates), -2));
            }
            return new Tensor[] {keyCache.get(layerIdx), valueCache.get(layerIdx)};
        }

        void crop(int maxLength) {
            Index[] upTo = {Index.ellipsis(), Index.slice(null, maxLength, null), Index.all()};
            for (int idx = 0; idx < keyCache.size(); idx++) {
                keyCache.set(idx, keyCache.get(idx).index(upTo));
                valueCache.set(idx, valueCache.get(idx).index(upTo));
            }
        }
    }

    /** transformers' StaticCache: keys by index_copy_, values by the index assignment HF falls back to. */
    static final class StaticCache implements KvCache {
        final List<Tensor> keyCache = new ArrayList<>();
        final List<Tensor> valueCache = new ArrayList<>();

        StaticCache(int batch) {
            for (int i = 0; i < LAYERS; i++) {
                keyCache.add(Tensor.zeros(F64, batch, N_KV, MAX_LEN, HEAD_DIM));
                valueCache.add(Tensor.zeros(F64, batch, N_KV, MAX_LEN, HEAD_DIM));
            }
        }

        @Override
        public int getSeqLength() {
            return (int) keyCache.get(0).select(0, 0).select(0, 0).any(-1).sum().item();
        }

        @Override
        public Tensor[] update(Tensor keyStates, Tensor valueStates, int layerIdx, Tensor cachePosition) {
            Tensor kOut = keyCache.get(layerIdx);
            Tensor vOut = valueCache.get(layerIdx);
            kOut.indexCopy_(2, cachePosition, keyStates);
            vOut.indexPut_(new Index[] {Index.all(), Index.all(), Index.of(cachePosition)}, valueStates, false);
            return new Tensor[] {kOut, vOut};
        }
    }

    static final class LlamaAttention extends Container {
        final int layerIdx;
        final int numKeyValueGroups = N_HEADS / N_KV;
        final double scaling = Math.pow(HEAD_DIM, -0.5);
        final Linear qProj = registerModule("q_proj", new Linear(DIM, N_HEADS * HEAD_DIM, false));
        final Linear kProj = registerModule("k_proj", new Linear(DIM, N_KV * HEAD_DIM, false));
        final Linear vProj = registerModule("v_proj", new Linear(DIM, N_KV * HEAD_DIM, false));
        final Linear oProj = registerModule("o_proj", new Linear(N_HEADS * HEAD_DIM, DIM, false));

        LlamaAttention(int layerIdx) {
            this.layerIdx = layerIdx;
        }

        Tensor attend(Tensor hiddenStates, Tensor cos, Tensor sin, Tensor attentionMask, KvCache cache,
                      Tensor cachePosition) {
            int b = hiddenStates.size(0);
            int s = hiddenStates.size(1);
            Tensor queryStates = qProj.apply(hiddenStates).view(b, s, -1, HEAD_DIM).transpose(1, 2);
            Tensor keyStates = kProj.apply(hiddenStates).view(b, s, -1, HEAD_DIM).transpose(1, 2);
            Tensor valueStates = vProj.apply(hiddenStates).view(b, s, -1, HEAD_DIM).transpose(1, 2);
            // apply_rotary_pos_emb, unsqueeze_dim 1
            Tensor c = cos.unsqueeze(1);
            Tensor sn = sin.unsqueeze(1);
            Tensor qEmbed = queryStates.mul(c).add(rotateHalf(queryStates).mul(sn));
            Tensor kEmbed = keyStates.mul(c).add(rotateHalf(keyStates).mul(sn));
            queryStates = qEmbed;
            keyStates = kEmbed;
            if (cache != null) {
                Tensor[] kv = cache.update(keyStates, valueStates, layerIdx, cachePosition);
                keyStates = kv[0];
                valueStates = kv[1];
            }
            keyStates = repeatKv(keyStates, numKeyValueGroups);
            valueStates = repeatKv(valueStates, numKeyValueGroups);
            Tensor attnWeights = queryStates.matmul(keyStates.transpose(2, 3)).mul(scaling);
            if (attentionMask != null) {
                Tensor causalMask = attentionMask.index(Index.all(), Index.all(), Index.all(),
                        Index.slice(null, keyStates.size(-2), null));
                attnWeights = attnWeights.add(causalMask);
            }
            attnWeights = Functional.softmax(attnWeights, -1);
            Tensor attnOutput = attnWeights.matmul(valueStates);
            attnOutput = attnOutput.transpose(1, 2).contiguous();
            attnOutput = attnOutput.reshape(b, s, -1).contiguous();
            return oProj.apply(attnOutput);
        }
    }

    static final class LlamaMlp extends Module {
        final Linear gateProj = registerModule("gate_proj", new Linear(DIM, INTER, false));
        final Linear upProj = registerModule("up_proj", new Linear(DIM, INTER, false));
        final Linear downProj = registerModule("down_proj", new Linear(INTER, DIM, false));
        final SiLU actFn = new SiLU();

        @Override
        public Tensor forward(Tensor x) {
            return downProj.apply(actFn.apply(gateProj.apply(x)).mul(upProj.apply(x)));
        }
    }

    static final class LlamaDecoderLayer extends Container {
        final LlamaAttention selfAttn;
        final LlamaMlp mlp = new LlamaMlp();
        final LlamaRmsNorm inputLayernorm = new LlamaRmsNorm(DIM, 1e-6);
        final LlamaRmsNorm postAttentionLayernorm = new LlamaRmsNorm(DIM, 1e-6);

        LlamaDecoderLayer(int layerIdx) {
            selfAttn = registerModule("self_attn", new LlamaAttention(layerIdx));
            registerModule("mlp", mlp);
            registerModule("input_layernorm", inputLayernorm);
            registerModule("post_attention_layernorm", postAttentionLayernorm);
        }

        Tensor layer(Tensor hiddenStates, Tensor attentionMask, Tensor cos, Tensor sin, KvCache cache,
                     Tensor cachePosition) {
            Tensor residual = hiddenStates;
            hiddenStates = inputLayernorm.apply(hiddenStates);
            hiddenStates = selfAttn.attend(hiddenStates, cos, sin, attentionMask, cache, cachePosition);
            hiddenStates = residual.add(hiddenStates);
            residual = hiddenStates;
            hiddenStates = postAttentionLayernorm.apply(hiddenStates);
            hiddenStates = mlp.apply(hiddenStates);
            return residual.add(hiddenStates);
        }
    }

    /** _prepare_4d_causal_attention_mask_with_cache_position. */
    static Tensor causalMaskWithCachePosition(Tensor attentionMask, int sequenceLength, int targetLength, DType dtype,
                                              Tensor cachePosition, int batchSize) {
        double minDtype = -Double.MAX_VALUE; // torch.finfo(torch.float64).min
        Tensor causalMask = Tensor.full(dtype, minDtype, sequenceLength, targetLength);
        if (sequenceLength != 1) {
            causalMask = causalMask.triu(1);
        }
        causalMask.mul_(Tensor.arange(targetLength).gt(cachePosition.reshape(-1, 1)));
        causalMask = causalMask.index(Index.newAxis(), Index.newAxis(), Index.all(), Index.all())
                .expand(batchSize, 1, -1, -1);
        if (attentionMask != null) {
            causalMask = causalMask.clone();
            int maskLength = attentionMask.size(-1);
            Index[] head = {Index.all(), Index.all(), Index.all(), Index.slice(null, maskLength, null)};
            Tensor paddingMask = causalMask.index(head)
                    .add(attentionMask.index(Index.all(), Index.newAxis(), Index.newAxis(), Index.all()));
            paddingMask = paddingMask.eq(0);
            causalMask.indexPut_(head, causalMask.index(head).maskedFill(paddingMask, minDtype), false);
        }
        return causalMask;
    }

    static final class LlamaForCausalLM extends Container {
        final Embedding embedTokens = registerModule("embed_tokens", new Embedding(VOCAB, DIM));
        final ModuleList<LlamaDecoderLayer> layers = registerModule("layers", new ModuleList<>());
        final LlamaRmsNorm norm;
        final Linear lmHead;
        final Tensor invFreq = llama3InvFreq(HEAD_DIM, THETA); // LlamaRotaryEmbedding's non-persistent buffer
        /** Off (null), or checkpointing each decoder layer with use_reentrant true or false. */
        Boolean gradientCheckpointing;

        LlamaForCausalLM() {
            for (int i = 0; i < LAYERS; i++) {
                layers.add(new LlamaDecoderLayer(i));
            }
            norm = registerModule("norm", new LlamaRmsNorm(DIM, 1e-6));
            lmHead = registerModule("lm_head", new Linear(DIM, VOCAB, false));
        }

        /** LlamaRotaryEmbedding.forward: cos and sin, [batch, seq, head_dim]. */
        Tensor[] rotary(Tensor x, Tensor positionIds) {
            try (GradMode off = Ember.noGrad()) {
                Tensor invFreqExpanded = invFreq.index(Index.newAxis(), Index.all(), Index.newAxis())
                        .expand(positionIds.size(0), -1, 1);
                Tensor positionIdsExpanded = positionIds.index(Index.all(), Index.newAxis(), Index.all()).to(x.dtype());
                Tensor freqs = invFreqExpanded.matmul(positionIdsExpanded).transpose(1, 2);
                Tensor emb = Tensor.cat(List.of(freqs, freqs), -1);
                return new Tensor[] {emb.cos().to(x.dtype()), emb.sin().to(x.dtype())};
            }
        }

        Tensor run(Tensor inputIds, Tensor attentionMask, Tensor positionIds, KvCache cache,
                   Tensor cachePosition) {
            Tensor inputsEmbeds = embedTokens.apply(inputIds);
            if (cachePosition == null) {
                cachePosition = Tensor.arange(0, inputsEmbeds.size(1));
            }
            if (positionIds == null) {
                positionIds = cachePosition.unsqueeze(0);
            }
            int pastSeenTokens = cache != null ? cache.getSeqLength() : 0;
            int targetLength = cache instanceof StaticCache ? MAX_LEN
                    : attentionMask != null ? attentionMask.size(-1) : pastSeenTokens + inputsEmbeds.size(1) + 1;
            Tensor causalMask = causalMaskWithCachePosition(attentionMask, inputsEmbeds.size(1), targetLength,
                    inputsEmbeds.dtype(), cachePosition, inputsEmbeds.size(0));
            Tensor hiddenStates = inputsEmbeds;
            Tensor[] cs = rotary(hiddenStates, positionIds);
            for (LlamaDecoderLayer decoderLayer : layers) {
                if (gradientCheckpointing != null && isTraining()) {
                    // transformers' gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": ...})
                    Tensor cp = cachePosition;
                    java.util.function.Function<Tensor[], Tensor> layer =
                            in -> decoderLayer.layer(in[0], in[1], in[2], in[3], cache, cp);
                    Tensor[] in = {hiddenStates, causalMask, cs[0], cs[1]};
                    hiddenStates = gradientCheckpointing ? Checkpoint.checkpoint(layer, true, in)
                            : Checkpoint.checkpointNonReentrant(layer, in);
                } else {
                    hiddenStates = decoderLayer.layer(hiddenStates, causalMask, cs[0], cs[1], cache, cachePosition);
                }
            }
            hiddenStates = norm.apply(hiddenStates);
            return lmHead.apply(hiddenStates);
        }

        Tensor run(Tensor inputIds) {
            return run(inputIds, null, null, null, null);
        }
    }

    static LlamaForCausalLM llama() {
        return PT.loaded(new LlamaForCausalLM(), "llama.init.", F64);
    }

    static Tensor lmLoss(Tensor logits, Tensor targets) {
        return Functional.crossEntropy(logits.reshape(-1, VOCAB), targets.reshape(-1));
    }

    @Test
    void llamaAsTransformersWithLlama3RopeScalingTrainedWithAdamW() {
        LlamaForCausalLM model = llama();
        same(e("llama.inv_freq"), model.invFreq, "the Llama 3.1 scaled inv_freq");
        Tensor tokens = e("llama.tokens");
        Tensor inp = tokens.narrow(1, 0, tokens.size(1) - 1);
        Tensor tgt = tokens.narrow(1, 1, tokens.size(1) - 1);
        AdamW opt = new AdamW(model.parameters(), 1e-2, 0.9, 0.95, 1e-8, 0.1, false);
        new OutsiderTraining(PT, "llama.", model, opt, 3, step -> {
            Tensor logits = model.run(inp);
            return new Object[] {logits, lmLoss(logits, tgt)};
        }).first(y -> same(e("llama.logits0"), (Tensor) y, "Llama logits")).loose(1, 1).lossLoose(1).what("Llama")
                .run();
    }

    @Test
    void llamaGreedyGenerationWithALeftPaddedPromptAndAStaticCache() {
        // the generator generates with the model it trained: its parameters after the 3 steps
        LlamaForCausalLM model = PT.loaded(new LlamaForCausalLM(), "llama.final.", F64);
        Tensor prompt = e("gen.prompt");
        Tensor promptMask = e("gen.prompt_mask");
        int batch = prompt.size(0);
        int promptLen = prompt.size(1);
        try (GradMode off = Ember.noGrad()) {
            StaticCache cache = new StaticCache(batch);
            Tensor inputIds = prompt;
            Tensor attentionMask = promptMask;
            Tensor cachePosition = Tensor.arange(promptLen);
            Tensor seq = prompt;
            List<Tensor> stepLogits = new ArrayList<>();
            Tensor prefill = null;
            for (int step = 0; step < 6; step++) {
                Tensor positionIds = attentionMask.cumsum(-1).sub(1);
                positionIds.maskedFill_(attentionMask.eq(0), 1);
                positionIds = positionIds.narrow(1, positionIds.size(1) - inputIds.size(1), inputIds.size(1));
                Tensor logits = model.run(inputIds, attentionMask, positionIds, cache, cachePosition);
                if (step == 0) {
                    prefill = logits;
                }
                Tensor nextLogits = logits.select(1, -1);
                stepLogits.add(nextLogits);
                Tensor nextTokens = nextLogits.argmax(-1);
                seq = Tensor.cat(List.of(seq, nextTokens.unsqueeze(1)), -1);
                attentionMask = Tensor.cat(List.of(attentionMask, attentionMask.newOnes(batch, 1)), -1);
                cachePosition = cachePosition.narrow(0, cachePosition.size(0) - 1, 1).add(1);
                inputIds = nextTokens.unsqueeze(1);
            }
            Tensor cached = Tensor.stack(stepLogits, 1);
            same(e("gen.prefill_logits"), prefill, "prefill logits (the padded positions too)");
            same(e("gen.key_cache0"), cache.keyCache.get(0), "layer 0's key cache (index_copy_)");
            for (int i = 0; i < 6; i++) {
                same(e("gen.step_logits").select(1, i), cached.select(1, i), "step " + i + "'s logits");
            }
            assertSameTokens(e("gen.tokens"), seq, "greedy tokens");
            same(e("gen.value_cache1"), cache.valueCache.get(1), "layer 1's value cache (index assignment)");
            // the full-sequence forward of the generated sequence gives every step's logits
            Tensor fullMask = attentionMask.narrow(1, 0, attentionMask.size(1) - 1);
            Tensor pos = fullMask.cumsum(-1).sub(1);
            pos.maskedFill_(fullMask.eq(0), 1);
            Tensor full = model.run(seq.narrow(1, 0, seq.size(1) - 1), fullMask, pos, null, null);
            same(e("gen.full_logits"), full, "the full forward's logits");
            same(cached, full.narrow(1, promptLen - 1, cached.size(1)), "cached against full logits");
            same(full.select(0, 1).narrow(0, 2, 3), prefill.select(0, 1).narrow(0, 2, 3),
                    "the padded prompt's logits, cached against full");
            same(full.select(0, 0).narrow(0, 0, promptLen), prefill.select(0, 0), "the full prompt's logits");
        }
    }

    /** prepare_inputs_for_generation: the tokens the cache has not seen, at their cache positions. */
    static Tensor forwardUncached(LlamaForCausalLM model, Tensor ids, KvCache cache) {
        int past = cache.getSeqLength();
        Tensor cachePosition = Tensor.arange(past, ids.size(1));
        return model.run(ids.narrow(1, past, ids.size(1) - past), null, null, cache, cachePosition);
    }

    @Test
    void assistedGreedyDecodingWithCroppedDynamicCachesGivesTheTargetsGreedyTokens() {
        LlamaForCausalLM target = PT.loaded(new LlamaForCausalLM(), "llama.final.", F64);
        LlamaForCausalLM draft = PT.loaded(new LlamaForCausalLM(), "spec.draft.", F64);
        Tensor prompt = e("spec.prompt");
        int maxLen = prompt.size(1) + 10;
        try (GradMode off = Ember.noGrad()) {
            Tensor ids = prompt;
            DynamicCache cache = new DynamicCache();
            while (ids.size(1) < maxLen) {
                Tensor logits = forwardUncached(target, ids, cache);
                ids = Tensor.cat(List.of(ids, logits.select(1, -1).argmax(-1, true)), 1);
            }
            assertSameTokens(e("spec.greedy"), ids, "the target's plain greedy tokens");

            Tensor inputIds = prompt;
            DynamicCache targetCache = new DynamicCache();
            DynamicCache draftCache = new DynamicCache();
            List<Long> matches = new ArrayList<>();
            List<Tensor> verifyLogits = new ArrayList<>();
            while (inputIds.size(1) < maxLen) {
                int curLen = inputIds.size(1);
                int k = maxLen - curLen > 1 ? Math.min(3, maxLen - curLen - 1) : 0;
                Tensor candidate = inputIds;
                for (int i = 0; i < k; i++) {
                    Tensor logits = forwardUncached(draft, candidate, draftCache);
                    candidate = Tensor.cat(List.of(candidate, logits.select(1, -1).argmax(-1, true)), 1);
                }
                Tensor logits = forwardUncached(target, candidate, targetCache);
                Tensor newLogits = logits.narrow(1, logits.size(1) - (k + 1), k + 1);
                verifyLogits.add(newLogits.select(0, 0));
                Tensor selected = newLogits.argmax(-1);
                Tensor candidateNewTokens = candidate.narrow(1, curLen, candidate.size(1) - curLen);
                long nMatches = (long) candidateNewTokens.eq(selected.narrow(1, 0, k)).logicalNot().cumsum(-1)
                        .lt(1L).sum().item();
                nMatches = Math.min(nMatches, maxLen - curLen - 1);
                Tensor validTokens = selected.narrow(1, 0, (int) nMatches + 1);
                inputIds = Tensor.cat(List.of(inputIds, validTokens), -1);
                int newCurLen = inputIds.size(-1);
                targetCache.crop(newCurLen - 1);
                draftCache.crop(newCurLen - 1);
                matches.add(nMatches);
            }
            assertSameTokens(e("spec.tokens"), inputIds, "assisted decoding's tokens");
            assertSameTokens(e("spec.greedy"), inputIds, "assisted decoding against plain greedy");
            assertArrayEquals(e("spec.matches").toLongArray(), matches.stream().mapToLong(Long::longValue).toArray(),
                    "the draft tokens accepted each round");
            same(e("spec.verify_logits"), Tensor.cat(verifyLogits, 0), "the target's verifying logits");
            same(e("spec.cache_k1"), targetCache.keyCache.get(1), "the target's cropped key cache");
        }
    }

    // ------------------------------------------------------------------ 1c. transformers' newer logits warpers

    static Tensor minPWarper(Tensor scores, double minP) {
        Tensor probs = scores.softmax(-1);
        Tensor topProbs = probs.max(-1, true).values();
        Tensor scaledMinP = topProbs.mul(minP);
        Tensor tokensToRemove = probs.lt(scaledMinP);
        Tensor sortedIndices = scores.argsort(-1, true);
        Tensor sortedIndicesToRemove = tokensToRemove.gather(-1, sortedIndices);
        sortedIndicesToRemove.indexPut_(new Index[] {Index.ellipsis(), Index.slice(null, 1, null)}, 0L, false);
        Tensor indicesToRemove = sortedIndicesToRemove.scatter(1, sortedIndices, sortedIndicesToRemove);
        return scores.maskedFill(indicesToRemove, Double.NEGATIVE_INFINITY);
    }

    static Tensor typicalWarper(Tensor scores, double mass) {
        Tensor normalized = Functional.logSoftmax(scores, -1);
        Tensor p = normalized.exp();
        Tensor ent = normalized.mul(p).nansum(new int[] {-1}, true).neg();
        Tensor shiftedScores = normalized.neg().sub(ent).abs();
        Tensor.ValuesIndices sorted = shiftedScores.sort(-1, false);
        Tensor sortedScores = sorted.values();
        Tensor sortedLogits = scores.gather(-1, sorted.indices());
        Tensor cumulativeProbs = sortedLogits.softmax(-1).cumsum(-1);
        Tensor lastInd = cumulativeProbs.lt(mass).sum(1);
        lastInd.clampMax_((long) sortedScores.size(-1) - 1);
        Tensor sortedIndicesToRemove = sortedScores.gt(sortedScores.gather(1, lastInd.view(-1, 1)));
        sortedIndicesToRemove.indexPut_(new Index[] {Index.ellipsis(), Index.slice(null, 1, null)}, 0L, false);
        Tensor indicesToRemove = sortedIndicesToRemove.scatter(1, sorted.indices(), sortedIndicesToRemove);
        return scores.maskedFill(indicesToRemove, Double.NEGATIVE_INFINITY);
    }

    static Tensor keepTopOne(Tensor scores, Tensor indicesToRemove) {
        return indicesToRemove.logicalAnd(scores.lt(scores.topk(1).values().index(Index.ellipsis(), Index.of(-1),
                Index.newAxis())));
    }

    static Tensor epsilonWarper(Tensor scores, double epsilon) {
        Tensor probabilities = scores.softmax(-1);
        Tensor indicesToRemove = keepTopOne(scores, probabilities.lt(epsilon));
        return scores.maskedFill(indicesToRemove, Double.NEGATIVE_INFINITY);
    }

    static Tensor etaWarper(Tensor scores, double epsilon) {
        Tensor probabilities = scores.softmax(-1);
        Tensor entropy = dev.ember.distributions.Categorical.ofLogits(scores).entropy();
        Tensor eps = Tensor.tensor(epsilon, F64);
        Tensor eta = eps.minimum(eps.sqrt().mul(entropy.neg().exp())).index(Index.ellipsis(), Index.newAxis());
        Tensor indicesToRemove = keepTopOne(scores, probabilities.lt(eta));
        return scores.maskedFill(indicesToRemove, Double.NEGATIVE_INFINITY);
    }

    @Test
    void minPTypicalEpsilonAndEtaWarpersMaskAsTransformers() {
        Tensor scores = e("gen.step_logits").reshape(-1, VOCAB).div(0.7);
        same(e("warp.min_p"), minPWarper(scores, 0.1), "MinPLogitsWarper");
        same(e("warp.typical"), typicalWarper(scores, 0.9), "TypicalLogitsWarper");
        same(e("warp.epsilon"), epsilonWarper(scores, 3e-2), "EpsilonLogitsWarper");
        same(e("warp.eta"), etaWarper(scores, 3e-2), "EtaLogitsWarper");
    }

    // ------------------------------------------------------------------ 1b. Mistral's one_file_ref.py

    static final int WINDOW = 4;
    static final int M_HIDDEN = 24;

    static Tensor mRepeat(Tensor t, int repeats) {
        return t.repeatInterleave(repeats, 2);
    }

    static Tensor reshapeForBroadcast(Tensor freqsCis, Tensor x) {
        int ndim = x.dim();
        assertArrayEquals(new int[] {x.size(1), x.size(-1)}, freqsCis.shape(), "freqs_cis shape");
        int[] shape = new int[ndim];
        for (int i = 0; i < ndim; i++) {
            shape[i] = i == 1 || i == ndim - 1 ? x.size(i) : 1;
        }
        return freqsCis.view(shape);
    }

    static Tensor[] mApplyRotaryEmb(Tensor xq, Tensor xk, Tensor freqsCis) {
        Tensor xq_ = xq.reshape(xq.size(0), xq.size(1), xq.size(2), -1, 2).viewAsComplex();
        Tensor xk_ = xk.reshape(xk.size(0), xk.size(1), xk.size(2), -1, 2).viewAsComplex();
        freqsCis = reshapeForBroadcast(freqsCis, xq_);
        Tensor xqOut = xq_.mul(freqsCis).viewAsReal().flatten(3);
        Tensor xkOut = xk_.mul(freqsCis).viewAsReal().flatten(3);
        return new Tensor[] {xqOut.typeAs(xq), xkOut.typeAs(xk)};
    }

    static final class MistralAttention extends Container {
        final int repeats = N_HEADS / N_KV;
        final int slidingWindow = WINDOW;
        final double scale = Math.pow(HEAD_DIM, -0.5);
        final Linear wq = registerModule("wq", new Linear(DIM, N_HEADS * HEAD_DIM, false));
        final Linear wk = registerModule("wk", new Linear(DIM, N_KV * HEAD_DIM, false));
        final Linear wv = registerModule("wv", new Linear(DIM, N_KV * HEAD_DIM, false));
        final Linear wo = registerModule("wo", new Linear(N_HEADS * HEAD_DIM, DIM, false));
        final Tensor cacheK;
        final Tensor cacheV;

        MistralAttention(int maxBatchSize) {
            cacheK = Tensor.zeros(F64, maxBatchSize, WINDOW, N_KV, HEAD_DIM);
            cacheV = Tensor.zeros(F64, maxBatchSize, WINDOW, N_KV, HEAD_DIM);
        }

        Tensor attend(Tensor x, Tensor freqsCis, Tensor positions, Tensor mask) {
            int bsz = x.size(0);
            int seqlen = x.size(1);
            Tensor xq = wq.apply(x).view(bsz, seqlen, N_HEADS, HEAD_DIM);
            Tensor xk = wk.apply(x).view(bsz, seqlen, N_KV, HEAD_DIM);
            Tensor xv = wv.apply(x).view(bsz, seqlen, N_KV, HEAD_DIM);
            Tensor[] r = mApplyRotaryEmb(xq, xk, freqsCis);
            xq = r[0];
            xk = r[1];
            // the cache is a rotating buffer
            int n = positions.size(0);
            int last = Math.min(n, slidingWindow);
            Tensor scatterPos = positions.narrow(0, n - last, last).remainder(slidingWindow)
                    .index(Index.newAxis(), Index.all(), Index.newAxis(), Index.newAxis());
            scatterPos = scatterPos.repeat(bsz, 1, N_KV, HEAD_DIM);
            Index rows = Index.slice(null, bsz, null);
            cacheK.index(rows).scatter_(1, scatterPos, xk.narrow(1, seqlen - last, last));
            cacheV.index(rows).scatter_(1, scatterPos, xv.narrow(1, seqlen - last, last));
            Tensor key;
            Tensor value;
            if (positions.size(0) > 1) {
                // prefill
                key = mRepeat(xk, repeats);
                value = mRepeat(xv, repeats);
            } else {
                int curPos = (int) positions.select(0, -1).item() + 1;
                Index upTo = Index.slice(null, curPos, null);
                key = mRepeat(cacheK.index(rows, upTo, Index.ellipsis()), repeats);
                value = mRepeat(cacheV.index(rows, upTo, Index.ellipsis()), repeats);
            }
            Tensor query = xq.transpose(1, 2);
            key = key.transpose(1, 2);
            value = value.transpose(1, 2);
            Tensor scores = query.matmul(key.transpose(2, 3)).mul(scale);
            if (mask != null) {
                scores.add_(mask.index(Index.newAxis(), Index.newAxis(), Index.ellipsis()));
            }
            scores = Functional.softmax(scores, -1).typeAs(query);
            Tensor output = scores.matmul(value);
            output = output.transpose(1, 2).contiguous().view(bsz, seqlen, -1);
            return wo.apply(output);
        }
    }

    static final class MistralFeedForward extends Module {
        final Linear w1 = registerModule("w1", new Linear(DIM, M_HIDDEN, false));
        final Linear w2 = registerModule("w2", new Linear(M_HIDDEN, DIM, false));
        final Linear w3 = registerModule("w3", new Linear(DIM, M_HIDDEN, false));

        @Override
        public Tensor forward(Tensor x) {
            return w2.apply(Functional.silu(w1.apply(x)).mul(w3.apply(x)));
        }
    }

    /** one_file_ref.py's RMSNorm: _norm(x.float()).type_as(x) * weight (the float() dropped in float64). */
    static final class MistralRmsNorm extends Module {
        final double eps;

        MistralRmsNorm(int dim, double eps) {
            this.eps = eps;
            registerParameter("weight", Tensor.ones(F64, dim));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor normed = x.mul(x.pow(2).mean(-1, true).add(eps).rsqrt());
            return normed.typeAs(x).mul(parameter("weight"));
        }
    }

    static final class MistralBlock extends Container {
        final MistralAttention attention;
        final MistralFeedForward feedForward = new MistralFeedForward();
        final MistralRmsNorm attentionNorm = new MistralRmsNorm(DIM, 1e-5);
        final MistralRmsNorm ffnNorm = new MistralRmsNorm(DIM, 1e-5);

        MistralBlock(int maxBatchSize) {
            attention = registerModule("attention", new MistralAttention(maxBatchSize));
            registerModule("feed_forward", feedForward);
            registerModule("attention_norm", attentionNorm);
            registerModule("ffn_norm", ffnNorm);
        }

        Tensor block(Tensor x, Tensor freqsCis, Tensor positions, Tensor mask) {
            Tensor r = attention.attend(attentionNorm.apply(x), freqsCis, positions, mask);
            Tensor h = x.add(r);
            r = feedForward.forward(ffnNorm.apply(h));
            return h.add(r);
        }
    }

    static Tensor precomputeFreqsCis(int dim, int end, double theta) {
        Tensor freqs = Tensor.full(F64, theta, 1).pow(Tensor.arange(0, dim, 2).narrow(0, 0, dim / 2).div(dim))
                .reciprocal();
        Tensor t = Tensor.arange(end);
        freqs = t.outer(freqs);
        return Tensor.polar(freqs.onesLike(), freqs);
    }

    static final class Mistral extends Container {
        final Embedding tokEmbeddings = registerModule("tok_embeddings", new Embedding(VOCAB, DIM));
        final ModuleList<MistralBlock> layers = registerModule("layers", new ModuleList<>());
        final MistralRmsNorm norm;
        final Linear output;
        final Tensor freqsCis = precomputeFreqsCis(HEAD_DIM, 128, 10000.0);

        Mistral(int maxBatchSize) {
            layers.add(new MistralBlock(maxBatchSize));
            layers.add(new MistralBlock(maxBatchSize));
            norm = registerModule("norm", new MistralRmsNorm(DIM, 1e-5));
            output = registerModule("output", new Linear(DIM, VOCAB, false));
        }

        Tensor run(Tensor inputIds, Tensor positions) {
            Tensor h = tokEmbeddings.apply(inputIds);
            Tensor fc = freqsCis.index(Index.of(positions));
            Tensor mask = null;
            if (inputIds.size(1) > 1) {
                int seqlen = inputIds.size(1);
                Tensor tensor = Tensor.full(h.dtype(), 1, seqlen, seqlen);
                mask = tensor.tril(0).to(h.dtype());
                // the generator's band: window keys, as the rotating buffer holds (one_file_ref.py's -window gives
                // window + 1)
                mask = mask.triu(-(WINDOW - 1));
                mask = mask.log();
            }
            for (MistralBlock layer : layers) {
                h = layer.block(h, fc, positions, mask);
            }
            return output.apply(norm.apply(h)).toFloat();
        }
    }

    @Test
    void mistralRotatingBufferCacheGeneratesPastTheWindowAsTheBandedFullForward() {
        Mistral model = PT.loaded(new Mistral(3), "mistral.init.", F64);
        Tensor padded = e("mistral.prompts");
        int padId = -1;
        try (GradMode off = Ember.noGrad()) {
            // generate(): the tokenizer's output as the generator's prompts (padded with -1)
            int[] promptLens = new int[padded.size(0)];
            for (int i = 0; i < promptLens.length; i++) {
                promptLens[i] = (int) padded.select(0, i).ne(padId).sum().item();
            }
            int minPromptLen = java.util.Arrays.stream(promptLens).min().getAsInt();
            Tensor inputTokens = padded;
            Tensor inputMask = inputTokens.ne(padId);
            Tensor positions = Tensor.arange(0, minPromptLen);
            Tensor logits = model.run(inputTokens.narrow(1, 0, minPromptLen), positions);
            List<Tensor> allLogits = new ArrayList<>(List.of(logits));
            List<Tensor> fed = new ArrayList<>(List.of(inputTokens.narrow(1, 0, minPromptLen)));
            Tensor logprobs = Functional.logSoftmax(logits, -1);
            List<Tensor> generated = new ArrayList<>();
            List<Tensor> allLogprobs = new ArrayList<>();
            allLogprobs.add(logprobs.narrow(1, 0, minPromptLen - 1)
                    .gather(2, inputTokens.narrow(1, 1, minPromptLen - 1).unsqueeze(2)).squeeze(-1));
            int curPos = minPromptLen;
            for (int i = 0; i < 8; i++) {
                Tensor nextToken = logprobs.select(1, -1).argmax(-1);
                if (curPos < inputMask.size(1)) {
                    nextToken = Tensor.where(inputMask.select(1, curPos), inputTokens.select(1, curPos), nextToken);
                }
                allLogprobs.add(logprobs.select(1, -1).gather(1, nextToken.unsqueeze(1)));
                generated.add(nextToken.unsqueeze(1));
                fed.add(nextToken.unsqueeze(1));
                logits = model.run(nextToken.unsqueeze(1), Tensor.fromArray(new long[] {curPos}));
                allLogits.add(logits);
                logprobs = Functional.logSoftmax(logits, -1);
                curPos++;
            }
            assertSameTokens(e("mistral.generated"), Tensor.cat(generated, 1), "Mistral's generated tokens");
            Tensor fedTokens = Tensor.cat(fed, 1);
            assertSameTokens(e("mistral.fed"), fedTokens, "the tokens fed");
            Tensor stepped = Tensor.cat(allLogits, 1);
            same(e("mistral.logits"), stepped, "Mistral's logits, prefill then one token a step");
            same(e("mistral.logprobs"), Tensor.cat(allLogprobs, 1), "Mistral's gathered log-probabilities");
            same(e("mistral.cache_k1"), model.layers.get(1).attention.cacheK, "layer 1's rotating key buffer");
            Tensor full = model.run(fedTokens, Tensor.arange(fedTokens.size(1)));
            same(e("mistral.full_logits"), full, "the banded full forward");
            same(full, stepped, "cached against full logits");
        }
    }
    // ------------------------------------------------------------------ 2. LoRA as peft writes it

    static final int R = 4;
    static final int ALPHA = 8;

    /** peft's LoraLayer on an nn.Linear (lora_dropout 0: an Identity; one adapter). */
    static class LoraLinear extends Module {
        final Linear baseLayer;
        final Module loraDropout;
        final Linear loraA;
        final Linear loraB;
        final double scaling;
        boolean merged;

        LoraLinear(Linear baseLayer, int r, int loraAlpha) {
            this.baseLayer = registerModule("base_layer", baseLayer);
            scaling = (double) loraAlpha / r;
            loraDropout = registerModule("lora_dropout", new Identity());
            loraA = registerModule("lora_A", new Linear(baseLayer.inFeatures(), r, false));
            loraB = registerModule("lora_B", new Linear(r, baseLayer.outFeatures(), false));
            Init.kaimingUniform_(loraA.weight(), Math.sqrt(5), "fan_in", "leaky_relu");
            Init.zeros_(loraB.weight());
        }

        Tensor getDeltaWeight() {
            return loraB.weight().matmul(loraA.weight()).mul(scaling);
        }

        /** base_layer.weight.data += delta (under no_grad, as .data). */
        void merge() {
            try (GradMode off = Ember.noGrad()) {
                baseLayer.weight().add_(getDeltaWeight());
            }
            merged = true;
        }

        void unmerge() {
            try (GradMode off = Ember.noGrad()) {
                baseLayer.weight().sub_(getDeltaWeight());
            }
            merged = false;
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor result = baseLayer.apply(x);
            if (merged) {
                return result;
            }
            return result.add(loraB.apply(loraA.apply(loraDropout.apply(x))).mul(scaling));
        }
    }

    /** The LoRA model from PyTorch's initial weights and adapters, as the LoRA program's. */
    static LlamaForCausalLM loraFromInit() {
        LlamaForCausalLM model = llama();
        injectLora(model);
        model.loadStateDict(PT.under("lora.init."), false);
        return model;
    }

    static Tensor loraLoss(LlamaForCausalLM model) {
        Tensor tokens = e("lora.tokens");
        return lmLoss(model.run(tokens.narrow(1, 0, tokens.size(1) - 1)), tokens.narrow(1, 1, tokens.size(1) - 1));
    }

    static void assertLoraGrads(LlamaForCausalLM model, String what) {
        for (Map.Entry<String, Tensor> p : model.namedParameters().entrySet()) {
            if (p.getValue().requiresGrad()) {
                same(e("lora.grad0." + p.getKey()), p.getValue().grad(), what + " gradient of " + p.getKey());
            } else {
                assertNull(p.getValue().grad(), what + ": the frozen " + p.getKey() + " gets no gradient");
            }
        }
    }

    @Test
    void loraWithGradientCheckpointingReentrantNeedsInputRequireGradsNonReentrantDoesNot() {
        // use_reentrant=True with the embeddings frozen: the checkpointed layers record nothing, backward refuses
        LlamaForCausalLM ck = loraFromInit();
        ck.gradientCheckpointing = true;
        Tensor loss = loraLoss(ck);
        assertTrue(!loss.requiresGrad(), "no input of the checkpointed layers requires grad");
        IllegalStateException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                loss::backward);
        assertTrue(refused.getMessage().contains("does not require grad"), refused.getMessage());
        // peft's enable_input_require_grads: the embeddings' output made to require grad by a forward hook
        ck.embedTokens.registerForwardHook((module, inputs, outputs) -> {
            outputs.get(0).requiresGrad_(true);
            return null;
        });
        loss = loraLoss(ck);
        loss.backward();
        same(e("lora.loss").narrow(0, 0, 1).squeeze(0), loss, "the checkpointed loss");
        assertLoraGrads(ck, "use_reentrant=True with enable_input_require_grads:");
        // use_reentrant=False needs no hook
        ck = loraFromInit();
        ck.gradientCheckpointing = false;
        loraLoss(ck).backward();
        assertLoraGrads(ck, "use_reentrant=False:");
    }

    /** peft's DoraLinearLayer (fan_in_fan_out false): the magnitude vector and DoRA's extra output. */
    static final class DoraLinearLayer extends Container {
        static Tensor getWeightNorm(Tensor weight, Tensor loraWeight, double scaling) {
            weight = weight.add(loraWeight.mul(scaling));
            return weight.linalgNorm((Double) null, new int[] {1}, false).to(weight.dtype());
        }

        void updateLayer(Linear baseLayer, Tensor loraA, Tensor loraB, double scaling) {
            Tensor loraWeight = loraB.matmul(loraA);
            Tensor weightNorm = getWeightNorm(baseLayer.weight(), loraWeight, scaling);
            registerParameter("weight", weightNorm.detach()); // nn.Parameter(weight_norm, requires_grad=True)
        }

        Tensor dora(Tensor x, Linear loraA, Linear loraB, double scaling, Linear baseLayer, Tensor baseResult) {
            Tensor xEye = Tensor.eye(loraA.weight().size(1), loraA.weight().size(1), x.dtype());
            Tensor loraWeight = loraB.apply(loraA.apply(xEye)).t();
            Tensor magnitude = parameter("weight");
            Tensor weight = baseLayer.weight().to(x.dtype());
            Tensor weightNorm = getWeightNorm(weight, loraWeight.detach(), scaling);
            weightNorm = weightNorm.detach();
            Tensor magNormScale = magnitude.div(weightNorm).view(1, -1);
            Tensor loraResult = loraB.apply(loraA.apply(x));
            if (baseResult != null) {
                Tensor bias = baseLayer.bias();
                if (bias != null) {
                    baseResult = baseResult.sub(bias);
                }
            } else {
                baseResult = Functional.linear(x, weight, null);
            }
            return magNormScale.sub(1).mul(baseResult).add(magNormScale.mul(loraResult).mul(scaling));
        }
    }

    /** peft's LoRA Linear with use_dora=True. */
    static final class DoraLinear extends LoraLinear {
        final DoraLinearLayer loraMagnitudeVector;

        DoraLinear(Linear baseLayer, int r, int loraAlpha) {
            super(baseLayer, r, loraAlpha);
            loraMagnitudeVector = registerModule("lora_magnitude_vector", new DoraLinearLayer());
            loraMagnitudeVector.updateLayer(baseLayer, loraA.weight(), loraB.weight(), scaling);
        }

        @Override
        void merge() {
            try (GradMode off = Ember.noGrad()) {
                Tensor deltaWeight = getDeltaWeight();
                Tensor weightNorm = DoraLinearLayer.getWeightNorm(baseLayer.weight(), deltaWeight, 1).detach();
                Tensor doraFactor = loraMagnitudeVector.param("weight").div(weightNorm);
                Tensor newWeight = doraFactor.view(-1, 1).mul(baseLayer.weight().add(deltaWeight));
                baseLayer.weight().copy_(newWeight); // base_layer.weight.data = new_weight
            }
            merged = true;
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor result = baseLayer.apply(x);
            if (merged) {
                return result;
            }
            return result.add(loraMagnitudeVector.dora(loraDropout.apply(x), loraA, loraB, scaling, baseLayer, result));
        }
    }

    /** get_peft_model's injection: every layer's q_proj and v_proj wrapped in place, all but the adapters frozen. */
    static List<LoraLinear> injectLora(LlamaForCausalLM model) {
        return injectLora(model, false);
    }

    static List<LoraLinear> injectLora(LlamaForCausalLM model, boolean useDora) {
        List<LoraLinear> adapters = new ArrayList<>();
        for (int i = 0; i < LAYERS; i++) {
            for (String target : List.of("q_proj", "v_proj")) {
                String path = "layers." + i + ".self_attn." + target;
                Linear base = (Linear) model.getSubmodule(path);
                LoraLinear lora = useDora ? new DoraLinear(base, R, ALPHA) : new LoraLinear(base, R, ALPHA);
                lora.to(F64);
                model.setSubmodule(path, lora);
                adapters.add(lora);
            }
        }
        for (Map.Entry<String, Tensor> p : model.namedParameters().entrySet()) {
            p.getValue().requiresGrad_(p.getKey().contains("lora_"));
        }
        return adapters;
    }

    /**
     * Three AdamW steps of an adapted Llama's language-model loss on {@code tokens}, held to PyTorch's ({@code key}
     * "lora" or "dora"): the first logits, every trained parameter's first gradient (the frozen ones get none), the
     * losses and the trained parameters after; with {@code base}, every frozen parameter is unchanged.
     */
    private static void trainAdapted(String key, String name, LlamaForCausalLM model, List<Tensor> trainable,
                                     Tensor tokens, Map<String, Tensor> base) {
        Tensor inp = tokens.narrow(1, 0, tokens.size(1) - 1);
        Tensor tgt = tokens.narrow(1, 1, tokens.size(1) - 1);
        AdamW opt = new AdamW(trainable, 2e-2, 0.9, 0.999, 1e-8, 0.01, false);
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            opt.zeroGrad();
            Tensor logits = model.run(inp);
            Tensor loss = lmLoss(logits, tgt);
            loss.backward();
            if (step == 0) {
                same(e(key + ".logits0"), logits, name + " model's logits");
                int compared = 0;
                for (Map.Entry<String, Tensor> p : model.namedParameters().entrySet()) {
                    if (p.getValue().requiresGrad()) {
                        close(e(key + ".grad0." + p.getKey()), p.getValue().grad(), "gradient of " + p.getKey(), 1);
                        compared++;
                    } else {
                        assertNull(p.getValue().grad(), "the frozen " + p.getKey() + " gets no gradient");
                    }
                }
                assertEquals(PT.under(key + ".grad0.").size(), compared, "PyTorch's and Ember's trained parameters");
            }
            opt.step();
            losses.add(loss.item());
        }
        close(e(key + ".loss"), values(losses, F64), name + " losses", 1);
        int compared = 0;
        for (Map.Entry<String, Tensor> p : model.namedParameters().entrySet()) {
            if (p.getValue().requiresGrad()) {
                close(e(key + ".final." + p.getKey()), p.getValue(), p.getKey() + " after 3 steps", 1);
                compared++;
            } else if (base != null) {
                assertTrue(base.get(p.getKey()).equal(p.getValue()), "the frozen " + p.getKey() + " is unchanged");
            }
        }
        assertEquals(PT.under(key + ".final.").size(), compared, "PyTorch's and Ember's trained parameters");
    }

    @Test
    void loraOnQAndVTrainedWithAdamWThenMergedAndUnmerged() {
        LlamaForCausalLM model = llama();
        List<LoraLinear> adapters = injectLora(model);
        Module.IncompatibleKeys keys = model.loadStateDict(PT.under("lora.init."), false);
        assertTrue(keys.unexpectedKeys().isEmpty(), "unexpected " + keys.unexpectedKeys());
        assertEquals(model.stateDict().size() - 8, keys.missingKeys().size(), "the base's keys are missing");
        List<Tensor> trainable = new ArrayList<>();
        for (Tensor p : model.parameters()) {
            if (p.requiresGrad()) {
                trainable.add(p);
            }
        }
        assertEquals(8, trainable.size(), "A and B of 4 adapters");
        Map<String, Tensor> base = new java.util.LinkedHashMap<>();
        model.namedParameters().forEach((k, v) -> {
            if (!k.contains("lora_")) {
                base.put(k, v.detach().clone());
            }
        });
        Tensor tokens = e("lora.tokens");
        trainAdapted("lora", "LoRA", model, trainable, tokens, base);
        try (GradMode off = Ember.noGrad()) {
            Tensor adapted = model.run(tokens);
            close(e("lora.adapted_logits"), adapted, "the adapted model's logits", 1);
            for (LoraLinear a : adapters) {
                a.merge();
            }
            Tensor merged = model.run(tokens);
            close(e("lora.merged_logits"), merged, "the merged model's logits", 1);
            close(e("lora.merged.q0"), adapters.get(0).baseLayer.weight(), "layer 0's merged q_proj", 1);
            close(e("lora.merged.v1"), adapters.get(3).baseLayer.weight(), "layer 1's merged v_proj", 1);
            same(adapted, merged, "merged against adapted logits");
            for (LoraLinear a : adapters) {
                a.unmerge();
            }
            close(e("lora.unmerged.q0"), adapters.get(0).baseLayer.weight(), "layer 0's unmerged q_proj", 1);
            same(base.get("layers.0.self_attn.q_proj.base_layer.weight"), adapters.get(0).baseLayer.weight(),
                    "unmerge gives the base weight back (to rounding)");
            close(e("lora.unmerged_logits"), model.run(tokens), "the unmerged model's logits", 1);
            // merge_and_unload(): merged, each base layer set back in its wrapper's place
            Map<String, Tensor> llamaKeys = PT.under("llama.init.");
            int k = 0;
            for (int i = 0; i < LAYERS; i++) {
                for (String target : List.of("q_proj", "v_proj")) {
                    LoraLinear a = adapters.get(k++);
                    a.merge();
                    model.setSubmodule("layers." + i + ".self_attn." + target, a.baseLayer);
                }
            }
            assertEquals(List.copyOf(llamaKeys.keySet()), List.copyOf(model.stateDict().keySet()), "unloaded keys");
            Tensor unloaded = model.run(tokens);
            close(e("lora.unloaded_logits"), unloaded, "the unloaded model's logits", 1);
            same(merged, unloaded, "unloaded against merged logits");
        }
    }
    @Test
    void doraWithTrainedMagnitudeVectorsThenMerged() {
        LlamaForCausalLM model = llama();
        List<LoraLinear> adapters = injectLora(model, true);
        Module.IncompatibleKeys keys = model.loadStateDict(PT.under("dora.init."), false);
        assertTrue(keys.unexpectedKeys().isEmpty(), "unexpected " + keys.unexpectedKeys());
        List<Tensor> trainable = new ArrayList<>();
        for (Tensor p : model.parameters()) {
            if (p.requiresGrad()) {
                trainable.add(p);
            }
        }
        assertEquals(12, trainable.size(), "A, B and the magnitude of 4 adapters");
        Tensor tokens = e("lora.tokens");
        trainAdapted("dora", "DoRA", model, trainable, tokens, null);
        try (GradMode off = Ember.noGrad()) {
            Tensor adapted = model.run(tokens);
            close(e("dora.adapted_logits"), adapted, "the adapted model's logits", 1);
            for (LoraLinear a : adapters) {
                a.merge();
            }
            Tensor merged = model.run(tokens);
            close(e("dora.merged_logits"), merged, "the merged model's logits", 1);
            close(e("dora.merged.v0"), adapters.get(1).baseLayer.weight(), "layer 0's merged v_proj", 1);
            same(adapted, merged, "merged against adapted logits");
        }
    }

    // ------------------------------------------------------------------ 3. a sparse mixture of experts

    static final int E_DIM = 8;
    static final int E_HIDDEN = 12;
    static final int N_EXPERTS = 4;
    static final int TOP_K = 2;

    static final class ExpertFeedForward extends Module {
        final Linear w1 = registerModule("w1", new Linear(E_DIM, E_HIDDEN, false));
        final Linear w2 = registerModule("w2", new Linear(E_HIDDEN, E_DIM, false));
        final Linear w3 = registerModule("w3", new Linear(E_DIM, E_HIDDEN, false));

        @Override
        public Tensor forward(Tensor x) {
            return w2.apply(Functional.silu(w1.apply(x)).mul(w3.apply(x)));
        }
    }

    static final class MoeLayer extends Container {
        final ModuleList<ExpertFeedForward> experts = registerModule("experts", new ModuleList<>());
        final Linear gate;
        final int numExpertsPerTok = TOP_K;

        MoeLayer() {
            for (int i = 0; i < N_EXPERTS; i++) {
                experts.add(new ExpertFeedForward());
            }
            gate = registerModule("gate", new Linear(E_DIM, N_EXPERTS, false));
        }

        /** mistral-src's MoeLayer.forward: the output and the gate logits. */
        Tensor[] mistral(Tensor inputs) {
            Tensor inputsSquashed = inputs.view(-1, inputs.size(-1));
            Tensor gateLogits = gate.apply(inputsSquashed);
            Tensor.ValuesIndices top = gateLogits.topk(numExpertsPerTok);
            Tensor weights = Functional.softmax(top.values(), 1).typeAs(inputs);
            Tensor selectedExperts = top.indices();
            Tensor results = inputsSquashed.zerosLike();
            int i = 0;
            for (ExpertFeedForward expert : experts) {
                List<Tensor> where = Tensor.where(selectedExperts.eq((long) i++));
                Index batchIdx = Index.of(where.get(0));
                Index nthExpert = Index.of(where.get(1));
                // results[batch_idx] += ...: a copy by advanced indexing, added to in place, put back by index_put_
                Tensor sum = results.index(batchIdx);
                sum.add_(weights.index(batchIdx, nthExpert, Index.newAxis())
                        .mul(expert.apply(inputsSquashed.index(batchIdx))));
                results.indexPut_(new Index[] {batchIdx}, sum, false);
            }
            return new Tensor[] {results.viewAs(inputs), gateLogits};
        }

        /** transformers' MixtralSparseMoeBlock.forward. */
        Tensor[] mixtral(Tensor hiddenStates) {
            int batchSize = hiddenStates.size(0);
            int sequenceLength = hiddenStates.size(1);
            int hiddenDim = hiddenStates.size(2);
            hiddenStates = hiddenStates.view(-1, hiddenDim);
            Tensor routerLogits = gate.apply(hiddenStates);
            Tensor routingWeights = Functional.softmax(routerLogits, 1);
            Tensor.ValuesIndices top = routingWeights.topk(TOP_K, -1);
            routingWeights = top.values();
            routingWeights.div_(routingWeights.sum(-1, true));
            Tensor finalHiddenStates = Tensor.zeros(hiddenStates.dtype(), batchSize * sequenceLength, hiddenDim);
            Tensor expertMask = Functional.oneHot(top.indices(), N_EXPERTS).permute(2, 1, 0);
            for (int expertIdx = 0; expertIdx < N_EXPERTS; expertIdx++) {
                ExpertFeedForward expertLayer = experts.get(expertIdx);
                List<Tensor> where = Tensor.where(expertMask.select(0, expertIdx));
                Tensor idx = where.get(0);
                Tensor topX = where.get(1);
                Tensor currentState = hiddenStates.index(Index.newAxis(), Index.of(topX)).reshape(-1, hiddenDim);
                Tensor currentHiddenStates = expertLayer.apply(currentState)
                        .mul(routingWeights.index(Index.of(topX), Index.of(idx), Index.newAxis()));
                finalHiddenStates.indexAdd_(0, topX, currentHiddenStates.to(hiddenStates.dtype()));
            }
            return new Tensor[] {finalHiddenStates.reshape(batchSize, sequenceLength, hiddenDim), routerLogits};
        }
    }

    /** transformers' load_balancing_loss_func without an attention mask. */
    static Tensor loadBalancingLoss(List<Tensor> gateLogits, int numExperts, int topK) {
        Tensor concatenatedGateLogits = Tensor.cat(gateLogits, 0);
        Tensor routingWeights = Functional.softmax(concatenatedGateLogits, -1);
        Tensor selectedExperts = routingWeights.topk(topK, -1).indices();
        Tensor expertMask = Functional.oneHot(selectedExperts, numExperts);
        Tensor tokensPerExpert = expertMask.toFloat().mean(0);
        Tensor routerProbPerExpert = routingWeights.mean(0);
        Tensor overallLoss = tokensPerExpert.mul(routerProbPerExpert.unsqueeze(0)).sum();
        return overallLoss.mul(numExperts);
    }

    /** ST-MoE's router z-loss. */
    static Tensor routerZLoss(Tensor routerLogits) {
        return routerLogits.logsumexp(-1).pow(2).mean();
    }

    static final class MoeBlock extends Container {
        final LlamaRmsNorm norm = registerModule("norm", new LlamaRmsNorm(E_DIM, 1e-6));
        final MoeLayer moe = registerModule("moe", new MoeLayer());

        Tensor[] block(Tensor x, boolean mixtral) {
            Tensor h = norm.apply(x);
            Tensor[] y = mixtral ? moe.mixtral(h) : moe.mistral(h);
            return new Tensor[] {x.add(y[0]), y[1]};
        }
    }

    @Test
    void sparseMixtureOfExpertsWithTopTwoSoftmaxLoadBalancingAndZLossTrainedWithAdamW() {
        MoeBlock moe = PT.loaded(new MoeBlock(), "moe.init.", F64);
        Tensor x = e("moe.x");
        Tensor tgt = e("moe.tgt");
        AdamW opt = new AdamW(moe.parameters(), 2e-2, 0.9, 0.999, 1e-8, 0.01, false);
        List<Double> auxes = new ArrayList<>();
        List<Double> zs = new ArrayList<>();
        new OutsiderTraining(PT, "moe.", moe, opt, 3, step -> {
            Tensor[] yl = moe.block(x, false);
            Tensor aux = loadBalancingLoss(List.of(yl[1]), N_EXPERTS, TOP_K);
            Tensor z = routerZLoss(yl[1]);
            auxes.add(aux.item());
            zs.add(z.item());
            if (step == 0) {
                same(e("moe.gate_logits0"), yl[1], "the gate logits");
            }
            Tensor loss = Functional.mseLoss(yl[0], tgt).add(aux.mul(0.02)).add(z.mul(0.001));
            return new Object[] {yl[0], loss};
        }).first(y -> same(e("moe.y0"), (Tensor) y, "the MoE block's output")).loose(1, 1).lossLoose(1).what("MoE")
                .run();
        close(e("moe.aux"), values(auxes, F64), "the load-balancing losses", 1);
        close(e("moe.z"), values(zs, F64), "the router z-losses", 1);
    }

    @Test
    void mixtralDispatchByOneHotWhereAndIndexAddGivesMistralsStepAndOneTokenLeavesExpertsIdle() {
        MoeBlock moe = PT.loaded(new MoeBlock(), "moe.init.", F64);
        Tensor x = e("moe.x");
        Tensor y = moe.block(x, true)[0];
        Functional.mseLoss(y, e("moe.tgt")).backward();
        same(e("moe.mixtral.y"), y, "Mixtral's dispatch");
        same(e("moe.y0"), y, "Mixtral's dispatch against Mistral's");
        PT.assertNamed("moe.mixtral.grad.", moe, true, 1, "Mixtral's dispatch gradient");

        // one token, as a decoding step: two experts get it, two get no token and a zero gradient
        MoeBlock one = PT.loaded(new MoeBlock(), "moe.init.", F64);
        Tensor y1 = one.block(x.narrow(0, 0, 1).narrow(1, 2, 1), false)[0];
        y1.pow(2).sum().backward();
        same(e("moe.one.y"), y1, "one token's output");
        PT.assertNamed("moe.one.grad.", one, true, 1, "one token's gradient");
        int idle = 0;
        for (ExpertFeedForward ex : one.moe.experts) {
            idle += ex.w1.weight().grad().abs().sum().item() == 0 ? 1 : 0;
        }
        assertEquals(2, idle, "experts without a token");
    }
    // ------------------------------------------------------------------ 3b. Switch Transformers' capacity routing

    static final int SW_EXPERTS = 4;
    static final int SW_CAPACITY = 2;
    static final int SW_FF = 10;

    /** transformers' SwitchTransformersTop1Router (no jitter noise, padding tokens not ignored). */
    static final class SwitchTop1Router extends Container {
        final Linear classifier = registerModule("classifier", new Linear(E_DIM, SW_EXPERTS, false));

        /** The expert mask (one-hot, capacity applied), the top probability and the logits. */
        Tensor[] route(Tensor hiddenStates) {
            Tensor routerLogits = classifier.apply(hiddenStates);
            Tensor routerProbs = Functional.softmax(routerLogits, -1);
            Tensor expertIndex = routerProbs.argmax(-1);
            expertIndex = Functional.oneHot(expertIndex, SW_EXPERTS);
            // the tokens past each expert's capacity, counted along each sequence, masked
            Tensor tokenPriority = expertIndex.cumsum(-2);
            Tensor expertCapacityMask = tokenPriority.le(SW_CAPACITY);
            expertIndex = expertIndex.mul(expertCapacityMask);
            routerProbs = routerProbs.max(-1, false).values().unsqueeze(-1);
            return new Tensor[] {expertIndex, routerProbs, routerLogits};
        }
    }

    static final class SwitchDenseActDense extends Module {
        final Linear wi = registerModule("wi", new Linear(E_DIM, SW_FF, false));
        final Linear wo = registerModule("wo", new Linear(SW_FF, E_DIM, false));

        @Override
        public Tensor forward(Tensor hiddenStates) {
            return wo.apply(wi.apply(hiddenStates).relu());
        }
    }

    static final class SwitchSparseMlp extends Container {
        final SwitchTop1Router router = registerModule("router", new SwitchTop1Router());
        final dev.ember.nn.ModuleDict<SwitchDenseActDense> experts = registerModule("experts",
                new dev.ember.nn.ModuleDict<>());

        SwitchSparseMlp() {
            for (int i = 0; i < SW_EXPERTS; i++) {
                experts.put("expert_" + i, new SwitchDenseActDense());
            }
        }

        /** The output, the router logits and the expert index (0 for a dropped token, as argmax of a zero row). */
        Tensor[] run(Tensor hiddenStates) {
            Tensor[] r = router.route(hiddenStates);
            Tensor routerMask = r[0];
            Tensor expertIndex = routerMask.argmax(-1);
            Tensor nextStates = hiddenStates.clone();
            routerMask = routerMask.to(DType.BOOL);
            int batchSize = routerMask.size(0);
            int seqLen = routerMask.size(1);
            int numExperts = routerMask.size(2);
            Tensor idxMask = routerMask.reshape(batchSize * seqLen, numExperts).sum(0);
            for (long idx : idxMask.nonzero().select(1, 0).toLongArray()) {
                Index mask = Index.of(routerMask.select(2, (int) idx));
                nextStates.indexPut_(new Index[] {mask},
                        experts.get("expert_" + idx).apply(hiddenStates.index(mask)), false);
            }
            return new Tensor[] {r[1].mul(nextStates), r[2], expertIndex};
        }
    }

    static Tensor switchRouterZLoss(Tensor routerLogits) {
        int numGroups = routerLogits.size(0);
        int tokensPerGroup = routerLogits.size(1);
        Tensor logZ = routerLogits.logsumexp(-1);
        Tensor zLoss = logZ.pow(2);
        return zLoss.sum().div(numGroups * tokensPerGroup);
    }

    static Tensor switchLoadBalancingLoss(Tensor routerProbs, Tensor expertIndices) {
        int numExperts = routerProbs.size(-1);
        if (expertIndices.dim() == 2) {
            expertIndices = expertIndices.unsqueeze(2);
        }
        Tensor expertMask = Functional.oneHot(expertIndices, numExperts);
        expertMask = expertMask.max(-2, false).values();
        expertMask = expertMask.to(DType.FLOAT32);
        Tensor tokensPerGroupAndExpert = expertMask.mean(-2);
        Tensor routerProbPerGroupAndExpert = routerProbs.mean(-2);
        return tokensPerGroupAndExpert.mul(routerProbPerGroupAndExpert).mean().mul(numExperts * numExperts);
    }

    @Test
    void switchTransformersTopOneRoutingWithCapacityDropsTokensAsTransformers() {
        SwitchSparseMlp sw = PT.loaded(new SwitchSparseMlp(), "switch.init.", F64);
        Tensor x = e("switch.x");
        Tensor tgt = e("switch.tgt");
        AdamW opt = new AdamW(sw.parameters(), 2e-2, 0.9, 0.999, 1e-8, 0.01, false);
        List<Long> dropped = new ArrayList<>();
        new OutsiderTraining(PT, "switch.", sw, opt, 3, step -> {
            Tensor[] r = sw.run(x);
            Tensor routerProbs = Functional.softmax(r[1], -1);
            Tensor z = switchRouterZLoss(r[1]);
            Tensor aux = switchLoadBalancingLoss(routerProbs, r[2]);
            if (step == 0) {
                assertSameTokens(e("switch.expert_index0"), r[2], "the expert index (0 for the dropped tokens)");
                assertSameTokens(e("switch.mask0"), sw.router.route(x)[0], "the capacity-masked router mask");
            }
            dropped.add((long) sw.router.route(x)[0].sum(-1).eq(0L).sum().item());
            return new Object[] {r[0], Functional.mseLoss(r[0], tgt).add(z.mul(0.001)).add(aux.mul(0.01))};
        }).first(y -> same(e("switch.y0"), (Tensor) y, "the Switch MLP's output")).loose(1, 1).lossLoose(1)
                .what("Switch").run();
        assertArrayEquals(e("switch.dropped").toLongArray(), dropped.stream().mapToLong(Long::longValue).toArray(),
                "the tokens past the capacity at each step");
    }

    // ------------------------------------------------------------------ 4. DPO as TRL writes it

    static final double BETA = 0.1;
    static final double LABEL_SMOOTHING = 0.1;
    static final long IGNORE = -100;

    /** TRL's get_batch_logps (decoder-only): labels shifted, -100 masked, gather of log_softmax. */
    static Tensor getBatchLogps(Tensor logits, Tensor labels, boolean averageLogProb) {
        int len = labels.size(1);
        labels = labels.index(Index.all(), Index.slice(1, null, null)).clone();
        logits = logits.index(Index.all(), Index.slice(null, -1, null), Index.all());
        Tensor lossMask = labels.ne(IGNORE);
        labels.indexPut_(new Index[] {Index.of(labels.eq(IGNORE))}, 0L, false);
        Tensor perTokenLogps = logits.logSoftmax(-1).gather(2, labels.unsqueeze(2)).squeeze(2);
        assertEquals(len - 1, perTokenLogps.size(1), "per-token log-probabilities");
        if (averageLogProb) {
            return perTokenLogps.mul(lossMask).sum(-1).div(lossMask.sum(-1));
        }
        return perTokenLogps.mul(lossMask).sum(-1);
    }

    /** TRL's dpo_loss: the losses and the chosen and rejected rewards. */
    static Tensor[] dpoLoss(Tensor policyChosenLogps, Tensor policyRejectedLogps, Tensor referenceChosenLogps,
                            Tensor referenceRejectedLogps, String lossType) {
        Tensor piLogratios = policyChosenLogps.sub(policyRejectedLogps);
        Tensor refLogratios = referenceChosenLogps.sub(referenceRejectedLogps);
        Tensor logits = piLogratios.sub(refLogratios);
        Tensor losses = switch (lossType) {
            case "sigmoid" -> Functional.logsigmoid(logits.mul(BETA)).neg().mul(1 - LABEL_SMOOTHING)
                    .sub(Functional.logsigmoid(logits.mul(-BETA)).mul(LABEL_SMOOTHING));
            case "hinge" -> logits.mul(BETA).rsub(1).relu();
            case "ipo" -> logits.sub(1 / (2 * BETA)).pow(2);
            default -> throw new IllegalArgumentException(lossType);
        };
        Tensor chosenRewards = policyChosenLogps.sub(referenceChosenLogps).detach().mul(BETA);
        Tensor rejectedRewards = policyRejectedLogps.sub(referenceRejectedLogps).detach().mul(BETA);
        return new Tensor[] {losses, chosenRewards, rejectedRewards};
    }

    /** TRL's concatenated_forward: the chosen and the rejected log-probabilities. */
    static Tensor[] concatenatedForward(LlamaForCausalLM model, Map<String, Tensor> batch) {
        Tensor inputIds = Tensor.cat(List.of(batch.get("chosen_input_ids"), batch.get("rejected_input_ids")), 0);
        Tensor attentionMask = Tensor.cat(List.of(batch.get("chosen_attention_mask"),
                batch.get("rejected_attention_mask")), 0);
        Tensor labels = Tensor.cat(List.of(batch.get("chosen_labels"), batch.get("rejected_labels")), 0);
        Tensor allLogits = model.run(inputIds, attentionMask, null, null, null);
        Tensor allLogps = getBatchLogps(allLogits, labels, false);
        int n = batch.get("chosen_input_ids").size(0);
        return new Tensor[] {allLogps.narrow(0, 0, n), allLogps.narrow(0, n, allLogps.size(0) - n)};
    }

    @Test
    void dpoStepWithAFrozenReferenceLabelSmoothingRewardsAndIpoAndHingeLosses() {
        Map<String, Tensor> batch = PT.under("dpo.batch.");
        LlamaForCausalLM policy = llama();
        LlamaForCausalLM reference = llama();
        reference.eval();
        reference.requiresGrad_(false);
        AdamW opt = new AdamW(policy.parameters(), 1e-2, 0.9, 0.999, 1e-8, 0.0, false);
        List<Tensor> chosen = new ArrayList<>();
        List<Tensor> rejected = new ArrayList<>();
        List<Double> accs = new ArrayList<>();
        Tensor[] ref = new Tensor[2];
        new OutsiderTraining(PT, "dpo.", policy, opt, 3, step -> {
            Tensor[] p = concatenatedForward(policy, batch);
            try (GradMode off = Ember.noGrad()) {
                Tensor[] r = concatenatedForward(reference, batch);
                ref[0] = r[0];
                ref[1] = r[1];
            }
            Tensor[] l = dpoLoss(p[0], p[1], ref[0], ref[1], "sigmoid");
            chosen.add(l[1]);
            rejected.add(l[2]);
            accs.add(l[1].gt(l[2]).toDouble().mean().item());
            if (step == 0) {
                same(e("dpo.policy_chosen_logps0"), p[0], "the policy's chosen log-probabilities");
                same(e("dpo.policy_rejected_logps0"), p[1], "the policy's rejected log-probabilities");
                same(e("dpo.avg_logps0"), getBatchLogps(policy.run(batch.get("chosen_input_ids"),
                        batch.get("chosen_attention_mask"), null, null, null), batch.get("chosen_labels"), true),
                        "average_log_prob");
            }
            if (step == 2) {
                close(e("dpo.ipo2"), dpoLoss(p[0], p[1], ref[0], ref[1], "ipo")[0], "the ipo losses", 1);
                close(e("dpo.hinge2"), dpoLoss(p[0], p[1], ref[0], ref[1], "hinge")[0], "the hinge losses", 1);
            }
            return new Object[] {p[0], l[0].mean()};
        }).loose(1, 1).lossLoose(1).what("DPO").run();
        close(e("dpo.chosen_rewards"), Tensor.stack(chosen, 0), "the chosen rewards", 1);
        close(e("dpo.rejected_rewards"), Tensor.stack(rejected, 0), "the rejected rewards", 1);
        close(e("dpo.reward_accuracies"), values(accs, F64), "the reward accuracies", 1);
        close(e("dpo.reference_logps"), Tensor.cat(List.of(ref[0], ref[1]), 0), "the reference log-probabilities", 1);
        for (Map.Entry<String, Tensor> p : reference.namedParameters().entrySet()) {
            assertNull(p.getValue().grad(), "the reference's " + p.getKey() + " gets no gradient");
            same(e("llama.init." + p.getKey()), p.getValue(), "the reference's " + p.getKey() + " is unchanged");
        }
    }
    // ------------------------------------------------------------------ 5. Mamba-2's SSD chunked scan

    static final int M2_DMODEL = 8;
    static final int M2_EXPAND = 2;
    static final int M2_HEADDIM = 4;
    static final int M2_DSTATE = 4;
    static final int M2_DCONV = 4;
    static final int M2_CHUNK = 4;

    /** ssd_minimal.py's stable segsum. */
    static Tensor segsum(Tensor x) {
        int t = x.size(-1);
        int[] shape = java.util.Arrays.copyOf(x.shape(), x.dim() + 1);
        shape[x.dim()] = t;
        x = x.unsqueeze(-1).expand(shape);
        Tensor mask = Tensor.ones(t, t).to(DType.BOOL).tril(-1);
        x = x.maskedFill(mask.logicalNot(), 0.0);
        Tensor xSegsum = x.cumsum(-2);
        mask = Tensor.ones(t, t).to(DType.BOOL).tril(0);
        return xSegsum.maskedFill(mask.logicalNot(), Double.NEGATIVE_INFINITY);
    }

    /** "b (c l) ... -> b c l ...". */
    static Tensor chunked(Tensor x, int blockLen) {
        return x.unflatten(1, -1, blockLen);
    }

    /** ssd_minimal_discrete: Y and the final state. */
    static Tensor[] ssdMinimalDiscrete(Tensor x, Tensor a, Tensor b, Tensor c, int blockLen) {
        assertEquals(0, x.size(1) % blockLen, "length a multiple of the chunk");
        x = chunked(x, blockLen);
        a = chunked(a, blockLen);
        b = chunked(b, blockLen);
        c = chunked(c, blockLen);
        a = a.permute(0, 3, 1, 2);
        Tensor aCumsum = a.cumsum(-1);
        // 1. the output of each intra-chunk (diagonal blocks)
        Tensor l = segsum(a).exp();
        Tensor yDiag = Tensor.einsum("bclhn,bcshn,bhcls,bcshp->bclhp", c, b, l, x);
        // 2. the state of each intra-chunk
        Tensor decayStates = aCumsum.index(Index.all(), Index.all(), Index.all(), Index.slice(-1, null, null))
                .sub(aCumsum).exp();
        Tensor states = Tensor.einsum("bclhn,bhcl,bclhp->bchpn", b, decayStates, x);
        // 3. the inter-chunk recurrence
        Tensor initialStates = states.narrow(1, 0, 1).zerosLike();
        states = Tensor.cat(List.of(initialStates, states), 1);
        Tensor decayChunk = segsum(Functional.pad(aCumsum.select(3, -1), new int[] {1, 0})).exp();
        Tensor newStates = Tensor.einsum("bhzc,bchpn->bzhpn", decayChunk, states);
        states = newStates.narrow(1, 0, newStates.size(1) - 1);
        Tensor finalState = newStates.select(1, -1);
        // 4. state -> output per chunk
        Tensor stateDecayOut = aCumsum.exp();
        Tensor yOff = Tensor.einsum("bclhn,bchpn,bhcl->bclhp", c, states, stateDecayOut);
        Tensor y = yDiag.add(yOff).flatten(1, 2);
        return new Tensor[] {y, finalState};
    }

    /** The same SSM as a loop over time. */
    static Tensor[] ssdSequential(Tensor x, Tensor a, Tensor b, Tensor c) {
        Tensor state = x.newZeros(x.size(0), x.size(2), x.size(3), b.size(-1));
        List<Tensor> ys = new ArrayList<>();
        for (int t = 0; t < x.size(1); t++) {
            Tensor decay = a.select(1, t).exp().unsqueeze(-1).unsqueeze(-1);
            state = decay.mul(state).add(x.select(1, t).unsqueeze(-1).mul(b.select(1, t).unsqueeze(2)));
            ys.add(Tensor.einsum("bhpn,bhn->bhp", state, c.select(1, t)));
        }
        return new Tensor[] {Tensor.stack(ys, 1), state};
    }

    /** mamba_ssm's gated RMSNorm, norm_before_gate false. */
    static final class RmsNormGated extends Container {
        final double eps = 1e-5;

        RmsNormGated(int d) {
            registerParameter("weight", Tensor.ones(F64, d));
        }

        Tensor norm(Tensor x, Tensor z) {
            x = x.mul(Functional.silu(z));
            return x.mul(x.pow(2).mean(-1, true).add(eps).rsqrt()).mul(parameter("weight"));
        }
    }

    static final class Mamba2 extends Container {
        final int dInner = M2_EXPAND * M2_DMODEL;
        final int nheads = dInner / M2_HEADDIM;
        final Linear inProj = registerModule("in_proj", new Linear(M2_DMODEL, 2 * dInner + 2 * M2_DSTATE + nheads,
                false));
        final int convDim = dInner + 2 * M2_DSTATE;
        final dev.ember.nn.Conv1d conv1d = registerModule("conv1d",
                new dev.ember.nn.Conv1d(convDim, convDim, M2_DCONV, 1, M2_DCONV - 1, 1, convDim, true));
        final RmsNormGated norm;
        final Linear outProj;
        boolean sequential;

        Mamba2() {
            registerParameter("dt_bias", Tensor.zeros(F64, nheads)); // the generator's inverse-softplus init, loaded
            registerParameter("A_log", Tensor.zeros(F64, nheads));
            registerParameter("D", Tensor.ones(F64, nheads));
            norm = registerModule("norm", new RmsNormGated(dInner));
            outProj = registerModule("out_proj", new Linear(dInner, M2_DMODEL, false));
        }

        Tensor[] run(Tensor u) {
            int batch = u.size(0);
            int seqlen = u.size(1);
            Tensor zxbcdt = inProj.apply(u);
            Tensor a = parameter("A_log").exp().neg();
            List<Tensor> parts = zxbcdt.split(new int[] {dInner, dInner + 2 * M2_DSTATE, nheads}, -1);
            Tensor z = parts.get(0);
            Tensor xBC = parts.get(1);
            Tensor dt = Functional.softplus(parts.get(2).add(parameter("dt_bias")));
            xBC = Functional.silu(conv1d.apply(xBC.transpose(1, 2)).transpose(1, 2));
            xBC = xBC.index(Index.all(), Index.slice(null, seqlen, null), Index.all());
            List<Tensor> xbc = xBC.split(new int[] {dInner, M2_DSTATE, M2_DSTATE}, -1);
            Tensor x = xbc.get(0).reshape(batch, seqlen, nheads, M2_HEADDIM);
            Tensor b = xbc.get(1).index(Index.all(), Index.all(), Index.newAxis(), Index.all())
                    .expand(-1, -1, nheads, -1);
            Tensor c = xbc.get(2).index(Index.all(), Index.all(), Index.newAxis(), Index.all())
                    .expand(-1, -1, nheads, -1);
            Tensor xdt = x.mul(dt.unsqueeze(-1));
            Tensor adt = a.mul(dt);
            Tensor[] r = sequential ? ssdSequential(xdt, adt, b, c) : ssdMinimalDiscrete(xdt, adt, b, c, M2_CHUNK);
            Tensor y = r[0].add(x.mul(parameter("D").unsqueeze(-1)));
            y = y.reshape(batch, seqlen, -1);
            y = norm.norm(y, z);
            return new Tensor[] {outProj.apply(y), r[1]};
        }
    }

    @Test
    void mamba2SsdChunkedScanTrainedWithAdamWAndEqualToTheLoopOverTime() {
        Mamba2 model = PT.loaded(new Mamba2(), "mamba2.init.", F64);
        Tensor x = e("mamba2.x");
        Tensor tgt = e("mamba2.tgt");
        AdamW opt = new AdamW(model.parameters(), 1e-2, 0.9, 0.999, 1e-8, 0.01, false);
        new OutsiderTraining(PT, "mamba2.", model, opt, 3, step -> {
            Tensor[] ys = model.run(x);
            if (step == 0) {
                same(e("mamba2.final_state0"), ys[1], "the final SSM state");
            }
            return new Object[] {ys[0], Functional.mseLoss(ys[0], tgt)};
        }).first(y -> same(e("mamba2.out0"), (Tensor) y, "Mamba-2's output")).loose(1, 1).lossLoose(1)
                .what("Mamba-2").run();
        try (GradMode off = Ember.noGrad()) {
            Tensor[] chunk = model.run(x);
            close(e("mamba2.trained_out"), chunk[0], "the trained block's output", 1);
            close(e("mamba2.trained_final_state"), chunk[1], "the trained block's final state", 1);
            model.sequential = true;
            Tensor[] loop = model.run(x);
            same(chunk[0], loop[0], "the loop over time against the chunked scan");
            same(chunk[1], loop[1], "the loop's last state against the chunked scan's");
        }
        // the loop's gradients are the chunked scan's
        Mamba2 looped = PT.loaded(new Mamba2(), "mamba2.init.", F64);
        looped.sequential = true;
        Tensor[] ys = looped.run(x);
        Functional.mseLoss(ys[0], tgt).backward();
        same(e("mamba2.out0"), ys[0], "the loop's output");
        PT.assertNamed("mamba2.grad0.", looped, true, 1, "the loop's gradient");
    }
}
