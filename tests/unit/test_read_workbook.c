/* test_read_workbook.c: the workbook reader and the table's header matching.
 * Workbooks are built here with libarchive's zip writer in a memfd, so each
 * case states exactly the XML it feeds: shared strings after the sheets, inline
 * and rich strings, phonetic runs, sparse cells, ODS repeats, hostile XML
 * (DTDs, entities, cells out of order, a missing shared string), a shared
 * strings table large enough to be spooled; exact addresses and lines. */
#include <sys/mman.h>

#include <archive.h>
#include <archive_entry.h>

#include "input.h"
#include "reader.h"
#include "t.h"
#include "table.h"
#include "tsink.h"
#include "workbook.h"

/* Sheet names as the sink heard them. */
static char sheet_names[8][64];

static void rec_sheet(struct bg_sink *s, unsigned idx, const char *name)
{
	(void)s;
	if (idx >= 1 && idx <= 8)
		snprintf(sheet_names[idx - 1], sizeof(sheet_names[0]), "%s", name);
}

struct part {
	const char *name;
	const char *text;
	size_t len; /* 0: strlen(text) */
};

static int zip_fd(const struct part *parts, size_t n)
{
	int fd = memfd_create("wb", MFD_CLOEXEC);
	struct archive *a = archive_write_new();
	struct archive_entry *e;
	size_t i;

	if (fd < 0 || !a)
		abort();
	archive_write_set_format_zip(a);
	archive_write_open_fd(a, fd);
	for (i = 0; i < n; i++) {
		size_t len = parts[i].len ? parts[i].len : strlen(parts[i].text);

		e = archive_entry_new();
		archive_entry_set_pathname(e, parts[i].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)len);
		archive_write_header(a, e);
		archive_write_data(a, parts[i].text, len);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	return fd;
}

#define NS                                                                                         \
	"xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "                     \
	"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
#define REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
#define PKG_RELS                                                                                   \
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"   \
	"<Relationship Id=\"rId1\" Type=\"" REL "officeDocument\" Target=\"xl/workbook.xml\"/>"    \
	"</Relationships>"
#define WB_RELS(extra)                                                                             \
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"   \
	"<Relationship Id=\"rId1\" Type=\"" REL "worksheet\" Target=\"worksheets/sheet1.xml\"/>"   \
	"<Relationship Id=\"rId2\" Type=\"" REL "worksheet\" Target=\"/xl/worksheets/s2.xml\"/>"   \
	"<Relationship Id=\"rId3\" Type=\"" REL                                                    \
	"sharedStrings\" Target=\"sharedStrings.xml\"/>" extra "</Relationships>"
#define WB2                                                                                        \
	"<workbook " NS "><sheets><sheet name=\"一覧\" sheetId=\"1\" r:id=\"rId1\"/>"            \
	"<sheet name=\"追加\" sheetId=\"2\" r:id=\"rId2\"/></sheets></workbook>"

static int run_fd(struct tsink *t, int fd, const struct bg_read_opts *o, char *err, size_t errlen)
{
	struct bg_reader_ctx c;
	int rc;

	memset(sheet_names, 0, sizeof(sheet_names));
	t->sink.sheet = rec_sheet;
	bg_reader_ctx_init(&c, NULL, "t.xlsx", o, &t->sink);
	rc = bg_workbook_read(&c, fd);
	snprintf(err, errlen, "%s", c.err.msg);
	close(fd);
	return rc;
}

/* A one-sheet xlsx around sheetData (shared strings sst, or none). */
static int xlsx1(const char *rows, const char *sst)
{
	static char sheet[8192];
	struct part p[] = {
	    {"_rels/.rels", PKG_RELS, 0},
	    {"xl/workbook.xml",
	     "<workbook " NS
	     "><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
	     0},
	    {"xl/_rels/workbook.xml.rels", WB_RELS(""), 0},
	    {"xl/worksheets/sheet1.xml", sheet, 0},
	    {"xl/sharedStrings.xml", sst ? sst : "<sst " NS "/>", 0},
	};

	snprintf(sheet, sizeof(sheet), "<worksheet " NS "><sheetData>%s</sheetData></worksheet>",
		 rows);
	return zip_fd(p, sizeof(p) / sizeof(p[0]));
}

