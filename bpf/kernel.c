/* kernel.c — the bpf(2) commands around loaded objects: netkit links, pins,
 * queries, object info and map reads; and mounting bpffs. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "internal.h"
#include "../format/format.h"
#include "../syscalls/syscalls.h"

#define BPF_FS_MAGIC 0xcafe4a11

int bpf_netkit_link_create_relative(int program_fd, uint32_t ifindex, uint32_t attach_type,
				    uint32_t flags, int relative_fd)
{
	union bpf_attr attr;

	/* link_create.netkit.expected_revision stays zero: whatever the
	 * revision. Its relative_fd is where Debian 12's 6.1 headers, which
	 * lack it, have target_btf_id: the first word of the same union. */
	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = (uint32_t)program_fd;
	attr.link_create.target_ifindex = ifindex;
	attr.link_create.attach_type = attach_type;
	attr.link_create.flags = flags;
	attr.link_create.target_btf_id = (uint32_t)relative_fd;
	return (int)sys_bpf(BPF_LINK_CREATE, &attr, sizeof(attr));
}

int bpf_netkit_link_create(int program_fd, uint32_t ifindex, uint32_t attach_type)
{
	return bpf_netkit_link_create_relative(program_fd, ifindex, attach_type, 0, 0);
}

int bpf_link_update(int link_fd, int program_fd)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.link_update.link_fd = (uint32_t)link_fd;
	attr.link_update.new_prog_fd = (uint32_t)program_fd;
	return (int)sys_bpf(BPF_LINK_UPDATE, &attr, sizeof(attr));
}

int bpf_pin(int fd, const char *path)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.bpf_fd = (uint32_t)fd;
	attr.pathname = bpf_pointer(path);
	return (int)sys_bpf(BPF_OBJ_PIN, &attr, sizeof(attr));
}

int bpf_netkit_query(uint32_t ifindex, uint32_t attach_type, uint32_t *ids, uint32_t capacity,
		     uint32_t *count)
{
	union bpf_attr attr;
	long error;

	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = ifindex;	/* target_ifindex in newer headers */
	attr.query.attach_type = attach_type;
	attr.query.prog_ids = bpf_pointer(ids);
	attr.query.prog_cnt = capacity;
	error = sys_bpf(BPF_PROG_QUERY, &attr, sizeof(attr));
	if (error < 0 && error != -ENOSPC)
		return (int)error;
	*count = attr.query.prog_cnt;
	return 0;
}

/* Opens program or map id (command BPF_PROG_GET_FD_BY_ID or
 * BPF_MAP_GET_FD_BY_ID) and fills info, size bytes, which the caller has
 * prepared; returns the fd. */
static int open_with_info(int command, uint32_t id, void *info, uint32_t size)
{
	union bpf_attr attr;
	long fd;
	int error;

	memset(&attr, 0, sizeof(attr));
	attr.prog_id = id;	/* map_id: the same field */
	fd = sys_bpf(command, &attr, sizeof(attr));
	if (fd < 0)
		return (int)fd;
	/* info's three fields cover the id's; the rest of attr is still zero. */
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = size;
	attr.info.info = bpf_pointer(info);
	error = (int)sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr));
	if (error < 0) {
		close((int)fd);
		return error;
	}
	return (int)fd;
}

int bpf_program_id(int program_fd, uint32_t *id)
{
	struct bpf_prog_info info;
	union bpf_attr attr;
	int error;

	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)program_fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = bpf_pointer(&info);
	error = (int)sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr));
	*id = info.id;
	return error;
}

int bpf_program_info(uint32_t id, struct bpf_prog_info *info, uint32_t *map_ids,
		     uint32_t *map_count)
{
	int fd;

	memset(info, 0, sizeof(*info));
	if (map_ids && map_count) {
		info->nr_map_ids = *map_count;
		info->map_ids = bpf_pointer(map_ids);
	}
	fd = open_with_info(BPF_PROG_GET_FD_BY_ID, id, info, sizeof(*info));
	if (fd < 0)
		return fd;
	close(fd);
	if (map_ids && map_count && info->nr_map_ids < *map_count)
		*map_count = info->nr_map_ids;
	return 0;
}

int bpf_map_open(uint32_t id, struct bpf_map_info *info)
{
	memset(info, 0, sizeof(*info));
	return open_with_info(BPF_MAP_GET_FD_BY_ID, id, info, sizeof(*info));
}

int bpf_map_lookup(int map_fd, const void *key, void *value)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = (uint32_t)map_fd;
	attr.key = bpf_pointer(key);
	attr.value = bpf_pointer(value);
	return (int)sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr, sizeof(attr));
}

/* Per-CPU maps hold one value per *possible* CPU: the highest listed + 1.
 * The kernel lists ranges in ascending order ("0-3", "0,2-7"), so the
 * highest is the last number. */
int bpf_possible_cpus(void)
{
	char text[256];
	long length = format_read_file("/sys/devices/system/cpu/possible", text, sizeof(text));
	const char *last = text;
	size_t digits = 0;
	uint64_t highest;

	if (length < 0)
		return (int)length;
	for (const char *c = text; *c; c++)
		if (*c == '-' || *c == ',')
			last = c + 1;
	while (last[digits] >= '0' && last[digits] <= '9')
		digits++;
	/* A list that filled the buffer may be cut short: its last number
	 * would undercount the CPUs, and the per-CPU buffer with them. */
	if (length == (long)sizeof(text) - 1 ||
	    format_parse_unsigned(last, digits, 10, 1u << 20, &highest) < 0)
		return -EINVAL;
	return (int)highest + 1;
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
