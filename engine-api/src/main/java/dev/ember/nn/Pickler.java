package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Tensor;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Pickle protocol 2 as CPython's pickler writes it for what {@code torch.save} writes: the same opcodes, the same
 * batching of list and dict items (1000 at a time), and the same memo, keyed by object identity as Python's is (a
 * string or tensor that is the same object twice is written once and fetched after), so a state dict pickles to the
 * bytes PyTorch writes for it. Tensors are handed to a function that gives their persistent id and arguments.
 */
final class Pickler {
    /** Python's default recursion limit bounds how deeply the pickler nests. */
    static final int MAX_DEPTH = 1000;
    private static final int BATCH = 1000;

    /** How a tensor pickles: {@code _rebuild_tensor_v2(persistent storage id, offset, size, stride, requires_grad, OrderedDict())}. */
    record TensorReduce(String storageKey, DType dtype, String location, long storageNumel, int offset, int[] size,
                        int[] stride, boolean requiresGrad) {
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Map<Object, Integer> memo = new IdentityHashMap<>();
    private final Map<String, Integer> globals = new HashMap<>();
    private final Function<Tensor, TensorReduce> tensors;

    Pickler(Function<Tensor, TensorReduce> tensors) {
        this.tensors = tensors;
    }

    /** The pickle of one object, ending in STOP. */
    static byte[] dump(Object obj, Function<Tensor, TensorReduce> tensors) {
        Pickler p = new Pickler(tensors);
        p.out.write(0x80);
        p.out.write(2);
        p.save(obj, 0);
        p.out.write('.');
        return p.out.toByteArray();
    }

    /** A memo opcode with its index: the 1-byte form below 256, else the 4-byte one (BINPUT/LONG_BINPUT, BINGET/LONG_BINGET). */
    private void memoOp(int small, int large, int index) {
        if (index < 256) {
            out.write(small);
            out.write(index);
        } else {
            out.write(large);
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(index).array());
        }
    }

    private void put(int index) {
        memoOp('q', 'r', index);
    }

    private void memoize(Object o) {
        int index = memo.size() + globals.size();
        memo.put(o, index);
        put(index);
    }

    private boolean fetched(Object o) {
        Integer index = o == null ? null : memo.get(o);
        if (index == null) {
            return false;
        }
        get(index);
        return true;
    }

    private void get(int index) {
        memoOp('h', 'j', index);
    }

    private void global(String module, String name) {
        String key = module + "\n" + name;
        Integer index = globals.get(key);
        if (index != null) {
            get(index);
            return;
        }
        out.write('c');
        out.writeBytes((key + "\n").getBytes(StandardCharsets.UTF_8));
        index = memo.size() + globals.size();
        globals.put(key, index);
        put(index);
    }

