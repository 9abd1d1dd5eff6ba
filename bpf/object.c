/* object.c — what a BPF ELF object holds: its programs (one per function
 * in a program section), the maps it declares (the classic "maps" section,
 * and ".maps" through maps.c), its global data (.rodata*, .data*, .bss*)
 * and its BTF; program.c then assembles each program. Parsing only reads
 * the image; nothing here talks to the kernel.
 *
 * Malformed input gives -EINVAL, mostly without words: bpf_object_parse
 * then says which part of the object it was reading. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bpf.h"
#include "../format/format.h"

/* The classic map definition: five u32 (type, key, value, entries, flags). */
#define LEGACY_MAP_DEFINITION_SIZE 20
#define DATA_SECTION_MAX (1u << 20)

/* Where parsing is: the object and the sections that need a second look. */
struct parse_state {
	struct bpf_object *object;
	size_t maps_section;		/* "maps"; 0: none */
	size_t btf_maps_section;	/* ".maps"; 0: none */
	int symbol_tables;
};

int bpf_object_error(struct bpf_object *object, int error, const char *format, ...)
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
void bpf_kernel_name(char name[BPF_OBJ_NAME_LEN], const char *first, const char *second)
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

struct bpf_object_map *bpf_object_add_map(struct bpf_object *object, const char *name, size_t section)
{
	struct bpf_object_map *map = &object->maps[object->map_count];

	if (object->map_count == BPF_OBJECT_MAX_MAPS) {
		bpf_object_error(object, -EOPNOTSUPP, "more than %d maps", BPF_OBJECT_MAX_MAPS);
		return NULL;
	}
	object->map_count++;
	bpf_kernel_name(map->name, name, NULL);
	map->section = section;
	return map;
}

static int is_data_section(const char *name)
{
	return has_prefix(name, ".rodata") || has_prefix(name, ".data") || has_prefix(name, ".bss");
}

/* Global data: one array map of one element per section, filled from the
 * section's bytes (none for .bss) and settable before load. */
static int add_data_map(struct bpf_object *object, size_t index, const Elf64_Shdr *header, const char *name)
{
	const unsigned char *bytes = elf_section_data(&object->elf, header);
	struct bpf_object_map *map;

	if ((header->sh_type != SHT_NOBITS && !bytes) || header->sh_size > DATA_SECTION_MAX)
		return -EINVAL;
	map = bpf_object_add_map(object, object->name, index);
	if (!map)
		return -EOPNOTSUPP;
	bpf_kernel_name(map->name, object->name, name);
	map->type = BPF_MAP_TYPE_ARRAY;
	map->key_size = sizeof(uint32_t);
	map->value_size = (uint32_t)header->sh_size;
	map->max_entries = 1;
	map->is_data = 1;
	map->is_read_only = has_prefix(name, ".rodata");
	map->flags = map->is_read_only ? BPF_F_RDONLY_PROG : 0;
	map->value = memory_allocate(header->sh_size);
	if (!map->value)
		return -ENOMEM;
	if (bytes)
		memcpy(map->value, bytes, header->sh_size);
	return 0;
}

static int is_code(const Elf64_Shdr *header)
{
	return header->sh_type == SHT_PROGBITS && (header->sh_flags & SHF_EXECINSTR);
}

/* A function in a program section is a program. */
static int add_program(struct bpf_object *object, const Elf64_Sym *symbol, const char *name, const Elf64_Shdr *header)
{
	struct bpf_object_program *program = &object->programs[object->program_count];
	const char *section_name = elf_section_name(&object->elf, header);
	uint32_t attach_type;

	if (!section_name || !elf_section_data(&object->elf, header) || header->sh_size % sizeof(struct bpf_insn) ||
	    symbol->st_value % sizeof(struct bpf_insn) || symbol->st_size % sizeof(struct bpf_insn) ||
	    symbol->st_value > header->sh_size || header->sh_size - symbol->st_value < symbol->st_size ||
	    symbol->st_size / sizeof(struct bpf_insn) > BPF_MAXINSNS * 8)
		return -EINVAL;
	if (program_attach_type(section_name, &attach_type) < 0)
		return bpf_object_error(object, -EOPNOTSUPP, "section %s: only netkit/primary, netkit/peer and tc programs are supported",
					section_name);
	if (object->program_count == BPF_OBJECT_MAX_PROGRAMS)
		return bpf_object_error(object, -EOPNOTSUPP, "more than %d programs", BPF_OBJECT_MAX_PROGRAMS);
	object->program_count++;
	bpf_kernel_name(program->name, name, NULL);
	format_string(program->section_name, sizeof(program->section_name), "%s", section_name);
	program->expected_attach_type = attach_type;
	program->section = symbol->st_shndx;
	program->start = (uint32_t)(symbol->st_value / sizeof(struct bpf_insn));
	program->length = (uint32_t)(symbol->st_size / sizeof(struct bpf_insn));
	return 0;
}

