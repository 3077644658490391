package dev.flinkop.jobs;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * A small job whose state proves that a restore happened: a sequence source (0, 1, 2, ...) at a
 * fixed rate, keyed by {@code value % 4}, and a per-key count in keyed state (see
 * {@link CountPerKey}). The sequence position is checkpointed by the source and the counts by the
 * keyed state, so for key 0 the count is always {@code seq / 4 + 1}: after a restore from a
 * savepoint or checkpoint it continues the series instead of starting at 1.
 *
 * <p>Arguments (all optional): {@code --rate <records/s>} (default 50), {@code
 * --checkpointing-interval <ms>} (default: whatever the cluster configures), {@code --name <job
 * name>} (default "counter").
 */
public final class CounterJob {
    private CounterJob() {}

    public static void main(String[] args) throws Exception {
        double rate = 50;
        long checkpointingIntervalMs = -1;
        String name = "counter";
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 == args.length) {
                throw new IllegalArgumentException("argument " + args[i] + " needs a value");
            }
            switch (args[i]) {
                case "--rate":
                    rate = Double.parseDouble(args[i + 1]);
                    break;
                case "--checkpointing-interval":
                    checkpointingIntervalMs = Long.parseLong(args[i + 1]);
                    break;
                case "--name":
                    name = args[i + 1];
                    break;
                default:
                    throw new IllegalArgumentException(
                            "unknown argument "
                                    + args[i]
                                    + " (known: --rate, --checkpointing-interval, --name)");
            }
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        if (checkpointingIntervalMs > 0) env.enableCheckpointing(checkpointingIntervalMs);

        DataGeneratorSource<Long> source =
                new DataGeneratorSource<>(
                        new Sequence(),
                        Long.MAX_VALUE,
                        RateLimiterStrategy.perSecond(rate),
                        Types.LONG);
        // Fixed uids so savepoints map back onto the same operators after an upgrade.
        // One source subtask, so the sequence is global and key 0 sees 0, 4, 8, ...: its count
        // is seq / 4 + 1 whatever the job's parallelism.
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "sequence")
                .setParallelism(1)
                .uid("sequence")
                .keyBy(new ModFour())
                .process(new CountPerKey())
                .uid("count-per-key")
                .name("count-per-key")
                .sinkTo(new DiscardingSink<>())
                .uid("discard")
                .name("discard");
        env.execute(name);
    }

    /** The record for position {@code index} of the sequence is the index itself. */
    static final class Sequence implements GeneratorFunction<Long, Long> {
        @Override
        public Long map(Long index) {
            return index;
        }
    }

    static final class ModFour implements KeySelector<Long, Long> {
        @Override
        public Long getKey(Long value) {
            return value % 4;
        }
    }
}
