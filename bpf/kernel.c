/* kernel.c — the bpf(2) commands around loaded objects: netkit links, pins,
 * queries, object info and map reads; and mounting bpffs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "bpf.h"
#include "../syscalls/syscalls.h"
#include "../format/format.h"

#define BPF_FS_MAGIC 0xcafe4a11

static uint64_t pointer(const void *address)
{
	return (uint64_t)(uintptr_t)address;
}

int bpf_netkit_link_create(int program_fd, uint32_t ifindex, uint32_t attach_type)
{
	union bpf_attr attr;

	/* link_create.netkit (relative_fd, expected_revision) stays zero:
	 * append after whatever is attached, whatever the revision. */
	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = (uint32_t)program_fd;
	attr.link_create.target_ifindex = ifindex;
	attr.link_create.attach_type = attach_type;
	return (int)sys_bpf(BPF_LINK_CREATE, &attr, sizeof(attr));
}

int bpf_pin(int fd, const char *path)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.bpf_fd = (uint32_t)fd;
	attr.pathname = pointer(path);
	return (int)sys_bpf(BPF_OBJ_PIN, &attr, sizeof(attr));
}

int bpf_obj_get(const char *path)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.pathname = pointer(path);
	return (int)sys_bpf(BPF_OBJ_GET, &attr, sizeof(attr));
}

int bpf_netkit_query(uint32_t ifindex, uint32_t attach_type, uint32_t *ids, uint32_t capacity, uint32_t *count)
{
	union bpf_attr attr;
	long error;

	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = ifindex;	/* target_ifindex in newer headers */
	attr.query.attach_type = attach_type;
	attr.query.prog_ids = pointer(ids);
	attr.query.prog_cnt = capacity;
	error = sys_bpf(BPF_PROG_QUERY, &attr, sizeof(attr));
	if (error < 0 && error != -ENOSPC)
		return (int)error;
	*count = attr.query.prog_cnt;
	return 0;
}

static int object_info(int fd, void *info, uint32_t size)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = size;
	attr.info.info = pointer(info);
	return (int)sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr));
}

int bpf_program_info(uint32_t id, struct bpf_prog_info *info, uint32_t *map_ids, uint32_t *map_count)
{
	union bpf_attr attr;
	long fd;
	int error;

	memset(&attr, 0, sizeof(attr));
	attr.prog_id = id;
	fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr, sizeof(attr));
	if (fd < 0)
		return (int)fd;
	memset(info, 0, sizeof(*info));
	if (map_ids && map_count) {
		info->nr_map_ids = *map_count;
		info->map_ids = pointer(map_ids);
	}
	error = object_info((int)fd, info, sizeof(*info));
	close((int)fd);
	if (error == 0 && map_ids && map_count)
		*map_count = info->nr_map_ids < *map_count ? info->nr_map_ids : *map_count;
	return error;
}

int bpf_map_open(uint32_t id, struct bpf_map_info *info)
{
	union bpf_attr attr;
	long fd;
	int error;

	memset(&attr, 0, sizeof(attr));
	attr.map_id = id;
	fd = sys_bpf(BPF_MAP_GET_FD_BY_ID, &attr, sizeof(attr));
	if (fd < 0)
		return (int)fd;
	memset(info, 0, sizeof(*info));
	error = object_info((int)fd, info, sizeof(*info));
	if (error < 0) {
		close((int)fd);
		return error;
	}
	return (int)fd;
}

int bpf_map_lookup(int map_fd, const void *key, void *value)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = (uint32_t)map_fd;
	attr.key = pointer(key);
	attr.value = pointer(value);
	return (int)sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr, sizeof(attr));
}

/* Per-CPU maps hold one value per *possible* CPU: the highest listed + 1. */
int bpf_possible_cpus(void)
{
	char text[256];
	int highest = -1;
	long length = format_read_file("/sys/devices/system/cpu/possible", text, sizeof(text));

	if (length <= 0)
		return length < 0 ? (int)length : -EINVAL;
	for (char *c = text; *c;) {
		int number = 0, digits = 0;

		while (*c >= '0' && *c <= '9' && digits < 6) {
			number = number * 10 + (*c++ - '0');
			digits++;
		}
		if (digits && number > highest)
			highest = number;
		if (*c)
			c++;
	}
	return highest < 0 ? -EINVAL : highest + 1;
}

int bpffs_mount(const char *path)
{
	struct statfs filesystem;

	if (statfs(path, &filesystem) == 0 && (unsigned long)filesystem.f_type == BPF_FS_MAGIC)
		return 0;
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return sys_mount("bpf", path, "bpf", 0, "mode=0700");
}