/* Relocations of code must each land on an instruction of their section
 * (other relocations, of .BTF or debug info, are not ours to apply). */
static int check_relocations(struct bpf_object *object, const Elf64_Shdr *relocations)
{
	Elf64_Shdr target;

	if (elf_section_header(&object->elf, relocations->sh_info, &target) < 0 || !is_code(&target))
		return 0;
	for (size_t index = 0; index < relocations->sh_size / sizeof(Elf64_Rel); index++) {
		Elf64_Rel relocation;

		if (elf_relocation(&object->elf, relocations, index, &relocation) < 0 ||
		    relocation.r_offset % sizeof(struct bpf_insn) || relocation.r_offset >= target.sh_size)
			return -EINVAL;
	}
	return 0;
}

static int read_section(struct parse_state *state, size_t index, const Elf64_Shdr *header, const char *name)
{
	struct bpf_object *object = state->object;
	const unsigned char *bytes = elf_section_data(&object->elf, header);

	if (header->sh_type == SHT_SYMTAB) {
		object->symbols = *header;
		object->symbols_index = index;
		state->symbol_tables++;
	} else if (header->sh_type == SHT_REL) {
		return check_relocations(object, header);
	} else if (strcmp(name, "license") == 0) {
		if (!bytes || !memchr(bytes, '\0', header->sh_size) || header->sh_size > sizeof(object->license))
			return -EINVAL;
		memcpy(object->license, bytes, header->sh_size);
	} else if (strcmp(name, "maps") == 0) {
		state->maps_section = index;
	} else if (strcmp(name, ".maps") == 0) {
		state->btf_maps_section = index;
	} else if (strcmp(name, ".BTF") == 0) {
		return bytes ? btf_parse(object, bytes, header->sh_size) : -EINVAL;
	} else if (strcmp(name, ".BTF.ext") == 0) {
		return bytes ? btf_ext_parse(object, bytes, header->sh_size) : -EINVAL;
	} else if (is_data_section(name) && header->sh_size > 0) {
		return add_data_map(object, index, header, name);
	} else if (is_code(header) && strcmp(name, ".text") == 0) {
		object->text_section = index;
	}
	return 0;
}

/* First walk: classify every section. */
static int read_sections(struct parse_state *state)
{
	struct bpf_object *object = state->object;

	for (size_t index = 1; index < object->elf.section_count; index++) {
		Elf64_Shdr header;
		const char *name;
		int error = elf_section_header(&object->elf, index, &header);

		name = error < 0 ? NULL : elf_section_name(&object->elf, &header);
		error = name ? read_section(state, index, &header, name) : -EINVAL;
		if (error < 0)
			return error;
	}
	if (state->symbol_tables != 1 ||
	    elf_section_header(&object->elf, object->symbols.sh_link, &object->symbol_names) < 0 ||
	    !elf_section_data(&object->elf, &object->symbol_names) || object->symbol_names.sh_type != SHT_STRTAB)
		return -EINVAL;
	if (object->license[0] == '\0')
		return bpf_object_error(object, -EINVAL, "no license: add char LICENSE[] SEC(\"license\") = \"GPL\";");
	return 0;
}

static int add_legacy_map(struct parse_state *state, const Elf64_Sym *symbol, const char *name)
{
	struct bpf_object *object = state->object;
	Elf64_Shdr header;
	const unsigned char *bytes;
	struct bpf_object_map *map;

	if (elf_section_header(&object->elf, state->maps_section, &header) < 0 ||
	    !(bytes = elf_section_data(&object->elf, &header)) || symbol->st_value > header.sh_size ||
	    header.sh_size - symbol->st_value < LEGACY_MAP_DEFINITION_SIZE)
		return -EINVAL;
	map = bpf_object_add_map(object, name, state->maps_section);
	if (!map)
		return -EOPNOTSUPP;
	memcpy(&map->type, bytes + symbol->st_value, LEGACY_MAP_DEFINITION_SIZE);	/* type … flags */
	map->offset = symbol->st_value;
	return 0;
}

/* Second walk: legacy map definitions and the programs come from the
 * symbols. */
static int read_symbols(struct parse_state *state)
{
	struct bpf_object *object = state->object;
	size_t count = object->symbols.sh_size / sizeof(Elf64_Sym);

	for (size_t index = 1; index < count; index++) {
		Elf64_Sym symbol;
		Elf64_Shdr header;
		const char *name;
		int error = 0;

		if (elf_symbol(&object->elf, &object->symbols, index, &symbol) < 0 ||
		    !(name = elf_string(&object->elf, &object->symbol_names, symbol.st_name)))
			return -EINVAL;
		if (ELF64_ST_BIND(symbol.st_info) == STB_GLOBAL && state->maps_section && symbol.st_shndx == state->maps_section)
			error = add_legacy_map(state, &symbol, name);
		else if (ELF64_ST_TYPE(symbol.st_info) == STT_FUNC && symbol.st_size > 0 &&
			 symbol.st_shndx != object->text_section &&
			 elf_section_header(&object->elf, symbol.st_shndx, &header) == 0 && is_code(&header))
			error = add_program(object, &symbol, name, &header);
		if (error < 0)
			return error;
	}
	if (object->program_count == 0)
		return bpf_object_error(object, -EINVAL, "no programs: no function in a program section");
	return 0;
}