static void test_names(void)
{
	static const char *const rank1[] = {
	    "メールアドレス",
	    "メール",
	    "電子メール",
	    "Eメール",
	    "E-mail",
	    "mail",
	    "MAIL",
	    "メールアドレス（会社）",
	    "ＭＡＩＬ",
	    "Ｅ－ｍａｉｌ",
	    "ﾒｰﾙｱﾄﾞﾚｽ",
	    "【必須】メールアドレス",
	    "E・メール",
	    "Email (work)",
	    "メールアドレス※",
	    "이메일",
	    "电子邮件",
	    " e mail ",
	    "E-Mail Address",
	    "電子メールアドレス：",
	    /* a qualifier before, a number after */
	    "会社メール",
	    "個人メールアドレス",
	    "携帯メール",
	    "Work Email",
	    "E-mail 2",
	    "メール1",
	};
	static const char *const none[] = {
	    "氏名",
	    "名前",
	    "部署",
	    "住所",
	    "Name",
	    "(mail)",
	    "メールアドレス（",
	    "",
	    "m a i l x",
	    "Email verified",
	    "メール配信",
	    "メールマガジン",
	    "123",
	};
	size_t i;

	for (i = 0; i < sizeof(rank1) / sizeof(rank1[0]); i++) {
		int r = bg_table_name_rank(rank1[i], strlen(rank1[i]));

		if (r != 1)
			fprintf(stderr, "rank of \"%s\": %d\n", rank1[i], r);
		T_EQ_INT(r, 1);
	}
	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		int r = bg_table_name_rank(none[i], strlen(none[i]));

		if (r != 0)
			fprintf(stderr, "rank of \"%s\": %d\n", none[i], r);
		T_EQ_INT(r, 0);
	}
	T_EQ_INT(bg_table_name_rank("アドレス", strlen("アドレス")), 2);
	T_EQ_INT(bg_table_name_rank("ユーザーID", strlen("ユーザーID")), 3);
	/* Not UTF-8: no name, no crash. */
	T_EQ_INT(bg_table_name_rank("\xff\xfe", 2), 0);
	T_CHECK(bg_table_name_is("Ｅメール", strlen("Ｅメール"), "eメール"));
	T_CHECK(bg_table_name_is("  E-Mail ", 9, "e-mail"));
	T_CHECK(!bg_table_name_is("E-Mail", 6, " e-mail"));
	T_CHECK(!bg_table_name_is("Email", 5, "mail"));
	/* Dotted capital I folds the same way whatever the locale (no tr_TR rules). */
	T_CHECK(bg_table_name_is("MAIL", 4, "mail"));
	T_CHECK(!bg_table_name_is("MAİL", strlen("MAİL"), "mail"));
}

