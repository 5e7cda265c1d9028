package io.attn4j.model;

import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;

/**
 * The machinery behind a {@link Predictor}: a bounded queue of requests, a pool of
 * {@link Runner}s (the sessions of the current model), worker threads, and the rules for who runs
 * which batch.
 *
 * <h2>Who runs a batch</h2>
 * Any thread that takes a runner from the pool runs one batch on it: a blocking caller when no
 * batch is running at the moment it calls (it runs its own request with whatever is queued, so a
 * lone caller pays no hand-off between threads), otherwise one of the worker threads (one per
 * runner, parked while idle). Under load the workers run every batch: a caller that ran a batch
 * inline would come back for its next request before the clients it completed had queued theirs,
 * and run it nearly alone. A batch takes the oldest queued requests, up to the maximum batch size
 * and to its fair share: the requests queued or running, divided by the number of runners. So when a
 * runner frees while another holds a large batch, the two even out over a few batches instead of
 * one running everything the other left in the queue while the other runs requests one by one; and
 * a large burst is split over the free runners at once.
 *
 * <h2>Waiting for a fuller batch</h2>
 * With a maximum wait above zero, a batch that is not full and sees other traffic (it took more
 * than one request, or another batch is running) keeps taking arrivals, each up to its fair share
 * as it grows with the arrivals, until it is full, the maximum wait has passed since its oldest
 * request was submitted, or it took nothing for an eighth of the maximum wait (at least 20 us). A
 * request alone with nothing else running starts at once: waiting could only delay it.
 *
 * <h2>Lifecycle</h2>
 * The runner a batch ran on goes back to the pool before the batch's futures complete, so code
 * that reacts to a completion (on the completing thread) never holds a runner: {@link #close()}
 * and {@link #swap} called from it cannot wait for themselves. A batch runs wholly on one runner,
 * hence on one model: a swap replaces the pool's runners, and the old model is closed by whichever
 * thread returns its last busy runner.
 *
 * <p>All shared state is guarded by this object's lock, held only to move requests and runners,
 * never while computing. Nothing is allocated per request here besides the timeout and closing
 * exceptions of requests that fail that way.
 */
final class Batcher {
    private final int maxBatch;
    private final long maxWaitNanos;
    /** A waiting batch gives up after this long without an arrival. */
    private final long gapNanos;
    private final int maxSeq;
    private final int parts;
    private final Executor executor;
    private final ServingStats stats;
    private final RequestQueue queue;
    /** Tests' fault injection: called in each part of each batch before it computes. */
    volatile Runner.BatchHook hook;

    // guarded by this
    private Generation current;
    private final Runner[] free;
    private int freeCount;
    private final Worker[] idle;
    private int idleCount;
    /** Threads holding a batch that waits for arrivals (one per busy runner at most). */
    private Thread[] collectors;
    private int collectorCount;
    /** Runners out of the pool. */
    private int running;
    /** Requests taken into the batches of runners out of the pool (a batch's count ends with it). */
    private int rowsRunning;
    /** Threads waiting in {@link #acquireWaiting} for a runner. */
    private int runnerWaiters;
    private boolean closed;
    private boolean closeDone;
    private long generations;

    /** A worker thread and whether it has been woken for work. */
    private static final class Worker {
        Thread thread;
        volatile boolean signalled;
    }

