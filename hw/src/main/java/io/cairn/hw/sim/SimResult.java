package io.cairn.hw.sim;

import io.cairn.hw.state.HwState;
import java.util.List;

/**
 * What a simulator run returns: the state at the stop cycle and, when traced, one line per cycle
 * of output values (settled, before the edge: {@code name=binary ...}) and of flip-flop values after
 * the edge (one character per flop, in netlist order).
 */
public record SimResult(HwState end, List<String> outputs, List<String> flops) {}
