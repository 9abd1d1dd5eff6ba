/* load.c — the wire loaded into this kernel (BPF, no netkit): every fd
 * open, program info, the frozen .rodata as the kernel has it, a netkit
 * link refused on lo, unload and load again; an object that is not parsed
 * refused; and a program the verifier refuses, its words and its log.
 * Needs root (CAP_BPF). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include "bpf_test.h"
#include "syscalls/syscalls.h"

/* What the verifier says when a map value is used without a NULL check. */
#define VERIFIER_REASON "invalid mem access 'map_value_or_null'"

static int fd_is_open(int fd)
{
	return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

/* How many of fds[0..count) are open. */
static int count_open(const int *fds, int count)
{
	int open = 0;

	for (int index = 0; index < count; index++)
		open += fd_is_open(fds[index]);
	return open;
}

/* The object's program fds, then its map fds, into fds; their count. */
static int object_fds(const struct bpf_object *object, int *fds)
{
	int count = 0;

	for (size_t index = 0; index < object->program_count; index++)
		fds[count++] = object->programs[index].fd;
	for (size_t index = 0; index < object->map_count; index++)
		fds[count++] = object->maps[index].fd;
	return count;
}

static uint32_t program_id(int fd)
{
	struct bpf_prog_info info;
	union bpf_attr attr;

	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (uint64_t)(uintptr_t)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr)) < 0)
		return 0;
	return info.id;
}

/* The verifier folds the frozen .rodata in: the translated length shows
 * which branches it could drop for these globals. */
static void print_translated_length(const struct bpf_object_program *program,
				    const char *globals)
{
	struct bpf_prog_info info;
	uint32_t id = program_id(program->fd);

	if (id && bpf_program_info(id, &info, NULL, NULL) == 0)
		ktap_comment("%s (%s): %zu instructions in the ELF, %u after the verifier (xlated %u "
			     "bytes), %u bytes jited, verifier processed %u", program->name, globals,
			     program->instruction_count,
			     info.xlated_prog_len / (uint32_t)sizeof(struct bpf_insn),
			     info.xlated_prog_len, info.jited_prog_len, info.verified_insns);
}

static void test_program_info(struct ktap *ktap, const struct bpf_object_program *program)
{
	struct bpf_prog_info info;
	uint32_t map_ids[8], map_count = 8;
	uint32_t id = program_id(program->fd);
	char description[128];
	int error = id ? bpf_program_info(id, &info, map_ids, &map_count) : -ENOENT;

	snprintf(description, sizeof(description),
		 "%s: bpf_program_info(id %u): name, type, two maps, code", program->name, id);
	if (!ktap_check(ktap, error == 0 && strcmp(info.name, program->name) == 0 &&
			info.type == BPF_PROG_TYPE_SCHED_CLS && info.xlated_prog_len > 0 &&
			map_count == 2, description,
			"error %d, name \"%s\", type %u, xlated %u, %u maps", error, info.name,
			info.type, info.xlated_prog_len, map_count))
		return;
	print_translated_length(program, "secret set, target 1");
}

/* The .rodata map reads back what was set, and is frozen. */
static void test_rodata_in_kernel(struct ktap *ktap, struct bpf_object *object,
				  const struct wire_layout *wire, uint32_t target)
{
	struct bpf_object_map *rodata = find_map(object, "wire.rodata");
	unsigned char value[256], other[256] = { 0 };
	uint32_t key = 0;
	union bpf_attr attr;
	long error = -E2BIG;

	if (rodata->value_size <= sizeof(value))
		error = bpf_map_lookup(rodata->fd, &key, value);
	ktap_check(ktap, error == 0 && wire_rodata_holds(wire, value, rodata->value_size, &target,
							 test_secret),
		   "the kernel's wire.rodata holds the target and the secret", "lookup %ld", error);
	memset(&attr, 0, sizeof(attr));
	attr.map_fd = (uint32_t)rodata->fd;
	attr.key = (uint64_t)(uintptr_t)&key;
	attr.value = (uint64_t)(uintptr_t)other;
	error = sys_bpf(BPF_MAP_UPDATE_ELEM, &attr, sizeof(attr));
	ktap_check(ktap, error == -EPERM, "wire.rodata is frozen: an update gives -EPERM",
		   "update gave %ld", error);
}

