package dev.ember.ao.quantization;

import dev.ember.ao.nn.intrinsic.FusedModule;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleInternals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Eager-mode post-training static quantization, {@code torch.ao.quantization.prepare} and {@code convert}, behind
 * {@link Quantization}: the modules' qconfigs (PyTorch's {@code module.qconfig} attribute), the observers' insertion
 * and the swap of float modules for quantized ones.
 */
final class EagerMode {
    /** A module's qconfig; {@link #NONE} for a qconfig set to None. */
    private static final Map<Module, Object> QCONFIGS = Collections.synchronizedMap(new WeakHashMap<>());
    private static final Object NONE = new Object();

    /**
     * The forward hook that feeds a module's output to its {@code activation_post_process}, which {@code convert} does
     * not carry over: PyTorch's {@code _observer_forward_hook}, which reads the submodule from the module it is given
     * (so a deep copy's hook feeds the copy's observer).
     */
    private static final Module.ForwardHook OBSERVER_HOOK = (mod, in, out) -> List.of(
        mod.getSubmodule("activation_post_process").apply(out.get(0)));

    /**
     * The float classes that {@code prepare} observes, as PyTorch's {@code get_default_qconfig_propagation_list()}
     * (the classes Ember has; Dropout is skipped as PyTorch skips it; the recurrent layers, which PyTorch lists for
     * dynamic quantization, are not observed here).
     */
    private static final Set<Class<? extends Module>> OBSERVED = Set.of(QuantStub.class, dev.ember.nn.Linear.class,
        dev.ember.nn.Conv1d.class, dev.ember.nn.Conv2d.class, dev.ember.nn.Conv3d.class,
        dev.ember.nn.ConvTranspose1d.class, dev.ember.nn.ConvTranspose2d.class, dev.ember.nn.ConvTranspose3d.class,
        dev.ember.nn.BatchNorm2d.class, dev.ember.nn.BatchNorm3d.class, dev.ember.nn.ELU.class,
        dev.ember.nn.Embedding.class, dev.ember.nn.EmbeddingBag.class, dev.ember.nn.GroupNorm.class,
        dev.ember.nn.Hardswish.class, dev.ember.nn.InstanceNorm1d.class, dev.ember.nn.InstanceNorm2d.class,
        dev.ember.nn.InstanceNorm3d.class, dev.ember.nn.LayerNorm.class, dev.ember.nn.LeakyReLU.class,
        dev.ember.nn.PReLU.class, dev.ember.nn.ReLU6.class, dev.ember.ao.nn.intrinsic.ConvReLU2d.class,
        dev.ember.ao.nn.intrinsic.ConvReLU1d.class, dev.ember.ao.nn.intrinsic.ConvReLU3d.class,
        dev.ember.ao.nn.intrinsic.BNReLU2d.class, dev.ember.ao.nn.intrinsic.BNReLU3d.class,
        dev.ember.ao.nn.intrinsic.LinearReLU.class, dev.ember.ao.nn.qat.Linear.class, dev.ember.ao.nn.qat.Conv2d.class,
        dev.ember.ao.nn.qat.Conv3d.class, dev.ember.ao.nn.intrinsic.ConvBn1d.class, dev.ember.ao.nn.intrinsic.ConvBn2d.class,
        dev.ember.ao.nn.intrinsic.ConvBn3d.class, dev.ember.ao.nn.intrinsic.ConvBnReLU1d.class,
        dev.ember.ao.nn.intrinsic.ConvBnReLU2d.class, dev.ember.ao.nn.intrinsic.ConvBnReLU3d.class);

