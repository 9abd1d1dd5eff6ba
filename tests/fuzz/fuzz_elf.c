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
#include "bpf/wire.h"

#define LD_IMM64 (BPF_LD | BPF_IMM | BPF_DW)

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

/* What a successful parse promises load.c; a broken promise is a crash
 * waiting in relocate(), so it is made one here. */
static void check_promises(const struct bpf_object *object)
{
	if (object->program_count == 0 || object->program_count > BPF_OBJECT_MAX_PROGRAMS ||
	    object->map_count > BPF_OBJECT_MAX_MAPS || object->license[0] == '\0')
		abort();
	for (size_t index = 0; index < object->program_count; index++) {
		const struct bpf_object_program *program = &object->programs[index];

		if (!program->instructions || program->relocation_count > program->instruction_count)
			abort();
		for (size_t entry = 0; entry < program->relocation_count; entry++) {
			const struct bpf_object_relocation *relocation = &program->relocations[entry];

			if (relocation->instruction + 1 >= program->instruction_count ||
			    program->instructions[relocation->instruction].code != LD_IMM64 ||
			    relocation->map >= object->map_count ||
			    (object->maps[relocation->map].is_data &&
			     relocation->value_offset >= object->maps[relocation->map].value_size))
				abort();
		}
	}
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
