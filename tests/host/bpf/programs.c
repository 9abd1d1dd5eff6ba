/* programs.c — the embedded object's programs as parsed: name, section,
 * attach type, every instruction of their section, and each relocation
 * read again from the ELF by hand. */
#include <stdio.h>
#include <string.h>

#include "bpf_test.h"

static void test_program(struct ktap *ktap, struct bpf_object *object, const struct image *image,
			 const char *section, const char *name, uint32_t attach_type,
			 size_t relocations)
{
	struct bpf_object_program *program = bpf_object_find_program(object, section);
	int index = image_find_section(image, section);
	int relocation_section = image_find_relocations_of(image, index);
	Elf64_Shdr header = image_section(image, index > 0 ? (size_t)index : 0);
	char description[128];

	snprintf(description, sizeof(description), "a program in section %s", section);
	if (!ktap_check(ktap, program != NULL, description, "none"))
		return;
	snprintf(description, sizeof(description), "program %s: section %s, attach type %u", name,
		 section, attach_type);
	ktap_check(ktap, strcmp(program->name, name) == 0 &&
		   program->expected_attach_type == attach_type, description,
		   "name \"%s\", attach type %u", program->name, program->expected_attach_type);
	snprintf(description, sizeof(description), "program %s: every instruction of its section (%zu)",
		 name, program->instruction_count);
	ktap_check(ktap, index > 0 &&
		   program->instruction_count * sizeof(struct bpf_insn) == header.sh_size &&
		   memcmp(program->instructions, image->bytes + header.sh_offset, header.sh_size) == 0,
		   description, "section %d, %zu instructions", index, program->instruction_count);
	snprintf(description, sizeof(description), "program %s: %zu relocations, as in its .rel section",
		 name, relocations);
	ktap_check(ktap, program->relocation_count == relocations && relocation_section > 0 &&
		   relocations > 0, description, "parsed %zu, relocation section %d",
		   program->relocation_count, relocation_section);
}

/* Each relocation, read again from the ELF by hand: same instruction, the map
 * its symbol names, and for global data the symbol's offset. */
static void test_relocation_targets(struct ktap *ktap, struct bpf_object *object,
				    const struct image *image, const char *section)
{
	struct bpf_object_program *program = bpf_object_find_program(object, section);
	int index = image_find_section(image, section);
	int relocation_section = image_find_relocations_of(image, index);
	char description[128], problem[160] = "";

	snprintf(description, sizeof(description), "%s: relocations point at the maps their symbols name",
		 section);
	if (!program || relocation_section < 0) {
		ktap_check(ktap, 0, description, "no program or no relocation section");
		return;
	}
	for (size_t entry = 0; entry < program->relocation_count && !problem[0]; entry++) {
		const struct bpf_object_relocation *parsed = &program->relocations[entry];
		Elf64_Rel relocation = image_relocation(image, relocation_section, entry);
		Elf64_Sym symbol = image_symbol(image, ELF64_R_SYM(relocation.r_info));
		const char *symbol_name = image_symbol_name(image, &symbol);
		const struct bpf_object_map *map = &object->maps[parsed->map];
		int is_data = symbol.st_shndx == image_find_section(image, ".rodata");
		struct bpf_insn instruction;

		memcpy(&instruction, image->bytes + image_section(image, (size_t)index).sh_offset +
		       relocation.r_offset, sizeof(instruction));
		if (parsed->instruction != relocation.r_offset / sizeof(struct bpf_insn) ||
		    program->instructions[parsed->instruction].code != LD_IMM64 ||
		    strcmp(map->name, is_data ? "wire.rodata" : "wire_counters") != 0 ||
		    (is_data && parsed->value_offset != symbol.st_value + (uint32_t)instruction.imm))
			snprintf(problem, sizeof(problem),
				 "relocation %zu (%s): instruction %u, map %s, offset %u", entry,
				 symbol_name, parsed->instruction, map->name, parsed->value_offset);
	}
	ktap_check(ktap, !problem[0], description, "%s", problem);
}

void test_programs(struct ktap *ktap, struct bpf_object *object, const struct image *image,
		   const struct wire_layout *wire)
{
	ktap_check(ktap, object->program_count == 2, "two programs", "%zu programs",
		   object->program_count);
	test_program(ktap, object, image, "netkit/peer", "wire_peer", BPF_NETKIT_PEER,
		     wire->peer_relocations);
	test_program(ktap, object, image, "netkit/primary", "wire_primary", BPF_NETKIT_PRIMARY,
		     wire->primary_relocations);
	test_relocation_targets(ktap, object, image, "netkit/peer");
	test_relocation_targets(ktap, object, image, "netkit/primary");
}
