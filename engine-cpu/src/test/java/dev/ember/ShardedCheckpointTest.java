package dev.ember;

import dev.ember.nn.Embedding;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.SafeOpen;
import dev.ember.nn.Safetensors;
import dev.ember.nn.Sequential;
import dev.ember.nn.ShardedCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sharded checkpoints as Hugging Face's tools write them ({@code resources/shardedcheckpoint/make_expected.py} wrote
 * them by transformers' and huggingface_hub's rules, with PyTorch 1.13): {@code ShardedCheckpoint.load} is transformers'
 * {@code load_sharded_checkpoint}, {@code save} writes {@code save_pretrained}'s files byte for byte, and
 * {@code Safetensors.open} is {@code safe_open}, reading one tensor at a time.
 */
class ShardedCheckpointTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/shardedcheckpoint/expected.txt");

    @TempDir
    Path tmp;

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(ShardedCheckpointTest.class.getResource("/shardedcheckpoint/" + name).toURI());
    }

    /** The generator's model: an embedding, a linear layer, ReLU, a layer norm and a head tied to the embedding. */
    private static Sequential model() {
        Sequential m = new Sequential(new Embedding(20, 8), new Linear(8, 8), new ReLU(), new LayerNorm(8),
            new Linear(8, 20, false));
        m.getSubmodule("4").setParameter("weight", m.getSubmodule("0").getParameter("weight"));
        return m;
    }

    private static void assertOutput(Module m, String key) {
        Tensor out = m.apply(EXPECTED.tensor("tokens"));
        // float32 through two products and a layer norm, outputs up to ~12: a few ulps apart from PyTorch's sums
        assertArrayEquals(EXPECTED.tensor(key).toFloatArray(), out.toFloatArray(), 1e-5f, key);
    }

    private static Map<String, float[]> snapshot(Module m) {
        Map<String, float[]> s = new java.util.LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> s.put(k, v.to(DType.FLOAT32).toFloatArray()));
        return s;
    }

    private static void assertUnchanged(Map<String, float[]> before, Module m) {
        Map<String, float[]> after = snapshot(m);
        assertEquals(before.keySet(), after.keySet());
        before.forEach((k, v) -> assertArrayEquals(v, after.get(k), 0f, k + " changed"));
    }

    @Test
    void shardsLoadAsTransformersLoadsThemAndComputePyTorchsOutput() throws Exception {
        Sequential m = model();
        Module.IncompatibleKeys keys = ShardedCheckpoint.load(m, resource("f32"));
        // the tied head, which save_pretrained leaves out, is loaded through the embedding's name: not missing
        assertEquals(List.of(), keys.missingKeys());
        assertEquals(List.of(), keys.unexpectedKeys());
        assertOutput(m, "out");
        try (SafeOpen f = Safetensors.open(resource("f32/model-00001-of-00003.safetensors"))) {
            assertArrayEquals(f.getTensor("0.weight").toFloatArray(), m.getSubmodule("4").getParameter("weight")
                .toFloatArray(), 0f, "the head holds the embedding's loaded values");
        }

        Sequential fromBin = model();
        ShardedCheckpoint.load(fromBin, resource("bin"));
        assertOutput(fromBin, "out");

        Sequential fromBf16 = model(); // bfloat16 shards into a float32 model, converted as load_state_dict converts
        ShardedCheckpoint.load(fromBf16, resource("bf16"), true, false);
        assertOutput(fromBf16, "bf16.out");
        assertEquals(DType.FLOAT32, fromBf16.getSubmodule("1").getParameter("weight").dtype());
    }

    @Test
    void saveWritesSavePretrainedsFilesByteForByte() throws Exception {
        Sequential m = model();
        ShardedCheckpoint.load(m, resource("f32"));
        Path out = tmp.resolve("saved");
        ShardedCheckpoint.save(m, out, 300);
        List<String> names;
        try (Stream<Path> files = Files.list(resource("f32"))) {
            names = files.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(Integer.parseInt(EXPECTED.get("f32.shards")) + 1, names.size());
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(names, files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        for (String n : names) {
            assertArrayEquals(Files.readAllBytes(resource("f32/" + n)), Files.readAllBytes(out.resolve(n)), n);
        }
        // under the default 5GB one file, model.safetensors, without an index, as save_pretrained writes it
        Path single = tmp.resolve("single");
        ShardedCheckpoint.save(m, single);
        try (Stream<Path> files = Files.list(single)) {
            assertEquals(List.of("model.safetensors"), files.map(p -> p.getFileName().toString()).toList());
        }
        Sequential back = model();
        Safetensors.loadModel(back, single.resolve("model.safetensors"));
        assertOutput(back, "out");
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * transformers' save_pretrained cleans the folder of an earlier save's shards (modeling_utils.py: a regular file
     * whose name starts with "model", is not a shard of this save, and whose name without ".bin"/".safetensors" fully
     * matches {@code (.*?)-\d{5}-of-\d{5}}), and nothing else: not an earlier index when it writes one file, nor an
     * earlier model.safetensors when it writes shards.
     */
    @Test
    void saveDeletesTheShardsOfAnEarlierSaveAsSavePretrainedDoes() throws Exception {
        Sequential a = model();
        ShardedCheckpoint.load(a, resource("f32"));
        Sequential b = model();
        ShardedCheckpoint.load(b, resource("bf16"));
        Path dir = tmp.resolve("resaved");
        ShardedCheckpoint.save(a, dir, 300);
        List<String> threeShards = List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
            "model-00003-of-00003.safetensors");
        // the user's files beside them: kept unless their names are a shard's by save_pretrained's rule
        List<String> kept = new java.util.ArrayList<>(List.of("notes.txt", "model-00001-of-00003.safetensors.bak",
            "model_final.safetensors", "pytorch_model-00001-of-00002.bin", "model-0001-of-00003.safetensors",
            "model-00004-of-00005.safetensors")); // the last one a folder, not a regular file
        List<String> deleted = new java.util.ArrayList<>(List.of("model-00001-of-00009.bin", "model-v2-00002-of-00007",
            "model-00002-of-00003.bin.safetensors"));
        for (String n : kept.subList(0, kept.size() - 1)) {
            Files.writeString(dir.resolve(n), "mine");
        }
        Files.createDirectory(dir.resolve(kept.get(kept.size() - 1)));
        for (String n : deleted) {
            Files.writeString(dir.resolve(n), "an earlier save's, by its name");
        }
        // Python's \d is any Unicode decimal digit: Arabic-Indic digits make a shard's name too (where the file
        // system takes the name)
        String arabic = "model-\u0660\u0660\u0660\u0660\u0661-of-\u0660\u0660\u0660\u0660\u0662.safetensors";
        try {
            Files.writeString(dir.resolve(arabic), "an earlier save's, by its name");
            deleted.add(arabic);
        } catch (java.nio.file.InvalidPathException e) {
            // a file system without Unicode names: nothing to check there
        }
        List<String> before = new java.util.ArrayList<>(kept);
        before.addAll(deleted);
        before.addAll(threeShards);
        before.add(ShardedCheckpoint.SAFE_WEIGHTS_INDEX_NAME);
        assertEquals(before.stream().sorted().toList(), names(dir));

        // one file: the three shards and the files named like shards go; the index stays, as transformers leaves it,
        // and names shards that are gone, so load refuses it rather than read the earlier model
        ShardedCheckpoint.save(b, dir);
        List<String> afterOne = new java.util.ArrayList<>(kept);
        afterOne.add(ShardedCheckpoint.SAFE_WEIGHTS_INDEX_NAME);
        afterOne.add(ShardedCheckpoint.SAFE_WEIGHTS_NAME);
        assertEquals(afterOne.stream().sorted().toList(), names(dir));
        Sequential one = model();
        Safetensors.loadModel(one, dir.resolve(ShardedCheckpoint.SAFE_WEIGHTS_NAME));
        assertUnchanged(snapshot(b), one);
        Sequential refused = model();
        Map<String, float[]> refusedBefore = snapshot(refused);
        IOException stale = assertThrows(IOException.class, () -> ShardedCheckpoint.load(refused, dir));
        assertTrue(stale.getMessage().contains("the weight_map names the shard \"model-00001-of-00003.safetensors\", "
            + "which is not in"), stale.getMessage());
        assertUnchanged(refusedBefore, refused);

        // two shards: the new index, model.safetensors kept (it is no shard's name), load reads exactly the new model
        ShardedCheckpoint.save(a, dir, 640);
        List<String> afterTwo = new java.util.ArrayList<>(afterOne);
        afterTwo.add("model-00001-of-00002.safetensors");
        afterTwo.add("model-00002-of-00002.safetensors");
        assertEquals(afterTwo.stream().sorted().toList(), names(dir));
        Sequential two = model();
        ShardedCheckpoint.load(two, dir);
        assertUnchanged(snapshot(a), two);

        // three shards again: the two go
        ShardedCheckpoint.save(b, dir, 300);
        List<String> afterThree = new java.util.ArrayList<>(afterOne);
        afterThree.addAll(threeShards);
        assertEquals(afterThree.stream().sorted().toList(), names(dir));
        Sequential three = model();
        ShardedCheckpoint.load(three, dir);
        assertUnchanged(snapshot(b), three);
        assertEquals("mine", Files.readString(dir.resolve("notes.txt")));
    }

    @Test
    void namesBeyondAsciiAreEscapedInTheIndexAsJsonDumpsEscapesThem() throws Exception {
        Map<String, Module> layers = new java.util.LinkedHashMap<>();
        layers.put("caf\u00e9", new Linear(2, 2));
        layers.put("x\u007f\uD83D\uDE00", new Linear(2, 1));
        Sequential named = new Sequential(layers);
        Map<String, Tensor> state = new java.util.LinkedHashMap<>();
        for (String k : named.stateDict().keySet()) {
            state.put(k, EXPECTED.tensor("named." + java.util.HexFormat.of().formatHex(k.getBytes(StandardCharsets.UTF_8))));
        }
        named.loadStateDict(state);
        Path out = tmp.resolve("named");
        ShardedCheckpoint.save(named, out, 16);
        try (Stream<Path> files = Files.list(resource("named"))) {
            for (Path p : files.toList()) {
                String n = p.getFileName().toString();
                assertArrayEquals(Files.readAllBytes(p), Files.readAllBytes(out.resolve(n)), n);
            }
        }
        Sequential back = new Sequential(Map.of("caf\u00e9", new Linear(2, 2), "x\u007f\uD83D\uDE00", new Linear(2, 1)));
        assertEquals(List.of(), ShardedCheckpoint.load(back, out).missingKeys());
        assertArrayEquals(state.get("caf\u00e9.weight").toFloatArray(), back.stateDict().get("caf\u00e9.weight")
            .toFloatArray(), 0f);
    }

    @Test
    void badCheckpointsAreRefusedBeforeTheModelChanges() throws Exception {
        Sequential m = model();
        Map<String, float[]> before = snapshot(m);

        IOException none = assertThrows(IOException.class, () -> ShardedCheckpoint.load(m, tmp));
        assertEquals("Can't find a checkpoint index (pytorch_model.bin.index.json or model.safetensors.index.json) in "
            + tmp + ".", none.getMessage());

        // strict: a model with a layer the checkpoint lacks; not strict: the keys reported, the rest loaded
        Sequential wider = new Sequential(new Embedding(20, 8), new Linear(8, 8), new ReLU(), new LayerNorm(8),
            new Linear(8, 20, false), new Linear(20, 2));
        wider.getSubmodule("4").setParameter("weight", wider.getSubmodule("0").getParameter("weight"));
        Map<String, float[]> widerBefore = snapshot(wider);
        IllegalArgumentException strict = assertThrows(IllegalArgumentException.class,
            () -> ShardedCheckpoint.load(wider, resource("f32")));
        assertEquals("Error(s) in loading state_dict for Sequential\nMissing key(s): \"5.weight\",\"5.bias\".",
            strict.getMessage());
        assertUnchanged(widerBefore, wider);
        Module.IncompatibleKeys keys = ShardedCheckpoint.load(wider, resource("f32"), false);
        assertEquals(List.of("5.weight", "5.bias"), keys.missingKeys());
        assertEquals(List.of(), keys.unexpectedKeys());

        // a shape that does not fit: PyTorch's words, nothing loaded
        Sequential narrow = new Sequential(new Embedding(20, 8), new Linear(8, 4), new ReLU(), new LayerNorm(8),
            new Linear(8, 20, false));
        narrow.getSubmodule("4").setParameter("weight", narrow.getSubmodule("0").getParameter("weight"));
        Map<String, float[]> narrowBefore = snapshot(narrow);
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
            () -> ShardedCheckpoint.load(narrow, resource("f32")));
        assertEquals("Error(s) in loading state_dict for Sequential:\n\tsize mismatch for 1.weight: copying a param with "
            + "shape torch.Size([8, 8]) from checkpoint, the shape in current model is torch.Size([4, 8]).\n\tsize "
            + "mismatch for 1.bias: copying a param with shape torch.Size([8]) from checkpoint, the shape in current model "
            + "is torch.Size([4]).", size.getMessage());
        assertUnchanged(narrowBefore, narrow);

        String index = Files.readString(resource("f32/model.safetensors.index.json"));
        // the index puts 1.bias in the first shard, which does not hold it (transformers would skip it silently)
        assertRefused(m, before, index.replace("\"1.bias\": \"model-00002-of-00003.safetensors\"",
            "\"1.bias\": \"model-00001-of-00003.safetensors\""), "the shard does not hold tensor \"1.bias\", which "
            + "model.safetensors.index.json puts there");
        // a file outside the folder
        assertRefused(m, before, index.replace("\"model-00001-of-00003.safetensors\"",
            "\"../f32/model-00001-of-00003.safetensors\""), "the weight_map names the file "
            + "\"../f32/model-00001-of-00003.safetensors\", which is not a file of the checkpoint's folder");
        // a shard that is not there, no weight_map, JSON that is not an index
        assertRefused(m, before, index.replace("model-00003-of-00003", "model-00004-of-00004"),
            "the weight_map names the shard \"model-00004-of-00004.safetensors\", which is not in");
        assertRefused(m, before, "{\"metadata\": {\"total_size\": [1, {\"a\": null}]}}", "the index has no \"weight_map\"");
        assertRefused(m, before, "{\"weight_map\": {\"0.weight\": 3}}",
            "the weight_map's file of \"0.weight\" must be a string, got the number 3");
        assertRefused(m, before, index.substring(0, 100), "the index is not valid JSON");
        // metadata nested 200,000 deep is read without recursion (no StackOverflowError), then found wanting
        assertRefused(m, before, "{\"metadata\": " + "[".repeat(200_000) + "]".repeat(200_000) + "}",
            "the index has no \"weight_map\"");
    }

    /** Copies the f32 shards and writes {@code index} beside them; loading must fail with {@code message} and change nothing. */
    private void assertRefused(Module m, Map<String, float[]> before, String index, String message) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "bad");
        for (int i = 1; i <= 3; i++) {
            String n = String.format("model-%05d-of-00003.safetensors", i);
            Files.copy(resource("f32/" + n), dir.resolve(n));
        }
        Files.writeString(dir.resolve(ShardedCheckpoint.SAFE_WEIGHTS_INDEX_NAME), index, StandardCharsets.UTF_8);
        IOException e = assertThrows(IOException.class, () -> ShardedCheckpoint.load(m, dir));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertUnchanged(before, m);
    }

    @Test
    void safeOpenReadsOneTensorAtATime() throws Exception {
        Path file = resource("f32/model-00002-of-00003.safetensors");
        Map<String, Tensor> all = Safetensors.load(file);
        SafeOpen f = Safetensors.open(file);
        try (f) {
            assertEquals(List.of("1.bias", "1.weight"), f.keys(), "sorted, as safe_open's keys()");
            assertEquals(List.of("1.bias", "1.weight"), f.offsetKeys());
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertArrayEquals(all.get("1.weight").toFloatArray(), f.getTensor("1.weight").toFloatArray(), 0f);
            SafeOpen.Slice s = f.getSlice("1.weight");
            assertArrayEquals(new int[] {8, 8}, s.getShape());
            assertEquals("F32", s.getDtype());
            assertArrayEquals(all.get("1.weight").narrow(0, 2, 3).toFloatArray(), s.narrow(0, 2, 3).toFloatArray(), 0f);
            assertArrayEquals(new int[] {3, 8}, s.narrow(0, -6, 3).shape());
            assertArrayEquals(all.get("1.weight").narrow(0, -6, 3).toFloatArray(), s.narrow(0, -6, 3).toFloatArray(), 0f);
            assertArrayEquals(all.get("1.weight").narrow(1, 4, 4).toFloatArray(), s.narrow(1, 4, 4).toFloatArray(), 0f);
            assertArrayEquals(all.get("1.weight").index(Index.slice(1, null, 3), Index.of(-1)).toFloatArray(),
                s.get(Index.slice(1, null, 3), Index.of(-1)).toFloatArray(), 0f);
            assertThrows(IllegalArgumentException.class, () -> s.narrow(0, 6, 3), "as Tensor.narrow refuses it");
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> f.getTensor("nope"));
            assertEquals("File does not contain tensor nope", missing.getMessage());
        }
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> f.getTensor("1.bias"));
        assertEquals("File is closed", closed.getMessage());
        assertFalse(f.path().toString().isEmpty());
    }

    @Test
    void shardSizesAreReadAsHuggingFaceHubReadsThem() throws Exception {
        Sequential m = model();
        Path out = tmp.resolve("units");
        ShardedCheckpoint.save(m, out, "0.3KB"); // 300 bytes: the three shards above
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(4, files.count());
        }
        IllegalArgumentException unit = assertThrows(IllegalArgumentException.class,
            () -> ShardedCheckpoint.save(m, tmp.resolve("x"), "5GiB"));
        assertEquals("Unit 'IB' not supported. Supported units are TB, GB, MB, KB. Got '5GiB'.", unit.getMessage());
        IllegalArgumentException value = assertThrows(IllegalArgumentException.class,
            () -> ShardedCheckpoint.save(m, tmp.resolve("y"), "fiveGB"));
        assertEquals("Could not parse the size value from 'fiveGB': could not convert string to float: 'five'",
            value.getMessage());
        assertFalse(Files.exists(tmp.resolve("x")) || Files.exists(tmp.resolve("y")), "nothing written");
    }
}
