package dev.ember.optim;

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
    private int epoch;

    /** A schedule reading the optimizer's initial learning rate and writing the scheduled one. */
    public StepLR(DoubleSupplier lr, DoubleConsumer setLr, int stepSize, double gamma) {
        if (stepSize < 1) {
            throw new IllegalArgumentException("step_size must be positive, got " + stepSize);
        }
        this.setLr = setLr;
        this.baseLr = lr.getAsDouble();
        this.stepSize = stepSize;
        this.gamma = gamma;
    }

    /** Ends an epoch: updates the learning rate for the next one. */
    public void step() {
        epoch++;
        setLr.accept(baseLr * Math.pow(gamma, epoch / stepSize));
    }

    /** The learning rate for the current epoch. */
    public double lastLr() {
        return baseLr * Math.pow(gamma, epoch / stepSize);
    }
}
