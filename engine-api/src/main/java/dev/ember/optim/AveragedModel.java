package dev.ember.optim;

import dev.ember.DType;
import dev.ember.DeepCopy;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.nn.Module;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A running average of a model's weights, as {@code torch.optim.swa_utils.AveragedModel} (PyTorch 2.x): stochastic
 * weight averaging (SWA, the default equal-weight average) or an exponential moving average
 * ({@link SwaUtils#getEmaMultiAvgFn}, {@link SwaUtils#getEmaAvgFn}). It holds a copy of the model as its submodule
 * {@code module} and a 0-dim int64 buffer {@code n_averaged}, so its state dict has PyTorch's keys: {@code n_averaged},
 * {@code module.<name>}. Calling it ({@link #apply(Tensor)}) calls the copy.
 *
 * <p><b>The copy.</b> {@link #AveragedModel(Module)} copies the model as PyTorch does, {@code copy.deepcopy(model)}
 * ({@link DeepCopy}). The constructors that take a supplier of a fresh module of the model's architecture (for a model
 * that cannot be deep-copied, such as one whose hooks capture it) move that module to the model's device and floating
 * type, load the model's state dict into it (strict: the architectures must match), and copy each parameter's
 * {@code requires_grad} and each submodule's training mode.
 *
 * <p>{@link #updateParameters(Module)}: the first call copies the model's parameters (and, with {@code useBuffers}, its
 * buffers) into the average; each later call averages them in with the averaging function, where the default is
 * PyTorch's CPU rule {@code averaged + (current - averaged) / (n_averaged + 1)} (on every device: PyTorch's CUDA path
 * uses a foreach lerp with the weight {@code 1 / (n_averaged + 1)} rounded to float32, which can differ in the last
 * bits). Without {@code useBuffers} the buffers are copied from the model every time (PyTorch 2.x keeps them in sync);
 * then {@code n_averaged} grows by one.
 */
public final class AveragedModel extends Module {

    /** An averaging function of one tensor, PyTorch's {@code avg_fn(averaged_param, current_param, num_averaged)}. */
    @FunctionalInterface
    public interface AvgFn {
        /** The new average (a new tensor, copied into the averaged parameter), from the 0-dim int64 count. */
        Tensor apply(Tensor averaged, Tensor current, Tensor numAveraged);
    }

    /**
     * An averaging function over lists of tensors of one device and type, PyTorch's
     * {@code multi_avg_fn(averaged_param_list, current_param_list, num_averaged)}: it updates the averaged tensors in
     * place.
     */
    @FunctionalInterface
    public interface MultiAvgFn {
        /** Updates each of {@code averaged} in place from the matching tensor of {@code current}. */
        void apply(List<Tensor> averaged, List<Tensor> current, Tensor numAveraged);
    }

    private final Module module;
    private final Tensor nAveraged;
    private final AvgFn avgFn;
    private final MultiAvgFn multiAvgFn;
    private final boolean useBuffers;

    /** Marks the constructors that deep-copy the model. */
    private static final Supplier<Module> DEEP_COPY = () -> null;

    /**
     * The equal-weight (SWA) average of {@code model}'s parameters, kept on the model's device, over a deep copy of the
     * model, as PyTorch's {@code AveragedModel(model)}.
     *
     * @throws IllegalArgumentException for a null model, or one {@link DeepCopy#of} refuses
     */
    public AveragedModel(Module model) {
        this(model, DEEP_COPY, null, null, null, false);
    }

    /**
     * An average of {@code model} with every option, over a deep copy of the model, as PyTorch's
     * {@code AveragedModel(model, device, avg_fn, multi_avg_fn, use_buffers)}.
     *
     * @param device where the average lives; null for the model's device
     * @param avgFn the averaging function of one tensor, or null
     * @param multiAvgFn the averaging function of lists of tensors, or null (at most one of the two; neither: SWA)
     * @param useBuffers whether the buffers are averaged too (else they are copied from the model at each update)
     * @throws IllegalArgumentException for a null model, one {@link DeepCopy#of} refuses, or both averaging functions
     */
    public AveragedModel(Module model, Device device, AvgFn avgFn, MultiAvgFn multiAvgFn, boolean useBuffers) {
        this(model, DEEP_COPY, device, avgFn, multiAvgFn, useBuffers);
    }

    /**
     * The equal-weight (SWA) average of {@code model}'s parameters, kept on the model's device.
     *
     * @param fresh makes a new module of the model's architecture (see the class comment)
     */
    public AveragedModel(Module model, Supplier<? extends Module> fresh) {
        this(model, fresh, null, null, null, false);
    }

    /**
     * An average of {@code model} with every option.
     *
     * @param fresh makes a new module of the model's architecture (see the class comment)
     * @param device where the average lives; null for the model's device
     * @param avgFn the averaging function of one tensor, or null
     * @param multiAvgFn the averaging function of lists of tensors, or null (at most one of the two; neither: SWA)
     * @param useBuffers whether the buffers are averaged too (else they are copied from the model at each update)
     * @throws IllegalArgumentException for a null model or supplier, both averaging functions (PyTorch's "Only one of
     *     avg_fn and multi_avg_fn should be provided"), a supplier that returns null or the model itself, or a fresh
     *     module whose state dict does not match the model's
     */
    public AveragedModel(Module model, Supplier<? extends Module> fresh, Device device, AvgFn avgFn, MultiAvgFn multiAvgFn,
                         boolean useBuffers) {
        if (model == null) {
            throw new IllegalArgumentException("AveragedModel: model must not be null");
        }
        if (fresh == null) {
            throw new IllegalArgumentException("AveragedModel: the supplier of a fresh module must not be null");
        }
        if (avgFn != null && multiAvgFn != null) {
            throw new IllegalArgumentException("Only one of avg_fn and multi_avg_fn should be provided");
        }
        Module copy = copyOf(model, fresh);
        if (device != null) {
            copy.to(device);
        }
        this.module = registerModule("module", copy);
        Tensor n = Tensor.zeros(DType.INT64);
        this.nAveraged = registerBuffer("n_averaged", device == null ? n : n.to(device));
        this.avgFn = avgFn;
        this.multiAvgFn = multiAvgFn;
        this.useBuffers = useBuffers;
    }

    /** PyTorch's {@code deepcopy(model)}, or its stand-in: a fresh module and the model's state dict. */
    private static Module copyOf(Module model, Supplier<? extends Module> fresh) {
        if (fresh == DEEP_COPY) {
            return DeepCopy.of(model);
        }
        Module copy = fresh.get();
        if (copy == null) {
            throw new IllegalArgumentException("AveragedModel: the supplier of a fresh module returned null");
        }
        if (copy == model) {
            throw new IllegalArgumentException("AveragedModel: the supplier must return a new module, not the model itself");
        }
        Map<String, Tensor> state = model.stateDict();
        Map<String, Tensor> own = copy.stateDict();
        for (Tensor t : state.values()) {
            if (t.dtype().isFloatingPoint()) {
                DType type = t.dtype();
                Device dev = t.device();
                boolean moveType = false;
                boolean moveDevice = false;
                for (Tensor o : own.values()) {
                    moveType |= o.dtype().isFloatingPoint() && o.dtype() != type;
                    moveDevice |= !o.device().equals(dev);
                }
                if (moveDevice) {
                    copy.to(dev);
                }
                if (moveType) {
                    copy.to(type);
                }
                break;
            }
        }
        copy.loadStateDict(state);
        Map<String, Tensor> params = model.namedParameters();
        Map<String, Tensor> copyParams = copy.namedParameters();
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            Tensor c = copyParams.get(e.getKey());
            if (c != null && c.requiresGrad() != e.getValue().requiresGrad()) {
                c.setRequiresGrad(e.getValue().requiresGrad());
            }
        }
        Map<String, Module> modules = model.namedModules();
        for (Map.Entry<String, Module> e : copy.namedModules().entrySet()) {
            Module m = modules.get(e.getKey());
            if (m != null) {
                e.getValue().train(m.isTraining());
            }
        }
        return copy;
    }

    /** The averaged copy of the model, PyTorch's {@code averaged_model.module}. */
    public Module module() {
        return module;
    }

    /** How many models have been averaged in, PyTorch's {@code n_averaged} (a 0-dim int64 buffer). */
    public long nAveraged() {
        return (long) nAveraged.item();
    }

    /** Whether the buffers are averaged too, PyTorch's {@code use_buffers}. */
    public boolean useBuffers() {
        return useBuffers;
    }

    /** Calls the averaged copy, as PyTorch's {@code forward}: {@code self.module(x)}. */
    @Override
    public Tensor forward(Tensor input) {
        return module.apply(input);
    }

    /**
     * Averages {@code model}'s current parameters (and buffers, with {@code useBuffers}) in, as PyTorch's
     * {@code update_parameters(model)} (see the class comment), then counts one more model.
     *
     * @throws IllegalArgumentException for a null model
     */
    public void updateParameters(Module model) {
        if (model == null) {
            throw new IllegalArgumentException("updateParameters: model must not be null");
        }
        List<Tensor> selfParams = new ArrayList<>(useBuffers ? module.parameters() : parameters());
        List<Tensor> modelParams = new ArrayList<>(model.parameters());
        if (useBuffers) {
            selfParams.addAll(module.buffers());
            modelParams.addAll(model.buffers());
        }
        int n = Math.min(selfParams.size(), modelParams.size());
        try (GradMode off = Ember.noGrad()) {
            long count = nAveraged();
            List<Tensor> averaged = new ArrayList<>();
            List<Tensor> current = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Tensor pa = selfParams.get(i).detach();
                Tensor pm = modelParams.get(i).detach().to(pa.device());
                averaged.add(pa);
                current.add(pm);
                if (count == 0) {
                    pa.copy_(pm);
                }
            }
            if (count > 0) {
                if (multiAvgFn != null || avgFn == null) {
                    // grouped by device and type, as PyTorch's _group_tensors_by_device_and_dtype
                    Map<String, List<Integer>> groups = new LinkedHashMap<>();
                    for (int i = 0; i < n; i++) {
                        Tensor pa = averaged.get(i);
                        groups.computeIfAbsent(pa.device() + "/" + pa.dtype(), k -> new ArrayList<>()).add(i);
                    }
                    for (List<Integer> idx : groups.values()) {
                        List<Tensor> as = new ArrayList<>();
                        List<Tensor> cs = new ArrayList<>();
                        for (int i : idx) {
                            as.add(averaged.get(i));
                            cs.add(current.get(i));
                        }
                        Tensor num = nAveraged.to(as.get(0).device());
                        if (multiAvgFn != null) {
                            multiAvgFn.apply(as, cs, num);
                        } else {
                            AvgFn swa = SwaUtils.getSwaAvgFn();
                            for (int k = 0; k < as.size(); k++) {
                                as.get(k).copy_(swa.apply(as.get(k), cs.get(k), num));
                            }
                        }
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        Tensor pa = averaged.get(i);
                        Tensor v = avgFn.apply(pa, current.get(i), nAveraged.to(pa.device()));
                        if (v == null) {
                            throw new IllegalArgumentException("updateParameters: the averaging function returned null");
                        }
                        pa.copy_(v);
                    }
                }
            }
            if (!useBuffers) {
                // without averaging them, keep the buffers in sync with the model (PyTorch 2.x)
                List<Tensor> own = module.buffers();
                List<Tensor> theirs = model.buffers();
                for (int i = 0; i < Math.min(own.size(), theirs.size()); i++) {
                    own.get(i).copy_(theirs.get(i).detach().to(own.get(i).device()));
                }
            }
            nAveraged.add_(1L);
        }
    }
}
