/* object.c — what a BPF ELF object holds: its programs, the maps it declares
 * (the classic "maps" section), its global data (.rodata*, .data*, .bss*) and
 * the relocations that tie instructions to them. Parsing only reads the
 * image; nothing here talks to the kernel. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bpf.h"
#include "../format/format.h"

/* The classic map definition: five u32 (type, key, value, entries, flags). */
#define LEGACY_MAP_DEFINITION_SIZE 20
#define LD_IMM64 (BPF_LD | BPF_IMM | BPF_DW)
#define R_BPF_64_64 1
#define R_BPF_64_32 10

/* Where parsing is: the object and its symbol table. */
struct parse_state {
	struct bpf_object *object;
	Elf64_Shdr symbols;
	size_t symbols_index;
	Elf64_Shdr symbol_names;
	size_t maps_section;		/* 0: none */
	size_t program_sections[BPF_OBJECT_MAX_PROGRAMS];
};

static int fail(struct bpf_object *object, int error, const char *format, ...)
{
	va_list arguments;

	va_start(arguments, format);
	format_string_list(object->error, sizeof(object->error), format, arguments);
	va_end(arguments);
	return error;
}

static int has_prefix(const char *text, const char *prefix)
{
	return strncmp(text, prefix, strlen(prefix)) == 0;
}

/* Section names that hold SCHED_CLS programs, and their attach types. */
static int program_attach_type(const char *section_name, uint32_t *attach_type)
{
	if (strcmp(section_name, "netkit/primary") == 0)
		*attach_type = BPF_NETKIT_PRIMARY;
	else if (strcmp(section_name, "netkit/peer") == 0)
		*attach_type = BPF_NETKIT_PEER;
	else if (strcmp(section_name, "tc") == 0 || has_prefix(section_name, "classifier"))
		*attach_type = 0;
	else
		return -EOPNOTSUPP;
	return 0;
}

/* Kernel object names allow [A-Za-z0-9_.] and 15 characters. */
static void kernel_name(char name[BPF_OBJ_NAME_LEN], const char *first, const char *second)
{
	size_t length = 0;

	for (const char *part = first; part; part = (part == first) ? second : NULL)
		for (const char *c = part; *c && length < BPF_OBJ_NAME_LEN - 1; c++) {
			int allowed = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
				      (*c >= '0' && *c <= '9') || *c == '.';
			name[length++] = allowed ? *c : '_';
		}
	name[length] = '\0';
}

static int is_data_section(const char *name)
{
	return has_prefix(name, ".rodata") || has_prefix(name, ".data") || has_prefix(name, ".bss");
}

static int add_data_map(struct parse_state *state, size_t index, const Elf64_Shdr *header, const char *name)
{
	struct bpf_object *object = state->object;
	struct bpf_object_map *map;
	const unsigned char *bytes = elf_section_data(&object->elf, header);

	if (header->sh_type != SHT_NOBITS && !bytes)
		return fail(object, -EINVAL, "section %s lies outside the file", name);
	if (header->sh_size > (1u << 20))
		return fail(object, -EINVAL, "section %s is larger than 1 MiB", name);
	if (object->map_count == BPF_OBJECT_MAX_MAPS)
		return fail(object, -EOPNOTSUPP, "more than %d maps", BPF_OBJECT_MAX_MAPS);
	map = &object->maps[object->map_count++];
	kernel_name(map->name, object->name, name);
	map->type = BPF_MAP_TYPE_ARRAY;
	map->key_size = sizeof(uint32_t);
	map->value_size = (uint32_t)header->sh_size;
	map->max_entries = 1;
	map->section = index;
	map->is_data = 1;
	map->is_read_only = has_prefix(name, ".rodata");
	map->flags = map->is_read_only ? BPF_F_RDONLY_PROG : 0;
	map->value = memory_allocate(header->sh_size);
	if (!map->value)
		return fail(object, -ENOMEM, "out of memory");
	if (bytes)
		memcpy(map->value, bytes, header->sh_size);
	return 0;
}

static int add_program(struct parse_state *state, size_t index, const Elf64_Shdr *header, const char *name)
{
	struct bpf_object *object = state->object;
	struct bpf_object_program *program;
	const unsigned char *bytes = elf_section_data(&object->elf, header);
	uint32_t attach_type;

	if (program_attach_type(name, &attach_type) < 0)
		return fail(object, -EOPNOTSUPP, "section %s: only netkit/primary, netkit/peer and tc programs are supported", name);
	if (!bytes || header->sh_size % sizeof(struct bpf_insn) != 0 ||
	    header->sh_size / sizeof(struct bpf_insn) > BPF_MAXINSNS * 8)
		return fail(object, -EINVAL, "section %s: not a whole number of instructions inside the file", name);
	if (object->program_count == BPF_OBJECT_MAX_PROGRAMS)
		return fail(object, -EOPNOTSUPP, "more than %d programs", BPF_OBJECT_MAX_PROGRAMS);
	program = &object->programs[object->program_count];
	state->program_sections[object->program_count++] = index;
	format_string(program->section_name, sizeof(program->section_name), "%s", name);
	program->expected_attach_type = attach_type;
	program->instruction_count = header->sh_size / sizeof(struct bpf_insn);
	program->instructions = memory_allocate(header->sh_size);
	if (!program->instructions)
		return fail(object, -ENOMEM, "out of memory");
	memcpy(program->instructions, bytes, header->sh_size);
	return 0;
}

