/* maps.c — the object's maps, three ways:
 *
 *   classic   a struct of five u32 per symbol in section "maps";
 *   .maps     declared the libbpf way, their shape in BTF:
 *             struct { __uint(type, BPF_MAP_TYPE_HASH); __type(key, __u32); … } m SEC(".maps");
 *             the section's bytes are zeros; __uint(name, n) makes member
 *             name a pointer to an array of n ints, __type(name, t) a
 *             pointer to t;
 *   data      global data: an array of one element per .rodata*, .data*,
 *             .bss* section, filled from its bytes and settable before load;
 *             with BTF, typed by the section's DATASEC, which clang leaves
 *             for the loader to finish.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

/* The classic map definition: five u32 (type, key, value, entries, flags). */
#define LEGACY_MAP_DEFINITION_SIZE 20
#define DATA_SECTION_MAX (1u << 20)

_Static_assert(offsetof(struct bpf_object_map, flags) - offsetof(struct bpf_object_map, type) ==
	       4 * sizeof(uint32_t),
	       "type, key_size, value_size, max_entries, flags follow each other");

/* Kernel object names allow [A-Za-z0-9_.] and 15 characters. */
static size_t append_kernel_name(char name[BPF_OBJ_NAME_LEN], size_t length, const char *text)
{
	for (const char *c = text; c && *c && length < BPF_OBJ_NAME_LEN - 1; c++) {
		int allowed = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			      (*c >= '0' && *c <= '9') || *c == '.';
		name[length++] = allowed ? *c : '_';
	}
	name[length] = '\0';
	return length;
}

void bpf_kernel_name(char name[BPF_OBJ_NAME_LEN], const char *first, const char *second)
{
	append_kernel_name(name, append_kernel_name(name, 0, first), second);
}

/* A new map called name, then suffix (may be NULL; made a kernel name),
 * standing for ELF section section; NULL, with words, if there are too
 * many. */
static struct bpf_object_map *add_map(struct bpf_object *object, const char *name,
				      const char *suffix, size_t section)
{
	struct bpf_object_map *map = &object->maps[object->map_count];

	if (object->map_count == BPF_OBJECT_MAX_MAPS) {
		bpf_object_error(object, -EOPNOTSUPP, "more than %d maps", BPF_OBJECT_MAX_MAPS);
		return NULL;
	}
	object->map_count++;
	bpf_kernel_name(map->name, name, suffix);
	map->section = section;
	return map;
}

int maps_add_legacy(struct bpf_object *object, const Elf64_Sym *symbol, const char *name)
{
	const struct elf_file *elf = &object->source->elf;
	size_t section = object->source->maps_section;
	Elf64_Shdr header;
	const unsigned char *bytes = NULL;
	struct bpf_object_map *map;

	if (elf_section_header(elf, section, &header) == 0)
		bytes = elf_section_data(elf, &header);
	if (!bytes || symbol->st_value > header.sh_size ||
	    header.sh_size - symbol->st_value < LEGACY_MAP_DEFINITION_SIZE)
		return -EINVAL;
	map = add_map(object, name, NULL, section);
	if (!map)
		return -EOPNOTSUPP;
	/* type … flags, in that order */
	memcpy(&map->type, bytes + symbol->st_value, LEGACY_MAP_DEFINITION_SIZE);
	map->offset = symbol->st_value;
	return 0;
}

int maps_add_data(struct bpf_object *object, size_t index, const Elf64_Shdr *header,
		  const char *name)
{
	const unsigned char *bytes = elf_section_data(&object->source->elf, header);
	struct bpf_object_map *map;

	if ((header->sh_type != SHT_NOBITS && !bytes) || header->sh_size > DATA_SECTION_MAX)
		return -EINVAL;
	map = add_map(object, object->name, name, index);
	if (!map)
		return -EOPNOTSUPP;
	map->type = BPF_MAP_TYPE_ARRAY;
	map->key_size = sizeof(uint32_t);
	map->value_size = (uint32_t)header->sh_size;
	map->max_entries = 1;
	map->is_data = 1;
	map->is_read_only = strncmp(name, ".rodata", 7) == 0;
	map->flags = map->is_read_only ? BPF_F_RDONLY_PROG : 0;
	map->value = memory_arena_allocate(&object->arena, header->sh_size);
	if (!map->value)
		return -ENOMEM;
	if (bytes)
		memcpy(map->value, bytes, header->sh_size);
	return 0;
}