static void test_netkit_attach(struct ktap *ktap, const struct bpf_object_program *program,
			       uint32_t attach_type)
{
	unsigned int loopback = if_nametoindex("lo");
	int link = bpf_netkit_link_create(program->fd, loopback, attach_type);
	char description[160];

	/* No CONFIG_NETKIT: bpf(2) falls to the netkit_link_attach() stub
	 * (-EINVAL). With netkit, lo is no netkit device: -ENXIO. */
	snprintf(description, sizeof(description),
		 "netkit link of %s on lo (ifindex %u, attach type %u) fails: %d (%s)", program->name,
		 loopback, attach_type, link, link < 0 ? strerror(-link) : "a link fd!");
	ktap_check(ktap, link == -EINVAL || link == -ENXIO, description,
		   "expected -EINVAL (no netkit) or -ENXIO (lo is no netkit)");
	if (link >= 0)
		close(link);
}

/* The embedded wire, parsed, with the test secret and target set. */
static int parse_wire(struct bpf_object *object, const uint32_t *secret, uint32_t target)
{
	size_t size;
	const void *bytes = wire_object_image(&size);
	int error = bpf_object_parse(object, "wire", bytes, size);

	if (error == 0)
		error = bpf_object_set_global(object, WIRE_SYMBOL_SECRET, secret,
					      WIRE_SECRET_WORDS * sizeof(uint32_t));
	if (error == 0)
		error = bpf_object_set_global(object, WIRE_SYMBOL_TARGET, &target, sizeof(target));
	return error;
}

static void test_load_zero_secret(struct ktap *ktap)
{
	const uint32_t zero_secret[WIRE_SECRET_WORDS] = { 0 };
	struct bpf_object object;
	int error = parse_wire(&object, zero_secret, 0);

	if (error == 0)
		error = bpf_object_load(&object);
	if (ktap_check(ktap, error == 0 && fd_is_open(object.programs[0].fd) &&
		       fd_is_open(object.programs[1].fd), "an all-zero secret and target 0 still load",
		       "%d: %s", error, object.error))
		for (size_t index = 0; index < object.program_count; index++)
			print_translated_length(&object.programs[index], "secret 0, target 0");
	bpf_object_free(&object);
}

static void test_load_wire(struct ktap *ktap, const struct wire_layout *wire)
{
	struct bpf_object object;
	uint32_t target = 1;
	int fds[BPF_OBJECT_MAX_PROGRAMS + BPF_OBJECT_MAX_MAPS], fd_count, still_open;
	int error;

	ktap_comment("c. loading the wire into this kernel; d. netkit attach");
	error = parse_wire(&object, test_secret, target);
	if (!ktap_check(ktap, error == 0, "parse and set the globals", "%d: %s", error,
			object.error)) {
		bpf_object_free(&object);
		return;
	}
	error = bpf_object_load(&object);
	if (!ktap_check(ktap, error == 0, "bpf_object_load succeeds", "%d: %s", error, object.error)) {
		comment_last_lines(object.log, 6);
		bpf_object_free(&object);
		return;
	}
	fd_count = object_fds(&object, fds);
	still_open = count_open(fds, fd_count);
	ktap_check(ktap, fd_count == 4 && still_open == 4, "two program fds and two map fds are open",
		   "%d of %d", still_open, fd_count);
	for (size_t index = 0; index < object.program_count; index++)
		test_program_info(ktap, &object.programs[index]);
	test_rodata_in_kernel(ktap, &object, wire, target);
	test_netkit_attach(ktap, bpf_object_find_program(&object, "netkit/primary"),
			   BPF_NETKIT_PRIMARY);
	test_netkit_attach(ktap, bpf_object_find_program(&object, "netkit/peer"), BPF_NETKIT_PEER);
	bpf_object_unload(&object);
	still_open = count_open(fds, fd_count);
	ktap_check(ktap, still_open == 0 && object.programs[0].fd == -1 && object.maps[0].fd == -1,
		   "bpf_object_unload closes every fd and sets them to -1", "%d still open",
		   still_open);
	/* relocate() patches the instructions in place: a second load must
	 * patch them again with the new map fds. */
	error = bpf_object_load(&object);
	ktap_check(ktap, error == 0 && fd_is_open(object.programs[0].fd) &&
		   fd_is_open(object.programs[1].fd), "loading again after unload works",
		   "%d: %s", error, object.error);
	fd_count = object_fds(&object, fds);
	bpf_object_free(&object);
	still_open = count_open(fds, fd_count);
	ktap_check(ktap, still_open == 0, "bpf_object_free of a loaded object closes its fds",
		   "%d still open", still_open);
}

/* set_global and load on an object that is not parsed (zeroed, or its
 * parse failed) refuse with words; freeing a zeroed one closes nothing,
 * fd 0 least of all. */
