/* elf.c — reads an untrusted ELF64 BPF object. Every access to the image goes
 * through elf_bytes(), the one bounds check; structures are copied out with
 * memcpy so that an unaligned image is fine too. */
#include <errno.h>
#include <string.h>

#include "internal.h"

/* The one bounds check: size bytes at offset, or NULL. */
static const unsigned char *elf_bytes(const struct elf_file *elf, uint64_t offset, uint64_t size)
{
	if (offset > elf->size || size > elf->size - offset)
		return NULL;
	return elf->data + offset;
}

static int elf_copy(const struct elf_file *elf, uint64_t offset, uint64_t size, void *out)
{
	const unsigned char *bytes = elf_bytes(elf, offset, size);

	if (!bytes)
		return -EINVAL;
	memcpy(out, bytes, size);
	return 0;
}

int elf_open(struct elf_file *elf, const void *data, size_t size)
{
	Elf64_Ehdr header;

	memset(elf, 0, sizeof(*elf));
	elf->data = data;
	elf->size = size;
	if (elf_copy(elf, 0, sizeof(header), &header) < 0)
		return -EINVAL;
	if (memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
	    header.e_ident[EI_CLASS] != ELFCLASS64 ||
	    header.e_ident[EI_DATA] != ELFDATA2LSB ||
	    header.e_type != ET_REL || header.e_machine != EM_BPF ||
	    header.e_shentsize != sizeof(Elf64_Shdr))
		return -EINVAL;
	/* The whole section table must be inside the image. */
	if (!elf_bytes(elf, header.e_shoff, (uint64_t)header.e_shnum * sizeof(Elf64_Shdr)))
		return -EINVAL;
	elf->section_table = header.e_shoff;
	elf->section_count = header.e_shnum;
	if (elf_section_header(elf, header.e_shstrndx, &elf->section_names) < 0 ||
	    elf->section_names.sh_type != SHT_STRTAB ||
	    !elf_section_data(elf, &elf->section_names))
		return -EINVAL;
	return 0;
}

int elf_section_header(const struct elf_file *elf, size_t index, Elf64_Shdr *header)
{
	if (index >= elf->section_count)
		return -EINVAL;
	return elf_copy(elf, elf->section_table + index * sizeof(Elf64_Shdr), sizeof(*header),
			header);
}

const unsigned char *elf_section_data(const struct elf_file *elf, const Elf64_Shdr *header)
{
	if (header->sh_type == SHT_NOBITS)
		return NULL;
	return elf_bytes(elf, header->sh_offset, header->sh_size);
}

const char *elf_string(const struct elf_file *elf, const Elf64_Shdr *strings, uint64_t offset)
{
	const unsigned char *table = elf_section_data(elf, strings);

	if (!table || strings->sh_type != SHT_STRTAB || offset >= strings->sh_size)
		return NULL;
	/* A string that runs off the end of its table is no string. */
	if (!memchr(table + offset, '\0', strings->sh_size - offset))
		return NULL;
	return (const char *)table + offset;
}

const char *elf_section_name(const struct elf_file *elf, const Elf64_Shdr *header)
{
	return elf_string(elf, &elf->section_names, header->sh_name);
}

int elf_find_section(const struct elf_file *elf, const char *name, Elf64_Shdr *header)
{
	for (size_t index = 1; index < elf->section_count; index++) {
		const char *found;

		if (elf_section_header(elf, index, header) < 0)
			return -EINVAL;
		found = elf_section_name(elf, header);
		if (found && strcmp(found, name) == 0)
			return (int)index;
	}
	return -ENOENT;
}

/* Entry index of a table section whose entries are entry_size bytes. */
static int elf_table_entry(const struct elf_file *elf, const Elf64_Shdr *table, size_t index,
			   size_t entry_size, void *entry)
{
	if (table->sh_entsize != entry_size || index >= table->sh_size / entry_size ||
	    !elf_section_data(elf, table))
		return -EINVAL;
	return elf_copy(elf, table->sh_offset + index * entry_size, entry_size, entry);
}

int elf_symbol(const struct elf_file *elf, const Elf64_Shdr *symbols, size_t index,
	       Elf64_Sym *symbol)
{
	if (symbols->sh_type != SHT_SYMTAB)
		return -EINVAL;
	return elf_table_entry(elf, symbols, index, sizeof(*symbol), symbol);
}

int elf_relocation(const struct elf_file *elf, const Elf64_Shdr *relocations, size_t index,
		   Elf64_Rel *relocation)
{
	if (relocations->sh_type != SHT_REL)
		return -EINVAL;
	return elf_table_entry(elf, relocations, index, sizeof(*relocation), relocation);
}

int elf_find_symbol(const struct elf_file *elf, const Elf64_Shdr *symbols,
		    const Elf64_Shdr *names, const char *name, size_t section, Elf64_Sym *symbol)
{
	size_t count = symbols->sh_entsize ? symbols->sh_size / symbols->sh_entsize : 0;

	for (size_t index = 1; index < count; index++) {
		const char *found;

		if (elf_symbol(elf, symbols, index, symbol) < 0)
			return -EINVAL;
		found = elf_string(elf, names, symbol->st_name);
		if (found && strcmp(found, name) == 0 &&
		    (section == 0 || symbol->st_shndx == section))
			return (int)index;
	}
	return -ENOENT;
}
