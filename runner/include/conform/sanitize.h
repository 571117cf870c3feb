/* conform — the output sanitiser: the one path every byte that came from a
 * target or a secret takes before it reaches a sink (report.json, junit.xml,
 * report.html, the terminal, reproductions, error messages).
 *
 * Three steps, always in this order (docs/security.md):
 *  1. redaction: every known secret is replaced by "REDACTED" in its raw,
 *     JSON-escaped (also with "\/"), URL-encoded (%XX upper and lower case),
 *     base64 (standard and URL alphabet, any alignment) and shell-quoted
 *     forms; any 8-byte window of such a form counts, so a cut copy or an
 *     8-character prefix is redacted too.  Also the values after
 *     "usersig=", "access_token=", "Authorization:" (the scheme word kept)
 *     and "x-acs-dingtalk-access-token:".
 *  2. cutting to at most `max` bytes of content, never inside a UTF-8
 *     sequence or a "REDACTED" marker (so a cut never keeps a token prefix);
 *  3. the sink's escaping (see cfm_sink).
 *
 * Known secrets live in one process-wide registry, filled from configs
 * (cfm_sanitize_add_config, which cfm_sanitize and cfm_redact call for the
 * cfg they are given) and from derived credentials cfm_redact sees in the
 * requests it redacts (usersig values).  The registry is bounded
 * (CFM_SANITIZE_MAX_SECRETS values, 1024 encoded forms of 4-7 bytes, 16 MiB
 * of windows; past a bound registration fails with CFM_ETOOBIG) and
 * thread-safe.  Secrets shorter than
 * 4 bytes are not redacted (they would redact ordinary words); secrets of
 * 4-7 bytes only as a whole. */
#ifndef CONFORM_SANITIZE_H
#define CONFORM_SANITIZE_H

#include <stddef.h>
#include <stdio.h>

#include "conform/target.h"

#define CFM_SANITIZE_MARKER "REDACTED"
#define CFM_SANITIZE_MAX_SECRETS 4096

typedef enum cfm_sink {
  /* Bytes as they are (invalid UTF-8 kept), only redacted and cut. */
  CFM_SINK_RAW = 0,
  /* Valid UTF-8 for a JSON string: invalid sequences and NUL become U+FFFD;
   * the JSON encoder escapes the rest. */
  CFM_SINK_JSON,
  /* XML 1.0 / HTML text or attribute value: & < > " ' as entities; every code point XML 1.0 forbids
   * (C0 controls other than tab, LF, CR; U+FFFE, U+FFFF; surrogates and any invalid UTF-8) becomes
   * U+FFFD. */
  CFM_SINK_XML,
  /* One terminal field: escape sequences (ESC [ ..., ESC ] ... BEL/ST,
   * other ESC pairs, their 8-bit C1 forms) are removed; CR, LF and tab
   * become a space; every other control character, DEL, C1, bidi
   * override and U+FFFE/U+FFFF becomes '?'; invalid UTF-8 becomes U+FFFD.  A field can
   * therefore neither start a new line nor move the cursor. */
  CFM_SINK_TERM
} cfm_sink;

/* Registers every credential of cfg (all values except "sdkappid" and
 * "identifier", which are not secret) and its derived forms.  cfg may be
 * NULL (no-op).  Returns CFM_EOK or CFM_ENOMEM (what fitted is kept). */
int cfm_sanitize_add_config(const cfm_config *cfg);
/* Registers one secret of len bytes.  Returns CFM_EOK (also when it is
 * too short to redact or already known), CFM_ENOMEM or CFM_ETOOBIG
 * (registry full). */
int cfm_sanitize_add_secret(const char *secret, size_t len);
/* Registers a value known not to be secret (an app id, a user or account
 * name, a variable's value) of 8 bytes or more.  Where such a value occurs
 * in a text, windows of secrets inside it are not redacted (a demo app id
 * "conform-demo-app" shares its first 16 bytes with the demo token), unless
 * a secret window crosses the occurrence's edge or the occurrence holds a
 * whole secret.  cfm_sanitize_add_config registers every variable of a
 * config and the "sdkappid"/"identifier" credentials this way.  Returns
 * CFM_EOK, CFM_ENOMEM or CFM_ETOOBIG (256 values). */
int cfm_sanitize_add_public(const char *value);
/* Forgets every registered secret (tests; a process running several
 * unrelated configs).  Frees the registry. */
void cfm_sanitize_reset(void);

/* Sanitises len bytes of text (NULL = empty) for sink: registers cfg (may
 * be NULL), redacts every registered secret, cuts to at most max bytes of
 * content (before the sink's escaping, which may lengthen it), escapes.
 * Returns a new NUL-terminated string the caller frees, or NULL when out
 * of memory; *out_len (may be NULL) gets its length.  Never reads past
 * text + len; NUL bytes inside are data. */
char *cfm_sanitize(const cfm_config *cfg, const char *text, size_t len, size_t max, cfm_sink sink,
                   size_t *out_len);
/* The same, written to f.  Returns 0, or -1 (out of memory or a write
 * error; f's error flag tells which). */
int cfm_sanitize_write(FILE *f, const cfm_config *cfg, const char *text, size_t len, size_t max,
                       cfm_sink sink);

/* Decodes the UTF-8 sequence at s (n > 0 bytes left) into *cp: its length,
 * or 0 if invalid (overlong, surrogate, past U+10FFFF, truncated). */
size_t cfm_utf8_decode(const unsigned char *s, size_t n, unsigned *cp);

#endif