    /**
     * Makes the runners of {@code served} and starts the workers.
     *
     * @throws RuntimeException from making the sessions; nothing stays allocated then
     */
    Batcher(ServedModel served, int maxBatch, long maxWaitNanos, int queueCapacity, int maxSeq, int sessions,
            int parts, Executor executor, ServingStats stats) {
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWaitNanos;
        this.gapNanos = Math.max(maxWaitNanos / 8, 20_000);
        this.maxSeq = maxSeq;
        this.parts = parts;
        this.executor = executor;
        this.stats = stats;
        this.queue = new RequestQueue(queueCapacity);
        this.free = new Runner[sessions];
        this.idle = new Worker[sessions];
        this.collectors = new Thread[sessions];
        // the event types are registered with JFR now, not on the first request (a few hundred ms)
        ServingEvents.BATCH.isEnabled();
        this.current = new Generation(served, ++generations);
        Runner[] runners = makeRunners(current, sessions);
        System.arraycopy(runners, 0, free, 0, sessions);
        freeCount = sessions;
        for (int i = 0; i < sessions; i++) {
            Worker w = new Worker();
            w.thread = Thread.ofPlatform().daemon().name("attn4j-predictor-" + i).unstarted(() -> work(w));
            w.thread.start();
        }
    }

    private Runner[] makeRunners(Generation g, int count) {
        Runner[] runners = new Runner[count];
        try {
            for (int i = 0; i < count; i++) {
                runners[i] = new Runner(g, maxBatch, maxSeq, queue.capacity(), parts, executor);
            }
        } catch (RuntimeException | Error e) {
            for (Runner r : runners) {
                if (r != null) {
                    r.close();
                }
            }
            throw e;
        }
        return runners;
    }

    /** The model served now. */
    synchronized ServedModel served() {
        return current.served;
    }

    /**
     * Queues {@code r} for a worker (or a caller's batch) to run.
     *
     * @throws PredictorClosedException once closing has begun
     * @throws PredictionRejectedException when the queue is full
     */
    void enqueue(Request<?> r) {
        Worker wake;
        synchronized (this) {
            offer(r);
            wake = wakeableWorker();
        }
        if (wake != null) {
            LockSupport.unpark(wake.thread);
        }
    }

    /**
     * Runs {@code r} on the calling thread, with whatever is queued, when no batch is running;
     * otherwise queues it like {@link #enqueue}. Returns once {@code r} is complete in the first
     * case, at once in the second.
     */
    void runOrEnqueue(Request<?> r) {
        Runner runner = null;
        Worker wake = null;
        int n = 0;
        synchronized (this) {
            if (closed || running > 0) {
                offer(r);
                wake = wakeableWorker();
            } else {
                stats.accepted.increment();
                runner = acquire();
                runner.batch[0] = r;
                runner.counted = 1;
                rowsRunning++;
                n = take(runner, 1, System.nanoTime());
                wake = wakeableWorker();
            }
        }
        if (wake != null) {
            LockSupport.unpark(wake.thread);
        }
        if (runner != null) {
            serve(runner, n, false);
        }
    }

    /**
     * Queues all of {@code requests} or none.
     *
     * @throws PredictorClosedException once closing has begun
     * @throws PredictionRejectedException when the queue has fewer free slots
     */
    void enqueueAll(Request<?>[] requests) {
        Worker[] wake = new Worker[idle.length];
        int woken = 0;
        synchronized (this) {
            requireOpen();
            if (queue.capacity() - queue.size() < requests.length) {
                stats.rejected.add(requests.length);
                throw new PredictionRejectedException("the predictor's queue has " + (queue.capacity() - queue.size())
                        + " free slots of " + queue.capacity() + ", the batch needs " + requests.length
                        + ": the offered load is above what it serves");
            }
            for (Request<?> r : requests) {
                offer(r);
            }
            for (Worker w; woken < freeCount && (w = wakeableWorker()) != null;) {
                wake[woken++] = w;
            }
        }
        for (int i = 0; i < woken; i++) {
            LockSupport.unpark(wake[i].thread);
        }
    }

    /**
     * Runs one batch of queued requests on the calling thread, if a runner is free.
     *
     * @return false when there was nothing to run or no runner free
     */
    boolean runQueued() {
        Runner runner;
        Worker wake;
        int n;
        synchronized (this) {
            if (closed || freeCount == 0 || queue.size() == 0) {
                return false;
            }
            runner = acquire();
            n = take(runner, 0, System.nanoTime());
            wake = wakeableWorker();
        }
        if (wake != null) {
            LockSupport.unpark(wake.thread);
        }
        serve(runner, n, false);
        return true;
    }

