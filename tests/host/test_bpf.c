/* test_bpf.c — bpf/ and format/ on the host: the embedded wire object is
 * parsed, its globals set, loaded into this kernel (which has BPF but no
 * netkit), and broken copies of it must be refused without a crash.
 *
 * Usage: test_bpf REFUSED_OBJECT — the compiled tests/host/refused.bpf.c.
 * Prints KTAP-style "ok N - ..." / "not ok N - ..." lines and "# " comments;
 * exits 1 if anything failed. Needs root (CAP_BPF) for the load tests.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "bpf/internal.h"
#include "ktap.h"
#include "parsed_object.h"
#include "wire/wire.h"
#include "format/format.h"
#include "syscalls/syscalls.h"

#define LD_IMM64 (BPF_LD | BPF_IMM | BPF_DW)
#define RANDOM_FLIPS 2000

/* ---- reporting --------------------------------------------------------- */

static void comment(const char *format, ...)
{
	va_list arguments;

	printf("# ");
	va_start(arguments, format);
	vprintf(format, arguments);
	va_end(arguments);
	printf("\n");
}

/* The last lines of a multi-line text, each as a comment. */
static void comment_last_lines(const char *text, int lines)
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

		comment("  %.*s", (int)length, start);
		start += length + (start[length] == '\n');
	}
}

/* ---- a copy of an ELF image, read and patched by hand ------------------ */

/* Broken copies live on the heap at their exact size, so that AddressSanitizer
 * sees any read past their end (the embedded image sits inside .rodata). */
struct image {
	unsigned char *bytes;
	size_t size;
};

static struct image image_copy(const void *bytes, size_t size)
{
	struct image image = { .bytes = malloc(size ? size : 1), .size = size };

	if (!image.bytes) {
		perror("malloc");
		exit(1);
	}
	memcpy(image.bytes, bytes, size);
	return image;
}

static Elf64_Ehdr image_header(const struct image *image)
{
	Elf64_Ehdr header;

	memcpy(&header, image->bytes, sizeof(header));
	return header;
}

static void image_set_header(struct image *image, const Elf64_Ehdr *header)
{
	memcpy(image->bytes, header, sizeof(*header));
}

static uint64_t section_header_offset(const struct image *image, size_t index)
{
	return image_header(image).e_shoff + index * sizeof(Elf64_Shdr);
}

static Elf64_Shdr image_section(const struct image *image, size_t index)
{
	Elf64_Shdr section;

	memcpy(&section, image->bytes + section_header_offset(image, index), sizeof(section));
	return section;
}

static void image_set_section(struct image *image, size_t index, const Elf64_Shdr *section)
{
	memcpy(image->bytes + section_header_offset(image, index), section, sizeof(*section));
}

static const char *image_section_name(const struct image *image, size_t index)
{
	Elf64_Shdr names = image_section(image, image_header(image).e_shstrndx);

	return (const char *)image->bytes + names.sh_offset + image_section(image, index).sh_name;
}

/* Index of the section called name, or -1. Only used on intact images. */
static int image_find_section(const struct image *image, const char *name)
{
	for (size_t index = 1; index < image_header(image).e_shnum; index++)
		if (strcmp(image_section_name(image, index), name) == 0)
			return (int)index;
	return -1;
}

static int image_find_section_type(const struct image *image, uint32_t type)
{
	for (size_t index = 1; index < image_header(image).e_shnum; index++)
		if (image_section(image, index).sh_type == type)
			return (int)index;
	return -1;
}

/* The relocation section whose sh_info is section, or -1. */
static int image_find_relocations_of(const struct image *image, int section)
{
	for (size_t index = 1; index < image_header(image).e_shnum; index++) {
		Elf64_Shdr header = image_section(image, index);

		if (header.sh_type == SHT_REL && (int)header.sh_info == section)
			return (int)index;
	}
	return -1;
}

static Elf64_Rel image_relocation(const struct image *image, int section, size_t entry)
{
	Elf64_Rel relocation;

	memcpy(&relocation, image->bytes + image_section(image, section).sh_offset + entry * sizeof(relocation),
	       sizeof(relocation));
	return relocation;
}

static void image_set_relocation(struct image *image, int section, size_t entry, const Elf64_Rel *relocation)
{
	memcpy(image->bytes + image_section(image, section).sh_offset + entry * sizeof(*relocation), relocation,
	       sizeof(*relocation));
}

static Elf64_Sym image_symbol(const struct image *image, size_t index)
{
	Elf64_Shdr symbols = image_section(image, image_find_section_type(image, SHT_SYMTAB));
	Elf64_Sym symbol;

	memcpy(&symbol, image->bytes + symbols.sh_offset + index * sizeof(symbol), sizeof(symbol));
	return symbol;
}

static const char *image_symbol_name(const struct image *image, const Elf64_Sym *symbol)
{
	Elf64_Shdr symbols = image_section(image, image_find_section_type(image, SHT_SYMTAB));
	Elf64_Shdr names = image_section(image, symbols.sh_link);

	return (const char *)image->bytes + names.sh_offset + symbol->st_name;
}

/* Index of the symbol called name, or -1. */
static int image_find_symbol(const struct image *image, const char *name, Elf64_Sym *symbol)
{
	Elf64_Shdr symbols = image_section(image, image_find_section_type(image, SHT_SYMTAB));

	for (size_t index = 1; index < symbols.sh_size / sizeof(Elf64_Sym); index++) {
		*symbol = image_symbol(image, index);
		if (strcmp(image_symbol_name(image, symbol), name) == 0)
			return (int)index;
	}
	return -1;
}

static size_t image_relocation_count(const struct image *image, const char *section)
{
	int relocations = image_find_relocations_of(image, image_find_section(image, section));

	return relocations < 0 ? 0 : image_section(image, relocations).sh_size / sizeof(Elf64_Rel);
}

/* What the parse must find, read from the embedded ELF by hand: the wire
 * changes shape as it is tuned, these facts follow it. */