    /** PyTorch's QAT mapping's values: the layers {@code prepare_qat} makes, observed whole and converted whole. */
    private static final Set<Class<? extends Module>> QAT = Set.of(dev.ember.ao.nn.qat.Linear.class,
        dev.ember.ao.nn.intrinsic.qat.LinearBn1d.class,
        dev.ember.ao.nn.qat.Conv2d.class, dev.ember.ao.nn.intrinsic.qat.ConvBn2d.class,
        dev.ember.ao.nn.intrinsic.qat.ConvBnReLU2d.class, dev.ember.ao.nn.intrinsic.qat.ConvReLU2d.class,
        dev.ember.ao.nn.intrinsic.qat.LinearReLU.class, dev.ember.ao.nn.qat.Conv3d.class,
        dev.ember.ao.nn.intrinsic.qat.ConvBn1d.class, dev.ember.ao.nn.intrinsic.qat.ConvBn3d.class,
        dev.ember.ao.nn.intrinsic.qat.ConvBnReLU1d.class, dev.ember.ao.nn.intrinsic.qat.ConvBnReLU3d.class,
        dev.ember.ao.nn.intrinsic.qat.ConvReLU3d.class, dev.ember.ao.nn.qat.Embedding.class,
        dev.ember.ao.nn.qat.EmbeddingBag.class);

    /**
     * The classes of PyTorch's default static mapping that Ember converts (with {@link #OBSERVED}'s): these and every
     * QAT layer.
     */
    private static final Set<Class<? extends Module>> CONVERTED = Stream.<Class<? extends Module>>concat(Stream.of(
        QuantStub.class, DeQuantStub.class, dev.ember.nn.Linear.class, dev.ember.nn.Conv2d.class, dev.ember.nn.Dropout.class,
        dev.ember.nn.ReLU6.class, dev.ember.ao.nn.intrinsic.ConvReLU2d.class, dev.ember.ao.nn.intrinsic.LinearReLU.class,
        dev.ember.ao.nn.quantized.FloatFunctional.class), QAT.stream()).collect(Collectors.toUnmodifiableSet());

    private EagerMode() {
    }

    static void setQconfig(Module module, QConfig qconfig) {
        if (module == null) {
            throw new IllegalArgumentException("qconfig: the module must not be null");
        }
        QCONFIGS.put(module, qconfig == null ? NONE : qconfig);
    }

    static QConfig qconfig(Module module) {
        Object q = module == null ? null : QCONFIGS.get(module);
        return q instanceof QConfig c ? c : null;
    }

    /**
     * PyTorch's {@code _assert_valid_qconfig}, which {@code propagate_qconfig_} runs on every module before anything
     * changes: a transposed convolution refuses a per-channel weight observer (affine or symmetric).
     *
     * @throws IllegalArgumentException with PyTorch's message
     */
    private static void assertValidQconfigs(Map<Module, QConfig> qconfigs) {
        for (Map.Entry<Module, QConfig> e : qconfigs.entrySet()) {
            Module m = e.getKey();
            boolean transposed = m instanceof dev.ember.nn.ConvTranspose1d || m instanceof dev.ember.nn.ConvTranspose2d
                || m instanceof dev.ember.nn.ConvTranspose3d;
            if (transposed && e.getValue() != null && e.getValue().weight() != null
                    && e.getValue().weight().get() instanceof ObserverOrFakeQuantize w
                    && (w.qscheme() == QScheme.PER_CHANNEL_AFFINE || w.qscheme() == QScheme.PER_CHANNEL_SYMMETRIC)) {
                throw new IllegalArgumentException("Per channel weight observer is not supported yet for ConvTranspose{n}d.");
            }
        }
    }

    /** {@code propagate_qconfig_}: each module's own qconfig, else its parent's. */
    private static void propagate(Module m, QConfig parent, Map<Module, QConfig> out) {
        Object own = QCONFIGS.get(m);
        QConfig q = own == null ? parent : own == NONE ? null : (QConfig) own;
        out.put(m, q);
        for (Module c : m.namedChildren().values()) {
            if (c != null) {
                propagate(c, q, out);
            }
        }
    }

