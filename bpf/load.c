/* load.c — turns a parsed object into kernel objects: maps first (global
 * data filled in and .rodata frozen), then the relocated programs. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bpf.h"
#include "../syscalls/syscalls.h"
#include "../format/format.h"

#define LOG_SIZE_FIRST (64u << 10)
#define LOG_SIZE_MAX (16u << 20)

static int fail(struct bpf_object *object, int error, const char *format, ...)
{
	va_list arguments;

	va_start(arguments, format);
	format_string_list(object->error, sizeof(object->error), format, arguments);
	va_end(arguments);
	return error;
}

static uint64_t pointer(const void *address)
{
	return (uint64_t)(uintptr_t)address;
}

static int create_map(struct bpf_object *object, struct bpf_object_map *map)
{
	union bpf_attr attr;
	uint32_t key = 0;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = map->type;
	attr.key_size = map->key_size;
	attr.value_size = map->value_size;
	attr.max_entries = map->max_entries;
	attr.map_flags = map->flags;
	memcpy(attr.map_name, map->name, sizeof(attr.map_name));
	fd = sys_bpf(BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd < 0)
		return fail(object, (int)fd, "map %s: the kernel refused to create it: %s", map->name, strerror((int)-fd));
	map->fd = (int)fd;
	if (!map->is_data)
		return 0;
	memset(&attr, 0, sizeof(attr));
	attr.map_fd = (uint32_t)fd;
	attr.key = pointer(&key);
	attr.value = pointer(map->value);
	fd = sys_bpf(BPF_MAP_UPDATE_ELEM, &attr, sizeof(attr));
	if (fd == 0 && map->is_read_only) {
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = (uint32_t)map->fd;
		fd = sys_bpf(BPF_MAP_FREEZE, &attr, sizeof(attr));
	}
	if (fd < 0)
		return fail(object, (int)fd, "map %s: could not fill it in: %s", map->name, strerror((int)-fd));
	return 0;
}

/* Points each ld_imm64 that names a map at that map's fd. */
static void relocate(struct bpf_object *object, struct bpf_object_program *program)
{
	for (size_t index = 0; index < program->relocation_count; index++) {
		const struct bpf_object_relocation *relocation = &program->relocations[index];
		const struct bpf_object_map *map = &object->maps[relocation->map];
		struct bpf_insn *insn = &program->instructions[relocation->instruction];

		insn[0].src_reg = map->is_data ? BPF_PSEUDO_MAP_VALUE : BPF_PSEUDO_MAP_FD;
		insn[0].imm = map->fd;
		insn[1].imm = map->is_data ? (int32_t)relocation->value_offset : 0;
	}
}

static long program_load(const struct bpf_object *object, const struct bpf_object_program *program,
			 char *log, uint32_t log_size)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	attr.expected_attach_type = program->expected_attach_type;
	attr.insns = pointer(program->instructions);
	attr.insn_cnt = (uint32_t)program->instruction_count;
	attr.license = pointer(object->license);
	memcpy(attr.prog_name, program->name, sizeof(attr.prog_name));
	if (log) {
		attr.log_buf = pointer(log);
		attr.log_size = log_size;
		attr.log_level = 1;
		log[0] = '\0';
	}
	return sys_bpf(BPF_PROG_LOAD, &attr, sizeof(attr));
}

/* The verifier's last words: the final non-empty line of its log. */
static const char *last_line(char *log)
{
	size_t length = strlen(log);
	char *line;

	while (length > 0 && log[length - 1] == '\n')
		log[--length] = '\0';
	line = strrchr(log, '\n');
	return line ? line + 1 : log;
}

/* Loads again with a log, growing the buffer while the log was cut short. */
static int explain_refusal(struct bpf_object *object, struct bpf_object_program *program, long error)
{
	char summary[160];

	for (uint32_t size = LOG_SIZE_FIRST; size <= LOG_SIZE_MAX; size *= 2) {
		long fd;

		memory_free(object->log);
		object->log = memory_allocate(size);
		if (!object->log)
			break;
		fd = program_load(object, program, object->log, size);
		if (fd >= 0) {
			/* Refused once, accepted with a log: keep this one. */
			program->fd = (int)fd;
			return 0;
		}
		if (fd != -ENOSPC) {
			error = fd;
			break;
		}
	}
	if (!object->log || object->log[0] == '\0')
		return fail(object, (int)error, "program %s (section %s): the kernel refused to load it: %s",
			    program->name, program->section_name, strerror((int)-error));
	format_string(summary, sizeof(summary), "%s", last_line(object->log));
	return fail(object, (int)error, "program %s (section %s): the verifier refused it: %s",
		    program->name, program->section_name, summary);
}

int bpf_object_load(struct bpf_object *object)
{
	int error;

	for (size_t index = 0; index < object->map_count; index++) {
		error = create_map(object, &object->maps[index]);
		if (error < 0)
			goto unload;
	}
	for (size_t index = 0; index < object->program_count; index++) {
		struct bpf_object_program *program = &object->programs[index];
		long fd;

		relocate(object, program);
		fd = program_load(object, program, NULL, 0);
		if (fd >= 0) {
			program->fd = (int)fd;
			continue;
		}
		if (fd == -EPERM) {
			error = fail(object, -EPERM, "program %s: loading BPF programs needs CAP_BPF and CAP_NET_ADMIN (or CAP_SYS_ADMIN)",
				     program->name);
			goto unload;
		}
		error = explain_refusal(object, program, fd);
		if (error < 0)
			goto unload;
	}
	return 0;
unload:
	bpf_object_unload(object);
	return error;
}

void bpf_object_unload(struct bpf_object *object)
{
	for (size_t index = 0; index < object->map_count; index++) {
		if (object->maps[index].fd >= 0)
			close(object->maps[index].fd);
		object->maps[index].fd = -1;
	}
	for (size_t index = 0; index < object->program_count; index++) {
		if (object->programs[index].fd >= 0)
			close(object->programs[index].fd);
		object->programs[index].fd = -1;
	}
}
