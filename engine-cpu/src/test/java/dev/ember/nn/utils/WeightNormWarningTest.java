package dev.ember.nn.utils;

import dev.ember.LoggedWarnings;
import dev.ember.nn.Linear;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * PyTorch 2.x's FutureWarning of {@code torch.nn.utils.weight_norm} (torch/nn/utils/weight_norm.py since 2.1:
 * "`torch.nn.utils.weight_norm` is deprecated in favor of `torch.nn.utils.parametrizations.weight_norm`."), shown once,
 * as Python's default warning filter shows it once per call site; the parametrization version does not warn.
 */
class WeightNormWarningTest {
    @Test
    void loggedOnceInTwoPointXsWords() {
        boolean was = WeightNorm.WARNED.getAndSet(false); // as in a fresh process
        try (LoggedWarnings w = LoggedWarnings.capture()) {
            Parametrizations.weightNorm(new Linear(2, 2));
            WeightNorm.weightNorm(new Linear(2, 2));
            WeightNorm.weightNorm(new Linear(2, 2));
            assertEquals(List.of("`torch.nn.utils.weight_norm` is deprecated in favor of "
                    + "`torch.nn.utils.parametrizations.weight_norm`."), w.containing("weight_norm"));
        } finally {
            WeightNorm.WARNED.set(was || WeightNorm.WARNED.get());
        }
    }
}
