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
class OutsiderPrograms6Test extends Float64DefaultDtype {
    private static final OutsiderFixture PT = new OutsiderFixture("outsiderprograms6", "programs6.pt");
    private static final DType F64 = DType.FLOAT64;
    private static final DType F32 = DType.FLOAT32;

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
     * {@code prefix + "final."} times {@code finalLoose} (the caller checks them itself when it is negative);
     * {@code each} runs after each step.
     */
    private static void train(String prefix, Module model, Optimizer opt, int steps, IntFunction<Tensor[]> forward,
                              boolean firstOutput, Consumer<Integer> each, double gradLoose, double finalLoose) {
        new OutsiderTraining(PT, prefix, model, opt, steps, step -> forward.apply(step))
                .first(firstOutput ? y -> close(prefix + "y0", (Tensor) y, gradLoose) : null)
                .afterStep(each == null ? null : each::accept).loose(gradLoose, finalLoose).checkFinal(finalLoose >= 0)
                .lossType(null).run();
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

    // ------------------------------------------------------------------ 4. Detection utilities

    static Tensor boxArea(Tensor b) {
        return b.select(1, 2).sub(b.select(1, 0)).mul(b.select(1, 3).sub(b.select(1, 1)));
    }

    /** torchvision's _box_inter_union: the intersections and unions, [N, M]. */
    static Tensor[] boxInterUnion(Tensor b1, Tensor b2) {
        Tensor a1 = boxArea(b1);
        Tensor a2 = boxArea(b2);
        Tensor lt = b1.index(all(), Index.newAxis(), sl(null, 2)).max(b2.index(all(), sl(null, 2)));
        Tensor rb = b1.index(all(), Index.newAxis(), sl(2, null)).min(b2.index(all(), sl(2, null)));
        Tensor wh = rb.sub(lt).clampMin(0.0);
        Tensor inter = wh.select(2, 0).mul(wh.select(2, 1));
        return new Tensor[] {inter, a1.index(all(), Index.newAxis()).add(a2).sub(inter)};
    }

    static Tensor boxIou(Tensor b1, Tensor b2) {
        Tensor[] iu = boxInterUnion(b1, b2);
        return iu[0].div(iu[1]);
    }

    /** The enclosing box's width and height, [N, M, 2]. */
    static Tensor enclosing(Tensor b1, Tensor b2) {
        Tensor lti = b1.index(all(), Index.newAxis(), sl(null, 2)).min(b2.index(all(), sl(null, 2)));
        Tensor rbi = b1.index(all(), Index.newAxis(), sl(2, null)).max(b2.index(all(), sl(2, null)));
        return rbi.sub(lti).clampMin(0.0);
    }

    static Tensor generalizedBoxIou(Tensor b1, Tensor b2) {
        Tensor[] iu = boxInterUnion(b1, b2);
        Tensor iou = iu[0].div(iu[1]);
        Tensor whi = enclosing(b1, b2);
        Tensor areai = whi.select(2, 0).mul(whi.select(2, 1));
        return iou.sub(areai.sub(iu[1]).div(areai));
    }

    static Tensor distanceBoxIou(Tensor b1, Tensor b2, double eps) {
        Tensor iou = boxIou(b1, b2);
        Tensor whi = enclosing(b1, b2);
        Tensor diag = whi.select(2, 0).pow(2).add(whi.select(2, 1).pow(2)).add(eps);
        Tensor xp = b1.select(1, 0).add(b1.select(1, 2)).div(2);
        Tensor yp = b1.select(1, 1).add(b1.select(1, 3)).div(2);
        Tensor xg = b2.select(1, 0).add(b2.select(1, 2)).div(2);
        Tensor yg = b2.select(1, 1).add(b2.select(1, 3)).div(2);
        Tensor cd = xp.index(all(), Index.newAxis()).sub(xg.index(Index.newAxis(), all())).pow(2)
                .add(yp.index(all(), Index.newAxis()).sub(yg.index(Index.newAxis(), all())).pow(2));
        return iou.sub(cd.div(diag));
    }

    /** The greedy NMS loop a user writes: argsort descending, keep the first, drop what overlaps it. */
    static Tensor nms(Tensor boxes, Tensor scores, double thr) {
        Tensor order = scores.argsort(-1, true);
        List<Tensor> keep = new ArrayList<>();
        while (order.numel() > 0) {
            Tensor i = order.select(0, 0);
            keep.add(i);
            if (order.numel() == 1) {
                break;
            }
            Tensor rest = order.index(sl(1, null));
            Tensor ious = boxIou(boxes.index(Index.of(i)).unsqueeze(0), boxes.index(Index.of(rest))).select(0, 0);
            order = rest.index(Index.of(ious.le(thr)));
        }
        return Tensor.stack(keep, 0);
    }

    /** torchvision's sigmoid_focal_loss, summed. */
    static Tensor sigmoidFocalLoss(Tensor inputs, Tensor targets, double alpha, double gamma) {
        Tensor p = inputs.sigmoid();
        Tensor ce = Functional.binaryCrossEntropyWithLogits(inputs, targets, "none");
        Tensor pt = p.mul(targets).add(p.rsub(1).mul(targets.rsub(1)));
        Tensor loss = ce.mul(pt.rsub(1).pow(gamma));
        Tensor alphaT = targets.mul(alpha).add(targets.rsub(1).mul(1 - alpha));
        return alphaT.mul(loss).sum();
    }

    /** torchvision's AnchorGenerator for one feature map: base anchors rounded, shifted by a meshgrid. */
    static Tensor anchors(int fh, int fw, int stride, Tensor scales, Tensor ratios) {
        Tensor hRatios = ratios.sqrt();
        Tensor wRatios = hRatios.reciprocal();
        Tensor ws = wRatios.index(all(), Index.newAxis()).mul(scales.index(Index.newAxis(), all())).view(-1);
        Tensor hs = hRatios.index(all(), Index.newAxis()).mul(scales.index(Index.newAxis(), all())).view(-1);
        Tensor base = Tensor.stack(List.of(ws.neg(), hs.neg(), ws, hs), 1).div(2).round();
        Tensor sx = Tensor.arange(0, fw).mul(stride);
        Tensor sy = Tensor.arange(0, fh).mul(stride);
        List<Tensor> yx = Tensor.meshgrid(List.of(sy, sx), "ij");
        Tensor shiftX = yx.get(1).reshape(-1);
        Tensor shiftY = yx.get(0).reshape(-1);
        Tensor shifts = Tensor.stack(List.of(shiftX, shiftY, shiftX, shiftY), 1);
        return shifts.view(-1, 1, 4).add(base.view(1, -1, 4)).reshape(-1, 4);
    }

    static Tensor decode(Tensor deltas, Tensor boxes) {
        double clip = Math.log(1000.0 / 16);
        Tensor w = boxes.select(1, 2).sub(boxes.select(1, 0));
        Tensor h = boxes.select(1, 3).sub(boxes.select(1, 1));
        Tensor cx = boxes.select(1, 0).add(w.mul(0.5));
        Tensor cy = boxes.select(1, 1).add(h.mul(0.5));
        List<Tensor> d = deltas.unbind(1);
        Tensor dw = d.get(2).clampMax(clip);
        Tensor dh = d.get(3).clampMax(clip);
        Tensor pcx = d.get(0).mul(w).add(cx);
        Tensor pcy = d.get(1).mul(h).add(cy);
        Tensor pw = dw.exp().mul(w);
        Tensor ph = dh.exp().mul(h);
        return Tensor.stack(List.of(pcx.sub(pw.mul(0.5)), pcy.sub(ph.mul(0.5)), pcx.add(pw.mul(0.5)),
                pcy.add(ph.mul(0.5))), 1);
    }

    /** RoIAlign (aligned) written with grid_sample(align_corners=False): sampling^2 points per bin, averaged. */
    static Tensor roiAlign(Tensor feat, Tensor rois, int outSize, int sampling, double imgScale) {
        int h = feat.size(2);
        int w = feat.size(3);
        List<Tensor> res = new ArrayList<>();
        for (int r = 0; r < rois.size(0); r++) {
            int b = (int) rois.select(0, r).select(0, 0).item();
            List<Tensor> c = rois.select(0, r).index(sl(1, null)).mul(imgScale).sub(0.5).unbind(0);
            Tensor bw = c.get(2).sub(c.get(0)).div(outSize);
            Tensor bh = c.get(3).sub(c.get(1)).div(outSize);
            Tensor steps = Tensor.arange(outSize * sampling).add(0.5).div(sampling);
            Tensor xs = c.get(0).add(steps.mul(bw));
            Tensor ys = c.get(1).add(steps.mul(bh));
            List<Tensor> g = Tensor.meshgrid(List.of(ys, xs), "ij");
            Tensor grid = Tensor.stack(List.of(g.get(1).mul(2).add(1).div(w).sub(1), g.get(0).mul(2).add(1).div(h).sub(1)),
                    -1).unsqueeze(0);
            Tensor s = Functional.gridSample(feat.index(sl(b, b + 1)), grid, "bilinear", "zeros", false);
            res.add(Functional.avgPool2d(s, sampling));
        }
        return Tensor.cat(res, 0);
    }

    @Test
    void detectionIousNmsFocalLossAnchorsAndRoiAlignByGridSample() {
        Tensor boxes = e("det.boxes");
        Tensor gt = e("det.gt");
        close("det.iou", boxIou(boxes, gt), 1);
        close("det.giou", generalizedBoxIou(boxes, gt), 1);
        close("det.diou", distanceBoxIou(boxes, gt, 1e-7), 1);
        assertArrayEquals(e("det.nms").toLongArray(), nms(boxes, e("det.scores"), 0.5).toLongArray(), "NMS keeps");
        Tensor anc = anchors(3, 4, 8, Tensor.tensor(new double[] {8, 16}), Tensor.tensor(new double[] {0.5, 1, 2}));
        assertTrue(anc.equal(e("det.anchors")), "anchors");
        Tensor feat = e("det.feat").clone().requiresGrad_(true);
        Tensor deltas = e("det.deltas").clone().requiresGrad_(true);
        Tensor logits = e("det.logits").clone().requiresGrad_(true);
        Tensor labels = Tensor.zeros(anc.size(0), 4);
        Tensor.ValuesIndices match = boxIou(anc, gt).max(1);
        Tensor pos = match.values().ge(0.3);
        Tensor posIdx = match.indices().index(Index.of(pos));
        labels.indexPut_(new Index[] {Index.of(pos), Index.of(posIdx.remainder(4))}, 1.0, false);
        assertTrue(labels.equal(e("det.labels")), "focal-loss targets");
        Tensor pred = decode(deltas, anc);
        close("det.pred", pred, 1);
        Tensor obj = logits.sigmoid().max(1).values();
        Tensor top = obj.topk(5).indices();
        assertTrue(top.equal(e("det.top_idx")), "top-k proposals");
        Tensor props = pred.index(Index.of(top));
        Tensor rois = Tensor.cat(List.of(Tensor.tensor(new double[][] {{0}, {1}, {0}, {1}, {1}}), props.clamp(0, 32)), 1);
        Tensor pooled = roiAlign(feat, rois, 2, 2, 0.25);
        close("det.pooled", pooled, 1);
        long nPos = Math.max(1, (long) pos.sum().item());
        Tensor matched = gt.index(Index.of(posIdx));
        Tensor predPos = pred.index(Index.of(pos));
        Tensor focal = sigmoidFocalLoss(logits, labels, 0.25, 2.0).div(nPos);
        Tensor reg = Functional.smoothL1Loss(predPos, matched, "sum", 1.0 / 9).div(nPos);
        Tensor l1 = Functional.l1Loss(predPos, matched);
        Tensor giouLoss = generalizedBoxIou(predPos, matched).diag().rsub(1).mean();
        Tensor loss = focal.add(reg).add(l1.mul(0.1)).add(giouLoss).add(pooled.pow(2).mean());
        loss.backward();
        close("det.losses", Tensor.stack(List.of(focal, reg, l1, giouLoss, loss), 0), 1);
        close("det.feat_grad", feat.grad(), 1);
        close("det.deltas_grad", deltas.grad(), 1);
        close("det.logits_grad", logits.grad(), 1);
    }

    // ------------------------------------------------------------------ 5. Geometry / 3-D

    static final class TNet extends Module {
        final int k;
        final Conv1d conv1;
        final Conv1d conv2;
        final BatchNorm1d bn1;
        final Linear fc1;
        final Linear fc2;

        TNet(int k) {
            this.k = k;
            conv1 = registerModule("conv1", new Conv1d(k, 16, 1));
            conv2 = registerModule("conv2", new Conv1d(16, 32, 1));
            bn1 = registerModule("bn1", new BatchNorm1d(16));
            fc1 = registerModule("fc1", new Linear(32, 16));
            fc2 = registerModule("fc2", new Linear(16, k * k));
        }

        @Override
        public Tensor forward(Tensor x) {
            int b = x.size(0);
            x = Functional.relu(bn1.apply(conv1.apply(x)));
            x = Functional.relu(conv2.apply(x));
            x = x.max(2, true).values().view(-1, 32);
            x = fc2.apply(Functional.relu(fc1.apply(x)));
            Tensor iden = Tensor.eye(k).view(1, k * k).repeat(b, 1);
            return x.add(iden).view(-1, k, k);
        }
    }

    static final class PointNet extends Module {
        final TNet stn = registerModule("stn", new TNet(3));
        final Conv1d conv1 = registerModule("conv1", new Conv1d(3, 16, 1));
        final Conv1d conv2 = registerModule("conv2", new Conv1d(16, 32, 1));
        final BatchNorm1d bn1 = registerModule("bn1", new BatchNorm1d(16));
        final BatchNorm1d bn2 = registerModule("bn2", new BatchNorm1d(32));
        final Linear fc = registerModule("fc", new Linear(32, 4));
        Tensor trans;

        @Override
        public Tensor forward(Tensor x) {
            trans = stn.apply(x);
            x = x.transpose(2, 1).bmm(trans).transpose(2, 1);
            x = Functional.relu(bn1.apply(conv1.apply(x)));
            x = bn2.apply(conv2.apply(x));
            x = x.max(2).values();
            return fc.apply(x).logSoftmax(1);
        }
    }

    @Test
    void pointNetWithTNetRegulariserAndAdam() {
        PointNet pn = PT.loaded(new PointNet(), "geo.pn.init.");
        Tensor pts = e("geo.pts");
        Tensor y = e("geo.pn_y");
        pn.train();
        train("geo.pn.", pn, new Adam(pn.parameters(), 1e-2), 3, s -> {
            Tensor logp = pn.apply(pts);
            Tensor ident = Tensor.eye(3).unsqueeze(0);
            Tensor reg = pn.trans.bmm(pn.trans.transpose(2, 1)).sub(ident).norm("fro", new int[] {1, 2}, false).mean();
            return new Tensor[] {logp, Functional.nllLoss(logp, y).add(reg.mul(0.001))};
        }, true, null, 1, -1);
        // The conv biases that feed a BatchNorm have a true gradient of zero (the batch mean removes them): PyTorch's
        // and Ember's are rounding noise, |g| < 1e-15 (the gradient check above holds them to its absolute floor), and
        // Adam turns noise into steps of about lr |g| / eps (sqrt(v) = |g| is far below eps = 1e-8), at most
        // 1e-2 * 1e-15 / 1e-8 = 1e-9 a step: those three are held to 3 steps of that, absolutely; the others tightly.
        Map<String, Tensor> named = pn.namedParameters();
        for (Map.Entry<String, Tensor> p : named.entrySet()) {
            Tensor expected = e("geo.pn.final." + p.getKey());
            if (List.of("stn.conv1.bias", "conv1.bias", "conv2.bias").contains(p.getKey())) {
                assertTrue(p.getValue().detach().allclose(expected, 0, 3e-9), p.getKey() + " after 3 steps");
                assertTrue(e("geo.pn.init." + p.getKey()).allclose(expected, 0, 3e-9), p.getKey() + " barely moves");
            } else {
                close("geo.pn.final." + p.getKey(), p.getValue(), 20);
            }
        }
        assertEquals(PT.under("geo.pn.final.").size(), named.size(), "PointNet's parameter names");
    }

    @Test
    void chamferDistanceAndKnnByCdistMinAndTopk() {
        Tensor p1 = e("geo.p1").clone().requiresGrad_(true);
        Tensor p2 = e("geo.p2");
        Tensor d = p1.cdist(p2, 2.0).pow(2);
        Tensor chamfer = d.min(2).values().mean(1).add(d.min(1).values().mean(1));
        Tensor.ValuesIndices knn = p1.cdist(p1, 2.0).topk(4, -1, false, true);
        close("geo.chamfer", chamfer, 1);
        assertTrue(knn.indices().equal(e("geo.knn_idx")), "k-NN indices");
        close("geo.knn_d", knn.values(), 1);
        Tensor nbr = p1.unsqueeze(1).expand(-1, 12, -1, -1).gather(2, knn.indices().unsqueeze(-1).expand(-1, -1, -1, 3));
        Tensor local = nbr.sub(p1.unsqueeze(2)).pow(2).sum(-1).mean();
        chamfer.sum().add(local).backward();
        close("geo.p1_grad", p1.grad(), 1);
    }

    static Tensor posenc(Tensor x, int levels) {
        List<Tensor> outs = new ArrayList<>(List.of(x));
        for (int k = 0; k < levels; k++) {
            outs.add(x.mul(Math.pow(2.0, k)).sin());
            outs.add(x.mul(Math.pow(2.0, k)).cos());
        }
        return Tensor.cat(outs, -1);
    }

    /** NeRF's sample_pdf with det=True: the inverse CDF by searchsorted(right=True), gathers and a lerp. */
    static Tensor samplePdf(Tensor bins, Tensor weights, int n) {
        weights = weights.add(1e-5);
        Tensor pdf = weights.div(weights.sum(-1, true));
        Tensor cdf = pdf.cumsum(-1);
        cdf = Tensor.cat(List.of(cdf.index(Index.ellipsis(), sl(null, 1)).zerosLike(), cdf), -1);
        Tensor u = Tensor.linspace(0., 1., n).expand(cdf.size(0), n).contiguous();
        Tensor inds = Tensor.searchsorted(cdf, u, true);
        Tensor below = inds.sub(1).zerosLike().max(inds.sub(1));
        Tensor above = inds.onesLike().mul(cdf.size(-1) - 1).min(inds);
        Tensor indsG = Tensor.stack(List.of(below, above), -1);
        int[] matched = {indsG.size(0), indsG.size(1), cdf.size(-1)};
        Tensor cdfG = cdf.unsqueeze(1).expand(matched).gather(2, indsG);
        Tensor binsG = bins.unsqueeze(1).expand(matched).gather(2, indsG);
        Tensor denom = cdfG.select(-1, 1).sub(cdfG.select(-1, 0));
        denom = Tensor.where(denom.lt(1e-5), denom.onesLike(), denom);
        Tensor t = u.sub(cdfG.select(-1, 0)).div(denom);
        return binsG.select(-1, 0).add(t.mul(binsG.select(-1, 1).sub(binsG.select(-1, 0))));
    }

    @Test
    void nerfEncodingVolumeRenderingAndHierarchicalSampling() {
        Sequential nerf = PT.loaded(new Sequential(new Linear(3 + 3 * 2 * 4, 32), new ReLU(), new Linear(32, 4)),
                "geo.nerf.init.");
        Tensor raysO = e("geo.rays_o");
        Tensor raysD = e("geo.rays_d");
        Tensor target = e("geo.target");
        java.util.function.Function<Tensor, Tensor[]> render = z -> {
            Tensor pts = raysO.index(all(), Index.newAxis(), all())
                    .add(raysD.index(all(), Index.newAxis(), all()).mul(z.index(Index.ellipsis(), all(), Index.newAxis())));
            Tensor raw = nerf.apply(posenc(pts, 4));
            Tensor rgb = raw.index(Index.ellipsis(), sl(null, 3)).sigmoid();
            Tensor sigma = Functional.relu(raw.index(Index.ellipsis(), Index.of(3)));
            Tensor dists = z.index(Index.ellipsis(), sl(1, null)).sub(z.index(Index.ellipsis(), sl(null, -1)));
            dists = Tensor.cat(List.of(dists, Tensor.tensor(new double[] {1e10})
                    .expand(dists.index(Index.ellipsis(), sl(null, 1)).shape())), -1);
            dists = dists.mul(raysD.index(Index.ellipsis(), Index.newAxis(), all()).norm(2, new int[] {-1}, false));
            Tensor alpha = sigma.neg().mul(dists).exp().rsub(1.);
            Tensor trans = Tensor.cat(List.of(Tensor.ones(alpha.size(0), 1), alpha.rsub(1.).add(1e-10)), -1).cumprod(-1)
                    .index(all(), sl(null, -1));
            Tensor weights = alpha.mul(trans);
            return new Tensor[] {weights.index(Index.ellipsis(), Index.newAxis()).mul(rgb).sum(-2), weights};
        };
        train("geo.nerf.", nerf, new Adam(nerf.parameters(), 5e-3), 3, step -> {
            Tensor z = Tensor.linspace(2., 6., 8).expand(5, 8);
            Tensor[] first = render.apply(z);
            Tensor mids = z.index(Index.ellipsis(), sl(1, null)).add(z.index(Index.ellipsis(), sl(null, -1))).mul(.5);
            Tensor zs = samplePdf(mids, first[1].index(Index.ellipsis(), sl(1, -1)).detach(), 6);
            Tensor zall = Tensor.cat(List.of(z, zs), -1).sort(-1, false).values();
            Tensor[] fine = render.apply(zall);
            if (step == 0) {
                close("geo.nerf.zs", zs, 1);
                close("geo.nerf.w0", first[1], 1);
            }
            Tensor loss = Functional.mseLoss(first[0], target).add(Functional.mseLoss(fine[0], target));
            return new Tensor[] {fine[0], loss};
        }, false, null, 1, 20);
    }

    static Tensor coordsGrid(int b, int h, int w) {
        List<Tensor> yx = Tensor.meshgrid(List.of(Tensor.arange(h), Tensor.arange(w)), "ij");
        return Tensor.stack(List.of(yx.get(1), yx.get(0)), 0).toDouble().index(Index.newAxis()).repeat(b, 1, 1, 1);
    }

    @Test
    void flowWarpingByGridSampleAndCorrelationVolumes() {
        Tensor f1 = e("geo.f1").clone().requiresGrad_(true);
        Tensor f2 = e("geo.f2").clone().requiresGrad_(true);
        Tensor flow = e("geo.flow").clone().requiresGrad_(true);
        int b = f1.size(0);
        int c = f1.size(1);
        int h = f1.size(2);
        int w = f1.size(3);
        Tensor coords = coordsGrid(b, h, w).add(flow).permute(0, 2, 3, 1);
        List<Tensor> xy = coords.split(new int[] {1, 1}, -1);
        Tensor xg = xy.get(0).mul(2).div(w - 1).sub(1);
        Tensor yg = xy.get(1).mul(2).div(h - 1).sub(1);
        Tensor warped = Functional.gridSample(f2, Tensor.cat(List.of(xg, yg), -1), "bilinear", "zeros", true);
        Tensor corr = f1.view(b, c, h * w).transpose(1, 2).matmul(f2.view(b, c, h * w)).view(b, h, w, 1, h, w);
        corr = corr.div(Tensor.tensor(c).toDouble().sqrt());
        Tensor corrE = Tensor.einsum("bchw,bcij->bhwij", f1, f2).div(Math.sqrt(c));
        Tensor local = Functional.unfold(f2, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1})
                .view(b, c, 9, h, w).mul(f1.unsqueeze(2)).sum(1);
        close("geo.warped", warped, 1);
        close("geo.corr", corr, 1);
        close("geo.local", local, 1);
        warped.pow(2).mean().add(corr.view(b, h, w, h, w).mul(corrE).mean()).add(local.tanh().sum())
                .add(warped.sub(f1).abs().mean()).backward();
        close("geo.f1_grad", f1.grad(), 1);
        close("geo.f2_grad", f2.grad(), 1);
        close("geo.flow_grad", flow.grad(), 1);
    }