    /** Under the lock: queues {@code r} or throws. */
    private void offer(Request<?> r) {
        requireOpen();
        if (!queue.offer(r)) {
            stats.rejected.increment();
            if (ServingEvents.REJECTION.isEnabled()) {
                ServingEvents.Rejection e = new ServingEvents.Rejection();
                e.capacity = queue.capacity();
                e.commit();
            }
            throw new PredictionRejectedException("the predictor's queue is full (" + queue.capacity()
                    + " requests): the offered load is above what it serves");
        }
        stats.accepted.increment();
        for (int i = 0; i < collectorCount; i++) {
            LockSupport.unpark(collectors[i]);
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new PredictorClosedException("the predictor is closed");
        }
    }

    /** Under the lock: an idle worker marked woken, when there is a runner for it; null otherwise. */
    private Worker wakeableWorker() {
        if (freeCount == 0 || idleCount == 0 || queue.size() == 0) {
            return null;
        }
        Worker w = idle[--idleCount];
        idle[idleCount] = null;
        w.signalled = true;
        return w;
    }

    /** Under the lock: a runner from the pool, counted as running. */
    private Runner acquire() {
        Runner r = free[--freeCount];
        free[freeCount] = null;
        running++;
        r.generation.busy++;
        r.expiredCount = 0;
        return r;
    }

    /**
     * Under the lock: moves the oldest queued requests into {@code runner.batch[n, limit)}, those
     * past their deadline into {@code runner.expired}; drops cancelled ones. The limit is the
     * maximum batch size or the batch's fair share ({@link #share}), whichever is less.
     *
     * @return the batch's new size
     */
    private int take(Runner runner, int n, long now) {
        runner.expiredCount += queue.removeExpired(now, runner.expired, runner.expiredCount);
        int limit = share();
        int before = n;
        while (n < limit) {
            Request<?> r = queue.poll();
            if (r == null) {
                break;
            }
            if (r.isDone()) {
                if (r.isCancelled()) {
                    stats.cancelled.increment();
                }
            } else if (r.expired(now)) {
                runner.expired[runner.expiredCount++] = r;
            } else {
                runner.batch[n++] = r;
            }
        }
        runner.counted += n - before;
        rowsRunning += n - before;
        return n;
    }

    /**
     * Under the lock: the most requests one batch should hold now, the requests queued or running
     * shared evenly over the runners (at least one, at most the maximum batch size).
     */
    private int share() {
        int runners = free.length;
        long total = (long) queue.size() + rowsRunning;
        return (int) Math.max(1, Math.min(maxBatch, (total + runners - 1) / runners));
    }

    /** Fails the requests {@link #take} found expired; outside the lock. */
    private void failExpired(Runner runner) {
        int count = runner.expiredCount;
        runner.expiredCount = 0;
        long now = System.nanoTime();
        for (int i = 0; i < count; i++) {
            Request<?> r = runner.expired[i];
            runner.expired[i] = null;
            timedOut(r, now);
        }
    }

    private void timedOut(Request<?> r, long now) {
        long waited = now - r.created;
        // counted before completing, so that whoever sees the failure sees it counted
        stats.timedOut.increment();
        if (!r.completeExceptionally(new PredictionTimeoutException(
                "the request waited " + waited / 1000 + " us in the queue, past its deadline ("
                        + (r.deadline - r.created) / 1000 + " us): not computed"))) {
            stats.timedOut.decrement();
        } else if (ServingEvents.TIMEOUT.isEnabled()) {
            ServingEvents.Timeout e = new ServingEvents.Timeout();
            e.waited = waited;
            e.commit();
        }
    }

