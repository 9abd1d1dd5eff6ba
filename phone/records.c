/* records.c — the records' text and their table: parsing what
 * /run/yogurt/owned says (untrusted input: any bytes, any length; fuzzed
 * by tests/fuzz/fuzz_records.c), and finding, adding and forgetting ends.
 * owned.c reads and writes the file; phone/RECORDS.md explains it. */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "../bpf/bpf.h"

/* The next space-separated word of [line, end): its start, length in *length. */
static const char *next_word(const char **line, const char *end, size_t *length)
{
	const char *start;

	while (*line < end && **line == ' ')
		(*line)++;
	start = *line;
	while (*line < end && **line != ' ')
		(*line)++;
	*length = (size_t)(*line - start);
	return start;
}

static int word_is(const char *word, size_t length, const char *text)
{
	return length == strlen(text) && memcmp(word, text, length) == 0;
}

static int copy_name(char *name, size_t size, const char *word, size_t length)
{
	if (length == 0 || length >= size || memchr(word, '\0', length))
		return -EINVAL;
	memcpy(name, word, length);
	name[length] = '\0';
	return 0;
}

/* The ends are found by name through an open-addressing index of twice
 * their capacity: a slot holds an end's position + 1, 0 when empty,
 * SLOT_FORGOTTEN where one was (lookups go on past it). */
#define SLOT_FORGOTTEN UINT32_MAX

static size_t name_hash(const char *name)
{
	size_t hash = 2166136261u;	/* FNV-1a */

	for (; *name; name++)
		hash = (hash ^ (unsigned char)*name) * 16777619u;
	return hash;
}

/* The slot of name (*found: it is there), or else the first free slot. */
static uint32_t *slot_of(struct owned *owned, const char *netns, int *found)
{
	size_t mask = 2 * owned->capacity - 1, at = name_hash(netns) & mask;
	uint32_t *free_slot = NULL;

	*found = 0;
	for (;; at = (at + 1) & mask) {
		uint32_t *slot = &owned->index[at];

		if (*slot == 0)
			return free_slot ? free_slot : slot;
		if (*slot == SLOT_FORGOTTEN) {
			if (!free_slot)
				free_slot = slot;
		} else if (strcmp(owned->ends[*slot - 1].netns, netns) == 0) {
			*found = 1;
			return slot;
		}
	}
}

struct owned_end *owned_find(struct owned *owned, const char *netns)
{
	int found;
	uint32_t *slot = owned->capacity ? slot_of(owned, netns, &found) : NULL;

	return slot && found ? &owned->ends[*slot - 1] : NULL;
}

/* Room for one more end, the index made anew (without forgotten slots)
 * when the ends grow or forgotten slots fill a quarter of it. */
static int make_room(struct owned *owned)
{
	size_t capacity = owned->capacity;
	struct owned_end *ends = owned->ends;

	if (owned->count < capacity && owned->forgotten < capacity / 2)
		return 0;
	if (owned->count == capacity) {
		capacity = capacity ? 2 * capacity : 64;
		if (capacity > UINT32_MAX / 2 || capacity > SIZE_MAX / (2 * sizeof(*ends)))
			return -ENOMEM;
		ends = memory_arena_allocate(&owned->arena, capacity * sizeof(*ends));
		if (!ends)
			return -ENOMEM;
		if (owned->count)
			memcpy(ends, owned->ends, owned->count * sizeof(*ends));
	}
	owned->index = memory_arena_allocate(&owned->arena, 2 * capacity * sizeof(uint32_t));
	if (!owned->index)
		return -ENOMEM;
	owned->ends = ends;
	owned->capacity = capacity;
	owned->forgotten = 0;
	for (size_t position = 0; position < owned->count; position++) {
		int found;

		*slot_of(owned, ends[position].netns, &found) = (uint32_t)position + 1;
	}
	return 0;
}

struct owned_end *owned_remember(struct owned *owned, const char *netns)
{
	struct owned_end *entry = owned_find(owned, netns);
	int found;

	if (entry)
		return entry;
	if (make_room(owned) < 0)
		return NULL;
	entry = &owned->ends[owned->count];
	memset(entry, 0, sizeof(*entry));
	format_string(entry->netns, sizeof(entry->netns), "%s", netns);
	*slot_of(owned, netns, &found) = (uint32_t)++owned->count;
	return entry;
}

void owned_forget(struct owned *owned, const char *netns)
{
	int found;
	uint32_t *slot = owned->capacity ? slot_of(owned, netns, &found) : NULL;
	size_t position, last;

	if (!slot || !found)
		return;
	position = *slot - 1;
	*slot = SLOT_FORGOTTEN;
	owned->forgotten++;
	last = --owned->count;
	if (position == last)
		return;
	/* The last end moves into the gap; its slot follows it. */
	owned->ends[position] = owned->ends[last];
	*slot_of(owned, owned->ends[position].netns, &found) = (uint32_t)position + 1;
}

/* One line, without its '\n': 0, -EINVAL when it is not a record, -ENOMEM. */
static int parse_line(struct owned *owned, const char *line, const char *end)
{
	const char *words[5];
	size_t lengths[5];
	char netns[PHONE_NAME_MAX], device[PHONE_DEVICE_MAX];
	uint64_t numbers[2];
	struct owned_end *entry;
	int device_line;

	if ((size_t)(end - line) > OWNED_LINE_MAX)
		return -EINVAL;
	for (int index = 0; index < 5; index++)
		words[index] = next_word(&line, end, &lengths[index]);
	if (word_is(words[0], lengths[0], "yogurt") && word_is(words[1], lengths[1], "records") &&
	    word_is(words[2], lengths[2], "1") && lengths[3] == 0)
		return 0;
	device_line = word_is(words[0], lengths[0], "device");
	if ((!device_line && !word_is(words[0], lengths[0], "netns")) || line != end ||
	    copy_name(netns, sizeof(netns), words[1], lengths[1]) < 0 ||
	    netns_check_name(netns) < 0 ||
	    (device_line && copy_name(device, sizeof(device), words[2], lengths[2]) < 0) ||
	    (!device_line && format_parse_unsigned(words[2], lengths[2], 10, UINT64_MAX,
						   &numbers[0]) < 0) ||
	    format_parse_unsigned(words[3], lengths[3], 10, device_line ? UINT32_MAX : UINT64_MAX,
				  &numbers[1]) < 0 || lengths[4] != 0)
		return -EINVAL;
	entry = owned_remember(owned, netns);
	if (!entry)
		return -ENOMEM;
	if (device_line) {
		memcpy(entry->host_device, device, sizeof(device));
		entry->host_ifindex = (uint32_t)numbers[1];
	} else {
		/* A namespace made anew: its pair is made anew too. */
		entry->mount_point_inode = numbers[0];
		entry->netns_inode = numbers[1];
		entry->host_device[0] = '\0';
		entry->host_ifindex = 0;
	}
	owned->lines++;
	return 0;
}

int owned_parse(struct owned *owned, const char *text, size_t length)
{
	unsigned line = 1;

	for (const char *start = text, *end = text + length; start < end; line++) {
		const char *stop = memchr(start, '\n', (size_t)(end - start));
		int error;

		/* A last line without its '\n' was cut by a crash: what it
		 * named never got that name (the line comes first). */
		if (!stop)
			break;
		error = stop > start ? parse_line(owned, start, stop) : -EINVAL;
		if (error == -ENOMEM)
			return error;
		if (error < 0 && owned->broken++ == 0)
			owned->first_broken_line = line;
		start = stop + 1;
	}
	return 0;
}
