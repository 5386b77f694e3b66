/** Report output without libraries: JSON, SVG charts, and the CSV/JSON/SVG/HTML report of a simulation. */
package io.cairn.sched.report;
