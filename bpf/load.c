/* load.c — turns a parsed object into kernel objects: its BTF first, then
 * the maps (global data filled in and .rodata frozen), then the relocated
 * programs with their func and line info. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "../format/format.h"
#include "../syscalls/syscalls.h"

#define LOG_SIZE_FIRST (64u << 10)
#define LOG_SIZE_MAX (16u << 20)

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
	if (object->btf_fd >= 0 && map->btf_value_type) {
		attr.btf_fd = (uint32_t)object->btf_fd;
		attr.btf_key_type_id = map->btf_key_type;
		attr.btf_value_type_id = map->btf_value_type;
	}
	fd = sys_bpf(BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd < 0)
		return bpf_object_error(object, (int)fd,
					"map %s: the kernel refused to create it: %s", map->name,
					error_text((int)-fd));
	map->fd = (int)fd;
	if (!map->is_data)
		return 0;
	memset(&attr, 0, sizeof(attr));
	attr.map_fd = (uint32_t)fd;
	attr.key = bpf_pointer(&key);
	attr.value = bpf_pointer(map->value);
	fd = sys_bpf(BPF_MAP_UPDATE_ELEM, &attr, sizeof(attr));
	if (fd == 0 && map->is_read_only) {
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = (uint32_t)map->fd;
		fd = sys_bpf(BPF_MAP_FREEZE, &attr, sizeof(attr));
	}
	if (fd < 0)
		return bpf_object_error(object, (int)fd, "map %s: could not fill it in: %s",
					map->name, error_text((int)-fd));
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

/* What every BPF_PROG_LOAD of yogurt's sends: a SCHED_CLS program. */
static void program_attr(union bpf_attr *attr, const struct bpf_insn *instructions,
			 uint32_t count, uint32_t attach_type, const char *license,
			 const char name[BPF_OBJ_NAME_LEN])
{
	attr->prog_type = BPF_PROG_TYPE_SCHED_CLS;
	attr->expected_attach_type = attach_type;
	attr->insns = bpf_pointer(instructions);
	attr->insn_cnt = count;
	attr->license = bpf_pointer(license);
	memcpy(attr->prog_name, name, sizeof(attr->prog_name));
}

int bpf_program_load(const struct bpf_insn *instructions, uint32_t count,
		     uint32_t attach_type, const char *name)
{
	char kernel_name[BPF_OBJ_NAME_LEN] = "";
	union bpf_attr attr;

	format_string(kernel_name, sizeof(kernel_name), "%s", name);
	memset(&attr, 0, sizeof(attr));
	program_attr(&attr, instructions, count, attach_type, "GPL", kernel_name);
	return (int)sys_bpf(BPF_PROG_LOAD, &attr, sizeof(attr));
}

/* BPF_PROG_LOAD of program, or BPF_BTF_LOAD of the object's BTF when
 * program is NULL; with a log when log is not NULL (zeroed memory: empty
 * unless the kernel writes to it). */
static int kernel_load(const struct bpf_object *object, const struct bpf_object_program *program,
		       char *log, uint32_t log_size)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	if (!program) {
		attr.btf = bpf_pointer(object->source->btf.data);
		attr.btf_size = object->source->btf.size;
		attr.btf_log_buf = bpf_pointer(log);
		attr.btf_log_size = log_size;
		attr.btf_log_level = log ? 1 : 0;
		return (int)sys_bpf(BPF_BTF_LOAD, &attr, sizeof(attr));
	}
	program_attr(&attr, program->instructions, (uint32_t)program->instruction_count,
		     program->expected_attach_type, object->license, program->name);
	if (object->btf_fd >= 0 && program->func_info_count) {
		attr.prog_btf_fd = (uint32_t)object->btf_fd;
		attr.func_info_rec_size = sizeof(*program->func_info);
		attr.func_info = bpf_pointer(program->func_info);
		attr.func_info_cnt = program->func_info_count;
		attr.line_info_rec_size = sizeof(*program->line_info);
		attr.line_info = bpf_pointer(program->line_info);
		attr.line_info_cnt = program->line_info_count;
	}
	attr.log_buf = bpf_pointer(log);
	attr.log_size = log_size;
	attr.log_level = log ? 1 : 0;
	return (int)sys_bpf(BPF_PROG_LOAD, &attr, sizeof(attr));
}

