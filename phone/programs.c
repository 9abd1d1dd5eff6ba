/* programs.c — what is attached at a netkit hook, read back from the
 * kernel: for status, its list of netkit devices, and up's check that the
 * wire is in place. */
#include <string.h>

#include "internal.h"
#include "../bpf/bpf.h"

uint32_t phone_hook_programs(uint32_t ifindex, size_t hook, struct hook_program *programs,
			     uint32_t capacity)
{
	uint32_t ids[HOOK_PROGRAMS_MAX], count = 0;

	if (capacity > HOOK_PROGRAMS_MAX)
		capacity = HOOK_PROGRAMS_MAX;
	if (bpf_netkit_query(ifindex, netkit_hooks[hook].attach_type, ids, capacity, &count) < 0)
		return 0;
	if (count > capacity)
		count = capacity;
	for (uint32_t index = 0; index < count; index++) {
		struct hook_program *program = &programs[index];
		struct bpf_prog_info info;

		memset(program, 0, sizeof(*program));
		program->id = ids[index];
		if (bpf_program_info(ids[index], &info, NULL, NULL) < 0)
			continue;
		memcpy(program->name, info.name, sizeof(program->name));
		program->instructions = info.xlated_prog_len / 8;
		for (size_t byte = 0; byte < BPF_TAG_SIZE; byte++)
			format_string(program->tag + 2 * byte, 3, "%02x", info.tag[byte]);
	}
	return count;
}