struct wire_layout {
	uint64_t rodata_size;
	uint64_t secret_offset, target_offset;
	size_t peer_relocations, primary_relocations;
};

static struct wire_layout wire;

static int read_wire_layout(const struct image *image)
{
	int rodata = image_find_section(image, ".rodata");
	Elf64_Sym secret, target;

	if (rodata < 0 || image_find_symbol(image, WIRE_SYMBOL_SECRET, &secret) < 0 ||
	    image_find_symbol(image, WIRE_SYMBOL_TARGET, &target) < 0 || secret.st_shndx != rodata ||
	    target.st_shndx != rodata || secret.st_size != WIRE_SECRET_WORDS * sizeof(uint32_t) ||
	    target.st_size != sizeof(uint32_t))
		return -1;
	wire.rodata_size = image_section(image, rodata).sh_size;
	wire.secret_offset = secret.st_value;
	wire.target_offset = target.st_value;
	wire.peer_relocations = image_relocation_count(image, "netkit/peer");
	wire.primary_relocations = image_relocation_count(image, "netkit/primary");
	comment("by hand from the ELF: .rodata %llu bytes, %s at %llu, %s at %llu; relocations: peer %zu, primary %zu",
		(unsigned long long)wire.rodata_size, WIRE_SYMBOL_TARGET, (unsigned long long)wire.target_offset,
		WIRE_SYMBOL_SECRET, (unsigned long long)wire.secret_offset, wire.peer_relocations,
		wire.primary_relocations);
	return 0;
}

static struct image wire_image(void)
{
	size_t size;
	const void *bytes = wire_object_image(&size);

	return image_copy(bytes, size);
}

/* ---- a. the embedded object as parsed ---------------------------------- */

static struct bpf_object_map *find_map(struct bpf_object *object, const char *name)
{
	for (size_t index = 0; index < object->map_count; index++)
		if (strcmp(object->maps[index].name, name) == 0)
			return &object->maps[index];
	return NULL;
}

static void test_program(struct bpf_object *object, const struct image *image, const char *section,
			 const char *name, uint32_t attach_type, size_t relocations)
{
	struct bpf_object_program *program = bpf_object_find_program(object, section);
	int index = image_find_section(image, section);
	int relocation_section = image_find_relocations_of(image, index);
	char description[128];

	snprintf(description, sizeof(description), "a program in section %s", section);
	if (!expect(program != NULL, description, "none"))
		return;
	snprintf(description, sizeof(description), "program %s: section %s, attach type %u", name, section, attach_type);
	expect(strcmp(program->name, name) == 0 && program->expected_attach_type == attach_type, description,
	       "name \"%s\", attach type %u", program->name, program->expected_attach_type);
	snprintf(description, sizeof(description), "program %s: every instruction of its section (%zu)", name,
		 program->instruction_count);
	expect(index > 0 && program->instruction_count * sizeof(struct bpf_insn) == image_section(image, index).sh_size &&
	       memcmp(program->instructions, image->bytes + image_section(image, index).sh_offset,
		      image_section(image, index).sh_size) == 0,
	       description, "section %d, %zu instructions", index, program->instruction_count);
	snprintf(description, sizeof(description), "program %s: %zu relocations, as in its .rel section", name,
		 relocations);
	expect(program->relocation_count == relocations && relocation_section > 0 && relocations > 0, description,
	       "parsed %zu, relocation section %d", program->relocation_count, relocation_section);
}

/* Each relocation, read again from the ELF by hand: same instruction, the map
 * its symbol names, and for global data the symbol's offset. */
static void test_relocation_targets(struct bpf_object *object, const struct image *image, const char *section)
{
	struct bpf_object_program *program = bpf_object_find_program(object, section);
	int relocation_section = image_find_relocations_of(image, image_find_section(image, section));
	char description[128], problem[160] = "";

	snprintf(description, sizeof(description), "%s: relocations point at the maps their symbols name", section);
	if (!program || relocation_section < 0) {
		expect(0, description, "no program or no relocation section");
		return;
	}
	for (size_t entry = 0; entry < program->relocation_count && !problem[0]; entry++) {
		const struct bpf_object_relocation *parsed = &program->relocations[entry];
		Elf64_Rel relocation = image_relocation(image, relocation_section, entry);
		Elf64_Sym symbol = image_symbol(image, ELF64_R_SYM(relocation.r_info));
		const char *symbol_name = image_symbol_name(image, &symbol);
		const struct bpf_object_map *map = &object->maps[parsed->map];
		int is_data = symbol.st_shndx == image_find_section(image, ".rodata");
		struct bpf_insn instruction;

		memcpy(&instruction, image->bytes + image_section(image, image_find_section(image, section)).sh_offset +
		       relocation.r_offset, sizeof(instruction));
		if (parsed->instruction != relocation.r_offset / sizeof(struct bpf_insn) ||
		    program->instructions[parsed->instruction].code != LD_IMM64 ||
		    strcmp(map->name, is_data ? "wire.rodata" : "wire_counters") != 0 ||
		    (is_data && parsed->value_offset != symbol.st_value + (uint32_t)instruction.imm))
			snprintf(problem, sizeof(problem), "relocation %zu (%s): instruction %u, map %s, offset %u",
				 entry, symbol_name, parsed->instruction, map->name, parsed->value_offset);
	}
	expect(!problem[0], description, "%s", problem);
}

