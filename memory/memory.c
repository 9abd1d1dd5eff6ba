/* memory.c — zeroed memory straight from mmap (memory.h says why).
 *
 * A parsed object makes a dozen allocations of sizes only the image decides
 * (its BTF, each program's instructions, relocations and func/line info,
 * its global data) and frees them all at once: they come from the object's
 * arena, one mapping for a small object. The buffers that live on their
 * own (the verifier log, which grows to 16 MiB and is made again as it
 * grows, and the object file attach reads) are single mappings, and so
 * are the arrays that grow with a configuration, which mremap moves whole. */
#define _GNU_SOURCE	/* mremap */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

#include "memory.h"

/* Arena chunks are single allocations of at least this much, newest
 * first; an allocation that does not fit in the newest starts another. */
#define MEMORY_CHUNK_SIZE (64u << 10)
#define MEMORY_ALIGNMENT 16

struct memory_chunk {
	struct memory_chunk *next;	/* the one made before */
	size_t used, size;		/* bytes, this header included */
	size_t reserved;		/* keeps the allocations 16-byte aligned */
};

/* Each single allocation starts with its own size, kept for munmap. */
struct memory_header {
	size_t size;
	size_t reserved;	/* keeps the payload 16-byte aligned */
};

void *memory_allocate(size_t size)
{
	struct memory_header *header;

	if (size > SIZE_MAX - sizeof(*header))
		return NULL;
	header = mmap(NULL, size + sizeof(*header), PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (header == MAP_FAILED)
		return NULL;
	header->size = size + sizeof(*header);
	return header + 1;
}

void memory_free(void *pointer)
{
	struct memory_header *header = pointer;

	if (pointer)
		munmap(header - 1, header[-1].size);
}

void *memory_resize(void *pointer, size_t size)
{
	struct memory_header *header = pointer;
	void *moved;

	if (!pointer)
		return memory_allocate(size);
	if (size > SIZE_MAX - sizeof(*header))
		return NULL;
	header--;
	moved = mremap(header, header->size, size + sizeof(*header), MREMAP_MAYMOVE);
	if (moved == MAP_FAILED)
		return NULL;
	header = moved;
	header->size = size + sizeof(*header);
	return header + 1;
}

int memory_reserve(void *array, size_t *capacity, size_t count, size_t element_size)
{
	void **elements = array, *grown;
	size_t wanted = *capacity ? *capacity : 16;

	if (count <= *capacity)
		return 0;
	while (wanted < count && wanted <= SIZE_MAX / 2)
		wanted *= 2;
	if (wanted < count || wanted > SIZE_MAX / element_size)
		return -EOVERFLOW;
	grown = memory_resize(*elements, wanted * element_size);
	if (!grown)
		return -ENOMEM;
	*elements = grown;
	*capacity = wanted;
	return 0;
}

void *memory_arena_allocate(struct memory_arena *arena, size_t size)
{
	struct memory_chunk *chunk = arena->chunk;
	unsigned char *pointer;

	if (size > SIZE_MAX / 2)
		return NULL;
	size = (size + MEMORY_ALIGNMENT - 1) & ~(size_t)(MEMORY_ALIGNMENT - 1);
	if (!chunk || chunk->size - chunk->used < size) {
		size_t bytes = sizeof(*chunk) + size;

		bytes = bytes > MEMORY_CHUNK_SIZE ? bytes : MEMORY_CHUNK_SIZE;
		chunk = memory_allocate(bytes);
		if (!chunk)
			return NULL;
		chunk->next = arena->chunk;
		chunk->used = sizeof(*chunk);
		chunk->size = bytes;
		arena->chunk = chunk;
	}
	/* Never handed out before: still the kernel's zero pages. */
	pointer = (unsigned char *)chunk + chunk->used;
	chunk->used += size;
	return pointer;
}

void memory_arena_free(struct memory_arena *arena)
{
	while (arena->chunk) {
		struct memory_chunk *next = arena->chunk->next;

		memory_free(arena->chunk);
		arena->chunk = next;
	}
}
