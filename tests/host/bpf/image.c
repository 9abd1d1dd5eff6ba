/* image.c — ELF images read and patched by hand for the tests, and the
 * wire's layout read from its ELF (see bpf_test.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_test.h"

const uint32_t test_secret[WIRE_SECRET_WORDS] = { 0x11223344, 0x55667788, 0x99aabbcc, 0xddeeff00 };

struct image image_copy(const void *bytes, size_t size)
{
	struct image image = { .bytes = malloc(size ? size : 1), .size = size };

	if (!image.bytes) {
		perror("malloc");
		exit(1);
	}
	memcpy(image.bytes, bytes, size);
	return image;
}

Elf64_Ehdr image_header(const struct image *image)
{
	Elf64_Ehdr header;

	memcpy(&header, image->bytes, sizeof(header));
	return header;
}

void image_set_header(struct image *image, const Elf64_Ehdr *header)
{
	memcpy(image->bytes, header, sizeof(*header));
}

static uint64_t section_header_offset(const struct image *image, size_t index)
{
	return image_header(image).e_shoff + index * sizeof(Elf64_Shdr);
}

Elf64_Shdr image_section(const struct image *image, size_t index)
{
	Elf64_Shdr section;

	memcpy(&section, image->bytes + section_header_offset(image, index), sizeof(section));
	return section;
}

void image_set_section(struct image *image, size_t index, const Elf64_Shdr *section)
{
	memcpy(image->bytes + section_header_offset(image, index), section, sizeof(*section));
}

const char *image_section_name(const struct image *image, size_t index)
{
	Elf64_Shdr names = image_section(image, image_header(image).e_shstrndx);

	return (const char *)image->bytes + names.sh_offset + image_section(image, index).sh_name;
}

/* Index of the section called name, or -1. Only used on intact images. */
int image_find_section(const struct image *image, const char *name)
{
	for (size_t index = 1; index < image_header(image).e_shnum; index++)
		if (strcmp(image_section_name(image, index), name) == 0)
			return (int)index;
	return -1;
}

int image_find_section_type(const struct image *image, uint32_t type)
{
	for (size_t index = 1; index < image_header(image).e_shnum; index++)
		if (image_section(image, index).sh_type == type)
			return (int)index;
	return -1;
}

/* The relocation section whose sh_info is section, or -1. */
int image_find_relocations_of(const struct image *image, int section)
{
	for (size_t index = 1; index < image_header(image).e_shnum; index++) {
		Elf64_Shdr header = image_section(image, index);

		if (header.sh_type == SHT_REL && (int)header.sh_info == section)
			return (int)index;
	}
	return -1;
}

Elf64_Rel image_relocation(const struct image *image, int section, size_t entry)
{
	Elf64_Rel relocation;

	memcpy(&relocation, image->bytes + image_section(image, section).sh_offset +
	       entry * sizeof(relocation), sizeof(relocation));
	return relocation;
}

void image_set_relocation(struct image *image, int section, size_t entry,
			  const Elf64_Rel *relocation)
{
	memcpy(image->bytes + image_section(image, section).sh_offset + entry * sizeof(*relocation),
	       relocation, sizeof(*relocation));
}

Elf64_Sym image_symbol(const struct image *image, size_t index)
{
	Elf64_Shdr symbols = image_section(image, image_find_section_type(image, SHT_SYMTAB));
	Elf64_Sym symbol;

	memcpy(&symbol, image->bytes + symbols.sh_offset + index * sizeof(symbol), sizeof(symbol));
	return symbol;
}

const char *image_symbol_name(const struct image *image, const Elf64_Sym *symbol)
{
	Elf64_Shdr symbols = image_section(image, image_find_section_type(image, SHT_SYMTAB));
	Elf64_Shdr names = image_section(image, symbols.sh_link);

	return (const char *)image->bytes + names.sh_offset + symbol->st_name;
}

