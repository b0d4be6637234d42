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

/* The longest grace: grace_days, an advisory's --grace, a stored record's. */
#define BG_GRACE_DAYS_MAX 3650

/* Every field is one row of the option table in config.c (test_config checks
 * that the rows cover the struct): a new field is a new row. */
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

/* One option: a row of the option table in config.c, the one list of the keys.
 * bg_config_set, the defaults, the module arguments, the did-you-mean
 * suggestion and `breachguard check` read it; test_config_docs holds
 * breachguard.conf and breachguard.conf(5) to it. */
enum bg_opt_type {
	BG_OPT_BOOL,  /* yes/no, true/false, on/off, 1/0 */
	BG_OPT_NUM,   /* a decimal number from min to max */
	BG_OPT_WORD,  /* one of words[]; the field (an enum) holds its index */
	BG_OPT_TEXT,  /* any text shorter than the field */
	BG_OPT_SEPS,  /* separator characters, not '@', blank or '"'; "none" or "": none */
	BG_OPT_PATH,  /* an absolute path ("" too with BG_OPT_EMPTY) */
	BG_OPT_LIST,  /* words separated by commas or blanks (struct bg_list) */
	BG_OPT_PATHS, /* a list of absolute paths */
};

#define BG_OPT_EMPTY 1u /* "" is a value: none */
#define BG_OPT_BARE 2u	/* alone as a module argument, means yes ("debug") */
#define BG_OPT_TOOL 4u	/* read by the tool only; the module ignores it */

struct bg_option {
	const char *name;
	enum bg_opt_type type;
	unsigned flags;
	size_t offset, size;	  /* its field in struct bg_config */
	unsigned long min, max;	  /* BG_OPT_NUM */
	const char *const *words; /* BG_OPT_WORD: NULL-terminated, in enum order */
	unsigned long def;	  /* BOOL, NUM, WORD: the default */
	const char *def_text;	  /* the other types: the default; NULL: empty */
};

/* The option of that name, or NULL. */
const struct bg_option *bg_option_find(const char *name);
/* The i-th option, in the order breachguard.conf lists them; NULL past the end. */
const struct bg_option *bg_option_at(size_t i);

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
 * every key=value in order; "debug" alone is debug=yes (BG_OPT_BARE).  As with the file, an error
 * does not stop the others from applying (an unreadable file does not stop the arguments); the
 * first error is returned.  Returns 0 or a negative errno. */
int bg_config_from_args(struct bg_config *c, int argc, const char *const *argv,
			const struct bg_logger *log);

const char *bg_action_name(enum bg_action a);
bool bg_list_contains(const struct bg_list *l, const char *s);
/* Iteration: pass NULL first; returns NULL at the end. */
const char *bg_list_next(const struct bg_list *l, const char *prev);
int bg_list_add(struct bg_list *l, const char *s, size_t len);

#endif