    // ------------------------------------------------------------------ 6. Super-resolution / generative

    static final class Espcn extends Module {
        final Conv2d conv1 = registerModule("conv1", new Conv2d(1, 8, 5, 1, 2));
        final Conv2d conv2 = registerModule("conv2", new Conv2d(8, 4, 3, 1, 1));
        final Conv2d conv3 = registerModule("conv3", new Conv2d(4, 4, 3, 1, 1));
        final PixelShuffle ps = registerModule("ps", new PixelShuffle(2));

        @Override
        public Tensor forward(Tensor x) {
            x = conv1.apply(x).tanh();
            x = conv2.apply(x).tanh();
            return ps.apply(conv3.apply(x));
        }
    }

    static Tensor gradLoss(Tensor a, Tensor b) {
        Index e = Index.ellipsis();
        Tensor dxa = a.index(e, all(), sl(1, null)).sub(a.index(e, all(), sl(null, -1)));
        Tensor dxb = b.index(e, all(), sl(1, null)).sub(b.index(e, all(), sl(null, -1)));
        Tensor dya = a.index(e, sl(1, null), all()).sub(a.index(e, sl(null, -1), all()));
        Tensor dyb = b.index(e, sl(1, null), all()).sub(b.index(e, sl(null, -1), all()));
        return dxa.sub(dxb).abs().mean().add(dya.sub(dyb).abs().mean());
    }

