# yogurt — one static binary that builds a yogurt phone. See README.md.
#
#   make          build/ARCH/yogurt and build/ARCH/initramfs.cpio
#   make run      install what is missing, boot the phone in a VM, make a call
#   make selftest boot a kernel (KERNEL=IMAGE, or Debian's 6.12) and run
#                 yogurt's netkit/BPF conformance checks: exit 0, 1 or 4
#   make test     install what is missing, run host tests and VM tests (both
#                 architectures)
#   make bench    print size and speed figures
#   make install  the built binary, man pages, boot scripts and snippets
#                 (PREFIX=/usr/local, DESTDIR, INIT=sysvinit|openwrt|none)
# ARCH=x86_64 (the default on an x86-64 machine) or ARCH=aarch64 picks the
# architecture; each one's files stay side by side under build/ARCH/.

VERSION       := 0.1.0
ARCHES        := x86_64 aarch64
ARCH          ?= $(shell uname -m)
# The kernel's names for them (a kernel tree's ARCH=arm64 in the environment).
override ARCH := $(patsubst arm64,aarch64,$(patsubst x86,x86_64,$(ARCH)))
ifeq ($(filter $(ARCH),$(ARCHES)),)
$(error ARCH=$(ARCH) is not one yogurt builds for: use ARCH=x86_64 or ARCH=aarch64)
endif
# The test scripts run by make read it too.
export ARCH
BUILD         := build/$(ARCH)
BPF_CC        ?= clang
HOST_CC       ?= gcc
LLVM_STRIP    ?= llvm-strip
LLVM_OBJCOPY  ?= llvm-objcopy
KERNEL_SERIES ?= 6.12

# Per architecture: the musl compiler (Debian's musl-tools, or musl-dev:arm64
# for aarch64), the kernel's uAPI asm headers (musl ships no uAPI headers:
# borrow Debian's, and only those; for aarch64 from gcc-aarch64-linux-gnu's
# linux-libc-dev-arm64-cross), and flags only that architecture has.
MUSL_CC_x86_64       := musl-gcc
MUSL_CC_aarch64      := aarch64-linux-musl-gcc
UAPI_ASM_x86_64      := /usr/include/x86_64-linux-gnu/asm
UAPI_ASM_aarch64     := /usr/aarch64-linux-gnu/include/asm
ARCH_CFLAGS_x86_64   := -mno-sse
ARCH_CFLAGS_aarch64  := -mcmodel=tiny -fno-unwind-tables
MUSL_CC       := $(MUSL_CC_$(ARCH))
UAPI          := $(BUILD)/uapi

# Messages are snprintf()ed into fixed buffers on purpose: a cut message is fine.
WARNINGS      := -Wall -Wextra -Werror -Wno-format-truncation
# Size: the stripped binary must stay within 96 KiB on every architecture
# (aim: 64 KiB on x86-64). Each size flag below stays only for what it buys,
# measured with Debian 12's gcc on x86-64 (bytes the binary grows without it):
#   -Oz                             1,280 (against -Os)
#   -fno-asynchronous-unwind-tables 10,256 (a static C program never unwinds)
#   -flto=auto                      1,552
#   -mno-sse (x86-64)                 192 (no floating point: structure copies
#                                         stay in plain registers)
#   -fno-unwind-tables (aarch64)   10,032 (aarch64 gcc emits .eh_frame even
#                                         without asynchronous tables)
#   -mcmodel=tiny (aarch64)         2,416 (one ADR instead of ADRP+ADD per
#                                         address: all of it within 1 MiB)
#   -fno-optimize-sibling-calls       448 (calls instead of tail jumps)
#   -fno-inline-functions-called-once 576
#   -fno-thread-jumps                 480 (it copies blocks to save a branch)
#   -fdata-sections                    32 (with --gc-sections, 676: unused
#                                         data and code of ours go)
#   -z noseparate-code              7,776 (no page-aligned code segment)
#   -z norelro                      1,600 (no page-aligned part to make
#                                         read-only after start-up: a static
#                                         binary has no relocations to guard)
#   -z common-page-size=64            0 to 4,095 (ld may pad the file to put
#                                         the data on a page of its own, which
#                                         saves no memory worth a byte here:
#                                         it made aarch64's size jump by 800)
# No position-independent code: a static binary is never relocated.
CFLAGS        := -std=gnu11 -Oz -fno-pie $(WARNINGS) -I. -DYOGURT_VERSION='"$(VERSION)"' \
                 -fdata-sections -fno-asynchronous-unwind-tables -flto=auto \
                 -fno-optimize-sibling-calls -fno-inline-functions-called-once -fno-thread-jumps \
                 -idirafter $(UAPI) $(ARCH_CFLAGS_$(ARCH))