    /** The worker loop: runs batches while requests are queued and runners free; parks otherwise. */
    private void work(Worker me) {
        while (true) {
            Runner runner = null;
            Worker wake = null;
            int n = 0;
            synchronized (this) {
                if (queue.size() > 0 && freeCount > 0) {
                    runner = acquire();
                    n = take(runner, 0, System.nanoTime());
                    wake = wakeableWorker();
                } else if (closed) {
                    return;
                } else {
                    me.signalled = false;
                    idle[idleCount++] = me;
                }
            }
            if (wake != null) {
                LockSupport.unpark(wake.thread);
            }
            if (runner == null) {
                while (!me.signalled) {
                    LockSupport.park(this);
                }
            } else {
                serve(runner, n, true);
            }
        }
    }

    /**
     * Runs the batch {@code runner.batch[0, n)} (after waiting for a fuller one, see the class
     * comment), returns the runner to the pool, then completes the requests.
     */
    private void serve(Runner runner, int n, boolean worker) {
        Request<?>[] batch = runner.batch;
        ServingEvents.Batch event = ServingEvents.BATCH.isEnabled() ? new ServingEvents.Batch() : null;
        Throwable failure = null;
        long start = System.nanoTime(), end, longest = 0;
        int used = 0;
        try {
            failExpired(runner);
            n = collect(runner, n);
            start = System.nanoTime();
            int kept = 0;
            for (int i = 0; i < n; i++) {
                Request<?> r = batch[i];
                batch[i] = null;
                if (r.isDone()) { // cancelled (or completed by its holder) since it was taken
                    if (r.isCancelled()) {
                        stats.cancelled.increment();
                    }
                } else if (r.expired(start)) { // its deadline passed while the batch waited for more
                    runner.expired[runner.expiredCount++] = r;
                } else {
                    r.started = start;
                    batch[kept++] = r;
                    long waited = start - r.created;
                    stats.queueWait.record(waited);
                    longest = Math.max(longest, waited);
                }
            }
            n = kept;
            failExpired(runner);
            if (event != null) {
                event.begin();
            }
            if (n > 0) {
                used = runner.run(n, hook);
            }
        } catch (Throwable t) {
            // a fault in the model (or, were there one, in this class): the batch fails, the
            // runner is renewed and returned, never lost
            failure = t;
        }
        if (event != null) {
            event.end();
        }
        end = System.nanoTime();
        Request<?> head = null;
        for (int i = n - 1; i >= 0; i--) {
            Request<?> r = batch[i];
            batch[i] = null;
            if (r != null) {
                r.next = head;
                head = r;
            }
        }
        int counted = runner.counted;
        runner.counted = 0;
        release(failure == null ? runner : renew(runner), counted, worker);
        if (n > 0) {
            stats.batches.increment();
            stats.batchSizes.incrementAndGet(n);
            stats.compute.record(end - start);
            if (event != null && event.shouldCommit()) {
                event.size = n;
                event.parts = used;
                event.longestWait = longest;
                event.generation = runner.generation.number;
                event.failed = failure != null;
                event.commit();
            }
        }
        for (Request<?> r = head; r != null;) {
            Request<?> next = r.next;
            r.next = null;
            if (failure == null) {
                stats.completed.increment();
                r.completeWithResult();
            } else {
                r.result = null;
                stats.failed.increment();
                r.completeExceptionally(new PredictionFailedException(
                        "the batch of " + n + " requests this one ran in failed: " + failure, failure));
            }
            r = next;
        }
    }

    /** A runner with fresh sessions in place of one a batch failed on (the failed one closed), when it will serve again. */
    private Runner renew(Runner runner) {
        synchronized (this) {
            if (closed || runner.generation != current) {
                return runner; // it is closed on release anyway
            }
        }
        Runner fresh = runner.renew(maxBatch, queue.capacity());
        if (fresh != runner) {
            runner.close();
        }
        return fresh;
    }

