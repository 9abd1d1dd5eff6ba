/* elf.c — broken copies of the embedded object: every truncation, each
 * field of the headers and tables broken on its own, and random flips;
 * each must be refused with an errno and words, or parse into an object
 * that keeps parse's promises (parsed_object.h), never crash. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_test.h"
#include "../parsed_object.h"

#define RANDOM_FLIPS 2000

/* Parses image; it must fail with a negative errno and words. */
static int parse_must_fail(const struct image *image, int *error, char words[BPF_OBJECT_ERROR_MAX])
{
	struct bpf_object object;

	*error = bpf_object_parse(&object, "broken", image->bytes, image->size);
	memcpy(words, object.error, BPF_OBJECT_ERROR_MAX);
	bpf_object_free(&object);
	return *error < 0 && words[0] != '\0';
}

static void test_truncations(struct ktap *ktap, const struct image *whole)
{
	size_t tried = 0, bad = 0, first_bad = 0;

	for (size_t length = 0; length < whole->size; length += length < 256 ? 1 : 7) {
		struct image cut = image_copy(whole->bytes, length);
		char words[BPF_OBJECT_ERROR_MAX];
		int error;

		if (!parse_must_fail(&cut, &error, words)) {
			first_bad = bad == 0 ? length : first_bad;
			bad++;
		}
		tried++;
		free(cut.bytes);
	}
	ktap_check(ktap, bad == 0, "every truncation fails with an errno and words",
		   "%zu of %zu lengths parsed, first %zu", bad, tried, first_bad);
	ktap_comment("%zu truncated lengths tried", tried);
}

/* Offset of the first instruction of a program section that is neither an
 * ld_imm64 nor the second half of one. */
static uint64_t non_load_instruction_offset(const struct image *image, int section)
{
	Elf64_Shdr header = image_section(image, section);
	struct bpf_insn instruction;

	for (uint64_t offset = 0; offset < header.sh_size; offset += sizeof(instruction)) {
		memcpy(&instruction, image->bytes + header.sh_offset + offset, sizeof(instruction));
		if (instruction.code != LD_IMM64)
			return offset;
		offset += sizeof(instruction);
	}
	return 0;
}

/* Each breaker patches a fresh copy; -1 if it could not find its target. */
typedef int (*breaker)(struct image *image);

static int break_section_table_offset(struct image *image)
{
	Elf64_Ehdr header = image_header(image);

	header.e_shoff = image->size;
	image_set_header(image, &header);
	return 0;
}

static int break_section_table_offset_wrapping(struct image *image)
{
	Elf64_Ehdr header = image_header(image);

	header.e_shoff = UINT64_MAX - 63;
	image_set_header(image, &header);
	return 0;
}

static int break_section_count(struct image *image)
{
	Elf64_Ehdr header = image_header(image);

	header.e_shnum = 0xffff;
	image_set_header(image, &header);
	return 0;
}

static int break_section_count_zero(struct image *image)
{
	Elf64_Ehdr header = image_header(image);

	header.e_shnum = 0;
	image_set_header(image, &header);
	return 0;
}

static int break_name_table_index(struct image *image)
{
	Elf64_Ehdr header = image_header(image);

	header.e_shstrndx = header.e_shnum;
	image_set_header(image, &header);
	return 0;
}

static int break_name_table_type(struct image *image)
{
	Elf64_Ehdr header = image_header(image);
	Elf64_Shdr names = image_section(image, header.e_shstrndx);

	names.sh_type = SHT_PROGBITS;
	image_set_section(image, header.e_shstrndx, &names);
	return 0;
}

/* The last string of the section-name table names the license section, and
 * the table's final NUL is gone: that name runs off the end. */
static int break_name_table_final_nul(struct image *image)
{
	Elf64_Ehdr header = image_header(image);
	Elf64_Shdr names = image_section(image, header.e_shstrndx);
	int license = image_find_section(image, "license");
	unsigned char *table = image->bytes + names.sh_offset;
	uint64_t last = names.sh_size - 1;
	Elf64_Shdr section;

	if (license < 0 || names.sh_size < 2 || table[last] != '\0')
		return -1;
	while (last > 0 && table[last - 1] != '\0')
		last--;
	section = image_section(image, license);
	section.sh_name = (uint32_t)last;
	image_set_section(image, license, &section);
	table[names.sh_size - 1] = 'X';
	return 0;
}

