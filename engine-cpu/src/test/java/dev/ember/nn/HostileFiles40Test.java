package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Tensor;
import dev.ember.ao.quantization.QConfig;
import dev.ember.ao.quantization.Quantization;
import dev.ember.ao.quantization.QuantizedTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile files for the readers added in sessions 38-39 (session 40's audit): PyTorch's state dict of a model with
 * quantized embeddings (quint8 and quint4x2 tables with float zero points, QUInt4x2Storage; resources/quantizedembedding/
 * qembedding_sd.pt) loaded by {@link Quantization#loadStateDict}, and a sharded {@code torch.save} checkpoint
 * (resources/shardedcheckpoint/bin) loaded by {@link ShardedCheckpoint#load}. The archives are rewritten with valid
 * CRC-32s around mutated records (the pickle: bit flips, truncations, appended bytes, 1-, 4- and 8-byte fields set to
 * extremes such as sizes, strides and storage lengths, bytes copied over others; a storage: truncated, so that its
 * length lies about the tensor's), so the mutations reach the unpickler and the quantized state's checks rather than
 * stopping at the zip's checksums; the index JSON and whole shard files are mutated too. Every outcome must be the
 * loaded values, an IOException naming the file, or (for a state dict the reader accepts but the model does not) an
 * IllegalArgumentException; a refused load changes nothing in the model. Seeded: {@code -Dember.fuzz.seed},
 * {@code -Dember.fuzz.iterations}.
 */
class HostileFiles40Test {
    @TempDir
    Path tmp;

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = HostileFiles40Test.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            return in.readAllBytes();
        }
    }

    /** A torch.save archive's records by their names inside its folder, in the file's order. */
    private Map<String, byte[]> records(byte[] file) throws IOException {
        Path p = Files.createTempFile(tmp, "records", ".pt");
        Files.write(p, file);
        Map<String, byte[]> records = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(p.toFile())) {
            for (var entry : Collections.list(z.entries())) {
                String name = entry.getName();
                try (InputStream in = z.getInputStream(entry)) {
                    records.put(name.substring(name.indexOf('/') + 1), in.readAllBytes());
                }
            }
        }
        return records;
    }

    /** Writes the records as torch.save writes them, with their (valid) CRC-32s. */
    private static void write(Path file, Map<String, byte[]> records) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            TorchArchive.Writer w = new TorchArchive.Writer(out, "archive");
            for (Map.Entry<String, byte[]> e : records.entrySet()) {
                byte[] bytes = e.getValue();
                w.record(e.getKey(), bytes.length, (o, crc) -> {
                    o.write(bytes);
                    crc.update(bytes);
                });
            }
            w.finish();
        }
    }

    /** A record's bytes mutated, or, for a storage, cut short half the time (its length then lies about the tensor). */
    private static byte[] mutateRecord(String name, byte[] bytes, Random r) {
        if (bytes.length < 16 || name.startsWith("data/") && r.nextBoolean()) {
            return Arrays.copyOf(bytes, r.nextInt(bytes.length + 1));
        }
        return FileMutations.mutate(bytes, r, true);
    }

    /** The model of qembedding_sd.pt: a quint8 Embedding(7, 6), a quint4x2 EmbeddingBag(7, 6) and a Linear(6, 2). */
    private static final class QuantizedModel extends Module {
        QuantizedModel() {
            Ember.manualSeed(40);
            registerModule("emb", new Embedding(7, 6));
            registerModule("bag", new EmbeddingBag(7, 6, "sum"));
            registerModule("lin", new Linear(6, 2));
            Quantization.setQconfig(getSubmodule("emb"), QConfig.FLOAT_QPARAMS_WEIGHT_ONLY);
            Quantization.setQconfig(getSubmodule("bag"), QConfig.FLOAT_QPARAMS_WEIGHT_ONLY_4BIT);
            Quantization.prepare(this, true);
            Quantization.convert(this, true);
        }

        @Override
        public Tensor forward(Tensor x) {
            return x;
        }
    }

    /** A quantized model's state as text: its quantized state dict (packed weights unpacked), values bit for bit. */
    private static String state(Module m) {
        StringBuilder b = new StringBuilder(m.toString());
        Quantization.stateDict(m).forEach((k, v) -> {
            b.append('\n').append(k).append('=');
            if (v instanceof QuantizedTensor q) {
                b.append(q).append(Arrays.toString(q.intRepr().to(DType.INT64).toLongArray()))
                    .append(Arrays.toString(q.qPerChannelScales().toDoubleArray()))
                    .append(Arrays.toString(q.qPerChannelZeroPoints().toDoubleArray()));
            } else if (v instanceof Tensor t) {
                b.append(Arrays.toString(t.to(DType.FLOAT64).toDoubleArray())).append(t.dtype());
            } else {
                b.append(v);
            }
        });
        return b.toString();
    }

    @Test
    void mutatedQuantizedEmbeddingStateDictsLoadOrAreRefusedWithoutChangingTheModel() throws IOException {
        long seed = Long.getLong("ember.fuzz.seed", 40L);
        int iterations = Integer.getInteger("ember.fuzz.iterations", 1000);
        Map<String, byte[]> original = records(resource("/quantizedembedding/qembedding_sd.pt"));
        List<String> names = new ArrayList<>(original.keySet());
        assertTrue(names.contains("data.pkl") && names.contains("data/7"), names.toString());
        Path f = tmp.resolve("qembedding_sd.pt");
        // the unmutated file, rewritten, loads: the model takes PyTorch's state
        write(f, original);
        QuantizedModel reference = new QuantizedModel();
        Quantization.loadStateDict(reference, (Map<?, ?>) TorchSerialization.load(f));
        String loaded = state(reference);

        Random r = new Random(seed);
        QuantizedModel model = new QuantizedModel();
        String before = state(model);
        int[] outcomes = new int[4]; // loaded as PyTorch's, loaded other values, IOException, IllegalArgumentException
        for (int it = 0; it < iterations; it++) {
            Map<String, byte[]> m = new LinkedHashMap<>(original);
            String which = r.nextInt(3) == 0 ? names.get(r.nextInt(names.size())) : "data.pkl";
            m.put(which, mutateRecord(which, m.get(which), r));
            write(f, m);
            String where = "iteration " + it + " (seed " + seed + ", " + which + ")";
            try {
                Object o = TorchSerialization.load(f);
                if (!(o instanceof Map<?, ?> sd)) {
                    outcomes[1]++;
                    continue;
                }
                Quantization.loadStateDict(model, sd);
                outcomes[state(model).equals(loaded) ? 0 : 1]++;
                model = new QuantizedModel(); // a fresh model for the next load
                before = state(model);
            } catch (IOException e) {
                outcomes[2]++;
                assertTrue(e.getMessage().startsWith(f.toString()), where + ": " + e.getMessage());
                assertEquals(before, state(model), where + ": the model changed");
            } catch (IllegalArgumentException e) {
                outcomes[3]++;
                assertEquals(before, state(model), where + ": a refused load changed the model: " + e.getMessage());
            } catch (RuntimeException | Error e) {
                throw new AssertionError(where + ": " + e, e);
            }
        }
        // every kind of outcome was reached: the test exercised the reader and the model's checks alike
        for (int i = 0; i < outcomes.length; i++) {
            assertTrue(outcomes[i] > 0, "outcome " + i + " never happened: " + Arrays.toString(outcomes));
        }
    }

    /** The sharded checkpoint's model (resources/shardedcheckpoint/make_expected.py): its head tied to the embedding. */
    private static Sequential shardedModel() {
        Ember.manualSeed(40);
        Sequential m = new Sequential(new Embedding(20, 8), new Linear(8, 8), new ReLU(), new LayerNorm(8),
            new Linear(8, 20, false));
        m.getSubmodule("4").setParameter("weight", m.getSubmodule("0").getParameter("weight"));
        return m;
    }

    private static String values(Module m) {
        StringBuilder b = new StringBuilder();
        m.stateDict().forEach((k, v) -> b.append(k).append(v.dtype()).append(Arrays.toString(v.shape()))
            .append(Arrays.toString(v.to(DType.FLOAT64).toDoubleArray())).append('\n'));
        return b.toString();
    }

    /**
     * An index whose weight_map names, for the first shard, a file that is not a shard of the folder: empty, the folder
     * itself or its parent, absolute, nested, escaped NUL, a name too long for the file system, the index itself, a
     * directory-like or relative spelling: an IOException naming the index, the model unchanged.
     */
    @Test
    void indicesNamingFilesOutsideTheCheckpointAreRefused() throws IOException {
        String[] shards = {"pytorch_model-00001-of-00003.bin", "pytorch_model-00002-of-00003.bin",
            "pytorch_model-00003-of-00003.bin"};
        String index = new String(resource("/shardedcheckpoint/bin/" + ShardedCheckpoint.WEIGHTS_INDEX_NAME),
            StandardCharsets.UTF_8);
        String[] names = {"", ".", "..", "/etc/passwd", "a/b", "x\\" + "u0000y", "y".repeat(300),
            ShardedCheckpoint.WEIGHTS_INDEX_NAME, "\\\\", "pytorch_model-00001-of-00003.bin/",
            "./pytorch_model-00001-of-00003.bin", "../bin/pytorch_model-00001-of-00003.bin"};
        for (int i = 0; i < names.length; i++) {
            Path dir = tmp.resolve("names" + i);
            Files.createDirectories(dir);
            for (String shard : shards) {
                Files.write(dir.resolve(shard), resource("/shardedcheckpoint/bin/" + shard));
            }
            Path indexFile = dir.resolve(ShardedCheckpoint.WEIGHTS_INDEX_NAME);
            Files.writeString(indexFile, index.replace("\"" + shards[0] + "\"", "\"" + names[i] + "\""));
            Sequential model = shardedModel();
            String before = values(model);
            IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> ShardedCheckpoint.load(model, dir), names[i]);
            assertTrue(e.getMessage().startsWith(indexFile.toString()), names[i] + ": " + e.getMessage());
            assertEquals(before, values(model), names[i] + ": the model changed");
        }
    }

    @Test
    void mutatedTorchSaveShardsAndIndicesLoadOrAreRefusedBeforeTheModelChanges() throws IOException {
        long seed = Long.getLong("ember.fuzz.seed", 41L);
        int iterations = Integer.getInteger("ember.fuzz.iterations", 600);
        String[] shards = {"pytorch_model-00001-of-00003.bin", "pytorch_model-00002-of-00003.bin",
            "pytorch_model-00003-of-00003.bin"};
        List<Map<String, byte[]>> records = new ArrayList<>();
        for (String s : shards) {
            records.add(records(resource("/shardedcheckpoint/bin/" + s)));
        }
        byte[] index = resource("/shardedcheckpoint/bin/" + ShardedCheckpoint.WEIGHTS_INDEX_NAME);
        Path dir = tmp.resolve("bin");
        Files.createDirectories(dir);
        for (int i = 0; i < 3; i++) {
            write(dir.resolve(shards[i]), records.get(i));
        }
        Files.write(dir.resolve(ShardedCheckpoint.WEIGHTS_INDEX_NAME), index);
        Sequential reference = shardedModel();
        ShardedCheckpoint.load(reference, dir);
        String loaded = values(reference);

        Random r = new Random(seed);
        int[] outcomes = new int[4]; // loaded as the checkpoint, loaded other values, IOException, IllegalArgumentException
        Sequential model = shardedModel();
        String before = values(model);
        for (int it = 0; it < iterations; it++) {
            int which = r.nextInt(3);
            int kind = r.nextInt(4);
            String what;
            if (kind == 0) { // the shard file itself: its zip structure, checksums, lengths
                Path p = dir.resolve(shards[which]);
                Files.write(p, FileMutations.mutate(Files.readAllBytes(p), r, true));
                what = shards[which];
            } else if (kind == 1) { // the index's JSON
                Files.write(dir.resolve(ShardedCheckpoint.WEIGHTS_INDEX_NAME), FileMutations.mutate(index, r, true));
                what = "the index";
            } else { // a record of a shard, the archive valid around it
                Map<String, byte[]> m = new LinkedHashMap<>(records.get(which));
                List<String> names = new ArrayList<>(m.keySet());
                String name = kind == 2 ? "data.pkl" : names.get(r.nextInt(names.size()));
                m.put(name, mutateRecord(name, m.get(name), r));
                write(dir.resolve(shards[which]), m);
                what = shards[which] + "'s " + name;
            }
            String where = "iteration " + it + " (seed " + seed + ", " + what + ")";
            try {
                ShardedCheckpoint.load(model, dir, r.nextBoolean());
                outcomes[values(model).equals(loaded) ? 0 : 1]++;
                model = shardedModel(); // a fresh model for the next load
                before = values(model);
            } catch (IOException e) {
                outcomes[2]++;
                assertEquals(before, values(model), where + ": a refused load changed the model: " + e.getMessage());
            } catch (IllegalArgumentException e) {
                outcomes[3]++;
                assertEquals(before, values(model), where + ": a refused load changed the model: " + e.getMessage());
            } catch (RuntimeException | Error e) {
                throw new AssertionError(where + ": " + e, e);
            }
            // the mutated file back as it was
            if (kind == 1) {
                Files.write(dir.resolve(ShardedCheckpoint.WEIGHTS_INDEX_NAME), index);
            } else {
                write(dir.resolve(shards[which]), records.get(which));
            }
        }
        for (int i = 0; i < outcomes.length; i++) {
            assertTrue(outcomes[i] > 0, "outcome " + i + " never happened: " + Arrays.toString(outcomes));
        }
        assertTrue(new String(index, StandardCharsets.UTF_8).contains("weight_map"));
    }
}
