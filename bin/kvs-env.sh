# Shared by bin/kvs-server and bin/kvs-client; sourced, not run.
#
# kvs_setup NAME sets $java (the JVM to run) and $lib (the directory holding kvs-server.jar,
# kvs-client.jar and bench/, the load tool's libraries). The launchers run from two layouts:
#
# - An unpacked distribution (kvs-VERSION.tar.gz, from `mvn package`): $root/lib holds the jars.
#   Nothing is built; only a JDK 17+ is needed, on PATH or in JAVA_HOME.
# - A source checkout: the jars are built (mvn package) when missing or older than a source file,
#   then copied into a fresh directory, target/run/build-XXXXXX/, and target/run/current is
#   switched to it with one rename. A launcher runs the jars of the directory current named when
#   it started, and no build writes there again: a running server never sees its jar change, even
#   while a newer build is made and started beside it. Each JVM holds a shared lock on its
#   directory's .in-use file (an open descriptor it inherits); a directory no JVM holds and
#   current does not name is removed at the next build.

# The JVM takes its encoding of arguments and file names from the locale: under C or POSIX (a
# service's or a container's usual locale) a key like "ключ" would reach it as "????". A UTF-8
# locale the caller has is kept (C.UTF-8 is missing from some systems); any other is replaced.
case "${LC_ALL:-${LC_CTYPE:-${LANG:-}}}" in
    *[Uu][Tt][Ff]-8* | *[Uu][Tt][Ff]8*) ;;
    *) LC_ALL=C.UTF-8; export LC_ALL ;;
esac

kvs_setup() {
    kvs_find_java "$1"
    if [ -f "$root/lib/kvs-server.jar" ]; then
        lib="$root/lib"
        return 0
    fi
    kvs_build_if_stale
    kvs_use_current_build
}

# kvs_find_java NAME: JAVA_HOME's java, else the first on PATH; refuses one older than 17 when
# its release file says so. Read, not asked: starting a JVM to ask would double a one-shot
# command's start-up. Written with shell built-ins (one readlink aside): each program a
# launcher starts costs a one-shot command a millisecond or more.
kvs_find_java() {
    java=
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
        java=$JAVA_HOME/bin/java
    else
        saved_ifs=$IFS
        IFS=:
        for dir in $PATH; do
            if [ -n "$dir" ] && [ -x "$dir/java" ] && [ ! -d "$dir/java" ]; then
                java=$dir/java
                break
            fi
        done
        IFS=$saved_ifs
    fi
    if [ -z "$java" ]; then
        echo "$1: java not found: install a JDK 17 or newer, and put its bin/ on PATH or set JAVA_HOME" >&2
        exit 1
    fi
    real=$(readlink -f -- "$java" 2>/dev/null) || real=$java
    # A JDK's release file is beside its bin/; a Java 8 JRE's java is in jre/bin/.
    release=${real%/bin/java}/release
    [ -f "$release" ] || release=${real%/jre/bin/java}/release
    java_version=
    if [ -f "$release" ]; then
        # JAVA_VERSION="17.0.15", or "1.8.0_402" for Java 8.
        while IFS= read -r line; do
            case $line in
                JAVA_VERSION=*)
                    java_version=${line#JAVA_VERSION=\"}
                    java_version=${java_version%\"}
                    major=${java_version#1.}
                    major=${major%%[!0-9]*}
                    if [ -n "$major" ] && [ "$major" -lt 17 ]; then
                        echo "$1: $java is Java $major; kvs needs Java 17 or newer (set JAVA_HOME to one)" >&2
                        exit 1
                    fi
                    break ;;
            esac
        done <"$release"
    fi
}

# kvs_names_collector: whether KVS_JAVA_OPTS picks a garbage collector (-XX:+UseParallelGC, ...),
# which then replaces the launcher's own choice (two collectors would stop the JVM starting).
kvs_names_collector() {
    for opt in ${KVS_JAVA_OPTS:-}; do
        case $opt in
            -XX:+Use*GC) return 0 ;;
        esac
    done
    return 1
}

# kvs_wants_shell ARGS: whether kvs-client's arguments ask for the shell: the command "shell",
# or no command at all with a terminal on standard input and output. The words after
# kvs-client's own options that take a value are those values, not commands.
kvs_wants_shell() {
    while [ $# -gt 0 ]; do
        case $1 in
            --addr | --timeout | --connect-timeout | --batch) shift ;;
            shell) return 0 ;;
            -*) ;;
            *) return 1 ;;
        esac
        [ $# -gt 0 ] && shift
    done
    [ -t 0 ] && [ -t 1 ]
}

kvs_sources_older_than() {
    [ -f "$1" ] && [ -z "$(find "$root" \( -name target -o -name .git \) -prune -o \
            \( -name '*.java' -o -name '*.proto' -o -name 'pom.xml' -o -name '*.properties' \) \
            -newer "$1" -print 2>/dev/null | head -n 1)" ]
}

