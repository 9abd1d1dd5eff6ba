/* object.c — what a BPF ELF object holds: its programs (one per function
 * in a program section), its maps and global data (maps.c) and its BTF
 * (btf.c); program.c then assembles each program. Parsing only reads the
 * image; nothing here talks to the kernel.
 *
 * Malformed input gives -EINVAL, mostly without words: bpf_object_parse
 * then says which part of the object it was reading. */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "../format/format.h"

static int has_prefix(const char *text, const char *prefix)
{
	return strncmp(text, prefix, strlen(prefix)) == 0;
}

/* Section names that hold SCHED_CLS programs, and their attach types. */
static int program_attach_type(const char *section_name, uint32_t *attach_type)
{
	for (size_t hook = 0; hook < NETKIT_HOOKS; hook++)
		if (strcmp(section_name, netkit_hooks[hook].section) == 0) {
			*attach_type = netkit_hooks[hook].attach_type;
			return 0;
		}
	if (strcmp(section_name, "tc") != 0 && !has_prefix(section_name, "classifier"))
		return -EOPNOTSUPP;
	*attach_type = 0;
	return 0;
}

static int is_data_section(const char *name)
{
	return has_prefix(name, ".rodata") || has_prefix(name, ".data") || has_prefix(name, ".bss");
}

static int is_code(const Elf64_Shdr *header)
{
	return header->sh_type == SHT_PROGBITS && (header->sh_flags & SHF_EXECINSTR);
}

/* A function in a program section is a program. */
static int add_program(struct bpf_object *object, const Elf64_Sym *symbol, const char *name,
		       const Elf64_Shdr *header)
{
	const struct elf_file *elf = &object->source->elf;
	struct bpf_object_program *program = &object->programs[object->program_count];
	const char *section_name = elf_section_name(elf, header);
	const uint64_t instruction = sizeof(struct bpf_insn);
	uint32_t attach_type;

	if (!section_name || !elf_section_data(elf, header) || header->sh_size % instruction ||
	    symbol->st_value % instruction || symbol->st_size % instruction ||
	    symbol->st_value > header->sh_size ||
	    header->sh_size - symbol->st_value < symbol->st_size ||
	    symbol->st_size / instruction > BPF_MAXINSNS * 8)
		return -EINVAL;
	if (program_attach_type(section_name, &attach_type) < 0)
		return bpf_object_error(object, -EOPNOTSUPP, "section %s: only netkit/primary, "
					"netkit/peer and tc programs are supported", section_name);
	if (object->program_count == BPF_OBJECT_MAX_PROGRAMS)
		return bpf_object_error(object, -EOPNOTSUPP, "more than %d programs",
					BPF_OBJECT_MAX_PROGRAMS);
	object->program_count++;
	bpf_kernel_name(program->name, name, NULL);
	format_string(program->section_name, sizeof(program->section_name), "%s", section_name);
	program->expected_attach_type = attach_type;
	program->section = symbol->st_shndx;
	program->start = (uint32_t)(symbol->st_value / instruction);
	program->length = (uint32_t)(symbol->st_size / instruction);
	return 0;
}

/* Relocations of code must each land on an instruction of their section
 * (other relocations, of .BTF or debug info, are not ours to apply). */
static int check_relocations(const struct elf_file *elf, const Elf64_Shdr *relocations)
{
	Elf64_Shdr target;

	if (elf_section_header(elf, relocations->sh_info, &target) < 0 || !is_code(&target))
		return 0;
	for (size_t index = 0; index < relocations->sh_size / sizeof(Elf64_Rel); index++) {
		Elf64_Rel relocation;

		if (elf_relocation(elf, relocations, index, &relocation) < 0 ||
		    relocation.r_offset % sizeof(struct bpf_insn) ||
		    relocation.r_offset >= target.sh_size)
			return -EINVAL;
	}
	return 0;
}

static int read_section(struct bpf_object *object, size_t index, const Elf64_Shdr *header,
			const char *name)
{
	struct bpf_object_source *source = object->source;
	const unsigned char *bytes = elf_section_data(&source->elf, header);

	if (header->sh_type == SHT_SYMTAB) {
		/* One symbol table, no more. */
		if (source->symbols.sh_type == SHT_SYMTAB)
			return -EINVAL;
		source->symbols = *header;
	} else if (header->sh_type == SHT_REL) {
		return check_relocations(&source->elf, header);
	} else if (strcmp(name, "license") == 0) {
		if (!bytes || !memchr(bytes, '\0', header->sh_size) ||
		    header->sh_size > sizeof(object->license))
			return -EINVAL;
		memcpy(object->license, bytes, header->sh_size);
	} else if (strcmp(name, "maps") == 0) {
		source->maps_section = index;
	} else if (strcmp(name, ".maps") == 0) {
		source->btf_maps_section = index;
	} else if (strcmp(name, ".BTF") == 0) {
		return bytes ? btf_parse(&source->btf, bytes, header->sh_size, &object->arena,
					 object->error) : -EINVAL;
	} else if (strcmp(name, ".BTF.ext") == 0) {
		return bytes ? btf_ext_parse(&source->btf_ext, &source->btf, bytes, header->sh_size,
					     object->error) : -EINVAL;
	} else if (is_data_section(name) && header->sh_size > 0) {
		return maps_add_data(object, index, header, name);
	} else if (is_code(header) && strcmp(name, ".text") == 0) {
		source->text_section = index;
	}
	return 0;
}

