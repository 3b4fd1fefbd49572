#include "mime/gmime_support.hpp"

#include <iconv.h>

#include <array>
#include <mutex>
#include <vector>

namespace hiresync::mime {
namespace {

// Charsets seen in real RFC 2047 encoded words. GMime opens and closes an iconv descriptor per
// encoded word; glibc unloads a gconv module once its last descriptor is closed, so every such word
// paid for a dlopen() (about 15 µs, more than the rest of parse_headers()). One descriptor per
// charset, opened here and never closed, keeps those modules loaded for the life of the process.
constexpr std::array<const char*, 13> kPinnedCharsets{
    "ISO-8859-1", "ISO-8859-2", "ISO-8859-15", "WINDOWS-1251", "WINDOWS-1252", "KOI8-R", "ISO-2022-JP",
    "SHIFT_JIS",  "EUC-JP",     "GB2312",      "GBK",          "BIG5",         "EUC-KR",
};

void pin_gconv_modules() {
  // Held in a never-freed vector so leak checkers see them as reachable, not lost. A failed open
  // only means this system lacks the module; GMime copes on its own.
  static auto* const pinned = new std::vector<iconv_t>();
  for (const char* charset : kPinnedCharsets) {
    const iconv_t descriptor = iconv_open("UTF-8", charset);
    if (descriptor != reinterpret_cast<iconv_t>(-1)) pinned->push_back(descriptor);
  }
}

// GMime parses an attached message (message/rfc822 and kin) into a GMimeMessage, and a
// GMimeMessage parses its address headers as they are read. GMime's address parser recurses once
// per nested group, so one hostile "To: a: b: c: ..." inside an attachment overflows the stack, and
// nothing in the parser's API can stop it. HireSync reports attached messages as attachments and
// never looks inside them, so these types are registered as opaque leaf parts instead: the parser
// then keeps their bytes without parsing them. (The registry is process-wide; within HireSync only
// src/mime uses GMime.) The top-level headers are kept from GMime's message code the same way:
// parse_message() asks the parser for a part, not a message.
void register_attached_messages_as_leaves() {
  for (const char* subtype : {"rfc822", "rfc2822", "global", "news"}) {
    g_mime_object_register_type("message", subtype, g_mime_part_get_type());
  }
}

}  // namespace

void ensure_gmime_initialized() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_mime_init();
    register_attached_messages_as_leaves();
    pin_gconv_modules();
  });
}

}  // namespace hiresync::mime