static void test_xlsx(void)
{
	static const char sst[] =
	    "<sst " NS "><si><t>氏名</t></si><si><t>Ｅメール</t></si>"
	    "<si><t>山田</t></si><si><t>taro@example.jp</t></si>"
	    "<si><t>ichiro@example.jp</t><rPh sb=\"0\" eb=\"1\"><t>イチロウ</t></rPh></si>"
	    "<si><r><t>hana</t></r><r><rPr><b/></rPr><t>ko@example.co.jp</t></r></si></sst>";
	static const char s1[] =
	    "<worksheet " NS "><sheetData>"
	    "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"C1\" t=\"s\"><v>1</v></c></row>"
	    "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>2</v></c><c r=\"C2\" t=\"s\"><v>3</v></c></row>"
	    "<row r=\"4\"><c r=\"C4\" t=\"s\"><v>4</v></c></row>"
	    "<row r=\"5\"><c r=\"A5\" t=\"inlineStr\"><is><t>x@example.org</t></is></c>"
	    "<c r=\"C5\" t=\"s\"><v>5</v></c></row>"
	    "<row r=\"6\"><c r=\"A6\" t=\"s\"><v>2</v></c></row>"
	    "</sheetData></worksheet>";
	static const char s2[] =
	    "<worksheet " NS "><sheetData>"
	    "<row r=\"3\"><c r=\"B3\" t=\"str\"><f>A1</f><v>ken@example.jp</v></c></row>"
	    "<row r=\"7\"><c r=\"B7\" "
	    "t=\"inlineStr\"><is><r><t>yuki</t></r><r><t>@example.jp</t></r>"
	    "<rPh><t>ユキ</t></rPh></is></c></row>"
	    "</sheetData></worksheet>";
	/* Shared strings last in the zip, the second sheet by an absolute target. */
	const struct part p[] = {
	    {"_rels/.rels", PKG_RELS, 0},
	    {"xl/worksheets/s2.xml", s2, 0},
	    {"xl/worksheets/sheet1.xml", s1, 0},
	    {"xl/workbook.xml", WB2, 0},
	    {"xl/_rels/workbook.xml.rels", WB_RELS(""), 0},
	    {"xl/sharedStrings.xml", sst, 0},
	};
	struct tsink *t = ts_new();
	char err[512];
	int fd = zip_fd(p, sizeof(p) / sizeof(p[0]));

	T_EQ_INT(bg_workbook_kind(fd), BG_WORKBOOK_XLSX);
	T_EQ_INT(lseek(fd, 0, SEEK_CUR), 0);
	T_EQ_INT(run_fd(t, fd, NULL, err, sizeof(err)), 0);
	T_EQ_STR(err, "");
	T_EQ_STR(sheet_names[0], "一覧");
	T_EQ_STR(sheet_names[1], "追加");
	T_EQ_INT(t->naddr, 5);
	T_EQ_STR(t->addr[0], "taro@example.jp");
	T_EQ_INT(t->addr_line[0], BG_SHEET_LINE(1, 2));
	T_EQ_STR(t->addr[1], "ichiro@example.jp"); /* without its reading */
	T_EQ_INT(t->addr_line[1], BG_SHEET_LINE(1, 4));
	T_EQ_STR(t->addr[2], "hanako@example.co.jp"); /* column C by header, not A's address */
	T_EQ_INT(t->addr_line[2], BG_SHEET_LINE(1, 5));
	T_EQ_STR(t->addr[3], "ken@example.jp");
	T_EQ_INT(t->addr_line[3], BG_SHEET_LINE(2, 3));
	T_EQ_STR(t->addr[4], "yuki@example.jp");
	T_EQ_INT(t->addr_line[4], BG_SHEET_LINE(2, 7));
	/* Row 5's address in the name column is noted, not read. */
	T_EQ_INT(t->ninvalid, 2);
	T_EQ_INT(t->invalid_line[0], BG_SHEET_LINE(1, 5));
	T_EQ_STR(t->why[0],
		 "an address in column \"氏名\", not imported: this table's addresses "
		 "are read from column 3 (--column chooses, once for each column to read)");
	T_EQ_INT(t->invalid_line[1], BG_SHEET_LINE(1, 6));
	T_EQ_STR(t->why[1], "no address in column \"Ｅメール\"");
	T_EQ_INT(BG_LINE_SHEET(t->invalid_line[1]), 1);
	T_EQ_INT(BG_LINE_ROW(t->invalid_line[1]), 6);
	free(t);

	/* --column by name: only the sheet that has it; the other is noted. */
	{
		struct bg_read_opts o;

		memset(&o, 0, sizeof(o));
		o.column = "eメール";
		t = ts_new();
		fd = zip_fd(p, sizeof(p) / sizeof(p[0]));
		T_EQ_INT(run_fd(t, fd, &o, err, sizeof(err)), 0);
		T_EQ_INT(t->naddr, 3);
		T_EQ_INT(t->ninvalid, 3);
		T_EQ_INT(t->invalid_line[2], BG_SHEET_LINE(2, 1));
		T_EQ_STR(t->why[2], "sheet skipped, no column \"eメール\"");
		free(t);
		o.column = "nope";
		t = ts_new();
		fd = zip_fd(p, sizeof(p) / sizeof(p[0]));
		T_EQ_INT(run_fd(t, fd, &o, err, sizeof(err)), -EINVAL);
		T_CHECK(strstr(err, "t.xlsx: no sheet has a column \"nope\"") == err);
		free(t);
	}
}

/* Excel's _xHHHH_ escapes (ST_Xstring), in shared and inline strings: a CR in
 * a cell, an escaped underscore, a pair for a character past the BMP; text
 * that only looks like one stays. */
