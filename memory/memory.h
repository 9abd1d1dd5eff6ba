/* memory — zeroed memory straight from mmap, for the few things whose size
 * only the input decides (an object's sections, the verifier log, the
 * phones of a configuration and its text). No malloc: linking musl's would
 * cost a tenth of the binary.
 */
#ifndef YOGURT_MEMORY_H
#define YOGURT_MEMORY_H

#include <stddef.h>

/* Zeroed memory from mmap (NULL when there is none); memory_free(NULL) is
 * fine. */
void *memory_allocate(size_t size);
void memory_free(void *pointer);

/* pointer (from memory_allocate, or NULL) made size bytes, moved if need
 * be; bytes beyond the old size are zero. NULL when there is no memory,
 * and then pointer is as it was. */
void *memory_resize(void *pointer, size_t size);

/* Room for count elements of element_size bytes in *array, which holds
 * *capacity: grown by doubling when count exceeds it. 0, -ENOMEM, or
 * -EOVERFLOW when the bytes would not fit in a size_t. */
int memory_reserve(void *array, size_t *capacity, size_t count, size_t element_size);

/* Zeroed allocations (16-byte aligned) bumped from a few mappings, all
 * freed at once. A zeroed arena is empty. */
struct memory_arena {
	struct memory_chunk *chunk;	/* the newest mapping; memory.c */
};

void *memory_arena_allocate(struct memory_arena *arena, size_t size);
void memory_arena_free(struct memory_arena *arena);

#endif