    static Module prepare(Module model, boolean inplace) {
        if (model == null) {
            throw new IllegalArgumentException("prepare needs a model");
        }
        model = target(model, inplace);
        Map<Module, QConfig> qconfigs = new IdentityHashMap<>();
        propagate(model, null, qconfigs);
        assertValidQconfigs(qconfigs);
        boolean any = false;
        for (QConfig q : qconfigs.values()) {
            any |= q != null;
        }
        if (!any) {
            System.getLogger("dev.ember").log(System.Logger.Level.WARNING, "None of the submodule got qconfig applied. "
                    + "Make sure you passed correct configuration through `qconfig_dict` or by assigning the "
                    + "`.qconfig` attribute directly on submodules");
        }
        // the observers made before any is attached: a qconfig whose factory fails leaves the model as it was
        Map<Module, Module> observers = new LinkedHashMap<>();
        collect(model, qconfigs, observers);
        for (Map.Entry<Module, QConfig> e : qconfigs.entrySet()) {
            QCONFIGS.put(e.getKey(), e.getValue() == null ? NONE : e.getValue());
        }
        for (Map.Entry<Module, Module> e : observers.entrySet()) {
            Module m = e.getKey();
            Module obs = e.getValue();
            m.setSubmodule("activation_post_process", obs);
            if (m instanceof dev.ember.ao.nn.quantized.FloatFunctional) {
                continue; // its operations pass their results through activation_post_process
            }
            m.registerForwardHook(OBSERVER_HOOK);
        }
        return model;
    }

    /**
     * {@code _add_observer_}: an output observer for each observed leaf with a qconfig, and for each fused module, QAT
     * layer ({@code prepare_qat}'s non-leaf list) and FloatFunctional, whose children are not visited.
     */
    private static void collect(Module m, Map<Module, QConfig> qconfigs, Map<Module, Module> out) {
        boolean leaf = true;
        for (Module c : m.namedChildren().values()) {
            if (c == null) {
                continue;
            }
            leaf = false;
            if (c instanceof FusedModule || c instanceof dev.ember.ao.nn.quantized.FloatFunctional
                    || QAT.contains(c.getClass())) {
                observe(c, qconfigs.get(c), out);
            } else if (c.getClass() != dev.ember.nn.Dropout.class) {
                collect(c, qconfigs, out);
            }
        }
        if (leaf && OBSERVED.contains(m.getClass())) {
            observe(m, qconfigs.get(m), out);
        }
    }

    private static void observe(Module m, QConfig q, Map<Module, Module> out) {
        if (q != null && !out.containsKey(m)) {
            Module obs = q.activation().get();
            if (!(obs instanceof ObserverOrFakeQuantize) && !(obs instanceof FakeQuantizeBase)
                    && !(obs instanceof PassThroughObserver)) {
                throw new IllegalArgumentException("prepare: the qconfig's activation() must make an observer, got "
                        + (obs == null ? null : obs.getClass().getSimpleName()));
            }
            out.put(m, obs);
        }
    }

    static Module convert(Module model, boolean inplace) {
        if (model == null) {
            throw new IllegalArgumentException("convert needs a model");
        }
        model = target(model, inplace);
        if (qconfig(model) != null && CONVERTED.contains(model.getClass())) {
            throw new UnsupportedOperationException("convert: the model itself is a " + model.getClass().getSimpleName()
                    + "; wrap it in a container (Sequential) to have it swapped");
        }
        List<String> targets = new ArrayList<>();
        swapTargets(model, "", targets);
        // every new module made before any is swapped: a refusal leaves the model as it was
        List<Module> fresh = new ArrayList<>();
        for (String t : targets) {
            fresh.add(quantized(t, model.getSubmodule(t)));
        }
        for (int i = 0; i < targets.size(); i++) {
            Module old = model.getSubmodule(targets.get(i));
            Module q = fresh.get(i);
            ModuleInternals.forwardPreHooks(old).values().forEach(q::registerForwardPreHook);
            for (Module.ForwardHook h : ModuleInternals.forwardHooks(old).values()) {
                if (h != OBSERVER_HOOK) {
                    q.registerForwardHook(h);
                }
            }
            ModuleInternals.swapModule(model, targets.get(i), q); // PyTorch's _convert: module._modules[key] = value
        }
        removeQconfigs(model);
        return model;
    }

