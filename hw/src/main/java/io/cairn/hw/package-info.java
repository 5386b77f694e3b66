/**
 * Hardware debugging by moving state (StateMover / StateLink) with an open tool flow.
 *
 * <p>{@link io.cairn.hw.Hw} is the flow in a few calls: load a Yosys netlist, run it in the fast
 * engine to a breakpoint, move the state into an observable simulator with waveforms and back.
 * {@link io.cairn.hw.Bench} measures the engines. The pieces live in sub-packages:
 * {@code netlist} (Yosys JSON loader and runner), {@code engine} (compiled fast engine, breakpoints,
 * stimuli), {@code sim} (iverilog, event-level simulator, VCD), {@code state} (state, versioned state
 * file, state files as Cairn checkpoints) and {@code link} (StateLink). See
 * {@code docs/hardware-debug.md}.
 */
package io.cairn.hw;