static void test_xstring(void)
{
	static const char sst[] = "<sst " NS "><si><t>メール</t></si>"
				  "<si><t>asano@example.jp_x000D_\nando@example.jp</t></si>"
				  "<si><t>aoyama_x005F_x@example.jp</t></si>"
				  "<si><t>_xD83D__xDE00_ emoji@example.jp</t></si>"
				  "<si><t>odd_x00G1_@example.jp</t></si></sst>";
	static const char rows[] =
	    "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"
	    "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>1</v></c></row>"
	    "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>2</v></c></row>"
	    "<row r=\"4\"><c r=\"A4\" t=\"s\"><v>3</v></c></row>"
	    "<row r=\"5\"><c r=\"A5\" t=\"s\"><v>4</v></c></row>"
	    "<row r=\"6\"><c r=\"A6\" t=\"inlineStr\"><is><t>inline_x005f_x@example.jp</t></is></c>"
	    "</row>";
	struct tsink *t = ts_new();
	char err[512];

	T_EQ_INT(run_fd(t, xlsx1(rows, sst), NULL, err, sizeof(err)), 0);
	T_EQ_INT(t->naddr, 6);
	T_EQ_STR(t->addr[0], "asano@example.jp");
	T_EQ_STR(t->addr[1], "ando@example.jp");
	T_EQ_STR(t->addr[2], "aoyama_x@example.jp");
	T_EQ_STR(t->addr[3], "emoji@example.jp");
	T_EQ_STR(t->addr[4], "odd_x00G1_@example.jp");
	T_EQ_STR(t->addr[5], "inline_x@example.jp");
	free(t);
}

static void expect_error(const char *rows, const char *sst, const char *words)
{
	struct tsink *t = ts_new();
	char err[512];
	int rc = run_fd(t, xlsx1(rows, sst), NULL, err, sizeof(err));

	T_CHECK(rc < 0);
	if (!strstr(err, words))
		fprintf(stderr, "expected \"%s\" in: %s\n", words, err);
	T_CHECK(strstr(err, words) != NULL);
	T_EQ_INT(t->naddr, 0);
	free(t);
}

static void test_hostile(void)
{
	struct tsink *t;
	char err[512];

	expect_error("<row r=\"1\"><c r=\"B1\" t=\"s\"><v>7</v></c></row>", NULL,
		     "sheet S cell B1: shared string \"7\" does not exist (0 in the table)");
	expect_error("<row r=\"2\"><c r=\"C2\"><v>1</v></c><c r=\"B2\"><v>2</v></c></row>", NULL,
		     "sheet S cell B2: not a cell of row 2");
	expect_error("<row r=\"3\"/><row r=\"2\"/>", NULL, "row \"2\" out of order");
	expect_error("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a@x.jp</t></is></c>", NULL,
		     "XML");
	/* A DTD anywhere is refused: no entity, internal or external, is expanded. */
	{
		static const char xxe[] = "<?xml version=\"1.0\"?><!DOCTYPE sst [<!ENTITY x SYSTEM "
					  "\"file:///etc/passwd\">]>"
					  "<sst " NS "><si><t>&x;</t></si></sst>";
		static const char lol[] =
		    "<?xml version=\"1.0\"?><!DOCTYPE sst [<!ENTITY a \"aaaaaaaaaa\">"
		    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c "
		    "\"&b;&b;&b;&b;&b;&b;\">]>"
		    "<sst " NS "><si><t>&c;@example.jp</t></si></sst>";

		expect_error("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>", xxe, "DTD");
		/* libxml2 stops the expansion loop itself, before the DTD is seen. */
		expect_error("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>", lol, "entity");
	}
	/* Columns past the kept ones, and a huge reference, do not allocate. */
	t = ts_new();
	T_EQ_INT(
	    run_fd(t,
		   xlsx1("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a@example.jp</t></is></c>"
			 "<c r=\"XFD1\" t=\"inlineStr\"><is><t>b@example.jp</t></is></c></row>"
			 "<row r=\"1048576\"><c r=\"A1048576\" t=\"inlineStr\"><is><t>c@example.jp"
			 "</t></is></c></row>",
			 NULL),
		   NULL, err, sizeof(err)),
	    0);
	T_EQ_INT(t->naddr, 2);
	T_EQ_INT(t->addr_line[1], BG_SHEET_LINE(1, 1048576));
	free(t);
	/* Not a workbook at all. */
	{
		int fd = memfd_create("x", MFD_CLOEXEC);

		T_EQ_INT(write(fd, "a@example.jp\n", 13), 13);
		T_EQ_INT(bg_workbook_kind(fd), BG_WORKBOOK_NONE);
		t = ts_new();
		T_EQ_INT(run_fd(t, fd, NULL, err, sizeof(err)), -ENOTSUP);
		T_EQ_STR(err, "t.xlsx: not a workbook (.xlsx or .ods)");
		free(t);
	}
}

