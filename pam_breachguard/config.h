/* config.h: breachguard.conf and module arguments, one parser for both. */
#ifndef BG_CONFIG_H
#define BG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"

#define BG_PATH_MAX 1024
#define BG_LIST_MAX 2048
#define BG_MESSAGE_MAX 512
#define BG_DEFAULT_CONF "/etc/security/breachguard.conf"
#define BG_DEFAULT_STORE "/var/lib/breachguard"
#define BG_DEFAULT_KEY "/etc/security/breachguard.key"
#define BG_CONF_MAX_SIZE (1024 * 1024)

/* A list of short strings, NUL-separated in one buffer: no allocation. */
struct bg_list {
	size_t n;
	size_t used;
	char buf[BG_LIST_MAX];
};

enum bg_action { BG_ACT_FORCE_CHANGE, BG_ACT_DENY, BG_ACT_WARN, BG_ACT_AUDIT };
enum bg_on_error { BG_ON_ERROR_OPEN, BG_ON_ERROR_CLOSED };
/* What to do with an exposed account that has no usable password. */
enum bg_locked { BG_LOCKED_SKIP, BG_LOCKED_DENY };
/* root running su (or sudo -u) for a flagged account: force the change or not. */
enum bg_root_su { BG_ROOT_SU_SKIP, BG_ROOT_SU_ENFORCE };

struct bg_config {
	char store[BG_PATH_MAX];
	char key_file[BG_PATH_MAX];
	char aliases[BG_PATH_MAX]; /* "" = none */
	struct bg_list domains;
	struct bg_list exempt_users;
	struct bg_list exempt_groups;
	bool gecos_email;
	bool fold_case;
	char subaddress[8]; /* separator characters; "" = keep tags */
	enum bg_action action;
	unsigned grace_days;
	unsigned long min_uid;
	enum bg_locked locked_accounts;
	enum bg_on_error on_error;
	char message[BG_MESSAGE_MAX]; /* "" = built-in text */
	bool audit;
	bool debug;
	enum bg_root_su root_su;
	/* Public keys whose signed bundles `breachguard import` accepts (absolute
	 * paths); empty: no bundle is accepted. */
	struct bg_list trusted_keys;
};

void bg_config_defaults(struct bg_config *c);

/* Sets one option.  Returns 0, -ENOENT for an unknown key, -EINVAL (or -ERANGE)
 * for a bad value; err receives a message naming the key and the cause. */
int bg_config_set(struct bg_config *c, const char *key, const char *value, char *err,
		  size_t errlen);

/* The key nearest to a misspelled one ("domain" -> "domains"), or NULL. */
const char *bg_config_suggest(const char *key);
/* The i-th known key, NULL past the end. */
const char *bg_config_key_at(size_t i);

/* Parses a config file.  A missing file is an error unless missing_ok.  Bad values
 * and syntax are errors naming path:line.  Unknown keys are errors too (LOG_ERR,
 * with the nearest valid key), whatever strict says, and counted in *unknown:
 * a misspelled "domains" must not turn matching off quietly.  The file's parent
 * directories must be safe (bg_check_parents).  Parsing goes on past an error, so
 * that every other line (on_error above all) still takes effect; the first
 * error is returned.  Returns 0 or a negative errno. */
int bg_config_load(struct bg_config *c, const char *path, bool missing_ok, bool strict,
		   const struct bg_logger *log, unsigned *unknown);

/* Applies module arguments: "conf=FILE" (read first, wherever it stands; an
 * absolute path, since su and sudo run in the caller's directory), then
 * "debug" and every key=value in order.  As with the file, an error does not
 * stop the others from applying (an unreadable file does not stop the
 * arguments); the first error is returned.  Returns 0 or a negative errno. */
int bg_config_from_args(struct bg_config *c, int argc, const char *const *argv,
			const struct bg_logger *log);

const char *bg_action_name(enum bg_action a);
bool bg_list_contains(const struct bg_list *l, const char *s);
/* Iteration: pass NULL first; returns NULL at the end. */
const char *bg_list_next(const struct bg_list *l, const char *prev);
int bg_list_add(struct bg_list *l, const char *s, size_t len);

#endif
