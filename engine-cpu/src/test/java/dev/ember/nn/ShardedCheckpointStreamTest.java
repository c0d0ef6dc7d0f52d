package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.sparse.Sparse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ShardedCheckpoint#load} streams a folder of {@code torch.save} shards ({@code pytorch_model-0000k-of-0000n.bin},
 * as transformers' {@code save_pretrained(safe_serialization=False)} splits a model) as it streams safetensors shards:
 * every shard is checked first without its tensors in memory (its storages read a chunk at a time for their CRC-32s),
 * then the shards are read into tensors and loaded one at a time. The bytes are counted through a hook on the shards'
 * reads: each storage is read once to check it and once into tensors, never more than one chunk (1 MiB) at a time
 * (a weight here is 1.44 MB), and the bytes read into tensors and not yet in the model (what the loader holds) never
 * exceed one shard's; before, every shard was read into memory before the first was loaded (four shards' bytes
 * held). A shard found corrupt or of the wrong shape stops the load before anything is read into tensors, the model
 * unchanged.
 */
class ShardedCheckpointStreamTest {
    /** A weight of 600 x 600 float32 is 1,440,000 bytes: more than one read's chunk. */
    private static final int WIDTH = 600;
    private static final int LAYERS = 4;
    /** One shard's storages: a layer's weight and bias. */
    private static final long SHARD_BYTES = ((long) WIDTH * WIDTH + WIDTH) * 4;

    @TempDir
    Path tmp;

    /** The tensor bytes read per shard, into tensors and only to check them, and the largest single read. */
    private final Map<Path, Long> intoTensors = new HashMap<>();
    private final Map<Path, Long> checked = new HashMap<>();
    private long largestRead;
    /** The most bytes read into tensors whose shard was not yet in the model. */
    private long peakHeld;

    private static Sequential model() {
        Module[] layers = new Module[LAYERS];
        for (int i = 0; i < LAYERS; i++) {
            layers[i] = new Linear(WIDTH, WIDTH);
        }
        return new Sequential(layers);
    }

    private static Sequential source() {
        Sequential m = model();
        Generator g = new Generator(39);
        try (GradMode off = Ember.noGrad()) {
            for (Tensor p : m.parameters()) {
                p.copy_(Tensor.randn(g, DType.FLOAT32, p.shape()));
            }
        }
        return m;
    }

    /** A model whose every parameter is zero: a layer is loaded once it equals the source's. */
    private static Sequential target() {
        Sequential m = model();
        try (GradMode off = Ember.noGrad()) {
            m.parameters().forEach(Tensor::zero_);
        }
        return m;
    }

    private static boolean loaded(Sequential target, Sequential source, int layer) {
        Module t = target.getSubmodule(String.valueOf(layer));
        Module s = source.getSubmodule(String.valueOf(layer));
        return t.getParameter("weight").equal(s.getParameter("weight")) && t.getParameter("bias").equal(s.getParameter("bias"));
    }

    private static boolean untouched(Sequential target) {
        for (Tensor p : target.parameters()) {
            if (!p.equal(Tensor.zeros(DType.FLOAT32, p.shape()))) {
                return false;
            }
        }
        return true;
    }

    /** The layer a shard holds: shard k (from 1) holds layer k - 1. */
    private static int layerOf(Path shard) {
        String name = shard.getFileName().toString();
        int dash = name.indexOf('-');
        return Integer.parseInt(name.substring(dash + 1, dash + 6)) - 1;
    }

    /** Counts every read of tensor bytes, and after each read into tensors what the loader may hold. */
    private ShardedCheckpoint.ReadHook counting(Sequential target, Sequential source) {
        return (shard, into, src) -> (dst, position) -> {
            largestRead = Math.max(largestRead, dst.remaining());
            int n = src.read(dst, position);
            (into ? intoTensors : checked).merge(shard, (long) Math.max(n, 0), Long::sum);
            if (into) {
                long held = 0;
                for (Map.Entry<Path, Long> e : intoTensors.entrySet()) {
                    if (!loaded(target, source, layerOf(e.getKey()))) {
                        held += e.getValue();
                    }
                }
                peakHeld = Math.max(peakHeld, held);
            }
            return n;
        };
    }

