package dev.ember;

import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every public method of {@link Tensor} that takes only ints, longs, doubles, booleans and tensors, called on meta
 * tensors of shape [2, 3, 4] (float32) with arguments 1, 1L, 0.5, false and such tensors: it must return a meta
 * tensor (or a value that is not a tensor) or refuse with one of the engine's exception types for bad input
 * (IllegalArgumentException, IllegalStateException, UnsupportedOperationException, and IndexOutOfBoundsException for
 * PyTorch's IndexError), never with a NullPointerException, ClassCastException, ArithmeticException, a failed array
 * access or an out-of-memory error, and never by computing a tensor off the meta device. The methods that read the
 * values refuse (the expected refusals' words are MetaDeviceTest's); the rest run on shapes.
 */
class MetaDeviceSweepTest {
    private static final Set<Class<? extends Throwable>> REFUSALS = Set.of(IllegalArgumentException.class,
            IllegalStateException.class, UnsupportedOperationException.class, IndexOutOfBoundsException.class);

    private static Tensor meta() {
        return Tensor.empty(2, 3, 4).to(Device.META);
    }

    @Test
    void everySimpleTensorMethodRunsOnShapesOrRefusesCleanly() throws IllegalAccessException {
        Method[] methods = Tensor.class.getMethods();
        Arrays.sort(methods, Comparator.comparing(Method::toString));
        List<String> bad = new ArrayList<>();
        int ran = 0;
        int returnedMeta = 0;
        for (Method m : methods) {
            if (m.getDeclaringClass() != Tensor.class || m.getName().equals("close")) {
                continue;
            }
            Class<?>[] p = m.getParameterTypes();
            Object[] args = new Object[p.length];
            boolean simple = true;
            for (int i = 0; i < p.length && simple; i++) {
                if (p[i] == int.class) {
                    args[i] = 1;
                } else if (p[i] == long.class) {
                    args[i] = 1L;
                } else if (p[i] == double.class) {
                    args[i] = 0.5;
                } else if (p[i] == boolean.class) {
                    args[i] = false;
                } else if (p[i] == Tensor.class) {
                    args[i] = meta();
                } else {
                    simple = false;
                }
            }
            boolean isStatic = Modifier.isStatic(m.getModifiers());
            if (!simple || isStatic && (p.length == 0 || p[0] != Tensor.class)) {
                continue; // a static factory: it makes CPU tensors unless a scope says otherwise
            }
            ran++;
            try {
                Object r = m.invoke(isStatic ? null : meta(), args);
                if (r instanceof Tensor) {
                    if (((Tensor) r).isMeta()) {
                        returnedMeta++;
                    } else {
                        bad.add(m + " returned a tensor on " + ((Tensor) r).device());
                    }
                }
            } catch (InvocationTargetException e) {
                Throwable c = e.getCause();
                if (!REFUSALS.contains(c.getClass())) {
                    bad.add(m + " threw " + c);
                }
            }
        }
        assertTrue(ran > 700, "methods called: " + ran);
        assertTrue(returnedMeta > 400, "methods that returned meta tensors: " + returnedMeta);
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }
}
