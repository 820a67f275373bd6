# Sourced by the scripts in scripts/: builds a module, and the modules it depends on, when any
# source in the repository changed since its last build, then prints its runtime classpath (the
# module's classes, then its dependencies). Maven's output goes to run/build-<module>.log.
module_classpath() {
  local module=$1
  local stamp=$module/target/runtime-classpath.txt
  if [ ! -f "$stamp" ] || [ -n "$(find . \( -path ./.git -o -path ./run -o -path '*/target' \) -prune -o \
      -newer "$stamp" -type f \( -name '*.java' -o -name pom.xml -o -path '*/src/main/resources/*' \) \
      -print -quit)" ]; then
    echo "building $module (the first build downloads dependencies from Maven Central)..." >&2
    mkdir -p run
    # Removed first: the plugin leaves an unchanged file untouched, which would keep it looking stale.
    rm -f "$stamp"
    if ! { mvn -B -pl "$module" -am install -DskipTests \
          && mvn -B -pl "$module" dependency:build-classpath -DincludeScope=runtime \
                 -Dmdep.outputFile=target/runtime-classpath.txt; } > "run/build-$module.log" 2>&1; then
      grep -E '\[ERROR\]' "run/build-$module.log" | head -20 >&2
      echo "build failed: see run/build-$module.log" >&2
      return 1
    fi
  fi
  echo "$module/target/classes:$(cat "$stamp")"
}

# JVM flags Flink and Kafka need on Java 17.
JAVA_OPENS=(--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED)