static int break_section_name_offset(struct image *image)
{
	int license = image_find_section(image, "license");
	Elf64_Shdr section;

	if (license < 0)
		return -1;
	section = image_section(image, license);
	section.sh_name = 0x7fffffff;
	image_set_section(image, license, &section);
	return 0;
}

static int patch_peer_section(struct image *image, uint64_t offset, uint64_t size)
{
	int peer = image_find_section(image, "netkit/peer");
	Elf64_Shdr section;

	if (peer < 0)
		return -1;
	section = image_section(image, peer);
	if (offset != UINT64_MAX)
		section.sh_offset = offset;
	if (size != UINT64_MAX)
		section.sh_size = size;
	image_set_section(image, peer, &section);
	return 0;
}

static int break_program_offset(struct image *image)
{
	return patch_peer_section(image, image->size, UINT64_MAX);
}

static int break_program_offset_wrapping(struct image *image)
{
	return patch_peer_section(image, UINT64_MAX - 7, UINT64_MAX);
}

static int break_program_size(struct image *image)
{
	return patch_peer_section(image, UINT64_MAX, image->size);
}

static int break_program_size_partial(struct image *image)
{
	int peer = image_find_section(image, "netkit/peer");

	return patch_peer_section(image, UINT64_MAX, image_section(image, (size_t)peer).sh_size - 4);
}

/* Patches the first relocation of netkit/peer through change(). */
static int patch_peer_relocation(struct image *image,
				 void (*change)(struct image *image, Elf64_Rel *relocation))
{
	int peer = image_find_section(image, "netkit/peer");
	int relocations = image_find_relocations_of(image, peer);
	Elf64_Rel relocation;

	if (relocations < 0)
		return -1;
	relocation = image_relocation(image, relocations, 0);
	change(image, &relocation);
	image_set_relocation(image, relocations, 0, &relocation);
	return 0;
}

static void relocation_past_section(struct image *image, Elf64_Rel *relocation)
{
	relocation->r_offset = image_section(image, image_find_section(image, "netkit/peer")).sh_size;
}

static void relocation_huge_offset(struct image *image, Elf64_Rel *relocation)
{
	(void)image;
	relocation->r_offset = UINT64_MAX & ~(uint64_t)7;
}

static void relocation_misaligned(struct image *image, Elf64_Rel *relocation)
{
	(void)image;
	relocation->r_offset += 4;
}

static void relocation_symbol_out_of_range(struct image *image, Elf64_Rel *relocation)
{
	Elf64_Shdr symbols = image_section(image, image_find_section_type(image, SHT_SYMTAB));

	relocation->r_info = ELF64_R_INFO(symbols.sh_size / sizeof(Elf64_Sym),
					  ELF64_R_TYPE(relocation->r_info));
}

static void relocation_symbol_huge(struct image *image, Elf64_Rel *relocation)
{
	(void)image;
	relocation->r_info = ELF64_R_INFO(0xffffffffu, ELF64_R_TYPE(relocation->r_info));
}

static void relocation_on_other_instruction(struct image *image, Elf64_Rel *relocation)
{
	int peer = image_find_section(image, "netkit/peer");

	relocation->r_offset = non_load_instruction_offset(image, peer);
}

static void relocation_on_last_instruction(struct image *image, Elf64_Rel *relocation)
{
	Elf64_Shdr peer = image_section(image, image_find_section(image, "netkit/peer"));

	/* An ld_imm64 opcode in the very last slot has no second half. */
	image->bytes[peer.sh_offset + peer.sh_size - sizeof(struct bpf_insn)] = LD_IMM64;
	relocation->r_offset = peer.sh_size - sizeof(struct bpf_insn);
}

static void relocation_unknown_type(struct image *image, Elf64_Rel *relocation)
{
	(void)image;
	relocation->r_info = ELF64_R_INFO(ELF64_R_SYM(relocation->r_info), 3);
}

