package dev.ember;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv1d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Functional;
import dev.ember.nn.GELU;
import dev.ember.nn.Hardsigmoid;
import dev.ember.nn.Hardswish;
import dev.ember.nn.InstanceNorm2d;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.PixelShuffle;
import dev.ember.nn.ReLU;
import dev.ember.nn.ReLU6;
import dev.ember.nn.Sequential;
import dev.ember.nn.SiLU;
import dev.ember.nn.Sigmoid;
import dev.ember.nn.Upsample;
import dev.ember.nn.utils.Checkpoint;
import dev.ember.nn.utils.Parametrizations;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import dev.ember.optim.AveragedModel;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntFunction;

import static dev.ember.OutsiderFixture.assertCloseAny;
import static dev.ember.OutsiderFixture.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 31's outsider pass, round 6: vision, geometry and generative programs, written as their papers' reference code
 * writes them and ported line by line, run from PyTorch's initial weights and fixed data and held to PyTorch's outputs,
 * losses, gradients of every named parameter after the first backward and parameters after the last step
 * ({@code resources/outsiderprograms6/make_expected.py} wrote {@code programs6.pt} with PyTorch 1.13). Float64 under a
 * float64 default type, as the generator runs, except the ConvNeXt program, which runs in float32 as users run it.
 * Tolerances are {@link LossesMoreTest#assertClose}'s (float64: 1e-12 relative to the largest magnitude of the tensor
 * compared; float32: 4e-6), times a factor stated where optimizer steps compound rounding.
 * <ol>
 * <li>A Swin Transformer block pair: window partition/reverse by view and permute, the cyclic shift by roll, the
 * shifted-window mask built by slice assignments and masked_fill, a relative position bias indexed by a non-persistent
 * buffer, DropPath, AdamW with two decay groups.</li>
 * <li>A ConvNeXt block (float32): depthwise 7x7 conv, channels-last LayerNorm by permute, layer scale, an EMA by
 * lerp_ under no_grad and by AveragedModel.</li>
 * <li>MBConv/MobileNetV3 pieces: BatchNorm2d with momentum 0.01 and eps 1e-3, squeeze-excitation, Hardswish,
 * Hardsigmoid, ReLU6, mixup and cutmix, label smoothing, SGD with Nesterov momentum; running statistics and eval.</li>
 * <li>Detection utilities: IoU/GIoU/DIoU, greedy NMS, focal loss, smooth L1, anchors by meshgrid, box decoding,
 * top-k proposals, RoIAlign by grid_sample.</li>
 * <li>Geometry: PointNet with a T-net, chamfer distance, k-NN, NeRF's encoding, volume rendering and hierarchical
 * sampling by searchsorted, flow warping by grid_sample and correlation volumes.</li>
 * <li>Super-resolution and generative: ESPCN with PixelShuffle, PixelUnshuffle, a WGAN-GP critic step through spectral
 * norm with a double backward, AdaIN, InstanceNorm2d, upsampling and checkpoint.</li>
 * </ol>
 */
class OutsiderPrograms6Test {
    private static final OutsiderFixture PT = new OutsiderFixture("outsiderprograms6", "programs6.pt");
    private static final DType F64 = DType.FLOAT64;
    private static final DType F32 = DType.FLOAT32;
    private DType savedDefault;

    @BeforeEach
    void float64Default() {
        savedDefault = Ember.getDefaultDtype();
        Ember.setDefaultDtype(F64);
    }

    @AfterEach
    void restoreDefault() {
        Ember.setDefaultDtype(savedDefault);
    }

    private static Tensor e(String name) {
        return PT.e(name);
    }

    private static void close(String name, Tensor actual, double loose) {
        assertCloseAny(e(name), actual.detach(), name, loose);
    }

    private static Index all() {
        return Index.all();
    }

    private static Index sl(Integer start, Integer end) {
        return Index.slice(start, end, null);
    }

