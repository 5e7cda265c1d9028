package io.attn4j.model;

/**
 * One model a {@link Batcher} serves, with the runners made for it. After a swap the old
 * generation is retired: its idle runners are closed at once, its busy ones when their batch
 * ends, and its model with the last of them. Counters are guarded by the batcher's lock.
 */
final class Generation {
    final ServedModel served;
    /** 1 for the model the predictor was built with, then one more per swap. */
    final long number;
    /** Runners of this generation taken from the pool and not yet returned. */
    int busy;
    /** No longer the current generation (swapped out, or the predictor closed). */
    boolean retired;
    /** Whether the model's close has been claimed (it runs once, outside the lock). */
    boolean modelClosed;

    Generation(ServedModel served, long number) {
        this.served = served;
        this.number = number;
    }
}
