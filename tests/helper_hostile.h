/* conform tests — a hostile target on loopback: it echoes the credentials
 * it receives into its answers and answers with escape sequences, line
 * breaks, U+FFFE, forged summary lines, shell metacharacters in ids,
 * redirects and invalid JSON labelled as JSON.  Criterion-free, bounded
 * (one connection at a time, 2 s per read, stops on request). */
#ifndef CONFORM_TEST_HELPER_HOSTILE_H
#define CONFORM_TEST_HELPER_HOSTILE_H

#include <stddef.h>

typedef struct cfm_hostile cfm_hostile;

/* Starts the server on 127.0.0.1 (ephemeral port) in its own thread.
 * Returns NULL when the socket or thread cannot be made. */
cfm_hostile *cfm_hostile_start(void);
/* The bound port. */
unsigned cfm_hostile_port(const cfm_hostile *h);
/* Requests answered so far. */
size_t cfm_hostile_requests(const cfm_hostile *h);
/* The i-th distinct derived credential the server received (usersig query
 * values, as sent and URL-decoded), or NULL past the last (at most 512 are
 * kept). */
const char *cfm_hostile_credential(const cfm_hostile *h, size_t i);
/* Stops the thread and frees everything. NULL is a no-op. */
void cfm_hostile_stop(cfm_hostile *h);

#endif