    @Test
    void espcnSubPixelConvWithGradientLossAndPixelUnshuffle() {
        Espcn sr = PT.loaded(new Espcn(), "gen.sr.init.");
        Tensor hr = e("gen.hr");
        Tensor lr = Functional.interpolate(hr, null, new double[] {0.5, 0.5}, "bilinear", false, null, false);
        close("gen.lr", lr, 1);
        close("gen.unshuffle", Functional.pixelUnshuffle(hr, 2), 0);
        assertTrue(Functional.pixelShuffle(Functional.pixelUnshuffle(hr, 2), 2).equal(hr), "unshuffle round trip");
        train("gen.sr.", sr, new Adam(sr.parameters(), 1e-2), 3, s -> {
            Tensor y = sr.apply(lr);
            return new Tensor[] {y, Functional.l1Loss(y, hr).add(gradLoss(y, hr).mul(0.5))};
        }, true, null, 1, 20);
    }

    static final class Critic extends Module {
        final Conv2d conv = registerModule("conv", Parametrizations.spectralNorm(new Conv2d(1, 4, 3, 2, 1)));
        final Linear fc = registerModule("fc", Parametrizations.spectralNorm(new Linear(4 * 4 * 4, 1)));

        @Override
        public Tensor forward(Tensor x) {
            return fc.apply(Functional.leakyRelu(conv.apply(x), 0.2).flatten(1));
        }
    }

