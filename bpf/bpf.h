/* bpf — from an ELF object to programs attached to netkit devices, with raw
 * bpf(2) and no libbpf.
 *
 *   elf.c      reads an untrusted ELF64 image; every read is bounds-checked
 *   btf.c      its type information (.BTF, .BTF.ext), bounds-checked too
 *   object.c   finds programs, maps and global data in it
 *   maps.c     maps declared the libbpf way, their shape read from BTF
 *   program.c  assembles each program: its subprograms appended, its
 *              relocations and func/line info gathered
 *   load.c     creates the maps and loads the programs (BPF_MAP_CREATE,
 *              BPF_PROG_LOAD, with the verifier log on refusal)
 *   kernel.c   links, pins, queries and object info (BPF_LINK_CREATE…)
 *
 * Functions return 0 (or a non-negative fd/count) on success and a negative
 * errno on failure; where there is more to say, the words are left in the
 * object's error buffer for the caller to print once.
 */
#ifndef YOGURT_BPF_H
#define YOGURT_BPF_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include "../syscalls/uapi_compat.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

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
int elf_symbol(const struct elf_file *elf, const Elf64_Shdr *symbols, size_t index, Elf64_Sym *symbol);
int elf_relocation(const struct elf_file *elf, const Elf64_Shdr *relocations, size_t index, Elf64_Rel *relocation);

/* The first symbol called name, in section (any section if 0); its index
 * or -ENOENT. */
int elf_find_symbol(const struct elf_file *elf, const Elf64_Shdr *symbols, const Elf64_Shdr *names,
		    const char *name, size_t section, Elf64_Sym *symbol);

/* ---- object.c ---------------------------------------------------------- */

#define BPF_OBJECT_MAX_PROGRAMS 16
#define BPF_OBJECT_MAX_MAPS 16
#define BPF_OBJECT_ERROR_MAX 256

/* The object's .BTF, copied so that it can be fixed up before load, and
 * indexed by type id. */
struct btf {
	unsigned char *data;
	uint32_t size;
	uint32_t strings, strings_size;	/* the string table: offset in data, length */
	uint32_t *type_offsets;		/* type id -> offset of its struct btf_type */
	uint32_t type_count;		/* ids 1 .. type_count - 1 exist */
	int fd;
};

/* One part of .BTF.ext (func_info or line_info): blocks of records. */
struct btf_ext_part {
	uint32_t start, end;		/* the blocks, after the record size word */
	uint32_t record_size;
	uint32_t record_total;		/* records in all blocks */
};

struct btf_ext {
	const unsigned char *data;	/* in the image */
	uint32_t size;
	struct btf_ext_part func_info, line_info;
};

struct bpf_object_map {
	char name[BPF_OBJ_NAME_LEN];
	uint32_t type, key_size, value_size, max_entries, flags;
	uint32_t btf_key_type, btf_value_type;	/* 0: the kernel gets no types */
	size_t section;			/* ELF section the map stands for */
	uint64_t offset;		/* "maps", ".maps": where its definition is */
	int is_data;			/* global data: .rodata*, .data*, .bss* */
	int is_read_only;		/* .rodata*: frozen after it is filled */
	unsigned char *value;		/* data maps: the section's bytes, settable */
	int fd;
};

struct bpf_object_relocation {
	uint32_t instruction;		/* index of the ld_imm64 to patch */
	uint32_t map;			/* index into bpf_object.maps */
	uint32_t value_offset;		/* global data: offset into the value */
};

struct bpf_object_program {
	char name[BPF_OBJ_NAME_LEN];
	char section_name[64];
	uint32_t expected_attach_type;
	size_t section;			/* where its function is: ELF section, */
	uint32_t start, length;		/* first instruction and count there */
	/* Assembled: the function, then each .text subprogram it calls. */
	struct bpf_insn *instructions;
	size_t instruction_count;
	struct bpf_object_relocation *relocations;
	size_t relocation_count;
	struct bpf_func_info *func_info;
	uint32_t func_info_count;
	struct bpf_line_info *line_info;
	uint32_t line_info_count;
	int fd;
};

