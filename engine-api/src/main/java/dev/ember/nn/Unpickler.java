package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Tensor;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The restricted unpickler of {@code torch.load(weights_only=True)} ({@code torch/_weights_only_unpickler.py}): the
 * same opcodes (pickle protocol 2, the one {@code torch.save} writes) and the same allowed globals, building Java
 * values instead of Python objects. It calls nothing a file names: each allowed global is a fixed Java construction,
 * and every other global is refused with PyTorch's message. It runs without recursion, checks every length against
 * the bytes that are there, and bounds the objects it makes, so a hostile or corrupt stream costs at most memory in
 * proportion to a fixed limit and ends in an {@link IOException}.
 *
 * <p>Python values become: {@code dict} and {@code collections.OrderedDict}/{@code Counter} a {@link LinkedHashMap}
 * ({@link OrderedDictMap} for an OrderedDict); {@code list} an {@link ArrayList}; {@code tuple} and {@code torch.Size}
 * an unmodifiable {@link List}; {@code int} a {@link Long} (a {@link BigInteger} beyond 64 bits); {@code float} a
 * {@link Double}; {@code bool} a {@link Boolean}; {@code None} null; {@code str} a {@link String}; {@code bytes} and
 * {@code bytearray} a {@code byte[]}; {@code set} a {@link LinkedHashSet}; {@code torch.dtype} a {@link DType} (a quantized one
 * a {@link dev.ember.ao.quantization.QuantDType}); a {@code torch.qscheme} a {@link dev.ember.ao.quantization.QScheme};
 * {@code torch.device} its string ({@code "cuda:0"}); a tensor or {@code nn.Parameter} a {@link Tensor}, a quantized
 * tensor a {@link dev.ember.ao.quantization.QuantizedTensor}. A global that is neither allowed by default nor added with
 * {@link SafeGlobals} is refused; one added there is built by its factory. A dtype 2.x allows that Ember has no type
 * for ({@code torch.complex32}, {@code torch.bits8}, ...) is refused where it is used, or at the end when it is a value.
 */
final class Unpickler {
    /** The most objects one stream may create; a real checkpoint's pickle makes a few per tensor. */
    static final int MAX_OBJECTS = 1 << 24;

