package dev.ember;

import dev.ember.nn.Module;
import dev.ember.optim.Optimizer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;

/**
 * The training loop of the outsider-program tests (OutsiderPrograms5Test to 10Test each had its own copy), as their
 * generators' {@code train}: {@code steps} times zero the gradients, run the forward (its output and loss), backward;
 * after the first backward the output goes to {@link #first} and the gradients are held to the fixture's entries under
 * {@code prefix + "grad0."}; then {@link #afterBackward}, the optimizer's step and {@link #afterStep}. At the end the
 * losses are held to {@code prefix + "loss"} and the parameters to those under {@code prefix + "final."}. Each test
 * keeps its own {@code train} signature and delegates here.
 */
final class OutsiderTraining {
    private final OutsiderFixture pt;
    private final String prefix;
    private final Module model;
    private final Optimizer opt;
    private final int steps;
    private final IntFunction<Object[]> forward;
    private Consumer<Object> first;
    private Runnable afterBackward;
    private IntConsumer afterStep;
    private double gradLoose = 1;
    private double finalLoose = 1;
    private boolean checkFinal = true;
    private boolean checkGrads = true;
    private double lossLoose = 10;
    private DType lossType = DType.FLOAT64;
    private String what;

    /**
     * The loop over {@code steps} steps of {@code opt} on {@code model}; {@code forward} gives the step's output and
     * loss (the loss a scalar tensor).
     */
    OutsiderTraining(OutsiderFixture pt, String prefix, Module model, Optimizer opt, int steps,
                     IntFunction<Object[]> forward) {
        this.pt = pt;
        this.prefix = prefix;
        this.model = model;
        this.opt = opt;
        this.steps = steps;
        this.forward = forward;
        this.what = prefix;
    }

    /** What the first step's output is given to (null: nothing). */
    OutsiderTraining first(Consumer<Object> f) {
        first = f;
        return this;
    }

    /** What runs after each backward (and the first step's checks), before the step (null: nothing). */
    OutsiderTraining afterBackward(Runnable r) {
        afterBackward = r;
        return this;
    }

    /** What runs after each optimizer step, with the step's index (null: nothing). */
    OutsiderTraining afterStep(IntConsumer c) {
        afterStep = c;
        return this;
    }

    /** The tolerances' factors for the first gradients and the final parameters. */
    OutsiderTraining loose(double grad, double fin) {
        gradLoose = grad;
        finalLoose = fin;
        return this;
    }

    /** Whether the final parameters are checked here (false: the caller checks them). */
    OutsiderTraining checkFinal(boolean check) {
        checkFinal = check;
        return this;
    }

    /** Whether the first gradients are checked here (false: the caller checks them, in {@link #first}). */
    OutsiderTraining checkGrads(boolean check) {
        checkGrads = check;
        return this;
    }

    /** The losses' tolerance factor (10 unless set). */
    OutsiderTraining lossLoose(double loose) {
        lossLoose = loose;
        return this;
    }

    /** The type the losses are compared in (float64 unless set; null: the expected losses' own type). */
    OutsiderTraining lossType(DType type) {
        lossType = type;
        return this;
    }

    /** The name in the failure messages (the prefix unless set). */
    OutsiderTraining what(String name) {
        what = name;
        return this;
    }

    /** Runs the loop and the checks. */
    void run() {
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < steps; step++) {
            opt.zeroGrad();
            Object[] yl = forward.apply(step);
            Tensor loss = (Tensor) yl[1];
            loss.backward();
            if (step == 0) {
                if (first != null) {
                    first.accept(yl[0]);
                }
                if (checkGrads) {
                    pt.assertNamed(prefix + "grad0.", model, true, gradLoose, what + " gradient");
                }
            }
            if (afterBackward != null) {
                afterBackward.run();
            }
            opt.step();
            if (afterStep != null) {
                afterStep.accept(step);
            }
            losses.add(loss.item());
        }
        Tensor want = pt.e(prefix + "loss");
        OutsiderFixture.assertCloseAny(want, OutsiderFixture.values(losses, lossType == null ? want.dtype() : lossType),
                what + " losses", lossLoose);
        if (checkFinal) {
            pt.assertNamed(prefix + "final.", model, false, finalLoose, what + " parameters after " + steps + " steps");
        }
    }

    /**
     * A module called through its own methods, as the programs' Python classes whose forward takes several arguments
     * (the outsider tests' models extend it).
     */
    abstract static class Container extends Module {
        @Override
        public Tensor forward(Tensor x) {
            throw new UnsupportedOperationException("called through its own methods");
        }

        /** The parameter registered as {@code name}. */
        Tensor param(String name) {
            return parameter(name);
        }
    }
}