static void test_refused(void)
{
	struct tsink *t = ts_new();
	char err[512];
	int fd = open(fixture("exact/wb-encrypted.xlsx"), O_RDONLY | O_CLOEXEC);

	T_EQ_INT(bg_workbook_kind(fd), BG_WORKBOOK_ENCRYPTED);
	T_EQ_INT(run_fd(t, fd, NULL, err, sizeof(err)), -ENOTSUP);
	T_CHECK(strstr(err, "password-protected") != NULL);
	fd = open(fixture("exact/wb-old.xls"), O_RDONLY | O_CLOEXEC);
	T_EQ_INT(bg_workbook_kind(fd), BG_WORKBOOK_XLS);
	T_EQ_INT(run_fd(t, fd, NULL, err, sizeof(err)), -ENOTSUP);
	T_CHECK(strstr(err, "export it as CSV") != NULL);
	fd = open(fixture("exact/wb-bomb.xlsx"), O_RDONLY | O_CLOEXEC);
	T_EQ_INT(run_fd(t, fd, NULL, err, sizeof(err)), -EBADMSG);
	T_CHECK(strstr(err, "zip bomb") != NULL);
	T_EQ_INT(t->naddr, 0);
	free(t);
}

#define ODS_NS                                                                                     \
	"xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "                       \
	"xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" "                         \
	"xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\""

static int ods_fd(const char *tables, const char *manifest)
{
	static char content[8192];
	const struct part p[] = {
	    {"mimetype", "application/vnd.oasis.opendocument.spreadsheet", 0},
	    {"content.xml", content, 0},
	    {"META-INF/manifest.xml",
	     manifest ? manifest
		      : "<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:"
			"manifest:1.0\"/>",
	     0},
	};

	snprintf(content, sizeof(content),
		 "<office:document-content " ODS_NS "><office:body><office:spreadsheet>%s"
		 "</office:spreadsheet></office:body></office:document-content>",
		 tables);
	return zip_fd(p, sizeof(p) / sizeof(p[0]));
}

