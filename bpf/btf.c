/* btf.c — the object's type information: .BTF copied, indexed by type id
 * and fixed up the way the kernel needs it before BPF_BTF_LOAD; and the
 * func_info and line_info records of .BTF.ext.
 *
 * Both come from an untrusted image. .BTF is checked once, whole, by
 * btf_parse: every type's records lie inside the type section and every
 * string inside a NUL-terminated table; btf_type() is then the one way to
 * a type. .BTF.ext is read in place through read_bounded(). */
#include <errno.h>
#include <string.h>

#include "bpf.h"

#define BTF_EXT_HEADER_WORDS 8		/* magic/version/flags, hdr_len, four offsets and lengths, CO-RE's two */
#define MODIFIER_DEPTH_MAX 32

/* The one bounds check of .BTF.ext: size bytes at offset, copied to out. */
static int read_bounded(const struct btf_ext *ext, uint64_t end, uint64_t offset, uint64_t size, void *out)
{
	if (end > ext->size || offset > end || size > end - offset)
		return -EINVAL;
	memcpy(out, ext->data + offset, size);
	return 0;
}

/* Bytes of kind-specific data after a struct btf_type: fixed, plus per
 * vlen entry. Zero in both for a kind this table does not know. */
static const uint8_t kind_fixed_size[NR_BTF_KINDS] = {
	[BTF_KIND_INT] = 4, [BTF_KIND_ARRAY] = sizeof(struct btf_array), [BTF_KIND_VAR] = sizeof(struct btf_var),
	[BTF_KIND_DECL_TAG] = sizeof(struct btf_decl_tag),
};
static const uint8_t kind_entry_size[NR_BTF_KINDS] = {
	[BTF_KIND_STRUCT] = sizeof(struct btf_member), [BTF_KIND_UNION] = sizeof(struct btf_member),
	[BTF_KIND_ENUM] = sizeof(struct btf_enum), [BTF_KIND_FUNC_PROTO] = sizeof(struct btf_param),
	[BTF_KIND_DATASEC] = sizeof(struct btf_var_secinfo), [BTF_KIND_ENUM64] = sizeof(struct btf_enum64),
};

int btf_parse(struct bpf_object *object, const unsigned char *bytes, size_t size)
{
	struct btf *btf = &object->btf;
	struct btf_header header;
	uint64_t offset, types_end, count = 1;

	if (size < sizeof(header) || size > UINT32_MAX)
		return -EINVAL;
	memcpy(&header, bytes, sizeof(header));
	/* Offsets count from the end of the header; all must be inside and
	 * the types 4-aligned, so that they can be read in place. */
	offset = (uint64_t)header.hdr_len + header.type_off;
	types_end = offset + header.type_len;
	if (header.magic != BTF_MAGIC || header.version != BTF_VERSION || header.hdr_len < sizeof(header) ||
	    (header.hdr_len | header.type_off | header.type_len) % 4 || types_end > size || header.str_len == 0 ||
	    (uint64_t)header.hdr_len + header.str_off + header.str_len > size ||
	    bytes[header.hdr_len + header.str_off + header.str_len - 1] != '\0')
		return -EINVAL;
	/* One allocation (a system call): the offsets, then the copy. */
	count = header.type_len / sizeof(struct btf_type) + 1;
	btf->type_offsets = memory_allocate(count * sizeof(uint32_t) + size);
	if (!btf->type_offsets)
		return -ENOMEM;
	btf->data = (unsigned char *)(btf->type_offsets + count);
	count = 1;
	memcpy(btf->data, bytes, size);
	btf->size = (uint32_t)size;
	btf->strings = header.hdr_len + header.str_off;
	btf->strings_size = header.str_len;
	while (offset < types_end) {
		const struct btf_type *type = (const void *)(btf->data + offset);
		uint32_t kind;

		if (types_end - offset < sizeof(*type))
			return -EINVAL;
		kind = BTF_INFO_KIND(type->info);
		if (kind == BTF_KIND_UNKN || kind >= NR_BTF_KINDS)
			return -EINVAL;
		btf->type_offsets[count++] = (uint32_t)offset;
		offset += sizeof(*type) + kind_fixed_size[kind] + kind_entry_size[kind] * BTF_INFO_VLEN(type->info);
	}
	btf->type_count = (uint32_t)count;
	return offset == types_end ? 0 : -EINVAL;
}

struct btf_type *btf_type(const struct btf *btf, uint32_t id)
{
	if (id == 0 || id >= btf->type_count)
		return NULL;
	return (struct btf_type *)(btf->data + btf->type_offsets[id]);
}