static int read_license(struct bpf_object *object, const Elf64_Shdr *header)
{
	const unsigned char *bytes = elf_section_data(&object->elf, header);

	if (!bytes || !memchr(bytes, '\0', header->sh_size) || header->sh_size > sizeof(object->license))
		return fail(object, -EINVAL, "section license is not a short NUL-terminated string");
	memcpy(object->license, bytes, header->sh_size);
	return 0;
}

/* First walk: classify every section. */
static int read_sections(struct parse_state *state)
{
	struct bpf_object *object = state->object;
	int symbol_tables = 0;

	for (size_t index = 1; index < object->elf.section_count; index++) {
		Elf64_Shdr header;
		const char *name;
		int error = 0;

		if (elf_section_header(&object->elf, index, &header) < 0)
			return fail(object, -EINVAL, "section header %zu is outside the file", index);
		name = elf_section_name(&object->elf, &header);
		if (!name)
			return fail(object, -EINVAL, "section %zu has no valid name", index);
		if (header.sh_type == SHT_SYMTAB) {
			state->symbols = header;
			state->symbols_index = index;
			symbol_tables++;
		} else if (strcmp(name, "license") == 0) {
			error = read_license(object, &header);
		} else if (strcmp(name, "maps") == 0) {
			state->maps_section = index;
		} else if (strcmp(name, ".maps") == 0) {
			error = fail(object, -EOPNOTSUPP, "section .maps: BTF-defined maps are not supported yet; declare maps in the \"maps\" section");
		} else if (is_data_section(name) && header.sh_size > 0) {
			error = add_data_map(state, index, &header, name);
		} else if (header.sh_type == SHT_PROGBITS && (header.sh_flags & SHF_EXECINSTR) &&
			   header.sh_size > 0 && strcmp(name, ".text") != 0) {
			error = add_program(state, index, &header, name);
		}
		if (error < 0)
			return error;
	}
	if (symbol_tables != 1)
		return fail(object, -EINVAL, "expected one symbol table, found %d", symbol_tables);
	if (elf_section_header(&object->elf, state->symbols.sh_link, &state->symbol_names) < 0 ||
	    !elf_section_data(&object->elf, &state->symbol_names) ||
	    state->symbol_names.sh_type != SHT_STRTAB)
		return fail(object, -EINVAL, "the symbol table's string table is invalid");
	if (object->license[0] == '\0')
		return fail(object, -EINVAL, "no license section");
	if (object->program_count == 0)
		return fail(object, -EINVAL, "no program sections");
	return 0;
}

static int add_legacy_map(struct parse_state *state, const Elf64_Sym *symbol, const char *name)
{
	struct bpf_object *object = state->object;
	Elf64_Shdr header;
	const unsigned char *bytes;
	uint32_t definition[5];
	struct bpf_object_map *map;

	if (elf_section_header(&object->elf, state->maps_section, &header) < 0 ||
	    !(bytes = elf_section_data(&object->elf, &header)) ||
	    symbol->st_value > header.sh_size ||
	    header.sh_size - symbol->st_value < LEGACY_MAP_DEFINITION_SIZE)
		return fail(object, -EINVAL, "map %s: definition outside section maps", name);
	if (object->map_count == BPF_OBJECT_MAX_MAPS)
		return fail(object, -EOPNOTSUPP, "more than %d maps", BPF_OBJECT_MAX_MAPS);
	memcpy(definition, bytes + symbol->st_value, sizeof(definition));
	map = &object->maps[object->map_count++];
	kernel_name(map->name, name, NULL);
	map->type = definition[0];
	map->key_size = definition[1];
	map->value_size = definition[2];
	map->max_entries = definition[3];
	map->flags = definition[4];
	map->section = state->maps_section;
	map->offset = symbol->st_value;
	return 0;
}

