package dev.ember;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs each test of a class that extends with it ({@code @ExtendWith(Mt19937Default.class)}) with PyTorch's CPU
 * generator, {@link Generator.Algorithm#MT19937}, as the default generator algorithm, and puts back the algorithm that
 * was the default before: the seeded fuzz rounds (19 on) whose programs draw after {@code manual_seed}.
 */
final class Mt19937Default implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(Mt19937Default.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NAMESPACE).put("before", Ember.defaultGeneratorAlgorithm());
        Ember.setDefaultGeneratorAlgorithm(Generator.Algorithm.MT19937);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Ember.setDefaultGeneratorAlgorithm(context.getStore(NAMESPACE).remove("before", Generator.Algorithm.class));
    }
}
