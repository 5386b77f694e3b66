# Sourced by ./cairn, ./test.sh and .ci/run: finds a JDK >= 25 and exports JAVA_HOME and PATH.
# Order: $JAVA_HOME if it is >= 25, then the JDKs under /usr/lib/jvm, /opt, ~/.sdkman, ~/.jdks.
cairn_java_major() { # prints the feature version of the java binary $1
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}
cairn_find_jdk() {
  local want=25 cand v
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    v=$(cairn_java_major "$JAVA_HOME/bin/java")
    if [ -n "$v" ] && [ "$v" -ge "$want" ]; then echo "$JAVA_HOME"; return 0; fi
  fi
  for cand in /usr/lib/jvm/* /opt/*jdk* /opt/java/* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -x "$cand/bin/javac" ] || continue
    v=$(cairn_java_major "$cand/bin/java")
    if [ -n "$v" ] && [ "$v" -ge "$want" ]; then echo "$cand"; return 0; fi
  done
  return 1
}
if ! CAIRN_JDK=$(cairn_find_jdk); then
  echo "cairn: no JDK >= 25 found (looked at JAVA_HOME=${JAVA_HOME:-unset}, /usr/lib/jvm, /opt, ~/.sdkman, ~/.jdks)." >&2
  echo "cairn: install one (e.g. Temurin 25) and/or set JAVA_HOME to it." >&2
  return 3 2>/dev/null || exit 3
fi
export JAVA_HOME="$CAIRN_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
# Maven: the installed `mvn` if there is one, else the project's Maven Wrapper (./mvnw fetches the Maven
# version pinned in .mvn/wrapper/maven-wrapper.properties from Maven Central on first use).
cairn_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if command -v mvn >/dev/null 2>&1; then
  CAIRN_MVN=mvn
else
  CAIRN_MVN="$cairn_root/mvnw"
  echo "cairn: no mvn on PATH: using the Maven Wrapper ($CAIRN_MVN)" >&2
fi
export CAIRN_MVN
