#!/bin/sh
# run.sh SECONDS: builds the libFuzzer harnesses with clang (ASan+UBSan) into
# build-fuzz/ and runs each document kind for its share of SECONDS (default 60
# in all), seeded from tests/fixtures/xml and tests/xml/rules (one case per
# normalisation rule, so the fixed-point oracle starts on every rule). Exits non-zero on any crash, leak,
# timeout or out-of-memory. Long run (10 minutes per kind):
#   fuzz/run.sh 3600   # 6 kinds x 600 s
set -eu
total=${1:-60}
here=$(cd "$(dirname "$0")/.." && pwd)
out=${HV_FUZZ_DIR:-$here/build-fuzz}
kinds="domain network pool volume node capabilities"
mkdir -p "$out"
python3 "$here/schema/embed.py" "$out/schema_data.c" \
	"$here/schema/domain.rng" "$here/schema/network.rng" "$here/schema/storagepool.rng" \
	"$here/schema/storagevol.rng" "$here/schema/capabilities.rng" "$here/schema/node.rng"
cflags="-g -O1 -D_GNU_SOURCE -I$here -fno-omit-frame-pointer $(pkg-config --cflags glib-2.0 libxml-2.0)"
libs="$(pkg-config --libs glib-2.0 libxml-2.0) -lpthread"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
# the parsers and formatters every harness shares are compiled once, two at a
# time (libFuzzer's coverage instrumentation as for the harness itself)
mkdir -p "$out/obj"
rm -f "$out"/obj/*.o
for f in "$here"/conf/*.c "$here"/util/*.c "$out/schema_data.c"; do
	echo "$f"
done | CFLAGS="$cflags $san -fsanitize=fuzzer-no-link" OUT="$out/obj" xargs -P 2 -I{} sh -c \
	'b=$(basename "$1" .c); d=$(basename "$(dirname "$1")"); exec clang $CFLAGS -c -o "$OUT/$d-$b.o" "$1"' _ {}
for k in $kinds; do
	# shellcheck disable=SC2086
	clang $cflags $san -fsanitize=fuzzer -o "$out/fuzz-$k" "$here/fuzz/fuzz_$k.c" \
		"$out"/obj/*.o $libs
done
per=$((total / 6))
[ "$per" -ge 1 ] || per=1
status=0
for k in $kinds; do
	seeds="$out/corpus-$k"
	mkdir -p "$seeds"
	case $k in
	node) cp "$here"/tests/fixtures/xml/node/*.xml "$seeds"/ 2>/dev/null || true ;;
	volume)
		for f in "$here"/tests/fixtures/xml/volume/*.xml; do
			printf '\001' | cat - "$f" >"$seeds/$(basename "$f")"
		done ;;
	*) cp "$here"/tests/fixtures/xml/$k/*.xml "$seeds"/ 2>/dev/null || true ;;
	esac
	rules="$here/tests/xml/rules/$k/*.xml"
	[ "$k" = domain ] && rules="$rules $here/tests/xml/rules/qemu/*.xml"
	# shellcheck disable=SC2086
	for f in $rules; do
		[ -f "$f" ] || continue
		if [ "$k" = volume ]; then
			printf '\001' | cat - "$f" >"$seeds/rule-$(basename "$f")"
		else
			cp "$f" "$seeds/rule-$(basename "$f")"
		fi
	done
	echo "fuzz-$k: ${per}s"
	if ! ASAN_OPTIONS=detect_leaks=1 "$out/fuzz-$k" -max_total_time="$per" -timeout=10 \
		-rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$out/crash-$k-" "$seeds" >"$out/fuzz-$k.log" 2>&1; then
		echo "fuzz-$k FAILED: see $out/fuzz-$k.log"
		tail -30 "$out/fuzz-$k.log"
		status=1
	else
		grep -E "stat::number_of_executed_units|cov:" "$out/fuzz-$k.log" | tail -2
	fi
done
exit $status