LDFLAGS       := -static -no-pie -s -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,-z,norelro \
                 -Wl,-z,common-page-size=64
# The host tests and fuzzers (tests/host/*.sh take these, through
# `make print-NAME`: one set of flags for every test program).
HOST_CFLAGS   := -std=gnu11 -g -O1 $(WARNINGS) -I. -idirafter $(UAPI) \
                 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I. \
                 -idirafter $(UAPI)
BPF_CFLAGS    := -target bpf -O2 -g -Wall -Wextra -Werror -idirafter $(UAPI)

# Every C file of a layer directory belongs to it; the BPF programs
# (*.bpf.c) are built by clang for the kernel, not linked.
LIBRARY_SOURCES := $(filter-out %.bpf.c,$(wildcard format/*.c memory/*.c syscalls/*.c netns/*.c \
                   nl/*.c phone/*.c bpf/*.c wire/*.c modules/*.c selftest/*.c))
SOURCES       := main.c boot.c $(LIBRARY_SOURCES)
# The generic loader, without the wire (which needs the embedded object).
LOADER_SOURCES := $(filter bpf/%,$(LIBRARY_SOURCES)) memory/memory.c format/format.c \
                  syscalls/syscalls.c
# The test programs' KTAP (tests/ktap.h) and the binary's writer under it.
TEST_KTAP_SOURCES := tests/ktap.c format/ktap.c
HEADERS       := $(wildcard *.h */*.h tests/*.h tests/vm/*.h)

.PHONY: all images deps run selftest test bench clean install
all: $(BUILD)/yogurt $(BUILD)/initramfs.cpio

# A missing cross compiler or its headers: one line, before anything is built.
define check_toolchain
	@command -v $(MUSL_CC) >/dev/null || { echo "make: no $(MUSL_CC) for ARCH=$(ARCH):" \
		"run scripts/install-deps.sh (or make deps)" >&2; exit 1; }
	@test -d $(UAPI_ASM_$(ARCH)) || { echo "make: no uAPI headers in $(UAPI_ASM_$(ARCH)) for" \
		"ARCH=$(ARCH): run scripts/install-deps.sh (or make deps)" >&2; exit 1; }
endef

$(UAPI):
	$(check_toolchain)
	mkdir -p $@
	ln -sfn /usr/include/linux $@/linux
	ln -sfn /usr/include/asm-generic $@/asm-generic
	ln -sfn $(UAPI_ASM_$(ARCH)) $@/asm

$(BUILD)/wire.bpf.o: wire/wire.bpf.c wire/abi.h | $(UAPI)
	$(BPF_CC) $(BPF_CFLAGS) -c $< -o $@

# The binary carries the object without DWARF and BTF: 2 KiB instead of 15.
# BTF would only put source lines into a verifier log of our own, tested
# program; `yogurt attach build/wire.bpf.o` loads it with them. The wire
# has no subprograms: its .text is empty, and its section header goes too,
# with the symbol naming the source file.
$(BUILD)/wire.embedded.o: $(BUILD)/wire.bpf.o Makefile
	$(LLVM_OBJCOPY) --strip-debug --discard-all --remove-section=.llvm_addrsig \
		--remove-section=.BTF --remove-section=.rel.BTF \
		--remove-section=.BTF.ext --remove-section=.rel.BTF.ext --remove-section=.text $< $@
	$(LLVM_OBJCOPY) --strip-unneeded-symbol=wire.bpf.c $@

# The kernel loads a program by its program headers alone: the section
# headers (a kilobyte) go too.
$(BUILD)/yogurt: $(SOURCES) $(HEADERS) wire/wire_object.S $(BUILD)/wire.embedded.o | $(UAPI)
	$(check_toolchain)
	$(MUSL_CC) $(CFLAGS) -DWIRE_OBJECT='"$(BUILD)/wire.embedded.o"' -o $@ $(SOURCES) \
		wire/wire_object.S $(LDFLAGS)
	$(LLVM_STRIP) --strip-sections $@

$(BUILD)/mkcpio: initramfs/mkcpio.c
	mkdir -p $(BUILD)
	$(HOST_CC) -O2 $(WARNINGS) -std=gnu11 -o $@ $<

# The image lists name their files under @BUILD@: this architecture's.
$(BUILD)/initramfs.cpio: $(BUILD)/mkcpio initramfs/yogurt.list $(BUILD)/yogurt
	sed 's|@BUILD@|$(BUILD)|g' initramfs/yogurt.list | $(BUILD)/mkcpio $@ -

# The VM test image: yogurt as /init hands over to the test driver.
# The VM test driver's buffers outgrow -mcmodel=tiny's 1 MiB reach.
VMTEST_CFLAGS_aarch64 := -mcmodel=small
VMTEST_SOURCES := $(wildcard tests/vm/*.c) tests/ktap.c $(LIBRARY_SOURCES) wire/wire_object.S

$(BUILD)/tests/vmtest: $(VMTEST_SOURCES) $(HEADERS) $(BUILD)/wire.embedded.o | $(UAPI)
	$(check_toolchain)
	mkdir -p $(BUILD)/tests
	$(MUSL_CC) $(CFLAGS) $(VMTEST_CFLAGS_$(ARCH)) -Itests/vm \
		-DWIRE_OBJECT='"$(BUILD)/wire.embedded.o"' -o $@ $(VMTEST_SOURCES) -static

# The init script under test is the shipped one, for yogurt at /bin/yogurt.
$(BUILD)/tests/yogurt.init: dist/sysvinit/yogurt.in
	mkdir -p $(BUILD)/tests
	sed 's|@SBINDIR@|/bin|g' $< >$@

# Its shell: Debian's static busybox for this architecture.
$(BUILD)/tests/busybox:
	mkdir -p $(BUILD)/tests
	busybox=$$(scripts/fetch-busybox.sh) && cp "$$busybox" $@.new && mv $@.new $@

$(BUILD)/tests/vm.cpio: $(BUILD)/mkcpio tests/vm/initramfs.list tests/vm/yogurt-two.conf \
                        $(BUILD)/yogurt $(BUILD)/tests/vmtest $(BUILD)/tests/yogurt.init \
                        $(BUILD)/tests/busybox
	sed 's|@BUILD@|$(BUILD)|g' tests/vm/initramfs.list | $(BUILD)/mkcpio $@ -

deps:
	scripts/install-deps.sh

# KERNEL=IMAGE: boot that kernel instead of Debian's; MODULES=DIR: pack the
# modules of MODULES_LOAD (default: netkit veth) and their dependencies from
# that module tree into the initramfs (run.sh reads them).
run: deps
	$(MAKE) all
	scripts/run.sh $(KERNEL_SERIES)

# make selftest [KERNEL=IMAGE] [MODULES=DIR] [ARCH=]: the kernel's netkit/BPF
# conformance, booted with yogurt.mode=selftest; the exit status is its
# verdict (0, 1, 4). MODULES as for run (scripts/boot-common.sh packs them).
selftest: deps
	$(MAKE) all
	scripts/selftest.sh $(KERNEL_SERIES)

# Every architecture's binary, initramfs and VM test image: test and bench
# use them all (the host suites run on this machine's own).
images:
	for arch in $(ARCHES); do $(MAKE) ARCH=$$arch all build/$$arch/tests/vm.cpio || exit 1; done

test: deps
	$(MAKE) images
	tests/run.sh

bench: deps
	$(MAKE) images
	tests/bench.sh

clean:
	rm -rf build

# make install [PREFIX=/usr/local] [DESTDIR=] [ARCH=] [INIT=sysvinit]:
# copies what is built, builds nothing a cross build cannot (the binary of
# ARCH is a prerequisite; the scripts only get their paths by sed). The
# systemd and network-manager paths under PREFIX are read by systemd and
# NetworkManager for PREFIX=/usr; systemd and networkd also read
# /usr/local/lib, NetworkManager does not. Init scripts work only in
# /etc/init.d, whatever PREFIX is. INIT picks which one goes there: the
# sysvinit/busybox script, OpenWrt's procd script, or none.
PREFIX        ?= /usr/local
SYSCONFDIR    ?= /etc
INIT          ?= sysvinit
SBINDIR       := $(PREFIX)/sbin
MANDIR        := $(PREFIX)/share/man
DOCDIR        := $(PREFIX)/share/doc/yogurt
UNITDIR       := $(PREFIX)/lib/systemd/system
NETWORKDIR    := $(PREFIX)/lib/systemd/network
NMCONFDIR     := $(PREFIX)/lib/NetworkManager/conf.d
INIT_SCRIPT_sysvinit := dist/sysvinit/yogurt.in
INIT_SCRIPT_openwrt  := dist/openwrt/yogurt.in
INIT_SCRIPT_none     :=
ifeq ($(filter $(INIT),sysvinit openwrt none),)
$(error INIT=$(INIT) is not one yogurt installs: use INIT=sysvinit, INIT=openwrt or INIT=none)
endif
INIT_SCRIPT   := $(INIT_SCRIPT_$(INIT))
# A template is installed, then given the binary's path in place.
SET_SBINDIR   := sed -i 's|@SBINDIR@|$(SBINDIR)|g'

install: $(BUILD)/yogurt
	install -D -m 0755 $(BUILD)/yogurt $(DESTDIR)$(SBINDIR)/yogurt
	install -D -m 0644 man/yogurt.8 $(DESTDIR)$(MANDIR)/man8/yogurt.8
	install -D -m 0644 man/yogurt.conf.5 $(DESTDIR)$(MANDIR)/man5/yogurt.conf.5
	install -D -m 0644 dist/yogurt.conf.example $(DESTDIR)$(DOCDIR)/yogurt.conf.example
	install -D -m 0644 dist/systemd/yogurt.service.in $(DESTDIR)$(UNITDIR)/yogurt.service
	$(SET_SBINDIR) $(DESTDIR)$(UNITDIR)/yogurt.service
	install -D -m 0644 dist/systemd/10-yogurt.network $(DESTDIR)$(NETWORKDIR)/10-yogurt.network
	install -D -m 0644 dist/NetworkManager/90-yogurt.conf $(DESTDIR)$(NMCONFDIR)/90-yogurt.conf
ifneq ($(INIT_SCRIPT),)
	install -D -m 0755 $(INIT_SCRIPT) $(DESTDIR)$(SYSCONFDIR)/init.d/yogurt
	$(SET_SBINDIR) $(DESTDIR)$(SYSCONFDIR)/init.d/yogurt
endif

# For the test scripts: `make -s print-HOST_CFLAGS` prints that variable.
print-%:
	@echo $($*)
