/* end_index.c — the ends of a topology by name and address, in one hash
 * table: finding an end, or that a name is taken, costs the same at a
 * thousand phones as at one. Entries are end numbers, not pointers, so the
 * table stays right when the phones move as the topology grows. */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "../memory/memory.h"

/* A slot: 0 when empty, else 1 + end number * END_FIELDS + field. */
#define SLOT(end, field) ((uint32_t)(1 + (end) * END_FIELDS + (field)))

/* A key: the bytes of a name or address, and its kind; the two device
 * fields are one kind, since a name names one device either way. */
struct key {
	const void *bytes;
	size_t size;
	unsigned kind;
};

static struct key field_key(const struct topology *topology, size_t end, enum end_field field)
{
	const struct phone_end *phone_end = topology_end(topology, end);
	const char *name = field == END_NETNS	    ? phone_end->netns
			   : field == END_HOST_DEVICE ? phone_end->host_device
						      : phone_end->device;

	if (field >= END_IPV4) {
		int family = field - END_IPV4;

		return (struct key){ phone_end->addresses[family].bytes,
				     phone_families[family].size, field };
	}
	return (struct key){ name, strlen(name), field == END_NETNS ? END_NETNS : END_DEVICE };
}

/* FNV-1a, the kind mixed in first. */
static uint32_t key_hash(struct key key)
{
	const uint8_t *byte = key.bytes;
	uint32_t hash = (2166136261u ^ key.kind) * 16777619u;

	for (size_t index = 0; index < key.size; index++)
		hash = (hash ^ byte[index]) * 16777619u;
	return hash;
}

static int same_key(struct key a, struct key b)
{
	return a.kind == b.kind && a.size == b.size && memcmp(a.bytes, b.bytes, a.size) == 0;
}

/* The slot holding key, or the empty slot where it would go. */
static uint32_t *find_slot(const struct end_index *index, const struct topology *topology,
			   struct key key)
{
	size_t mask = index->capacity - 1, at = key_hash(key) & mask;

	for (;; at = (at + 1) & mask) {
		uint32_t slot = index->slots[at];

		if (!slot || same_key(key, field_key(topology, (slot - 1) / END_FIELDS,
						     (slot - 1) % END_FIELDS)))
			return &index->slots[at];
	}
}

/* Twice the room when half full: probes stay short. */
static int grow(struct end_index *index, const struct topology *topology)
{
	struct end_index grown = { .capacity = index->capacity ? 2 * index->capacity : 64,
				   .used = index->used };

	if (index->used < index->capacity / 2)
		return 0;
	grown.slots = memory_allocate(grown.capacity * sizeof(*grown.slots));
	if (!grown.slots)
		return -ENOMEM;
	for (size_t at = 0; at < index->capacity; at++) {
		uint32_t slot = index->slots[at];

		if (slot)
			*find_slot(&grown, topology, field_key(topology, (slot - 1) / END_FIELDS,
							       (slot - 1) % END_FIELDS)) = slot;
	}
	memory_free(index->slots);
	*index = grown;
	return 0;
}

int end_index_add(struct end_index *index, const struct topology *topology, size_t end,
		  struct end_clash *clash)
{
	const struct phone_end *phone_end = topology_end(topology, end);

	for (int field = 0; field < END_FIELDS; field++) {
		uint32_t *slot;
		int error;

		if (field >= END_IPV4 && !phone_end->addresses[field - END_IPV4].prefix_length)
			continue;
		error = grow(index, topology);
		if (error)
			return error;
		slot = find_slot(index, topology, field_key(topology, end, field));
		if (*slot) {
			*clash = (struct end_clash){ (*slot - 1) / END_FIELDS, field };
			return -EEXIST;
		}
		*slot = SLOT(end, field);
		index->used++;
	}
	return 0;
}

long end_index_find(const struct end_index *index, const struct topology *topology,
		    enum end_field field, const void *bytes)
{
	struct key key = { bytes, 0, field == END_NETNS ? END_NETNS : END_DEVICE };
	uint32_t slot;

	if (field >= END_IPV4)
		key = (struct key){ bytes, phone_families[field - END_IPV4].size, field };
	else
		key.size = strlen(bytes);
	if (!index->capacity)
		return -1;
	slot = *find_slot(index, topology, key);
	if (!slot || (slot - 1) % END_FIELDS != (uint32_t)field)
		return -1;
	return (long)((slot - 1) / END_FIELDS);
}

void end_index_free(struct end_index *index)
{
	memory_free(index->slots);
	*index = (struct end_index){ 0 };
}
