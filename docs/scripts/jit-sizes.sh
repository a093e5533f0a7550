#!/usr/bin/env bash
# C2 code sizes of free/malloc on DebugBenchmark.pair, one fork per allocator and mode (docs/boundary-tag.md,
# "Compiled size of free"). Usage, under the build lock:
#   docs/scripts/jit-sizes.sh CLASSPATH OUTDIR [ALLOCATORS] [MODES]      e.g. modules/bench/target/benchmarks.jar /tmp/jit
# then: python3 docs/scripts/jit-sizes.py OUTDIR/*.xml
CP=$1; OUT=$2; ALLOCS=${3:-"tlsf boundary-tag"}; MODES=${4:-"off F"}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
mkdir -p "$OUT"
for A in $ALLOCS; do for M in $MODES; do
  rm -f "$OUT/$A-$M.xml"
  "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$CP" org.openjdk.jmh.Main 'DebugBenchmark.pair$' -p allocator=$A -p mode=$M \
    -f 1 -wi 2 -w 1s -i 2 -r 1s \
    -jvmArgsAppend "-XX:+UnlockDiagnosticVMOptions -XX:+LogCompilation -XX:LogFile=$OUT/$A-$M.xml" 2>&1 | grep -E "^DebugBenchmark"
done; done