    /** The modules to swap, children before parents as PyTorch's {@code _convert}; a swapped module's children stay. */
    private static void swapTargets(Module m, String prefix, List<String> out) {
        for (Map.Entry<String, Module> e : m.namedChildren().entrySet()) {
            Module c = e.getValue();
            if (c == null || e.getKey().equals("activation_post_process")) {
                continue;
            }
            String name = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            // a QAT layer's children (its batch norm, fake quantizers) go with it
            if (!(c instanceof FusedModule) && !(c instanceof dev.ember.ao.nn.quantized.FloatFunctional)
                    && !QAT.contains(c.getClass())) {
                swapTargets(c, name, out);
            }
            if (qconfig(c) != null && (CONVERTED.contains(c.getClass()) || OBSERVED.contains(c.getClass()))) {
                out.add(name);
            }
        }
    }

    /** {@code swap_module}: the quantized counterpart ({@code qmod.from_float(mod)}). */
    private static Module quantized(String name, Module m) {
        QConfig q = qconfig(m);
        if (m instanceof QuantStub) {
            return dev.ember.ao.nn.quantized.Quantize.fromObserver(observer(name, m));
        }
        if (m instanceof DeQuantStub) {
            return new dev.ember.ao.nn.quantized.DeQuantize();
        }
        if (m instanceof dev.ember.ao.nn.quantized.FloatFunctional) {
            return dev.ember.ao.nn.quantized.QFunctional.fromObserver(observer(name, m));
        }
        if (m instanceof dev.ember.nn.ReLU6 r) {
            return new dev.ember.ao.nn.quantized.ReLU6(r.inplace());
        }
        if (m instanceof dev.ember.nn.Dropout d) {
            return new dev.ember.ao.nn.quantized.Dropout(d.p());
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.qat.LinearBn1d f) {
            weightFakeQuant(name, f.weightFakeQuant());
            return dev.ember.ao.nn.quantized.Linear.fromLinearBn(f, observer(name, m));
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.qat.ConvBnReLU1d f) {
            weightFakeQuant(name, f.weightFakeQuant());
            return dev.ember.ao.nn.intrinsic.quantized.ConvReLU1d.fromQat(f, observer(name, m));
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.qat.ConvBnReLU3d f) {
            return dev.ember.ao.nn.intrinsic.quantized.ConvReLU3d.fromQat(f, weightFakeQuant(name, f.weightFakeQuant()),
                observer(name, m));
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.qat.ConvBn1d f) {
            weightFakeQuant(name, f.weightFakeQuant());
            return dev.ember.ao.nn.quantized.Conv1d.fromConvBn(f, observer(name, m));
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.qat.ConvBn3d f) {
            weightFakeQuant(name, f.weightFakeQuant());
            return dev.ember.ao.nn.quantized.Conv3d.fromConvBn(f, observer(name, m));
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.qat.ConvReLU3d f) {
            return dev.ember.ao.nn.intrinsic.quantized.ConvReLU3d.fromQat(f, weightFakeQuant(name, f.weightFakeQuant()),
                observer(name, m));
        }
        if (m instanceof dev.ember.ao.nn.qat.Conv3d c) {
            return dev.ember.ao.nn.quantized.Conv3d.fromFloat(c, weightFakeQuant(name, c.weightFakeQuant()),
                observer(name, m));
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.qat.ConvBnReLU2d f) {
            return dev.ember.ao.nn.intrinsic.quantized.ConvReLU2d.fromQat(f, weightFakeQuant(name, f.weightFakeQuant()),
                observer(name, m));
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.qat.ConvBn2d f) {
            weightFakeQuant(name, f.weightFakeQuant());
            return dev.ember.ao.nn.quantized.Conv2d.fromConvBn(f, observer(name, m));
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.qat.ConvReLU2d f) {
            return dev.ember.ao.nn.intrinsic.quantized.ConvReLU2d.fromQat(f, weightFakeQuant(name, f.weightFakeQuant()),
                observer(name, m));
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.qat.LinearReLU f) {
            return dev.ember.ao.nn.intrinsic.quantized.LinearReLU.fromQat(f, weightFakeQuant(name, f.weightFakeQuant()),
                observer(name, m));
        }
        if (m instanceof dev.ember.ao.nn.qat.Linear l) {
            return dev.ember.ao.nn.quantized.Linear.fromFloat(l, weightFakeQuant(name, l.weightFakeQuant()),
                observer(name, m));
        }
        if (m instanceof dev.ember.ao.nn.qat.Conv2d c) {
            return dev.ember.ao.nn.quantized.Conv2d.fromFloat(c, weightFakeQuant(name, c.weightFakeQuant()),
                observer(name, m));
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.ConvReLU2d f) {
            return dev.ember.ao.nn.intrinsic.quantized.ConvReLU2d.fromFloat(f, weightObserver(q), observer(name, m));
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.LinearReLU f) {
            return dev.ember.ao.nn.intrinsic.quantized.LinearReLU.fromFloat(f, weightObserver(q), observer(name, m));
        }
        // session 37 (helper 2): the 1-d and 3-d convolutions, the transposed ones, BNReLU2d/3d
        if (m instanceof dev.ember.nn.PReLU p) {
            return dev.ember.ao.nn.quantized.PReLU.fromFloat(p, weightObserver(q), observer(name, m));
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.BNReLU2d f) {
            return dev.ember.ao.nn.intrinsic.quantized.BNReLU2d.fromFloat(f, name, observer(name, m));
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.BNReLU3d f) {
            return dev.ember.ao.nn.intrinsic.quantized.BNReLU3d.fromFloat(f, name, observer(name, m));
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.ConvReLU1d f) {
            return dev.ember.ao.nn.intrinsic.quantized.ConvReLU1d.fromFloat(f, weightObserver(q), observer(name, m));
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.ConvReLU3d f) {
            return dev.ember.ao.nn.intrinsic.quantized.ConvReLU3d.fromFloat(f, weightObserver(q), observer(name, m));
        }
        if (m.getClass() == dev.ember.nn.Conv1d.class) {
            return dev.ember.ao.nn.quantized.Conv1d.fromFloat((dev.ember.nn.Conv1d) m, weightObserver(q),
                observer(name, m));
        }
        if (m.getClass() == dev.ember.nn.ConvTranspose1d.class) {
            return dev.ember.ao.nn.quantized.ConvTranspose1d.fromFloat((dev.ember.nn.ConvTranspose1d) m,
                weightObserver(q), observer(name, m));
        }
        if (m.getClass() == dev.ember.nn.ConvTranspose2d.class) {
            return dev.ember.ao.nn.quantized.ConvTranspose2d.fromFloat((dev.ember.nn.ConvTranspose2d) m,
                weightObserver(q), observer(name, m));
        }
        if (m.getClass() == dev.ember.nn.ConvTranspose3d.class) {
            return dev.ember.ao.nn.quantized.ConvTranspose3d.fromFloat((dev.ember.nn.ConvTranspose3d) m,
                weightObserver(q), observer(name, m));
        }
        if (m.getClass() == dev.ember.nn.Conv3d.class) {
            return dev.ember.ao.nn.quantized.Conv3d.fromFloat((dev.ember.nn.Conv3d) m, weightObserver(q),
                observer(name, m));
        }
        if (m instanceof dev.ember.nn.Linear l) {
            return dev.ember.ao.nn.quantized.Linear.fromFloat(l, weightObserver(q), observer(name, m));
        }
        if (m instanceof dev.ember.nn.Conv2d c) {
            return dev.ember.ao.nn.quantized.Conv2d.fromFloat(c, weightObserver(q), observer(name, m));
        }
        // session 39 (helper 6): the QAT embeddings, quantized by their trained weight_fake_quant
        if (m instanceof dev.ember.ao.nn.qat.Embedding e) {
            return dev.ember.ao.nn.quantized.Embedding.fromQat(e);
        }
        if (m instanceof dev.ember.ao.nn.qat.EmbeddingBag b) {
            return dev.ember.ao.nn.quantized.EmbeddingBag.fromQat(b);
        }
        // session 39 (helper 2): the weight-only embeddings, PyTorch's from_float taking qconfig.weight() (or
        // float_qparams_weight_only_qconfig's without one); the activation placeholder is not read
        if (m.getClass() == dev.ember.nn.Embedding.class) {
            return dev.ember.ao.nn.quantized.Embedding.fromFloat((dev.ember.nn.Embedding) m, embeddingObserver(q));
        }
        if (m.getClass() == dev.ember.nn.EmbeddingBag.class) {
            return dev.ember.ao.nn.quantized.EmbeddingBag.fromFloat((dev.ember.nn.EmbeddingBag) m, embeddingObserver(q));
        }
        // session 36 (helper 2): the standalone norms and the activations with their own output parameters
        if (m instanceof dev.ember.nn.BatchNorm2d b) {
            return dev.ember.ao.nn.quantized.BatchNorm2d.fromFloat(b, name, observer(name, m));
        }
        if (m instanceof dev.ember.nn.BatchNorm3d b) {
            return dev.ember.ao.nn.quantized.BatchNorm3d.fromFloat(b, name, observer(name, m));
        }
        if (m instanceof dev.ember.nn.Hardswish) {
            return dev.ember.ao.nn.quantized.Hardswish.fromObserver(observer(name, m));
        }
        if (m instanceof dev.ember.nn.ELU e) {
            return dev.ember.ao.nn.quantized.ELU.fromFloat(e, observer(name, m));
        }
        if (m instanceof dev.ember.nn.LeakyReLU r) {
            return dev.ember.ao.nn.quantized.LeakyReLU.fromFloat(r, observer(name, m));
        }
        if (m instanceof dev.ember.nn.LayerNorm l) {
            return dev.ember.ao.nn.quantized.LayerNorm.fromFloat(l, observer(name, m));
        }
        if (m instanceof dev.ember.nn.GroupNorm g) {
            return dev.ember.ao.nn.quantized.GroupNorm.fromFloat(g, observer(name, m));
        }
        if (m instanceof dev.ember.nn.InstanceNorm1d i) {
            return dev.ember.ao.nn.quantized.InstanceNorm1d.fromFloat(i, observer(name, m));
        }
        if (m instanceof dev.ember.nn.InstanceNorm2d i) {
            return dev.ember.ao.nn.quantized.InstanceNorm2d.fromFloat(i, observer(name, m));
        }
        if (m instanceof dev.ember.nn.InstanceNorm3d i) {
            return dev.ember.ao.nn.quantized.InstanceNorm3d.fromFloat(i, observer(name, m));
        }
        throw new UnsupportedOperationException("convert: Ember has no statically quantized " + m.getClass().getSimpleName()
                + " yet (module '" + name + "'); set its qconfig to null to keep it out of quantization "
                + "(Quantization.setQconfig(module, null)) before prepare");
    }

