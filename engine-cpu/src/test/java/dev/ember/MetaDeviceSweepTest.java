package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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
 * tensors of shape [2, 3, 4] (of each type in turn) with arguments 1, 1L, 0.5, false and such tensors: it must return a meta
 * tensor (or a value that is not a tensor) or refuse with one of the engine's exception types for bad input
 * (IllegalArgumentException, IllegalStateException, UnsupportedOperationException, and IndexOutOfBoundsException for
 * PyTorch's IndexError), never with a NullPointerException, ClassCastException, ArithmeticException, a failed array
 * access or an out-of-memory error, and never by computing a tensor off the meta device. The methods that read the
 * values refuse (the expected refusals' words are MetaDeviceTest's); the rest run on shapes.
 */
class MetaDeviceSweepTest {
    private static final Set<Class<? extends Throwable>> REFUSALS = Set.of(IllegalArgumentException.class,
            IllegalStateException.class, UnsupportedOperationException.class, IndexOutOfBoundsException.class);

    private static Tensor meta(DType dtype, int... shape) {
        try (DeviceScope s = Ember.deviceScope(Device.META)) {
            return Tensor.empty(dtype, shape);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "FLOAT16", "BFLOAT16", "COMPLEX64", "INT64", "UINT8",
        "BOOL"})
    void everySimpleTensorMethodRunsOnShapesOrRefusesCleanly(DType dtype) throws IllegalAccessException {
        sweepTensorMethods(dtype, new int[] {2, 3, 4}, 700, 300);
    }

    /**
     * The same on meta tensors of 50000 x 50000, 2.5 billion elements, more than an {@code int} counts: no op may
     * overflow a size silently, build a host table of that size, or run out of memory.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "INT64"})
    void everySimpleTensorMethodRunsOnAHugeMetaTensorOrRefusesCleanly(DType dtype) throws IllegalAccessException {
        sweepTensorMethods(dtype, new int[] {50_000, 50_000}, 700, 300);
    }

    private static void sweepTensorMethods(DType dtype, int[] shape, int minRan, int minMeta)
            throws IllegalAccessException {
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
                    args[i] = meta(dtype, shape);
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
                Object r = m.invoke(isStatic ? null : meta(dtype, shape), args);
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
        assertTrue(bad.isEmpty(), String.join("\n", bad));
        assertTrue(ran > minRan, "methods called: " + ran);
        assertTrue(returnedMeta > minMeta, "methods that returned meta tensors: " + returnedMeta);
    }

    /**
     * The same over the static functions of {@link Functional} and {@link Tensor} whose first argument is a tensor, on
     * float32 meta tensors of rank 3, 4 and 5 and of 50000 x 50000, with int arrays {2, 2}, the string "mean" and null for boxed numbers
     * besides.
     */
    @Test
    void everySimpleFunctionalRunsOnShapesOrRefusesCleanly() throws IllegalAccessException {
        List<String> bad = new ArrayList<>();
        int ran = 0;
        int returnedMeta = 0;
        for (Class<?> cls : List.of(Functional.class, Tensor.class)) {
            Method[] methods = cls.getMethods();
            Arrays.sort(methods, Comparator.comparing(Method::toString));
            for (int[] shape : List.of(new int[] {2, 3, 4}, new int[] {2, 3, 4, 5}, new int[] {2, 3, 4, 5, 6},
                    new int[] {50_000, 50_000})) {
                for (Method m : methods) {
                    Class<?>[] p = m.getParameterTypes();
                    if (m.getDeclaringClass() != cls || !Modifier.isStatic(m.getModifiers()) || p.length == 0
                            || p[0] != Tensor.class) {
                        continue;
                    }
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
                            args[i] = meta(DType.FLOAT32, shape);
                        } else if (p[i] == int[].class) {
                            args[i] = new int[] {2, 2};
                        } else if (p[i] == String.class) {
                            args[i] = "mean";
                        } else if (p[i] == Double.class || p[i] == Long.class || p[i] == Integer.class) {
                            args[i] = null;
                        } else {
                            simple = false;
                        }
                    }
                    if (!simple) {
                        continue;
                    }
                    ran++;
                    try {
                        Object r = m.invoke(null, args);
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
                            bad.add(m + " (rank " + shape.length + ") threw " + c);
                        }
                    }
                }
            }
        }
        assertTrue(bad.isEmpty(), String.join("\n", bad));
        assertTrue(ran > 800, "functions called: " + ran);
        assertTrue(returnedMeta > 400, "functions that returned meta tensors: " + returnedMeta);
    }
}
