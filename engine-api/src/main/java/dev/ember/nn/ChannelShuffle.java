package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.ChannelShuffle}: {@link Functional#channelShuffle} with the module's number of groups. */
public class ChannelShuffle extends Module {
    private final int groups;

    /** The number of groups the channels are divided into. */
    public ChannelShuffle(int groups) {
        this.groups = groups;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.channelShuffle(input, groups);
    }

    @Override
    public String extraRepr() {
        return "groups=" + groups;
    }
}