    /** An embedding's weight observer: {@code qconfig.weight()}, or the float-qparams one without a qconfig. */
    private static ObserverOrFakeQuantize embeddingObserver(QConfig q) {
        return weightObserver(q == null || q.weight() == null ? QConfig.FLOAT_QPARAMS_WEIGHT_ONLY : q);
    }

    private static ObserverOrFakeQuantize observer(String name, Module m) {
        Module obs = m.namedChildren().get("activation_post_process");
        if (obs instanceof ObserverOrFakeQuantize o) {
            return o;
        }
        throw new IllegalArgumentException("convert: module '" + name + "' has no activation_post_process observer: "
                + "prepare the model (and run calibration data through it) first");
    }

    private static ObserverOrFakeQuantize weightFakeQuant(String name, FakeQuantizeBase f) {
        if (f instanceof ObserverOrFakeQuantize o) {
            return o;
        }
        throw new IllegalArgumentException("convert: module '" + name + "''s weight_fake_quant (" + f.getClass()
                .getSimpleName() + ") gives no dtype and scheme");
    }

    /**
     * {@code prepare_qat(model, inplace=True)}: the qconfigs propagated, each Linear and Conv2d with one swapped for
     * its QAT form (weights copied, the qconfig's weight fake quantizer), then {@link #prepare} (the qconfig's activation
     * fake quantizers as {@code activation_post_process}).
     */
    static Module prepareQat(Module model, boolean inplace) {
        if (model == null) {
            throw new IllegalArgumentException("prepare_qat needs a model");
        }
        model = target(model, inplace);
        if (!model.isTraining()) {
            throw new IllegalStateException("prepare_qat only works on models in training mode");
        }
        Map<Module, QConfig> qconfigs = new IdentityHashMap<>();
        propagate(model, null, qconfigs);
        assertValidQconfigs(qconfigs);
        List<String> targets = new ArrayList<>();
        qatTargets(model, "", qconfigs, targets);
        List<Module> fresh = new ArrayList<>();
        for (String t : targets) {
            Module m = model.getSubmodule(t);
            QConfig q = qconfigs.get(m);
            fresh.add(qatForm(t, m, q));
        }
        for (int i = 0; i < targets.size(); i++) {
            Module old = model.getSubmodule(targets.get(i));
            Module q = fresh.get(i);
            q.train(old.isTraining());
            ModuleInternals.forwardPreHooks(old).values().forEach(q::registerForwardPreHook);
            ModuleInternals.forwardHooks(old).values().forEach(q::registerForwardHook);
            QCONFIGS.put(q, qconfigs.get(old));
            ModuleInternals.swapModule(model, targets.get(i), q); // PyTorch's _convert: module._modules[key] = value
        }
        return prepare(model, true);
    }

