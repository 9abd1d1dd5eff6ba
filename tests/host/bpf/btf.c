/* btf.c — bpf/btf.c on raw bytes: the .BTF and .BTF.ext of a compiled
 * object (tests/host/refused.bpf.c, built with clang -g) parsed whole and
 * queried, their records copied for its program; each check of the
 * headers and the layout broken on its own must give its own words; and
 * every truncation of either section is refused with words. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_test.h"

/* A copy of section name of image, on the heap at its exact size. */
static int section_copy(const struct image *image, const char *name, struct image *copy)
{
	int index = image_find_section(image, name);
	Elf64_Shdr header;

	if (index < 0)
		return -ENOENT;
	header = image_section(image, (size_t)index);
	*copy = image_copy(image->bytes + header.sh_offset, header.sh_size);
	return 0;
}

/* btf_parse of bytes into btf (its copy in arena); error gets the words. */
static int parse(struct btf *btf, const struct image *bytes, struct memory_arena *arena,
		 char error[BPF_OBJECT_ERROR_MAX])
{
	error[0] = '\0';
	return btf_parse(btf, bytes->bytes, bytes->size, arena, error);
}

static void test_whole(struct ktap *ktap, const struct image *types, const struct image *ext)
{
	struct memory_arena arena = { 0 };
	char error[BPF_OBJECT_ERROR_MAX];
	struct btf btf;
	struct btf_ext extension;
	int failed = parse(&btf, types, &arena, error), function, structure, typedef_id;
	uint32_t size = 0, resolved = 0, missing = 0;
	const struct btf_type *type;

	if (!ktap_check(ktap, failed == 0 && !error[0], "the object's .BTF parses", "%d: %s",
			failed, error))
		return;
	for (uint32_t id = 1; id < btf.type_count; id++)
		missing += btf_type(&btf, id) == NULL;
	ktap_check(ktap, btf.type_count > 1 && missing == 0 && !btf_type(&btf, 0) &&
		   !btf_type(&btf, btf.type_count), "every type id from 1 has a type, none past them",
		   "%u types, %u missing", btf.type_count, missing);
	function = btf_find(&btf, BTF_KIND_FUNC, "refused_peer");
	type = btf_type(&btf, (uint32_t)function);
	ktap_check(ktap, type && strcmp(btf_name(&btf, type->name_off), "refused_peer") == 0,
		   "btf_find: the FUNC refused_peer, by its name", "%d", function);
	structure = btf_find(&btf, BTF_KIND_STRUCT, "map_definition");
	ktap_check(ktap, structure > 0 && btf_type_size(&btf, (uint32_t)structure, &size) == 0 &&
		   size == 20, "btf_type_size: struct map_definition is 5 u32, 20 bytes",
		   "id %d, size %u", structure, size);
	typedef_id = btf_find(&btf, BTF_KIND_TYPEDEF, "__u32");
	type = btf_skip_modifiers(&btf, (uint32_t)typedef_id, &resolved);
	ktap_check(ktap, type && BTF_INFO_KIND(type->info) == BTF_KIND_INT && type->size == 4 &&
		   resolved != (uint32_t)typedef_id, "btf_skip_modifiers: __u32 is a 4-byte INT",
		   "typedef %d, resolved %u", typedef_id, resolved);
	ktap_check(ktap, btf_find(&btf, BTF_KIND_DATASEC, "license") > 0 &&
		   btf_find(&btf, BTF_KIND_DATASEC, "no such section") == -ENOENT,
		   "btf_find: DATASEC license is there, another is not", NULL);
	failed = btf_ext_parse(&extension, &btf, ext->bytes, ext->size, error);
	if (ktap_check(ktap, failed == 0 && extension.func_info.record_total == 1 &&
		       extension.line_info.record_total > 0,
		       "the object's .BTF.ext parses: one func_info, its line_info",
		       "%d: %s (func %u, line %u)", failed, error, extension.func_info.record_total,
		       extension.line_info.record_total)) {
		const struct bpf_piece piece = { .start = 0, .count = 1u << 16, .position = 5 };
		struct bpf_func_info functions[1];
		struct bpf_line_info *lines = calloc(extension.line_info.record_total,
						     sizeof(*lines));
		uint32_t function_count = 0, line_count = 0, other_count = 0, before_position = 0;

		failed = btf_ext_copy(&extension, &extension.func_info, "netkit/peer", &piece,
				      functions, &function_count, error) ?:
			 btf_ext_copy(&extension, &extension.line_info, "netkit/peer", &piece, lines,
				      &line_count, error) ?:
			 btf_ext_copy(&extension, &extension.line_info, "no/such", &piece, lines,
				      &other_count, error);
		for (uint32_t index = 0; index < line_count; index++)
			before_position += lines[index].insn_off < 5;
		ktap_check(ktap, failed == 0 && function_count == 1 && functions[0].insn_off == 5 &&
			   line_count == extension.line_info.record_total && before_position == 0 &&
			   other_count == 0, "btf_ext_copy: netkit/peer's records, moved to position 5; "
			   "none for another section", "%d: %s (func %u at %u, line %u, %u before, "
			   "other %u)", failed, error, function_count, functions[0].insn_off, line_count,
			   before_position, other_count);
		free(lines);
	}
	memory_arena_free(&arena);
}