/* Index of the symbol called name, or -1. */
int image_find_symbol(const struct image *image, const char *name, Elf64_Sym *symbol)
{
	Elf64_Shdr symbols = image_section(image, image_find_section_type(image, SHT_SYMTAB));

	for (size_t index = 1; index < symbols.sh_size / sizeof(Elf64_Sym); index++) {
		*symbol = image_symbol(image, index);
		if (strcmp(image_symbol_name(image, symbol), name) == 0)
			return (int)index;
	}
	return -1;
}

size_t image_relocation_count(const struct image *image, const char *section)
{
	int relocations = image_find_relocations_of(image, image_find_section(image, section));

	return relocations < 0 ? 0 : image_section(image, relocations).sh_size / sizeof(Elf64_Rel);
}

struct image wire_image(void)
{
	size_t size;
	const void *bytes = wire_object_image(&size);

	return image_copy(bytes, size);
}

int image_read(const char *path, struct image *image)
{
	FILE *file = fopen(path, "rb");
	long size = -1;

	if (!file)
		return -errno;
	if (fseek(file, 0, SEEK_END) == 0)
		size = ftell(file);
	if (size < 0 || fseek(file, 0, SEEK_SET) < 0) {
		fclose(file);
		return -EIO;
	}
	image->size = (size_t)size;
	image->bytes = malloc(image->size ? image->size : 1);
	if (!image->bytes || fread(image->bytes, 1, image->size, file) != image->size) {
		free(image->bytes);
		fclose(file);
		return -EIO;
	}
	fclose(file);
	return 0;
}

int read_wire_layout(const struct image *image, struct wire_layout *wire)
{
	int rodata = image_find_section(image, ".rodata");
	Elf64_Sym secret, target;

	if (rodata < 0 || image_find_symbol(image, WIRE_SYMBOL_SECRET, &secret) < 0 ||
	    image_find_symbol(image, WIRE_SYMBOL_TARGET, &target) < 0 || secret.st_shndx != rodata ||
	    target.st_shndx != rodata || secret.st_size != WIRE_SECRET_WORDS * sizeof(uint32_t) ||
	    target.st_size != sizeof(uint32_t))
		return -1;
	wire->rodata_size = image_section(image, rodata).sh_size;
	wire->secret_offset = secret.st_value;
	wire->target_offset = target.st_value;
	wire->peer_relocations = image_relocation_count(image, "netkit/peer");
	wire->primary_relocations = image_relocation_count(image, "netkit/primary");
	ktap_comment("by hand from the ELF: .rodata %llu bytes, %s at %llu, %s at %llu; "
		     "relocations: peer %zu, primary %zu", (unsigned long long)wire->rodata_size,
		     WIRE_SYMBOL_TARGET, (unsigned long long)wire->target_offset,
		     WIRE_SYMBOL_SECRET, (unsigned long long)wire->secret_offset,
		     wire->peer_relocations, wire->primary_relocations);
	return 0;
}

/* The last lines of a multi-line text, each as a comment. */
void comment_last_lines(const char *text, int lines)
{
	const char *start;
	int found = 0;

	if (!text)
		return;
	start = text + strlen(text);
	while (start > text && found <= lines)
		if (*--start == '\n')
			found++;
	if (*start == '\n')
		start++;
	while (*start) {
		size_t length = strcspn(start, "\n");

		ktap_comment("  %.*s", (int)length, start);
		start += length + (start[length] == '\n');
	}
}

struct bpf_object_map *find_map(struct bpf_object *object, const char *name)
{
	for (size_t index = 0; index < object->map_count; index++)
		if (strcmp(object->maps[index].name, name) == 0)
			return &object->maps[index];
	return NULL;
}

/* value (the .rodata bytes) holds the secret, and the target unless NULL,
 * where the symbols say. */
int wire_rodata_holds(const struct wire_layout *wire, const unsigned char *value, size_t size,
		      const uint32_t *target, const uint32_t *secret)
{
	return size == wire->rodata_size && size >= wire->secret_offset + 16 &&
	       size >= wire->target_offset + 4 && memcmp(value + wire->secret_offset, secret, 16) == 0 &&
	       (!target || memcmp(value + wire->target_offset, target, 4) == 0);
}