const char *btf_name(const struct btf *btf, uint32_t offset)
{
	/* The table ends with NUL (parse checked), so every string does. */
	return offset < btf->strings_size ? (const char *)btf->data + btf->strings + offset : "";
}

const struct btf_type *btf_skip_modifiers(const struct btf *btf, uint32_t id, uint32_t *resolved)
{
	for (int depth = 0; depth < MODIFIER_DEPTH_MAX; depth++) {
		const struct btf_type *type = btf_type(btf, id);
		uint32_t kind = type ? BTF_INFO_KIND(type->info) : 0;

		if (kind != BTF_KIND_TYPEDEF && kind != BTF_KIND_VOLATILE && kind != BTF_KIND_CONST &&
		    kind != BTF_KIND_RESTRICT && kind != BTF_KIND_TYPE_TAG) {
			if (resolved)
				*resolved = id;
			return type;
		}
		id = type->type;
	}
	return NULL;
}

int btf_type_size(const struct btf *btf, uint32_t id, uint32_t *size)
{
	uint64_t elements = 1;

	for (int depth = 0; depth < MODIFIER_DEPTH_MAX && elements <= UINT32_MAX; depth++) {
		const struct btf_type *type = btf_skip_modifiers(btf, id, NULL);
		const struct btf_array *array;

		switch (type ? BTF_INFO_KIND(type->info) : 0) {
		case BTF_KIND_PTR:
			elements *= sizeof(uint64_t);
			break;
		case BTF_KIND_INT: case BTF_KIND_ENUM: case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		case BTF_KIND_DATASEC: case BTF_KIND_FLOAT: case BTF_KIND_ENUM64:
			elements *= type->size;
			break;
		case BTF_KIND_ARRAY:
			array = (const void *)(type + 1);
			elements *= array->nelems;
			id = array->type;
			continue;
		default:
			return -EINVAL;
		}
		*size = (uint32_t)elements;
		return elements <= UINT32_MAX ? 0 : -E2BIG;
	}
	return -EINVAL;
}

int btf_find(const struct btf *btf, uint32_t kind, const char *name)
{
	for (uint32_t id = 1; id < btf->type_count; id++) {
		const struct btf_type *type = btf_type(btf, id);

		if (BTF_INFO_KIND(type->info) == kind && strcmp(btf_name(btf, type->name_off), name) == 0)
			return (int)id;
	}
	return -ENOENT;
}

/* Fills in one DATASEC: its size from the ELF section of the same name,
 * each global variable's offset from its symbol (clang leaves both zero;
 * it fills in static variables itself), and sorts the variables by
 * offset, as the kernel wants. */
static int fix_datasec(struct bpf_object *object, struct btf_type *datasec)
{
	struct btf_var_secinfo *entries = (void *)(datasec + 1);
	const char *name = btf_name(&object->btf, datasec->name_off);
	uint32_t count = BTF_INFO_VLEN(datasec->info);
	Elf64_Shdr header;
	int section = elf_find_section(&object->elf, name, &header);

	if (section < 0 || header.sh_size == 0 || header.sh_size > UINT32_MAX)
		return bpf_object_error(object, -EOPNOTSUPP, "section %s (externs: __ksym, __kconfig, kfuncs) is not supported", name);
	for (uint32_t index = 0; index < count && datasec->size == 0; index++) {
		const struct btf_type *variable = btf_type(&object->btf, entries[index].type);
		const char *variable_name;
		Elf64_Sym symbol;

		if (!variable || BTF_INFO_KIND(variable->info) != BTF_KIND_VAR)
			return -EINVAL;
		variable_name = btf_name(&object->btf, variable->name_off);
		if (((const struct btf_var *)(variable + 1))->linkage == BTF_VAR_STATIC)
			continue;
		if (elf_find_symbol(&object->elf, &object->symbols, &object->symbol_names, variable_name,
				    (size_t)section, &symbol) < 0 || symbol.st_value > header.sh_size)
			return bpf_object_error(object, -EOPNOTSUPP, "section %s: variable %s is not defined here: externs are not supported",
						name, variable_name);
		entries[index].offset = (uint32_t)symbol.st_value;
	}
	datasec->size = (uint32_t)header.sh_size;
	/* Insertion sort: a section holds a handful of variables. */
	for (uint32_t index = 1; index < count; index++)
		for (uint32_t at = index; at > 0 && entries[at - 1].offset > entries[at].offset; at--) {
			struct btf_var_secinfo swap = entries[at];

			entries[at] = entries[at - 1];
			entries[at - 1] = swap;
		}
	return 0;
}

