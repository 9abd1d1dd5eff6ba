/* fuzz_btf.c — libFuzzer target for the BTF side of the loader: the input
 * becomes the .BTF and .BTF.ext sections of a real object (a template
 * compiled from tests/host/loader/, with BTF-defined maps, global data and
 * subprograms), and the whole object is parsed: BTF indexing, DATASEC
 * fix-ups, maps read from BTF, func/line info moved into each program.
 * Any refusal must come with words; nothing may crash or read out of
 * bounds (ASan/UBSan).
 *
 * Input: a little-endian u32 n, then n bytes of .BTF, then .BTF.ext.
 * Environment: FUZZ_BTF_TEMPLATE, the template object's path.
 * -write_seed=DIR (before libFuzzer's own flags) writes the template's own
 * sections as a seed into DIR and exits. */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/bpf.h"

static unsigned char *template_image;
static size_t template_size;
static int btf_index, btf_ext_index;	/* section indexes in the template */

static Elf64_Shdr *section(unsigned char *image, int index)
{
	Elf64_Ehdr header;

	memcpy(&header, image, sizeof(header));
	return (Elf64_Shdr *)(image + header.e_shoff) + index;
}

static void load_template(void)
{
	const char *path = getenv("FUZZ_BTF_TEMPLATE");
	FILE *file = path ? fopen(path, "rb") : NULL;
	struct elf_file elf;
	Elf64_Shdr header;

	if (!file) {
		fprintf(stderr, "fuzz_btf: set FUZZ_BTF_TEMPLATE to a BPF object with .BTF and .BTF.ext\n");
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
	if (elf_open(&elf, template_image, template_size) < 0 ||
	    (btf_index = elf_find_section(&elf, ".BTF", &header)) < 0 ||
	    (btf_ext_index = elf_find_section(&elf, ".BTF.ext", &header)) < 0) {
		fprintf(stderr, "fuzz_btf: %s has no .BTF and .BTF.ext\n", path);
		exit(2);
	}
}

static void write_seed(const char *directory)
{
	Elf64_Shdr *btf = section(template_image, btf_index), *ext = section(template_image, btf_ext_index);
	char path[1024];
	uint32_t length = (uint32_t)btf->sh_size;
	FILE *file;

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
	load_template();
	for (int index = 1; index < *argc; index++)
		if (strncmp((*argv)[index], "-write_seed=", 12) == 0)
			write_seed((*argv)[index] + 12);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bpf_object object;
	unsigned char *image;
	uint32_t btf_size;
	size_t ext_size;
	Elf64_Shdr *btf, *ext;

	if (size < sizeof(btf_size))
		return 0;
	memcpy(&btf_size, data, sizeof(btf_size));
	data += sizeof(btf_size);
	size -= sizeof(btf_size);
	if (btf_size > size)
		btf_size = (uint32_t)size;
	ext_size = size - btf_size;
	/* The template, then the two sections; exact sizes, so that ASan
	 * sees a read past either. */
	image = malloc(template_size + size);
	memcpy(image, template_image, template_size);
	memcpy(image + template_size, data, size);
	btf = section(image, btf_index);
	ext = section(image, btf_ext_index);
	btf->sh_offset = template_size;
	btf->sh_size = btf_size;
	ext->sh_offset = template_size + btf_size;
	ext->sh_size = ext_size;
	if (bpf_object_parse(&object, "fuzz", image, template_size + size) == 0)
		bpf_object_free(&object);
	else if (object.error[0] == '\0')
		abort();	/* every refusal comes with words */
	free(image);
	return 0;
}