/* A symbol of a section that is no map: the program section itself. */
static void relocation_to_program_section(struct image *image, Elf64_Rel *relocation)
{
	(void)image;
	relocation->r_info = ELF64_R_INFO(1, ELF64_R_TYPE(relocation->r_info));
}

static int break_relocation_offset(struct image *image)
{
	return patch_peer_relocation(image, relocation_past_section);
}

static int break_relocation_huge_offset(struct image *image)
{
	return patch_peer_relocation(image, relocation_huge_offset);
}

static int break_relocation_misaligned(struct image *image)
{
	return patch_peer_relocation(image, relocation_misaligned);
}

static int break_relocation_symbol(struct image *image)
{
	return patch_peer_relocation(image, relocation_symbol_out_of_range);
}

static int break_relocation_symbol_huge(struct image *image)
{
	return patch_peer_relocation(image, relocation_symbol_huge);
}

static int break_relocation_instruction(struct image *image)
{
	return patch_peer_relocation(image, relocation_on_other_instruction);
}

static int break_relocation_last_instruction(struct image *image)
{
	return patch_peer_relocation(image, relocation_on_last_instruction);
}

static int break_relocation_type(struct image *image)
{
	return patch_peer_relocation(image, relocation_unknown_type);
}

static int break_relocation_target(struct image *image)
{
	return patch_peer_relocation(image, relocation_to_program_section);
}

/* The ld_imm64 of wire_secret with an addend that points past .rodata. */
static int break_relocation_addend(struct image *image)
{
	int peer = image_find_section(image, "netkit/peer");
	int relocations = image_find_relocations_of(image, peer);
	Elf64_Shdr section = image_section(image, peer);

	size_t count = relocations > 0 ? image_section(image, (size_t)relocations).sh_size /
					 sizeof(Elf64_Rel) : 0;

	for (size_t entry = 0; entry < count; entry++) {
		Elf64_Rel relocation = image_relocation(image, relocations, entry);
		Elf64_Sym symbol = image_symbol(image, ELF64_R_SYM(relocation.r_info));
		struct bpf_insn instruction;

		if (strcmp(image_symbol_name(image, &symbol), WIRE_SYMBOL_SECRET) != 0)
			continue;
		memcpy(&instruction, image->bytes + section.sh_offset + relocation.r_offset, sizeof(instruction));
		instruction.imm = 16;	/* 4 + 16 = 20: one past the end */
		memcpy(image->bytes + section.sh_offset + relocation.r_offset, &instruction, sizeof(instruction));
		return 0;
	}
	return -1;
}

static int patch_entry_size(struct image *image, int section, uint64_t entry_size)
{
	Elf64_Shdr header;

	if (section < 0)
		return -1;
	header = image_section(image, section);
	header.sh_entsize = entry_size;
	image_set_section(image, section, &header);
	return 0;
}

static int break_symbol_entry_size(struct image *image)
{
	return patch_entry_size(image, image_find_section_type(image, SHT_SYMTAB), sizeof(Elf64_Sym) - 8);
}

static int break_symbol_entry_size_zero(struct image *image)
{
	return patch_entry_size(image, image_find_section_type(image, SHT_SYMTAB), 0);
}

static int break_relocation_entry_size(struct image *image)
{
	int peer = image_find_section(image, "netkit/peer");

	return patch_entry_size(image, image_find_relocations_of(image, peer), sizeof(Elf64_Rela));
}

static int break_relocation_entry_size_zero(struct image *image)
{
	int primary = image_find_section(image, "netkit/primary");

	return patch_entry_size(image, image_find_relocations_of(image, primary), 0);
}

static int break_symbol_table_link(struct image *image)
{
	int symbols = image_find_section_type(image, SHT_SYMTAB);
	Elf64_Shdr header;

	if (symbols < 0)
		return -1;
	header = image_section(image, symbols);
	header.sh_link = 0xffff;
	image_set_section(image, symbols, &header);
	return 0;
}

static int break_symbol_table_size(struct image *image)
{
	int symbols = image_find_section_type(image, SHT_SYMTAB);
	Elf64_Shdr header;

	if (symbols < 0)
		return -1;
	header = image_section(image, symbols);
	header.sh_size = image->size;
	image_set_section(image, symbols, &header);
	return 0;
}

