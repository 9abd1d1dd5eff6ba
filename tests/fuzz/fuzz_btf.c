/* fuzz_btf.c — libFuzzer target for the loader's BTF side.
 *
 * The input is raw .BTF and .BTF.ext bytes, fed straight to btf.c: .BTF
 * indexed, then every query asked of every type (names, modifiers, sizes,
 * members, DATASEC entries, btf_find), the maps of a .maps DATASEC read
 * from it (maps.c), .BTF.ext checked and its func_info and line_info
 * copied for every string of .BTF taken as a section name. Then, when
 * FUZZ_BTF_TEMPLATE names an object, the same bytes become its .BTF and
 * .BTF.ext and the whole object is parsed: DATASEC fix-ups against its
 * ELF, func/line info moved into each program. Any refusal must come with
 * words; nothing may crash or read out of bounds (ASan/UBSan).
 *
 * Input: a little-endian u32 n, then n bytes of .BTF, then .BTF.ext.
 * -write_seed=DIR (before libFuzzer's own flags) writes the template's own
 * sections as a seed into DIR and exits. */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/internal.h"

#define SECTION_NAMES_MAX 64

static unsigned char *template_image;
static size_t template_size;
static int btf_index, btf_ext_index;	/* section indexes in the template */

static Elf64_Shdr *section(unsigned char *image, int index)
{
	Elf64_Ehdr header;

	memcpy(&header, image, sizeof(header));
	return (Elf64_Shdr *)(image + header.e_shoff) + index;
}

static void load_template(const char *path)
{
	FILE *file = fopen(path, "rb");
	struct elf_file elf;
	Elf64_Shdr header;

	if (!file) {
		fprintf(stderr, "fuzz_btf: cannot open %s\n", path);
		exit(2);
	}
	fseek(file, 0, SEEK_END);
	template_size = (size_t)ftell(file);
	rewind(file);
	template_image = malloc(template_size);
	if (!template_image || fread(template_image, 1, template_size, file) != template_size) {
		fprintf(stderr, "fuzz_btf: cannot read %s\n", path);
		exit(2);
	}
	fclose(file);
	btf_index = -1;
	if (elf_open(&elf, template_image, template_size) == 0)
		btf_index = elf_find_section(&elf, ".BTF", &header);
	btf_ext_index = btf_index < 0 ? -1 : elf_find_section(&elf, ".BTF.ext", &header);
	if (btf_ext_index < 0) {
		fprintf(stderr, "fuzz_btf: %s has no .BTF and .BTF.ext\n", path);
		exit(2);
	}
}

