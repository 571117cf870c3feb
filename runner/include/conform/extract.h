/* conform — draft specs from vendor documents, drift, and extraction quality.
 *
 * The extractor reads a vendor page — markdown (headings, pipe tables,
 * fenced code; also converted from HTML, or MDX) or text scraped from a
 * rendered page (table cells run together) — in English or Chinese, and
 * emits a draft conform-spec/1:
 * endpoints, parameter and response-field tables, limits stated in prose,
 * error tables (with `XX` placeholders turned into captures), examples and
 * rate limits.  Every item carries the heading path it came from.  What it
 * cannot decide is listed under "notes" with "review": true, never guessed.
 * docs/extract.md describes what it recognises. */
#ifndef CONFORM_EXTRACT_H
#define CONFORM_EXTRACT_H
#include <jansson.h>
#include <stddef.h>

#include "conform/error.h"

/* Hard cap on a document's size. */
#define CFM_EXTRACT_MAX_BYTES (4u * 1024u * 1024u)

/* Extracts a draft spec from text (len bytes, no NUL needed).  `name` is the
 * document's file name, used in provenance.  Returns a new reference, or
 * NULL with err filled (too big, out of memory). */
json_t *cfm_extract(const char *name, const char *text, size_t len, cfm_error_t *err);

/* Compares a draft (from cfm_extract) with a curated spec.  Operations are
 * paired by method + full path (base URL path + path; the same placeholder
 * names first, then the same template), and within a pair every item is
 * compared whatever its provenance cites.  Returns a new object:
 *   {"doc": ...,
 *    "operations": {"paired": n, "only_in_doc": ["METHOD path"...],
 *                   "only_in_spec": [...]  (spec operations citing doc)},
 *    "differ": [{"kind": "type"|"required"|"limit"|"status", "operation",
 *                "item", "doc", "spec", "doc_source", "spec_source",
 *                "section"}...],
 *    "only_in_doc": [{"kind", "operation", "item", "section", "source"}...],
 *    "only_in_spec": [...],
 *    "metrics": {"fields": {"doc": n, "spec": n, "both": n, "recall": r,
 *                "precision": p}, "limits": {...}, "errors": {...}}}
 * The metrics count only the spec's items whose provenance names `doc`
 * (secondary and assumed items are not the document's): recall = both /
 * spec, precision = matched document items / doc (1 when a denominator is
 * 0).  NULL on out of memory. */
json_t *cfm_extract_drift(const json_t *draft, const json_t *spec, const char *doc);

#endif
