package dev.ember.optim;

import dev.ember.Format;

import java.util.Map;
import java.util.function.DoubleConsumer;
import java.util.function.DoubleSupplier;

/**
 * Multiplies the learning rate by {@code gamma} every {@code stepSize} epochs, as {@code torch.optim.lr_scheduler.StepLR}:
 * <pre>{@code StepLR sched = new StepLR(opt, 5, 0.1); ... sched.step(); // once per epoch}</pre>
 * A getter/setter form drives one rate that is not an optimizer's ({@code new StepLR(opt::lr, opt::setLr, 5, 0.1)}).
 */
public final class StepLR extends LRScheduler {
    private int stepSize;
    private double gamma;

    /**
     * A schedule over an optimizer's groups.
     *
     * @throws IllegalArgumentException for a null optimizer, a step size below 1, or a gamma that is negative, nan or
     *     infinite (it would make every later rate invalid; PyTorch does not check them)
     */
    public StepLR(Optimizer optimizer, int stepSize, double gamma) {
        this(optimizer, stepSize, gamma, -1);
    }

    /**
     * A schedule resumed after epoch {@code lastEpoch}, as PyTorch's {@code last_epoch} (see
     * {@link LRScheduler#LRScheduler(Optimizer, long)}): -1 starts a new one.
     *
     * @throws IllegalArgumentException as {@link #StepLR(Optimizer, int, double)}, or when resuming, for a group without
     *     {@code initial_lr} (PyTorch's KeyError)
     */
    public StepLR(Optimizer optimizer, int stepSize, double gamma, long lastEpoch) {
        super(checked(optimizer, stepSize, gamma), lastEpoch);
        this.stepSize = stepSize;
        this.gamma = gamma;
        initialStep();
    }

    /**
     * A schedule reading the optimizer's initial learning rate and writing the scheduled one.
     *
     * @throws IllegalArgumentException for null functions, a step size below 1, or a gamma that is negative, nan or
     *     infinite (it would make every later rate invalid)
     */
    public StepLR(DoubleSupplier lr, DoubleConsumer setLr, int stepSize, double gamma) {
        super(checkedFunctions(lr, setLr, stepSize, gamma), setLr);
        this.stepSize = stepSize;
        this.gamma = gamma;
        initialStep();
    }

    private static DoubleSupplier checkedFunctions(DoubleSupplier lr, DoubleConsumer setLr, int stepSize, double gamma) {
        if (lr == null || setLr == null) {
            throw new IllegalArgumentException("StepLR needs the optimizer's lr getter and setter, got null");
        }
        check(stepSize, gamma);
        return lr;
    }

    private static Optimizer checked(Optimizer optimizer, int stepSize, double gamma) {
        check(stepSize, gamma);
        return optimizer;
    }

    private static void check(long stepSize, double gamma) {
        if (stepSize < 1) {
            throw new IllegalArgumentException("step_size must be positive, got " + stepSize);
        }
        if (!(gamma >= 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("gamma must be a finite non-negative number, got " + Format.repr(gamma));
        }
    }

    @Override
    protected double[] getLr() {
        if (lastEpoch == 0 || lastEpoch % stepSize != 0) {
            return unchanged();
        }
        return scaled(gamma);
    }

    @Override
    protected double[] closedFormLr() {
        double[] out = baseLrs.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = out[i] * Math.pow(gamma, Math.floorDiv(lastEpoch, stepSize));
        }
        return out;
    }

    /** The learning rate of the current epoch (the first group's), as {@code get_last_lr()[0]}. */
    public double lastLr() {
        return getLastLr()[0];
    }

    @Override
    void saveFields(Map<String, Object> m) {
        m.put("step_size", (long) stepSize);
        m.put("gamma", gamma);
    }

    @Override
    Runnable loadFields(Map<String, ?> state) {
        long size = integer(state, "step_size", stepSize);
        double g = number(state, "gamma", gamma);
        check(size, g);
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("step_size must be at most " + Integer.MAX_VALUE + ", got " + size);
        }
        return () -> {
            stepSize = (int) size;
            gamma = g;
        };
    }
}
