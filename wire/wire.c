/* wire.c — instances of the embedded wire object on host-side devices, and
 * reading their counters back from the kernel. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "wire.h"
#include "../format/format.h"

extern const unsigned char wire_object_start[];
extern const unsigned char wire_object_end[];

const void *wire_object_image(size_t *size)
{
	*size = (size_t)(wire_object_end - wire_object_start);
	return wire_object_start;
}

/* Links each hook's program, in netkit_hooks' order (the gate first), and
 * pins the link; *pinned counts the pins made. */
static int attach_and_pin(struct bpf_object *object, uint32_t host_ifindex, const char *pin_dir,
			  size_t *pinned)
{
	for (*pinned = 0; *pinned < NETKIT_HOOKS; (*pinned)++) {
		const struct netkit_hook *hook = &netkit_hooks[*pinned];
		struct bpf_object_program *program = bpf_object_find_program(object, hook->section);
		char path[NETKIT_PIN_PATH_MAX];
		int pin_failed, error;

		if (!program)
			return bpf_object_error(object, -ENOENT,
						"the wire object has no %s program", hook->section);
		error = netkit_link_and_pin(program->fd, host_ifindex, *pinned, pin_dir, path,
					    &pin_failed);
		if (error < 0 && !pin_failed)
			return bpf_object_error(object, error,
						"attaching %s to ifindex %u: %s", hook->section,
						host_ifindex, error_text(-error));
		if (error < 0)
			return bpf_object_error(object, error, "pinning %s: %s", path,
						error_text(-error));
	}
	return 0;
}

int wire_load(struct bpf_object *object, uint32_t target_ifindex,
	      const uint32_t secret[WIRE_SECRET_WORDS])
{
	int error = bpf_object_set_global(object, WIRE_SYMBOL_TARGET, &target_ifindex,
					  sizeof(target_ifindex));

	if (error == 0)
		error = bpf_object_set_global(object, WIRE_SYMBOL_SECRET, secret,
					      WIRE_SECRET_WORDS * sizeof(uint32_t));
	return error ? error : bpf_object_load(object);
}

int wire_attach(struct bpf_object *object, uint32_t host_ifindex, uint32_t target_ifindex,
		const uint32_t secret[WIRE_SECRET_WORDS], const char *pin_dir)
{
	size_t pinned = 0;
	int error = wire_load(object, target_ifindex, secret);

	if (error < 0)
		return error;
	if (mkdir(pin_dir, 0700) < 0) {
		error = -errno;
		bpf_object_error(object, error, "creating %s: %s", pin_dir, error_text(-error));
	} else {
		error = attach_and_pin(object, host_ifindex, pin_dir, &pinned);
		if (error < 0) {
			/* Unpinning the only reference detaches the link. */
			for (size_t index = 0; index < pinned; index++) {
				char path[NETKIT_PIN_PATH_MAX];

				netkit_pin_path(path, sizeof(path), pin_dir, index);
				unlink(path);
			}
			rmdir(pin_dir);
		}
	}
	bpf_object_unload(object);
	return error;
}

/* The map called "wire_counters" among the program's maps: its fd. */
static int counters_map(uint32_t program_id)
{
	uint32_t map_ids[8];
	uint32_t map_count = 8;
	struct bpf_prog_info info;
	int error = bpf_program_info(program_id, &info, map_ids, &map_count);

	if (error < 0)
		return error;
	for (uint32_t index = 0; index < map_count; index++) {
		struct bpf_map_info map;
		int fd = bpf_map_open(map_ids[index], &map);

		if (fd < 0)
			continue;
		if (strcmp(map.name, "wire_counters") == 0 &&
		    map.value_size == sizeof(struct wire_count))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

int wire_read_counters(uint32_t host_ifindex, struct wire_count counters[WIRE_COUNTER_MAX])
{
	uint32_t ids[4], count = 0;
	int error = bpf_netkit_query(host_ifindex, BPF_NETKIT_PRIMARY, ids, 4, &count);

	if (error < 0)
		return error;
	return count ? wire_read_program_counters(ids[0], counters) : -ENOENT;
}

int wire_read_program_counters(uint32_t program_id,
			       struct wire_count counters[WIRE_COUNTER_MAX])
{
	struct wire_count *per_cpu;
	int cpus, error = 0;
	int fd = counters_map(program_id);

	memset(counters, 0, WIRE_COUNTER_MAX * sizeof(*counters));
	if (fd < 0)
		return fd;
	cpus = bpf_possible_cpus();
	per_cpu = cpus > 0 ? memory_allocate((size_t)cpus * sizeof(*per_cpu)) : NULL;
	if (!per_cpu) {
		close(fd);
		return cpus < 0 ? cpus : -ENOMEM;
	}
	for (uint32_t key = 0; key < WIRE_COUNTER_MAX && error == 0; key++) {
		error = bpf_map_lookup(fd, &key, per_cpu);
		for (int cpu = 0; cpu < cpus && error == 0; cpu++) {
			counters[key].packets += per_cpu[cpu].packets;
			counters[key].bytes += per_cpu[cpu].bytes;
		}
	}
	memory_free(per_cpu);
	close(fd);
	return error;
}