int btf_fix_datasecs(struct bpf_object *object)
{
	for (uint32_t id = 1; id < object->btf.type_count; id++) {
		struct btf_type *type = btf_type(&object->btf, id);
		int error = BTF_INFO_KIND(type->info) == BTF_KIND_DATASEC ? fix_datasec(object, type) : 0;

		if (error < 0)
			return error;
	}
	return 0;
}

/* ---- .BTF.ext ---------------------------------------------------------- */

/* Checks one part (func_info or line_info): a record size, then blocks of
 * { section name, count, records }, all inside. */
static int check_ext_part(struct btf_ext *ext, struct btf_ext_part *part, uint64_t offset, uint32_t length,
			  uint32_t minimum_record_size)
{
	uint64_t end = offset + length;

	memset(part, 0, sizeof(*part));
	if (length == 0)
		return 0;
	if (read_bounded(ext, end, offset, 4, &part->record_size) < 0 || part->record_size < minimum_record_size ||
	    part->record_size > 256)
		return -EINVAL;
	part->start = (uint32_t)offset + 4;
	part->end = (uint32_t)end;
	for (uint64_t at = part->start; at < end;) {
		uint32_t block[2];

		if (read_bounded(ext, end, at, sizeof(block), block) < 0)
			return -EINVAL;
		at += sizeof(block) + (uint64_t)block[1] * part->record_size;
		part->record_total += block[1];
		if (at > end || part->record_total > end)
			return -EINVAL;
	}
	return 0;
}

int btf_ext_parse(struct bpf_object *object, const unsigned char *bytes, size_t size)
{
	struct btf_ext *ext = &object->btf_ext;
	uint32_t header[BTF_EXT_HEADER_WORDS] = { 0 };

	ext->data = bytes;
	ext->size = size > UINT32_MAX ? 0 : (uint32_t)size;
	if (read_bounded(ext, ext->size, 0, 24, header) < 0 || (header[0] & 0xffffff) != (BTF_VERSION << 16 | BTF_MAGIC) ||
	    header[1] < 24)
		return -EINVAL;
	if (header[1] >= sizeof(header))
		read_bounded(ext, ext->size, 0, sizeof(header), header);
	/* CO-RE: named by the section of its first block, when .BTF (which
	 * comes first) has the name. */
	if (header[7] != 0) {
		uint32_t name = 0;

		read_bounded(ext, ext->size, (uint64_t)header[1] + header[6] + 4, sizeof(name), &name);
		return bpf_object_error(object, -EOPNOTSUPP,
					"section %s: CO-RE relocations (BPF_CORE_READ, bpf_core_*, preserve_access_index) are not supported",
					object->btf.data ? btf_name(&object->btf, name) : ".BTF.ext");
	}
	if (check_ext_part(ext, &ext->func_info, (uint64_t)header[1] + header[2], header[3], sizeof(struct bpf_func_info)) < 0 ||
	    check_ext_part(ext, &ext->line_info, (uint64_t)header[1] + header[4], header[5], sizeof(struct bpf_line_info)) < 0)
		return -EINVAL;
	return 0;
}

int btf_ext_copy(struct bpf_object *object, const struct btf_ext_part *part, const char *section, uint32_t start,
		 uint32_t count, uint32_t position, void *records, size_t record_size, uint32_t *record_count)
{
	const struct btf_ext *ext = &object->btf_ext;

	/* The layout and the counts were checked by check_ext_part. */
	for (uint32_t at = part->start; at < part->end;) {
		uint32_t block[2] = { 0 }, instruction = 0;
		int ours = read_bounded(ext, part->end, at, sizeof(block), block) == 0 &&
			   strcmp(btf_name(&object->btf, block[0]), section) == 0;

		at += sizeof(block);
		for (uint32_t index = 0; ours && index < block[1]; index++) {
			unsigned char *record = (unsigned char *)records + (size_t)*record_count * record_size;
			uint32_t offset = at + index * part->record_size;

			read_bounded(ext, part->end, offset, sizeof(instruction), &instruction);
			if (instruction % sizeof(struct bpf_insn))
				return -EINVAL;
			instruction /= sizeof(struct bpf_insn);
			if (instruction < start || instruction - start >= count)
				continue;
			/* Pieces of a program do not overlap, so this holds
			 * unless the object lies. */
			if (*record_count >= part->record_total)
				return -EINVAL;
			read_bounded(ext, part->end, offset, record_size, record);
			/* The kernel counts instructions from the program's start. */
			instruction = position + instruction - start;
			memcpy(record, &instruction, sizeof(instruction));
			(*record_count)++;
		}
		at += block[1] * part->record_size;
	}
	return 0;
}
