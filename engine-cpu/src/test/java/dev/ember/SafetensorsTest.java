package dev.ember;

import dev.ember.nn.Conv2d;

import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Weights move between Ember and PyTorch through safetensors files. */
class SafetensorsTest {

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(SafetensorsTest.class.getResource("/safetensors/" + name).toURI());
    }

    private static Module model() {
        return new dev.ember.nn.Sequential(new Conv2d(1, 2, 3), new dev.ember.nn.ReLU(), new dev.ember.nn.Flatten(), new Linear(8, 3));
    }

    @Test
    void emberFilesLoadBackIdentically(@TempDir Path dir) throws Exception {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("w", Tensor.randn(3, 4));
        tensors.put("d", Tensor.randn(DType.FLOAT64, 2));
        tensors.put("i", Tensor.tensor(new long[] {1, -2, 3}));
        tensors.put("b", Tensor.tensor(new boolean[] {true, false}));
        tensors.put("scalar", Tensor.scalar(2.5));
        tensors.put("t", Tensor.arange(0, 6, 1, DType.FLOAT32).reshape(2, 3).t()); // non-contiguous
        Path f = dir.resolve("x.safetensors");
        Safetensors.save(tensors, f);
        Map<String, Tensor> back = Safetensors.load(f);
        assertEquals(new java.util.TreeSet<>(tensors.keySet()), new java.util.TreeSet<>(back.keySet()));
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor b = back.get(e.getKey());
            assertEquals(e.getValue().dtype(), b.dtype(), e.getKey());
            assertArrayEquals(e.getValue().shape(), b.shape(), e.getKey());
            assertTrue(e.getValue().equal(b), e.getKey());
        }
        // a module's state dict round-trips into a fresh module
        Module a = model();
        Path m = dir.resolve("m.safetensors");
        Safetensors.save(a.stateDict(), m);
        Module c = model();
        c.loadStateDict(Safetensors.load(m));
        Tensor x = Tensor.randn(1, 1, 4, 4);
        assertTrue(a.forward(x).equal(c.forward(x)));
    }

    @Test
    void pyTorchWeightsGivePyTorchsOutputs() throws Exception {
        Module net = model();
        net.loadStateDict(Safetensors.load(resource("model.safetensors")));
        Map<String, Tensor> io = Safetensors.load(resource("io.safetensors"));
        Tensor out = net.forward(io.get("input"));
        assertTrue(out.allclose(io.get("output"), 1e-5, 1e-6), out + " vs " + io.get("output"));
        assertEquals(List.of(2L, 0L), List.of(io.get("labels").toLongArray()[0], io.get("labels").toLongArray()[1]));
    }
}
