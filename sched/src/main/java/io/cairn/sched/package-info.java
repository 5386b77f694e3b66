/**
 * Checkpoint scheduling models: optimal intervals ({@link io.cairn.sched.Intervals}: Young, Daly, exact exponential,
 * Weibull renewal), the multi-level models (first order, {@link io.cairn.sched.MultiLevel}; exact Markov model of
 * Moody et al., {@link io.cairn.sched.MultiLevelMarkov}), failure models and their
 * maximum-likelihood fits ({@link io.cairn.sched.FailureModel}, {@link io.cairn.sched.Fit}), what {@code cairn advise}
 * prints ({@link io.cairn.sched.Advice}) and the core's measured costs ({@link io.cairn.sched.CheckpointStats}).
 * The cluster simulator is in {@code io.cairn.sched.sim}, trace readers in {@code io.cairn.sched.trace}, reports in
 * {@code io.cairn.sched.report}. See {@code docs/scheduling.md}.
 */
package io.cairn.sched;
