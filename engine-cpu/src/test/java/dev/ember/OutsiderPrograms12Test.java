package dev.ember;

import dev.ember.nn.AdaptiveAvgPool2d;
import dev.ember.nn.AvgPool2d;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Dropout;
import dev.ember.nn.Functional;
import dev.ember.nn.Identity;
import dev.ember.nn.Init;
import dev.ember.nn.Linear;
import dev.ember.nn.MaxPool2d;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.ReLU6;
import dev.ember.nn.Safetensors;
import dev.ember.nn.Sequential;
import dev.ember.nn.SiLU;
import dev.ember.nn.Sigmoid;
import dev.ember.nn.TorchSerialization;
import dev.ember.nn.utils.Fusion;
import dev.ember.optim.AdamW;
import dev.ember.optim.CosineAnnealingLR;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.ember.OutsiderFixture.assertCloseAny;
import static dev.ember.OutsiderFixture.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 36's outsider pass, round 12: a Java user takes a model that PyTorch trained, written with torchvision's
 * code line by line (narrower widths keep the checkpoints small), saved by {@code torch.save(model.state_dict())} or as
 * a safetensors file, loads it into the same architecture written with Ember, runs inference in eval and fine-tunes it
 * ({@code resources/outsiderprograms12/make_expected.py} wrote the checkpoints, {@code programs12.pt} and
 * {@code texts12.txt} with PyTorch 1.13; random weights and random BatchNorm statistics stand in for "trained"). The
 * vision programs run in float32, as users run them, the block zoo in float64. Tolerances are
 * {@link LossesMoreTest#assertClose}'s (float64: 1e-12 relative to the largest magnitude of the tensor compared;
 * float32: 4e-6 relative), times a factor stated where many float32 sums or optimizer steps compound rounding.
 * <ol>
 * <li>torchvision's ResNet with BasicBlocks from {@code torch.save(state_dict)} ({@code num_batches_tracked} included):
 * eval logits; fine-tuning with the backbone frozen by {@code requires_grad = False} but layer4, fc replaced by a new
 * head, SGD with layer4 in a group of its own lr, in train mode (the frozen BatchNorms still update their statistics),
 * the state dict saved back; {@code fuse_conv_bn_eval} over every conv/bn pair against the unfused eval logits.</li>
 * <li>The loaded ResNet in channels_last under inference_mode (channels-last activations, inference tensors, an
 * inference tensor refused by autograd in PyTorch's words).</li>
 * <li>Grad-CAM on the loaded ResNet (a forward hook keeping layer4's output, a tensor hook its gradient, the channel
 * weights, ReLU, bilinear upsampling, min-max normalization) and feature extraction by forward hooks.</li>
 * <li>Test-time augmentation: five-crop by slicing, flips, the mean of softmaxes, topk.</li>
 * <li>A Bottleneck ResNet with {@code zero_init_residual} from a DataParallel safetensors checkpoint ({@code module.}
 * keys): the strict refusal in PyTorch's words, the prefix stripped, the head's keys dropped and loaded with
 * {@code strict=False} into a 5-class model (the missing and unexpected keys as PyTorch reports them), a step of
 * AdamW with label smoothing.</li>
 * <li>ShuffleNetV2 (channel_shuffle by view/transpose/contiguous, chunk, cat) resumed from a full training checkpoint
 * {model, optimizer, epoch, scheduler} (AdamW with a no-decay group, CosineAnnealingLR): the next epochs as PyTorch's.</li>
 * <li>Blocks: SqueezeNet's Fire modules, DenseNet's dense block and transition, GoogLeNet's Inception, MobileNetV2's
 * inverted residuals, EfficientNet's MBConv with squeeze-excitation and stochastic depth ('row' and 'batch', the
 * Bernoulli noise saved: Ember's generator is Philox), {@code _make_divisible}; train and eval outputs, gradients of
 * every named parameter and of the input, running statistics.</li>
 * <li>print(model) of the ported models as PyTorch's reprs (torchvision's {@code _DenseLayer}, {@code _Transition},
 * {@code Conv2dNormActivation} names by {@code moduleName()}, the fused ResNet's biased convolutions and Identities),
 * and the grad_fn names of the programs' ops (PyTorch 2.x's where 1.13's differ: F.interpolate's node).</li>
 * <li>torchvision's DenseNet (its features an {@code OrderedDict} Sequential grown by {@code add_module}) from a file
 * with the pre-0.4 key names ({@code denselayer1.norm.1.weight}) and no {@code num_batches_tracked}, remapped by
 * torchvision's {@code _load_state_dict} regex and loaded strict; eval, a training forward and backward (float64).</li>
 * <li>timm's {@code trunc_normal_} init (ViT's std 0.02, and truncations that matter) by its moments.</li>
 * </ol>
 * The Bottleneck program also loads the 10-class checkpoint into the 5-class model: the size mismatch is refused with
 * {@code strict=False} too, in PyTorch's words (PyTorch has copied the other tensors by then; Ember leaves the model
 * unchanged).
 * Where BatchNorm trains over a few values per channel (layer4's 1x1 maps of 3 or 4 images) float32's rounding is
 * amplified: PyTorch's own float32 gradients differ from the float64 run of the same numbers by up to 3e-5 relative,
 * so those float32 numbers are judged by their distance from PyTorch's float64 ones ({@link #judged}). What the programs
 * found: a Sequential subclass registering its layers by name (torchvision's {@code _Transition}) had them in its state
 * dict but its forward skipped them and returned the input (fixed: Sequential applies its registered modules, as
 * PyTorch iterates {@code _modules}; {@link SequentialNamedLayersTest}); Sequential had no {@code OrderedDict} form nor
 * {@code add_module} (added).
 */
class OutsiderPrograms12Test {
    private static final OutsiderFixture PT = new OutsiderFixture("outsiderprograms12", "programs12.pt");
    private static final DType F32 = DType.FLOAT32;
    private static final DType F64 = DType.FLOAT64;

    private static Tensor e(String name) {
        return PT.e(name);
    }

    private static void close(Tensor expected, Tensor actual, String what, double loose) {
        assertCloseAny(expected, actual.detach(), what, loose);
    }

    /** Every state dict entry of {@code m} (parameters and buffers, in PyTorch's order) against those under prefix. */
    private static void assertState(String prefix, Module m, double loose, String what) {
        Map<String, Tensor> state = m.stateDict();
        assertEquals(List.copyOf(PT.under(prefix).keySet()), List.copyOf(state.keySet()), what + ": state dict keys");
        for (Map.Entry<String, Tensor> s : state.entrySet()) {
            Tensor expected = e(prefix + s.getKey());
            assertEquals(expected.dtype(), s.getValue().dtype(), what + " " + s.getKey() + " dtype");
            close(expected, s.getValue(), what + " " + s.getKey(), loose);
        }
    }

    /** Every gradient of {@code m}'s parameters that require one against the entries under {@code prefix}. */
    private static void assertGrads(String prefix, Module m, double loose, String what) {
        int n = 0;
        for (Map.Entry<String, Tensor> p : m.namedParameters().entrySet()) {
            Tensor g = p.getValue().grad();
            if (!p.getValue().requiresGrad()) {
                assertNull(g, what + ": a frozen parameter got a gradient: " + p.getKey());
                continue;
            }
            assertTrue(g != null, what + ": no gradient for " + p.getKey());
            close(e(prefix + p.getKey()), g, what + " grad " + p.getKey(), loose);
            n++;
        }
        assertEquals(PT.under(prefix).size(), n, what + ": PyTorch's and Ember's gradients");
    }

    /**
     * A float32 result judged by the float64 run of the same numbers: Ember's largest distance from {@code truth} is at
     * most 4 times PyTorch's float32 distance plus float32's base tolerance (4e-6 of the largest magnitude), for
     * programs whose float32 rounding is amplified (BatchNorm in training over a few values per channel).
     */
    private static void judged(Tensor pytorch32, Tensor truth64, Tensor ember32, String what) {
        judged(pytorch32, truth64, ember32, what, 4e-6);
    }

    /**
     * {@link #judged(Tensor, Tensor, Tensor, String)} with the base tolerance {@code base} of the largest magnitude
     * instead of 4e-6: for parameters after an optimizer step, whose first AdamW step divides each gradient by its own
     * magnitude plus 1e-8, so a near-zero gradient's float32 rounding reaches the parameter times lr / 1e-8 (1e5).
     */
    private static void judged(Tensor pytorch32, Tensor truth64, Tensor ember32, String what, double base) {
        assertEquals(pytorch32.dtype(), ember32.dtype(), what + " dtype");
        assertEquals(java.util.Arrays.toString(pytorch32.shape()), java.util.Arrays.toString(ember32.shape()),
                what + " shape");
        Tensor t = truth64.to(F64);
        double scale = Math.max(t.abs().max().item(), 1e-30);
        double pt = pytorch32.detach().to(F64).sub(t).abs().max().item();
        double em = ember32.detach().to(F64).sub(t).abs().max().item();
        assertTrue(em <= 4 * pt + base * scale, what + ": Ember's float32 error " + em / scale + " (relative), PyTorch's "
                + pt / scale);
    }

    /** PyTorch's printouts the generator wrote, by name. */
    private static Map<String, String> texts() throws Exception {
        Map<String, String> texts = new LinkedHashMap<>();
        String all = Files.readString(PT.resource("texts12.txt"));
        for (String block : all.split("\n<<<\n")) {
            if (block.isBlank()) {
                continue;
            }
            int nl = block.indexOf('\n');
            texts.put(block.substring(0, nl), block.substring(nl + 1));
        }
        return texts;
    }

    /** A module whose forward calls its children by name, as Python's {@code self.conv1(x)} reads the attribute. */
    abstract static class Net extends Module {
        Tensor call(String name, Tensor x) {
            return getSubmodule(name).apply(x);
        }

        /** The children {@code names} applied in turn, as a forward's {@code x = self.conv1(x); x = self.bn1(x); ...}. */
        Tensor call(Tensor x, String... names) {
            for (String name : names) {
                x = call(name, x);
            }
            return x;
        }
    }

    // ------------------------------------------------------------------ torchvision/models/resnet.py

    static Conv2d conv3x3(int inPlanes, int outPlanes, int stride) {
        return new Conv2d(inPlanes, outPlanes, new int[] {3, 3}, new int[] {stride, stride}, new int[] {1, 1},
                new int[] {1, 1}, 1, false);
    }

    static Conv2d conv1x1(int inPlanes, int outPlanes, int stride) {
        return new Conv2d(inPlanes, outPlanes, new int[] {1, 1}, new int[] {stride, stride}, new int[] {0, 0},
                new int[] {1, 1}, 1, false);
    }

    /** What torchvision's two residual blocks share: the optional downsample and the {@code out += identity; relu}. */
    abstract static class ResidualBlock extends Net {
        boolean hasDownsample;

        /**
         * {@code self.downsample = downsample}, registered after the block's layers: a Module goes to _modules, None
         * stays a plain attribute (not printed).
         */
        void downsample(Sequential downsample) {
            if (downsample != null) {
                registerModule("downsample", downsample);
            }
            hasDownsample = downsample != null;
        }

        /** {@code out += identity} (the downsampled input where there is a downsample), then the in-place ReLU. */
        Tensor addIdentity(Tensor out, Tensor x) {
            Tensor identity = hasDownsample ? call("downsample", x) : x;
            out.add_(identity);
            return call("relu", out);
        }
    }

    /** torchvision's BasicBlock: {@code out += identity} and the in-place ReLU. */
    static final class BasicBlock extends ResidualBlock {
        static final int EXPANSION = 1;

        BasicBlock(int inplanes, int planes, int stride, Sequential downsample) {
            registerModule("conv1", conv3x3(inplanes, planes, stride));
            registerModule("bn1", new BatchNorm2d(planes));
            registerModule("relu", new ReLU(true));
            registerModule("conv2", conv3x3(planes, planes, 1));
            registerModule("bn2", new BatchNorm2d(planes));
            downsample(downsample);
        }

        @Override
        public Tensor forward(Tensor x) {
            return addIdentity(call(x, "conv1", "bn1", "relu", "conv2", "bn2"), x);
        }
    }

    /** torchvision's Bottleneck (expansion 4, groups 1, base width 64). */
    static final class Bottleneck extends ResidualBlock {
        static final int EXPANSION = 4;

        Bottleneck(int inplanes, int planes, int stride, Sequential downsample) {
            int width = planes;
            registerModule("conv1", conv1x1(inplanes, width, 1));
            registerModule("bn1", new BatchNorm2d(width));
            registerModule("conv2", conv3x3(width, width, stride));
            registerModule("bn2", new BatchNorm2d(width));
            registerModule("conv3", conv1x1(width, planes * EXPANSION, 1));
            registerModule("bn3", new BatchNorm2d(planes * EXPANSION));
            registerModule("relu", new ReLU(true));
            downsample(downsample);
        }

        @Override
        public Tensor forward(Tensor x) {
            return addIdentity(call(x, "conv1", "bn1", "relu", "conv2", "bn2", "relu", "conv3", "bn3"), x);
        }
    }

    /** torchvision's ResNet with the widths w, 2w, 4w, 8w (64 in torchvision). */
    static final class ResNet extends Net {
        final boolean bottleneck;
        int inplanes;

        ResNet(boolean bottleneck, int[] layers, int numClasses, boolean zeroInitResidual, int w) {
            this.bottleneck = bottleneck;
            int expansion = bottleneck ? Bottleneck.EXPANSION : BasicBlock.EXPANSION;
            inplanes = w;
            registerModule("conv1", new Conv2d(3, inplanes, new int[] {7, 7}, new int[] {2, 2}, new int[] {3, 3},
                    new int[] {1, 1}, 1, false));
            registerModule("bn1", new BatchNorm2d(inplanes));
            registerModule("relu", new ReLU(true));
            registerModule("maxpool", new MaxPool2d(3, 2, 1));
            registerModule("layer1", makeLayer(w, layers[0], 1));
            registerModule("layer2", makeLayer(2 * w, layers[1], 2));
            registerModule("layer3", makeLayer(4 * w, layers[2], 2));
            registerModule("layer4", makeLayer(8 * w, layers[3], 2));
            registerModule("avgpool", new AdaptiveAvgPool2d(1, 1));
            registerModule("fc", new Linear(8 * w * expansion, numClasses));
            for (Module m : modules()) {
                if (m instanceof Conv2d c) {
                    Init.kaimingNormal_(c.weight(), 0, "fan_out", "relu");
                } else if (m instanceof BatchNorm2d b) {
                    Init.constant_(b.weight(), 1);
                    Init.constant_(b.bias(), 0);
                }
            }
            if (zeroInitResidual) {
                for (Module m : modules()) {
                    if (m instanceof Bottleneck b) {
                        Init.constant_(((BatchNorm2d) b.getSubmodule("bn3")).weight(), 0);
                    } else if (m instanceof BasicBlock b) {
                        Init.constant_(((BatchNorm2d) b.getSubmodule("bn2")).weight(), 0);
                    }
                }
            }
        }

        private Sequential makeLayer(int planes, int blocks, int stride) {
            int expansion = bottleneck ? Bottleneck.EXPANSION : BasicBlock.EXPANSION;
            Sequential downsample = null;
            if (stride != 1 || inplanes != planes * expansion) {
                downsample = new Sequential(conv1x1(inplanes, planes * expansion, stride),
                        new BatchNorm2d(planes * expansion));
            }
            List<Module> layers = new ArrayList<>();
            layers.add(bottleneck ? new Bottleneck(inplanes, planes, stride, downsample)
                    : new BasicBlock(inplanes, planes, stride, downsample));
            inplanes = planes * expansion;
            for (int i = 1; i < blocks; i++) {
                layers.add(bottleneck ? new Bottleneck(inplanes, planes, 1, null) : new BasicBlock(inplanes, planes, 1, null));
            }
            return new Sequential(layers.toArray(new Module[0]));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = call(x, "conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool");
            return call("fc", x.flatten(1));
        }
    }

    static ResNet resnetBasic() {
        return new ResNet(false, new int[] {2, 1, 1, 1}, 10, false, 4);
    }

    /** The BasicBlock ResNet with torch.save(model.state_dict())'s file loaded, strict. */
    static ResNet loadedBasic() throws Exception {
        ResNet model = resnetBasic();
        model.loadStateDict(TorchSerialization.loadStateDict(PT.resource("resnet_basic.pt")));
        return model;
    }

    // ------------------------------------------------------------------ 1. ResNet: eval, fine-tune, fuse

    @Test
    void resnetFromStateDictEvalThenFineTuneWithFrozenBackboneAndNewHead(@TempDir Path dir) throws Exception {
        Map<String, Tensor> file = TorchSerialization.loadStateDict(PT.resource("resnet_basic.pt"));
        assertEquals(F32, file.get("conv1.weight").dtype());
        assertEquals(DType.INT64, file.get("bn1.num_batches_tracked").dtype());
        ResNet model = resnetBasic();
        assertEquals(List.copyOf(file.keySet()), List.copyOf(model.stateDict().keySet()), "torchvision's key names");
        model.loadStateDict(file);
        assertEquals(file.get("layer1.0.bn2.num_batches_tracked").item(),
                model.getBuffer("layer1.0.bn2.num_batches_tracked").item(), "num_batches_tracked loaded");
        Tensor x = e("rb.x");
        model.eval();
        try (GradMode g = Ember.noGrad()) {
            // 14 convolutions of up to 288 float32 products each, BatchNorm's affine: 10x float32's base
            close(e("rb.eval"), model.apply(x), "eval logits", 10);
        }

        // fine-tune: every parameter frozen, fc replaced by a new head, layer4 unfrozen
        for (Tensor p : model.parameters()) {
            p.requiresGrad_(false);
        }
        Linear fc = new Linear(((Linear) model.getSubmodule("fc")).inFeatures(), 5);
        fc.loadStateDict(PT.under("rb.fc0."));
        model.setSubmodule("fc", fc);
        Module layer4 = model.getSubmodule("layer4");
        for (Tensor p : layer4.parameters()) {
            p.requiresGrad_(true);
        }
        SGD opt = new SGD(layer4.parameters(), 0.1, 0.9, 0, 1e-4, false);
        opt.paramGroups().get(0).setLr(0.01);
        opt.addParamGroup(fc.parameters(), Map.of());
        model.train();
        Tensor y = e("rb.y");
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            opt.zeroGrad();
            Tensor loss = Functional.crossEntropy(model.apply(x), y);
            loss.backward();
            if (step == 0) {
                int n = 0;
                for (Map.Entry<String, Tensor> p : model.namedParameters().entrySet()) {
                    if (p.getValue().requiresGrad()) {
                        judged(e("rb.grad." + p.getKey()), e("rb64.grad." + p.getKey()), p.getValue().grad(),
                                "first backward " + p.getKey());
                        n++;
                    } else {
                        assertNull(p.getValue().grad(), "a frozen parameter's gradient");
                    }
                }
                assertEquals(PT.under("rb.grad.").size(), n, "the parameters that got gradients");
            }
            opt.step();
            losses.add(loss.item());
        }
        judged(e("rb.losses"), e("rb64.losses"), values(losses, F32), "losses");
        Map<String, Tensor> state = model.stateDict();
        assertEquals(List.copyOf(file.keySet()), List.copyOf(state.keySet()), "state dict keys");
        Map<String, Tensor> changed = PT.under("rb.final.");
        for (Map.Entry<String, Tensor> s : state.entrySet()) {
            if (!changed.containsKey(s.getKey())) {
                // a frozen weight: the checkpoint's, bit for bit
                assertTrue(file.get(s.getKey()).equal(s.getValue()), "frozen " + s.getKey());
            } else if (s.getValue().dtype() == DType.INT64) {
                assertEquals(e("rb.final." + s.getKey()).item(), s.getValue().item(), s.getKey());
            } else {
                judged(e("rb.final." + s.getKey()), e("rb64.final." + s.getKey()), s.getValue(), "after fine-tuning "
                        + s.getKey());
            }
        }
        model.eval();
        try (GradMode g = Ember.noGrad()) {
            judged(e("rb.eval_after"), e("rb64.eval_after"), model.apply(x), "eval logits after fine-tuning");
        }

        // the state dict saved back as PyTorch reads it, and loaded again
        Path saved = dir.resolve("finetuned.pt");
        TorchSerialization.saveStateDict(model.stateDict(), saved);
        Map<String, Tensor> back = TorchSerialization.loadStateDict(saved);
        assertEquals(List.copyOf(file.keySet()), List.copyOf(back.keySet()), "saved keys");
        for (Map.Entry<String, Tensor> b : back.entrySet()) {
            assertTrue(b.getValue().equal(model.stateDict().get(b.getKey())), "saved " + b.getKey());
        }
    }

    /** torch.nn.utils.fusion.fuse_conv_bn_eval over every conv/bn pair of the eval model, each bn replaced by Identity. */
    static void fuse(ResNet model) {
        model.setSubmodule("conv1", Fusion.fuseConvBnEval(model.getSubmodule("conv1"), model.getSubmodule("bn1")));
        model.setSubmodule("bn1", new Identity());
        for (String layer : List.of("layer1", "layer2", "layer3", "layer4")) {
            for (Module blk : ((Sequential) model.getSubmodule(layer)).children()) {
                for (String[] pair : new String[][] {{"conv1", "bn1"}, {"conv2", "bn2"}}) {
                    blk.setSubmodule(pair[0], Fusion.fuseConvBnEval(blk.getSubmodule(pair[0]), blk.getSubmodule(pair[1])));
                    blk.setSubmodule(pair[1], new Identity());
                }
                if (((BasicBlock) blk).hasDownsample) {
                    Sequential ds = (Sequential) blk.getSubmodule("downsample");
                    ds.setSubmodule("0", Fusion.fuseConvBnEval(ds.get(0), ds.get(1)));
                    ds.setSubmodule("1", new Identity());
                }
            }
        }
    }

    @Test
    void resnetConvBnFusionForInferenceMatchesTheUnfusedEval() throws Exception {
        ResNet model = loadedBasic();
        model.eval();
        Tensor x = e("rb.x");
        Tensor unfused;
        try (GradMode g = Ember.noGrad()) {
            unfused = model.apply(x);
        }
        fuse(model);
        assertState("rb.fused_state.", model, 10, "fused");
        try (GradMode g = Ember.noGrad()) {
            Tensor fused = model.apply(x);
            close(e("rb.fused"), fused, "fused eval logits", 10);
            close(unfused, fused, "fused against unfused", 10);
        }
    }

    @Test
    void resnetChannelsLastInferenceModeAndAnInferenceTensorRefusedByAutograd() throws Exception {
        Map<String, String> texts = texts();
        ResNet model = loadedBasic();
        model.eval();
        model.to(MemoryFormat.CHANNELS_LAST);
        boolean[] layer4ChannelsLast = new boolean[1];
        RemovableHandle h = model.getSubmodule("layer4").registerForwardHook((m, in, out) -> {
            layer4ChannelsLast[0] = out.get(0).isContiguous(MemoryFormat.CHANNELS_LAST);
            return null;
        });
        Tensor logits;
        try (InferenceMode im = Ember.inferenceMode()) {
            logits = model.apply(e("rb.x").contiguous(MemoryFormat.CHANNELS_LAST));
        }
        h.remove();
        Tensor copy = logits.clone();
        assertEquals(texts.get("cl.flags"), pyBool(layer4ChannelsLast[0]) + " " + pyBool(logits.isInference()) + " "
                + pyBool(copy.isInference()) + " "
                + pyBool(model.getParameter("conv1.weight").isContiguous(MemoryFormat.CHANNELS_LAST)),
                "channels_last activations, inference tensors, a clone outside inference mode, the weights' format");
        // the same sums in another memory order: 10x float32's base, as the contiguous eval
        close(e("cl.eval"), copy, "channels_last eval logits", 10);
        close(e("rb.eval"), copy, "channels_last against contiguous eval logits", 10);
        Tensor w = Tensor.randn(10).requiresGrad_(true);
        Tensor inference = logits;
        assertEquals(texts.get("cl.inference_error"),
                assertThrows(RuntimeException.class, () -> inference.mul(w).sum()).getMessage());
    }

    private static String pyBool(boolean b) {
        return b ? "True" : "False";
    }

    // ------------------------------------------------------------------ 2. Grad-CAM and feature extraction

    @Test
    void gradCamByHooksAndFeatureExtraction() throws Exception {
        ResNet model = loadedBasic();
        model.eval();
        Map<String, Tensor> feats = new LinkedHashMap<>();
        List<RemovableHandle> handles = new ArrayList<>();
        for (String n : List.of("layer1", "layer2", "layer3", "layer4")) {
            handles.add(model.getSubmodule(n).registerForwardHook((m, in, out) -> {
                feats.put(n, out.get(0));
                return null;
            }));
        }
        Map<String, Tensor> activations = new LinkedHashMap<>(), gradients = new LinkedHashMap<>();
        RemovableHandle h = model.getSubmodule("layer4").registerForwardHook((m, in, out) -> {
            activations.put("value", out.get(0));
            out.get(0).registerHook(g -> {
                gradients.put("value", g);
                return null;
            });
            return null;
        });
        Tensor img = e("cam.x");
        Tensor logits = model.apply(img);
        for (String n : List.of("layer1", "layer2", "layer3", "layer4")) {
            close(e("cam.feat." + n), feats.get(n), "feature " + n, 10);
        }
        for (RemovableHandle hd : handles) {
            hd.remove();
        }
        Tensor cls = logits.argmax(1);
        assertEquals(e("cam.cls").toList(), cls.toList(), "predicted classes");
        Tensor score = logits.gather(1, cls.view(-1, 1)).sum();
        model.zeroGrad();
        score.backward();
        h.remove();
        Tensor acts = activations.get("value").detach();
        Tensor grads = gradients.get("value");
        close(e("cam.grads"), grads, "layer4's gradient", 10);
        Tensor weights = grads.mean(new int[] {2, 3}, true);
        Tensor cam = Functional.relu(weights.mul(acts).sum(new int[] {1}, true));
        cam = Functional.interpolate(cam, new int[] {(int) img.size(-2), (int) img.size(-1)}, null, "bilinear", false, null);
        int b = (int) cam.size(0);
        Tensor cmin = cam.view(b, -1).min(1).values().view(b, 1, 1, 1);
        Tensor cmax = cam.view(b, -1).max(1).values().view(b, 1, 1, 1);
        cam = cam.sub(cmin).div(cmax.sub(cmin).add(1e-8));
        // normalized to [0, 1]: the float32 map relative to its range
        close(e("cam.cam"), cam, "Grad-CAM map", 30);
        close(e("cam.fc_grad"), ((Linear) model.getSubmodule("fc")).weight().grad(), "fc gradient", 10);
    }

    // ------------------------------------------------------------------ 3. test-time augmentation

    static List<Tensor> fiveCrop(Tensor t, int size) {
        int h = (int) t.size(-2), w = (int) t.size(-1);
        Index all = Index.ellipsis();
        Tensor tl = t.index(all, Index.slice(0, size, null), Index.slice(0, size, null));
        Tensor tr = t.index(all, Index.slice(0, size, null), Index.slice(w - size, w, null));
        Tensor bl = t.index(all, Index.slice(h - size, h, null), Index.slice(0, size, null));
        Tensor br = t.index(all, Index.slice(h - size, h, null), Index.slice(w - size, w, null));
        int top = (int) Math.round((h - size) / 2.0), left = (int) Math.round((w - size) / 2.0);
        Tensor center = t.index(all, Index.slice(top, top + size, null), Index.slice(left, left + size, null));
        return List.of(tl, tr, bl, br, center);
    }

    @Test
    void testTimeAugmentationFiveCropFlipsSoftmaxMeanTopk() throws Exception {
        ResNet model = loadedBasic();
        model.eval();
        Tensor big = e("tta.x");
        try (GradMode g = Ember.noGrad()) {
            List<Tensor> views = new ArrayList<>(fiveCrop(big, 32));
            for (Tensor v : List.copyOf(views)) {
                views.add(v.flip(-1));
            }
            views.add(big.index(Index.ellipsis(), Index.slice(4, 36, null), Index.slice(4, 36, null)).flip(-2, -1));
            List<Tensor> probs = new ArrayList<>();
            for (Tensor v : views) {
                probs.add(Functional.softmax(model.apply(v), 1));
            }
            Tensor mean = Tensor.stack(probs, 0).mean(0);
            close(e("tta.probs"), mean, "mean of softmaxes", 10);
            Tensor.ValuesIndices top = mean.topk(3, 1);
            close(e("tta.top_values"), top.values(), "top-3 probabilities", 10);
            assertEquals(e("tta.top_indices").toList(), top.indices().toList(), "top-3 classes");
        }
    }

    // ------------------------------------------------------------------ 4. Bottleneck ResNet from a DataParallel file

    @Test
    void bottleneckResNetFromDataParallelSafetensorsStrictAndNonStrict() throws Exception {
        Map<String, String> texts = texts();
        Map<String, Tensor> file = Safetensors.load(PT.resource("resnet_bottleneck.safetensors"));
        ResNet fresh = new ResNet(true, new int[] {1, 1, 1, 1}, 10, true, 4);
        // zero_init_residual: every Bottleneck's last BatchNorm starts at zero weight
        assertEquals(e("rbn.init_bn3").toList(), fresh.getParameter("layer2.0.bn3.weight").toList(), "zero_init_residual");
        Tensor conv1Before = fresh.getParameter("conv1.weight").clone();
        // the prefixed file as it is: PyTorch's refusal, the model unchanged
        RuntimeException refused = assertThrows(RuntimeException.class, () -> fresh.loadStateDict(file));
        assertEquals(texts.get("rbn.strict_error"), refused.getMessage(), "strict load of 'module.' keys");
        assertTrue(conv1Before.equal(fresh.getParameter("conv1.weight")), "the refused load left the model unchanged");

        // the user's fix: strip 'module.'
        Map<String, Tensor> state = new LinkedHashMap<>();
        file.forEach((k, v) -> state.put(k.startsWith("module.") ? k.substring("module.".length()) : k, v));
        fresh.loadStateDict(state);
        fresh.eval();
        try (GradMode g = Ember.noGrad()) {
            // 17 convolutions of up to 144 float32 products each, BatchNorm's affine: 10x float32's base
            close(e("rbn.eval"), fresh.apply(e("rbn.x")), "eval logits", 10);
        }

        // a new 5-class head: the checkpoint's head dropped, loaded with strict=False
        Map<String, Tensor> backbone = new LinkedHashMap<>();
        state.forEach((k, v) -> {
            if (!k.startsWith("fc.")) {
                backbone.put(k, v);
            }
        });
        ResNet m5 = new ResNet(true, new int[] {1, 1, 1, 1}, 5, true, 4);
        m5.getSubmodule("fc").loadStateDict(PT.under("rbn.fc0."));
        Module.IncompatibleKeys keys = m5.loadStateDict(backbone, false);
        assertEquals(texts.get("rbn.nonstrict"), keys.toString(), "str(load_state_dict(strict=False))");
        assertEquals(texts.get("rbn.nonstrict_missing"), "['" + String.join("', '", keys.missingKeys()) + "']");
        assertEquals(texts.get("rbn.nonstrict_unexpected"), keys.unexpectedKeys().toString());
        // the head's keys kept: a size mismatch, refused with strict=False too, in PyTorch's words (PyTorch has copied the
        // other tensors by then; Ember checks first and leaves the model unchanged)
        for (boolean strict : new boolean[] {true, false}) {
            ResNet wrongHead = new ResNet(true, new int[] {1, 1, 1, 1}, 5, true, 4);
            Tensor before = wrongHead.getParameter("layer1.0.conv1.weight").clone();
            RuntimeException mismatch = assertThrows(RuntimeException.class, () -> wrongHead.loadStateDict(state, strict));
            assertEquals(texts.get("rbn.size_mismatch_" + (strict ? "True" : "False")), mismatch.getMessage(),
                    "size mismatch, strict=" + strict);
            assertTrue(before.equal(wrongHead.getParameter("layer1.0.conv1.weight")), "the refused load changed nothing");
        }
        Map<String, Tensor> extra = new LinkedHashMap<>(backbone);
        extra.put("fc_old.weight", Tensor.zeros(F32, 1));
        assertEquals(texts.get("rbn.nonstrict_extra"), m5.loadStateDict(extra, false).toString(), "an unexpected key");

        // one AdamW step with label smoothing in train mode, judged by PyTorch's float64 run of the same numbers
        m5.train();
        AdamW opt = new AdamW(m5.parameters(), 1e-3, 0.9, 0.999, 1e-8, 0.05, false);
        Tensor loss = Functional.crossEntropy(m5.apply(e("rbn.x")), e("rbn.y"), "mean", 0.1);
        loss.backward();
        judged(e("rbn.loss"), e("rbn64.loss"), loss, "loss");
        for (Map.Entry<String, Tensor> p : m5.namedParameters().entrySet()) {
            judged(e("rbn.grad." + p.getKey()), e("rbn64.grad." + p.getKey()), p.getValue().grad(), "grad " + p.getKey());
        }
        opt.step();
        Map<String, Tensor> after = m5.stateDict();
        assertEquals(List.copyOf(PT.under("rbn.final.").keySet()), List.copyOf(after.keySet()), "state dict keys");
        for (Map.Entry<String, Tensor> s : after.entrySet()) {
            if (s.getValue().dtype() == DType.INT64) {
                assertEquals(e("rbn.final." + s.getKey()).item(), s.getValue().item(), s.getKey());
            } else {
                // session 58: batch norm's float32 output and input gradient in float as PyTorch's (alpha, beta)
                // left layer3.0.downsample.0.weight at 1.06e-5 against 4 * 1.53e-6 + 4e-6 (the gradients all pass)
                judged(e("rbn.final." + s.getKey()), e("rbn64.final." + s.getKey()), s.getValue(), "after " + s.getKey(),
                        8e-6);
            }
        }
    }

    // ------------------------------------------------------------------ 5. ShuffleNetV2 resumed from a checkpoint

    static Tensor channelShuffle(Tensor x, int groups) {
        int batchsize = (int) x.size(0), numChannels = (int) x.size(1), height = (int) x.size(2), width = (int) x.size(3);
        int channelsPerGroup = numChannels / groups;
        // reshape
        x = x.view(batchsize, groups, channelsPerGroup, height, width);
        x = x.transpose(1, 2).contiguous();
        // flatten
        return x.view(batchsize, numChannels, height, width);
    }

    static Conv2d depthwiseConv(int i, int o, int kernel, int stride, int padding) {
        return new Conv2d(i, o, new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding},
                new int[] {1, 1}, i, false);
    }

    /** torchvision's shufflenetv2.InvertedResidual. */
    static final class ShuffleUnit extends Module {
        final int stride;

        @Override
        protected String moduleName() {
            return "InvertedResidual";
        }
        final Sequential branch1;
        final Sequential branch2;

        ShuffleUnit(int inp, int oup, int stride) {
            this.stride = stride;
            int branchFeatures = oup / 2;
            branch1 = registerModule("branch1", stride > 1 ? new Sequential(
                    depthwiseConv(inp, inp, 3, stride, 1),
                    new BatchNorm2d(inp),
                    conv1x1(inp, branchFeatures, 1),
                    new BatchNorm2d(branchFeatures),
                    new ReLU(true)) : new Sequential());
            branch2 = registerModule("branch2", new Sequential(
                    conv1x1(stride > 1 ? inp : branchFeatures, branchFeatures, 1),
                    new BatchNorm2d(branchFeatures),
                    new ReLU(true),
                    depthwiseConv(branchFeatures, branchFeatures, 3, stride, 1),
                    new BatchNorm2d(branchFeatures),
                    conv1x1(branchFeatures, branchFeatures, 1),
                    new BatchNorm2d(branchFeatures),
                    new ReLU(true)));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor out;
            if (stride == 1) {
                List<Tensor> c = x.chunk(2, 1);
                out = Tensor.cat(List.of(c.get(0), branch2.apply(c.get(1))), 1);
            } else {
                out = Tensor.cat(List.of(branch1.apply(x), branch2.apply(x)), 1);
            }
            return channelShuffle(out, 2);
        }
    }

    /** torchvision's ShuffleNetV2. */
    static final class ShuffleNetV2 extends Net {
        ShuffleNetV2(int[] repeats, int[] outChannels, int numClasses) {
            int input = 3, output = outChannels[0];
            registerModule("conv1", new Sequential(new Conv2d(input, output, new int[] {3, 3}, new int[] {2, 2},
                    new int[] {1, 1}, new int[] {1, 1}, 1, false), new BatchNorm2d(output), new ReLU(true)));
            input = output;
            registerModule("maxpool", new MaxPool2d(3, 2, 1));
            for (int s = 0; s < 3; s++) {
                output = outChannels[s + 1];
                List<Module> seq = new ArrayList<>();
                seq.add(new ShuffleUnit(input, output, 2));
                for (int i = 0; i < repeats[s] - 1; i++) {
                    seq.add(new ShuffleUnit(output, output, 1));
                }
                registerModule("stage" + (s + 2), new Sequential(seq.toArray(new Module[0])));
                input = output;
            }
            output = outChannels[outChannels.length - 1];
            registerModule("conv5", new Sequential(conv1x1(input, output, 1), new BatchNorm2d(output), new ReLU(true)));
            registerModule("fc", new Linear(output, numClasses));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = call(x, "conv1", "maxpool", "stage2", "stage3", "stage4", "conv5");
            x = x.mean(new int[] {2, 3}, false); // globalpool
            return call("fc", x);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void shuffleNetResumedFromAFullTrainingCheckpoint() throws Exception {
        ShuffleNetV2 model = new ShuffleNetV2(new int[] {2, 1, 1}, new int[] {8, 16, 32, 64, 48}, 6);
        model.to(F64);
        List<Tensor> decay = new ArrayList<>(), noDecay = new ArrayList<>();
        for (Tensor p : model.parameters()) {
            (p.dim() <= 1 ? noDecay : decay).add(p);
        }
        AdamW opt = new AdamW(decay, 3e-3, 0.9, 0.999, 1e-8, 0.05, false);
        opt.addParamGroup(noDecay, Map.of("weight_decay", 0.0));
        CosineAnnealingLR sched = new CosineAnnealingLR(opt, 4, 1e-4);

        Map<String, Object> ckpt = (Map<String, Object>) TorchSerialization.load(PT.resource("shufflenet_ckpt.pt"));
        assertEquals(List.of("model", "optimizer", "epoch", "scheduler"), List.copyOf(ckpt.keySet()));
        Map<String, Tensor> saved = (Map<String, Tensor>) ckpt.get("model");
        assertEquals(List.copyOf(saved.keySet()), List.copyOf(model.stateDict().keySet()), "torchvision's key names");
        model.loadStateDict(saved);
        opt.loadStateDict((Map<String, Object>) ckpt.get("optimizer"));
        sched.loadStateDict((Map<String, Object>) ckpt.get("scheduler"));
        long start = ((Number) ckpt.get("epoch")).longValue();
        assertEquals(2L, start);
        close(e("sh.lrs").narrow(0, 1, 1), values(List.of(opt.paramGroups().get(1).lr()), F64), "the resumed lr", 1);

        Tensor x = e("sh.x"), y = e("sh.y");
        List<Double> losses = new ArrayList<>(), lrs = new ArrayList<>();
        for (long epoch = start; epoch < 4; epoch++) {
            model.train();
            opt.zeroGrad();
            Tensor loss = Functional.crossEntropy(model.apply(x), y);
            loss.backward();
            opt.step();
            sched.step();
            losses.add(loss.item());
            lrs.add(opt.paramGroups().get(0).lr());
        }
        close(e("sh.losses").narrow(0, 2, 2), values(losses, F64), "losses after resuming", 10);
        close(e("sh.lrs").narrow(0, 2, 2), values(lrs, F64), "lrs after resuming", 1);
        // two Adam steps divide by the square roots of small second moments: 1000x float64's base. The biases of the
        // BatchNorms that a convolution and another BatchNorm follow have a gradient of zero in exact arithmetic (the
        // second BatchNorm removes any per-channel constant): they start at zero and only Adam's eps-damped steps of
        // rounding noise move them (PyTorch's stay below 1e-8): compared by size, not by value
        Map<String, Tensor> state = model.stateDict();
        assertEquals(List.copyOf(PT.under("sh.final.").keySet()), List.copyOf(state.keySet()), "state dict keys");
        int noise = 0;
        for (Map.Entry<String, Tensor> s : state.entrySet()) {
            Tensor expected = e("sh.final." + s.getKey());
            if (s.getKey().endsWith(".bias") && expected.abs().max().item() < 1e-8) {
                assertTrue(s.getValue().abs().max().item() < 1e-8, "rounding-noise bias " + s.getKey());
                noise++;
            } else {
                close(expected, s.getValue(), "after resuming " + s.getKey(), 1000);
            }
        }
        assertTrue(noise <= 8, "only the BatchNorm biases before a conv and a BatchNorm: " + noise);
        model.eval();
        try (GradMode g = Ember.noGrad()) {
            close(e("sh.eval"), model.apply(x), "eval logits", 1000);
        }
    }

    // ------------------------------------------------------------------ 6. torchvision's blocks

    /** torchvision's squeezenet.Fire. */
    static final class Fire extends Net {
        Fire(int inplanes, int squeezePlanes, int expand1x1Planes, int expand3x3Planes) {
            registerModule("squeeze", new Conv2d(inplanes, squeezePlanes, 1));
            registerModule("squeeze_activation", new ReLU(true));
            registerModule("expand1x1", new Conv2d(squeezePlanes, expand1x1Planes, 1));
            registerModule("expand1x1_activation", new ReLU(true));
            registerModule("expand3x3", new Conv2d(squeezePlanes, expand3x3Planes, 3, 1, 1));
            registerModule("expand3x3_activation", new ReLU(true));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = call("squeeze_activation", call("squeeze", x));
            return Tensor.cat(List.of(call("expand1x1_activation", call("expand1x1", x)),
                    call("expand3x3_activation", call("expand3x3", x))), 1);
        }
    }

    static MaxPool2d ceilPool(int kernel, int stride, int padding) {
        // nn.MaxPool2d(3, 2, ceil_mode=True): one int each (PyTorch prints what it was given)
        return new MaxPool2d(new int[] {kernel}, new int[] {stride}, new int[] {padding}, new int[] {1}, true);
    }

    /** torchvision's SqueezeNet 1_1, shortened and narrowed as the generator's. */
    static final class SqueezeNet extends Net {
        SqueezeNet(int numClasses) {
            registerModule("features", new Sequential(
                    new Conv2d(3, 16, 3, 2, 0),
                    new ReLU(true),
                    ceilPool(3, 2, 0),
                    new Fire(16, 4, 8, 8),
                    new Fire(16, 4, 8, 8),
                    ceilPool(3, 2, 0),
                    new Fire(16, 6, 12, 12)));
            registerModule("classifier", new Sequential(new Dropout(0.0), new Conv2d(24, numClasses, 1), new ReLU(true),
                    new AdaptiveAvgPool2d(1, 1)));
        }

        @Override
        public Tensor forward(Tensor x) {
            return call("classifier", call("features", x)).flatten(1);
        }
    }

    /** torchvision's densenet._DenseLayer (drop rate 0, not memory-efficient) called with the list of features. */
    static final class DenseLayer extends Net {
        @Override
        protected String moduleName() {
            return "_DenseLayer";
        }

        DenseLayer(int numInputFeatures, int growthRate, int bnSize) {
            registerModule("norm1", new BatchNorm2d(numInputFeatures));
            registerModule("relu1", new ReLU(true));
            registerModule("conv1", conv1x1(numInputFeatures, bnSize * growthRate, 1));
            registerModule("norm2", new BatchNorm2d(bnSize * growthRate));
            registerModule("relu2", new ReLU(true));
            registerModule("conv2", conv3x3(bnSize * growthRate, growthRate, 1));
        }

        Tensor forward(List<Tensor> prevFeatures) {
            Tensor concatedFeatures = Tensor.cat(prevFeatures, 1);
            Tensor bottleneckOutput = call("conv1", call("relu1", call("norm1", concatedFeatures)));
            return call("conv2", call("relu2", call("norm2", bottleneckOutput)));
        }

        @Override
        public Tensor forward(Tensor x) {
            return forward(List.of(x));
        }
    }

    /** torchvision's densenet._DenseBlock (a ModuleDict in PyTorch: its layers under denselayer1, ...). */
    static final class DenseBlock extends Module {
        @Override
        protected String moduleName() {
            return "_DenseBlock";
        }

        final List<DenseLayer> layers = new ArrayList<>();

        DenseBlock(int numLayers, int numInputFeatures, int bnSize, int growthRate) {
            for (int i = 0; i < numLayers; i++) {
                layers.add(registerModule("denselayer" + (i + 1),
                        new DenseLayer(numInputFeatures + i * growthRate, growthRate, bnSize)));
            }
        }

        @Override
        public Tensor forward(Tensor initFeatures) {
            List<Tensor> features = new ArrayList<>(List.of(initFeatures));
            for (DenseLayer layer : layers) {
                features.add(layer.forward(features));
            }
            return Tensor.cat(features, 1);
        }
    }

    /**
     * torchvision's densenet._Transition: an nn.Sequential subclass whose constructor assigns its layers as attributes
     * (registered by name), which its inherited forward applies in order.
     */
    static final class Transition extends Sequential {
        @Override
        protected String moduleName() {
            return "_Transition";
        }

        Transition(int numInputFeatures, int numOutputFeatures) {
            registerModule("norm", new BatchNorm2d(numInputFeatures));
            registerModule("relu", new ReLU(true));
            registerModule("conv", conv1x1(numInputFeatures, numOutputFeatures, 1));
            registerModule("pool", new AvgPool2d(2, 2));
        }
    }

    /** torchvision's googlenet.BasicConv2d (BatchNorm's eps 0.001, F.relu in place). */
    static final class BasicConv2d extends Net {
        BasicConv2d(int in, int out, int kernel, int padding) {
            registerModule("conv", new Conv2d(in, out, kernel, 1, padding, false));
            registerModule("bn", new BatchNorm2d(out, 0.001, 0.1));
        }

        @Override
        public Tensor forward(Tensor x) {
            return Functional.relu(call("bn", call("conv", x)), true);
        }
    }

    /** torchvision's googlenet.Inception (with its branch3 3x3 "known bug"). */
    static final class Inception extends Net {
        Inception(int in, int ch1x1, int ch3x3red, int ch3x3, int ch5x5red, int ch5x5, int poolProj) {
            registerModule("branch1", new BasicConv2d(in, ch1x1, 1, 0));
            registerModule("branch2", new Sequential(new BasicConv2d(in, ch3x3red, 1, 0),
                    new BasicConv2d(ch3x3red, ch3x3, 3, 1)));
            registerModule("branch3", new Sequential(new BasicConv2d(in, ch5x5red, 1, 0),
                    new BasicConv2d(ch5x5red, ch5x5, 3, 1)));
            registerModule("branch4", new Sequential(ceilPool(3, 1, 1), new BasicConv2d(in, poolProj, 1, 0)));
        }

        @Override
        public Tensor forward(Tensor x) {
            return Tensor.cat(List.of(call("branch1", x), call("branch2", x), call("branch3", x), call("branch4", x)), 1);
        }
    }

    /** torchvision's _utils._make_divisible. */
    static int makeDivisible(double v, int divisor) {
        int minValue = divisor;
        int newV = Math.max(minValue, (int) (v + divisor / 2.0) / divisor * divisor);
        // Make sure that round down does not go down by more than 10%.
        if (newV < 0.9 * v) {
            newV += divisor;
        }
        return newV;
    }

    /** torchvision.ops.Conv2dNormActivation (padding (k - 1) / 2, no bias, BatchNorm, the activation in place). */
    static final class ConvNormActivation extends Sequential {
        ConvNormActivation(int in, int out, int kernel, int stride, int groups, Module activation) {
            super(layers(in, out, kernel, stride, groups, activation));
        }

        private static Module[] layers(int in, int out, int kernel, int stride, int groups, Module activation) {
            Conv2d conv = new Conv2d(in, out, new int[] {kernel, kernel}, new int[] {stride, stride},
                    new int[] {(kernel - 1) / 2, (kernel - 1) / 2}, new int[] {1, 1}, groups, false);
            return activation == null ? new Module[] {conv, new BatchNorm2d(out)}
                    : new Module[] {conv, new BatchNorm2d(out), activation};
        }

        @Override
        protected String moduleName() {
            return "Conv2dNormActivation";
        }
    }

    static Sequential convNormActivation(int in, int out, int kernel, int stride, int groups, Module activation) {
        return new ConvNormActivation(in, out, kernel, stride, groups, activation);
    }

    /** torchvision's mobilenetv2.InvertedResidual. */
    static final class MobileInvertedResidual extends Net {
        final boolean useResConnect;

        MobileInvertedResidual(int inp, int oup, int stride, int expandRatio) {
            int hiddenDim = (int) Math.round(inp * (double) expandRatio);
            useResConnect = stride == 1 && inp == oup;
            List<Module> layers = new ArrayList<>();
            if (expandRatio != 1) {
                layers.add(convNormActivation(inp, hiddenDim, 1, 1, 1, new ReLU6(true)));
            }
            layers.add(convNormActivation(hiddenDim, hiddenDim, 3, stride, hiddenDim, new ReLU6(true)));
            layers.add(conv1x1(hiddenDim, oup, 1));
            layers.add(new BatchNorm2d(oup));
            registerModule("conv", new Sequential(layers.toArray(new Module[0])));
        }

        @Override
        public Tensor forward(Tensor x) {
            return useResConnect ? x.add(call("conv", x)) : call("conv", x);
        }
    }

    /** torchvision.ops.stochastic_depth with the Bernoulli draw given (PyTorch's saved). */
    static Tensor stochasticDepth(Tensor input, double p, String mode, boolean training, Tensor noise) {
        if (!training || p == 0.0) {
            return input;
        }
        double survivalRate = 1.0 - p;
        if (survivalRate > 0.0) {
            noise = noise.clone().div_(survivalRate);
        }
        return input.mul(noise);
    }

    /** torchvision.ops.SqueezeExcitation. */
    static final class SqueezeExcitation extends Net {
        SqueezeExcitation(int inputChannels, int squeezeChannels) {
            registerModule("avgpool", new AdaptiveAvgPool2d(1));
            registerModule("fc1", new Conv2d(inputChannels, squeezeChannels, 1));
            registerModule("fc2", new Conv2d(squeezeChannels, inputChannels, 1));
            registerModule("activation", new SiLU(true));
            registerModule("scale_activation", new Sigmoid());
        }

        @Override
        public Tensor forward(Tensor input) {
            return call(input, "avgpool", "fc1", "activation", "fc2", "scale_activation").mul(input);
        }
    }

    /** torchvision's efficientnet.MBConv (expand 4, kernel 3, stride 1, SiLU, SE of cin / 4) with stochastic depth. */
    static final class MBConv extends Net {
        final double p;
        final String mode;
        Tensor noise;

        MBConv(int cin, int expandRatio, double stochasticDepthProb, String mode) {
            int expanded = makeDivisible(cin * expandRatio, 8);
            registerModule("block", new Sequential(
                    convNormActivation(cin, expanded, 1, 1, 1, new SiLU(true)),
                    convNormActivation(expanded, expanded, 3, 1, expanded, new SiLU(true)),
                    new SqueezeExcitation(expanded, Math.max(1, cin / 4)),
                    convNormActivation(expanded, cin, 1, 1, 1, null)));
            this.p = stochasticDepthProb;
            this.mode = mode;
        }

        @Override
        public Tensor forward(Tensor input) {
            Tensor result = call("block", input);
            result = stochasticDepth(result, p, mode, isTraining(), noise);
            result.add_(input);
            return result;
        }
    }

    @Test
    void torchvisionBlocksFireDenseInceptionInvertedResidualMbConvWithStochasticDepth() {
        Map<String, Module> zoo = zoo();
        for (Map.Entry<String, Module> z : zoo.entrySet()) {
            String name = z.getKey();
            Module m = PT.loaded(z.getValue(), "zoo.init." + name + ".", F64);
            if (m instanceof MBConv mb) {
                mb.noise = e("zoo.noise." + name);
            }
            Tensor x = e("zoo.x." + name).clone().requiresGrad_(true);
            m.train();
            Tensor y = m.apply(x);
            close(e("zoo.train." + name), y, name + " train output", 10);
            y.mul(Tensor.linspace(-1, 1, (int) y.numel(), F64).view(y.shape())).sum().backward();
            for (Map.Entry<String, Tensor> p : m.namedParameters().entrySet()) {
                close(e("zoo.grad." + name + "." + p.getKey()), p.getValue().grad(), name + " grad " + p.getKey(), 100);
            }
            assertEquals(PT.under("zoo.grad." + name + ".").size(), m.namedParameters().size(), name + " gradients");
            close(e("zoo.xgrad." + name), x.grad(), name + " input grad", 100);
            assertState("zoo.after." + name + ".", m, 10, name + " after the training forward");
            m.eval();
            try (GradMode g = Ember.noGrad()) {
                close(e("zoo.eval." + name), m.apply(e("zoo.x." + name)), name + " eval output", 10);
            }
        }
        int[] divisible = {makeDivisible(3, 8), makeDivisible(10, 8), makeDivisible(12.5, 8), makeDivisible(33, 8),
            makeDivisible(37.6, 8), makeDivisible(100, 8), makeDivisible(7 * 0.75, 8)};
        List<Long> expected = new ArrayList<>();
        for (int d : divisible) {
            expected.add((long) d);
        }
        assertEquals(e("zoo.divisible").toList(), expected, "_make_divisible");
    }

    // ------------------------------------------------------------------ 7. printouts and grad_fn names

    static Map<String, Module> zoo() {
        Map<String, Module> zoo = new LinkedHashMap<>();
        zoo.put("squeeze", new SqueezeNet(7));
        zoo.put("dense", new Sequential(new DenseBlock(3, 8, 2, 4), new Transition(20, 10)));
        zoo.put("incep", new Inception(10, 4, 3, 6, 2, 3, 3));
        zoo.put("mv2", new Sequential(new MobileInvertedResidual(10, 10, 1, 6), new MobileInvertedResidual(10, 16, 2, 1)));
        zoo.put("mb_row", new MBConv(8, 4, 0.5, "row"));
        zoo.put("mb_batch", new MBConv(8, 4, 0.5, "batch"));
        return zoo;
    }

    @Test
    void printoutsOfThePortedModelsAsPyTorchsReprs() throws Exception {
        Map<String, String> texts = texts();
        assertEquals(texts.get("print.resnet"), resnetBasic().toString(), "print(ResNet)");
        ResNet fused = loadedBasic();
        fused.eval();
        fuse(fused);
        assertEquals(texts.get("print.fused"), fused.toString(), "print of the fused ResNet");
        assertEquals(texts.get("print.shufflenet"),
                new ShuffleNetV2(new int[] {2, 1, 1}, new int[] {8, 16, 32, 64, 48}, 6).toString(), "print(ShuffleNetV2)");
        assertEquals(texts.get("print.zoo"), new dev.ember.nn.ModuleDict<>(zoo()).toString(), "print of the blocks");
    }

    @Test
    void gradFnNamesOfTheProgramsOps() throws Exception {
        Tensor g = Tensor.randn(2, 4, 6, 6).requiresGrad_(true);
        Map<String, Tensor> ops = new LinkedHashMap<>();
        ops.put("channel_shuffle", channelShuffle(g.mul(1), 2));
        ops.put("chunk", g.chunk(2, 1).get(1));
        ops.put("cat", Tensor.cat(List.of(g, g), 1));
        ops.put("flip", g.flip(-1));
        ops.put("five_crop", g.index(Index.ellipsis(), Index.slice(null, 4, null), Index.slice(2, null, null)));
        ops.put("interpolate", Functional.interpolate(g, new int[] {9, 9}, null, "bilinear", false, null));
        ops.put("topk", g.flatten(1).topk(3, 1).values());
        ops.put("stochastic_depth", stochasticDepth(g, 0.5, "row", true, Tensor.ones(2, 1, 1, 1)));
        ops.put("mean23", g.mean(new int[] {2, 3}, false));
        ops.put("hardtanh_relu6", Functional.relu6(g));
        ops.put("adaptive_avg_pool", Functional.adaptiveAvgPool2d(g, new int[] {1, 1}));
        ops.put("max_pool_ceil", new MaxPool2d(new int[] {3, 3}, new int[] {2, 2}, new int[] {0, 0}, new int[] {1, 1}, true)
                .apply(g));
        ops.put("avg_pool", new AvgPool2d(2, 2).apply(g));
        StringBuilder names = new StringBuilder();
        for (Map.Entry<String, Tensor> op : ops.entrySet()) {
            names.append(names.length() == 0 ? "" : "\n").append(op.getKey()).append(' ').append(op.getValue().gradFn().name());
        }
        // PyTorch 1.13 records F.interpolate(size=...) through upsample_bilinear2d.vec as UpsampleBilinear2DBackward1;
        // 2.x decomposes the .vec overload into upsample_bilinear2d, whose node is UpsampleBilinear2DBackward0
        String expected = texts().get("grad_fn").replace("UpsampleBilinear2DBackward1", "UpsampleBilinear2DBackward0");
        assertEquals(expected, names.toString());
    }

    // ------------------------------------------------------------------ 8. DenseNet from a pre-0.4-style checkpoint

    /** torchvision's DenseNet: features an OrderedDict Sequential grown by add_module, the classifier after relu/pool. */
    static final class DenseNet extends Net {
        DenseNet(int growthRate, int[] blockConfig, int numInitFeatures, int bnSize, int numClasses) {
            // First convolution
            Map<String, Module> first = new LinkedHashMap<>();
            first.put("conv0", new Conv2d(3, numInitFeatures, new int[] {7, 7}, new int[] {2, 2}, new int[] {3, 3},
                    new int[] {1, 1}, 1, false));
            first.put("norm0", new BatchNorm2d(numInitFeatures));
            first.put("relu0", new ReLU(true));
            first.put("pool0", new MaxPool2d(3, 2, 1));
            Sequential features = registerModule("features", new Sequential(first));
            // Each denseblock
            int numFeatures = numInitFeatures;
            for (int i = 0; i < blockConfig.length; i++) {
                features.addModule("denseblock" + (i + 1), new DenseBlock(blockConfig[i], numFeatures, bnSize, growthRate));
                numFeatures = numFeatures + blockConfig[i] * growthRate;
                if (i != blockConfig.length - 1) {
                    features.addModule("transition" + (i + 1), new Transition(numFeatures, numFeatures / 2));
                    numFeatures = numFeatures / 2;
                }
            }
            // Final batch norm
            features.addModule("norm5", new BatchNorm2d(numFeatures));
            // Linear layer
            registerModule("classifier", new Linear(numFeatures, numClasses));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor features = call("features", x);
            Tensor out = Functional.relu(features, true);
            out = Functional.adaptiveAvgPool2d(out, new int[] {1, 1});
            out = out.flatten(1);
            return call("classifier", out);
        }
    }

    @Test
    void denseNetFromAPre04CheckpointRemappedByTorchvisionsRegex() throws Exception {
        Map<String, Tensor> stateDict = TorchSerialization.loadStateDict(PT.resource("densenet_old.pt"));
        // torchvision's densenet._load_state_dict: '.norm.1.weight' -> '.norm1.weight' and so on
        java.util.regex.Pattern pattern = java.util.regex.Pattern.compile(
                "^(.*denselayer\\d+\\.(?:norm|relu|conv))\\.((?:[12])\\.(?:weight|bias|running_mean|running_var))$");
        for (String key : List.copyOf(stateDict.keySet())) {
            java.util.regex.Matcher res = pattern.matcher(key);
            if (res.matches()) {
                String newKey = res.group(1) + res.group(2);
                stateDict.put(newKey, stateDict.get(key));
                stateDict.remove(key);
            }
        }
        DenseNet model = new DenseNet(4, new int[] {2, 2}, 8, 2, 5);
        model.to(F64);
        // no num_batches_tracked in the file: BatchNorm fills it in, as PyTorch's for a dict without version metadata
        model.loadStateDict(stateDict);
        Tensor x = e("dn.x");
        model.eval();
        try (GradMode g = Ember.noGrad()) {
            close(e("dn.eval"), model.apply(x), "eval logits", 10);
        }
        model.train();
        Tensor loss = Functional.crossEntropy(model.apply(x), e("dn.y"));
        loss.backward();
        close(e("dn.loss"), loss, "loss", 10);
        assertGrads("dn.grad.", model, 100, "DenseNet");
        assertState("dn.after.", model, 10, "after the training forward");
        assertEquals(texts().get("print.densenet"), model.toString(), "print(DenseNet)");
    }

    // ------------------------------------------------------------------ 9. timm's trunc_normal_ init, by statistics

    /** The standard normal density and distribution function at {@code z}, the latter by Ember's erf. */
    private static double[] phi(double z) {
        double pdf = Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
        double cdf = 0.5 * (1 + Tensor.scalar(z / Math.sqrt(2)).to(F64).erf().item());
        return new double[] {pdf, cdf};
    }

    @Test
    void truncNormalInitAsTimmsByItsMoments() {
        Ember.manualSeed(12);
        int n = 100_000;
        // timm's ViT: trunc_normal_(m.weight, std=.02) with the default bounds [-2, 2] (100 standard deviations)
        Tensor vit = Init.truncNormal_(Tensor.empty(F32, n), 0.02);
        assertEquals(0.0, vit.mean().item(), 5 * 0.02 / Math.sqrt(n), "mean");
        assertEquals(0.02, vit.std().item(), 0.02 * 5 / Math.sqrt(2.0 * n), "std");
        // a truncation that matters: N(mu, sigma) cut to [a, b], against the truncated normal's mean and variance
        double[][] cases = {{0, 1, -1, 1}, {0.5, 2, 0.5, 4.5}, {-1, 0.5, -3, -0.8}};
        for (double[] c : cases) {
            double mu = c[0], sigma = c[1], a = c[2], b = c[3];
            Tensor t = Init.truncNormal_(Tensor.empty(F64, n), mu, sigma, a, b);
            double alpha = (a - mu) / sigma, beta = (b - mu) / sigma;
            double[] pa = phi(alpha), pb = phi(beta);
            double z = pb[1] - pa[1];
            double mean = mu + sigma * (pa[0] - pb[0]) / z;
            double var = sigma * sigma * (1 + (alpha * pa[0] - beta * pb[0]) / z - Math.pow((pa[0] - pb[0]) / z, 2));
            String what = "trunc_normal_(mean=" + mu + ", std=" + sigma + ", a=" + a + ", b=" + b + ")";
            assertTrue(t.min().item() >= a && t.max().item() <= b, what + " within [a, b]");
            // five standard errors of the sample mean and of the sample variance (its fourth moment bounded by
            // (b - a)^4 / 16 for a distribution on [a, b])
            assertEquals(mean, t.mean().item(), 5 * Math.sqrt(var / n), what + " mean");
            assertEquals(var, t.var().item(), 5 * Math.sqrt(Math.pow(b - a, 4) / 16 / n), what + " variance");
        }
    }
}