    /** Takes arrivals into a batch that is not full while it sees traffic (see the class comment). */
    private int collect(Runner runner, int n) {
        if (maxWaitNanos == 0 || n == 0 || n >= maxBatch) {
            return n;
        }
        long oldest = runner.batch[0].created;
        for (int i = 1; i < n; i++) {
            oldest = Math.min(oldest, runner.batch[i].created);
        }
        long until = oldest + maxWaitNanos;
        boolean registered = false;
        try {
            while (n < maxBatch) {
                long now = System.nanoTime();
                if (now - until >= 0) {
                    break;
                }
                int before = n;
                synchronized (this) {
                    if (closed || n == 1 && running == 1) {
                        break;
                    }
                    n = take(runner, n, now);
                    if (n == before && !registered) {
                        if (collectorCount == collectors.length) {
                            // after swaps, the runners of retired models collect too
                            collectors = java.util.Arrays.copyOf(collectors, 2 * collectors.length);
                        }
                        collectors[collectorCount++] = Thread.currentThread();
                        registered = true;
                    }
                }
                failExpired(runner);
                if (n > before) {
                    continue;
                }
                LockSupport.parkNanos(this, Math.min(gapNanos, until - now));
                synchronized (this) {
                    n = take(runner, n, System.nanoTime());
                }
                failExpired(runner);
                if (n == before) {
                    break;
                }
            }
        } finally {
            if (registered) {
                synchronized (this) {
                    for (int i = 0; i < collectorCount; i++) {
                        if (collectors[i] == Thread.currentThread()) {
                            collectors[i] = collectors[--collectorCount];
                            collectors[collectorCount] = null;
                            break;
                        }
                    }
                }
            }
        }
        return n;
    }

    /**
     * Returns a runner: to the pool while its model is current and the predictor open, else
     * closed, with its model when it was the last busy runner of a retired generation.
     *
     * @param worker whether the caller is a worker, which looks for more work by itself
     */
    private void release(Runner runner, int counted, boolean worker) {
        Generation g = runner.generation;
        Worker wake = null;
        boolean pooled;
        synchronized (this) {
            rowsRunning -= counted;
            pooled = !closed && g == current;
            if (pooled) {
                running--;
                g.busy--;
                free[freeCount++] = runner;
                if (!worker) {
                    wake = wakeableWorker();
                }
                if (runnerWaiters > 0) {
                    notifyAll();
                }
            }
        }
        if (pooled) {
            if (wake != null) {
                LockSupport.unpark(wake.thread);
            }
            return;
        }
        runner.close();
        boolean closeModel;
        synchronized (this) {
            g.busy--;
            closeModel = g.retired && g.busy == 0 && !g.modelClosed;
            g.modelClosed |= closeModel;
        }
        if (closeModel) {
            g.served.model().close();
        }
        synchronized (this) {
            running--;
            notifyAll();
        }
    }

    /** Removes a cancelled request from the queue (its slot is free at once). */
    void cancelled(Request<?> r) {
        synchronized (this) {
            if (queue.remove(r)) {
                stats.cancelled.increment();
            }
        }
    }

    /**
     * Fails {@code r} with a timeout if it is still queued (a blocking caller's deadline passed).
     *
     * @return false if a batch has taken it already (it will complete)
     */
    boolean expire(Request<?> r) {
        synchronized (this) {
            if (!queue.remove(r)) {
                return false;
            }
        }
        timedOut(r, System.nanoTime());
        return true;
    }