/* The kernel's reason: the last line of its log, bar the statistics the
 * verifier ends with (cut off the log). */
static const char *last_line(char *log)
{
	for (;;) {
		size_t length = strlen(log);
		char *line;

		while (length > 0 && log[length - 1] == '\n')
			log[--length] = '\0';
		line = strrchr(log, '\n');
		if (!line)
			return log;
		if (strncmp(line + 1, "processed ", 10) != 0)
			return line + 1;
		*line = '\0';
	}
}

/* The source line the verifier stopped at: the last "; …" line of its
 * log, which it writes from the program's line info. */
static void source_line(const char *log, char *line, size_t size)
{
	const char *found = NULL;
	char text[160];
	size_t length;

	for (const char *at = log; *at; at++)
		if (at[0] == '\n' && at[1] == ';' && at[2] == ' ')
			found = at + 3;
	line[0] = '\0';
	if (!found)
		return;
	for (length = 0; found[length] && found[length] != '\n'; length++)
		;
	length = length < sizeof(text) ? length : sizeof(text) - 1;
	memcpy(text, found, length);
	text[length] = '\0';
	format_string(line, size, " at \"%s\"", text);
}

/* Loads program (the object's BTF when NULL) and returns its fd. On a
 * refusal, loads again with a log, growing the buffer while the log was cut
 * short, and leaves the kernel's reason in the words (or returns the fd, if
 * the kernel took it this time). */
static int load(struct bpf_object *object, struct bpf_object_program *program)
{
	char summary[200], where[200];
	const char *what = program ? program->name : "the object's BTF";
	const char *section = program ? program->section_name : ".BTF";
	int error = kernel_load(object, program, NULL, 0);

	if (error >= 0)
		return error;
	if (error == -EPERM)
		return bpf_object_error(object, -EPERM, "%s: loading BPF needs CAP_BPF and "
					"CAP_NET_ADMIN (or CAP_SYS_ADMIN)", what);
	for (uint32_t size = LOG_SIZE_FIRST; size <= LOG_SIZE_MAX; size *= 2) {
		memory_free(object->log);
		object->log = memory_allocate(size);
		if (!object->log)
			break;
		error = kernel_load(object, program, object->log, size);
		if (error != -ENOSPC)
			break;
	}
	if (error >= 0)
		return error;	/* refused once, accepted with a log */
	if (!object->log || object->log[0] == '\0')
		return bpf_object_error(object, error,
					"%s (section %s): the kernel refused to load it: %s", what,
					section, error_text(-error));
	format_string(summary, sizeof(summary), "%s", last_line(object->log));
	source_line(object->log, where, sizeof(where));
	return bpf_object_error(object, error, "%s (section %s): the %s refused it: %s%s",
				what, section, program ? "verifier" : "kernel", summary, where);
}

int bpf_object_load(struct bpf_object *object)
{
	/* Each step's fd or 0 while all goes well, then its negative errno. */
	int result = 0;

	if (!object->source)
		return bpf_object_error(object, -EINVAL, BPF_NOT_PARSED);
	if (object->source->btf.data) {
		result = load(object, NULL);
		object->btf_fd = result;
	}
	for (size_t index = 0; index < object->map_count && result >= 0; index++)
		result = create_map(object, &object->maps[index]);
	for (size_t index = 0; index < object->program_count && result >= 0; index++) {
		struct bpf_object_program *program = &object->programs[index];

		relocate(object, program);
		result = load(object, program);
		program->fd = result;
	}
	if (result >= 0)
		return 0;
	bpf_object_unload(object);
	return result;
}

/* Closes *fd if it is open and marks it closed. */
static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void bpf_object_unload(struct bpf_object *object)
{
	/* An object never parsed (all zeros) has no fds: its zeros are not
	 * fd 0. */
	if (!object->source)
		return;
	/* Parse set every slot's fd to -1, past the counts too. */
	for (size_t index = 0; index < BPF_OBJECT_MAX_MAPS; index++) {
		close_fd(&object->maps[index].fd);
		close_fd(&object->programs[index].fd);
	}
	close_fd(&object->btf_fd);
}
