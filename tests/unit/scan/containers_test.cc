// Container readers, decompression and sniffing.
#include <gtest/gtest.h>
#include <zlib.h>

#include <set>

#include "scan/decompress.h"
#include "scan/npy.h"
#include "scan/scanner.h"
#include "scan/sniff.h"
#include "scan/zip_reader.h"
#include "scan_test_util.h"

namespace picket::scan {
namespace {

using namespace picket::scan::testing;

// A one-member stored ZIP written by hand so tests control every field.
std::string StoredZip(const std::string& name, const std::string& data, uint16_t flags = 0,
                      const std::string& local_name = "", uint32_t crc_override = 0) {
  uint32_t crc = crc_override ? crc_override : Crc32(data);
  std::string lname = local_name.empty() ? name : local_name;
  std::string local = Raw("PK\x03\x04") + Le(20, 2) + Le(flags, 2) + Le(0, 2) + Le(0, 4) +
                      Le(crc, 4) + Le(data.size(), 4) + Le(data.size(), 4) + Le(lname.size(), 2) +
                      Le(0, 2) + lname + data;
  std::string central = Raw("PK\x01\x02") + Le(20, 2) + Le(20, 2) + Le(flags, 2) + Le(0, 2) +
                        Le(0, 4) + Le(crc, 4) + Le(data.size(), 4) + Le(data.size(), 4) +
                        Le(name.size(), 2) + Le(0, 2) + Le(0, 2) + Le(0, 2) + Le(0, 2) + Le(0, 4) +
                        Le(0, 4) + name;
  std::string eocd = Raw("PK\x05\x06") + Le(0, 2) + Le(0, 2) + Le(1, 2) + Le(1, 2) +
                     Le(central.size(), 4) + Le(local.size(), 4) + Le(0, 2);
  return local + central + eocd;
}

TEST(ZipReader, ReadsLikeTheLoaderAndReportsAnomalies) {
  std::string zip = StoredZip("archive/data.pkl", "\x80\x02N.", 0x41, "datap.kl", 1234);
  std::vector<ZipDirectory> readings;
  std::string error;
  ASSERT_TRUE(ReadZipDirectories(zip, 100, &readings, &error)) << error;
  ASSERT_EQ(readings.size(), 1u);
  const ZipDirectory& dir = readings[0];
  ASSERT_EQ(dir.entries.size(), 1u);
  const ZipEntry& e = dir.entries[0];
  EXPECT_EQ(e.name, "archive/data.pkl");
  EXPECT_EQ(e.local_name, "datap.kl");
  EXPECT_EQ(e.data, "\x80\x02N.");
  EXPECT_GE(e.anomalies.size(), 3u);  // name mismatch, encryption bit, 0x40 bit
  EXPECT_NE(Crc32(e.data), e.crc);
}

TEST(ZipReader, FindsArchiveBehindLeadingBytes) {
  std::string zip = "JUNKJUNK" + StoredZip("a.pkl", "N.");
  std::vector<ZipDirectory> readings;
  std::string error;
  ASSERT_TRUE(ReadZipDirectories(zip, 100, &readings, &error)) << error;
  // miniz 2 (offsets from the file's start) cannot read it; zipfile can.
  ASSERT_EQ(readings.size(), 1u);
  EXPECT_EQ(readings[0].prefix_bytes, 8u);
  EXPECT_EQ(readings[0].entries.at(0).data, "N.");
}

TEST(ZipReader, DamagedDirectoryIsAnErrorNotACrash) {
  std::string zip = StoredZip("a.pkl", "N.");
  for (size_t cut = 0; cut < zip.size(); cut += 7) {
    std::vector<ZipDirectory> readings;
    std::string error;
    std::string broken = zip;
    broken[cut] ^= 0x5A;
    ReadZipDirectories(broken, 100, &readings, &error);  // must not crash; result may vary
  }
  std::vector<ZipDirectory> readings;
  std::string error;
  EXPECT_FALSE(ReadZipDirectories("PK\x05\x06", 100, &readings, &error));
}

TEST(Decompress, StopsAtTheLimit) {
  std::string plain(1 << 20, 'A');
  std::string packed(compressBound(plain.size()), '\0');
  uLongf packed_size = packed.size();
  ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size,
                      reinterpret_cast<const Bytef*>(plain.data()), plain.size(), 9),
            Z_OK);
  packed.resize(packed_size);
  std::string out, error;
  EXPECT_EQ(Decompress(Codec::kZlib, packed, 1000, &out, &error), DecompressStatus::kLimit);
  EXPECT_EQ(out.size(), 1000u);
  out.clear();
  EXPECT_EQ(Decompress(Codec::kZlib, packed, plain.size(), &out, &error), DecompressStatus::kOk);
  EXPECT_EQ(out, plain);
  out.clear();
  EXPECT_EQ(
      Decompress(Codec::kZlib, packed.substr(0, packed.size() / 2), plain.size(), &out, &error),
      DecompressStatus::kError);
  out.clear();
  EXPECT_EQ(Decompress(Codec::kGzip, "\x1f\x8bnot gzip", 100, &out, &error),
            DecompressStatus::kError);
  EXPECT_FALSE(error.empty());
}

