package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Ember#setGradEnabled(boolean)} as {@code torch.set_grad_enabled}: a scope (the training loop's
 * {@code with torch.set_grad_enabled(phase == "train")}) and a function; the flags come from PyTorch 1.13
 * (resources/setgradenabled/make_expected.py).
 */
class SetGradEnabledTest {

    @Test
    void asAScopeAndAsAFunctionAsPyTorch() throws IOException {
        List<Boolean> seen = new ArrayList<>();
        Tensor w = Tensor.ones(2).requiresGrad_(true);
        try {
            for (String phase : new String[] {"train", "eval"}) {
                try (GradMode g = Ember.setGradEnabled(phase.equals("train"))) {
                    Tensor y = w.mul(2);
                    seen.add(Ember.isGradEnabled());
                    seen.add(y.requiresGrad());
                    seen.add(y.gradFn() != null);
                }
                seen.add(Ember.isGradEnabled());
            }
            try (GradMode off = Ember.noGrad()) {
                try (GradMode on = Ember.setGradEnabled(true)) {
                    seen.add(Ember.isGradEnabled());
                    seen.add(w.mul(2).requiresGrad());
                }
                seen.add(Ember.isGradEnabled());
            }
            Ember.setGradEnabled(false); // the function form: the mode stays set
            seen.add(Ember.isGradEnabled());
            seen.add(w.mul(2).requiresGrad());
            Ember.setGradEnabled(true);
            seen.add(Ember.isGradEnabled());
            seen.add(w.mul(2).requiresGrad());
        } finally {
            Ember.setGradEnabled(true); // leave this thread as the other tests expect it
        }
        StringBuilder got = new StringBuilder();
        for (boolean b : seen) {
            got.append(got.length() == 0 ? "" : " ").append(b ? "1" : "0");
        }
        assertEquals(expected(), got.toString());
        assertTrue(w.mul(2).requiresGrad());
    }

    private static String expected() throws IOException {
        try (InputStream in = SetGradEnabledTest.class.getResourceAsStream("/setgradenabled/expected.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
    }
}
