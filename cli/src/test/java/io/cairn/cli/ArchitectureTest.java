package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The walls between modules, checked on every build (docs/architecture.md, "Module boundaries").
 *
 * <ul>
 *   <li>Code of one module may import another module's {@code internal} packages only where
 *       {@code docs/api/internal-imports.txt} allows it; the list may only shrink by hand and a stale entry fails
 *       too, so it cannot rot.
 *   <li>The public API of every module shipped in {@code cairn.jar} (every public type and public or protected
 *       member outside {@code internal} packages) is listed in {@code docs/api/public-api.txt}: a change of the
 *       API shows up in review as a change of that file. {@code CAIRN_API_UPDATE=1} rewrites both files.
 * </ul>
 */
class ArchitectureTest {
  private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?(io\\.cairn\\.[\\w.]+)\\s*;",
      Pattern.MULTILINE);
  /** A fully qualified use in code ({@code io.cairn.internal.util.Json.write(...)}): counts like an import. */
  private static final Pattern QUALIFIED = Pattern.compile("(?<![\\w.])(io\\.cairn\\.[a-z][\\w.]*\\.[A-Z]\\w*)");
  private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
  private static final boolean UPDATE = "1".equals(System.getenv("CAIRN_API_UPDATE"));

  private static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("cairn"))) p = p.getParent();
    assertThat(p).as("project root (the folder holding ./cairn) above " + Path.of("").toAbsolutePath()).isNotNull();
    return p;
  }

  /** module name of each main source file, keyed by path relative to the root. */
  private static Map<String, String> mainSources(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> modules = Files.list(root)) {
      for (Path m : modules.filter(d -> Files.isDirectory(d.resolve("src/main/java"))).toList()) {
        try (Stream<Path> s = Files.walk(m.resolve("src/main/java"))) {
          s.filter(f -> f.toString().endsWith(".java"))
              .forEach(f -> files.put(root.relativize(f).toString(), m.getFileName().toString()));
        }
      }
    }
    return files;
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean internal(String pkg) {
    return pkg.equals("io.cairn.internal") || pkg.contains(".internal.") || pkg.endsWith(".internal");
  }

  @Test
  void noModuleImportsAnotherModulesInternalsUnlessAllowed() throws IOException {
    Path root = root();
    Map<String, String> sources = mainSources(root);
    Map<String, String> moduleOfPackage = new TreeMap<>();
    for (var e : sources.entrySet()) {
      Matcher m = PACKAGE.matcher(read(root.resolve(e.getKey())));
      if (m.find()) moduleOfPackage.putIfAbsent(m.group(1), e.getValue());
    }
    TreeSet<String> found = new TreeSet<>();
    for (var e : sources.entrySet()) {
      String text = read(root.resolve(e.getKey()));
      List<String> used = new ArrayList<>();
      Matcher m = IMPORT.matcher(text);
      while (m.find()) used.add(m.group(1));
      // comments and import lines out, then fully qualified names in code
      String code = text.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "")
          .replaceAll("(?m)^(import|package)\\s[^\\n]*", "");
      Matcher q = QUALIFIED.matcher(code);
      while (q.find()) used.add(q.group(1));
      for (String imported : used) {
        String pkg = moduleOfPackage.keySet().stream().filter(p -> imported.startsWith(p + "."))
            .max((a, b) -> Integer.compare(a.length(), b.length())).orElse(null);
        if (pkg == null || !internal(pkg)) continue;
        if (!moduleOfPackage.get(pkg).equals(e.getValue())) found.add(e.getKey() + " -> " + pkg);
      }
    }
    Path allowFile = root.resolve("docs/api/internal-imports.txt");
    if (UPDATE)
      write(allowFile, "# Imports of another module's internal packages that are still allowed (file -> package).\n"
          + "# ArchitectureTest fails on any import not listed here and on any entry that no longer occurs.\n", found);
    TreeSet<String> allowed = entries(allowFile);
    TreeSet<String> added = new TreeSet<>(found);
    added.removeAll(allowed);
    TreeSet<String> stale = new TreeSet<>(allowed);
    stale.removeAll(found);
    assertThat(added).as("imports of another module's internals not allowed by " + allowFile
        + " (use the module's public API or SPI; or, reviewed, add the line)").isEmpty();
    assertThat(stale).as("entries of " + allowFile + " that no longer occur: remove them").isEmpty();
  }

  @Test
  void publicApiIsListed() throws Exception {
    Path root = root();
    TreeSet<String> api = new TreeSet<>();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      Path cp = Path.of(entry).toAbsolutePath();
      // in the reactor a module is on the class path as target/classes (test) or as its jar (verify)
      boolean dir = cp.endsWith(Path.of("target", "classes"));
      boolean jar = cp.toString().endsWith(".jar") && cp.getParent() != null && cp.getParent().endsWith("target");
      if (!(dir || jar) || !cp.startsWith(root)) continue;
      String module = root.relativize(cp).getName(0).toString();
      if (module.equals("cli")) continue; // the command line is a program, not an API
      try (java.nio.file.FileSystem fs = jar ? java.nio.file.FileSystems.newFileSystem(cp) : null) {
        Path classes = jar ? fs.getPath("/") : cp;
        try (Stream<Path> s = Files.walk(classes)) {
          for (Path f : s.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
            String name = classes.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
            if (!name.startsWith("io.cairn.") || name.endsWith("-info") || name.matches(".*\\$\\d.*")) continue;
            Class<?> c = Class.forName(name, false, getClass().getClassLoader());
            if (internal(c.getPackageName()) || !visible(c)) continue;
            describe(module, c, api);
          }
        }
      }
    }
    Path listing = root.resolve("docs/api/public-api.txt");
    if (UPDATE)
      write(listing,
          "# The public API of the modules in cairn.jar (generated by ArchitectureTest; CAIRN_API_UPDATE=1 rewrites it).\n",
          api);
    TreeSet<String> listed = entries(listing);
    TreeSet<String> added = new TreeSet<>(api);
    added.removeAll(listed);
    TreeSet<String> removed = new TreeSet<>(listed);
    removed.removeAll(api);
    assertThat(added).as("public API not in " + listing
        + " (review it, then: CAIRN_API_UPDATE=1 mvn -pl cli -am test -Dtest=ArchitectureTest)").isEmpty();
    assertThat(removed).as("API in " + listing + " that is gone (a breaking change: review it, then regenerate)")
        .isEmpty();
  }

  private static boolean visible(Class<?> c) {
    for (Class<?> k = c; k != null; k = k.getDeclaringClass()) if (!Modifier.isPublic(k.getModifiers())) return false;
    return true;
  }

  private static void describe(String module, Class<?> c, TreeSet<String> out) {
    String t = module + " " + c.getName().replace('$', '.');
    out.add(t + " : " + kind(c)
        + (c.getGenericSuperclass() != null && c.getSuperclass() != Object.class && !c.isEnum() && !c.isRecord()
            ? " extends " + c.getGenericSuperclass().getTypeName()
            : ""));
    for (Constructor<?> k : c.getDeclaredConstructors())
      if (exposed(k.getModifiers())) out.add(t + " # " + k.toGenericString().replace(c.getName(), c.getSimpleName()));
    for (Method m : c.getDeclaredMethods())
      if (exposed(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) out.add(t + " # " + m.toGenericString());
    for (Field f : c.getDeclaredFields())
      if (exposed(f.getModifiers()) && !f.isSynthetic()) out.add(t + " # " + f.toGenericString());
  }

  private static boolean exposed(int mod) { return Modifier.isPublic(mod) || Modifier.isProtected(mod); }

  private static String kind(Class<?> c) {
    String k = c.isAnnotation()
        ? "@interface"
        : c.isInterface() ? "interface" : c.isEnum() ? "enum" : c.isRecord() ? "record" : "class";
    if (c.isSealed()) k = "sealed " + k;
    if (!c.isInterface() && !c.isEnum() && !c.isRecord() && Modifier.isAbstract(c.getModifiers())) k = "abstract " + k;
    if (!c.isInterface() && !c.isEnum() && !c.isRecord() && Modifier.isFinal(c.getModifiers())) k = "final " + k;
    return k;
  }

  private static TreeSet<String> entries(Path file) throws IOException {
    TreeSet<String> s = new TreeSet<>();
    if (!Files.exists(file)) return s;
    for (String line : Files.readAllLines(file)) if (!line.isBlank() && !line.startsWith("#")) s.add(line.strip());
    return s;
  }

  private static void write(Path file, String header, TreeSet<String> lines) throws IOException {
    Files.createDirectories(file.getParent());
    List<String> all = new ArrayList<>(List.of(header.strip().split("\n")));
    all.addAll(lines);
    Files.write(file, all);
  }
}
