/* selftest — `yogurt selftest`: a netkit and BPF conformance run on the
 * running kernel, for people who test kernels.
 *
 * The contract: every check runs in a network namespace of the selftest's
 * own (the calling thread moves there for good, so whatever a check leaves
 * goes with the process) and makes its own devices and namespaces under
 * names of its own ("yst-…"), removing them when it is done; a failing
 * check does not stop the ones after it. The output on out is KTAP
 * version 1: the plan, one result per check ("# SKIP reason" where the
 * kernel lacks a feature; every check, with "no netkit", on a kernel
 * without netkit), "# " diagnostics, and a summary line with the kernel
 * version and how many checks of each group ran. Needs root
 * (CAP_NET_ADMIN, CAP_SYS_ADMIN for namespaces and BPF).
 */
#ifndef YOGURT_SELFTEST_H
#define YOGURT_SELFTEST_H

/* Runs every check; returns kselftest's exit code: 0 nothing failed (and
 * something passed), 1 a check failed, 4 every check was skipped. */
int selftest_run(int out);

#endif