/* Second walk: map definitions and program names come from the symbols. */
static int read_symbols(struct parse_state *state)
{
	struct bpf_object *object = state->object;
	size_t count = state->symbols.sh_entsize ? state->symbols.sh_size / state->symbols.sh_entsize : 0;

	for (size_t index = 1; index < count; index++) {
		Elf64_Sym symbol;
		const char *name;
		int error = 0;

		if (elf_symbol(&object->elf, &state->symbols, index, &symbol) < 0)
			return fail(object, -EINVAL, "symbol %zu is outside the symbol table", index);
		if (ELF64_ST_BIND(symbol.st_info) != STB_GLOBAL)
			continue;
		name = elf_string(&object->elf, &state->symbol_names, symbol.st_name);
		if (!name)
			return fail(object, -EINVAL, "symbol %zu has no valid name", index);
		if (state->maps_section && symbol.st_shndx == state->maps_section)
			error = add_legacy_map(state, &symbol, name);
		for (size_t p = 0; p < object->program_count; p++)
			if (symbol.st_shndx == state->program_sections[p] &&
			    ELF64_ST_TYPE(symbol.st_info) == STT_FUNC && symbol.st_value == 0)
				kernel_name(object->programs[p].name, name, NULL);
		if (error < 0)
			return error;
	}
	return 0;
}

static int find_map(const struct bpf_object *object, size_t section, uint64_t offset, int is_data)
{
	for (size_t index = 0; index < object->map_count; index++) {
		const struct bpf_object_map *map = &object->maps[index];

		if (map->section == section && map->is_data == is_data && (is_data || map->offset == offset))
			return (int)index;
	}
	return -ENOENT;
}

static int read_relocation(struct parse_state *state, struct bpf_object_program *program,
			   const Elf64_Rel *relocation)
{
	struct bpf_object *object = state->object;
	const char *section = program->section_name;
	uint64_t instruction = relocation->r_offset / sizeof(struct bpf_insn);
	uint32_t type = ELF64_R_TYPE(relocation->r_info);
	struct bpf_object_relocation *record;
	struct bpf_insn *insn;
	Elf64_Sym symbol;
	int map;

	if (relocation->r_offset % sizeof(struct bpf_insn) != 0 || instruction >= program->instruction_count)
		return fail(object, -EINVAL, "section %s: relocation at offset %llu is outside the section",
			    section, (unsigned long long)relocation->r_offset);
	if (elf_symbol(&object->elf, &state->symbols, ELF64_R_SYM(relocation->r_info), &symbol) < 0)
		return fail(object, -EINVAL, "section %s: relocation names symbol %llu, which does not exist",
			    section, (unsigned long long)ELF64_R_SYM(relocation->r_info));
	insn = &program->instructions[instruction];
	if (type == R_BPF_64_32)
		return fail(object, -EOPNOTSUPP, "section %s: BPF-to-BPF calls (.text subprograms) are not supported yet", section);
	if (type != R_BPF_64_64)
		return fail(object, -EOPNOTSUPP, "section %s: relocation type %u is not supported", section, type);
	if (insn->code != LD_IMM64 || instruction + 1 >= program->instruction_count)
		return fail(object, -EINVAL, "section %s: relocation at instruction %llu is not a 64-bit load",
			    section, (unsigned long long)instruction);
	if (state->maps_section && symbol.st_shndx == state->maps_section) {
		map = find_map(object, symbol.st_shndx, symbol.st_value, 0);
		if (map < 0)
			return fail(object, -EINVAL, "section %s: relocation to an undeclared map", section);
	} else {
		map = find_map(object, symbol.st_shndx, 0, 1);
		if (map < 0)
			return fail(object, -EOPNOTSUPP, "section %s: relocation against section %u is not supported",
				    section, symbol.st_shndx);
	}
	record = &program->relocations[program->relocation_count++];
	record->instruction = (uint32_t)instruction;
	record->map = (uint32_t)map;
	if (object->maps[map].is_data) {
		/* Section symbols carry the offset in imm, variables in st_value. */
		uint64_t offset = symbol.st_value + (uint64_t)(uint32_t)insn->imm;

		if (offset >= object->maps[map].value_size)
			return fail(object, -EINVAL, "section %s: relocation points past the end of its data", section);
		record->value_offset = (uint32_t)offset;
	}
	return 0;
}

