#include "analysis/claims_index.h"

#include <cctype>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace analysis {
namespace {

constexpr char kClaimsHeading[] = "### The paper's claims beside our results";

// The cells of a Markdown table row "| a | b |".
std::vector<std::string> cells(const std::string& line) {
  absl::string_view row = absl::StripAsciiWhitespace(line);
  absl::ConsumePrefix(&row, "|");
  absl::ConsumeSuffix(&row, "|");
  std::vector<std::string> out;
  for (absl::string_view cell : absl::StrSplit(row, '|')) {
    out.emplace_back(absl::StripAsciiWhitespace(cell));
  }
  return out;
}

std::string unbold(std::string s) {
  absl::string_view v(s);
  absl::ConsumePrefix(&v, "**");
  absl::ConsumeSuffix(&v, "**");
  return std::string(v);
}

// "*Kept from the previous report (2026-11-29 00:16 UTC, on ...": the date, or "".
std::string kept_date(const std::string& line) {
  constexpr absl::string_view kPrefix = "*Kept from the previous report (";
  absl::string_view v(line);
  if (!absl::ConsumePrefix(&v, kPrefix)) return "";
  return std::string(v.substr(0, v.find(' ')));
}

}  // namespace

std::string github_anchor(const std::string& heading) {
  std::string out;
  for (const unsigned char c : heading) {
    if (c >= 0x80 || std::isalnum(c) || c == '-' || c == '_') {
      out += static_cast<char>(c >= 0x80 ? c : std::tolower(c));
    } else if (c == ' ') {
      out += '-';
    }
  }
  return out;
}

std::vector<ClaimRow> claims_of_report(const std::string& report_markdown) {
  std::vector<ClaimRow> rows;
  std::map<std::string, int> seen;  // anchor -> times, for GitHub's "-1", "-2" suffixes
  std::istringstream in(report_markdown);
  std::string line, section, anchor, kept;
  bool in_claims = false, in_table = false;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "## ")) {
      section = line.substr(3);
      anchor = github_anchor(section);
      const int n = seen[anchor]++;
      if (n > 0) absl::StrAppend(&anchor, "-", n);
      kept.clear();
      in_claims = in_table = false;
    } else if (absl::StartsWith(line, "### ")) {
      in_claims = line == kClaimsHeading;
      in_table = false;
    } else if (absl::StartsWith(line, "*Kept from")) {
      kept = kept_date(line);
    } else if (in_claims && absl::StartsWith(line, "|")) {
      const std::vector<std::string> c = cells(line);
      if (!in_table) {  // the header row, then the separator
        in_table = !c.empty() && c[0] == "claim";
        continue;
      }
      if (c.size() < 4 || absl::StartsWith(c[0], "---")) continue;
      rows.push_back({section, anchor, kept, c[0], c[1], unbold(c[3])});
    } else if (in_table && line.empty()) {
      in_claims = in_table = false;
    }
  }
  return rows;
}

std::string claims_table(const std::vector<ClaimRow>& rows, const std::string& link_prefix) {
  std::string out =
      "| claim | the paper's claim (the paper's words, not our result) | verdict here | "
      "report section |\n|---|---|---|---|\n";
  for (const ClaimRow& r : rows) {
    std::string where = absl::StrCat("[", r.section, "](", link_prefix, "#", r.anchor, ")");
    if (!r.kept.empty()) absl::StrAppend(&where, " (kept from the report of ", r.kept, ")");
    absl::StrAppend(&out, "| ", r.claim, " | ", r.paper, " | **", r.verdict, "** | ", where,
                    " |\n");
  }
  return out;
}

absl::StatusOr<std::string> replace_between_markers(const std::string& text,
                                                    const std::string& block) {
  const size_t begin = text.find(kBeginMarker);
  if (begin == std::string::npos) {
    return absl::NotFoundError(absl::StrCat("no line \"", kBeginMarker, "\""));
  }
  const size_t body = text.find('\n', begin);
  const size_t end = text.find(kEndMarker, begin);
  if (body == std::string::npos || end == std::string::npos) {
    return absl::NotFoundError(
        absl::StrCat("no line \"", kEndMarker, "\" after \"", kBeginMarker, "\""));
  }
  return absl::StrCat(text.substr(0, body + 1), block, text.substr(end));
}

}  // namespace analysis
