#include "crypto/secret_box.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace hiresync::crypto {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "secret_box_test.XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (fs::path(path_) / name).string(); }

 private:
  std::string path_;
};

const std::string kKey(32, 'k');

TEST(SecretBox, SealThenOpenRoundTrips) {
  auto box = SecretBox::from_key(kKey);
  ASSERT_TRUE(box.ok());
  const std::string sealed = box->seal("refresh-token-1", "mailbox:1");
  EXPECT_EQ(sealed.find("refresh-token-1"), std::string::npos);
  EXPECT_EQ(sealed.size(), 24 + 15 + 16u);
  auto opened = box->open(sealed, "mailbox:1");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "refresh-token-1");
  // A fresh nonce each time: the same plaintext never seals the same way twice.
  EXPECT_NE(box->seal("x", "a"), box->seal("x", "a"));
  auto empty = box->open(box->seal("", "a"), "a");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
}

TEST(SecretBox, OpenRejectsOtherRowOtherKeyAndDamage) {
  auto box = SecretBox::from_key(kKey);
  auto other = SecretBox::from_key(std::string(32, 'o'));
  ASSERT_TRUE(box.ok() && other.ok());
  std::string sealed = box->seal("secret", "mailbox:1");
  EXPECT_EQ(box->open(sealed, "mailbox:2").error().code, model::ErrorCode::kMalformedInput);
  EXPECT_EQ(other->open(sealed, "mailbox:1").error().code, model::ErrorCode::kMalformedInput);
  sealed[30] = static_cast<char>(sealed[30] ^ 1);
  EXPECT_EQ(box->open(sealed, "mailbox:1").error().code, model::ErrorCode::kMalformedInput);
  EXPECT_EQ(box->open("short", "mailbox:1").error().code, model::ErrorCode::kMalformedInput);
}

TEST(SecretBox, MacIsStablePerKeyAndMessageAndNeverTheKeyItself) {
  auto box = SecretBox::from_key(kKey);
  auto other = SecretBox::from_key(std::string(32, 'o'));
  ASSERT_TRUE(box.ok() && other.ok());
  const std::string a = box->mac("graph-client-state:42");
  EXPECT_EQ(a.size(), 32U);
  EXPECT_EQ(a, box->mac("graph-client-state:42"));
  EXPECT_NE(a, box->mac("graph-client-state:43"));
  EXPECT_NE(a, other->mac("graph-client-state:42"));
  EXPECT_EQ(a.find(kKey), std::string::npos);
}

TEST(SecretBox, FromKeyNeedsExactly32Bytes) {
  EXPECT_EQ(SecretBox::from_key("short").error().code, model::ErrorCode::kInvalidArgument);
}

TEST(SecretBox, EnvKeyAcceptsHexAndBase64AndWinsOverTheFile) {
  TempDir dir;
  const std::string hex(64, 'a');  // 32 bytes of 0xaa
  auto from_hex = SecretBox::load(hex, dir.file("unused.key"));
  ASSERT_TRUE(from_hex.ok()) << from_hex.error().detail;
  EXPECT_FALSE(fs::exists(dir.file("unused.key")));
  // base64 of 32 bytes of 0xaa.
  auto from_b64 = SecretBox::load("qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo=\n", "");
  ASSERT_TRUE(from_b64.ok()) << from_b64.error().detail;
  EXPECT_EQ(*from_b64->open(from_hex->seal("t", "r"), "r"), "t");

  EXPECT_EQ(SecretBox::load("not a key", "").error().code, model::ErrorCode::kInvalidArgument);
  EXPECT_EQ(SecretBox::load(std::string(62, 'a'), "").error().code, model::ErrorCode::kInvalidArgument);
}

TEST(SecretBox, KeyFileIsCreatedPrivateAndReusedOnTheNextStart) {
  TempDir dir;
  const std::string path = dir.file("secret.key");
  auto first = SecretBox::load("", path);
  ASSERT_TRUE(first.ok()) << first.error().detail;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  EXPECT_FALSE(fs::exists(path + ".tmp." + std::to_string(::getpid())));

  auto second = SecretBox::load("", path);
  ASSERT_TRUE(second.ok()) << second.error().detail;
  auto opened = second->open(first->seal("token", "mailbox:7"), "mailbox:7");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "token");
}

TEST(SecretBox, KeyFileReadableByOthersIsRefused) {
  TempDir dir;
  const std::string path = dir.file("secret.key");
  ASSERT_TRUE(SecretBox::load("", path).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  auto refused = SecretBox::load("", path);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, model::ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().detail.find(path), std::string::npos);
  ASSERT_EQ(::chmod(path.c_str(), 0604), 0);
  EXPECT_FALSE(SecretBox::load("", path).ok());
}

TEST(SecretBox, KeyFileWithHexTextAndBadContent) {
  TempDir dir;
  const std::string path = dir.file("hex.key");
  std::ofstream(path) << std::string(64, 'a') << "\n";
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  auto box = SecretBox::load("", path);
  ASSERT_TRUE(box.ok()) << box.error().detail;
  auto reference = SecretBox::load(std::string(64, 'a'), "");
  EXPECT_EQ(*reference->open(box->seal("t", "r"), "r"), "t");

  const std::string bad = dir.file("bad.key");
  std::ofstream(bad) << "garbage";
  ASSERT_EQ(::chmod(bad.c_str(), 0600), 0);
  EXPECT_EQ(SecretBox::load("", bad).error().code, model::ErrorCode::kInvalidArgument);
}

TEST(SecretBox, UnwritableKeyFolderIsAnInternalError) {
  auto r = SecretBox::load("", "/nonexistent-dir-for-test/secret.key");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, model::ErrorCode::kInternal);
  EXPECT_NE(r.error().detail.find("/nonexistent-dir-for-test/secret.key"), std::string::npos);
}

}  // namespace
}  // namespace hiresync::crypto