/* wire_counters' definition said to start 8 bytes before the end of "maps". */
static int break_map_symbol_value(struct image *image)
{
	int symbols = image_find_section_type(image, SHT_SYMTAB);
	Elf64_Shdr header;

	if (symbols < 0)
		return -1;
	header = image_section(image, symbols);
	for (size_t index = 1; index < header.sh_size / sizeof(Elf64_Sym); index++) {
		Elf64_Sym symbol = image_symbol(image, index);

		if (strcmp(image_symbol_name(image, &symbol), "wire_counters") != 0)
			continue;
		symbol.st_value = image_section(image, symbol.st_shndx).sh_size - 8;
		memcpy(image->bytes + header.sh_offset + index * sizeof(symbol), &symbol, sizeof(symbol));
		return 0;
	}
	return -1;
}

static int break_license(struct image *image)
{
	int license = image_find_section(image, "license");
	Elf64_Shdr header;

	if (license < 0)
		return -1;
	header = image_section(image, license);
	image->bytes[header.sh_offset + header.sh_size - 1] = 'X';
	return 0;
}

static int break_license_size(struct image *image)
{
	int license = image_find_section(image, "license");
	Elf64_Shdr header;

	if (license < 0)
		return -1;
	header = image_section(image, license);
	header.sh_size = 0;
	image_set_section(image, license, &header);
	return 0;
}

static int break_data_section(struct image *image)
{
	int rodata = image_find_section(image, ".rodata");
	Elf64_Shdr header;

	if (rodata < 0)
		return -1;
	header = image_section(image, rodata);
	header.sh_offset = image->size - 4;
	image_set_section(image, rodata, &header);
	return 0;
}

/* Section .text renamed .maps (libbpf-style map declarations) while .BTF,
 * which they need, is renamed away (the embedded wire carries none). */
static int break_maps_without_types(struct image *image)
{
	int text = image_find_section(image, ".text"), types = image_find_section(image, ".BTF");
	int other = image_find_section(image, ".llvm_addrsig");
	Elf64_Shdr names = image_section(image, image_header(image).e_shstrndx);
	Elf64_Shdr section;

	/* The embedded object has no .text: its .rodata is renamed instead. */
	if (text < 0)
		text = image_find_section(image, ".rodata");
	if (text < 0)
		return -1;
	memcpy(image->bytes + names.sh_offset + image_section(image, text).sh_name, ".maps", 6);
	/* The embedded object has no .BTF; an object with one hides it
	 * under the name of .llvm_addrsig. */
	if (types < 0)
		return 0;
	if (other < 0)
		return -1;
	section = image_section(image, types);
	section.sh_name = image_section(image, other).sh_name;
	image_set_section(image, types, &section);
	return 0;
}

static int break_machine(struct image *image)
{
	Elf64_Ehdr header = image_header(image);

	header.e_machine = EM_X86_64;
	image_set_header(image, &header);
	return 0;
}

static int break_class(struct image *image)
{
	image->bytes[EI_CLASS] = ELFCLASS32;
	return 0;
}

static int break_byte_order(struct image *image)
{
	image->bytes[EI_DATA] = ELFDATA2MSB;
	return 0;
}

static int break_magic(struct image *image)
{
	image->bytes[EI_MAG1] = 'e';
	return 0;
}

static int break_file_type(struct image *image)
{
	Elf64_Ehdr header = image_header(image);

	header.e_type = ET_EXEC;
	image_set_header(image, &header);
	return 0;
}

static int break_section_entry_size(struct image *image)
{
	Elf64_Ehdr header = image_header(image);

	header.e_shentsize = sizeof(Elf64_Shdr) - 8;
	image_set_header(image, &header);
	return 0;
}