TEST(Npy, ParsesVersionsAndObjectDtypes) {
  auto npy = [](int major, const std::string& descr) {
    std::string header = "{'descr': " + descr + ", 'fortran_order': False, 'shape': (1,), }\n";
    std::string len = major == 1 ? Le(header.size(), 2) : Le(header.size(), 4);
    return Raw("\x93NUMPY") + static_cast<char>(major) + std::string(1, '\0') + len + header +
           "BODY";
  };
  for (int major : {1, 2, 3}) {
    NpyHeader h;
    std::string error;
    std::string file = npy(major, "'<f8'");
    ASSERT_TRUE(ParseNpyHeader(file, &h, &error)) << error;
    EXPECT_EQ(h.descr, "'<f8'");
    EXPECT_EQ(h.body, NpyHeader::Body::kPlain);
    EXPECT_EQ(file.substr(h.data_offset), "BODY");
  }
  NpyHeader obj, structured;
  std::string error;
  ASSERT_TRUE(ParseNpyHeader(npy(1, "'|O'"), &obj, &error));
  EXPECT_EQ(obj.body, NpyHeader::Body::kObject);
  ASSERT_TRUE(ParseNpyHeader(npy(1, "[('a', '<f8'), ('b', '|O')]"), &structured, &error));
  EXPECT_EQ(structured.body, NpyHeader::Body::kObject);
  NpyHeader bad;
  ASSERT_TRUE(ParseNpyHeader(Raw("\x93NUMPY\x09\x00"), &bad, &error));
  EXPECT_EQ(bad.body, NpyHeader::Body::kRefused);
  EXPECT_FALSE(ParseNpyHeader(Raw("\x93NUMPY\x01\x00\xff"), &bad, &error));
}

TEST(Sniff, IdentifiesByContent) {
  EXPECT_EQ(SniffFormat(StoredZip("a", "b")), Format::kZip);
  EXPECT_EQ(SniffFormat("\x80\x04N."), Format::kPickle);
  EXPECT_EQ(SniffFormat("(lp0\n."), Format::kPickleWeak);
  EXPECT_EQ(SniffFormat(Raw("\x93NUMPY\x01\x00")), Format::kNpy);
  EXPECT_EQ(SniffFormat(Raw("7z\xbc\xaf\x27\x1c\x00\x04")), Format::kSevenZip);
  EXPECT_EQ(SniffFormat(Raw("\x28\xb5\x2f\xfd\x00")), Format::kZstd);
  EXPECT_EQ(SniffFormat(Raw("\x04\x22\x4d\x18")), Format::kLz4);
  EXPECT_EQ(SniffFormat("BZh91AY"), Format::kBzip2);
  EXPECT_EQ(SniffFormat("{\"json\": 1}"), Format::kUnknown);
  EXPECT_EQ(SniffFormat(""), Format::kUnknown);
}

}  // namespace
}  // namespace picket::scan