    /** {@code swap_module} with PyTorch's default QAT mapping: each float (or fused) module's QAT form. */
    private static Module qatForm(String name, Module m, QConfig q) {
        if (m instanceof dev.ember.ao.nn.intrinsic.ConvBnReLU1d f) {
            return dev.ember.ao.nn.intrinsic.qat.ConvBnReLU1d.fromFloat(f, q);
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.ConvBnReLU3d f) {
            return dev.ember.ao.nn.intrinsic.qat.ConvBnReLU3d.fromFloat(f, q);
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.ConvBn1d f) {
            return dev.ember.ao.nn.intrinsic.qat.ConvBn1d.fromFloat(f, q);
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.ConvBn3d f) {
            return dev.ember.ao.nn.intrinsic.qat.ConvBn3d.fromFloat(f, q);
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.ConvReLU3d f) {
            return dev.ember.ao.nn.intrinsic.qat.ConvReLU3d.fromFloat(f, q);
        }
        if (m.getClass() == dev.ember.nn.Conv3d.class) {
            return dev.ember.ao.nn.qat.Conv3d.fromFloat((dev.ember.nn.Conv3d) m, q);
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.ConvBnReLU2d f) {
            return dev.ember.ao.nn.intrinsic.qat.ConvBnReLU2d.fromFloat(f, q);
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.ConvBn2d f) {
            return dev.ember.ao.nn.intrinsic.qat.ConvBn2d.fromFloat(f, q);
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.ConvReLU2d f) {
            return dev.ember.ao.nn.intrinsic.qat.ConvReLU2d.fromFloat(f, q);
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.LinearReLU f) {
            return dev.ember.ao.nn.intrinsic.qat.LinearReLU.fromFloat(f, q);
        }
        if (m instanceof dev.ember.ao.nn.intrinsic.LinearBn1d f) {
            return dev.ember.ao.nn.intrinsic.qat.LinearBn1d.fromFloat(f, q);
        }
        if (m.getClass() == dev.ember.nn.Embedding.class) {
            return dev.ember.ao.nn.qat.Embedding.fromFloat((dev.ember.nn.Embedding) m, q);
        }
        if (m.getClass() == dev.ember.nn.EmbeddingBag.class) {
            return dev.ember.ao.nn.qat.EmbeddingBag.fromFloat((dev.ember.nn.EmbeddingBag) m, q);
        }
        if (m instanceof FusedModule) {
            throw new UnsupportedOperationException("prepare_qat: Ember has no QAT form of the fused "
                    + m.getClass().getSimpleName() + " yet (module '" + name + "')");
        }
        return m instanceof dev.ember.nn.Linear l ? dev.ember.ao.nn.qat.Linear.fromFloat(l, q)
            : dev.ember.ao.nn.qat.Conv2d.fromFloat((dev.ember.nn.Conv2d) m, q);
    }

