package dev.ember;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The saved-tensor error ends with PyTorch's hint: without anomaly detection PyTorch 1.13 and 2.x print (for
 * {@code x = torch.ones(2, requires_grad=True); y = x.exp(); y.add_(1); y.sum().backward()}) "... Hint: enable
 * anomaly detection to find the operation that failed to compute its gradient, with
 * torch.autograd.set_detect_anomaly(True)."; with it, "... Hint: the backtrace further above shows the operation that
 * failed to compute its gradient. The variable in question was changed in there or anywhere later. Good luck!"
 * (PyTorch's {@code SavedVariable::unpack}).
 */
class SavedTensorHintTest {
    private static final String PREFIX = "one of the variables needed for gradient computation has been modified by an "
            + "inplace operation: [torch.DoubleTensor [2]], which is output 0 of ExpBackward0, is at version 1; expected "
            + "version 0 instead.";

    private static Throwable changedSavedOutput() {
        Tensor x = Tensor.ones(DType.FLOAT64, 2).requiresGrad_(true);
        Tensor y = x.exp();
        y.add_(1.0);
        return assertThrows(IllegalStateException.class, () -> y.sum().backward());
    }

    @Test
    void withoutAnomalyDetection() {
        assertEquals(PREFIX + " Hint: enable anomaly detection to find the operation that failed to compute its "
                + "gradient, with torch.autograd.set_detect_anomaly(True).", changedSavedOutput().getMessage());
    }

    @Test
    void withAnomalyDetection() {
        try (AnomalyMode on = Autograd.detectAnomaly()) {
            Throwable e = changedSavedOutput();
            assertEquals(PREFIX + " Hint: the backtrace further above shows the operation that failed to compute its "
                    + "gradient. The variable in question was changed in there or anywhere later. Good luck!",
                    rootMessage(e));
        }
    }

    /** Anomaly mode may wrap the error with the forward's stack; the saved-tensor message is the innermost one. */
    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
