package dev.ember.optim;

import dev.ember.Format;

import java.util.function.DoubleConsumer;
import java.util.function.DoubleSupplier;

/**
 * Multiplies the learning rate by {@code gamma} every {@code stepSize} epochs, as {@code torch.optim.lr_scheduler.StepLR}.
 * <pre>{@code StepLR sched = new StepLR(opt::lr, opt::setLr, 5, 0.1); ... sched.step(); // once per epoch}</pre>
 */
public final class StepLR {
    private final DoubleConsumer setLr;
    private final double baseLr;
    private final int stepSize;
    private final double gamma;
    private long epoch;

    /**
     * A schedule reading the optimizer's initial learning rate and writing the scheduled one.
     *
     * @throws IllegalArgumentException for null functions, a step size below 1, or a gamma that is negative, nan or
     *     infinite (it would make every later rate invalid)
     */
    public StepLR(DoubleSupplier lr, DoubleConsumer setLr, int stepSize, double gamma) {
        if (lr == null || setLr == null) {
            throw new IllegalArgumentException("StepLR needs the optimizer's lr getter and setter, got null");
        }
        if (stepSize < 1) {
            throw new IllegalArgumentException("step_size must be positive, got " + stepSize);
        }
        if (!(gamma >= 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("gamma must be a finite non-negative number, got " + Format.repr(gamma));
        }
        this.setLr = setLr;
        this.baseLr = lr.getAsDouble();
        this.stepSize = stepSize;
        this.gamma = gamma;
    }

    /** Ends an epoch: updates the learning rate for the next one (the epoch counts only once the rate is set). */
    public void step() {
        setLr.accept(rate(epoch + 1));
        epoch++;
    }

    /** The learning rate for the current epoch. */
    public double lastLr() {
        return rate(epoch);
    }

    private double rate(long e) {
        return baseLr * Math.pow(gamma, e / stepSize);
    }
}