static void test_ods(void)
{
	struct tsink *t = ts_new();
	char err[512];
	int fd = ods_fd(
	    "<table:table table:name=\"名簿\">"
	    "<table:table-row><table:table-cell><text:p>氏名</text:p></table:table-cell>"
	    "<table:table-cell table:number-columns-repeated=\"2\"/>"
	    "<table:table-cell><text:p>メール</text:p></table:table-cell>"
	    "<table:table-cell table:number-columns-repeated=\"16384\"/></table:table-row>"
	    "<table:table-row table:number-rows-repeated=\"1000000\">"
	    "<table:table-cell table:number-columns-repeated=\"16384\"/></table:table-row>"
	    "<table:table-row><table:table-cell><text:p>a<text:s text:c=\"2\"/>b</text:p>"
	    "</table:table-cell><table:table-cell table:number-columns-repeated=\"2\"/>"
	    "<table:table-cell><text:p><text:span>ken</text:span>@example.jp</text:p>"
	    "<office:annotation><text:p>old@example.org</text:p></office:annotation>"
	    "</table:table-cell></table:table-row>"
	    "<table:table-row table:number-rows-repeated=\"3\"><table:table-cell><text:p>x"
	    "</text:p></table:table-cell><table:table-cell table:number-columns-repeated=\"2\"/>"
	    "<table:table-cell><text:p>rep@example.jp</text:p></table:table-cell></table:table-row>"
	    "</table:table>"
	    "<table:table "
	    "table:name=\"二\"><table:table-row><table:table-cell><text:p>one@example.jp"
	    "</text:p><text:p>two@example.jp</text:p></table:table-cell></table:table-row>"
	    "</table:table>",
	    NULL);

	T_EQ_INT(bg_workbook_kind(fd), BG_WORKBOOK_ODS);
	T_EQ_INT(run_fd(t, fd, NULL, err, sizeof(err)), 0);
	T_EQ_STR(err, "");
	T_EQ_STR(sheet_names[0], "名簿");
	T_EQ_STR(sheet_names[1], "二");
	T_EQ_INT(t->naddr, 6);
	T_EQ_STR(t->addr[0], "ken@example.jp");
	T_EQ_INT(t->addr_line[0], BG_SHEET_LINE(1, 1000002));
	T_EQ_STR(t->addr[1], "rep@example.jp");
	T_EQ_INT(t->addr_line[3], BG_SHEET_LINE(1, 1000005));
	/* Two paragraphs are two lines of one cell: two addresses. */
	T_EQ_STR(t->addr[4], "one@example.jp");
	T_EQ_STR(t->addr[5], "two@example.jp");
	T_EQ_INT(t->addr_line[5], BG_SHEET_LINE(2, 1));
	T_EQ_INT(t->ninvalid, 0);
	free(t);

	t = ts_new();
	fd = ods_fd("<table:table table:name=\"x\"/>",
		    "<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:"
		    "manifest:1.0\"><manifest:file-entry manifest:full-path=\"content.xml\">"
		    "<manifest:encryption-data/></manifest:file-entry></manifest:manifest>");
	T_EQ_INT(run_fd(t, fd, NULL, err, sizeof(err)), -EBADMSG);
	T_CHECK(strstr(err, "password-protected (encrypted) .ods") != NULL);
	free(t);
}

/* A shared strings table past SST_MEM_MAX (16 MiB) moves to a temporary file:
 * the lookups after that, first and last string, still give the right text. */
static void test_spooled_strings(void)
{
	enum { N = 400000 };
	size_t cap = (size_t)N * 64 + 256, len = 0, i;
	char *sst = malloc(cap);
	struct tsink *t = ts_new();
	char err[512], rows[512];
	int fd, k;

	if (!sst)
		abort();
	len += (size_t)snprintf(sst + len, cap - len, "<sst " NS ">");
	for (i = 0; i < N; i++) {
		k = snprintf(sst + len, cap - len,
			     "<si><t>user%07zu@example.jp</t><rPh><t>reading</t></rPh></si>", i);
		len += (size_t)k;
	}
	len += (size_t)snprintf(sst + len, cap - len, "</sst>");
	snprintf(rows, sizeof(rows),
		 "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"
		 "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>%d</v></c></row>"
		 "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>%d</v></c></row>",
		 N - 1, N / 2);
	{
		static char sheet[1024];
		const struct part p[] = {
		    {"_rels/.rels", PKG_RELS, 0},
		    {"xl/workbook.xml",
		     "<workbook " NS "><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/>"
		     "</sheets></workbook>",
		     0},
		    {"xl/_rels/workbook.xml.rels", WB_RELS(""), 0},
		    {"xl/worksheets/sheet1.xml", sheet, 0},
		    {"xl/sharedStrings.xml", sst, len},
		};

		snprintf(sheet, sizeof(sheet),
			 "<worksheet " NS "><sheetData>%s</sheetData></worksheet>", rows);
		fd = zip_fd(p, sizeof(p) / sizeof(p[0]));
	}
	T_EQ_INT(run_fd(t, fd, NULL, err, sizeof(err)), 0);
	T_EQ_INT(t->naddr, 3);
	T_EQ_STR(t->addr[0], "user0000000@example.jp");
	T_EQ_STR(t->addr[1], "user0399999@example.jp");
	T_EQ_STR(t->addr[2], "user0200000@example.jp");
	free(t);
	free(sst);
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(test_names);
	T_RUN(test_xlsx);
	T_RUN(test_xstring);
	T_RUN(test_hostile);
	T_RUN(test_refused);
	T_RUN(test_ods);
	T_RUN(test_spooled_strings);
	ts_cleanup();
	return t_done("test_read_workbook");
}