    private void save(Object o, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("the object nests deeper than " + MAX_DEPTH + " levels (Python's recursion limit)");
        }
        if (o == null) {
            out.write('N');
        } else if (o instanceof Boolean) {
            out.write((Boolean) o ? 0x88 : 0x89);
        } else if (o instanceof Long || o instanceof Integer || o instanceof Short || o instanceof Byte) {
            integer(((Number) o).longValue());
        } else if (o instanceof BigInteger) {
            BigInteger b = (BigInteger) o;
            if (b.bitLength() < 64) {
                integer(b.longValue());
            } else {
                long1(b);
            }
        } else if (o instanceof Double || o instanceof Float) {
            out.write('G');
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putDouble(((Number) o).doubleValue()).array());
        } else if (fetched(o)) {
            return;
        } else if (o instanceof String) {
            string((String) o);
        } else if (o instanceof Tensor) {
            tensor((Tensor) o, depth);
        } else if (o instanceof dev.ember.sparse.SparseTensor) {
            sparse((dev.ember.sparse.SparseTensor) o, depth);
        } else if (o instanceof dev.ember.sparse.SparseCsrTensor) {
            compressed((dev.ember.sparse.SparseCsrTensor) o, depth);
        } else if (o instanceof dev.ember.ao.quantization.QuantizedTensor) {
            quantized((dev.ember.ao.quantization.QuantizedTensor) o, depth);
        } else if (o instanceof dev.ember.ao.quantization.QuantDType) {
            String name = o.toString();
            global("torch", name.substring("torch.".length()));
        } else if (o instanceof dev.ember.ao.quantization.QScheme) {
            String name = o.toString();
            global("torch", name.substring("torch.".length()));
        } else if (o instanceof Unpickler.Tuple) {
            tuple((List<?>) o, depth);
        } else if (o instanceof DType) {
            String name = ((DType) o).torchName();
            global("torch", name.substring("torch.".length()));
        } else if (o instanceof byte[]) {
            // protocol 2 has no bytes opcode: _codecs.encode(latin-1 text, 'latin1'), as Python writes it
            global("_codecs", "encode");
            byte[] b = (byte[]) o;
            char[] c = new char[b.length];
            for (int i = 0; i < b.length; i++) {
                c[i] = (char) (b[i] & 0xFF);
            }
            save(new String(c), depth + 1);
            save("latin1", depth + 1);
            out.write(0x86); // TUPLE2
            memoize(new Object());
            out.write('R');
            memoize(o);
        } else if (o instanceof Unpickler.OrderedDictMap) {
            global("collections", "OrderedDict");
            out.write(')');
            out.write('R');
            memoize(o);
            items((Map<?, ?>) o, depth);
            Map<String, Long> versions = ((Unpickler.OrderedDictMap) o).versions;
            if (versions != null) {
                metadata(versions, depth);
            }
        } else if (o instanceof Map) {
            out.write('}');
            memoize(o);
            items((Map<?, ?>) o, depth);
        } else if (o instanceof List) {
            out.write(']');
            memoize(o);
            List<?> l = (List<?>) o;
            for (int from = 0; from < l.size(); from += BATCH) {
                int n = Math.min(BATCH, l.size() - from);
                if (n > 1) {
                    out.write('(');
                }
                for (int i = from; i < from + n; i++) {
                    save(l.get(i), depth + 1);
                }
                out.write(n > 1 ? 'e' : 'a');
            }
        } else {
            throw new IllegalArgumentException("cannot save a " + o.getClass().getName() + ": Ember writes Tensor, "
                    + "QuantizedTensor, SparseTensor, SparseCsrTensor, Map, List, String, integers, Double, Float, Boolean, "
                    + "DType, QuantDType, QScheme, byte[] and null");
        }
    }

    /**
     * A state dict's attributes, as {@code OrderedDict.__reduce__} gives them after the items: {@code BUILD} with
     * {@code {'_metadata': OrderedDict([(prefix, {'version': n}), ...])}}, the one string {@code 'version'} fetched from
     * the memo after its first use, as Python's interned literal is.
     */
    private void metadata(Map<String, Long> versions, int depth) {
        out.write('}');
        memoize(new Object());
        string("_metadata");
        String version = "version"; // one object: written once, then fetched, as Python's interned literal
        Unpickler.OrderedDictMap metadata = new Unpickler.OrderedDictMap();
        versions.forEach((prefix, v) -> {
            Map<Object, Object> entry = new java.util.LinkedHashMap<>();
            entry.put(version, v);
            metadata.put(new String(prefix), entry);
        });
        save(metadata, depth + 1);
        out.write('s');
        out.write('b');
    }

    /** A tuple: EMPTY_TUPLE, TUPLE1-3 after its items, or MARK, items, TUPLE; then memoized, as Python's save_tuple. */
    private void tuple(List<?> items, int depth) {
        if (items.isEmpty()) {
            out.write(')');
            return;
        }
        if (items.size() > 3) {
            out.write('(');
        }
        for (Object item : items) {
            save(item, depth + 1);
        }
        out.write(items.size() > 3 ? 't' : 0x84 + items.size());
        memoize(items);
    }

    /**
     * A quantized tensor as PyTorch pickles one: {@code _rebuild_qtensor(storage, offset, size, stride,
     * quantizer_params, False, OrderedDict())}, its integers in a {@code QInt8Storage} ({@code QUInt8Storage},
     * {@code QInt32Storage}, {@code QUInt4x2Storage} of packed bytes); {@code quantizer_params}
     * {@code (torch.per_tensor_affine, scale, zero_point)} or {@code (torch.per_channel_affine, scales, zero_points,
     * axis)}, float zero points for {@code torch.per_channel_affine_float_qparams}, as PyTorch writes them.
     */
    private void quantized(dev.ember.ao.quantization.QuantizedTensor q, int depth) {
        Tensor ints = q.intRepr();
        TensorReduce r = tensors.apply(ints);
        if (q.dtype() == dev.ember.ao.quantization.QuantDType.QUINT4X2) {
            // the packed bytes are the storage; the size and stride are the tensor's own, row-major
            int[] shape = q.shape();
            int[] stride = new int[shape.length];
            int step = 1;
            for (int d = shape.length - 1; d >= 0; d--) {
                stride[d] = step;
                step *= Math.max(shape[d], 1);
            }
            r = new TensorReduce(r.storageKey(), r.dtype(), r.location(), r.storageNumel(), 0, shape, stride, false);
        }
        global("torch._utils", "_rebuild_qtensor");
        out.write('(');
        String type = switch (q.dtype()) {
            case QINT8 -> "QInt8Storage";
            case QUINT8 -> "QUInt8Storage";
            case QINT32 -> "QInt32Storage";
            case QUINT4X2 -> "QUInt4x2Storage";
            default -> throw new IllegalArgumentException("cannot save a quantized tensor of " + q.dtype());
        };
        view(r, type, depth);
        if (q.qscheme() == dev.ember.ao.quantization.QScheme.PER_TENSOR_AFFINE) {
            save(q.qscheme(), depth + 1);
            save(q.qScale(), depth + 1);
            integer(q.qZeroPoint());
            out.write(0x87); // TUPLE3
        } else {
            out.write('(');
            save(dev.ember.ao.quantization.QScheme.PER_CHANNEL_AFFINE, depth + 1); // float qparams too, as PyTorch
            save(q.qPerChannelScales(), depth + 1);
            save(q.qPerChannelZeroPoints(), depth + 1);
            integer(q.qPerChannelAxis());
            out.write('t');
        }
        memoize(new Object());
        out.write(0x89); // requires_grad False
        hooksAndClose();
        out.write('R');
        memoize(q);
    }

    private void items(Map<?, ?> m, int depth) {
        List<? extends Map.Entry<?, ?>> entries = List.copyOf(m.entrySet());
        for (int from = 0; from < entries.size(); from += BATCH) {
            int n = Math.min(BATCH, entries.size() - from);
            if (n > 1) {
                out.write('(');
            }
            for (int i = from; i < from + n; i++) {
                save(entries.get(i).getKey(), depth + 1);
                save(entries.get(i).getValue(), depth + 1);
            }
            out.write(n > 1 ? 'u' : 's');
        }
    }

    private void integer(long v) {
        if (v >= 0 && v <= 0xFF) {
            out.write('K');
            out.write((int) v);
        } else if (v >= 0 && v <= 0xFFFF) {
            out.write('M');
            out.write((int) v & 0xFF);
            out.write((int) (v >>> 8));
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            out.write('J');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        } else {
            long1(BigInteger.valueOf(v));
        }
    }

    /** LONG1: the shortest two's-complement little-endian bytes, as pickle's encode_long. */
    private void long1(BigInteger v) {
        byte[] be = v.toByteArray();
        if (be.length > 255) {
            throw new IllegalArgumentException("an integer of " + be.length + " bytes is beyond what protocol 2's LONG1 holds");
        }
        out.write(0x8a);
        out.write(be.length);
        for (int i = be.length - 1; i >= 0; i--) {
            out.write(be[i]);
        }
    }

    private void string(String s) {
        if (!Json.validUnicode(s)) {
            throw new IllegalArgumentException("the string " + Json.quoted(s) + " is not valid Unicode (unpaired surrogate)");
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        out.writeBytes(b);
        memoize(s);
    }

    /** An int tuple: EMPTY_TUPLE, TUPLE1-3, or MARK ... TUPLE; a non-empty one memoized as a new object. */
    private void intTuple(int[] v) {
        if (v.length == 0) {
            out.write(')');
            return;
        }
        if (v.length > 3) {
            out.write('(');
        }
        for (int x : v) {
            integer(x);
        }
        out.write(v.length > 3 ? 't' : 0x84 + v.length);
        memoize(new Object());
    }

    /**
     * A tensor's storage and view: the persistent id {@code ('storage', torch.XStorage, key, location, numel)} (a fresh
     * tuple each time), the offset, size and stride.
     */
    private void view(TensorReduce r, String storageType, int depth) {
        out.write('(');
        save(STORAGE, depth + 1);
        global("torch", storageType);
        save(r.storageKey(), depth + 1);
        save(r.location(), depth + 1);
        integer(r.storageNumel());
        out.write('t');
        memoize(new Object());
        out.write('Q');
        integer(r.offset());
        intTuple(r.size());
        intTuple(r.stride());
    }

    /** The backward hooks (a new, empty OrderedDict) that end a rebuild's arguments, and the arguments' tuple. */
    private void hooksAndClose() {
        global("collections", "OrderedDict");
        out.write(')');
        out.write('R');
        memoize(new Object());
        out.write('t');
        memoize(new Object());
    }

    private void tensor(Tensor t, int depth) {
        if (t.isMeta()) {
            metaTensor(t, depth);
            return;
        }
        TensorReduce r = tensors.apply(t);
        if (r.dtype().isFloat8() || r.dtype().isBarebonesUnsigned()) {
            // 2.x's _reduce_ex_internal for torch.storage._new_dtypes() (the fp8 and the 2.3 unsigned types among them):
            // _rebuild_tensor_v3(UntypedStorage, offset, size, stride, requires_grad, hooks, dtype)
            global("torch._utils", "_rebuild_tensor_v3");
            out.write('(');
            view(r, "UntypedStorage", depth);
            out.write(r.requiresGrad() ? 0x88 : 0x89);
            global("collections", "OrderedDict");
            out.write(')');
            out.write('R');
            memoize(new Object());
            global("torch", r.dtype().torchName().substring("torch.".length()));
            out.write('t');
            memoize(new Object());
            out.write('R');
            memoize(t);
            return;
        }
        global("torch._utils", "_rebuild_tensor_v2");
        out.write('(');
        view(r, Unpickler.storageName(r.dtype()), depth);
        out.write(r.requiresGrad() ? 0x88 : 0x89);
        hooksAndClose();
        out.write('R');
        memoize(t);
    }

    /**
     * A meta tensor as PyTorch pickles one (torch/_tensor.py's {@code _reduce_ex_internal}, 1.13 and 2.x):
     * {@code _rebuild_meta_tensor_no_storage(dtype, size, stride, requires_grad)}, no storage and no data.
     */
    private void metaTensor(Tensor t, int depth) {
        global("torch._utils", "_rebuild_meta_tensor_no_storage");
        out.write('(');
        save(t.dtype(), depth + 1);
        intTuple(t.shape());
        intTuple(t.stride());
        out.write(t.requiresGrad() ? 0x88 : 0x89);
        out.write('t');
        memoize(new Object());
        out.write('R');
        memoize(t);
    }

    /**
     * A sparse COO tensor as PyTorch 2.x pickles one (torch/_tensor.py since 2.1):
     * {@code _rebuild_sparse_tensor(_get_layout('torch.sparse_coo'), (indices, values, torch.Size(size),
     * is_coalesced))}, the flag kept, so a coalesced tensor loads coalesced (1.13 wrote no flag and cannot load this
     * form; 2.x loads both).
     */
    private void sparse(dev.ember.sparse.SparseTensor s, int depth) {
        global("torch._utils", "_rebuild_sparse_tensor");
        layout(dev.ember.sparse.Layout.SPARSE_COO, "torch.sparse_coo", depth);
        out.write('('); // MARK: the data is a 4-tuple
        save(s._indices(), depth + 1);
        save(s._values(), depth + 1);
        torchSize(s.shape());
        out.write(s.isCoalesced() ? 0x88 : 0x89); // NEWTRUE / NEWFALSE
        out.write('t');
        memoize(new Object());
        out.write(0x86); // TUPLE2: (layout, data)
        memoize(new Object());
        out.write('R');
        memoize(s);
    }

    /**
     * A sparse CSR (or CSC) tensor as PyTorch 2.x pickles one: {@code _rebuild_sparse_tensor(_get_layout(
     * 'torch.sparse_csr'), (crow_indices, col_indices, values, torch.Size(size)))} (CSC: {@code ccol_indices,
     * row_indices}). 1.13 wrote {@code _rebuild_sparse_csr_tensor} instead (which Ember reads too).
     */
    private void compressed(dev.ember.sparse.SparseCsrTensor s, int depth) {
        global("torch._utils", "_rebuild_sparse_tensor");
        boolean csr = s.layout() == dev.ember.sparse.Layout.SPARSE_CSR;
        layout(s.layout(), csr ? "torch.sparse_csr" : "torch.sparse_csc", depth);
        out.write('('); // MARK: the data is a 4-tuple
        save(csr ? s.crowIndices() : s.ccolIndices(), depth + 1);
        save(csr ? s.colIndices() : s.rowIndices(), depth + 1);
        save(s.values(), depth + 1);
        torchSize(s.shape());
        out.write('t');
        memoize(new Object());
        out.write(0x86); // TUPLE2: (layout, data)
        memoize(new Object());
        out.write('R');
        memoize(s);
    }

    /** A layout, {@code _get_layout(name)}: one object, pickled once and then fetched from the memo. */
    private void layout(dev.ember.sparse.Layout layout, String name, int depth) {
        if (!fetched(layout)) {
            global("torch.serialization", "_get_layout");
            save(new String(name), depth + 1);
            out.write(0x85); // TUPLE1
            memoize(new Object());
            out.write('R');
            memoize(layout);
        }
    }

    /** {@code torch.Size(size)}. */
    private void torchSize(int[] size) {
        global("torch", "Size");
        intTuple(size);
        out.write(0x85);
        memoize(new Object());
        out.write('R');
        memoize(new Object());
    }

    /** One string object for every persistent id, as Python's interned literal is. */
    private static final String STORAGE = "storage";
}
