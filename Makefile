# Makefile: the front door. `make` builds (meson + ninja underneath); `make run`
# installs what is missing, builds and mounts the built-in node at ./mnt;
# `make stop` unmounts; `make check` sets up the same and runs every test
# (and again under ASan/UBSan, check-asan, and ThreadSanitizer, check-tsan).
BUILD ?= build
ASAN ?= build-asan
TSAN ?= build-tsan
MNT ?= mnt
PYTEST = /usr/bin/python3 -m pytest
# the behaviour suite again through each transport (tests/README.md); a
# transport whose driver another one covers in full runs the smoke set (:smoke,
# tools/check-transports); `make check-transports TRANSPORTS="unix tcp ..."`
# runs the whole suite on each
TRANSPORTS ?= unix tcp:smoke tls ssh:smoke libssh2 libvirtd-unix libvirtd-tcp:smoke libvirt-lib
TRANSPORT_TESTS = tests/test_domain_files.py tests/test_domain_verbs.py \
	tests/test_domain_settings.py tests/test_networks.py tests/test_pools.py \
	tests/test_create_delete.py tests/test_config_xml.py tests/test_events.py \
	tests/test_snapshot_folders.py tests/test_secrets.py tests/test_interfaces.py \
	tests/test_node.py
TRANSPORT_SMOKE = tests/test_domain_files.py tests/test_domain_verbs.py tests/test_events.py

# the tests that run under ThreadSanitizer (make check-tsan): the unit suite and
# these, whose hyperfs runs many threads at once
TSAN_TESTS = tests/test_concurrency.py tests/test_events.py tests/test_stuck_driver.py \
	tests/test_limits.py tests/test_cache.py
# glib's slice allocator recycles memory where ThreadSanitizer cannot see it;
# util/tsan_glib.c puts glib's locks over pthreads. exitcode: a report fails.
TSAN_ENV = G_SLICE=always-malloc TSAN_OPTIONS="halt_on_error=0 exitcode=66 history_size=4"

.PHONY: all deps run stop check check-asan check-tsan check-transports unit pytest install clean bench bench-libvirt \
	bench-fleet soak

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	meson setup $(MESON_OPTS) $(BUILD)

deps:
	@./tools/install-deps

run: deps all
	@mkdir -p $(MNT)
	@if mountpoint -q $(MNT); then echo "$(MNT) is already mounted (make stop first)"; exit 1; fi
	$(BUILD)/hyperfs $(MNT)
	@./tools/tour $(MNT)

stop:
	@if mountpoint -q $(MNT); then fusermount3 -u $(MNT) || umount -l $(MNT); fi
	@echo "unmounted $(MNT)"

unit: all
	meson test -C $(BUILD) --print-errorlogs

pytest: all
	HYPERFS=$(CURDIR)/$(BUILD)/hyperfs HYPERFS_XML=$(CURDIR)/$(BUILD)/hyperfs-xml $(PYTEST) -q --durations=20 tests

$(ASAN)/build.ninja:
	CC=clang meson setup $(ASAN) -Db_sanitize=address,undefined -Db_lundef=false

# under ASan, the suites whose time goes to booting guests (QEMU, UML, a
# libvirtd's QEMU) are left to the plain run, to keep CI under 45 minutes, and
# so is tests/xml: the fuzz run drives the same parsers under ASan and UBSan,
# seeded from its rule cases
ASAN_SKIP = --ignore=tests/qemu --ignore=tests/uml --ignore=tests/libvirtd --ignore=tests/xml \
	--ignore=tests/storage/test_guest_volumes.py \
	--deselect tests/storage/test_netfs.py::test_guest_reads_marker_over_nfs \
	--deselect tests/storage/test_rbd.py::test_guest_reads_marker_over_rbd \
	--deselect tests/remote/test_virsh_snapshots.py::test_snapshots_of_a_qemu_guest

check-asan: $(ASAN)/build.ninja
	ninja -C $(ASAN)
	ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C $(ASAN) --print-errorlogs -t 4
	HYPERFS=$(CURDIR)/$(ASAN)/hyperfs HYPERFS_XML=$(CURDIR)/$(ASAN)/hyperfs-xml ASAN_OPTIONS=detect_leaks=0 \
		UBSAN_OPTIONS=print_stacktrace=1 $(PYTEST) -q tests $(ASAN_SKIP)

$(TSAN)/build.ninja:
	CC=clang meson setup $(TSAN) -Db_sanitize=thread -Db_lundef=false

check-tsan: $(TSAN)/build.ninja
	ninja -C $(TSAN)
	$(TSAN_ENV) meson test -C $(TSAN) --print-errorlogs -t 4
	HYPERFS=$(CURDIR)/$(TSAN)/hyperfs HYPERFSD=$(CURDIR)/$(TSAN)/hyperfsd \
		HYPERFS_XML=$(CURDIR)/$(TSAN)/hyperfs-xml $(TSAN_ENV) $(PYTEST) -q $(TSAN_TESTS)

# the transports four at a time (tools/check-transports): their time is
# round trips, not CPU
TRANSPORT_JOBS ?= 4
check-transports: all
	HYPERFS=$(CURDIR)/$(BUILD)/hyperfs HYPERFSD=$(CURDIR)/$(BUILD)/hyperfsd \
		HYPERFS_XML=$(CURDIR)/$(BUILD)/hyperfs-xml PYTEST="$(PYTEST)" \
		TRANSPORT_TESTS="$(TRANSPORT_TESTS)" TRANSPORT_SMOKE="$(TRANSPORT_SMOKE)" \
		./tools/check-transports $(TRANSPORT_JOBS) $(TRANSPORTS)

check: deps all
	meson test -C $(BUILD) --print-errorlogs
	HYPERFS=$(CURDIR)/$(BUILD)/hyperfs HYPERFS_XML=$(CURDIR)/$(BUILD)/hyperfs-xml $(PYTEST) -q --durations=20 tests
	$(MAKE) check-transports
	$(MAKE) check-asan
	$(MAKE) check-tsan
	./fuzz/run.sh 60

bench: deps all
	./bench/run

bench-libvirt: deps all
	./bench/libvirt

bench-fleet: deps all
	./bench/fleet

# not in `make check`: the 60 s soak on a test and a qemu node (tests/soak) and
# the 200-round kill -9 run of tests/qemu/test_qemu_durable.py (20 in the suite)
soak: all
	HV_SOAK=1 HV_KILL_ROUNDS=200 HYPERFS=$(CURDIR)/$(BUILD)/hyperfs HYPERFSD=$(CURDIR)/$(BUILD)/hyperfsd \
		HYPERFS_XML=$(CURDIR)/$(BUILD)/hyperfs-xml $(PYTEST) -q -s tests/soak tests/qemu/test_qemu_durable.py

install: all
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN) $(TSAN)
