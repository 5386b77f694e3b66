package io.cairn.sched.sim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Metrics of one simulation, as Batsim reports them (makespan, mean waiting time, turnaround, slowdown, bounded
 * slowdown with a 10 s bound, jobs killed — here: interrupted by a failure at least once) plus utilization and where the node time went. Times in seconds,
 * node time in node-hours.
 *
 * @param jobs             jobs completed; {@code rejected} never fit the cluster, {@code abandoned} failed more than
 *                         {@code maxRestarts} times
 *                         Node-hour figures cover CPU (whole-node) jobs; GPU jobs are counted in GPU-hours.
 * @param gpuUtilization   busy share of the GPU partition's GPUs (NaN without GPU nodes)
 * @param utilizationTimes start of each utilization bucket; {@code utilization} the busy share of nodes in it
 */
public record SimResult(String policy, int jobs, int rejected, int abandoned, double makespan, double meanWait,
    double meanTurnaround,
    double meanSlowdown, double meanBoundedSlowdown, double maxBoundedSlowdown, int jobsKilled,
    int interruptions, int preemptions, int migrations, int failures, double utilization,
    double usefulUtilization, double usefulNodeHours, double wastedNodeHours, double checkpointNodeHours,
    double restartNodeHours, long checkpoints, double gpuUtilization, double gpuUsefulHours,
    double gpuWastedHours, double gpuOverheadHours, int gpuMigrations, double gpuMeanWait, double[] utilizationTimes,
    double[] utilizationSeries,
    long events, double wallSeconds) {

  /** The scalar metrics as an ordered map (for CSV/JSON). */
  public Map<String, Object> metrics() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("policy", policy);
    m.put("jobs", jobs);
    m.put("rejected", rejected);
    m.put("abandoned", abandoned);
    m.put("makespan_s", makespan);
    m.put("mean_waiting_time_s", meanWait);
    m.put("mean_turnaround_time_s", meanTurnaround);
    m.put("mean_slowdown", meanSlowdown);
    m.put("mean_bounded_slowdown", meanBoundedSlowdown);
    m.put("max_bounded_slowdown", maxBoundedSlowdown);
    m.put("jobs_killed", jobsKilled);
    m.put("interruptions", interruptions);
    m.put("preemptions", preemptions);
    m.put("migrations", migrations);
    m.put("failures", failures);
    m.put("utilization", utilization);
    m.put("useful_utilization", usefulUtilization);
    m.put("useful_node_hours", usefulNodeHours);
    m.put("wasted_node_hours", wastedNodeHours);
    m.put("checkpoint_node_hours", checkpointNodeHours);
    m.put("restart_node_hours", restartNodeHours);
    m.put("checkpoints", checkpoints);
    if (!Double.isNaN(gpuUtilization)) {
      m.put("gpu_utilization", gpuUtilization);
      m.put("gpu_useful_hours", gpuUsefulHours);
      m.put("gpu_wasted_hours", gpuWastedHours);
      m.put("gpu_checkpoint_restart_hours", gpuOverheadHours);
      m.put("gpu_defrag_migrations", gpuMigrations);
      m.put("gpu_mean_waiting_time_s", gpuMeanWait);
    }
    m.put("events", events);
    m.put("wall_seconds", wallSeconds);
    return m;
  }
}
