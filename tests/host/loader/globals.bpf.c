/* globals.bpf.c — global data of every kind: .rodata constants that the
 * test sets before load, counters in .data and .bss that it reads back
 * after BPF_PROG_TEST_RUN, and a string literal (.rodata.str1.1) that
 * bpf_snprintf formats into a .bss buffer. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef PROGRAM_SECTION
#define PROGRAM_SECTION "netkit/peer"
#endif

const volatile __u32 step = 1;			/* .rodata, set by the test */
const volatile __u64 verdict;			/* .rodata, set by the test */
__u64 runs_data = 100;				/* .data */
__u64 runs_bss;					/* .bss */
__u64 bytes_bss;				/* .bss */
char message[32];				/* .bss, written by bpf_snprintf */

SEC(PROGRAM_SECTION)
int count_globals(struct __sk_buff *skb)
{
	__u64 arguments[2] = { runs_bss, skb->len };

	runs_data += step;
	runs_bss += 1;
	bytes_bss += skb->len;
	bpf_snprintf(message, sizeof(message), "run %llu len %llu", arguments, sizeof(arguments));
	return (int)verdict;
}

char LICENSE[] SEC("license") = "GPL";
