package dev.ember.optim;

import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.BatchNorm3d;
import dev.ember.nn.Module;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The functions of {@code torch.optim.swa_utils} (PyTorch 2.x): averaging functions for {@link AveragedModel}
 * ({@code get_ema_multi_avg_fn}, {@code get_swa_multi_avg_fn}, {@code get_ema_avg_fn}, {@code get_swa_avg_fn}) and
 * {@code update_bn}, which recomputes the batch norm statistics of a model (an averaged one) over one pass of data. The
 * classes are {@link AveragedModel} and {@link SWALR}.
 */
public final class SwaUtils {
    private SwaUtils() {
    }

    /**
     * PyTorch's {@code get_ema_multi_avg_fn(decay)}: each floating averaged tensor becomes
     * {@code averaged.lerp(current, 1 - decay)} (PyTorch's {@code _foreach_lerp_}), any other
     * {@code averaged * decay + current * (1 - decay)}.
     */
    public static AveragedModel.MultiAvgFn getEmaMultiAvgFn(double decay) {
        return (averaged, current, n) -> {
            try (GradMode off = Ember.noGrad()) {
                for (int i = 0; i < averaged.size(); i++) {
                    Tensor a = averaged.get(i);
                    Tensor c = current.get(i);
                    if (a.dtype().isFloatingPoint()) {
                        a.copy_(a.lerp(c, 1 - decay));
                    } else {
                        a.copy_(a.mul(decay).add(c.mul(1 - decay)));
                    }
                }
            }
        };
    }

    /** {@link #getEmaMultiAvgFn(double)} with PyTorch's default decay, 0.999. */
    public static AveragedModel.MultiAvgFn getEmaMultiAvgFn() {
        return getEmaMultiAvgFn(0.999);
    }

    /**
     * PyTorch's {@code get_swa_multi_avg_fn()}, with its CPU rule on every device: each averaged tensor becomes
     * {@code averaged + (current - averaged) / (num_averaged + 1)}.
     */
    public static AveragedModel.MultiAvgFn getSwaMultiAvgFn() {
        AveragedModel.AvgFn one = getSwaAvgFn();
        return (averaged, current, n) -> {
            try (GradMode off = Ember.noGrad()) {
                for (int i = 0; i < averaged.size(); i++) {
                    averaged.get(i).copy_(one.apply(averaged.get(i), current.get(i), n));
                }
            }
        };
    }

    /** PyTorch's {@code get_ema_avg_fn(decay)}: {@code decay * averaged + (1 - decay) * current}. */
    public static AveragedModel.AvgFn getEmaAvgFn(double decay) {
        return (averaged, current, n) -> {
            try (GradMode off = Ember.noGrad()) {
                return averaged.mul(decay).add(current.mul(1 - decay));
            }
        };
    }

    /** {@link #getEmaAvgFn(double)} with PyTorch's default decay, 0.999. */
    public static AveragedModel.AvgFn getEmaAvgFn() {
        return getEmaAvgFn(0.999);
    }

    /** PyTorch's {@code get_swa_avg_fn()}: {@code averaged + (current - averaged) / (num_averaged + 1)}. */
    public static AveragedModel.AvgFn getSwaAvgFn() {
        return (averaged, current, n) -> {
            try (GradMode off = Ember.noGrad()) {
                return averaged.add(current.sub(averaged).div(n.add(1L)));
            }
        };
    }

    /** {@link #updateBn(Iterable, Module, Device)} without moving the data. */
    public static void updateBn(Iterable<?> loader, Module model) {
        updateBn(loader, model, null);
    }

    /**
     * Recomputes the running statistics of every batch norm layer ({@code BatchNorm1d}/{@code 2d}/{@code 3d}) of
     * {@code model} over one pass of {@code loader}, as PyTorch's {@code update_bn}: each layer's statistics are reset
     * ({@code reset_running_stats}) and its momentum set to null (a cumulative average over the batches), the model
     * runs in training mode on every batch with gradients off, then each momentum and the model's training mode are
     * restored (also when a batch fails). A model without batch norm is left alone.
     *
     * @param loader batches: each a tensor, or a list or array whose first element is the input tensor (PyTorch's
     *     {@code (input, target)} batches)
     * @param device where to move each batch first; null to leave it
     * @throws IllegalArgumentException for a null loader or model, or a batch that is neither
     */
    public static void updateBn(Iterable<?> loader, Module model, Device device) {
        if (loader == null) {
            throw new IllegalArgumentException("update_bn: loader must not be null");
        }
        if (model == null) {
            throw new IllegalArgumentException("update_bn: model must not be null");
        }
        Map<Module, Double> momenta = new IdentityHashMap<>();
        java.util.List<Module> order = new java.util.ArrayList<>();
        for (Module m : model.modules()) {
            if (m instanceof BatchNorm1d || m instanceof BatchNorm2d || m instanceof BatchNorm3d) {
                order.add(m);
            }
        }
        for (Module m : order) {
            reset(m);
            momenta.put(m, momentum(m));
        }
        if (momenta.isEmpty()) {
            return;
        }
        boolean wasTraining = model.isTraining();
        model.train();
        for (Module m : order) {
            setMomentum(m, null);
        }
        try (GradMode off = Ember.noGrad()) {
            for (Object batch : loader) {
                Tensor input = input(batch);
                if (device != null) {
                    input = input.to(device);
                }
                model.apply(input);
            }
        } finally {
            for (Module m : order) {
                setMomentum(m, momenta.get(m));
            }
            model.train(wasTraining);
        }
    }

    private static Tensor input(Object batch) {
        Object first = batch;
        if (batch instanceof List && !((List<?>) batch).isEmpty()) {
            first = ((List<?>) batch).get(0);
        } else if (batch instanceof Object[] && ((Object[]) batch).length > 0) {
            first = ((Object[]) batch)[0];
        }
        if (!(first instanceof Tensor)) {
            throw new IllegalArgumentException("update_bn: each batch must be a tensor or a list whose first element is a "
                    + "tensor, got " + (batch == null ? "null" : batch.getClass().getSimpleName()));
        }
        return (Tensor) first;
    }

    private static void reset(Module m) {
        if (m instanceof BatchNorm1d) {
            ((BatchNorm1d) m).resetRunningStats();
        } else if (m instanceof BatchNorm2d) {
            ((BatchNorm2d) m).resetRunningStats();
        } else {
            ((BatchNorm3d) m).resetRunningStats();
        }
    }

    private static Double momentum(Module m) {
        if (m instanceof BatchNorm1d) {
            return ((BatchNorm1d) m).momentum();
        }
        return m instanceof BatchNorm2d ? ((BatchNorm2d) m).momentum() : ((BatchNorm3d) m).momentum();
    }

    private static void setMomentum(Module m, Double v) {
        if (m instanceof BatchNorm1d) {
            ((BatchNorm1d) m).setMomentum(v);
        } else if (m instanceof BatchNorm2d) {
            ((BatchNorm2d) m).setMomentum(v);
        } else {
            ((BatchNorm3d) m).setMomentum(v);
        }
    }
}
