package dev.ember.nn;

import dev.ember.LstmState;
import dev.ember.Tensor;

import java.util.Arrays;

/**
 * {@code torch.nn.LSTMCell}: one LSTM step of an {@code [N, input_size]} (or unbatched {@code [input_size]}) input from
 * the state {@code (h, c)} ({@code [N, hidden_size]} each; zeros when null) to the next state, as PyTorch's
 * {@code lstm_cell} ({@link Tensor#lstmCell}); parameters as {@link RNNCellBase}, with four gates.
 */
public class LSTMCell extends RNNCellBase implements LstmCellForward {
    /** With biases. */
    public LSTMCell(int inputSize, int hiddenSize) {
        this(inputSize, hiddenSize, true);
    }

    /** With or without biases. */
    public LSTMCell(int inputSize, int hiddenSize, boolean bias) {
        super(inputSize, hiddenSize, bias, 4);
    }

    /** The next hidden state from a zero state. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, null).h();
    }

    /**
     * The next state from {@code hx} (null for zeros), as PyTorch's {@code LSTMCell.forward}, with its checks; a cell
     * replaced in its parent ({@link Module#setSubmodule}) by another {@link LstmCellForward} runs that one.
     */
    @Override
    public LstmState forward(Tensor input, LstmState hx) {
        if (replacement() instanceof LstmCellForward replaced) {
            return replaced.forward(input, hx);
        }
        Checks.tensor(input, "lstm_cell", "input", 1);
        if (input.dim() != 1 && input.dim() != 2) {
            throw new IllegalArgumentException("LSTMCell: Expected input to be 1D or 2D, got " + input.dim() + "D instead");
        }
        if (hx != null) {
            Tensor[] h = {hx.h(), hx.c()};
            for (int i = 0; i < 2; i++) {
                Checks.tensor(h[i], "lstm_cell", "hx", 2);
                if (h[i].dim() != 1 && h[i].dim() != 2) {
                    throw new IllegalArgumentException("LSTMCell: Expected hx[" + i + "] to be 1D or 2D, got " + h[i].dim()
                            + "D instead");
                }
            }
        }
        boolean batched = input.dim() == 2;
        Tensor x = batched ? input : input.unsqueeze(0);
        Tensor h;
        Tensor c;
        if (hx == null) {
            h = Tensor.zeros(x.dtype(), x.size(0), hiddenSize).to(x.device());
            c = h;
        } else {
            h = batched ? hx.h() : hx.h().unsqueeze(0);
            c = batched ? hx.c() : hx.c().unsqueeze(0);
        }
        LstmState r = Tensor.lstmCell(x, h, c, parameter("weight_ih"), parameter("weight_hh"),
                parameter("bias_ih"), parameter("bias_hh"));
        return batched ? r : new LstmState(r.h().squeeze(0), r.c().squeeze(0));
    }

    /** {@link #forward(Tensor, LstmState)} called with this module's hooks, as {@code cell(input, (h, c))}. */
    public LstmState apply(Tensor input, LstmState hx) {
        return call(Arrays.asList(input, hx == null ? null : hx.h(), hx == null ? null : hx.c()),
                a -> forward(a.get(0), a.get(1) == null && a.get(2) == null ? null : new LstmState(a.get(1), a.get(2))),
                r -> Arrays.asList(r.h(), r.c()), t -> new LstmState(t.get(0), t.get(1)));
    }
}
