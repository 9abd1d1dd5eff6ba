/* maps.c — the embedded object's maps as parsed (its classic map and its
 * .rodata), and bpf_object_set_global on that .rodata: right sizes land
 * where the symbols say, wrong ones are refused and change nothing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bpf_test.h"

void test_maps(struct ktap *ktap, struct bpf_object *object, const struct wire_layout *wire)
{
	struct bpf_object_map *counters = find_map(object, "wire_counters");
	struct bpf_object_map *rodata = find_map(object, "wire.rodata");
	static const unsigned char zeros[256];
	char description[128];

	ktap_check(ktap, object->map_count == 2, "two maps", "%zu maps", object->map_count);
	if (ktap_check(ktap, counters != NULL, "map wire_counters is there", "not found"))
		ktap_check(ktap, counters->type == BPF_MAP_TYPE_PERCPU_ARRAY &&
			   counters->key_size == 4 &&
			   counters->value_size == sizeof(struct wire_count) &&
			   counters->value_size == 16 && counters->max_entries == WIRE_COUNTER_MAX &&
			   counters->max_entries == 4 && counters->flags == 0 && !counters->is_data,
			   "wire_counters: per-CPU array, key 4, value 16, 4 entries",
			   "type %u key %u value %u entries %u flags %#x data %d", counters->type,
			   counters->key_size, counters->value_size, counters->max_entries,
			   counters->flags, counters->is_data);
	snprintf(description, sizeof(description), "wire.rodata: array, value %llu (the section, "
		 "zeros), BPF_F_RDONLY_PROG, read-only data", (unsigned long long)wire->rodata_size);
	if (ktap_check(ktap, rodata != NULL, "map wire.rodata is there", "not found"))
		ktap_check(ktap, rodata->type == BPF_MAP_TYPE_ARRAY && rodata->key_size == 4 &&
			   rodata->value_size == wire->rodata_size &&
			   rodata->value_size <= sizeof(zeros) && rodata->max_entries == 1 &&
			   rodata->flags == BPF_F_RDONLY_PROG && rodata->is_data &&
			   rodata->is_read_only && rodata->value &&
			   memcmp(rodata->value, zeros, rodata->value_size) == 0,
			   description, "type %u key %u value %u entries %u flags %#x data %d "
			   "read-only %d", rodata->type, rodata->key_size, rodata->value_size,
			   rodata->max_entries, rodata->flags, rodata->is_data, rodata->is_read_only);
}

static void test_set_global_refused(struct ktap *ktap, struct bpf_object *object,
				    const char *name, const void *value, size_t size,
				    int expected_error, const char *expected_words)
{
	struct bpf_object_map *rodata = find_map(object, "wire.rodata");
	size_t compared = rodata->value_size < 256 ? rodata->value_size : 256;
	unsigned char before[256];
	char description[160];
	int error;

	memcpy(before, rodata->value, compared);
	object->error[0] = '\0';
	error = bpf_object_set_global(object, name, value, size);
	snprintf(description, sizeof(description), "set_global(%s, %zu bytes) is refused: %d \"%s\"",
		 name, size, error, object->error);
	ktap_check(ktap, error == expected_error && strstr(object->error, expected_words) &&
		   strstr(object->error, name) && memcmp(before, rodata->value, compared) == 0,
		   description, "expected %d with \"%s\"", expected_error, expected_words);
}

/* Section symbols have empty names: "" finds one of them, which is no
 * variable. Any refusal with words will do. */
static void test_set_global_empty_name(struct ktap *ktap, struct bpf_object *object)
{
	unsigned char value[4] = { 0 };
	char description[160];
	int error;

	object->error[0] = '\0';
	error = bpf_object_set_global(object, "", value, sizeof(value));
	snprintf(description, sizeof(description), "set_global(\"\", 4 bytes) is refused: %d \"%s\"",
		 error, object->error);
	ktap_check(ktap, error < 0 && object->error[0], description, "no words");
}

void test_globals(struct ktap *ktap, const struct wire_layout *wire)
{
	size_t size;
	const void *bytes = wire_object_image(&size);
	struct bpf_object object;
	struct bpf_object_map *rodata;
	uint32_t target = 0x01020304;
	unsigned char big[512] = { 0 };
	char description[128];
	int error;

	ktap_comment("b. bpf_object_set_global");
	error = bpf_object_parse(&object, "wire", bytes, size);
	rodata = find_map(&object, "wire.rodata");
	if (!ktap_check(ktap, error == 0 && rodata, "parse for the globals", "%d: %s", error,
			object.error)) {
		bpf_object_free(&object);
		return;
	}
	error = bpf_object_set_global(&object, WIRE_SYMBOL_SECRET, test_secret,
				      WIRE_SECRET_WORDS * sizeof(uint32_t));
	snprintf(description, sizeof(description),
		 "set_global(wire_secret, 16 bytes) lands at .rodata offset %llu",
		 (unsigned long long)wire->secret_offset);
	ktap_check(ktap, error == 0 && wire_rodata_holds(wire, rodata->value, rodata->value_size,
							 NULL, test_secret),
		   description, "%d: %s", error, object.error);
	error = bpf_object_set_global(&object, WIRE_SYMBOL_TARGET, &target, sizeof(target));
	snprintf(description, sizeof(description),
		 "set_global(wire_target_ifindex, 4 bytes) lands at offset %llu, the secret stays",
		 (unsigned long long)wire->target_offset);
	ktap_check(ktap, error == 0 && wire_rodata_holds(wire, rodata->value, rodata->value_size,
							 &target, test_secret),
		   description, "%d: %s", error, object.error);
	test_set_global_refused(ktap, &object, WIRE_SYMBOL_SECRET, big, 15, -EINVAL, "15-byte");
	test_set_global_refused(ktap, &object, WIRE_SYMBOL_SECRET, big, 17, -EINVAL, "17-byte");
	test_set_global_refused(ktap, &object, WIRE_SYMBOL_SECRET, big, 4, -EINVAL, "4-byte");
	test_set_global_refused(ktap, &object, WIRE_SYMBOL_TARGET, big, 8, -EINVAL, "8-byte");
	test_set_global_refused(ktap, &object, WIRE_SYMBOL_TARGET, big, 0, -EINVAL, "0-byte");
	test_set_global_refused(ktap, &object, "no_such_global", big, 4, -ENOENT, "not found");
	test_set_global_empty_name(ktap, &object);
	/* Symbols that exist but are not global data. */
	test_set_global_refused(ktap, &object, "wire_counters", big, 20, -EINVAL, "global data");
	test_set_global_refused(ktap, &object, "LICENSE", big, 4, -EINVAL, "global data");
	test_set_global_refused(ktap, &object, "wire_peer", big, 408, -EINVAL, "global data");
	bpf_object_free(&object);
}
