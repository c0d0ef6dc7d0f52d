package dev.ember;

import dev.ember.backend.Layout;
import dev.ember.nn.Functional;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * LSTM and GRU as PyTorch's CPU computes them (aten/src/ATen/native/RNN.cpp, the {@code _rnn_impl} path that 2.x runs
 * for GRU and RNN, for float64 and for an LSTM with projections or packed data): compositions of Ember ops, so every
 * node is the one PyTorch's composition records and the backward is autograd's. A recorded float32 LSTM without
 * projection takes 2.x's oneDNN path instead ({@link FusedLstmLayers}). A layer applies {@code linear(input, w_ih, b_ih)} to the whole
 * sequence at once, unbinds it into steps, runs the cell over them ({@code linear(h, w_hh, b_hh)} added, the gates
 * chunked, {@code sigmoid}/{@code tanh}) and stacks the outputs (StackBackward0); a bidirectional layer concatenates the
 * two directions (CatBackward0); layers after the first get dropout in training; the final states are stacked. Packed
 * data (the {@code batch_sizes} overloads) runs through PyTorch's {@code PackedLayer}, {@code ReversedPackedLayer} and
 * {@code PackedBidirectionalLayer}: step {@code t} on the first {@code batch_sizes[t]} rows of the state.
 */
final class RecurrentOps {
    private RecurrentOps() {
    }

    /** One layer's weights in one direction, PyTorch's {@code CellParams}; the biases and the projection may be null. */
    /**
     * {@code noGraph}: the layer's steps record no graph (no autocast either), so the cells may run fused
     * ({@link #fusedLstm}, {@link #fusedGru}) and {@code packedHh} (W_hh packed for the steps, or null) may serve
     * {@code linear_hh}.
     */
    private record CellParams(Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh, Tensor wHr, boolean noGraph,
                              PackedLinear packedHh) {
        CellParams(Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh, Tensor wHr) {
            this(wIh, wHh, bIh, bHh, wHr, false, null);
        }

        Tensor linearIh(Tensor x) {
            return Functional.linear(x, wIh, bIh);
        }

        Tensor linearHh(Tensor h) {
            Tensor packed = packedHh == null ? null : packedHh.apply(h);
            return packed != null ? packed : Functional.linear(h, wHh, bHh);
        }

        /** LSTM's projection of the hidden state ({@code matmul(h, w_hr.t())}), or h itself. */
        Tensor matmulHr(Tensor h) {
            return wHr == null ? h : h.matmul(wHr.t());
        }
    }

    /** A cell: the next state (h, or h and c) from a step's input (already {@code linear_ih}'s when precomputed). */
    private interface Cell {
        Tensor[] step(Tensor input, Tensor[] hidden, CellParams p, boolean precomputed);
    }

    /**
     * PyTorch's {@code LSTMCell} on the CPU: {@code gates = linear_hh(h) + linear_ih(x)}, chunked into the input,
     * forget, cell and output gates; {@code c' = f * c + i * g}, {@code h' = o * tanh(c')} (projected when there is a
     * projection).
     */
    private static final Cell LSTM = (input, hidden, p, precomputed) -> {
        Tensor hh = p.linearHh(hidden[0]);
        Tensor ih = precomputed ? input : p.linearIh(input);
        Tensor[] fused = p.noGraph() ? fusedLstm(hh, ih, hidden[1]) : null;
        if (fused != null) {
            return new Tensor[] {p.matmulHr(fused[0]), fused[1]};
        }
        Tensor gates = hh.add(ih);
        List<Tensor> chunks = gates.chunk(4, 1);
        Tensor ingate = chunks.get(0).sigmoid();
        Tensor forgetgate = chunks.get(1).sigmoid();
        Tensor cellgate = chunks.get(2).tanh();
        Tensor outgate = chunks.get(3).sigmoid();
        Tensor cy = forgetgate.mul(hidden[1]).add(ingate.mul(cellgate));
        Tensor hy = p.matmulHr(outgate.mul(cy.tanh()));
        return new Tensor[] {hy, cy};
    };

    /**
     * PyTorch's {@code GRUCell} on the CPU: the input and hidden gates chunked in three; {@code r = sigmoid(h_r + i_r)},
     * {@code z = sigmoid(h_z + i_z)}, {@code n = tanh(i_n + h_n * r)}, {@code h' = (h - n) * z + n}.
     */
    private static final Cell GRU = (input, hidden, p, precomputed) -> {
        Tensor ih = precomputed ? input : p.linearIh(input);
        Tensor hh = p.linearHh(hidden[0]);
        Tensor fused = p.noGraph() ? fusedGru(ih, hh, hidden[0]) : null;
        if (fused != null) {
            return new Tensor[] {fused};
        }
        List<Tensor> igates = ih.chunk(3, 1);
        List<Tensor> hgates = hh.chunk(3, 1);
        Tensor resetgate = hgates.get(0).add(igates.get(0)).sigmoid();
        Tensor inputgate = hgates.get(1).add(igates.get(1)).sigmoid();
        Tensor newgate = igates.get(2).add(hgates.get(2).mul(resetgate)).tanh();
        return new Tensor[] {hidden[0].sub(newgate).mul(inputgate).add(newgate)};
    };