/* ---- with BTF ---------------------------------------------------------- */

/* Fills in one DATASEC (type id): its size from the ELF section of the
 * same name, each global variable's offset from its symbol (clang leaves
 * both zero; it fills in static variables itself), and sorts the
 * variables by offset, as the kernel wants; and gives it to that
 * section's data map as its value type (the kernel checks one against the
 * other; the first DATASEC of a name wins). */
static int fix_datasec(struct bpf_object *object, struct btf_type *datasec, uint32_t id)
{
	const struct bpf_object_source *source = object->source;
	struct btf_var_secinfo *entries = (void *)(datasec + 1);
	const char *name = btf_name(&source->btf, datasec->name_off);
	uint32_t count = BTF_INFO_VLEN(datasec->info);
	Elf64_Shdr header;
	int section = elf_find_section(&source->elf, name, &header);

	if (section < 0 || header.sh_size == 0 || header.sh_size > UINT32_MAX)
		return bpf_object_error(object, -EOPNOTSUPP, "section %s (externs: __ksym, "
					"__kconfig, kfuncs) is not supported", name);
	for (uint32_t index = 0; index < count && datasec->size == 0; index++) {
		const struct btf_type *variable = btf_type(&source->btf, entries[index].type);
		const char *variable_name;
		Elf64_Sym symbol;

		if (!variable || BTF_INFO_KIND(variable->info) != BTF_KIND_VAR)
			return -EINVAL;
		variable_name = btf_name(&source->btf, variable->name_off);
		if (((const struct btf_var *)(variable + 1))->linkage == BTF_VAR_STATIC)
			continue;
		if (elf_find_symbol(&source->elf, &source->symbols, &source->symbol_names,
				    variable_name, (size_t)section, &symbol) < 0 ||
		    symbol.st_value > header.sh_size)
			return bpf_object_error(object, -EOPNOTSUPP, "section %s: variable %s "
						"is not defined here: externs are not supported",
						name, variable_name);
		entries[index].offset = (uint32_t)symbol.st_value;
	}
	datasec->size = (uint32_t)header.sh_size;
	for (size_t index = 0; index < object->map_count; index++) {
		struct bpf_object_map *map = &object->maps[index];

		if (map->is_data && map->section == (size_t)section && !map->btf_value_type)
			map->btf_value_type = id;
	}
	/* Insertion sort: a section holds a handful of variables. */
	for (uint32_t index = 1; index < count; index++)
		for (uint32_t at = index;
		     at > 0 && entries[at - 1].offset > entries[at].offset; at--) {
			struct btf_var_secinfo swap = entries[at];

			entries[at] = entries[at - 1];
			entries[at - 1] = swap;
		}
	return 0;
}

/* Members in the order of the numbers they give; key and value may give a
 * type instead of a size. pinning must stay 0 (PIN_NONE). */
static const char members[][12] = {
	"type", "key_size", "value_size", "max_entries", "map_flags", "pinning"
};
#define MEMBERS (sizeof(members) / sizeof(members[0]))

