package dev.ember;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * What Float8SweepTest and UnsignedSweepTest share: which public methods they call (those of up to three Tensor,
 * double, int, long or boolean arguments, in a fixed order) and which results are plain answers rather than computed
 * tensors. Each sweep keeps its own inputs, arguments and rules of what 2.x accepts or refuses.
 */
final class StorageTypeSweeps {
    private StorageTypeSweeps() {
    }

    /** The public methods of {@code owner}, by name and then parameter types. */
    static List<Method> sortedMethods(Class<?> owner) {
        List<Method> methods = new ArrayList<>(Arrays.asList(owner.getMethods()));
        methods.sort(Comparator.comparing(Method::getName).thenComparing(m -> Arrays.toString(m.getParameterTypes())));
        return methods;
    }

    /** Whether {@code m} takes at most three arguments, each a Tensor, double, int, long or boolean. */
    static boolean plainArgs(Method m) {
        if (m.getParameterCount() > 3) {
            return false;
        }
        for (Class<?> c : m.getParameterTypes()) {
            if (c != Tensor.class && c != double.class && c != int.class && c != long.class && c != boolean.class) {
                return false;
            }
        }
        return true;
    }

    /** A public instance method of plain arguments that is neither {@code skipped} nor synthetic nor a bridge. */
    static boolean instanceCandidate(Method m, Set<String> skipped) {
        return !Modifier.isStatic(m.getModifiers()) && Modifier.isPublic(m.getModifiers())
                && !skipped.contains(m.getName()) && !m.isSynthetic() && !m.isBridge() && plainArgs(m);
    }

    /**
     * Whether a result that is not a tensor is a plain answer (a size, flag, name, type, device, or the values read out
     * as a Java array of primitives) rather than a record or list of computed tensors.
     */
    static boolean plainAnswer(Object result) {
        return result == null || result instanceof Boolean || result instanceof Number || result instanceof String
                || result.getClass().isArray() && result.getClass().getComponentType().isPrimitive()
                || result instanceof DType || result instanceof Device;
    }
}
