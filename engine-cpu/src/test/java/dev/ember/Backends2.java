package dev.ember;

import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.cpu.CpuBackend;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/** Test support: a second device type served by CPU kernels, to test device checks without a GPU. */
final class Backends2 {
    private Backends2() {
    }

    static void registerFakeCuda() {
        CpuBackend cpu = new CpuBackend();
        Backend fake = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("deviceType")) {
                        return "cuda";
                    }
                    try {
                        return method.invoke(cpu, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Backends.register(fake);
    }
}
