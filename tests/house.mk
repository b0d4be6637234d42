# tests/house.mk: `make lint` and `make format-check` (included by the
# Makefile; `make check` runs both first).
#   lint          cppcheck over the library and the tool (warnings are errors;
#                 a false positive is suppressed inline with its reason)
#   format-check  clang-format --dry-run -Werror over every C file, with
#                 the repository's .clang-format
#   format        rewrites the files in place

HOUSE_C = $(shell git ls-files '*.c' '*.h' 2>/dev/null || find pam_breachguard tools tests bench -name '*.[ch]')

.PHONY: format

lint:
	@command -v cppcheck >/dev/null 2>&1 || { echo "lint: cppcheck not installed (make deps)" >&2; exit 1; }
	cppcheck -q --std=c11 --enable=warning,performance,portability --inline-suppr \
	    --error-exitcode=1 -D_GNU_SOURCE -DBG_TEST_BUILD=0 -Ipam_breachguard -Itools \
	    pam_breachguard tools
	@echo "lint: cppcheck clean"

format-check:
	@command -v clang-format >/dev/null 2>&1 || { echo "format-check: clang-format not installed (make deps)" >&2; exit 1; }
	@clang-format --dry-run -Werror $(HOUSE_C) && echo "format-check: $(words $(HOUSE_C)) files clean"

format:
	clang-format -i $(HOUSE_C)
