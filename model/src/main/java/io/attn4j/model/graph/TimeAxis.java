package io.attn4j.model.graph;

import java.util.ArrayList;
import java.util.List;

/**
 * A time axis of a graph: the steps {@code T} that the sequence values on it share in a call, and
 * each row's length along it. Every sequence input starts one; an attention mask input
 * {@code (B, Tq, Tk)} starts two. While the graph is built, a layer that needs two values to have
 * the same steps (an element-wise merge, a query and the attention mask's rows) unites their axes;
 * after {@link GraphBuilder#build} each axis is represented by its root, numbered
 * {@code 0..n-1}.
 *
 * <p>Not thread-safe while building; immutable after.
 */
final class TimeAxis {
    private TimeAxis parent = this;
    /** The steps the model was built for on this axis (its Input shape), or 0 for any. */
    private int fixedSteps;
    /** The input whose steps these are, for messages and descriptions. */
    private final String name;
    /** The position among the graph's axes, set when the graph is built; -1 before. */
    int index = -1;

    TimeAxis(String name, int fixedSteps) {
        this.name = name;
        this.fixedSteps = fixedSteps;
    }

    /** The axis that represents this one and every axis united with it. */
    TimeAxis root() {
        TimeAxis r = this;
        while (r.parent != r) {
            r = r.parent;
        }
        TimeAxis a = this;
        while (a.parent != r) {
            TimeAxis next = a.parent;
            a.parent = r;
            a = next;
        }
        return r;
    }

    int fixedSteps() {
        return root().fixedSteps;
    }

    /** The name of the input that gave this axis its steps, e.g. {@code x}. */
    String name() {
        return root().name;
    }

    /**
     * Makes {@code a} and {@code b} one axis (the first one's name stays).
     *
     * @throws IllegalArgumentException when their inputs were built for different fixed steps
     */
    static void unite(TimeAxis a, TimeAxis b) {
        TimeAxis ra = a.root(), rb = b.root();
        if (ra == rb) {
            return;
        }
        if (ra.fixedSteps > 0 && rb.fixedSteps > 0 && ra.fixedSteps != rb.fixedSteps) {
            throw new IllegalArgumentException("the steps of " + ra.name + " (" + ra.fixedSteps + ") and of "
                    + rb.name + " (" + rb.fixedSteps + ") must be equal here, and the inputs fix them differently");
        }
        rb.parent = ra;
        ra.fixedSteps = Math.max(ra.fixedSteps, rb.fixedSteps);
    }

    /**
     * Numbers the time axes left after the unions, in the order of the inputs that start them, and
     * gives every value's axis its root's number; returns their count.
     */
    static int number(List<Port> inputs, List<Port> ports) {
        List<TimeAxis> roots = new ArrayList<>();
        for (Port in : inputs) {
            for (TimeAxis a : in.kind == Port.Kind.PAIRS ? List.of(in.axis, in.keyAxis) : List.of(in.axis)) {
                TimeAxis r = a.root();
                if (!roots.contains(r)) {
                    r.index = roots.size();
                    roots.add(r);
                }
            }
        }
        for (Port p : ports) {
            for (TimeAxis a : new TimeAxis[]{p.axis, p.keyAxis}) {
                if (a != null) {
                    a.index = a.root().index;
                }
            }
        }
        return roots.size();
    }

    @Override
    public String toString() {
        return "steps of " + name();
    }
}
