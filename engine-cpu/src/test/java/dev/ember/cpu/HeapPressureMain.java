package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Tensor;
import dev.ember.TensorScope;

/**
 * Run by {@link HeapPressureTest} in a JVM with a small heap: a loop whose tensor sizes never repeat (so every closed
 * array goes to the pool and none is reused), then an allocation larger than the heap. Prints {@code ok} and exits 0
 * when the pool never made the loop fail and the oversized allocation came back as a {@link CpuOutOfMemoryError}.
 */
public final class HeapPressureMain {
    private HeapPressureMain() {
    }

    public static void main(String[] args) {
        int steps = Integer.parseInt(args[0]);
        double checksum = 0;
        for (int i = 0; i < steps; i++) {
            try (TensorScope step = Ember.scope()) {
                // 4 MB and a little more each step: 200 steps would keep 800 MB in an unbounded pool
                Tensor t = Tensor.full(DType.FLOAT32, 1, 1_000_000 + 1024 * i);
                checksum += t.mul(2.0).sum().item();
            }
        }
        long max = Runtime.getRuntime().maxMemory();
        try {
            Tensor.zeros(DType.FLOAT64, (int) Math.min(Integer.MAX_VALUE - 8, max / 8 + 1_000_000));
            System.out.println("allocated more than the heap holds");
            System.exit(2);
        } catch (CpuOutOfMemoryError e) {
            if (!e.getMessage().startsWith("DefaultCPUAllocator: not enough memory: you tried to allocate ")) {
                System.out.println("unexpected message: " + e.getMessage());
                System.exit(3);
            }
        }
        // the program goes on after it
        Tensor after = Tensor.ones(1000);
        System.out.println("ok " + (long) checksum + " " + (long) after.sum().item() + " pool " + ArrayPool.INSTANCE.bytes());
    }
}
