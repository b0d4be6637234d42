/* breachguard.c: the admin tool's entry point: global options, the config, and
 * dispatch to one function per command. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "unicode.h"

static const struct {
	const char *name;
	int (*fn)(struct bg_tool *t, int argc, char **argv);
	const char *help;
} commands[] = {
    {"init", bg_cmd_init, "make the site key and the store"},
    {"import", bg_cmd_import, "import advisory lists"},
    {"advisories", bg_cmd_advisories, "list the advisories in the store"},
    {"forget", bg_cmd_forget, "remove an advisory and its exposures"},
    {"flag", bg_cmd_flag, "add users by name to an advisory"},
    {"status", bg_cmd_status, "show the verdict for users"},
    {"scan", bg_cmd_scan, "show every account that is not clear"},
    {"reset", bg_cmd_reset, "record an administrator-vouched rotation"},
    {"stats", bg_cmd_stats, "store statistics"},
    {"check", bg_cmd_check, "check config, key, store and PAM wiring"},
    {"keygen", bg_cmd_keygen, "make an Ed25519 key to sign bundles"},
    {"export", bg_cmd_export, "write a signed bundle of advisories"},
    {"report", bg_cmd_report, "merge hosts' scan --json into a fleet report"},
    {"verify", bg_cmd_verify, "walk the whole store against its recorded digest"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: breachguard [--config FILE] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].help);
	fprintf(f,
		"\nThe config is FILE, else $BREACHGUARD_CONF, else %s.\n"
		"Exit status: 0 done, 1 runtime failure, 2 usage error.\n",
		BG_DEFAULT_CONF);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct bg_tool t;
	struct bg_unicode *unicode = NULL;
	const char *env;
	int c, rc;

	memset(&t, 0, sizeof(t));
	bg_config_defaults(&t.cfg);
	t.conf_path = BG_DEFAULT_CONF;
	env = getenv("BREACHGUARD_CONF");
	if (env && *env) {
		t.conf_path = env;
		t.conf_explicit = true;
	}
	while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			t.conf_path = optarg;
			t.conf_explicit = true;
			break;
		case 'h':
			usage(stdout);
			return BG_EXIT_OK;
		default:
			usage(stderr);
			return BG_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return BG_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) != 0)
			continue;
		/* `check` reports config errors itself, unknown keys included. */
		if (commands[i].fn != bg_cmd_check &&
		    bg_config_load(&t.cfg, t.conf_path, !t.conf_explicit, false, &t.log,
				   &t.conf_unknown) != 0)
			return BG_EXIT_FAIL;
		t.log.debug = t.cfg.debug;
		/* The normaliser loads libidn2/libunistring per non-ASCII address; held
		 * open here, each of those loads is a reference count, not a load. */
		bg_unicode_open(&unicode);
		/* Each command parses its own options, its name as argv[0]; optind = 0
		 * makes glibc's getopt start afresh. */
		{
			int first = optind;

			optind = 0;
			rc = commands[i].fn(&t, argc - first, argv + first);
		}
		bg_unicode_close(unicode);
		return bg_stdout_done(commands[i].name, rc);
	}
	fprintf(stderr, "breachguard: unknown command \"%s\"\n", argv[optind]);
	usage(stderr);
	return BG_EXIT_USAGE;
}