# The build's outputs, as `mvn package` leaves them in the checkout.
kvs_built_server=kvs-server/target/kvs-server.jar
kvs_built_client=kvs-client/target/kvs-client.jar
kvs_built_bench=kvs-client/target/bench-lib
kvs_built_shell=kvs-client/target/shell-lib

# Built when both jars are there and no source is newer than the older of them (one walk of the
# tree, not two: it is most of what a launcher in a checkout costs a one-shot command).
kvs_is_built() {
    [ -f "$root/$kvs_built_server" ] && [ -f "$root/$kvs_built_client" ] || return 1
    if [ "$root/$kvs_built_server" -nt "$root/$kvs_built_client" ]; then
        kvs_sources_older_than "$root/$kvs_built_client"
    else
        kvs_sources_older_than "$root/$kvs_built_server"
    fi
}

# Launchers started together (a server and a client, say) build one at a time: the others say
# that they wait, then find the jars fresh. The lock stays held (descriptor 9) until the build's
# jars are copied to their run directory.
kvs_lock_builds() {
    [ -z "${kvs_locked:-}" ] || return 0
    mkdir -p "$root/target/run"
    exec 9>"$root/target/.kvs-build.lock"
    if command -v flock >/dev/null 2>&1 && ! flock -n 9; then
        echo "kvs: waiting for another launcher's build to finish ..." >&2
        flock 9
    fi
    kvs_locked=1
}

kvs_unlock_builds() {
    exec 9>&-
    kvs_locked=
}

kvs_build_if_stale() {
    if kvs_is_built; then
        return 0
    fi
    if ! command -v mvn >/dev/null 2>&1; then
        echo "kvs: the jars need building, and mvn (Apache Maven) is not on PATH" >&2
        exit 1
    fi
    kvs_lock_builds
    if ! kvs_is_built; then
        echo "kvs: building (mvn -q -B package -DskipTests) ..." >&2
        # Maven's messages are shown only if it fails, without the colour codes it writes even
        # with -B.
        log=$root/target/build.log
        if ! (cd "$root" && mvn -q -B -Dstyle.color=never package -DskipTests) >"$log" 2>&1; then
            sed 's/\x1b\[[0-9;]*m//g' "$log" >&2
            echo "kvs: the build failed; see the messages above (also in $log)" >&2
            exit 1
        fi
    fi
}

# Sets $lib to the run directory of the newest build, copying the build there first if it is
# newer than what target/run/current holds, and takes the shared lock that keeps $lib from
# being removed while this launcher's JVM runs.
kvs_use_current_build() {
    run=$root/target/run
    for attempt in 1 2 3; do
        if [ ! -f "$run/current/kvs-server.jar" ] ||
                [ "$root/$kvs_built_server" -nt "$run/current/kvs-server.jar" ] ||
                [ "$root/$kvs_built_client" -nt "$run/current/kvs-client.jar" ]; then
            kvs_copy_build
        fi
        kvs_unlock_builds
        lib=$(readlink -f -- "$run/current")
        if { command exec 8<"$lib/.in-use"; } 2>/dev/null; then
            command -v flock >/dev/null 2>&1 && flock -s 8
            # Removed between the readlink and the lock (a build switched current and found it
            # unused): look again.
            [ -f "$lib/kvs-server.jar" ] && return 0
            exec 8<&-
        fi
    done
    echo "kvs: cannot settle on a build in $run (builds keep replacing it?)" >&2
    exit 1
}

kvs_copy_build() {
    kvs_lock_builds
    if [ -f "$run/current/kvs-server.jar" ] &&
            ! [ "$root/$kvs_built_server" -nt "$run/current/kvs-server.jar" ] &&
            ! [ "$root/$kvs_built_client" -nt "$run/current/kvs-client.jar" ]; then
        return 0 # another launcher copied it while this one waited
    fi
    dir=$(mktemp -d "$run/build-XXXXXX")
    cp -p "$root/$kvs_built_server" "$root/$kvs_built_client" "$dir/"
    cp -pR "$root/$kvs_built_bench" "$dir/bench"
    cp -pR "$root/$kvs_built_shell" "$dir/shell"
    : >"$dir/.in-use"
    chmod 755 "$dir"
    # A link left by a launcher killed here would be followed by ln, not replaced: remove it.
    rm -f -- "$run"/current.*
    ln -s "$(basename -- "$dir")" "$run/current.$$"
    mv -T -f "$run/current.$$" "$run/current"
    current=$(readlink -f -- "$run/current")
    if ! command -v flock >/dev/null 2>&1; then
        echo "kvs: flock (util-linux) not found: old builds in $run are kept; remove them by hand" >&2
        return 0
    fi
    for old in "$run"/build-*; do
        [ -d "$old" ] && [ "$old" != "$current" ] || continue
        # Removed while holding its lock exclusively: a launcher about to run it waits in its
        # shared flock until the removal is done, then finds it gone and looks again. The lock
        # cannot be had while a JVM runs from it (each holds it shared): such a build stays.
        flock -n -x "$old/.in-use" rm -rf -- "$old" 2>/dev/null || true
    done
}