    @Test
    void wganGpCriticStepsThroughSpectralNormWithADoubleBackward() {
        Critic critic = PT.loaded(new Critic(), "gen.critic.init.");
        critic.train();
        Tensor real = e("gen.real");
        Tensor fake = e("gen.fake");
        Tensor eps = e("gen.eps");
        Adam opt = new Adam(critic.parameters(), 1e-3, 0.5, 0.9, 1e-8, 0, false);
        train("gen.critic.", critic, opt, 3, step -> {
            Tensor dReal = critic.apply(real).mean();
            Tensor dFake = critic.apply(fake).mean();
            Tensor interp = eps.mul(real).add(eps.rsub(1).mul(fake)).requiresGrad_(true);
            Tensor dI = critic.apply(interp);
            Tensor g = Autograd.grad(List.of(dI), List.of(interp), List.of(dI.onesLike()), true).get(0);
            Tensor gp = g.view(g.size(0), -1).norm(2, new int[] {1}, false).sub(1).pow(2).mean();
            if (step == 0) {
                close("gen.gp", gp, 1);
            }
            return new Tensor[] {dI, dFake.sub(dReal).add(gp.mul(10))};
        }, true, null, 1, 20);
        Map<String, Tensor> state = critic.stateDict();
        assertEquals(PT.under("gen.critic.state.").keySet(), state.keySet(), "the critic's state dict keys");
        state.forEach((k, v) -> close("gen.critic.state." + k, v, 20));
    }

