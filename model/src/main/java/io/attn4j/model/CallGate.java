package io.attn4j.model;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the calls running on an object that can be closed, so that closing it waits for them:
 * {@link #enter} admits a call unless closing has begun, {@link #exit} ends it, {@link #close}
 * stops admitting and returns once the admitted calls have all ended. Lock-free on the call path
 * (one CAS to enter, one decrement to exit); nothing is allocated.
 */
final class CallGate {
    private static final long CLOSED = 1L << 62;
    /** {@link #CLOSED} when closing has begun, plus the number of running calls. */
    private final AtomicLong state = new AtomicLong();
    private final String what;

    /** @param what names the guarded object in the exception of a call after closing, e.g. "the sequence model" */
    CallGate(String what) {
        this.what = what;
    }

    /**
     * Admits a call; every admitted call must {@link #exit} exactly once.
     *
     * @throws IllegalStateException once closing has begun
     */
    void enter() {
        for (long s = state.get();; s = state.get()) {
            if ((s & CLOSED) != 0) {
                throw new IllegalStateException(what + " is closed");
            }
            if (state.compareAndSet(s, s + 1)) {
                return;
            }
        }
    }

    /** Ends an admitted call; the last one to end after closing began wakes the closer. */
    void exit() {
        if (state.decrementAndGet() == CLOSED) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /** Whether closing has begun. */
    boolean isClosed() {
        return (state.get() & CLOSED) != 0;
    }

    /**
     * Stops admitting calls and waits until the running ones have ended. An interrupt does not cut
     * the wait short (the memory must outlive the calls); it is kept for the caller.
     *
     * @return true for the call that closed the gate, false if it was closed already
     */
    boolean close() {
        long s = state.getAndUpdate(x -> x | CLOSED);
        boolean interrupted = false;
        synchronized (this) {
            while (state.get() != CLOSED) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return (s & CLOSED) == 0;
    }
}
