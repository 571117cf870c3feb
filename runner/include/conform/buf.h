/* conform — a growable byte buffer with a hard cap (after curl's dynbuf).
 *
 * The buffer is always NUL-terminated (for convenience only: data may hold
 * NUL bytes, use len).  An append that would pass the cap, or that fails to
 * allocate, frees the contents and returns an error, so a hostile peer can
 * make an operation fail but never exhaust memory. */
#ifndef CONFORM_BUF_H
#define CONFORM_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* Every append's result must be looked at: a dropped error would leave a
 * partial text in a report or request. */
#if defined(__GNUC__)
#define CFM_MUST_CHECK __attribute__((warn_unused_result))
#else
#define CFM_MUST_CHECK
#endif

typedef struct cfm_buf {
  char *data;  /* NULL until the first append */
  size_t len;  /* bytes used, excluding the terminating NUL */
  size_t size; /* bytes allocated */
  size_t cap;  /* hard maximum of len */
} cfm_buf;

/* Initialises b in the caller's storage with a hard cap of `cap` bytes. */
void cfm_buf_init(cfm_buf *b, size_t cap);
/* Frees the contents; b can be reused after cfm_buf_init. */
void cfm_buf_release(cfm_buf *b);
/* Keeps the allocation, sets len to 0. */
void cfm_buf_reset(cfm_buf *b);
/* Appends n bytes.  Returns CFM_EOK, CFM_ETOOBIG (cap passed) or CFM_ENOMEM;
 * on error the contents are released. */
CFM_MUST_CHECK int cfm_buf_add(cfm_buf *b, const void *p, size_t n);
/* Appends a NUL-terminated string. */
CFM_MUST_CHECK int cfm_buf_adds(cfm_buf *b, const char *s);
/* Appends formatted text. */
CFM_MUST_CHECK int cfm_buf_addf(cfm_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
CFM_MUST_CHECK int cfm_buf_vaddf(cfm_buf *b, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 0)))
#endif
    ;
/* Returns the data ("" if empty, never NULL); still owned by b. */
const char *cfm_buf_str(const cfm_buf *b);
/* Transfers ownership of the data to the caller (malloc'd, NUL-terminated,
 * never NULL unless out of memory); b is left empty. */
char *cfm_buf_detach(cfm_buf *b, size_t *len);

#endif
