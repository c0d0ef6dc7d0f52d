package dev.ember.ao.quantization;

import dev.ember.Tensor;
import dev.ember.ao.nn.intrinsic.ConvReLU1d;
import dev.ember.ao.nn.intrinsic.ConvReLU2d;
import dev.ember.ao.nn.intrinsic.ConvReLU3d;
import dev.ember.ao.nn.intrinsic.LinearReLU;
import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.BatchNorm3d;
import dev.ember.nn.Conv1d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Conv3d;
import dev.ember.nn.Identity;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleInternals;
import dev.ember.nn.ReLU;
import dev.ember.nn.utils.Fusion;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code torch.ao.quantization.fuse_modules} with {@code fuse_known_modules}, behind {@link Quantization#fuseModules}:
 * the eval-mode fusions of PyTorch's default fuser-method mapping that Ember's quantization converts.
 */
final class Fuse {
    /** The batch norm of each convolution's dimension. */
    private static final Map<Class<?>, Class<?>> BATCH_NORM_OF = Map.of(Conv1d.class, BatchNorm1d.class, Conv2d.class,
        BatchNorm2d.class, Conv3d.class, BatchNorm3d.class);

    private Fuse() {
    }

    static Module fuseModules(Module model, List<List<String>> groups, boolean inplace, boolean qat) {
        if (model == null || groups == null) {
            throw new IllegalArgumentException("fuse_modules needs a model and the lists of modules to fuse");
        }
        model = EagerMode.target(model, inplace);
        // every group fused before any module is replaced: a refusal leaves the model as it was. The groups see the
        // model as PyTorch's loop leaves it for them: a name an earlier group fused is that group's fused module (its
        // first name) or an Identity (the others), so a group naming a module twice fuses what PyTorch fuses, or is
        // refused as PyTorch refuses it (an Identity fuses with nothing), instead of fusing the original modules again
        java.util.Map<String, Module> fusedSoFar = new java.util.HashMap<>();
        List<List<Module>> olds = new ArrayList<>();
        List<Module> fused = new ArrayList<>();
        for (List<String> names : groups) {
            if (names == null || names.isEmpty() || names.stream().anyMatch(java.util.Objects::isNull)) {
                throw new IllegalArgumentException("fuse_modules: each group is a non-empty list of module names");
            }
            List<Module> mods = new ArrayList<>();
            for (String n : names) {
                mods.add(fusedSoFar.containsKey(n) ? fusedSoFar.get(n) : model.getSubmodule(n));
            }
            olds.add(mods);
            Module f = fuseKnown(mods, qat);
            fused.add(f);
            fusedSoFar.put(names.get(0), f);
            for (int i = 1; i < names.size(); i++) {
                fusedSoFar.put(names.get(i), new Identity());
            }
        }
        for (int g = 0; g < groups.size(); g++) {
            List<String> names = groups.get(g);
            List<Module> mods = olds.get(g);
            Module f = fused.get(g);
            Module first = mods.get(0);
            Module last = mods.get(mods.size() - 1);
            for (Map.Entry<Integer, Module.ForwardPreHook> h : ModuleInternals.forwardPreHooks(first).entrySet()) {
                f.registerForwardPreHook(h.getValue());
                ModuleInternals.removeForwardPreHook(first, h.getKey());
            }
            for (Map.Entry<Integer, Module.ForwardHook> h : ModuleInternals.forwardHooks(last).entrySet()) {
                f.registerForwardHook(h.getValue());
                ModuleInternals.removeForwardHook(last, h.getKey());
            }
            model.setSubmodule(names.get(0), f);
            for (int i = 1; i < names.size(); i++) {
                Identity id = new Identity();
                id.train(first.isTraining());
                model.setSubmodule(names.get(i), id);
            }
        }
        return model;
    }

    /**
     * {@code fuse_known_modules}: the fuser method of the modules' exact classes; with {@code qat}
     * ({@code fuse_modules_qat}) a convolution (1-, 2- or 3-d) and its batch norm stay two modules of a
     * {@code ConvBn1d/2d/3d} (or {@code ConvBnReLU1d/2d/3d}) for quantization-aware training, else the batch norm is
     * folded into the convolution.
     */
    private static Module fuseKnown(List<Module> mods, boolean qat) {
        List<Class<?>> types = mods.stream().<Class<?>>map(Module::getClass).toList();
        if (qat && convBn(types)) {
            return fuseConvBnQat(mods);
        }
        if (qat && types.equals(List.of(Linear.class, BatchNorm1d.class))) {
            // fuse_linear_bn(is_qat=True): PyTorch's assertions, in its order
            Linear linear = (Linear) mods.get(0);
            BatchNorm1d bn = (BatchNorm1d) mods.get(1);
            sameMode(linear, bn, "Linear");
            long features = bn.weight != null ? bn.weight.numel() : bn.runningMean() != null ? bn.runningMean().numel()
                : linear.outFeatures();
            if (features != linear.outFeatures()) {
                throw new IllegalArgumentException("Output features of Linear must match num_features of BatchNorm1d");
            }
            if (bn.weight == null) {
                throw new IllegalArgumentException("Only support fusing BatchNorm1d with affine set to True");
            }
            if (bn.runningMean() == null) {
                throw new IllegalArgumentException("Only support fusing BatchNorm1d with tracking_running_stats set to True");
            }
            return new dev.ember.ao.nn.intrinsic.LinearBn1d(linear, bn);
        }
        if (types.equals(List.of(Conv1d.class, BatchNorm1d.class)) || types.equals(List.of(Conv3d.class, BatchNorm3d.class))) {
            sameMode(mods.get(0), mods.get(1), "Conv");
            return Fusion.fuseConvBnEval(mods.get(0), mods.get(1));
        }
        if (types.equals(List.of(Conv1d.class, BatchNorm1d.class, ReLU.class))) {
            sameMode(mods.get(0), mods.get(1), "Conv");
            return new ConvReLU1d((Conv1d) Fusion.fuseConvBnEval(mods.get(0), mods.get(1)), (ReLU) mods.get(2));
        }
        if (types.equals(List.of(Conv3d.class, BatchNorm3d.class, ReLU.class))) {
            sameMode(mods.get(0), mods.get(1), "Conv");
            return new ConvReLU3d((Conv3d) Fusion.fuseConvBnEval(mods.get(0), mods.get(1)), (ReLU) mods.get(2));
        }
        if (types.equals(List.of(Conv1d.class, ReLU.class))) {
            return new ConvReLU1d((Conv1d) mods.get(0), (ReLU) mods.get(1));
        }
        if (types.equals(List.of(Conv3d.class, ReLU.class))) {
            return new ConvReLU3d((Conv3d) mods.get(0), (ReLU) mods.get(1));
        }
        if (types.equals(List.of(Conv2d.class, BatchNorm2d.class))) {
            sameMode(mods.get(0), mods.get(1), "Conv");
            return Fusion.fuseConvBnEval(mods.get(0), mods.get(1));
        }
        if (types.equals(List.of(Conv2d.class, BatchNorm2d.class, ReLU.class))) {
            sameMode(mods.get(0), mods.get(1), "Conv");
            Module conv = Fusion.fuseConvBnEval(mods.get(0), mods.get(1));
            return new ConvReLU2d((Conv2d) conv, (ReLU) mods.get(2));
        }
        if (types.equals(List.of(Conv2d.class, ReLU.class))) {
            return new ConvReLU2d((Conv2d) mods.get(0), (ReLU) mods.get(1));
        }
        if (types.equals(List.of(BatchNorm2d.class, ReLU.class)) || types.equals(List.of(BatchNorm3d.class, ReLU.class))) {
            // fuse_bn_relu: the same fused module for eval and QAT
            if (mods.get(0).isTraining() != mods.get(1).isTraining()) {
                throw new IllegalStateException("BN and ReLU both must be in the same mode (train or eval).");
            }
            return types.get(0) == BatchNorm2d.class
                ? new dev.ember.ao.nn.intrinsic.BNReLU2d((BatchNorm2d) mods.get(0), (ReLU) mods.get(1))
                : new dev.ember.ao.nn.intrinsic.BNReLU3d((BatchNorm3d) mods.get(0), (ReLU) mods.get(1));
        }
        if (types.equals(List.of(Linear.class, ReLU.class))) {
            return new LinearReLU((Linear) mods.get(0), (ReLU) mods.get(1));
        }
        if (types.equals(List.of(Linear.class, BatchNorm1d.class))) {
            sameMode(mods.get(0), mods.get(1), "Linear");
            return Fusion.fuseLinearBnEval(mods.get(0), mods.get(1));
        }
        throw new UnsupportedOperationException("Cannot fuse modules: ("
                + types.stream().map(Class::getSimpleName).collect(Collectors.joining(", ")) + ") (Ember fuses Conv1d/2d/3d "
                + "+ BatchNorm1d/2d/3d [+ ReLU], Conv1d/2d/3d + ReLU, BatchNorm2d/3d + ReLU, Linear + ReLU and Linear + BatchNorm1d)");
    }

    /** Whether the classes are a convolution and the batch norm of its dimension, with or without a ReLU after. */
    private static boolean convBn(List<Class<?>> types) {
        return (types.size() == 2 || types.size() == 3 && types.get(2) == ReLU.class)
            && BATCH_NORM_OF.get(types.get(0)) == types.get(1);
    }

    /**
     * {@code fuse_conv_bn} / {@code fuse_conv_bn_relu} with {@code is_qat=True}: PyTorch's assertions in its order
     * (its messages name Conv2d and BatchNorm2d for every dimension without a ReLU, Conv and BatchNorm with one), then
     * the {@code ConvBn1d/2d/3d} or {@code ConvBnReLU1d/2d/3d} holding the modules.
     */
    private static Module fuseConvBnQat(List<Module> mods) {
        boolean relu = mods.size() == 3;
        dev.ember.nn.ConvNd conv = (dev.ember.nn.ConvNd) mods.get(0);
        Module bn = mods.get(1);
        if (conv.isTraining() != bn.isTraining() || relu && bn.isTraining() != mods.get(2).isTraining()) {
            throw new IllegalStateException("Conv and BN both must be in the same mode (train or eval).");
        }
        String c = relu ? "Conv" : "Conv2d";
        String b = relu ? "BatchNorm" : "BatchNorm2d";
        Tensor weight = bn.namedParameters().get("weight");
        Tensor runningMean = bn.namedBuffers().get("running_mean");
        long features = weight != null ? weight.numel() : runningMean != null ? runningMean.numel() : conv.outChannels();
        if (features != conv.outChannels()) {
            throw new IllegalArgumentException("Output channel of " + c + " must match num_features of " + b);
        }
        if (weight == null) {
            throw new IllegalArgumentException("Only support fusing " + b + " with affine set to True");
        }
        if (runningMean == null) {
            throw new IllegalArgumentException("Only support fusing " + b + " with tracking_running_stats set to True");
        }
        ReLU r = relu ? (ReLU) mods.get(2) : null;
        if (conv instanceof Conv1d c1) {
            return relu ? new dev.ember.ao.nn.intrinsic.ConvBnReLU1d(c1, (BatchNorm1d) bn, r)
                : new dev.ember.ao.nn.intrinsic.ConvBn1d(c1, (BatchNorm1d) bn);
        }
        if (conv instanceof Conv2d c2) {
            return relu ? new dev.ember.ao.nn.intrinsic.ConvBnReLU2d(c2, (BatchNorm2d) bn, r)
                : new dev.ember.ao.nn.intrinsic.ConvBn2d(c2, (BatchNorm2d) bn);
        }
        return relu ? new dev.ember.ao.nn.intrinsic.ConvBnReLU3d((Conv3d) conv, (BatchNorm3d) bn, r)
            : new dev.ember.ao.nn.intrinsic.ConvBn3d((Conv3d) conv, (BatchNorm3d) bn);
    }

    private static void sameMode(Module a, Module bn, String kind) {
        if (a.isTraining() != bn.isTraining()) {
            throw new IllegalStateException(kind + " and BN both must be in the same mode (train or eval).");
        }
    }
}