    /**
     * The modules {@code prepare_qat} swaps: Linear, Conv2d and Conv3d (exactly) and the fused modules of PyTorch's QAT
     * mapping, with a qconfig.
     */
    private static void qatTargets(Module m, String prefix, Map<Module, QConfig> qconfigs, List<String> out) {
        for (Map.Entry<String, Module> e : m.namedChildren().entrySet()) {
            Module c = e.getValue();
            if (c == null) {
                continue;
            }
            String name = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            // PyTorch's default QAT mapping has no BNReLU2d/3d, ConvReLU1d or Conv1d: prepare_qat leaves them for
            // prepare to observe (convert quantizes them with the qconfig's weight fake quantizer)
            boolean swap = qconfigs.get(c) != null && (c.getClass() == dev.ember.nn.Linear.class
                    || c.getClass() == dev.ember.nn.Conv2d.class || c.getClass() == dev.ember.nn.Conv3d.class
                    || c instanceof FusedModule && !(c instanceof dev.ember.ao.nn.intrinsic.BNReLU2d)
                    && !(c instanceof dev.ember.ao.nn.intrinsic.BNReLU3d)
                    && !(c instanceof dev.ember.ao.nn.intrinsic.ConvReLU1d)
                    // PyTorch's embedding QAT mapping (get_embedding_qat_module_mappings), for the embeddings whose
                    // qconfig is an embedding QAT one (float qparams fake quantizer); others stay float, as the
                    // default QAT mapping leaves them
                    || (c.getClass() == dev.ember.nn.Embedding.class || c.getClass() == dev.ember.nn.EmbeddingBag.class)
                    && dev.ember.ao.nn.qat.Embedding.isEmbeddingQatQconfig(qconfigs.get(c)));
            if (swap) {
                out.add(name);
            } else {
                qatTargets(c, name, qconfigs, out);
            }
        }
    }

