package io.cairn.dl;

import java.nio.file.Path;

/**
 * Child JVM of {@link KillResumeTest}: resumes the run in a directory and trains to the end, printing
 * one line per step ({@code STEP step lossBits sampleHash}) so the parent can kill it at a chosen step.
 * Arguments: dir workers steps every mode sleepMillis [omit].
 */
public final class ResumeChild {
  private ResumeChild() {}

  public static void main(String[] args) throws Exception {
    DemoRun.Options o = new DemoRun.Options().dir(Path.of(args[0])).workers(Integer.parseInt(args[1]))
        .steps(Long.parseLong(args[2])).every(Integer.parseInt(args[3])).mode(DemoRun.Mode.valueOf(args[4]));
    long sleep = Long.parseLong(args[5]);
    if (args.length > 6) o.omit(args[6]).allowIncomplete(true);
    java.util.concurrent.atomic.AtomicInteger commits = new java.util.concurrent.atomic.AtomicInteger();
    o.onCommitted(step -> {
      commits.incrementAndGet();
      synchronized (System.out) {
        System.out.println("COMMITTED " + step);
        System.out.flush();
      }
    });
    DemoRun.Result r = DemoRun.run(o, (t, s) -> {
      synchronized (System.out) {
        System.out.println("STEP " + s.step() + " " + Double.doubleToRawLongBits(s.loss()) + " "
            + t.metrics().sampleHashes()[(int) s.step()]);
        System.out.flush();
      }
      if (sleep > 0) {
        // slower until this incarnation's first checkpoint committed (the first persist of a JVM is slow
        // on a loaded machine), so the parent can kill it after a commit at a random step
        try {
          Thread.sleep(commits.get() == 0 ? 5 * sleep : sleep);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    System.out.println(
        "DONE " + r.restoredStep() + " " + DemoRun.hash(r.params()) + " " + KillResumeTest.historyHash(r.metrics()));
    System.out.flush();
  }
}
