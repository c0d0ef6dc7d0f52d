package dev.ember;

import dev.ember.amp.GradScaler;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.optim.ASGD;
import dev.ember.optim.Adadelta;
import dev.ember.optim.Adagrad;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import dev.ember.optim.Adamax;
import dev.ember.optim.AveragedModel;
import dev.ember.optim.CosineAnnealingLR;
import dev.ember.optim.LBFGS;
import dev.ember.optim.NAdam;
import dev.ember.optim.OneCycleLR;
import dev.ember.optim.Optimizer;
import dev.ember.optim.RAdam;
import dev.ember.optim.RMSprop;
import dev.ember.optim.ReduceLROnPlateau;
import dev.ember.optim.Rprop;
import dev.ember.optim.SGD;
import dev.ember.optim.SWALR;
import dev.ember.optim.StepLR;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PyTorch 2.7's warning when a tensor that requires grad is converted to a scalar (#143261, listed under 2.7.0's
 * "Improvements, Python Frontend"). 2.7's {@code aten/src/ATen/native/Scalar.cpp}:
 *
 * <pre>
 * Scalar item(const Tensor&amp; self) {
 *   auto numel = self.sym_numel();
 *   TORCH_CHECK(numel == 1, "a Tensor with ", numel, " elements cannot be converted to Scalar");
 *   if (torch::autograd::GradMode::is_enabled() &amp;&amp; self.requires_grad()) {
 *     TORCH_WARN_ONCE("Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
 *                     "Consider using tensor.detach() first.");
 *   }
 *   ...
 * </pre>
 *
 * <p>So: once per process; only with gradient mode on (not under {@code no_grad}, not in inference mode); leaves and
 * non-leaves alike; after the element-count check (a refused conversion does not warn). The Python entry points that
 * reach {@code at::native::item} are {@code item()}, {@code float(t)}, {@code int(t)}, {@code complex(t)} and
 * {@code bool(t)} (python_variable_methods.cpp's {@code dispatch_to} calls {@code self.item<T>()}); {@code tolist()}
 * reads the storage itself and {@code is_nonzero} calls {@code _local_scalar_dense}, neither warns; {@code numpy()}
 * refuses. Ember's entry points: {@link Tensor#item()} (item, float), {@link Tensor#longItem()} (int),
 * {@link Tensor#itemComplex()} (complex). PyTorch's own code reads scalars in C++ (or, in Python, under
 * {@code no_grad}: printing, optimizers' steps), so a training loop of optimizers, schedulers, clipping, scaling and
 * printing warns of nothing; Ember's engine reads through {@link InternalScalars}, which never warns.
 *
 * <p>Note: 2.8 (#152709, "Move warning from item to specific number conversions") moved the check out of
 * {@code item()} into the Python number conversions, so from 2.8 a plain {@code t.item()} is silent and only
 * {@code float(t)}/{@code int(t)}/{@code complex(t)}/{@code bool(t)} warn. Ember follows 2.7, where Java's
 * {@code item()} is both {@code item()} and {@code float(t)}.
 */
class ItemWarningTest {
    /** The words of 2.7's TORCH_WARN_ONCE (Scalar.cpp, quoted above). */
    private static final String TEXT = "Converting a tensor with requires_grad=True to a scalar may lead to unexpected "
            + "behavior.\nConsider using tensor.detach() first.";

    /**
     * The warnings with this text logged to "dev.ember" while {@code body} runs, after forgetting that it was logged
     * (as a fresh process would), as level and message; the earlier state is restored after.
     */
    private static List<String> logged(Runnable body) {
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("dev.ember");
        List<String> got = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (r.getMessage() != null && r.getMessage().contains("requires_grad=True to a scalar")) {
                    got.add(r.getLevel() + ": " + r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        boolean had = WarnOnce.LOGGED.remove(InternalScalars.REQUIRES_GRAD_TO_SCALAR);
        jul.addHandler(h);
        try {
            body.run();
        } finally {
            jul.removeHandler(h);
            if (had) {
                WarnOnce.LOGGED.add(InternalScalars.REQUIRES_GRAD_TO_SCALAR);
            }
        }
        return new ArrayList<>(got);
    }

    private static Tensor leaf(double v) {
        return Tensor.scalar(v).requiresGrad_(true);
    }

    @Test
    void theWordsAreTwoPointSevensWordForWord() {
        assertEquals(TEXT, InternalScalars.REQUIRES_GRAD_TO_SCALAR);
    }

    /** Each user entry point warns in a fresh process, with the value read as before. */
    @Test
    void eachUserConversionWarns() {
        Tensor x = leaf(2.5);
        List<Supplier<Object>> reads = List.of(x::item, x::longItem, x::itemComplex, () -> x.mul(x).item(),
                () -> x.reshape(1).item(), () -> Tensor.complex(x, x).itemComplex());
        List<Object> values = new ArrayList<>();
        for (Supplier<Object> read : reads) {
            assertEquals(List.of("WARNING: " + TEXT), logged(() -> values.add(read.get())));
        }
        assertEquals(List.of(2.5, 2L, new Complex(2.5, 0), 6.25, 2.5, new Complex(2.5, 2.5)), values);
    }

    /** TORCH_WARN_ONCE: one warning however many reads, of whichever tensor, leaf or not, on whichever thread. */
    @Test
    void warnsOncePerProcess() {
        List<String> got = logged(() -> {
            Tensor x = leaf(3.0);
            for (int i = 0; i < 3; i++) {
                x.item();
                x.longItem();
                x.mul(2.0).item();
                leaf(i).item();
            }
            Thread t = new Thread(() -> leaf(1.0).item());
            t.start();
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        assertEquals(List.of("WARNING: " + TEXT), got);
        assertTrue(WarnOnce.LOGGED.contains(TEXT), "remembered in WarnOnce's set, as its other messages");
    }

    /**
     * No warning without gradient mode ({@code no_grad}, inference mode), for a tensor that does not require grad
     * ({@code detach()}, an integer tensor, a result computed under no_grad), for refused conversions (the element count
     * is checked first), and from {@code tolist()}, the array reads and {@code is_nonzero} (which do not pass through
     * {@code at::native::item}).
     */
    @Test
    void silentWhereTwoPointSevenIsSilent() {
        Tensor x = leaf(1.5);
        Tensor v = Tensor.tensor(new double[] {1, 2}).requiresGrad_(true);
        List<String> got = logged(() -> {
            try (GradMode off = Ember.noGrad()) {
                assertEquals(1.5, x.item());
                assertEquals(1L, x.longItem());
                assertEquals(new Complex(1.5, 0), x.itemComplex());
            }
            try (InferenceMode on = Ember.inferenceMode()) {
                assertEquals(1.5, x.item());
            }
            assertEquals(1.5, x.detach().item());
            assertEquals(4L, Tensor.scalar(4L).longItem());
            Tensor y;
            try (GradMode off = Ember.noGrad()) {
                y = x.mul(2.0);
            }
            assertEquals(3.0, y.item());
            assertEquals("a Tensor with 2 elements cannot be converted to Scalar",
                    assertThrows(IllegalArgumentException.class, v::item).getMessage());
            assertThrows(IllegalArgumentException.class, v::longItem);
            assertThrows(IllegalArgumentException.class, v::itemComplex);
            assertEquals(1.5, x.toList());
            assertEquals(List.of(1.0, 2.0), v.toList());
            assertEquals(1.5, x.toDoubleArray()[0]);
            assertTrue(x.isNonzero());
        });
        assertEquals(List.of(), got);
        assertEquals(List.of("WARNING: " + TEXT), logged(x::item), "the user path still warns after all that");
    }

    /** A LeNet-sized network (two convolutions, two linear layers). */
    static final class Net extends Module {
        final Conv2d conv1 = registerModule("conv1", new Conv2d(1, 3, 3));
        final Conv2d conv2 = registerModule("conv2", new Conv2d(3, 4, 3));
        final Linear fc1 = registerModule("fc1", new Linear(4 * 2 * 2, 8));
        final Linear fc2 = registerModule("fc2", new Linear(8, 3));

        @Override
        public Tensor forward(Tensor x) {
            x = Functional.maxPool2d(Functional.relu(conv1.forward(x)), 2);
            x = Functional.relu(conv2.forward(x));
            x = x.flatten(1);
            return fc2.forward(Functional.relu(fc1.forward(x)));
        }
    }

    /**
     * A training step with each optimizer (LBFGS through its closure, with and without its line search), clip_grad_norm_ (with error_if_nonfinite),
     * schedulers (StepLR, CosineAnnealingLR, OneCycleLR, ReduceLROnPlateau on a validation loss read under no_grad,
     * SWALR with an AveragedModel), a GradScaler, the optimizer's state dict, and printing the loss, a parameter and the
     * network: no warning, although every loss and parameter requires grad with gradient mode on.
     */
    @Test
    void trainingLoopsWarnOfNothing() {
        List<Function<List<Tensor>, Optimizer>> optimizers = List.of(p -> new SGD(p, 0.01), p -> new Adam(p, 0.01),
                p -> new AdamW(p, 0.01), p -> new Adamax(p, 0.01), p -> new NAdam(p, 0.01), p -> new RAdam(p, 0.01),
                p -> new RMSprop(p, 0.01), p -> new Rprop(p, 0.01), p -> new Adagrad(p, 0.01), Adadelta::new,
                p -> new ASGD(p, 0.01), p -> new LBFGS(p, 0.1, 5, null, 1e-7, 1e-9, 10, null),
                p -> new LBFGS(p, 0.1, 5, null, 1e-7, 1e-9, 10, "strong_wolfe"));
        List<String> printed = new ArrayList<>();
        List<String> got = logged(() -> {
            for (Function<List<Tensor>, Optimizer> make : optimizers) {
                Ember.manualSeed(7);
                Net net = new Net();
                Optimizer opt = make.apply(net.parameters());
                Tensor input = Tensor.randn(4, 1, 10, 10);
                Tensor target = Tensor.tensor(new long[] {0, 1, 2, 1});
                ReduceLROnPlateau plateau = new ReduceLROnPlateau(opt);
                StepLR stepLr = opt instanceof LBFGS ? null : new StepLR(opt, 1, 0.9);
                for (int step = 0; step < 2; step++) {
                    Optimizer.Closure closure = () -> {
                        opt.zeroGrad();
                        Tensor loss = Functional.crossEntropy(net.forward(input), target);
                        loss.backward();
                        ClipGrad.clipGradNorm_(net.parameters(), 1.0, 2.0, true, false);
                        return loss;
                    };
                    if (opt instanceof LBFGS) {
                        opt.step(closure);
                    } else {
                        Tensor loss = closure.call();
                        opt.step();
                        printed.add(loss.toString());
                        stepLr.step();
                    }
                    double validation;
                    try (GradMode off = Ember.noGrad()) {
                        validation = Functional.crossEntropy(net.forward(input), target).item();
                    }
                    plateau.step(validation);
                }
                printed.add(opt.stateDict().toString());
                printed.add(net.fc2.bias.toString());
                printed.add(net.toString());
            }
            Ember.manualSeed(8);
            Net net = new Net();
            SGD sgd = new SGD(net.parameters(), 0.1);
            CosineAnnealingLR cosine = new CosineAnnealingLR(sgd, 4);
            OneCycleLR oneCycle = new OneCycleLR(new SGD(new Net().parameters(), 0.1), 0.5, 10);
            AveragedModel swa = new AveragedModel(net, Net::new);
            SWALR swaLr = new SWALR(sgd, 0.05);
            GradScaler scaler = new GradScaler("cpu");
            Tensor input = Tensor.randn(2, 1, 10, 10);
            for (int step = 0; step < 3; step++) {
                sgd.zeroGrad();
                Tensor loss = net.forward(input).pow(2).mean();
                scaler.scale(loss).backward();
                scaler.unscale_(sgd);
                ClipGrad.clipGradNorm_(net.parameters(), 0.5);
                scaler.step(sgd);
                scaler.update();
                cosine.step();
                oneCycle.step();
                swa.updateParameters(net);
                swaLr.step();
                printed.add(loss.toString() + scaler.getScale());
            }
        });
        assertEquals(List.of(), got);
        assertTrue(printed.stream().anyMatch(s -> s.contains("grad_fn=")), "the printed losses required grad");
    }

    /**
     * gradcheck of inputs that require grad, BatchNorm's cumulative average (momentum None reads num_batches_tracked),
     * a HistogramObserver fed tensors that require grad, the learnable fake quantization (which reads a scale and a zero
     * point that require grad, with gradient mode on, as PyTorch's C++ {@code scale[0].item<float>()}) and
     * {@code is_nonzero}: no warning.
     */
    @Test
    void engineReadsOfTrackedTensorsWarnOfNothing() {
        Tensor a = Tensor.tensor(new double[] {0.3, -0.7, 1.1}, DType.FLOAT64).requiresGrad_(true);
        List<String> got = logged(() -> {
            assertTrue(Autograd.gradcheck(in -> in[0].sin().mul(in[0]).sum(), a));
            dev.ember.nn.BatchNorm1d bn = new dev.ember.nn.BatchNorm1d(3, 1e-5, null, true, true);
            for (int i = 0; i < 2; i++) {
                bn.forward(Tensor.randn(4, 3).requiresGrad_(true)).sum().backward();
            }
            dev.ember.ao.quantization.HistogramObserver observer = new dev.ember.ao.quantization.HistogramObserver();
            observer.forward(Tensor.randn(16).requiresGrad_(true));
            observer.forward(Tensor.randn(16).mul(3.0).requiresGrad_(true));
            observer.calculateQparams();
            Tensor scale = Tensor.tensor(new float[] {0.1f}).requiresGrad_(true);
            Tensor zeroPoint = Tensor.tensor(new float[] {3f}).requiresGrad_(true);
            FakeQuant.fakeQuantizeLearnablePerTensorAffine(Tensor.randn(5).requiresGrad_(true), scale, zeroPoint, 0,
                    255, 1.0).sum().backward();
            assertTrue(Tensor.scalar(0.5).requiresGrad_(true).isNonzero());
        });
        assertEquals(List.of(), got);
    }
}