namespace picket::scan {
namespace {

using namespace picket::scan::testing;

// A stored local record and its central record at `offset`.
std::string Local(const std::string& name, const std::string& data) {
  return Raw("PK\x03\x04") + Le(20, 2) + Le(0, 2) + Le(0, 2) + Le(0, 4) + Le(Crc32(data), 4) +
         Le(data.size(), 4) + Le(data.size(), 4) + Le(name.size(), 2) + Le(0, 2) + name + data;
}
std::string Central(const std::string& name, const std::string& data, uint64_t offset) {
  return Raw("PK\x01\x02") + Le(20, 2) + Le(20, 2) + Le(0, 2) + Le(0, 2) + Le(0, 4) +
         Le(Crc32(data), 4) + Le(data.size(), 4) + Le(data.size(), 4) + Le(name.size(), 2) +
         Le(0, 2) + Le(0, 2) + Le(0, 2) + Le(0, 2) + Le(0, 4) + Le(offset, 4) + name;
}

// Issue 16 item 3: the end record points at directory A; directory B ends
// where the end record starts. miniz 2 reads A, zipfile and miniz 3 read B
// (offsets shifted by A's size). Both readings are returned.
TEST(ZipReader, ReturnsEveryPlausibleCentralDirectory) {
  std::string evil = "\x80\x02" + Global("os", "system") + "(" + Bu("id") + "tR.";
  std::string benign = "\x80\x02N.";
  std::string body = Local("archive/data.pkl", evil);
  body += std::string(200, '\0');
  uint64_t benign_at = body.size();
  body += Local("archive/data.pkl", benign);
  std::string a = Central("archive/data.pkl", evil, 0);
  std::string b = Central("archive/data.pkl", benign, benign_at - a.size());
  ASSERT_EQ(a.size(), b.size());
  std::string zip = body + a + b + Raw("PK\x05\x06") + Le(0, 2) + Le(0, 2) + Le(1, 2) + Le(1, 2) +
                    Le(a.size(), 4) + Le(body.size(), 4) + Le(0, 2);
  std::vector<ZipDirectory> readings;
  std::string error;
  ASSERT_TRUE(ReadZipDirectories(zip, 100, &readings, &error)) << error;
  ASSERT_EQ(readings.size(), 2u);
  EXPECT_NE(readings[0].reader.find("miniz 2"), std::string::npos);
  EXPECT_EQ(readings[0].entries.at(0).data, evil);
  EXPECT_EQ(readings[1].entries.at(0).data, benign);

  Scanner scanner(Policy(Allowlist::BuiltIn()), ScanLimits{});
  FileReport r = scanner.ScanBytes(zip, "two.pt");
  EXPECT_EQ(r.verdict, Verdict::kMalicious);
  bool disagreement = false;
  for (const Finding& f : r.findings) disagreement |= f.rule_id == "ZIP200";
  EXPECT_TRUE(disagreement);
}

TEST(ZipReader, DuplicateAndOverlappingMembersAreSuspicious) {
  std::string data = "\x80\x02N.";
  std::string body = Local("archive/data.pkl", data);
  std::string dir = Central("archive/data.pkl", data, 0) + Central("archive/data.pkl", data, 0);
  std::string zip = body + dir + Raw("PK\x05\x06") + Le(0, 2) + Le(0, 2) + Le(2, 2) + Le(2, 2) +
                    Le(dir.size(), 4) + Le(body.size(), 4) + Le(0, 2);
  FileReport r = Scanner(Policy(Allowlist::BuiltIn()), ScanLimits{}).ScanBytes(zip, "dup.zip");
  std::set<std::string> rules;
  for (const Finding& f : r.findings) rules.insert(f.rule_id);
  EXPECT_TRUE(rules.count("ZIP201"));
  EXPECT_TRUE(rules.count("ZIP202"));
}

}  // namespace
}  // namespace picket::scan