    /** Whether a step's operand suits the fused cells: float32 {@code [rows, width]} on the CPU kinds, rows contiguous. */
    private static boolean fusable(Tensor t, int rows, long width) {
        return t.dim() == 2 && t.dtype() == DType.FLOAT32 && t.size(0) == rows && t.size(1) == width
                && (width <= 1 || t.layout().stride(1) == 1);
    }

    /**
     * The LSTM cell's pointwise part in one backend kernel ({@link dev.ember.backend.Backend#lstmCellPointwise}, the
     * composition's bits) for a step that records no graph: {@code (h', c')} before the projection, or null where the
     * backend or the operands do not suit it (the caller composes the ops).
     */
    private static Tensor[] fusedLstm(Tensor hh, Tensor ih, Tensor c) {
        if (!hh.backend.fusedRnnCells() || c.dim() != 2 || !hh.device().equals(ih.device())
                || !hh.device().equals(c.device())) {
            return null;
        }
        int rows = c.size(0);
        int h = c.size(1);
        if (!fusable(c, rows, h) || !fusable(hh, rows, 4L * h) || !fusable(ih, rows, 4L * h)) {
            return null;
        }
        Tensor hy = Creation.empty(new int[] {rows, h}, DType.FLOAT32, c.device());
        Tensor cy = Creation.empty(new int[] {rows, h}, DType.FLOAT32, c.device());
        hh.backend.lstmCellPointwise(hh.storage(), hh.layout(), ih.storage(), ih.layout(), c.storage(), c.layout(),
                hy.storage(), hy.layout(), cy.storage(), cy.layout(), null, null);
        return new Tensor[] {hy, cy};
    }

    /** The GRU cell's pointwise part in one backend kernel, as {@link #fusedLstm}: h', or null. */
    private static Tensor fusedGru(Tensor ih, Tensor hh, Tensor hx) {
        if (!hh.backend.fusedRnnCells() || hx.dim() != 2 || !hh.device().equals(ih.device())
                || !hh.device().equals(hx.device())) {
            return null;
        }
        int rows = hx.size(0);
        int h = hx.size(1);
        if (!fusable(hx, rows, h) || !fusable(hh, rows, 3L * h) || !fusable(ih, rows, 3L * h)) {
            return null;
        }
        Tensor hy = Creation.empty(new int[] {rows, h}, DType.FLOAT32, hx.device());
        hh.backend.gruCellPointwise(ih.storage(), ih.layout(), hh.storage(), hh.layout(), hx.storage(), hx.layout(),
                hy.storage());
        return hy;
    }

    /**
     * PyTorch's {@code SimpleCell<tanh_f>} ({@code rnn_tanh} and {@code rnn_tanh_cell}):
     * {@code h' = tanh(linear_hh(h) + linear_ih(x))} (TanhBackward0 over AddBackward0).
     */
    private static final Cell RNN_TANH = (input, hidden, p, precomputed) ->
            new Tensor[] {p.linearHh(hidden[0]).add(precomputed ? input : p.linearIh(input)).tanh()};

    /** PyTorch's {@code SimpleCell<relu_f>}: {@code h' = relu(linear_hh(h) + linear_ih(x))} (ReluBackward0). */
    private static final Cell RNN_RELU = (input, hidden, p, precomputed) ->
            new Tensor[] {p.linearHh(hidden[0]).add(precomputed ? input : p.linearIh(input)).relu()};

    /** PyTorch's {@code gather_params}: the flat weight list in groups of 2 to 5 per layer and direction. */
    private static List<CellParams> gatherParams(Tensor[] params, boolean hasBiases, boolean hasProjections) {
        int per = (hasBiases ? 4 : 2) + (hasProjections ? 1 : 0);
        if (params.length % per != 0) {
            throw new IllegalArgumentException("got an incorrect number of RNN parameters");
        }
        List<CellParams> out = new ArrayList<>();
        for (int i = 0; i < params.length; i += per) {
            Tensor bIh = hasBiases ? params[i + 2] : null;
            Tensor bHh = hasBiases ? params[i + 3] : null;
            Tensor wHr = hasProjections ? params[i + per - 1] : null;
            out.add(new CellParams(params[i], params[i + 1], bIh, bHh, wHr));
        }
        return out;
    }