    static Tensor adain(Tensor content, Tensor style, double eps) {
        int n = content.size(0);
        int c = content.size(1);
        Tensor sStd = style.view(n, c, -1).var(2).add(eps).sqrt().view(n, c, 1, 1);
        Tensor sMean = style.view(n, c, -1).mean(2).view(n, c, 1, 1);
        Tensor cStd = content.view(n, c, -1).var(2).add(eps).sqrt().view(n, c, 1, 1);
        Tensor cMean = content.view(n, c, -1).mean(2).view(n, c, 1, 1);
        int[] size = content.shape();
        return content.sub(cMean.expand(size)).div(cStd.expand(size)).mul(sStd.expand(size)).add(sMean.expand(size));
    }

    static final class Decoder extends Module {
        final InstanceNorm2d inorm = registerModule("inorm", new InstanceNorm2d(3, 1e-5, 0.1, true, false));
        final Conv2d conv = registerModule("conv", new Conv2d(3, 3, 3, 1, 1));
        final Upsample up = registerModule("up", new Upsample(2.0, "nearest"));
        final Conv2d conv2 = registerModule("conv2", new Conv2d(3, 2, new int[] {3, 3}, new int[] {1, 1},
                new int[] {1, 1}, new int[] {1, 1}, 1, true, "reflect"));

        Tensor block(Tensor x) {
            return conv2.apply(up.apply(Functional.relu(conv.apply(inorm.apply(x)))));
        }

        @Override
        public Tensor forward(Tensor x) {
            return Checkpoint.checkpoint(in -> block(in[0]), x);
        }
    }

