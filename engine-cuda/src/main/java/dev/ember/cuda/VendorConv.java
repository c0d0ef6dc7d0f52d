package dev.ember.cuda;

import dev.ember.backend.Conv2dParams;
import dev.ember.backend.Layout;
import jcuda.driver.CUstream;

import java.util.function.LongFunction;

/**
 * Convolution through a vendor library: cuDNN 9 through JavaCPP's CUDA presets ({@link CudnnJavacpp}), opt-in for now
 * ({@code -Dember.cuda.cudnn=true} or {@code CudaBackend.setUseCudnn(true)}) until a GPU session has checked it; Ember's
 * im2col kernels otherwise. Each method returns false, having written nothing, where Ember's kernels must take the case.
 * Nothing here ever fails: why cuDNN did not load is {@link #failure()}, one line.
 */
interface VendorConv {
    /** The property that turns cuDNN on ({@code true}); off by default. */
    String PROPERTY = "ember.cuda.cudnn";

    /** {@code y = conv2d(x, w) (+ bias[O])}; every tensor contiguous NCHW / KCRS. */
    boolean forward(CudaStorage x, Layout xl, CudaStorage w, Layout wl, CudaStorage bias, CudaStorage y, Layout yl,
                    Conv2dParams p);

    /** The input gradient {@code dx} (overwritten). */
    boolean backwardInput(CudaStorage dy, Layout dyl, CudaStorage w, Layout wl, CudaStorage dx, Layout dxl,
                          Conv2dParams p);

    /** The weight gradient {@code dw} (overwritten). */
    boolean backwardWeight(CudaStorage dy, Layout dyl, CudaStorage x, Layout xl, CudaStorage dw, Layout dwl,
                           Conv2dParams p);

    /** Which library runs, for {@code describe()}. */
    String describe();

    /**
     * cuDNN on the current context and this stream, with workspaces from {@code workspaces} (bytes to a device
     * storage), or null (then {@link #failure()} says why). Never throws.
     */
    static VendorConv select(CUstream stream, LongFunction<CudaStorage> workspaces) {
        if ("false".equalsIgnoreCase(System.getProperty(VendorGemm.VENDOR_PROPERTY, "").trim())) {
            Failure.reason = "vendor libraries off (-D" + VendorGemm.VENDOR_PROPERTY + "=false)";
            return null;
        }
        try {
            // CudnnJavacpp links against JavaCPP's classes: even a missing jar must not get past this catch
            VendorConv c = CudnnJavacpp.tryCreate(stream, workspaces);
            Failure.reason = c != null ? "" : CudnnJavacpp.loadFailure();
            return c;
        } catch (Throwable t) {
            Failure.reason = "cuDNN 9 (JavaCPP) unavailable: " + CudaLibraries.reason(t, null);
            return null;
        }
    }

    /** Why cuDNN does not run (one line), or empty when it loaded; "not tried" before {@link #select}. */
    static String failure() {
        return Failure.reason;
    }

    /** The last selection's reason. */
    final class Failure {
        static volatile String reason = "not tried";

        private Failure() {
        }
    }
}
