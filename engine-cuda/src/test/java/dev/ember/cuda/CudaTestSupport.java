package dev.ember.cuda;

import dev.ember.Ember;
import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Gate for GPU tests: without a usable GPU they are skipped with the reason, unless
 * {@code -Dember.cuda.required=true}, which turns a missing GPU into a failure. A GPU test runs with TF32 convolutions
 * off ({@link Ember#setAllowTf32Convolution}), so that CUDA's float32 convolutions compare with the CPU's FP32 ones.
 */
final class CudaTestSupport {
    private static boolean announced;

    private CudaTestSupport() {
    }

    static CudaBackend requireCuda() {
        String why = Ember.cudaUnavailableReason();
        if (!why.isEmpty()) {
            if (Boolean.getBoolean("ember.cuda.required")) {
                Assertions.fail("CUDA is required (-Dember.cuda.required=true) but not usable: " + why);
            }
            if (!announced) {
                announced = true;
                System.out.println("CUDA tests skipped: CUDA is not usable here: " + why
                        + " (run with -Dember.cuda.required=true to make this a failure)");
            }
            Assumptions.abort("CUDA not usable here, test skipped: " + why);
        }
        // the parity tests compare with the CPU's FP32 arithmetic: TF32 convolutions (PyTorch's default, allowed) off;
        // the TF32 tests (CudaTensorCoresTest) turn it on themselves
        Ember.setAllowTf32Convolution(false);
        Backend b = Backends.find("cuda");
        return (CudaBackend) b;
    }
}