/* A .BTF header field (offset, bytes wide) set to value, or the whole
 * size cut; each broken copy must give its words. */
struct header_break {
	const char *description;
	size_t offset, width;
	uint32_t value;
	const char *words;
	int code;
};

static const struct header_break btf_breaks[] = {
	{ "cut to 20 bytes", 0, 0, 20, ".BTF: no header", -EINVAL },
	{ "magic 0xeb9e", 0, 2, 0xeb9e, ".BTF: bad magic", -EINVAL },
	{ "version 2", 2, 1, 2, ".BTF: bad version", -EINVAL },
	{ "hdr_len 16", 4, 4, 16, ".BTF: short header", -EINVAL },
	{ "type_off 2", 8, 4, 2, ".BTF: misaligned", -EINVAL },
	{ "type_len 1 GiB", 12, 4, 1u << 30, ".BTF: types past end", -EINVAL },
	{ "str_off 1 GiB", 16, 4, 1u << 30, ".BTF: strings past end", -EINVAL },
	{ "str_len 0", 20, 4, 0, ".BTF: no final NUL", -EINVAL },
};

static const struct header_break btf_ext_breaks[] = {
	{ "cut to 20 bytes", 0, 0, 20, ".BTF.ext: no header", -EINVAL },
	{ "magic 0xeb9e", 0, 2, 0xeb9e, ".BTF.ext: bad magic", -EINVAL },
	{ "version 2", 2, 1, 2, ".BTF.ext: bad version", -EINVAL },
	{ "hdr_len 16", 4, 4, 16, ".BTF.ext: short header", -EINVAL },
	{ "func_info_len 1 GiB", 12, 4, 1u << 30, "func_info: past end", -EINVAL },
	{ "line_info_off 1 GiB", 16, 4, 1u << 30, "line_info: past end", -EINVAL },
	{ "core_relo_len 16", 28, 4, 16, "CO-RE relocations", -EOPNOTSUPP },
};

static struct image broken_copy(const struct image *whole, const struct header_break *broken)
{
	struct image copy = image_copy(whole->bytes, broken->width ? whole->size : broken->value);

	memcpy(copy.bytes + broken->offset, &broken->value, broken->width);
	return copy;
}