    /** PyTorch's {@code check_attributes}: the hidden states and the parameters on the input's device. */
    private static void checkDevices(Tensor input, Tensor[] hiddens, Tensor[] params) {
        for (Tensor h : hiddens) {
            checkDevice(input, "hidden", h);
        }
        for (Tensor p : params) {
            checkDevice(input, "parameter", p);
        }
    }

    private static void checkDevice(Tensor input, String name, Tensor t) {
        if (!input.device.equals(t.device)) {
            throw new IllegalArgumentException("Input and " + name + " tensors are not at the same device, found input tensor at "
                    + input.device + " and " + name + " tensor at " + t.device);
        }
    }

    /** A layer's outputs and its final state (per direction: one entry, or two for a bidirectional layer). */
    private record LayerOutput(Tensor output, List<Tensor[]> finalHidden) {
    }

    /** The cell over a sequence of steps, returning each step's h and the last state. */
    private static List<Tensor> run(Cell cell, List<Tensor> steps, Tensor[][] hidden, CellParams p) {
        List<Tensor> outputs = new ArrayList<>(steps.size());
        // where no graph is recorded: the cells fused, W_hh packed once for all the steps (null where it does not apply)
        Tensor h = hidden[0][0];
        boolean noGraph = !steps.isEmpty() && noGraph(steps.get(0), p.wHh(), p.bHh(), p.wHr(), h,
                hidden[0].length > 1 ? hidden[0][1] : null);
        PackedLinear packed = !noGraph || steps.size() < 2 || h.dim() != 2 ? null : PackedLinear.of(p.wHh(), p.bHh(), h.size(0));
        CellParams params = !noGraph ? p : new CellParams(p.wIh(), p.wHh(), p.bIh(), p.bHh(), p.wHr(), true, packed);
        try {
            for (Tensor step : steps) {
                hidden[0] = cell.step(step, hidden[0], params, true);
                outputs.add(hidden[0][0]);
            }
        } finally {
            if (packed != null) {
                packed.close();
            }
        }
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException("Expected sequence length to be larger than 0 in RNN");
        }
        return outputs;
    }

    /** PyTorch's {@code FullLayer} on the CPU: {@code linear_ih} of the whole sequence, then the steps; stacked. */
    private static LayerOutput fullLayer(Cell cell, Tensor input, Tensor[] hidden, CellParams p) {
        Tensor[][] state = {hidden};
        List<Tensor> outputs = run(cell, p.linearIh(input).unbind(0), state, p);
        return new LayerOutput(Tensor.stack(outputs, 0), List.<Tensor[]>of(state[0]));
    }

    /** PyTorch's {@code FullBidirectionalLayer} on the CPU: forward, then backward over the reversed steps; concatenated. */
    private static LayerOutput bidirectionalLayer(Cell cell, Tensor input, Tensor[] fwHidden, Tensor[] revHidden,
                                                  CellParams fw, CellParams rev) {
        Tensor[][] fwState = {fwHidden};
        Tensor fwOutput = Tensor.stack(run(cell, fw.linearIh(input).unbind(0), fwState, fw), 0);
        List<Tensor> revSteps = new ArrayList<>(rev.linearIh(input).unbind(0));
        Collections.reverse(revSteps);
        Tensor[][] revState = {revHidden};
        List<Tensor> revOutputs = new ArrayList<>(run(cell, revSteps, revState, rev));
        Collections.reverse(revOutputs);
        Tensor revOutput = Tensor.stack(revOutputs, 0);
        return new LayerOutput(Tensor.cat(List.of(fwOutput, revOutput), fwOutput.dim() - 1), List.of(fwState[0], revState[0]));
    }

    /**
     * One LSTM layer in one direction ({@code reverse}: from the last step to the first, the output in time order) as
     * the composition of recorded ops, without projection: {@code [output, h_n, c_n]}. The double backward of
     * {@link FusedLstmLayers}' node differentiates this.
     */
    static Tensor[] composedLstmLayer(Tensor x, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh, Tensor hx, Tensor cx,
                                      boolean reverse) {
        CellParams p = new CellParams(wIh, wHh, bIh, bHh, null);
        List<Tensor> steps = new ArrayList<>(p.linearIh(x).unbind(0));
        if (reverse) {
            Collections.reverse(steps);
        }
        Tensor[][] state = {{hx, cx}};
        List<Tensor> outputs = new ArrayList<>(run(LSTM, steps, state, p));
        if (reverse) {
            Collections.reverse(outputs);
        }
        return new Tensor[] {Tensor.stack(outputs, 0), state[0][0], state[0][1]};
    }

    /** PyTorch's checks of a layer stack: hidden states and weights pair up by direction and count the layers. */
    private static void checkStack(List<Tensor[]> hiddens, List<CellParams> params, int numLayers, boolean bidirectional) {
        int directions = bidirectional ? 2 : 1;
        if (bidirectional && (hiddens.size() % 2 != 0 || params.size() % 2 != 0)) {
            throw new IllegalArgumentException("Odd number of params or hiddens given to a bidirectional RNN");
        }
        if (numLayers != hiddens.size() / directions) {
            throw new IllegalArgumentException("Expected more hidden states in stacked_rnn");
        }
        if (numLayers != params.size() / directions) {
            throw new IllegalArgumentException("Expected more weights in stacked_rnn");
        }
    }

    /**
     * PyTorch's {@code _rnn_impl}: the layers one after another, dropout on the outputs of all but the last in training;
     * returns the last layer's output and the final state of each layer and direction, in PyTorch's order.
     */
    private static LayerOutput layers(Cell cell, Tensor input, List<Tensor[]> hiddens, List<CellParams> params, int numLayers,
                                      double dropout, boolean train, boolean bidirectional) {
        checkStack(hiddens, params, numLayers, bidirectional);
        Tensor layerInput = input;
        List<Tensor[]> finals = new ArrayList<>();
        for (int l = 0; l < numLayers; l++) {
            LayerOutput out = bidirectional
                    ? bidirectionalLayer(cell, layerInput, hiddens.get(2 * l), hiddens.get(2 * l + 1), params.get(2 * l),
                            params.get(2 * l + 1))
                    : fullLayer(cell, layerInput, hiddens.get(l), params.get(l));
            finals.addAll(out.finalHidden());
            layerInput = out.output();
            if (dropout != 0 && train && l < numLayers - 1) {
                layerInput = Tensor.dropout(layerInput, dropout, true);
            }
        }
        return new LayerOutput(layerInput, finals);
    }

    private static void checkInput(Tensor input) {
        if (input.dim() != 3) {
            throw new IllegalArgumentException("input must have 3 dimensions, got " + input.dim());
        }
    }

    /** {@code t.transpose_(0, 1)} as PyTorch's GRU applies it to its output: the same storage, TransposeBackward1. */
    private static Tensor transposedInPlace(Tensor t) {
        int[] shape = t.shape.clone();
        int[] strides = t.layout.strides().clone();
        int s = shape[0];
        shape[0] = shape[1];
        shape[1] = s;
        int st = strides[0];
        strides[0] = strides[1];
        strides[1] = st;
        Tensor out = new Tensor(t.lease(), new Layout(shape, strides, t.layout.offset()), t.device, t.backend, t.version, t.dtype);
        return ArithmeticOps.record(out, "TransposeBackward1", new Tensor[] {t}, n -> g -> new Tensor[] {g.transpose(0, 1)});
    }

    /** Each layer-direction's {@code (h, c)} pair from the stacked initial states. */
    private static List<Tensor[]> lstmHiddens(Tensor h0, Tensor c0) {
        List<Tensor> hs = h0.unbind(0);
        List<Tensor> cs = c0.unbind(0);
        if (hs.size() != cs.size()) {
            throw new IllegalArgumentException("Expected more hidden states in stacked_rnn");
        }
        List<Tensor[]> hiddens = new ArrayList<>();
        for (int i = 0; i < hs.size(); i++) {
            hiddens.add(new Tensor[] {hs.get(i), cs.get(i)});
        }
        return hiddens;
    }

    /**
     * PyTorch's {@code torch.lstm(input, (h0, c0), params, has_biases, num_layers, dropout, train, bidirectional,
     * batch_first)}: {@code params} per layer and direction {@code w_ih, w_hh[, b_ih, b_hh][, w_hr]} (a projection when
     * {@code h0}'s last size differs from {@code c0}'s); batch first, the output is transposed back (TransposeBackward0,
     * as 2.x's {@code lstm}).
     */
    static RnnOutput lstm(Tensor input, Tensor h0, Tensor c0, Tensor[] params, boolean hasBiases, int numLayers,
                          double dropout, boolean train, boolean bidirectional, boolean batchFirst) {
        checkDevices(input, new Tensor[] {h0, c0}, params);
        boolean hasProjections = h0.size(2) != c0.size(2);
        checkInput(input);
        if (hasProjections) {
            FusedLstmLayers.warnProjections(input);
        }
        if (!hasProjections && FusedLstmLayers.applies(input, h0, c0, params, hasBiases, numLayers, bidirectional,
                batchFirst)) {
            return FusedLstmLayers.lstm(input, h0, c0, params, hasBiases, numLayers, dropout, train, bidirectional,
                    batchFirst);
        }
        Tensor x = batchFirst ? input.transpose(0, 1) : input;
        List<CellParams> cells = gatherParams(params, hasBiases, hasProjections);
        List<Tensor[]> hiddens = lstmHiddens(h0, c0);
        LayerOutput r = layers(LSTM, x, hiddens, cells, numLayers, dropout, train, bidirectional);
        List<Tensor> hy = new ArrayList<>();
        List<Tensor> cy = new ArrayList<>();
        for (Tensor[] h : r.finalHidden()) {
            hy.add(h[0]);
            cy.add(h[1]);
        }
        Tensor output = batchFirst ? r.output().transpose(0, 1) : r.output();
        return new RnnOutput(output, Tensor.stack(hy, 0), Tensor.stack(cy, 0));
    }

    /**
     * PyTorch's {@code torch.gru(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)}:
     * {@code params} per layer and direction {@code w_ih, w_hh[, b_ih, b_hh]}; batch first, the output is transposed back
     * in place (TransposeBackward1, as 2.x's GRU).
     */
    static RnnOutput gru(Tensor input, Tensor hx, Tensor[] params, boolean hasBiases, int numLayers, double dropout,
                         boolean train, boolean bidirectional, boolean batchFirst) {
        return oneHidden(GRU, input, hx, params, hasBiases, numLayers, dropout, train, bidirectional, batchFirst);
    }

    /**
     * PyTorch's {@code torch.rnn_tanh} / {@code torch.rnn_relu} (as {@code tanh} is true or false): the same
     * {@code ONE_HIDDEN_RNN} as {@link #gru} with a {@code SimpleCell}; {@code params} per layer and direction
     * {@code w_ih, w_hh[, b_ih, b_hh]}.
     */
    static RnnOutput rnn(boolean tanh, Tensor input, Tensor hx, Tensor[] params, boolean hasBiases, int numLayers,
                         double dropout, boolean train, boolean bidirectional, boolean batchFirst) {
        return oneHidden(tanh ? RNN_TANH : RNN_RELU, input, hx, params, hasBiases, numLayers, dropout, train, bidirectional,
                batchFirst);
    }

    /** PyTorch's {@code ONE_HIDDEN_RNN} on the CPU (GRU, RNN_TANH, RNN_RELU): batch first, transposed back in place. */
    private static RnnOutput oneHidden(Cell cell, Tensor input, Tensor hx, Tensor[] params, boolean hasBiases, int numLayers,
                                       double dropout, boolean train, boolean bidirectional, boolean batchFirst) {
        checkDevices(input, new Tensor[] {hx}, params);
        checkInput(input);
        Tensor x = batchFirst ? input.transpose(0, 1) : input;
        List<CellParams> cells = gatherParams(params, hasBiases, false);
        List<Tensor[]> hiddens = new ArrayList<>();
        for (Tensor h : hx.unbind(0)) {
            hiddens.add(new Tensor[] {h});
        }
        LayerOutput r = layers(cell, x, hiddens, cells, numLayers, dropout, train, bidirectional);
        List<Tensor> hy = new ArrayList<>();
        for (Tensor[] h : r.finalHidden()) {
            hy.add(h[0]);
        }
        Tensor output = batchFirst ? transposedInPlace(r.output()) : r.output();
        return new RnnOutput(output, Tensor.stack(hy, 0), null);
    }

    // ------------------------------------------------------------------ packed sequences (PackedLayer)

    /**
     * The batch sizes of a packed input, checked as far as the packed layers rely on them: a 1-D CPU int64 tensor of
     * positive, non-increasing sizes that add up to the data's rows (PyTorch's {@code PackedLayer} trusts them; a
     * {@link dev.ember.nn.utils.PackedSequence} made by {@code pack_padded_sequence} always passes).
     */
    private static long[] packedBatchSizes(Tensor data, Tensor batchSizes) {
        if (batchSizes.dim() != 1 || !batchSizes.device.equals(Device.CPU) || batchSizes.dtype() != DType.INT64) {
            throw new IllegalArgumentException("'batch_sizes' should be a 1D CPU int64 tensor, but got " + batchSizes.dim()
                    + "D " + batchSizes.device + " " + Format.scalarType(batchSizes.dtype()) + " tensor");
        }
        long[] bs = batchSizes.toLongArray();
        if (bs.length == 0) {
            throw new IllegalArgumentException("Expected sequence length to be larger than 0 in RNN");
        }
        long sum = 0;
        for (int i = 0; i < bs.length; i++) {
            if (bs[i] <= 0 || (i > 0 && bs[i] > bs[i - 1])) {
                throw new IllegalArgumentException("Expected batch_sizes to be positive and non-increasing, but got "
                        + java.util.Arrays.toString(bs));
            }
            sum += bs[i];
        }
        if (data.dim() != 2 || sum != data.size(0)) {
            throw new IllegalArgumentException("Expected the packed data to be 2-D with " + sum
                    + " rows (the sum of batch_sizes), but got shape " + java.util.Arrays.toString(data.shape()));
        }
        return bs;
    }

    /** PyTorch's {@code hidden_slice}: rows {@code [start, end)} of every part of a state. */
    private static Tensor[] hiddenSlice(Tensor[] hidden, long start, long end) {
        Tensor[] out = new Tensor[hidden.length];
        for (int k = 0; k < hidden.length; k++) {
            out[k] = hidden[k].narrow(0, (int) start, (int) (end - start));
        }
        return out;
    }

    /** PyTorch's {@code hidden_concat}: the parts of the states concatenated along the batch (CatBackward0). */
    private static Tensor[] hiddenConcat(List<Tensor[]> hiddens) {
        Tensor[] out = new Tensor[hiddens.get(0).length];
        for (int k = 0; k < out.length; k++) {
            List<Tensor> parts = new ArrayList<>(hiddens.size());
            for (Tensor[] h : hiddens) {
                parts.add(h[k]);
            }
            out[k] = Tensor.cat(parts, 0);
        }
        return out;
    }

    /**
     * PyTorch's {@code PackedLayer} on the CPU: {@code linear_ih} of all the packed rows at once, then step {@code t} on
     * the first {@code batch_sizes[t]} rows of the state; the rows of the sequences that have ended are put aside as
     * their final state, and the final states are concatenated back in the packed (sorted) order. The outputs are
     * concatenated (CatBackward0) into packed data.
     */
    private static LayerOutput packedLayer(Cell cell, Tensor data, long[] bs, Tensor[] inputHidden, CellParams p) {
        Tensor input = p.linearIh(data);
        List<Tensor> outputs = new ArrayList<>(bs.length);
        List<Tensor[]> hiddens = new ArrayList<>();
        long offset = 0;
        long last = bs[0];
        Tensor[] hidden = inputHidden;
        for (long b : bs) {
            Tensor step = input.narrow(0, (int) offset, (int) b);
            offset += b;
            long dec = last - b;
            if (dec > 0) {
                hiddens.add(hiddenSlice(hidden, last - dec, last));
                hidden = hiddenSlice(hidden, 0, last - dec);
            }
            last = b;
            hidden = cell.step(step, hidden, p, true);
            outputs.add(hidden[0]);
        }
        hiddens.add(hidden);
        Collections.reverse(hiddens);
        return new LayerOutput(Tensor.cat(outputs, 0), List.<Tensor[]>of(hiddenConcat(hiddens)));
    }

    /**
     * PyTorch's {@code ReversedPackedLayer} on the CPU: the steps from the last to the first, starting with the rows of
     * the sequences as long as the longest and adding each sequence's initial state at its own last step, so every
     * sequence runs backwards from its last real step. The outputs are put back in packed order and concatenated.
     */
    private static LayerOutput reversedPackedLayer(Cell cell, Tensor data, long[] bs, Tensor[] inputHidden, CellParams p) {
        Tensor input = p.linearIh(data);
        List<Tensor> outputs = new ArrayList<>(bs.length);
        long offset = data.size(0);
        long last = bs[bs.length - 1];
        Tensor[] hidden = hiddenSlice(inputHidden, 0, last);
        for (int i = bs.length - 1; i >= 0; i--) {
            long b = bs[i];
            if (b > last) {
                hidden = hiddenConcat(List.of(hidden, hiddenSlice(inputHidden, last, b)));
            }
            Tensor step = input.narrow(0, (int) (offset - b), (int) b);
            offset -= b;
            last = b;
            hidden = cell.step(step, hidden, p, true);
            outputs.add(hidden[0]);
        }
        Collections.reverse(outputs);
        return new LayerOutput(Tensor.cat(outputs, 0), List.<Tensor[]>of(hidden));
    }

    /** PyTorch's {@code PackedBidirectionalLayer}: both directions over the packed rows, concatenated along the features. */
    private static LayerOutput packedBidirectionalLayer(Cell cell, Tensor data, long[] bs, Tensor[] fwHidden,
                                                        Tensor[] revHidden, CellParams fw, CellParams rev) {
        LayerOutput f = packedLayer(cell, data, bs, fwHidden, fw);
        LayerOutput r = reversedPackedLayer(cell, data, bs, revHidden, rev);
        return new LayerOutput(Tensor.cat(List.of(f.output(), r.output()), 1),
                List.of(f.finalHidden().get(0), r.finalHidden().get(0)));
    }

    /**
     * PyTorch's {@code torch.lstm(data, batch_sizes, (h0, c0), params, has_biases, num_layers, dropout, train,
     * bidirectional)}, the packed overload: {@code data} {@code [sum(batch_sizes), input_size]}, {@code h0}/{@code c0}
     * in the packed (sorted) batch order; the output is packed data (CatBackward0) and the final states are each
     * sequence's at its last real step, in the packed order.
     */
    static RnnOutput lstmPacked(Tensor data, Tensor batchSizes, Tensor h0, Tensor c0, Tensor[] params, boolean hasBiases,
                                int numLayers, double dropout, boolean train, boolean bidirectional) {
        checkDevices(data, new Tensor[] {h0, c0}, params);
        long[] bs = packedBatchSizes(data, batchSizes);
        boolean hasProjections = h0.size(2) != c0.size(2);
        List<CellParams> cells = gatherParams(params, hasBiases, hasProjections);
        List<Tensor[]> hiddens = lstmHiddens(h0, c0);
        LayerOutput r = packedLayers(LSTM, data, bs, hiddens, cells, numLayers, dropout, train, bidirectional);
        List<Tensor> hy = new ArrayList<>();
        List<Tensor> cy = new ArrayList<>();
        for (Tensor[] h : r.finalHidden()) {
            hy.add(h[0]);
            cy.add(h[1]);
        }
        return new RnnOutput(r.output(), Tensor.stack(hy, 0), Tensor.stack(cy, 0));
    }

    /**
     * PyTorch's packed {@code torch.gru} / {@code torch.rnn_tanh} / {@code torch.rnn_relu} ({@code ONE_HIDDEN_RNN}
     * over a {@code PackedSequence}): as {@link #lstmPacked} with one state; {@code mode} is {@code "GRU"},
     * {@code "RNN_TANH"} or {@code "RNN_RELU"}.
     */
    static RnnOutput oneHiddenPacked(String mode, Tensor data, Tensor batchSizes, Tensor hx, Tensor[] params,
                                     boolean hasBiases, int numLayers, double dropout, boolean train, boolean bidirectional) {
        Cell cell = switch (mode) {
            case "GRU" -> GRU;
            case "RNN_TANH" -> RNN_TANH;
            case "RNN_RELU" -> RNN_RELU;
            default -> throw new IllegalArgumentException("Unknown mode " + mode);
        };
        checkDevices(data, new Tensor[] {hx}, params);
        long[] bs = packedBatchSizes(data, batchSizes);
        List<CellParams> cells = gatherParams(params, hasBiases, false);
        List<Tensor[]> hiddens = new ArrayList<>();
        for (Tensor h : hx.unbind(0)) {
            hiddens.add(new Tensor[] {h});
        }
        LayerOutput r = packedLayers(cell, data, bs, hiddens, cells, numLayers, dropout, train, bidirectional);
        List<Tensor> hy = new ArrayList<>();
        for (Tensor[] h : r.finalHidden()) {
            hy.add(h[0]);
        }
        return new RnnOutput(r.output(), Tensor.stack(hy, 0), null);
    }

    /** {@link #layers} over packed data: PyTorch's {@code apply_layer_stack} with the packed layers. */
    private static LayerOutput packedLayers(Cell cell, Tensor data, long[] bs, List<Tensor[]> hiddens,
                                            List<CellParams> params, int numLayers, double dropout, boolean train,
                                            boolean bidirectional) {
        checkStack(hiddens, params, numLayers, bidirectional);
        for (Tensor[] h : hiddens) {
            if (h[0].size(0) != bs[0]) {
                throw new IllegalArgumentException("Expected the hidden state's batch size to be batch_sizes[0] = " + bs[0]
                        + ", got " + h[0].size(0));
            }
        }
        Tensor layerInput = data;
        List<Tensor[]> finals = new ArrayList<>();
        for (int l = 0; l < numLayers; l++) {
            LayerOutput out = bidirectional
                    ? packedBidirectionalLayer(cell, layerInput, bs, hiddens.get(2 * l), hiddens.get(2 * l + 1),
                            params.get(2 * l), params.get(2 * l + 1))
                    : packedLayer(cell, layerInput, bs, hiddens.get(l), params.get(l));
            finals.addAll(out.finalHidden());
            layerInput = out.output();
            if (dropout != 0 && train && l < numLayers - 1) {
                layerInput = Tensor.dropout(layerInput, dropout, true);
            }
        }
        return new LayerOutput(layerInput, finals);
    }

    /** PyTorch's {@code check_rnn_cell_forward_input}. */
    private static void checkCellInput(Tensor input, int inputSize) {
        if (input.size(1) != inputSize) {
            throw new IllegalArgumentException("input has inconsistent input_size: got " + input.size(1) + " expected " + inputSize);
        }
    }

    /** PyTorch's {@code check_rnn_cell_forward_hidden}. */
    private static void checkCellHidden(Tensor input, Tensor hx, int hiddenSize, int label) {
        if (input.size(0) != hx.size(0)) {
            throw new IllegalArgumentException("Input batch size " + input.size(0) + " doesn't match hidden" + label
                    + " batch size " + hx.size(0));
        }
        if (hx.size(1) != hiddenSize) {
            throw new IllegalArgumentException("hidden" + label + " has inconsistent hidden_size: got " + hx.size(1)
                    + ", expected " + hiddenSize);
        }
    }

    /** PyTorch's {@code check_rnn_cell_forward_weights}. */
    private static void checkCellWeights(Tensor wIh, Tensor wHh, int gates, int hiddenSize) {
        long rows = (long) gates * hiddenSize;
        if (wIh.size(0) != rows) {
            throw new IllegalArgumentException("weight_ih first dim must be " + gates + " * hidden_size = " + rows + ", but got "
                    + wIh.size(0));
        }
        if (wHh.size(0) != rows) {
            throw new IllegalArgumentException("weight_hh first dim must be " + gates + " * hidden_size = " + rows + ", but got "
                    + wHh.size(0));
        }
    }

    /** PyTorch's {@code torch.lstm_cell(input, (hx, cx), w_ih, w_hh, b_ih, b_hh)} of a 2-D input; the biases may be null. */
    /** A cell's parameters for one call, marked {@code noGraph} (its pointwise part fused) where nothing records. */
    private static CellParams cellParams(Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh, Tensor input, Tensor hx,
                                         Tensor cx) {
        return new CellParams(wIh, wHh, bIh, bHh, null, noGraph(input, hx, cx, wIh, wHh, bIh, bHh), null);
    }

    /** Whether ops on these tensors record no graph (no node would be recorded) outside an autocast region. */
    private static boolean noGraph(Tensor... tensors) {
        return !Autocast.on() && !ArithmeticOps.needsGrad(tensors);
    }

    static LstmState lstmCell(Tensor input, Tensor hx, Tensor cx, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
        if (Autocast.on()) return Autocast.apply("lstm_cell", t -> lstmCell(t[0], t[1], t[2], t[3], t[4], t[5], t[6]),
                input, hx, cx, wIh, wHh, bIh, bHh);
        int hiddenSize = wHh.size(1);
        checkCellInput(input, wIh.size(1));
        checkCellWeights(wIh, wHh, 4, hiddenSize);
        checkCellHidden(input, hx, hiddenSize, 0);
        checkCellHidden(input, cx, hiddenSize, 1);
        Tensor[] out = LSTM.step(input, new Tensor[] {hx, cx}, cellParams(wIh, wHh, bIh, bHh, input, hx, cx), false);
        return new LstmState(out[0], out[1]);
    }

    /** PyTorch's {@code torch.gru_cell(input, hx, w_ih, w_hh, b_ih, b_hh)} of a 2-D input; the biases may be null. */
    static Tensor gruCell(Tensor input, Tensor hx, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
        if (Autocast.on()) return Autocast.apply("gru_cell", t -> gruCell(t[0], t[1], t[2], t[3], t[4], t[5]),
                input, hx, wIh, wHh, bIh, bHh);
        checkCellInput(input, wIh.size(1));
        checkCellHidden(input, hx, wHh.size(1), 0);
        checkCellWeights(wIh, wHh, 3, wHh.size(1));
        return GRU.step(input, new Tensor[] {hx}, cellParams(wIh, wHh, bIh, bHh, input, hx, null), false)[0];
    }

    /**
     * PyTorch's {@code torch.rnn_tanh_cell} / {@code torch.rnn_relu_cell(input, hx, w_ih, w_hh, b_ih, b_hh)} of a 2-D
     * input (as {@code tanh} is true or false); the biases may be null.
     */
    static Tensor rnnCell(boolean tanh, Tensor input, Tensor hx, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
        if (Autocast.on()) return Autocast.apply(tanh ? "rnn_tanh_cell" : "rnn_relu_cell",
                t -> rnnCell(tanh, t[0], t[1], t[2], t[3], t[4], t[5]), input, hx, wIh, wHh, bIh, bHh);
        checkCellInput(input, wIh.size(1));
        checkCellHidden(input, hx, wHh.size(1), 0);
        return (tanh ? RNN_TANH : RNN_RELU).step(input, new Tensor[] {hx}, new CellParams(wIh, wHh, bIh, bHh, null), false)[0];
    }
}
