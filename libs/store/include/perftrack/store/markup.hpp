#pragma once

#include <string>
#include <string_view>

namespace perftrack::store {

/// `text` safe inside HTML or XML text and double-quoted attributes: &, <, >
/// and " as entities. One home for the renderers that write markup (JUnit XML,
/// the e-mailed report's HTML).
std::string escape_markup(std::string_view text);

/// JSON text safe inside an HTML <script> element: every '<' (in JSON only
/// ever inside strings) written as \u003c, so no name can close the element.
/// One home for the pages that embed their data (dashboard, flame graphs).
std::string escape_script_json(std::string_view json_text);

/// `text` safe inside a Markdown table cell, one line: a backslash before |, \,
/// `, *, <, >, [ and ], and line breaks as spaces (names and commit messages
/// are users' text). Underscores are left alone: names are full of them, and
/// GitHub's Markdown does not emphasise inside words. One home for the Markdown
/// renderers (report, gate, slo).
std::string escape_markdown_cell(std::string_view text);

/// An absolute path as a file: URL, every byte but letters, digits, "/",
/// "-", "_", "." and "~" percent-encoded: a link built from untrusted text
/// (a results file's profile folder) can only name a file.
std::string file_url(std::string_view absolute_path);

}  // namespace perftrack::store
