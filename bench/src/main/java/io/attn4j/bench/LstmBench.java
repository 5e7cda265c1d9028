package io.attn4j.bench;

import ai.onnxruntime.OrtException;
import io.attn4j.cells.CellType;
import io.attn4j.engine.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * W6, LSTM: T = 100 steps of 64 features, hidden 64 and 256, batch 1 (latency) and 32
 * (throughput), one layer, full output sequence; attn4j vs its scalar reference vs ONNX Runtime's
 * LSTM operator on one thread, all from the same weights (see {@link RecurrentOperands}).
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class LstmBench extends BenchSettings {

    @State(Scope.Benchmark)
    public static class Inputs {
        /** hidden x batch. */
        @Param({"64x1", "256x1", "64x32", "256x32"})
        public String shape;

        RecurrentOperands operands;

        @Setup
        public void setUp() throws OrtException {
            operands = new RecurrentOperands(CellType.LSTM, shape);
            operands.checkAgreement();
        }

        @TearDown
        public void tearDown() throws OrtException {
            operands.close();
        }
    }

    @Benchmark
    public Tensor lstm_attn4j(Inputs in) {
        in.operands.runAttn4j();
        return in.operands.output;
    }

    @Benchmark
    public Tensor lstm_scalar(Inputs in) {
        in.operands.runScalar();
        return in.operands.output;
    }

    @Benchmark
    public Object lstm_onnxruntime(Inputs in) throws OrtException {
        in.operands.onnx.run();
        return in.operands.onnx;
    }
}
