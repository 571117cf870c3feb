/* conform — the error mapper: (error model, HTTP status, body) → (vendor
 * code, canonical class, message), for all three vendor conventions.
 *
 * Total on every input: the body is parsed with a cap and a depth limit;
 * anything that is not a JSON object maps on the status alone. */
#include "conform/errmap.h"
#include "conform/jsonutil.h"

#include "conform/pattern.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bodies above this are mapped on their status only. */
#define ERRMAP_MAX_BODY (1u << 20)

static const char *const class_names[] = {
#define CFM_CLASS_STR(name) #name,
    CFM_CLASS_MAP(CFM_CLASS_STR)
#undef CFM_CLASS_STR
};

const char *cfm_class_name(cfm_class c) {
  if ((int)c < 0 || c >= CFM_CLASS__COUNT)
    return "UNKNOWN";
  return class_names[c];
}

int cfm_class_parse(const char *name) {
  int i;
  if (!name)
    return -1;
  for (i = 0; i < CFM_CLASS__COUNT; i++)
    if (strcmp(name, class_names[i]) == 0)
      return i;
  return -1;
}

cfm_class cfm_class_from_status(long status) {
  if (status >= 200 && status < 300)
    return CFM_CLASS_OK;
  switch (status) {
  case 400:
    return CFM_CLASS_INVALID_ARGUMENT;
  case 401:
    return CFM_CLASS_UNAUTHENTICATED;
  case 403:
    return CFM_CLASS_PERMISSION_DENIED;
  case 404:
    return CFM_CLASS_NOT_FOUND;
  case 409:
    return CFM_CLASS_ALREADY_EXISTS;
  case 412:
    return CFM_CLASS_FAILED_PRECONDITION;
  case 413:
  case 429:
    return CFM_CLASS_RESOURCE_EXHAUSTED;
  case 502:
  case 503:
  case 504:
    return CFM_CLASS_UNAVAILABLE;
  default:
    break;
  }
  if (status >= 500 && status < 600)
    return CFM_CLASS_INTERNAL;
  return CFM_CLASS_UNKNOWN;
}

int cfm_errmap_message_matches(const json_t *row, const char *message, size_t len) {
  const char *pattern = json_string_value(json_object_get(row, "message"));
  return pattern ? cfm_pattern_match(pattern, message, len) : 1;
}

/* ---- mapping ---------------------------------------------------------------- */

/* Writes a JSON scalar as text ("10010", "param.error", "true"); ""
 * for anything else (an object is no code). */
static void scalar_text(const json_t *v, char *out, size_t cap) {
  if (json_is_object(v) || json_is_array(v) || json_is_null(v))
    out[0] = '\0';
  else
    cfm_json_scalar_text(v, out, cap);
}

static int in_status_list(const json_t *list, long status) {
  size_t i;
  const json_t *v;
  if (!json_is_array(list))
    return status >= 200 && status < 300;
  json_array_foreach(list, i, v) {
    if (json_is_integer(v) && json_integer_value(v) == status)
      return 1;
  }
  return 0;
}

static const json_t *find_row(const json_t *const *tables, size_t ntables, long status,
                              const char *code, const char *message) {
  const json_t *first = NULL;
  size_t t, i;
  for (t = 0; t < ntables; t++) {
    const json_t *row;
    if (!json_is_array(tables[t]))
      continue;
    json_array_foreach(tables[t], i, row) {
      char rc[128];
      const json_t *st = json_object_get(row, "status");
      scalar_text(json_object_get(row, "code"), rc, sizeof(rc));
      if (strcmp(rc, code) != 0 || (json_is_integer(st) && json_integer_value(st) != status))
        continue;
      if (cfm_errmap_message_matches(row, message, strlen(message)) == 1)
        return row;
      if (!first)
        first = row;
    }
  }
  return first;
}

static cfm_class class_of_status(const json_t *model, long status) {
  char key[24];
  const char *name;
  int c;
  snprintf(key, sizeof(key), "%ld", status);
  name = json_string_value(json_object_get(json_object_get(model, "status_classes"), key));
  c = name ? cfm_class_parse(name) : -1;
  return c >= 0 ? (cfm_class)c : cfm_class_from_status(status);
}

