/* btf.c — type information from raw bytes: .BTF copied into an arena and
 * indexed by type id, for the maps and the kernel; and the func_info and
 * line_info records of .BTF.ext, read in place (its CO-RE relocations are
 * refused). It knows no ELF and no object: the fuzzer feeds it bytes as
 * they come.
 *
 * Both come from an untrusted image. .BTF is checked once, whole, by
 * btf_parse: every type's records lie inside the type section and every
 * string inside a NUL-terminated table; btf_type() is then the one way to
 * a type. .BTF.ext is read through read_bounded(). Each check says what it
 * found wrong, as libbpf's do. */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define MODIFIER_DEPTH_MAX 32
#define RECORD_SIZE_MAX 256

static int malformed(char error[BPF_OBJECT_ERROR_MAX], const char *where, const char *what)
{
	return bpf_error(error, -EINVAL, BPF_MALFORMED, where, ": ", what);
}

/* What is wrong with the start both headers share (magic, version, flags,
 * header length), or with the header's extent; NULL if nothing. */
static const char *header_problem(const void *bytes, size_t size, uint32_t minimum)
{
	struct btf_header header;

	if (size < minimum)
		return "no header";
	if (size > UINT32_MAX)
		return "too large";
	memcpy(&header, bytes, offsetof(struct btf_header, type_off));
	if (header.magic != BTF_MAGIC)
		return "bad magic";
	if (header.version != BTF_VERSION)
		return "bad version";
	if (header.hdr_len < minimum)
		return "short header";
	return NULL;
}

/* ---- .BTF -------------------------------------------------------------- */

/* Bytes of kind-specific data after a struct btf_type: a fixed size, or
 * (PER_ENTRY) a size per vlen entry. Zero for a kind this table does not
 * know. */
#define PER_ENTRY 0x80
static const uint8_t kind_data_size[NR_BTF_KINDS] = {
	[BTF_KIND_INT] = 4, [BTF_KIND_ARRAY] = sizeof(struct btf_array),
	[BTF_KIND_VAR] = sizeof(struct btf_var), [BTF_KIND_DECL_TAG] = sizeof(struct btf_decl_tag),
	[BTF_KIND_STRUCT] = PER_ENTRY | sizeof(struct btf_member),
	[BTF_KIND_UNION] = PER_ENTRY | sizeof(struct btf_member),
	[BTF_KIND_ENUM] = PER_ENTRY | sizeof(struct btf_enum),
	[BTF_KIND_FUNC_PROTO] = PER_ENTRY | sizeof(struct btf_param),
	[BTF_KIND_DATASEC] = PER_ENTRY | sizeof(struct btf_var_secinfo),
	[BTF_KIND_ENUM64] = PER_ENTRY | sizeof(struct btf_enum64),
};

/* What is wrong with the layout header gives .BTF (size bytes); NULL if
 * nothing. */
static const char *layout_problem(const struct btf_header *header, const unsigned char *bytes,
				  size_t size)
{
	uint64_t types_end = (uint64_t)header->hdr_len + header->type_off + header->type_len;
	uint64_t strings_end = (uint64_t)header->hdr_len + header->str_off + header->str_len;

	/* Offsets count from the end of the header; all must be inside and
	 * the types 4-aligned, so that they can be read in place. */
	if ((header->hdr_len | header->type_off | header->type_len) % 4)
		return "misaligned";
	if (types_end > size)
		return "types past end";
	if (strings_end > size)
		return "strings past end";
	/* An empty table has no final NUL either. */
	if (header->str_len == 0 || bytes[strings_end - 1] != '\0')
		return "no final NUL";
	return NULL;
}

/* Indexes the types of btf (copied, its layout checked); NULL if they all
 * fit. */
static const char *index_types(struct btf *btf, uint64_t offset, uint64_t types_end)
{
	while (offset < types_end && types_end - offset >= sizeof(struct btf_type)) {
		const struct btf_type *type = (const void *)(btf->data + offset);
		uint32_t kind = BTF_INFO_KIND(type->info), size;

		if (kind == BTF_KIND_UNKN || kind >= NR_BTF_KINDS)
			return "type is unknown";
		btf->type_offsets[btf->type_count++] = (uint32_t)offset;
		size = kind_data_size[kind];
		offset += sizeof(*type) + (size & PER_ENTRY ? (size & ~PER_ENTRY) *
					   BTF_INFO_VLEN(type->info) : size);
	}
	return offset == types_end ? NULL : "types past end";
}

int btf_parse(struct btf *btf, const void *bytes, size_t size, struct memory_arena *arena,
	      char error[BPF_OBJECT_ERROR_MAX])
{
	struct btf_header header;
	const char *problem = header_problem(bytes, size, sizeof(header));
	uint64_t count;

	memset(btf, 0, sizeof(*btf));
	if (!problem) {
		memcpy(&header, bytes, sizeof(header));
		problem = layout_problem(&header, bytes, size);
	}
	if (problem)
		return malformed(error, ".BTF", problem);
	count = header.type_len / sizeof(struct btf_type) + 1;
	btf->type_offsets = memory_arena_allocate(arena, count * sizeof(uint32_t));
	btf->data = memory_arena_allocate(arena, size);
	if (!btf->type_offsets || !btf->data)
		return -ENOMEM;
	memcpy(btf->data, bytes, size);
	btf->size = (uint32_t)size;
	btf->strings = header.hdr_len + header.str_off;
	btf->strings_size = header.str_len;
	btf->type_count = 1;
	problem = index_types(btf, (uint64_t)header.hdr_len + header.type_off,
			      (uint64_t)header.hdr_len + header.type_off + header.type_len);
	return problem ? malformed(error, ".BTF", problem) : 0;
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

		if (kind != BTF_KIND_TYPEDEF && kind != BTF_KIND_VOLATILE &&
		    kind != BTF_KIND_CONST && kind != BTF_KIND_RESTRICT &&
		    kind != BTF_KIND_TYPE_TAG) {
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

		if (BTF_INFO_KIND(type->info) == kind &&
		    strcmp(btf_name(btf, type->name_off), name) == 0)
			return (int)id;
	}
	return -ENOENT;
}

