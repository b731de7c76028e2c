# Makefile: the front door. `make` builds (meson + ninja underneath); `make run`
# installs what is missing, builds and mounts the built-in node at ./mnt;
# `make stop` unmounts; `make check` sets up the same and runs every test.
BUILD ?= build
ASAN ?= build-asan
MNT ?= mnt
PYTEST = /usr/bin/python3 -m pytest
# the behaviour suite again through each transport (tests/README.md)
TRANSPORTS ?= unix tcp tls ssh libssh2 libvirtd-unix libvirtd-tcp
TRANSPORT_TESTS = tests/test_domain_files.py tests/test_domain_verbs.py \
	tests/test_domain_settings.py tests/test_networks.py tests/test_pools.py \
	tests/test_create_delete.py tests/test_config_xml.py tests/test_events.py

.PHONY: all deps run stop check check-asan check-transports unit pytest install clean bench bench-libvirt

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	meson setup $(BUILD)

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
	HYPERFS=$(CURDIR)/$(BUILD)/hyperfs HYPERFS_XML=$(CURDIR)/$(BUILD)/hyperfs-xml $(PYTEST) -q tests

$(ASAN)/build.ninja:
	CC=clang meson setup $(ASAN) -Db_sanitize=address,undefined -Db_lundef=false

check-asan: $(ASAN)/build.ninja
	ninja -C $(ASAN)
	ASAN_OPTIONS=detect_leaks=0 meson test -C $(ASAN) --print-errorlogs
	HYPERFS=$(CURDIR)/$(ASAN)/hyperfs HYPERFS_XML=$(CURDIR)/$(ASAN)/hyperfs-xml ASAN_OPTIONS=detect_leaks=0 \
		UBSAN_OPTIONS=print_stacktrace=1 $(PYTEST) -q tests

check-transports: all
	@for t in $(TRANSPORTS); do \
		echo "== HV_TRANSPORT=$$t"; \
		HV_TRANSPORT=$$t HYPERFS=$(CURDIR)/$(BUILD)/hyperfs HYPERFSD=$(CURDIR)/$(BUILD)/hyperfsd \
			HYPERFS_XML=$(CURDIR)/$(BUILD)/hyperfs-xml $(PYTEST) -q $(TRANSPORT_TESTS) || exit 1; \
	done

check: deps all
	meson test -C $(BUILD) --print-errorlogs
	HYPERFS=$(CURDIR)/$(BUILD)/hyperfs HYPERFS_XML=$(CURDIR)/$(BUILD)/hyperfs-xml $(PYTEST) -q tests
	$(MAKE) check-transports
	$(MAKE) check-asan
	./fuzz/run.sh 60

bench: deps all
	./bench/run

bench-libvirt: deps all
	./bench/libvirt

install: all
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN)