    /**
     * A runner of the current model for the caller's own use (warm-up), waiting for one to be free.
     *
     * @throws PredictorClosedException once closing has begun
     */
    Runner acquireWaiting() {
        synchronized (this) {
            boolean interrupted = false;
            try {
                while (freeCount == 0) {
                    requireOpen();
                    runnerWaiters++;
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    } finally {
                        runnerWaiters--;
                    }
                }
                requireOpen();
                return acquire();
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Returns a runner from {@link #acquireWaiting}. */
    void releaseAcquired(Runner runner) {
        release(runner, 0, false);
    }

    /**
     * Serves {@code next} from now on (see the class comment); the caller's model is closed once its
     * last batch ends. {@code next}'s runners are made first, outside the lock.
     *
     * @throws PredictorClosedException if the predictor is closed (the new model is not taken)
     */
    void swap(ServedModel next) {
        long number;
        synchronized (this) {
            requireOpen();
            number = ++generations;
        }
        Generation g = new Generation(next, number);
        Runner[] runners = makeRunners(g, free.length);
        Runner[] oldIdle;
        Generation old;
        boolean closeOld;
        Worker[] wake = new Worker[idle.length];
        int woken = 0;
        synchronized (this) {
            if (closed) {
                for (Runner r : runners) {
                    r.close();
                }
                throw new PredictorClosedException("the predictor is closed");
            }
            old = current;
            old.retired = true;
            current = g;
            oldIdle = new Runner[freeCount];
            System.arraycopy(free, 0, oldIdle, 0, freeCount);
            System.arraycopy(runners, 0, free, 0, runners.length);
            freeCount = runners.length;
            closeOld = old.busy == 0 && !old.modelClosed;
            old.modelClosed |= closeOld;
            for (Worker w; woken < freeCount && (w = wakeableWorker()) != null;) {
                wake[woken++] = w;
            }
            stats.swaps.increment();
            notifyAll();
        }
        for (int i = 0; i < woken; i++) {
            LockSupport.unpark(wake[i].thread);
        }
        for (Runner r : oldIdle) {
            r.close();
        }
        if (closeOld) {
            old.served.model().close();
        }
    }

    /**
     * Stops intake, fails the queued requests with {@link PredictorClosedException}, waits for the
     * running batches to end, and frees every runner and the model. Idempotent: a second call waits
     * for the first to finish.
     */
    void close() {
        Request<?>[] unserved;
        Runner[] idleRunners;
        Generation g;
        boolean closeModel;
        synchronized (this) {
            if (closed) {
                awaitClosed();
                return;
            }
            closed = true;
            unserved = new Request<?>[queue.size()];
            queue.drainAll(unserved);
            for (int i = 0; i < idleCount; i++) {
                idle[i].signalled = true;
                LockSupport.unpark(idle[i].thread);
                idle[i] = null;
            }
            idleCount = 0;
            for (int i = 0; i < collectorCount; i++) {
                LockSupport.unpark(collectors[i]);
            }
            idleRunners = new Runner[freeCount];
            System.arraycopy(free, 0, idleRunners, 0, freeCount);
            java.util.Arrays.fill(free, null);
            freeCount = 0;
            g = current;
            g.retired = true;
            closeModel = g.busy == 0 && !g.modelClosed;
            g.modelClosed |= closeModel;
            notifyAll();
        }
        for (Request<?> r : unserved) {
            stats.closedUnserved.increment();
            if (!r.completeExceptionally(
                    new PredictorClosedException("the predictor closed before this request's batch started"))) {
                stats.closedUnserved.decrement();
            }
        }
        for (Runner r : idleRunners) {
            r.close();
        }
        if (closeModel) {
            g.served.model().close();
        }
        synchronized (this) {
            boolean interrupted = false;
            while (running > 0) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            closeDone = true;
            notifyAll();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Under the lock: waits until the first close has freed everything. */
    private void awaitClosed() {
        boolean interrupted = false;
        while (!closeDone) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized int queued() {
        return queue.size();
    }

    synchronized int running() {
        return running;
    }

    /** Off-heap bytes the idle runners hold now (all of them when nothing runs). */
    synchronized long heldBytes() {
        long bytes = 0;
        for (int i = 0; i < freeCount; i++) {
            bytes += free[i].byteSize();
        }
        return bytes;
    }

    /** The model generation served now (1, then one more per swap). */
    synchronized long generation() {
        return current.number;
    }
}
