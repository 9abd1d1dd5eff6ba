/* memory.c — zeroed allocations straight from mmap. The few buffers the
 * loader needs (instructions, global data, the verifier log) are page-sized
 * anyway, and linking musl's malloc would cost a tenth of the binary. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "bpf.h"

/* Each allocation starts with its own size, kept for munmap. */
struct memory_header {
	size_t size;
	size_t reserved;	/* keeps the payload 16-byte aligned */
};

void *memory_allocate(size_t size)
{
	struct memory_header *header;

	if (size > SIZE_MAX - sizeof(*header))
		return NULL;
	header = mmap(NULL, size + sizeof(*header), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
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
