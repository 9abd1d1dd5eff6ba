/* test_records.c — the records' parser (phone/records.c) on the texts a
 * crash, a person or a broken disk could leave in /run/yogurt/owned:
 * good, cut short, garbage, duplicated, huge. None may crash it, a broken
 * line is counted and skipped, and a line never names more than it says. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "phone/internal.h"
#include "tests/ktap.h"

static void parse(struct owned *owned, const char *text, size_t length)
{
	memset(owned, 0, sizeof(*owned));
	if (owned_parse(owned, text, length) < 0)
		abort();
}

#define TEXT(literal) literal, sizeof(literal) - 1

int main(void)
{
	struct ktap ktap = { 0 };
	struct owned owned;
	struct owned_end *end;
	char *huge;
	size_t huge_size = 64u << 20, length = 0;

	printf("KTAP version 1\n");
	parse(&owned, TEXT(""));
	ktap_check(&ktap, owned.count == 0 && owned.broken == 0, "an empty file: no ends", NULL);

	parse(&owned, TEXT("yogurt records 1\nnetns yogurt-1 7 4026532300\n"
			   "device yogurt-1 yg1-host 12\n"));
	end = owned_find(&owned, "yogurt-1");
	ktap_check(&ktap, owned.count == 1 && owned.broken == 0 && end && end->mount_point_inode == 7 &&
		   end->netns_inode == 4026532300u && strcmp(end->host_device, "yg1-host") == 0 &&
		   end->host_ifindex == 12 && owned.lines == 2,
		   "a namespace and its device: one end, every field as written", "count %zu broken %u",
		   owned.count, owned.broken);
	memory_arena_free(&owned.arena);

	parse(&owned, TEXT("yogurt records 1\nnetns yogurt-1 7 8\ndevice yogurt-1 yg1-host 1"));
	end = owned_find(&owned, "yogurt-1");
	ktap_check(&ktap, owned.count == 1 && owned.broken == 0 && end && end->host_device[0] == '\0',
		   "a last line cut short by a crash is ignored, not taken half", NULL);
	memory_arena_free(&owned.arena);

	parse(&owned, TEXT("netns yogurt-1 7 8\ndevice yogurt-1 yg1-host 12\nnetns yogurt-1 9 10\n"
			   "netns yogurt-1 9 10\n"));
	end = owned_find(&owned, "yogurt-1");
	ktap_check(&ktap, owned.count == 1 && end && end->mount_point_inode == 9 &&
		   end->host_device[0] == '\0' && end->host_ifindex == 0,
		   "duplicates: the later line wins, a namespace made again forgets the old device", NULL);
	memory_arena_free(&owned.arena);

	parse(&owned, TEXT("netns yogurt-1 7 8\n\xff\xfe garbage\n\nnetns ../x 1 2\nnetns a/b 1 2\n"
			   "netns yogurt-2 99999999999999999999 1\ndevice yogurt-2 a-name-longer-than-15 3\n"
			   "device yogurt-2 yg2 4294967296\nnetns yogurt-3 1 2 extra\nnetns yogurt-4 1x 2\n"
			   "netns . 1 2\nend yogurt-1 8 yg1-host 12\nnetns yogurt-5 1 2\n"));
	ktap_check(&ktap, owned.count == 2 && owned.broken == 11 && owned.first_broken_line == 2 &&
		   owned_find(&owned, "yogurt-1") && owned_find(&owned, "yogurt-5") &&
		   !owned_find(&owned, "yogurt-2"),
		   "garbage, bad names, numbers out of range, extra words: each line counted and skipped",
		   "count %zu broken %u first %u", owned.count, owned.broken, owned.first_broken_line);
	memory_arena_free(&owned.arena);

	parse(&owned, "netns yogurt-1\0 7 8\n", 20);
	ktap_check(&ktap, owned.count == 0 && owned.broken == 1, "a NUL inside a line: broken", NULL);
	memory_arena_free(&owned.arena);

	/* Huge: 200,000 ends, then one line of 16 MiB. */
	huge = mmap(NULL, huge_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (huge == MAP_FAILED)
		return 1;
	for (int index = 0; index < 200000; index++)
		length += (size_t)sprintf(huge + length, "netns p%d 1 2\ndevice p%d d%d 3\n", index, index,
					  index % 1000);
	memset(huge + length, 'x', 16u << 20);
	length += 16u << 20;
	huge[length++] = '\n';
	parse(&owned, huge, length);
	ktap_check(&ktap, owned.count == 200000 && owned.broken == 1 && owned.lines == 400000 &&
		   owned_find(&owned, "p199999") && owned_find(&owned, "p0"),
		   "200,000 ends and a 16 MiB line: all ends read (no fixed limit), the line skipped",
		   "count %zu broken %u", owned.count, owned.broken);
	memory_arena_free(&owned.arena);
	munmap(huge, huge_size);
	/* Forgetting and finding again, through the index. */
	parse(&owned, TEXT(""));
	for (int round = 0; round < 3; round++) {
		char name[16];
		int ok = 1;

		for (int index = 0; index < 5000; index++) {
			snprintf(name, sizeof(name), "n%d", index);
			ok &= owned_remember(&owned, name) != NULL;
		}
		for (int index = 0; index < 5000; index += 2) {
			snprintf(name, sizeof(name), "n%d", index);
			owned_forget(&owned, name);
		}
		for (int index = 0; index < 5000; index++) {
			snprintf(name, sizeof(name), "n%d", index);
			ok &= (owned_find(&owned, name) != NULL) == (index % 2 == 1);
		}
		ktap_check(&ktap, ok && owned.count == 2500, "remember 5,000, forget half, find the rest",
			   "round %d: count %zu", round, owned.count);
		for (int index = 1; index < 5000; index += 2) {
			snprintf(name, sizeof(name), "n%d", index);
			owned_forget(&owned, name);
		}
	}
	memory_arena_free(&owned.arena);
	printf("# %d passed, %d failed\n", ktap.number - ktap.failed, ktap.failed);
	return ktap_exit_status(&ktap);
}