struct bpf_object {
	char name[BPF_OBJ_NAME_LEN];	/* prefix of data map names */
	struct elf_file elf;
	char license[128];
	struct bpf_object_program programs[BPF_OBJECT_MAX_PROGRAMS];
	size_t program_count;
	struct bpf_object_map maps[BPF_OBJECT_MAX_MAPS];
	size_t map_count;
	Elf64_Shdr symbols, symbol_names;	/* the symbol table and its strings */
	size_t symbols_index;
	size_t text_section;		/* .text, where subprograms live; 0: none */
	struct btf btf;			/* btf.data NULL: the object has none */
	struct btf_ext btf_ext;		/* btf_ext.data NULL: none */
	char error[BPF_OBJECT_ERROR_MAX];	/* what went wrong, in words */
	char *log;			/* verifier log of the last refused load */
};

/* A name the kernel accepts for programs and maps: [A-Za-z0-9_.], at most
 * 15 characters, from first then second (may be NULL). */
void bpf_kernel_name(char name[BPF_OBJ_NAME_LEN], const char *first, const char *second);

/* A new map called name (made a kernel name) standing for ELF section
 * section; NULL, with words, if there are too many. */
struct bpf_object_map *bpf_object_add_map(struct bpf_object *object, const char *name, size_t section);