/* Third walk: the relocations of each program section. */
static int read_relocations(struct parse_state *state)
{
	struct bpf_object *object = state->object;

	for (size_t index = 1; index < object->elf.section_count; index++) {
		struct bpf_object_program *program = NULL;
		Elf64_Shdr header;
		size_t count;

		if (elf_section_header(&object->elf, index, &header) < 0)
			return fail(object, -EINVAL, "section header %zu is outside the file", index);
		if (header.sh_type != SHT_REL)
			continue;
		for (size_t p = 0; p < object->program_count; p++)
			if (state->program_sections[p] == header.sh_info)
				program = &object->programs[p];
		if (!program)
			continue;	/* .BTF, .BTF.ext, debug info: not ours to patch */
		if (header.sh_link != state->symbols_index || header.sh_entsize != sizeof(Elf64_Rel) ||
		    !elf_section_data(&object->elf, &header))
			return fail(object, -EINVAL, "section %s: its relocation table is invalid", program->section_name);
		if (program->relocations)
			return fail(object, -EINVAL, "section %s: more than one relocation table", program->section_name);
		count = header.sh_size / sizeof(Elf64_Rel);
		if (count > program->instruction_count)
			return fail(object, -EINVAL, "section %s: more relocations than instructions", program->section_name);
		program->relocations = memory_allocate((count ? count : 1) * sizeof(*program->relocations));
		if (!program->relocations)
			return fail(object, -ENOMEM, "out of memory");
		for (size_t r = 0; r < count; r++) {
			Elf64_Rel relocation;
			int error;

			if (elf_relocation(&object->elf, &header, r, &relocation) < 0)
				return fail(object, -EINVAL, "section %s: relocation %zu is outside the file", program->section_name, r);
			error = read_relocation(state, program, &relocation);
			if (error < 0)
				return error;
		}
	}
	return 0;
}

int bpf_object_parse(struct bpf_object *object, const char *name, const void *image, size_t size)
{
	struct parse_state state = { .object = object };
	int error;

	memset(object, 0, sizeof(*object));
	kernel_name(object->name, name, NULL);
	for (size_t index = 0; index < BPF_OBJECT_MAX_MAPS; index++)
		object->maps[index].fd = -1;
	for (size_t index = 0; index < BPF_OBJECT_MAX_PROGRAMS; index++)
		object->programs[index].fd = -1;
	if (elf_open(&object->elf, image, size) < 0)
		return fail(object, -EINVAL, "not an ELF64 little-endian BPF relocatable object, or truncated");
	error = read_sections(&state);
	if (error == 0)
		error = read_symbols(&state);
	if (error == 0)
		error = read_relocations(&state);
	if (error < 0) {
		char words[BPF_OBJECT_ERROR_MAX];

		/* Keep the words; drop what was allocated. */
		memcpy(words, object->error, sizeof(words));
		bpf_object_free(object);
		memcpy(object->error, words, sizeof(words));
	}
	return error;
}

void bpf_object_free(struct bpf_object *object)
{
	bpf_object_unload(object);
	for (size_t index = 0; index < object->program_count; index++) {
		memory_free(object->programs[index].instructions);
		memory_free(object->programs[index].relocations);
	}
	for (size_t index = 0; index < object->map_count; index++)
		memory_free(object->maps[index].value);
	memory_free(object->log);
	memset(object, 0, sizeof(*object));
	for (size_t index = 0; index < BPF_OBJECT_MAX_MAPS; index++)
		object->maps[index].fd = -1;
	for (size_t index = 0; index < BPF_OBJECT_MAX_PROGRAMS; index++)
		object->programs[index].fd = -1;
}

struct bpf_object_program *bpf_object_find_program(struct bpf_object *object, const char *section_name)
{
	for (size_t index = 0; index < object->program_count; index++)
		if (strcmp(object->programs[index].section_name, section_name) == 0)
			return &object->programs[index];
	return NULL;
}

int bpf_object_set_global(struct bpf_object *object, const char *symbol_name, const void *value, size_t size)
{
	Elf64_Shdr symbols, names;
	int symbols_index;
	size_t count;

	/* Found again by type: there is exactly one (parse checked). */
	symbols_index = -1;
	for (size_t index = 1; index < object->elf.section_count; index++)
		if (elf_section_header(&object->elf, index, &symbols) == 0 && symbols.sh_type == SHT_SYMTAB) {
			symbols_index = (int)index;
			break;
		}
	if (symbols_index < 0 || elf_section_header(&object->elf, symbols.sh_link, &names) < 0)
		return -EINVAL;
	count = symbols.sh_size / sizeof(Elf64_Sym);
	for (size_t index = 1; index < count; index++) {
		Elf64_Sym symbol;
		const char *name;
		int map;

		if (elf_symbol(&object->elf, &symbols, index, &symbol) < 0)
			return -EINVAL;
		name = elf_string(&object->elf, &names, symbol.st_name);
		if (!name || strcmp(name, symbol_name) != 0)
			continue;
		map = find_map(object, symbol.st_shndx, 0, 1);
		if (map < 0 || symbol.st_size != size || symbol.st_value > object->maps[map].value_size ||
		    object->maps[map].value_size - symbol.st_value < size)
			return fail(object, -EINVAL, "global %s is not a %zu-byte variable in global data", symbol_name, size);
		memcpy(object->maps[map].value + symbol.st_value, value, size);
		return 0;
	}
	return fail(object, -ENOENT, "global %s not found", symbol_name);
}