    @Test
    void adainInstanceNormUpsamplingAndCheckpointedDecoder() {
        Decoder dec = PT.loaded(new Decoder(), "gen.dec.init.");
        Tensor content = e("gen.content").clone().requiresGrad_(true);
        Tensor t = adain(content, e("gen.style"), 1e-5);
        Tensor y = dec.apply(t);
        Tensor yb = Functional.interpolate(y, new int[] {5, 7}, null, "bilinear", false, null, false);
        close("gen.adain", t, 1);
        close("gen.dec_y", y, 1);
        close("gen.dec_yb", yb, 1);
        yb.pow(2).mean().backward();
        PT.assertNamed("gen.dec.grad0.", dec, true, 1, "checkpointed decoder gradient");
        close("gen.content_grad", content.grad(), 1);
    }

    // ------------------------------------------------------------------ 7. Probes

    /** {@code y * linspace(lo, hi, numel)} summed: a loss whose gradient differs at every output element. */
    private static Tensor weighted(Tensor y, double lo, double hi) {
        return y.mul(Tensor.linspace(lo, hi, (int) y.numel()).view(y.shape())).sum();
    }

    @Test
    void probeGridSampleEveryModePaddingAndAlignment() {
        for (String mode : List.of("bilinear", "nearest", "bicubic")) {
            for (String pad : List.of("zeros", "border", "reflection")) {
                for (boolean ac : new boolean[] {false, true}) {
                    Tensor in = e("probe.gs.in").clone().requiresGrad_(true);
                    Tensor grid = e("probe.gs.grid").clone().requiresGrad_(true);
                    Tensor y = Functional.gridSample(in, grid, mode, pad, ac);
                    weighted(y, -1, 1).backward();
                    String key = "probe.gs." + mode + "." + pad + "." + (ac ? 1 : 0) + ".";
                    close(key + "y", y, 1);
                    close(key + "in_grad", in.grad(), 1);
                    if (!mode.equals("nearest")) {
                        close(key + "grid_grad", grid.grad(), 1);
                    }
                }
            }
        }
    }

    @Test
    void probeRollSearchsortedMeshgridXyAndEinsumForms() {
        Tensor r = Tensor.arange(0, 24, 1, F64).view(4, 6).t();
        assertTrue(r.roll(new int[] {9, -13}, new int[] {0, -1}).equal(e("probe.roll.a")), "roll past the sizes");
        assertTrue(r.roll(5).equal(e("probe.roll.b")), "roll without dims");
        Tensor seq = Tensor.tensor(new double[][] {{0, 1, 1, 1, 3, 7}, {-2, -2, 0, 0.5, 0.5, 9}});
        Tensor val = Tensor.tensor(new double[][] {{1, -5, 7, 8}, {0.5, -2, 9, 0}});
        assertTrue(Tensor.searchsorted(seq, val).equal(e("probe.ss.left")), "searchsorted left");
        assertTrue(Tensor.searchsorted(seq, val, true).equal(e("probe.ss.right")), "searchsorted right");
        Tensor uns = Tensor.tensor(new double[] {3, 1, 7, 1, 0});
        Tensor sorted = Tensor.searchsorted(uns, Tensor.tensor(new double[][] {{1, 2}, {7, -1}}), false, false, "right",
                uns.argsort(-1, false, true));
        assertTrue(sorted.equal(e("probe.ss.sorter")), "searchsorted with a sorter");
        Tensor i32 = Tensor.searchsorted(seq.select(0, 0), val, true, false, null, null);
        assertEquals(DType.INT32, i32.dtype());
        assertTrue(i32.equal(e("probe.ss.int32")), "searchsorted out_int32");
        List<Tensor> mg = Tensor.meshgrid(List.of(Tensor.arange(0, 3, 1, F64), Tensor.arange(0, 4, 1, F64)), "xy");
        assertTrue(mg.get(0).equal(e("probe.mg.xy0")) && mg.get(1).equal(e("probe.mg.xy1")), "meshgrid xy");
        Tensor es = e("probe.es.in");
        close("probe.es.diag", Tensor.einsum("bii->bi", es), 0);
        close("probe.es.ell", Tensor.einsum("...ij,...jk->...ik", es, es), 1);
        close("probe.es.trace", Tensor.einsum("bii->b", es), 1);
    }

    @Test
    void probeActivationsAndTheirGradientsAtTheKinks() {
        Map<String, java.util.function.UnaryOperator<Tensor>> fns = new java.util.LinkedHashMap<>();
        fns.put("hardswish", Functional::hardswish);
        fns.put("hardsigmoid", Functional::hardsigmoid);
        fns.put("relu6", Functional::relu6);
        fns.put("silu", Functional::silu);
        fns.put("gelu_tanh", x -> Functional.gelu(x, "tanh"));
        fns.put("leaky", x -> Functional.leakyRelu(x, 0.2));
        fns.put("hardtanh", x -> Functional.hardtanh(x, -3., 3.));
        fns.forEach((name, fn) -> {
            Tensor k = e("probe.kinks").clone().requiresGrad_(true);
            Tensor y = fn.apply(k);
            y.backward(y.onesLike());
            close("probe.act." + name + ".y", y, 1);
            close("probe.act." + name + ".grad", k.grad(), 1);
        });
    }

    /** PyTorch's lerp is start + w (end - start) below w = 0.5 and end - (end - start)(1 - w) from it: bit for bit. */
    @Test
    void probeLerpBothFormulasBitForBitInFloat32() {
        Tensor a = e("probe.lerp.a");
        Tensor b = e("probe.lerp.b");
        assertTrue(a.clone().lerp_(b, 0.3).equal(e("probe.lerp.s03")), "lerp_ 0.3");
        assertTrue(a.clone().lerp_(b, 0.7).equal(e("probe.lerp.s07")), "lerp_ 0.7");
        assertTrue(a.lerp(b, 0.5).equal(e("probe.lerp.s05")), "lerp 0.5");
        assertTrue(a.lerp(b, e("probe.lerp.w")).equal(e("probe.lerp.t")), "lerp with a tensor weight");
    }

