package io.cairn.slurm;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The batch script template of {@code docs/slurm.md} ({@code cairn slurm script}): the job asks Slurm for a
 * warning signal {@code lead} seconds before its time limit ({@code --signal=B:USR1@lead}), may be requeued
 * ({@code --requeue}) and appends to its output across runs ({@code --open-mode=append}). The batch shell runs
 * the program in the background and passes SIGUSR1 and SIGTERM on to it; when the program exits with 75
 * (checkpointed, not finished) after a SIGUSR1, the script requeues the job, which resumes from the checkpoint.
 * After a SIGTERM (preemption, {@code scontrol requeue}, {@code scancel}) it does not: Slurm itself requeues
 * a preempted job, and a cancelled job must stay cancelled.
 *
 * <p>With {@code ntasks > 1} the program is a parallel step: {@code cairn run} (the {@code runner}) starts
 * {@code srun --kill-on-bad-exit=1 <program>} and relaunches it after a failure (see {@link StepRunner}).
 *
 * @param name     job name
 * @param time     time limit in Slurm's format ({@code minutes}, {@code hours:minutes:seconds}, {@code days-hours})
 * @param lead     seconds before the time limit for the warning signal
 * @param ntasks   tasks (ranks); 1 for a single process
 * @param output   the output file ({@code %j} is the job id)
 * @param jobDir   the job directory on the shared file system (exported as {@code CAIRN_JOB_DIR}), or null
 * @param runner   how to start {@code cairn} on the nodes (e.g. {@code cairn}, or {@code java -jar /opt/cairn.jar})
 * @param attempts step launches at most (parallel jobs)
 * @param program  the program and its arguments
 * @param mpi      Slurm's MPI plugin for the step ({@code srun --mpi=<mpi>}, e.g. {@code pmix} for Open MPI ranks that use
 *                 the MPI transport; docs/mpi.md), or null for the cluster's default
 */
