package dev.ember;

import dev.ember.nn.Functional;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A recorded float32 LSTM as PyTorch 2.x runs it on the CPU: its oneDNN path ({@code lstm} takes it where
 * {@code use_mkldnn} holds, aten/src/ATen/native/mkldnn/RNN.cpp's {@code mkldnn_rnn}), one node
 * {@code MkldnnRnnLayerBackward0} per layer and direction instead of a dozen nodes per step. The graph is PyTorch's:
 * the input transposed when batch first and made contiguous, {@code h0} and {@code c0} made contiguous and selected per
 * layer and direction (SelectBackward0), each layer one {@code mkldnn_rnn_layer} node over
 * {@code (input, w_ih, w_hh, b_ih, b_hh, hx, cx)} with three differentiable outputs (output, h_n, c_n), the directions
 * concatenated (CatBackward0), dropout between layers in training, the final states stacked (StackBackward0) and the
 * output transposed back when batch first (TransposeBackward0).
 *
 * <p>The forward computes what the composition computes, bit for bit: {@code linear(x, w_ih, b_ih)} of the whole
 * sequence, {@code linear(h, w_hh, b_hh)} a step, and the cell's pointwise part in one kernel
 * ({@link dev.ember.backend.Backend#lstmCellPointwise}, the composition's bits), which also keeps the gate activations
 * and {@code tanh(c)} for the backward. The backward runs the steps in reverse with one pointwise kernel a step
 * ({@link dev.ember.backend.Backend#lstmCellBackward}) and one product for the hidden state's gradient, then the
 * weights' gradients as single products over all the steps ({@code dGates^T x} and {@code dGates^T h_prev}, depth
 * {@code T * batch}) where the composition accumulates one thin product a step. With {@code create_graph} the backward
 * is the composition's, recomputed from the saved inputs (PyTorch's {@code mkldnn_rnn_layer_differentiable_backward}
 * recomputes too), so it can be differentiated again.
 *
 * <p>Taken where the backend has the fused kernels ({@link dev.ember.backend.Backend#fusedRnnCells}), the input and
 * every state and parameter are float32 on one device, there is no projection ({@code proj_size}, which 2.x runs
 * through the composition), no autocast region is open, and a graph is recorded; a forward that records no graph
 * keeps {@link RecurrentOps}' no-graph path (W_hh packed for small batches), whose values the recorded forward's equal
 * wherever that path does not pack. Anything malformed goes to the composition, which raises PyTorch's errors.
 */
final class FusedLstmLayers {
    private static final String NODE = "MkldnnRnnLayerBackward0";

    private FusedLstmLayers() {
    }

    /** 2.x's one-time warning for an LSTM with projections where oneDNN would run it. */
    static final String PROJECTIONS_WARNING = "LSTM with projections is not supported with oneDNN. Using default "
            + "implementation.";

    /**
     * 2.x's {@code lstm} takes oneDNN for non-empty float32 input on the CPU ({@code use_mkldnn}, whatever the grad
     * mode) and, with projections, falls back to its composition after {@code TORCH_WARN_ONCE(PROJECTIONS_WARNING)}:
     * logged here once per process ({@link WarnOnce}), as there.
     */
    static void warnProjections(Tensor input) {
        if (input.device.isCpu() && input.dtype == DType.FLOAT32 && input.numel() != 0) {
            WarnOnce.warn(PROJECTIONS_WARNING);
        }
    }

    /**
     * Whether {@link #lstm} serves this call: see the class comment. Shapes are checked here so that every malformed
     * call takes the composition and its errors.
     */
    static boolean applies(Tensor input, Tensor h0, Tensor c0, Tensor[] params, boolean hasBiases, int numLayers,
                           boolean bidirectional, boolean batchFirst) {
        if (Autocast.on() || !input.backend.fusedRnnCells() || input.dim() != 3 || input.numel() == 0
                || input.dtype != DType.FLOAT32 || h0.dim() != 3 || c0.dim() != 3 || !Arrays.equals(h0.shape, c0.shape)
                || h0.dtype != DType.FLOAT32 || c0.dtype != DType.FLOAT32) {
            return false;
        }
        int dirs = bidirectional ? 2 : 1;
        int per = hasBiases ? 4 : 2;
        if (numLayers < 1 || params.length != (long) numLayers * dirs * per) {
            return false;
        }
        int batch = input.size(batchFirst ? 0 : 1);
        int hidden = h0.size(2);
        if (h0.size(0) != numLayers * dirs || h0.size(1) != batch || hidden == 0) {
            return false;
        }
        for (int i = 0; i < params.length; i++) {
            Tensor p = params[i];
            int width = i / per < dirs ? input.size(2) : hidden * dirs;
            int k = i % per;
            boolean ok = p.dtype == DType.FLOAT32 && p.device.equals(input.device) && switch (k) {
                case 0 -> p.dim() == 2 && p.size(0) == 4L * hidden && p.size(1) == width;
                case 1 -> p.dim() == 2 && p.size(0) == 4L * hidden && p.size(1) == hidden;
                default -> p.dim() == 1 && p.size(0) == 4L * hidden;
            };
            if (!ok) {
                return false;
            }
        }
        if (!h0.device.equals(input.device) || !c0.device.equals(input.device)) {
            return false;
        }
        Tensor[] all = Arrays.copyOf(params, params.length + 3);
        all[params.length] = input;
        all[params.length + 1] = h0;
        all[params.length + 2] = c0;
        return ArithmeticOps.needsGrad(all);
    }

    /** PyTorch 2.x's {@code mkldnn_rnn} for an LSTM whose call {@link #applies}. */
    static RnnOutput lstm(Tensor input, Tensor h0, Tensor c0, Tensor[] params, boolean hasBiases, int numLayers,
                          double dropout, boolean train, boolean bidirectional, boolean batchFirst) {
        Tensor x = (batchFirst ? input.transpose(0, 1) : input).contiguous();
        Tensor hx = h0.contiguous();
        Tensor cx = c0.contiguous();
        int dirs = bidirectional ? 2 : 1;
        int per = hasBiases ? 4 : 2;
        List<Tensor> hy = new ArrayList<>();
        List<Tensor> cy = new ArrayList<>();
        Tensor layerInput = x;
        for (int l = 0; l < numLayers; l++) {
            List<Tensor> outputs = new ArrayList<>(dirs);
            for (int d = 0; d < dirs; d++) {
                int index = l * dirs + d;
                int p = index * per;
                Tensor[] r = layer(layerInput, params[p], params[p + 1], hasBiases ? params[p + 2] : null,
                        hasBiases ? params[p + 3] : null, hx.select(0, index), cx.select(0, index), d > 0);
                outputs.add(r[0]);
                hy.add(r[1]);
                cy.add(r[2]);
            }
            layerInput = dirs == 1 ? outputs.get(0) : Tensor.cat(outputs, -1);
            if (dropout != 0 && train && l < numLayers - 1) {
                layerInput = Tensor.dropout(layerInput, dropout, true);
            }
        }
        Tensor output = batchFirst ? layerInput.transpose(0, 1) : layerInput;
        return new RnnOutput(output, Tensor.stack(hy, 0), Tensor.stack(cy, 0));
    }

    /**
     * One layer in one direction ({@code reverse}: the steps from the last to the first, the output in time order):
     * {@code [output, h_n, c_n]}, recorded as one {@value #NODE} node.
     */
    private static Tensor[] layer(Tensor x, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh, Tensor hx, Tensor cx,
                                  boolean reverse) {
        int steps = x.size(0);
        int batch = x.size(1);
        int hidden = wHh.size(1);
        Device dev = x.device;
        Tensor output = Creation.empty(new int[] {steps, batch, hidden}, DType.FLOAT32, dev);
        Tensor cells = Creation.empty(new int[] {steps, batch, hidden}, DType.FLOAT32, dev);
        Tensor saved = Creation.empty(new int[] {steps, batch, 5 * hidden}, DType.FLOAT32, dev);
        Tensor hy;
        Tensor cy;
        try (GradMode off = Ember.noGrad()) {
            Tensor ih = Functional.linear(x, wIh, bIh);
            Tensor h = hx;
            Tensor c = cx;
            for (int s = 0; s < steps; s++) {
                int t = reverse ? steps - 1 - s : s;
                Tensor hh = Functional.linear(h, wHh, bHh);
                Tensor iht = ih.select(0, t);
                Tensor ht = output.select(0, t);
                Tensor ct = cells.select(0, t);
                Tensor st = saved.select(0, t);
                x.backend.lstmCellPointwise(hh.storage(), hh.layout, iht.storage(), iht.layout, c.storage(), c.layout,
                        ht.storage(), ht.layout, ct.storage(), ct.layout, st.storage(), st.layout);
                hh.close();
                h = ht;
                c = ct;
            }
            ih.close();
            hy = h.clone();
            cy = c.clone();
        }
        Tensor[] inputs = {x, wIh, wHh, bIh, bHh, hx, cx};
        MultiOutput.record(NODE, inputs, new Tensor[] {output, hy, cy}, node -> {
            SavedTensor[] in = new SavedTensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                in[i] = inputs[i] == null ? null : node.save(inputs[i]);
            }
            SavedTensor sOut = node.saveOutput(output);
            SavedTensor sCells = node.save(cells);
            SavedTensor sSaved = node.save(saved);
            return grads -> {
                Tensor[] xs = new Tensor[inputs.length];
                for (int i = 0; i < xs.length; i++) {
                    xs[i] = in[i] == null ? null : in[i].get();
                }
                if (GradMode.isEnabled()) {
                    // create_graph: the composition recomputed and differentiated, so the gradients have history
                    return LinalgCompat.recomputedVjp(node, xs, a -> RecurrentOps.composedLstmLayer(a[0], a[1], a[2],
                            a[3], a[4], a[5], a[6], reverse), grads);
                }
                return backward(node, xs, sOut.get(), sCells.get(), sSaved.get(), grads, reverse);
            };
        });
        return new Tensor[] {output, hy, cy};
    }

    /** A gradient whose rows have their elements contiguous, as the kernels read them (else a contiguous copy). */
    private static Tensor rows(Tensor g) {
        return g.layout.stride(g.dim() - 1) == 1 && g.size(g.dim() - 1) > 0 ? g : g.contiguous();
    }

    /**
     * The backward of one layer: the steps in reverse order of the forward's, each the pointwise kernel and
     * {@code dh = dGates w_hh}; then {@code dx = dGates w_ih}, {@code dw_ih = dGates^T x}, {@code dw_hh = dGates^T
     * h_prev} and {@code db = sum(dGates)} (the same for both biases, as PyTorch's) over all the steps at once.
     */
    private static Tensor[] backward(Node node, Tensor[] in, Tensor output, Tensor cells, Tensor saved, Tensor[] grads,
                                     boolean reverse) {
        Tensor x = in[0];
        Tensor wIh = in[1];
        Tensor wHh = in[2];
        Tensor hx = in[5];
        Tensor cx = in[6];
        int steps = x.size(0);
        int batch = x.size(1);
        int width = x.size(2);
        int hidden = wHh.size(1);
        Device dev = x.device;
        int[] state = {batch, hidden};
        Tensor gOut = grads[0] == null ? null : rows(grads[0]);
        Tensor dh = grads[1] == null ? Creation.zeros(state, DType.FLOAT32, dev) : rows(grads[1]);
        Tensor dc = grads[2] == null ? Creation.zeros(state, DType.FLOAT32, dev) : rows(grads[2]);
        Tensor dGates = Creation.empty(new int[] {steps, batch, 4 * hidden}, DType.FLOAT32, dev);
        boolean wantHx = node.needsInputGrad(5);
        for (int s = steps - 1; s >= 0; s--) {
            int t = reverse ? steps - 1 - s : s;
            Tensor cPrev = s == 0 ? cx : cells.select(0, reverse ? t + 1 : t - 1);
            Tensor gt = gOut == null ? null : gOut.select(0, t);
            Tensor st = saved.select(0, t);
            Tensor dg = dGates.select(0, t);
            Tensor dcPrev = Creation.empty(state, DType.FLOAT32, dev);
            x.backend.lstmCellBackward(gt == null ? null : gt.storage(), gt == null ? null : gt.layout, dh.storage(),
                    dh.layout, dc.storage(), dc.layout, st.storage(), st.layout, cPrev.storage(), cPrev.layout,
                    dg.storage(), dg.layout, dcPrev.storage(), dcPrev.layout);
            dc = dcPrev;
            dh = s > 0 || wantHx ? dg.mm(wHh) : null;
        }
        Tensor flat = dGates.view(steps * batch, 4 * hidden);
        Tensor dx = node.needsInputGrad(0) ? flat.mm(wIh).view(steps, batch, width) : null;
        Tensor dwIh = node.needsInputGrad(1) ? flat.t().mm(x.reshape(steps * batch, width)) : null;
        Tensor dwHh = null;
        if (node.needsInputGrad(2)) {
            // each step's starting state in time order: h0 first going forward, last going in reverse
            List<Tensor> prev = new ArrayList<>(2);
            if (!reverse) {
                prev.add(hx.unsqueeze(0));
            }
            if (steps > 1) {
                prev.add(output.narrow(0, reverse ? 1 : 0, steps - 1));
            }
            if (reverse) {
                prev.add(hx.unsqueeze(0));
            }
            Tensor hPrev = prev.size() == 1 ? prev.get(0) : Tensor.cat(prev, 0);
            dwHh = flat.t().mm(hPrev.reshape(steps * batch, hidden));
        }
        boolean wantBias = node.needsInputGrad(3) || node.needsInputGrad(4);
        Tensor db = wantBias ? flat.sum(0) : null;
        return new Tensor[] {dx, dwIh, dwHh, node.needsInputGrad(3) ? db : null,
                node.needsInputGrad(4) ? (node.needsInputGrad(3) ? db.clone() : db) : null, wantHx ? dh : null,
                node.needsInputGrad(6) ? dc : null};
    }
}