int cfm_errmap_map(const json_t *model, const json_t *const *tables, size_t ntables, long status,
                   const char *body, size_t len, cfm_mapped *out) {
  json_t *doc = NULL;
  const char *code_ptr, *msg_ptr;
  int http_errors;
  const json_t *row;
  memset(out, 0, sizeof(*out));
  out->status = status;
  out->cls = CFM_CLASS_UNKNOWN;
  if (!json_is_object(model)) {
    snprintf(out->why, sizeof(out->why), "no error model");
    out->cls = cfm_class_from_status(status);
    out->is_error = out->cls != CFM_CLASS_OK;
    return -1;
  }
  http_errors = !json_is_false(json_object_get(model, "http_errors"));
  code_ptr = json_string_value(json_object_get(model, "code"));
  msg_ptr = json_string_value(json_object_get(model, "message"));
  if (body && len > 0 && len <= ERRMAP_MAX_BODY) {
    doc = cfm_json_parse(body, len, ERRMAP_MAX_BODY, NULL, 0);
    if (doc && !json_is_object(doc)) {
      json_decref(doc);
      doc = NULL;
    }
  }
  out->body_is_json = doc != NULL;
  if (doc) {
    if (code_ptr)
      scalar_text(cfm_json_pointer(doc, code_ptr), out->code, sizeof(out->code));
    if (msg_ptr)
      scalar_text(cfm_json_pointer(doc, msg_ptr), out->message, sizeof(out->message));
  }

  if (!http_errors) {
    /* No HTTP errors (http_errors false): HTTP 200 for every API outcome; the code decides. */
    char ok[64];
    if (!in_status_list(json_object_get(model, "success_status"), status)) {
      out->is_error = 1;
      out->cls = class_of_status(model, status);
      snprintf(out->why, sizeof(out->why), "HTTP %ld outside the documented 200 (transport error)",
               status);
      goto done;
    }
    if (!doc) {
      out->is_error = 1;
      out->cls = CFM_CLASS_UNKNOWN;
      snprintf(out->why, sizeof(out->why), "HTTP %ld with a body that is not a JSON object",
               status);
      goto done;
    }
    scalar_text(json_object_get(model, "success_code"), ok, sizeof(ok));
    if (!ok[0])
      snprintf(ok, sizeof(ok), "0");
    if (out->code[0] == '\0') {
      out->is_error = 1;
      out->cls = CFM_CLASS_UNKNOWN;
      snprintf(out->why, sizeof(out->why), "no error code at %s", code_ptr ? code_ptr : "(none)");
      goto done;
    }
    if (strcmp(out->code, ok) == 0) {
      out->cls = CFM_CLASS_OK;
      snprintf(out->why, sizeof(out->why), "success code %s", ok);
      goto done;
    }
    out->is_error = 1;
  } else {
    if (in_status_list(json_object_get(model, "success_status"), status)) {
      out->cls = CFM_CLASS_OK;
      snprintf(out->why, sizeof(out->why), "HTTP %ld is a documented success status", status);
      goto done;
    }
    out->is_error = 1;
  }
  row = find_row(tables, ntables, status, out->code, out->message);
  if (row) {
    int c = cfm_class_parse(json_string_value(json_object_get(row, "class")));
    out->row = row;
    out->cls = c >= 0 ? (cfm_class)c : CFM_CLASS_UNKNOWN;
    snprintf(out->why, sizeof(out->why), "error row '%s'",
             json_string_value(json_object_get(row, "id"))
                 ? json_string_value(json_object_get(row, "id"))
                 : "?");
  } else if (http_errors) {
    out->cls = class_of_status(model, status);
    snprintf(out->why, sizeof(out->why), "HTTP %ld, code '%.60s' in no table", status, out->code);
  } else {
    out->cls = CFM_CLASS_UNKNOWN;
    snprintf(out->why, sizeof(out->why), "code %.60s in no table", out->code);
  }
done:
  json_decref(doc);
  return 0;
}
