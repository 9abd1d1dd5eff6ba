/* fuzz_elf.c — libFuzzer target for yogurt's BPF ELF parser.
 *
 * Every input is parsed as a BPF object; when it parses, the globals the
 * wire uses (and a few that should not exist) are set with right and wrong
 * sizes, and the object is freed. Nothing is ever loaded into the kernel.
 *
 * The input is copied to a heap buffer of its exact size, so that
 * AddressSanitizer catches any read past its end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/bpf.h"
#include "wire/wire.h"
#include "../host/parsed_object.h"


static const struct {
	const char *name;
	size_t size;
} globals[] = {
	{ WIRE_SYMBOL_SECRET, WIRE_SECRET_WORDS * sizeof(uint32_t) },
	{ WIRE_SYMBOL_TARGET, sizeof(uint32_t) },
	{ WIRE_SYMBOL_SECRET, 1 },
	{ "wire_counters", 20 },
	{ "LICENSE", 4 },
	{ "", 0 },
	{ "no_such_global", 8 },
};

/* A broken promise of a successful parse (parsed_object.h) is a crash
 * waiting in load.c's relocate(), so it is made one here. */
static void check_promises(const struct bpf_object *object)
{
	char problem[128];

	parsed_object_problem(object, problem, sizeof(problem));
	if (problem[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *image = malloc(size ? size : 1);
	static unsigned char value[64];
	struct bpf_object object;

	if (!image)
		return 0;
	memcpy(image, data, size);
	if (bpf_object_parse(&object, "fuzz", image, size) == 0) {
		check_promises(&object);
		for (size_t index = 0; index < sizeof(globals) / sizeof(globals[0]); index++)
			bpf_object_set_global(&object, globals[index].name, value, globals[index].size);
		bpf_object_find_program(&object, "netkit/peer");
	} else if (object.error[0] == '\0') {
		/* A refusal must always come with words for the user. */
		abort();
	}
	bpf_object_free(&object);
	free(image);
	return 0;
}