/* Writes the words into object->error; returns error. */
int bpf_object_error(struct bpf_object *object, int error, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* Parses image (not copied: it must outlive the object). -EINVAL with words
 * in object->error when the image is malformed, -EOPNOTSUPP when it uses a
 * feature yogurt does not support. */
int bpf_object_parse(struct bpf_object *object, const char *name, const void *image, size_t size);

/* Frees what parse and load allocated and closes every fd; the words in
 * object->error stay. */
void bpf_object_free(struct bpf_object *object);

/* The first program whose section or (kernel) name is name, or NULL. */
struct bpf_object_program *bpf_object_find_program(struct bpf_object *object, const char *name);

/* Overwrites the initial value of global variable symbol (in .rodata/.data)
 * before load; size must equal the symbol's size. */
int bpf_object_set_global(struct bpf_object *object, const char *symbol, const void *value, size_t size);

/* ---- btf.c ------------------------------------------------------------- */

/* Checks .BTF whole (header, string table, every type's extent) and
 * indexes it into object->btf: -EINVAL if it is malformed. */
int btf_parse(struct bpf_object *object, const unsigned char *bytes, size_t size);

/* Type id, or NULL if there is none. Its kind-specific records follow it
 * (type + 1): as many as its kind and vlen say, all inside (parse checked). */
struct btf_type *btf_type(const struct btf *btf, uint32_t id);

/* The string at offset in the string table ("" if outside). */
const char *btf_name(const struct btf *btf, uint32_t offset);

/* Follows typedefs and qualifiers to the type underneath (its id in
 * *resolved, may be NULL); NULL if there is none. */
const struct btf_type *btf_skip_modifiers(const struct btf *btf, uint32_t id, uint32_t *resolved);

/* Size in bytes of type id (arrays multiplied out). */
int btf_type_size(const struct btf *btf, uint32_t id, uint32_t *size);

/* The first type of kind (BTF_KIND_*) called name: its id, or -ENOENT. */
int btf_find(const struct btf *btf, uint32_t kind, const char *name);

/* What clang leaves for the loader: each DATASEC's size and its global
 * variables' offsets, from the ELF sections and symbols. */
int btf_fix_datasecs(struct bpf_object *object);

/* Checks .BTF.ext into object->btf_ext (-EINVAL if malformed); CO-RE
 * relocations are refused with words. */
int btf_ext_parse(struct bpf_object *object, const unsigned char *bytes, size_t size);

/* Appends to records (room for part->record_total) the records of part for
 * instructions start .. start+count-1 of ELF section named section, each
 * moved to instruction position + (its instruction - start). */
int btf_ext_copy(struct bpf_object *object, const struct btf_ext_part *part, const char *section, uint32_t start,
		 uint32_t count, uint32_t position, void *records, size_t record_size, uint32_t *record_count);

/* ---- maps.c ------------------------------------------------------------ */

/* Adds the maps declared in section .maps (index section), reading each
 * one's shape from its BTF variable. */
int maps_parse_btf(struct bpf_object *object, size_t section);

/* ---- program.c --------------------------------------------------------- */

/* Builds program's instructions from its function and the .text
 * subprograms it calls (transitively), with the map relocations to apply
 * at load and its func/line info. */
int program_assemble(struct bpf_object *object, struct bpf_object_program *program);

/* ---- load.c ------------------------------------------------------------ */

/* Creates the maps (filling and freezing data maps) and loads every program
 * as BPF_PROG_TYPE_SCHED_CLS. On a verifier refusal the log is kept in
 * object->log. Fds live in the object until bpf_object_unload. */
int bpf_object_load(struct bpf_object *object);
void bpf_object_unload(struct bpf_object *object);

/* ---- kernel.c ---------------------------------------------------------- */

/* BPF_LINK_CREATE of a netkit link; returns the link fd. The kernel answers
 * ENXIO for a device that is not netkit, EACCES for the peer side. */
int bpf_netkit_link_create(int program_fd, uint32_t ifindex, uint32_t attach_type);

int bpf_pin(int fd, const char *path);
int bpf_obj_get(const char *path);

/* Ids of the programs attached at ifindex/attach_type: fills ids[0..*count)
 * (at most capacity) and sets *count to how many are attached. */
int bpf_netkit_query(uint32_t ifindex, uint32_t attach_type, uint32_t *ids, uint32_t capacity, uint32_t *count);

/* Program info by id; map_ids (may be NULL) receives up to *map_count ids. */
int bpf_program_info(uint32_t id, struct bpf_prog_info *info, uint32_t *map_ids, uint32_t *map_count);

/* Opens map id; fills its info. Returns the fd. */
int bpf_map_open(uint32_t id, struct bpf_map_info *info);
int bpf_map_lookup(int map_fd, const void *key, void *value);

/* Number of possible CPUs (the per-CPU value count). */
int bpf_possible_cpus(void);

/* Mounts bpffs on path unless a bpffs is already there. */
int bpffs_mount(const char *path);

/* ---- hooks.c ----------------------------------------------------------- */

/* The two places a netkit device runs programs; both are reached through
 * its primary (host-side) ifindex. */
struct netkit_hook {
	const char *name;		/* "primary": also the pin's file name */
	const char *section;		/* "netkit/primary": libbpf's section name */
	uint32_t attach_type;		/* BPF_NETKIT_PRIMARY */
};

#define NETKIT_HOOKS 2
#define NETKIT_HOOK_PRIMARY 0
#define NETKIT_HOOK_PEER 1
extern const struct netkit_hook netkit_hooks[NETKIT_HOOKS];

/* The pin layout, the on-disk contract that up, down, status and attach
 * share: a directory per host device, ROOT/DEVICE (attach --pin may name
 * another), holding one pinned link per hook, DIRECTORY/HOOK-NAME. Both
 * return the length the path needed (>= size: cut). */
size_t netkit_pin_directory(char *path, size_t size, const char *root, const char *device);
size_t netkit_pin_path(char *path, size_t size, const char *directory, size_t hook);

/* ---- memory.c ---------------------------------------------------------- */

/* Zeroed memory from mmap (NULL when there is none); memory_free(NULL) is
 * fine. */
void *memory_allocate(size_t size);
void memory_free(void *pointer);

#endif
