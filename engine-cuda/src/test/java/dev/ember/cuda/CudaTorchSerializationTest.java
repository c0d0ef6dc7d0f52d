package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Tensor;
import dev.ember.nn.TorchSerialization;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static dev.ember.cuda.CudaParity.GPU;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TorchSerialization.save of CUDA tensors: each whole device storage is copied to the host once (a view and its base
 * share it in the file, as on the CPU), the location is PyTorch's {@code cuda:N} tag, and the file loads on the CPU
 * with the values, strides and offsets the device tensors had.
 */
class CudaTorchSerializationTest {
    @TempDir
    Path dir;

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    @Test
    void deviceTensorsSaveAsTheirCpuCopiesWithTheCudaLocation() throws IOException {
        Tensor base = Tensor.arange(12).to(DType.FLOAT32).reshape(3, 4).to(GPU);
        Map<String, Tensor> sd = new LinkedHashMap<>();
        sd.put("base", base);
        sd.put("t", base.t());
        sd.put("row", base.select(0, 2));
        sd.put("half", Tensor.ones(3).to(DType.FLOAT16).to(GPU));
        Path f = dir.resolve("cuda.pt");
        TorchSerialization.saveStateDict(sd, f);
        String raw = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        assertTrue(raw.contains("cuda:" + Math.max(GPU.index(), 0)), "the pickle names the device as PyTorch's location tag");
        Map<String, Tensor> back = TorchSerialization.loadStateDict(f);
        assertEquals(Device.CPU, back.get("base").device());
        assertArrayEquals(base.to(Device.CPU).toFloatArray(), back.get("base").toFloatArray());
        assertArrayEquals(base.t().to(Device.CPU).toFloatArray(), back.get("t").toFloatArray());
        assertArrayEquals(new int[] {1, 4}, back.get("t").stride());
        assertEquals(8, back.get("row").storageOffset());
        assertSame(back.get("base").storage(), back.get("row").storage(), "one storage in the file, shared again");
        assertArrayEquals(Tensor.ones(3).to(DType.FLOAT16).toHalfBits(), back.get("half").toHalfBits());
    }
}