static void test_maps(struct bpf_object *object)
{
	struct bpf_object_map *counters = find_map(object, "wire_counters");
	struct bpf_object_map *rodata = find_map(object, "wire.rodata");
	static const unsigned char zeros[256];
	char description[128];

	expect(object->map_count == 2, "two maps", "%zu maps", object->map_count);
	if (expect(counters != NULL, "map wire_counters is there", "not found"))
		expect(counters->type == BPF_MAP_TYPE_PERCPU_ARRAY && counters->key_size == 4 &&
		       counters->value_size == sizeof(struct wire_count) && counters->value_size == 16 &&
		       counters->max_entries == WIRE_COUNTER_MAX && counters->max_entries == 4 &&
		       counters->flags == 0 && !counters->is_data,
		       "wire_counters: per-CPU array, key 4, value 16, 4 entries",
		       "type %u key %u value %u entries %u flags %#x data %d", counters->type, counters->key_size,
		       counters->value_size, counters->max_entries, counters->flags, counters->is_data);
	snprintf(description, sizeof(description),
		 "wire.rodata: array, value %llu (the section, zeros), BPF_F_RDONLY_PROG, read-only data",
		 (unsigned long long)wire.rodata_size);
	if (expect(rodata != NULL, "map wire.rodata is there", "not found"))
		expect(rodata->type == BPF_MAP_TYPE_ARRAY && rodata->key_size == 4 &&
		       rodata->value_size == wire.rodata_size && rodata->value_size <= sizeof(zeros) &&
		       rodata->max_entries == 1 && rodata->flags == BPF_F_RDONLY_PROG && rodata->is_data &&
		       rodata->is_read_only && rodata->value && memcmp(rodata->value, zeros, rodata->value_size) == 0,
		       description,
		       "type %u key %u value %u entries %u flags %#x data %d read-only %d", rodata->type,
		       rodata->key_size, rodata->value_size, rodata->max_entries, rodata->flags, rodata->is_data,
		       rodata->is_read_only);
}

static void test_embedded_object(void)
{
	struct image image = wire_image();
	struct bpf_object object;
	int error;

	comment("a. the embedded wire object (%zu bytes)", image.size);
	expect(read_wire_layout(&image) == 0, "the ELF has wire_secret (16 bytes) and wire_target_ifindex (4) in .rodata",
	       "not so: the tests of the globals below will fail");
	error = bpf_object_parse(&object, "wire", image.bytes, image.size);
	if (expect(error == 0, "the embedded object parses", "%d: %s", error, object.error)) {
		expect(object.program_count == 2, "two programs", "%zu programs", object.program_count);
		test_program(&object, &image, "netkit/peer", "wire_peer", BPF_NETKIT_PEER, wire.peer_relocations);
		test_program(&object, &image, "netkit/primary", "wire_primary", BPF_NETKIT_PRIMARY,
			     wire.primary_relocations);
		test_relocation_targets(&object, &image, "netkit/peer");
		test_relocation_targets(&object, &image, "netkit/primary");
		test_maps(&object);
		expect(strcmp(object.license, "GPL") == 0, "license GPL", "license \"%s\"", object.license);
		expect(object.error[0] == '\0' && object.log == NULL, "no error words and no log after a good parse",
		       "error \"%s\"", object.error);
	}
	bpf_object_free(&object);
	expect(object.program_count == 0 && object.map_count == 0 && object.programs[0].fd == -1 &&
	       object.maps[0].fd == -1, "bpf_object_free leaves an empty object with fds -1",
	       "%zu programs, %zu maps", object.program_count, object.map_count);
	bpf_object_free(&object);
	expect(1, "bpf_object_free twice is harmless", "");
	free(image.bytes);
}

/* ---- b. globals -------------------------------------------------------- */

static const uint32_t test_secret[WIRE_SECRET_WORDS] = { 0x11223344, 0x55667788, 0x99aabbcc, 0xddeeff00 };

/* value (the .rodata bytes) holds the secret, and the target unless NULL,
 * where the symbols say. */
static int wire_rodata_holds(const unsigned char *value, size_t size, const uint32_t *target, const uint32_t *secret)
{
	return size == wire.rodata_size && size >= wire.secret_offset + 16 && size >= wire.target_offset + 4 &&
	       memcmp(value + wire.secret_offset, secret, 16) == 0 &&
	       (!target || memcmp(value + wire.target_offset, target, 4) == 0);
}

static void test_set_global_refused(struct bpf_object *object, const char *name, const void *value, size_t size,
				    int expected_error, const char *expected_words)
{
	struct bpf_object_map *rodata = find_map(object, "wire.rodata");
	unsigned char before[256];
	char description[160];
	int error;

	memcpy(before, rodata->value, rodata->value_size < sizeof(before) ? rodata->value_size : sizeof(before));
	object->error[0] = '\0';
	error = bpf_object_set_global(object, name, value, size);
	snprintf(description, sizeof(description), "set_global(%s, %zu bytes) is refused: %d \"%s\"", name, size,
		 error, object->error);
	expect(error == expected_error && strstr(object->error, expected_words) && strstr(object->error, name) &&
	       memcmp(before, rodata->value, rodata->value_size < sizeof(before) ? rodata->value_size : sizeof(before)) == 0,
	       description, "expected %d with \"%s\"", expected_error, expected_words);
}

/* Section symbols have empty names: "" finds one of them, which is no
 * variable. Any refusal with words will do. */
static void test_set_global_empty_name(struct bpf_object *object)
{
	unsigned char value[4] = { 0 };
	char description[160];
	int error;

	object->error[0] = '\0';
	error = bpf_object_set_global(object, "", value, sizeof(value));
	snprintf(description, sizeof(description), "set_global(\"\", 4 bytes) is refused: %d \"%s\"", error,
		 object->error);
	expect(error < 0 && object->error[0], description, "no words");
}

