/* program.c — assembles one program the way the kernel wants it: its own
 * function first, then every .text subprogram it calls (directly or
 * through another subprogram), each once, with the calls pointed at where
 * the callee landed. Map references become relocations applied at load;
 * func_info and line_info are gathered from .BTF.ext and moved along.
 *
 * Malformed input gives -EINVAL, mostly without words: bpf_object_parse
 * names the program. Features yogurt does not support are refused with
 * words. Every array is the object's: named allocations in its arena. */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define LD_IMM64 (BPF_LD | BPF_IMM | BPF_DW)
#define CALL (BPF_JMP | BPF_CALL)
#define R_BPF_64_64 1
#define R_BPF_64_32 10
#define PIECES_MAX 64

struct assembly {
	struct bpf_object *object;
	const struct bpf_object_source *source;
	struct bpf_object_program *program;
	struct bpf_piece pieces[PIECES_MAX];
	size_t piece_count;
	uint32_t capacity;		/* instructions the buffer holds */
	unsigned char *relocated;	/* per instruction: a relocation patched it */
};

static int add_piece(struct assembly *assembly, size_t section, uint32_t start, uint32_t count)
{
	struct bpf_object_program *program = assembly->program;
	struct bpf_piece *piece = &assembly->pieces[assembly->piece_count];

	/* Subprograms overlapping each other could overflow the buffer. */
	if (assembly->piece_count == PIECES_MAX ||
	    count > assembly->capacity - program->instruction_count)
		return -EINVAL;
	assembly->piece_count++;
	piece->section = section;
	piece->start = start;
	piece->count = count;
	piece->position = (uint32_t)program->instruction_count;
	program->instruction_count += count;
	return 0;
}

/* Points the call or function address at position to the subprogram that
 * starts at .text instruction target, appending it if it is not in yet. */
static int link_call(struct assembly *assembly, uint32_t position, uint64_t target)
{
	const struct bpf_object_source *source = assembly->source;
	struct bpf_piece *piece = assembly->pieces;
	struct bpf_piece *end = assembly->pieces + assembly->piece_count;
	size_t count = source->symbols.sh_size / sizeof(Elf64_Sym);
	Elf64_Shdr text;
	Elf64_Sym symbol;

	while (piece < end && (piece->section != source->text_section || piece->start != target))
		piece++;
	/* Not in yet: append the function that starts there; piece then
	 * points at it. */
	for (size_t index = 1; piece == end && index < count; index++) {
		if (elf_symbol(&source->elf, &source->symbols, index, &symbol) < 0 ||
		    elf_section_header(&source->elf, source->text_section, &text) < 0)
			return -EINVAL;
		if (ELF64_ST_TYPE(symbol.st_info) != STT_FUNC ||
		    symbol.st_shndx != source->text_section ||
		    symbol.st_value != target * sizeof(struct bpf_insn))
			continue;
		if (symbol.st_size % sizeof(struct bpf_insn) || symbol.st_value > text.sh_size ||
		    text.sh_size - symbol.st_value < symbol.st_size ||
		    add_piece(assembly, source->text_section, (uint32_t)target,
			      (uint32_t)(symbol.st_size / sizeof(struct bpf_insn))) < 0)
			return -EINVAL;
		end++;
	}
	if (piece == end)
		return -EINVAL;	/* no function starts there */
	assembly->program->instructions[position].imm = (int32_t)(piece->position - position - 1);
	return 0;
}

static int add_map_relocation(struct assembly *assembly, uint32_t position,
			      const Elf64_Sym *symbol)
{
	struct bpf_object *object = assembly->object;
	struct bpf_object_program *program = assembly->program;
	struct bpf_object_relocation *record = &program->relocations[program->relocation_count];
	const struct bpf_object_map *map = object->maps;
	/* Section symbols carry the offset in imm, variables in st_value. */
	uint64_t offset = symbol->st_value +
			  (uint64_t)(uint32_t)program->instructions[position].imm;

	while (map < object->maps + object->map_count &&
	       (map->section != symbol->st_shndx ||
		!(map->is_data || map->offset == symbol->st_value)))
		map++;
	if (map == object->maps + object->map_count)
		return bpf_object_error(object, -EOPNOTSUPP, "program %s: instruction %u "
					"refers to a section that holds no map or global data",
					program->name, position);
	if (map->is_data && offset >= map->value_size)
		return -EINVAL;
	program->relocation_count++;
	record->instruction = position;
	record->map = (uint32_t)(map - object->maps);
	record->value_offset = map->is_data ? (uint32_t)offset : 0;
	return 0;
}

static int apply_relocation(struct assembly *assembly, const struct bpf_piece *piece,
			    const Elf64_Rel *relocation)
{
	struct bpf_object *object = assembly->object;
	const struct bpf_object_source *source = assembly->source;
	struct bpf_object_program *program = assembly->program;
	uint32_t position = piece->position - piece->start +
			    (uint32_t)(relocation->r_offset / sizeof(struct bpf_insn));
	struct bpf_insn *insn = &program->instructions[position];
	uint32_t type = ELF64_R_TYPE(relocation->r_info);
	Elf64_Sym symbol;

	/* One relocation per instruction: a second one is a lie. */
	if (elf_symbol(&source->elf, &source->symbols, ELF64_R_SYM(relocation->r_info),
		       &symbol) < 0 ||
	    assembly->relocated[position])
		return -EINVAL;
	assembly->relocated[position] = 1;
	if (symbol.st_shndx == SHN_UNDEF)
		return bpf_object_error(object, -EOPNOTSUPP, "program %s: extern %s (a kfunc, "
					"__ksym or __kconfig) is not supported", program->name,
					elf_string(&source->elf, &source->symbol_names,
						   symbol.st_name) ?: "?");
	if (type == R_BPF_64_32 && insn->code == CALL && insn->src_reg == BPF_PSEUDO_CALL &&
	    symbol.st_shndx == source->text_section &&
	    symbol.st_value % sizeof(struct bpf_insn) == 0)
		return link_call(assembly, position,
				 symbol.st_value / sizeof(struct bpf_insn) +
				 (int64_t)insn->imm + 1);
	if (type != R_BPF_64_64 || insn->code != LD_IMM64 ||
	    position + 1 >= piece->position + piece->count)
		return bpf_object_error(object, -EOPNOTSUPP, "program %s: relocation type %u at "
					"instruction %u is not supported", program->name, type,
					position);
	if (symbol.st_shndx != source->text_section)
		return add_map_relocation(assembly, position, &symbol);
	/* The address of a subprogram: a callback (bpf_loop, for_each…). */
	insn[0].src_reg = BPF_PSEUDO_FUNC;
	insn[1].imm = 0;
	return link_call(assembly, position,
			 (symbol.st_value + (uint32_t)insn->imm) / sizeof(struct bpf_insn));
}

