/* fuzz_workbook.c: the workbook reader (bg_workbook_read on a memfd).  An input
 * that starts with "PK" or the OLE2 magic is a whole file as it is (the seeds
 * include real .xlsx and .ods files).  Otherwise its first byte picks one XML
 * part and the rest is that part's text, put into an otherwise well-formed
 * stored zip, so that mutations reach the XML instead of breaking the deflate
 * stream: 0 an .xlsx sheet, 1 the shared strings, 2 workbook.xml, 3 the
 * workbook relationships, 4 an .ods content.xml, 5 the .ods manifest. */
#include <archive.h>
#include <archive_entry.h>

#include "fuzz.h"
#include "workbook.h"

#define NS                                                                                         \
	"xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "                     \
	"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
#define REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

static const char *const xlsx_parts[][2] = {
    {"xl/worksheets/sheet1.xml",
     "<worksheet " NS "><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c>"
     "<c r=\"B1\" t=\"inlineStr\"><is><t>mail</t></is></c></row><row r=\"2\"><c r=\"A2\" "
     "t=\"s\"><v>1</v></c><c r=\"B2\" t=\"s\"><v>2</v></c></row></sheetData></worksheet>"},
    {"xl/sharedStrings.xml",
     "<sst " NS "><si><t>name</t></si><si><t>山田</t><rPh><t>ヤマダ</t></rPh></si>"
     "<si><r><t>a</t></r><r><t>@example.jp</t></r></si></sst>"},
    {"xl/workbook.xml",
     "<workbook " NS
     "><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"},
    {"xl/_rels/workbook.xml.rels",
     "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
     "<Relationship Id=\"rId1\" Type=\"" REL "worksheet\" Target=\"worksheets/sheet1.xml\"/>"
     "<Relationship Id=\"rId2\" Type=\"" REL "sharedStrings\" Target=\"sharedStrings.xml\"/>"
     "</Relationships>"},
};

static const char *const ods_parts[][2] = {
    {"content.xml",
     "<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
     "xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" "
     "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body>"
     "<office:spreadsheet><table:table table:name=\"T\"><table:table-row>"
     "<table:table-cell><text:p>a@example.jp</text:p></table:table-cell></table:table-row>"
     "</table:table></office:spreadsheet></office:body></office:document-content>"},
    {"META-INF/manifest.xml",
     "<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\"/>"},
};

static void add(struct archive *a, const char *name, const void *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();

	if (!e)
		return;
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	if (archive_write_header(a, e) == ARCHIVE_OK)
		archive_write_data(a, data, len);
	archive_entry_free(e);
}

/* A stored zip with part `which` replaced by data; its descriptor, or -1. */
static int build(unsigned which, const uint8_t *data, size_t size)
{
	static const char pkg_rels[] =
	    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	    "<Relationship Id=\"rId1\" Type=\"" REL "officeDocument\" Target=\"xl/workbook.xml\"/>"
	    "</Relationships>";
	static const char mime[] = "application/vnd.oasis.opendocument.spreadsheet";
	int fd = memfd_create("fuzz-wb", MFD_CLOEXEC);
	struct archive *a = archive_write_new();
	size_t i;

	if (fd < 0 || !a)
		goto fail;
	if (archive_write_set_format_zip(a) != ARCHIVE_OK ||
	    archive_write_zip_set_compression_store(a) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK)
		goto fail;
	if (which < 4) {
		add(a, "_rels/.rels", pkg_rels, strlen(pkg_rels));
		for (i = 0; i < 4; i++) {
			if (i == which)
				add(a, xlsx_parts[i][0], data, size);
			else
				add(a, xlsx_parts[i][0], xlsx_parts[i][1],
				    strlen(xlsx_parts[i][1]));
		}
	} else {
		add(a, "mimetype", mime, strlen(mime));
		for (i = 0; i < 2; i++) {
			if (i + 4 == which)
				add(a, ods_parts[i][0], data, size);
			else
				add(a, ods_parts[i][0], ods_parts[i][1], strlen(ods_parts[i][1]));
		}
	}
	archive_write_close(a);
	archive_write_free(a);
	return fd;
fail:
	if (a)
		archive_write_free(a);
	if (fd >= 0)
		close(fd);
	return -1;
}

int fuzz_one(const uint8_t *data, size_t size)
{
	static const char *const columns[] = {NULL, "2", "mail", "メール"};
	struct bg_read_opts o;
	struct bg_sink sink;
	struct fuzz_count count;
	struct bg_reader_ctx c;
	char path[64];
	int fd;

	if (size == 0)
		return 0;
	memset(&o, 0, sizeof(o));
	o.column = columns[size % (sizeof(columns) / sizeof(columns[0]))];
	if ((size >= 2 && data[0] == 'P' && data[1] == 'K') || (size >= 1 && data[0] == 0xd0))
		fd = fuzz_file(data, size, path, sizeof(path));
	else
		fd = build(data[0] % 6u, data + 1, size - 1);
	if (fd < 0)
		return 0;
	fuzz_sink(&sink, &count);
	bg_reader_ctx_init(&c, NULL, "fuzz.xlsx", &o, &sink);
	/* A refusal must always say why: an empty message is a finding. */
	if (bg_reader_finish(&c, bg_workbook_read(&c, fd)) < 0 && !c.err.msg[0])
		__builtin_trap();
	close(fd);
	return 0;
}