/* One map of section .maps: its variable's struct, member by member. */
static int add_btf_map(struct bpf_object *object, size_t section,
		       const struct btf_var_secinfo *entry)
{
	const struct btf *btf = &object->source->btf;
	uint32_t numbers[MEMBERS] = { 0 }, types[2] = { 0 };
	const struct btf_type *variable = btf_type(btf, entry->type);
	const struct btf_type *shape = variable ? btf_skip_modifiers(btf, variable->type, NULL)
						: NULL;
	const char *name = variable ? btf_name(btf, variable->name_off) : "?";
	const struct btf_member *member;
	struct bpf_object_map *map;

	if (!shape || BTF_INFO_KIND(variable->info) != BTF_KIND_VAR ||
	    BTF_INFO_KIND(shape->info) != BTF_KIND_STRUCT)
		return bpf_object_error(object, -EINVAL, "map %s (section .maps): not a "
					"variable of a struct type", name);
	member = (const void *)(shape + 1);
	for (uint32_t index = 0; index < BTF_INFO_VLEN(shape->info); index++, member++) {
		const char *member_name = btf_name(btf, member->name_off);
		const struct btf_type *pointer = btf_skip_modifiers(btf, member->type, NULL);
		uint32_t pointee = 0, number = MEMBERS;
		const struct btf_type *array;

		if (pointer && BTF_INFO_KIND(pointer->info) == BTF_KIND_PTR)
			pointee = pointer->type;
		array = btf_skip_modifiers(btf, pointee, NULL);
		while (number > 0 && strcmp(member_name, members[number - 1]) != 0)
			number--;
		if (number > 0 && array && BTF_INFO_KIND(array->info) == BTF_KIND_ARRAY) {
			/* __uint */
			numbers[number - 1] = ((const struct btf_array *)(array + 1))->nelems;
		} else if (pointee && (strcmp(member_name, "key") == 0 ||
				       strcmp(member_name, "value") == 0)) {
			int value = member_name[0] == 'v';	/* __type */

			types[value] = pointee;
			if (btf_type_size(btf, pointee, &numbers[1 + value]) < 0)
				return bpf_object_error(object, -EINVAL, "map %s: the size of "
							"its %s type is unknown",
							name, member_name);
		} else {
			return bpf_object_error(object, -EOPNOTSUPP, "map %s: member %s "
						"(section .maps) is not supported",
						name, member_name);
		}
	}
	if (numbers[5] != 0)
		return bpf_object_error(object, -EOPNOTSUPP,
					"map %s: pinning (section .maps) is not supported", name);
	map = add_map(object, name, NULL, section);
	if (!map)
		return -EOPNOTSUPP;
	memcpy(&map->type, numbers, 5 * sizeof(uint32_t));	/* type … flags, in that order */
	/* The kernel checks key and value types only when it gets both. */
	if (types[0] && types[1]) {
		map->btf_key_type = types[0];
		map->btf_value_type = types[1];
	}
	map->offset = entry->offset;
	return 0;
}

int maps_parse_btf(struct bpf_object *object, size_t section)
{
	const struct btf *btf = &object->source->btf;
	const struct btf_type *datasec = btf_type(btf, (uint32_t)btf_find(btf, BTF_KIND_DATASEC,
									   ".maps"));
	int error = 0;

	if (!datasec)
		return bpf_object_error(object, -EINVAL, "section .maps: maps declared this "
					"way need the object's BTF: compile with clang -g");
	for (uint32_t index = 0; index < BTF_INFO_VLEN(datasec->info) && error == 0; index++)
		error = add_btf_map(object, section,
				    (const struct btf_var_secinfo *)(datasec + 1) + index);
	return error;
}

int maps_parse_types(struct bpf_object *object)
{
	const struct bpf_object_source *source = object->source;
	const struct btf *btf = &source->btf;
	int error = 0;

	for (uint32_t id = 1; id < btf->type_count && error == 0; id++) {
		struct btf_type *type = btf_type(btf, id);

		if (BTF_INFO_KIND(type->info) == BTF_KIND_DATASEC)
			error = fix_datasec(object, type, id);
	}
	if (error == 0 && source->btf_maps_section)
		error = maps_parse_btf(object, source->btf_maps_section);
	return error;
}
