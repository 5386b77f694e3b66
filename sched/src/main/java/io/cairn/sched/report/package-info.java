/** Report output without libraries: JSON, and the CSV/JSON/SVG/HTML report of a simulation (charts by core's {@code io.cairn.internal.util.Svg}). */
package io.cairn.sched.report;
