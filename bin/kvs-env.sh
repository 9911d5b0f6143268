# Shared by bin/kvs-server and bin/kvs-client; sourced, not run.
# Sets $root to the checkout, and builds the jars when one is missing or older than the sources.

# Same output whatever the caller's locale.
LC_ALL=C.UTF-8
export LC_ALL

kvs_require_java() {
    if ! command -v java >/dev/null 2>&1; then
        echo "$1: java not found on PATH; install a JDK 17 or newer" >&2
        exit 1
    fi
}

kvs_is_fresh() {
    [ -f "$1" ] && [ -z "$(find "$root" \( -name target -o -name .git \) -prune -o \
            \( -name '*.java' -o -name '*.proto' -o -name 'pom.xml' -o -name '*.properties' \) \
            -newer "$1" -print 2>/dev/null | head -n 1)" ]
}

# kvs_build_if_stale JAR: runs the Maven build (tests skipped) when JAR is missing or any
# source, pom or .proto file is newer than it. Build output goes to stderr. Launchers started
# together (a server and a client, say) build one at a time: the others wait, then find the
# jar fresh.
kvs_build_if_stale() {
    jar=$1
    if kvs_is_fresh "$jar"; then
        return 0
    fi
    if ! command -v mvn >/dev/null 2>&1; then
        echo "kvs: $jar needs building, and mvn (Apache Maven) is not on PATH" >&2
        exit 1
    fi
    mkdir -p "$root/target"
    exec 9>"$root/target/.kvs-build.lock"
    if command -v flock >/dev/null 2>&1; then
        flock 9
    fi
    if ! kvs_is_fresh "$jar"; then
        echo "kvs: building (mvn -q -B package -DskipTests) ..." >&2
        if ! (cd "$root" && mvn -q -B -Dstyle.color=never package -DskipTests) >&2; then
            echo "kvs: the build failed; see the messages above" >&2
            exit 1
        fi
    fi
    exec 9>&-
}