static void test_not_parsed(struct ktap *ktap)
{
	static const unsigned char junk[] = "not an ELF object";
	struct bpf_object objects[2];
	uint32_t target = 1;
	/* fd 0 must be open for its closing to show. */
	int standard_input = fd_is_open(0) ? -1 : open("/dev/null", O_RDONLY);

	memset(&objects[0], 0, sizeof(objects[0]));
	ktap_check(ktap, bpf_object_parse(&objects[1], "junk", junk, sizeof(junk)) == -EINVAL,
		   "a parse of junk fails", NULL);
	for (int index = 0; index < 2; index++) {
		struct bpf_object *object = &objects[index];
		const char *what = index == 0 ? "a zeroed object" : "an object whose parse failed";
		char description[128];
		int error;

		error = bpf_object_set_global(object, WIRE_SYMBOL_TARGET, &target, sizeof(target));
		snprintf(description, sizeof(description),
			 "bpf_object_set_global on %s: -EINVAL, \"the object is not parsed\"", what);
		ktap_check(ktap, error == -EINVAL && strcmp(object->error, BPF_NOT_PARSED) == 0,
			   description, "%d: %s", error, object->error);
		object->error[0] = '\0';
		error = bpf_object_load(object);
		snprintf(description, sizeof(description),
			 "bpf_object_load on %s: -EINVAL, \"the object is not parsed\"", what);
		ktap_check(ktap, error == -EINVAL && strcmp(object->error, BPF_NOT_PARSED) == 0,
			   description, "%d: %s", error, object->error);
		bpf_object_free(object);
		snprintf(description, sizeof(description),
			 "bpf_object_free of %s leaves fd 0 open and every fd -1", what);
		ktap_check(ktap, fd_is_open(0) && object->btf_fd == -1 &&
			   object->programs[0].fd == -1 && object->maps[0].fd == -1, description,
			   "fd 0 %s, btf_fd %d", fd_is_open(0) ? "open" : "closed", object->btf_fd);
	}
	if (standard_input >= 0)
		close(standard_input);
}

/* The per-CPU value count: never fewer than the CPUs online. */
static void test_possible_cpus(struct ktap *ktap)
{
	int cpus = bpf_possible_cpus();
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	ktap_check(ktap, cpus > 0 && cpus >= online,
		   "bpf_possible_cpus counts at least the CPUs online", "%d, %ld online", cpus,
		   online);
}

void test_load(struct ktap *ktap, const struct wire_layout *wire)
{
	test_load_wire(ktap, wire);
	test_load_zero_secret(ktap);
	test_not_parsed(ktap);
	test_possible_cpus(ktap);
}

void test_refused(struct ktap *ktap, const char *path)
{
	struct image image = { 0 };
	struct bpf_object object;
	int error;

	ktap_comment("e. a program the verifier refuses (%s)", path ? path : "no path given");
	error = path ? image_read(path, &image) : -ENOENT;
	if (!ktap_check(ktap, error == 0, "read the refused object", "%s: %s",
			path ? path : "(argv[1] missing)", strerror(-error)))
		return;
	error = bpf_object_parse(&object, "refused", image.bytes, image.size);
	if (ktap_check(ktap, error == 0, "the refused object parses", "%d: %s", error,
		       object.error)) {
		error = bpf_object_load(&object);
		ktap_check(ktap, error < 0, "bpf_object_load fails", "it loaded");
		ktap_comment("error: %d \"%s\"", error, object.error);
		ktap_check(ktap, strstr(object.error, "the verifier refused it") != NULL,
			   "object->error says \"the verifier refused it\"", "\"%s\"", object.error);
		ktap_check(ktap, object.log && object.log[0] != '\0',
			   "object->log holds the verifier log", "no log");
		/* The verifier's own words for a NULL-unchecked map value. */
		if (!ktap_check(ktap, object.log && strstr(object.log, VERIFIER_REASON),
				"object->log has the verifier's words \"" VERIFIER_REASON "\"",
				"the log ends:"))
			comment_last_lines(object.log, 6);
		/* The statistics line the verifier ends with is no reason. */
		ktap_check(ktap, strstr(object.error, VERIFIER_REASON) != NULL,
			   "object->error quotes the verifier's reason, not its statistics", "\"%s\"",
			   object.error);
		ktap_check(ktap, object.programs[0].fd == -1 && object.maps[0].fd == -1,
			   "after the refusal no program or map fd is kept", "program fd %d, map fd %d",
			   object.programs[0].fd, object.maps[0].fd);
	}
	bpf_object_free(&object);
	free(image.bytes);
}
