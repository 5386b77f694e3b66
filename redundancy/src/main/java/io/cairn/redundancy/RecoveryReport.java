package io.cairn.redundancy;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@link Redundancy#recover} found and did.
 *
 * @param id              the checkpoint id recovered (or tried)
 * @param complete        every rank has its data for {@code id} (in its local run directory or the persistent level)
 * @param sources         per rank, where its data came from
 * @param versions        per rank, the Cairn version of its run that belongs to {@code id}
 * @param lostNodes       nodes whose directories are gone
 * @param problems        everything that was skipped and why (corrupt parity, mismatching local copies, ...)
 * @param message         one line for people: what was used, or why {@code id} cannot be restored
 * @param fallbackVersion when not complete: the newest version the persistent level holds for every rank, or -1
 */
public record RecoveryReport(long id, boolean complete, Map<Integer, Source> sources, Map<Integer, Long> versions,
    List<String> lostNodes, List<String> problems, String message, long fallbackVersion) {

  /** Where a rank's data came from, cheapest first. */
  public enum Source {
    /** its own node-local copy was intact */
    LOCAL,
    /** copied back from its partner's node */
    PARTNER,
    /** rebuilt from its XOR set */
    XOR,
    /** rebuilt from its Reed-Solomon set */
    RS,
    /** only the persistent level has it */
    PERSISTENT,
    /** nothing has it */
    NONE
  }

  public RecoveryReport {
    sources = java.util.Collections.unmodifiableMap(new TreeMap<>(sources));
    versions = java.util.Collections.unmodifiableMap(new TreeMap<>(versions));
    lostNodes = List.copyOf(lostNodes);
    problems = List.copyOf(problems);
  }

  public String toJson() {
    StringBuilder b = new StringBuilder("{\"id\":").append(id).append(",\"complete\":").append(complete)
        .append(",\"sources\":{");
    int c = 0;
    for (var e : sources.entrySet())
      b.append(c++ > 0 ? "," : "").append('"').append(e.getKey()).append("\":\"").append(e.getValue()).append('"');
    b.append("},\"versions\":{");
    c = 0;
    for (var e : versions.entrySet())
      b.append(c++ > 0 ? "," : "").append('"').append(e.getKey()).append("\":").append(e.getValue());
    b.append("},\"lostNodes\":[");
    c = 0;
    for (String n : lostNodes) b.append(c++ > 0 ? "," : "").append(Layout.q(n));
    b.append("],\"problems\":[");
    c = 0;
    for (String p : problems) b.append(c++ > 0 ? "," : "").append(Layout.q(p));
    return b.append("],\"message\":").append(Layout.q(message)).append(",\"fallbackVersion\":").append(fallbackVersion)
        .append('}').toString();
  }
}
