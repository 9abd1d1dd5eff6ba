/* The wire's BPF ELF object, embedded in the binary as plain bytes.
 * WIRE_OBJECT is the path of the (debug-stripped) object, set by the Makefile. */
	.section .rodata.wire_object, "a"
	.balign 8
	.globl wire_object_start
wire_object_start:
	.incbin WIRE_OBJECT
	.globl wire_object_end
wire_object_end:
	.section .note.GNU-stack, "", @progbits
