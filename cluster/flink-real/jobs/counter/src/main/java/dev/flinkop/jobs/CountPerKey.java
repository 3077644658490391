package dev.flinkop.jobs;

import org.apache.flink.api.common.accumulators.LongMaximum;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts records per key in a {@code ValueState<Long>} and emits the new count. Key 0's count is
 * published three ways, so tests can read it on any runtime: the user accumulator {@code counter}
 * ({@code GET /jobs/:id/accumulators}, the same name the simulator uses), the operator gauge
 * {@code counter}, and a log line every 50 counts (the first one after a (re)start too).
 */
public final class CountPerKey extends KeyedProcessFunction<Long, Long, Long> {
    private static final Logger LOG = LoggerFactory.getLogger(CountPerKey.class);
    private static final long LOG_EVERY = 50;

    private transient ValueState<Long> count;
    // Maximum, not sum: only the subtask that owns key 0 adds to it; the others keep 0.
    private transient LongMaximum counter;
    private transient volatile long latest;
    private transient boolean loggedSinceStart;

    @Override
    public void open(OpenContext openContext) {
        count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
        counter = new LongMaximum(0);
        getRuntimeContext().addAccumulator("counter", counter);
        getRuntimeContext().getMetricGroup().gauge("counter", (Gauge<Long>) () -> latest);
    }

    @Override
    public void processElement(Long value, Context ctx, Collector<Long> out) throws Exception {
        Long previous = count.value();
        long next = (previous == null ? 0 : previous) + 1;
        count.update(next);
        if (ctx.getCurrentKey() == 0) {
            counter.add(next);
            latest = next;
            if (!loggedSinceStart || next % LOG_EVERY == 0) {
                LOG.info("counter: key 0 count {} at sequence {}", next, value);
                loggedSinceStart = true;
            }
        }
        out.collect(next);
    }
}
