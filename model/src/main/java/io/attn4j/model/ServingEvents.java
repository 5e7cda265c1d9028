package io.attn4j.model;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * The {@link Predictor}'s JDK Flight Recorder events, under "attn4j / Predictor" in JDK Mission
 * Control: one per batch (its duration is the compute time), one per rejected request, one per
 * request that timed out in the queue. Off unless a recording enables them (as every JFR event):
 * no event object is made then; while one records, an object per event.
 */
final class ServingEvents {
    /** Read before making an event: an event object is made only while a recording wants it. */
    static final EventType BATCH = EventType.getEventType(Batch.class);
    static final EventType REJECTION = EventType.getEventType(Rejection.class);
    static final EventType TIMEOUT = EventType.getEventType(Timeout.class);

    private ServingEvents() {
    }

    @Name("io.attn4j.PredictorBatch")
    @Label("Predictor Batch")
    @Category({"attn4j", "Predictor"})
    @Description("A batch of requests computed together; the duration is the compute time")
    @StackTrace(false)
    static final class Batch extends Event {
        @Label("Requests")
        int size;
        @Label("Steps")
        @Description("The padded length of the batch: its longest sequence")
        int steps;
        @Label("Parts")
        @Description("Blocks of rows computed on threads of their own")
        int parts;
        @Label("Longest Queue Wait")
        @Timespan(Timespan.NANOSECONDS)
        long longestWait;
        @Label("Model Generation")
        @Description("1 for the first model, one more per swap")
        long generation;
        @Label("Failed")
        boolean failed;
    }

    @Name("io.attn4j.PredictorRejection")
    @Label("Predictor Rejection")
    @Category({"attn4j", "Predictor"})
    @Description("A request refused because the queue was full")
    @StackTrace(false)
    static final class Rejection extends Event {
        @Label("Queue Capacity")
        int capacity;
    }

    @Name("io.attn4j.PredictorTimeout")
    @Label("Predictor Timeout")
    @Category({"attn4j", "Predictor"})
    @Description("A request whose deadline passed while it waited in the queue")
    @StackTrace(false)
    static final class Timeout extends Event {
        @Label("Waited")
        @Timespan(Timespan.NANOSECONDS)
        long waited;
    }
}