/* First walk: classify every section. */
static int read_sections(struct bpf_object *object)
{
	struct bpf_object_source *source = object->source;
	const struct elf_file *elf = &source->elf;

	for (size_t index = 1; index < elf->section_count; index++) {
		Elf64_Shdr header;
		const char *name = NULL;
		int error;

		if (elf_section_header(elf, index, &header) == 0)
			name = elf_section_name(elf, &header);
		error = name ? read_section(object, index, &header, name) : -EINVAL;
		if (error < 0)
			return error;
	}
	if (source->symbols.sh_type != SHT_SYMTAB ||
	    elf_section_header(elf, source->symbols.sh_link, &source->symbol_names) < 0 ||
	    !elf_section_data(elf, &source->symbol_names) ||
	    source->symbol_names.sh_type != SHT_STRTAB)
		return -EINVAL;
	if (object->license[0] == '\0')
		return bpf_object_error(object, -EINVAL, "no license: add char LICENSE[] "
					"SEC(\"license\") = \"GPL\";");
	return 0;
}

/* Second walk: legacy map definitions and the programs come from the
 * symbols. */
static int read_symbols(struct bpf_object *object)
{
	const struct bpf_object_source *source = object->source;
	size_t count = source->symbols.sh_size / sizeof(Elf64_Sym);

	for (size_t index = 1; index < count; index++) {
		Elf64_Sym symbol;
		Elf64_Shdr header;
		const char *name = NULL;
		int error = 0;

		if (elf_symbol(&source->elf, &source->symbols, index, &symbol) == 0)
			name = elf_string(&source->elf, &source->symbol_names, symbol.st_name);
		if (!name)
			return -EINVAL;
		if (ELF64_ST_BIND(symbol.st_info) == STB_GLOBAL && source->maps_section &&
		    symbol.st_shndx == source->maps_section)
			error = maps_add_legacy(object, &symbol, name);
		else if (ELF64_ST_TYPE(symbol.st_info) == STT_FUNC && symbol.st_size > 0 &&
			 symbol.st_shndx != source->text_section &&
			 elf_section_header(&source->elf, symbol.st_shndx, &header) == 0 &&
			 is_code(&header))
			error = add_program(object, &symbol, name, &header);
		if (error < 0)
			return error;
	}
	if (object->program_count == 0)
		return bpf_object_error(object, -EINVAL,
					"no programs: no function in a program section");
	return 0;
}

_Static_assert(BPF_OBJECT_MAX_MAPS == BPF_OBJECT_MAX_PROGRAMS,
	       "reset and bpf_object_unload have one loop for both");

/* Empties the object from byte start on: 0, or past its words (they come
 * first) to keep them. */
static void reset(struct bpf_object *object, size_t start)
{
	memset((char *)object + start, 0, sizeof(*object) - start);
	object->btf_fd = -1;
	for (size_t index = 0; index < BPF_OBJECT_MAX_MAPS; index++) {
		object->maps[index].fd = -1;
		object->programs[index].fd = -1;
	}
}

int bpf_object_parse(struct bpf_object *object, const char *name, const void *image, size_t size)
{
	/* On failure, part names the part at fault, program is one past the
	 * program at fault (0: none). */
	const char *part = "its ELF headers";
	size_t program = 0;
	int error = -ENOMEM;

	reset(object, 0);
	bpf_kernel_name(object->name, name, NULL);
	object->source = memory_arena_allocate(&object->arena, sizeof(*object->source));
	if (object->source)
		error = elf_open(&object->source->elf, image, size);
	if (error == 0) {
		part = "its sections";
		error = read_sections(object);
	}
	if (error == 0) {
		part = "its symbols";
		error = read_symbols(object);
	}
	if (error == 0) {
		part = "its BTF";
		error = maps_parse_types(object);
	}
	for (; error == 0 && program < object->program_count; program++) {
		part = "program ";
		error = program_assemble(object, &object->programs[program]);
	}
	if (error < 0 && !object->error[0])
		bpf_object_error(object, error, BPF_MALFORMED,
				 error == -ENOMEM ? "out of memory reading " : "", part,
				 program ? object->programs[program - 1].name : "");
	if (error < 0)
		bpf_object_free(object);
	return error;
}

void bpf_object_free(struct bpf_object *object)
{
	bpf_object_unload(object);
	memory_arena_free(&object->arena);
	memory_free(object->log);
	/* The words stay: the caller prints them after freeing. */
	reset(object, sizeof(object->error));
}

struct bpf_object_program *bpf_object_find_program(struct bpf_object *object, const char *name)
{
	for (size_t index = 0; index < object->program_count; index++) {
		struct bpf_object_program *program = &object->programs[index];

		if (strcmp(program->section_name, name) == 0 || strcmp(program->name, name) == 0)
			return program;
	}
	return NULL;
}

int bpf_object_set_global(struct bpf_object *object, const char *symbol_name, const void *value,
			  size_t size)
{
	const struct bpf_object_source *source = object->source;
	Elf64_Sym symbol;

	if (!source)
		return bpf_object_error(object, -EINVAL, BPF_NOT_PARSED);
	if (elf_find_symbol(&source->elf, &source->symbols, &source->symbol_names, symbol_name, 0,
			    &symbol) < 0)
		return bpf_object_error(object, -ENOENT, "global %s not found", symbol_name);
	for (size_t index = 0; index < object->map_count; index++) {
		struct bpf_object_map *map = &object->maps[index];

		if (map->is_data && map->section == symbol.st_shndx && symbol.st_size == size &&
		    symbol.st_value <= map->value_size &&
		    map->value_size - symbol.st_value >= size) {
			memcpy(map->value + symbol.st_value, value, size);
			return 0;
		}
	}
	return bpf_object_error(object, -EINVAL,
				"global %s is not a %zu-byte variable in global data", symbol_name,
				size);
}
