package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Checkpoints split over several files with an index, as Hugging Face's tools write large models: a folder of
 * {@code model-00001-of-00004.safetensors} ... and {@code model.safetensors.index.json} (or {@code pytorch_model-...bin}
 * files written by {@code torch.save} and {@code pytorch_model.bin.index.json}), whose {@code weight_map} names the
 * file of every tensor.
 *
 * <p>{@link #load} is transformers' {@code load_sharded_checkpoint(model, folder, strict, prefer_safe)}; {@link #save}
 * writes what {@code model.save_pretrained(folder, max_shard_size=...)} writes for the model's weights (transformers
 * 4.x with huggingface_hub's split), so PyTorch code reads Ember's checkpoints and the other way round.
 */
public final class ShardedCheckpoint {
    /** The index of a safetensors checkpoint, transformers' {@code SAFE_WEIGHTS_INDEX_NAME}. */
    public static final String SAFE_WEIGHTS_INDEX_NAME = "model.safetensors.index.json";
    /** The index of a {@code torch.save} checkpoint, transformers' {@code WEIGHTS_INDEX_NAME}. */
    public static final String WEIGHTS_INDEX_NAME = "pytorch_model.bin.index.json";
    /** The one file of a checkpoint that fits one shard, transformers' {@code SAFE_WEIGHTS_NAME}. */
    public static final String SAFE_WEIGHTS_NAME = "model.safetensors";
    /** huggingface_hub's default largest shard, {@code MAX_SHARD_SIZE}. */
    public static final String DEFAULT_MAX_SHARD_SIZE = "5GB";
    /** The largest index file read: an index names each tensor once, so even the largest models' are a few MB. */
    private static final long MAX_INDEX_BYTES = 100_000_000;

    private ShardedCheckpoint() {
    }

    // ------------------------------------------------------------------ loading

    /** {@link #load(Module, Path, boolean, boolean)}, strict, preferring safetensors. */
    public static Module.IncompatibleKeys load(Module model, Path folder) throws IOException {
        return load(model, folder, true, true);
    }

    /** {@link #load(Module, Path, boolean, boolean)}, preferring safetensors. */
    public static Module.IncompatibleKeys load(Module model, Path folder, boolean strict) throws IOException {
        return load(model, folder, strict, true);
    }

    /**
     * Loads a sharded checkpoint into a module, as transformers' {@code load_sharded_checkpoint(model, folder, strict,
     * prefer_safe)}: the safetensors index when the folder has one and {@code preferSafe} is set or there is no
     * {@code torch.save} index, else the {@code torch.save} one. The missing keys (the module's, in its state dict's
     * order) and the unexpected ones (the index's, in its order) are returned; with {@code strict} either is an error.
     * A tensor the module holds under several names (a tied weight, whose second name save_pretrained leaves out) is
     * loaded from whichever name the index has, and its other names are not missing, as safetensors'
     * {@code load_model} treats them.
     *
     * <p>Unlike transformers, which trusts the index, everything is checked before the module changes: the index
     * (JSON, its {@code weight_map} of names to file names inside the folder), every shard (safetensors: its header,
     * as {@link Safetensors#load} checks it, read without the tensors; {@code torch.save}: everything
     * {@link TorchSerialization#loadStateDict} checks, its zip directory, pickle, every storage's size and CRC-32 and
     * every tensor's layout, the storages read a chunk at a time and not kept), that each shard holds exactly the
     * tensors the index gives it (transformers skips a tensor the index lists and its shard lacks, leaving the module's
     * initial value there, silently), and every shape against the module's. The shards are then read and loaded one at
     * a time, so the memory taken is one shard's tensors (a {@code torch.save} shard's bytes are read twice: once to
     * check, once to load). Only a failure of the disk itself, or a shard changed on disk during the load, can leave
     * the shards before it loaded.
     *
     * @param model the module
     * @param folder the checkpoint's folder
     * @param strict whether missing or unexpected keys are an error
     * @param preferSafe whether the safetensors index wins when the folder has both
     * @return the missing and unexpected keys
     * @throws IOException if the folder has no index, the index or a shard cannot be read or breaks its format, names
     *     a file outside the folder or one that is not there, or a shard does not hold what the index says
     * @throws IllegalArgumentException for a null module or folder; when {@code strict}, for missing or unexpected
     *     keys (transformers' message, its second list labelled "Unexpected key(s)" where transformers' prints
     *     "Missing key(s)" twice); for a shape that does not match, in PyTorch's words
     */
    public static Module.IncompatibleKeys load(Module model, Path folder, boolean strict, boolean preferSafe)
            throws IOException {
        return load(model, folder, strict, preferSafe, (shard, intoTensors, source) -> source);
    }

    /** What a test wraps around a shard's reads of tensor bytes, to count them. */
    interface ReadHook {
        /**
         * The source to read {@code shard}'s tensor bytes from, {@code source} or one around it; {@code intoTensors}
         * tells whether the bytes become tensors or are only checked (a {@code torch.save} shard's CRC-32s).
         */
        TensorBytes.Source wrap(Path shard, boolean intoTensors, TensorBytes.Source source);
    }

    /** {@link #load(Module, Path, boolean, boolean)}, every shard's tensor bytes read through {@code hook}. */
    static Module.IncompatibleKeys load(Module model, Path folder, boolean strict, boolean preferSafe, ReadHook hook)
            throws IOException {
        if (model == null || folder == null) {
            throw new IllegalArgumentException(model == null ? "model must not be null" : "folder must not be null");
        }
        Path safeIndex = folder.resolve(SAFE_WEIGHTS_INDEX_NAME);
        Path binIndex = folder.resolve(WEIGHTS_INDEX_NAME);
        boolean safePresent = Files.isRegularFile(safeIndex);
        boolean binPresent = Files.isRegularFile(binIndex);
        if (!safePresent && !binPresent) {
            throw new IOException("Can't find a checkpoint index (" + WEIGHTS_INDEX_NAME + " or " + SAFE_WEIGHTS_INDEX_NAME
                    + ") in " + folder + ".");
        }
        boolean safe = safePresent && (preferSafe || !binPresent);
        Path indexFile = safe ? safeIndex : binIndex;
        Map<String, String> weightMap = readIndex(indexFile);

        // the keys, as transformers computes them, tied names covered by the name the index has
        Map<String, Tensor> own = model.stateDictTensors();
        // with the modules' extra state entries (Module#setExtraState), in their places
        Map<String, Tensor> expected = new LinkedHashMap<>();
        ExtraState.collectLoadKeys(model, "", expected, new LinkedHashMap<>());
        List<String> missing = new ArrayList<>();
        for (String k : expected.keySet()) {
            if (!weightMap.containsKey(k)) {
                missing.add(k);
            }
        }
        // each tied tensor's names: the one kept is one the index has where it has any, the others are not missing
        for (List<String> aliases : Safetensors.duplicateNames(own, weightMap.keySet()).values()) {
            missing.removeAll(aliases);
        }
        List<String> unexpected = new ArrayList<>();
        for (String k : weightMap.keySet()) {
            if (!expected.containsKey(k)) {
                unexpected.add(k);
            }
        }
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
            StringBuilder error = new StringBuilder("Error(s) in loading state_dict for " + model.className());
            if (!missing.isEmpty()) {
                error.append("\nMissing key(s): ").append(quoted(missing)).append('.');
            }
            if (!unexpected.isEmpty()) {
                error.append("\nUnexpected key(s): ").append(quoted(unexpected)).append('.');
            }
            throw new IllegalArgumentException(error.toString());
        }

        // the shards, in the order the index first names them; each checked against the index
        Map<String, List<String>> byShard = new LinkedHashMap<>();
        weightMap.forEach((k, f) -> byShard.computeIfAbsent(f, x -> new ArrayList<>()).add(k));
        Map<String, Path> paths = new LinkedHashMap<>();
        for (String f : byShard.keySet()) {
            paths.put(f, shardPath(folder, f, indexFile));
        }
        // every shard checked without its tensors (safetensors: its header; torch.save: its archive, pickle, storages'
        // sizes and CRC-32s), then every shape, and only then the shards read and loaded one at a time
        Map<String, int[]> shapes = new HashMap<>();
        for (Map.Entry<String, List<String>> e : byShard.entrySet()) {
            Path p = paths.get(e.getKey());
            Map<String, int[]> shard = new HashMap<>();
            if (safe) {
                try (SafeOpen f = Safetensors.open(p)) {
                    for (String k : f.keys()) {
                        shard.put(k, f.getSlice(k).getShape());
                    }
                }
            } else {
                shard = TorchSerialization.stateDictShapes(p, source -> hook.wrap(p, false, source));
            }
            checkShardKeys(p, shard.keySet(), e.getValue(), indexFile);
            shapes.putAll(shard);
        }
        checkShapes(model, own, shapes);
        for (Map.Entry<String, List<String>> e : byShard.entrySet()) {
            Path p = paths.get(e.getKey());
            Map<String, Tensor> shard;
            if (safe) {
                shard = new LinkedHashMap<>();
                try (SafeOpen f = SafeOpen.open(p, source -> hook.wrap(p, true, source))) {
                    for (String k : e.getValue()) {
                        shard.put(k, f.getTensor(k));
                    }
                }
            } else {
                shard = TorchSerialization.loadStateDict(p, source -> hook.wrap(p, true, source));
                checkShardKeys(p, shard.keySet(), e.getValue(), indexFile); // the file may have changed since
            }
            model.loadStateDict(shard, false);
        }
        return new Module.IncompatibleKeys(List.copyOf(missing), List.copyOf(unexpected));
    }

    private static String quoted(List<String> keys) {
        List<String> q = new ArrayList<>();
        keys.forEach(k -> q.add("\"" + k + "\""));
        return String.join(",", q);
    }

    /** A shard's file: a plain name inside the folder that is there, as a regular file. */
    private static Path shardPath(Path folder, String name, Path indexFile) throws IOException {
        Path dir = folder.toAbsolutePath().normalize();
        Path p;
        try {
            p = dir.resolve(name).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw new IOException(indexFile + ": the weight_map names the file " + Json.quoted(name)
                    + ", which is not a valid file name");
        }
        // a name of the folder itself: no directories, no "..", no absolute path (a link, as the Hub's cache makes
        // them, is followed)
        if (name.isEmpty() || !dir.equals(p.getParent()) || !p.getFileName().toString().equals(name)) {
            throw new IOException(indexFile + ": the weight_map names the file " + Json.quoted(name)
                    + ", which is not a file of the checkpoint's folder");
        }
        if (!Files.isRegularFile(p)) {
            throw new IOException(indexFile + ": the weight_map names the shard " + Json.quoted(name)
                    + ", which is not in " + folder);
        }
        return p;
    }

    private static void checkShardKeys(Path shard, Set<String> has, List<String> listed, Path indexFile)
            throws IOException {
        for (String k : listed) {
            if (!has.contains(k)) {
                throw new IOException(shard + ": the shard does not hold tensor " + Json.quoted(k) + ", which "
                        + indexFile.getFileName() + " puts there");
            }
        }
        if (has.size() != listed.size()) {
            Set<String> extra = new java.util.TreeSet<>(has);
            listed.forEach(extra::remove);
            throw new IOException(shard + ": the shard holds tensor " + Json.quoted(extra.iterator().next())
                    + ", which " + indexFile.getFileName() + " does not put there");
        }
    }

    /** Every loaded shape against the module's, in PyTorch's words, before anything is loaded. */
    private static void checkShapes(Module model, Map<String, Tensor> own, Map<String, int[]> shapes) {
        Map<String, Module> modules = model.modulePaths();
        List<String> errors = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : own.entrySet()) { // in the module's order, as PyTorch lists them
            Tensor param = e.getValue();
            int[] given = shapes.get(e.getKey());
            if (given == null || param.isUninitialized() || resizable(modules, e.getKey())) {
                continue;
            }
            if (param.dim() == 0 && given.length == 1 && given[0] == 1) {
                continue; // a one-element vector loads into a scalar, as PyTorch's load_state_dict lets it
            }
            if (!Arrays.equals(given, param.shape())) {
                errors.add("size mismatch for " + e.getKey() + ": copying a param with shape " + Format.size(given)
                        + " from checkpoint, the shape in current model is " + Format.size(param.shape()) + ".");
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("Error(s) in loading state_dict for " + model.className() + ":\n\t"
                    + String.join("\n\t", errors));
        }
    }

    private static boolean resizable(Map<String, Module> modules, String key) {
        int dot = key.lastIndexOf('.');
        Module m = modules.get(dot < 0 ? "" : key.substring(0, dot));
        return m != null && m.resizesOnLoad(key.substring(dot + 1));
    }

    /** The index's {@code weight_map}, in its order: an object of tensor names to file names. */
    private static Map<String, String> readIndex(Path indexFile) throws IOException {
        long size = Files.size(indexFile);
        if (size > MAX_INDEX_BYTES) {
            throw new IOException(indexFile + ": the index is " + size + " bytes, more than the " + MAX_INDEX_BYTES
                    + " an index of tensor names needs");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(indexFile))).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IOException(indexFile + ": the index is not valid UTF-8");
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        Json json = new Json(text);
        Map<String, String> weightMap = null;
        try {
            if (!json.atObject()) {
                throw new IOException(indexFile + ": the index must be a JSON object, got " + json.describeNext());
            }
            Set<String> keys = new HashSet<>();
            if (json.beginObject()) {
                do {
                    int at = json.position();
                    String key = json.key();
                    if (!keys.add(key)) {
                        throw json.error("duplicate key " + Json.quoted(key), at);
                    }
                    if (key.equals("weight_map")) {
                        weightMap = weightMap(indexFile, json);
                    } else {
                        json.skipValue(); // metadata (total_size, ...) and anything newer
                    }
                } while (json.nextMember());
            }
            json.end();
        } catch (Json.SyntaxError e) {
            throw new IOException(indexFile + ": the index is not valid JSON: " + e.getMessage());
        }
        if (weightMap == null) {
            throw new IOException(indexFile + ": the index has no \"weight_map\"");
        }
        return weightMap;
    }

    private static Map<String, String> weightMap(Path indexFile, Json json) throws IOException {
        if (!json.atObject()) {
            throw new IOException(indexFile + ": \"weight_map\" must be an object of tensor names to file names, got "
                    + json.describeNext());
        }
        Map<String, String> map = new LinkedHashMap<>();
        if (json.beginObject()) {
            do {
                int at = json.position();
                String name = json.key();
                if (map.containsKey(name)) {
                    throw json.error("duplicate key " + Json.quoted(name), at);
                }
                if (!json.atString()) {
                    throw new IOException(indexFile + ": the weight_map's file of " + Json.quoted(name)
                            + " must be a string, got " + json.describeNext());
                }
                map.put(name, json.string());
            } while (json.nextMember());
        }
        return map;
    }

    // ------------------------------------------------------------------ saving

    /** {@link #save(Module, Path, long)} with huggingface_hub's default largest shard, 5 GB. */
    public static void save(Module model, Path folder) throws IOException {
        save(model, folder, DEFAULT_MAX_SHARD_SIZE);
    }

    /**
     * {@link #save(Module, Path, long)} with the largest shard given as huggingface_hub's {@code parse_size_to_int}
     * reads it: a number and a unit of TB, GB, MB or KB (powers of 1000), such as {@code "5GB"} or {@code "1.5MB"}.
     *
     * @throws IllegalArgumentException for a size it cannot read, in huggingface_hub's words, and as
     *     {@link #save(Module, Path, long)}
     */
    public static void save(Module model, Path folder, String maxShardSize) throws IOException {
        if (maxShardSize == null) {
            throw new IllegalArgumentException("maxShardSize must not be null");
        }
        save(model, folder, parseSize(maxShardSize));
    }

    /**
     * Writes a module's weights as transformers' {@code model.save_pretrained(folder, max_shard_size=maxShardSize)}
     * writes them (safetensors): the state dict with each tied tensor once (under the first of its names in sorted
     * order, as {@link Safetensors#saveModel}), split as huggingface_hub's {@code split_state_dict_into_shards_factory}
     * splits it (in the state dict's order, a shard closed when the next tensor would tip it over
     * {@code maxShardSize} bytes, a tensor larger than that in a shard of its own, tensors sharing memory in one
     * shard), each shard written with metadata {@code {"format": "pt"}} as {@code model-00001-of-00003.safetensors}
     * ..., and {@link #SAFE_WEIGHTS_INDEX_NAME} ({@code {"metadata": {"total_size": bytes}, "weight_map": ...}},
     * as {@code json.dumps(index, indent=2, sort_keys=True)} writes it). One shard is written as
     * {@link #SAFE_WEIGHTS_NAME} without an index, as transformers does. The folder is made if it is not there.
     *
     * <p>The shards of an earlier save that this one does not overwrite are deleted, by save_pretrained's rule: a
     * regular file of the folder (a link to one too) whose name starts with {@code model}, is not one of the files
     * just written, and, with every {@code .bin} and {@code .safetensors} taken out of it, fully matches
     * {@code (.*?)-\d{5}-of-\d{5}} (Python's {@code \d}: any Unicode decimal digit). Nothing else is deleted:
     * other files, and, as transformers, an earlier {@link #SAFE_WEIGHTS_INDEX_NAME} when this save writes one file
     * (its shards deleted, {@link #load} then refuses it, naming the first shard it lacks, where transformers'
     * {@code from_pretrained} reads {@code model.safetensors} first) or an earlier {@code model.safetensors} when
     * this save writes shards ({@link #load} reads the new index). Unlike transformers, which deletes first, the
     * earlier shards are deleted once the new files are written, so a save that fails leaves them.
     *
     * @throws IllegalArgumentException for a null module or folder, a negative size, and as
     *     {@link Safetensors#save(Map, Map, Path)}
     * @throws IOException if a file cannot be written
     */
    public static void save(Module model, Path folder, long maxShardSize) throws IOException {
        if (model == null || folder == null) {
            throw new IllegalArgumentException(model == null ? "model must not be null" : "folder must not be null");
        }
        if (maxShardSize < 0) {
            throw new IllegalArgumentException("maxShardSize must not be negative, got " + maxShardSize);
        }
        Map<String, Tensor> own = model.stateDictTensors();
        Set<String> dropped = new HashSet<>();
        Safetensors.duplicateNames(own, Set.of()).values().forEach(dropped::addAll);
        Map<String, Tensor> state = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> {
            if (!dropped.contains(k)) {
                state.put(k, v);
            }
        });
        // huggingface_hub's split: shards in the order they are closed, tensors sharing a storage with the first
        Map<Object, List<String>> byStorage = new IdentityHashMap<>();
        List<Map<String, Tensor>> shards = new ArrayList<>();
        Map<String, Tensor> current = new LinkedHashMap<>();
        long currentSize = 0;
        long total = 0;
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            Tensor t = e.getValue();
            Object storage = Safetensors.storage(t);
            List<String> sharing = byStorage.get(storage);
            if (sharing != null) {
                sharing.add(e.getKey());
                continue;
            }
            List<String> first = new ArrayList<>();
            first.add(e.getKey());
            byStorage.put(storage, first);
            long size = Math.multiplyExact(t.numel(), (long) t.dtype().itemSize());
            if (size > maxShardSize) {
                total += size;
                Map<String, Tensor> alone = new LinkedHashMap<>();
                alone.put(e.getKey(), t);
                shards.add(alone);
                continue;
            }
            if (currentSize + size > maxShardSize) {
                shards.add(current);
                current = new LinkedHashMap<>();
                currentSize = 0;
            }
            current.put(e.getKey(), t);
            currentSize += size;
            total += size;
        }
        if (!current.isEmpty()) {
            shards.add(current);
        }
        for (List<String> names : byStorage.values()) {
            for (Map<String, Tensor> shard : shards) {
                if (shard.containsKey(names.get(0))) {
                    names.subList(1, names.size()).forEach(n -> shard.put(n, state.get(n)));
                    break;
                }
            }
        }
        Files.createDirectories(folder);
        Map<String, String> format = Map.of("format", "pt");
        if (shards.size() <= 1) {
            Safetensors.save(shards.isEmpty() ? Map.of() : shards.get(0), format, folder.resolve(SAFE_WEIGHTS_NAME));
            removeEarlierShards(folder, Set.of(SAFE_WEIGHTS_NAME));
            return;
        }
        Map<String, String> weightMap = new TreeMap<>(SafeOpen::byCodePoints);
        Set<String> written = new HashSet<>();
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            written.add(name);
            Safetensors.save(shards.get(i), format, folder.resolve(name));
            for (String k : shards.get(i).keySet()) {
                weightMap.put(k, name);
            }
        }
        StringBuilder json = new StringBuilder("{\n  \"metadata\": {\n    \"total_size\": ").append(total)
                .append("\n  },\n  \"weight_map\": {");
        boolean first = true;
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            json.append(first ? "\n" : ",\n").append("    ").append(Json.quoted(e.getKey(), true)).append(": ")
                    .append(Json.quoted(e.getValue(), true));
            first = false;
        }
        json.append(weightMap.isEmpty() ? "}\n}\n" : "\n  }\n}\n");
        Files.writeString(folder.resolve(SAFE_WEIGHTS_INDEX_NAME), json, StandardCharsets.UTF_8);
        removeEarlierShards(folder, written);
    }

    /**
     * save_pretrained's name of a shard, {@code re.compile(r"(.*?)-\d{5}-of-\d{5}")}: Python's {@code \d} is any
     * Unicode decimal digit, and its {@code .} any character but a newline.
     */
    private static final Pattern SHARD_NAME = Pattern.compile("(.*?)-\\p{Nd}{5}-of-\\p{Nd}{5}", Pattern.UNIX_LINES);

    /** Deletes the shards of an earlier save that {@code written} did not overwrite, by save_pretrained's rule. */
    private static void removeEarlierShards(Path folder, Set<String> written) throws IOException {
        String weightsNoSuffix = SAFE_WEIGHTS_NAME.replace(".bin", "").replace(".safetensors", "");
        List<Path> earlier = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                String noSuffix = name.replace(".bin", "").replace(".safetensors", "");
                if (name.startsWith(weightsNoSuffix) && Files.isRegularFile(p) && !written.contains(name)
                        && SHARD_NAME.matcher(noSuffix).matches()) {
                    earlier.add(p);
                }
            }
        }
        for (Path p : earlier) {
            Files.deleteIfExists(p);
        }
    }

    /**
     * huggingface_hub's {@code parse_size_to_int}: a number and a unit of TB, GB, MB or KB (decimal), the number
     * read as a float and the product truncated.
     */
    static long parseSize(String text) {
        String s = text.strip();
        String unit = s.length() >= 2 ? s.substring(s.length() - 2).toUpperCase(java.util.Locale.ROOT) : s.toUpperCase(java.util.Locale.ROOT);
        long multiplier;
        switch (unit) {
            case "TB": multiplier = 1_000_000_000_000L; break;
            case "GB": multiplier = 1_000_000_000L; break;
            case "MB": multiplier = 1_000_000L; break;
            case "KB": multiplier = 1_000L; break;
            default:
                throw new IllegalArgumentException("Unit '" + unit + "' not supported. Supported units are TB, GB, MB, KB. "
                        + "Got '" + s + "'.");
        }
        String number = s.substring(0, s.length() - 2).strip();
        double value;
        try {
            if (!number.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) {
                throw new NumberFormatException();
            }
            value = Double.parseDouble(number);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Could not parse the size value from '" + s + "': could not convert string "
                    + "to float: '" + number + "'");
        }
        double bytes = value * multiplier;
        if (!(bytes >= 0) || bytes >= 0x1p63) {
            throw new IllegalArgumentException("the size '" + s + "' is not a number of bytes from 0 to 2^63");
        }
        return (long) bytes;
    }
}