static void write_seed(const char *directory)
{
	Elf64_Shdr *btf, *ext;
	char path[1024];
	uint32_t length;
	FILE *file;

	if (!template_image) {
		fprintf(stderr, "fuzz_btf: -write_seed needs FUZZ_BTF_TEMPLATE\n");
		exit(2);
	}
	btf = section(template_image, btf_index);
	ext = section(template_image, btf_ext_index);
	length = (uint32_t)btf->sh_size;
	snprintf(path, sizeof(path), "%s/template", directory);
	file = fopen(path, "wb");
	if (!file || fwrite(&length, sizeof(length), 1, file) != 1 ||
	    fwrite(template_image + btf->sh_offset, 1, btf->sh_size, file) != btf->sh_size ||
	    fwrite(template_image + ext->sh_offset, 1, ext->sh_size, file) != ext->sh_size) {
		fprintf(stderr, "fuzz_btf: cannot write %s\n", path);
		exit(2);
	}
	fclose(file);
	exit(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("FUZZ_BTF_TEMPLATE");

	if (path)
		load_template(path);
	for (int index = 1; index < *argc; index++)
		if (strncmp((*argv)[index], "-write_seed=", 12) == 0)
			write_seed((*argv)[index] + 12);
	return 0;
}

/* A refusal must come with words (an allocation failure needs none). */
static void check_refusal(int error, const char *words)
{
	if (error < 0 && error != -ENOMEM && words[0] == '\0')
		abort();
}

/* Asks every query of every type; the answers must stay inside btf. */
static void query_types(const struct btf *btf)
{
	static const char *const names[] = { ".maps", ".rodata", ".data", ".bss", "", "?" };
	volatile uint32_t sink = 0;

	for (uint32_t id = 0; id <= btf->type_count; id++) {
		const struct btf_type *type = btf_type(btf, id);
		const struct btf_type *resolved;
		uint32_t resolved_id = 0, size = 0;
		uint32_t kind, vlen;

		if (!type) {
			if (id != 0 && id != btf->type_count)
				abort();	/* every id in range has a type */
			continue;
		}
		kind = BTF_INFO_KIND(type->info);
		vlen = BTF_INFO_VLEN(type->info);
		sink += (uint32_t)strlen(btf_name(btf, type->name_off));
		resolved = btf_skip_modifiers(btf, id, &resolved_id);
		if (resolved && btf_type(btf, resolved_id) != resolved)
			abort();
		if (btf_type_size(btf, id, &size) == 0)
			sink += size;
		if (kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION) {
			const struct btf_member *member = (const void *)(type + 1);

			for (uint32_t index = 0; index < vlen; index++, member++) {
				sink += (uint32_t)strlen(btf_name(btf, member->name_off));
				btf_skip_modifiers(btf, member->type, NULL);
			}
		} else if (kind == BTF_KIND_DATASEC) {
			const struct btf_var_secinfo *entry = (const void *)(type + 1);

			for (uint32_t index = 0; index < vlen; index++, entry++)
				if (btf_type(btf, entry->type))
					sink += entry->offset;
		}
	}
	for (size_t index = 0; index < sizeof(names) / sizeof(names[0]); index++)
		for (uint32_t kind = 0; kind < NR_BTF_KINDS; kind++)
			sink += (uint32_t)btf_find(btf, kind, names[index]);
	(void)sink;
}

/* The maps of a .maps DATASEC, as maps.c reads them from BTF alone. */
static void read_maps(const struct btf *btf)
{
	struct bpf_object_source source = { .btf = *btf };
	static struct bpf_object object;
	int error;

	memset(&object, 0, sizeof(object));
	object.source = &source;
	error = maps_parse_btf(&object, 1);
	check_refusal(error, object.error);
	if (object.map_count > BPF_OBJECT_MAX_MAPS)
		abort();
}

/* func_info and line_info of .BTF.ext copied for every string of .BTF (the
 * first SECTION_NAMES_MAX of them) taken as a section name. */
static void copy_records(const struct btf_ext *ext, const struct btf *btf)
{
	const struct btf_ext_part *parts[] = { &ext->func_info, &ext->line_info };
	const struct bpf_piece piece = { .start = 0, .count = BPF_MAXINSNS * 8, .position = 3 };
	char error[BPF_OBJECT_ERROR_MAX];
	uint32_t offset = 0;

	for (int name = 0; name < SECTION_NAMES_MAX && offset < btf->strings_size; name++) {
		const char *section = btf_name(btf, offset);

		for (size_t index = 0; index < 2; index++) {
			const struct btf_ext_part *part = parts[index];
			/* Exactly the room the contract asks for. */
			unsigned char *records = malloc((size_t)part->record_total *
							part->kernel_record_size + 1);
			uint32_t count = 0;
			int failed;

			error[0] = '\0';
			failed = btf_ext_copy(ext, part, section, &piece, records, &count, error);
			check_refusal(failed, error);
			if (count > part->record_total)
				abort();
			free(records);
		}
		offset += (uint32_t)strlen(section) + 1;
	}
}

/* The same bytes as the template object's .BTF and .BTF.ext, and the whole
 * object parsed; exact sizes, so that ASan sees a read past either. */
static void parse_in_template(const uint8_t *data, size_t size, uint32_t btf_size)
{
	unsigned char *image = malloc(template_size + size);
	Elf64_Shdr *btf, *ext;
	static struct bpf_object object;
	int error;

	memcpy(image, template_image, template_size);
	memcpy(image + template_size, data, size);
	btf = section(image, btf_index);
	ext = section(image, btf_ext_index);
	btf->sh_offset = template_size;
	btf->sh_size = btf_size;
	ext->sh_offset = template_size + btf_size;
	ext->sh_size = size - btf_size;
	error = bpf_object_parse(&object, "fuzz", image, template_size + size);
	if (error == 0)
		bpf_object_free(&object);
	else if (object.error[0] == '\0')
		abort();	/* every refusal comes with words */
	free(image);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memory_arena arena = { 0 };
	char error[BPF_OBJECT_ERROR_MAX] = "";
	unsigned char *btf_bytes, *ext_bytes;
	struct btf btf = { 0 };
	struct btf_ext ext;
	uint32_t btf_size;
	int failed;

	if (size < sizeof(btf_size))
		return 0;
	memcpy(&btf_size, data, sizeof(btf_size));
	data += sizeof(btf_size);
	size -= sizeof(btf_size);
	if (btf_size > size)
		btf_size = (uint32_t)size;
	/* Each part on the heap at its exact size (btf_parse copies .BTF;
	 * .BTF.ext is read in place). */
	btf_bytes = malloc(btf_size ? btf_size : 1);
	ext_bytes = malloc(size - btf_size ? size - btf_size : 1);
	memcpy(btf_bytes, data, btf_size);
	memcpy(ext_bytes, data + btf_size, size - btf_size);
	failed = btf_parse(&btf, btf_bytes, btf_size, &arena, error);
	check_refusal(failed, error);
	if (failed == 0) {
		query_types(&btf);
		read_maps(&btf);
	} else {
		memset(&btf, 0, sizeof(btf));
	}
	error[0] = '\0';
	failed = btf_ext_parse(&ext, &btf, ext_bytes, size - btf_size, error);
	check_refusal(failed, error);
	if (failed == 0 && btf.data)
		copy_records(&ext, &btf);
	memory_arena_free(&arena);
	free(btf_bytes);
	free(ext_bytes);
	if (template_image)
		parse_in_template(data, size, btf_size);
	return 0;
}