    @Test
    void probeInterpolateModesUnfoldFoldAndCdistNorms() {
        Map<String, java.util.function.UnaryOperator<Tensor>> ips = new java.util.LinkedHashMap<>();
        ips.put("bicubic0", x -> Functional.interpolate(x, new int[] {8, 9}, null, "bicubic", false, null, false));
        ips.put("bicubic1", x -> Functional.interpolate(x, new int[] {8, 9}, null, "bicubic", true, null, false));
        ips.put("nearest_exact", x -> Functional.interpolate(x, new int[] {8, 11}, null, "nearest-exact", null, null,
                false));
        ips.put("nearest", x -> Functional.interpolate(x, new int[] {8, 11}, null, "nearest", null, null, false));
        ips.put("area", x -> Functional.interpolate(x, new int[] {3, 4}, null, "area", null, null, false));
        ips.put("bilinear_sf", x -> Functional.interpolate(x, null, new double[] {1.7, 1.7}, "bilinear", false, null,
                false));
        ips.forEach((name, fn) -> {
            Tensor in = e("probe.ip.in").clone().requiresGrad_(true);
            Tensor y = fn.apply(in);
            weighted(y, -1, 2).backward();
            close("probe.ip." + name + ".y", y, 1);
            close("probe.ip." + name + ".grad", in.grad(), 1);
        });
        Tensor uf = e("probe.uf.in").clone().requiresGrad_(true);
        Tensor cols = Functional.unfold(uf, new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 2}, new int[] {2, 3});
        Tensor back = Functional.fold(cols, new int[] {7, 8}, new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 2},
                new int[] {2, 3});
        close("probe.uf.cols", cols, 0);
        close("probe.uf.back", back, 1);
        weighted(back, 0, 1).backward();
        close("probe.uf.grad", uf.grad(), 1);
        for (double p : new double[] {1.0, 2.0, Double.POSITIVE_INFINITY, 0.5}) {
            Tensor cd = e("probe.cd.in").clone().requiresGrad_(true);
            Tensor d = cd.cdist(cd, p);
            weighted(d, 0, 1).backward();
            String key = "probe.cd." + (Double.isInfinite(p) ? "inf" : String.valueOf(p));
            close(key + ".y", d, 1);
            close(key + ".grad", cd.grad(), 1);
        }
    }

    @Test
    void probeInstanceNormTrackingRunningStats() {
        InstanceNorm2d inn = new InstanceNorm2d(3, 1e-5, 0.3, true, true);
        Tensor x = e("probe.in.x");
        close("probe.in.train_y", inn.apply(x), 1);
        close("probe.in.running_mean", inn.namedBuffers().get("running_mean"), 1);
        close("probe.in.running_var", inn.namedBuffers().get("running_var"), 1);
        inn.eval();
        close("probe.in.eval_y", inn.apply(x), 1);
    }

    // ------------------------------------------------------------------ 8. channels_last

    private static int[] ints(Tensor t) {
        return java.util.Arrays.stream(t.toLongArray()).mapToInt(v -> (int) v).toArray();
    }

    /**
     * The EfficientNet pieces as users run them for speed: model and input in channels_last
     * ({@code model.to(memory_format=torch.channels_last)}, {@code x.contiguous(memory_format=...)}), trained with Adam:
     * PyTorch's strides for the input, the weights, the activations and the gradients, and its numbers.
     */
    @Test
    void channelsLastEfficientNetPiecesTrainedWithAdam() {
        EffNet cl = PT.loaded(new EffNet(), "eff.init.");
        assertTrue(cl.to(MemoryFormat.CHANNELS_LAST) == cl, "Module.to returns the module");
        Tensor effX = e("eff.x");
        Tensor x = effX.contiguous(MemoryFormat.CHANNELS_LAST);
        Tensor dwWeight = ((Conv2d) cl.b1.dw.get(0)).weight;
        assertArrayEquals(ints(e("cl.x_strides")), x.stride(), "the input's strides");
        assertArrayEquals(ints(e("cl.w_strides")), dwWeight.stride(), "a depthwise weight's strides");
        boolean[] flags = {x.isContiguous(), x.isContiguous(MemoryFormat.CHANNELS_LAST),
            effX.isContiguous(MemoryFormat.CHANNELS_LAST),
            effX.index(all(), sl(null, 1)).isContiguous(MemoryFormat.CHANNELS_LAST),
            effX.to(MemoryFormat.CHANNELS_LAST).isContiguous(MemoryFormat.CHANNELS_LAST), cl.head.weight.isContiguous()};
        long[] expectedFlags = e("cl.flags").toLongArray();
        for (int i = 0; i < flags.length; i++) {
            assertEquals(expectedFlags[i] != 0, flags[i], "contiguity flag " + i);
        }
        assertArrayEquals(ints(e("cl.stem_strides")), cl.stem.apply(x).stride(), "the stem's output strides");
        assertArrayEquals(ints(e("cl.b1_strides")), cl.b1.apply(cl.stem.apply(x)).stride(), "an MBConv's output strides");
        Tensor y = e("eff.y");
        cl.train();
        train("cl.", cl, new Adam(cl.parameters(), 1e-2), 3, s -> {
            Tensor out = cl.apply(x);
            return new Tensor[] {out, Functional.crossEntropy(out, y, "mean", 0.1)};
        }, true, step -> {
            if (step == 0) {
                assertArrayEquals(ints(e("cl.grad_strides")), dwWeight.grad().stride(), "a weight gradient's strides");
            }
        }, 1, 20);
        assertArrayEquals(ints(e("cl.final_strides")), dwWeight.stride(), "the weight's strides after Adam's steps");
    }

    /** The memory-format calls' nodes, aliasing and PyTorch's refusals, which leave the tensor as it was. */
    @Test
    void memoryFormatCallsNodesAliasingAndRefusals() {
        Tensor x = Tensor.randn(2, 3, 4, 5).requiresGrad_(true);
        assertEquals("CloneBackward0", x.contiguous(MemoryFormat.CHANNELS_LAST).gradFn().name());
        assertEquals("ToCopyBackward0", x.to(MemoryFormat.CHANNELS_LAST).gradFn().name());
        assertEquals("CloneBackward0", x.clone(MemoryFormat.CHANNELS_LAST).gradFn().name());
        assertTrue(x.to(MemoryFormat.CONTIGUOUS_FORMAT) == x && x.to(MemoryFormat.PRESERVE_FORMAT) == x
                && x.contiguous(MemoryFormat.PRESERVE_FORMAT) == x, "to/contiguous alias where nothing changes");
        Tensor cl = x.contiguous(MemoryFormat.CHANNELS_LAST);
        assertTrue(cl.contiguous(MemoryFormat.CHANNELS_LAST) == cl, "channels-last contiguous stays itself");
        assertArrayEquals(new int[] {60, 1, 15, 3}, cl.clone().stride(), "clone preserves channels-last");
        assertArrayEquals(new int[] {60, 20, 5, 1}, cl.contiguous().stride(), "contiguous() goes row-major");
        cl.mul(x.detach().contiguous(MemoryFormat.CHANNELS_LAST)).sum().backward();
        assertTrue(x.grad().allclose(x.detach().mul(1.0)), "the gradient through the copy");
        // one input channel: a row-major [8, 1, 3, 3] weight is channels-last contiguous (C = 1 is skipped), so
        // contiguous() keeps it, but to() restrides it (PyTorch's to_will_alias reads suggest_memory_format instead)
        Tensor w = Tensor.randn(8, 1, 3, 3);
        assertArrayEquals(new int[] {9, 9, 3, 1}, w.contiguous(MemoryFormat.CHANNELS_LAST).stride());
        Tensor wcl = w.to(MemoryFormat.CHANNELS_LAST);
        assertArrayEquals(new int[] {9, 1, 3, 1}, wcl.stride());
        assertTrue(wcl.isContiguous() && wcl.to(MemoryFormat.CONTIGUOUS_FORMAT) != wcl, "to() copies it back");
        Tensor x3 = Tensor.randn(2, 3, 4, 5, 6).contiguous(MemoryFormat.CHANNELS_LAST_3D);
        assertArrayEquals(new int[] {360, 1, 90, 18, 3}, x3.stride(), "channels_last_3d strides");
        assertTrue(!x3.isContiguous(MemoryFormat.CHANNELS_LAST) && x3.isContiguous(MemoryFormat.CHANNELS_LAST_3D));
        Tensor m = Tensor.randn(3, 4);
        IllegalArgumentException ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> m.contiguous(MemoryFormat.CHANNELS_LAST));
        assertEquals("required rank 4 tensor to use channels_last format", ex.getMessage());
        ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> x.to(MemoryFormat.CHANNELS_LAST_3D));
        assertEquals("required rank 5 tensor to use channels_last_3d format", ex.getMessage());
        ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> m.t().contiguous(MemoryFormat.PRESERVE_FORMAT));
        assertEquals("preserve memory format is unsupported by the contiguous operator", ex.getMessage());
        assertTrue(m.isContiguous(MemoryFormat.PRESERVE_FORMAT) && !m.isContiguous(MemoryFormat.CHANNELS_LAST));
        // a module with a 5-D parameter refuses channels_last and keeps every tensor as it was
        dev.ember.nn.Conv3d conv3 = new dev.ember.nn.Conv3d(2, 2, 3);
        Conv2d conv2 = new Conv2d(2, 2, 3);
        Sequential both = new Sequential(conv2, conv3);
        int[] before = conv2.weight.stride();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> both.to(MemoryFormat.CHANNELS_LAST));
        assertArrayEquals(before, conv2.weight.stride(), "the 4-D weight unchanged after the refusal");
        int[] before3 = conv3.weight.stride();
        ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> both.to(MemoryFormat.CHANNELS_LAST_3D));
        assertEquals("required rank 5 tensor to use channels_last_3d format", ex.getMessage());
        assertArrayEquals(before3, conv3.weight.stride(), "the 5-D weight unchanged after the refusal");
        conv3.to(MemoryFormat.CHANNELS_LAST_3D);
        assertArrayEquals(new int[] {54, 1, 18, 6, 2}, conv3.weight.stride(), "channels_last_3d reaches a 5-D weight");
    }

    /**
     * PyTorch's CPU convolution runs channels-last when the input's or the weight's strides suggest it, and batch norm
     * keeps its input's format: their outputs and input gradients come channels-last (PyTorch 1.13's strides, printed
     * by the generator's session; Ember's were row-major before, so a channels-last model fell back to row-major after
     * its first convolution). Values are unchanged.
     */
    @Test
    void convolutionAndBatchNormKeepChannelsLast() {
        Tensor x = Tensor.randn(4, 3, 10, 10);
        Tensor xcl = x.contiguous(MemoryFormat.CHANNELS_LAST).requiresGrad_(true);
        Conv2d conv = new Conv2d(3, 4, 3, 2, 1, false);
        Tensor rowMajor = conv.apply(x);
        assertArrayEquals(new int[] {100, 25, 5, 1}, rowMajor.stride(), "row-major stays row-major");
        Tensor y = conv.apply(xcl);
        assertArrayEquals(new int[] {100, 1, 20, 4}, y.stride(), "a channels-last input");
        assertTrue(y.equal(rowMajor), "the same values");
        conv.to(MemoryFormat.CHANNELS_LAST);
        assertArrayEquals(new int[] {100, 1, 20, 4}, conv.apply(x).stride(), "a channels-last weight");
        BatchNorm2d bn = new BatchNorm2d(4);
        Tensor z = bn.apply(y);
        assertArrayEquals(new int[] {100, 1, 20, 4}, z.stride(), "batch norm in training");
        z.mul(Tensor.linspace(-1, 1, 400).view(4, 4, 5, 5)).sum().backward();
        assertArrayEquals(new int[] {300, 1, 30, 3}, xcl.grad().stride(), "the input gradient");
        assertArrayEquals(new int[] {27, 1, 9, 3}, conv.weight.grad().stride(), "the weight gradient");
        bn.eval();
        assertArrayEquals(new int[] {100, 1, 20, 4}, bn.apply(y).stride(), "batch norm in evaluation");
        assertArrayEquals(new int[] {100, 25, 5, 1}, bn.apply(rowMajor).stride(), "row-major batch norm");
    }
}