public record BatchScript(String name, String time, int lead, int ntasks, String output, Path jobDir, String runner,
    int attempts,
    List<String> program, String mpi) {
  private static final Pattern TIME = Pattern.compile("(\\d+-)?\\d+(:\\d+){0,2}");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");
  private static final Pattern MPI = Pattern.compile("[A-Za-z0-9_]+");

  public BatchScript {
    Objects.requireNonNull(program, "program");
    program = List.copyOf(program);
    if (program.isEmpty())
      throw new IllegalArgumentException("no program given: put it after '--' (e.g. -- java -jar app.jar)");
    if (name == null || !NAME.matcher(name).matches())
      throw new IllegalArgumentException("job name '" + name + "': use letters, digits, '.', '_', '-'");
    if (time == null || !TIME.matcher(time).matches())
      throw new IllegalArgumentException("time limit '" + time + "': use Slurm's format, e.g. 30, 2:00:00 or 1-12");
    if (lead < 1 || lead > 65_535)
      throw new IllegalArgumentException("signal lead " + lead + " s: must be 1..65535 (Slurm's limit)");
    if (ntasks < 1) throw new IllegalArgumentException("tasks " + ntasks + ": must be >= 1");
    if (attempts < 1) throw new IllegalArgumentException("attempts " + attempts + ": must be >= 1");
    if (runner == null || runner.isBlank()) runner = "cairn";
    if (output == null || output.isBlank()) output = "slurm-%j.out";
    if (mpi != null && mpi.isBlank()) mpi = null;
    if (mpi != null && !MPI.matcher(mpi).matches())
      throw new IllegalArgumentException("MPI plugin '" + mpi + "': give a name of 'srun --mpi=list', e.g. pmix");
    if (mpi != null && ntasks == 1)
      throw new IllegalArgumentException(
          "MPI plugin '" + mpi + "' is for parallel steps: use it with more than one task");
  }

  /** A script whose step uses the cluster's default MPI plugin. */
  public BatchScript(String name, String time, int lead, int ntasks, String output, Path jobDir, String runner,
      int attempts, List<String> program) {
    this(name, time, lead, ntasks, output, jobDir, runner, attempts, program, null);
  }

  /** A script for a program with the defaults: 1 hour, 120 s lead, one task, three step launches. */
  public static BatchScript of(List<String> program) {
    return new BatchScript("cairn-job", "1:00:00", 120, 1, null, null, null, 3, program);
  }

  /** The script's text. */
  public String render() {
    String prog = quote(program);
    String step = ntasks == 1
        ? prog
        : runner + " run --attempts " + attempts + " --min-left " + (lead + 60)
            + (jobDir != null ? " --job-dir " + quote(List.of(jobDir.toString())) : "")
            + " -- srun " + (mpi != null ? "--mpi=" + mpi + " " : "") + "--kill-on-bad-exit=1 " + prog;
    StringBuilder b = new StringBuilder();
    b.append("#!/bin/bash\n");
    b.append("#SBATCH --job-name=").append(name).append('\n');
    b.append("#SBATCH --ntasks=").append(ntasks).append('\n');
    b.append("#SBATCH --time=").append(time).append('\n');
    b.append("#SBATCH --signal=B:USR1@").append(lead).append('\n');
    b.append("#SBATCH --requeue\n");
    b.append("#SBATCH --open-mode=append\n");
    b.append("#SBATCH --output=").append(output).append('\n');
    b.append("#\n");
    b.append("# Cairn batch script (cairn slurm script; docs/slurm.md). ").append(lead)
        .append(" s before the time limit (Slurm may send it up to 60 s\n")
        .append("# earlier) this shell gets SIGUSR1 and passes it on: the program checkpoints, and with at most\n")
        .append(
            "# CAIRN_SLURM_STOP_LEFT seconds left it exits with 75; the job is then requeued and resumes from the checkpoint.\n")
        .append(
            "# Preemption, 'scontrol requeue' and 'scancel' send SIGTERM to every process of the job: the program\n")
        .append(
            "# checkpoints within KillWait and exits 75; Slurm requeues a preempted job itself, a cancelled one stays cancelled.\n");
    b.append("export CAIRN_SLURM_STOP_LEFT=${CAIRN_SLURM_STOP_LEFT:-").append(lead + 60).append("}\n");
    if (jobDir != null) b.append("export CAIRN_JOB_DIR=").append(quote(List.of(jobDir.toString()))).append('\n');
    b.append(
        "echo \"cairn: job $SLURM_JOB_ID run $((${SLURM_RESTART_COUNT:-0} + 1)) starts on $SLURMD_NODENAME at $(date -u +%FT%TZ)\"\n");
    b.append(
        "catches_usr1() {   # does process $1 catch SIGUSR1 (bit 9 of SigCgt)? A JVM dies of it until Cairn installs its handler\n");
    b.append("  local k v\n");
    b.append(
        "  while read -r k v; do [ \"$k\" = SigCgt: ] && return $(( (0x$v & 0x200) == 0 )); done < /proc/$1/status 2>/dev/null\n");
    b.append("  return 1\n");
    b.append("}\n");
    b.append("term=0; usr1=0\n");
    b.append(step).append(" &\n");
    b.append("child=$!\n");
    b.append("trap 'usr1=1' USR1\n");
    b.append("trap 'term=1; kill -TERM $child 2>/dev/null' TERM\n");
    b.append("while true; do\n");
    b.append("  if [ $usr1 -eq 1 ] && catches_usr1 $child; then usr1=0; kill -USR1 $child 2>/dev/null; fi\n");
    b.append(
        "  if [ $usr1 -eq 1 ]; then sleep 1; kill -0 $child 2>/dev/null && continue; fi   # not ready for it yet\n");
    b.append("  wait $child; rc=$?\n");
    b.append("  kill -0 $child 2>/dev/null || break   # wait also returns when a trapped signal arrives: wait again\n");
    b.append("done\n");
    b.append("echo \"cairn: job $SLURM_JOB_ID program exited with $rc at $(date -u +%FT%TZ)\"\n");
    b.append("if [ $rc -eq 75 ] && [ $term -eq 0 ]; then\n");
    b.append("  scontrol requeue $SLURM_JOB_ID   # checkpointed before the time limit, not finished: run again\n");
    b.append("fi\n");
    b.append("exit $rc\n");
    return b.toString();
  }

  /** Quotes words for bash (single quotes where needed). */
  public static String quote(List<String> words) {
    StringBuilder b = new StringBuilder();
    for (String w : words) {
      if (!b.isEmpty()) b.append(' ');
      if (w.matches("[A-Za-z0-9_./=:,+@%-]+")) b.append(w);
      else
        b.append('\'').append(w.replace("'", "'\\''")).append('\'');
    }
    return b.toString();
  }
}