    private static ObserverOrFakeQuantize weightObserver(QConfig q) {
        Module w = q.weight().get();
        if (w instanceof ObserverOrFakeQuantize o) {
            return o;
        }
        throw new IllegalArgumentException("convert: the qconfig's weight() must make an observer, got "
                + (w == null ? null : w.getClass().getSimpleName()));
    }

    /** {@code _remove_qconfig}: every qconfig and leftover observer of the converted model. */
    private static void removeQconfigs(Module m) {
        QCONFIGS.remove(m);
        for (Module c : m.namedChildren().values()) {
            if (c != null) {
                removeQconfigs(c);
            }
        }
    }

    /**
     * The model an {@code inplace} call changes: the model itself, or for {@code inplace=False} PyTorch's
     * {@code copy.deepcopy(model)} ({@link dev.ember.DeepCopy}) with each module's qconfig (PyTorch's attribute, which
     * the copy carries) set on its copy.
     */
    static Module target(Module model, boolean inplace) {
        if (inplace) {
            return model;
        }
        Module copy = dev.ember.DeepCopy.of(model);
        List<Module> from = model.modules();
        List<Module> to = copy.modules();
        for (int i = 0; i < from.size(); i++) {
            Object q = QCONFIGS.get(from.get(i));
            if (q != null) {
                QCONFIGS.put(to.get(i), q);
            }
        }
        return copy;
    }
}
