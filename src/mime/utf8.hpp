// Byte strings of unknown or broken encoding -> valid UTF-8. Internal to src/mime.
//
// Mail is full of 8-bit text that is not what it claims to be: raw ISO-8859-1 or Windows-1252 in
// headers (RFC 6532 allows only UTF-8 there), bodies with a missing or wrong charset label, bytes
// mangled by relays. Every string parse_headers() and parse_message() return goes through here, so
// callers can rely on valid UTF-8 without checking.
#pragma once

#include <string>
#include <string_view>

namespace hiresync::mime {

// Returns true when every byte of `text` is below 0x80.
bool is_ascii(std::string_view text);

// Returns true when `text` is valid UTF-8 (shortest forms only, no surrogates, at most U+10FFFF).
bool is_valid_utf8(std::string_view text);

// Makes `text` valid UTF-8 in place: valid UTF-8 sequences are kept, and every other byte is read as
// Windows-1252, the superset of ISO-8859-1 that HTML5 and mail clients assume for unlabeled 8-bit
// text. Never fails; leaves valid UTF-8 untouched (so it is idempotent).
void make_valid_utf8(std::string& text);

}  // namespace hiresync::mime