/* The relocations of piece's section that land in piece (object.c checked
 * that each lands on an instruction of its section). */
static int apply_relocations(struct assembly *assembly, const struct bpf_piece *piece)
{
	const struct elf_file *elf = &assembly->source->elf;
	uint64_t start = (uint64_t)piece->start * sizeof(struct bpf_insn);
	uint64_t end = start + (uint64_t)piece->count * sizeof(struct bpf_insn);
	int error = 0;

	for (size_t index = 1; index < elf->section_count && error == 0; index++) {
		Elf64_Shdr header;
		size_t count;

		if (elf_section_header(elf, index, &header) < 0 || header.sh_type != SHT_REL ||
		    header.sh_info != piece->section)
			continue;
		count = header.sh_size / sizeof(Elf64_Rel);
		for (size_t entry = 0; entry < count && error == 0; entry++) {
			Elf64_Rel relocation;

			error = elf_relocation(elf, &header, entry, &relocation);
			if (error == 0 && relocation.r_offset >= start && relocation.r_offset < end)
				error = apply_relocation(assembly, piece, &relocation);
		}
	}
	return error;
}

/* Copies a piece in, then links it: relocations, calls with no relocation
 * (they stay in .text, from one subprogram to another), and func/line
 * info. */
static int link_piece(struct assembly *assembly, const struct bpf_piece *piece)
{
	struct bpf_object *object = assembly->object;
	const struct bpf_object_source *source = assembly->source;
	struct bpf_object_program *program = assembly->program;
	const unsigned char *bytes = NULL;
	const char *name = NULL;
	Elf64_Shdr header;
	int error;

	if (elf_section_header(&source->elf, piece->section, &header) == 0) {
		bytes = elf_section_data(&source->elf, &header);
		name = elf_section_name(&source->elf, &header);
	}
	if (!bytes || !name)
		return -EINVAL;
	memcpy(program->instructions + piece->position,
	       bytes + (size_t)piece->start * sizeof(struct bpf_insn),
	       (size_t)piece->count * sizeof(struct bpf_insn));
	error = apply_relocations(assembly, piece);
	for (uint32_t index = 0; index < piece->count && error == 0; index++) {
		uint32_t position = piece->position + index;
		const struct bpf_insn *insn = &program->instructions[position];

		if (insn->code != CALL || insn->src_reg != BPF_PSEUDO_CALL ||
		    assembly->relocated[position])
			continue;
		if (piece->section != source->text_section)
			return bpf_object_error(object, -EOPNOTSUPP, "program %s: calls within "
						"its own section are not supported: leave "
						"subprograms in .text", program->name);
		error = link_call(assembly, position,
				  (int64_t)piece->start + index + insn->imm + 1);
	}
	if (error < 0 || !source->btf_ext.data || !source->btf.data)
		return error;
	return btf_ext_copy(&source->btf_ext, &source->btf_ext.func_info, name, piece,
			    program->func_info, &program->func_info_count, object->error) ?:
	       btf_ext_copy(&source->btf_ext, &source->btf_ext.line_info, name, piece,
			    program->line_info, &program->line_info_count, object->error);
}

int program_assemble(struct bpf_object *object, struct bpf_object_program *program)
{
	const struct bpf_object_source *source = object->source;
	struct assembly assembly = { .object = object, .source = source, .program = program };
	struct memory_arena *arena = &object->arena;
	Elf64_Shdr text = { 0 };
	size_t capacity;
	int error;

	if (source->text_section &&
	    elf_section_header(&source->elf, source->text_section, &text) < 0)
		return -EINVAL;
	assembly.capacity = program->length + (uint32_t)(text.sh_size / sizeof(struct bpf_insn));
	capacity = assembly.capacity;
	program->instructions = memory_arena_allocate(arena, capacity * sizeof(struct bpf_insn));
	program->relocations = memory_arena_allocate(arena, capacity *
						     sizeof(*program->relocations));
	program->func_info = memory_arena_allocate(arena, source->btf_ext.func_info.record_total *
						   sizeof(*program->func_info));
	program->line_info = memory_arena_allocate(arena, source->btf_ext.line_info.record_total *
						   sizeof(*program->line_info));
	assembly.relocated = memory_arena_allocate(arena, capacity);
	if (!program->instructions || !program->relocations || !program->func_info ||
	    !program->line_info || !assembly.relocated)
		return -ENOMEM;
	error = add_piece(&assembly, program->section, program->start, program->length);
	/* Pieces are appended while earlier ones are linked. */
	for (size_t index = 0; index < assembly.piece_count && error == 0; index++)
		error = link_piece(&assembly, &assembly.pieces[index]);
	return error;
}
