/* maps.c — maps declared the libbpf way, in section .maps:
 *
 *   struct { __uint(type, BPF_MAP_TYPE_HASH); __type(key, __u32); … } m SEC(".maps");
 *
 * The section's bytes are zeros; the shape is in the BTF of variable m.
 * __uint(name, n) makes member name a pointer to an array of n ints, and
 * __type(name, t) a pointer to t. */
#include <errno.h>
#include <string.h>

#include "bpf.h"

/* Members in the order of the numbers they give; key and value may give a
 * type instead of a size. pinning must stay 0 (PIN_NONE). */
static const char *const members[] = { "type", "key_size", "value_size", "max_entries", "map_flags", "pinning" };
#define MEMBERS (sizeof(members) / sizeof(members[0]))

_Static_assert(offsetof(struct bpf_object_map, flags) - offsetof(struct bpf_object_map, type) == 4 * sizeof(uint32_t),
	       "type, key_size, value_size, max_entries, flags follow each other");

static int add_map(struct bpf_object *object, size_t section, const struct btf_var_secinfo *entry)
{
	const struct btf *btf = &object->btf;
	uint32_t numbers[MEMBERS] = { 0 }, types[2] = { 0 };
	const struct btf_type *variable = btf_type(btf, entry->type);
	const struct btf_type *shape = variable ? btf_skip_modifiers(btf, variable->type, NULL) : NULL;
	const char *name = variable ? btf_name(btf, variable->name_off) : "?";
	const struct btf_member *member;
	struct bpf_object_map *map;

	if (!shape || BTF_INFO_KIND(variable->info) != BTF_KIND_VAR || BTF_INFO_KIND(shape->info) != BTF_KIND_STRUCT)
		return bpf_object_error(object, -EINVAL, "map %s (section .maps): not a variable of a struct type", name);
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
			numbers[number - 1] = ((const struct btf_array *)(array + 1))->nelems;	/* __uint */
		} else if (pointee && (strcmp(member_name, "key") == 0 || strcmp(member_name, "value") == 0)) {
			int value = member_name[0] == 'v';					/* __type */

			types[value] = pointee;
			if (btf_type_size(btf, pointee, &numbers[1 + value]) < 0)
				return bpf_object_error(object, -EINVAL, "map %s: the size of its %s type is unknown", name, member_name);
		} else {
			return bpf_object_error(object, -EOPNOTSUPP, "map %s: member %s (section .maps) is not supported", name, member_name);
		}
	}
	if (numbers[5] != 0)
		return bpf_object_error(object, -EOPNOTSUPP, "map %s: pinning (section .maps) is not supported", name);
	map = bpf_object_add_map(object, name, section);
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
	int id = object->btf.data ? btf_find(&object->btf, BTF_KIND_DATASEC, ".maps") : -ENOENT;
	const struct btf_type *datasec = btf_type(&object->btf, (uint32_t)id);

	if (!datasec)
		return bpf_object_error(object, -EINVAL, "section .maps: maps declared this way need the object's BTF: compile with clang -g");
	for (uint32_t index = 0; index < BTF_INFO_VLEN(datasec->info); index++) {
		int error = add_map(object, section, (const struct btf_var_secinfo *)(datasec + 1) + index);

		if (error < 0)
			return error;
	}
	return 0;
}