    /**
     * Writes a model as transformers' save_pretrained(max_shard_size=1.5 MB, safe_serialization=False) splits it (each
     * layer's weight and bias fill a shard; the next weight would tip it over): torch.save files and their index.
     */
    private Path saveBin(Sequential m, String name) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        StringBuilder map = new StringBuilder();
        for (int i = 0; i < LAYERS; i++) {
            String file = String.format("pytorch_model-%05d-of-%05d.bin", i + 1, LAYERS);
            Map<String, Tensor> shard = new LinkedHashMap<>();
            shard.put(i + ".weight", m.getSubmodule(String.valueOf(i)).getParameter("weight"));
            shard.put(i + ".bias", m.getSubmodule(String.valueOf(i)).getParameter("bias"));
            TorchSerialization.saveStateDict(shard, dir.resolve(file));
            for (String k : shard.keySet()) {
                map.append(map.length() == 0 ? "" : ",\n").append("    \"").append(k).append("\": \"").append(file).append('"');
            }
        }
        Files.writeString(dir.resolve(ShardedCheckpoint.WEIGHTS_INDEX_NAME), "{\n  \"metadata\": {\n    \"total_size\": "
            + SHARD_BYTES * LAYERS + "\n  },\n  \"weight_map\": {\n" + map + "\n  }\n}\n", StandardCharsets.UTF_8);
        return dir;
    }

    @Test
    void torchSaveShardsAreCheckedThenReadAndLoadedOneAtATime() throws Exception {
        Sequential source = source();
        Path dir = saveBin(source, "bin");
        Sequential target = target();
        ShardedCheckpoint.load(target, dir, true, true, counting(target, source));

        for (int i = 0; i < LAYERS; i++) {
            assertTrue(loaded(target, source, i), "layer " + i + " holds the checkpoint's values");
        }
        // the loader holds one shard's tensors at a time (the old loader read all four before loading the first)
        assertEquals(SHARD_BYTES, peakHeld, "the most bytes read into tensors and not yet loaded");
        assertEquals(LAYERS, intoTensors.size());
        for (Path shard : intoTensors.keySet()) {
            assertEquals(SHARD_BYTES, intoTensors.get(shard), shard + ": its storages read into tensors once");
            assertEquals(SHARD_BYTES, checked.get(shard), shard + ": its storages read once to check their CRC-32s");
        }
        assertTrue(largestRead <= TensorBytes.CHUNK && largestRead < (long) WIDTH * WIDTH * 4,
            "no storage read whole: the largest read was " + largestRead + " bytes");
    }

    @Test
    void safetensorsShardsAreReadAndLoadedOneAtATime() throws Exception {
        Sequential source = source();
        Path dir = tmp.resolve("safe");
        ShardedCheckpoint.save(source, dir, 1_500_000); // one layer a shard, by huggingface_hub's split
        assertTrue(Files.exists(dir.resolve(String.format("model-00004-of-%05d.safetensors", LAYERS))));
        Sequential target = target();
        ShardedCheckpoint.load(target, dir, true, true, counting(target, source));

        for (int i = 0; i < LAYERS; i++) {
            assertTrue(loaded(target, source, i), "layer " + i);
        }
        intoTensors.values().forEach(bytes -> assertEquals(SHARD_BYTES, bytes));
        assertTrue(checked.isEmpty(), "a safetensors shard is checked by its header alone");
        assertTrue(largestRead <= TensorBytes.CHUNK, "the largest read was " + largestRead + " bytes");
        assertEquals(SHARD_BYTES, peakHeld);
    }

    @Test
    void aCorruptLastShardIsFoundBeforeAnyShardIsLoaded() throws Exception {
        Sequential source = source();
        Path dir = saveBin(source, "corrupt");
        Path last = dir.resolve(String.format("pytorch_model-%05d-of-%05d.bin", LAYERS, LAYERS));
        long at;
        try (TorchArchive archive = TorchArchive.open(last)) {
            TorchArchive.Record weight = archive.record("data/0");
            assertEquals((long) WIDTH * WIDTH * 4, weight.size(), "storage 0 is the weight's");
            at = weight.offset() + weight.size() / 2;
        }
        try (FileChannel ch = FileChannel.open(last, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x10));
            ch.write(b.rewind(), at);
        }
        Sequential target = target();
        IOException e = assertThrows(IOException.class,
            () -> ShardedCheckpoint.load(target, dir, true, true, counting(target, source)));
        assertTrue(e.getMessage().startsWith(last + ": record "), e.getMessage());
        assertTrue(e.getMessage().contains("fails its CRC-32 check"), e.getMessage());
        assertTrue(untouched(target), "no shard loaded");
        assertTrue(intoTensors.isEmpty(), "nothing read into tensors");
    }

    @Test
    void aShapeThatDoesNotFitIsRefusedBeforeAnyShardIsRead() throws Exception {
        Sequential source = source();
        Path dir = saveBin(source, "shapes");
        Module[] layers = new Module[LAYERS];
        for (int i = 0; i < LAYERS; i++) {
            layers[i] = new Linear(WIDTH, i == LAYERS - 1 ? 2 : WIDTH);
        }
        Sequential narrow = new Sequential(layers);
        Map<String, float[]> before = new HashMap<>();
        narrow.stateDict().forEach((k, v) -> before.put(k, v.toFloatArray()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> ShardedCheckpoint.load(narrow, dir, true, true, (shard, into, src) -> {
                assertFalse(into, "a shard read into tensors");
                return src;
            }));
        assertEquals("Error(s) in loading state_dict for Sequential:\n\tsize mismatch for 3.weight: copying a param with "
            + "shape torch.Size([600, 600]) from checkpoint, the shape in current model is torch.Size([2, 600]).\n\tsize "
            + "mismatch for 3.bias: copying a param with shape torch.Size([600]) from checkpoint, the shape in current model "
            + "is torch.Size([2]).", e.getMessage());
        narrow.stateDict().forEach((k, v) -> assertTrue(java.util.Arrays.equals(before.get(k), v.toFloatArray()), k));
    }

    /** The shapes-only read gives loadStateDict's shapes, and its error for files that are not plain state dicts. */
    @Test
    void stateDictShapesAgreeWithLoadStateDict() throws Exception {
        Generator g = new Generator(7);
        Map<String, Tensor> plain = new LinkedHashMap<>();
        Tensor base = Tensor.randn(g, DType.FLOAT32, 6, 5);
        plain.put("t", base.transpose(0, 1)); // a strided view of a shared storage
        plain.put("row", base.narrow(0, 2, 1));
        plain.put("scalar", Tensor.randn(g, DType.FLOAT64));
        plain.put("empty", Tensor.zeros(DType.INT64, 3, 0));
        plain.put("c", Tensor.randn(g, DType.COMPLEX64, 2, 3));
        plain.put("h", Tensor.randn(g, DType.FLOAT32, 4).to(DType.BFLOAT16));
        Path file = tmp.resolve("plain.bin");
        TorchSerialization.saveStateDict(plain, file);
        Map<String, Tensor> read = TorchSerialization.loadStateDict(file);
        Map<String, int[]> shapes = TorchSerialization.stateDictShapes(file, s -> s);
        assertEquals(read.keySet().stream().toList(), shapes.keySet().stream().toList());
        read.forEach((k, t) -> assertEquals(java.util.Arrays.toString(t.shape()), java.util.Arrays.toString(shapes.get(k)), k));

        Tensor ints = Tensor.fromArray(new long[] {1, 2, 3}).to(DType.INT8);
        Object[] notPlain = {Sparse.cooTensor(Tensor.fromArray(new long[] {0, 2}).reshape(1, 2),
            Tensor.fromArray(new float[] {1, 2}), 4),
            QuantizedTensor.makePerTensorQuantizedTensor(ints, 0.5, 1)};
        for (Object o : notPlain) {
            Path f = tmp.resolve("notplain.bin");
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("w", o);
            TorchSerialization.save(m, f);
            IOException full = assertThrows(IOException.class, () -> TorchSerialization.loadStateDict(f));
            IOException standIns = assertThrows(IOException.class, () -> TorchSerialization.stateDictShapes(f, s -> s));
            assertEquals(full.getMessage(), standIns.getMessage());
        }
    }
}
