/* conform — strict keys of a config: unknown names, "did you mean", JSON
 * pointers in errors.
 *
 * Owns name checking and its messages.  Must not know which keys exist
 * (its callers pass them) nor touch a target. */
#include "config_internal.h"

#include <stdio.h>
#include <string.h>

/* Levenshtein distance of a and b, capped at 99 (names are short). */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b), i, j, row[64], prev, cur;
  if (la > 62 || lb > 62)
    return 99;
  for (j = 0; j <= lb; j++)
    row[j] = j;
  for (i = 1; i <= la; i++) {
    prev = row[0];
    row[0] = i;
    for (j = 1; j <= lb; j++) {
      size_t best = prev + (a[i - 1] != b[j - 1]);
      cur = row[j];
      if (row[j] + 1 < best)
        best = row[j] + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      prev = cur;
      row[j] = best;
    }
  }
  return row[lb];
}

const char *cfm_did_you_mean(const char *word, const char *const *names) {
  const char *best = NULL;
  size_t bd = 99, wl = strlen(word), i;
  size_t limit = wl / 2 > 2 ? wl / 2 : 2;
  for (i = 0; names[i]; i++) {
    size_t d = edit_distance(word, names[i]);
    /* "agora" for "agora-chat", "token" for "app_token" */
    if (d > limit && wl >= 4 && (strstr(names[i], word) || strstr(word, names[i])))
      d = limit;
    if (d <= limit && d < bd) {
      bd = d;
      best = names[i];
    }
  }
  return best;
}

/* ptr + "/" + key, with key escaped as RFC 6901 says (~0, ~1). */
void cfm__config_pointer_join(char *out, size_t cap, const char *ptr, const char *key) {
  size_t n = (size_t)snprintf(out, cap, "%s/", ptr);
  for (; *key && n + 3 < cap; key++) {
    if (*key == '~' || *key == '/') {
      out[n++] = '~';
      out[n++] = *key == '~' ? '0' : '1';
    } else {
      out[n++] = *key;
    }
  }
  if (n < cap)
    out[n] = '\0';
}

/* An error for a name that is not one of names (NULL-terminated). */
int cfm__config_unknown_name(cfm_error_t *err, int code, const char *where, const char *ptr,
                             const char *what, const char *name, const char *const *names) {
  const char *hint = cfm_did_you_mean(name, names);
  char list[200];
  size_t i, n = 0;
  list[0] = '\0';
  for (i = 0; names[i] && n < sizeof(list); i++)
    n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", names[i]);
  if (hint)
    return cfm_error_set(err, code, where, ptr, "unknown %s '%.60s'; did you mean '%s'?", what,
                         name, hint);
  return cfm_error_set(err, code, where, ptr, "unknown %s '%.60s' (known: %s)", what, name, list);
}

/* Every key of obj must be one of names; "$comment" is allowed anywhere. */
int cfm__config_known_keys(const json_t *obj, const char *const *names, const char *path,
                           const char *ptr, cfm_error_t *err) {
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)obj, k, v) {
    size_t i;
    int ok = !strcmp(k, "$comment");
    char kp[CFM_ERROR_WHERE_LENGTH];
    for (i = 0; !ok && names[i]; i++)
      ok = !strcmp(k, names[i]);
    if (ok)
      continue;
    cfm__config_pointer_join(kp, sizeof(kp), ptr, k);
    return cfm__config_unknown_name(err, CFM_ECONFIG, path, kp, "key", k, names);
  }
  return CFM_EOK;
}