static void test_globals(void)
{
	size_t size;
	const void *bytes = wire_object_image(&size);
	struct bpf_object object;
	struct bpf_object_map *rodata;
	uint32_t target = 0x01020304;
	unsigned char big[512] = { 0 };
	char description[128];
	int error;

	comment("b. bpf_object_set_global");
	error = bpf_object_parse(&object, "wire", bytes, size);
	rodata = find_map(&object, "wire.rodata");
	if (!expect(error == 0 && rodata, "parse for the globals", "%d: %s", error, object.error)) {
		bpf_object_free(&object);
		return;
	}
	error = bpf_object_set_global(&object, WIRE_SYMBOL_SECRET, test_secret, sizeof(test_secret));
	snprintf(description, sizeof(description), "set_global(wire_secret, 16 bytes) lands at .rodata offset %llu",
		 (unsigned long long)wire.secret_offset);
	expect(error == 0 && wire_rodata_holds(rodata->value, rodata->value_size, NULL, test_secret), description,
	       "%d: %s", error, object.error);
	error = bpf_object_set_global(&object, WIRE_SYMBOL_TARGET, &target, sizeof(target));
	snprintf(description, sizeof(description),
		 "set_global(wire_target_ifindex, 4 bytes) lands at offset %llu, the secret stays",
		 (unsigned long long)wire.target_offset);
	expect(error == 0 && wire_rodata_holds(rodata->value, rodata->value_size, &target, test_secret), description,
	       "%d: %s", error, object.error);
	test_set_global_refused(&object, WIRE_SYMBOL_SECRET, big, 15, -EINVAL, "15-byte");
	test_set_global_refused(&object, WIRE_SYMBOL_SECRET, big, 17, -EINVAL, "17-byte");
	test_set_global_refused(&object, WIRE_SYMBOL_SECRET, big, 4, -EINVAL, "4-byte");
	test_set_global_refused(&object, WIRE_SYMBOL_TARGET, big, 8, -EINVAL, "8-byte");
	test_set_global_refused(&object, WIRE_SYMBOL_TARGET, big, 0, -EINVAL, "0-byte");
	test_set_global_refused(&object, "no_such_global", big, 4, -ENOENT, "not found");
	test_set_global_empty_name(&object);
	/* Symbols that exist but are not global data. */
	test_set_global_refused(&object, "wire_counters", big, 20, -EINVAL, "global data");
	test_set_global_refused(&object, "LICENSE", big, 4, -EINVAL, "global data");
	test_set_global_refused(&object, "wire_peer", big, 408, -EINVAL, "global data");
	bpf_object_free(&object);
}

/* ---- c. loading into this kernel --------------------------------------- */

static int fd_is_open(int fd)
{
	return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

static uint32_t program_id(int fd)
{
	struct bpf_prog_info info;
	union bpf_attr attr;

	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (uint64_t)(uintptr_t)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr)) < 0)
		return 0;
	return info.id;
}

/* The verifier folds the frozen .rodata in: the translated length shows
 * which branches it could drop for these globals. */
static void print_translated_length(const struct bpf_object_program *program, const char *globals)
{
	struct bpf_prog_info info;
	uint32_t id = program_id(program->fd);

	if (id && bpf_program_info(id, &info, NULL, NULL) == 0)
		comment("%s (%s): %zu instructions in the ELF, %u after the verifier (xlated %u bytes), %u bytes jited, verifier processed %u",
			program->name, globals, program->instruction_count,
			info.xlated_prog_len / (uint32_t)sizeof(struct bpf_insn), info.xlated_prog_len,
			info.jited_prog_len, info.verified_insns);
}

static void test_program_info(const struct bpf_object_program *program)
{
	struct bpf_prog_info info;
	uint32_t map_ids[8], map_count = 8;
	uint32_t id = program_id(program->fd);
	char description[128];
	int error = id ? bpf_program_info(id, &info, map_ids, &map_count) : -ENOENT;

	snprintf(description, sizeof(description), "%s: bpf_program_info(id %u): name, type, two maps, code", program->name,
		 id);
	if (!expect(error == 0 && strcmp(info.name, program->name) == 0 && info.type == BPF_PROG_TYPE_SCHED_CLS &&
		    info.xlated_prog_len > 0 && map_count == 2,
		    description, "error %d, name \"%s\", type %u, xlated %u, %u maps", error, info.name, info.type,
		    info.xlated_prog_len, map_count))
		return;
	print_translated_length(program, "secret set, target 1");
}

/* The .rodata map reads back what was set, and is frozen. */
static void test_rodata_in_kernel(struct bpf_object *object, uint32_t target)
{
	struct bpf_object_map *rodata = find_map(object, "wire.rodata");
	unsigned char value[256], other[256] = { 0 };
	uint32_t key = 0;
	union bpf_attr attr;
	long error = rodata->value_size <= sizeof(value) ? bpf_map_lookup(rodata->fd, &key, value) : -E2BIG;

	expect(error == 0 && wire_rodata_holds(value, rodata->value_size, &target, test_secret),
	       "the kernel's wire.rodata holds the target and the secret", "lookup %ld", error);
	memset(&attr, 0, sizeof(attr));
	attr.map_fd = (uint32_t)rodata->fd;
	attr.key = (uint64_t)(uintptr_t)&key;
	attr.value = (uint64_t)(uintptr_t)other;
	error = sys_bpf(BPF_MAP_UPDATE_ELEM, &attr, sizeof(attr));
	expect(error == -EPERM, "wire.rodata is frozen: an update gives -EPERM", "update gave %ld", error);
}

static void test_netkit_attach(const struct bpf_object_program *program, uint32_t attach_type)
{
	unsigned int loopback = if_nametoindex("lo");
	int link = bpf_netkit_link_create(program->fd, loopback, attach_type);
	char description[160];

	/* No CONFIG_NETKIT: bpf(2) falls to the netkit_link_attach() stub
	 * (-EINVAL). With netkit, lo is no netkit device: -ENXIO. */
	snprintf(description, sizeof(description), "netkit link of %s on lo (ifindex %u, attach type %u) fails: %d (%s)",
		 program->name, loopback, attach_type, link, link < 0 ? strerror(-link) : "a link fd!");
	expect(link == -EINVAL || link == -ENXIO, description, "expected -EINVAL (no netkit) or -ENXIO (lo is no netkit)");
	if (link >= 0)
		close(link);
}