    /** A {@code collections.OrderedDict}: a map that {@link TorchSerialization#save} writes back as one. */
    static final class OrderedDictMap extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;
        /**
         * A state dict's {@code _metadata} versions ({@code {prefix: {'version': n}}}) by module prefix, or null: read
         * from the file, or set for {@link TorchSerialization#save} to write.
         */
        transient Map<String, Long> versions;
    }

    /** A Python tuple: what the unpickler makes of one, and what the pickler writes as one. */
    static final class Tuple extends java.util.AbstractList<Object> implements java.util.RandomAccess {
        private final Object[] items;

        Tuple(List<?> items) {
            this.items = items.toArray();
        }

        @Override
        public Object get(int index) {
            return items[index];
        }

        @Override
        public int size() {
            return items.length;
        }
    }

    /** A storage's element type, as a {@code torch.FloatStorage}-style global names it. */
    record StorageType(DType dtype, String name, dev.ember.ao.quantization.QuantDType quantized) {
    }

    /** The storages behind a stream's persistent ids: loads one by key, element type and element count. */
    interface Storages {
        Tensor load(String key, StorageType type, String location, long numel) throws IOException;
    }

    /** An allowed global other than a dtype or storage type: what REDUCE or NEWOBJ may call. */
    private enum Callable {
        ORDERED_DICT("collections.OrderedDict"), COUNTER("collections.Counter"), PARAMETER("torch.nn.parameter.Parameter"),
        GET_LAYOUT("torch.serialization._get_layout"), SIZE("torch.Size"), TENSOR("torch.Tensor"), DEVICE("torch.device"),
        ENCODE("_codecs.encode"), BYTEARRAY("builtins.bytearray"), SET("builtins.set"), COMPLEX("builtins.complex"),
        REBUILD_TENSOR_V2("torch._utils._rebuild_tensor_v2"), REBUILD_PARAMETER("torch._utils._rebuild_parameter"),
        REBUILD_PARAMETER_WITH_STATE("torch._utils._rebuild_parameter_with_state"),
        REBUILD_FROM_TYPE_V2("torch._tensor._rebuild_from_type_v2"), REBUILD_TENSOR("torch._utils._rebuild_tensor"),
        // allowed by PyTorch, built where Ember has the type (v3: the 8-bit floats), else refused when called, with what
        // they would have built
        REBUILD_TENSOR_V3("torch._utils._rebuild_tensor_v3"),
        REBUILD_QTENSOR("torch._utils._rebuild_qtensor"), REBUILD_SPARSE("torch._utils._rebuild_sparse_tensor"),
        REBUILD_SPARSE_CSR("torch._utils._rebuild_sparse_csr_tensor"),
        REBUILD_META("torch._utils._rebuild_meta_tensor_no_storage"), REBUILD_NESTED("torch._utils._rebuild_nested_tensor"),
        REBUILD_WRAPPER("torch._utils._rebuild_wrapper_subclass"),
        REBUILD_FROM_NUMPY("torch._utils._rebuild_device_tensor_from_numpy"),
        REBUILD_FROM_CPU("torch._utils._rebuild_device_tensor_from_cpu_tensor");

        final String path;

        Callable(String path) {
            this.path = path;
        }
    }

    /** PyTorch's storage classes ({@code torch.FloatStorage}, ...) and the dtypes Ember holds them as (null: none). */
    private static final String[][] STORAGES = {{"Float", "FLOAT32"}, {"Double", "FLOAT64"}, {"Half", "FLOAT16"},
        {"BFloat16", "BFLOAT16"}, {"Long", "INT64"}, {"Int", "INT32"}, {"Short", "INT16"}, {"Char", "INT8"},
        {"Byte", "UINT8"}, {"Bool", "BOOL"}, {"ComplexFloat", "COMPLEX64"}, {"ComplexDouble", "COMPLEX128"}, {"ComplexHalf", null},
        {"QInt8", "INT8", "QINT8"}, {"QUInt8", "UINT8", "QUINT8"}, {"QInt32", "INT32", "QINT32"}, {"QUInt4x2", "UINT8", "QUINT4X2"}, {"QUInt2x4", null}, {"Untyped", "UINT8"}};
    private static final Map<String, Object> ALLOWED = allowed();

    /** The storage class PyTorch pickles a dtype's storage as ({@code FloatStorage} for float32). */
    static String storageName(DType dtype) {
        for (String[] s : STORAGES) {
            if (dtype.name().equals(s[1]) && s.length == 2) {
                return s[0] + "Storage";
            }
        }
        throw new IllegalStateException("no storage class for " + dtype);
    }

    private static Map<String, Object> allowed() {
        Map<String, Object> m = new HashMap<>();
        for (Callable c : Callable.values()) {
            m.put(c.path, c);
        }
        for (String[] s : STORAGES) {
            m.put("torch." + s[0] + "Storage", new StorageType(s[1] == null ? null : DType.valueOf(s[1]), s[0] + "Storage",
                s.length > 2 ? dev.ember.ao.quantization.QuantDType.valueOf(s[2]) : null));
        }
        // 2.x's dtypes (torch/_weights_only_unpickler.py): str(t) of every dtype of _dtype_to_storage_type_map() and
        // _new_dtypes(), and uint1..uint7, int1..int7; an alias (torch.float, torch.cfloat) is not among them (a dtype
        // pickles under its own name), so it is refused as there
        for (DType t : DType.values()) {
            m.put(t.torchName(), t);
        }
        List<String> others = new ArrayList<>(List.of("complex32", "quint2x4", "float8_e8m0fnu", "float4_e2m1fn_x2",
            "bits8", "bits16", "bits1x8", "bits2x4", "bits4x2"));
        for (int bits = 1; bits < 8; bits++) {
            others.add("uint" + bits);
            others.add("int" + bits);
        }
        for (String other : others) {
            m.put("torch." + other, new Unsupported("dtype torch." + other));
        }
        for (dev.ember.ao.quantization.QuantDType q : new dev.ember.ao.quantization.QuantDType[] {
            dev.ember.ao.quantization.QuantDType.QINT8, dev.ember.ao.quantization.QuantDType.QUINT8,
            dev.ember.ao.quantization.QuantDType.QINT32, dev.ember.ao.quantization.QuantDType.QUINT4X2}) {
            m.put(q.toString(), q);
        }
        for (dev.ember.ao.quantization.QScheme q : dev.ember.ao.quantization.QScheme.values()) {
            m.put(q.toString(), q); // the torch.qscheme objects 2.x's weights-only unpickler allows
        }
        return m;
    }

    /** An allowed global Ember cannot represent: refused where it is used. */
    private record Unsupported(String what) {
    }

    /** A global the user allowed ({@link SafeGlobals}): its factory builds what REDUCE or NEWOBJ makes of it. */
    private record UserGlobal(String name, SafeGlobals.Factory factory) {
    }

    private final byte[] data;
    private final String source;
    private final Storages storages;
    private int pos;
    private int objects;
    private final Map<Long, Object> memo = new HashMap<>();
    /** The user's safe globals, as they were when the load began. */
    private final Map<String, SafeGlobals.Factory> userGlobals = SafeGlobals.get();
    /** What a user's global made, by the global: a BUILD of one goes to its factory. */
    private final Map<Object, UserGlobal> userMade = new java.util.IdentityHashMap<>();
    /**
     * Whether a global Ember cannot represent (a dtype it lacks) or a user's safe global was read: the result is then
     * searched for one (a value Ember cannot hold).
     */
    private boolean unsupportedSeen;
    /** The storages read as quantized ({@code torch.QInt8Storage}...), by their tensors of integers. */
    private final Map<Tensor, dev.ember.ao.quantization.QuantDType> quantizedStorages = new java.util.IdentityHashMap<>();
    /** An UntypedStorage's bytes read as uint16, uint32 or uint64 words (one per storage and type: views share it). */
    private final Map<Tensor, Map<DType, Tensor>> wordStorages = new java.util.IdentityHashMap<>();
    private ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<ArrayList<Object>> metastack = new ArrayList<>();

    /** Whether tensors are stand-ins ({@link #standIn}) of their shape and dtype, their storages never read. */
    private final boolean standIns;

    /**
     * Whether a storage's persistent id has the legacy format's six fields ({@code ('storage', type, key, location,
     * numel, view_metadata)}) instead of the zip format's five.
     */
    private final boolean legacy;

    private Unpickler(byte[] data, String source, Storages storages, boolean standIns, boolean legacy) {
        this.data = data;
        this.source = source;
        this.storages = storages;
        this.standIns = standIns;
        this.legacy = legacy;
    }

    /** Reads the one object a stream pickles. {@code source} names the stream in error messages. */
    static Object load(byte[] data, String source, Storages storages) throws IOException {
        return new Unpickler(data, source, storages, false, false).run();
    }

    /**
     * {@link #load} of a legacy-format pickle ({@link LegacyTorchFile}), or with {@code standIns} {@link #loadStandIns}
     * of one: its storages' persistent ids have six fields.
     */
    static Object loadLegacy(byte[] data, String source, Storages storages, boolean standIns) throws IOException {
        return new Unpickler(data, source, storages, standIns, true).run();
    }

    /**
     * {@link #load}, every plain tensor and parameter a {@link #standIn} of its dtype and shape, with every check of
     * its layout against its storage (whose {@code storages} gives stand-ins too): the names and shapes of a large file
     * without its tensors in memory. A tensor whose values are needed to build it (quantized, sparse) throws
     * {@link DataNeeded}.
     */
    static Object loadStandIns(byte[] data, String source, Storages storages) throws IOException {
        return new Unpickler(data, source, storages, true, false).run();
    }

    /** A read of stand-ins ({@link #loadStandIns}) met a tensor it cannot build without its values. */
    static final class DataNeeded extends IOException {
        private static final long serialVersionUID = 1L;

        private final String what;

        DataNeeded(String what) {
            super(what + " is built from its values; read the file with its tensors");
            this.what = what;
        }

        /** What needs its values ("a sparse tensor", "a quantized tensor"). */
        String what() {
            return what;
        }
    }

    /** A tensor of a dtype and shape that holds one element (zero), its strides 0: no memory for its elements. */
    static Tensor standIn(DType dtype, int... shape) {
        return Tensor.zeros(dtype).expand(shape);
    }

    private IOException error(String problem) {
        return new IOException(source + ": " + problem);
    }

    private IOException weightsOnly(String problem) {
        return error("Weights only load failed. WeightsUnpickler error: " + problem);
    }

    private int u8() throws IOException {
        need(1);
        return data[pos++] & 0xFF;
    }

    private void need(long n) throws IOException {
        if (n > data.length - pos) {
            throw error("the pickle ends at byte " + data.length + ", inside an operand that needs " + n
                    + " more bytes from byte " + pos + " (the data is truncated or corrupt)");
        }
    }

    private ByteBuffer take(int n) throws IOException {
        need(n);
        ByteBuffer b = ByteBuffer.wrap(data, pos, n).slice().order(ByteOrder.LITTLE_ENDIAN);
        pos += n;
        return b;
    }

    private String utf8(int n) throws IOException {
        need(n);
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data, pos, n)).toString();
            pos += n;
            return s;
        } catch (CharacterCodingException e) {
            throw error("a string at byte " + pos + " of the pickle is not valid UTF-8");
        }
    }

    private String line() throws IOException {
        int end = pos;
        while (end < data.length && data[end] != '\n') {
            end++;
        }
        if (end == data.length) {
            throw error("the pickle ends inside the name of a GLOBAL at byte " + pos);
        }
        String s = utf8(end - pos);
        pos++; // the newline
        return s;
    }

    private void push(Object o) throws IOException {
        if (++objects > MAX_OBJECTS) {
            throw error("the pickle makes more than " + MAX_OBJECTS + " objects; Ember refuses it to bound the memory a file can take");
        }
        stack.add(o);
    }

    private Object pop() throws IOException {
        if (stack.isEmpty()) {
            throw error("the pickle pops from an empty stack at byte " + (pos - 1) + " (the data is corrupt)");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object top() throws IOException {
        if (stack.isEmpty()) {
            throw error("the pickle reads an empty stack at byte " + (pos - 1) + " (the data is corrupt)");
        }
        return stack.get(stack.size() - 1);
    }

    private ArrayList<Object> popMark() throws IOException {
        if (metastack.isEmpty()) {
            throw error("the pickle has no MARK for the opcode at byte " + (pos - 1) + " (the data is corrupt)");
        }
        ArrayList<Object> items = stack;
        stack = metastack.remove(metastack.size() - 1);
        return items;
    }

    private static List<Object> tuple(List<Object> items) {
        return new Tuple(items);
    }

    private static boolean isTuple(Object o) {
        return o instanceof List && !(o instanceof ArrayList);
    }

    private Object run() throws IOException {
        while (true) {
            int at = pos;
            int op = u8();
            switch (op) {
                case 0x80: { // PROTO
                    int proto = u8();
                    if (proto < 2 || proto > 5) {
                        throw error("unsupported pickle protocol " + proto);
                    }
                    break;
                }
                case '.': { // STOP
                    Object result = pop();
                    if (!stack.isEmpty() || !metastack.isEmpty()) {
                        throw error("the pickle stops with " + (stack.size() + metastack.size()) + " objects left on its stack (the data is corrupt)");
                    }
                    if (pos != data.length) {
                        throw error("the pickle stops at byte " + (pos - 1) + " of " + data.length + " (trailing bytes)");
                    }
                    if (unsupportedSeen) {
                        refuseUnsupported(result);
                    }
                    return result;
                }
                case 'c': { // GLOBAL
                    String module = line();
                    String name = line();
                    push(global(module, name));
                    break;
                }
                case 0x81: { // NEWOBJ
                    Object args = pop();
                    Object cls = pop();
                    if (cls instanceof UserGlobal && isTuple(args)) {
                        push(callUser((UserGlobal) cls, (List<?>) args));
                        break;
                    }
                    if (cls != Callable.PARAMETER || !isTuple(args)) {
                        throw weightsOnly("Can only create new object for nn.Parameter or classes allowlisted via `add_safe_globals` but got "
                                + describe(cls));
                    }
                    push(parameter((List<?>) args));
                    break;
                }
                case 'R': { // REDUCE
                    Object args = pop();
                    Object func = pop();
                    if (!isTuple(args)) {
                        throw error("REDUCE at byte " + at + " has " + describe(args) + " as its arguments, not a tuple");
                    }
                    push(reduce(func, (List<?>) args));
                    break;
                }
                case 'b': { // BUILD
                    Object state = pop();
                    Object inst = top();
                    if (inst != null && userMade.containsKey(inst)) {
                        UserGlobal g = userMade.get(inst);
                        try {
                            g.factory().setState(inst, state);
                        } catch (IOException | RuntimeException e) {
                            throw userError(g, "setState", e);
                        }
                    } else if (inst instanceof OrderedDictMap) {
                        if (!(state instanceof Map)) {
                            throw error("BUILD of an OrderedDict with " + describe(state) + " as its state");
                        }
                        // the state is instance attributes: a state dict's _metadata versions are kept
                        ((OrderedDictMap) inst).versions = versions(((Map<?, ?>) state).get("_metadata"));
                    } else if (!(inst instanceof Tensor)) {
                        throw weightsOnly("Can only build Tensor, Parameter, OrderedDict or types allowlisted via `add_safe_globals`, but got "
                                + describe(inst));
                    } else if (!(state instanceof Map) || !((Map<?, ?>) state).isEmpty()) {
                        throw error("BUILD of a tensor with state " + describe(state) + ": Ember keeps no attributes on a tensor");
                    }
                    break;
                }
                case 'a': { // APPEND
                    Object item = pop();
                    appendTarget().add(item);
                    break;
                }
                case 'e': { // APPENDS
                    List<Object> items = popMark();
                    appendTarget().addAll(items);
                    break;
                }
                case 's': { // SETITEM
                    Object v = pop();
                    Object k = pop();
                    setTarget("SETITEM").put(key(k), v);
                    break;
                }
                case 'u': { // SETITEMS
                    List<Object> items = popMark();
                    if (items.size() % 2 != 0) {
                        throw error("SETITEMS at byte " + at + " has an odd number of items (the data is corrupt)");
                    }
                    Map<Object, Object> target = setTarget("SETITEMS");
                    for (int i = 0; i < items.size(); i += 2) {
                        target.put(key(items.get(i)), items.get(i + 1));
                    }
                    break;
                }
                case '(': // MARK
                    metastack.add(stack);
                    stack = new ArrayList<>();
                    break;
                case 't': // TUPLE
                    push(tuple(popMark()));
                    break;
                case 0x85: // TUPLE1
                    push(tuple(Arrays.asList(pop())));
                    break;
                case 0x86: { // TUPLE2
                    Object b = pop();
                    Object a = pop();
                    push(tuple(Arrays.asList(a, b)));
                    break;
                }
                case 0x87: { // TUPLE3
                    Object c = pop();
                    Object b = pop();
                    Object a = pop();
                    push(tuple(Arrays.asList(a, b, c)));
                    break;
                }
                case 'N': push(null); break;
                case 0x89: push(Boolean.FALSE); break;
                case 0x88: push(Boolean.TRUE); break;
                case ')': push(tuple(List.of())); break; // EMPTY_TUPLE: a tuple, written back as one
                case ']': push(new ArrayList<>()); break;
                case '}': push(new LinkedHashMap<>()); break;
                case 0x8f: push(new LinkedHashSet<>()); break; // EMPTY_SET
                case 'J': push((long) take(4).getInt()); break; // BININT
                case 'K': push((long) u8()); break; // BININT1
                case 'M': push((long) (take(2).getShort() & 0xFFFF)); break; // BININT2
                case 'G': push(take(8).order(ByteOrder.BIG_ENDIAN).getDouble()); break; // BINFLOAT
                case 'X': { // BINUNICODE
                    long n = take(4).getInt() & 0xFFFFFFFFL;
                    need(n);
                    push(utf8((int) n));
                    break;
                }
                case 'U': // SHORT_BINSTRING: torch.load decodes it as UTF-8
                    push(utf8(u8()));
                    break;
                case 'Q': { // BINPERSID
                    Object pid = pop();
                    push(persistent(pid));
                    break;
                }
                case 'h': push(get(u8(), at)); break; // BINGET
                case 'j': push(get(take(4).getInt() & 0xFFFFFFFFL, at)); break; // LONG_BINGET
                case 'q': memo.put((long) u8(), top()); break; // BINPUT
                case 'r': memo.put(take(4).getInt() & 0xFFFFFFFFL, top()); break; // LONG_BINPUT
                case 0x8a: { // LONG1
                    int n = u8();
                    push(decodeLong(take(n), n));
                    break;
                }
                default:
                    throw weightsOnly("Unsupported operand " + op + " at byte " + at);
            }
        }
    }

    private Object get(long index, int at) throws IOException {
        if (!memo.containsKey(index)) {
            throw error("the pickle reads memo entry " + index + " at byte " + at + ", which it never stored (the data is corrupt)");
        }
        return memo.get(index);
    }

    private static Object decodeLong(ByteBuffer b, int n) {
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = b.get(n - 1 - i);
        }
        BigInteger v = new BigInteger(be); // two's complement, as pickle's decode_long
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    @SuppressWarnings("unchecked")
    private List<Object> appendTarget() throws IOException {
        Object t = top();
        if (!(t instanceof ArrayList)) {
            throw weightsOnly("Can only append to lists, but got " + describe(t));
        }
        return (List<Object>) t;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> setTarget(String opcode) throws IOException {
        Object t = top();
        if (!(t instanceof LinkedHashMap)) {
            throw weightsOnly("Can only " + opcode + " for dict, collections.OrderedDict, collections.Counter, but got " + describe(t));
        }
        return (Map<Object, Object>) t;
    }

    /**
     * Refuses a result that holds a value Ember cannot represent (a dtype such as {@code torch.complex32}, which 2.x
     * loads as a value, {@code {"dtype": torch.complex32}}); searched without recursion, each container once.
     */
    private void refuseUnsupported(Object result) throws IOException {
        Set<Object> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        ArrayList<Object> pending = new ArrayList<>();
        pending.add(result);
        while (!pending.isEmpty()) {
            Object v = pending.remove(pending.size() - 1);
            if (v instanceof Unsupported) {
                throw error("the file holds a " + ((Unsupported) v).what() + ", which Ember cannot represent");
            }
            if (v instanceof UserGlobal) {
                throw error("the file holds the safe global " + ((UserGlobal) v).name() + " itself, not a value it made; "
                        + "Ember has no Java value for a Python class or function");
            }
            if ((v instanceof Map || v instanceof java.util.Collection) && seen.add(v)) {
                if (v instanceof Map) {
                    pending.addAll(((Map<?, ?>) v).keySet());
                    pending.addAll(((Map<?, ?>) v).values());
                } else {
                    pending.addAll((java.util.Collection<?>) v);
                }
            }
        }
    }

    /** The deepest nesting of tuples a dict key or set element may have (hashing one recurses through them). */
    private static final int MAX_KEY_DEPTH = 100;

    /**
     * A dict key or set element: Python refuses unhashable ones (a list, dict or set, also inside a tuple); checked
     * without recursion, and tuples nested deeper than {@link #MAX_KEY_DEPTH} are refused, since hashing them recurses.
     */
    private Object key(Object k) throws IOException {
        ArrayList<Object[]> pending = new ArrayList<>(); // {value, depth}
        pending.add(new Object[] {k, 0});
        while (!pending.isEmpty()) {
            Object[] item = pending.remove(pending.size() - 1);
            Object v = item[0];
            int depth = (Integer) item[1];
            if (v instanceof ArrayList || v instanceof Map || v instanceof Set) {
                throw error("unhashable type: '" + describe(v) + "' in a dict key or set element");
            }
            if (v instanceof List) {
                if (depth >= MAX_KEY_DEPTH) {
                    throw error("a dict key or set element nests tuples deeper than " + MAX_KEY_DEPTH);
                }
                for (Object o : (List<?>) v) {
                    pending.add(new Object[] {o, depth + 1});
                }
            }
        }
        return k;
    }

    private Object global(String module, String name) throws IOException {
        String m = module.equals("__builtin__") ? "builtins" : module.equals("copy_reg") ? "copyreg" : module;
        String full = m + "." + name;
        if (m.equals("sys") || m.equals("os") || m.equals("posix") || m.equals("nt")) {
            throw weightsOnly("Trying to load unsupported GLOBAL " + full + " whose module " + m + " is blocked.");
        }
        Object g = ALLOWED.get(full);
        if (g == null && userGlobals.containsKey(full)) {
            unsupportedSeen = true; // the global itself (not called) is no value Ember has
            return new UserGlobal(full, userGlobals.get(full));
        }
        if (g == null) {
            String shown = full.startsWith("builtins.") ? full.substring("builtins.".length()) : full;
            throw weightsOnly("Unsupported global: GLOBAL " + shown + " was not an allowed global by default. Please use "
                    + "`torch.serialization.add_safe_globals([" + shown + "])` or the `torch.serialization.safe_globals(["
                    + shown + "])` context manager to allowlist this global if you trust this class/function. (In Ember: "
                    + "SafeGlobals.add or SafeGlobals.scope with a factory for \"" + full + "\".)");
        }
        if (g instanceof Unsupported) {
            unsupportedSeen = true;
        }
        if (g instanceof StorageType && ((StorageType) g).dtype() == null) {
            unsupportedSeen = true;
            return new Unsupported("torch." + ((StorageType) g).name() + " (its dtype is not one Ember has)");
        }
        return g;
    }

    private Object persistent(Object pid) throws IOException {
        if (!isTuple(pid)) {
            throw weightsOnly("persistent_load id must be tuple or int, but got " + describe(pid));
        }
        List<?> id = (List<?>) pid;
        Object kind = id.isEmpty() ? null : id.get(0);
        if (kind instanceof byte[]) {
            kind = new String((byte[]) kind, StandardCharsets.US_ASCII);
        }
        if (!"storage".equals(kind)) {
            throw weightsOnly("Only persistent_load of storage is allowed, but got " + describe(kind));
        }
        int fields = legacy ? 6 : 5;
        if (id.size() != fields) {
            throw error("a storage's persistent id has " + id.size() + " fields, not " + fields + " (type, key, location, size"
                    + (legacy ? ", view" : "") + ")");
        }
        if (legacy && id.get(5) != null) {
            // a view of a storage ((view key, offset, size)): PyTorch before 0.4 pickled storage slices so
            throw error("a storage is saved as a view of another (a file of PyTorch before 0.4); Ember reads the storages "
                    + "later versions write: load and save it again with PyTorch");
        }
        Object type = id.get(1);
        if (type instanceof Unsupported) {
            throw error("a storage is a " + ((Unsupported) type).what() + "; Ember cannot hold it");
        }
        if (!(type instanceof StorageType) || !(id.get(2) instanceof String) || !(id.get(3) instanceof String)
                || !(id.get(4) instanceof Long) || (Long) id.get(4) < 0) {
            throw error("a storage's persistent id is not (str, storage type, str key, str location, size >= 0): got ("
                    + describe(kind) + ", " + describe(type) + ", " + describe(id.get(2)) + ", " + describe(id.get(3)) + ", "
                    + describe(id.get(4)) + ")");
        }
        Tensor s = storages.load((String) id.get(2), (StorageType) type, (String) id.get(3), (Long) id.get(4));
        if (((StorageType) type).quantized() != null) {
            quantizedStorages.put(s, ((StorageType) type).quantized());
        }
        return s;
    }

    /**
     * A state dict's {@code _metadata} ({@code OrderedDict} of module prefix to {@code {'version': int, ...}}) as the
     * versions by prefix; null when absent. Entries of another form are left out (PyTorch keeps whatever is there and
     * reads only {@code version}).
     */
    private static Map<String, Long> versions(Object metadata) {
        if (!(metadata instanceof Map)) {
            return null;
        }
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) metadata).entrySet()) {
            if (e.getKey() instanceof String && e.getValue() instanceof Map
                    && ((Map<?, ?>) e.getValue()).get("version") instanceof Long) {
                out.put((String) e.getKey(), (Long) ((Map<?, ?>) e.getValue()).get("version"));
            }
        }
        return out;
    }

    /** A user's global called with {@code args}: its factory's result, remembered for a BUILD of it. */
    private Object callUser(UserGlobal g, List<?> args) throws IOException {
        Object made;
        try {
            made = g.factory().call(java.util.Collections.unmodifiableList(new ArrayList<>(args)));
        } catch (IOException | RuntimeException e) {
            throw userError(g, "call", e);
        }
        if (made != null) {
            userMade.put(made, g);
        }
        return made;
    }

    private IOException userError(UserGlobal g, String what, Exception e) {
        IOException out = error("the safe global " + g.name() + "'s factory (" + what + ") failed: " + e.getMessage());
        out.initCause(e);
        return out;
    }

    private Object reduce(Object func, List<?> args) throws IOException {
        if (func instanceof UserGlobal) {
            return callUser((UserGlobal) func, args);
        }
        if (func instanceof Unsupported) {
            throw error("the file holds a " + ((Unsupported) func).what() + ", which Ember cannot represent");
        }
        if (!(func instanceof Callable)) {
            throw weightsOnly("Trying to call reduce for unrecognized function " + describe(func));
        }
        Callable c = (Callable) func;
        switch (c) {
            case ORDERED_DICT:
            case COUNTER: {
                Map<Object, Object> m = c == Callable.ORDERED_DICT ? new OrderedDictMap() : new LinkedHashMap<>();
                if (args.size() == 1 && args.get(0) instanceof Map) {
                    m.putAll((Map<?, ?>) args.get(0));
                } else if (!args.isEmpty()) {
                    throw error(c.path + " called with " + args.size() + " arguments");
                }
                return m;
            }
            case SIZE: {
                if (args.size() != 1 || !(args.get(0) instanceof List)) {
                    throw error("torch.Size called with arguments that are not one tuple of ints");
                }
                for (Object o : (List<?>) args.get(0)) {
                    if (!(o instanceof Long)) {
                        throw error("torch.Size of " + describe(o));
                    }
                }
                return tuple(new ArrayList<>((List<?>) args.get(0)));
            }
            case DEVICE: {
                if (args.isEmpty() || args.size() > 2 || !(args.get(0) instanceof String)
                        || args.size() == 2 && !(args.get(1) instanceof Long)) {
                    throw error("torch.device called with arguments that are not (str[, int])");
                }
                return args.size() == 2 ? args.get(0) + ":" + args.get(1) : args.get(0);
            }
            case ENCODE:
            case BYTEARRAY: {
                if (args.isEmpty() && c == Callable.BYTEARRAY) {
                    return new byte[0];
                }
                if (c == Callable.BYTEARRAY && args.size() == 1 && args.get(0) instanceof byte[] b) {
                    return b.clone(); // bytearray(bytes): how Python 3.8+ pickles one below protocol 5
                }
                if (args.size() != 2 || !(args.get(0) instanceof String) || !(args.get(1) instanceof String)
                        || !((String) args.get(1)).replace("-", "").equalsIgnoreCase("latin1")) {
                    throw error(c.path + " called with arguments other than (str, 'latin1')"
                            + (c == Callable.BYTEARRAY ? " or (bytes)" : ""));
                }
                String s = (String) args.get(0);
                byte[] b = new byte[s.length()];
                for (int i = 0; i < b.length; i++) {
                    if (s.charAt(i) > 0xFF) {
                        throw error(c.path + ": a character beyond latin-1 in bytes");
                    }
                    b[i] = (byte) s.charAt(i);
                }
                return b;
            }
            case SET: {
                Set<Object> s = new LinkedHashSet<>();
                if (args.size() == 1 && args.get(0) instanceof List) {
                    for (Object o : (List<?>) args.get(0)) {
                        s.add(key(o));
                    }
                } else if (!args.isEmpty()) {
                    throw error("builtins.set called with arguments other than one list");
                }
                return s;
            }
            case REBUILD_TENSOR_V2:
                return rebuildTensor(args);
            case REBUILD_TENSOR:
                return rebuildTensorV1(args);
            case REBUILD_TENSOR_V3:
                return rebuildTensorV3(args);
            case REBUILD_META:
                return rebuildMeta(args);
            case REBUILD_QTENSOR:
                return rebuildQuantized(args);
            case GET_LAYOUT: {
                if (args.size() != 1 || !(args.get(0) instanceof String)) {
                    throw error("torch.serialization._get_layout called with arguments other than (str)");
                }
                switch ((String) args.get(0)) {
                    case "torch.sparse_coo":
                        return dev.ember.sparse.Layout.SPARSE_COO;
                    case "torch.sparse_csr":
                        return dev.ember.sparse.Layout.SPARSE_CSR;
                    case "torch.sparse_csc":
                        return dev.ember.sparse.Layout.SPARSE_CSC;
                    default:
                        throw error("the file holds a tensor of layout " + args.get(0) + ", which Ember cannot represent");
                }
            }
            case REBUILD_SPARSE:
                return rebuildSparse(args);
            case REBUILD_SPARSE_CSR: // 1.13's writer of a CSR tensor (2.x's is _rebuild_sparse_tensor)
                if (args.size() != 2 || args.get(0) != dev.ember.sparse.Layout.SPARSE_CSR || !isTuple(args.get(1))) {
                    throw error("torch._utils._rebuild_sparse_csr_tensor called with arguments other than "
                            + "(torch.sparse_csr, tuple)");
                }
                return rebuildCompressed(dev.ember.sparse.Layout.SPARSE_CSR, (List<?>) args.get(1));
            case REBUILD_PARAMETER:
            case REBUILD_PARAMETER_WITH_STATE: {
                int n = c == Callable.REBUILD_PARAMETER ? 3 : 4;
                if (args.size() != n || !(args.get(0) instanceof Tensor) || !(args.get(1) instanceof Boolean)) {
                    throw error(c.path + " called with arguments other than (Tensor, bool, hooks" + (n == 4 ? ", state)" : ")"));
                }
                return asParameter((Tensor) args.get(0), (Boolean) args.get(1));
            }
            case REBUILD_FROM_TYPE_V2: {
                // (func, new_type, args, state): a tensor or parameter rebuilt by func, its Python attributes in state
                if (args.size() != 4 || !isTuple(args.get(2))
                        || args.get(1) != Callable.TENSOR && args.get(1) != Callable.PARAMETER) {
                    throw error("torch._tensor._rebuild_from_type_v2 of " + describe(args.isEmpty() ? null : args.get(args.size() > 1 ? 1 : 0))
                            + ": Ember rebuilds plain tensors and parameters only");
                }
                Object inner = args.get(0);
                if (inner != Callable.REBUILD_TENSOR_V2 && inner != Callable.REBUILD_PARAMETER
                        && inner != Callable.REBUILD_PARAMETER_WITH_STATE) {
                    throw error("torch._tensor._rebuild_from_type_v2 of " + describe(inner)
                            + ": Ember rebuilds plain tensors and parameters only");
                }
                Object t = reduce(inner, (List<?>) args.get(2));
                if (!(t instanceof Tensor)) {
                    throw error("torch._tensor._rebuild_from_type_v2 did not rebuild a tensor");
                }
                return t;
            }
            case COMPLEX:
                throw error("the file holds a Python complex number, which Ember cannot represent");
            case PARAMETER:
                return parameter(args);
            default:
                throw error("the file holds a tensor that " + c.path + " rebuilds (quantized, sparse, nested, "
                        + "subclass or NumPy-backed), which Ember cannot represent");
        }
    }

    /**
     * {@code _rebuild_sparse_tensor(layout, data)}: of a COO tensor {@code (indices, values, size[, is_coalesced])} (2.x
     * adds the flag, kept: {@link dev.ember.sparse.Sparse#cooTensor(Tensor, Tensor, int[], Boolean)}), checked as
     * {@link dev.ember.sparse.Sparse#cooTensor} checks it (PyTorch validates a loaded sparse tensor too); of a CSR or
     * CSC tensor (2.x) {@code (compressed_indices, plain_indices, values, size)}, checked as
     * {@link dev.ember.sparse.Sparse#sparseCsrTensor} checks it.
     */
    private Object rebuildSparse(List<?> args) throws IOException {
        if (standIns) {
            throw new DataNeeded("a sparse tensor");
        }
        if (args.size() != 2 || !(args.get(0) instanceof dev.ember.sparse.Layout) || !isTuple(args.get(1))) {
            throw error("torch._utils._rebuild_sparse_tensor called with arguments other than (layout, tuple)");
        }
        dev.ember.sparse.Layout layout = (dev.ember.sparse.Layout) args.get(0);
        if (layout != dev.ember.sparse.Layout.SPARSE_COO) {
            return rebuildCompressed(layout, (List<?>) args.get(1));
        }
        List<?> data = (List<?>) args.get(1);
        if (!(data.size() == 3 || data.size() == 4 && data.get(3) instanceof Boolean)
                || !(data.get(0) instanceof Tensor) || !(data.get(1) instanceof Tensor) || !(data.get(2) instanceof List)) {
            throw error("torch._utils._rebuild_sparse_tensor called with data other than (indices, values, size[, "
                    + "is_coalesced])");
        }
        List<?> sizes = (List<?>) data.get(2);
        int[] size = new int[sizes.size()];
        for (int i = 0; i < size.length; i++) {
            Object o = sizes.get(i);
            if (!(o instanceof Long) || (Long) o < 0 || (Long) o > Integer.MAX_VALUE) {
                throw error("a sparse tensor's size holds " + describe(o));
            }
            size[i] = (int) (long) (Long) o;
        }
        try {
            // 2.x's flag as its sparse_coo_tensor(..., is_coalesced=flag) keeps it (the entries checked); 1.13's none
            return dev.ember.sparse.Sparse.cooTensor((Tensor) data.get(0), (Tensor) data.get(1), size,
                    data.size() == 4 ? (Boolean) data.get(3) : null);
        } catch (IllegalArgumentException e) {
            throw error("a sparse tensor of the file is invalid: " + e.getMessage());
        }
    }

    /** A CSR or CSC tensor from {@code (compressed_indices, plain_indices, values, size)}. */
    private Object rebuildCompressed(dev.ember.sparse.Layout layout, List<?> data) throws IOException {
        if (standIns) {
            throw new DataNeeded("a sparse tensor");
        }
        if (data.size() != 4 || !(data.get(0) instanceof Tensor) || !(data.get(1) instanceof Tensor)
                || !(data.get(2) instanceof Tensor) || !(data.get(3) instanceof List)) {
            throw error("a " + layout + " tensor rebuilt from data other than (compressed_indices, plain_indices, "
                    + "values, size)");
        }
        List<?> sizes = (List<?>) data.get(3);
        int[] size = new int[sizes.size()];
        for (int i = 0; i < size.length; i++) {
            Object o = sizes.get(i);
            if (!(o instanceof Long) || (Long) o < 0 || (Long) o > Integer.MAX_VALUE) {
                throw error("a sparse tensor's size holds " + describe(o));
            }
            size[i] = (int) (long) (Long) o;
        }
        try {
            Tensor compressed = (Tensor) data.get(0);
            Tensor plain = (Tensor) data.get(1);
            Tensor values = (Tensor) data.get(2);
            return layout == dev.ember.sparse.Layout.SPARSE_CSR
                    ? dev.ember.sparse.Sparse.sparseCsrTensor(compressed, plain, values, size)
                    : dev.ember.sparse.Sparse.sparseCscTensor(compressed, plain, values, size);
        } catch (IllegalArgumentException e) {
            throw error("a sparse tensor of the file is invalid: " + e.getMessage());
        }
    }

    /** {@code torch.nn.Parameter(data, requires_grad=True)}. */
    private Tensor parameter(List<?> args) throws IOException {
        if (args.isEmpty() || args.size() > 2 || !(args.get(0) instanceof Tensor)
                || args.size() == 2 && !(args.get(1) instanceof Boolean)) {
            throw error("torch.nn.Parameter called with arguments other than (Tensor[, bool])");
        }
        return asParameter((Tensor) args.get(0), args.size() < 2 || (Boolean) args.get(1));
    }

    private Tensor asParameter(Tensor data, boolean requiresGrad) throws IOException {
        Tensor p = data.detach();
        if (requiresGrad) {
            if (!p.dtype().isFloatingPoint() && !p.dtype().isComplex()) { // nn.Parameter(complex) requires grad too
                throw error("a parameter of dtype " + p.dtype().torchName() + " requires grad; only Tensors of floating point and complex dtype can require gradients");
            }
            p.setRequiresGrad(true);
        }
        return p;
    }

    /**
     * {@code _rebuild_meta_tensor_no_storage(dtype, size, stride, requires_grad)}: a meta tensor, as PyTorch writes one
     * (no storage in the file), of those sizes and strides.
     */
    private Tensor rebuildMeta(List<?> args) throws IOException {
        if (args.size() != 4 || !(args.get(0) instanceof DType) || !(args.get(1) instanceof List)
                || !(args.get(2) instanceof List) || !(args.get(3) instanceof Boolean)) {
            throw error("torch._utils._rebuild_meta_tensor_no_storage called with arguments other than (dtype, tuple, "
                    + "tuple, bool)");
        }
        int[][] sizesAndStrides = sizesAndStrides((List<?>) args.get(1), (List<?>) args.get(2));
        int[] sizes = sizesAndStrides[0];
        int[] strides = sizesAndStrides[1];
        DType dtype = (DType) args.get(0);
        Tensor t;
        try {
            t = Tensor.emptyStrided(sizes, strides, dtype, dev.ember.Device.META);
        } catch (IllegalArgumentException e) {
            throw error("a meta tensor of the file is invalid: " + e.getMessage());
        }
        if ((Boolean) args.get(3)) {
            if (!dtype.isFloatingPoint() && !dtype.isComplex()) {
                throw error("a tensor of dtype " + dtype.torchName() + " requires grad; only Tensors of floating point dtype can require gradients");
            }
            t.setRequiresGrad(true);
        }
        return t;
    }

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
    private Tensor rebuildTensor(List<?> args) throws IOException {
        if (args.size() != 6 && args.size() != 7) {
            throw error("torch._utils._rebuild_tensor_v2 called with " + args.size() + " arguments, not 6 or 7");
        }
        if (!(args.get(0) instanceof Tensor) || !(args.get(1) instanceof Long) || !(args.get(2) instanceof List)
                || !(args.get(3) instanceof List) || !(args.get(4) instanceof Boolean) || !(args.get(5) instanceof Map)
                || args.size() == 7 && args.get(6) != null && !(args.get(6) instanceof Map)) {
            throw error("torch._utils._rebuild_tensor_v2 called with arguments other than (storage, int, tuple, tuple, bool, "
                    + "OrderedDict[, dict])");
        }
        if (quantizedStorages.containsKey(args.get(0))) {
            throw error("torch._utils._rebuild_tensor_v2 over a quantized storage (" + quantizedStorages.get(args.get(0))
                    + "): a quantized tensor is rebuilt by torch._utils._rebuild_qtensor");
        }
        Tensor t = view(args);
        if ((Boolean) args.get(4)) {
            if (!t.dtype().isFloatingPoint() && !t.dtype().isComplex()) {
                throw error("a tensor of dtype " + t.dtype().torchName() + " requires grad; only Tensors of floating point dtype can require gradients");
            }
            t.setRequiresGrad(true);
        }
        return t;
    }

    /**
     * {@code _rebuild_tensor(storage, storage_offset, size, stride)}, the rebuild of PyTorch 0.4's files (before
     * {@code requires_grad} was pickled), which 2.x's weights-only unpickler allows: the view, not requiring grad.
     */
    private Tensor rebuildTensorV1(List<?> args) throws IOException {
        if (args.size() != 4 || !(args.get(0) instanceof Tensor) || !(args.get(1) instanceof Long)
                || !(args.get(2) instanceof List) || !(args.get(3) instanceof List)) {
            throw error("torch._utils._rebuild_tensor called with arguments other than (storage, int, tuple, tuple)");
        }
        if (quantizedStorages.containsKey(args.get(0))) {
            throw error("torch._utils._rebuild_tensor over a quantized storage (" + quantizedStorages.get(args.get(0))
                    + "): a quantized tensor is rebuilt by torch._utils._rebuild_qtensor");
        }
        return view(args);
    }

    /**
     * {@code _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype[, metadata])},
     * 2.x's rebuild of the dtypes it pickles over an {@code UntypedStorage} (its bytes, read as uint8 as 2.x's
     * persistent_load reads one): {@code torch.empty(0, dtype=dtype).set_(storage, offset, size, stride)}. Ember holds
     * the 8-bit float types among them (and uint8 itself); offset and strides count elements, one byte each.
     */
    private Tensor rebuildTensorV3(List<?> args) throws IOException {
        if (args.size() != 7 && args.size() != 8) {
            throw error("torch._utils._rebuild_tensor_v3 called with " + args.size() + " arguments, not 7 or 8");
        }
        if (args.get(6) instanceof Unsupported) { // 2.x saves a complex32 or bits8 tensor this way
            throw error("the file holds a tensor of " + ((Unsupported) args.get(6)).what() + ", which Ember cannot represent");
        }
        if (!(args.get(0) instanceof Tensor) || !(args.get(1) instanceof Long) || !(args.get(2) instanceof List)
                || !(args.get(3) instanceof List) || !(args.get(4) instanceof Boolean) || !(args.get(5) instanceof Map)
                || !(args.get(6) instanceof DType) || args.size() == 8 && args.get(7) != null && !(args.get(7) instanceof Map)) {
            throw error("torch._utils._rebuild_tensor_v3 called with arguments other than (storage, int, tuple, tuple, bool, "
                    + "OrderedDict, dtype[, dict])");
        }
        DType dtype = (DType) args.get(6);
        Tensor storage = (Tensor) args.get(0);
        if (storage.dtype() != DType.UINT8 || quantizedStorages.containsKey(storage)
                || !(dtype.isFloat8() || dtype == DType.UINT8 || dtype.isBarebonesUnsigned())) {
            throw error("torch._utils._rebuild_tensor_v3 of a " + dtype.torchName() + " tensor over a "
                    + storage.dtype().torchName() + " storage: Ember rebuilds the 8-bit float types and uint16, uint32 "
                    + "and uint64 over an UntypedStorage");
        }
        if (dtype.isBarebonesUnsigned()) {
            // the storage's bytes as little-endian words of the type; offset, sizes and strides count those words
            Tensor words = words(storage, dtype);
            java.util.List<Object> wordArgs = new java.util.ArrayList<>(args);
            wordArgs.set(0, words);
            Tensor t = view(wordArgs);
            if ((Boolean) args.get(4)) {
                throw error("a " + dtype.torchName() + " tensor that requires grad: only floating point and complex "
                        + "tensors can require gradients");
            }
            return t;
        }
        Tensor bytes = view(args);
        Tensor t = standIns ? standIn(dtype, bytes.shape()) : bytes.view(dtype);
        if ((Boolean) args.get(4)) {
            t.setRequiresGrad(true); // the fp8 types are floating (is_floating_point), so they may
        }
        return t;
    }

    /**
     * {@code _rebuild_qtensor(storage, storage_offset, size, stride, quantizer_params, requires_grad, backward_hooks)}
     * over a {@code QInt8Storage}, {@code QUInt8Storage} or {@code QInt32Storage}: a
     * {@link dev.ember.ao.quantization.QuantizedTensor}, {@code quantizer_params} {@code (torch.per_tensor_affine,
     * scale, zero_point)} or {@code (torch.per_channel_affine, scales, zero_points, axis)}, checked as
     * {@code torch._make_per_tensor_quantized_tensor} / {@code _make_per_channel_quantized_tensor} check them.
     */
    private Object rebuildQuantized(List<?> args) throws IOException {
        if (standIns) {
            throw new DataNeeded("a quantized tensor");
        }
        if (args.size() != 7 || !(args.get(0) instanceof Tensor) || !(args.get(1) instanceof Long)
                || !(args.get(2) instanceof List) || !(args.get(3) instanceof List) || !isTuple(args.get(4))
                || !(args.get(5) instanceof Boolean) || !(args.get(6) instanceof Map)) {
            throw error("torch._utils._rebuild_qtensor called with arguments other than (storage, int, tuple, tuple, "
                    + "tuple, bool, OrderedDict)");
        }
        dev.ember.ao.quantization.QuantDType type = quantizedStorages.get(args.get(0));
        if (type == null) {
            throw error("torch._utils._rebuild_qtensor over a storage of " + ((Tensor) args.get(0)).dtype().torchName()
                    + ", not a quantized one");
        }
        if ((Boolean) args.get(5)) {
            throw error("a quantized tensor requires grad; only Tensors of floating point dtype can require gradients");
        }
        List<?> q = (List<?>) args.get(4);
        Object scheme = q.isEmpty() ? null : q.get(0);
        if (type == dev.ember.ao.quantization.QuantDType.QUINT4X2) {
            return rebuildQuint4x2(args, q);
        }
        Tensor ints = view(args);
        try {
            if (scheme == dev.ember.ao.quantization.QScheme.PER_TENSOR_AFFINE && q.size() == 3
                    && q.get(1) instanceof Double && q.get(2) instanceof Long) {
                return dev.ember.ao.quantization.QuantizedTensor.makePerTensorQuantizedTensor(ints, (Double) q.get(1),
                    (Long) q.get(2));
            }
            if (scheme == dev.ember.ao.quantization.QScheme.PER_CHANNEL_AFFINE && q.size() == 4
                    && q.get(1) instanceof Tensor && q.get(2) instanceof Tensor && q.get(3) instanceof Long
                    && (Long) q.get(3) >= 0 && (Long) q.get(3) < ints.dim()) {
                return dev.ember.ao.quantization.QuantizedTensor.makePerChannelQuantizedTensor(ints, (Tensor) q.get(1),
                    (Tensor) q.get(2), (int) (long) (Long) q.get(3));
            }
        } catch (IllegalArgumentException e) {
            throw error("a quantized tensor of the file is invalid: " + e.getMessage());
        }
        throw error("a quantized tensor's quantizer parameters are " + describe(scheme) + " with " + (q.size() - 1)
                + " values: Ember reads (torch.per_tensor_affine, float, int) and (torch.per_channel_affine, Tensor, "
                + "Tensor, int)");
    }

    /**
     * A quint4x2 tensor's {@code _rebuild_qtensor} arguments: its {@code QUInt4x2Storage} holds the packed bytes (two
     * values a byte, the even element in the low four bits), the size and stride are the tensor's, row-major from
     * offset 0 (the only layout PyTorch's quantized tensors are saved in); its parameters
     * {@code (torch.per_channel_affine, scales, zero_points, axis)} with float zero points, as PyTorch pickles a
     * {@code torch.per_channel_affine_float_qparams} tensor.
     */
    private Object rebuildQuint4x2(List<?> args, List<?> q) throws IOException {
        Tensor storage = (Tensor) args.get(0);
        List<?> size = (List<?>) args.get(2);
        List<?> stride = (List<?>) args.get(3);
        int[] sizes = new int[size.size()];
        long numel = 1;
        long expected = 1;
        boolean rowMajor = size.size() == stride.size() && (Long) args.get(1) == 0;
        for (int d = size.size() - 1; d >= 0; d--) {
            if (!(size.get(d) instanceof Long s) || s < 0 || s > Integer.MAX_VALUE) {
                throw error("a quint4x2 tensor's size " + size + " is not of int sizes");
            }
            sizes[d] = (int) (long) s;
            rowMajor &= s == 1 || stride.get(d) instanceof Long st && st == expected;
            try {
                numel = Math.multiplyExact(numel, s);
                expected = Math.multiplyExact(expected, Math.max(s, 1));
            } catch (ArithmeticException e) {
                throw error("a quint4x2 tensor of sizes " + size + " overflows 64-bit arithmetic");
            }
        }
        if (!rowMajor) {
            throw error("a quint4x2 tensor of size " + size + ", stride " + stride + " at offset " + args.get(1)
                    + ": Ember reads quint4x2 tensors row-major from offset 0");
        }
        long bytes = (numel + 1) / 2;
        if (bytes > storage.numel()) {
            throw error("a quint4x2 tensor of " + numel + " elements needs " + bytes + " bytes, its storage holds "
                    + storage.numel());
        }
        if (!(q.size() == 4 && q.get(0) == dev.ember.ao.quantization.QScheme.PER_CHANNEL_AFFINE && q.get(1) instanceof Tensor
                && q.get(2) instanceof Tensor z && z.dtype().isFloatingPoint() && q.get(3) instanceof Long axis
                && axis >= 0 && axis < sizes.length)) {
            throw error("a quint4x2 tensor's quantizer parameters are " + describe(q.isEmpty() ? null : q.get(0)) + " with "
                    + (q.size() - 1) + " values: Ember reads quint4x2 as (torch.per_channel_affine, Tensor, float Tensor, "
                    + "int), PyTorch's torch.per_channel_affine_float_qparams");
        }
        try (dev.ember.GradMode off = dev.ember.Ember.noGrad()) {
            Tensor packed = storage.reshape(-1).narrow(0, 0, (int) bytes).to(DType.INT32);
            Tensor low = packed.bitwiseAnd(15L);
            Tensor high = packed.bitwiseRightShift(4L).bitwiseAnd(15L);
            Tensor values = Tensor.stack(List.of(low, high), 1).reshape(-1).narrow(0, 0, (int) numel).reshape(sizes)
                .to(DType.UINT8);
            return dev.ember.ao.quantization.QuantizedTensor.makePerChannelQuantizedTensor(values, (Tensor) q.get(1),
                (Tensor) q.get(2), (int) (long) (Long) q.get(3), dev.ember.ao.quantization.QuantDType.QUINT4X2);
        } catch (IllegalArgumentException e) {
            throw error("a quantized tensor of the file is invalid: " + e.getMessage());
        }
    }

    /**
     * A tensor's size and stride tuples as ints, checked: as many strides as sizes, each entry an int from 0 to
     * {@code Integer.MAX_VALUE}.
     */
    private int[][] sizesAndStrides(List<?> size, List<?> stride) throws IOException {
        if (size.size() != stride.size()) {
            throw error("a tensor has " + size.size() + " sizes but " + stride.size() + " strides");
        }
        int[] sizes = new int[size.size()];
        int[] strides = new int[size.size()];
        for (int d = 0; d < sizes.length; d++) {
            if (!(size.get(d) instanceof Long s) || !(stride.get(d) instanceof Long st)) {
                throw error("a tensor's size or stride holds " + describe(size.get(d) instanceof Long ? stride.get(d)
                        : size.get(d)));
            }
            if (s < 0 || s > Integer.MAX_VALUE || st < 0 || st > Integer.MAX_VALUE) {
                throw error("a tensor's size " + s + " or stride " + st + " is out of range");
            }
            sizes[d] = (int) (long) s;
            strides[d] = (int) (long) st;
        }
        return new int[][] {sizes, strides};
    }

    /** The strided view {@code (storage, storage_offset, size, stride, ...)} names, checked to lie inside the storage. */
    /** An UntypedStorage's bytes (a uint8 tensor) as a 1-d tensor of the unsigned type's little-endian words. */
    private Tensor words(Tensor bytes, DType dtype) throws IOException {
        Map<DType, Tensor> byType = wordStorages.computeIfAbsent(bytes, k -> new java.util.EnumMap<>(DType.class));
        Tensor w = byType.get(dtype);
        if (w != null) {
            return w;
        }
        int item = dtype.itemSize();
        long n = bytes.numel();
        if (n % item != 0) {
            throw error("an UntypedStorage of " + n + " bytes holds no whole number of " + dtype.torchName() + " elements");
        }
        int count = (int) (n / item);
        if (standIns) {
            w = standIn(dtype, new int[] {count});
        } else {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes.toByteArray()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            Object a;
            if (dtype == DType.UINT16) {
                short[] s = new short[count];
                b.asShortBuffer().get(s);
                a = s;
            } else if (dtype == DType.UINT32) {
                int[] s = new int[count];
                b.asIntBuffer().get(s);
                a = s;
            } else {
                long[] s = new long[count];
                b.asLongBuffer().get(s);
                a = s;
            }
            w = Tensor.fromArray(a, dtype);
        }
        byType.put(dtype, w);
        return w;
    }

    private Tensor view(List<?> args) throws IOException {
        Tensor storage = (Tensor) args.get(0);
        List<?> size = (List<?>) args.get(2);
        List<?> stride = (List<?>) args.get(3);
        int[][] sizesAndStrides = sizesAndStrides(size, stride);
        int[] sizes = sizesAndStrides[0];
        int[] strides = sizesAndStrides[1];
        int rank = sizes.length;
        long numel = 1;
        long reach = (Long) args.get(1); // the last element's index in the storage
        if (reach < 0 || reach > Integer.MAX_VALUE) {
            throw error("a tensor's storage offset " + reach + " is out of range");
        }
        int offset = (int) reach;
        for (int d = 0; d < rank; d++) {
            long s = sizes[d];
            long st = strides[d];
            try {
                numel = Math.multiplyExact(numel, s);
                if (s > 0) {
                    reach = Math.addExact(reach, (s - 1) * st); // each product < 2^62
                }
            } catch (ArithmeticException e) {
                throw error("a tensor of sizes " + size + " and strides " + stride + " overflows 64-bit arithmetic");
            }
        }
        if (numel > 0 && reach >= storage.numel()) {
            throw error("a tensor of size " + Arrays.toString(sizes) + ", stride " + Arrays.toString(strides) + " at offset "
                    + offset + " reaches element " + reach + " of a storage of " + storage.numel());
        }
        return standIns ? standIn(storage.dtype(), sizes) : strided(storage, sizes, strides, offset).detach();
    }

    /**
     * The tensor a storage holds under a layout; a complex storage (its parts interleaved) through its real view, the
     * strides and offset doubled and the parts a last dimension of stride 1.
     */
    private static Tensor strided(Tensor storage, int[] sizes, int[] strides, int offset) {
        if (!storage.dtype().isComplex()) {
            return storage.asStrided(sizes, strides, offset);
        }
        int rank = sizes.length;
        int[] partSizes = Arrays.copyOf(sizes, rank + 1);
        int[] partStrides = new int[rank + 1];
        partSizes[rank] = 2;
        partStrides[rank] = 1;
        for (int d = 0; d < rank; d++) {
            partStrides[d] = Math.multiplyExact(strides[d], 2);
        }
        return storage.viewAsReal().asStrided(partSizes, partStrides, Math.multiplyExact(offset, 2)).viewAsComplex();
    }

    /** Python's name for what a value is. */
    static String describe(Object o) {
        if (o == null) {
            return "NoneType";
        }
        if (o instanceof Callable) {
            return ((Callable) o).path;
        }
        if (o instanceof StorageType) {
            return "torch." + ((StorageType) o).name();
        }
        if (o instanceof Unsupported) {
            return ((Unsupported) o).what();
        }
        if (o instanceof UserGlobal) {
            return ((UserGlobal) o).name();
        }
        if (o instanceof OrderedDictMap) {
            return "collections.OrderedDict";
        }
        if (o instanceof Map) {
            return "dict";
        }
        if (o instanceof ArrayList) {
            return "list";
        }
        if (o instanceof List) {
            return "tuple";
        }
        if (o instanceof Set) {
            return "set";
        }
        if (o instanceof String) {
            return "str";
        }
        if (o instanceof Long || o instanceof BigInteger) {
            return "int";
        }
        if (o instanceof Double) {
            return "float";
        }
        if (o instanceof Boolean) {
            return "bool";
        }
        if (o instanceof byte[]) {
            return "bytes";
        }
        if (o instanceof DType || o instanceof dev.ember.ao.quantization.QuantDType) {
            return "torch.dtype";
        }
        if (o instanceof dev.ember.ao.quantization.QScheme) {
            return "torch.qscheme";
        }
        if (o instanceof Tensor || o instanceof dev.ember.ao.quantization.QuantizedTensor) {
            return "Tensor";
        }
        return o.getClass().getSimpleName();
    }
}
