/* attach_tests.c — `yogurt attach` and `yogurt detach` on the phone that
 * yogurt (PID 1) built: the wire on yg1-host is detached (the gate then
 * drops everything), and attached again with `yogurt attach` from a copy
 * of the wire object whose .rodata carries what the kernel's copy holds
 * (the other end's ifindex and the secret), so that the call goes through
 * again over programs that attach linked. Then each refusal: a device that
 * is not netkit, one that does not exist here, a section that is not in
 * the object, a second attach, a detach of nothing. Nothing stays pinned
 * after a refusal. Last, `yogurt up --no-wire` builds a phone without the
 * wire, and two `yogurt attach` of wire copies with constants of our own
 * make it work. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include "suite.h"
#include "bpf/internal.h"
#include "wire/wire.h"

#define WIRE_COPY "/tmp/wire.o"

/* Unpinning drops the last reference to a link, but the kernel releases it
 * only after the pin's inode is freed, an RCU grace period later: waits up
 * to 5 s until no program is attached at either hook of device. 0 then. */
static int wait_until_detached(const char *device)
{
	for (int waited_ms = 0; waited_ms < 5000; waited_ms += 20) {
		uint32_t ids[4], primary = 0, peer = 0;
		unsigned ifindex = if_nametoindex(device);

		if (ifindex == 0 || bpf_netkit_query(ifindex, BPF_NETKIT_PRIMARY, ids, 4, &primary) < 0 ||
		    bpf_netkit_query(ifindex, BPF_NETKIT_PEER, ids, 4, &peer) < 0)
			return -ENODEV;
		if (primary == 0 && peer == 0)
			return 0;
		usleep(20 * 1000);
	}
	return -ETIMEDOUT;
}

/* The value of the wire's .rodata map as the kernel has it on device. */
static int read_rodata(const char *device, unsigned char *value, size_t size)
{
	uint32_t id = 0, count = 0, map_ids[8], map_count = 8;
	struct bpf_prog_info info;
	int error = bpf_netkit_query(if_nametoindex(device), BPF_NETKIT_PRIMARY, &id, 1, &count);

	if (error == 0 && count == 0)
		error = -ENOENT;
	if (error == 0)
		error = bpf_program_info(id, &info, map_ids, &map_count);
	for (uint32_t index = 0; error == 0 && index < map_count; index++) {
		struct bpf_map_info map;
		uint32_t key = 0;
		int fd = bpf_map_open(map_ids[index], &map);

		if (fd < 0 || strcmp(map.name, "wire.rodata") != 0 || map.value_size != size) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		error = bpf_map_lookup(fd, &key, value);
		close(fd);
		return error;
	}
	return error < 0 ? error : -ENOENT;
}

/* Writes the embedded wire object with its .rodata section replaced. */
static int write_wire_copy(const char *path, const unsigned char *rodata, size_t size)
{
	size_t image_size;
	const unsigned char *image = wire_object_image(&image_size);
	unsigned char *copy = malloc(image_size);
	struct elf_file elf;
	Elf64_Shdr header;
	int fd, error = -EINVAL;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, image, image_size);
	if (elf_open(&elf, copy, image_size) == 0 && elf_find_section(&elf, ".rodata", &header) > 0 &&
	    header.sh_size == size && header.sh_offset + size <= image_size) {
		memcpy(copy + header.sh_offset, rodata, size);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		error = fd >= 0 && write(fd, copy, image_size) == (ssize_t)image_size ? 0 : -EIO;
		if (fd >= 0)
			close(fd);
	}
	free(copy);
	return error;
}

/* Runs yogurt; checks its exit status and that its output says words. */
static void expect_yogurt(struct suite *suite, const char *command, int status, const char *words, const char *name)
{
	char output[4096] = "";
	int got = run_yogurt(command, output, sizeof(output));

	check(suite, got == status && strstr(output, words) != NULL, name, "yogurt %s: exit %d, wanted %d with \"%s\": %s",
	      command, got, status, words, output);
}

/* A wire copy for host device `device` that redirects to `target`, with
 * our own secret: the .rodata the loader builds from set_global. */
static int write_wire_for(const char *path, const char *target)
{
	static const uint32_t secret[WIRE_SECRET_WORDS] = { 0x796f6775, 0x72742121, 0x6e65746b, 0x69742121 };
	uint32_t ifindex = if_nametoindex(target);
	size_t size;
	const void *image = wire_object_image(&size);
	struct bpf_object wire;
	int error = bpf_object_parse(&wire, "wire", image, size);

	if (error == 0)
		error = bpf_object_set_global(&wire, WIRE_SYMBOL_TARGET, &ifindex, sizeof(ifindex));
	if (error == 0)
		error = bpf_object_set_global(&wire, WIRE_SYMBOL_SECRET, secret, sizeof(secret));
	for (size_t index = 0; error == 0 && index < wire.map_count; index++)
		if (strcmp(wire.maps[index].name, "wire.rodata") == 0)
			error = write_wire_copy(path, wire.maps[index].value, wire.maps[index].value_size);
	bpf_object_free(&wire);
	return error;
}