static void test_load(void)
{
	size_t size;
	const void *bytes = wire_object_image(&size);
	struct bpf_object object;
	uint32_t target = 1;
	int fds[BPF_OBJECT_MAX_PROGRAMS + BPF_OBJECT_MAX_MAPS], fd_count = 0, still_open = 0;
	int error;

	comment("c. loading the wire into this kernel; d. netkit attach");
	error = bpf_object_parse(&object, "wire", bytes, size);
	if (error == 0)
		error = bpf_object_set_global(&object, WIRE_SYMBOL_SECRET, test_secret, sizeof(test_secret));
	if (error == 0)
		error = bpf_object_set_global(&object, WIRE_SYMBOL_TARGET, &target, sizeof(target));
	if (!expect(error == 0, "parse and set the globals", "%d: %s", error, object.error)) {
		bpf_object_free(&object);
		return;
	}
	error = bpf_object_load(&object);
	if (!expect(error == 0, "bpf_object_load succeeds", "%d: %s", error, object.error)) {
		comment_last_lines(object.log, 6);
		bpf_object_free(&object);
		return;
	}
	for (size_t index = 0; index < object.program_count; index++)
		fds[fd_count++] = object.programs[index].fd;
	for (size_t index = 0; index < object.map_count; index++)
		fds[fd_count++] = object.maps[index].fd;
	for (int index = 0; index < fd_count; index++)
		still_open += fd_is_open(fds[index]);
	expect(fd_count == 4 && still_open == 4, "two program fds and two map fds are open", "%d of %d", still_open,
	       fd_count);
	for (size_t index = 0; index < object.program_count; index++)
		test_program_info(&object.programs[index]);
	test_rodata_in_kernel(&object, target);
	test_netkit_attach(bpf_object_find_program(&object, "netkit/primary"), BPF_NETKIT_PRIMARY);
	test_netkit_attach(bpf_object_find_program(&object, "netkit/peer"), BPF_NETKIT_PEER);
	bpf_object_unload(&object);
	still_open = 0;
	for (int index = 0; index < fd_count; index++)
		still_open += fd_is_open(fds[index]);
	expect(still_open == 0 && object.programs[0].fd == -1 && object.maps[0].fd == -1,
	       "bpf_object_unload closes every fd and sets them to -1", "%d still open", still_open);
	/* relocate() patches the instructions in place: a second load must
	 * patch them again with the new map fds. */
	error = bpf_object_load(&object);
	expect(error == 0 && fd_is_open(object.programs[0].fd) && fd_is_open(object.programs[1].fd),
	       "loading again after unload works", "%d: %s", error, object.error);
	fd_count = 0;
	for (size_t index = 0; index < object.program_count; index++)
		fds[fd_count++] = object.programs[index].fd;
	for (size_t index = 0; index < object.map_count; index++)
		fds[fd_count++] = object.maps[index].fd;
	bpf_object_free(&object);
	still_open = 0;
	for (int index = 0; index < fd_count; index++)
		still_open += fd_is_open(fds[index]);
	expect(still_open == 0, "bpf_object_free of a loaded object closes its fds", "%d still open", still_open);
}

static void test_load_zero_secret(void)
{
	size_t size;
	const void *bytes = wire_object_image(&size);
	uint32_t zero_secret[WIRE_SECRET_WORDS] = { 0 }, target = 0;
	struct bpf_object object;
	int error = bpf_object_parse(&object, "wire", bytes, size);

	if (error == 0)
		error = bpf_object_set_global(&object, WIRE_SYMBOL_SECRET, zero_secret, sizeof(zero_secret));
	if (error == 0)
		error = bpf_object_set_global(&object, WIRE_SYMBOL_TARGET, &target, sizeof(target));
	if (error == 0)
		error = bpf_object_load(&object);
	if (expect(error == 0 && fd_is_open(object.programs[0].fd) && fd_is_open(object.programs[1].fd),
		   "an all-zero secret and target 0 still load", "%d: %s", error, object.error))
		for (size_t index = 0; index < object.program_count; index++)
			print_translated_length(&object.programs[index], "secret 0, target 0");
	bpf_object_free(&object);
}

/* ---- e. a program the verifier refuses --------------------------------- */

