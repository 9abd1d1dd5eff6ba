/* boot — yogurt as PID 1: the /init of an initramfs. */
#ifndef YOGURT_BOOT_H
#define YOGURT_BOOT_H

/* Mounts what the phone needs, brings it up, then executes the real init
 * (yogurt.init=, default /sbin/init) or, with yogurt.mode=call, calls across
 * the phone and powers off. Never returns: PID 1 must not exit. */
int boot_main(int argc, char **argv) __attribute__((noreturn));

#endif
