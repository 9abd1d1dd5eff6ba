/* internal.h — the loader's own layers, for the files of bpf/ and the
 * tests: the ELF reader, BTF, and the steps of parsing an object (its maps,
 * its programs). Callers outside bpf/ have bpf.h.
 *
 *   elf.c      reads an untrusted ELF64 image; every read is bounds-checked
 *   btf.c      raw .BTF and .BTF.ext bytes, bounds-checked too; knows no
 *              ELF and no object
 *   maps.c     the object's maps: classic, declared in .maps (their shape
 *              read from BTF), and global data
 *   program.c  assembles each program: its subprograms appended, its
 *              relocations and func/line info gathered
 *
 * Malformed input gives -EINVAL. A layer that knows what is wrong leaves
 * the words in the error buffer it was given (through bpf_error, bpf.h);
 * bpf_object_parse words the rest by the part of the object it was
 * reading.
 */
#ifndef YOGURT_BPF_INTERNAL_H
#define YOGURT_BPF_INTERNAL_H

#include <elf.h>
#include <linux/btf.h>

#include "bpf.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

/* The words for input clang does not make; three strings say where and what. */
#define BPF_MALFORMED \
	"the object is malformed (%s%s%s): build it again with clang -O2 -g -target bpf"

/* The words for set_global or load on an object with no parse behind it. */
#define BPF_NOT_PARSED "the object is not parsed"

/* A userspace address as bpf(2) takes it. */
static inline uint64_t bpf_pointer(const void *address)
{
	return (uint64_t)(uintptr_t)address;
}

/* ---- elf.c ------------------------------------------------------------- */

struct elf_file {
	const unsigned char *data;
	size_t size;
	uint64_t section_table;		/* offset of the section headers */
	size_t section_count;
	Elf64_Shdr section_names;	/* the section-name string table */
};

/* Checks the header (ELF64, little-endian, relocatable, EM_BPF) and that the
 * section table and its name table lie inside the image. */
int elf_open(struct elf_file *elf, const void *data, size_t size);

/* Copies section header index; -EINVAL if index is out of range. */
int elf_section_header(const struct elf_file *elf, size_t index, Elf64_Shdr *header);

/* The bytes of a section, or NULL if they are not all inside the image
 * (SHT_NOBITS sections have no bytes: NULL as well). */
const unsigned char *elf_section_data(const struct elf_file *elf, const Elf64_Shdr *header);

/* The NUL-terminated string at offset in string table strings, or NULL if
 * the offset is outside it or the string runs off its end. */
const char *elf_string(const struct elf_file *elf, const Elf64_Shdr *strings, uint64_t offset);

const char *elf_section_name(const struct elf_file *elf, const Elf64_Shdr *header);

/* Index of the first section called name; -ENOENT if there is none. */
int elf_find_section(const struct elf_file *elf, const char *name, Elf64_Shdr *header);

/* Entry index of a SHT_SYMTAB / SHT_REL section; -EINVAL when out of range. */
int elf_symbol(const struct elf_file *elf, const Elf64_Shdr *symbols, size_t index,
	       Elf64_Sym *symbol);
int elf_relocation(const struct elf_file *elf, const Elf64_Shdr *relocations, size_t index,
		   Elf64_Rel *relocation);

/* The first symbol called name, in section (any section if 0); its index
 * or -ENOENT. */
int elf_find_symbol(const struct elf_file *elf, const Elf64_Shdr *symbols,
		    const Elf64_Shdr *names, const char *name, size_t section, Elf64_Sym *symbol);

/* ---- btf.c ------------------------------------------------------------- */

/* .BTF, copied (so that it can be fixed up before load) and indexed by
 * type id. */
struct btf {
	unsigned char *data;
	uint32_t size;
	uint32_t strings, strings_size;	/* the string table: offset in data, length */
	uint32_t *type_offsets;		/* type id -> offset of its struct btf_type */
	uint32_t type_count;		/* ids 1 .. type_count - 1 exist */
};

/* The .BTF.ext header as clang writes it (libbpf's struct btf_ext_header;
 * the kernel has no uAPI for it). Offsets count from the header's end; the
 * CO-RE pair is there only when header_length says so. */
struct btf_ext_header {
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint32_t header_length;
	uint32_t func_info_offset, func_info_length;
	uint32_t line_info_offset, line_info_length;
	uint32_t core_relocation_offset, core_relocation_length;
};

/* One part of .BTF.ext (func_info, line_info): blocks of { section name,
 * record count, records }. */
struct btf_ext_part {
	const char *name;		/* "func_info", for the words */
	uint32_t start, end;		/* the blocks, after the record size word */
	uint32_t record_size;		/* in .BTF.ext: at least kernel_record_size */
	uint32_t kernel_record_size;	/* struct bpf_func_info, bpf_line_info */
	uint32_t record_total;		/* records in all blocks */
};