static int read_file(const char *path, struct image *image)
{
	FILE *file = fopen(path, "rb");
	long size;

	if (!file)
		return -errno;
	if (fseek(file, 0, SEEK_END) < 0 || (size = ftell(file)) < 0 || fseek(file, 0, SEEK_SET) < 0) {
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

/* What the verifier says when a map value is used without a NULL check. */
#define VERIFIER_REASON "invalid mem access 'map_value_or_null'"

static void test_refused(const char *path)
{
	struct image image = { 0 };
	struct bpf_object object;
	int error;

	comment("e. a program the verifier refuses (%s)", path ? path : "no path given");
	error = path ? read_file(path, &image) : -ENOENT;
	if (!expect(error == 0, "read the refused object", "%s: %s", path ? path : "(argv[1] missing)",
		    strerror(-error)))
		return;
	error = bpf_object_parse(&object, "refused", image.bytes, image.size);
	if (expect(error == 0, "the refused object parses", "%d: %s", error, object.error)) {
		error = bpf_object_load(&object);
		expect(error < 0, "bpf_object_load fails", "it loaded");
		comment("error: %d \"%s\"", error, object.error);
		expect(strstr(object.error, "the verifier refused it") != NULL,
		       "object->error says \"the verifier refused it\"", "\"%s\"", object.error);
		expect(object.log && object.log[0] != '\0', "object->log holds the verifier log", "no log");
		/* The verifier's own words for a NULL-unchecked map value. */
		if (!expect(object.log && strstr(object.log, VERIFIER_REASON),
			    "object->log has the verifier's words \"" VERIFIER_REASON "\"", "the log ends:"))
			comment_last_lines(object.log, 6);
		/* The statistics line the verifier ends with is no reason. */
		expect(strstr(object.error, VERIFIER_REASON) != NULL,
		       "object->error quotes the verifier's reason, not its statistics", "\"%s\"", object.error);
		expect(object.programs[0].fd == -1 && object.maps[0].fd == -1,
		       "after the refusal no program or map fd is kept", "program fd %d, map fd %d",
		       object.programs[0].fd, object.maps[0].fd);
	}
	bpf_object_free(&object);
	free(image.bytes);
}

/* ---- f. broken copies -------------------------------------------------- */

/* Parses image; it must fail with a negative errno and words. */
static int parse_must_fail(const struct image *image, int *error, char words[BPF_OBJECT_ERROR_MAX])
{
	struct bpf_object object;

	*error = bpf_object_parse(&object, "broken", image->bytes, image->size);
	memcpy(words, object.error, BPF_OBJECT_ERROR_MAX);
	bpf_object_free(&object);
	return *error < 0 && words[0] != '\0';
}

static void test_truncations(const struct image *whole)
{
	size_t tried = 0, bad = 0, first_bad = 0;

	for (size_t length = 0; length < whole->size; length += length < 256 ? 1 : 7) {
		struct image cut = image_copy(whole->bytes, length);
		char words[BPF_OBJECT_ERROR_MAX];
		int error;

		if (!parse_must_fail(&cut, &error, words) && bad++ == 0)
			first_bad = length;
		tried++;
		free(cut.bytes);
	}
	expect(bad == 0, "every truncation fails with an errno and words", "%zu of %zu lengths parsed, first %zu",
	       bad, tried, first_bad);
	comment("%zu truncated lengths tried", tried);
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
	return patch_peer_section(image, UINT64_MAX, image_section(image, image_find_section(image, "netkit/peer")).sh_size - 4);
}

/* Patches the first relocation of netkit/peer through change(). */
static int patch_peer_relocation(struct image *image, void (*change)(struct image *image, Elf64_Rel *relocation))
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

	relocation->r_info = ELF64_R_INFO(symbols.sh_size / sizeof(Elf64_Sym), ELF64_R_TYPE(relocation->r_info));
}

static void relocation_symbol_huge(struct image *image, Elf64_Rel *relocation)
{
	(void)image;
	relocation->r_info = ELF64_R_INFO(0xffffffffu, ELF64_R_TYPE(relocation->r_info));
}

static void relocation_on_other_instruction(struct image *image, Elf64_Rel *relocation)
{
	relocation->r_offset = non_load_instruction_offset(image, image_find_section(image, "netkit/peer"));
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

	for (size_t entry = 0; relocations > 0 && entry < image_section(image, relocations).sh_size / sizeof(Elf64_Rel);
	     entry++) {
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
	return patch_entry_size(image, image_find_relocations_of(image, image_find_section(image, "netkit/peer")),
				sizeof(Elf64_Rela));
}

static int break_relocation_entry_size_zero(struct image *image)
{
	return patch_entry_size(image, image_find_relocations_of(image, image_find_section(image, "netkit/primary")), 0);
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

static void test_breakers(const struct image *whole)
{
	for (size_t index = 0; index < sizeof(breakers) / sizeof(breakers[0]); index++) {
		struct image copy = image_copy(whole->bytes, whole->size);
		char description[BPF_OBJECT_ERROR_MAX + 128], words[BPF_OBJECT_ERROR_MAX] = "";
		int error = 0, applied = breakers[index].apply(&copy);
		int refused = applied == 0 && parse_must_fail(&copy, &error, words);

		snprintf(description, sizeof(description), "broken: %s: %d \"%s\"", breakers[index].description, error,
			 words);
		expect(refused, description, applied < 0 ? "could not build the broken copy" : "it parsed");
		free(copy.bytes);
	}
}

/* Only the final NUL of the section-name table gone, every name still
 * terminated before it: the ELF spec wants that NUL, yogurt reads each
 * string with its own bounds check. Either answer is safe; say which. */
static void test_name_table_final_byte(const struct image *whole)
{
	struct image copy = image_copy(whole->bytes, whole->size);
	Elf64_Shdr names = image_section(&copy, image_header(&copy).e_shstrndx);
	struct bpf_object object;
	int error;

	copy.bytes[names.sh_offset + names.sh_size - 1] = 'X';
	error = bpf_object_parse(&object, "broken", copy.bytes, copy.size);
	expect(error == 0 || (error < 0 && object.error[0]),
	       "section-name table without its final NUL (last string unused): no crash, no read past it",
	       "%d without words", error);
	comment("that copy %s: %d \"%s\"", error == 0 ? "PARSES (the table's final NUL is not checked)" : "is refused",
		error, object.error);
	bpf_object_free(&object);
	free(copy.bytes);
}

/* ---- random flips ------------------------------------------------------ */

static uint64_t random_state = 0x9e3779b97f4a7c15u;

static uint64_t next_random(void)
{
	random_state ^= random_state << 13;
	random_state ^= random_state >> 7;
	random_state ^= random_state << 17;
	return random_state;
}

/* Ranges worth flipping: headers, tables, code; not the bulk of .BTF. */
static size_t random_interesting_offset(const struct image *image)
{
	Elf64_Ehdr header = image_header(image);
	size_t section = 1 + next_random() % (header.e_shnum - 1);
	Elf64_Shdr chosen = image_section(image, section);

	switch (next_random() % 4) {
	case 0:
		return next_random() % sizeof(Elf64_Ehdr);
	case 1:
		return header.e_shoff + next_random() % ((size_t)header.e_shnum * sizeof(Elf64_Shdr));
	case 2:
		if (chosen.sh_type != SHT_NOBITS && chosen.sh_size > 0 && chosen.sh_size < 4096)
			return chosen.sh_offset + next_random() % chosen.sh_size;
		return next_random() % image->size;
	default:
		return next_random() % image->size;
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

static void test_random_flips(const struct image *whole)
{
	/* One buffer for every copy: no allocation of ours in the loop, so
	 * that growth in VmSize can only be the parser's own mmaps. */
	struct image copy = image_copy(whole->bytes, whole->size);
	size_t parsed = 0, refused = 0, wordless = 0, broken_promises = 0, globals_set = 0;
	char problem[128] = "";
	long before = memory_mapped_kib(), growth;

	for (int round = 0; round < RANDOM_FLIPS; round++) {
		struct bpf_object object;
		int flips = 1 + (int)(next_random() % 4), error;

		memcpy(copy.bytes, whole->bytes, whole->size);
		for (int flip = 0; flip < flips; flip++)
			copy.bytes[random_interesting_offset(whole)] ^= (unsigned char)(1 + next_random() % 255);
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
			if (found[0] && broken_promises++ == 0)
				snprintf(problem, sizeof(problem), "round %d: %s", round, found);
			globals_set += bpf_object_set_global(&object, WIRE_SYMBOL_SECRET, secret, sizeof(secret)) == 0;
			globals_set += bpf_object_set_global(&object, WIRE_SYMBOL_TARGET, &target, sizeof(target)) == 0;
		}
		bpf_object_free(&object);
	}
	growth = memory_mapped_kib() - before;
	comment("%d random flips: %zu parsed (%zu globals set), %zu refused", RANDOM_FLIPS, parsed, globals_set, refused);
	expect(wordless == 0, "random flips: every refusal comes with words", "%zu without words", wordless);
	expect(broken_promises == 0, "random flips: every parsed object is consistent (relocations, names, counts)",
	       "%s", problem);
	expect(before > 0 && growth < 1024, "random flips: parse and free leave no mapping behind",
	       "VmSize grew by %ld KiB over %d parses", growth, RANDOM_FLIPS);
	free(copy.bytes);
}

static void test_broken_copies(void)
{
	struct image whole = wire_image();

	comment("f. broken copies of the embedded object");
	test_truncations(&whole);
	test_breakers(&whole);
	test_name_table_final_byte(&whole);
	test_random_flips(&whole);
	free(whole.bytes);
}

/* ---- g. format --------------------------------------------------------- */

static void expect_text(const char *got, size_t got_length, const char *expected, const char *what)
{
	char description[256];

	snprintf(description, sizeof(description), "format %s -> \"%s\"", what, expected);
	expect(strcmp(got, expected) == 0 && got_length == strlen(expected), description, "got \"%s\" (length %zu)",
	       got, got_length);
}

#define EXPECT_FORMAT(expected, ...)                                                          \
	do {                                                                                  \
		char text_[128];                                                              \
		size_t length_ = format_string(text_, sizeof(text_), __VA_ARGS__);            \
		expect_text(text_, length_, expected, #__VA_ARGS__);                          \
	} while (0)

static void test_format_conversions(void)
{
	const char *volatile nothing = NULL;

	EXPECT_FORMAT("abc", "%s", "abc");
	EXPECT_FORMAT("[   ab]", "[%5s]", "ab");
	EXPECT_FORMAT("[ab   ]", "[%-5s]", "ab");
	EXPECT_FORMAT("[toolong]", "[%3s]", "toolong");
	EXPECT_FORMAT("(null)", "%s", nothing);
	EXPECT_FORMAT("[  x]", "[%3c]", 'x');
	EXPECT_FORMAT("100%", "%d%%", 100);
	EXPECT_FORMAT("-42", "%d", -42);
	EXPECT_FORMAT("[  -42]", "[%5d]", -42);
	EXPECT_FORMAT("[-0042]", "[%05d]", -42);
	EXPECT_FORMAT("[-42  ]", "[%-5d]", -42);
	EXPECT_FORMAT("[00042]", "[%05d]", 42);
	EXPECT_FORMAT("0", "%i", 0);
	EXPECT_FORMAT("-2147483648", "%d", INT_MIN);
	EXPECT_FORMAT("2147483647", "%d", INT_MAX);
	EXPECT_FORMAT("4294967295", "%u", UINT_MAX);
	EXPECT_FORMAT("deadbeef", "%x", 0xdeadbeefu);
	EXPECT_FORMAT("0000beef", "%08x", 0xbeefu);
	EXPECT_FORMAT("[ff  ]", "[%-4x]", 0xffu);
	EXPECT_FORMAT("18446744073709551615", "%zu", SIZE_MAX);
	EXPECT_FORMAT("[   12]", "[%5zu]", (size_t)12);
	EXPECT_FORMAT("18446744073709551615", "%llu", ULLONG_MAX);
	EXPECT_FORMAT("-9223372036854775808", "%lld", (long long)INT64_MIN);
	EXPECT_FORMAT("9223372036854775807", "%lld", (long long)INT64_MAX);
	EXPECT_FORMAT("-9223372036854775808", "%ld", LONG_MIN);
	EXPECT_FORMAT("ffffffffffffffff", "%llx", ULLONG_MAX);
	EXPECT_FORMAT("[-000000000000000000001]", "[%022lld]", -1LL);
	EXPECT_FORMAT("a1b-2c", "a%ub%dc", 1u, -2);
}

static void test_format_truncation(void)
{
	char text[16];
	size_t length;

	memset(text, '#', sizeof(text));
	length = format_string(text, 5, "%s", "hello world");
	expect(length == 11 && strcmp(text, "hell") == 0 && text[5] == '#',
	       "format truncated to 5 bytes: \"hell\", returns 11, writes nothing past", "\"%s\", %zu", text, length);
	memset(text, '#', sizeof(text));
	length = format_string(text, 4, "%d", -12345);
	expect(length == 6 && strcmp(text, "-12") == 0, "format cuts a number: \"-12\", returns 6", "\"%s\", %zu", text,
	       length);
	memset(text, '#', sizeof(text));
	length = format_string(text, 4, "%10d", 1);
	expect(length == 10 && strcmp(text, "   ") == 0, "format cuts padding: returns 10", "\"%s\", %zu", text, length);
	memset(text, '#', sizeof(text));
	length = format_string(text, 1, "%s", "abc");
	expect(length == 3 && text[0] == '\0' && text[1] == '#', "format into 1 byte: \"\", returns 3", "%zu", length);
	memset(text, '#', sizeof(text));
	length = format_string(text, 0, "%s", "abc");
	expect(length == 3 && text[0] == '#', "format into 0 bytes writes nothing, returns 3", "%zu", length);
	length = format_string(NULL, 0, "%d-%s", 12, "ab");
	expect(length == 5, "format_string(NULL, 0) measures: 5", "%zu", length);
	length = format_string(text, sizeof(text), "%s", "");
	expect(length == 0 && text[0] == '\0', "format of an empty string", "%zu", length);
}

/* format_string against the C library's snprintf on random values. */
static void test_format_against_snprintf(void)
{
	static const char *const signed_formats[] = { "%lld", "%5lld", "%-7lld|", "%012lld", "%-012lld|", "%1lld" };
	static const char *const unsigned_formats[] = { "%llu", "%20llu", "%-21llu|", "%llx", "%016llx", "%-9llx|" };
	char mine[64], theirs[64], problem[160] = "";

	for (int round = 0; round < 20000 && !problem[0]; round++) {
		uint64_t value = next_random() >> (next_random() % 64);
		const char *format = round % 2 ? signed_formats[round / 2 % 6] : unsigned_formats[round / 2 % 6];
		long long as_signed = round % 4 == 1 ? -(long long)(value >> 1) - 1 : (long long)value;
		size_t mine_length;
		int theirs_length;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		mine_length = round % 2 ? format_string(mine, sizeof(mine), format, as_signed)
					: format_string(mine, sizeof(mine), format, (unsigned long long)value);
		theirs_length = round % 2 ? snprintf(theirs, sizeof(theirs), format, as_signed)
					  : snprintf(theirs, sizeof(theirs), format, (unsigned long long)value);
#pragma GCC diagnostic pop
		if (strcmp(mine, theirs) != 0 || mine_length != (size_t)theirs_length)
			snprintf(problem, sizeof(problem), "\"%s\": \"%s\" vs snprintf \"%s\"", format, mine, theirs);
	}
	expect(!problem[0], "format_string agrees with snprintf on 20000 random 64-bit values", "%s", problem);
}

static void expect_address(int family, const char *written, const char *expected)
{
	unsigned char bytes[16];
	char text[FORMAT_ADDRESS_MAX], description[128];

	snprintf(description, sizeof(description), "format_address %s -> %s", written, expected);
	if (inet_pton(family, written, bytes) != 1) {
		expect(0, description, "inet_pton refused it");
		return;
	}
	format_address(text, family, bytes);
	expect(strcmp(text, expected) == 0, description, "got %s", text);
}

/* Random addresses with many zero groups against glibc's inet_ntop, which
 * follows RFC 5952 too except for its dotted IPv4 tails (skipped). */
static void test_addresses_against_inet_ntop(void)
{
	char mine[FORMAT_ADDRESS_MAX], theirs[INET6_ADDRSTRLEN], problem[160] = "";
	int compared = 0;

	for (int round = 0; round < 20000 && !problem[0]; round++) {
		unsigned char bytes[16];

		for (int group = 0; group < 8; group++) {
			uint16_t value = next_random() % 3 ? 0 : (uint16_t)(next_random() >> (next_random() % 16));

			bytes[2 * group] = (unsigned char)(value >> 8);
			bytes[2 * group + 1] = (unsigned char)value;
		}
		format_address(mine, AF_INET6, bytes);
		inet_ntop(AF_INET6, bytes, theirs, sizeof(theirs));
		if (strchr(theirs, '.'))
			continue;
		compared++;
		if (strcmp(mine, theirs) != 0)
			snprintf(problem, sizeof(problem), "%s vs inet_ntop %s", mine, theirs);
	}
	expect(!problem[0], "format_address agrees with inet_ntop on random IPv6 addresses", "%s", problem);
	comment("%d random IPv6 addresses compared", compared);
}

static void test_format(void)
{
	comment("g. format_string and format_address");
	test_format_conversions();
	test_format_truncation();
	test_format_against_snprintf();
	expect_address(AF_INET, "10.42.0.1", "10.42.0.1");
	expect_address(AF_INET, "255.255.255.255", "255.255.255.255");
	expect_address(AF_INET, "0.0.0.0", "0.0.0.0");
	expect_address(AF_INET6, "::", "::");
	expect_address(AF_INET6, "::1", "::1");
	expect_address(AF_INET6, "1::", "1::");
	expect_address(AF_INET6, "fd42::1", "fd42::1");
	expect_address(AF_INET6, "fd42:0:0:0:0:0:0:1", "fd42::1");
	expect_address(AF_INET6, "1:0:0:1:0:0:0:1", "1:0:0:1::1");
	expect_address(AF_INET6, "1:0:0:2:0:0:3:4", "1::2:0:0:3:4");
	expect_address(AF_INET6, "2001:db8::", "2001:db8::");
	expect_address(AF_INET6, "2001:0db8:0000:0000:0000:0000:0000:0000", "2001:db8::");
	expect_address(AF_INET6, "1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7");
	expect_address(AF_INET6, "0:1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7");
	expect_address(AF_INET6, "1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0");
	expect_address(AF_INET6, "fe80::", "fe80::");
	expect_address(AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	test_addresses_against_inet_ntop();
}

static int open_fd_count(void)
{
	DIR *directory = opendir("/proc/self/fd");
	int count = 0;

	if (!directory)
		return -1;
	while (readdir(directory))
		count++;
	closedir(directory);
	return count;
}

int main(int argc, char **argv)
{
	int fds_before = open_fd_count(), fds_after;

	/* One line each, in order, even when stdout is a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_embedded_object();
	test_globals();
	test_load();
	test_load_zero_secret();
	test_refused(argc > 1 ? argv[1] : NULL);
	test_broken_copies();
	test_format();
	fds_after = open_fd_count();
	expect(fds_before > 0 && fds_after == fds_before, "no fd is left open", "%d open before, %d after", fds_before,
	       fds_after);
	comment("%d tests, %d failed", test_number, tests_failed);
	return tests_failed ? 1 : 0;
}
