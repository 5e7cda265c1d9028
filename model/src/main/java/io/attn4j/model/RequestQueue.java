package io.attn4j.model;

/**
 * The bounded FIFO of requests waiting for a batch: a ring of fixed capacity, so that queueing
 * allocates nothing. Not thread-safe: the {@link Batcher} calls it under its lock.
 */
final class RequestQueue {
    private final Request<?>[] ring;
    private int head;
    private int count;
    /** No queued request has a deadline before this (a lower bound, made exact by {@link #removeExpired}). */
    private long nextDeadline = Request.NONE;

    RequestQueue(int capacity) {
        ring = new Request<?>[capacity];
    }

    int size() {
        return count;
    }

    int capacity() {
        return ring.length;
    }

    /** @return false when the queue is full */
    boolean offer(Request<?> r) {
        if (count == ring.length) {
            return false;
        }
        ring[(head + count++) % ring.length] = r;
        if (r.deadline != Request.NONE && r.deadline - nextDeadline < 0) {
            nextDeadline = r.deadline;
        }
        return true;
    }

    /** The oldest request, removed; null when empty. */
    Request<?> poll() {
        if (count == 0) {
            return null;
        }
        Request<?> r = ring[head];
        ring[head] = null;
        head = (head + 1) % ring.length;
        count--;
        return r;
    }

    /** Removes {@code r} if it is queued, keeping the others' order. */
    boolean remove(Request<?> r) {
        for (int i = 0; i < count; i++) {
            if (ring[(head + i) % ring.length] == r) {
                removeAt(i);
                return true;
            }
        }
        return false;
    }

    /**
     * Moves the requests whose deadline has passed at {@code now} into {@code out} from index
     * {@code from}, keeping the others' order; scans only when some deadline may have passed.
     *
     * @param out with room for {@link #size()} requests from {@code from}
     * @return how many were moved
     */
    int removeExpired(long now, Request<?>[] out, int from) {
        if (nextDeadline == Request.NONE || now - nextDeadline < 0) {
            return 0;
        }
        int moved = from, kept = 0;
        long next = Request.NONE;
        for (int i = 0; i < count; i++) {
            int at = (head + i) % ring.length;
            Request<?> r = ring[at];
            ring[at] = null;
            if (r.expired(now)) {
                out[moved++] = r;
            } else {
                ring[(head + kept++) % ring.length] = r;
                if (r.deadline != Request.NONE && r.deadline - next < 0) {
                    next = r.deadline;
                }
            }
        }
        count = kept;
        nextDeadline = next;
        return moved - from;
    }

    /** Moves every request into {@code out} (from index 0), oldest first; returns how many. */
    int drainAll(Request<?>[] out) {
        int n = count;
        for (int i = 0; i < n; i++) {
            out[i] = poll();
        }
        nextDeadline = Request.NONE;
        return n;
    }

    private void removeAt(int i) {
        for (int j = i; j < count - 1; j++) {
            ring[(head + j) % ring.length] = ring[(head + j + 1) % ring.length];
        }
        ring[(head + count - 1) % ring.length] = null;
        count--;
    }
}