static void test_no_wire(struct suite *suite)
{
	char output[4096];
	int error;

	printf("# up --no-wire, then the wire brought with attach\n");
	check(suite, run_yogurt("down", output, sizeof(output)) == 0, "no-wire: down", "%s", output);
	expect_yogurt(suite, "up --no-wire", 0, "ready", "up --no-wire: the phone is built");
	check(suite, !path_exists(PHONE_PIN_ROOT "/yg1-host") && !path_exists(PHONE_PIN_ROOT "/yg2-host"),
	      "up --no-wire: no wire pinned", NULL);
	check(suite, phone_works(suite) != 0, "up --no-wire: no wire, no call (blackhole)", NULL);
	error = write_wire_for("/tmp/wire-1.o", "yg2-host");
	if (error == 0)
		error = write_wire_for("/tmp/wire-2.o", "yg1-host");
	check(suite, error == 0, "no-wire: wire copies with our own constants written", "%s", strerror(-error));
	expect_yogurt(suite, "attach /tmp/wire-1.o --dev yg1-host", 0, "pinned", "no-wire: attach a wire to yg1-host");
	expect_yogurt(suite, "attach /tmp/wire-2.o --dev yg2-host", 0, "pinned", "no-wire: attach a wire to yg2-host");
	check(suite, phone_works(suite) == 0, "no-wire: the call goes through the wire brought by attach", NULL);
	/* Back to the default phone for the suites after this one. */
	check(suite, run_yogurt("down", output, sizeof(output)) == 0 && run_yogurt("up", output, sizeof(output)) == 0 &&
	      phone_works(suite) == 0, "no-wire: down and up give the default phone back", "%s", output);
}

void test_attach(struct suite *suite)
{
	unsigned char rodata[64];
	size_t size;
	struct bpf_object wire;
	int error;

	printf("# attach and detach\n");
	/* The size of .rodata, from the embedded object itself. */
	{
		const void *image = wire_object_image(&size);

		error = bpf_object_parse(&wire, "wire", image, size);
		size = 0;
		for (size_t index = 0; error == 0 && index < wire.map_count; index++)
			if (strcmp(wire.maps[index].name, "wire.rodata") == 0)
				size = wire.maps[index].value_size;
		bpf_object_free(&wire);
	}
	error = size && size <= sizeof(rodata) ? read_rodata("yg1-host", rodata, size) : -EINVAL;
	if (error == 0)
		error = write_wire_copy(WIRE_COPY, rodata, size);
	check(suite, error == 0, "attach: a copy of the wire with yg1-host's constants written to " WIRE_COPY,
	      "%s", strerror(-error));
	expect_yogurt(suite, "detach --dev yg1-host", 0, "unpinned", "detach --dev yg1-host: unpins the wire");
	check(suite, !path_exists(PHONE_PIN_ROOT "/yg1-host"), "detach: the pin directory is gone", NULL);
	error = wait_until_detached("yg1-host");
	check(suite, error == 0, "detach: the kernel lets go of both programs within 5 s", "%s",
	      strerror(-error));
	check(suite, phone_works(suite) != 0, "detach: with no program, the blackhole gate drops the call", NULL);
	expect_yogurt(suite, "attach " WIRE_COPY " --dev yg1-host", 0, "pinned at " PHONE_PIN_ROOT "/yg1-host/peer",
		      "attach " WIRE_COPY " --dev yg1-host: both programs linked and pinned");
	check(suite, path_exists(PHONE_PIN_ROOT "/yg1-host/primary") && path_exists(PHONE_PIN_ROOT "/yg1-host/peer"),
	      "attach: pins primary and peer where the wire's were", NULL);
	check(suite, phone_works(suite) == 0, "attach: the call goes through the attached programs", NULL);
	expect_yogurt(suite, "status -v", 0, "yg1-host (ifindex", "status: lists netkit devices with what is attached");
	expect_yogurt(suite, "attach " WIRE_COPY " --dev yg1-host", 1, "run 'yogurt detach' first",
		      "attach twice: refused, the first stays");
	check(suite, phone_works(suite) == 0, "attach twice: the call still goes through", NULL);
	expect_yogurt(suite, "attach " WIRE_COPY " --dev lo", 2, "not a netkit device", "attach --dev lo: not netkit");
	check(suite, !path_exists(PHONE_PIN_ROOT "/lo"), "attach --dev lo: nothing stays pinned", NULL);
	expect_yogurt(suite, "attach " WIRE_COPY " --dev yg1-cont", 1, "no device yg1-cont",
		      "attach --dev yg1-cont: that end is in its namespace, not here");
	expect_yogurt(suite, "attach " WIRE_COPY " --dev yg2-host --primary nowhere", 1, "no section or program nowhere",
		      "attach --primary nowhere: no such section");
	expect_yogurt(suite, "detach --dev lo", 1, "nothing is pinned", "detach of nothing: refused");
	expect_yogurt(suite, "attach /nonexistent.o --dev yg2-host", 1, "No such file", "attach of a missing file: refused");
	check(suite, phone_works(suite) == 0, "attach: the phone still works after the refusals", NULL);
	test_no_wire(suite);
}
