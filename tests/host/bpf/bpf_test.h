/* bpf_test.h — what the parts of test_bpf share: copies of ELF images read
 * and patched by hand (image.c), the wire's layout read from its ELF by
 * hand, and the subjects main.c runs, each reporting to one KTAP writer.
 *
 * test_bpf tests bpf/ and wire/ on the host: the embedded wire object is
 * parsed, its globals set, loaded into this kernel (which has BPF but no
 * netkit); broken copies of it must be refused without a crash; the BTF
 * of a compiled object is parsed raw, whole and broken.
 */
#ifndef YOGURT_TESTS_BPF_TEST_H
#define YOGURT_TESTS_BPF_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/internal.h"
#include "tests/ktap.h"
#include "wire/wire.h"

#define LD_IMM64 (BPF_LD | BPF_IMM | BPF_DW)

/* ---- image.c ----------------------------------------------------------- */

/* A copy on the heap at its exact size, so that AddressSanitizer sees any
 * read past its end (the embedded image sits inside .rodata). */
struct image {
	unsigned char *bytes;
	size_t size;
};

struct image image_copy(const void *bytes, size_t size);
struct image wire_image(void);
/* The file at path, whole; a negative errno if it cannot be read. */
int image_read(const char *path, struct image *image);

/* By hand, without bpf/elf.c: only for intact images unless said. */
Elf64_Ehdr image_header(const struct image *image);
void image_set_header(struct image *image, const Elf64_Ehdr *header);
Elf64_Shdr image_section(const struct image *image, size_t index);
void image_set_section(struct image *image, size_t index, const Elf64_Shdr *section);
const char *image_section_name(const struct image *image, size_t index);
/* Index of the section called name (or of type type), or -1. */
int image_find_section(const struct image *image, const char *name);
int image_find_section_type(const struct image *image, uint32_t type);
/* The relocation section whose sh_info is section, or -1. */
int image_find_relocations_of(const struct image *image, int section);
Elf64_Rel image_relocation(const struct image *image, int section, size_t entry);
void image_set_relocation(struct image *image, int section, size_t entry,
			  const Elf64_Rel *relocation);
Elf64_Sym image_symbol(const struct image *image, size_t index);
const char *image_symbol_name(const struct image *image, const Elf64_Sym *symbol);
/* Index of the symbol called name, or -1. */
int image_find_symbol(const struct image *image, const char *name, Elf64_Sym *symbol);
size_t image_relocation_count(const struct image *image, const char *section);

/* What the parse must find, read from the embedded ELF by hand: the wire
 * changes shape as it is tuned, these facts follow it. */
struct wire_layout {
	uint64_t rodata_size;
	uint64_t secret_offset, target_offset;
	size_t peer_relocations, primary_relocations;
};

/* 0, or -1 if the image lacks the globals where the wire keeps them. */
int read_wire_layout(const struct image *image, struct wire_layout *wire);

/* The last lines of a multi-line text, each as a comment. */
void comment_last_lines(const char *text, int lines);

struct bpf_object_map *find_map(struct bpf_object *object, const char *name);

/* The secret the tests set, and whether value (the .rodata bytes, size)
 * holds it, and the target unless NULL, where the layout says. */
extern const uint32_t test_secret[WIRE_SECRET_WORDS];
int wire_rodata_holds(const struct wire_layout *wire, const unsigned char *value, size_t size,
		      const uint32_t *target, const uint32_t *secret);

/* ---- the subjects, in the order main.c runs them ------------------------ */

/* programs.c: the embedded object's programs and their relocations. */
void test_programs(struct ktap *ktap, struct bpf_object *object, const struct image *image,
		   const struct wire_layout *wire);

/* maps.c: its maps, and bpf_object_set_global on its .rodata. */
void test_maps(struct ktap *ktap, struct bpf_object *object, const struct wire_layout *wire);
void test_globals(struct ktap *ktap, const struct wire_layout *wire);

/* load.c: loading into this kernel, netkit links, a verifier refusal
 * (refused_path: the compiled tests/host/refused.bpf.c, or NULL). */
void test_load(struct ktap *ktap, const struct wire_layout *wire);
void test_refused(struct ktap *ktap, const char *refused_path);

/* elf.c: broken copies of the embedded object. */
void test_broken_copies(struct ktap *ktap);

/* btf.c: the BTF of the refused object, raw, whole and broken. */
void test_btf(struct ktap *ktap, const char *object_path);

#endif