/* ---- .BTF.ext ---------------------------------------------------------- */

/* The one bounds check of .BTF.ext: size bytes at offset, below end (at
 * most the section's size), copied to out. */
static int read_bounded(const struct btf_ext *ext, uint64_t end, uint64_t offset, uint64_t size,
			void *out)
{
	if (end > ext->size || offset > end || size > end - offset)
		return -EINVAL;
	memcpy(out, ext->data + offset, size);
	return 0;
}

/* Checks one part: a record size, then blocks of { section name, count,
 * records }, all inside. */
static const char *part_problem(struct btf_ext *ext, struct btf_ext_part *part, uint64_t offset,
				uint32_t length, uint32_t minimum_record_size)
{
	uint64_t end = offset + length;

	if (length == 0)
		return NULL;
	if (read_bounded(ext, end, offset, 4, &part->record_size) < 0)
		return "past end";
	if (part->record_size < minimum_record_size || part->record_size > RECORD_SIZE_MAX)
		return "bad record size";
	part->start = (uint32_t)offset + 4;
	part->end = (uint32_t)end;
	for (uint64_t at = part->start; at < end;) {
		uint32_t block[2] = { 0, 0 };
		int outside = read_bounded(ext, end, at, sizeof(block), block) < 0;

		at += sizeof(block) + (uint64_t)block[1] * part->record_size;
		part->record_total += block[1];
		if (outside || at > end)
			return "past end";
	}
	return NULL;
}

static int check_part(struct btf_ext *ext, struct btf_ext_part *part, const char *name,
		      uint64_t offset, uint32_t length, uint32_t kernel_record_size,
		      char error[BPF_OBJECT_ERROR_MAX])
{
	const char *problem = part_problem(ext, part, offset, length, kernel_record_size);

	part->name = name;
	part->kernel_record_size = kernel_record_size;
	return problem ? malformed(error, name, problem) : 0;
}

int btf_ext_parse(struct btf_ext *ext, const struct btf *btf, const void *bytes, size_t size,
		  char error[BPF_OBJECT_ERROR_MAX])
{
	const uint32_t minimum = offsetof(struct btf_ext_header, core_relocation_offset);
	struct btf_ext_header header = { 0 };
	const char *problem = header_problem(bytes, size, minimum);
	uint64_t base;

	memset(ext, 0, sizeof(*ext));
	ext->btf = btf;
	if (problem)
		return malformed(error, ".BTF.ext", problem);
	ext->data = bytes;
	ext->size = (uint32_t)size;
	memcpy(&header, bytes, minimum);
	/* An older header has no CO-RE pair: it stays zero. */
	if (header.header_length >= sizeof(header))
		read_bounded(ext, ext->size, 0, sizeof(header), &header);
	base = header.header_length;
	/* CO-RE relocations are refused, named by the section of their first
	 * block (when .BTF, which comes first, has the name). */
	if (header.core_relocation_length != 0) {
		uint32_t name = 0;

		read_bounded(ext, ext->size, base + header.core_relocation_offset + 4, sizeof(name),
			     &name);
		return bpf_error(error, -EOPNOTSUPP, "section %s: CO-RE relocations "
				 "(BPF_CORE_READ, bpf_core_*, preserve_access_index) are not "
				 "supported", btf->data ? btf_name(btf, name) : ".BTF.ext");
	}
	return check_part(ext, &ext->func_info, "func_info", base + header.func_info_offset,
			  header.func_info_length, sizeof(struct bpf_func_info), error) ?:
	       check_part(ext, &ext->line_info, "line_info", base + header.line_info_offset,
			  header.line_info_length, sizeof(struct bpf_line_info), error);
}

int btf_ext_copy(const struct btf_ext *ext, const struct btf_ext_part *part, const char *section,
		 const struct bpf_piece *piece, void *records, uint32_t *record_count,
		 char error[BPF_OBJECT_ERROR_MAX])
{
	const uint32_t kernel_size = part->kernel_record_size;

	/* The layout and the counts were checked by check_part. */
	for (uint32_t at = part->start; at < part->end;) {
		uint32_t block[2] = { 0, 0 }, instruction = 0;
		int ours = read_bounded(ext, part->end, at, sizeof(block), block) == 0 &&
			   strcmp(btf_name(ext->btf, block[0]), section) == 0;

		at += sizeof(block);
		for (uint32_t index = 0; ours && index < block[1]; index++) {
			unsigned char *record = (unsigned char *)records +
						*record_count * kernel_size;
			uint32_t offset = at + index * part->record_size;

			read_bounded(ext, part->end, offset, sizeof(instruction), &instruction);
			if (instruction % sizeof(struct bpf_insn))
				return malformed(error, part->name, "misaligned");
			instruction /= sizeof(struct bpf_insn);
			if (instruction < piece->start ||
			    instruction - piece->start >= piece->count)
				continue;
			/* Pieces of a program do not overlap, so this holds
			 * unless the object lies. */
			if (*record_count >= part->record_total)
				return malformed(error, part->name, "records overlap");
			read_bounded(ext, part->end, offset, kernel_size, record);
			/* The kernel counts instructions from the program's start. */
			instruction = piece->position + instruction - piece->start;
			memcpy(record, &instruction, sizeof(instruction));
			(*record_count)++;
		}
		at += block[1] * part->record_size;
	}
	return 0;
}
