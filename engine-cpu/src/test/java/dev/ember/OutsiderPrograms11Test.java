package dev.ember;

import dev.ember.nn.Conv1d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.ConvTranspose2d;
import dev.ember.nn.Embedding;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleList;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.SiLU;
import dev.ember.nn.Tanh;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import dev.ember.optim.Optimizer;
import dev.ember.optim.ParamGroup;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static dev.ember.OutsiderFixture.assertCloseAny;
import static dev.ember.OutsiderFixture.values;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Session 35's outsider pass, round 11: programs from well-known repositories the earlier rounds did not port, each
 * written as that repository's reference code writes it and ported line by line, run from PyTorch's initial weights and
 * fixed data and held to PyTorch's outputs, losses, gradients of every named parameter after the first backward and
 * parameters (and buffers) after the last step ({@code resources/outsiderprograms11/make_expected.py} wrote
 * {@code programs11.pt}, {@code texts11.txt} and the optimizers' {@code *_mid.pt} checkpoints with PyTorch 1.13).
 * Tolerances are {@link LossesMoreTest#assertClose}'s (float64: 1e-12 relative to the largest magnitude of the tensor
 * compared; float32: 4e-6 relative), times a factor stated where steps compound rounding.
 * <ol>
 * <li>VQ-VAE as zalandoresearch/pytorch-vq-vae's notebook: the encoder and decoder with their residual stacks (whose
 * first {@code ReLU(True)} rewrites the block's input in place, so {@code x + block(x)} adds the rectified input, as
 * the notebook computes), VectorQuantizer (distances by the sum/matmul expansion, argmin, scatter_ of ones, the
 * straight-through estimator, the commitment loss, the perplexity) and VectorQuantizerEMA (the cluster-size buffer
 * reassigned, Laplace smoothing, {@code _ema_w} and the codebook replaced by new parameters in every training
 * forward), each trained with Adam; rosinality/vq-vae-2-pytorch's Quantize (buffers updated in place, (-dist).max(1),
 * one_hot, F.embedding of the transposed codebook) and lucidrains' cdist/argmax lookup; float64.</li>
 * <li>state-spaces/mamba's selective_scan_ref in float32 (softplus of delta plus its bias, einsum discretization, the
 * loop over time, the D skip and SiLU gate) with constant, variable and grouped B and C and with a complex A (B and C
 * as view_as_complex pairs, {@code y.real * 2}), every input's gradient; the Mamba block's reference path trained with
 * AdamW and a no-decay group, then its step() decoding (conv state rolled and copied in place) token by token.</li>
 * <li>Optimizers written outside the library as {@code torch.optim.Optimizer} subclasses (lucidrains' Lion,
 * cybertronai's Lamb, transformers' Adafactor, with two option sets each but Lamb) written here as Ember
 * {@link Optimizer} subclasses keeping their state in {@code state(p)}, stepping a small MLP; their state dicts, and
 * PyTorch's mid-run checkpoints of them continued in Ember.</li>
 * <li>Glow as rosinality/glow-pytorch in float32: ActNorm's data-dependent init in a first no_grad forward (a uint8
 * {@code initialized} buffer), InvConv2dLU's weight from its LU factors and masks (diag, exp, @), ZeroConv2d's
 * pad of ones, the sigmoid affine coupling, squeeze by view/permute, the split prior and gaussian_log_p, train.py's
 * dequantized inputs and calc_loss with Adam, then reverse() to reconstruct and to sample through the priors; and
 * InvConv2dLU's init from its draw by Ember's QR and LU (P, L, U, the masks, the signs of U's diagonal).</li>
 * <li>lucidrains/performer-pytorch's FAVOR+ self-attention: the projection by gaussian_orthogonal_random_matrix built by
 * Ember's QR from PyTorch's randn blocks (LAPACK's signs), softmax_kernel (amax over one or two dimensions, detached)
 * and generalized_kernel, linear_attention by three-operand ellipsis einsums, causal_linear_attention_noncuda over
 * chunk() pieces with carried cumsums; and gram-ai/capsule-networks' CapsNet (dynamic routing by its transposing
 * softmax, squash, the margin loss with in-place ReLUs, the labels' mask, MSELoss(size_average=False) as 'sum'), whose
 * {@code .view} of the masked product PyTorch 1.x+ refuses as Ember does (the product keeps the transposed
 * layout).</li>
 * <li>The grad_fn names of the programs' ops, and print(...) of their modules and optimizers (PyTorch 2.x's forms
 * where 1.13's differ: repeat_interleave's node, ModuleList's folded repeats).</li>
 * </ol>
 * Every program agrees with PyTorch at float64's or float32's tolerance (10x only where Adam's steps amplify a
 * rounding-level gradient). What the programs found: an optimizer written outside Ember had nowhere to keep its state
 * but a map of its own that {@code stateDict()} silently left out (a checkpoint resumed with fresh moments, and
 * PyTorch's checkpoint of it did not load): {@code Optimizer.state(p)} is PyTorch's {@code self.state[p]}, carried by
 * the state dict ({@link OutsideOptimizerStateTest}); and loading a state dict whose {@code lr} is None (Adafactor's
 * default) failed with a NullPointerException; such an optimizer printed a float option whose value is whole as an
 * int ({@code weight_decay: 0} for Lion's 0.0).
 */
class OutsiderPrograms11Test extends Float64DefaultDtype {
    private static final OutsiderFixture PT = new OutsiderFixture("outsiderprograms11", "programs11.pt");
    private static final DType F64 = DType.FLOAT64;
    private static final DType F32 = DType.FLOAT32;

    private static Tensor e(String name) {
        return PT.e(name);
    }

    private static void close(Tensor expected, Tensor actual, String what, double loose) {
        assertCloseAny(expected, actual.detach(), what, loose);
    }

    private static void exact(Tensor expected, Tensor actual, String what) {
        assertEquals(expected.dtype(), actual.dtype(), what + " dtype");
        assertEquals(expected.toList(), actual.toList(), what);
    }

    /** Every state dict entry of {@code m} (parameters and buffers) against the entries under {@code prefix}. */
    private static void assertState(String prefix, Module m, double loose, String what) {
        Map<String, Tensor> state = m.stateDict();
        for (Map.Entry<String, Tensor> s : state.entrySet()) {
            close(e(prefix + s.getKey()), s.getValue(), what + " " + s.getKey(), loose);
        }
        assertEquals(PT.under(prefix).size(), state.size(), what + ": PyTorch's and Ember's state dict keys");
    }

    private static Tensor at(Tensor x, int i) {
        return x.index(Index.all(), Index.all(), Index.of(i));
    }

    /** A module called through its own methods, as the Python classes whose forward returns several values. */
    abstract static class Container extends Module {
        @Override
        public Tensor forward(Tensor x) {
            throw new UnsupportedOperationException("called through its own methods");
        }
    }

    // ------------------------------------------------------------------ 1. VQ-VAE

    /** The notebook's VectorQuantizer and VectorQuantizerEMA: loss, quantized, perplexity, encodings. */
    static final class VectorQuantizer extends Container {
        final int embeddingDim;
        final int numEmbeddings;
        final double commitmentCost;
        final double decay;
        final double epsilon = 1e-5;
        final Embedding embedding;

        VectorQuantizer(int numEmbeddings, int embeddingDim, double commitmentCost, double decay) {
            this.embeddingDim = embeddingDim;
            this.numEmbeddings = numEmbeddings;
            this.commitmentCost = commitmentCost;
            this.decay = decay;
            embedding = registerModule("_embedding", new Embedding(numEmbeddings, embeddingDim));
            if (decay > 0) {
                registerBuffer("_ema_cluster_size", Tensor.zeros(numEmbeddings));
                registerParameter("_ema_w", Tensor.zeros(numEmbeddings, embeddingDim));
            }
        }

        Tensor[] quantize(Tensor inputs) {
            // convert inputs from BCHW -> BHWC
            inputs = inputs.permute(0, 2, 3, 1).contiguous();
            int[] inputShape = inputs.shape();
            Tensor flatInput = inputs.view(-1, embeddingDim);
            Tensor w = embedding.weight();
            Tensor distances = flatInput.pow(2).sum(new int[] {1}, true)
                    .add(w.pow(2).sum(1))
                    .sub(flatInput.matmul(w.t()).mul(2));
            Tensor encodingIndices = distances.argmin(1).unsqueeze(1);
            Tensor encodings = Tensor.zeros(encodingIndices.size(0), numEmbeddings);
            encodings.scatter_(1, encodingIndices, 1L);
            Tensor quantized = encodings.matmul(w).view(inputShape);
            Tensor loss;
            if (decay > 0) {
                if (isTraining()) {
                    Tensor size = getBuffer("_ema_cluster_size").mul(decay).add(encodings.sum(0).mul(1 - decay));
                    setBuffer("_ema_cluster_size", size);
                    // Laplace smoothing of the cluster size
                    Tensor n = size.detach().sum();
                    setBuffer("_ema_cluster_size", size.add(epsilon).div(n.add(numEmbeddings * epsilon)).mul(n));
                    Tensor dw = encodings.t().matmul(flatInput);
                    // self._ema_w = nn.Parameter(...): nn.Parameter takes the data without the history
                    setParameter("_ema_w", getParameter("_ema_w").mul(decay).add(dw.mul(1 - decay)).detach());
                    embedding.setParameter("weight",
                            getParameter("_ema_w").div(getBuffer("_ema_cluster_size").unsqueeze(1)).detach());
                }
                Tensor eLatentLoss = Functional.mseLoss(quantized.detach(), inputs);
                loss = eLatentLoss.mul(commitmentCost);
            } else {
                Tensor eLatentLoss = Functional.mseLoss(quantized.detach(), inputs);
                Tensor qLatentLoss = Functional.mseLoss(quantized, inputs.detach());
                loss = qLatentLoss.add(eLatentLoss.mul(commitmentCost));
            }
            quantized = inputs.add(quantized.sub(inputs).detach());
            Tensor avgProbs = encodings.mean(0);
            Tensor perplexity = avgProbs.mul(avgProbs.add(1e-10).log()).sum().neg().exp();
            return new Tensor[] {loss, quantized.permute(0, 3, 1, 2).contiguous(), perplexity, encodings};
        }
    }

    static final class Residual extends Module {
        final Sequential block;

        Residual(int inChannels, int numHiddens, int numResidualHiddens) {
            block = registerModule("_block", new Sequential(
                    new ReLU(true),
                    new Conv2d(inChannels, numResidualHiddens, 3, 1, 1, false),
                    new ReLU(true),
                    new Conv2d(numResidualHiddens, numHiddens, 1, 1, 0, false)));
        }

        @Override
        public Tensor forward(Tensor x) {
            // Python evaluates x + self._block(x) left to right but the in-place ReLU has rectified x by the time the
            // addition reads it: the sum adds relu(x)
            Tensor b = block.forward(x);
            return x.add(b);
        }
    }

    static final class ResidualStack extends Module {
        final ModuleList<Residual> layers;

        ResidualStack(int inChannels, int numHiddens, int numResidualLayers, int numResidualHiddens) {
            List<Residual> l = new ArrayList<>();
            for (int i = 0; i < numResidualLayers; i++) {
                l.add(new Residual(inChannels, numHiddens, numResidualHiddens));
            }
            layers = registerModule("_layers", new ModuleList<>(l));
        }

        @Override
        public Tensor forward(Tensor x) {
            for (Residual r : layers) {
                x = r.forward(x);
            }
            return Functional.relu(x);
        }
    }

    static final class Encoder extends Module {
        final Conv2d conv1;
        final Conv2d conv2;
        final Conv2d conv3;
        final ResidualStack stack;

        Encoder(int inChannels, int numHiddens, int numResidualLayers, int numResidualHiddens) {
            conv1 = registerModule("_conv_1", new Conv2d(inChannels, numHiddens / 2, 4, 2, 1));
            conv2 = registerModule("_conv_2", new Conv2d(numHiddens / 2, numHiddens, 4, 2, 1));
            conv3 = registerModule("_conv_3", new Conv2d(numHiddens, numHiddens, 3, 1, 1));
            stack = registerModule("_residual_stack",
                    new ResidualStack(numHiddens, numHiddens, numResidualLayers, numResidualHiddens));
        }

        @Override
        public Tensor forward(Tensor inputs) {
            Tensor x = conv1.forward(inputs);
            x = Functional.relu(x);
            x = conv2.forward(x);
            x = Functional.relu(x);
            x = conv3.forward(x);
            return stack.forward(x);
        }
    }

    static final class Decoder extends Module {
        final Conv2d conv1;
        final ResidualStack stack;
        final ConvTranspose2d convTrans1;
        final ConvTranspose2d convTrans2;

        Decoder(int inChannels, int numHiddens, int numResidualLayers, int numResidualHiddens) {
            conv1 = registerModule("_conv_1", new Conv2d(inChannels, numHiddens, 3, 1, 1));
            stack = registerModule("_residual_stack",
                    new ResidualStack(numHiddens, numHiddens, numResidualLayers, numResidualHiddens));
            convTrans1 = registerModule("_conv_trans_1", new ConvTranspose2d(numHiddens, numHiddens / 2, 4, 2, 1));
            convTrans2 = registerModule("_conv_trans_2", new ConvTranspose2d(numHiddens / 2, 1, 4, 2, 1));
        }

        @Override
        public Tensor forward(Tensor inputs) {
            Tensor x = conv1.forward(inputs);
            x = stack.forward(x);
            x = convTrans1.forward(x);
            x = Functional.relu(x);
            return convTrans2.forward(x);
        }
    }

    static final class VqModel extends Container {
        final Encoder encoder;
        final Conv2d preVqConv;
        final VectorQuantizer vqVae;
        final Decoder decoder;

        VqModel(int numHiddens, int numResidualLayers, int numResidualHiddens, int numEmbeddings, int embeddingDim,
                double commitmentCost, double decay) {
            encoder = registerModule("_encoder", new Encoder(1, numHiddens, numResidualLayers, numResidualHiddens));
            preVqConv = registerModule("_pre_vq_conv", new Conv2d(numHiddens, embeddingDim, 1, 1, 0));
            vqVae = registerModule("_vq_vae", new VectorQuantizer(numEmbeddings, embeddingDim, commitmentCost, decay));
            decoder = registerModule("_decoder",
                    new Decoder(embeddingDim, numHiddens, numResidualLayers, numResidualHiddens));
        }

        Tensor[] run(Tensor x) {
            Tensor z = encoder.forward(x);
            z = preVqConv.forward(z);
            Tensor[] vq = vqVae.quantize(z);
            Tensor xRecon = decoder.forward(vq[1]);
            return new Tensor[] {vq[0], xRecon, vq[2]};
        }
    }

    private static void vqVae(String name, double decay) {
        String p = "vq." + name + ".";
        VqModel model = PT.loaded(new VqModel(8, 2, 4, 6, 3, 0.25, decay), p + "init.", F64);
        Tensor data = e("vq.data");
        double dataVariance = 0.2;
        Optimizer optimizer = new Adam(model.parameters(), 2e-3);
        model.train();
        List<Double> losses = new ArrayList<>();
        List<Double> perps = new ArrayList<>();
        List<Double> recons = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            optimizer.zeroGrad();
            Tensor[] r = model.run(data);
            Tensor reconError = Functional.mseLoss(r[1], data).div(dataVariance);
            Tensor loss = reconError.add(r[0]);
            loss.backward();
            if (step == 0) {
                close(e(p + "recon0"), r[1], name + " reconstruction", 1);
                // the EMA model's codebook and _ema_w were replaced by the forward: their new tensors have no
                // gradient, as PyTorch's, whose saved grads leave them out
                Map<String, Tensor> named = model.namedParameters();
                int compared = 0;
                for (Map.Entry<String, Tensor> n : named.entrySet()) {
                    Tensor g = n.getValue().grad();
                    if (g != null) {
                        close(e(p + "grad0." + n.getKey()), g, name + " gradient " + n.getKey(), 1);
                        compared++;
                    }
                }
                assertEquals(PT.under(p + "grad0.").size(), compared, name + ": the parameters with a gradient");
            }
            optimizer.step();
            losses.add(loss.item());
            perps.add(r[2].item());
            recons.add(reconError.item());
        }
        close(e(p + "loss"), values(losses, F64), name + " losses", 1);
        close(e(p + "perplexity"), values(perps, F64), name + " perplexities", 1);
        close(e(p + "recon_error"), values(recons, F64), name + " reconstruction errors", 1);
        assertState(p + "final.", model, 100, name + " state after 3 steps");
        model.eval();
        try (GradMode off = Ember.noGrad()) {
            Tensor[] vq = model.vqVae.quantize(model.preVqConv.forward(model.encoder.forward(data)));
            exact(e(p + "eval_codes"), vq[3].argmax(1), name + " codes in eval mode");
        }
    }

    @Test
    void vqVaeWithStraightThroughCommitmentAndPerplexity() {
        vqVae("plain", 0.0);
    }

    @Test
    void vqVaeWithEmaCodebookReplacedEachForwardAndLaplaceSmoothing() {
        vqVae("ema", 0.9);
    }

    /** rosinality/vq-vae-2-pytorch's Quantize: the codebook is a buffer updated by EMA in place. */
    static final class Quantize extends Container {
        final int dim;
        final int nEmbed;
        final double decay;
        final double eps;

        Quantize(int dim, int nEmbed, double decay, double eps) {
            this.dim = dim;
            this.nEmbed = nEmbed;
            this.decay = decay;
            this.eps = eps;
            Tensor embed = Tensor.randn(dim, nEmbed);
            registerBuffer("embed", embed);
            registerBuffer("cluster_size", Tensor.zeros(nEmbed));
            registerBuffer("embed_avg", embed.clone());
        }

        Tensor[] quantize(Tensor input) {
            Tensor embed = getBuffer("embed");
            Tensor flatten = input.reshape(-1, dim);
            Tensor dist = flatten.pow(2).sum(new int[] {1}, true)
                    .sub(flatten.matmul(embed).mul(2))
                    .add(embed.pow(2).sum(new int[] {0}, true));
            Tensor embedInd = dist.neg().max(1).indices();
            Tensor embedOnehot = Functional.oneHot(embedInd, nEmbed).type(flatten.dtype());
            int[] s = input.shape();
            embedInd = embedInd.view(java.util.Arrays.copyOf(s, s.length - 1));
            Tensor quantize = embedCode(embedInd);
            if (isTraining()) {
                Tensor embedOnehotSum = embedOnehot.sum(0);
                Tensor embedSum = flatten.transpose(0, 1).matmul(embedOnehot);
                getBuffer("cluster_size").detach().mul_(decay).add_(embedOnehotSum, 1 - decay);
                getBuffer("embed_avg").detach().mul_(decay).add_(embedSum, 1 - decay);
                Tensor n = getBuffer("cluster_size").sum();
                Tensor clusterSize = getBuffer("cluster_size").add(eps).div(n.add(nEmbed * eps)).mul(n);
                Tensor embedNormalized = getBuffer("embed_avg").div(clusterSize.unsqueeze(0));
                embed.detach().copy_(embedNormalized);
            }
            Tensor diff = quantize.detach().sub(input).pow(2).mean();
            quantize = input.add(quantize.sub(input).detach());
            return new Tensor[] {quantize, diff, embedInd};
        }

        Tensor embedCode(Tensor embedId) {
            return Functional.embedding(embedId, getBuffer("embed").transpose(0, 1));
        }
    }

    @Test
    void vqVae2QuantizeWithInPlaceEmaBuffersAndCdistLookup() {
        Quantize quant = PT.loaded(new Quantize(3, 5, 0.8, 1e-5), "vq.rq.init.", F64);
        Tensor rqIn = e("vq.rq.input").clone().requiresGrad_(true);
        List<Double> diffs = new ArrayList<>();
        for (int step = 0; step < 2; step++) {
            Tensor[] r = quant.quantize(rqIn.mul(1 + step));
            r[0].pow(2).sum().add(r[1]).backward();
            close(e("vq.rq.quantize" + step), r[0], "quantize " + step, 1);
            exact(e("vq.rq.ind" + step), r[2], "codes " + step);
            diffs.add(r[1].item());
        }
        close(e("vq.rq.diff"), values(diffs, F64), "commitment diffs", 1);
        close(e("vq.rq.input_grad"), rqIn.grad(), "the input's gradient through the straight-through estimator", 1);
        assertState("vq.rq.final.", quant, 1, "Quantize's buffers after 2 updates");
        Tensor dist = Functional.cdist(rqIn.detach().reshape(1, -1, 3), quant.getBuffer("embed").t().unsqueeze(0), 2)
                .neg();
        exact(e("vq.cdist_ind"), dist.argmax(-1), "codes by -cdist and argmax");
    }

    // ------------------------------------------------------------------ 2. Mamba

    /**
     * mamba_ssm/ops/selective_scan_interface.py's selective_scan_ref, line by line (einops' rearrange and repeat as
     * the generator writes them: unflatten, unsqueeze, repeat_interleave); returns out and the last state.
     */
    static Tensor[] selectiveScanRef(Tensor u, Tensor delta, Tensor a, Tensor b, Tensor c, Tensor d, Tensor z,
                                     Tensor deltaBias, boolean deltaSoftplus) {
        DType dtypeIn = u.dtype();
        u = u.toFloat();
        delta = delta.toFloat();
        if (deltaBias != null) {
            delta = delta.add(deltaBias.unsqueeze(-1).toFloat());
        }
        if (deltaSoftplus) {
            delta = Functional.softplus(delta);
        }
        int batch = u.size(0);
        int dim = a.size(0);
        int dstate = a.size(1);
        boolean isVariableB = b.dim() >= 3;
        boolean isVariableC = c.dim() >= 3;
        if (a.isComplex()) {
            if (isVariableB) {
                b = b.toFloat().unflatten(-1, -1, 2).viewAsComplex();
            }
            if (isVariableC) {
                c = c.toFloat().unflatten(-1, -1, 2).viewAsComplex();
            }
        } else {
            b = b.toFloat();
            c = c.toFloat();
        }
        Tensor x = a.newZeros(batch, dim, dstate);
        List<Tensor> ys = new ArrayList<>();
        Tensor deltaA = Tensor.einsum("bdl,dn->bdln", delta, a).exp();
        Tensor deltaBU;
        if (!isVariableB) {
            deltaBU = Tensor.einsum("bdl,dn,bdl->bdln", delta, b, u);
        } else if (b.dim() == 3) {
            deltaBU = Tensor.einsum("bdl,bnl,bdl->bdln", delta, b, u);
        } else {
            b = b.repeatInterleave(dim / b.size(1), 1);
            deltaBU = Tensor.einsum("bdl,bdnl,bdl->bdln", delta, b, u);
        }
        if (isVariableC && c.dim() == 4) {
            c = c.repeatInterleave(dim / c.size(1), 1);
        }
        Tensor lastState = null;
        for (int i = 0; i < u.size(2); i++) {
            x = at(deltaA, i).mul(x).add(at(deltaBU, i));
            Tensor y;
            if (!isVariableC) {
                y = Tensor.einsum("bdn,dn->bd", x, c);
            } else if (c.dim() == 3) {
                y = Tensor.einsum("bdn,bn->bd", x, at(c, i));
            } else {
                y = Tensor.einsum("bdn,bdn->bd", x, c.index(Index.all(), Index.all(), Index.all(), Index.of(i)));
            }
            if (i == u.size(2) - 1) {
                lastState = x;
            }
            if (y.isComplex()) {
                y = y.real().mul(2);
            }
            ys.add(y);
        }
        Tensor y = Tensor.stack(ys, 2);
        Tensor out = d == null ? y : y.add(u.mul(d.unsqueeze(-1)));
        if (z != null) {
            out = out.mul(Functional.silu(z));
        }
        out = out.to(dtypeIn);
        return new Tensor[] {out, lastState};
    }

    private static void selectiveScan(String c, String names, boolean softplus, double loose) {
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (String n : names.split(" ")) {
            in.put(n, e("ss." + n).clone().requiresGrad_(true));
        }
        List<Tensor> args = new ArrayList<>(in.values());
        Tensor[] r = selectiveScanRef(args.get(0), args.get(1), args.get(2), args.get(3), args.get(4), in.get("D"),
                in.get("z"), in.get("delta_bias"), softplus);
        String p = "ss." + c + ".";
        close(e(p + "out"), r[0], c + " out", loose);
        close(e(p + "last"), r[1], c + " last state", loose);
        Tensor w = Tensor.linspace(-1, 1, (int) r[0].numel(), F32).view(r[0].shape());
        r[0].mul(w).sum().add(r[1].abs().pow(2).sum()).backward();
        for (Map.Entry<String, Tensor> n : in.entrySet()) {
            close(e(p + "grad." + n.getKey()), n.getValue().grad(), c + " gradient of " + n.getKey(), loose);
        }
    }

    @Test
    void mambaSelectiveScanRefWithEveryFormOfBAndCAndAComplexA() {
        selectiveScan("variable", "u delta A Bv Cv D z delta_bias", true, 1);
        selectiveScan("constant", "u delta A Bc Cc D", false, 1);
        selectiveScan("grouped", "u delta A Bg Cv D z delta_bias", true, 1);
        selectiveScan("complex", "u delta Acx Bcx Ccx D z delta_bias", true, 1);
    }

    /** mamba_simple.py's Mamba block: the reference (slow) path and the step() of decoding. */
    static final class Mamba extends Module {
        final int dModel;
        final int dState;
        final int dConv;
        final int dInner;
        final int dtRank;
        final Linear inProj;
        final Conv1d conv1d;
        final SiLU act = new SiLU();
        final Linear xProj;
        final Linear dtProj;
        final Linear outProj;

        Mamba(int dModel, int dState, int dConv, int expand) {
            this.dModel = dModel;
            this.dState = dState;
            this.dConv = dConv;
            this.dInner = expand * dModel;
            this.dtRank = (int) Math.ceil(dModel / 16.0);
            inProj = registerModule("in_proj", new Linear(dModel, dInner * 2, false));
            conv1d = registerModule("conv1d", new Conv1d(dInner, dInner, dConv, 1, dConv - 1, 1, dInner, true));
            xProj = registerModule("x_proj", new Linear(dInner, dtRank + dState * 2, false));
            dtProj = registerModule("dt_proj", new Linear(dtRank, dInner, true));
            // the generator's init is read from its state dict; A_log and D as registered there
            registerParameter("A_log", Tensor.arange(1, dState + 1).toFloat().unsqueeze(0).repeat(dInner, 1).log());
            registerParameter("D", Tensor.ones(F32, dInner));
            outProj = registerModule("out_proj", new Linear(dInner, dModel, false));
        }

        @Override
        public Tensor forward(Tensor hiddenStates) {
            int batch = hiddenStates.size(0);
            int seqlen = hiddenStates.size(1);
            int dim = hiddenStates.size(2);
            Tensor xz = inProj.weight().matmul(hiddenStates.permute(2, 0, 1).reshape(dim, batch * seqlen))
                    .reshape(-1, batch, seqlen).permute(1, 0, 2);
            Tensor a = parameter("A_log").toFloat().exp().neg();
            List<Tensor> xzs = xz.chunk(2, 1);
            Tensor x = xzs.get(0);
            Tensor z = xzs.get(1);
            x = act.forward(conv1d.forward(x).index(Index.ellipsis(), Index.slice(null, seqlen, null)));
            Tensor xDbl = xProj.forward(x.permute(0, 2, 1).reshape(batch * seqlen, -1));
            List<Tensor> dtBC = xDbl.split(new int[] {dtRank, dState, dState}, -1);
            Tensor dt = dtProj.weight().matmul(dtBC.get(0).t());
            dt = dt.reshape(-1, batch, seqlen).permute(1, 0, 2);
            Tensor b = dtBC.get(1).reshape(batch, seqlen, -1).permute(0, 2, 1).contiguous();
            Tensor c = dtBC.get(2).reshape(batch, seqlen, -1).permute(0, 2, 1).contiguous();
            Tensor y = selectiveScanRef(x, dt, a, b, c, parameter("D").toFloat(), z, dtProj.bias().toFloat(), true)[0];
            y = y.permute(0, 2, 1);
            return outProj.forward(y);
        }

        Tensor step(Tensor hiddenStates, Tensor convState, Tensor ssmState) {
            DType dtype = hiddenStates.dtype();
            Tensor xz = inProj.forward(hiddenStates.squeeze(1));
            List<Tensor> xzs = xz.chunk(2, -1);
            Tensor x = xzs.get(0);
            Tensor z = xzs.get(1);
            convState.copy_(convState.roll(new int[] {-1}, new int[] {-1}));
            convState.indexPut_(new Index[] {Index.all(), Index.all(), Index.of(-1)}, x, false);
            x = convState.mul(conv1d.weight().squeeze(1)).sum(-1);
            if (conv1d.bias() != null) {
                x = x.add(conv1d.bias());
            }
            x = act.forward(x).to(dtype);
            Tensor xDb = xProj.forward(x);
            List<Tensor> dtBC = xDb.split(new int[] {dtRank, dState, dState}, -1);
            Tensor dt = Functional.linear(dtBC.get(0), dtProj.weight(), null);
            Tensor a = parameter("A_log").toFloat().exp().neg();
            dt = Functional.softplus(dt.add(dtProj.bias().to(dt.dtype())));
            Tensor dA = Tensor.einsum("bd,dn->bdn", dt, a).exp();
            Tensor dB = Tensor.einsum("bd,bn->bdn", dt, dtBC.get(1));
            ssmState.copy_(ssmState.mul(dA).add(x.unsqueeze(-1).mul(dB)));
            Tensor y = Tensor.einsum("bdn,bn->bd", ssmState.to(dtype), dtBC.get(2));
            y = y.add(parameter("D").to(dtype).mul(x));
            y = y.mul(act.forward(z));
            return outProj.forward(y).unsqueeze(1);
        }
    }

    @Test
    void mambaBlockTrainedWithAdamWNoDecayGroupThenStepDecoding() {
        Mamba mamba = PT.loaded(new Mamba(4, 4, 3, 2), "mamba.init.", F32);
        Tensor x = e("mamba.x");
        Tensor target = e("mamba.target");
        List<Tensor> decay = new ArrayList<>();
        List<Tensor> noDecay = new ArrayList<>();
        for (Map.Entry<String, Tensor> n : mamba.namedParameters().entrySet()) {
            (n.getKey().equals("A_log") || n.getKey().equals("D") ? noDecay : decay).add(n.getValue());
        }
        AdamW opt = new AdamW(decay, 1e-2, 0.9, 0.999, 1e-8, 0.1, false);
        opt.addParamGroup(noDecay, Map.of("weight_decay", 0.0));
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            opt.zeroGrad();
            Tensor y = mamba.forward(x);
            Tensor loss = Functional.mseLoss(y, target);
            loss.backward();
            if (step == 0) {
                close(e("mamba.out0"), y, "Mamba's output", 1);
                PT.assertNamed("mamba.grad0.", mamba, true, 1, "Mamba's gradient");
            }
            opt.step();
            losses.add(loss.item());
        }
        // float32 losses that the generator kept in a float64 tensor: compared at float32's tolerance
        close(e("mamba.loss").to(F32), values(losses, F32), "Mamba's losses", 1);
        PT.assertNamed("mamba.final.", mamba, false, 1, "Mamba's parameters after 3 steps");
        try (GradMode off = Ember.noGrad()) {
            close(e("mamba.forward"), mamba.forward(x), "Mamba's trained output", 1);
            Tensor convState = Tensor.zeros(F32, 2, mamba.dInner, mamba.dConv);
            Tensor ssmState = Tensor.zeros(F32, 2, mamba.dInner, mamba.dState);
            List<Tensor> steps = new ArrayList<>();
            for (int t = 0; t < x.size(1); t++) {
                steps.add(mamba.step(x.index(Index.all(), Index.slice(t, t + 1, null)), convState, ssmState));
            }
            close(e("mamba.steps"), Tensor.cat(steps, 1), "Mamba's step() decoding", 1);
            close(e("mamba.conv_state"), convState, "the conv state after decoding", 1);
            close(e("mamba.ssm_state"), ssmState, "the SSM state after decoding", 1);
        }
    }

    // ------------------------------------------------------------------ 3. optimizers written outside the library

    /** An optimizer's defaults as a mutable map (Map.of refuses PyTorch's None). */
    private static Map<String, Object> options(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** An optimizer written outside Ember: its state is {@link Optimizer#state(Tensor)}, PyTorch's self.state[p]. */
    abstract static class OutsideOptimizer extends Optimizer {
        OutsideOptimizer(List<Tensor> params, Map<String, Object> defaults) {
            super(params, defaults, (k, v) -> { });
        }
    }

    /** lucidrains/lion-pytorch. */
    static final class Lion extends OutsideOptimizer {
        final double initLr;
        final boolean decoupledWd;

        Lion(List<Tensor> params, double lr, double beta1, double beta2, double weightDecay, boolean decoupled) {
            super(params, options("lr", lr, "betas", List.of(beta1, beta2), "weight_decay", weightDecay));
            if (!(lr > 0)) {
                throw new IllegalArgumentException("lr");
            }
            this.initLr = lr;
            this.decoupledWd = decoupled;
        }

        static void updateFn(Tensor p, Tensor grad, Tensor expAvg, double lr, double wd, double beta1, double beta2) {
            // stepweight decay
            p.mul_(1. - lr * wd);
            // weight update
            Tensor update = expAvg.clone().mul_(beta1).add(grad, 1. - beta1).sign_();
            p.add_(update, -lr);
            // decay the momentum running average coefficient
            expAvg.mul_(beta2).add_(grad, 1. - beta2);
        }

        @Override
        public void step() {
            try (GradMode off = Ember.noGrad()) {
                for (ParamGroup group : paramGroups()) {
                    for (Tensor p : group.params()) {
                        if (p.grad() == null) {
                            continue;
                        }
                        List<?> betas = (List<?>) group.get("betas");
                        double wd = group.getDouble("weight_decay");
                        if (decoupledWd) {
                            wd /= initLr;
                        }
                        Map<String, Object> st = state(p);
                        if (st.isEmpty()) {
                            st.put("exp_avg", p.zerosLike());
                        }
                        updateFn(p, p.grad(), (Tensor) st.get("exp_avg"), group.lr(), wd, (Double) betas.get(0),
                                (Double) betas.get(1));
                    }
                }
            }
        }
    }

    /** cybertronai/pytorch-lamb. */
    static final class Lamb extends OutsideOptimizer {
        final boolean adam;

        /** {@code weightDecay} a Number: the reference's default {@code weight_decay=0} is a Python int. */
        Lamb(List<Tensor> params, double lr, double beta1, double beta2, double eps, Number weightDecay,
             boolean adam) {
            super(params, options("lr", lr, "betas", List.of(beta1, beta2), "eps", eps, "weight_decay", weightDecay));
            this.adam = adam;
        }

        @Override
        public void step() {
            try (GradMode off = Ember.noGrad()) {
                for (ParamGroup group : paramGroups()) {
                    for (Tensor p : group.params()) {
                        if (p.grad() == null) {
                            continue;
                        }
                        Tensor grad = p.grad();
                        Map<String, Object> st = state(p);
                        if (st.isEmpty()) {
                            st.put("step", 0L);
                            st.put("exp_avg", p.zerosLike());
                            st.put("exp_avg_sq", p.zerosLike());
                        }
                        Tensor expAvg = (Tensor) st.get("exp_avg");
                        Tensor expAvgSq = (Tensor) st.get("exp_avg_sq");
                        List<?> betas = (List<?>) group.get("betas");
                        double beta1 = (Double) betas.get(0);
                        double beta2 = (Double) betas.get(1);
                        st.put("step", (Long) st.get("step") + 1);
                        expAvg.mul_(beta1).add_(grad, 1 - beta1);
                        expAvgSq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
                        double stepSize = group.lr();
                        Tensor weightNorm = p.pow(2).sum().sqrt().clamp(0, 10);
                        Tensor adamStep = expAvg.div(expAvgSq.sqrt().add(group.getDouble("eps")));
                        if (group.getDouble("weight_decay") != 0) {
                            adamStep.add_(p, group.getDouble("weight_decay"));
                        }
                        Tensor adamNorm = adamStep.pow(2).sum().sqrt();
                        Object trustRatio;
                        if (weightNorm.item() == 0 || adamNorm.item() == 0) {
                            trustRatio = 1.0;
                        } else {
                            trustRatio = weightNorm.div(adamNorm);
                        }
                        st.put("weight_norm", weightNorm);
                        st.put("adam_norm", adamNorm);
                        st.put("trust_ratio", trustRatio);
                        double ratio = adam ? 1 : trustRatio instanceof Tensor ? ((Tensor) trustRatio).item()
                                : (Double) trustRatio;
                        p.add_(adamStep, -stepSize * ratio);
                    }
                }
            }
        }
    }

    /** huggingface/transformers' Adafactor (fairseq's). */
    static final class Adafactor extends OutsideOptimizer {
        Adafactor(List<Tensor> params, Double lr, double eps0, double eps1, double clipThreshold, double decayRate,
                  Double beta1, double weightDecay, boolean scaleParameter, boolean relativeStep, boolean warmupInit) {
            super(params, options("lr", lr, "eps", List.of(eps0, eps1), "clip_threshold", clipThreshold,
                    "decay_rate", decayRate, "beta1", beta1, "weight_decay", weightDecay,
                    "scale_parameter", scaleParameter, "relative_step", relativeStep, "warmup_init", warmupInit));
            if (lr != null && relativeStep) {
                throw new IllegalArgumentException("Cannot combine manual `lr` and `relative_step=True` options");
            }
            if (warmupInit && !relativeStep) {
                throw new IllegalArgumentException("`warmup_init=True` requires `relative_step=True`");
            }
        }

        static double getLr(ParamGroup group, Map<String, Object> state) {
            Object lr = group.get("lr");
            double relStepSz = lr == null ? Double.NaN : (Double) lr;
            long step = (Long) state.get("step");
            if ((Boolean) group.get("relative_step")) {
                double minStep = (Boolean) group.get("warmup_init") ? 1e-6 * step : 1e-2;
                relStepSz = Math.min(minStep, 1.0 / Math.sqrt(step));
            }
            double paramScale = 1.0;
            if ((Boolean) group.get("scale_parameter")) {
                paramScale = Math.max((Double) ((List<?>) group.get("eps")).get(1), ((Tensor) state.get("RMS")).item());
            }
            return paramScale * relStepSz;
        }

        static Tensor rms(Tensor tensor) {
            return tensor.norm(2).div(Math.pow(tensor.numel(), 0.5));
        }

        static Tensor approxSqGrad(Tensor expAvgSqRow, Tensor expAvgSqCol) {
            Tensor rFactor = expAvgSqRow.div(expAvgSqRow.mean(-1, true)).rsqrt_().unsqueeze(-1);
            Tensor cFactor = expAvgSqCol.unsqueeze(-2).rsqrt();
            return rFactor.mul(cFactor);
        }

        @Override
        public void step() {
            try (GradMode off = Ember.noGrad()) {
                for (ParamGroup group : paramGroups()) {
                    for (Tensor p : group.params()) {
                        if (p.grad() == null) {
                            continue;
                        }
                        Tensor grad = p.grad();
                        Map<String, Object> st = state(p);
                        int[] gradShape = grad.shape();
                        boolean factored = gradShape.length >= 2;
                        boolean useFirstMoment = group.get("beta1") != null;
                        if (st.isEmpty()) {
                            st.put("step", 0L);
                            if (useFirstMoment) {
                                st.put("exp_avg", grad.zerosLike());
                            }
                            if (factored) {
                                st.put("exp_avg_sq_row",
                                        Tensor.zeros(java.util.Arrays.copyOf(gradShape, gradShape.length - 1)).to(grad.dtype()));
                                int[] col = java.util.Arrays.copyOf(gradShape, gradShape.length - 1);
                                col[col.length - 1] = gradShape[gradShape.length - 1];
                                st.put("exp_avg_sq_col", Tensor.zeros(col).to(grad.dtype()));
                            } else {
                                st.put("exp_avg_sq", grad.zerosLike());
                            }
                            st.put("RMS", 0L);
                        }
                        st.put("step", (Long) st.get("step") + 1);
                        long step = (Long) st.get("step");
                        st.put("RMS", rms(p));
                        double lr = getLr(group, st);
                        double beta2t = 1.0 - Math.pow(step, group.getDouble("decay_rate"));
                        Tensor update = grad.pow(2).add((Double) ((List<?>) group.get("eps")).get(0));
                        if (factored) {
                            Tensor row = (Tensor) st.get("exp_avg_sq_row");
                            Tensor col = (Tensor) st.get("exp_avg_sq_col");
                            row.mul_(beta2t).add_(update.mean(-1), 1.0 - beta2t);
                            col.mul_(beta2t).add_(update.mean(-2), 1.0 - beta2t);
                            update = approxSqGrad(row, col);
                            update.mul_(grad);
                        } else {
                            Tensor expAvgSq = (Tensor) st.get("exp_avg_sq");
                            expAvgSq.mul_(beta2t).add_(update, 1.0 - beta2t);
                            update = expAvgSq.rsqrt().mul_(grad);
                        }
                        update.div_(rms(update).div(group.getDouble("clip_threshold")).clamp_(1.0, null));
                        update.mul_(lr);
                        if (useFirstMoment) {
                            Tensor expAvg = (Tensor) st.get("exp_avg");
                            double beta1 = group.getDouble("beta1");
                            expAvg.mul_(beta1).add_(update, 1 - beta1);
                            update = expAvg;
                        }
                        if (group.getDouble("weight_decay") != 0) {
                            p.add_(p, -group.getDouble("weight_decay") * lr);
                        }
                        p.add_(update.neg());
                    }
                }
            }
        }
    }

    private static Sequential mlp() {
        return new Sequential(new Linear(4, 6), new Tanh(), new Linear(6, 3));
    }

    private static void outsideOptimizer(String name, Function<List<Tensor>, OutsideOptimizer> make, double loose) {
        Sequential model = PT.loaded(mlp(), "opt.init.", F64);
        OutsideOptimizer opt = make.apply(model.parameters());
        Tensor x = e("opt.x");
        Tensor y = e("opt.y");
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < 4; step++) {
            opt.zeroGrad();
            Tensor loss = Functional.mseLoss(model.forward(x), y);
            loss.backward();
            opt.step();
            losses.add(loss.item());
        }
        String p = "opt." + name + ".";
        close(e(p + "loss"), values(losses, F64), name + " losses", 1);
        PT.assertNamed(p + "final.", model, false, loose, name + " parameters after 4 steps");
        // the first weight's state, as the optimizer's state dict holds it (PyTorch's opt.state[model[0].weight])
        Map<?, ?> st = (Map<?, ?>) ((Map<?, ?>) opt.stateDict().get("state")).get(0);
        for (Map.Entry<?, ?> s : st.entrySet()) {
            Object v = s.getValue();
            Tensor t = v instanceof Tensor ? (Tensor) v : Tensor.tensor(((Number) v).doubleValue());
            close(e(p + "state0." + s.getKey()), t, name + " state " + s.getKey(), loose);
        }
        assertEquals(PT.under(p + "state0.").keySet(), st.keySet(), name + " state keys");
    }

    @Test
    void lionLambAndAdafactorWrittenAsOptimizerSubclasses() {
        outsideOptimizer("lion", ps -> new Lion(ps, 1e-2, 0.9, 0.99, 0.1, false), 1);
        outsideOptimizer("lion_decoupled", ps -> new Lion(ps, 1e-2, 0.95, 0.98, 1e-3, true), 1);
        outsideOptimizer("lamb", ps -> new Lamb(ps, 0.05, 0.9, 0.999, 1e-6, 0.01, false), 1);
        outsideOptimizer("adafactor",
                ps -> new Adafactor(ps, null, 1e-30, 1e-3, 1.0, -0.8, null, 0.0, true, true, false), 1);
        outsideOptimizer("adafactor_fixed",
                ps -> new Adafactor(ps, 1e-2, 1e-30, 1e-3, 1.0, -0.8, 0.9, 0.01, false, false, false), 1);
    }

    /**
     * PyTorch's checkpoint of the model and the outside optimizer after 2 of the 4 steps, loaded into Ember and
     * continued for 2 steps: PyTorch's last 2 losses and final parameters. Then Ember's own round trip: 2 steps, the
     * state dict loaded into a fresh optimizer over copies of the parameters, 2 more steps, bit for bit the
     * uninterrupted run.
     */
    @SuppressWarnings("unchecked")
    private static void resumes(String name, Function<List<Tensor>, OutsideOptimizer> make, double loose)
            throws Exception {
        Map<String, Object> ckpt = (Map<String, Object>) dev.ember.nn.TorchSerialization.load(
                PT.resource(name + "_mid.pt"));
        Sequential model = mlp();
        model.to(F64);
        model.loadStateDict((Map<String, Tensor>) ckpt.get("model"));
        OutsideOptimizer opt = make.apply(model.parameters());
        opt.loadStateDict((Map<String, ?>) ckpt.get("optimizer"));
        Tensor x = e("opt.x");
        Tensor y = e("opt.y");
        List<Double> losses = new ArrayList<>();
        for (int step = 2; step < 4; step++) {
            opt.zeroGrad();
            Tensor loss = Functional.mseLoss(model.forward(x), y);
            loss.backward();
            opt.step();
            losses.add(loss.item());
        }
        String p = "opt." + name + ".";
        close(e(p + "loss").index(Index.slice(2, null, null)), values(losses, F64), name + " resumed losses", 1);
        PT.assertNamed(p + "final.", model, false, loose, name + " parameters after resuming PyTorch's checkpoint");

        Sequential straight = PT.loaded(mlp(), "opt.init.", F64);
        Sequential first = PT.loaded(mlp(), "opt.init.", F64);
        OutsideOptimizer a = make.apply(straight.parameters());
        OutsideOptimizer b = make.apply(first.parameters());
        for (int step = 0; step < 4; step++) {
            for (Object[] run : step < 2 ? new Object[][] {{a, straight}, {b, first}} : new Object[][] {{a, straight}}) {
                OutsideOptimizer o = (OutsideOptimizer) run[0];
                o.zeroGrad();
                Functional.mseLoss(((Sequential) run[1]).forward(x), y).backward();
                o.step();
            }
        }
        Map<String, Object> saved = b.stateDict();
        Sequential resumed = mlp();
        resumed.to(F64);
        resumed.loadStateDict(first.stateDict());
        OutsideOptimizer c = make.apply(resumed.parameters());
        c.loadStateDict(saved);
        for (int step = 2; step < 4; step++) {
            c.zeroGrad();
            Functional.mseLoss(resumed.forward(x), y).backward();
            c.step();
        }
        for (int i = 0; i < 4; i++) {
            assertEquals(straight.parameters().get(i).toList(), resumed.parameters().get(i).toList(),
                    name + " resumed from Ember's state dict: parameter " + i);
        }
    }

    @Test
    void outsideOptimizersCheckpointTheirStateAndContinuePyTorchsCheckpoints() throws Exception {
        resumes("lion", ps -> new Lion(ps, 1e-2, 0.9, 0.99, 0.1, false), 1);
        resumes("lamb", ps -> new Lamb(ps, 0.05, 0.9, 0.999, 1e-6, 0.01, false), 1);
        resumes("adafactor", ps -> new Adafactor(ps, null, 1e-30, 1e-3, 1.0, -0.8, null, 0.0, true, true, false), 1);
        resumes("adafactor_fixed",
                ps -> new Adafactor(ps, 1e-2, 1e-30, 1e-3, 1.0, -0.8, 0.9, 0.01, false, false, false), 1);
    }


    // ------------------------------------------------------------------ 4. Glow

    static final double LOG_2PI = Math.log(2 * Math.PI);

    /** rosinality/glow-pytorch's ActNorm: data-dependent init under no_grad on the first forward. */
    static final class ActNorm extends Container {
        ActNorm(int inChannel) {
            registerParameter("loc", Tensor.zeros(1, inChannel, 1, 1));
            registerParameter("scale", Tensor.ones(1, inChannel, 1, 1));
            registerBuffer("initialized", Tensor.tensor(0, DType.UINT8));
        }

        void initialize(Tensor input) {
            try (GradMode off = Ember.noGrad()) {
                Tensor flatten = input.permute(1, 0, 2, 3).contiguous().view(input.size(1), -1);
                Tensor mean = flatten.mean(1).unsqueeze(1).unsqueeze(2).unsqueeze(3).permute(1, 0, 2, 3);
                Tensor std = flatten.std(1).unsqueeze(1).unsqueeze(2).unsqueeze(3).permute(1, 0, 2, 3);
                parameter("loc").detach().copy_(mean.neg());
                parameter("scale").detach().copy_(std.add(1e-6).reciprocal().mul(1));
            }
        }

        Tensor[] run(Tensor input) {
            int height = input.size(2);
            int width = input.size(3);
            if (getBuffer("initialized").item() == 0) {
                initialize(input);
                getBuffer("initialized").fill_(1L);
            }
            Tensor logAbs = parameter("scale").abs().log();
            Tensor logdet = logAbs.sum().mul((long) height * width);
            return new Tensor[] {parameter("scale").mul(input.add(parameter("loc"))), logdet};
        }

        Tensor reverse(Tensor output) {
            return output.div(parameter("scale")).sub(parameter("loc"));
        }
    }

    /** InvConv2dLU: the weight from its LU factors, log-determinant from w_s. */
    static final class InvConv2dLU extends Container {
        InvConv2dLU(int c) {
            registerBuffer("w_p", Tensor.zeros(c, c));
            registerBuffer("u_mask", Tensor.zeros(c, c));
            registerBuffer("l_mask", Tensor.zeros(c, c));
            registerBuffer("s_sign", Tensor.zeros(c));
            registerBuffer("l_eye", Tensor.zeros(c, c));
            registerParameter("w_l", Tensor.zeros(c, c));
            registerParameter("w_s", Tensor.zeros(c));
            registerParameter("w_u", Tensor.zeros(c, c));
        }

        Tensor[] run(Tensor input) {
            Tensor weight = calcWeight();
            Tensor out = Functional.conv2d(input, weight, null);
            Tensor logdet = parameter("w_s").sum().mul((long) input.size(2) * input.size(3));
            return new Tensor[] {out, logdet};
        }

        Tensor calcWeight() {
            Tensor weight = getBuffer("w_p")
                    .matmul(parameter("w_l").mul(getBuffer("l_mask")).add(getBuffer("l_eye")))
                    .matmul(parameter("w_u").mul(getBuffer("u_mask"))
                            .add(getBuffer("s_sign").mul(parameter("w_s").exp()).diag()));
            return weight.unsqueeze(2).unsqueeze(3);
        }

        Tensor reverse(Tensor output) {
            Tensor weight = calcWeight();
            return Functional.conv2d(output, weight.squeeze().inverse().unsqueeze(2).unsqueeze(3), null);
        }
    }

    static final class ZeroConv2d extends Module {
        final Conv2d conv;

        ZeroConv2d(int inChannel, int outChannel) {
            conv = registerModule("conv", new Conv2d(inChannel, outChannel, 3, 1, 0));
            registerParameter("scale", Tensor.zeros(1, outChannel, 1, 1));
        }

        @Override
        public Tensor forward(Tensor input) {
            Tensor out = Functional.pad(input, new int[] {1, 1, 1, 1}, "constant", 1);
            out = conv.forward(out);
            return out.mul(parameter("scale").mul(3).exp());
        }
    }

    static final class AffineCoupling extends Container {
        final Sequential net;

        AffineCoupling(int inChannel, int filterSize) {
            net = registerModule("net", new Sequential(
                    new Conv2d(inChannel / 2, filterSize, 3, 1, 1),
                    new ReLU(true),
                    new Conv2d(filterSize, filterSize, 1),
                    new ReLU(true),
                    new ZeroConv2d(filterSize, inChannel)));
        }

        Tensor[] run(Tensor input) {
            List<Tensor> ab = input.chunk(2, 1);
            List<Tensor> st = net.forward(ab.get(0)).chunk(2, 1);
            Tensor s = Functional.sigmoid(st.get(0).add(2));
            Tensor outB = ab.get(1).add(st.get(1)).mul(s);
            Tensor logdet = s.log().view(input.size(0), -1).sum(1);
            return new Tensor[] {Tensor.cat(List.of(ab.get(0), outB), 1), logdet};
        }

        Tensor reverse(Tensor output) {
            List<Tensor> ab = output.chunk(2, 1);
            List<Tensor> st = net.forward(ab.get(0)).chunk(2, 1);
            Tensor s = Functional.sigmoid(st.get(0).add(2));
            Tensor inB = ab.get(1).div(s).sub(st.get(1));
            return Tensor.cat(List.of(ab.get(0), inB), 1);
        }
    }

    static final class Flow extends Container {
        final ActNorm actnorm;
        final InvConv2dLU invconv;
        final AffineCoupling coupling;

        Flow(int inChannel, int filterSize) {
            actnorm = registerModule("actnorm", new ActNorm(inChannel));
            invconv = registerModule("invconv", new InvConv2dLU(inChannel));
            coupling = registerModule("coupling", new AffineCoupling(inChannel, filterSize));
        }

        Tensor[] run(Tensor input) {
            Tensor[] a = actnorm.run(input);
            Tensor[] b = invconv.run(a[0]);
            Tensor[] c = coupling.run(b[0]);
            Tensor logdet = a[1].add(b[1]);
            logdet = logdet.add(c[1]);
            return new Tensor[] {c[0], logdet};
        }

        Tensor reverse(Tensor output) {
            Tensor input = coupling.reverse(output);
            input = invconv.reverse(input);
            return actnorm.reverse(input);
        }
    }

    static Tensor gaussianLogP(Tensor x, Tensor mean, Tensor logSd) {
        return logSd.rsub(-0.5 * LOG_2PI).sub(x.sub(mean).pow(2).mul(0.5).div(logSd.mul(2).exp()));
    }

    static Tensor gaussianSample(Tensor eps, Tensor mean, Tensor logSd) {
        return mean.add(logSd.exp().mul(eps));
    }

    static final class GlowBlock extends Container {
        final ModuleList<Flow> flows;
        final boolean split;
        final ZeroConv2d prior;

        GlowBlock(int inChannel, int nFlow, boolean split) {
            int squeezeDim = inChannel * 4;
            List<Flow> l = new ArrayList<>();
            for (int i = 0; i < nFlow; i++) {
                l.add(new Flow(squeezeDim, 16));
            }
            flows = registerModule("flows", new ModuleList<>(l));
            this.split = split;
            prior = registerModule("prior", split ? new ZeroConv2d(inChannel * 2, inChannel * 4)
                    : new ZeroConv2d(inChannel * 4, inChannel * 8));
        }

        /** out, logdet, log_p, z_new. */
        Tensor[] run(Tensor input) {
            int b = input.size(0);
            int c = input.size(1);
            int h = input.size(2);
            int w = input.size(3);
            Tensor squeezed = input.view(b, c, h / 2, 2, w / 2, 2).permute(0, 1, 3, 5, 2, 4);
            Tensor out = squeezed.contiguous().view(b, c * 4, h / 2, w / 2);
            Tensor logdet = null;
            for (Flow flow : flows) {
                Tensor[] r = flow.run(out);
                out = r[0];
                logdet = logdet == null ? r[1] : logdet.add(r[1]);
            }
            Tensor logP;
            Tensor zNew;
            if (split) {
                List<Tensor> oz = out.chunk(2, 1);
                out = oz.get(0);
                zNew = oz.get(1);
                List<Tensor> ms = prior.forward(out).chunk(2, 1);
                logP = gaussianLogP(zNew, ms.get(0), ms.get(1)).view(b, -1).sum(1);
            } else {
                Tensor zero = out.zerosLike();
                List<Tensor> ms = prior.forward(zero).chunk(2, 1);
                logP = gaussianLogP(out, ms.get(0), ms.get(1)).view(b, -1).sum(1);
                zNew = out;
            }
            return new Tensor[] {out, logdet, logP, zNew};
        }

        Tensor reverse(Tensor output, Tensor eps, boolean reconstruct) {
            Tensor input = output;
            if (reconstruct) {
                input = split ? Tensor.cat(List.of(output, eps), 1) : eps;
            } else if (split) {
                List<Tensor> ms = prior.forward(input).chunk(2, 1);
                Tensor z = gaussianSample(eps, ms.get(0), ms.get(1));
                input = Tensor.cat(List.of(output, z), 1);
            } else {
                List<Tensor> ms = prior.forward(input.zerosLike()).chunk(2, 1);
                input = gaussianSample(eps, ms.get(0), ms.get(1));
            }
            for (int i = flows.size() - 1; i >= 0; i--) {
                input = flows.get(i).reverse(input);
            }
            int b = input.size(0);
            int c = input.size(1);
            int h = input.size(2);
            int w = input.size(3);
            Tensor unsqueezed = input.view(b, c / 4, 2, 2, h, w).permute(0, 1, 4, 2, 5, 3);
            return unsqueezed.contiguous().view(b, c / 4, h * 2, w * 2);
        }
    }

    static final class Glow extends Container {
        final ModuleList<GlowBlock> blocks;

        Glow(int inChannel, int nFlow, int nBlock) {
            List<GlowBlock> l = new ArrayList<>();
            int nChannel = inChannel;
            for (int i = 0; i < nBlock - 1; i++) {
                l.add(new GlowBlock(nChannel, nFlow, true));
                nChannel *= 2;
            }
            l.add(new GlowBlock(nChannel, nFlow, false));
            blocks = registerModule("blocks", new ModuleList<>(l));
        }

        /** log_p_sum, logdet, then the z of each block. */
        List<Tensor> run(Tensor input) {
            Tensor logPSum = null;
            Tensor logdet = null;
            Tensor out = input;
            List<Tensor> zOuts = new ArrayList<>();
            for (GlowBlock block : blocks) {
                Tensor[] r = block.run(out);
                out = r[0];
                zOuts.add(r[3]);
                logdet = logdet == null ? r[1] : logdet.add(r[1]);
                logPSum = logPSum == null ? r[2] : logPSum.add(r[2]);
            }
            List<Tensor> res = new ArrayList<>(List.of(logPSum, logdet));
            res.addAll(zOuts);
            return res;
        }

        Tensor reverse(List<Tensor> zList, boolean reconstruct) {
            Tensor input = null;
            for (int i = 0; i < blocks.size(); i++) {
                GlowBlock block = blocks.get(blocks.size() - 1 - i);
                Tensor z = zList.get(zList.size() - 1 - i);
                input = block.reverse(i == 0 ? z : input, z, reconstruct);
            }
            return input;
        }
    }

    @Test
    void glowWithActNormDataInitLuInvertibleConvAffineCouplingAndReverse() {
        Glow glow = PT.loaded(new Glow(3, 2, 2), "glow.init.", F32);
        int nBits = 5;
        int imgSize = 8;
        double nBins = Math.pow(2.0, nBits);
        Adam opt = new Adam(glow.parameters(), 1e-3);
        Tensor images = e("glow.images");
        Tensor noise = e("glow.noise");
        List<Tensor> losses = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Tensor image = images.mul(255);
            image = image.div(Math.pow(2, 8 - nBits)).floor();
            image = image.div(nBins).sub(0.5);
            Tensor in = image.add(noise.index(Index.of(i)).div(nBins));
            if (i == 0) {
                try (GradMode off = Ember.noGrad()) {
                    glow.run(in);
                }
                assertState("glow.initialized.", glow, 1, "ActNorm's data-dependent init");
                continue;
            }
            List<Tensor> r = glow.run(in);
            Tensor logdet = r.get(1).mean();
            // calc_loss
            double nPixel = imgSize * imgSize * 3;
            Tensor loss = logdet.add(-Math.log(nBins) * nPixel).add(r.get(0));
            Tensor lossOut = loss.neg().div(Math.log(2) * nPixel).mean();
            Tensor logPOut = r.get(0).div(Math.log(2) * nPixel).mean();
            Tensor logdetOut = logdet.div(Math.log(2) * nPixel).mean();
            glow.zeroGrad();
            lossOut.backward();
            if (i == 1) {
                PT.assertNamed("glow.grad0.", glow, true, 1, "Glow's gradient");
            }
            opt.paramGroups().get(0).setLr(1e-3);
            opt.step();
            losses.add(Tensor.stack(List.of(lossOut, logPOut, logdetOut), 0).detach());
        }
        close(e("glow.losses"), Tensor.stack(losses, 0), "Glow's loss, log_p and log_det", 1);
        // Adam's first steps are near lr * sign(grad), so where a gradient is at rounding level (the zero-initialized
        // ZeroConv2d's, barely perturbed) a float32 rounding difference moves the weight by a part of lr: 10x
        assertState("glow.final.", glow, 10, "Glow after 3 Adam steps");
        try (GradMode off = Ember.noGrad()) {
            List<Tensor> r = glow.run(images.div(nBins).sub(0.5));
            List<Tensor> z = r.subList(2, 4);
            // from the trained weights, which carry the 10x above
            close(e("glow.z0"), z.get(0), "z of block 0", 10);
            close(e("glow.z1"), z.get(1), "z of block 1", 10);
            close(e("glow.reconstructed"), glow.reverse(z, true), "reverse(z, reconstruct=True)", 10);
            List<Tensor> scaled = new ArrayList<>();
            for (Tensor t : z) {
                scaled.add(t.mul(0.7));
            }
            close(e("glow.sampled"), glow.reverse(scaled, false), "reverse of scaled z through the priors", 10);
        }
    }

    /** print(optimizer) of the outside optimizers, with the options' Python types (an int default prints as one). */
    @Test
    void outsideOptimizersPrintAsPyTorchs() {
        Map<String, String> texts = ExpectedLines.barTexts("/outsiderprograms11/texts11.txt");
        assertEquals(texts.get("repr_lion"), new Lion(mlp().parameters(), 1e-2, 0.9, 0.99, 0.0, false).toString());
        assertEquals(texts.get("repr_lamb"), new Lamb(mlp().parameters(), 1e-3, 0.9, 0.999, 1e-6, 0, false).toString());
        assertEquals(texts.get("repr_adafactor"),
                new Adafactor(mlp().parameters(), null, 1e-30, 1e-3, 1.0, -0.8, null, 0.0, true, true, false).toString());
        assertEquals(texts.get("repr_adafactor_fixed"),
                new Adafactor(mlp().parameters(), 1e-2, 1e-30, 1e-3, 1.0, -0.8, 0.9, 0.01, false, false, false)
                        .toString());
    }


    /**
     * InvConv2dLU's init from its draw, by Ember's QR and LU (the reference's scipy la.qr and la.lu, the generator's
     * torch.linalg.qr and lu: P L U with partial pivoting): every buffer and parameter of each flow's 1x1 convolution.
     */
    @Test
    void glowInvConv2dLuInitByQrAndLu() {
        String[] flows = {"blocks.0.flows.0", "blocks.0.flows.1", "blocks.1.flows.0", "blocks.1.flows.1"};
        for (int i = 0; i < flows.length; i++) {
            String p = "glow.init." + flows[i] + ".invconv.";
            Tensor q = e("glow.invconv_draw." + i).linalgQr().Q();
            LuResult plu = q.toFloat().linalgLu();
            Tensor wS = plu.U().diag();
            Tensor wU = plu.U().triu(1);
            Tensor uMask = wU.onesLike().triu(1);
            Tensor lMask = uMask.t();
            exact(e(p + "w_p"), plu.P(), flows[i] + " w_p");
            exact(e(p + "u_mask"), uMask, flows[i] + " u_mask");
            exact(e(p + "l_mask"), lMask, flows[i] + " l_mask");
            exact(e(p + "s_sign"), wS.sign(), flows[i] + " s_sign");
            exact(e(p + "l_eye"), Tensor.eye(lMask.size(0), lMask.size(0), F32), flows[i] + " l_eye");
            close(e(p + "w_l"), plu.L(), flows[i] + " w_l", 1);
            close(e(p + "w_s"), wS.abs().log(), flows[i] + " w_s", 1);
            close(e(p + "w_u"), wU, flows[i] + " w_u", 1);
        }
    }

    // ------------------------------------------------------------------ 5. Performer and CapsNet

    /** performer-pytorch's gaussian_orthogonal_random_matrix from the generator's draws (its randn blocks). */
    static Tensor gaussianOrthogonalRandomMatrix(int nbRows, int nbColumns, Tensor blocks, Tensor multiplierDraw) {
        int nbFullBlocks = nbRows / nbColumns;
        List<Tensor> blockList = new ArrayList<>();
        for (int i = 0; i < nbFullBlocks; i++) {
            blockList.add(blocks.index(Index.of(i)).linalgQr("reduced").Q().t());
        }
        int remainingRows = nbRows - nbFullBlocks * nbColumns;
        if (remainingRows > 0) {
            Tensor q = blocks.index(Index.of(nbFullBlocks)).linalgQr("reduced").Q().t();
            blockList.add(q.index(Index.slice(null, remainingRows, null)));
        }
        Tensor finalMatrix = Tensor.cat(blockList, 0);
        Tensor multiplier = multiplierDraw.norm(2, new int[] {1}, false);
        return multiplier.diag().matmul(finalMatrix);
    }

    static Tensor softmaxKernel(Tensor data, Tensor projectionMatrix, boolean isQuery) {
        int b = data.size(0);
        int h = data.size(1);
        double eps = 1e-4;
        double dataNormalizer = Math.pow(data.size(-1), -0.25);
        double ratio = Math.pow(projectionMatrix.size(0), -0.5);
        Tensor projection = projectionMatrix.expand(b, h, projectionMatrix.size(0), projectionMatrix.size(1));
        projection = projection.typeAs(data);
        Tensor dataDash = Tensor.einsum("...id,...jd->...ij", data.mul(dataNormalizer), projection);
        Tensor diagData = data.pow(2);
        diagData = diagData.sum(-1);
        diagData = diagData.div(2.0).mul(dataNormalizer * dataNormalizer);
        diagData = diagData.unsqueeze(-1);
        Tensor max = isQuery ? dataDash.amax(new int[] {-1}, true).detach()
                : dataDash.amax(new int[] {-1, -2}, true).detach();
        dataDash = dataDash.sub(diagData).sub(max).exp().add(eps).mul(ratio);
        return dataDash.typeAs(data);
    }

    static Tensor generalizedKernel(Tensor data, Tensor projectionMatrix) {
        int b = data.size(0);
        int h = data.size(1);
        double dataNormalizer = Math.pow(data.size(-1), -0.25);
        Tensor projection = projectionMatrix.expand(b, h, projectionMatrix.size(0), projectionMatrix.size(1))
                .typeAs(data);
        Tensor dataDash = Tensor.einsum("...id,...jd->...ij", data.mul(dataNormalizer), projection);
        return Functional.relu(dataDash).add(0.001).typeAs(data);
    }

    static Tensor linearAttention(Tensor q, Tensor k, Tensor v) {
        Tensor kCumsum = k.sum(-2);
        Tensor dInv = Tensor.einsum("...nd,...d->...n", q, kCumsum.typeAs(q)).reciprocal().mul(1.);
        Tensor context = Tensor.einsum("...nd,...ne->...de", k, v);
        return Tensor.einsum("...de,...nd,...n->...ne", context, q, dInv);
    }

    static Tensor causalLinearAttentionNoncuda(Tensor q, Tensor k, Tensor v, int chunkSize, double eps) {
        Tensor lastKCumsum = null;
        Tensor lastCtxCumsum = null;
        List<Tensor> outs = new ArrayList<>();
        List<Tensor> qs = q.chunk(chunkSize, -2);
        List<Tensor> ks = k.chunk(chunkSize, -2);
        List<Tensor> vs = v.chunk(chunkSize, -2);
        for (int i = 0; i < qs.size(); i++) {
            Tensor kc = ks.get(i).cumsum(-2);
            Tensor kCumsum = lastKCumsum == null ? kc : kc.add(lastKCumsum);
            Tensor dInv = Tensor.einsum("...nd,...nd->...n", qs.get(i), kCumsum.typeAs(qs.get(i)).add(eps))
                    .reciprocal().mul(1.);
            Tensor context = Tensor.einsum("...nd,...ne->...nde", ks.get(i), vs.get(i));
            Tensor cc = context.cumsum(-3);
            Tensor contextCumsum = lastCtxCumsum == null ? cc : cc.add(lastCtxCumsum);
            Tensor out = Tensor.einsum("...nde,...nd,...n->...ne", contextCumsum, qs.get(i), dInv);
            lastKCumsum = kCumsum.index(Index.all(), Index.all(), Index.slice(-1, null, null));
            lastCtxCumsum = contextCumsum.index(Index.all(), Index.all(), Index.slice(-1, null, null));
            outs.add(out);
        }
        return Tensor.cat(outs, -2);
    }

    static final class FastAttention extends Container {
        final boolean causal;
        final boolean generalized;

        FastAttention(int dimHeads, boolean causal, boolean generalized, Tensor blocks, Tensor multiplierDraw) {
            int nbFeatures = (int) (dimHeads * Math.log(dimHeads));
            registerBuffer("projection_matrix",
                    gaussianOrthogonalRandomMatrix(nbFeatures, dimHeads, blocks, multiplierDraw));
            this.causal = causal;
            this.generalized = generalized;
        }

        Tensor attend(Tensor q, Tensor k, Tensor v) {
            Tensor pm = getBuffer("projection_matrix");
            if (generalized) {
                q = generalizedKernel(q, pm);
                k = generalizedKernel(k, pm);
            } else {
                q = softmaxKernel(q, pm, true);
                k = softmaxKernel(k, pm, false);
            }
            return causal ? causalLinearAttentionNoncuda(q, k, v, 4, 1e-6) : linearAttention(q, k, v);
        }
    }

    static final class PerformerSelfAttention extends Module {
        final FastAttention fastAttention;
        final int heads = 2;
        final Linear toQ;
        final Linear toK;
        final Linear toV;
        final Linear toOut;

        PerformerSelfAttention(int dim, boolean causal, boolean generalized, Tensor blocks, Tensor multiplierDraw) {
            int innerDim = 4 * heads;
            fastAttention = registerModule("fast_attention",
                    new FastAttention(4, causal, generalized, blocks, multiplierDraw));
            toQ = registerModule("to_q", new Linear(dim, innerDim, false));
            toK = registerModule("to_k", new Linear(dim, innerDim, false));
            toV = registerModule("to_v", new Linear(dim, innerDim, false));
            toOut = registerModule("to_out", new Linear(innerDim, dim));
        }

        @Override
        public Tensor forward(Tensor x) {
            int b = x.size(0);
            int n = x.size(1);
            Function<Tensor, Tensor> split = t -> t.view(b, n, heads, -1).transpose(1, 2);
            Tensor out = fastAttention.attend(split.apply(toQ.forward(x)), split.apply(toK.forward(x)),
                    split.apply(toV.forward(x)));
            out = out.transpose(1, 2).reshape(b, n, -1);
            return toOut.forward(out);
        }
    }

    private static void performer(String name, boolean causal, boolean generalized) {
        String p = "perf." + name + ".";
        Tensor blocks = e(p + "blocks");
        Tensor init = e(p + "init.fast_attention.projection_matrix");
        // the multiplier's draw is not saved: it is the norm of each row of diag(m) @ final, final's rows orthonormal
        Tensor multiplierDraw = init.norm(2, new int[] {1}, true);
        PerformerSelfAttention attn = new PerformerSelfAttention(8, causal, generalized, blocks, multiplierDraw);
        // the projection built here from PyTorch's randn blocks by Ember's QR: PyTorch's, to rounding
        close(init, attn.fastAttention.getBuffer("projection_matrix"), name + " projection matrix", 1);
        PT.loaded(attn, p + "init.", F64);
        Adam opt = new Adam(attn.parameters(), 1e-2);
        Tensor x = e("perf.x");
        Tensor t = e("perf.t");
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < 2; step++) {
            opt.zeroGrad();
            Tensor y = attn.forward(x);
            Tensor loss = Functional.mseLoss(y, t);
            loss.backward();
            if (step == 0) {
                close(e(p + "out0"), y, name + " output", 1);
                PT.assertNamed(p + "grad0.", attn, true, 1, name + " gradient");
            }
            opt.step();
            losses.add(loss.item());
        }
        close(e(p + "loss"), values(losses, F64), name + " losses", 1);
        PT.assertNamed(p + "final.", attn, false, 1, name + " after 2 Adam steps");
    }

    @Test
    void performerFavorPlusSoftmaxAndGeneralizedKernelsCausalByChunkedCumsum() {
        performer("plain", false, false);
        performer("causal", true, false);
        performer("generalized", true, true);
    }

    /** gram-ai/capsule-networks' softmax over a dimension by transpose, view and F.softmax. */
    static Tensor capsSoftmax(Tensor input, int dim) {
        int last = input.dim() - 1;
        Tensor transposedInput = input.transpose(dim, last);
        Tensor softmaxedOutput = Functional.softmax(transposedInput.contiguous().view(-1, transposedInput.size(-1)),
                -1);
        return softmaxedOutput.view(transposedInput.shape()).transpose(dim, last);
    }

    static final class CapsuleLayer extends Module {
        final int numRouteNodes;
        final int numIterations = 3;
        final ModuleList<Conv2d> capsules;

        CapsuleLayer(int numCapsules, int numRouteNodes, int inChannels, int outChannels, int kernelSize, int stride) {
            this.numRouteNodes = numRouteNodes;
            if (numRouteNodes != -1) {
                registerParameter("route_weights", Tensor.randn(numCapsules, numRouteNodes, inChannels, outChannels));
                capsules = null;
            } else {
                List<Conv2d> l = new ArrayList<>();
                for (int i = 0; i < numCapsules; i++) {
                    l.add(new Conv2d(inChannels, outChannels, kernelSize, stride, 0));
                }
                capsules = registerModule("capsules", new ModuleList<>(l));
            }
        }

        static Tensor squash(Tensor tensor) {
            Tensor squaredNorm = tensor.pow(2).sum(new int[] {-1}, true);
            Tensor scale = squaredNorm.div(squaredNorm.add(1));
            return scale.mul(tensor).div(squaredNorm.sqrt());
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor outputs = null;
            if (numRouteNodes != -1) {
                Tensor priors = x.index(Index.newAxis(), Index.all(), Index.all(), Index.newAxis(), Index.all())
                        .matmul(parameter("route_weights").index(Index.all(), Index.newAxis(), Index.all(),
                                Index.all(), Index.all()));
                Tensor logits = Tensor.zeros(priors.shape());
                for (int i = 0; i < numIterations; i++) {
                    Tensor probs = capsSoftmax(logits, 2);
                    outputs = squash(probs.mul(priors).sum(new int[] {2}, true));
                    if (i != numIterations - 1) {
                        Tensor deltaLogits = priors.mul(outputs).sum(new int[] {-1}, true);
                        logits = logits.add(deltaLogits);
                    }
                }
            } else {
                List<Tensor> outs = new ArrayList<>();
                for (Conv2d capsule : capsules) {
                    outs.add(capsule.forward(x).view(x.size(0), -1, 1));
                }
                outputs = squash(Tensor.cat(outs, -1));
            }
            return outputs;
        }
    }

    static final class CapsuleNet extends Container {
        final Conv2d conv1;
        final CapsuleLayer primaryCapsules;
        final CapsuleLayer digitCapsules;
        final Sequential decoder;

        CapsuleNet() {
            conv1 = registerModule("conv1", new Conv2d(1, 16, 5, 1, 0));
            primaryCapsules = registerModule("primary_capsules", new CapsuleLayer(4, -1, 16, 4, 3, 2));
            digitCapsules = registerModule("digit_capsules", new CapsuleLayer(3, 4 * 3 * 3, 4, 6, 0, 0));
            decoder = registerModule("decoder", new Sequential(new Linear(6 * 3, 16), new ReLU(true),
                    new Linear(16, 32), new ReLU(true), new Linear(32, 144), new dev.ember.nn.Sigmoid()));
        }

        Tensor[] run(Tensor x, Tensor y) {
            x = Functional.relu(conv1.forward(x), true);
            x = primaryCapsules.forward(x);
            x = digitCapsules.forward(x).squeeze().transpose(0, 1);
            Tensor classes = x.pow(2).sum(-1).pow(0.5);
            classes = Functional.softmax(classes, -1);
            if (y == null) {
                Tensor maxLengthIndices = classes.max(1).indices();
                y = Tensor.eye(3).indexSelect(0, maxLengthIndices.detach());
            }
            Tensor reconstructions = decoder.forward(x.mul(y.index(Index.all(), Index.all(), Index.newAxis()))
                    .reshape(x.size(0), -1));
            return new Tensor[] {classes, reconstructions};
        }
    }

    static Tensor capsuleLoss(Tensor images, Tensor labels, Tensor classes, Tensor reconstructions) {
        Tensor left = Functional.relu(classes.rsub(0.9), true).pow(2);
        Tensor right = Functional.relu(classes.sub(0.1), true).pow(2);
        Tensor marginLoss = labels.mul(left).add(labels.rsub(1.).mul(0.5).mul(right));
        marginLoss = marginLoss.sum();
        images = images.view(reconstructions.size(0), -1);
        Tensor reconstructionLoss = Functional.mseLoss(reconstructions, images, "sum");
        return marginLoss.add(reconstructionLoss.mul(0.0005)).div(images.size(0));
    }

    @Test
    void capsNetDynamicRoutingMarginLossAndMaskedReconstruction() {
        CapsuleNet caps = PT.loaded(new CapsuleNet(), "caps.init.", F64);
        Tensor x = e("caps.x");
        Tensor yIdx = e("caps.y");
        Adam opt = new Adam(caps.parameters(), 1e-3);
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < 2; step++) {
            Tensor labels = Tensor.eye(3).indexSelect(0, yIdx);
            Tensor[] r = caps.run(x, labels);
            Tensor loss = capsuleLoss(x, labels, r[0], r[1]);
            opt.zeroGrad();
            loss.backward();
            if (step == 0) {
                close(e("caps.classes0"), r[0], "capsule lengths' softmax", 1);
                PT.assertNamed("caps.grad0.", caps, true, 1, "CapsNet's gradient");
            }
            opt.step();
            losses.add(loss.item());
        }
        close(e("caps.loss"), values(losses, F64), "CapsNet's losses", 1);
        PT.assertNamed("caps.final.", caps, false, 1, "CapsNet after 2 Adam steps");
        try (GradMode off = Ember.noGrad()) {
            Tensor[] r = caps.run(x, null);
            close(e("caps.eval_classes"), r[0], "classes without labels", 1);
            close(e("caps.eval_recon"), r[1], "reconstructions masked by the most active capsule", 1);
        }
        // the reference's .view of the masked product: PyTorch's product keeps the transposed layout and view refuses
        Map<String, String> texts = ExpectedLines.barTexts("/outsiderprograms11/texts11.txt");
        Tensor cx = Tensor.randn(3, 2, 6).transpose(0, 1);
        Tensor cprod = cx.mul(Tensor.eye(3).indexSelect(0, Tensor.tensor(new long[] {2, 0}))
                .index(Index.all(), Index.all(), Index.newAxis()));
        assertEquals(texts.get("caps_product_stride"), java.util.Arrays.toString(cprod.stride())
                .replace('[', '(').replace(']', ')'), "the product's strides");
        IllegalArgumentException ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> cprod.view(2, -1));
        assertEquals(texts.get("caps_view_error"), ex.getMessage());
    }

    // ------------------------------------------------------------------ 6. names and printouts

    @Test
    void gradFnNamesAndPrintoutsOfTheProgramsOpsAndModules() {
        Map<String, String> texts = ExpectedLines.barTexts("/outsiderprograms11/texts11.txt");
        Map<String, String> names = new LinkedHashMap<>(texts);
        names.keySet().removeIf(k -> k.startsWith("repr_") || k.startsWith("caps_"));
        // PyTorch 1.13 repeats by index_select (IndexSelectBackward0); 2.x's repeat_interleave_symint with an int
        // unsqueezes, expands, clones and flattens, so its node is ViewBackward0, which Ember follows (ShapeOps)
        assertEquals("IndexSelectBackward0", names.put("repeat_interleave", "ViewBackward0"));
        Map<String, Tensor> got = new LinkedHashMap<>();
        Tensor gw = Tensor.randn(2, 3, 4).requiresGrad_(true);
        got.put("straight_through", gw.add(gw.mul(2).sub(gw).detach()));
        got.put("permute_contiguous", gw.permute(0, 2, 1).contiguous());
        got.put("softplus", Functional.softplus(gw));
        got.put("silu", Functional.silu(gw));
        got.put("view_as_complex", gw.unflatten(-1, -1, 2).viewAsComplex());
        got.put("unflatten", gw.unflatten(-1, -1, 2));
        got.put("real", gw.unflatten(-1, -1, 2).viewAsComplex().real());
        got.put("repeat_interleave", gw.repeatInterleave(2, 1));
        got.put("chunk", gw.chunk(2, 1).get(0));
        got.put("split_sizes", gw.split(new int[] {1, 3}, -1).get(1));
        got.put("roll", gw.roll(new int[] {-1}, new int[] {-1}));
        got.put("stack", Tensor.stack(List.of(at(gw, 0), at(gw, 1)), 2));
        got.put("slice_last", gw.index(Index.ellipsis(), Index.slice(null, 3, null)));
        got.put("to_float32", gw.to(F32));
        got.put("clamp_both", gw.pow(2).sum().sqrt().clamp(0, 10));
        got.put("sign", gw.sign());
        got.put("mse", Functional.mseLoss(gw, gw.detach().add(1)));
        assertEquals(names.keySet(), got.keySet());
        got.forEach((k, t) -> assertEquals(names.get(k), t.gradFn().name(), k));
        // PyTorch 2.x's ModuleList.__repr__ folds repeated identical children ("(0-1): 2 x Residual("); 1.13 lists each
        String stack113 = texts.get("repr_residual_stack");
        String stack2x = stack113.substring(0, stack113.indexOf("    (1): Residual("))
                .replace("    (0): Residual(", "    (0-1): 2 x Residual(") + "  )\n)";
        assertEquals(stack2x, new ResidualStack(8, 8, 2, 4).toString());
        assertEquals(texts.get("repr_conv1d"), new Mamba(4, 4, 3, 2).conv1d.toString());
        assertEquals(texts.get("repr_conv_trans"), new ConvTranspose2d(8, 4, 4, 2, 1).toString());
    }
}
