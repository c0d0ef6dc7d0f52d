package dev.ember;

import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.cpu.CpuBackend;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Set;

/** Test support: a second device type served by CPU kernels, to test device checks without a GPU. */
final class Backends2 {
    private Backends2() {
    }

    static void registerFakeCuda() {
        registerFakeCuda(Set.of());
    }

    /**
     * A fake {@code cuda} device whose methods named in {@code withoutKernels} run the {@link Backend} interface's
     * default (the CPU's kernel on host copies, as a device without that kernel does), and every other method the CPU's.
     */
    static void registerFakeCuda(Set<String> withoutKernels) {
        CpuBackend cpu = new CpuBackend();
        Backend fake = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("deviceType")) {
                        return "cuda";
                    }
                    try {
                        if (method.isDefault() && withoutKernels.contains(method.getName())) {
                            return InvocationHandler.invokeDefault(proxy, method, args);
                        }
                        return method.invoke(cpu, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Backends.register(fake);
    }
}
