package dev.ember;

import dev.ember.backend.Backend;
import dev.ember.profiler.Profiler;
import dev.ember.profiler.ProfilingBackend;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guarantee that ProfilingBackend covers the whole Backend SPI, which a generator script used to give: every
 * instance method of the interface is declared by the decorator (one it does not declare would run Backend's default,
 * the host round trip, instead of the backend's own kernel, and bypass the profiler), and each declared one reaches the
 * delegate's same method. A new SPI method fails here until its forwarding method is added to ProfilingBackend by hand,
 * modeled on {@code axpy}'s.
 */
class ProfilingBackendSpiTest {

    /** Backend's public and protected instance methods, its superinterfaces' included, in a stable order. */
    private static List<Method> spiMethods() {
        Map<String, Method> bySignature = new LinkedHashMap<>();
        for (Method m : Backend.class.getMethods()) {
            bySignature.putIfAbsent(signature(m), m);
        }
        for (Method m : Backend.class.getDeclaredMethods()) {
            if (Modifier.isProtected(m.getModifiers())) {
                bySignature.putIfAbsent(signature(m), m);
            }
        }
        List<Method> methods = new ArrayList<>();
        for (Method m : bySignature.values()) {
            if (!Modifier.isStatic(m.getModifiers()) && !m.isSynthetic()) {
                methods.add(m);
            }
        }
        methods.sort(Comparator.comparing(ProfilingBackendSpiTest::signature));
        return methods;
    }

    private static String signature(Method m) {
        StringBuilder sb = new StringBuilder(m.getName()).append('(');
        Class<?>[] params = m.getParameterTypes();
        for (int i = 0; i < params.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(params[i].getSimpleName());
        }
        return sb.append(')').toString();
    }

    @Test
    void decoratorOverridesEveryInstanceMethodOfTheSpi() {
        List<Method> spi = spiMethods();
        assertTrue(spi.stream().anyMatch(m -> m.getName().equals("axpy") && m.getParameterCount() == 5)
                && spi.stream().anyMatch(m -> m.getName().equals("describe")),
                "reflection found Backend's methods: " + spi);
        List<String> missing = new ArrayList<>();
        for (Method m : spi) {
            Method d;
            try {
                d = ProfilingBackend.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
            } catch (NoSuchMethodException e) {
                missing.add(signature(m));
                continue;
            }
            if (!Modifier.isPublic(d.getModifiers()) || Modifier.isStatic(d.getModifiers()) || d.isBridge()) {
                missing.add(signature(m) + " (declared, but not as a public instance override)");
            }
        }
        assertTrue(missing.isEmpty(), "ProfilingBackend does not override " + missing.size() + " Backend method(s), "
                + "which would run Backend's default instead of the backend's kernel and bypass the profiler; add a "
                + "forwarding method for each, modeled on axpy's: " + String.join(", ", missing));
    }

    @Test
    void eachOverrideForwardsToTheSameMethodOfTheDelegate() throws Exception {
        assertFalse(Profiler.isProfiling(), "no profiler open on this thread: every call is forwarded unrecorded");
        List<Method> calls = new ArrayList<>();
        Backend recorder = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
                new Class<?>[] {Backend.class}, (proxy, method, args) -> {
                    calls.add(method);
                    return defaultValue(method.getReturnType());
                });
        Backend decorator = ProfilingBackend.wrap(recorder);
        assertEquals(ProfilingBackend.class, decorator.getClass());
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (Method m : spiMethods()) {
            calls.clear();
            Class<?>[] params = m.getParameterTypes();
            Object[] args = new Object[params.length];
            for (int i = 0; i < params.length; i++) {
                args[i] = defaultValue(params[i]);
            }
            try {
                m.invoke(decorator, args);
            } catch (InvocationTargetException e) {
                wrong.add(signature(m) + " threw " + e.getCause());
                continue;
            }
            checked++;
            if (calls.size() != 1 || !calls.get(0).equals(m)) {
                List<String> reached = new ArrayList<>();
                for (Method c : calls) {
                    reached.add(signature(c));
                }
                wrong.add(signature(m) + " reached " + reached);
            }
        }
        assertTrue(wrong.isEmpty(), "ProfilingBackend methods that do not forward to the delegate's same method once "
                + "(no profiler open): " + String.join("; ", wrong));
        assertEquals(spiMethods().size(), checked);
    }

    /** The value a field of {@code type} starts with: null, false or a zero (an element of a new array). */
    private static Object defaultValue(Class<?> type) {
        return type == void.class ? null : Array.get(Array.newInstance(type, 1), 0);
    }
}
