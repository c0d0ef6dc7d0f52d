package dev.ember.ao.quantization;

import dev.ember.DType;
import dev.ember.nn.Module;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code torch.ao.quantization}'s model-level functions: post-training static quantization ({@link #setQconfig},
 * {@link #prepare}, calibration by running data through the model, {@link #convert}: a float model with
 * {@link QuantStub} and {@link DeQuantStub} becomes one of {@link dev.ember.ao.nn.quantized} modules computing on
 * quint8 activations, see {@link dev.ember.QuantizedActivations}), dynamic quantization ({@link #quantizeDynamic}),
 * and the module-level switches of quantization-aware training, {@code enable_fake_quant}, {@code disable_fake_quant},
 * {@code enable_observer} and {@code disable_observer}: each acts on a module that is a fake quantizer and ignores
 * others, so that {@code model.apply(Quantization::disableObserver)} freezes every scale and zero point of a model
 * (QAT's last epochs).
 *
 * <pre>{@code
 * Quantization.setQconfig(model, QConfig.DEFAULT);   // model.qconfig = torch.ao.quantization.default_qconfig
 * Quantization.prepare(model, true);                // observers after QuantStub, Linear, Conv2d, ...
 * try (GradMode off = Ember.noGrad()) {
 *     for (Tensor x : calibration) model.apply(x);  // the observers see the activations
 * }
 * Quantization.convert(model, true);                // Quantize, QuantizedConv2d, QuantizedLinear, DeQuantize
 * Tensor y = model.apply(x);                        // float in, float out; quint8 arithmetic inside
 * }</pre>
 */
public final class Quantization {
    private Quantization() {
    }

    /**
     * {@code module.qconfig = qconfig}: the qconfig of {@code module} and, through {@link #prepare}'s propagation, of
     * its submodules that have none of their own; null is PyTorch's {@code qconfig = None}, which keeps a module and its
     * submodules out of quantization.
     *
     * @param module the module
     * @param qconfig the qconfig, or null for none
     * @throws IllegalArgumentException for a null module
     */
    public static void setQconfig(Module module, QConfig qconfig) {
        EagerMode.setQconfig(module, qconfig);
    }

    /**
     * {@code getattr(module, 'qconfig', None)}: the qconfig set on (or, after {@link #prepare}, propagated to) a module.
     *
     * @param module the module
     * @return its qconfig, or null
     */
    public static QConfig qconfig(Module module) {
        return EagerMode.qconfig(module);
    }

    /**
     * {@code torch.ao.quantization.fuse_modules(model, modules_to_fuse, inplace=True)} (eval mode, PyTorch's
     * {@code fuse_known_modules}): each group of submodules, named by dotted paths, becomes one module in the place of
     * the first, the others {@link dev.ember.nn.Identity}: Conv2d + BatchNorm2d a Conv2d with the normalization folded
     * in ({@code fuse_conv_bn_eval}), Conv2d + BatchNorm2d + ReLU and Conv2d + ReLU a
     * {@link dev.ember.ao.nn.intrinsic.ConvReLU2d}, Linear + ReLU a {@link dev.ember.ao.nn.intrinsic.LinearReLU}, Linear
     * + BatchNorm1d a Linear ({@code fuse_linear_bn_eval}). The first module's forward pre-hooks and the last one's
     * forward hooks move to the fused module. The groups are fused one after another, as PyTorch's loop fuses them: a
     * group naming a module an earlier group fused sees that group's fused module (at its first name) or an Identity
     * (at the others), so {@code [[conv, bn], [conv, relu]]} fuses the folded convolution with the ReLU and
     * {@code [[conv, bn, relu], [bn, relu]]} is refused; every group is checked before the model changes.
     *
     * @param model the model, changed in place
     * @param modulesToFuse the groups, such as {@code List.of(List.of("conv1", "bn1", "relu1"))}
     * @param inplace true to change the model, false to change and return a deep copy ({@link dev.ember.DeepCopy})
     * @return the model
     * @throws IllegalArgumentException for a null model or group, or a name that is not a submodule (PyTorch's message)
     * @throws IllegalStateException for a convolution and normalization in different modes, or a group in training
     *     mode ("Fusion only for eval!")
     * @throws UnsupportedOperationException for another sequence of module classes ({@code Cannot fuse modules: ...});
     *     the model is then left as it was
     */
    public static Module fuseModules(Module model, java.util.List<java.util.List<String>> modulesToFuse,
                                     boolean inplace) {
        return Fuse.fuseModules(model, modulesToFuse, inplace, false);
    }

    /**
     * {@code fuse_modules_qat(model, modules_to_fuse, inplace)}: as {@link #fuseModules}, for quantization-aware
     * training: a Conv1d, Conv2d or Conv3d and its batch norm (and ReLU) become a
     * {@link dev.ember.ao.nn.intrinsic.ConvBn2d} (or {@code ConvBn1d}, {@code ConvBn3d}, {@code ConvBnReLU1d/2d/3d})
     * holding both, which {@link #prepareQat} turns into the QAT
     * layer that trains the batch norm and folds it at {@link #convert}; Conv2d + ReLU and Linear + ReLU as
     * {@link #fuseModules}.
     *
     * @param model the model (in training mode for QAT), changed in place
     * @param modulesToFuse the groups of module names
     * @param inplace true to change the model, false to change and return a deep copy ({@link dev.ember.DeepCopy})
     * @return the model
     * @throws IllegalArgumentException for a batch norm of another size than the convolution's output, not affine or
     *     not tracking running statistics (PyTorch's messages)
     * @throws IllegalStateException for modules in different modes (PyTorch's message)
     * @throws UnsupportedOperationException for a group Ember cannot fuse; the model is then left as it was
     */
    public static Module fuseModulesQat(Module model, java.util.List<java.util.List<String>> modulesToFuse,
                                        boolean inplace) {
        return Fuse.fuseModules(model, modulesToFuse, inplace, true);
    }

    /** {@code torch.ao.nn.intrinsic.qat.freeze_bn_stats(mod)}: for {@code model.apply(Quantization::freezeBnStats)}. */
    public static void freezeBnStats(Module mod) {
        if (mod instanceof dev.ember.ao.nn.intrinsic.qat.ConvBnNd c) {
            c.freezeBnStats();
        }
    }

    /** {@code torch.ao.nn.intrinsic.qat.update_bn_stats(mod)}: for {@code model.apply(Quantization::updateBnStats)}. */
    public static void updateBnStats(Module mod) {
        if (mod instanceof dev.ember.ao.nn.intrinsic.qat.ConvBnNd c) {
            c.updateBnStats();
        }
    }

    /**
     * {@code torch.ao.quantization.prepare(model, inplace=True)}: propagates the qconfigs ({@code propagate_qconfig_}),
     * then gives every leaf module with a qconfig whose class PyTorch's {@code get_default_qconfig_propagation_list()}
     * names (QuantStub, Linear, the convolutions, the normalizations, ELU, Hardswish, LeakyReLU, PReLU, ReLU6,
     * Embedding, EmbeddingBag; not Dropout, not DeQuantStub) an {@code activation_post_process} child, a new
     * {@code qconfig.activation()} observer, fed the module's output by a forward hook. Run calibration data through
     * the model next, then {@link #convert}.
     *
     * @param model the model, changed in place
     * @param inplace true to change the model, false to change and return a deep copy ({@link dev.ember.DeepCopy})
     * @return the model
     * @throws IllegalArgumentException for a null model, a qconfig whose activation factory makes no observer, or a
     *     per-channel weight observer for a transposed convolution (PyTorch's {@code _assert_valid_qconfig}, before
     *     anything changes)
     */
    public static Module prepare(Module model, boolean inplace) {
        return EagerMode.prepare(model, inplace);
    }

    /**
     * {@code torch.ao.quantization.prepare_qat(model, inplace=True)}: quantization-aware training's preparation of a
     * model in training mode: the qconfigs propagated, each {@link dev.ember.nn.Linear} and {@link dev.ember.nn.Conv2d}
     * with a qconfig swapped for {@link dev.ember.ao.nn.qat.Linear} / {@link dev.ember.ao.nn.qat.Conv2d} (holding the
     * float layers' weight and bias tensors themselves, as PyTorch's {@code from_float}: an optimizer made before this
     * call trains the prepared model), and each
     * fused module of {@link #fuseModulesQat} or {@link #fuseModules} for its QAT form
     * ({@link dev.ember.ao.nn.intrinsic.qat.ConvBn2d}, {@link dev.ember.ao.nn.intrinsic.qat.ConvBnReLU2d},
     * {@link dev.ember.ao.nn.intrinsic.qat.ConvReLU2d}, {@link dev.ember.ao.nn.intrinsic.qat.LinearReLU}, the 1-D and 3-D
     * {@code ConvBn}/{@code ConvBnReLU} and {@code ConvReLU3d}, as PyTorch's QAT mapping; a {@link dev.ember.nn.Conv3d}
     * becomes a {@link dev.ember.ao.nn.qat.Conv3d}; a Conv1d and a fused ConvReLU1d stay, as PyTorch's mapping leaves
     * them), then
     * {@link #prepare} (the qconfig's activation fake quantizers as {@code activation_post_process}). Train (freezing the
     * batch norms' statistics with {@code model.apply(Quantization::freezeBnStats)} when wanted), then {@link #convert}
     * (in eval mode) gives the quantized model, the batch norms folded into the convolutions and the weights' scales and
     * zero points from their fake quantizers. An {@link dev.ember.nn.Embedding} or {@link dev.ember.nn.EmbeddingBag}
     * whose qconfig's weight is a fake quantizer with float qparams per row ({@link QConfig#DEFAULT_EMBEDDING_QAT} or its
     * 4-bit form) becomes its QAT form ({@link dev.ember.ao.nn.qat.Embedding}, {@link dev.ember.ao.nn.qat.EmbeddingBag}),
     * as with PyTorch's {@code mapping=get_embedding_qat_module_mappings()}; other embeddings stay float, as PyTorch's
     * default QAT mapping leaves them. The QAT embedding's weight is a new parameter over the float one's storage, as
     * PyTorch's: make the optimizer after {@code prepareQat}.
     *
     * @param model the model, in training mode, changed in place
     * @param inplace true to change the model, false to change and return a deep copy ({@link dev.ember.DeepCopy})
     * @return the model
     * @throws IllegalStateException for a model in eval mode (PyTorch's assertion)
     * @throws IllegalArgumentException for a per-channel weight observer for a transposed convolution, as {@link #prepare}
     */
    public static Module prepareQat(Module model, boolean inplace) {
        return EagerMode.prepareQat(model, inplace);
    }

    /**
     * {@code torch.ao.quantization.convert(model, inplace=True)}: swaps each module with a qconfig for its quantized
     * counterpart ({@code from_float}), children before parents, keeping its forward hooks (not the observer's): a
     * {@link QuantStub} becomes a {@link dev.ember.ao.nn.quantized.Quantize} with its observer's scale and zero point, a
     * {@link DeQuantStub} a {@link dev.ember.ao.nn.quantized.DeQuantize}, a {@link dev.ember.nn.Linear} and a
     * {@link dev.ember.nn.Conv2d} their quantized layers (weights observed by a fresh {@code qconfig.weight()}, output
     * parameters from {@code activation_post_process}), a Dropout a quantized Dropout, an {@link dev.ember.nn.Embedding}
     * and an {@link dev.ember.nn.EmbeddingBag} their weight-only quantized modules
     * ({@link dev.ember.ao.nn.quantized.Embedding}, {@link dev.ember.ao.nn.quantized.EmbeddingBag}: the qconfig must be
     * {@link QConfig#FLOAT_QPARAMS_WEIGHT_ONLY} or its 4-bit form), as do the QAT embeddings of {@link #prepareQat}
     * (quantized by their trained fake quantizers, as with PyTorch's {@code get_embedding_static_quant_module_mappings()});
     * then the qconfigs are removed. Modules without a qconfig, and those PyTorch leaves float (ReLU, MaxPool2d, Flatten, ...), stay: ReLU and max
     * pooling compute on quantized activations exactly ({@link dev.ember.QuantizedActivations}).
     *
     * @param model a prepared and calibrated model, changed in place
     * @param inplace true to change the model, false to change and return a deep copy ({@link dev.ember.DeepCopy})
     * @return the model
     * @throws IllegalArgumentException for a null model, a module to swap that has no observer, or an embedding whose
     *     qconfig's weight observer is not float qparams quint8 or quint4x2 ("Embedding quantization is only supported
     *     with float_qparams_weight_only_qconfig.", PyTorch's messages); the model is then left as it was
     * @throws UnsupportedOperationException for the model itself to be swapped, or a module
     *     with a qconfig whose quantized counterpart Ember does not have yet; the model is then left as it was
     */
    public static Module convert(Module model, boolean inplace) {
        return EagerMode.convert(model, inplace);
    }

    /**
     * {@code model.state_dict()} of a quantized model (statically or dynamically quantized, or a mix with float
     * modules), under PyTorch's keys and with PyTorch's values: a quantized Linear's {@code scale} and
     * {@code zero_point} (scalar tensors), {@code _packed_params.dtype} ({@link QuantDType#QINT8}) and
     * {@code _packed_params._packed_params} (the tuple (weight as a {@link QuantizedTensor}, bias)); a quantized
     * Conv2d's {@code weight} (a {@link QuantizedTensor}), {@code bias}, {@code scale}, {@code zero_point}; a
     * {@code QFunctional}'s {@code scale} and {@code zero_point}; other modules' parameters and persistent buffers
     * (detached) as {@link Module#stateDict()} gives them. The map carries the modules' versions as PyTorch's
     * {@code _metadata}, so {@code TorchSerialization.save(stateDict, file)} writes the file
     * {@code torch.save(model.state_dict(), file)} writes and PyTorch's {@code load_state_dict} reads it. The tensors
     * are copies or detached views of the model's.
     *
     * @param model the model
     * @return the state dict
     * @throws UnsupportedOperationException for a module whose state Ember cannot write (a dynamically quantized LSTM
     *     or GRU)
     */
    public static Map<String, Object> stateDict(Module model) {
        return QuantizedStateDicts.stateDict(model);
    }

    /** {@link #loadStateDict(Module, Map, boolean)}, strict. */
    public static void loadStateDict(Module model, Map<?, ?> stateDict) {
        loadStateDict(model, stateDict, true);
    }

    /**
     * {@code model.load_state_dict(state_dict, strict)} for a quantized model: a state dict {@link #stateDict} made
     * or {@code TorchSerialization.load} read from PyTorch's {@code torch.save(quantized_model.state_dict())}, into a
     * model of the same structure (the float model fused, prepared and converted as it was; calibration does not
     * matter, the loaded values replace it). A quantized Linear reads the form its version in the state dict's
     * {@code _metadata} names (PyTorch's versions 1 to 3; without versions, the form of the keys that are there). Every
     * entry is checked before anything changes: on any problem (a missing or unexpected key when strict, a value of
     * the wrong kind, type or shape) nothing changes and the error lists them all, in PyTorch's words where it has
     * them. A quantized module whose keys are missing is left as it was when not strict.
     *
     * @param model the model
     * @param stateDict the state dict (string keys)
     * @param strict whether every key must match
     * @return the missing and unexpected keys
     * @throws IllegalArgumentException as described, naming every problem
     */
    public static Module.IncompatibleKeys loadStateDict(Module model, Map<?, ?> stateDict, boolean strict) {
        return QuantizedStateDicts.load(model, stateDict, strict);
    }

    /** {@code enable_fake_quant(mod)}. */
    public static void enableFakeQuant(Module mod) {
        if (mod instanceof FakeQuantizeBase f) {
            f.enableFakeQuant();
        }
    }

    /** {@code disable_fake_quant(mod)}. */
    public static void disableFakeQuant(Module mod) {
        if (mod instanceof FakeQuantizeBase f) {
            f.disableFakeQuant();
        }
    }

    /** {@code enable_observer(mod)}. */
    public static void enableObserver(Module mod) {
        if (mod instanceof FakeQuantizeBase f) {
            f.enableObserver();
        }
    }

    /** {@code disable_observer(mod)}. */
    public static void disableObserver(Module mod) {
        if (mod instanceof FakeQuantizeBase f) {
            f.disableObserver();
        }
    }

    /**
     * {@code torch.ao.quantization.quantize_dynamic(model, inplace=True)}: PyTorch's default spec for qint8, every
     * {@code Linear}, {@code LSTM}, {@code GRU}, {@code LSTMCell}, {@code RNNCell} and {@code GRUCell}, with per-tensor
     * qint8 weights.
     *
     * @param model the model, changed in place
     * @param inplace true to change the model, false to change and return a deep copy (see {@link #quantizeDynamic(Module, Map, boolean)})
     * @return the model
     */
    public static Module quantizeDynamic(Module model, boolean inplace) {
        if (model == null) {
            throw new IllegalArgumentException("quantize_dynamic needs a model");
        }
        Map<Class<? extends Module>, DynamicQConfig> spec = new LinkedHashMap<>();
        for (Class<? extends Module> c : QUANTIZABLE) {
            spec.put(c, DynamicQConfig.DEFAULT);
        }
        return quantizeDynamic(model, spec, inplace);
    }

    /** The float classes Ember's dynamic quantization swaps: PyTorch's default dynamic spec, in its order. */
    private static final List<Class<? extends Module>> QUANTIZABLE = List.of(dev.ember.nn.Linear.class,
            dev.ember.nn.LSTM.class, dev.ember.nn.GRU.class, dev.ember.nn.LSTMCell.class, dev.ember.nn.RNNCell.class,
            dev.ember.nn.GRUCell.class);

    /**
     * {@code torch.ao.quantization.quantize_dynamic(model, qconfig_spec, dtype=torch.qint8, inplace=True)}: every
     * submodule whose class is one of {@code qconfigSpec} (exactly: a subclass is left as it is, as PyTorch matches
     * {@code type(module)}) becomes a dynamically quantized one, with per-tensor qint8 weights
     * ({@link DynamicQConfig#DEFAULT}). Ember quantizes {@link dev.ember.nn.Linear} (into
     * {@link dev.ember.ao.nn.quantized.dynamic.Linear}), {@link dev.ember.nn.LSTM} and {@link dev.ember.nn.GRU} (into
     * {@link dev.ember.ao.nn.quantized.dynamic.LSTM} and {@link dev.ember.ao.nn.quantized.dynamic.GRU}) and the cells
     * {@link dev.ember.nn.LSTMCell}, {@link dev.ember.nn.GRUCell}, {@link dev.ember.nn.RNNCell} (into
     * {@link dev.ember.ao.nn.quantized.dynamic.LSTMCell}, {@link dev.ember.ao.nn.quantized.dynamic.GRUCell},
     * {@link dev.ember.ao.nn.quantized.dynamic.RNNCell}).
     *
     * @param model the model, changed in place
     * @param qconfigSpec the layer classes to quantize ({@code Set.of(Linear.class)})
     * @param dtype {@code QINT8}
     * @param inplace true to change the model, false to change and return a deep copy (see {@link #quantizeDynamic(Module, Map, boolean)})
     * @return the model
     * @throws IllegalArgumentException for a dtype other than qint8 (PyTorch's message)
     * @throws UnsupportedOperationException for a class Ember cannot quantize yet
     */
    public static Module quantizeDynamic(Module model, Set<Class<? extends Module>> qconfigSpec, QuantDType dtype,
                                         boolean inplace) {
        if (dtype != QuantDType.QINT8) {
            throw new IllegalArgumentException("Don't know how to quantize with default settings for " + dtype
                    + ". Provide full qconfig please");
        }
        return quantizeDynamic(model, spec(qconfigSpec, DynamicQConfig.DEFAULT), inplace);
    }

    /**
     * {@code quantize_dynamic(model, qconfig_spec, dtype=torch.float16, inplace=True)}: {@link DynamicQConfig#FLOAT16}
     * for every class of {@code qconfigSpec}.
     *
     * @param model the model, changed in place
     * @param qconfigSpec the layer classes to quantize
     * @param dtype {@code FLOAT16}
     * @param inplace true to change the model, false to change and return a deep copy (see {@link #quantizeDynamic(Module, Map, boolean)})
     * @return the model
     * @throws IllegalArgumentException for a dtype other than float16 (PyTorch's message)
     * @throws UnsupportedOperationException for a class Ember cannot quantize yet
     */
    public static Module quantizeDynamic(Module model, Set<Class<? extends Module>> qconfigSpec, DType dtype,
                                         boolean inplace) {
        if (dtype != DType.FLOAT16) {
            throw new IllegalArgumentException("Don't know how to quantize with default settings for "
                    + dtype + ". Provide full qconfig please");
        }
        return quantizeDynamic(model, spec(qconfigSpec, DynamicQConfig.FLOAT16), inplace);
    }

    private static Map<Class<? extends Module>, DynamicQConfig> spec(Set<Class<? extends Module>> classes,
                                                                     DynamicQConfig qconfig) {
        if (classes == null) {
            throw new IllegalArgumentException("quantize_dynamic: qconfig_spec must not be null");
        }
        Map<Class<? extends Module>, DynamicQConfig> out = new LinkedHashMap<>();
        for (Class<? extends Module> c : classes) {
            out.put(c, qconfig);
        }
        return out;
    }

    /**
     * {@code quantize_dynamic(model, {nn.Linear: per_channel_dynamic_qconfig, ...}, inplace=True)}: every submodule
     * whose class is a key (exactly) becomes a dynamically quantized layer with that configuration, swapped in its
     * parent by {@link Module#setSubmodule} (so a model's {@code forward} that calls {@code fc.apply(x)} or a Linear's
     * {@code forward} on its own field runs the quantized layer); a swapped module's children are not visited.
     *
     * <p>PyTorch's default, {@code inplace=False}, quantizes a deep copy ({@link dev.ember.DeepCopy}) and returns it,
     * leaving the float model as it was.
     *
     * @param model the model, changed in place
     * @param qconfigSpec the configuration of each layer class
     * @param inplace true to change the model, false to change and return a deep copy ({@link dev.ember.DeepCopy})
     * @return the model
     * @throws IllegalArgumentException for a null model or spec
     * @throws UnsupportedOperationException for a model that is itself to be swapped (PyTorch
     *     returns the new module; Ember cannot replace the caller's reference), a class other than Linear, LSTM, GRU,
     *     LSTMCell, RNNCell and GRUCell, or a float16 LSTM, GRU or cell
     */
    public static Module quantizeDynamic(Module model, Map<Class<? extends Module>, DynamicQConfig> qconfigSpec,
                                         boolean inplace) {
        if (model == null || qconfigSpec == null) {
            throw new IllegalArgumentException("quantize_dynamic needs a model and a qconfig_spec");
        }
        for (Map.Entry<Class<? extends Module>, DynamicQConfig> e : qconfigSpec.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("quantize_dynamic: qconfig_spec has a null entry");
            }
            if (!QUANTIZABLE.contains(e.getKey())) {
                throw new UnsupportedOperationException("quantize_dynamic: Ember quantizes Linear, LSTM, GRU, LSTMCell, "
                        + "RNNCell and GRUCell layers only, not " + e.getKey().getSimpleName());
            }
        }
        if (qconfigSpec.containsKey(model.getClass())) {
            throw new UnsupportedOperationException("quantize_dynamic: the model itself is a "
                    + model.getClass().getSimpleName() + "; wrap it in a container (Sequential) to have it swapped");
        }
        model = EagerMode.target(model, inplace);
        List<String> targets = new ArrayList<>();
        collectTargets(model, "", qconfigSpec, targets);
        // every layer converted before any is swapped: a refusal (an LSTM without biases) leaves the model as it was
        List<Module> swapped = new ArrayList<>();
        for (String t : targets) {
            Module m = model.getSubmodule(t);
            DynamicQConfig q = qconfigSpec.get(m.getClass());
            swapped.add(convert(m, q));
        }
        for (int i = 0; i < targets.size(); i++) {
            Module old = model.getSubmodule(targets.get(i));
            Module fresh = swapped.get(i);
            // PyTorch's swap_module keeps the float module's forward pre-hooks and forward hooks on the new one
            dev.ember.nn.ModuleInternals.forwardPreHooks(old).values().forEach(fresh::registerForwardPreHook);
            dev.ember.nn.ModuleInternals.forwardHooks(old).values().forEach(fresh::registerForwardHook);
            dev.ember.nn.ModuleInternals.swapModule(model, targets.get(i), fresh); // _convert's module._modules[key] = value
        }
        return model;
    }

    /** The dynamically quantized counterpart of a float layer of one of the {@link #QUANTIZABLE} classes. */
    private static Module convert(Module m, DynamicQConfig q) {
        if (m instanceof dev.ember.nn.LSTM lstm) {
            return dev.ember.ao.nn.quantized.dynamic.LSTM.fromFloat(lstm, q);
        }
        if (m instanceof dev.ember.nn.GRU gru) {
            return dev.ember.ao.nn.quantized.dynamic.GRU.fromFloat(gru, q);
        }
        if (m instanceof dev.ember.nn.LSTMCell cell) {
            return dev.ember.ao.nn.quantized.dynamic.LSTMCell.fromFloat(cell, q);
        }
        if (m instanceof dev.ember.nn.GRUCell cell) {
            return dev.ember.ao.nn.quantized.dynamic.GRUCell.fromFloat(cell, q);
        }
        if (m instanceof dev.ember.nn.RNNCell cell) {
            return dev.ember.ao.nn.quantized.dynamic.RNNCell.fromFloat(cell, q);
        }
        return dev.ember.ao.nn.quantized.dynamic.Linear.fromFloat((dev.ember.nn.Linear) m, q);
    }

    /** The dotted names of the modules to swap, in order, not descending into them. */
    private static void collectTargets(Module m, String prefix, Map<Class<? extends Module>, DynamicQConfig> spec,
                                       List<String> out) {
        for (Map.Entry<String, Module> e : m.namedChildren().entrySet()) {
            Module c = e.getValue();
            if (c == null) {
                continue;
            }
            String name = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (spec.containsKey(c.getClass())) {
                out.add(name);
            } else {
                collectTargets(c, name, spec, out);
            }
        }
    }
}
