/* bpf — from an ELF object to programs attached to netkit devices, with raw
 * bpf(2) and no libbpf.
 *
 *   elf.c      reads an untrusted ELF64 image; every read is bounds-checked
 *   object.c   finds programs, maps, global data and relocations in it
 *   load.c     creates the maps and loads the programs (BPF_MAP_CREATE,
 *              BPF_PROG_LOAD, with the verifier log on refusal)
 *   kernel.c   links, pins, queries and object info (BPF_LINK_CREATE…)
 *   wire.c     the embedded wire object: one instance per host-side device
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
#include "../syscalls/uapi_compat.h"
#include "wire.h"

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

/* ---- object.c ---------------------------------------------------------- */

#define BPF_OBJECT_MAX_PROGRAMS 16
#define BPF_OBJECT_MAX_MAPS 16
#define BPF_OBJECT_ERROR_MAX 256

struct bpf_object_map {
	char name[BPF_OBJ_NAME_LEN];
	uint32_t type, key_size, value_size, max_entries, flags;
	size_t section;			/* ELF section the map stands for */
	uint64_t offset;		/* "maps" section: where its definition is */
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
	struct bpf_insn *instructions;
	size_t instruction_count;
	struct bpf_object_relocation *relocations;
	size_t relocation_count;
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
	char error[BPF_OBJECT_ERROR_MAX];	/* what went wrong, in words */
	char *log;			/* verifier log of the last refused load */
};

/* Parses image (not copied: it must outlive the object). -EINVAL with words
 * in object->error when the image is malformed, -EOPNOTSUPP when it uses a
 * feature yogurt does not support. */
int bpf_object_parse(struct bpf_object *object, const char *name, const void *image, size_t size);

/* Frees what parse and load allocated and closes every fd. */
void bpf_object_free(struct bpf_object *object);

struct bpf_object_program *bpf_object_find_program(struct bpf_object *object, const char *section_name);

/* Overwrites the initial value of global variable symbol (in .rodata/.data)
 * before load; size must equal the symbol's size. */
int bpf_object_set_global(struct bpf_object *object, const char *symbol, const void *value, size_t size);

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

/* ---- memory.c ---------------------------------------------------------- */

/* Zeroed memory from mmap (NULL when there is none); memory_free(NULL) is
 * fine. */
void *memory_allocate(size_t size);
void memory_free(void *pointer);

/* ---- wire.c ------------------------------------------------------------ */

/* The wire object embedded in the binary. */
const void *wire_object_image(size_t *size);

/* Loads an instance of the wire for one host-side device: its peer program
 * redirects to target_ifindex, its primary program passes only packets that
 * carry secret. Links are created on host_ifindex and pinned as
 * pin_dir/primary and pin_dir/peer. On failure nothing stays pinned. */
int wire_attach(struct bpf_object *object, uint32_t host_ifindex, uint32_t target_ifindex,
		const uint32_t secret[WIRE_SECRET_WORDS], const char *pin_dir);

/* Sums the per-CPU counters of the wire attached at host_ifindex. -ENOENT
 * when no wire program is attached there. */
int wire_read_counters(uint32_t host_ifindex, struct wire_count counters[WIRE_COUNTER_MAX]);

#endif
