/**
 * The checkpoint-aware cluster simulator: {@link io.cairn.sched.sim.Simulator#run} with a {@link io.cairn.sched.sim.SimConfig}
 * and a {@link io.cairn.sched.sim.Policy} gives a {@link io.cairn.sched.sim.SimResult}; {@link io.cairn.sched.sim.SimListener}
 * observes runs. {@link io.cairn.sched.sim.SingleJobMonteCarlo} validates the analytic models.
 */
package io.cairn.sched.sim;