static const struct {
	const char *description;
	breaker apply;
} breakers[] = {
	{ "e_shoff past the end", break_section_table_offset },
	{ "e_shoff so large that it wraps", break_section_table_offset_wrapping },
	{ "e_shnum 0xffff", break_section_count },
	{ "e_shnum 0", break_section_count_zero },
	{ "e_shstrndx out of range", break_name_table_index },
	{ "section-name table not SHT_STRTAB", break_name_table_type },
	{ "section-name table without its final NUL, its last string used", break_name_table_final_nul },
	{ "a section name offset outside the name table", break_section_name_offset },
	{ "program section sh_offset past the end", break_program_offset },
	{ "program section sh_offset that wraps", break_program_offset_wrapping },
	{ "program section sh_size past the end", break_program_size },
	{ "program section size not a whole number of instructions", break_program_size_partial },
	{ "relocation r_offset at the end of its section", break_relocation_offset },
	{ "relocation r_offset near UINT64_MAX", break_relocation_huge_offset },
	{ "relocation r_offset not on an instruction", break_relocation_misaligned },
	{ "relocation symbol index one past the table", break_relocation_symbol },
	{ "relocation symbol index 0xffffffff", break_relocation_symbol_huge },
	{ "relocation on a non-ld_imm64 instruction", break_relocation_instruction },
	{ "relocation on an ld_imm64 in the last slot", break_relocation_last_instruction },
	{ "relocation of an unknown type", break_relocation_type },
	{ "relocation against a section that is no map", break_relocation_target },
	{ "relocation addend past the end of .rodata", break_relocation_addend },
	{ "symtab sh_entsize 16", break_symbol_entry_size },
	{ "symtab sh_entsize 0", break_symbol_entry_size_zero },
	{ "rel sh_entsize 24 (Elf64_Rela)", break_relocation_entry_size },
	{ "rel sh_entsize 0", break_relocation_entry_size_zero },
	{ "symtab sh_link out of range", break_symbol_table_link },
	{ "symtab sh_size past the end", break_symbol_table_size },
	{ "map symbol whose definition runs off the maps section", break_map_symbol_value },
	{ "license without its NUL", break_license },
	{ "license section of size 0", break_license_size },
	{ ".rodata sh_offset near the end", break_data_section },
	{ "a .maps section and no .BTF", break_maps_without_types },
	{ "e_machine EM_X86_64", break_machine },
	{ "ELFCLASS32", break_class },
	{ "big-endian", break_byte_order },
	{ "bad magic", break_magic },
	{ "e_type ET_EXEC", break_file_type },
	{ "e_shentsize 56", break_section_entry_size },
};

static void test_breakers(struct ktap *ktap, const struct image *whole)
{
	for (size_t index = 0; index < sizeof(breakers) / sizeof(breakers[0]); index++) {
		struct image copy = image_copy(whole->bytes, whole->size);
		char description[BPF_OBJECT_ERROR_MAX + 128], words[BPF_OBJECT_ERROR_MAX] = "";
		int error = 0, applied = breakers[index].apply(&copy);
		int refused = applied == 0 && parse_must_fail(&copy, &error, words);

		snprintf(description, sizeof(description), "broken: %s: %d \"%s\"",
			 breakers[index].description, error, words);
		ktap_check(ktap, refused, description,
			   applied < 0 ? "could not build the broken copy" : "it parsed");
		free(copy.bytes);
	}
}

/* Only the final NUL of the section-name table gone, every name still
 * terminated before it: the ELF spec wants that NUL, yogurt reads each
 * string with its own bounds check. Either answer is safe; say which. */
static void test_name_table_final_byte(struct ktap *ktap, const struct image *whole)
{
	struct image copy = image_copy(whole->bytes, whole->size);
	Elf64_Shdr names = image_section(&copy, image_header(&copy).e_shstrndx);
	struct bpf_object object;
	int error;

	copy.bytes[names.sh_offset + names.sh_size - 1] = 'X';
	error = bpf_object_parse(&object, "broken", copy.bytes, copy.size);
	ktap_check(ktap, error == 0 || (error < 0 && object.error[0]),
		   "section-name table without its final NUL (last string unused): no crash, "
		   "no read past it", "%d without words", error);
	ktap_comment("that copy %s: %d \"%s\"",
		     error == 0 ? "PARSES (the table's final NUL is not checked)" : "is refused", error,
		     object.error);
	bpf_object_free(&object);
	free(copy.bytes);
}

