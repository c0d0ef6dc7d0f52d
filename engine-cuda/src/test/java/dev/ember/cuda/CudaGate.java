package dev.ember.cuda;

import dev.ember.Ember;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.DynamicTestInvocationContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;

import java.lang.reflect.Method;

/**
 * Makes every dynamic test of a GPU test class count as skipped (or failed, under {@code -Dember.cuda.required=true})
 * where CUDA is not usable, instead of vanishing from the report. A class's {@code @BeforeEach} gate
 * ({@link CudaTestSupport#requireCuda()}) aborts a {@code @TestFactory} before it builds its list, so Surefire saw
 * neither the tests nor the skip ("Tests run: 0"). With this extension the factory's {@code @BeforeEach} is passed
 * over when CUDA is not usable (the factories build their cases on the CPU), and each dynamic test goes through the gate
 * itself: a class of 40 parity checks reports 40 skipped, each with the reason.
 */
final class CudaGate implements InvocationInterceptor {
    @Override
    public void interceptBeforeEachMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> context,
            ExtensionContext extensionContext) throws Throwable {
        boolean factory = extensionContext.getTestMethod().map(m -> m.isAnnotationPresent(TestFactory.class))
                .orElse(false);
        if (factory && !Ember.cudaUnavailableReason().isEmpty()) {
            invocation.skip();
        } else {
            invocation.proceed();
        }
    }

    @Override
    public void interceptDynamicTest(Invocation<Void> invocation, DynamicTestInvocationContext invocationContext,
            ExtensionContext extensionContext) throws Throwable {
        if (!Ember.cudaUnavailableReason().isEmpty()) {
            invocation.skip();
            CudaTestSupport.requireCuda();
            throw new AssertionError("unreachable: requireCuda returned without CUDA");
        }
        invocation.proceed();
    }
}
