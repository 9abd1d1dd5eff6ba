/* bpf — the generic loader: from a BPF ELF object to programs the kernel
 * runs, with raw bpf(2) and no libbpf; and the bpf(2) commands around
 * loaded programs that the rest of yogurt needs.
 *
 *   object.c   parses an untrusted object: its programs, maps, global data
 *              and BTF (with elf.c, btf.c, maps.c and program.c, whose
 *              contract is bpf/internal.h)
 *   load.c     creates the maps and loads the programs (BPF_MAP_CREATE,
 *              BPF_PROG_LOAD, with the verifier log on refusal)
 *   kernel.c   links, pins, queries and object info (BPF_LINK_CREATE…)
 *   hooks.c    the two netkit hooks and where their links are pinned
 *
 * Functions return 0 (or a non-negative fd/count) on success and a negative
 * errno on failure; where there is more to say, the words are left in the
 * object's error buffer for the caller to print once.
 */
#ifndef YOGURT_BPF_H
#define YOGURT_BPF_H

#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>
#include "../format/format.h"
#include "../memory/memory.h"
#include "../syscalls/uapi_compat.h"

/* ---- object.c, load.c: the object -------------------------------------- */

#define BPF_OBJECT_MAX_PROGRAMS 16
#define BPF_OBJECT_MAX_MAPS 16
#define BPF_OBJECT_ERROR_MAX FORMAT_ERROR_MAX

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

/* The image as parse read it (ELF, symbols, BTF): bpf/internal.h. */
struct bpf_object_source;

struct bpf_object {
	/* What went wrong, in words; bpf_object_error writes it. */
	char error[BPF_OBJECT_ERROR_MAX];
	char name[BPF_OBJ_NAME_LEN];	/* prefix of data map names */
	char license[128];
	struct bpf_object_program programs[BPF_OBJECT_MAX_PROGRAMS];
	size_t program_count;
	struct bpf_object_map maps[BPF_OBJECT_MAX_MAPS];
	size_t map_count;
	/* Everything parse allocates (source, instructions, values) is in
	 * the arena, freed whole by bpf_object_free. */
	struct memory_arena arena;
	struct bpf_object_source *source;	/* NULL: not parsed (or freed) */
	int btf_fd;			/* the object's BTF, loaded; -1: none */
	char *log;			/* verifier log of the last refused load */
};

/* The loader's one error sink: formats the words into error, a buffer of
 * BPF_OBJECT_ERROR_MAX bytes, and returns code (a negative errno). */
#define bpf_error(error, code, ...) format_error(error, code, __VA_ARGS__)

/* Writes the words into object->error; returns code. */
#define bpf_object_error(object, ...) bpf_error((object)->error, __VA_ARGS__)

/* Parses image (not copied: it must outlive the object). -EINVAL with words
 * in object->error when the image is malformed, -EOPNOTSUPP when it uses a
 * feature yogurt does not support; a failed parse leaves the object as
 * bpf_object_free does. */
int bpf_object_parse(struct bpf_object *object, const char *name, const void *image,
		     size_t size);

/* Frees what parse and load allocated and closes every fd; the words in
 * object->error stay. Only for an object that went through
 * bpf_object_parse (successful or not: either marks the fds it has not
 * opened -1) or is all zeros (never parsed: it has no fds); freeing twice
 * is fine. */
void bpf_object_free(struct bpf_object *object);

/* The first program whose section or (kernel) name is name, or NULL. */
struct bpf_object_program *bpf_object_find_program(struct bpf_object *object,
						   const char *name);

/* Overwrites the initial value of global variable symbol (in .rodata/.data)
 * before load; size must equal the symbol's size. -EINVAL with words on an
 * object that is not parsed. */
int bpf_object_set_global(struct bpf_object *object, const char *symbol, const void *value,
			  size_t size);

/* Creates the maps (filling and freezing data maps) and loads every program
 * as BPF_PROG_TYPE_SCHED_CLS; -EINVAL with words on an object that is not
 * parsed. On a verifier refusal the log is kept in object->log. Fds live in
 * the object until bpf_object_unload, which, like bpf_object_free, takes
 * only an object that went through parse or is all zeros. */
int bpf_object_load(struct bpf_object *object);
void bpf_object_unload(struct bpf_object *object);

/* ---- kernel.c ---------------------------------------------------------- */

/* BPF_LINK_CREATE of a netkit link; returns the link fd. The kernel answers
 * ENXIO for a device that is not netkit, EACCES for the peer side. */
int bpf_netkit_link_create(int program_fd, uint32_t ifindex, uint32_t attach_type);

/* The same, placed among the programs already there: flags BPF_F_BEFORE or
 * BPF_F_AFTER the program relative_fd (0 with no flags: after all). */
int bpf_netkit_link_create_relative(int program_fd, uint32_t ifindex, uint32_t attach_type,
				    uint32_t flags, int relative_fd);

/* BPF_LINK_UPDATE: the link runs program_fd instead, in the same place. */
int bpf_link_update(int link_fd, int program_fd);

/* The kernel's id of the loaded program program_fd. */
int bpf_program_id(int program_fd, uint32_t *id);

/* BPF_PROG_LOAD of count raw instructions as a GPL SCHED_CLS program
 * expecting attach_type, called name (at most BPF_OBJ_NAME_LEN - 1 bytes):
 * the program's fd. For programs too small to need an object. */
int bpf_program_load(const struct bpf_insn *instructions, uint32_t count,
		     uint32_t attach_type, const char *name);

int bpf_pin(int fd, const char *path);

/* Ids of the programs attached at ifindex/attach_type: fills ids[0..*count)
 * (at most capacity) and sets *count to how many are attached. */
int bpf_netkit_query(uint32_t ifindex, uint32_t attach_type, uint32_t *ids, uint32_t capacity,
		     uint32_t *count);

/* Program info by id; map_ids (may be NULL) receives up to *map_count ids. */
int bpf_program_info(uint32_t id, struct bpf_prog_info *info, uint32_t *map_ids,
		     uint32_t *map_count);

/* Opens map id; fills its info. Returns the fd. */
int bpf_map_open(uint32_t id, struct bpf_map_info *info);
int bpf_map_lookup(int map_fd, const void *key, void *value);

/* Number of possible CPUs (the per-CPU value count); -EINVAL if the
 * kernel's list does not parse or fills the buffer (it may be cut). */
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
#define NETKIT_PIN_PATH_MAX 256	/* every pin path and pin directory fits */
size_t netkit_pin_directory(char *path, size_t size, const char *root, const char *device);
size_t netkit_pin_path(char *path, size_t size, const char *directory, size_t hook);

/* Links program_fd at hook (an index into netkit_hooks) of the netkit
 * device ifindex and pins the link at DIRECTORY/HOOK-NAME, which it writes
 * into path once linked; the pin then holds the link. Returns 0 or a
 * negative errno, *pin_failed saying which step failed: 0 linking (ENXIO,
 * EACCES: see bpf_netkit_link_create), 1 pinning. */
int netkit_link_and_pin(int program_fd, uint32_t ifindex, size_t hook, const char *directory,
			char path[NETKIT_PIN_PATH_MAX], int *pin_failed);

#endif