static void test_header_breaks(struct ktap *ktap, const struct image *types,
			       const struct image *ext)
{
	struct memory_arena arena = { 0 };
	char error[BPF_OBJECT_ERROR_MAX], description[BPF_OBJECT_ERROR_MAX + 64];
	struct btf btf = { 0 };
	struct btf_ext extension;

	for (size_t index = 0; index < sizeof(btf_breaks) / sizeof(btf_breaks[0]); index++) {
		const struct header_break *broken = &btf_breaks[index];
		struct image copy = broken_copy(types, broken);
		int failed = parse(&btf, &copy, &arena, error);

		snprintf(description, sizeof(description), ".BTF %s: %d \"%s\"",
			 broken->description, failed, error);
		ktap_check(ktap, failed == broken->code && strstr(error, broken->words), description,
			   "expected %d with \"%s\"", broken->code, broken->words);
		free(copy.bytes);
	}
	/* The last string's NUL, and the first type's kind. */
	{
		struct image copy = image_copy(types->bytes, types->size);
		struct btf_header header;
		int failed;

		memcpy(&header, copy.bytes, sizeof(header));
		copy.bytes[header.hdr_len + header.str_off + header.str_len - 1] = 'X';
		failed = parse(&btf, &copy, &arena, error);
		ktap_check(ktap, failed == -EINVAL && strstr(error, ".BTF: no final NUL"),
			   ".BTF without the string table's final NUL", "%d: %s", failed, error);
		memcpy(copy.bytes, types->bytes, types->size);
		copy.bytes[header.hdr_len + header.type_off + 7] = 0;	/* info's kind: UNKN */
		failed = parse(&btf, &copy, &arena, error);
		ktap_check(ktap, failed == -EINVAL && strstr(error, ".BTF: type is unknown"),
			   ".BTF with a type of kind 0", "%d: %s", failed, error);
		memcpy(copy.bytes, types->bytes, types->size);
		header.type_len -= 4;
		memcpy(copy.bytes, &header, sizeof(header));
		failed = parse(&btf, &copy, &arena, error);
		ktap_check(ktap, failed == -EINVAL && strstr(error, ".BTF: types past end"),
			   ".BTF whose last type runs past the type section", "%d: %s", failed,
			   error);
		free(copy.bytes);
	}
	for (size_t index = 0; index < sizeof(btf_ext_breaks) / sizeof(btf_ext_breaks[0]); index++) {
		const struct header_break *broken = &btf_ext_breaks[index];
		struct image copy = broken_copy(ext, broken);
		int failed;

		error[0] = '\0';
		failed = btf_ext_parse(&extension, &btf, copy.bytes, copy.size, error);
		snprintf(description, sizeof(description), ".BTF.ext %s: %d \"%s\"",
			 broken->description, failed, error);
		ktap_check(ktap, failed == broken->code && strstr(error, broken->words), description,
			   "expected %d with \"%s\"", broken->code, broken->words);
		free(copy.bytes);
	}
	memory_arena_free(&arena);
}

/* Every truncation of .BTF and of .BTF.ext refused with words. */
static void test_truncations(struct ktap *ktap, const struct image *types,
			     const struct image *ext)
{
	struct memory_arena arena = { 0 };
	char error[BPF_OBJECT_ERROR_MAX], description[128];
	size_t parsed = 0, wordless = 0;
	struct btf btf = { 0 };
	struct btf_ext extension;

	for (size_t size = 0; size < types->size; size++) {
		struct image cut = image_copy(types->bytes, size);
		int failed = parse(&btf, &cut, &arena, error);

		parsed += failed == 0;
		wordless += failed < 0 && !error[0];
		free(cut.bytes);
	}
	snprintf(description, sizeof(description),
		 ".BTF: each of %zu truncations refused with words", types->size);
	ktap_check(ktap, parsed == 0 && wordless == 0, description, "%zu parsed, %zu without words",
		   parsed, wordless);
	parsed = wordless = 0;
	for (size_t size = 0; size < ext->size; size++) {
		struct image cut = image_copy(ext->bytes, size);
		int failed;

		error[0] = '\0';
		failed = btf_ext_parse(&extension, &btf, cut.bytes, cut.size, error);
		parsed += failed == 0;
		wordless += failed < 0 && !error[0];
		free(cut.bytes);
	}
	snprintf(description, sizeof(description),
		 ".BTF.ext: each of %zu truncations refused with words", ext->size);
	ktap_check(ktap, parsed == 0 && wordless == 0, description, "%zu parsed, %zu without words",
		   parsed, wordless);
	memory_arena_free(&arena);
}

void test_btf(struct ktap *ktap, const char *path)
{
	struct image image = { 0 }, types = { 0 }, ext = { 0 };
	int error;

	ktap_comment("g. BTF, raw: the .BTF and .BTF.ext of %s", path ? path : "(no path given)");
	error = path ? image_read(path, &image) : -ENOENT;
	if (error == 0)
		error = section_copy(&image, ".BTF", &types);
	if (error == 0)
		error = section_copy(&image, ".BTF.ext", &ext);
	if (ktap_check(ktap, error == 0, "the object has .BTF and .BTF.ext", "%s",
		       strerror(-error))) {
		test_whole(ktap, &types, &ext);
		test_header_breaks(ktap, &types, &ext);
		test_truncations(ktap, &types, &ext);
	}
	free(image.bytes);
	free(types.bytes);
	free(ext.bytes);
}