/* ---- random flips ------------------------------------------------------ */

/* xorshift64: the same sequence on every run. */
static uint64_t next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* Ranges worth flipping: headers, tables, code; not the bulk of .BTF. */
static size_t random_interesting_offset(const struct image *image, uint64_t *random)
{
	Elf64_Ehdr header = image_header(image);
	size_t section = 1 + next_random(random) % (header.e_shnum - 1);
	Elf64_Shdr chosen = image_section(image, section);

	switch (next_random(random) % 4) {
	case 0:
		return next_random(random) % sizeof(Elf64_Ehdr);
	case 1:
		return header.e_shoff + next_random(random) % ((size_t)header.e_shnum * sizeof(Elf64_Shdr));
	case 2:
		if (chosen.sh_type != SHT_NOBITS && chosen.sh_size > 0 && chosen.sh_size < 4096)
			return chosen.sh_offset + next_random(random) % chosen.sh_size;
		return next_random(random) % image->size;
	default:
		return next_random(random) % image->size;
	}
}

static long memory_mapped_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *status = fopen("/proc/self/status", "r");

	while (status && fgets(line, sizeof(line), status))
		if (sscanf(line, "VmSize: %ld kB", &kib) == 1)
			break;
	if (status)
		fclose(status);
	return kib;
}

static void test_random_flips(struct ktap *ktap, const struct image *whole)
{
	/* One buffer for every copy: no allocation of ours in the loop, so
	 * that growth in VmSize can only be the parser's own mmaps. */
	struct image copy = image_copy(whole->bytes, whole->size);
	size_t parsed = 0, refused = 0, wordless = 0, broken_promises = 0, globals_set = 0;
	char problem[128] = "";
	long before = memory_mapped_kib(), growth;
	uint64_t random = 0x9e3779b97f4a7c15u;

	for (int round = 0; round < RANDOM_FLIPS; round++) {
		struct bpf_object object;
		int flips = 1 + (int)(next_random(&random) % 4), error;

		memcpy(copy.bytes, whole->bytes, whole->size);
		for (int flip = 0; flip < flips; flip++)
			copy.bytes[random_interesting_offset(whole, &random)] ^=
				(unsigned char)(1 + next_random(&random) % 255);
		error = bpf_object_parse(&object, "flipped", copy.bytes, copy.size);
		if (error < 0) {
			refused++;
			wordless += object.error[0] == '\0';
		} else {
			unsigned char secret[16] = { 1 };
			uint32_t target = 7;
			char found[96];

			parsed++;
			parsed_object_problem(&object, found, sizeof(found));
			if (found[0] && broken_promises == 0)
				snprintf(problem, sizeof(problem), "round %d: %s", round, found);
			broken_promises += found[0] != '\0';
			globals_set += bpf_object_set_global(&object, WIRE_SYMBOL_SECRET, secret,
							     sizeof(secret)) == 0;
			globals_set += bpf_object_set_global(&object, WIRE_SYMBOL_TARGET, &target,
							     sizeof(target)) == 0;
		}
		bpf_object_free(&object);
	}
	growth = memory_mapped_kib() - before;
	ktap_comment("%d random flips: %zu parsed (%zu globals set), %zu refused", RANDOM_FLIPS,
		     parsed, globals_set, refused);
	ktap_check(ktap, wordless == 0, "random flips: every refusal comes with words",
		   "%zu without words", wordless);
	ktap_check(ktap, broken_promises == 0,
		   "random flips: every parsed object is consistent (relocations, names, counts)",
		   "%s", problem);
	ktap_check(ktap, before > 0 && growth < 1024,
		   "random flips: parse and free leave no mapping behind",
		   "VmSize grew by %ld KiB over %d parses", growth, RANDOM_FLIPS);
	free(copy.bytes);
}

void test_broken_copies(struct ktap *ktap)
{
	struct image whole = wire_image();

	ktap_comment("f. broken copies of the embedded object");
	test_truncations(ktap, &whole);
	test_breakers(ktap, &whole);
	test_name_table_final_byte(ktap, &whole);
	test_random_flips(ktap, &whole);
	free(whole.bytes);
}

