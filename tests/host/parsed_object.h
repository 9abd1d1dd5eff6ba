/* parsed_object.h — what a successful bpf_object_parse() promises the
 * loader (load.c relocates with these numbers unchecked): shared by the
 * broken-copy tests of test_bpf (tests/host/bpf/elf.c) and the ELF fuzzer. */
#ifndef YOGURT_TESTS_PARSED_OBJECT_H
#define YOGURT_TESTS_PARSED_OBJECT_H

#include <stdio.h>
#include <string.h>

#include "bpf/bpf.h"

/* Fills problem with the first broken promise; "" if they all hold. */
static void parsed_object_problem(const struct bpf_object *object, char *problem, size_t size)
{
	const uint8_t ld_imm64 = BPF_LD | BPF_IMM | BPF_DW;

	problem[0] = '\0';
	if (object->program_count < 1 || object->program_count > BPF_OBJECT_MAX_PROGRAMS ||
	    object->map_count > BPF_OBJECT_MAX_MAPS ||
	    !memchr(object->license, '\0', sizeof(object->license)) || object->license[0] == '\0')
		snprintf(problem, size, "%zu programs, %zu maps", object->program_count, object->map_count);
	for (size_t index = 0; index < object->map_count && !problem[0]; index++) {
		const struct bpf_object_map *map = &object->maps[index];

		if (!memchr(map->name, '\0', sizeof(map->name)) || (map->is_data && !map->value))
			snprintf(problem, size, "map %zu", index);
	}
	for (size_t index = 0; index < object->program_count && !problem[0]; index++) {
		const struct bpf_object_program *program = &object->programs[index];

		if (!memchr(program->name, '\0', sizeof(program->name)) || !program->instructions ||
		    program->instruction_count == 0 || program->relocation_count > program->instruction_count)
			snprintf(problem, size, "program %zu", index);
		for (size_t entry = 0; entry < program->relocation_count && !problem[0]; entry++) {
			const struct bpf_object_relocation *relocation = &program->relocations[entry];

			if (relocation->instruction + 1 >= program->instruction_count ||
			    program->instructions[relocation->instruction].code != ld_imm64 ||
			    relocation->map >= object->map_count ||
			    (object->maps[relocation->map].is_data &&
			     relocation->value_offset >= object->maps[relocation->map].value_size))
				snprintf(problem, size, "program %zu relocation %zu", index, entry);
		}
	}
}

#endif
