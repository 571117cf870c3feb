/* conform — what the sanitiser's two files share: sanitize_registry.c owns
 * the registry of secrets, sanitize.c the rules, cutting and sinks. */
#ifndef CONFORM_SANITIZE_INTERNAL_H
#define CONFORM_SANITIZE_INTERNAL_H

#include <stddef.h>

#include "conform/sanitize.h"

/* Sets mark[i] = 1 for each byte of t[0, n) that belongs to a registered
 * secret (or a short form of one), sparing windows inside public values.
 * Takes the registry's lock.  Returns 0, or -1 when out of memory. */
int cfm__sanitize_mark_secrets(const char *t, size_t n, unsigned char *mark);

#endif