/* BTF: DATASECs filled in, global data maps told their DATASEC (the kernel
 * checks one against the other), then the maps declared in .maps. */
static int read_types(struct parse_state *state)
{
	struct bpf_object *object = state->object;
	int error = object->btf.data ? btf_fix_datasecs(object) : 0;

	for (size_t index = 0; index < object->map_count && object->btf.data && error == 0; index++) {
		struct bpf_object_map *map = &object->maps[index];
		Elf64_Shdr header;
		int id = -ENOENT;

		if (map->is_data && elf_section_header(&object->elf, map->section, &header) == 0)
			id = btf_find(&object->btf, BTF_KIND_DATASEC, elf_section_name(&object->elf, &header) ?: "");
		if (id > 0)
			map->btf_value_type = (uint32_t)id;
	}
	if (error == 0 && state->btf_maps_section)
		error = maps_parse_btf(object, state->btf_maps_section);
	return error;
}

static void reset(struct bpf_object *object)
{
	memset(object, 0, sizeof(*object));
	object->btf.fd = -1;
	for (size_t index = 0; index < BPF_OBJECT_MAX_MAPS; index++)
		object->maps[index].fd = -1;
	for (size_t index = 0; index < BPF_OBJECT_MAX_PROGRAMS; index++)
		object->programs[index].fd = -1;
}

int bpf_object_parse(struct bpf_object *object, const char *name, const void *image, size_t size)
{
	static const char *const parts[] = { "its ELF headers", "its sections", "its symbols", "its BTF", "program " };
	struct parse_state state = { .object = object };
	size_t part = 0, program = 0;
	int error;

	reset(object);
	bpf_kernel_name(object->name, name, NULL);
	error = elf_open(&object->elf, image, size);
	if (error == 0 && (part = 1))
		error = read_sections(&state);
	if (error == 0 && (part = 2))
		error = read_symbols(&state);
	if (error == 0 && (part = 3))
		error = read_types(&state);
	/* On failure, program is one past the program at fault. */
	for (; error == 0 && program < object->program_count && (part = 4); program++)
		error = program_assemble(object, &object->programs[program]);
	if (error < 0 && !object->error[0])
		bpf_object_error(object, error, "the object is malformed (%s%s%s): build it again with clang -O2 -g -target bpf",
				 error == -ENOMEM ? "out of memory reading " : "", parts[part],
				 part == 4 ? object->programs[program - 1].name : "");
	if (error < 0)
		bpf_object_free(object);
	return error;
}

void bpf_object_free(struct bpf_object *object)
{
	char words[BPF_OBJECT_ERROR_MAX];

	bpf_object_unload(object);
	for (size_t index = 0; index < object->program_count; index++) {
		memory_free(object->programs[index].instructions);	/* and all that was allocated with them */
	}
	for (size_t index = 0; index < object->map_count; index++)
		memory_free(object->maps[index].value);
	memory_free(object->log);
	memory_free(object->btf.type_offsets);	/* and btf.data, allocated with them */
	/* The words stay: the caller prints them after freeing. */
	memcpy(words, object->error, sizeof(words));
	reset(object);
	memcpy(object->error, words, sizeof(words));
}

struct bpf_object_program *bpf_object_find_program(struct bpf_object *object, const char *name)
{
	for (size_t index = 0; index < object->program_count; index++)
		if (strcmp(object->programs[index].section_name, name) == 0 || strcmp(object->programs[index].name, name) == 0)
			return &object->programs[index];
	return NULL;
}

int bpf_object_set_global(struct bpf_object *object, const char *symbol_name, const void *value, size_t size)
{
	Elf64_Sym symbol;

	if (elf_find_symbol(&object->elf, &object->symbols, &object->symbol_names, symbol_name, 0, &symbol) < 0)
		return bpf_object_error(object, -ENOENT, "global %s not found", symbol_name);
	for (size_t index = 0; index < object->map_count; index++) {
		struct bpf_object_map *map = &object->maps[index];

		if (map->is_data && map->section == symbol.st_shndx && symbol.st_size == size &&
		    symbol.st_value <= map->value_size && map->value_size - symbol.st_value >= size) {
			memcpy(map->value + symbol.st_value, value, size);
			return 0;
		}
	}
	return bpf_object_error(object, -EINVAL, "global %s is not a %zu-byte variable in global data", symbol_name, size);
}
