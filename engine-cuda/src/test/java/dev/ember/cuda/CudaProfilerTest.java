package dev.ember.cuda;

import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Tensor;
import dev.ember.profiler.KeyAverage;
import dev.ember.profiler.Profiler;
import dev.ember.profiler.ProfilerEvent;
import dev.ember.profiler.ProfilerOptions;
import dev.ember.profiler.RecordFunction;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The profiler on a real GPU: each CUDA kernel is synchronized after the call, so it carries device time (Self CUDA),
 * device allocations show in the CUDA memory columns, and the table gains the CUDA columns and totals line.
 */
class CudaProfilerTest {
    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    @Test
    void kernelsCarryDeviceTimeAndMemory() {
        Device gpu = Device.cuda(0);
        Tensor a = Tensor.randn(256, 256).to(gpu);
        a.matmul(a).sum().item(); // warm up (module load, first allocations)
        Profiler prof;
        try (Profiler p = Ember.profile(ProfilerOptions.defaults().withProfileMemory(true))) {
            prof = p;
            try (RecordFunction r = Profiler.recordFunction("gpu_work")) {
                a.matmul(a).relu();
            }
        }
        ProfilerEvent mm = prof.events().stream().filter(e -> e.name().equals("aten::mm")).findFirst().orElseThrow();
        assertEquals("cuda:0", mm.device());
        assertTrue(mm.selfCudaUs() > 0, mm.toString());
        ProfilerEvent range = prof.events().get(0);
        assertEquals("gpu_work", range.name());
        assertTrue(range.cudaUs() >= mm.selfCudaUs(), range.toString());
        assertTrue(range.cudaMemory() >= 2L * 256 * 256 * 4, "the two [256, 256] float32 outputs: " + range);
        KeyAverage row = prof.keyAverages().stream().filter(k -> k.key().equals("aten::mm")).findFirst().orElseThrow();
        assertEquals(1, row.count());
        String table = prof.keyAverages().table("self_cuda_time_total", 10);
        assertTrue(table.split("\n")[1].contains("Self CUDA"), table);
        assertTrue(table.contains("\nSelf CUDA time total: "), table);
    }
}
