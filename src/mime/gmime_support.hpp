// GMime plumbing shared by the parsers in src/mime: one-time initialization and owning pointers
// for GObjects and g_malloc'd strings. Internal to src/mime: the public header (mime.hpp) keeps
// GMime and glib out of the rest of the code base, so include this only from src/mime/*.cpp.
#pragma once

#include <gmime/gmime.h>

#include <memory>

namespace hiresync::mime {

// Initializes GMime once per process (std::call_once). Cheap after the first call; thread-safe.
// GMime is never shut down: its global tables live as long as the process. Also registers
// message/rfc822 and kin as opaque leaf parts (see gmime_support.cpp for why).
void ensure_gmime_initialized();

struct GObjectUnref {
  void operator()(gpointer object) const {
    if (object != nullptr) g_object_unref(object);
  }
};
// Owns one reference to a GObject (GMimeStream, GMimeParser, InternetAddressList, ...).
template <typename T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;

struct GFree {
  void operator()(gpointer memory) const { g_free(memory); }
};
// Owns a string GMime returned as "transfer full".
using GCharPtr = std::unique_ptr<char, GFree>;

}  // namespace hiresync::mime
