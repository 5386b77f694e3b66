/** Job traces (SWF read and write, a generator, the bundled sample) and failure logs (LANL, generic CSV). */
package io.cairn.sched.trace;
