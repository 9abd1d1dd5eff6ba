# yogurt — one static binary that builds a yogurt phone. See README.md.
#
#   make          build/yogurt and build/initramfs.cpio
#   make run      install what is missing, boot the phone in a VM, make a call
#   make test     install what is missing, run host tests and VM tests
#   make bench    print size and speed figures

VERSION       := 0.1.0
BUILD         := build
MUSL_CC       ?= musl-gcc
BPF_CC        ?= clang
HOST_CC       ?= gcc
LLVM_STRIP    ?= llvm-strip
LLVM_OBJCOPY  ?= llvm-objcopy
KERNEL_SERIES ?= 6.12

# musl does not ship the kernel's uAPI headers: borrow Debian's, and only those.
MULTIARCH     := $(shell $(HOST_CC) -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
UAPI          := $(BUILD)/uapi

# Messages are snprintf()ed into fixed buffers on purpose: a cut message is fine.
WARNINGS      := -Wall -Wextra -Werror -Wno-format-truncation
# Size: the stripped binary must stay within 96 KiB on every architecture
# (aim: 64 KiB on x86-64). Each size flag below stays only for what it buys,
# measured with Debian 12's gcc on x86-64 (bytes the binary grows without it):
#   -Oz                             1,280 (against -Os)
#   -fno-asynchronous-unwind-tables 10,256 (a static C program never unwinds)
#   -flto=auto                      1,552
#   -mno-sse                          192 (no floating point: structure copies
#                                         stay in plain registers)
#   -fno-optimize-sibling-calls       448 (calls instead of tail jumps)
#   -fno-inline-functions-called-once 576
#   -fno-thread-jumps                 480 (it copies blocks to save a branch)
#   -fdata-sections                    32 (with --gc-sections, 676: unused
#                                         data and code of ours go)
#   -z noseparate-code              7,776 (no page-aligned code segment)
#   -z norelro                      1,600 (no page-aligned part to make
#                                         read-only after start-up: a static
#                                         binary has no relocations to guard)
# No position-independent code: a static binary is never relocated.
CFLAGS        := -std=gnu11 -Oz -fno-pie $(WARNINGS) -I. -DYOGURT_VERSION='"$(VERSION)"' \
                 -fdata-sections -fno-asynchronous-unwind-tables -flto=auto -mno-sse \
                 -fno-optimize-sibling-calls -fno-inline-functions-called-once -fno-thread-jumps \
                 -idirafter $(UAPI)
LDFLAGS       := -static -no-pie -s -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,-z,norelro
# The host tests and fuzzers (tests/host/*.sh take these, through
# `make print-NAME`: one set of flags for every test program).
HOST_CFLAGS   := -std=gnu11 -g -O1 $(WARNINGS) -I. -idirafter $(UAPI) \
                 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I. \
                 -idirafter $(UAPI)
BPF_CFLAGS    := -target bpf -O2 -g -Wall -Wextra -Werror -idirafter $(UAPI)

# Every C file of a layer directory belongs to it; the BPF programs
# (*.bpf.c) are built by clang for the kernel, not linked.
LIBRARY_SOURCES := $(filter-out %.bpf.c,$(wildcard format/*.c syscalls/*.c netns/*.c nl/*.c \
                   phone/*.c bpf/*.c wire/*.c))
SOURCES       := main.c boot.c $(LIBRARY_SOURCES)
# The generic loader, without the wire (which needs the embedded object).
LOADER_SOURCES := $(filter bpf/%,$(LIBRARY_SOURCES)) format/format.c syscalls/syscalls.c
HEADERS       := $(wildcard *.h */*.h tests/*.h tests/vm/*.h)

.PHONY: all deps run test bench clean
all: $(BUILD)/yogurt $(BUILD)/initramfs.cpio

$(UAPI):
	mkdir -p $@
	ln -sfn /usr/include/linux $@/linux
	ln -sfn /usr/include/asm-generic $@/asm-generic
	ln -sfn /usr/include/$(MULTIARCH)/asm $@/asm

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
	$(MUSL_CC) $(CFLAGS) -DWIRE_OBJECT='"$(BUILD)/wire.embedded.o"' -o $@ $(SOURCES) \
		wire/wire_object.S $(LDFLAGS)
	$(LLVM_STRIP) --strip-sections $@

$(BUILD)/mkcpio: initramfs/mkcpio.c
	mkdir -p $(BUILD)
	$(HOST_CC) -O2 $(WARNINGS) -std=gnu11 -o $@ $<

$(BUILD)/initramfs.cpio: $(BUILD)/mkcpio initramfs/yogurt.list $(BUILD)/yogurt
	$(BUILD)/mkcpio $@ - < initramfs/yogurt.list

# The VM test image: yogurt as /init hands over to the test driver.
VMTEST_SOURCES := $(wildcard tests/vm/*.c) tests/ktap.c $(LIBRARY_SOURCES) wire/wire_object.S

$(BUILD)/tests/vmtest: $(VMTEST_SOURCES) $(HEADERS) $(BUILD)/wire.embedded.o | $(UAPI)
	mkdir -p $(BUILD)/tests
	$(MUSL_CC) $(CFLAGS) -Itests/vm -DWIRE_OBJECT='"$(BUILD)/wire.embedded.o"' -o $@ \
		$(VMTEST_SOURCES) -static

$(BUILD)/tests/vm.cpio: $(BUILD)/mkcpio tests/vm/initramfs.list tests/vm/yogurt-two.conf \
                        $(BUILD)/yogurt $(BUILD)/tests/vmtest
	$(BUILD)/mkcpio $@ - < tests/vm/initramfs.list

deps:
	scripts/install-deps.sh

run: deps
	$(MAKE) all
	scripts/run.sh $(KERNEL_SERIES)

test: deps
	$(MAKE) all $(BUILD)/tests/vm.cpio
	tests/run.sh

bench: deps
	$(MAKE) all $(BUILD)/tests/vm.cpio
	tests/bench.sh

clean:
	rm -rf $(BUILD)

# For the test scripts: `make -s print-HOST_CFLAGS` prints that variable.
print-%:
	@echo $($*)