struct btf_ext {
	const unsigned char *data;	/* in the image, read in place */
	uint32_t size;
	const struct btf *btf;		/* where the section names are */
	struct btf_ext_part func_info, line_info;
};

/* Checks .BTF whole (header, string table, every type's extent), copies it
 * into arena and indexes it: -EINVAL with words in error if it is
 * malformed, -ENOMEM without. */
int btf_parse(struct btf *btf, const void *bytes, size_t size, struct memory_arena *arena,
	      char error[BPF_OBJECT_ERROR_MAX]);

/* Type id, or NULL if there is none. Its kind-specific records follow it
 * (type + 1): as many as its kind and vlen say, all inside (parse checked). */
struct btf_type *btf_type(const struct btf *btf, uint32_t id);

/* The string at offset in the string table ("" if outside). */
const char *btf_name(const struct btf *btf, uint32_t offset);

/* Follows typedefs and qualifiers to the type underneath (its id in
 * *resolved, may be NULL); NULL if there is none. */
const struct btf_type *btf_skip_modifiers(const struct btf *btf, uint32_t id,
					  uint32_t *resolved);

/* Size in bytes of type id (arrays multiplied out). */
int btf_type_size(const struct btf *btf, uint32_t id, uint32_t *size);

/* The first type of kind (BTF_KIND_*) called name: its id, or -ENOENT. */
int btf_find(const struct btf *btf, uint32_t kind, const char *name);

/* Checks .BTF.ext (read in place: bytes must outlive ext) and each of its
 * parts: -EINVAL with words in error if it is malformed, -EOPNOTSUPP with
 * words for CO-RE relocations. Its section names are in btf, which may be
 * parsed later. */
int btf_ext_parse(struct btf_ext *ext, const struct btf *btf, const void *bytes, size_t size,
		  char error[BPF_OBJECT_ERROR_MAX]);

/* A run of instructions copied from an ELF section into a program. */
struct bpf_piece {
	size_t section;
	uint32_t start, count;		/* in the section */
	uint32_t position;		/* in the program */
};

/* Appends to records (room for part->record_total, kernel_record_size
 * bytes each) the records of part for the instructions of piece, which is
 * in the section called section, each moved to its position in the
 * program. -EINVAL with words in error if the records do not fit. */
int btf_ext_copy(const struct btf_ext *ext, const struct btf_ext_part *part, const char *section,
		 const struct bpf_piece *piece, void *records, uint32_t *record_count,
		 char error[BPF_OBJECT_ERROR_MAX]);

/* ---- object.c: what the object was parsed from -------------------------- */

/* Kept in the object's arena for assembly, load and set_global. Section
 * indexes are 0 when there is no such section. */
struct bpf_object_source {
	struct elf_file elf;
	Elf64_Shdr symbols, symbol_names;	/* the symbol table and its strings */
	size_t text_section;		/* .text, where subprograms live */
	size_t maps_section;		/* "maps": classic map definitions */
	size_t btf_maps_section;	/* ".maps": maps declared with BTF */
	struct btf btf;			/* btf.data NULL: the object has none */
	struct btf_ext btf_ext;		/* btf_ext.data NULL: none */
};

/* ---- maps.c ------------------------------------------------------------ */

/* A name the kernel accepts for programs and maps: [A-Za-z0-9_.], at most
 * 15 characters, from first then second (may be NULL). */
void bpf_kernel_name(char name[BPF_OBJ_NAME_LEN], const char *first, const char *second);

/* A classic map: symbol's definition in section "maps". */
int maps_add_legacy(struct bpf_object *object, const Elf64_Sym *symbol, const char *name);

/* Global data: an array map of one element for section index (.rodata*,
 * .data*, .bss*, called name), filled from its bytes, settable. */
int maps_add_data(struct bpf_object *object, size_t index, const Elf64_Shdr *header,
		  const char *name);

/* With the object's BTF: each DATASEC filled in from the ELF (clang leaves
 * sizes and offsets to the loader) and given to its section's data map,
 * then maps_parse_btf for section .maps, if there is one. */
int maps_parse_types(struct bpf_object *object);

/* Adds the maps declared in section .maps (index section), each one's shape
 * read from its variable in the object's BTF; the ELF is not read. */
int maps_parse_btf(struct bpf_object *object, size_t section);

/* ---- program.c --------------------------------------------------------- */

/* Builds program's instructions from its function and the .text
 * subprograms it calls (transitively), with the map relocations to apply
 * at load and its func/line info. */
int program_assemble(struct bpf_object *object, struct bpf_object_program *program);

#endif