    /**
     * {@code steps} optimizer steps, as the generator's {@code train}: the first output to {@code prefix + "y0"} (when
     * {@code firstOutput}), the gradients after the first backward to those under {@code prefix + "grad0."} times
     * {@code gradLoose}, the losses to {@code prefix + "loss"} and the parameters after the last step to those under
     * {@code prefix + "final."} times {@code finalLoose}; {@code each} runs after each step.
     */
    private static void train(String prefix, Module model, Optimizer opt, int steps, IntFunction<Tensor[]> forward,
                              boolean firstOutput, Consumer<Integer> each, double gradLoose, double finalLoose) {
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < steps; step++) {
            opt.zeroGrad();
            Tensor[] yl = forward.apply(step);
            yl[1].backward();
            if (step == 0) {
                if (firstOutput) {
                    close(prefix + "y0", yl[0], gradLoose);
                }
                PT.assertNamed(prefix + "grad0.", model, true, gradLoose, prefix + " gradient");
            }
            opt.step();
            if (each != null) {
                each.accept(step);
            }
            losses.add(yl[1].item());
        }
        DType lossType = e(prefix + "loss").dtype();
        assertCloseAny(e(prefix + "loss"), values(losses, lossType), prefix + " losses", 10);
        PT.assertNamed(prefix + "final.", model, false, finalLoose, prefix + " parameters after " + steps + " steps");
    }

    // ------------------------------------------------------------------ 1. Swin

    static Tensor windowPartition(Tensor x, int ws) {
        int b = x.size(0);
        int h = x.size(1);
        int w = x.size(2);
        int c = x.size(3);
        return x.view(b, h / ws, ws, w / ws, ws, c).permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, ws, ws, c);
    }

    static Tensor windowReverse(Tensor windows, int ws, int h, int w) {
        int b = (int) (windows.size(0) / ((double) h * w / ws / ws));
        return windows.view(b, h / ws, w / ws, ws, ws, -1).permute(0, 1, 3, 2, 4, 5).contiguous().view(b, h, w, -1);
    }

    /** timm's DropPath; the 0/1 draws come from {@code masks} (PyTorch's, saved), scaled by div_ as timm does. */
    static final class DropPath extends Module {
        final double dropProb;
        final Deque<Tensor> masks;

        DropPath(double p, Deque<Tensor> masks) {
            this.dropProb = p;
            this.masks = masks;
        }

        @Override
        public Tensor forward(Tensor x) {
            if (dropProb == 0 || !isTraining()) {
                return x;
            }
            double keepProb = 1 - dropProb;
            int[] shape = new int[x.dim()];
            java.util.Arrays.fill(shape, 1);
            shape[0] = x.size(0);
            Tensor randomTensor = masks.removeFirst().view(shape).clone();
            randomTensor.div_(keepProb);
            return x.mul(randomTensor);
        }
    }

    static final class WindowAttention extends Module {
        final int ws;
        final int heads;
        final double scale;
        final Tensor relativePositionIndex;
        final Linear qkv;
        final Linear proj;

        WindowAttention(int dim, int ws, int heads) {
            this.ws = ws;
            this.heads = heads;
            this.scale = Math.pow(dim / heads, -0.5);
            registerParameter("relative_position_bias_table", Tensor.zeros((2 * ws - 1) * (2 * ws - 1), heads));
            Tensor coords = Tensor.stack(Tensor.meshgrid(List.of(Tensor.arange(ws), Tensor.arange(ws)), "ij"), 0);
            Tensor flat = coords.flatten(1);
            Tensor rel = flat.index(all(), all(), Index.newAxis()).sub(flat.index(all(), Index.newAxis(), all()));
            rel = rel.permute(1, 2, 0).contiguous();
            rel.index(all(), all(), Index.of(0)).add_(ws - 1);
            rel.index(all(), all(), Index.of(1)).add_(ws - 1);
            rel.index(all(), all(), Index.of(0)).mul_(2 * ws - 1);
            relativePositionIndex = registerBuffer("relative_position_index", rel.sum(-1), false);
            qkv = registerModule("qkv", new Linear(dim, dim * 3));
            proj = registerModule("proj", new Linear(dim, dim));
        }

        Tensor attend(Tensor x, Tensor mask) {
            int b = x.size(0);
            int n = x.size(1);
            int c = x.size(2);
            Tensor qkvT = qkv.apply(x).reshape(b, n, 3, heads, c / heads).permute(2, 0, 3, 1, 4);
            Tensor q = qkvT.select(0, 0).mul(scale);
            Tensor k = qkvT.select(0, 1);
            Tensor v = qkvT.select(0, 2);
            Tensor attn = q.matmul(k.transpose(-2, -1));
            Tensor bias = parameter("relative_position_bias_table").index(Index.of(relativePositionIndex.view(-1)))
                    .view(ws * ws, ws * ws, -1).permute(2, 0, 1).contiguous();
            attn = attn.add(bias.unsqueeze(0));
            if (mask != null) {
                int nW = mask.size(0);
                attn = attn.view(b / nW, nW, heads, n, n).add(mask.unsqueeze(1).unsqueeze(0)).view(-1, heads, n, n);
            }
            attn = attn.softmax(-1);
            return proj.apply(attn.matmul(v).transpose(1, 2).reshape(b, n, c));
        }

        @Override
        public Tensor forward(Tensor x) {
            return attend(x, null);
        }
    }

    static final class SwinBlock extends Module {
        final int res;
        final int ws;
        final int shift;
        final LayerNorm norm1;
        final WindowAttention attn;
        final DropPath dropPath;
        final LayerNorm norm2;
        final Sequential mlp;
        final Tensor attnMask;

        SwinBlock(int dim, int res, int heads, int ws, int shift, double dropPathP, Deque<Tensor> masks) {
            this.res = res;
            this.ws = ws;
            this.shift = shift;
            norm1 = registerModule("norm1", new LayerNorm(dim));
            attn = registerModule("attn", new WindowAttention(dim, ws, heads));
            dropPath = registerModule("drop_path", new DropPath(dropPathP, masks));
            norm2 = registerModule("norm2", new LayerNorm(dim));
            mlp = registerModule("mlp", new Sequential(new Linear(dim, 4 * dim), new GELU(), new Linear(4 * dim, dim)));
            Tensor imgMask = Tensor.zeros(1, res, res, 1);
            Index[] slices = {sl(0, -ws), sl(-ws, -shift), sl(-shift, null)};
            int cnt = 0;
            for (Index h : slices) {
                for (Index w : slices) {
                    imgMask.indexPut_(new Index[] {all(), h, w, all()}, cnt, false);
                    cnt++;
                }
            }
            Tensor mw = windowPartition(imgMask, ws).view(-1, ws * ws);
            Tensor m = mw.unsqueeze(1).sub(mw.unsqueeze(2));
            m = m.maskedFill(m.ne(0), -100.0).maskedFill(m.eq(0), 0.0);
            attnMask = registerBuffer("attn_mask", m, false);
        }

        @Override
        public Tensor forward(Tensor x) {
            int b = x.size(0);
            int c = x.size(2);
            Tensor shortcut = x;
            x = norm1.apply(x).view(b, res, res, c);
            Tensor shifted = x.roll(new int[] {-shift, -shift}, new int[] {1, 2});
            Tensor xw = windowPartition(shifted, ws).view(-1, ws * ws, c);
            Tensor aw = attn.attend(xw, attnMask).view(-1, ws, ws, c);
            shifted = windowReverse(aw, ws, res, res);
            x = shifted.roll(new int[] {shift, shift}, new int[] {1, 2}).view(b, res * res, c);
            x = shortcut.add(dropPath.apply(x));
            return x.add(dropPath.apply(mlp.apply(norm2.apply(x))));
        }
    }

    @Test
    void swinBlocksWithShiftedWindowsRelativeBiasDropPathAndDecayGroups() {
        Deque<Tensor> masks = new ArrayDeque<>(e("swin.dp_masks").unbind(0));
        Sequential swin = PT.loaded(new Sequential(new SwinBlock(8, 8, 2, 4, 0, 0.25, masks),
                new SwinBlock(8, 8, 2, 4, 2, 0.25, masks)), "swin.init.");
        SwinBlock shifted = (SwinBlock) swin.get(1);
        assertTrue(shifted.attnMask.equal(e("swin.attn_mask")), "the shifted-window mask");
        assertTrue(shifted.attn.relativePositionIndex.equal(e("swin.rel_index")), "the relative position index");
        assertTrue(!swin.stateDict().containsKey("1.attn.relative_position_index")
                && !swin.stateDict().containsKey("1.attn_mask"), "non-persistent buffers stay out of the state dict");
        List<Tensor> decay = new ArrayList<>();
        List<Tensor> noDecay = new ArrayList<>();
        swin.namedParameters().forEach((n, p) ->
                (p.dim() == 1 || n.contains("relative_position_bias_table") ? noDecay : decay).add(p));
        AdamW opt = new AdamW(decay, 3e-3, 0.9, 0.999, 1e-8, 0.05, false);
        opt.addParamGroup(noDecay, Map.of("weight_decay", 0.0));
        Tensor x = e("swin.x");
        Tensor t = e("swin.t");
        swin.train();
        train("swin.", swin, opt, 3, s -> {
            Tensor y = swin.apply(x);
            return new Tensor[] {y, Functional.mseLoss(y, t)};
        }, true, null, 1, 20);
        assertTrue(masks.isEmpty(), "every DropPath draw used");
        swin.eval();
        try (GradMode off = Ember.noGrad()) {
            close("swin.eval_y", swin.apply(x), 20);
        }
    }

    /** timm's draw itself: new_empty(shape).bernoulli_(keep_prob).div_(keep_prob) gives 0 or 1/keep_prob per sample. */
    @Test
    void dropPathDrawsZeroOrOneOverKeepProbPerSample() {
        Tensor x = Tensor.ones(400, 2, 3);
        Tensor r = x.newEmpty(400, 1, 1).bernoulli_(0.75);
        r.div_(0.75);
        Tensor y = x.mul(r);
        for (double v : r.toDoubleArray()) {
            assertTrue(v == 0 || v == 1 / 0.75, "a DropPath factor " + v);
        }
        double kept = r.ne(0).sum().item() / 400;
        assertTrue(Math.abs(kept - 0.75) < 0.1, "keep fraction " + kept);
        assertTrue(y.amax(new int[] {1, 2}, false).equal(y.amin(new int[] {1, 2}, false)), "one factor per sample");
    }

    // ------------------------------------------------------------------ 2. ConvNeXt (float32)

    static final class CnxBlock extends Module {
        final Conv2d dwconv;
        final LayerNorm norm;
        final Linear pwconv1;
        final GELU act;
        final Linear pwconv2;

        CnxBlock(int dim, double ls) {
            dwconv = registerModule("dwconv", new Conv2d(dim, dim, new int[] {7, 7}, new int[] {1, 1}, new int[] {3, 3},
                    new int[] {1, 1}, dim, true));
            norm = registerModule("norm", new LayerNorm(new int[] {dim}, 1e-6, true, true));
            pwconv1 = registerModule("pwconv1", new Linear(dim, 4 * dim));
            act = registerModule("act", new GELU());
            pwconv2 = registerModule("pwconv2", new Linear(4 * dim, dim));
            registerParameter("gamma", Tensor.ones(dim).mul(ls));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor in = x;
            x = dwconv.apply(x).permute(0, 2, 3, 1);
            x = pwconv2.apply(act.apply(pwconv1.apply(norm.apply(x))));
            x = parameter("gamma").mul(x).permute(0, 3, 1, 2);
            return in.add(x);
        }
    }

    static final class Cnx extends Module {
        final Conv2d stem = registerModule("stem", new Conv2d(3, 8, 2, 2, 0));
        final CnxBlock block = registerModule("block", new CnxBlock(8, 0.1));
        final LayerNorm norm = registerModule("norm", new LayerNorm(new int[] {8}, 1e-6, true, true));
        final Linear head = registerModule("head", new Linear(8, 5));

        @Override
        public Tensor forward(Tensor x) {
            x = block.apply(stem.apply(x));
            return head.apply(norm.apply(x.mean(new int[] {-2, -1}, false)));
        }
    }

    @Test
    void convNextBlockInFloat32WithAdamWAndTwoEmas() {
        Ember.setDefaultDtype(F32);
        Cnx cnx = PT.loaded(new Cnx(), "cnx.init.", F32);
        Tensor x = e("cnx.x");
        Tensor y = e("cnx.y");
        List<Tensor> ema = new ArrayList<>();
        for (Tensor p : cnx.parameters()) {
            ema.add(p.detach().clone());
        }
        AveragedModel avg = new AveragedModel(cnx, Cnx::new, null,
                (a, p, n) -> a.mul(0.9).add(p.mul(0.1)), null, false);
        List<Tensor> params = cnx.parameters();
        // float32: four optimizer steps' rounding in the parameters and in the EMA
        train("cnx.", cnx, new AdamW(params, 4e-3, 0.9, 0.999, 1e-8, 0.05, false), 3, s -> {
            Tensor out = cnx.apply(x);
            return new Tensor[] {out, Functional.crossEntropy(out, y)};
        }, true, s -> {
            try (GradMode off = Ember.noGrad()) {
                for (int i = 0; i < ema.size(); i++) {
                    ema.get(i).lerp_(params.get(i), 1 - 0.9);
                }
            }
            avg.updateParameters(cnx);
        }, 4, 10);
        int i = 0;
        for (String name : cnx.namedParameters().keySet()) {
            close("cnx.ema." + name, ema.get(i++), 10);
        }
        PT.assertNamed("cnx.avg.", avg.module(), false, 10, "AveragedModel's EMA");
        assertEquals(e("cnx.n_averaged").item(), (double) avg.nAveraged(), "n_averaged");
    }

    // ------------------------------------------------------------------ 3. EfficientNet / MobileNet pieces

    static final class SE extends Module {
        final Conv2d fc1;
        final Conv2d fc2;
        final Module act;
        final Module gate;

        SE(int c, int r, boolean hard) {
            fc1 = registerModule("fc1", new Conv2d(c, r, 1));
            fc2 = registerModule("fc2", new Conv2d(r, c, 1));
            act = registerModule("act", hard ? new ReLU() : new SiLU());
            gate = registerModule("gate", hard ? new Hardsigmoid() : new Sigmoid());
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor s = Functional.adaptiveAvgPool2d(x, 1);
            return x.mul(gate.apply(fc2.apply(act.apply(fc1.apply(s)))));
        }
    }

    static final class MBConv extends Module {
        final Sequential expand;
        final Sequential dw;
        final SE se;
        final Sequential project;

        MBConv(int c, int e, boolean hard) {
            int ce = c * e;
            expand = registerModule("expand", new Sequential(new Conv2d(c, ce, 1, 1, 0, false),
                    new BatchNorm2d(ce, 1e-3, 0.01), hard ? new Hardswish() : new SiLU()));
            dw = registerModule("dw", new Sequential(new Conv2d(ce, ce, new int[] {3, 3}, new int[] {1, 1},
                    new int[] {1, 1}, new int[] {1, 1}, ce, false), new BatchNorm2d(ce, 1e-3, 0.01),
                    hard ? new Hardswish() : new SiLU()));
            se = registerModule("se", new SE(ce, 2, hard));
            project = registerModule("project", new Sequential(new Conv2d(ce, c, 1, 1, 0, false), new BatchNorm2d(c)));
        }

        @Override
        public Tensor forward(Tensor x) {
            return x.add(project.apply(se.apply(dw.apply(expand.apply(x)))));
        }
    }

    static final class EffNet extends Module {
        final Sequential stem = registerModule("stem", new Sequential(new Conv2d(3, 4, 3, 2, 1, false),
                new BatchNorm2d(4), new ReLU6()));
        final MBConv b1 = registerModule("b1", new MBConv(4, 2, false));
        final MBConv b2 = registerModule("b2", new MBConv(4, 3, true));
        final Linear head = registerModule("head", new Linear(4, 6));

        @Override
        public Tensor forward(Tensor x) {
            x = b2.apply(b1.apply(stem.apply(x)));
            return head.apply(Functional.adaptiveAvgPool2d(x, 1).flatten(1));
        }
    }

    @Test
    void mbConvWithSqueezeExcitationMixupCutmixAndLabelSmoothing() {
        EffNet eff = PT.loaded(new EffNet(), "eff.init.");
        Tensor x = e("eff.x");
        Tensor y = e("eff.y");
        Tensor perm = e("eff.perm");
        double mixLam = 0.7;
        eff.train();
        train("eff.", eff, new SGD(eff.parameters(), 0.05, 0.9, 0, 1e-4, true), 4, step -> {
            Tensor in;
            double lam;
            if (step % 2 == 0) {
                in = x.mul(mixLam).add(x.index(Index.of(perm), all()).mul(1 - mixLam));
                lam = mixLam;
            } else {
                in = x.clone();
                Index rows = sl(2, 7);
                Index cols = sl(3, 9);
                in.indexPut_(new Index[] {all(), all(), rows, cols}, x.index(Index.of(perm), all(), rows, cols), false);
                lam = 1 - ((double) ((7 - 2) * (9 - 3)) / (x.size(-1) * x.size(-2)));
            }
            Tensor out = eff.apply(in);
            Tensor loss = Functional.crossEntropy(out, y, "mean", 0.1).mul(lam)
                    .add(Functional.crossEntropy(out, y.index(Index.of(perm)), "mean", 0.1).mul(1 - lam));
            return new Tensor[] {out, loss};
        }, true, null, 1, 20);
        Map<String, Tensor> state = eff.stateDict();
        int buffers = 0;
        for (Map.Entry<String, Tensor> b : state.entrySet()) {
            if (b.getKey().contains("running") || b.getKey().contains("num_batches")) {
                close("eff.buf." + b.getKey(), b.getValue(), 20);
                buffers++;
            }
        }
        assertEquals(PT.under("eff.buf.").size(), buffers, "the BatchNorm buffers");
        eff.eval();
        try (GradMode off = Ember.noGrad()) {
            close("eff.eval_y", eff.apply(x), 20);
        }
    }
}
